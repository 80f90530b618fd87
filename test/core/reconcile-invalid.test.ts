// Records and RPCs the reconciler must not take at their word (issue #19, item 6), on Hardhat's chain: an anchored
// record that fails validation is a finding, never silently left out; an RPC of another chain is refused.
import { expect } from "chai";
import { ethers } from "hardhat";
import { parseUnits } from "ethers";
import { checkRpcChain } from "../../core";
import {
  CHAIN,
  codesOf,
  deployAnchoringRegistry,
  deployDemoToken,
  expectClean,
  Ledger,
  rpc,
  runReconcile,
} from "./reconcile-fixture";

describe("reconcile (core): invalid anchored records and RPCs of another chain", function () {
  this.timeout(60_000);

  it("a declaration with a wrongly cased address is RECORD_INVALID, not an untracked account in a clean report", async () => {
    const signers = await ethers.getSigners();
    const [vault, thief] = [signers[15]!, signers[16]!];
    const token = await deployDemoToken(vault.address, parseUnits("50", 6));
    const ledger = new Ledger(await deployAnchoringRegistry());
    const declared = await ledger.declare(vault, token.caip19, "DUSDT", "50");
    expectClean(await runReconcile([{ ...declared }])); // the same declaration, validly spelled
    declared.counterparty = `${CHAIN}:${vault.address.toLowerCase()}`; // anchored as served: not EIP-55
    await token.transfer(vault, thief.address, parseUnits("50", 6));
    const report = await runReconcile(ledger);
    expect(codesOf(report)).to.deep.equal(["RECORD_INVALID"]);
    expect(report.findings[0]).to.include({ seq: declared.seq, chain: CHAIN });
    expect(report.findings[0]!.actual).to.contain("counterparty");
  });

  it("checkRpcChain accepts the chain's own CAIP-2 id and refuses another (CHAIN_ID_MISMATCH)", async () => {
    await checkRpcChain(rpc, CHAIN);
    const error = await checkRpcChain(rpc, "eip155:56").then(
      () => null,
      (e: { code?: string; message?: string }) => e,
    );
    expect(error?.code).to.equal("CHAIN_ID_MISMATCH");
    expect(error?.message).to.contain("serves chain 31337");
  });
});
