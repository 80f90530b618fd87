// Token balance continuity on Hardhat's chain (issue #19, item 2): a token whose Transfer event has no indexed
// fields lets a third party move tokens out of a declared account without a log the reconciler's filter finds.
// The balance between checkpoints must still add up (TOKEN_UNEXPLAINED), and the log is flagged
// (TRANSFER_UNDECODABLE); a standard token's approve + transferFrom stays UNDISCLOSED_TRANSFER alone.
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseUnits } from "ethers";
import {
  CHAIN,
  codesOf,
  deployAnchoringRegistry,
  deployDemoToken,
  expectClean,
  Ledger,
  logRef,
  runReconcile,
  transferLogIndex,
} from "./reconcile-fixture";

const units = (amount: string) => parseUnits(amount, 6);

async function tokens() {
  const signers = await ethers.getSigners();
  const [vault, thief, outsider] = [signers[12]!, signers[13]!, signers[14]!];
  const factory = await ethers.getContractFactory("UnindexedTransferToken");
  const odd = await factory.deploy(vault.address, units("1000"));
  await odd.waitForDeployment();
  const oddAddress = await odd.getAddress();
  const standard = await deployDemoToken(vault.address, units("1000"));
  // The approvals come before the declarations: the vault sends nothing once tracked.
  await (await odd.connect(vault).getFunction("approve")(thief.address, units("400"))).wait();
  const erc20 = await ethers.getContractAt("DemoStablecoin", standard.address);
  await (await erc20.connect(vault).getFunction("approve")(thief.address, units("400"))).wait();
  const ledger = new Ledger(await deployAnchoringRegistry());
  const oddAsset = `${CHAIN}/erc20:${oddAddress}`;
  await ledger.declare(vault, oddAsset, "ODD", "1000");
  await ledger.declare(vault, standard.caip19, "DUSDT", "1000");
  await ledger.anchor();
  return { vault, thief, outsider, odd, oddAsset, erc20, standard, ledger };
}

async function fund() {
  const loaded = await loadFixture(tokens);
  return { ...loaded, ledger: loaded.ledger.copy() };
}

describe("reconcile (core): token balances add up between checkpoints", function () {
  this.timeout(120_000);

  it("a declared token with an unindexed Transfer event reconciles clean while nothing moves", async () => {
    const { ledger } = await fund();
    expectClean(await runReconcile(ledger));
  });

  it("a third party's transferFrom of 400 of 1,000 with an unindexed Transfer is TOKEN_UNEXPLAINED and TRANSFER_UNDECODABLE", async () => {
    const { vault, thief, odd, ledger } = await fund();
    const tx = await odd.connect(thief).getFunction("transferFrom")(vault.address, thief.address, units("400"));
    const receipt = (await tx.wait())!;
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["TOKEN_UNEXPLAINED", "TRANSFER_UNDECODABLE"]);
    const [unexplained, undecodable] = report.findings;
    expect(unexplained).to.include({ seq: 1, expected: "0 ODD (the Transfer logs into and out of the account)" });
    expect(unexplained!.actual).to.equal("-400 ODD");
    expect(undecodable!.movement).to.equal(logRef(receipt.hash, receipt.logs[0]!.index));
    expect(undecodable!.actual).to.contain("1 topic(s), 96 byte(s)");
  });

  it("a snapshot between is a checkpoint: the range named is the one the balance moved in", async () => {
    const { vault, thief, odd, oddAsset, ledger } = await fund();
    await ledger.snapshot(vault.address, oddAsset, "ODD", "1000");
    const from = await ethers.provider.getBlockNumber();
    await (await odd.connect(thief).getFunction("transferFrom")(vault.address, thief.address, units("1"))).wait();
    const report = await runReconcile(ledger);
    const unexplained = report.findings.find((f) => f.code === "TOKEN_UNEXPLAINED")!;
    expect(unexplained.movement).to.match(new RegExp(`^blocks ${from + 1}-`));
  });

  it("held: a standard token's approve + transferFrom by a third party is UNDISCLOSED_TRANSFER, and only that", async () => {
    const { vault, thief, erc20, ledger } = await fund();
    const tx = await erc20.connect(thief).getFunction("transferFrom")(vault.address, thief.address, units("400"));
    const hash = (await tx.wait())!.hash;
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
    expect(report.findings[0]!.movement).to.equal(logRef(hash, await transferLogIndex(hash)));
  });
});
