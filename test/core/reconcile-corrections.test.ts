// Corrections and retractions of declarations on Hardhat's chain, as a dishonest fund would use them
// (issue #19, items 1 and 4): a declaration once current keeps its account tracked until what corrected it was
// anchored; a retired account's closing balance must be zero or disclosed as moved; and the operator's
// publishedAt never decides when a record took effect — its batch's anchoring on chain does.
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { formatEther, parseEther, parseUnits } from "ethers";
import {
  codesOf,
  deployAnchoringRegistry,
  deployDemoToken,
  expectClean,
  Ledger,
  logRef,
  nativeAsset,
  runReconcile,
  transferLogIndex,
  txRef,
} from "./reconcile-fixture";

const units = (amount: string) => parseUnits(amount, 6);
const etherOf = async (address: string) => formatEther(await ethers.provider.getBalance(address));

/** Two ETH wallets and a DUSDT wallet holding 1,000, declared and anchored (once current). */
async function declaredFund() {
  const signers = await ethers.getSigners();
  const [w1, w2, cold, thief] = [signers[7]!, signers[8]!, signers[9]!, signers[10]!];
  const token = await deployDemoToken(cold.address, units("1000"));
  const ledger = new Ledger(await deployAnchoringRegistry());
  const first = await ledger.declare(w1, nativeAsset, "ETH", await etherOf(w1.address));
  const second = await ledger.declare(w2, nativeAsset, "ETH", await etherOf(w2.address));
  const coldSeq = (await ledger.declare(cold, token.caip19, "DUSDT", "1000")).seq;
  await ledger.anchor();
  return { w1, w2, cold, thief, token, ledger, seqs: { w1: first.seq, w2: second.seq, cold: coldSeq } };
}

async function fund() {
  const loaded = await loadFixture(declaredFund);
  return { ...loaded, ledger: loaded.ledger.copy() };
}

const findingsOf = (report: Awaited<ReturnType<typeof runReconcile>>) =>
  report.findings.map((f) => [f.code, f.seq, f.account?.split(":")[2]]);

describe("reconcile (core): corrections and retractions cannot hide a movement", function () {
  this.timeout(120_000);

  it("the declared fund reconciles clean", async () => {
    const { ledger } = await fund();
    expectClean(await runReconcile(ledger));
  });

  it("draining two wallets, then retracting one 'declared in error' and re-declaring the other later, is found", async () => {
    const { w1, w2, thief, ledger, seqs } = await fund();
    await (await w1.sendTransaction({ to: thief.address, value: parseEther("500") })).wait();
    await (await w2.sendTransaction({ to: thief.address, value: parseEther("700") })).wait();
    const retraction = ledger.add({
      kind: "RETRACTION",
      amount: "0",
      corrects: seqs.w1,
      reference: "declared in error",
    });
    const redeclared = await ledger.declare(w2, nativeAsset, "ETH", await etherOf(w2.address));
    redeclared.corrects = seqs.w2;
    const report = await runReconcile(ledger);
    expect(findingsOf(report)).to.deep.equal([
      ["NATIVE_UNEXPLAINED", seqs.w1, w1.address],
      ["UNDISCLOSED_TX", seqs.w1, w1.address],
      ["NATIVE_UNEXPLAINED", seqs.w2, w2.address],
      ["UNDISCLOSED_TX", seqs.w2, w2.address],
      ["CLOSING_BALANCE", retraction.seq, w1.address],
    ]);
    expect(report.findings[0]!.actual).to.match(/^-500\.0000/);
    expect(report.findings[2]!.actual).to.match(/^-700\.0000/);
  });

  it("a re-declaration at a later block is clean when the gap is explained by disclosed movements", async () => {
    const { w2, thief, ledger, seqs } = await fund();
    const sent = await (await w2.sendTransaction({ to: thief.address, value: parseEther("7") })).wait();
    ledger.move("EXPENSE", txRef(sent!.hash), "7", "ETH");
    const redeclared = await ledger.declare(w2, nativeAsset, "ETH", await etherOf(w2.address));
    redeclared.corrects = seqs.w2;
    expectClean(await runReconcile(ledger));
  });

  it("a declaration corrected in its own batch was never current: only the correction is tracked", async () => {
    const signers = await ethers.getSigners();
    const { thief, ledger } = await fund();
    const fresh = signers[11]!;
    const wrong = await ledger.declare(fresh, nativeAsset, "ETH", "1");
    await (await fresh.sendTransaction({ to: thief.address, value: parseEther("1") })).wait();
    const right = await ledger.declare(fresh, nativeAsset, "ETH", await etherOf(fresh.address));
    right.corrects = wrong.seq;
    expectClean(await runReconcile(ledger));
  });

  it("retire then drain: a RETRACTION @now, then the wallet's remaining 1,000 DUSDT leave (CLOSING_BALANCE)", async () => {
    const { cold, thief, token, ledger, seqs } = await fund();
    const now = await ethers.provider.getBlockNumber();
    const retraction = ledger.add({ kind: "RETRACTION", amount: "0", corrects: seqs.cold, reference: `@${now}` });
    await ledger.anchor();
    await token.transfer(cold, thief.address, units("1000"));
    const report = await runReconcile(ledger);
    expect(findingsOf(report)).to.deep.equal([["CLOSING_BALANCE", retraction.seq, cold.address]]);
    expect(report.findings[0]!.actual).to.contain("1000 DUSDT held when tracking ended");
  });

  it("a retired wallet's closing balance disclosed as moved out afterwards reconciles clean", async () => {
    const { cold, thief, token, ledger, seqs } = await fund();
    const now = await ethers.provider.getBlockNumber();
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: seqs.cold, reference: `@${now}` });
    await ledger.anchor();
    const handOver = await token.transfer(cold, thief.address, units("1000"));
    ledger.move("EXPENSE", logRef(handOver, await transferLogIndex(handOver)), "1000");
    expectClean(await runReconcile(ledger));
    // Disclosing less than left is still a finding.
    ledger.records.at(-1)!.amount = "999";
    expect(codesOf(await runReconcile(ledger))).to.deep.equal(["CLOSING_BALANCE", "TRANSFER_MISMATCH"]);
  });

  it("a retired ETH wallet emptied afterwards by a disclosed transaction (its fee too) reconciles clean", async () => {
    const { w1, thief, ledger, seqs } = await fund();
    const now = await ethers.provider.getBlockNumber();
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: seqs.w1, reference: `@${now}` });
    await ledger.anchor();
    const balance = await ethers.provider.getBalance(w1.address);
    const gasPrice = (await ethers.provider.getFeeData()).gasPrice!;
    const value = balance - 21_000n * gasPrice;
    const sent = await (await w1.sendTransaction({ to: thief.address, value, gasLimit: 21_000n, gasPrice })).wait();
    expect(await ethers.provider.getBalance(w1.address)).to.equal(0n);
    ledger.move("EXPENSE", txRef(sent!.hash), formatEther(value), "ETH");
    expectClean(await runReconcile(ledger));
  });

  it("retracting one of two declarations of the same holding leaves it tracked: no closing balance due", async () => {
    const { cold, ledger, seqs } = await fund();
    const token = ledger.records[seqs.cold - 1]!.reference.split("@")[0]!;
    await ledger.declare(cold, token, "DUSDT", "1000");
    await ledger.anchor();
    const now = await ethers.provider.getBlockNumber();
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: seqs.cold, reference: `@${now}` });
    expectClean(await runReconcile(ledger));
  });

  it("a backdated RETRACTION (@N-1, publishedAt set to block N-1's time) cannot hide a theft at block N", async () => {
    const { cold, thief, token, ledger, seqs } = await fund();
    const theft = await token.transfer(cold, thief.address, units("400"));
    const block = (await ethers.provider.getTransactionReceipt(theft))!.blockNumber;
    const before = (await ethers.provider.getBlock(block - 1))!.timestamp;
    ledger.add({
      kind: "RETRACTION",
      amount: "0",
      corrects: seqs.cold,
      reference: `@${block - 1}`,
      publishedAt: before,
    });
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.include("UNDISCLOSED_TRANSFER");
    expect(report.findings.find((f) => f.code === "UNDISCLOSED_TRANSFER")!.movement).to.equal(
      logRef(theft, await transferLogIndex(theft)),
    );
  });

  it("a RETRACTION @block anchored before the hand-over ends tracking there (the true publishedAt held)", async () => {
    const { cold, thief, token, ledger, seqs } = await fund();
    const moved = await token.transfer(cold, thief.address, units("1000"));
    ledger.move("EXPENSE", logRef(moved, await transferLogIndex(moved)), "1000");
    const end = await ethers.provider.getBlockNumber();
    ledger.add({ kind: "RETRACTION", amount: "0", corrects: seqs.cold, reference: `@${end}` });
    await ledger.anchor();
    await token.transfer(thief, cold.address, units("10")); // no longer the fund's wallet
    expectClean(await runReconcile(ledger));
  });
});
