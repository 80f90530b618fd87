// A crash loop: the real server (server/main.ts, a child process) under steady writes from this test is killed
// with SIGKILL every 1–3 s and restarted, 20 times, whatever it is doing (accepting, sealing, sending or
// confirming an anchor). Afterwards: every receipt a client got names a record the store holds with that leaf,
// no seq was given twice, seqs have no gap, every batch is anchored exactly once (the chain's batchCount,
// nextSeq, roots and BatchAnchored logs match the store), and bundles verify through core against the chain.
import { expect } from "chai";
import path from "node:path";
import Database from "better-sqlite3";
import { Contract } from "ethers";
import { createRegistryReader, parseBundle, verifyBundle, type OnChainBatch, type Receipt } from "../../core";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { HARDHAT_CHAIN_ID } from "../helpers/chain";
import { prepareChildServer, spawnServer, type ChildServer } from "../helpers/child-server";
import { sampleRecord } from "../helpers/stack";

const KILLS = Number(process.env.CRASH_LOOP_KILLS ?? 20);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("hardening: crash loop (SIGKILL every 1–3 s under steady writes, 20 times)", function () {
  this.timeout(300_000);

  it("loses no acknowledged record, duplicates none, and anchors every batch exactly once", async () => {
    const { provider, registry, dataDir, key, env } = await prepareChildServer("crash-loop", {
      BATCH_MAX: "200",
      BATCH_INTERVAL_MS: "300",
      ANCHOR_POLL_MS: "20",
      ANCHOR_RETRY_MAX_MS: "300",
      RATE_LIMIT_PER_MINUTE: "1000000",
      READ_RATE_LIMIT_PER_MINUTE: "10000000",
    });

    // Writers: 4 paced loops posting 1 or 5 records to whichever server is up; connection errors are expected.
    let url: string | null = null;
    let writing = true;
    const receipts: Receipt[] = [];
    const unexpected: string[] = [];
    const writer = async (id: number) => {
      for (let i = 0; writing; i++) {
        const target = url;
        if (!target) {
          await sleep(10);
          continue;
        }
        const n = (id + i) % 3 === 0 ? 5 : 1;
        const body = n === 1 ? sampleRecord() : { records: Array.from({ length: n }, () => sampleRecord()) };
        try {
          const res = await fetch(`${target}/api/v1/records`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          if (res.status === 201) receipts.push(...(JSON.parse(text) as { receipts: Receipt[] }).receipts);
          else unexpected.push(`${res.status} ${text.slice(0, 200)}`);
          await sleep(20); // steady, not flooding: about 100 requests a second from the four writers
        } catch {
          await sleep(10); // killed mid-request: no answer, so nothing was acknowledged
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);

    let server: ChildServer | null = null;
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        server = spawnServer(env);
        url = await server.url;
        await sleep(1000 + ((kill * 739) % 2000)); // 1–3 s, a fixed schedule
        server.proc.kill("SIGKILL");
        const died = await server.exited;
        url = null;
        expect(died.signal, server.stderr().slice(-2000)).to.equal("SIGKILL");
      }
      writing = false;
      await Promise.all(writers);
      expect(unexpected.length, unexpected.slice(0, 3).join("\n")).to.equal(0);
      expect(receipts.length).to.be.greaterThan(KILLS * 10);

      // The last start: no more kills; wait until everything is anchored.
      server = spawnServer(env);
      const finalUrl = await server.url;
      const until = Date.now() + 120_000;
      let totals: { records: number; pending: number; batches: number };
      for (;;) {
        totals = ((await (await fetch(`${finalUrl}/api/v1/stats`)).json()) as { totals: typeof totals }).totals;
        if (totals.pending === 0) break;
        if (Date.now() > until)
          throw new Error(`not anchored: ${JSON.stringify(totals)} ${server.stderr().slice(-2000)}`);
        await sleep(100);
      }

      const seqs = receipts.map((r) => r.seq);
      expect(new Set(seqs).size, "a seq was acknowledged twice").to.equal(seqs.length);

      // Store and chain agree; every batch was anchored once.
      const reader = createRegistryReader((m, p) => provider.send(m, p), registry.address);
      expect(await reader.batchCount()).to.equal(totals!.batches);
      expect(await reader.nextSeq()).to.equal(totals!.records + 1);
      const batches: { id: number; root: string; firstSeq: number; leafCount: number }[] = [];
      for (let cursor: string | null = null; ;) {
        const page = (await (
          await fetch(`${finalUrl}/api/v1/batches?limit=500${cursor ? `&cursor=${cursor}` : ""}`)
        ).json()) as { batches: typeof batches; nextCursor: string | null };
        batches.push(...page.batches);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(batches.length).to.equal(totals!.batches);
      const onChain = new Map<number, OnChainBatch | null>();
      for (const b of batches) {
        const c = await reader.batch(b.id);
        onChain.set(b.id, c);
        expect(c?.root, `batch ${b.id}`).to.equal(b.root);
        expect([c?.firstSeq, c?.leafCount]).to.deep.equal([b.firstSeq, b.leafCount]);
      }
      const contract = new Contract(registry.address, REGISTRY_ABI, provider);
      const logs = await contract.queryFilter(contract.filters.BatchAnchored!(), registry.deploymentBlock);
      expect(logs.length, "BatchAnchored events").to.equal(batches.length);

      // Bundles of a sample of receipts verify against the chain through core.
      const readBatch = async (id: number) => onChain.get(id) ?? reader.batch(id);
      const step = Math.max(1, Math.floor(receipts.length / 100));
      for (const receipt of receipts.filter((_, i) => i % step === 0)) {
        const bundle = parseBundle(await (await fetch(`${finalUrl}/api/v1/records/${receipt.seq}/proof`)).json());
        expect(bundle.receipt).to.deep.equal(receipt);
        const report = await verifyBundle(bundle, readBatch, {
          trusted: { chainId: HARDHAT_CHAIN_ID, registry: registry.address },
        });
        expect(report.verdict, JSON.stringify(report.checks)).to.equal("anchored");
      }

      const stopped = await server.stop();
      server = null;
      expect(stopped.code).to.equal(0);

      // The database itself: intact, seqs 1..n without a gap; every receipt's record there with its leaf and
      // signature, in an anchored batch.
      const db = new Database(path.join(dataDir, "aiqyn.sqlite"), { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).to.equal("ok");
        const row = db.prepare("SELECT COUNT(*) AS n, MAX(seq) AS m FROM records").get() as { n: number; m: number };
        expect(row.n).to.equal(row.m);
        expect(row.n).to.equal(totals!.records);
        const bySeq = db.prepare(
          `SELECT r.leaf, r.signature, r.published_at AS publishedAt, b.status FROM records r
           JOIN batches b ON b.id = r.batch_id WHERE r.seq = ?`,
        );
        for (const receipt of receipts) {
          const stored = bySeq.get(receipt.seq) as
            { leaf: string; signature: string; publishedAt: number; status: string } | undefined;
          expect(stored, `seq ${receipt.seq}`).to.deep.equal({
            leaf: receipt.leaf,
            signature: receipt.signature,
            publishedAt: receipt.publishedAt,
            status: "anchored",
          });
        }
      } finally {
        db.close();
      }
      console.log(
        `      (${KILLS} kills: ${receipts.length} acknowledged of ${totals!.records} stored records, ${batches.length} batches)`,
      );
    } finally {
      writing = false;
      await Promise.all(writers);
      if (server) await server.stop();
      provider.destroy();
    }
  });
});
