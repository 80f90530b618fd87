// Chain faults: the RPC goes away while records wait, and the registry is paused (anchor would revert).
// Records are accepted and stay pending, /readyz says why, and everything is anchored once the chain is back.
import { expect } from "chai";
import { Contract } from "ethers";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { startChainProxy } from "../helpers/chain";
import { getJson } from "../helpers/http";
import type { TcpProxy } from "../helpers/tcp-proxy";
import { waitFor } from "../helpers/wait";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

interface Ready {
  status?: string;
  code?: string;
  checks: Record<
    string,
    { ok: boolean; message: string; pendingRecords?: number; lastError?: { code: string } | null }
  >;
}

describe("server: chain faults", function () {
  this.timeout(120_000);

  describe("RPC unreachable during anchoring, then back", () => {
    let proxy: TcpProxy;
    let stack: TestStack;
    before(async () => {
      proxy = await startChainProxy();
      stack = await startTestStack({ batchIntervalMs: 100, server: { rpcUrl: proxy.url } });
    });
    after(async () => {
      await stack?.stop();
      await proxy?.close();
    });

    it("keeps accepting, reports why, and anchors when the chain returns", async () => {
      const [first] = await postRecords(stack, [sampleRecord()]);
      await stack.waitForAnchored(first!.seq);

      await proxy.cut();
      const receipts = await postRecords(stack, [sampleRecord(), sampleRecord()]);
      expect(receipts.map((r) => r.seq)).to.deep.equal([2, 3]);
      const notReady = await waitFor("readyz to fail", async () => {
        const r = await getJson<Ready>(`${stack.baseUrl}/readyz`);
        return r.status === 503 && r.body.checks.anchoring?.ok === false ? r : null;
      });
      expect(notReady.type).to.match(/^application\/problem\+json/);
      expect(notReady.body.code).to.equal("NOT_READY");
      expect(notReady.body.checks.chain!.ok).to.equal(false);
      expect(notReady.body.checks.anchoring!.lastError!.code).to.equal("CHAIN_UNAVAILABLE");
      expect(notReady.body.checks.anchoring!.pendingRecords).to.equal(2);
      expect(notReady.body.checks.store!.ok).to.equal(true);
      expect((await getJson<{ status: string }>(`${stack.baseUrl}/api/v1/records/3`)).body.status).to.equal("pending");
      expect((await getJson(`${stack.baseUrl}/api/v1/records/3/proof`)).status).to.equal(409);

      await proxy.restore();
      await stack.waitForAnchored(3);
      await waitFor("readyz to pass", async () =>
        (await getJson(`${stack.baseUrl}/readyz`)).status === 200 ? true : null,
      );
      const reader = stack.server.chain.reader;
      expect(await reader.nextSeq()).to.equal(4);
      const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
      expect(metrics).to.match(/aiqyn_anchor_errors_total\{code="CHAIN_UNAVAILABLE"\} [1-9]/);
    });
  });

  describe("anchor reverts while the registry is paused", () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({ batchIntervalMs: 100 });
    });
    after(async () => {
      await stack?.stop();
    });

    it("retries with backoff, says REGISTRY_PAUSED, and anchors after unpause", async () => {
      const registry = new Contract(stack.registryAddress, REGISTRY_ABI, stack.wallets.pauser);
      await (await registry.getFunction("pause")()).wait();
      const [receipt] = await postRecords(stack, [sampleRecord()]);
      const notReady = await waitFor("readyz to report the pause", async () => {
        const r = await getJson<Ready>(`${stack.baseUrl}/readyz`);
        return r.body.checks.anchoring?.lastError?.code === "REGISTRY_PAUSED" ? r : null;
      });
      expect(notReady.status).to.equal(503);
      expect(notReady.body.checks.anchoring!.message).to.include("paused");
      expect(notReady.body.checks.chain!.ok).to.equal(true);
      expect(
        (await getJson<{ status: string }>(`${stack.baseUrl}/api/v1/records/${receipt!.seq}`)).body.status,
      ).to.equal("pending");
      expect(await stack.server.chain.reader.batchCount()).to.equal(0);

      await (await registry.getFunction("unpause")()).wait();
      await stack.waitForAnchored(receipt!.seq);
      expect(await stack.server.chain.reader.batchCount()).to.equal(1);
      await waitFor("readyz to pass", async () =>
        (await getJson(`${stack.baseUrl}/readyz`)).status === 200 ? true : null,
      );
    });
  });
});
