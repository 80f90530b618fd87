// `aiqyn publish` and `aiqyn hash` end to end: the real binary against a real server and chain. A fund's own
// spreadsheet (Russian headers, thousands separators, Almaty dates, trades, court orders) in CSV and XLSX is
// checked by row and column, then published exactly once across a run killed halfway and a rerun; its receipts
// archive is read by `aiqyn audit --receipts` as it is.
import { expect } from "chai";
import ExcelJS from "exceljs";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path, { dirname, join } from "node:path";
import { bytesToHex, keccak256, type RecordV1 } from "../../core";
import { unixOfWallClock } from "../../core/publish/values";
import { startTestStack, postRecords, sampleRecord, type TestStack } from "../helpers/stack";
import { chainArgs, runCli } from "./cli-helpers";

const BIN = path.resolve(__dirname, "../../bin/aiqyn");

const MAPPING = {
  format: "aiqyn-columns/1",
  columns: {
    "Вид операции": "kind",
    Дата: "date",
    Актив: "asset",
    Количество: "amount",
    "Стоимость, USD": "value_usd",
    Контрагент: "counterparty",
    Основание: "reference",
    Документ: "document",
    Примечание: "memo",
    "Актив оплаты": "pay_asset",
    "Сумма оплаты": "pay_amount",
  },
  kinds: { Конфискация: "INFLOW_SEIZURE", Майнинг: "INFLOW_MINING", Грант: "GRANT", Покупка: "trade" },
  decimal: ",",
};
const HEADERS = Object.keys(MAPPING.columns);

interface FundRow {
  kind: string;
  day: number;
  hour: number;
  asset: string;
  amount: string;
  valueUsd: string;
  counterparty: string;
  reference: string;
  document: string;
  memo: string;
  payAsset: string;
  payAmount: string;
}

/** Row i of a month of the fund (October 2025): seizures, mining, grants and a trade every 50th row. */
function fundRow(i: number, tag: string): FundRow {
  const day = 1 + (i % 28);
  const base = { day, hour: 9 + (i % 9), document: "", memo: `${tag} ${i}`, payAsset: "", payAmount: "" };
  if (i % 50 === 7)
    return {
      ...base,
      kind: "Покупка",
      asset: "BNB",
      amount: "12,5",
      valueUsd: "7 500,00",
      counterparty: "Binance",
      reference: `${tag} order ${i}`,
      payAsset: "USDT",
      payAmount: "7 500",
    };
  if (i % 3 === 0)
    return {
      ...base,
      kind: "Конфискация",
      asset: "USDT",
      amount: "13 440 000,00",
      valueUsd: "13 440 000,00",
      counterparty: "Алматинский городской суд",
      reference: `${tag} court order 2-${i}/2025`,
      document: i === 0 ? "court-order.pdf" : "",
    };
  if (i % 3 === 1)
    return {
      ...base,
      kind: "Майнинг",
      asset: "BTC",
      amount: "0,31250000",
      valueUsd: "33 750,25",
      counterparty: "State mining pool",
      reference: `${tag} block ${900000 + i}`,
    };
  return {
    ...base,
    kind: "Грант",
    asset: "USDT",
    amount: "1 000",
    valueUsd: "1 000",
    counterparty: "Almaty school no. 12",
    reference: `${tag} grant ${i}`,
  };
}

const cellsOf = (r: FundRow, date: string) => [
  r.kind,
  date,
  r.asset,
  r.amount,
  r.valueUsd,
  r.counterparty,
  r.reference,
  r.document,
  r.memo,
  r.payAsset,
  r.payAmount,
];
const dotted = (r: FundRow) => `${String(r.day).padStart(2, "0")}.10.2025 ${r.hour}:30`;
const csvLine = (cells: string[]) => cells.map((c) => (/[;"\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(";");

async function writeCsv(file: string, rows: FundRow[]): Promise<void> {
  await writeFile(file, [csvLine(HEADERS), ...rows.map((r) => csvLine(cellsOf(r, dotted(r))))].join("\r\n") + "\r\n");
}

/** An XLSX as a clerk's Excel saves it: date cells, numeric cells, and text with separators. */
async function writeXlsx(file: string, rows: FundRow[]): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Октябрь");
  sheet.addRow(HEADERS);
  for (const r of rows) {
    const cells: unknown[] = cellsOf(r, "");
    cells[1] = new Date(Date.UTC(2025, 9, r.day, r.hour, 30));
    if (r.kind === "Майнинг") cells[3] = 0.3125;
    sheet.addRow(cells);
  }
  await workbook.xlsx.writeFile(file);
}

/** Runs the publish command, killing it with SIGKILL once its progress shows `killAfter` bulks done. */
function publishRun(
  args: string[],
  killAfter?: number,
): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "publish", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (killAfter !== undefined && !killed && new RegExp(`^bulk ${killAfter}/`, "m").test(stderr)) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

async function allRecords(stack: TestStack): Promise<RecordV1[]> {
  const found: RecordV1[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await fetch(`${stack.baseUrl}/api/v1/records?limit=500${cursor ? `&cursor=${cursor}` : ""}`)
    ).json()) as { records: { record: RecordV1 }[]; nextCursor: string | null };
    found.push(...page.records.map((r) => r.record));
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

describe("cli: aiqyn publish and aiqyn hash (real server and chain)", function () {
  this.timeout(600_000);
  let stack: TestStack;
  let dir: string;
  let keyFile: string;
  let mappingFile: string;
  const PDF = "%PDF-1.7\ncourt order 2-0/2025 of the Almaty City Court\n%%EOF\n";
  const common = () => ["--server", stack.baseUrl, "--key-file", keyFile, "--columns", mappingFile];

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 300 });
    dir = await mkdtemp(join(tmpdir(), "aiqyn-publish-"));
    keyFile = join(dir, "key");
    await writeFile(keyFile, stack.apiKey + "\n");
    mappingFile = join(dir, "columns.json");
    await writeFile(mappingFile, JSON.stringify(MAPPING));
    await writeFile(join(dir, "court-order.pdf"), PDF);
  });
  after(async () => stack?.stop());

  it("hash prints the keccak-256 documentHash of a file", async () => {
    const run = await runCli(["hash", join(dir, "court-order.pdf")]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.split(/\s+/)[0]).to.equal(bytesToHex(keccak256(new TextEncoder().encode(PDF))));
  });

  it("the dry run reports every problem by spreadsheet row and column and writes nothing", async () => {
    const rows = [fundRow(1, "dry"), fundRow(2, "dry"), fundRow(3, "dry"), fundRow(4, "dry"), fundRow(5, "dry")];
    rows[1] = { ...rows[1]!, amount: "abc" }; // sheet row 3: not a number
    rows[3] = { ...rows[3]!, asset: "btc" }; // sheet row 5
    const lines = [csvLine(HEADERS), ...rows.map((r) => csvLine(cellsOf(r, dotted(r))))];
    lines.splice(4, 0, ""); // a blank line: sheet row 5 stays blank, the rest move down one
    lines[6] = csvLine(cellsOf(rows[4]!, "15/10/2025")); // sheet row 7: an ambiguous date
    const file = join(dir, "dry.csv");
    await writeFile(file, lines.join("\n") + "\n");
    const before = await stack.server.store.maxSeq();
    const run = await publishRun([file, ...common(), "--dry-run", "--json"]);
    expect(run.code, run.stderr + run.stdout).to.equal(1);
    const report = JSON.parse(run.stdout) as { problems: { row: number; column: string; code: string }[] };
    expect(report.problems.map((p) => [p.row, p.column.split(" ")[0], p.code])).to.deep.equal([
      [3, "D", "NUMBER_FORMAT"],
      [6, "C", "ASSET_FORMAT"],
      [7, "B", "DATE_FORMAT"],
    ]);
    expect(await stack.server.store.maxSeq()).to.equal(before);
    const text = await publishRun([file, ...common(), "--dry-run"]);
    expect(text.stdout).to.contain("dates and times read in Asia/Almaty (UTC+05:00 now)");
    expect(text.stdout).to.contain("row 6, column C (Актив): ASSET_FORMAT").and.contain("upper case: BTC");
    expect(text.stdout).to.contain("nothing was written");
  });

  it("warns of a running balance going negative and of a row identical to a published record", async () => {
    const [published] = await postRecords(stack, [
      {
        ...sampleRecord(),
        kind: "GRANT",
        asset: "KZT",
        amount: "5",
        valueUsd: "0.01",
        occurredAt: unixOfWallClock({ year: 2025, month: 10, day: 2, hour: 10, minute: 0, second: 0 }, "Asia/Almaty"),
        counterparty: "x",
        reference: "dup-ref",
        memo: "",
      },
    ]);
    const file = join(dir, "warn.csv");
    const grant = (ref: string, amount: string) =>
      csvLine(["Грант", "02.10.2025 10:00", "KZT", amount, "0,01", "x", ref, "", "", "", ""]);
    await writeFile(file, [csvLine(HEADERS), grant("dup-ref", "5"), grant("other", "1 000 000")].join("\n"));
    const run = await publishRun([file, ...common(), "--dry-run", "--json"]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as { warnings: { row: number; code: string; message: string }[] };
    expect(report.warnings.map((w) => [w.row, w.code])).to.deep.include.members([
      [2, "IDENTICAL_RECORD"],
      [2, "BALANCE_NEGATIVE"],
    ]);
    expect(report.warnings.find((w) => w.code === "IDENTICAL_RECORD")!.message).to.contain(`record ${published!.seq}`);
  });

  it("docs/PUBLISHING.md's template and worked month pass the dry run as written", async () => {
    const guide = await readFile(path.resolve(__dirname, "../../docs/PUBLISHING.md"), "utf8");
    const month = /## A worked month[\s\S]*?```csv\n([\s\S]*?)```/.exec(guide)![1]!;
    const file = join(dir, "worked-month.csv");
    await writeFile(file, month);
    for (const doc of new Set([...month.matchAll(/;([a-z]+\/[a-z0-9-]+\.pdf);/g)].map((m) => m[1]!))) {
      await mkdir(join(dir, dirname(doc)), { recursive: true });
      await writeFile(join(dir, doc), `%PDF-1.7\n${doc}\n`);
    }
    const run = await publishRun([
      file,
      "--server",
      stack.baseUrl,
      "--key-file",
      keyFile,
      "--decimal",
      ",",
      "--dry-run",
    ]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout, run.stdout).to.contain("9 row(s) read → 12 record(s)").and.contain("no problems");
    const template = join(dir, "template.csv");
    await writeFile(template, await readFile(path.resolve(__dirname, "../../docs/publishing-template.csv")));
    const filled = await publishRun([template, "--server", stack.baseUrl, "--key-file", keyFile, "--dry-run"]);
    expect(filled.code, filled.stdout + filled.stderr).to.equal(0);
  });

  for (const format of ["csv", "xlsx"] as const) {
    it(`publishes 1,000 ${format.toUpperCase()} rows exactly once across a killed run and a rerun`, async () => {
      const tag = `${format}-month`;
      const rows = Array.from({ length: 1000 }, (_, i) => fundRow(i, tag));
      const file = join(dir, `october.${format}`);
      if (format === "csv") await writeCsv(file, rows);
      else await writeXlsx(file, rows);
      const expected = rows.reduce((n, r) => n + (r.kind === "Покупка" ? 2 : 1), 0);
      const before = await stack.server.store.maxSeq();

      const first = await publishRun([file, ...common(), "--bulk", "100"], 3);
      expect(first.killed, first.stderr + first.stdout).to.equal(true);
      const midway = (await stack.server.store.maxSeq()) - before;
      expect(midway).to.be.within(300, expected - 1);

      const rerun = await publishRun([file, ...common(), "--bulk", "100"]);
      expect(rerun.code, rerun.stderr + rerun.stdout).to.equal(0);
      expect(rerun.stderr).to.contain("(stored before: its first receipts)");
      expect((await stack.server.store.maxSeq()) - before).to.equal(expected);

      const mine = (await allRecords(stack)).filter((r) => r.memo.includes(tag));
      expect(mine).to.have.length(expected);
      expect(new Set(mine.map((r) => `${r.reference}|${r.kind}`)).size).to.equal(expected);
      const seizure = mine.find((r) => r.memo === `${tag} 0`)!;
      expect(seizure).to.include({
        kind: "INFLOW_SEIZURE",
        asset: "USDT",
        amount: "13440000.00",
        valueUsd: "13440000.00",
      });
      expect(seizure.occurredAt).to.equal(Date.UTC(2025, 9, 1, 9 - 5, 30) / 1000);
      expect(seizure.documentHash).to.equal(bytesToHex(keccak256(new TextEncoder().encode(PDF))));
      const trade = mine.filter((r) => r.memo.startsWith("trade:") && r.memo.endsWith(`${tag} 7`));
      expect(trade.map((r) => [r.kind, r.asset, r.amount])).to.deep.equal([
        ["INVESTMENT", "BNB", "12.5"],
        ["DIVESTMENT", "USDT", "7500"],
      ]);
      const document = await fetch(`${stack.baseUrl}/api/v1/documents/${seizure.documentHash}`);
      expect(await document.text()).to.equal(PDF);

      const archive = JSON.parse(await readFile(join(dir, "october.receipts.json"), "utf8")) as {
        receipts: { row: number; leg: number; seq: number }[];
      };
      expect(archive.receipts).to.have.length(expected);
      const bySeq = new Map(mine.map((r) => [r.seq, r]));
      for (const entry of archive.receipts) {
        const record = bySeq.get(entry.seq)!;
        expect(record.memo.endsWith(`${tag} ${entry.row - 2}`), `row ${entry.row}`).to.equal(true);
      }
      const csv = (await readFile(join(dir, "october.receipts.csv"), "utf8")).trim().split("\n");
      expect(csv[0]).to.equal("row,leg,seq,leaf,publishedAt,signer,signature");
      expect(csv).to.have.length(expected + 1);

      await stack.waitForAnchored(before + expected, 120_000);
      const audit = await runCli([
        "audit",
        ...chainArgs(stack),
        "--server",
        stack.baseUrl,
        "--receipts",
        join(dir, "october.receipts.json"),
        "--json",
      ]);
      const report = JSON.parse(audit.stdout) as { totals: { receiptsChecked: number }; findings: { code: string }[] };
      expect(report.totals.receiptsChecked, audit.stderr).to.equal(expected);
      expect(report.findings.filter((f) => /RECEIPT/.test(f.code))).to.deep.equal([]);
    });
  }

  it("verify --document: a file that is not the record's document never reads as every check passed", async () => {
    const seizure = (await allRecords(stack)).find((r) => r.memo === "csv-month 0")!;
    const bundleFile = join(dir, "bundle.json");
    await writeFile(bundleFile, await (await fetch(`${stack.baseUrl}/api/v1/records/${seizure.seq}/proof`)).text());
    const wrong = join(dir, "wrong.pdf");
    await writeFile(wrong, PDF.replace("2-0", "2-1"));
    // --server: the batch's records bind the record to its seq (else POSITION NOT CHECKED, whatever the document).
    const source = ["--server", stack.baseUrl];
    const bad = await runCli(["verify", bundleFile, "--document", wrong, ...source, ...chainArgs(stack)]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.contain("✗ document-hash");
    expect(bad.stdout).to.not.contain("every check passed");
    expect(bad.stdout).to.contain("DOCUMENT MISMATCH");
    const court = join(dir, "court-order.pdf");
    const good = await runCli(["verify", bundleFile, "--document", court, ...source, ...chainArgs(stack)]);
    expect(good.code, good.stdout).to.equal(0);
    expect(good.stdout).to.contain("ANCHORED: every check passed");
  });
});
