// `aiqyn verify` end to end: real bundles from the real server, checked by the real binary against the
// in-process chain; every kind of damage refused with its reason and exit 1.
import { expect } from "chai";
import { Wallet } from "ethers";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "../../core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { runCli, signReceipt, trustArgs } from "./cli-helpers";

interface Outcome {
  file: string;
  verdict: string;
  ok: boolean;
  error?: { code: string; message: string; problems?: { field: string; code: string }[] };
  checks: { id: string; ok: boolean | null; message: string }[];
}
interface VerifyReport {
  ok: boolean;
  chainChecked: boolean;
  bundles: Outcome[];
}

type Bundle = {
  record: Record<string, unknown> & { seq: number };
  leaf: string;
  proof: string[];
  batch: { id: number; root: string; firstSeq: number; leafCount: number };
  anchor: { chainId: number; registry: string };
  receipt: { seq: number; leaf: Hex; publishedAt: number; signer: string; signature: Hex };
} & Record<string, unknown>;

/** Flips the last hex digit of a 0x value. */
const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");

describe("cli: aiqyn verify (real bundles, in-process chain)", function () {
  this.timeout(180_000);
  let stack: TestStack;
  let dir: string;
  let good: Bundle;

  const write = async (name: string, content: unknown): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
  };
  const pin = () => trustArgs(stack);
  const damaged = (change: (b: Bundle) => void): Bundle => {
    const copy = JSON.parse(JSON.stringify(good)) as Bundle;
    change(copy);
    return copy;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aiqyn-cli-verify-"));
    stack = await startTestStack({ batchIntervalMs: 200 });
    await postRecords(stack, [
      sampleRecord(),
      sampleRecord({ asset: "BNB" }),
      sampleRecord({ asset: "COIN", kind: "INVESTMENT" }),
    ]);
    await stack.waitForAnchored(3);
    await postRecords(stack, [sampleRecord(), sampleRecord()]);
    await stack.waitForAnchored(5);
    good = (await (await fetch(`${stack.baseUrl}/api/v1/records/2/proof`)).json()) as Bundle;
    expect(good.batch).to.deep.include({ id: 1, firstSeq: 1, leafCount: 3 });
    expect(good.proof.length).to.equal(2);
  });

  after(async () => {
    await stack?.stop();
  });

  it("a good bundle: every check printed with ✓, ANCHORED, exit 0", async () => {
    const file = await write("good.json", good);
    const run = await runCli(["verify", file, "--rpc", stack.rpcUrl, ...pin(), "--server", stack.baseUrl]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const ids = [...run.stdout.matchAll(/✓ ([a-z-]+):/g)].map((m) => m[1]);
    expect(ids).to.deep.equal([
      "trust-root",
      "leaf",
      "seq-in-batch",
      "proof-length",
      "proof-root",
      "receipt",
      "chain-id",
      "chain-batch",
      "chain-root",
      "chain-range",
      "anchor-tx",
      "receipt-role",
      "leaf-position",
    ]);
    expect(run.stdout).not.to.contain("✗");
    expect(run.stdout).to.contain("ANCHORED");
    expect(run.stdout).to.contain("1 of 1 bundle(s) anchored and valid");
  });

  it("--offline says plainly that the chain was not checked, and exits 1", async () => {
    const file = await write("good-offline.json", good);
    const run = await runCli(["verify", file, "--offline", ...pin()]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.contain("– chain-batch: the chain was not asked (offline)");
    expect(run.stdout).to.contain("NOT checked against the chain");
    const json = await runCli(["verify", file, "--offline", "--json", ...pin()]);
    const report = JSON.parse(json.stdout) as VerifyReport;
    expect(report.chainChecked).to.equal(false);
    expect(report.bundles[0]!.verdict).to.equal("unchecked");
  });

  it("each kind of damage is refused with the right reason (exit 1); the good one still passes", async () => {
    const { seq, leaf, publishedAt } = good.receipt;
    const stranger = await signReceipt(stack, Wallet.createRandom(), seq, leaf, publishedAt);
    const cases: [string, unknown, string, string[]][] = [
      // name, content, expected verdict, failing checks (or the error code for a refused file)
      ["good", good, "anchored", []],
      [
        "record-changed",
        damaged((b) => (b.record.amount = "2.5")),
        "mismatch",
        ["leaf", "proof-root", "receipt", "chain-root", "leaf-position"],
      ],
      ["leaf-flipped", damaged((b) => (b.leaf = flip(b.leaf))), "mismatch", ["leaf"]],
      [
        "proof-element-flipped",
        damaged((b) => (b.proof[0] = flip(b.proof[0]!))),
        "mismatch",
        ["proof-root", "chain-root"],
      ],
      ["proof-truncated", damaged((b) => b.proof.pop()), "mismatch", ["proof-root", "chain-root"]],
      [
        "root-changed",
        damaged((b) => (b.batch.root = flip(b.batch.root))),
        "mismatch",
        ["proof-root", "chain-root", "anchor-tx"],
      ],
      [
        "other-batch-id",
        damaged((b) => (b.batch.id = 2)),
        "mismatch",
        ["chain-root", "chain-range", "anchor-tx", "leaf-position"],
      ],
      ["unknown-batch-id", damaged((b) => (b.batch.id = 77)), "not-anchored", ["chain-batch"]],
      [
        "seq-outside-range",
        damaged((b) => (b.record.seq = 4)),
        "mismatch",
        ["leaf", "seq-in-batch", "proof-root", "receipt", "chain-root", "leaf-position"],
      ],
      ["wrong-chain", damaged((b) => (b.anchor.chainId = 1)), "other-registry", ["trust-root", "receipt"]],
      [
        "wrong-registry",
        damaged((b) => (b.anchor.registry = `0x${"12".repeat(20)}`)),
        "other-registry",
        ["trust-root", "receipt"],
      ],
      ["receipt-tampered", damaged((b) => (b.receipt.publishedAt += 1)), "mismatch", ["receipt"]],
      [
        "receipt-stranger",
        damaged((b) => Object.assign(b.receipt, { signer: stranger.signer, signature: stranger.signature })),
        "mismatch",
        ["receipt-role"],
      ],
      ["malformed", '{ "format": "aiqyn-proof/1", "record": ', "refused", ["INVALID_JSON"]],
      ["unknown-field", damaged((b) => (b.extra = "hello")), "refused", ["INVALID_BUNDLE", "FIELD_UNKNOWN"]],
    ];
    const files = [];
    for (const [name, content] of cases) files.push(await write(`${name}.json`, content));
    const run = await runCli([
      "verify",
      ...files,
      "--rpc",
      stack.rpcUrl,
      ...pin(),
      "--server",
      stack.baseUrl,
      "--json",
    ]);
    expect(run.code, run.stderr).to.equal(1);
    const report = JSON.parse(run.stdout) as VerifyReport;
    expect(report.ok).to.equal(false);
    cases.forEach(([name, , verdict, failing], i) => {
      const outcome = report.bundles[i]!;
      expect(outcome.file.endsWith(`${name}.json`)).to.equal(true);
      expect(outcome.verdict, name).to.equal(verdict);
      expect(outcome.ok, name).to.equal(verdict === "anchored");
      if (verdict === "refused") {
        expect(
          [outcome.error!.code, ...(outcome.error!.problems ?? []).map((p) => p.code)].slice(0, failing.length),
          name,
        ).to.deep.equal(failing);
      } else {
        expect(
          outcome.checks.filter((c) => c.ok === false).map((c) => c.id),
          name,
        ).to.deep.equal(failing);
      }
    });
  });

  it("text output names the failing check with ✗, and a missing file, no --rpc or no trust root is a usage error (exit 2)", async () => {
    const file = await write(
      "text-root.json",
      damaged((b) => (b.batch.root = flip(b.batch.root))),
    );
    const run = await runCli(["verify", file, "--rpc", stack.rpcUrl, ...pin()]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.contain("✗ proof-root: the proof does not lead to the batch root");
    // The text uses the JSON's word for the verdict (mismatch), never another one.
    expect(run.stdout).to.contain("MISMATCH: the bundle contradicts itself or the chain");
    expect(run.stdout).to.contain(`trusted registry ${stack.registryAddress} on chain ${stack.chainId}`);

    const missing = await runCli(["verify", join(dir, "nope.json"), "--rpc", stack.rpcUrl, ...pin()]);
    expect(missing.code).to.equal(2);
    const noRpc = await runCli(["verify", file, ...pin()]);
    expect(noRpc.code).to.equal(2);
    expect(noRpc.stderr).to.contain("--rpc URL is required");
    const good = await write(
      "no-trust.json",
      damaged(() => undefined),
    );
    for (const args of [[], ["--registry", stack.registryAddress], ["--chain-id", String(stack.chainId)]]) {
      const noTrust = await runCli(["verify", good, "--rpc", stack.rpcUrl, ...args]);
      expect(noTrust.code, args.join(" ")).to.equal(2);
      expect(noTrust.stderr).to.contain("a trust root is required");
      expect(noTrust.stdout).not.to.contain("ANCHORED");
    }
  });

  it("without --server or --mirror, a record in a batch of three is POSITION NOT CHECKED (exit 1); a mirror binds it", async () => {
    const file = await write("good-unbound.json", good);
    const run = await runCli(["verify", file, "--rpc", stack.rpcUrl, ...pin()]);
    expect(run.code, run.stdout).to.equal(1);
    expect(run.stdout).to.contain("– leaf-position: the batch's records were not available");
    expect(run.stdout).to.contain("POSITION NOT CHECKED");
    expect(run.stdout).not.to.contain("ANCHORED:");
    const mirror = join(dir, "mirror");
    expect((await runCli(["export", "--server", stack.baseUrl, "--out", mirror])).code).to.equal(0);
    const bound = await runCli(["verify", file, "--rpc", stack.rpcUrl, ...pin(), "--mirror", mirror]);
    expect(bound.code, bound.stdout).to.equal(0);
    expect(bound.stdout).to.contain("✓ leaf-position: the batch's 3 records rebuild the anchored root");
    const both = await runCli([
      "verify",
      file,
      "--rpc",
      stack.rpcUrl,
      ...pin(),
      "--mirror",
      mirror,
      "--server",
      stack.baseUrl,
    ]);
    expect(both.code).to.equal(2);
  });

  it("an unreachable RPC: NOT VERIFIED, exit 1", async () => {
    const file = await write("good-unreachable.json", good);
    const run = await runCli(["verify", file, "--rpc", "http://127.0.0.1:9", ...pin()]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.contain("NOT VERIFIED: the chain could not be read");
  });
});
