// Crash safety: the real server, as a child process, SIGKILLs itself at each stage of a batch's life
// (AIQYN_TEST_CRASH_AT). After a restart every acknowledged record is anchored exactly once, store and chain
// agree, and every proof bundle verifies through core against the chain.
import { expect } from "chai";
import { Contract } from "ethers";
import { createRegistryReader, parseBundle, verifyBundle, type Receipt } from "../../core";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { HARDHAT_CHAIN_ID } from "../helpers/chain";
import { prepareChildServer, spawnServer } from "../helpers/child-server";
import { getJson, postJson } from "../helpers/http";
import { sampleRecord } from "../helpers/stack";

const CRASH_POINTS = (
  process.env.CRASH_ONLY
    ? [process.env.CRASH_ONLY]
    : ["after-seal", "before-send", "after-send", "before-mark-anchored"]
) as readonly string[];

describe("server: crash safety (SIGKILL at each stage, then restart)", function () {
  this.timeout(180_000);

  for (const point of CRASH_POINTS) {
    it(`recovers from a SIGKILL ${point}`, async () => {
      const { provider, registry, key, env } = await prepareChildServer("crash-test", {
        BATCH_MAX: "8",
        BATCH_INTERVAL_MS: "60000",
        ANCHOR_POLL_MS: "20",
        ANCHOR_RETRY_MAX_MS: "500",
      });

      // 1. Eight records fill a batch (BATCH_MAX): sealing starts at once, and the process dies at `point`.
      const first = spawnServer({ ...env, AIQYN_TEST_CRASH_AT: point });
      const url1 = await first.url;
      const accepted = await postJson(
        `${url1}/api/v1/records`,
        { records: Array.from({ length: 8 }, () => sampleRecord()) },
        key,
      );
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(201);
      const receipts = accepted.body.receipts as Receipt[];
      const died = await first.exited;
      expect(died.signal, first.stderr()).to.equal("SIGKILL");
      expect(first.stderr()).to.include(`AIQYN_TEST_CRASH ${point}`);

      // 2. Restart without the crash point; add a few more records (a second batch).
      const second = spawnServer({ ...env, BATCH_INTERVAL_MS: "100" });
      try {
        const url2 = await second.url;
        const more = await postJson(
          `${url2}/api/v1/records`,
          { records: [sampleRecord(), sampleRecord(), sampleRecord()] },
          key,
        );
        expect(more.status).to.equal(201);
        receipts.push(...(more.body.receipts as Receipt[]));
        expect(receipts.map((r) => r.seq)).to.deep.equal(Array.from({ length: 11 }, (_, i) => i + 1));

        const until = Date.now() + 60_000;
        for (;;) {
          const stats = await getJson<{ totals: { records: number; pending: number } }>(`${url2}/api/v1/stats`);
          if (stats.body.totals.records === 11 && stats.body.totals.pending === 0) break;
          if (Date.now() > until)
            throw new Error(`not anchored: ${JSON.stringify(stats.body.totals)} ${second.stderr().slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 50));
        }

        // 3. Store and chain agree: same batches, same roots, nothing anchored twice.
        const reader = createRegistryReader((m, p) => provider.send(m, p), registry.address);
        const batches = (
          await getJson<{
            batches: { id: number; root: string; firstSeq: number; leafCount: number; txHash: string }[];
          }>(`${url2}/api/v1/batches`)
        ).body.batches;
        expect(await reader.batchCount()).to.equal(batches.length);
        expect(await reader.nextSeq()).to.equal(12);
        for (const b of batches) {
          const onChain = await reader.batch(b.id);
          expect(onChain!.root).to.equal(b.root);
          expect([onChain!.firstSeq, onChain!.leafCount]).to.deep.equal([b.firstSeq, b.leafCount]);
          const tx = await provider.getTransactionReceipt(b.txHash);
          expect(tx?.status, `batch ${b.id} tx`).to.equal(1);
        }
        const contract = new Contract(registry.address, REGISTRY_ABI, provider);
        const logs = await contract.queryFilter(contract.filters.BatchAnchored!(), registry.deploymentBlock);
        expect(logs.length).to.equal(batches.length);

        // 4. Every record: the receipt given before the crash still holds, and the bundle verifies on chain.
        for (const receipt of receipts) {
          const res = await fetch(`${url2}/api/v1/records/${receipt.seq}/proof`);
          expect(res.status).to.equal(200);
          const bundle = parseBundle(await res.json());
          expect(bundle.receipt).to.deep.equal(receipt);
          const report = await verifyBundle(bundle, reader.batch, {
            trusted: { chainId: HARDHAT_CHAIN_ID, registry: registry.address },
          });
          expect(report.verdict, JSON.stringify(report.checks)).to.equal("anchored");
        }
      } finally {
        const stopped = await second.stop();
        if (process.env.CHILD_LOG_LEVEL) console.log(first.stdout(), second.stdout());
        expect(stopped.code, second.stderr().slice(-2000)).to.equal(0); // graceful SIGTERM
        provider.destroy();
      }
    });
  }
});
