// A real multisig treasury (Safe 1.4.1, 2-of-3 of Hardhat's accounts) reconciles: declared by its owners'
// threshold or by an on-chain approval, paying ETH and tokens through execTransaction, changing its threshold.
// Hardhat 2 offers no call trace, so this is also the fallback path: ETH moved inside execTransaction is judged
// by the balance checkpoints, and the report says the per-transaction amount was not verifiable.
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { Interface, parseEther, parseUnits } from "ethers";
import { validateRecord } from "../../core";
import { signedDeclaration } from "../../server/demo/sample-records";
import {
  CHAIN,
  codesOf,
  deployDemoToken,
  expectClean,
  Ledger,
  logRef,
  nativeAsset,
  REGISTRY,
  runReconcile,
  txRef,
} from "./reconcile-fixture";
import {
  approveSafeControl,
  approvedSafeDeclaration,
  createSafe,
  deploySafeInfrastructure,
  safeDeclaration,
  type SafeHolding,
} from "./safe-fixture";

const units = (amount: string) => parseUnits(amount, 6);
const erc20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);

/** A 2-of-3 Safe holding 1,000 DUSDT and 10 ETH, declared for both by two owners' signatures. */
async function safeTreasury() {
  const [deployer, o1, o2, o3, outsider, payee] = await ethers.getSigners();
  const infra = await deploySafeInfrastructure(deployer!);
  const safe = await createSafe(deployer!, infra, [o1!, o2!, o3!], 2, 1n);
  const token = await deployDemoToken(deployer!.address, units("1000000"));
  await token.transfer(deployer!, safe.address, units("1000"));
  await (await deployer!.sendTransaction({ to: safe.address, value: parseEther("10") })).wait();
  const block = await ethers.provider.getBlockNumber();
  const holding = (asset: string, symbol: string, amount: string): SafeHolding => ({
    chain: CHAIN,
    registry: REGISTRY,
    safe,
    asset,
    symbol,
    amount,
    block,
  });
  const ledger = new Ledger();
  const usd = holding(token.caip19, "DUSDT", "1000");
  const eth = holding(nativeAsset, "ETH", "10");
  ledger.add(await safeDeclaration(usd));
  ledger.add(await safeDeclaration(eth));
  return { safe, token, ledger, usd, eth, outsider: outsider!, payee: payee!, owners: [o1!, o2!, o3!] };
}

async function treasury() {
  const loaded = await loadFixture(safeTreasury);
  return { ...loaded, ledger: loaded.ledger.copy() };
}

describe("a real 2-of-3 Safe treasury reconciles (Safe 1.4.1 on Hardhat)", function () {
  this.timeout(180_000);

  it("declared by two of three owners (a 130-byte memo), both holdings reconcile clean", async () => {
    const { ledger } = await treasury();
    expect(ledger.records.map((r) => (r.memo.length - 2) / 2)).to.deep.equal([130, 130]);
    const report = await runReconcile(ledger.records);
    expectClean(report);
    expect(report.notes).to.deep.equal([]);
  });

  it("declared by a message the Safe approved on chain (SignMessageLib, memo 0x), reconciles clean", async () => {
    const { safe, token, ledger } = await treasury();
    const h = { chain: CHAIN, registry: REGISTRY, safe, asset: token.caip19, symbol: "DUSDT", amount: "1000" };
    await approveSafeControl(h);
    const declared = ledger.add(approvedSafeDeclaration({ ...h, block: await ethers.provider.getBlockNumber() }));
    expect(declared.memo).to.equal("0x");
    expectClean(await runReconcile(ledger.records));
  });

  it("an approval made after the declaration's block does not prove control at that block", async () => {
    const { safe, token, ledger } = await treasury();
    const h = { chain: CHAIN, registry: REGISTRY, safe, asset: token.caip19, symbol: "DUSDT", amount: "1000" };
    const early = ledger.add(approvedSafeDeclaration({ ...h, block: await ethers.provider.getBlockNumber() }));
    await approveSafeControl(h);
    const report = await runReconcile(ledger.records);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["CONTROL_UNPROVEN", early.seq]]);
  });

  it("one owner's signature (1 of a 2-of-3) is CONTROL_UNPROVEN", async () => {
    const { safe, token, ledger, owners } = await treasury();
    const h: SafeHolding = {
      chain: CHAIN,
      registry: REGISTRY,
      safe,
      asset: token.caip19,
      symbol: "DUSDT",
      amount: "1000",
      block: await ethers.provider.getBlockNumber(),
    };
    const partial = ledger.add(await safeDeclaration(h, [owners[0]!]));
    const report = await runReconcile(ledger.records);
    expect(report.findings.map((f) => [f.code, f.seq])).to.deep.equal([["CONTROL_UNPROVEN", partial.seq]]);
    expect(report.findings[0]!.actual).to.match(/refuses the signature at block \d+ \(ERC-1271\)/);
  });

  it("a threshold change (2-of-3 to 3-of-3) after the declarations stays clean, shown as information", async () => {
    const { safe, ledger, owners } = await treasury();
    await safe.changeThreshold(3);
    expect(await safe.threshold()).to.equal(3);
    // At the final block two signatures no longer satisfy the Safe: the proof stands at the declaration's block.
    const report = await runReconcile(ledger.records);
    expect(report.findings).to.deep.equal([]);
    expect(report.notes.map((n) => [n.code, n.seq])).to.deep.equal([
      ["CONTROL_CHANGED", 1],
      ["CONTROL_CHANGED", 2],
      ["NATIVE_NET_ONLY", 2],
    ]);
    expect(report.notes[0]!.message).to.include("then a Safe, 2 of 3 owners");
    expect(report.notes[0]!.message).to.include("it is a Safe, 3 of 3 owners");
    expect(report.notes[0]!.message).to.include("no longer accepts the signature");
    expect(owners).to.have.length(3);
  });

  it("a 1-of-3 Safe declared by one owner, then raised to 2-of-3: still clean, with a note", async () => {
    const [deployer, o1, o2, o3] = await ethers.getSigners();
    const infra = await deploySafeInfrastructure(deployer!);
    const safe = await createSafe(deployer!, infra, [o1!, o2!, o3!], 1, 2n);
    const ledger = new Ledger();
    const block = await ethers.provider.getBlockNumber();
    ledger.add(
      await safeDeclaration({
        chain: CHAIN,
        registry: REGISTRY,
        safe,
        asset: nativeAsset,
        symbol: "ETH",
        amount: "0",
        block,
      }),
    );
    await safe.changeThreshold(2);
    const report = await runReconcile(ledger.records);
    expect(report.findings).to.deep.equal([]);
    expect(report.notes.map((n) => n.code)).to.deep.equal(["CONTROL_CHANGED", "NATIVE_NET_ONLY"]);
  });

  it("a token payment through execTransaction, disclosed, is clean; undisclosed, it is found", async () => {
    const { safe, token, ledger, payee } = await treasury();
    const paid = await safe.exec(token.address, 0n, erc20.encodeFunctionData("transfer", [payee.address, units("75")]));
    const logIndex = (await ethers.provider.getTransactionReceipt(paid))!.logs.find(
      (l) => l.address.toLowerCase() === token.address.toLowerCase(),
    )!.index;
    const undisclosed = ledger.copy();
    ledger.move("GRANT", logRef(paid, logIndex), "75");
    expectClean(await runReconcile(ledger.records));
    const report = await runReconcile(undisclosed.records);
    expect(report.findings.map((f) => [f.code, f.movement])).to.deep.equal([
      ["UNDISCLOSED_TRANSFER", `${CHAIN}/tx/${paid}/log/${logIndex}`],
    ]);
  });

  it("an ETH payment through execTransaction (an internal call), disclosed, is clean; the per-tx amount is noted as not verifiable here", async () => {
    const { safe, ledger, payee } = await treasury();
    const paid = await safe.exec(payee.address, parseEther("2.5"), "0x");
    const tx = await ethers.provider.getTransaction(paid);
    expect(tx!.value).to.equal(0n); // the outer transaction carries no value: the Safe pays by an internal call
    ledger.move("EXPENSE", txRef(paid), "2.5", "ETH");
    const report = await runReconcile(ledger.records);
    expectClean(report);
    expect(report.notes.map((n) => [n.code, n.movement])).to.deep.equal([
      ["NATIVE_NET_ONLY", null],
      ["NATIVE_PER_TX_UNVERIFIED", `${CHAIN}/tx/${paid}`],
    ]);
  });

  it("an ETH payment through execTransaction that no record names is NATIVE_UNEXPLAINED", async () => {
    const { safe, ledger, payee } = await treasury();
    await safe.exec(payee.address, parseEther("2.5"), "0x");
    const report = await runReconcile(ledger.records);
    expect(codesOf(report)).to.deep.equal(["NATIVE_UNEXPLAINED"]);
    expect(report.findings[0]!.actual).to.equal("-2.5 ETH");
  });

  it("a disclosed ETH payment whose record overstates it: the checkpoints find the difference", async () => {
    const { safe, ledger, payee } = await treasury();
    const paid = await safe.exec(payee.address, parseEther("2.5"), "0x");
    ledger.move("EXPENSE", txRef(paid), "3", "ETH");
    const report = await runReconcile(ledger.records);
    expect(codesOf(report)).to.deep.equal(["NATIVE_UNEXPLAINED"]);
  });

  it("without call traces an undisclosed inflow cancels an internal outflow, and the report says it cannot see that", async () => {
    // #19 item 3 on an RPC without traces: the net check is blind to it; NATIVE_NET_ONLY says so plainly.
    const { safe, ledger, payee, outsider } = await treasury();
    await (await outsider.sendTransaction({ to: safe.address, value: parseEther("50") })).wait();
    await safe.exec(payee.address, parseEther("50"), "0x");
    const report = await runReconcile(ledger.records);
    expect(report.findings).to.deep.equal([]);
    expect(report.notes.map((n) => n.code)).to.deep.equal(["NATIVE_NET_ONLY"]);
    expect(report.notes[0]!.message).to.include("cancel out");
  });

  it("a key (no code) must sign 65 bytes: a longer memo on an EOA's declaration is CONTROL_UNPROVEN", async () => {
    const { ledger } = await treasury();
    const [, , , , , , eoa] = await ethers.getSigners();
    const block = await ethers.provider.getBlockNumber();
    const holding = { account: `${CHAIN}:${eoa!.address}`, asset: nativeAsset, symbol: "ETH", amount: "0", block };
    const fields = await signedDeclaration(REGISTRY, holding, eoa!);
    const doubled = ledger.add({ ...fields, memo: `${fields.memo!}${fields.memo!.slice(2)}`, amount: "10000" });
    const report = await runReconcile(ledger.records);
    const control = report.findings.filter((f) => f.code === "CONTROL_UNPROVEN");
    expect(control.map((f) => [f.seq, f.actual])).to.deep.equal([
      [doubled.seq, `no code at block ${block} (a key), and a key's signature is 65 bytes, not 130`],
    ]);
  });

  it("the memo rule: 0x + whole bytes (0x alone too) within the memo limit; not odd hex, not text", async () => {
    const { ledger } = await treasury();
    const valid = (memo: string) => validateRecord({ ...ledger.records[0]!, memo }).ok;
    expect(valid("0x")).to.equal(true);
    expect(valid(`0x${"ab".repeat(455)}`)).to.equal(true); // seven owners' signatures
    expect(valid(`0x${"ab".repeat(499)}`)).to.equal(true); // the memo's 1,000 characters
    expect(valid(`0x${"ab".repeat(500)}`)).to.equal(false);
    expect(valid("0xabc")).to.equal(false);
    expect(valid("")).to.equal(false);
    expect(valid("signed by the board")).to.equal(false);
  });
});
