// The reconciler (core/reconcile*.ts) on Hardhat's chain: an honest fund reconciles clean, and every finding of
// docs/RECONCILIATION.md's table is provoked by a real on-chain action or a real record.
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { formatEther, parseEther, parseUnits } from "ethers";
import { reconcile } from "../../core";
import { signedDeclaration } from "../../server/demo/sample-records";
import {
  codesOf,
  deployAnchoringRegistry,
  deployDemoToken,
  expectClean,
  Ledger,
  logRef,
  nativeAsset,
  REGISTRY,
  runReconcile,
  transferLogIndex,
  txRef,
} from "./reconcile-fixture";

const units = (amount: string) => parseUnits(amount, 6);

/** Fund accounts A (token and native tracked) and B (token only); an outsider; every movement disclosed. */
async function honestFund() {
  const [, a, b, outsider, stranger] = await ethers.getSigners();
  const token = await deployDemoToken(a!.address, units("1000000"));
  const ledger = new Ledger(await deployAnchoringRegistry());
  const nativeStart = formatEther(await ethers.provider.getBalance(a!.address));
  await ledger.declare(a!, token.caip19, "DUSDT", "1000000");
  await ledger.declare(b!, token.caip19, "DUSDT", "0");
  await ledger.declare(a!, nativeAsset, "ETH", nativeStart);
  const toB = await token.transfer(a!, b!.address, units("100.5"));
  ledger.move("TRANSFER", logRef(toB, await transferLogIndex(toB)), "100.5");
  const grant = await token.transfer(a!, outsider!.address, units("20"));
  ledger.move("GRANT", logRef(grant, await transferLogIndex(grant)), "20");
  const gift = await outsider!.sendTransaction({ to: a!.address, value: parseEther("1") });
  ledger.move("INFLOW_OTHER", txRef((await gift.wait())!.hash), "1", "ETH");
  await ledger.snapshot(b!.address, token.caip19, "DUSDT", "100.5");
  await ledger.snapshot(a!.address, nativeAsset, "ETH", formatEther(await ethers.provider.getBalance(a!.address)));
  await ledger.anchor();
  return { a: a!, b: b!, outsider: outsider!, stranger: stranger!, token, ledger };
}

/** The honest fund, with a ledger of its own for this test. */
async function fund() {
  const loaded = await loadFixture(honestFund);
  return { ...loaded, ledger: loaded.ledger.copy() };
}

describe("reconcile (core) on Hardhat's chain", function () {
  this.timeout(120_000);

  it("an honest fund's disclosures reconcile clean", async () => {
    const { ledger } = await fund();
    const report = await runReconcile(ledger);
    expectClean(report);
    expect(report.chains[0]).to.include({ declarations: 3, snapshots: 2, movements: 3 });
  });

  it("UNDISCLOSED_TRANSFER: a token transfer into a declared account that no record names", async () => {
    const { a, outsider, token, ledger } = await fund();
    const hash = await token.transfer(outsider, a.address, units("5"));
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
    expect(report.findings[0]).to.include({ seq: 1, movement: logRef(hash, await transferLogIndex(hash)) });
    expect(report.findings[0]!.actual).to.contain("5 DUSDT into");
  });

  it("UNDISCLOSED_TRANSFER and UNDISCLOSED_TX: a token transfer out of a declared account that no record names", async () => {
    const { b, stranger, token, ledger } = await fund();
    await token.transfer(b, stranger.address, units("0.000001"));
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["UNDISCLOSED_TRANSFER", "UNDISCLOSED_TX"]);
    expect(report.findings[0]!.actual).to.contain("0.000001 DUSDT out of");
  });

  it("PHANTOM_TRANSFER: a record names a transaction that does not exist", async () => {
    const { ledger } = await fund();
    const seq = ledger.move("INFLOW_SEIZURE", logRef(`0x${"ab".repeat(32)}`, 0), "7").seq;
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["PHANTOM_TRANSFER", seq]]);
  });

  it("PHANTOM_TRANSFER: a record names a real transfer that touches no declared account", async () => {
    const { outsider, stranger, token, ledger } = await fund();
    const hash = await token.transfer(outsider, stranger.address, units("1"));
    ledger.move("INFLOW_OTHER", logRef(hash, await transferLogIndex(hash)), "1");
    expect(codesOf(await runReconcile(ledger))).to.deep.equal(["PHANTOM_TRANSFER"]);
  });

  it("TRANSFER_MISMATCH: the amount is off by one unit of the token", async () => {
    const { a, outsider, token, ledger } = await fund();
    const hash = await token.transfer(outsider, a.address, units("3"));
    const seq = ledger.move("INFLOW_OTHER", logRef(hash, await transferLogIndex(hash)), "3.000001").seq;
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["TRANSFER_MISMATCH"]);
    expect(report.findings[0]).to.include({ seq, expected: "INFLOW_OTHER 3.000001 DUSDT" });
    expect(report.findings[0]!.actual).to.contain("into").and.contain("3 DUSDT");
  });

  it("TRANSFER_MISMATCH: a movement in the wrong direction (an inflow disclosed as a grant)", async () => {
    const { a, outsider, token, ledger } = await fund();
    const hash = await token.transfer(outsider, a.address, units("2"));
    ledger.move("GRANT", logRef(hash, await transferLogIndex(hash)), "2");
    expect(codesOf(await runReconcile(ledger))).to.deep.equal(["TRANSFER_MISMATCH"]);
  });

  it("INVESTMENT brings the bought asset in and DIVESTMENT takes the sold asset out; the reverse is TRANSFER_MISMATCH", async () => {
    const { a, outsider, token, ledger } = await fund();
    const bought = await token.transfer(outsider, a.address, units("5"));
    const sold = await token.transfer(a, outsider.address, units("3"));
    const right = ledger.copy();
    right.move("INVESTMENT", logRef(bought, await transferLogIndex(bought)), "5");
    right.move("DIVESTMENT", logRef(sold, await transferLogIndex(sold)), "3");
    expectClean(await runReconcile(right.records));
    // v1's first rule (INVESTMENT out, DIVESTMENT in: the cash leg's view) contradicts the asset's direction
    ledger.move("DIVESTMENT", logRef(bought, await transferLogIndex(bought)), "5");
    ledger.move("INVESTMENT", logRef(sold, await transferLogIndex(sold)), "3");
    expect(codesOf(await runReconcile(ledger.records))).to.deep.equal(["TRANSFER_MISMATCH", "TRANSFER_MISMATCH"]);
  });

  it("DUPLICATE_REFERENCE: two current records name one log", async () => {
    const { a, outsider, token, ledger } = await fund();
    const hash = await token.transfer(outsider, a.address, units("2"));
    const ref = logRef(hash, await transferLogIndex(hash));
    ledger.move("INFLOW_OTHER", ref, "2");
    const second = ledger.move("INFLOW_MINING", ref.replace(hash, hash.toUpperCase().replace("0X", "0x")), "2");
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["DUPLICATE_REFERENCE", second.seq]]);
  });

  it("a superseded record does not count: correcting a wrong amount reconciles clean", async () => {
    const { a, outsider, token, ledger } = await fund();
    const hash = await token.transfer(outsider, a.address, units("2"));
    const ref = logRef(hash, await transferLogIndex(hash));
    const wrong = ledger.move("INFLOW_OTHER", ref, "2.5");
    ledger.move("INFLOW_OTHER", ref, "2", "DUSDT", wrong.seq);
    expectClean(await runReconcile(ledger));
  });

  it("BALANCE_MISMATCH: a snapshot off by one unit", async () => {
    const { b, token, ledger } = await fund();
    const seq = (await ledger.snapshot(b.address, token.caip19, "DUSDT", "100.499999")).seq;
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq, f.expected, f.actual])).to.deep.equal([
      ["BALANCE_MISMATCH", seq, "100.499999 DUSDT", "100.5 DUSDT"],
    ]);
  });

  it("CONTROL_UNPROVEN: a declaration signed by another key", async () => {
    const { stranger, outsider, token, ledger } = await fund();
    const seq = (await ledger.declare(stranger, token.caip19, "DUSDT", "0", outsider)).seq;
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["CONTROL_UNPROVEN", seq]]);
    expect(report.findings[0]!.actual).to.equal(`signed by ${outsider.address.toLowerCase()}`);
  });

  it("a contract account (ERC-1271) proves control with its owner's signature, and not with another's", async () => {
    const { a, outsider, token, ledger } = await fund();
    const wallet = await (await ethers.getContractFactory("DemoContractWallet")).deploy(a.address);
    const address = await wallet.getAddress();
    const account = `eip155:31337:${address}`;
    const block = await ethers.provider.getBlockNumber();
    const holding = { account, asset: token.caip19, symbol: "DUSDT", amount: "0", block };
    const declare = async (signer: typeof a) => ledger.add(await signedDeclaration(REGISTRY, holding, signer));
    await declare(a);
    expectClean(await runReconcile(ledger));
    const forged = await declare(outsider);
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["CONTROL_UNPROVEN", forged.seq]]);
  });

  it("UNDISCLOSED_TX: a declared account sends a transaction that no record names", async () => {
    const { b, stranger, ledger } = await fund();
    await (await b.sendTransaction({ to: stranger.address, value: 0n })).wait();
    const report = await runReconcile(ledger);
    expect(report.findings.map((f) => [f.code, f.seq, f.actual])).to.deep.equal([
      ["UNDISCLOSED_TX", 2, "the nonce rose by 1"],
    ]);
  });

  it("NATIVE_UNEXPLAINED: a native balance that moved without a disclosure", async () => {
    const { a, outsider, ledger } = await fund();
    await (await outsider.sendTransaction({ to: a.address, value: 12345n })).wait();
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["NATIVE_UNEXPLAINED"]);
    expect(report.findings[0]!.actual).to.equal("0.000000000000012345 ETH");
  });

  it("a chain the records name without a reader is reported unchecked, never clean", async () => {
    const { ledger } = await fund();
    const report = await reconcile({ records: ledger.records, registry: REGISTRY, chains: {} });
    expect(report.findings).to.deep.equal([]);
    expect(report.chains).to.deep.equal([]);
    expect(report.unchecked.map((u) => u.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(report.unchecked[0]!.reason).to.equal("no RPC for chain eip155:31337");
  });

  it("a retracted declaration with @<block> stops tracking there, once its retraction is anchored", async () => {
    const { a, b, outsider, stranger, token, ledger } = await fund();
    // The honest hand-over: empty the wallet (disclosed), retract at that block, anchor; later moves are not the fund's.
    const back = await token.transfer(b, a.address, units("100.5"));
    ledger.move("TRANSFER", logRef(back, await transferLogIndex(back)), "100.5");
    const end = await ethers.provider.getBlockNumber();
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: 2, reference: `@${end}` });
    await ledger.anchor();
    await token.transfer(outsider, b.address, units("5"));
    await token.transfer(b, stranger.address, units("1"));
    expectClean(await runReconcile(ledger));
  });

  it("a RETRACTION without @<block> in the declaration's own batch voids it: it was never current", async () => {
    const [, , , , , , fresh] = await ethers.getSigners();
    const { outsider, token, ledger } = await fund();
    const declared = await ledger.declare(fresh!, token.caip19, "DUSDT", "0");
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: declared.seq, reference: "declared in error" });
    await ledger.anchor();
    await token.transfer(outsider, fresh!.address, units("3"));
    const report = await runReconcile(ledger);
    expectClean(report);
    expect(report.chains[0]).to.include({ declarations: 3 });
  });
});
