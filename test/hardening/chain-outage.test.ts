// A chain outage under load: the JSON-RPC port in front of the chain goes away for 4 s while writers keep
// posting. Every write is still accepted (the chain is not on the write path), /readyz says why anchoring waits,
// and when the chain returns everything is anchored, once, and store and chain agree.
import { expect } from "chai";
import { Contract } from "ethers";
import { createRegistryReader, type Receipt } from "../../core";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { startChainProxy } from "../helpers/chain";
import type { TcpProxy } from "../helpers/tcp-proxy";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("hardening: chain outage under load", function () {
  this.timeout(180_000);
  let proxy: TcpProxy | undefined;
  let stack: TestStack | undefined;

  after(async () => {
    await stack?.stop();
    await proxy?.close();
  });

  it("keeps accepting writes, reports the outage, and anchors everything once the chain is back", async () => {
    proxy = await startChainProxy();
    stack = await startTestStack({ batchIntervalMs: 100, server: { rpcUrl: proxy.url } });

    const receipts: Receipt[] = [];
    const refused: string[] = [];
    let writing = true;
    const writer = async (id: number) => {
      for (let i = 0; writing; i++) {
        const n = (id + i) % 4 === 0 ? 10 : 1;
        const res = await fetch(`${stack!.baseUrl}/api/v1/records`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${stack!.apiKey}` },
          body: JSON.stringify({ records: Array.from({ length: n }, () => sampleRecord()) }),
        });
        const body = (await res.json()) as { receipts?: Receipt[]; code?: string };
        if (res.status === 201) receipts.push(...body.receipts!);
        else refused.push(`${res.status} ${body.code}`);
        await sleep(5);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    try {
      await sleep(1500);
      const beforeCut = receipts.length;
      await proxy.cut();
      // During the outage: readiness fails with the anchorer's reason, and writes keep being accepted.
      let sawOutage = false;
      for (const until = Date.now() + 4000; Date.now() < until;) {
        const ready = await fetch(`${stack.baseUrl}/readyz`);
        if (ready.status === 503) {
          const body = (await ready.json()) as { code: string; checks: { chain: { ok: boolean } } };
          expect(body.code).to.equal("NOT_READY");
          if (!body.checks.chain.ok) sawOutage = true;
        }
        await sleep(250);
      }
      expect(sawOutage, "readyz reported the chain as down").to.equal(true);
      const duringOutage = receipts.length - beforeCut;
      expect(duringOutage, "writes accepted during the outage").to.be.greaterThan(0);
      await proxy.restore();
      await sleep(1000);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    expect(refused, refused.slice(0, 3).join(", ")).to.deep.equal([]);

    const last = Math.max(...receipts.map((r) => r.seq));
    await stack.waitForAnchored(last, 90_000);
    const seqs = receipts.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i + 1));

    const reader = createRegistryReader((m, p) => stack!.provider.send(m, p), stack.registryAddress);
    const counts = await stack.server.store.counts();
    expect(counts.pending).to.equal(0);
    expect(await reader.batchCount()).to.equal(counts.batches);
    expect(await reader.nextSeq()).to.equal(last + 1);
    for (let id = 1; id <= counts.batches; id++) {
      expect((await reader.batch(id))?.root).to.equal((await stack.server.store.getBatch(id))!.root);
    }
    const contract = new Contract(stack.registryAddress, REGISTRY_ABI, stack.provider);
    const logs = await contract.queryFilter(contract.filters.BatchAnchored!());
    expect(logs.length, "each batch anchored once").to.equal(counts.batches);
    console.log(`      (${receipts.length} records accepted, ${counts.batches} batches)`);
  });
});
