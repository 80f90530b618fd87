// `aiqyn reconcile --chain-rpc bip122:…=<Esplora URL>` end to end: the real binary, the real server and registry
// on the in-process EVM chain, the demo's Bitcoin year on a bcoin regtest node served as Esplora.
import { expect } from "chai";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registryCaip10 } from "../../core";
import { REGTEST_CHAIN } from "../../server/demo/bitcoin-regtest";
import { btcTxRef, runBitcoinFund, type BitcoinFund } from "../../server/demo/bitcoin";
import { startRegtestStack, type RegtestStack } from "../helpers/bitcoin";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { chainArgs, jsonLines, runCli } from "./cli-helpers";

describe("cli: aiqyn reconcile on Bitcoin (Esplora endpoints served from a bcoin regtest node)", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let regtest: RegtestStack;
  let fund: BitcoinFund;

  const reconcile = (extra: string[]) =>
    runCli(["reconcile", ...chainArgs(stack), "--server", stack.baseUrl, "--confirmations", "0", ...extra]);

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 200 });
    regtest = await startRegtestStack();
    const registry = registryCaip10(31337, stack.registryAddress);
    fund = await runBitcoinFund(regtest.btc, regtest.miner, registry, Math.floor(Date.now() / 1000));
    const receipts = await postRecords(stack, fund.records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
  });
  after(async () => {
    await stack?.stop();
    await regtest?.close();
  });

  it("is clean through one endpoint, names the final block hash and says the endpoint was trusted whole", async () => {
    const run = await reconcile(["--chain-rpc", `${REGTEST_CHAIN}=${regtest.url}`]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const final = regtest.btc.height - 6;
    const hash = await regtest.reader().blockHash(final);
    expect(run.stdout).to.contain(
      `${REGTEST_CHAIN} up to block ${final} (${hash}): 2 declaration(s), 2 snapshot(s), 6 movement(s)`,
    );
    expect(run.stdout).to.contain("read through one Esplora endpoint, trusted whole");
    expect(run.stdout).to.contain("No findings");
  });

  it("takes --to-block and per-chain --confirmations, and two endpoints that agree", async () => {
    const second = await regtest.serve();
    const both = ["--chain-rpc", `${REGTEST_CHAIN}=${regtest.url}`, "--chain-rpc", `${REGTEST_CHAIN}=${second}`];
    const deeper = await reconcile([...both, "--confirmations", `${REGTEST_CHAIN}=2`, "--json"]);
    expect(deeper.code, deeper.stderr).to.equal(0);
    const report = JSON.parse(deeper.stdout) as { chains: { chain: string; toBlock: number }[] };
    expect(report.chains.find((c) => c.chain === REGTEST_CHAIN)!.toBlock).to.equal(regtest.btc.height - 2);
    const early = await reconcile([...both, "--to-block", `${REGTEST_CHAIN}=${fund.declaredAt + 1}`]);
    expect(early.stdout).to.contain(`${REGTEST_CHAIN} up to block ${fund.declaredAt + 1} (`);
    expect(early.stdout).not.to.contain("trusted whole");
  });

  it("stops (exit 2) naming both endpoints when one hides the seizure", async () => {
    const seizure = fund.records.find((r) => r.kind === "INFLOW_SEIZURE")!.reference.split("/tx/")[1]!;
    const liar = await regtest.serve({ hide: new Set([seizure]) });
    const run = await reconcile([
      "--chain-rpc",
      `${REGTEST_CHAIN}=${regtest.url}`,
      "--chain-rpc",
      `${REGTEST_CHAIN}=${liar}`,
    ]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("RPCS_DISAGREE").and.contain(regtest.url).and.contain(liar);
  });

  it("finds an undisclosed spend from the cold multisig (exit 1), and aiqyn audit --chain-rpc does too", async () => {
    const spend = await regtest.btc.send([fund.cold], [{ address: fund.grantee.address, value: 1_000_000n }]);
    await regtest.btc.mine(7, fund.exchange.address);
    const run = await reconcile(["--chain-rpc", `${REGTEST_CHAIN}=${regtest.url}`, "--json"]);
    expect(run.code, run.stderr).to.equal(1);
    const report = JSON.parse(run.stdout) as { findings: { code: string; movement: string }[] };
    expect(report.findings.map((f) => [f.code, f.movement])).to.deep.equal([["UNDISCLOSED_TRANSFER", btcTxRef(spend)]]);
    const audit = await runCli([
      "audit",
      ...chainArgs(stack),
      "--server",
      stack.baseUrl,
      "--chain-rpc",
      `${REGTEST_CHAIN}=${regtest.url}`,
    ]);
    expect(audit.code, audit.stdout + audit.stderr).to.equal(1);
    expect(audit.stdout).to.contain("UNDISCLOSED_TRANSFER").and.contain(spend);
  });

  it("aiqyn monitor reconciles the Bitcoin chain too: the undisclosed spend is alerted once, not again", async () => {
    const state = await mkdtemp(join(tmpdir(), "aiqyn-monitor-btc-"));
    const monitor = () =>
      runCli([
        "monitor",
        ...chainArgs(stack),
        "--server",
        stack.baseUrl,
        "--state",
        state,
        "--once",
        "--grace",
        "5",
        "--confirmations",
        "0",
        "--chain-rpc",
        `${REGTEST_CHAIN}=${regtest.url}`,
        "--confirmations",
        `${REGTEST_CHAIN}=0`,
      ]);
    const first = await monitor();
    expect(first.code, first.stderr).to.equal(1);
    const alerts = jsonLines<{ kind: string; chain?: string; message: string }>(first.stdout);
    const bitcoin = alerts.filter((a) => a.chain === REGTEST_CHAIN);
    expect(bitcoin.map((a) => a.kind)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
    expect(bitcoin[0]!.message).to.contain("/tx/");
    const again = await monitor();
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout.trim()).to.equal("");
  });

  it("refuses a third endpoint for one chain and an unknown Bitcoin chain (exit 2)", async () => {
    const three = Array.from({ length: 3 }, () => ["--chain-rpc", `${REGTEST_CHAIN}=${regtest.url}`]).flat();
    const run = await reconcile(three);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("at most two Esplora endpoints");
    const unknown = await reconcile(["--chain-rpc", `bip122:${"00".repeat(16)}=${regtest.url}`]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("unknown Bitcoin chain");
  });
});
