// Publishable, reproducible reports (issue #12 item 7) with the real binary against the real server and chain:
// the report's contents, --json on stdout, --block, diff, --csv, --receipts with bundles, verify --document,
// and the trust root being required.
import { expect } from "chai";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, keccak256, utf8Bytes } from "../../core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { catchUpWithChainClock, chainArgs, runCli } from "./cli-helpers";

interface Report {
  format: string;
  verdict: string;
  tool: string;
  arguments: string[];
  trust: { chainId: number; registry: string };
  asOf: { blockNumber: number };
  totals: { batchesOnChain: number; receiptsChecked: number; codeMatches: boolean; maxAnchorDelaySeconds: number };
  batches: { id: number; head: string; records: string }[];
  disclosureLag: { kind: string; count: number }[];
  findings: unknown[];
}

describe("cli: publishable audit reports, diff, CSV and documents", function () {
  this.timeout(240_000);
  let stack: TestStack;
  let work: string;
  let firstBatchBlock: number;
  const documentText = "Almaty District Court, order 2-1/2025: seizure of 1.5 BTC\n";

  const trust = () => chainArgs(stack);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-cli-reports-"));
    stack = await startTestStack({ batchIntervalMs: 200 });
    await catchUpWithChainClock(stack.provider);
    const documentHash = bytesToHex(keccak256(utf8Bytes(documentText)));
    await postRecords(stack, [sampleRecord({ documentHash }), sampleRecord({ kind: "GRANT", asset: "KZT" })]);
    await stack.waitForAnchored(2);
    firstBatchBlock = await stack.provider.getBlockNumber();
    await postRecords(stack, [sampleRecord({ kind: "VALUATION", amount: "2", valueUsd: "190000" })]);
    await stack.waitForAnchored(3);
  });

  after(async () => {
    await stack?.stop();
  });

  it("--json alone prints the report on stdout (the text on stderr), with the tool, arguments, trust root, delay and batches", async () => {
    const run = await runCli(["audit", ...trust(), "--server", stack.baseUrl, "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).to.deep.include({ format: "aiqyn-audit-report/2", verdict: "CLEAN" });
    expect(report.tool).to.match(/^aiqyn \d+\.\d+\.\d+/);
    expect(report.arguments).to.include("--json");
    expect(report.trust).to.deep.include({ chainId: stack.chainId, registry: stack.registryAddress });
    expect(report.totals).to.deep.include({ codeMatches: true, maxAnchorDelaySeconds: 3600, batchesOnChain: 2 });
    expect(report.batches.map((b) => [b.id, b.records])).to.deep.equal([
      [1, "verified"],
      [2, "verified"],
    ]);
    expect(report.disclosureLag.map((r) => r.kind)).to.deep.equal(["GRANT", "INFLOW_SEIZURE", "VALUATION"]);
    expect(run.stderr).to.contain("verdict: CLEAN");
    expect(run.stderr).to.contain("maxAnchorDelay: 3600 s (the contract's maxAnchorDelay())");
    expect(run.stderr).to.contain(`"registry":"${stack.registryAddress}"`);
  });

  it("--block N audits as of that block, and diff lists the new batches (exit 0) or a rewritten history (exit 1)", async () => {
    const older = join(work, "older.json");
    const newer = join(work, "newer.json");
    const first = await runCli([
      "audit",
      ...trust(),
      "--server",
      stack.baseUrl,
      "--block",
      String(firstBatchBlock),
      `--json=${older}`,
    ]);
    expect(first.code, first.stdout).to.equal(0);
    const olderReport = JSON.parse(await readFile(older, "utf8")) as Report;
    expect(olderReport.asOf.blockNumber).to.equal(firstBatchBlock);
    expect(olderReport.totals.batchesOnChain).to.equal(1);
    expect((await runCli(["audit", ...trust(), "--server", stack.baseUrl, `--json=${newer}`])).code).to.equal(0);

    const extended = await runCli(["diff", older, newer]);
    expect(extended.code, extended.stdout + extended.stderr).to.equal(0);
    expect(extended.stdout).to.contain("new batches: 2");
    expect(extended.stdout).to.contain("verdict: EXTENDED");

    const forged = JSON.parse(await readFile(newer, "utf8")) as Report & { totals: { head: string } };
    forged.batches[1]!.head = `0x${"77".repeat(32)}`;
    forged.totals.head = forged.batches[1]!.head;
    const rewritten = join(work, "rewritten.json");
    await writeFile(rewritten, JSON.stringify(forged));
    const diff = await runCli(["diff", newer, rewritten, "--json"]);
    expect(diff.code).to.equal(1);
    const result = JSON.parse(diff.stdout) as { verdict: string; headRewritten: boolean; changedBatches: unknown[] };
    expect(result).to.deep.include({ verdict: "REWRITTEN", headRewritten: true });
    expect(result.changedBatches).to.deep.equal([{ id: 2, fields: ["head"] }]);
  });

  it("--as-of limits the corrections and totals to the records published by then", async () => {
    const items = (await (await fetch(`${stack.baseUrl}/api/v1/records`)).json()) as {
      records: { record: { seq: number; publishedAt: number } }[];
    };
    const asOf = Math.min(...items.records.map((i) => i.record.publishedAt));
    const expected = items.records.filter((i) => i.record.publishedAt <= asOf).length;
    const run = await runCli(["audit", ...trust(), "--server", stack.baseUrl, "--as-of", String(asOf), "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as Report & {
      asOf: { publishedBy: number };
      fund: { byKind: { count: number }[] };
    };
    expect(report.asOf.publishedBy).to.equal(asOf);
    expect(report.fund.byKind.reduce((n, k) => n + k.count, 0)).to.equal(expected);
    expect(run.stderr).to.contain("(--as-of)");
    const before = await runCli([
      "audit",
      ...trust(),
      "--server",
      stack.baseUrl,
      "--as-of",
      String(asOf - 1),
      "--json",
    ]);
    expect((JSON.parse(before.stdout) as typeof report).fund.byKind).to.deep.equal([]);
  });

  it("--csv writes the verified records and the recomputed totals", async () => {
    const dir = join(work, "csv");
    const run = await runCli(["audit", ...trust(), "--server", stack.baseUrl, "--csv", dir]);
    expect(run.code).to.equal(0);
    const records = (await readFile(join(dir, "records.csv"), "utf8")).trim().split("\r\n");
    expect(records[0]).to.match(/^seq,kind,occurredAt,.*,standing,batchId$/);
    expect(records).to.have.length(4);
    expect(records[3]).to.contain("VALUATION");
    const totals = await readFile(join(dir, "totals.csv"), "utf8");
    expect(totals).to.contain("byKind,GRANT,GRANT,1,");
    expect(totals).to.contain("byAsset,KZT,,1,");
  });

  it("--receipts takes proof bundles and folders of bundles", async () => {
    const mirror = join(work, "mirror");
    expect((await runCli(["export", "--server", stack.baseUrl, "--out", mirror, "--bundles"])).code).to.equal(0);
    const bundles = join(mirror, "bundles");
    expect(await readdir(bundles)).to.have.length(3);
    const run = await runCli([
      "audit",
      ...trust(),
      "--mirror",
      mirror,
      "--receipts",
      bundles,
      "--receipts",
      join(bundles, "1.json"),
      "--json",
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.totals.receiptsChecked).to.equal(3);
    expect(report.findings).to.deep.equal([]);
  });

  it("verify --document checks a file against the record's documentHash", async () => {
    const bundle = join(work, "bundle-1.json");
    await writeFile(bundle, await (await fetch(`${stack.baseUrl}/api/v1/records/1/proof`)).text());
    const right = join(work, "order.txt");
    await writeFile(right, documentText);
    const wrong = join(work, "other.txt");
    await writeFile(wrong, documentText.replace("1.5", "0.5"));
    const pin = trust();
    const ok = await runCli(["verify", ...pin, bundle, "--document", right, "--server", stack.baseUrl]);
    expect(ok.code, ok.stdout).to.equal(0);
    expect(ok.stdout).to.contain("is the document record 1 names");
    const bad = await runCli(["verify", ...pin, bundle, "--document", wrong, "--server", stack.baseUrl]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.contain("not to record 1's documentHash");
  });

  it("refuses to audit without a pinned trust root (exit 2), never adopting the server's", async () => {
    const run = await runCli(["audit", "--rpc", stack.rpcUrl, "--server", stack.baseUrl]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("a trust root is required");
    const other = await runCli(["audit", ...chainArgs(stack, { chainId: 1 }), "--server", stack.baseUrl]);
    expect(other.code).to.equal(2);
    expect(other.stderr).to.contain("CHAIN_ID_MISMATCH");
  });
});
