/**
 * `ops migrate-store --from <sqlite file> --to <postgres url>`: moves a registry's store from SQLite to
 * PostgreSQL. Copies every publisher (with its key hash: keys keep working), batch, record with its proof,
 * receipt fields and setting, every stored document and live Idempotency-Key, in one transaction into an empty database; then, from the copy, recomputes
 * every record's leaf, every batch root and every proof and compares them with the source and with the
 * chain's batch(id) before it says done. The source file is only read.
 */
import fs from "node:fs";
import Database from "better-sqlite3";
import { AiqynError, bytesToHex, createRegistryReader, type Hex, type Keccak, type RecordV1 } from "../../core";
import { createFastKeccak } from "../../server/crypto";
import { computeBatch } from "../../server/anchoring/seal";
import { openPostgresStore, type ImportRows, type PostgresStore } from "../../server/store/postgres";
import {
  toBatch,
  toDocument,
  toStored,
  type BatchRow,
  type DocumentRow,
  type RecordRow,
} from "../../server/store/internal/rows";
import { UsageError } from "./args";
import { resolveRegistry, type CommandContext } from "./commands";

export interface MigrateOptions {
  from: string;
  to: string;
  /** The chain's batch(id) root, or null when the chain has no such batch. */
  chainRoot(batchId: number): Promise<string | null>;
  log(line: string): void;
}

export interface MigrateReport {
  records: number;
  batches: number;
  anchoredBatches: number;
  publishers: number;
}

/** Every row of the SQLite store at `file`, read-only (any schema version the server ever wrote). */
export function readSqliteRows(file: string): ImportRows {
  if (!fs.existsSync(file)) throw new AiqynError("MIGRATE_SOURCE_MISSING", `no SQLite store at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const publishers = (db.prepare("SELECT * FROM publishers ORDER BY id").all() as Record<string, unknown>[]).map(
      (p) => ({
        id: p.id as number,
        name: p.name as string,
        keyHash: p.key_hash as string,
        createdAt: p.created_at as number,
        revokedAt: (p.revoked_at as number | null) ?? null,
        mayCorrectOthers: Boolean(p.may_correct_others),
      }),
    );
    const batches = (db.prepare("SELECT * FROM batches ORDER BY id").all() as BatchRow[]).map(toBatch);
    const records = (
      db
        .prepare(
          "SELECT r.*, b.status AS batch_status FROM records r LEFT JOIN batches b ON b.id = r.batch_id ORDER BY r.seq",
        )
        .all() as (RecordRow & { proof: Buffer | null })[]
    ).map((row) => ({ ...toStored({ ...row, standing: "current" }), proof: row.proof }));
    const meta = (db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[])
      .filter((m) => m.key !== "aggregates")
      .map((m): [string, string] => [m.key, m.value]);
    return { publishers, batches, records, meta, ...publishingRows(db) };
  } finally {
    db.close();
  }
}

/** Documents and Idempotency-Keys, in a store of schema 4 or later (an older one has none). */
function publishingRows(db: Database.Database): Pick<ImportRows, "documents" | "idempotencyKeys"> {
  const has = (table: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  if (!has("documents")) return {};
  const documents = (
    db.prepare("SELECT * FROM documents ORDER BY hash").all() as (DocumentRow & { body: Buffer })[]
  ).map((row) => ({ doc: toDocument(row), body: row.body }));
  const idempotencyKeys = (
    db.prepare("SELECT * FROM idempotency_keys").all() as {
      publisher: string;
      key: string;
      body_hash: string;
      answer: string;
      created_at: number;
    }[]
  ).map((k) => ({
    publisher: k.publisher,
    key: k.key,
    bodyHash: k.body_hash,
    answer: k.answer,
    createdAt: k.created_at,
  }));
  return { documents, idempotencyKeys };
}

export async function migrateStore(options: MigrateOptions): Promise<MigrateReport> {
  const source = readSqliteRows(options.from);
  const seqs = source.records.map((r) => r.record.seq);
  if (seqs.some((seq, i) => seq !== i + 1)) {
    throw new AiqynError("MIGRATE_SOURCE_GAP", "the source's seqs are not 1, 2, 3 … without a gap: refusing to copy");
  }
  options.log(`read ${source.records.length} records, ${source.batches.length} batches from ${options.from}`);
  const target = await openPostgresStore(options.to);
  try {
    if (!(await target.isEmpty())) {
      throw new AiqynError("MIGRATE_TARGET_NOT_EMPTY", "the target database already holds a store: refusing to mix");
    }
    await target.importRows(source);
    options.log("copied; checking the copy against the source and the chain");
    const keccak = await createFastKeccak();
    let anchoredBatches = 0;
    for (const batch of source.batches) {
      await checkBatch(target, batch, keccak, options);
      if (batch.status === "anchored") anchoredBatches += 1;
    }
    await checkCounts(target, source);
    options.log(
      `done: ${source.records.length} records, ${source.batches.length} batches (${anchoredBatches} anchored, roots ` +
        `equal to the chain's), ${source.publishers.length} publishers`,
    );
    return {
      records: source.records.length,
      batches: source.batches.length,
      anchoredBatches,
      publishers: source.publishers.length,
    };
  } finally {
    await target.close();
  }
}

/** One batch of the copy: leaves, root and proofs recomputed from the copied records; root against the chain. */
async function checkBatch(
  target: PostgresStore,
  batch: ImportRows["batches"][number],
  keccak: Keccak,
  options: MigrateOptions,
): Promise<void> {
  const copied = await target.recordsOfBatch(batch.id, batch.firstSeq - 1, batch.leafCount);
  const fail = (what: string) => {
    throw new AiqynError("MIGRATE_CHECK_FAILED", `batch ${batch.id}: ${what}`);
  };
  if (copied.length !== batch.leafCount) fail(`${copied.length} records copied, ${batch.leafCount} expected`);
  const computed = computeBatch(
    copied.map((s) => s.record as RecordV1),
    keccak,
  );
  if (computed.root !== batch.root.toLowerCase()) fail(`recomputed root ${computed.root} ≠ stored ${batch.root}`);
  for (const [i, s] of copied.entries()) {
    if (bytesToHex(computed.leaves[i]!) !== s.leaf.toLowerCase()) fail(`seq ${s.record.seq}: leaf differs`);
    const proof = (await target.proofOf(s.record.seq)) ?? [];
    const packed = computed.proofs.data.subarray(computed.proofs.offsets[i]!, computed.proofs.offsets[i + 1]!);
    if (bytesToHex(packed) !== `0x${proof.map((p: Hex) => p.slice(2)).join("")}`.toLowerCase())
      fail(`seq ${s.record.seq}: proof differs`);
  }
  const onChain = await options.chainRoot(batch.id);
  if (batch.status === "anchored" && onChain === null) fail("anchored in the store but absent from the chain");
  if (onChain !== null && onChain.toLowerCase() !== computed.root) fail(`the chain's root ${onChain} differs`);
}

async function checkCounts(target: PostgresStore, source: ImportRows): Promise<void> {
  const counts = await target.counts();
  const publishers = await target.listPublishers();
  if (counts.records !== source.records.length || counts.batches !== source.batches.length) {
    throw new AiqynError("MIGRATE_CHECK_FAILED", "the copy's record or batch count differs from the source");
  }
  if (publishers.length !== source.publishers.length) {
    throw new AiqynError("MIGRATE_CHECK_FAILED", "the copy's publisher count differs from the source");
  }
}

/** The ops CLI's migrate-store: the registry of --network (or --registry) is the chain the copy is checked against. */
export async function migrateStoreCommand(ctx: CommandContext, from?: string, to?: string): Promise<void> {
  if (!from || !to) throw new UsageError("migrate-store needs --from SQLITE_FILE and --to postgres://…");
  if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError("--to must be a postgres:// or postgresql:// URL");
  const r = await resolveRegistry(ctx);
  const provider = ctx.hre.ethers.provider;
  const reader = createRegistryReader((method, params) => provider.send(method, params as unknown[]), r.address);
  await migrateStore({
    from,
    to,
    chainRoot: async (id) => (await reader.batch(id))?.root ?? null,
    log: ctx.log,
  });
}
