/**
 * The PostgreSQL store (driver `pg`), shared by several server instances.
 *
 * Seqs: the row counters('seq') is advanced and locked by the first statement of every writing transaction
 * (UPDATE … RETURNING), so writers on every instance queue on that row lock; a rollback undoes the advance,
 * hence no gap and no reuse (a SEQUENCE would leave gaps). The receipt is built only after COMMIT returns.
 * Group commit: the requests that arrive while a transaction is in flight go together into the next one
 * (one lock, one multi-row INSERT through unnest, one commit for all of them).
 */
import pg from "pg";
import {
  AiqynError,
  type Hex,
  type RecordInput,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
} from "../../../core";
import {
  appendEffect,
  loadFamily,
  type AggregateRow,
  type AppendEffect,
  type FamilyReader,
} from "../internal/aggregates";
import { Coalesced, CoalescedByKey } from "./coalesce";
import { PG_MIGRATIONS } from "./migrations";
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

// BIGINT columns hold seqs, ids, times and block numbers: all far below 2^53.
const INT8 = 20;
const parseInt8 = (text: string) => Number(text);
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Proofs kept in memory (a few hundred bytes each at 1 M records: about 2 MB). */
const PROOF_CACHE_SIZE = 4096;

/** Anchored batches kept in memory (a row of a few hundred bytes each). */
const BATCH_CACHE_SIZE = 4096;

const BATCH_FIELDS = ["id", "root", "first_seq", "leaf_count", "status", "sealed_at", "tx_hash", "tx_nonce"] as const;
const BATCH_MORE = ["raw_tx", "block_number", "head", "anchored_at"] as const;
/** The joined batch's columns as b_<name>, beside a record's. */
const BATCH_AS_B = [...BATCH_FIELDS, ...BATCH_MORE].map((c) => `b.${c} AS b_${c}`).join(", ");

/** The joined batch's row out of a record's row (its b_ columns). */
function unprefixed(row: object, prefix: string): BatchRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out as unknown as BatchRow;
}

/** The advisory lock key of the anchoring leader ("aiqyn-ld" as 8 bytes). */
const LEADER_LOCK_KEY = "7018295106098735204";
const MIGRATION_LOCK_KEY = "7018295106098735205";

/** Errors that mean "the database cannot be reached" (SQLSTATE class 08, shutdown, refused connection…). */
function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (/^08/.test(code) || ["57P01", "57P02", "57P03", "53300"].includes(code)))
    return true;
  if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"].includes(code))
    return true;
  return typeof message === "string" && /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

/** A connection error as AiqynError STORE_UNAVAILABLE (the server answers 503); anything else unchanged. */
function unavailable(error: unknown): unknown {
  if (!isConnectionError(error)) return error;
  return new AiqynError("STORE_UNAVAILABLE", "the database does not answer", { cause: error });
}

/** The database answered neither way to a COMMIT (its connection was lost while the COMMIT was in flight). */
class CommitOutcomeUnknown extends Error {
  constructor(override readonly cause: unknown) {
    super("the connection was lost during COMMIT");
    this.name = "CommitOutcomeUnknown";
  }
}

function isUnavailable(error: unknown): boolean {
  return error instanceof AiqynError && error.code === "STORE_UNAVAILABLE";
}

interface PendingAppend {
  inputs: readonly RecordInput[];
  publisher: string;
  finish: RecordFinisher;
  now: () => number;
  idempotency?: IdempotencyClaim | undefined;
  resolve: (records: StoredRecord[]) => void;
  reject: (error: unknown) => void;
}

const RECORD_INSERT = `INSERT INTO records (seq, kind, occurred_at, published_at, publisher, asset, amount, value_usd,
    counterparty, reference, document_hash, memo, corrects, leaf, signature, signer)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[])`;

/** The column arrays of one multi-row INSERT (unnest keeps it one statement whatever the row count). */
function insertColumns(rows: readonly StoredRecord[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 16 }, () => []);
  for (const { record: r, leaf, signature, signer } of rows) {
    const values = [r.seq, r.kind, r.occurredAt, r.publishedAt, r.publisher, r.asset, r.amount, r.valueUsd];
    values.push(r.counterparty, r.reference, r.documentHash, r.memo, r.corrects, leaf, signature, signer);
    values.forEach((v, i) => cols[i]!.push(v));
  }
  return cols;
}

function buildRecords(group: readonly PendingAppend[], base: number): StoredRecord[][] {
  let seq = base;
  return group.map((req) => {
    const publishedAt = req.now();
    return req.inputs.map((input) => {
      seq += 1;
      const record = newRecord(seq, input, publishedAt, req.publisher);
      return {
        record,
        ...req.finish(record),
        batchId: null,
        batchStatus: null,
        standing: "current" as const,
      };
    });
  });
}

/** Reads the family of new records inside the writing transaction (server/store/internal/aggregates.ts). */
function familyReader(db: pg.PoolClient): FamilyReader {
  const read = async (where: string, seqs: readonly number[]) =>
    (await db.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE ${where}`, [seqs])).rows.map(
      toStoredStanding,
    );
  return {
    bySeqs: (seqs) => read("r.seq = ANY($1::bigint[])", seqs),
    correctorsOf: (seqs) => read("r.corrects = ANY($1::bigint[]) AND r.corrects <> 0", seqs),
  };
}

const AGGREGATE_UPSERT = `INSERT INTO aggregates (dim, key, count, a, b)
  SELECT * FROM unnest($ND::text[], $NK::text[], $NC::bigint[], $NA::numeric[], $NB::numeric[])
  ON CONFLICT (dim, key) DO UPDATE SET count = aggregates.count + excluded.count, a = aggregates.a + excluded.a,
    b = aggregates.b + excluded.b`;

/** The aggregate upsert with its five arrays as parameters $first … $first+4. */
function aggregateUpsert(first: number): string {
  const names = ["ND", "NK", "NC", "NA", "NB"];
  return names.reduce((sql, name, i) => sql.replace(`$${name}`, `$${first + i}`), AGGREGATE_UPSERT);
}

function aggregateColumns(d: AppendEffect["deltas"]): unknown[][] {
  return [
    d.map((r) => r.dim),
    d.map((r) => r.key),
    d.map((r) => r.count),
    d.map((r) => String(r.a)),
    d.map((r) => String(r.b)),
  ];
}

const RECORDS_AND_AGGREGATES = `WITH inserted AS (${RECORD_INSERT} RETURNING 1) ${aggregateUpsert(17)}`;

/**
 * The new records and the aggregates' deltas in one statement (one round trip): the upsert reads nothing the
 * insert writes, so sharing its snapshot changes nothing. Standings, which may touch rows of this very insert,
 * follow in applyEffect.
 */
async function insertRecordsAndAggregates(
  db: pg.PoolClient,
  rows: readonly StoredRecord[],
  deltas: AppendEffect["deltas"],
): Promise<void> {
  if (deltas.length === 0) {
    await db.query({ name: "aiqyn-insert-records", text: RECORD_INSERT, values: insertColumns(rows) });
    return;
  }
  await db.query({
    name: "aiqyn-insert-records-aggregates",
    text: RECORDS_AND_AGGREGATES,
    values: [...insertColumns(rows), ...aggregateColumns(deltas)],
  });
}

/** Standings, aggregates (one upsert for all rows) and holdings follow the records just inserted. */
async function applyEffect(db: pg.PoolClient, effect: AppendEffect): Promise<void> {
  if (effect.standingChanges.length > 0) {
    await db.query(
      "UPDATE records r SET standing = u.standing FROM unnest($1::bigint[], $2::text[]) AS u(seq, standing) WHERE r.seq = u.seq",
      [effect.standingChanges.map((c) => c.seq), effect.standingChanges.map((c) => c.standing)],
    );
  }
  if (effect.deltas.length > 0) await db.query(aggregateUpsert(1), aggregateColumns(effect.deltas));
  for (const asset of effect.holdingAssets) {
    const latest = await db.query<{ seq: number }>(
      `SELECT seq FROM records WHERE kind = 'VALUATION' AND standing = 'current' AND asset = $1
       ORDER BY occurred_at DESC, seq DESC LIMIT 1`,
      [asset],
    );
    if (latest.rows[0])
      await db.query(
        "INSERT INTO holdings (asset, seq) VALUES ($1, $2) ON CONFLICT (asset) DO UPDATE SET seq = excluded.seq",
        [asset, latest.rows[0].seq],
      );
    else await db.query("DELETE FROM holdings WHERE asset = $1", [asset]);
  }
}

/**
 * The query of a filtered list, newest page after `afterSeq` in seq order. Its plan is held by a test
 * (test/store/postgres-plans.test.ts): a filter that matches nothing must walk an index, not every row.
 */
export function listRecordsQuery(filter: RecordFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.kind !== undefined) add("r.kind = ?", filter.kind);
  if (filter.asset !== undefined) add("r.asset = ?", filter.asset);
  if (filter.from !== undefined) add("r.occurred_at >= ?", filter.from);
  if (filter.to !== undefined) add("r.occurred_at <= ?", filter.to);
  if (filter.afterSeq !== undefined) add("r.seq > ?", filter.afterSeq);
  params.push(filter.limit);
  const sql = `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY r.seq LIMIT $${params.length}`;
  return { sql, params };
}

type IdempotencyRow = { body_hash: string; answer: string; created_at: number };

/**
 * Inside the append's transaction (after the seq row lock, so writers are serialised): a live key already taken
 * aborts it; otherwise expired keys go and each request's key is written with its answer.
 */
async function claimKeys(db: pg.PoolClient, group: readonly PendingAppend[], built: StoredRecord[][]): Promise<void> {
  for (const [i, req] of group.entries()) {
    const claim = req.idempotency;
    if (!claim) continue;
    const { rows } = await db.query<IdempotencyRow>(
      "SELECT body_hash, answer, created_at FROM idempotency_keys WHERE publisher = $1 AND key = $2 AND created_at >= $3",
      [req.publisher, claim.key, claim.notBefore],
    );
    if (rows[0]) {
      throw new IdempotencyKeyTaken({ bodyHash: rows[0].body_hash, answer: rows[0].answer, at: rows[0].created_at });
    }
    await db.query("DELETE FROM idempotency_keys WHERE created_at < $1", [claim.notBefore]);
    await db.query(
      "INSERT INTO idempotency_keys (publisher, key, body_hash, answer, created_at) VALUES ($1, $2, $3, $4, $5)",
      [req.publisher, claim.key, claim.bodyHash, claim.answer(built[i]!), claim.at],
    );
  }
}

/** What migrate-store copies: every row of a store. */
export interface ImportRows {
  publishers: (Publisher & { keyHash: string })[];
  batches: StoredBatch[];
  records: (StoredRecord & { proof: Buffer | null })[];
  meta: [string, string][];
  /** Supporting documents (schema 4 of SQLite on): nothing published may be lost in a move. */
  documents?: { doc: StoredDocument; body: Buffer }[];
  /** Live Idempotency-Keys with their first answers, so a retry after the move still answers them. */
  idempotencyKeys?: { publisher: string; key: string; bodyHash: string; answer: string; createdAt: number }[];
}

export class PostgresStore implements Store {
  readonly backend = "postgres" as const;
  readonly commitStats = { commits: 0, requests: 0, records: 0 };
  private readonly pool: pg.Pool;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(readonly url: string) {
    // 16 connections: a busy server holds each a while after its answer arrived (its event loop is late), and
    // on two shared cores 8 gave 3,176 proof bundles/s where 24 gave 3,581; several instances × 16 stay below
    // PostgreSQL's default max_connections (100) up to five instances.
    this.pool = new pg.Pool({ connectionString: url, max: 16, connectionTimeoutMillis: 5000, types: TYPES });
    // An idle client losing its connection (the database restarting) must not crash the process.
    this.pool.on("error", () => undefined);
  }

  async migrate(): Promise<void> {
    await this.transaction(async (db) => {
      await db.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await db.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const applied = new Set((await db.query("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const migration of PG_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await db.query(migration.sql);
        await db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          Math.floor(Date.now() / 1000),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return (await this.one<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations")).v ?? 0;
  }

  /**
   * `work` inside BEGIN … COMMIT. `opening`, a statement without parameters, goes with the BEGIN in the same
   * round trip (the simple query protocol takes several statements); its rows are handed to `work`.
   */
  private async transaction<T>(
    work: (db: pg.PoolClient, opened: Record<string, unknown>[]) => Promise<T>,
    opening?: string,
  ): Promise<T> {
    const db = await this.pool.connect().catch((error: unknown) => {
      throw unavailable(error);
    });
    // A checked-out client has no error listener (pg-pool removes it): a connection lost between two statements
    // would otherwise be an uncaught 'error' event that ends the process. The next statement fails instead.
    const ignore = () => undefined;
    db.on("error", ignore);
    let committing = false;
    try {
      const begun = await db.query(opening ? `BEGIN; ${opening}` : "BEGIN");
      const opened = Array.isArray(begun) ? (begun as pg.QueryResult[])[1]!.rows : [];
      const result = await work(db, opened);
      committing = true;
      await db.query("COMMIT");
      db.removeListener("error", ignore);
      db.release();
      return result;
    } catch (error) {
      // A failed ROLLBACK means a broken connection: destroy it rather than return it to the pool.
      const broken = await db.query("ROLLBACK").then(
        () => false,
        () => true,
      );
      db.removeListener("error", ignore);
      db.release(broken ? (error as Error) : undefined);
      // The COMMIT was sent and the connection lost before its answer: it may or may not have committed.
      if (committing && isConnectionError(error)) throw new CommitOutcomeUnknown(error);
      throw unavailable(error);
    }
  }

  /** One statement on a pooled connection; a lost database becomes STORE_UNAVAILABLE. */
  /**
   * One statement on a pooled connection; a lost database becomes STORE_UNAVAILABLE. A `name` makes it a
   * prepared statement (parsed and planned once per connection: the hot reads of every request).
   */
  private async exec(sql: string, params: unknown[] = [], name?: string): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async rows<T>(sql: string, params: unknown[] = [], name?: string): Promise<T[]> {
    return (await this.exec(sql, params, name)).rows as T[];
  }

  private async one<T>(sql: string, params: unknown[] = [], name?: string): Promise<T> {
    return (await this.rows<T>(sql, params, name))[0]!;
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
      this.flushing ??= this.flushAll();
    });
  }

  /**
   * Commits queued requests, group after group, until the queue is empty (one transaction in flight). Every
   * request is answered only once the transaction holding it has committed, or with the error that rolled it
   * back: a group that failed for one of its requests (a finisher throwing, a constraint, a key taken) is
   * retried request by request, so the others still land, each once; a database that does not answer fails
   * every request of the group at once (retrying each alone would only wait for it again and again).
   */
  private async flushAll(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      try {
        const results = await this.insertGroup(group);
        group.forEach((req, i) => req.resolve(results[i]!));
      } catch (error) {
        if (group.length === 1 || isUnavailable(error)) for (const req of group) req.reject(error);
        else for (const req of group) await this.insertGroup([req]).then(([r]) => req.resolve(r!), req.reject);
      }
    }
    this.flushing = null;
  }

  /**
   * The queued requests that go together into the next transaction: all of them, except that a second request
   * under an Idempotency-Key already in the group waits for the next one (where it finds the first's answer), so
   * retries arriving together write once and never sink their group.
   */
  private takeGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    const later: PendingAppend[] = [];
    const keys = new Set<string>();
    for (const req of this.queue) {
      const key = req.idempotency ? JSON.stringify([req.publisher, req.idempotency.key]) : null;
      if (key !== null && keys.has(key)) later.push(req);
      else {
        if (key !== null) keys.add(key);
        group.push(req);
      }
    }
    this.queue = later;
    return group;
  }

  /**
   * One group in three round trips: BEGIN with the seq counter's advance (its row lock orders the writers of
   * every instance), the records with the aggregates' deltas, COMMIT; corrections and valuations add theirs.
   * A COMMIT whose answer was lost with the connection is settled by asking the database what became of the
   * transaction (txid_status): committed, its requests are answered; otherwise they fail. Never written again.
   */
  private async insertGroup(group: readonly PendingAppend[]): Promise<StoredRecord[][]> {
    let sent: { built: StoredRecord[][]; xid: string } | null = null;
    try {
      return await this.insertGroupOnce(group, (built, xid) => (sent = { built, xid }));
    } catch (error) {
      if (!(error instanceof CommitOutcomeUnknown) || sent === null) throw error;
      const { built, xid } = sent as { built: StoredRecord[][]; xid: string };
      if ((await this.transactionStatus(xid).catch(() => null)) === "committed") return built;
      throw unavailable(error.cause);
    }
  }

  /** What became of a transaction whose COMMIT went unanswered (asked until it is no longer in progress). */
  private async transactionStatus(xid: string): Promise<string | null> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { s } = await this.one<{ s: string | null }>("SELECT txid_status($1::bigint) AS s", [xid]);
      if (s !== "in progress") return s;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return null;
  }

  private async insertGroupOnce(
    group: readonly PendingAppend[],
    building: (built: StoredRecord[][], xid: string) => void,
  ): Promise<StoredRecord[][]> {
    const count = group.reduce((n, req) => n + req.inputs.length, 0);
    if (!Number.isSafeInteger(count) || count < 1) throw new AiqynError("INVARIANT_VIOLATED", "an empty append");
    const results = await this.transaction(
      async (db, opened) => {
        const base = Number(opened[0]!.base);
        const family = await loadFamily(
          group.flatMap((req) => req.inputs.map((i) => i.corrects)),
          familyReader(db),
        );
        const built = buildRecords(group, base);
        building(built, String(opened[0]!.xid));
        const rows = built.flat();
        const effect = appendEffect(
          family,
          rows.map((r) => r.record),
        );
        await insertRecordsAndAggregates(db, rows, effect.deltas);
        if (group.some((req) => req.idempotency)) await claimKeys(db, group, built);
        await applyEffect(db, { ...effect, deltas: [] });
        return built;
      },
      // `count` is a whole number computed here, never input: safe to write into the statement.
      // Its transaction id settles a COMMIT whose answer was lost (insertGroup).
      `UPDATE counters SET value = value + ${count} WHERE name = 'seq' RETURNING value - ${count} AS base,
         txid_current()::text AS xid`,
    );
    this.commitStats.commits += 1;
    this.commitStats.requests += group.length;
    this.commitStats.records += count;
    return results;
  }

  /** Asked by every POST (validation bounds `corrects` by it): concurrent callers share a fresh read. */
  private readonly maxSeqReads = new Coalesced(
    async () =>
      (await this.one<{ value: number }>("SELECT value FROM counters WHERE name = 'seq'", [], "aiqyn-max-seq")).value,
  );

  maxSeq(): Promise<number> {
    return this.maxSeqReads.get();
  }

  /** Asked after every POST on the leader (the batcher seals early at batchMax): shared like maxSeq. */
  private readonly unsealedReads = new Coalesced(async () => {
    const row = await this.one<{ n: number }>(
      `SELECT (SELECT value FROM counters WHERE name = 'seq')
         - COALESCE((SELECT first_seq + leaf_count - 1 FROM batches ORDER BY id DESC LIMIT 1), 0) AS n`,
      [],
      "aiqyn-unsealed-count",
    );
    return row.n;
  });

  unsealedCount(): Promise<number> {
    return this.unsealedReads.get();
  }

  /**
   * Proofs of sealed records, kept as they are read: a sealed record's proof never changes (its batch's root is
   * immutable), and a proof bundle asks for the record and then its proof, a round trip saved.
   */
  private readonly proofs = new Map<number, Buffer>();

  /**
   * Anchored batches as read: an anchored batch's row is final (only resetAnchors, at a start with
   * REANCHOR_ALL, undoes it, and it empties this map), so a proof bundle's getBatch needs no round trip.
   */
  private readonly anchoredBatches = new Map<number, StoredBatch>();

  private keepBatch(batch: StoredBatch): void {
    if (batch.status !== "anchored") return;
    if (this.anchoredBatches.size >= BATCH_CACHE_SIZE)
      this.anchoredBatches.delete(this.anchoredBatches.keys().next().value!);
    this.anchoredBatches.set(batch.id, batch);
  }

  async getRecord(seq: number): Promise<StoredRecord | null> {
    // The record with its proof and its batch's row in one round trip (a proof bundle needs all three).
    const [row] = await this.rows<RecordRow & { proof: Buffer | null }>(
      `SELECT ${RECORD_COLUMNS}, r.proof, ${BATCH_AS_B} FROM ${RECORD_FROM} WHERE r.seq = $1`,
      [seq],
      "aiqyn-get-record",
    );
    if (!row) return null;
    if (row.batch_id !== null && row.proof !== null) this.keepProof(seq, row.proof);
    if (row.batch_id !== null) this.keepBatch(toBatch(unprefixed(row, "b_")));
    return toStored(row);
  }

  private keepProof(seq: number, proof: Buffer): void {
    if (this.proofs.size >= PROOF_CACHE_SIZE) this.proofs.delete(this.proofs.keys().next().value!);
    this.proofs.set(seq, proof);
  }

  async listRecords(filter: RecordFilter): Promise<StoredRecord[]> {
    const { sql, params } = listRecordsQuery(filter);
    return (await this.rows<RecordRow>(sql, params)).map(toStored);
  }

  async correctionsOf(
    seqs: readonly number[],
  ): Promise<{ seq: number; corrects: number; kind: RecordKind; standing: RecordStanding }[]> {
    if (seqs.length === 0) return [];
    return this.rows(
      "SELECT seq, corrects, kind, standing FROM records WHERE corrects = ANY($1::bigint[]) AND corrects <> 0 ORDER BY seq",
      [seqs],
    );
  }

  async aggregates(): Promise<{ rows: AggregateRow[]; holdings: RecordV1[] }> {
    const rows = await this.rows<AggregateDbRow>(
      "SELECT dim, key, count, a::text AS a, b::text AS b FROM aggregates WHERE count > 0",
    );
    const holdings = await this.rows<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM holdings h JOIN records r ON r.seq = h.seq LEFT JOIN batches b ON b.id = r.batch_id`,
    );
    return { rows: rows.map(toAggregate), holdings: holdings.map(toRecord) };
  }

  /** True when the store holds nothing yet (no record, batch or publisher): a copy may go in. */
  async isEmpty(): Promise<boolean> {
    const row = await this.one<{ n: number }>(
      "SELECT (SELECT COUNT(*) FROM records) + (SELECT COUNT(*) FROM batches) + (SELECT COUNT(*) FROM publishers) AS n",
    );
    return Number(row.n) === 0;
  }

  /**
   * Copies another store's rows in, all in one transaction (migrate-store): publishers with their ids and key
   * hashes, batches, records with their proofs, settings; then sets the counters past them.
   */
  async importRows(rows: ImportRows): Promise<void> {
    await this.transaction(async (db) => {
      for (const p of rows.publishers) {
        await db.query(
          `INSERT INTO publishers (id, name, key_hash, created_at, revoked_at, may_correct_others)
           OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)`,
          [p.id, p.name, p.keyHash, p.createdAt, p.revokedAt, p.mayCorrectOthers],
        );
      }
      await db.query(
        "SELECT setval(pg_get_serial_sequence('publishers', 'id'), GREATEST(1, (SELECT MAX(id) FROM publishers)))",
      );
      for (const b of rows.batches) {
        await db.query(
          `INSERT INTO batches (id, root, first_seq, leaf_count, status, sealed_at, tx_hash, tx_nonce, raw_tx,
             block_number, head, anchored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            b.id,
            b.root,
            b.firstSeq,
            b.leafCount,
            b.status,
            b.sealedAt,
            b.txHash,
            b.txNonce,
            b.rawTx,
            b.blockNumber,
            b.head,
            b.anchoredAt,
          ],
        );
      }
      for (let i = 0; i < rows.records.length; i += 5000) {
        const chunk = rows.records.slice(i, i + 5000);
        await db.query(RECORD_INSERT, insertColumns(chunk));
        await db.query(
          `UPDATE records r SET batch_id = u.batch_id, proof = u.proof
           FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) AS u(seq, batch_id, proof) WHERE r.seq = u.seq`,
          [chunk.map((s) => s.record.seq), chunk.map((s) => s.batchId), chunk.map((s) => s.proof)],
        );
      }
      for (const [key, value] of rows.meta)
        await db.query("INSERT INTO meta (key, value) VALUES ($1, $2)", [key, value]);
      for (const { doc, body } of rows.documents ?? []) {
        await db.query(
          "INSERT INTO documents (hash, content_type, size, publisher, stored_at, body) VALUES ($1, $2, $3, $4, $5, $6)",
          [doc.hash, doc.contentType, doc.size, doc.publisher, doc.storedAt, body],
        );
      }
      for (const k of rows.idempotencyKeys ?? []) {
        await db.query(
          "INSERT INTO idempotency_keys (publisher, key, body_hash, answer, created_at) VALUES ($1, $2, $3, $4, $5)",
          [k.publisher, k.key, k.bodyHash, k.answer, k.createdAt],
        );
      }
      const maxSeq = rows.records.reduce((m, s) => Math.max(m, s.record.seq), 0);
      const maxBatch = rows.batches.reduce((m, b) => Math.max(m, b.id), 0);
      await db.query("UPDATE counters SET value = $1 WHERE name = 'seq'", [maxSeq]);
      await db.query("UPDATE counters SET value = $1 WHERE name = 'batch'", [maxBatch]);
    });
    await this.rebuildAggregates();
    // A bulk copy leaves the planner without statistics until autovacuum comes by: gather them now.
    await this.exec("ANALYZE records");
  }

  /** Standings, aggregates and holdings from every record (after a copy: migrate-store). */
  async rebuildAggregates(): Promise<void> {
    const records = await this.allRecords();
    await this.transaction(async (db) => {
      await db.query("DELETE FROM aggregates; DELETE FROM holdings; UPDATE records SET standing = 'current'");
      await applyEffect(db, appendEffect([], records));
    });
  }

  async allRecords(): Promise<RecordV1[]> {
    return (await this.rows<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} ORDER BY r.seq`)).map(toRecord);
  }

  async recordsOfBatch(batchId: number, afterSeq: number, limit: number): Promise<StoredRecord[]> {
    const sql = `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.batch_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3`;
    return (await this.rows<RecordRow>(sql, [batchId, afterSeq, limit])).map(toStored);
  }

  async proofOf(seq: number): Promise<Hex[] | null> {
    const kept = this.proofs.get(seq);
    if (kept) return unpackProof(kept);
    const [row] = await this.rows<{ proof: Buffer | null; batch_id: number | null }>(
      "SELECT proof, batch_id FROM records WHERE seq = $1",
      [seq],
    );
    if (!row || row.batch_id === null || row.proof === null) return null;
    return unpackProof(row.proof);
  }

  async unsealedRecords(limit: number): Promise<{ record: RecordV1; leaf: Hex }[]> {
    const rows = await this.rows<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE r.batch_id IS NULL ORDER BY r.seq LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ record: toRecord(r), leaf: r.leaf as Hex }));
  }

  async sealBatch(batch: SealInput): Promise<StoredBatch> {
    if (batch.proofs.length !== batch.leafCount) throw new AiqynError("INVARIANT_VIOLATED", "one proof per leaf");
    return this.transaction(async (db) => {
      // The batch counter row serializes sealers (two leaders at once): the second waits, then fails below.
      const id = (
        await db.query<{ id: number }>(
          "UPDATE counters SET value = value + 1 WHERE name = 'batch' RETURNING value AS id",
        )
      ).rows[0]!.id;
      const last = (await db.query<BatchRow>("SELECT * FROM batches ORDER BY id DESC LIMIT 1")).rows[0];
      const expectedFirst = last ? last.first_seq + last.leaf_count : 1;
      if (batch.firstSeq !== expectedFirst) {
        throw new AiqynError("INVARIANT_VIOLATED", `batch must start at seq ${expectedFirst}, not ${batch.firstSeq}`);
      }
      const inserted = await db.query<BatchRow>(
        "INSERT INTO batches (id, root, first_seq, leaf_count, status, sealed_at) VALUES ($1, $2, $3, $4, 'sealed', $5) RETURNING *",
        [id, batch.root, batch.firstSeq, batch.leafCount, batch.sealedAt],
      );
      const seqs = Array.from({ length: batch.leafCount }, (_, i) => batch.firstSeq + i);
      const changed = await db.query(
        `UPDATE records r SET batch_id = $1, proof = u.proof FROM unnest($2::bigint[], $3::bytea[]) AS u(seq, proof)
         WHERE r.seq = u.seq AND r.batch_id IS NULL`,
        [id, seqs, batch.proofs.map(packProof)],
      );
      if (changed.rowCount !== batch.leafCount) {
        throw new AiqynError("INVARIANT_VIOLATED", `seqs ${batch.firstSeq}… are not all unsealed records`);
      }
      return toBatch(inserted.rows[0]!);
    });
  }

  async getBatch(id: number): Promise<StoredBatch | null> {
    const kept = this.anchoredBatches.get(id);
    if (kept) return { ...kept };
    const [row] = await this.rows<BatchRow>("SELECT * FROM batches WHERE id = $1", [id]);
    if (!row) return null;
    const batch = toBatch(row);
    this.keepBatch(batch);
    return { ...batch };
  }

  async listBatches(beforeId: number | null, limit: number): Promise<StoredBatch[]> {
    const rows =
      beforeId === null
        ? await this.rows<BatchRow>("SELECT * FROM batches ORDER BY id DESC LIMIT $1", [limit])
        : await this.rows<BatchRow>("SELECT * FROM batches WHERE id < $1 ORDER BY id DESC LIMIT $2", [beforeId, limit]);
    return rows.map(toBatch);
  }

  async nextUnanchoredBatch(): Promise<StoredBatch | null> {
    const [row] = await this.rows<BatchRow>("SELECT * FROM batches WHERE status <> 'anchored' ORDER BY id LIMIT 1");
    return row ? toBatch(row) : null;
  }

  async markSubmitted(id: number, tx: { txHash: Hex; nonce: number; rawTx: Hex }): Promise<void> {
    await this.exec(
      "UPDATE batches SET status = 'submitted', tx_hash = $1, tx_nonce = $2, raw_tx = $3 WHERE id = $4 AND status <> 'anchored'",
      [tx.txHash, tx.nonce, tx.rawTx, id],
    );
  }

  async markAnchored(id: number, info: AnchoredInfo): Promise<void> {
    await this.exec(
      `UPDATE batches SET status = 'anchored', tx_hash = $1, block_number = $2, head = $3, anchored_at = $4, raw_tx = NULL
       WHERE id = $5`,
      [info.txHash, info.blockNumber, info.head, info.anchoredAt, id],
    );
  }

  async resetAnchors(): Promise<number> {
    this.anchoredBatches.clear();
    const result = await this.exec(
      `UPDATE batches SET status = 'sealed', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
         head = NULL, anchored_at = NULL WHERE status <> 'sealed'`,
    );
    return result.rowCount ?? 0;
  }

  async counts(): Promise<StoreCounts> {
    const records = await this.maxSeq();
    const byStatus = await this.rows<{ status: string; n: number; leaves: number }>(
      "SELECT status, batches AS n, leaves FROM batch_totals",
    );
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
    // As in SQLite: the oldest pending record is the first seq of the lowest unanchored batch, or the first
    // unsealed seq: a primary-key lookup.
    const [first] = await this.rows<{ s: number }>(
      "SELECT first_seq AS s FROM batches WHERE status <> 'anchored' ORDER BY id LIMIT 1",
    );
    const firstPending = first?.s ?? sealedLeaves + 1;
    const [oldest] =
      firstPending <= records
        ? await this.rows<{ p: number }>("SELECT published_at AS p FROM records WHERE seq = $1", [firstPending])
        : [];
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
    try {
      const row = await this.one<PublisherRow>(
        `INSERT INTO publishers (name, key_hash, created_at, may_correct_others) VALUES ($1, $2, $3, $4)
         RETURNING id, name, created_at, revoked_at, may_correct_others`,
        [name, keyHash, now, rights.mayCorrectOthers === true],
      );
      return toPublisher(row);
    } catch (cause) {
      if ((cause as { code?: string }).code === "23505") {
        throw new AiqynError("PUBLISHER_EXISTS", `a publisher named ${name} exists already`, { cause });
      }
      throw cause;
    }
  }

  async listPublishers(): Promise<Publisher[]> {
    const rows = await this.rows<PublisherRow>(
      "SELECT id, name, created_at, revoked_at, may_correct_others FROM publishers ORDER BY id",
    );
    return rows.map(toPublisher);
  }

  async revokePublisher(name: string, now: number): Promise<boolean> {
    const result = await this.exec("UPDATE publishers SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL", [
      now,
      name,
    ]);
    return result.rowCount === 1;
  }

  /** Every authenticated request reads its key's publisher: concurrent requests with one key share a fresh read. */
  private readonly publisherReads = new CoalescedByKey(async (keyHash) => {
    const [row] = await this.rows<PublisherRow>(
      "SELECT id, name, created_at, revoked_at, may_correct_others FROM publishers WHERE key_hash = $1",
      [keyHash],
      "aiqyn-publisher-by-key",
    );
    return row ? toPublisher(row) : null;
  });

  publisherByKeyHash(keyHash: string): Promise<Publisher | null> {
    return this.publisherReads.get(keyHash);
  }

  async idempotentAnswer(publisher: string, key: string, notBefore: number): Promise<IdempotentAnswer | null> {
    const [row] = await this.rows<IdempotencyRow>(
      "SELECT body_hash, answer, created_at FROM idempotency_keys WHERE publisher = $1 AND key = $2 AND created_at >= $3",
      [publisher, key, notBefore],
    );
    return row ? { bodyHash: row.body_hash, answer: row.answer, at: Number(row.created_at) } : null;
  }

  async putDocument(doc: StoredDocument, body: Uint8Array): Promise<boolean> {
    const result = await this.exec(
      `INSERT INTO documents (hash, content_type, size, publisher, stored_at, body) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (hash) DO NOTHING`,
      [doc.hash, doc.contentType, doc.size, doc.publisher, doc.storedAt, Buffer.from(body)],
    );
    return result.rowCount === 1;
  }

  async getDocument(hash: Hex): Promise<{ doc: StoredDocument; body: Buffer } | null> {
    const [row] = await this.rows<DocumentRow & { body: Buffer }>(
      "SELECT hash, content_type, size, publisher, stored_at, body FROM documents WHERE hash = $1",
      [hash.toLowerCase()],
    );
    return row ? { doc: toDocument(row), body: row.body } : null;
  }

  async getMeta(key: string): Promise<string | null> {
    const [row] = await this.rows<{ value: string }>("SELECT value FROM meta WHERE key = $1", [key]);
    return row?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.exec(
      "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, value],
    );
  }

  /** The database's size on disk (for the soak's figures). */
  async databaseBytes(): Promise<number> {
    return Number((await this.one<{ n: number }>("SELECT pg_database_size(current_database()) AS n")).n);
  }

  async ping(): Promise<void> {
    await this.exec("SELECT 1");
  }

  /**
   * Tries to become the anchoring leader: a session advisory lock on a connection of its own (outside the
   * pool). The lock lives exactly as long as that connection; the server drops it when the process dies.
   */
  async tryLead(leaseMs: number): Promise<LeaderSession | null> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: leaseMs, types: TYPES });
    let lost = false;
    client.on("error", () => {
      lost = true;
    });
    try {
      await client.connect();
      // The database notices a vanished leader's connection within about a lease (TCP keepalive).
      const keepalive = Math.max(1, Math.floor(leaseMs / 3000));
      await client.query(
        `SET tcp_keepalives_idle = ${keepalive}; SET tcp_keepalives_interval = ${keepalive}; SET tcp_keepalives_count = 3`,
      );
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LEADER_LOCK_KEY]);
      if (!rows[0]!.ok) {
        await client.end();
        return null;
      }
    } catch {
      await client.end().catch(() => undefined);
      return null;
    }
    return {
      async check() {
        if (lost) return false;
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("timeout")), leaseMs / 2).unref(),
        );
        try {
          await Promise.race([client.query("SELECT 1"), timeout]);
          return true;
        } catch {
          lost = true;
          return false;
        }
      },
      async release() {
        await client.end().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Finish the writes already queued: their callers are waiting for an answer.
    await this.flushing;
    await this.pool.end();
  }
}

export async function openPostgresStore(url: string): Promise<PostgresStore> {
  const store = new PostgresStore(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
