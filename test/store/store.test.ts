/**
 * The store's one suite, run on SQLite and on PostgreSQL alike (a real cluster: test/helpers/postgres.ts).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { recordStandings, type Hex, type RecordInput } from "../../core";
import { computeTotals } from "../../core/protocol/totals";
import { referenceStats } from "../helpers/reference-stats";
import { statsFromAggregates } from "../../server/store/internal/aggregates";
import { openPostgresStore } from "../../server/store/postgres";
import { SqliteStore } from "../../server/store/sqlite";
import type { RecordFinisher, Store } from "../../server/store/types";
import { sampleRecord } from "../helpers/stack";
import { freshDatabaseUrl } from "../helpers/postgres";

interface Opened {
  store: Store;
  /** A second handle on the same data (a restart or another instance). */
  reopen(): Promise<Store>;
  /** One SQL statement behind the store's back; resolves to the error it raised, or null. */
  rawError(sql: string): Promise<unknown>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: string;
  create(): Promise<Opened>;
}

const BACKENDS: Backend[] = [
  {
    name: "SQLite",
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-store-"));
      const file = path.join(dir, "aiqyn.sqlite");
      return {
        store: new SqliteStore(file),
        reopen: async () => new SqliteStore(file),
        rawError: async (sql) => {
          const db = new Database(file);
          try {
            db.exec(sql);
            return null;
          } catch (error) {
            return error;
          } finally {
            db.close();
          }
        },
        cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    async create() {
      const url = await freshDatabaseUrl();
      const rawError = async (sql: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return await client.query(sql).then(
            () => null,
            (error: unknown) => error,
          );
        } finally {
          await client.end();
        }
      };
      return {
        store: await openPostgresStore(url),
        reopen: () => openPostgresStore(url),
        rawError,
        cleanup: async () => {},
      };
    },
  },
];

const leafOf = (seq: number): Hex => `0x${seq.toString(16).padStart(64, "0")}`;
const finish: RecordFinisher = (record) => ({
  leaf: leafOf(record.seq),
  signature: `0x${"ab".repeat(65)}`,
  signer: "0x00000000000000000000000000000000000000a1",
});
const now = () => 1_761_955_300;

async function append(store: Store, inputs: RecordInput[], publisher = "treasury") {
  return store.appendRecords(inputs, publisher, finish, now);
}

const proofFor = (seq: number): Hex[] => [leafOf(seq + 1000), leafOf(seq + 2000)];

for (const backend of BACKENDS) {
  describe(`Store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let reopen: () => Promise<Store>;
    let rawError: Opened["rawError"];
    let cleanup: () => Promise<void>;
    const others: Store[] = [];

    beforeEach(async () => {
      ({ store, reopen, rawError, cleanup } = await backend.create());
    });
    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await store.close();
      await cleanup();
    });

    it("appends a request's records atomically with seqs from 1, and reads them back", async () => {
      const stored = await append(store, [sampleRecord({ asset: "BTC" }), sampleRecord({ asset: "ETH" })]);
      expect(stored.map((s) => s.record.seq)).to.deep.equal([1, 2]);
      expect(stored[0]!.record.publishedAt).to.equal(now());
      expect(await store.maxSeq()).to.equal(2);
      const read = await store.getRecord(2);
      expect(read!.record).to.deep.equal(stored[1]!.record);
      expect(read!.leaf).to.equal(leafOf(2));
      expect(read!.batchId).to.equal(null);
      expect(await store.getRecord(3)).to.equal(null);
    });

    it("gives 300 concurrent requests gapless seqs, fewer commits than requests", async () => {
      const before = store.commitStats.commits;
      const all = await Promise.all(
        Array.from({ length: 300 }, (_, i) => append(store, [sampleRecord({ memo: `${i}` })])),
      );
      const seqs = all.map((r) => r[0]!.record.seq).sort((a, b) => a - b);
      expect(seqs).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(store.commitStats.commits - before).to.be.within(1, 299);
    });

    it("keeps a failing request from sinking the others of its group, and consumes no seq for it", async () => {
      const failing: RecordFinisher = () => {
        throw new Error("signing failed");
      };
      const results = await Promise.allSettled([
        append(store, [sampleRecord()]),
        store.appendRecords([sampleRecord()], "treasury", failing, now),
        append(store, [sampleRecord(), sampleRecord()]),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect(await store.maxSeq()).to.equal(3);
      const seqs = results.flatMap((r) => (r.status === "fulfilled" ? r.value.map((s) => s.record.seq) : []));
      expect(seqs.sort()).to.deep.equal([1, 2, 3]);
    });

    it("seals a batch with its proofs in one step and refuses a batch that skips or repeats seqs", async () => {
      await append(store, [sampleRecord(), sampleRecord(), sampleRecord()]);
      expect(await store.unsealedCount()).to.equal(3);
      const unsealed = await store.unsealedRecords(2);
      expect(unsealed.map((u) => u.record.seq)).to.deep.equal([1, 2]);
      const batch = await store.sealBatch({
        firstSeq: 1,
        leafCount: 2,
        root: leafOf(99),
        proofs: [proofFor(1), proofFor(2)],
        sealedAt: 5,
      });
      expect(batch).to.include({ id: 1, firstSeq: 1, leafCount: 2, status: "sealed", root: leafOf(99) });
      expect(await store.proofOf(2)).to.deep.equal(proofFor(2));
      expect(await store.proofOf(3)).to.equal(null);
      expect(await store.unsealedCount()).to.equal(1);
      const wrong = { leafCount: 1, root: leafOf(98), proofs: [proofFor(3)], sealedAt: 6 };
      for (const firstSeq of [1, 2, 4]) {
        await expectCode(store.sealBatch({ ...wrong, firstSeq }), "INVARIANT_VIOLATED");
      }
      await expectCode(store.sealBatch({ ...wrong, firstSeq: 3, leafCount: 2 }), "INVARIANT_VIOLATED");
      expect(await store.getBatch(2)).to.equal(null);
      expect((await store.sealBatch({ ...wrong, firstSeq: 3 })).id).to.equal(2);
      expect((await store.getRecord(3))!.batchId).to.equal(2);
    });

    it("walks a batch from sealed through submitted to anchored, counts it, and forgets anchors on reset", async () => {
      await append(store, [sampleRecord(), sampleRecord()]);
      await store.sealBatch({ firstSeq: 1, leafCount: 1, root: leafOf(7), proofs: [[]], sealedAt: 1 });
      await store.sealBatch({ firstSeq: 2, leafCount: 1, root: leafOf(8), proofs: [[]], sealedAt: 2 });
      expect((await store.nextUnanchoredBatch())!.id).to.equal(1);
      await store.markSubmitted(1, { txHash: leafOf(11), nonce: 4, rawTx: "0x01" });
      expect(await store.getBatch(1)).to.include({
        status: "submitted",
        txHash: leafOf(11),
        txNonce: 4,
        rawTx: "0x01",
      });
      await store.markAnchored(1, { txHash: leafOf(12), blockNumber: 40, head: leafOf(13), anchoredAt: 77 });
      expect(await store.getBatch(1)).to.include({ status: "anchored", blockNumber: 40, anchoredAt: 77, rawTx: null });
      expect((await store.getRecord(1))!.batchStatus).to.equal("anchored");
      expect((await store.nextUnanchoredBatch())!.id).to.equal(2);
      const counts = await store.counts();
      expect(counts).to.deep.include({ records: 2, anchored: 1, pending: 1, unsealed: 0, batches: 2 });
      expect(counts.batchesByStatus).to.deep.equal({ sealed: 1, submitted: 0, anchored: 1 });
      expect(counts.oldestPendingPublishedAt).to.equal(now());
      expect((await store.listBatches(null, 10)).map((b) => b.id)).to.deep.equal([2, 1]);
      expect((await store.listBatches(2, 10)).map((b) => b.id)).to.deep.equal([1]);
      expect(await store.resetAnchors()).to.equal(1);
      expect((await store.getBatch(1))!.status).to.equal("sealed");
      expect((await store.counts()).batchesByStatus).to.deep.equal({ sealed: 2, submitted: 0, anchored: 0 });
      await store.markSubmitted(2, { txHash: leafOf(14), nonce: 5, rawTx: "0x02" });
      await store.markSubmitted(2, { txHash: leafOf(15), nonce: 5, rawTx: "0x03" });
      const after = await store.counts();
      expect(after.batchesByStatus).to.deep.equal({ sealed: 1, submitted: 1, anchored: 0 });
      expect(after).to.deep.include({ anchored: 0, pending: 2, unsealed: 0, batches: 2 });
    });

    it("filters and pages records by kind, asset, time and cursor, and pages a batch's records", async () => {
      await append(store, [
        sampleRecord({ kind: "GRANT", asset: "BTC", occurredAt: 100 }),
        sampleRecord({ kind: "EXPENSE", asset: "ETH", occurredAt: 200 }),
        sampleRecord({ kind: "GRANT", asset: "ETH", occurredAt: 300 }),
        sampleRecord({ kind: "GRANT", asset: "ETH", occurredAt: 400 }),
      ]);
      const seqs = async (filter: Parameters<Store["listRecords"]>[0]) =>
        (await store.listRecords(filter)).map((s) => s.record.seq);
      expect(await seqs({ kind: "GRANT", limit: 10 })).to.deep.equal([1, 3, 4]);
      expect(await seqs({ asset: "ETH", limit: 10 })).to.deep.equal([2, 3, 4]);
      expect(await seqs({ from: 200, to: 300, limit: 10 })).to.deep.equal([2, 3]);
      expect(await seqs({ kind: "GRANT", asset: "ETH", afterSeq: 3, limit: 10 })).to.deep.equal([4]);
      expect(await seqs({ limit: 2 })).to.deep.equal([1, 2]);
      await store.sealBatch({ firstSeq: 1, leafCount: 4, root: leafOf(1), proofs: [[], [], [], []], sealedAt: 1 });
      expect((await store.recordsOfBatch(1, 0, 3)).map((s) => s.record.seq)).to.deep.equal([1, 2, 3]);
      expect((await store.recordsOfBatch(1, 3, 3)).map((s) => s.record.seq)).to.deep.equal([4]);
    });

    it("finds the records that correct given records", async () => {
      await append(store, [sampleRecord(), sampleRecord()]);
      await append(store, [sampleRecord({ corrects: 1 }), sampleRecord({ kind: "RETRACTION", corrects: 1 })]);
      expect(await store.correctionsOf([1, 2])).to.deep.equal([
        { seq: 3, corrects: 1, kind: "INFLOW_SEIZURE", standing: "current" },
        { seq: 4, corrects: 1, kind: "RETRACTION", standing: "current" },
      ]);
      expect(await store.correctionsOf([])).to.deep.equal([]);
    });

    it("adds, finds and revokes publishers, with the right to correct others only when given", async () => {
      const plain = await store.addPublisher("treasury", "aa", 10);
      const editor = await store.addPublisher("auditor-office", "bb", 11, { mayCorrectOthers: true });
      expect(plain).to.include({ name: "treasury", mayCorrectOthers: false, revokedAt: null });
      expect(editor.mayCorrectOthers).to.equal(true);
      await expectCode(store.addPublisher("treasury", "cc", 12), "PUBLISHER_EXISTS");
      expect((await store.publisherByKeyHash("bb"))!.name).to.equal("auditor-office");
      expect(await store.revokePublisher("treasury", 20)).to.equal(true);
      expect(await store.revokePublisher("treasury", 21)).to.equal(false);
      expect((await store.publisherByKeyHash("aa"))!.revokedAt).to.equal(20);
      expect((await store.listPublishers()).map((p) => [p.name, p.mayCorrectOthers])).to.deep.equal([
        ["treasury", false],
        ["auditor-office", true],
      ]);
    });

    it("keeps settings and data across a reopen (migrations run once)", async () => {
      await store.setMeta("registry", "31337:0xabc");
      await store.setMeta("registry", "31337:0xdef");
      await append(store, [sampleRecord()]);
      const second = await reopen();
      others.push(second);
      expect(await second.getMeta("registry")).to.equal("31337:0xdef");
      expect(await second.getMeta("absent")).to.equal(null);
      expect(await second.maxSeq()).to.equal(1);
      expect((await append(second, [sampleRecord()]))[0]!.record.seq).to.equal(2);
    });

    it("keeps standings by core's rule: a retracted correction restores the original", async () => {
      await append(store, [sampleRecord({ asset: "BTC", amount: "2" })]);
      await append(store, [sampleRecord({ asset: "BTC", amount: "3", corrects: 1 })]);
      expect((await store.getRecord(1))!.standing).to.equal("superseded");
      await append(store, [sampleRecord({ kind: "RETRACTION", corrects: 2 })]);
      expect((await store.getRecord(1))!.standing).to.equal("current");
      expect((await store.getRecord(2))!.standing).to.equal("retracted");
      expect((await store.getRecord(3))!.standing).to.equal("current");
      const { rows } = await store.aggregates();
      expect(rows.find((r) => r.dim === "asset" && r.key === "BTC")).to.deep.include({ count: 1, a: 2n * 10n ** 18n });
    });

    it("keeps statistics at write time equal to computing them from every record", async () => {
      // A deterministic stream of writes: new records, corrections, retractions (also of corrections), valuations.
      let state = 7;
      const next = (n: number) => {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        return state % n;
      };
      const kinds = ["INFLOW_SEIZURE", "GRANT", "EXPENSE", "VALUATION", "INVESTMENT"] as const;
      let count = 0;
      for (let round = 0; round < 40; round++) {
        const batch = Array.from({ length: 1 + next(4) }, () => {
          const corrects = count > 0 && next(3) === 0 ? 1 + next(count) : 0;
          const kind = corrects !== 0 && next(2) === 0 ? "RETRACTION" : kinds[next(kinds.length)]!;
          return sampleRecord({
            kind,
            corrects,
            asset: ["BTC", "ETH", "TON"][next(3)]!,
            amount: `${1 + next(50)}.${next(100)}`,
            valueUsd: `${next(10_000)}.${String(next(100)).padStart(2, "0")}`,
            occurredAt: 1_700_000_000 + next(90) * 86_400,
          });
        });
        await append(store, batch);
        count += batch.length;
      }
      const all = await store.allRecords();
      const totals = { records: count, anchored: 0, pending: count, batches: 0 };
      const { rows, holdings } = await store.aggregates();
      const served = statsFromAggregates(rows, holdings, totals);
      expect(served).to.deep.equal(computeTotals(all, totals));
      expect(served).to.deep.equal(referenceStats(all, totals));
      const standings = recordStandings(all);
      for (const r of all) expect((await store.getRecord(r.seq))!.standing).to.equal(standings.get(r.seq));
    });

    it("never records a second root for a batch, even through a statement behind the store's back", async () => {
      await append(store, [sampleRecord()]);
      await store.sealBatch({ firstSeq: 1, leafCount: 1, root: leafOf(5), proofs: [[]], sealedAt: 1 });
      const refused = await rawError(`UPDATE batches SET root = '${leafOf(6)}' WHERE id = 1`);
      expect(refused, "the UPDATE is refused").to.not.equal(null);
      expect(String((refused as Error).message)).to.match(/root/);
      expect((await store.getBatch(1))!.root).to.equal(leafOf(5));
      await store.markAnchored(1, { txHash: leafOf(12), blockNumber: 40, head: leafOf(13), anchoredAt: 77 });
      expect((await store.getBatch(1))!.status, "other columns still change").to.equal("anchored");
    });

    it("lets one holder lead at a time, and the next take over once it lets go", async () => {
      const second = await reopen();
      others.push(second);
      const first = await store.tryLead(2000);
      expect(first).to.not.equal(null);
      expect(await first!.check()).to.equal(true);
      if (backend.name === "SQLite") return; // one process owns a SQLite file: it always leads
      expect(await second.tryLead(2000)).to.equal(null);
      await first!.release();
      const next = await second.tryLead(2000);
      expect(next).to.not.equal(null);
      await next!.release();
    });
  });
}

describe("Store on PostgreSQL, several instances", function () {
  this.timeout(60_000);

  it("gives concurrent writers on three instances seqs 1..N with no gap and no reuse", async () => {
    const url = await freshDatabaseUrl();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    try {
      const writes = Array.from({ length: 150 }, (_, i) => append(stores[i % 3]!, [sampleRecord(), sampleRecord()]));
      const seqs = (await Promise.all(writes)).flat().map((s) => s.record.seq);
      expect(seqs.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(await stores[0]!.maxSeq()).to.equal(300);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}
