// The operator's tricks from issue #12, each reproduced against the real server on the in-process chain and
// audited with the real `aiqyn` binary. This stack's registry promises a short maxAnchorDelay() so that late
// anchoring can be produced by pausing the registry (no time travel: other tests share the chain).
import { expect } from "chai";
import { Contract } from "ethers";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ANCHORER_ROLE, leafHash, type Receipt } from "../../core";
import { createFastKeccak, createReceiptSigner } from "../../server/crypto";
import { openSqliteStore } from "../../server/store/sqlite";
import { fundedWallet } from "../helpers/chain";
import { postRecords, sampleRecord, startTestStack, TEST_PUBLISHER, type TestStack } from "../helpers/stack";
import { auditReport, catchUpWithChainClock, chainArgs, signReceipt, startLyingProxy } from "./cli-helpers";

/** The registry's promise in this stack (seconds). */
const DELAY = 10;

interface Finding {
  code: string;
  severity: string;
  batchId?: number;
  seq?: number;
  message: string;
}
interface Report {
  verdict: string;
  totals: { maxAnchorDelaySeconds: number; delaySource: string; batchesOnChain: number; blockNumber: number };
  findings: Finding[];
  corrections: { seq: number; standing: string; correctedBy: number[] }[];
  fund: { byKind: { kind: string; count: number }[]; byAsset: { asset: string; count: number }[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("cli: aiqyn audit against the operator's tricks (issue #12)", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let work: string;
  let registry: Contract;
  let lateReceipt: Receipt;
  let genuine: Receipt[];
  let backdatedSeq: number;

  const audit = (source: string[], extra: string[] = []) =>
    auditReport<Report>(work, [...chainArgs(stack), ...source, ...extra]);
  const codes = (report: Report, seq?: number) =>
    [...new Set(report.findings.filter((f) => seq === undefined || f.seq === seq).map((f) => f.code))].sort();
  const receiptsFile = async (name: string, receipts: unknown): Promise<string> => {
    const file = join(work, name);
    await writeFile(file, JSON.stringify(receipts));
    return file;
  };
  const batchStatus = async (seq: number) =>
    ((await (await fetch(`${stack.baseUrl}/api/v1/records/${seq}`)).json()) as { batchId: number | null }).batchId;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-cli-tricks-"));
    stack = await startTestStack({ batchIntervalMs: 200, server: { maxAnchorDelaySeconds: DELAY } });
    await catchUpWithChainClock(stack.provider);
    registry = new Contract(
      stack.registryAddress,
      [
        "function pause()",
        "function unpause()",
        "function grantRole(bytes32 role, address account)",
        "function revokeRole(bytes32 role, address account)",
      ],
      stack.provider,
    );
    genuine = await postRecords(stack, [
      sampleRecord({ kind: "GRANT", asset: "KZT", amount: "300000000", valueUsd: "600000" }),
      sampleRecord(),
      sampleRecord({ kind: "INVESTMENT", asset: "IBIT" }),
    ]);
    await stack.waitForAnchored(3);
  });

  after(async () => {
    await stack?.stop();
  });

  it("a paused registry with a sealed batch past the deadline: BATCH_OVERDUE (exit 1)", async () => {
    await (await (registry.connect(stack.wallets.pauser) as Contract).getFunction("pause")()).wait();
    lateReceipt = (await postRecords(stack, [sampleRecord({ asset: "ETH" })]))[0]!;
    for (let i = 0; i < 200 && (await batchStatus(lateReceipt.seq)) === null; i++) await sleep(50);
    // Past the promise on the wall clock the audit judges by (the stack's server stamps publishedAt on the chain's
    // clock, which may run ahead of the wall clock after earlier suites): the sealed batch is overdue.
    await sleep((lateReceipt.publishedAt + DELAY + 1) * 1000 - Date.now());
    const { run, report } = await audit(["--server", stack.baseUrl]);
    expect(run.code, run.stdout).to.equal(1);
    expect(codes(report)).to.include("BATCH_OVERDUE");
    expect(report.findings.find((f) => f.code === "BATCH_OVERDUE")!.batchId).to.equal(2);
  });

  it("the batch anchored after unpausing: LATE_ANCHOR without receipts, RECEIPT_LATE with its genuine receipt", async () => {
    // The deadline has passed on the wall clock; make sure it has on the chain's too (its clock follows whatever
    // the test files before this one in the same process did to it): the anchor then lands after it.
    const latest = (await stack.provider.getBlock("latest"))!.timestamp;
    await stack.provider.send("evm_setNextBlockTimestamp", [Math.max(latest + 1, lateReceipt.publishedAt + DELAY + 2)]);
    await (await (registry.connect(stack.wallets.pauser) as Contract).getFunction("unpause")()).wait();
    await stack.waitForAnchored(lateReceipt.seq);
    const plain = await audit(["--server", stack.baseUrl]);
    expect(codes(plain.report, lateReceipt.seq)).to.deep.equal(["LATE_ANCHOR"]);
    const withReceipt = await audit([
      "--server",
      stack.baseUrl,
      "--receipts",
      await receiptsFile("late.json", lateReceipt),
    ]);
    expect(codes(withReceipt.report, lateReceipt.seq), JSON.stringify(withReceipt.report.findings)).to.deep.equal([
      "LATE_ANCHOR",
      "RECEIPT_LATE",
    ]);
    expect(withReceipt.run.code).to.equal(1);
  });

  it("a record inserted with publishedAt in 2020 and anchored now: LATE_ANCHOR and PUBLISHED_AT_BACKWARDS", async () => {
    await stack.stop();
    const store = openSqliteStore(stack.dataDir);
    try {
      const signer = createReceiptSigner(stack.wallets.anchorer.privateKey, stack.chainId, stack.registryAddress, {
        keccak: await createFastKeccak(),
      });
      const finish = (record: Parameters<typeof leafHash>[0]) => {
        const leaf = leafHash(record);
        return { leaf, signature: signer.sign(record.seq, leaf, record.publishedAt), signer: signer.address };
      };
      const input = sampleRecord({ occurredAt: 1_575_158_400 }); // 2019-12-01
      const [stored] = await store.appendRecords([input], TEST_PUBLISHER, finish, () => 1_577_836_800);
      backdatedSeq = stored!.record.seq;
    } finally {
      await store.close();
    }
    await stack.restart();
    await stack.waitForAnchored(backdatedSeq);
    const { report } = await audit(["--server", stack.baseUrl]);
    expect(codes(report, backdatedSeq)).to.deep.equal(["LATE_ANCHOR", "PUBLISHED_AT_BACKWARDS"]);
  });

  it("corrections: a GRANT reclassified as an inflow, a fork, a retracted correction; totals follow the standing rule", async () => {
    const [reclassified] = await postRecords(stack, [
      sampleRecord({ kind: "INFLOW_OTHER", asset: "KZT", amount: "300000000", valueUsd: "600000", corrects: 1 }),
    ]);
    const [forked] = await postRecords(stack, [sampleRecord({ asset: "DOGE" })]);
    const fork = await postRecords(stack, [
      sampleRecord({ asset: "DOGE", amount: "2", corrects: forked!.seq }),
      sampleRecord({ asset: "DOGE", amount: "3", corrects: forked!.seq }),
    ]);
    const [original] = await postRecords(stack, [sampleRecord({ kind: "INFLOW_MINING", asset: "SOL" })]);
    const [correction] = await postRecords(stack, [
      sampleRecord({ kind: "INFLOW_MINING", asset: "SOL", amount: "9", corrects: original!.seq }),
    ]);
    const [retraction] = await postRecords(stack, [
      sampleRecord({ kind: "RETRACTION", asset: "SOL", amount: "0", valueUsd: "0", corrects: correction!.seq }),
    ]);
    await stack.waitForAnchored(retraction!.seq);
    const { report } = await audit(["--server", stack.baseUrl]);
    expect(codes(report, reclassified!.seq)).to.include("CORRECTION_CHANGES_KIND");
    expect(codes(report, forked!.seq)).to.include("CORRECTION_FORK");
    expect(codes(report, correction!.seq)).to.include("CORRECTION_RETRACTED");
    expect(report.verdict).to.equal("FINDINGS");
    const chain = (seq: number) => report.corrections.find((c) => c.seq === seq);
    expect(chain(forked!.seq)).to.deep.include({ standing: "superseded", correctedBy: fork.map((r) => r.seq) });
    expect(chain(original!.seq)).to.equal(undefined); // the retracted correction has no effect: the original stands
    // The original SOL record counts again; the GRANT counts as what replaced it.
    expect(report.fund.byKind.find((k) => k.kind === "INFLOW_MINING")!.count).to.equal(1);
    expect(report.fund.byKind.find((k) => k.kind === "GRANT")).to.equal(undefined);
  });

  it("a key rotation (grant new, revoke old) keeps RECEIPT_LEAF_MISMATCH and RECEIPT_LATE, and genuine old receipts valid", async () => {
    const swapped = await signReceipt(
      stack,
      stack.wallets.anchorer,
      genuine[1]!.seq,
      `0x${"5a".repeat(32)}`,
      genuine[1]!.publishedAt,
    );
    const admin = registry.connect(stack.wallets.admin) as Contract;
    const newKey = await fundedWallet(stack.provider);
    await (await admin.getFunction("grantRole")(ANCHORER_ROLE, newKey.address)).wait();
    const revoked = await (await admin.getFunction("revokeRole")(ANCHORER_ROLE, stack.wallets.anchorer.address)).wait();
    const revokedAt = (await stack.provider.getBlock(revoked!.blockNumber))!.timestamp;
    const afterRevocation = await signReceipt(
      stack,
      stack.wallets.anchorer,
      9_999,
      `0x${"5b".repeat(32)}`,
      revokedAt + 1,
    );
    const dir = join(work, "rotation");
    await mkdir(dir);
    await writeFile(join(dir, "genuine.json"), JSON.stringify({ receipts: [genuine[0], genuine[2]] }));
    await writeFile(join(dir, "swapped.json"), JSON.stringify(swapped));
    await writeFile(join(dir, "late.json"), JSON.stringify(lateReceipt));
    await writeFile(join(dir, "after-revocation.json"), JSON.stringify(afterRevocation));
    const { run, report } = await audit(["--server", stack.baseUrl, "--receipts", dir]);
    expect(run.code).to.equal(1);
    expect(codes(report, genuine[1]!.seq)).to.include("RECEIPT_LEAF_MISMATCH");
    expect(codes(report, lateReceipt.seq)).to.include("RECEIPT_LATE");
    expect(codes(report, 9_999)).to.deep.equal(["RECEIPT_UNKNOWN_SIGNER"]);
    // Genuine receipts from before the rotation still bind (a slow anchor could only add RECEIPT_LATE).
    const voiding = ["RECEIPT_UNKNOWN_SIGNER", "RECEIPT_LEAF_MISMATCH", "RECEIPT_BAD_SIGNATURE"];
    for (const r of [genuine[0]!, genuine[2]!, lateReceipt])
      expect(codes(report, r.seq).filter((c) => voiding.includes(c))).to.deep.equal([]);
    expect(codes(report, genuine[1]!.seq)).not.to.include("RECEIPT_UNKNOWN_SIGNER");
  });

  it("a proxy raising maxAnchorDelaySeconds to ten years changes nothing: the contract's delay judges", async () => {
    const proxy = await startLyingProxy(stack.baseUrl, (path, status, json) =>
      path === "/api/v1/registry"
        ? { status, json: { ...(json as object), maxAnchorDelaySeconds: 10 * 365 * 86_400 } }
        : undefined,
    );
    try {
      const never = await signReceipt(
        stack,
        stack.wallets.anchorer,
        9_000,
        `0x${"5c".repeat(32)}`,
        lateReceipt.publishedAt,
      );
      const file = await receiptsFile("proxy.json", [lateReceipt, never]);
      const { run, report } = await audit(["--server", proxy.url, "--receipts", file]);
      expect(run.code).to.equal(1);
      expect(report.totals).to.deep.include({ maxAnchorDelaySeconds: DELAY, delaySource: "contract" });
      expect(codes(report)).to.include.members([
        "DELAY_MISMATCH",
        "RECEIPT_LATE",
        "RECEIPT_NOT_HONOURED",
        "LATE_ANCHOR",
      ]);
      expect(codes(report)).not.to.include("RECEIPT_PENDING");
    } finally {
      await proxy.close();
    }
  });

  it("--max-delay may only be stricter than the contract's promise, and is labelled", async () => {
    const { report } = await audit(["--server", stack.baseUrl], ["--max-delay", "1"]);
    expect(report.totals).to.deep.include({ maxAnchorDelaySeconds: 1, delaySource: "stricter override (--max-delay)" });
    const looser = await audit(["--server", stack.baseUrl], ["--max-delay", "999999"]);
    expect(looser.report.totals).to.deep.include({ maxAnchorDelaySeconds: DELAY, delaySource: "contract" });
  });
});
