// `aiqyn reconcile` end to end: the real binary, the real server on the in-process chain, the demo's real
// transfers and truthful records (server/demo/chain.ts) — clean — then an undisclosed transfer on chain.
import { expect } from "chai";
import hre from "hardhat";
import { Contract, HDNodeWallet, Mnemonic, parseUnits } from "ethers";
import { chainDemoRecords, DEMO_ACCOUNTS } from "../../server/demo/chain";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { chainArgs, runCli } from "./cli-helpers";

interface Report {
  findings: { code: string; seq: number; movement: string | null; actual: string }[];
  unchecked: { seq: number; reason: string }[];
  chains: { chain: string; declarations: number; snapshots: number; movements: number }[];
}

describe("cli: aiqyn reconcile (real server, the demo's transfers on the in-process chain)", function () {
  this.timeout(180_000);
  let stack: TestStack;
  let token: string;

  const reconcile = (extra: string[] = []) =>
    runCli(["reconcile", ...chainArgs(stack), "--server", stack.baseUrl, "--confirmations", "0", ...extra]);

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 200 });
    const accounts = hre.network.config.accounts as { mnemonic: string; path: string };
    const records = await chainDemoRecords({
      rpcUrl: stack.rpcUrl,
      chainId: 31337,
      registry: stack.registryAddress,
      mnemonic: accounts.mnemonic,
      path: accounts.path,
      artifact: hre.artifacts.readArtifactSync("DemoStablecoin"),
      now: Math.floor(Date.now() / 1000),
    });
    const receipts = await postRecords(stack, records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    token = /erc20:(0x[0-9a-fA-F]{40})@/.exec(records[0]!.reference)![1]!;
  });

  after(async () => stack?.stop());

  it("the demo's records and the chain agree: exit 0, a table that says so", async () => {
    const run = await reconcile();
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("5 declaration(s), 5 snapshot(s), 8 movement(s)");
    expect(run.stdout).to.contain("No findings");
  });

  it("the demo's treasury is a real 2-of-3 Safe paying through execTransaction; without call traces the report says what it could not verify", async () => {
    const run = await reconcile(["--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as Report & { notes: { code: string; movement: string | null }[] };
    // Hardhat offers no call trace: the Safe's ETH expense is judged by the balance checkpoints, and said so.
    expect(report.notes.map((n) => n.code)).to.deep.equal(["NATIVE_NET_ONLY", "NATIVE_PER_TX_UNVERIFIED"]);
    const text = await reconcile();
    expect(text.stdout).to.contain("note (NATIVE_NET_ONLY)");
    expect(text.stdout).to.contain("cancel out");
  });

  it("aiqyn audit --chain-rpc runs the same reconciliation after the audit", async () => {
    const chainRpc = `eip155:31337=${stack.rpcUrl}`;
    // The audit reconciles 12 confirmations below the head: past them, or every record is "not checked" (exit 3).
    for (let i = 0; i < 13; i++) await stack.provider.send("evm_mine", []);
    const run = await runCli(["audit", ...chainArgs(stack), "--server", stack.baseUrl, "--chain-rpc", chainRpc]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain("Reconciliation with the chains:");
    expect(run.stdout).to.contain("No findings: the records and the chains agree.");
  });

  it("refuses to run without a trust root (exit 2)", async () => {
    const run = await runCli(["reconcile", "--rpc", stack.rpcUrl, "--server", stack.baseUrl]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("trust root is required");
  });

  it("refuses records from a registry other than the pinned one (exit 2)", async () => {
    const elsewhere = chainArgs(stack, { registry: "0x000000000000000000000000000000000000dEaD" });
    const run = await runCli(["reconcile", ...elsewhere, "--server", stack.baseUrl]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("REGISTRY_NOT_FOUND");
  });

  it("an undisclosed transfer into the cold wallet is found with its code (exit 1, JSON report)", async () => {
    const accounts = hre.network.config.accounts as { mnemonic: string; path: string };
    const mnemonic = Mnemonic.fromPhrase(accounts.mnemonic);
    const exchange = HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/${DEMO_ACCOUNTS.exchange}`).connect(
      stack.provider,
    );
    const cold = HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/${DEMO_ACCOUNTS.coldWallet}`);
    const erc20 = new Contract(token, ["function transfer(address,uint256) returns (bool)"], exchange);
    const hash = (
      (await (await erc20.getFunction("transfer")(cold.address, parseUnits("1", 6))).wait()) as {
        hash: string;
      }
    ).hash;
    const run = await reconcile(["--json"]);
    expect(run.code, run.stderr).to.equal(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.map((f) => f.code)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
    expect(report.findings[0]!.movement).to.match(new RegExp(`^eip155:31337/tx/${hash}/log/\\d+$`));
    expect(report.findings[0]!.actual).to.contain("1 DUSDT into");
  });
});
