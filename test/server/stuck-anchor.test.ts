// Congestion: an anchor transaction that no block takes is replaced with higher fees (same nonce), and the
// batch is anchored exactly once, by whichever of the two transactions lands.
import { expect } from "chai";
import { Contract, Transaction } from "ethers";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { postRecords, sampleRecord, startTestStack } from "../helpers/stack";
import { waitFor } from "../helpers/wait";

describe("server: a stuck anchor transaction", function () {
  this.timeout(120_000);

  it("is replaced with the same nonce and higher fees, and the batch lands once", async () => {
    const stack = await startTestStack({ batchIntervalMs: 50, server: { anchorReplaceAfterMs: 300 } });
    const { provider } = stack;
    try {
      // No block is mined while automine is off: the anchor transaction waits in the mempool, as on a
      // congested network whose base fee has run past it.
      await provider.send("evm_setAutomine", [false]);
      const [receipt] = await postRecords(stack, [sampleRecord()]);

      const first = await waitFor("the first anchor transaction", async () => {
        const b = await stack.server.store.getBatch(1);
        return b?.status === "submitted" && b.rawTx ? b : null;
      });
      const replaced = await waitFor("its replacement", async () => {
        const b = (await stack.server.store.getBatch(1))!;
        return b.txHash !== first.txHash ? b : null;
      });
      const before = Transaction.from(first.rawTx!);
      const after = Transaction.from(replaced.rawTx!);
      expect(after.nonce).to.equal(before.nonce);
      expect(after.data).to.equal(before.data);
      expect(after.maxFeePerGas! * 100n).to.be.gte(before.maxFeePerGas! * 110n);
      expect(after.maxPriorityFeePerGas! * 100n).to.be.gte(before.maxPriorityFeePerGas! * 110n);

      await provider.send("evm_setAutomine", [true]);
      await provider.send("evm_mine", []);
      await stack.waitForAnchored(receipt!.seq);

      const registry = new Contract(stack.registryAddress, REGISTRY_ABI, provider);
      expect(await registry.getFunction("batchCount")()).to.equal(1n);
      const logs = await registry.queryFilter(registry.filters.BatchAnchored!());
      expect(logs).to.have.length(1);
      const stored = (await stack.server.store.getBatch(1))!;
      expect(stored.status).to.equal("anchored");
      expect(stored.txHash).to.equal(logs[0]!.transactionHash);
    } finally {
      await provider.send("evm_setAutomine", [true]);
      await stack.stop();
    }
  });
});
