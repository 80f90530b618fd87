// A dishonest fund against `aiqyn audit` and `aiqyn reconcile` (issue #19), end to end: the real binary, the
// real server anchoring on the in-process chain, real wallets moving real ETH.
import { expect } from "chai";
import { formatEther, parseEther, type Wallet } from "ethers";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registryCaip10 } from "../../core";
import { signedDeclaration } from "../../server/demo/sample-records";
import { fundedWallet } from "../helpers/chain";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { auditReport, chainArgs, runCli } from "./cli-helpers";

interface Finding {
  code: string;
  seq: number;
  account: string | null;
  actual: string;
}

describe("cli: a fund that drains declared wallets and then corrects the declarations (issue #19)", function () {
  this.timeout(180_000);
  let stack: TestStack;
  let work: string;

  const reconcile = (extra: string[] = []) =>
    runCli(["reconcile", ...chainArgs(stack), "--server", stack.baseUrl, "--confirmations", "0", ...extra]);

  async function declare(wallet: Wallet, corrects = 0) {
    const block = await stack.provider.getBlockNumber();
    const amount = formatEther(await stack.provider.getBalance(wallet.address, block));
    const holding = { account: `eip155:31337:${wallet.address}`, asset: "eip155:31337/slip44:60", symbol: "ETH" };
    const registry = registryCaip10(stack.chainId, stack.registryAddress);
    const fields = await signedDeclaration(registry, { ...holding, amount, block }, wallet);
    return sampleRecord({ ...fields, valueUsd: "0", counterparty: fields.counterparty, corrects });
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-reconcile-attacks-"));
    stack = await startTestStack({ batchIntervalMs: 200 });
  });

  after(async () => stack?.stop());

  it("retracting one drained wallet 'declared in error' and re-declaring the other after the theft is found", async () => {
    const [w1, w2, thief] = [
      await fundedWallet(stack.provider),
      await fundedWallet(stack.provider),
      await fundedWallet(stack.provider),
    ];
    const before = await stack.provider.getBlockNumber();
    const declared = await postRecords(stack, [await declare(w1), await declare(w2)]);
    await stack.waitForAnchored(declared[1]!.seq);
    expect((await reconcile()).code).to.equal(0);
    // Judged up to a block before the declarations: nothing could be checked, and it says so (exit 3).
    const young = await reconcile(["--to-block", `eip155:31337=${before - 1}`]);
    expect(young.code, young.stdout + young.stderr).to.equal(3);
    expect(young.stdout).to.contain("Incomplete: no findings, but 2 record(s) could not be checked");
    expect(young.stdout).to.not.contain("agree.");
    await (await w1.sendTransaction({ to: thief.address, value: parseEther("500") })).wait();
    await (await w2.sendTransaction({ to: thief.address, value: parseEther("700") })).wait();
    const retraction = sampleRecord({
      kind: "RETRACTION",
      asset: "ETH",
      amount: "0",
      valueUsd: "0",
      reference: "declared in error",
      corrects: declared[0]!.seq,
    });
    const [retracted, redeclared] = await postRecords(stack, [retraction, await declare(w2, declared[1]!.seq)]);
    await stack.waitForAnchored(redeclared!.seq);

    const { report } = await auditReport<{ verdict: string; findings: Finding[] }>(work, [
      ...chainArgs(stack),
      "--server",
      stack.baseUrl,
    ]);
    expect(report.verdict).to.equal("FINDINGS");
    const audited = report.findings.map((f) => [f.code, f.seq]);
    expect(audited).to.deep.include(["DECLARATION_VOIDED", retracted!.seq]);
    expect(audited).to.deep.include(["DECLARATION_RESTARTED", redeclared!.seq]);

    const run = await reconcile(["--json"]);
    expect(run.code, run.stderr).to.equal(1);
    const found = (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
    const at = (address: string) => found.filter((f) => f.account?.endsWith(address)).map((f) => f.code);
    expect(at(w1.address)).to.include.members(["NATIVE_UNEXPLAINED", "CLOSING_BALANCE"]);
    expect(at(w2.address)).to.include("NATIVE_UNEXPLAINED");
    expect(found.find((f) => f.code === "NATIVE_UNEXPLAINED" && f.account?.endsWith(w2.address))!.actual).to.match(
      /^-700\.0000/,
    );
  });

  it("an RPC that serves another chain than its --chain-rpc id is refused (exit 2, CHAIN_ID_MISMATCH)", async () => {
    const run = await reconcile(["--chain-rpc", `eip155:56=${stack.rpcUrl}`]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("CHAIN_ID_MISMATCH");
    expect(run.stderr).to.contain("serves chain 31337");
  });
});
