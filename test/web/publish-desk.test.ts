// The publisher's desk (/publish) end to end in real Chromium against the real server and chain: one record
// through the form (Almaty date, a document hashed in the browser and uploaded), a CSV with the report by row,
// publishing in bulks, the receipts downloaded, kk/ru/en, the key kept in memory only, and none of it in the
// citizens' bundle.
import { expect } from "chai";
import ExcelJS from "exceljs";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { bytesToHex, keccak256, type RecordV1 } from "../../core";
import { startTestStack, type TestStack } from "../helpers/stack";
import {
  closeCheckedPage,
  exportMirror,
  newPage,
  startBakedHost,
  startBrowser,
  startTamperingProxy,
  type Browser,
} from "./browser";

const ROOT = path.resolve(__dirname, "..", "..");
const DIST = path.join(ROOT, "web", "dist");

function newest(dir: string): number {
  return Math.max(
    ...fs.readdirSync(dir, { withFileTypes: true }).map((d) => {
      const p = path.join(dir, d.name);
      return d.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs;
    }),
  );
}

/** Builds web/dist when the desk's build is missing or older than its sources. */
function ensureDeskBuilt(): void {
  const built = path.join(DIST, "publish", "index.html");
  const at = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const sources = Math.max(newest(path.join(ROOT, "web", "publish")), newest(path.join(ROOT, "core")));
  if (at < sources) execFileSync(process.execPath, [path.join(ROOT, "web", "build.mjs")], { cwd: ROOT, stdio: "pipe" });
}

const PDF = Buffer.from("%PDF-1.7\ncourt order 2-1147/2025, Almaty City Court\n%%EOF\n");

describe("web: the publisher's desk and the citizens' document check (Chromium)", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let browser: Browser | null;

  before(async function () {
    browser = await startBrowser();
    if (!browser) return this.skip();
    ensureDeskBuilt();
    stack = await startTestStack({ batchIntervalMs: 300 });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const record = async (seq: number) =>
    ((await (await fetch(`${stack.baseUrl}/api/v1/records/${seq}`)).json()) as { record: RecordV1 }).record;
  const status = (page: Page, id: string) => page.locator(id).textContent();

  it("is not part of the citizens' bundle", () => {
    const citizens = ["app.js", ...fs.readdirSync(path.join(DIST, "chunks")).map((f) => `chunks/${f}`)];
    for (const file of citizens) {
      const text = fs.readFileSync(path.join(DIST, file), "utf8");
      expect(text, file).to.not.match(/idempotency-key|aiqyn-publish|Publisher key/i);
    }
    expect(fs.readFileSync(path.join(DIST, "publish", "publish.js"), "utf8")).to.match(/idempotency-key/);
  });

  it("publishes one record from the form: Almaty time, a document hashed in the browser and uploaded", async () => {
    const { page, errors, hosts } = await newPage(browser!.context);
    await page.goto(`${stack.baseUrl}/publish`);
    await page.fill("#key", stack.apiKey);
    await page.selectOption("#f-kind", "INFLOW_SEIZURE");
    await page.fill("#f-date", "2025-10-15");
    await page.fill("#f-time", "14:30");
    await page.fill("#f-asset", "btc");
    await page.fill("#f-amount", "1,5");
    await page.fill("#f-valueUsd", "145 000,25");
    await page.fill("#f-counterparty", "Almaty City Court");
    await page.fill("#f-reference", "court order 2-1147/2025");
    await page.click("#f-check");
    await page.waitForSelector("#f-report li.problem");
    expect(await page.locator("#f-report").textContent()).to.contain("asset symbols are upper case: BTC");
    expect(await stack.server.store.maxSeq()).to.equal(0);

    await page.fill("#f-asset", "BTC");
    await page.setInputFiles("#f-document", { name: "order.pdf", mimeType: "application/pdf", buffer: PDF });
    const hash = bytesToHex(keccak256(PDF));
    await page.waitForFunction((h) => document.querySelector("#f-status")?.textContent?.includes(h), hash);
    await page.click("#f-publish");
    await page.waitForFunction(() => /seq \d/.test(document.querySelector("#f-status")?.textContent ?? ""));
    const stored = await record(1);
    expect(stored).to.include({ asset: "BTC", amount: "1.5", valueUsd: "145000.25", documentHash: hash });
    expect(stored.occurredAt).to.equal(Date.UTC(2025, 9, 15, 9, 30) / 1000);
    const served = await fetch(`${stack.baseUrl}/api/v1/documents/${hash}`);
    expect(Buffer.from(await served.arrayBuffer()).equals(PDF)).to.equal(true);
    const stores = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    expect(stores).to.deep.equal([0, 0, ""]);
    await closeCheckedPage(page, errors, hosts);
  });

  it("checks a CSV by spreadsheet row, then publishes it and hands over the receipts", async () => {
    const { page, errors, hosts } = await newPage(browser!.context);
    await page.goto(`${stack.baseUrl}/publish`);
    await page.fill("#key", stack.apiKey);
    await page.click("#tab-sheet");
    const line = (i: number, amount: string) =>
      `GRANT,0${1 + (i % 9)}.10.2025,USDT,${amount},"${amount}",Almaty school ${i},grant G-${i},,desk ${i},`;
    const header = "kind,date,asset,amount,value_usd,counterparty,reference,document,memo,corrects";
    const bad = [header, line(1, "100"), line(2, "200"), line(3, "1.2.3"), line(4, "400")].join("\n");
    await page.setInputFiles("#s-file", { name: "october.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await page.waitForSelector("#s-preview table");
    await page.click("#s-check");
    await page.waitForSelector("#s-report li.problem");
    const rows = await page.locator("#s-report li.problem").evaluateAll((items) => items.map((i) => i.dataset.row));
    expect(rows).to.deep.equal(["4", "4"]);
    expect(await page.locator("#s-report").textContent()).to.contain("row 4, D (amount)");
    const before = await stack.server.store.maxSeq();

    const good = [header, ...Array.from({ length: 30 }, (_, i) => line(i, "1 000"))].join("\n");
    await page.setInputFiles("#s-file", { name: "october.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await page.click("#s-publish");
    await page.waitForFunction(() => /30/.test(document.querySelector("#s-status")?.textContent ?? ""));
    await page.waitForFunction(() => /Published/.test(document.querySelector("#s-status")?.textContent ?? ""));
    expect((await stack.server.store.maxSeq()) - before).to.equal(30);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#sheet .receipts-json")]);
    const archive = JSON.parse(fs.readFileSync((await download.path())!, "utf8")) as {
      receipts: { row: number; seq: number }[];
    };
    expect(archive.receipts.map((r) => r.row)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 2));
    expect((await record(archive.receipts[0]!.seq)).memo).to.equal("desk 0");
    expect(await status(page, "#s-status")).to.contain("Published 30");
    await closeCheckedPage(page, errors, hosts);
  });

  it("reads an XLSX in the browser and reports its problems by row and column", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Октябрь");
    sheet.addRow(["kind", "date", "asset", "amount", "value_usd", "counterparty", "reference"]);
    sheet.addRow(["INFLOW_MINING", new Date(Date.UTC(2025, 9, 31, 23, 0)), "BTC", 0.3125, 33750.25, "pool", "xlsx 1"]);
    sheet.addRow(["INFLOW_MINING", new Date(Date.UTC(2025, 9, 31, 23, 0)), "btc", 0.3125, 33750.25, "pool", "xlsx 2"]);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const { page, errors, hosts } = await newPage(browser!.context);
    await page.goto(`${stack.baseUrl}/publish`);
    await page.fill("#key", stack.apiKey);
    await page.click("#tab-sheet");
    await page.setInputFiles("#s-file", { name: "mining.xlsx", mimeType: "application/octet-stream", buffer });
    await page.waitForSelector("#s-preview table");
    await page.click("#s-check");
    await page.waitForSelector("#s-report li.problem");
    const report = await page.locator("#s-report").textContent();
    expect(report).to.contain("row 3, C (asset)").and.not.contain("row 2");
    await closeCheckedPage(page, errors, hosts);
  });

  it("the citizens' page shows the stored document checked by its hash, and checks a file one holds", async () => {
    await stack.waitForAnchored(1);
    const { page, errors, hosts } = await newPage(browser!.context);
    await page.goto(`${stack.baseUrl}/verify/1`);
    await page.waitForSelector("#document-published[data-state='match']");
    expect(await page.locator("#document-open").count()).to.equal(1);
    await page.setInputFiles("#document-yours", { name: "mine.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.waitForSelector("#document-yours-answer[data-match='true']");
    const other = Buffer.from(PDF.toString().replace("1147", "1148"));
    await page.setInputFiles("#document-yours", { name: "other.pdf", mimeType: "application/pdf", buffer: other });
    await page.waitForSelector("#document-yours-answer[data-match='false']");
    expect(await page.locator("#document-yours-answer").textContent()).to.contain("No match");
    await page.goto(`${stack.baseUrl}/verify/2`);
    await page.waitForSelector("#document-none");
    expect(await page.locator("#document").textContent()).to.contain("No document");
    await closeCheckedPage(page, errors, hosts);
  });

  it("a mirror serving other bytes under the record's hash: refused, never offered", async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-desk-mirror-"));
    await exportMirror(stack.baseUrl, mirror, { bundles: true });
    const hash = bytesToHex(keccak256(PDF));
    fs.writeFileSync(path.join(mirror, "documents", hash), "%PDF-1.7\na forged court order\n%%EOF\n");
    const host = await startBakedHost(mirror, stack);
    try {
      const { page, errors, hosts } = await newPage(browser!.context);
      await page.goto(`${host.url}/?mirror=/mirror/#/verify/1`);
      await page.waitForSelector("#document-published[data-state='mismatch']");
      expect(await page.locator("#document-open").count()).to.equal(0);
      expect(await page.locator("#document-published").textContent()).to.contain("NOT the one this record names");
      await closeCheckedPage(page, errors, hosts);
    } finally {
      await host.close();
    }
  });

  it("a server that gives a record a stored document's hash: the forged record's document is never judged", async () => {
    const hash = bytesToHex(keccak256(PDF));
    // Record 2 names no document; the proxy makes it name the court order stored for record 1.
    const proxy = await startTamperingProxy(stack.baseUrl, (body) => {
      if (body.record && typeof body.record === "object") (body.record as { documentHash: string }).documentHash = hash;
    });
    try {
      const { page, errors, hosts } = await newPage(browser!.context);
      await page.goto(`${proxy.url}/verify/2`);
      await page.waitForSelector("[data-verdict='mismatch']");
      expect(await page.locator("#document").count()).to.equal(0);
      expect(await page.locator("#document-open").count()).to.equal(0);
      await closeCheckedPage(page, errors, hosts);
    } finally {
      await proxy.close();
    }
  });

  it("speaks Kazakh and Russian", async () => {
    const { page, errors, hosts } = await newPage(browser!.context);
    await page.goto(`${stack.baseUrl}/publish`);
    await page.selectOption("#lang", "ru");
    expect(await page.locator("#f-publish").textContent()).to.equal("Опубликовать");
    await page.selectOption("#lang", "kk");
    expect(await page.locator("#f-publish").textContent()).to.equal("Жариялау");
    expect(await page.evaluate(() => document.documentElement.lang)).to.equal("kk");
    await closeCheckedPage(page, errors, hosts);
  });
});
