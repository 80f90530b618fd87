import { expect } from "chai";
import {
  AiqynError,
  reconcile,
  registryCaip10,
  validateRecord,
  type RecordInput,
  type RecordV1,
  type ReconcileReport,
} from "../../core";
import { agreeingBitcoinReader } from "../../core/chains/bitcoin/esplora-agree";
import type { BitcoinChainReader } from "../../core/chains/bitcoin/esplora";
import { REGTEST_CHAIN, singleKeyWallet } from "../../server/demo/bitcoin-regtest";
import {
  balanceOf,
  btcAccount,
  btcAmount,
  btcDeclaration,
  btcSnapshot,
  btcTxRef,
  runBitcoinFund,
  type BitcoinFund,
} from "../../server/demo/bitcoin";
import { EMPTY_FIELDS } from "../../server/demo/sample-records";
import { startRegtestStack, type RegtestStack } from "../helpers/bitcoin";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1";
import { p2tr } from "@scure/btc-signer";
import { signBip322P2tr } from "../../core/chains/bitcoin/bip322-sign";
import { controlMessage } from "../../core/protocol/references";

const REGISTRY = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const NOW = Math.floor(Date.now() / 1000) + 3600;

function ledger(inputs: RecordInput[]): RecordV1[] {
  return inputs.map((input, i) => {
    const record = { ...input, seq: i + 1, publishedAt: NOW, publisher: "treasury" };
    const checked = validateRecord(record);
    if (!checked.ok) throw new Error(`record ${i + 1} is invalid: ${JSON.stringify(checked.errors)}`);
    return record;
  });
}

/** A RETRACTION of the cold multisig's declaration (seq 2) that ends its tracking at `@<height>`. */
const coldRetraction = (height: number): RecordInput => ({
  ...EMPTY_FIELDS,
  kind: "RETRACTION",
  occurredAt: NOW - 60,
  asset: "BTC",
  amount: "0",
  corrects: 2,
  reference: `@${height}`,
});

const movement = (kind: RecordInput["kind"], txid: string, amount: string): RecordInput => ({
  ...EMPTY_FIELDS,
  kind,
  occurredAt: NOW - 60,
  asset: "BTC",
  amount,
  reference: btcTxRef(txid),
});

describe("Bitcoin reconciliation (core/reconcile/bitcoin.ts) on a bcoin regtest node", function () {
  this.timeout(300_000);
  let stack: RegtestStack;
  let fund: BitcoinFund;

  before(async () => {
    stack = await startRegtestStack();
    fund = await runBitcoinFund(stack.btc, stack.miner, REGISTRY, NOW);
  });
  after(() => stack.close());

  async function run(inputs: RecordInput[], reader: BitcoinChainReader = stack.reader()): Promise<ReconcileReport> {
    const toHeight = (await reader.tipHeight()) - 6;
    return reconcile({
      records: ledger(inputs),
      registry: REGISTRY,
      chains: {},
      bitcoin: { [REGTEST_CHAIN]: { reader, toHeight } },
    });
  }
  const about = (report: ReconcileReport, txid: string) =>
    report.findings.filter((f) => f.movement === btcTxRef(txid)).map((f) => f.code);
  /** Mines the block that confirms the last transactions and the default 6 above it, to an address that is not the fund's. */
  const confirm = () => stack.btc.mine(7, fund.exchange.address);

  it("is clean on the demo's honest year, names the final block hash and the balances there", async () => {
    const report = await run(fund.records);
    expect(report.findings).to.deep.equal([]);
    expect(report.unchecked).to.deep.equal([]);
    const finalHeight = stack.btc.height - 6;
    const [chain] = report.chains;
    expect(chain).to.deep.include({
      chain: REGTEST_CHAIN,
      toBlock: finalHeight,
      declarations: 2,
      snapshots: 2,
      movements: 6,
    });
    expect(chain!.blockHash).to.equal(await stack.reader().blockHash(finalHeight));
    expect(chain!.balances).to.deep.equal([
      {
        account: btcAccount(fund.mining),
        asset: `${REGTEST_CHAIN}/slip44:0`,
        amount: btcAmount(await balanceOf(stack.btc, fund.mining)),
      },
      {
        account: btcAccount(fund.cold),
        asset: `${REGTEST_CHAIN}/slip44:0`,
        amount: btcAmount(await balanceOf(stack.btc, fund.cold)),
      },
    ]);
  });

  it("finds an undisclosed spend from the 2-of-3 multisig and an undisclosed deposit", async () => {
    const spend = await stack.btc.send([fund.cold], [{ address: fund.grantee.address, value: 10_000_000n }]);
    const deposit = await stack.btc.send([fund.exchange], [{ address: fund.mining.address, value: 30_000_000n }]);
    await confirm();
    const report = await run(fund.records);
    const spent = report.findings.find((f) => f.movement === btcTxRef(spend))!;
    expect(spent).to.deep.include({ code: "UNDISCLOSED_TRANSFER", seq: 2, account: btcAccount(fund.cold) });
    expect(spent.actual).to.match(/external 0\.1, fee 0\.00001 BTC \(out of/);
    const received = report.findings.find((f) => f.movement === btcTxRef(deposit))!;
    expect(received).to.deep.include({ code: "UNDISCLOSED_TRANSFER", seq: 1, account: btcAccount(fund.mining) });
    expect(received.actual).to.match(/^in 0\.3, out 0, /);
    // disclosed, they are clean again
    const disclosed = await run([
      ...fund.records,
      movement("GRANT", spend, "0.1"),
      movement("INFLOW_OTHER", deposit, "0.3"),
    ]);
    expect(disclosed.findings).to.deep.equal([]);
  });

  it("finds a record naming a transaction that does not exist, or that touches no declared address", async () => {
    const elsewhere = await stack.btc.send([fund.exchange], [{ address: fund.grantee.address, value: 5_000_000n }]);
    await confirm();
    const missing = "ab".repeat(32);
    const report = await run([
      ...fund.records,
      movement("INFLOW_SEIZURE", missing, "1"),
      movement("INFLOW_SEIZURE", elsewhere, "0.05"),
    ]);
    expect(about(report, missing)).to.deep.equal(["PHANTOM_TRANSFER"]);
    expect(report.findings.find((f) => f.movement === btcTxRef(missing))!.actual).to.equal(
      "no such transaction on the chain",
    );
    expect(about(report, elsewhere)).to.deep.equal(["PHANTOM_TRANSFER"]);
    expect(report.findings.find((f) => f.movement === btcTxRef(elsewhere))!.actual).to.match(
      /touches no address declared/,
    );
  });

  it("finds an amount off by one satoshi, a coinbase disclosed as a seizure and an outflow as an inflow", async () => {
    const seizure = await stack.btc.send([fund.exchange], [{ address: fund.cold.address, value: 100_000_000n }]);
    const [block] = await stack.btc.mine(1, fund.mining.address);
    const coinbase = (
      (await stack.btc.node.rpc.execute({ method: "getblock", params: [block, true, false] })) as { tx: string[] }
    ).tx[0]!;
    const reward = (await stack.reader().transaction(coinbase))!.outputs[0]!.value;
    await confirm();
    const off = await run([
      ...fund.records,
      movement("INFLOW_SEIZURE", seizure, "1.00000001"),
      movement("INFLOW_SEIZURE", coinbase, btcAmount(reward)),
    ]);
    expect(about(off, seizure)).to.deep.equal(["TRANSFER_MISMATCH"]);
    expect(off.findings.find((f) => f.movement === btcTxRef(seizure))!).to.deep.include({
      expected: "INFLOW_SEIZURE 1.00000001 BTC",
    });
    expect(about(off, coinbase)).to.deep.equal(["TRANSFER_MISMATCH"]);
    expect(off.findings.find((f) => f.movement === btcTxRef(coinbase))!.actual).to.match(
      /^a coinbase transaction \(INFLOW_MINING /,
    );
    const right = await run([
      ...fund.records,
      movement("INFLOW_SEIZURE", seizure, "1"),
      movement("INFLOW_MINING", coinbase, btcAmount(reward)),
    ]);
    expect(about(right, seizure)).to.deep.equal([]);
    expect(about(right, coinbase)).to.deep.equal([]);
    const backwards = await run([...fund.records, movement("DIVESTMENT", seizure, "1")]);
    expect(about(backwards, seizure)).to.deep.equal(["TRANSFER_MISMATCH"]);
  });

  it("warns of a transaction that spends declared and undeclared outputs together (MIXED_INPUTS)", async () => {
    const mixed = await stack.btc.send(
      [fund.cold, fund.exchange],
      [{ address: fund.grantee.address, value: 20_000n }],
      {
        inputsPerWallet: 1,
        change: fund.exchange.address,
      },
    );
    await confirm();
    const tx = (await stack.reader().transaction(mixed))!;
    const external = tx.outputs.reduce((s, o) => s + o.value, 0n);
    const report = await run([...fund.records, movement("GRANT", mixed, btcAmount(external))]);
    expect(about(report, mixed)).to.deep.equal(["MIXED_INPUTS"]);
    expect(report.findings.find((f) => f.code === "MIXED_INPUTS")).to.deep.include({
      severity: "warning",
      seq: 0 + fund.records.length + 1,
    });
  });

  it("finds a snapshot off by one satoshi", async () => {
    const at = stack.btc.height - 6;
    const held = await stack
      .reader()
      .historyPage(fund.cold.address, null)
      .then(() => balanceOf(stack.btc, fund.cold));
    const snapshot = btcSnapshot(fund.cold, at, held + 1n, NOW);
    const report = await run([...fund.records, snapshot]);
    const finding = report.findings.find((f) => f.seq === fund.records.length + 1)!;
    expect(finding).to.deep.include({ code: "BALANCE_MISMATCH", movement: `${REGTEST_CHAIN}/slip44:0@${at}` });
    expect(finding.expected).to.equal(`${btcAmount(held + 1n)} BTC`);
  });

  it("finds a declaration signed by another key, and a 2-of-3 declaration with one signature", async () => {
    const strangers = [secp256k1.utils.randomSecretKey(), secp256k1.utils.randomSecretKey()];
    const forged = btcDeclaration(REGISTRY, fund.cold, fund.declaredAt, 0n, NOW, strangers);
    const forgedMining = btcDeclaration(REGISTRY, fund.mining, fund.declaredAt, 0n, NOW, strangers);
    const oneOfThree = btcDeclaration(REGISTRY, fund.cold, fund.declaredAt, 0n, NOW, [fund.cold.keys[2]!]);
    for (const [declaration, index, reason] of [
      [forged, 1, /not 2 valid ones/],
      [forgedMining, 0, /not valid for the address's key|public key is not the address's/],
      [oneOfThree, 1, /needs 2 signatures; the witness has 1/],
    ] as const) {
      const records = [...fund.records];
      records[index] = declaration;
      const report = await run(records);
      const control = report.findings.filter((f) => f.code === "CONTROL_UNPROVEN");
      expect(control.map((f) => f.seq)).to.deep.equal([index + 1]);
      expect(control[0]!.actual).to.match(reason);
    }
  });

  it("finds two records naming one transaction (DUPLICATE_REFERENCE)", async () => {
    const seizure = fund.records.find((r) => r.kind === "INFLOW_SEIZURE")!;
    const report = await run([...fund.records, { ...seizure }]);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.include([
      "DUPLICATE_REFERENCE",
      fund.records.length + 1,
    ]);
  });

  it("stops with an error naming both endpoints when one hides a transaction", async () => {
    const seizure = fund.records.find((r) => r.kind === "INFLOW_SEIZURE")!.reference.split("/tx/")[1]!;
    const liar = await stack.serve({ hide: new Set([seizure]) });
    const both = agreeingBitcoinReader(stack.reader(), stack.reader(liar));
    const error = await run(fund.records, both).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AiqynError).with.property("code", "RPCS_DISAGREE");
    expect((error as Error).message)
      .to.include(stack.url)
      .and.include(liar);
    // alone, the liar's word is taken whole: the seizure looks phantom and the cold balance is off
    const fooled = await run(fund.records, stack.reader(liar));
    expect(fooled.findings.map((f) => f.code)).to.include("PHANTOM_TRANSFER");
  });

  it("a retraction naming an earlier height cannot hide a spend mined before it was written", async () => {
    const spend = await stack.btc.send([fund.cold], [{ address: fund.grantee.address, value: 3_000_000n }]);
    await confirm();
    const retraction = coldRetraction(fund.declaredAt + 1);
    const report = await run([...fund.records, retraction]);
    const hidden = report.findings.find((f) => f.movement === btcTxRef(spend));
    expect(hidden).to.deep.include({ code: "UNDISCLOSED_TRANSFER", account: btcAccount(fund.cold) });
  });

  it("a P2TR key-path address proves control with its BIP-322 signature and reconciles", async () => {
    const key = secp256k1.utils.randomSecretKey();
    const address = p2tr(schnorr.getPublicKey(key), undefined, {
      bech32: "rb",
      pubKeyHash: 0x6f,
      scriptHash: 0xc4,
      wif: 0xef,
    }).address!;
    const taproot = { address, script: "", keys: [key] };
    const account = btcAccount(taproot);
    const asset = `${REGTEST_CHAIN}/slip44:0`;
    const declaration: RecordInput = {
      ...EMPTY_FIELDS,
      kind: "WALLET_DECLARED",
      occurredAt: NOW - 60,
      asset: "BTC",
      amount: "0",
      counterparty: account,
      reference: `${asset}@${stack.btc.height}`,
      memo: signBip322P2tr(key, controlMessage(REGISTRY, account, asset)),
    };
    const deposit = await stack.btc.send([fund.exchange], [{ address, value: 7_000_000n }]);
    await confirm();
    const served = (await (await fetch(`${stack.url}/tx/${deposit}`)).json()) as {
      vout: { scriptpubkey_address?: string }[];
    };
    expect(served.vout.map((o) => o.scriptpubkey_address)).to.include(address);
    const clean = await run([...fund.records, declaration, movement("INFLOW_OTHER", deposit, "0.07")]);
    expect(clean.findings.filter((f) => f.seq > fund.records.length || f.movement === btcTxRef(deposit))).to.deep.equal(
      [],
    );
    expect(clean.chains[0]!.balances!.find((b) => b.account === account)!.amount).to.equal("0.07");
    const forged = {
      ...declaration,
      memo: signBip322P2tr(secp256k1.utils.randomSecretKey(), controlMessage(REGISTRY, account, asset)),
    };
    const report = await run([...fund.records, forged, movement("INFLOW_OTHER", deposit, "0.07")]);
    expect(report.findings.filter((f) => f.code === "CONTROL_UNPROVEN").map((f) => f.seq)).to.deep.equal([
      fund.records.length + 1,
    ]);
  });

  it("retire then drain: a retired address emptied unseen is CLOSING_BALANCE on the retraction; named in full, it is not", async () => {
    const reader = stack.reader();
    await confirm();
    const retiredHeight = await reader.tipHeight();
    const left = await balanceOf(stack.btc, fund.cold);
    const fee = 2_000n;
    const drain = await stack.btc.send([fund.cold], [{ address: fund.grantee.address, value: left - fee }], { fee });
    await confirm();
    const retraction = coldRetraction(retiredHeight);
    const retractionSeq = fund.records.length + 1;
    // The retraction's batch anchored a second before the drain's block (block times need not rise, so the test
    // takes the drain's own time): tracking has ended when the drain is mined.
    const drainTime = (await reader.transaction(drain))!.time!;
    const anchors = [{ firstSeq: retractionSeq, leafCount: 1, anchoredAt: drainTime - 1 }];
    const judge = async (inputs: RecordInput[]) =>
      reconcile({
        records: ledger(inputs),
        anchors,
        registry: REGISTRY,
        chains: {},
        bitcoin: { [REGTEST_CHAIN]: { reader, toHeight: (await reader.tipHeight()) - 6 } },
      });

    const hidden = await judge([...fund.records, retraction]);
    const closing = hidden.findings.filter((f) => f.code === "CLOSING_BALANCE");
    expect(closing.map((f) => [f.seq, f.account])).to.deep.equal([[retractionSeq, btcAccount(fund.cold)]]);
    expect(closing[0]!.actual).to.contain(`${btcAmount(left)} BTC held when tracking ended`);
    expect(about(hidden, drain), "the drain itself is not the fund's movement any more").to.deep.equal([]);

    const named = await judge([...fund.records, retraction, movement("GRANT", drain, btcAmount(left - fee))]);
    expect(named.findings.filter((f) => f.code === "CLOSING_BALANCE")).to.deep.equal([]);
    expect(about(named, drain), "a named drain is not a phantom").to.deep.equal([]);

    const short = await judge([...fund.records, retraction, movement("GRANT", drain, btcAmount(left - fee - 1n))]);
    expect(about(short, drain)).to.deep.equal(["TRANSFER_MISMATCH"]);
    expect(short.findings.filter((f) => f.code === "CLOSING_BALANCE").map((f) => f.seq)).to.deep.equal([retractionSeq]);
  });

  it("reports bip122 records as unchecked without an endpoint for their chain", async () => {
    const report = await reconcile({ records: ledger(fund.records), registry: REGISTRY, chains: {} });
    expect(report.findings).to.deep.equal([]);
    expect(report.unchecked.map((u) => u.reason)).to.include(`no Esplora endpoint for chain ${REGTEST_CHAIN}`);
  });
});

describe("Bitcoin reconciliation over a few hundred honest movements", function () {
  this.timeout(600_000);
  let stack: RegtestStack;
  after(() => stack.close());

  it("is clean, across pages of history of three declared addresses", async () => {
    stack = await startRegtestStack();
    const wallets = [singleKeyWallet(), singleKeyWallet(), singleKeyWallet()];
    const declaredAt = stack.btc.height;
    const inputs: RecordInput[] = wallets.map((w) => btcDeclaration(REGISTRY, w, declaredAt, 0n, NOW));
    for (let i = 0; i < 240; i++) {
      const to = wallets[i % 3]!;
      const value = 1_000_000n + BigInt(i);
      const txid = await stack.btc.send([stack.miner], [{ address: to.address, value }]);
      inputs.push(movement("INFLOW_SEIZURE", txid, btcAmount(value)));
      if (i % 20 === 19) await stack.btc.mine(1, stack.miner.address);
    }
    for (let i = 0; i < 30; i++) {
      const from = wallets[i % 3]!;
      const txid = await stack.btc.send([from], [{ address: stack.miner.address, value: 500_000n }], { fee: 700n });
      inputs.push(movement("EXPENSE", txid, "0.005"));
      if (i % 10 === 9) await stack.btc.mine(1, stack.miner.address);
    }
    await stack.btc.mine(6, stack.miner.address);
    const reader = stack.reader();
    const report = await reconcile({
      records: ledger(inputs),
      registry: REGISTRY,
      chains: {},
      bitcoin: { [REGTEST_CHAIN]: { reader, toHeight: stack.btc.height - 6 } },
    });
    expect(report.findings).to.deep.equal([]);
    expect(report.chains[0]).to.deep.include({ declarations: 3, movements: 270 });
    for (const [i, w] of wallets.entries())
      expect(report.chains[0]!.balances![i]!.amount).to.equal(btcAmount(await balanceOf(stack.btc, w)));
  });
});
