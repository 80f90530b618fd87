/**
 * The SQLite store (better-sqlite3).
 *
 * Durability: WAL with synchronous=FULL, so every commit fsyncs the WAL before it returns: an acknowledged
 * record survives SIGKILL and power loss. The cost of that fsync is shared: appendRecords queues the
 * requests that arrive while the event loop is busy and writes them all in the next transaction (group
 * commit), assigning seqs inside it, so seqs have no gap and no duplicate whatever the concurrency.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import {
  AiqynError,
  type Hex,
  type RecordInput,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
} from "../../../core";
import type { AggregateRow } from "../internal/aggregates";
import {
  appendEffect,
  loadFamily,
  type AppendEffect,
  type FamilyReader,
  type StoredStanding,
} from "../internal/aggregates";
import { MIGRATIONS } from "./migrations";
import {
  RECORD_COLUMNS,
  RECORD_FROM,
  newRecord,
  packProof,
  toBatch,
  toPublisher,
  toRecord,
  toAggregate,
  toStored,
  toStoredStanding,
  toDocument,
  unpackProof,
  type DocumentRow,
  type AggregateDbRow,
  type BatchRow,
  type PublisherRow,
  type RecordRow,
} from "../internal/rows";
import { IdempotencyKeyTaken } from "../types";
import type {
  IdempotencyClaim,
  IdempotentAnswer,
  StoredDocument,
  AnchoredInfo,
  BatchStatus,
  LeaderSession,
  Publisher,
  RecordFilter,
  RecordFinisher,
  SealInput,
  Store,
  StoreCounts,
  StoredBatch,
  StoredRecord,
} from "../types";

interface PendingAppend {
  inputs: readonly RecordInput[];
  publisher: string;
  finish: RecordFinisher;
  now: () => number;
  idempotency: IdempotencyClaim | undefined;
  resolve: (records: StoredRecord[]) => void;
  reject: (error: unknown) => void;
}

/** Set once the standings and aggregates cover every record. */
const AGGREGATES_META = "aggregates";

export interface SqliteStoreOptions {
  /** How long appendRecords gathers concurrent writers before committing them together (default 1 ms). */
  gatherMs?: number;
}

export class SqliteStore implements Store {
  readonly backend = "sqlite" as const;
  readonly file: string;
  /** Group commits so far and records they carried (exposed for measurements). */
  readonly commitStats = { commits: 0, requests: 0, records: 0 };
  private readonly db: Database.Database;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly stmts: ReturnType<SqliteStore["prepareStatements"]>;

  private readonly gatherMs: number;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = file;
    this.gatherMs = options.gatherMs ?? 1;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
    // Tests only: a page budget makes SQLite itself raise SQLITE_FULL (a full disk where none can be mounted).
    const maxPages = process.env.AIQYN_SQLITE_MAX_PAGE_COUNT;
    if (maxPages && /^\d+$/.test(maxPages)) this.setMaxPageCount(Number(maxPages));
    this.stmts = this.prepareStatements();
    this.rebuildAggregatesOnce();
  }

  /**
   * Standings, aggregates and holdings from every record, once: for a store that had records before they were
   * kept at write time (schema 3), and for a store filled by a copy (migrate-store).
   */
  rebuildAggregates(): void {
    const records = this.db
      .prepare<[], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} ORDER BY r.seq`)
      .all()
      .map(toRecord);
    this.db.transaction(() => {
      this.db.exec("DELETE FROM aggregates; DELETE FROM holdings; UPDATE records SET standing = 'current';");
      this.applyEffect(appendEffect([], records));
      this.stmts.setMeta.run(AGGREGATES_META, "1");
    })();
  }

  private rebuildAggregatesOnce(): void {
    if (this.stmts.getMeta.get(AGGREGATES_META)?.value !== "1") this.rebuildAggregates();
  }

  private prepareStatements() {
    return {
      maxSeq: this.db.prepare<[], { m: number | null }>("SELECT MAX(seq) AS m FROM records"),
      insertRecord: this.db.prepare(
        `INSERT INTO records (seq, kind, occurred_at, published_at, publisher, asset, amount, value_usd, counterparty,
           reference, document_hash, memo, corrects, leaf, signature, signer)
         VALUES (@seq, @kind, @occurredAt, @publishedAt, @publisher, @asset, @amount, @valueUsd, @counterparty,
           @reference, @documentHash, @memo, @corrects, @leaf, @signature, @signer)`,
      ),
      getRecord: this.db.prepare<[number], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.seq = ?`),
      proofOf: this.db.prepare<[number], { proof: Buffer | null; batch_id: number | null }>(
        "SELECT proof, batch_id FROM records WHERE seq = ?",
      ),
      unsealed: this.db.prepare<[number], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.batch_id IS NULL ORDER BY r.seq LIMIT ?`,
      ),
      maxBatchId: this.db.prepare<[], { m: number | null }>("SELECT MAX(id) AS m FROM batches"),
      lastBatch: this.db.prepare<[], BatchRow>("SELECT * FROM batches ORDER BY id DESC LIMIT 1"),
      insertBatch: this.db.prepare(
        "INSERT INTO batches (id, root, first_seq, leaf_count, status, sealed_at) VALUES (?, ?, ?, ?, 'sealed', ?)",
      ),
      setProof: this.db.prepare("UPDATE records SET batch_id = ?, proof = ? WHERE seq = ? AND batch_id IS NULL"),
      getBatch: this.db.prepare<[number], BatchRow>("SELECT * FROM batches WHERE id = ?"),
      nextUnanchored: this.db.prepare<[], BatchRow>(
        "SELECT * FROM batches WHERE status <> 'anchored' ORDER BY id LIMIT 1",
      ),
      markSubmitted: this.db.prepare(
        "UPDATE batches SET status = 'submitted', tx_hash = ?, tx_nonce = ?, raw_tx = ? WHERE id = ? AND status <> 'anchored'",
      ),
      markAnchored: this.db.prepare(
        `UPDATE batches SET status = 'anchored', tx_hash = ?, block_number = ?, head = ?, anchored_at = ?, raw_tx = NULL
         WHERE id = ?`,
      ),
      recordsOfBatch: this.db.prepare<[number, number, number], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.batch_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
      ),
      publisherByKeyHash: this.db.prepare<[string], PublisherRow>(
        "SELECT id, name, created_at, revoked_at, may_correct_others FROM publishers WHERE key_hash = ?",
      ),
      batchesByStatus: this.db.prepare<[], { status: string; n: number; leaves: number }>(
        "SELECT status, batches AS n, leaves FROM batch_totals",
      ),
      firstPendingSeq: this.db.prepare<[], { s: number | null }>(
        "SELECT first_seq AS s FROM batches WHERE status <> 'anchored' ORDER BY id LIMIT 1",
      ),
      publishedAtOf: this.db.prepare<[number], { p: number }>("SELECT published_at AS p FROM records WHERE seq = ?"),
      setStanding: this.db.prepare("UPDATE records SET standing = ? WHERE seq = ?"),
      getAggregate: this.db.prepare<[string, string], AggregateDbRow>(
        "SELECT dim, key, count, a, b FROM aggregates WHERE dim = ? AND key = ?",
      ),
      putAggregate: this.db.prepare(
        `INSERT INTO aggregates (dim, key, count, a, b) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (dim, key) DO UPDATE SET count = excluded.count, a = excluded.a, b = excluded.b`,
      ),
      latestValuation: this.db.prepare<[string], { seq: number }>(
        `SELECT seq FROM records WHERE kind = 'VALUATION' AND standing = 'current' AND asset = ?
         ORDER BY occurred_at DESC, seq DESC LIMIT 1`,
      ),
      putHolding: this.db.prepare(
        "INSERT INTO holdings (asset, seq) VALUES (?, ?) ON CONFLICT (asset) DO UPDATE SET seq = excluded.seq",
      ),
      deleteHolding: this.db.prepare("DELETE FROM holdings WHERE asset = ?"),
      getIdempotent: this.db.prepare<
        [string, string, number],
        { body_hash: string; answer: string; created_at: number }
      >(
        "SELECT body_hash, answer, created_at FROM idempotency_keys WHERE publisher = ? AND key = ? AND created_at >= ?",
      ),
      expireIdempotent: this.db.prepare("DELETE FROM idempotency_keys WHERE created_at < ?"),
      putIdempotent: this.db.prepare(
        "INSERT INTO idempotency_keys (publisher, key, body_hash, answer, created_at) VALUES (?, ?, ?, ?, ?)",
      ),
      getDocument: this.db.prepare<[string], DocumentRow & { body: Buffer }>(
        "SELECT hash, content_type, size, publisher, stored_at, body FROM documents WHERE hash = ?",
      ),
      putDocument: this.db.prepare(
        `INSERT INTO documents (hash, content_type, size, publisher, stored_at, body) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (hash) DO NOTHING`,
      ),
      getMeta: this.db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: this.db.prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  private migrate(): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const applied = new Set(
      this.db
        .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
        .all()
        .map((r) => r.version),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Math.floor(Date.now() / 1000));
      })();
    }
  }

  /** Caps the database file at `pages` pages (SQLITE_FULL beyond); tests use it to simulate a full disk. */
  setMaxPageCount(pages: number): number {
    return Number(this.db.pragma(`max_page_count = ${Math.floor(pages)}`, { simple: true }));
  }

  schemaVersion(): number {
    const row = this.db.prepare<[], { v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations").get();
    return row?.v ?? 0;
  }

  appendRecords(
    inputs: readonly RecordInput[],
    publisher: string,
    finish: RecordFinisher,
    now: () => number,
    idempotency?: IdempotencyClaim,
  ): Promise<StoredRecord[]> {
    if (this.closed) return Promise.reject(new AiqynError("STORE_CLOSED", "the store is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, publisher, finish, now, idempotency, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // better-sqlite3 commits synchronously, so requests cannot queue up *during* a commit; they queue in
        // the sockets and finish parsing over the next few event-loop turns. A 1 ms gathering window lets
        // them join one transaction (one fsync for many writers) at the cost of 1 ms for a lone write.
        setTimeout(() => void this.flush(), this.gatherMs);
      }
    });
  }

  private insertGroup(group: readonly PendingAppend[], family: readonly StoredStanding[]): StoredRecord[][] {
    let seq = this.stmts.maxSeq.get()?.m ?? 0;
    const results = group.map((req) => {
      if (req.idempotency) this.refuseTakenKey(req.publisher, req.idempotency);
      const publishedAt = req.now();
      const stored = req.inputs.map((input) => {
        seq += 1;
        const record = newRecord(seq, input, publishedAt, req.publisher);
        const sealed = req.finish(record);
        this.stmts.insertRecord.run({ ...record, ...sealed });
        return { record, ...sealed, batchId: null, batchStatus: null, standing: "current" as const };
      });
      if (req.idempotency) this.claimKey(req.publisher, req.idempotency, stored);
      return stored;
    });
    this.applyEffect(
      appendEffect(
        family,
        results.flat().map((r) => r.record),
      ),
    );
    return results;
  }

  /** Inside the append's transaction: a live key already taken aborts it (nothing of the request is stored). */
  private refuseTakenKey(publisher: string, claim: IdempotencyClaim): void {
    const found = this.stmts.getIdempotent.get(publisher, claim.key, claim.notBefore);
    if (found) {
      throw new IdempotencyKeyTaken({ bodyHash: found.body_hash, answer: found.answer, at: found.created_at });
    }
    this.stmts.expireIdempotent.run(claim.notBefore);
  }

  private claimKey(publisher: string, claim: IdempotencyClaim, stored: readonly StoredRecord[]): void {
    this.stmts.putIdempotent.run(publisher, claim.key, claim.bodyHash, claim.answer(stored), claim.at);
  }

  async idempotentAnswer(publisher: string, key: string, notBefore: number): Promise<IdempotentAnswer | null> {
    const row = this.stmts.getIdempotent.get(publisher, key, notBefore);
    return row ? { bodyHash: row.body_hash, answer: row.answer, at: row.created_at } : null;
  }

  async putDocument(doc: StoredDocument, body: Uint8Array): Promise<boolean> {
    const info = this.stmts.putDocument.run(doc.hash, doc.contentType, doc.size, doc.publisher, doc.storedAt, body);
    return info.changes === 1;
  }

  async getDocument(hash: Hex): Promise<{ doc: StoredDocument; body: Buffer } | null> {
    const row = this.stmts.getDocument.get(hash.toLowerCase());
    return row ? { doc: toDocument(row), body: row.body } : null;
  }

  /** Standings, aggregates and holdings follow the records just inserted (same transaction). */
  private applyEffect(effect: AppendEffect): void {
    for (const change of effect.standingChanges) this.stmts.setStanding.run(change.standing, change.seq);
    for (const delta of effect.deltas) {
      const row = this.stmts.getAggregate.get(delta.dim, delta.key);
      const [count, a, b] = row
        ? [row.count + delta.count, BigInt(row.a) + delta.a, BigInt(row.b) + delta.b]
        : [delta.count, delta.a, delta.b];
      this.stmts.putAggregate.run(delta.dim, delta.key, count, String(a), String(b));
    }
    for (const asset of effect.holdingAssets) {
      const latest = this.stmts.latestValuation.get(asset);
      if (latest) this.stmts.putHolding.run(asset, latest.seq);
      else this.stmts.deleteHolding.run(asset);
    }
  }

  private readonly familyReader: FamilyReader = {
    bySeqs: async (seqs) =>
      this.db
        .prepare<number[], RecordRow>(
          `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.seq IN (${seqs.map(() => "?").join(",")})`,
        )
        .all(...seqs)
        .map(toStoredStanding),
    correctorsOf: async (seqs) =>
      this.db
        .prepare<number[], RecordRow>(
          `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.corrects IN (${seqs.map(() => "?").join(",")})
           AND r.corrects <> 0`,
        )
        .all(...seqs)
        .map(toStoredStanding),
  };

  /** Commits the queued requests; one flush at a time (a new one waits for the one in progress). */
  private flush(): Promise<void> {
    // flushQueued answers every request itself; a failure must not stop the flushes after it.
    this.flushing = this.flushing.then(() => this.flushQueued()).catch(() => undefined);
    return this.flushing;
  }

  private async flushQueued(): Promise<void> {
    this.flushScheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    let family: StoredStanding[];
    try {
      // Read before the (synchronous) transaction: only this flush appends, so nothing changes in between.
      family = await loadFamily(
        group.flatMap((req) => req.inputs.map((i) => i.corrects)),
        this.familyReader,
      );
    } catch (error) {
      for (const req of group) req.reject(error);
      return;
    }
    try {
      const results = this.db.transaction(() => this.insertGroup(group, family))();
      this.countCommit(group, results);
      group.forEach((req, i) => req.resolve(results[i]!));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // One request's failure must not sink its neighbours: retry each alone.
      for (const req of group) {
        try {
          const [result] = this.db.transaction(() => this.insertGroup([req], family))();
          this.countCommit([req], [result!]);
          req.resolve(result!);
        } catch (single) {
          req.reject(single);
        }
      }
    }
  }

  private countCommit(group: readonly PendingAppend[], results: StoredRecord[][]): void {
    this.commitStats.commits += 1;
    this.commitStats.requests += group.length;
    this.commitStats.records += results.reduce((n, r) => n + r.length, 0);
  }

  async maxSeq(): Promise<number> {
    return this.maxSeqNow();
  }

  private maxSeqNow(): number {
    return this.stmts.maxSeq.get()?.m ?? 0;
  }

  async unsealedCount(): Promise<number> {
    const last = this.stmts.lastBatch.get();
    return this.maxSeqNow() - (last ? last.first_seq + last.leaf_count - 1 : 0);
  }

  async getRecord(seq: number): Promise<StoredRecord | null> {
    const row = this.stmts.getRecord.get(seq);
    return row ? toStored(row) : null;
  }

  async listRecords(filter: RecordFilter): Promise<StoredRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.kind !== undefined) {
      where.push("r.kind = ?");
      params.push(filter.kind);
    }
    if (filter.asset !== undefined) {
      where.push("r.asset = ?");
      params.push(filter.asset);
    }
    if (filter.from !== undefined) {
      where.push("r.occurred_at >= ?");
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push("r.occurred_at <= ?");
      params.push(filter.to);
    }
    if (filter.afterSeq !== undefined) {
      where.push("r.seq > ?");
      params.push(filter.afterSeq);
    }
    const sql = `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY r.seq LIMIT ?`;
    return this.db
      .prepare<(string | number)[], RecordRow>(sql)
      .all(...params, filter.limit)
      .map(toStored);
  }

  async correctionsOf(
    seqs: readonly number[],
  ): Promise<{ seq: number; corrects: number; kind: RecordKind; standing: RecordStanding }[]> {
    if (seqs.length === 0) return [];
    const rows = this.db
      .prepare<number[], { seq: number; corrects: number; kind: string; standing: string }>(
        // "corrects <> 0" lets SQLite use the partial index records_corrects; without it every read scans the table.
        `SELECT seq, corrects, kind, standing FROM records WHERE corrects IN (${seqs.map(() => "?").join(",")}) AND corrects <> 0
         ORDER BY seq`,
      )
      .all(...seqs);
    return rows.map((r) => ({
      seq: r.seq,
      corrects: r.corrects,
      kind: r.kind as RecordKind,
      standing: r.standing as RecordStanding,
    }));
  }

  async aggregates(): Promise<{ rows: AggregateRow[]; holdings: RecordV1[] }> {
    const rows = this.db
      .prepare<[], AggregateDbRow>("SELECT dim, key, count, a, b FROM aggregates WHERE count > 0")
      .all()
      .map(toAggregate);
    const holdings = this.db
      .prepare<[], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM holdings h JOIN records r ON r.seq = h.seq LEFT JOIN batches b ON b.id = r.batch_id`,
      )
      .all()
      .map(toRecord);
    return { rows, holdings };
  }

  async allRecords(): Promise<RecordV1[]> {
    return this.db
      .prepare<[], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} ORDER BY r.seq`)
      .all()
      .map(toRecord);
  }

  async recordsOfBatch(batchId: number, afterSeq: number, limit: number): Promise<StoredRecord[]> {
    return this.stmts.recordsOfBatch.all(batchId, afterSeq, limit).map(toStored);
  }

  async proofOf(seq: number): Promise<Hex[] | null> {
    const row = this.stmts.proofOf.get(seq);
    if (!row || row.batch_id === null || row.proof === null) return null;
    return unpackProof(row.proof);
  }

  async unsealedRecords(limit: number): Promise<{ record: RecordV1; leaf: Hex }[]> {
    return this.stmts.unsealed.all(limit).map((r) => ({ record: toRecord(r), leaf: r.leaf as Hex }));
  }

  async sealBatch(batch: SealInput): Promise<StoredBatch> {
    if (batch.proofs.length !== batch.leafCount) throw new AiqynError("INVARIANT_VIOLATED", "one proof per leaf");
    return this.db.transaction(() => {
      const last = this.stmts.lastBatch.get();
      const expectedFirst = last ? last.first_seq + last.leaf_count : 1;
      if (batch.firstSeq !== expectedFirst) {
        throw new AiqynError("INVARIANT_VIOLATED", `batch must start at seq ${expectedFirst}, not ${batch.firstSeq}`);
      }
      const id = (last?.id ?? 0) + 1;
      this.stmts.insertBatch.run(id, batch.root, batch.firstSeq, batch.leafCount, batch.sealedAt);
      for (let i = 0; i < batch.leafCount; i++) {
        const changed = this.stmts.setProof.run(id, packProof(batch.proofs[i]!), batch.firstSeq + i).changes;
        if (changed !== 1)
          throw new AiqynError("INVARIANT_VIOLATED", `seq ${batch.firstSeq + i} is not an unsealed record`);
      }
      return toBatch(this.stmts.getBatch.get(id)!);
    })();
  }

  async getBatch(id: number): Promise<StoredBatch | null> {
    const row = this.stmts.getBatch.get(id);
    return row ? toBatch(row) : null;
  }

  async listBatches(beforeId: number | null, limit: number): Promise<StoredBatch[]> {
    const rows =
      beforeId === null
        ? this.db.prepare<[number], BatchRow>("SELECT * FROM batches ORDER BY id DESC LIMIT ?").all(limit)
        : this.db
            .prepare<[number, number], BatchRow>("SELECT * FROM batches WHERE id < ? ORDER BY id DESC LIMIT ?")
            .all(beforeId, limit);
    return rows.map(toBatch);
  }

  async nextUnanchoredBatch(): Promise<StoredBatch | null> {
    const row = this.stmts.nextUnanchored.get();
    return row ? toBatch(row) : null;
  }

  async markSubmitted(id: number, tx: { txHash: Hex; nonce: number; rawTx: Hex }): Promise<void> {
    this.stmts.markSubmitted.run(tx.txHash, tx.nonce, tx.rawTx, id);
  }

  async markAnchored(id: number, info: AnchoredInfo): Promise<void> {
    this.stmts.markAnchored.run(info.txHash, info.blockNumber, info.head, info.anchoredAt, id);
  }

  async resetAnchors(): Promise<number> {
    return this.db
      .prepare(
        `UPDATE batches SET status = 'sealed', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
           head = NULL, anchored_at = NULL WHERE status <> 'sealed'`,
      )
      .run().changes;
  }

  async counts(): Promise<StoreCounts> {
    const records = this.maxSeqNow();
    const byStatus = this.stmts.batchesByStatus.all();
    const batchesByStatus: Record<BatchStatus, number> = { sealed: 0, submitted: 0, anchored: 0 };
    let anchored = 0;
    let batches = 0;
    let sealedLeaves = 0;
    for (const row of byStatus) {
      batchesByStatus[row.status as BatchStatus] = row.n;
      batches += row.n;
      sealedLeaves += row.leaves;
      if (row.status === "anchored") anchored = row.leaves;
    }
    // Batches are anchored in id (= seq) order, so the oldest pending record is the first seq of the lowest
    // unanchored batch, or the first unsealed seq: a primary-key lookup, not a scan of every record (this
    // runs after every accepted write and on every readiness probe).
    const firstPendingBatch = this.stmts.firstPendingSeq.get()?.s ?? null;
    const firstPending = firstPendingBatch ?? sealedLeaves + 1;
    const oldest = firstPending <= records ? this.stmts.publishedAtOf.get(firstPending) : undefined;
    return {
      records,
      anchored,
      pending: records - anchored,
      unsealed: records - sealedLeaves,
      batches,
      batchesByStatus,
      oldestPendingPublishedAt: oldest?.p ?? null,
    };
  }

  async addPublisher(
    name: string,
    keyHash: string,
    now: number,
    rights: { mayCorrectOthers?: boolean } = {},
  ): Promise<Publisher> {
    const mayCorrectOthers = rights.mayCorrectOthers === true;
    try {
      const info = this.db
        .prepare("INSERT INTO publishers (name, key_hash, created_at, may_correct_others) VALUES (?, ?, ?, ?)")
        .run(name, keyHash, now, mayCorrectOthers ? 1 : 0);
      return { id: Number(info.lastInsertRowid), name, createdAt: now, revokedAt: null, mayCorrectOthers };
    } catch (cause) {
      if ((cause as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
        throw new AiqynError("PUBLISHER_EXISTS", `a publisher named ${name} exists already`, { cause });
      }
      throw cause;
    }
  }

  async listPublishers(): Promise<Publisher[]> {
    return this.db
      .prepare<[], PublisherRow>(
        "SELECT id, name, created_at, revoked_at, may_correct_others FROM publishers ORDER BY id",
      )
      .all()
      .map(toPublisher);
  }

  async revokePublisher(name: string, now: number): Promise<boolean> {
    return (
      this.db.prepare("UPDATE publishers SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL").run(now, name)
        .changes === 1
    );
  }

  async publisherByKeyHash(keyHash: string): Promise<Publisher | null> {
    const row = this.stmts.publisherByKeyHash.get(keyHash);
    return row ? toPublisher(row) : null;
  }

  async getMeta(key: string): Promise<string | null> {
    return this.stmts.getMeta.get(key)?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmts.setMeta.run(key, value);
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  /** One process owns a SQLite file: it always leads. */
  async tryLead(): Promise<LeaderSession | null> {
    return { check: async () => !this.closed, release: async () => undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Finish the writes already queued: their callers are waiting for an answer.
    await this.flush();
    this.db.close();
  }
}

export function openSqliteStore(dataDir: string): SqliteStore {
  return new SqliteStore(path.join(dataDir, "aiqyn.sqlite"));
}
