// Load: autocannon on 127.0.0.1 against the real server (server/main.ts as a child process) with mixed reads and
// writes for a fixed 5 s (the bench runs the same for longer). It reports throughput, p50/p99 latency and memory;
// it asserts what must hold whatever the speed: no error and no non-2xx answer, then every accepted record
// anchored with the leaf of its receipt, and bundles that verify through core against the chain.
import { expect } from "chai";
import fs from "node:fs";
import { createRegistryReader, parseBundle, verifyBundle, type OnChainBatch } from "../../core";
import { chainRpcUrl, testProvider, HARDHAT_CHAIN_ID } from "../helpers/chain";
import {
  benchChain,
  benchInput,
  runMixedLoad,
  spawnBenchServer,
  waitAllAnchored,
  type BenchServer,
} from "../../scripts/bench/http";

describe("hardening: mixed load (autocannon, 5 s)", function () {
  this.timeout(180_000);
  let server: BenchServer | undefined;
  let chain: Awaited<ReturnType<typeof benchChain>> | undefined;

  after(async () => {
    await server?.stop();
    if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
    chain?.destroy();
  });

  it("answers everything with 2xx, then anchors and proves every accepted record", async () => {
    chain = await benchChain();
    server = await spawnBenchServer(chain, { env: { BATCH_INTERVAL_MS: "200", LOG_LEVEL: "warn" } });
    // Something to read: 2,000 anchored records.
    for (let b = 0; b < 2; b++) {
      const res = await fetch(`${server.url}/api/v1/records`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
        body: JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => benchInput(b * 1000 + i)) }),
      });
      expect(res.status).to.equal(201);
    }
    const seeded = await waitAllAnchored(server.url);
    expect(seeded).to.equal(2000);

    const load = await runMixedLoad(server, { anchoredMaxSeq: seeded, connections: 16, durationS: 5 });
    console.log(
      `      ${Math.round(load.perSecond)} req/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms, ` +
        `${load.receipts.length} records accepted, RSS ${Math.round(load.rssMbBefore)} → peak ${Math.round(load.rssMbPeak)} MB`,
    );
    expect(load.errors + load.timeouts, "connection errors and timeouts").to.equal(0);
    expect(load.non2xx, JSON.stringify(load.statusCodes)).to.equal(0);
    expect(load.requests).to.be.greaterThan(0);
    expect(load.receipts.length).to.be.greaterThan(0);

    // Afterwards: everything anchored; each receipt's seq holds its leaf; seqs unique and contiguous.
    // (autocannon drops the answers still in flight when the time is up: those records are stored but were never
    // acknowledged to anyone, so the store may hold a few more than the receipts.)
    const total = await waitAllAnchored(server.url);
    expect(total).to.be.at.least(seeded + load.receipts.length);
    expect(total - seeded - load.receipts.length).to.be.at.most(16); // at most one per connection
    const seqs = load.receipts.map((r) => r.seq);
    expect(new Set(seqs).size, "a seq acknowledged twice").to.equal(seqs.length);
    for (const seq of seqs) expect(seq).to.be.within(seeded + 1, total);
    const leafOf = new Map<number, string>();
    for (let id = 1; ; id++) {
      const res = await fetch(`${server.url}/api/v1/batches/${id}/records`);
      if (res.status === 404) break;
      const { records } = (await res.json()) as { records: { record: { seq: number }; leaf: string }[] };
      for (const r of records) leafOf.set(r.record.seq, r.leaf);
    }
    for (const receipt of load.receipts) expect(leafOf.get(receipt.seq), `seq ${receipt.seq}`).to.equal(receipt.leaf);

    // Bundles of a sample verify against the chain (core only).
    const provider = testProvider(await chainRpcUrl());
    try {
      const reader = createRegistryReader((m, p) => provider.send(m, p), chain.registry);
      const seen = new Map<number, Promise<OnChainBatch | null>>();
      const readBatch = (id: number) => {
        if (!seen.has(id)) seen.set(id, reader.batch(id));
        return seen.get(id)!;
      };
      const step = Math.max(1, Math.floor(load.receipts.length / 150));
      for (const receipt of load.receipts.filter((_, i) => i % step === 0)) {
        const bundle = parseBundle(await (await fetch(`${server.url}/api/v1/records/${receipt.seq}/proof`)).json());
        expect(bundle.receipt).to.deep.equal(receipt);
        const report = await verifyBundle(bundle, readBatch, {
          trusted: { chainId: HARDHAT_CHAIN_ID, registry: chain.registry },
        });
        expect(report.verdict, JSON.stringify(report.checks)).to.equal("anchored");
      }
    } finally {
      provider.destroy();
    }
  });
});
