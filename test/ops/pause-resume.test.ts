/**
 * A pause and its end as a node that mines in blocks sees them (Hardhat's chain with automine off): /readyz
 * names a pause even while nothing is pending; an unpause still in the mempool sends no anchor (one sent then
 * could be mined before the unpause, in the same block, and revert); once the unpause is mined the batch is
 * anchored by exactly one transaction, which succeeds, with no backoff left over from the pause.
 */
import { expect } from "chai";
import hre from "hardhat";
import { Contract } from "ethers";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { getJson } from "../helpers/http";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { waitFor } from "../helpers/wait";

type Ready = { checks: Record<string, { ok: boolean; code?: string; message: string; paused?: boolean }> };

describe("ops: anchoring across a pause, on a chain that mines in blocks", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let registry: Contract;
  const anchorerNonce = (tag: "latest" | "pending") =>
    stack.provider.getTransactionCount(stack.wallets.anchorer.address, tag);

  before(async function () {
    // A backoff that would have grown to a minute over the pause's failed attempts, were they counted.
    stack = await startTestStack({ server: { anchorRetryBaseMs: 250, anchorRetryMaxMs: 60_000, roleCheckMs: 200 } });
    registry = new Contract(stack.registryAddress, REGISTRY_ABI, stack.wallets.pauser);
  });
  after(async function () {
    await hre.network.provider.send("evm_setAutomine", [true]);
    await stack?.stop();
  });

  it("/readyz names the pause while nothing is pending", async function () {
    await (await registry.getFunction("pause")()).wait();
    const paused = await waitFor("readyz to name the pause", async () => {
      const r = await getJson<Ready>(`${stack.baseUrl}/readyz`);
      return r.body.checks.anchoring?.code === "REGISTRY_PAUSED" ? r : null;
    });
    expect(paused.status).to.equal(503);
    expect(paused.body.checks.anchoring!.paused).to.equal(true);
    expect(paused.body.checks.anchoring!.message).to.include("paused");
  });

  it("sends nothing while the unpause is only pending, then anchors with one successful transaction", async function () {
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await waitFor("the anchorer to meet the pause", async () =>
      stack.server.anchorer.snapshot().lastError?.code === "REGISTRY_PAUSED" ? true : null,
    );
    await hre.network.provider.send("evm_setAutomine", [false]);
    const unpause = await registry.getFunction("unpause")();
    // The anchorer looks again every second while paused: give it several looks with the unpause in the mempool.
    for (let look = 0; look < 4; look++) {
      stack.server.anchorer.wake();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await anchorerNonce("pending"), "an anchor was sent before the unpause was mined").to.equal(0);
    }
    await hre.network.provider.send("evm_mine", []);
    await hre.network.provider.send("evm_setAutomine", [true]);
    expect((await unpause.wait())!.status).to.equal(1);
    await stack.waitForAnchored(receipt!.seq, 20_000);
    expect(await anchorerNonce("latest")).to.equal(1);
    const anchored = await stack.server.store.getBatch(1);
    const tx = await stack.provider.getTransactionReceipt(anchored!.txHash!);
    expect(tx!.status).to.equal(1);
    expect(tx!.blockNumber).to.be.greaterThan((await unpause.wait())!.blockNumber);
    expect(stack.server.anchorer.snapshot().consecutiveFailures).to.equal(0);
    const ready = await waitFor("readyz to pass", async () => {
      const r = await getJson<Ready>(`${stack.baseUrl}/readyz`);
      return r.status === 200 ? r : null;
    });
    expect(ready.body.checks.anchoring!.paused).to.equal(false);
  });
});
