// The anchorer against a chain that changes under it: a reorganisation that drops an anchor (Hardhat's
// evm_snapshot/evm_revert) and a base fee above ANCHOR_MAX_FEE_GWEI.
import { expect } from "chai";
import { toQuantity } from "ethers";
import { chainRpcUrl, testProvider } from "../helpers/chain";
import { waitFor } from "../helpers/wait";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("server: anchoring through reorgs and fee spikes", function () {
  this.timeout(120_000);
  let stack: TestStack;
  afterEach(async () => {
    await stack?.stop();
  });

  async function expectAnchoredAsStored(batchId: number): Promise<void> {
    const stored = (await stack.server.store.getBatch(batchId))!;
    expect(stored.status).to.equal("anchored");
    expect((await stack.server.chain.reader.batch(batchId))!.root).to.equal(stored.root);
    const receipt = await stack.provider.getTransactionReceipt(stored.txHash!);
    expect(receipt?.blockNumber).to.equal(stored.blockNumber);
  }

  it("sends an anchored batch again when a reorg drops it from the chain", async () => {
    stack = await startTestStack({ batchIntervalMs: 100 });
    const snapshot = (await stack.provider.send("evm_snapshot", [])) as string;
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await stack.waitForAnchored(receipt!.seq);
    await stack.provider.send("evm_revert", [snapshot]);
    // The other branch grows past the block the anchor was in (a node merely behind would not be a reorg).
    await stack.provider.send("hardhat_mine", ["0x5"]);

    await waitFor("batch 1 to be anchored again", async () =>
      (await stack.server.chain.reader.batchCount()) === 1 ? true : null,
    );
    await waitFor("the store to record where it landed now", async () => {
      const stored = (await stack.server.store.getBatch(1))!;
      const landed = await stack.provider.getTransactionReceipt(stored.txHash!);
      return landed?.blockNumber === stored.blockNumber ? true : null;
    });
    await expectAnchoredAsStored(1);
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(metrics).to.match(/aiqyn_anchor_errors_total\{code="ANCHOR_REORGED"\} [1-9]/);
  });

  it("sends again a transaction a reorg drops before it has its confirmations", async () => {
    stack = await startTestStack({ batchIntervalMs: 100, confirmations: 3 });
    const snapshot = (await stack.provider.send("evm_snapshot", [])) as string;
    await postRecords(stack, [sampleRecord()]);
    await waitFor("the anchor to be mined", async () =>
      (await stack.server.chain.reader.batchCount()) === 1 ? true : null,
    );
    expect((await stack.server.store.getBatch(1))!.status).to.equal("submitted");
    await stack.provider.send("evm_revert", [snapshot]);
    await waitFor(
      "batch 1 to be anchored with 3 confirmations",
      async () => {
        if ((await stack.server.store.getBatch(1))!.status === "anchored") return true;
        await stack.provider.send("evm_mine", []);
        return null;
      },
      60_000,
      200,
    );
    await expectAnchoredAsStored(1);
  });

  it("caps the first anchor transaction's fees and sends nothing while the base fee is above the cap", async () => {
    const provider = testProvider(await chainRpcUrl());
    const baseFee = (await provider.getBlock("latest"))!.baseFeePerGas!;
    // Below what ethers would offer (twice the base fee plus a tip), above what the next block can ask.
    const cap = (baseFee * 3n) / 2n + 1n;
    stack = await startTestStack({ batchIntervalMs: 100, server: { anchorMaxFeeWei: cap } });

    await stack.provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(cap * 4n)]);
    await stack.provider.send("evm_mine", []);
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await waitFor("the anchorer to wait for cheaper blocks", () =>
      stack.server.anchorer.snapshot().lastError?.code === "ANCHOR_FEE_ABOVE_CAP" ? true : null,
    );
    expect(await stack.server.chain.reader.batchCount()).to.equal(0);
    expect((await stack.server.store.getBatch(1))!.txHash).to.equal(null);

    await stack.provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(baseFee)]);
    await stack.provider.send("evm_mine", []);
    await stack.waitForAnchored(receipt!.seq);
    const tx = await stack.provider.getTransaction((await stack.server.store.getBatch(1))!.txHash!);
    expect(tx!.maxFeePerGas).to.equal(cap);
    expect(tx!.maxPriorityFeePerGas! <= cap).to.equal(true);
  });
});
