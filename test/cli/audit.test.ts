// `aiqyn audit` and `aiqyn export` end to end: the real binary against the real server on the in-process
// chain, honest and lying (a proxy in front of the server, a store edited behind its back).
import { expect } from "chai";
import Database from "better-sqlite3";
import hre from "hardhat";
import { Contract, ContractFactory, Wallet } from "ethers";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryReader, type Hex, type Receipt } from "../../core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import {
  auditReport,
  catchUpWithChainClock,
  chainArgs,
  runCli,
  signReceipt,
  startLyingProxy,
  trustArgs,
} from "./cli-helpers";
import type { TestServer } from "./fixtures";
import { sampleSeqs } from "../../scripts/cli/audit/views";

interface Report {
  clean: boolean;
  totals: {
    batchesOnChain: number;
    batchesChecked: number;
    rootsMatched: number;
    recordsChecked: number;
    nextSeq: number;
    receiptsChecked: number;
  };
  findings: { code: string; severity: string; batchId?: number; seq?: number; field?: string; message: string }[];
}

describe("cli: aiqyn audit and export (real server, in-process chain)", function () {
  this.timeout(180_000);
  let stack: TestStack;
  let work: string;
  const receipts: Receipt[][] = [];

  const audit = (source: string[], extra: string[] = []) =>
    auditReport<Report>(work, [...chainArgs(stack), ...source, ...extra]);
  // Info findings (a view not comparable while the records are not all verified) are left out.
  const codesOf = (report: Report) =>
    [...new Set(report.findings.filter((f) => f.severity !== "info").map((f) => f.code))].sort();

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-cli-audit-"));
    stack = await startTestStack({ batchIntervalMs: 200 });
    await catchUpWithChainClock(stack.provider);
    // Three batches: 4 records; then a correction of seq 1 and a retraction of seq 2; then 3 more.
    receipts.push(
      await postRecords(stack, [
        sampleRecord(),
        sampleRecord({ asset: "BNB" }),
        sampleRecord({ kind: "INVESTMENT", asset: "IBIT" }),
        sampleRecord(),
      ]),
    );
    await stack.waitForAnchored(4);
    receipts.push(
      await postRecords(stack, [
        sampleRecord({ amount: "1.25", corrects: 1 }),
        sampleRecord({ kind: "RETRACTION", amount: "0", valueUsd: "0", corrects: 2 }),
        sampleRecord({ kind: "VALUATION", amount: "2", valueUsd: "190000" }),
      ]),
    );
    await stack.waitForAnchored(7);
    receipts.push(
      await postRecords(stack, [
        sampleRecord({ kind: "GRANT", asset: "KZT", amount: "5000000", valueUsd: "10000" }),
        sampleRecord(),
        sampleRecord(),
      ]),
    );
    await stack.waitForAnchored(10);
    const batches = (await (await fetch(`${stack.baseUrl}/api/v1/batches`)).json()) as {
      batches: { id: number; leafCount: number }[];
    };
    expect(batches.batches.map((b) => b.leafCount).reverse()).to.deep.equal([4, 3, 3]);
  });

  after(async () => {
    await stack?.stop();
  });

  it("an honest registry audits clean (exit 0) with a summary and a JSON report", async () => {
    const { run, report } = await audit(["--server", stack.baseUrl]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain("CLEAN");
    expect(run.stdout).to.match(/batches\s+3\s+3 \(3 roots match\)/);
    expect(report.clean).to.equal(true);
    expect(report.findings).to.deep.equal([]);
    expect(report.totals).to.deep.include({
      batchesOnChain: 3,
      batchesChecked: 3,
      rootsMatched: 3,
      recordsChecked: 10,
      nextSeq: 11,
    });
  });

  it("export writes a mirror that audits clean, and its bundles verify", async () => {
    const out = join(work, "mirror");
    const exported = await runCli(["export", "--server", stack.baseUrl, "--out", out, "--bundles"]);
    expect(exported.code, exported.stderr).to.equal(0);
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8")) as {
      format: string;
      registry: { registry: string };
      batches: { id: number; file: string; status: string }[];
    };
    expect(index.format).to.equal("aiqyn-mirror/1");
    expect(index.registry.registry.toLowerCase()).to.equal(stack.registryAddress.toLowerCase());
    expect(index.batches.map((b) => [b.id, b.file, b.status])).to.deep.equal([
      [1, "batches/000001.json", "anchored"],
      [2, "batches/000002.json", "anchored"],
      [3, "batches/000003.json", "anchored"],
    ]);
    const batchFile = JSON.parse(await readFile(join(out, "batches/000002.json"), "utf8")) as {
      format: string;
      records: { record: { seq: number } }[];
    };
    expect(batchFile.format).to.equal("aiqyn-mirror-batch/1");
    expect(batchFile.records.map((r) => r.record.seq)).to.deep.equal([5, 6, 7]);
    expect((await readdir(join(out, "bundles"))).sort()).to.have.length(10);
    expect((await readdir(out)).filter((n) => n.endsWith(".tmp"))).to.deep.equal([]);

    const { run, report } = await audit(["--mirror", out]);
    expect(run.code, run.stdout).to.equal(0);
    expect(report.clean).to.equal(true);
    expect(report.totals.recordsChecked).to.equal(10);

    const bundles = [join(out, "bundles", "1.json"), join(out, "bundles", "10.json")];
    // The mirror also carries each record's batch, which binds it to its seq (leaf-position).
    const verified = await runCli(["verify", ...chainArgs(stack), ...bundles, "--mirror", out]);
    expect(verified.code, verified.stdout).to.equal(0);
    expect(verified.stdout).to.contain("2 of 2 bundle(s) anchored and valid");
  });

  it("reads every page of a batch larger than one page: audit and export with --page-size 2 see all 10 records", async () => {
    const { run, report } = await audit(["--server", stack.baseUrl, "--page-size", "2"]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(report.totals).to.deep.include({ batchesChecked: 3, rootsMatched: 3, recordsChecked: 10 });

    const out = join(work, "mirror-paged");
    const exported = await runCli(["export", "--server", stack.baseUrl, "--out", out, "--page-size", "2"]);
    expect(exported.code, exported.stderr).to.equal(0);
    const first = JSON.parse(await readFile(join(out, "batches/000001.json"), "utf8")) as {
      records: { record: { seq: number }; leaf: string }[];
    };
    expect(first.records.map((r) => r.record.seq)).to.deep.equal([1, 2, 3, 4]);
    expect(first.records.every((r) => /^0x[0-9a-f]{64}$/.test(r.leaf))).to.equal(true);
    const mirrored = await audit(["--mirror", out]);
    expect(mirrored.run.code, mirrored.run.stdout).to.equal(0);
    expect(mirrored.report.totals.recordsChecked).to.equal(10);
  });

  it("a mirror whose proof bundle was edited after export: VIEW_MISMATCH naming the bundle and field", async () => {
    const out = join(work, "mirror-bundle-edited");
    expect((await runCli(["export", "--server", stack.baseUrl, "--out", out, "--bundles"])).code).to.equal(0);
    const file = join(out, "bundles", "4.json");
    const bundle = JSON.parse(await readFile(file, "utf8")) as { record: { amount: string } };
    bundle.record.amount = "4000000";
    await writeFile(file, JSON.stringify(bundle));
    const { run, report } = await audit(["--mirror", out]);
    expect(run.code).to.equal(1);
    expect(report.findings.map((f) => [f.code, f.field, f.seq])).to.deep.equal([
      ["VIEW_MISMATCH", "bundles/4.json record.amount", 4],
    ]);
  });

  it("a mirror with a record edited after export: ROOT_MISMATCH, exit 1", async () => {
    const out = join(work, "mirror-edited");
    expect((await runCli(["export", "--server", stack.baseUrl, "--out", out])).code).to.equal(0);
    const file = join(out, "batches/000003.json");
    const batch = JSON.parse(await readFile(file, "utf8")) as {
      records: { record: { amount: string }; leaf: string }[];
    };
    batch.records[0]!.record.amount = "4000000";
    await writeFile(file, JSON.stringify(batch));
    const { run, report } = await audit(["--mirror", out]);
    expect(run.code).to.equal(1);
    expect(codesOf(report)).to.deep.equal(["LEAF_MISMATCH", "ROOT_MISMATCH"]);
    expect(report.findings.find((f) => f.code === "ROOT_MISMATCH")!.batchId).to.equal(3);
  });

  describe("a lying server (a proxy in front of the real one)", () => {
    let proxy: TestServer | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it("hiding a batch: BATCH_MISSING, exit 1", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path === "/api/v1/batches") {
          const page = json as { batches: { id: number }[] };
          return { status, json: { ...page, batches: page.batches.filter((b) => b.id !== 2) } };
        }
        if (path === "/api/v1/batches/2/records")
          return {
            status: 404,
            json: { type: "about:blank", title: "Not Found", status: 404, code: "BATCH_NOT_FOUND" },
          };
        return undefined;
      });
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["BATCH_MISSING"]);
      expect(report.findings.filter((f) => f.severity === "error").map((f) => f.batchId)).to.deep.equal([2]);
      expect(run.stdout).to.match(/error\s+BATCH_MISSING\s+2/);
    });

    it("a batch's pages that loop (the next cursor repeats): the batch is not taken as served, exit 1", async () => {
      // Every page of batch 1 names the first page's next cursor again: asked for it, the server pages on forever.
      let firstCursor: string | undefined;
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path !== "/api/v1/batches/1/records") return undefined;
        const page = json as { nextCursor: string | null };
        firstCursor ??= page.nextCursor ?? undefined;
        return { status, json: { ...page, nextCursor: firstCursor ?? null } };
      });
      const { run, report } = await audit(["--server", proxy.url, "--page-size", "2"]);
      expect(run.code).to.equal(1);
      const batch1 = report.findings.filter((f) => f.batchId === 1 && f.severity === "error");
      expect(batch1.map((f) => f.code)).to.deep.equal(["SOURCE_ERROR"]);
      expect(batch1[0]!.message).to.match(/cursor repeats/);
      expect(report.totals.rootsMatched).to.equal(2);
    });

    it("serving a record of batch 2 inside batch 1: RECORD_OUTSIDE_BATCH, exit 1", async () => {
      const five = (await (await fetch(`${stack.baseUrl}/api/v1/batches/2/records`)).json()) as { records: unknown[] };
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path !== "/api/v1/batches/1/records") return undefined;
        const answer = json as { records: unknown[] };
        return { status, json: { ...answer, records: [...answer.records, five.records[0]] } };
      });
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["LEAF_COUNT_MISMATCH", "RECORD_OUTSIDE_BATCH"]);
      expect(report.findings.find((f) => f.code === "RECORD_OUTSIDE_BATCH")).to.deep.include({ batchId: 1, seq: 5 });
    });

    it("moving the last record of batch 1 into batch 2: SEQ_GAP in 1, RECORD_OUTSIDE_BATCH in 2", async () => {
      const one = (await (await fetch(`${stack.baseUrl}/api/v1/batches/1/records`)).json()) as { records: unknown[] };
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        const answer = json as { records: unknown[] };
        if (path === "/api/v1/batches/1/records")
          return { status, json: { ...answer, records: answer.records.slice(0, 3) } };
        if (path === "/api/v1/batches/2/records")
          return { status, json: { ...answer, records: [one.records[3], ...answer.records] } };
        return undefined;
      });
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["LEAF_COUNT_MISMATCH", "RECORD_OUTSIDE_BATCH", "SEQ_GAP"]);
      expect(report.findings.find((f) => f.code === "SEQ_GAP")).to.deep.include({ batchId: 1, seq: 4 });
      expect(report.findings.find((f) => f.code === "RECORD_OUTSIDE_BATCH")).to.deep.include({ batchId: 2, seq: 4 });
    });

    it("listing an anchored batch as sealed and inventing one: BATCH_UNANCHORED_ON_SERVER, BATCH_NOT_ON_CHAIN", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path !== "/api/v1/batches") return undefined;
        const page = json as { batches: Record<string, unknown>[] };
        const batches = page.batches.map((b) => (b.id === 1 ? { ...b, status: "sealed" } : b));
        return { status, json: { ...page, batches: [{ ...page.batches[0], id: 99, status: "anchored" }, ...batches] } };
      });
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["BATCH_NOT_ON_CHAIN", "BATCH_UNANCHORED_ON_SERVER"]);
    });

    it("describing another registry: REGISTRY_MISMATCH", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) =>
        path === "/api/v1/registry"
          ? { status, json: { ...(json as object), registry: `0x${"42".repeat(20)}` } }
          : undefined,
      );
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["REGISTRY_MISMATCH"]);
    });

    it("a proxy that hides a record from /records, changes an amount in /records/:seq and drops a kind from /stats: VIEW_MISMATCH naming each", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path === "/api/v1/records") {
          const page = json as { records: { record: { seq: number } }[] };
          return { status, json: { ...page, records: page.records.filter((r) => r.record.seq !== 3) } };
        }
        if (path === "/api/v1/records/2") {
          const item = json as { record: object };
          return { status, json: { ...item, record: { ...item.record, amount: "999" } } };
        }
        if (path === "/api/v1/stats") {
          const stats = json as { byKind: { kind: string }[] };
          return { status, json: { ...stats, byKind: stats.byKind.filter((k) => k.kind !== "VALUATION") } };
        }
        return undefined;
      });
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["VIEW_MISMATCH"]);
      const fields = report.findings.map((f) => [f.field, f.seq ?? null]);
      expect(fields).to.deep.include.members([
        ["/records presence", 3],
        ["/records/2 record.amount", 2],
        ["/stats byKind", null],
      ]);
      expect(fields).to.have.length(3);
    });

    it("a /records/1 that hides its correction (correctedBy [] for the superseded seq 1): VIEW_MISMATCH correctedBy", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) =>
        path === "/api/v1/records/1" ? { status, json: { ...(json as object), correctedBy: [] } } : undefined,
      );
      const { run, report } = await audit(["--server", proxy.url]);
      expect(run.code).to.equal(1);
      expect(report.findings.map((f) => [f.code, f.field, f.seq])).to.deep.include([
        "VIEW_MISMATCH",
        "/records/1 correctedBy",
        1,
      ]);
    });

    it("/records/:seq is sampled from the audit's own seed (in the report), not at evenly spaced seqs a liar can skip", async () => {
      // The evenly spaced sample of 3 out of 10 was seqs 1, 6 and 10: a server lying on seq 4 alone stayed CLEAN.
      const seed = Array.from({ length: 500 }, (_, i) => `5eed${i.toString(16).padStart(4, "0")}`).find((s) =>
        sampleSeqs(
          Array.from({ length: 10 }, (_, i) => i + 1),
          3,
          s,
        ).includes(4),
      )!;
      proxy = await startLyingProxy(stack.baseUrl, (path, status, json) => {
        if (path !== "/api/v1/records/4") return undefined;
        const item = json as { record: object };
        return { status, json: { ...item, record: { ...item.record, amount: "999" } } };
      });
      const { run, report } = await audit(["--server", proxy.url], ["--view-sample", "3", "--view-seed", seed]);
      expect(run.code).to.equal(1);
      expect(report.findings.map((f) => [f.field, f.seq])).to.deep.include(["/records/4 record.amount", 4]);
      expect((report.totals as unknown as { viewSeed: string }).viewSeed).to.equal(seed);
      // Without --view-seed, each run draws a fresh seed and prints it.
      const fresh = await audit(["--server", stack.baseUrl], ["--view-sample", "3"]);
      const again = await audit(["--server", stack.baseUrl], ["--view-sample", "3"]);
      const seeds = [fresh, again].map((r) => (r.report.totals as unknown as { viewSeed: string }).viewSeed);
      expect(seeds[0]).to.match(/^[0-9a-f]{32}$/);
      expect(seeds[0]).to.not.equal(seeds[1]);
      expect(fresh.run.stdout + fresh.run.stderr).to.contain(`sample seed ${seeds[0]}`);
    });

    it("a server that stalls on one batch and sends garbage for another: SOURCE_ERROR for each, the rest still checked", async () => {
      proxy = await startLyingProxy(stack.baseUrl, (path) => {
        if (path === "/api/v1/batches/2/records") return "hang";
        if (path === "/api/v1/batches/3/records") return "garbage";
        return undefined;
      });
      const { run, report } = await audit(["--server", proxy.url], ["--timeout", "1", "--retries", "0"]);
      expect(run.code, run.stderr).to.equal(1);
      const errors = report.findings.filter((f) => f.severity !== "info");
      expect(errors.map((f) => [f.code, f.batchId])).to.deep.equal([
        ["SOURCE_ERROR", 2],
        ["SOURCE_ERROR", 3],
      ]);
      expect(errors[0]!.message).to.contain("no complete answer within 1000 ms");
      expect(errors[1]!.message).to.contain("not JSON");
      expect(report.totals.rootsMatched).to.equal(1);
      expect(run.stderr).to.equal("");
    });

    it("a server that is down entirely: SOURCE_ERROR findings, exit 1, no crash", async () => {
      const { run, report } = await audit(["--server", "http://127.0.0.1:9"], ["--retries", "0"]);
      expect(run.code, run.stderr).to.equal(1);
      expect(codesOf(report)).to.deep.equal(["SOURCE_ERROR"]);
      // registry, batch list, and each of the 3 batches
      expect(report.findings.filter((f) => f.code === "SOURCE_ERROR").length).to.equal(5);
    });
  });

  describe("receipts", () => {
    const receiptsDir = async (name: string, files: Record<string, unknown>): Promise<string> => {
      const dir = join(work, name);
      await (await import("node:fs/promises")).mkdir(dir);
      for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), JSON.stringify(content));
      return dir;
    };

    it("the receipts the server gave are honoured: clean", async () => {
      const dir = await receiptsDir("receipts-honest", {
        "post-1.json": { receipts: receipts[0] },
        "post-2.json": receipts[1],
        "single.json": receipts[2]![0],
      });
      const { run, report } = await audit(["--server", stack.baseUrl, "--receipts", dir]);
      expect(run.code, run.stdout).to.equal(0);
      expect(report.totals.receiptsChecked).to.equal(8);
      expect(report.findings).to.deep.equal([]);
    });

    it("a receipt with another leaf, a forged one, a stranger's and ones dated before the key held the role: each caught", async () => {
      const anchorer = stack.wallets.anchorer;
      const now = Math.floor(Date.now() / 1000);
      const twoDaysAgo = now - 2 * 86_400;
      const otherLeaf = `0x${"5a".repeat(32)}` as Hex;
      const good = receipts[0]![1]!;
      const forged = { ...receipts[0]![0]!, publishedAt: receipts[0]![0]!.publishedAt + 1 };
      const stranger = await signReceipt(
        stack,
        Wallet.createRandom(),
        3,
        receipts[0]![2]!.leaf,
        receipts[0]![2]!.publishedAt,
      );
      const dir = await receiptsDir("receipts-broken", {
        "never-anchored.json": await signReceipt(stack, anchorer, 50, otherLeaf, twoDaysAgo),
        "not-yet-due.json": await signReceipt(stack, anchorer, 51, otherLeaf, now),
        "other-leaf.json": await signReceipt(stack, anchorer, good.seq, otherLeaf, good.publishedAt),
        "late.json": await signReceipt(stack, anchorer, receipts[2]![0]!.seq, receipts[2]![0]!.leaf, twoDaysAgo),
        "forged.json": forged,
        "stranger.json": stranger,
        "garbage.json": { hello: "world" },
      });
      const { run, report } = await audit(["--server", stack.baseUrl, "--receipts", dir]);
      expect(run.code).to.equal(1);
      const bySeq = report.findings.map((f) => [f.code, f.seq ?? null]).sort();
      expect(bySeq).to.deep.equal(
        [
          ["RECEIPT_BAD_SIGNATURE", 1],
          ["RECEIPT_INVALID", null],
          ["RECEIPT_LEAF_MISMATCH", 2],
          ["RECEIPT_PENDING", 51],
          ["RECEIPT_UNKNOWN_SIGNER", 3],
          // Dated two days ago, before this registry (and its anchorer's role) existed: they bind nobody.
          ["RECEIPT_UNKNOWN_SIGNER", 50],
          ["RECEIPT_UNKNOWN_SIGNER", 8],
        ].sort(),
      );
      expect(run.stdout).to.contain("RECEIPT_LEAF_MISMATCH");
    });
  });

  it("an unreachable chain is fatal: exit 2", async () => {
    const run = await runCli(["audit", "--rpc", "http://127.0.0.1:9", ...trustArgs(stack), "--server", stack.baseUrl]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("CHAIN_UNAVAILABLE");
  });

  it("usage errors: exit 2", async () => {
    const run = await runCli(["audit", ...chainArgs(stack)]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("give exactly one of --server URL and --mirror DIR");
  });

  describe("the registry's code", () => {
    const auditAt = (trust: string[], source: string[]) =>
      auditReport<Report>(work, ["--rpc", stack.rpcUrl, ...trust, ...source]);

    it("a look-alike contract answering the same reads and logs: REGISTRY_CODE_MISMATCH, and ROOT_MISMATCH once it rewrites a root", async () => {
      const artifact = await hre.artifacts.readArtifact("LookAlikeRegistry");
      const factory = new ContractFactory(artifact.abi, artifact.bytecode, stack.wallets.admin);
      const fake = (await (await factory.deploy()).waitForDeployment()) as unknown as Contract;
      const fakeAddress = await fake.getAddress();
      const real = createRegistryReader((m, p) => stack.provider.send(m, p), stack.registryAddress);
      for (let id = 1; id <= 3; id++) {
        const b = (await real.batch(id))!;
        await (await fake.getFunction("anchor")(id, b.root, b.firstSeq, b.leafCount)).wait();
      }
      const proxy = await startLyingProxy(stack.baseUrl, (path, status, json) =>
        path === "/api/v1/registry" ? { status, json: { ...(json as object), registry: fakeAddress } } : undefined,
      );
      try {
        const trust = trustArgs(stack, { registry: fakeAddress });
        const before = await auditAt(trust, ["--server", proxy.url]);
        expect(before.run.code).to.equal(1);
        expect(codesOf(before.report)).to.include("REGISTRY_CODE_MISMATCH");
        expect(codesOf(before.report)).not.to.include("ROOT_MISMATCH");
        await (await fake.getFunction("rewrite")(2, `0x${"66".repeat(32)}`)).wait();
        const after = await auditAt(trust, ["--server", proxy.url]);
        expect(codesOf(after.report)).to.include.members([
          "REGISTRY_CODE_MISMATCH",
          "ROOT_MISMATCH",
          "BATCH_LOG_MISMATCH",
        ]);
      } finally {
        await proxy.close();
      }
    });

    it("the real code with another deployment block than the trust root pins: REGISTRY_CODE_MISMATCH on the immutable", async () => {
      const real = createRegistryReader((m, p) => stack.provider.send(m, p), stack.registryAddress);
      const deploymentBlock = await real.deploymentBlock();
      const trustFile = join(work, "wrong-block-trust.json");
      const trust = { format: "aiqyn-trust/1", chainId: stack.chainId, registry: stack.registryAddress };
      await writeFile(trustFile, JSON.stringify({ ...trust, deploymentBlock: deploymentBlock + 1 }));
      const { report } = await auditAt(["--trust", trustFile], ["--server", stack.baseUrl]);
      const finding = report.findings.find((f) => f.code === "REGISTRY_CODE_MISMATCH");
      expect(finding?.message).to.contain(`_deploymentBlock is ${deploymentBlock}; expected ${deploymentBlock + 1}`);
      await writeFile(trustFile, JSON.stringify({ ...trust, deploymentBlock }));
      const right = await auditAt(["--trust", trustFile], ["--server", stack.baseUrl]);
      expect(right.run.code, right.run.stdout).to.equal(0);
    });
  });

  // Last (mocha runs a suite's own tests before its child suites, so this is a child suite defined last):
  // it edits the store behind the server's back.
  describe("a store edited behind the server's back", () => {
    it("a store altered after anchoring (one amount changed in SQLite): ROOT_MISMATCH, exit 1", async () => {
      await stack.stop();
      const db = new Database(join(stack.dataDir, "aiqyn.sqlite"));
      try {
        const changed = db.prepare("UPDATE records SET amount = ? WHERE seq = ?").run("150", 6 - 3);
        expect(changed.changes).to.equal(1);
      } finally {
        db.close();
      }
      await stack.restart();
      const { run, report } = await audit(["--server", stack.baseUrl]);
      expect(run.code, run.stdout).to.equal(1);
      expect(codesOf(report)).to.include("ROOT_MISMATCH");
      expect(report.findings.find((f) => f.code === "ROOT_MISMATCH")!.batchId).to.equal(1);
      expect(run.stdout).to.contain("FINDINGS");
    });
  });
});
