/**
 * The domain functions behind the HTTP routes: one per route, each taking already-extracted input and
 * returning the answer's body or throwing a ProblemError. No Express in here.
 */
import {
  BUNDLE_FORMAT,
  LIMITS,
  RECORD_KIND_NAMES,
  isRecordKind,
  leafHash,
  validateRecordInput,
  type FieldProblem,
  type Hex,
  type Keccak,
  type ProofBundle,
  type Receipt,
  type RecordInput,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
  type Stats,
} from "../core";
import type { BatchInfo as BatchView, RegistryInfo } from "../core";
import type { Anchorer } from "./anchorer";
import type { Batcher } from "./batcher";
import type { Leadership, LeaderStatus } from "./leader";
import type { ChainClient } from "./chain";
import type { ServerConfig } from "./config";
import type { ReceiptSigner } from "./crypto";
import { ProblemError, invalidParameter } from "./problem";
import { storeProblem } from "./problem-store";
import { statsFromAggregates } from "./store/aggregates";
import type { Store, StoredBatch, StoredRecord } from "./store/types";

export const MAX_BULK_RECORDS = 1000;
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;
/**
 * A batch's records come in pages of at most this many, all of them by default: a batch of the default
 * BATCH_MAX (10 000) is one page, as before pagination; larger batches (BATCH_MAX up to 100 000) take nextCursor.
 */
export const MAX_BATCH_PAGE = 10_000;
/** Proof bundles kept as JSON text (about 2 KB each). */
const BUNDLE_CACHE_SIZE = 20_000;

export interface RecordItem {
  record: RecordV1;
  leaf: Hex;
  status: "pending" | "anchored";
  batchId: number | null;
  receipt: Receipt;
  standing: RecordStanding;
  correctedBy: number[];
}

export interface ReadinessCheck {
  ok: boolean;
  message: string;
  [extra: string]: unknown;
}

export interface ServiceDeps {
  store: Store;
  keccak: Keccak;
  signer: ReceiptSigner;
  chain: ChainClient;
  config: ServerConfig;
  deploymentBlock: number;
  batcher: Batcher;
  anchorer: Anchorer;
  leadership?: Pick<Leadership, "status">;
  now?: () => number;
  onAccepted?: (count: number) => void;
  onStoreError?: (error: unknown) => void;
}

type Query = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A path or query integer: digits only, within [min, MAX_SAFE_INTEGER]. */
export function parseIntParam(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw invalidParameter(name, `must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function optionalString(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidParameter(name, "must be given once, as a plain string");
  return value;
}

/** Unknown query parameters are refused: a typo must not silently widen a filter. */
function onlyParams(query: Query, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name))
      throw invalidParameter(name.slice(0, 50), `is not a parameter here (known: ${allowed.join(", ")})`);
  }
}

function encodeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), "utf8").toString("base64url");
}

function decodeCursor(text: string): number {
  try {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) throw new Error("shape");
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { p?: unknown };
    if (typeof value.p === "number" && Number.isSafeInteger(value.p) && value.p >= 0) return value.p;
  } catch {
    /* fall through */
  }
  throw invalidParameter("cursor", "is not a cursor this server gave out");
}

/** The one pagination rule: `limit` (default DEFAULT_PAGE, at most `max`) and an opaque `cursor`. */
function pageParams(
  query: Query,
  max: number,
  byDefault = DEFAULT_PAGE,
): { limit: number; cursor: number | undefined } {
  const limitText = optionalString(query, "limit");
  const limit = limitText === undefined ? byDefault : parseIntParam("limit", limitText, 1, max);
  const cursor = optionalString(query, "cursor");
  return { limit, cursor: cursor === undefined ? undefined : decodeCursor(cursor) };
}

/** A page asked for with limit + 1 rows: the rows shown and the cursor of the next page (null at the end). */
function pageOf<T>(rows: T[], limit: number, position: (row: T) => number): { shown: T[]; next: string | null } {
  if (rows.length <= limit) return { shown: rows, next: null };
  const shown = rows.slice(0, limit);
  return { shown, next: encodeCursor(position(shown[limit - 1]!)) };
}

/** Who seals and anchors: this instance or another one (informational: a follower is ready too). */
function leadershipCheck(status: LeaderStatus | undefined): ReadinessCheck {
  if (!status) return { ok: true, message: "this instance leads sealing and anchoring", leading: true };
  const message = status.leading
    ? "this instance leads sealing and anchoring"
    : `instance ${status.leader ?? "(none yet)"} leads sealing and anchoring; this one serves and accepts writes`;
  return { ok: true, message, leading: status.leading, instance: status.instance, leader: status.leader };
}

export function batchView(b: StoredBatch): BatchView {
  return {
    id: b.id,
    root: b.root,
    firstSeq: b.firstSeq,
    leafCount: b.leafCount,
    status: b.status,
    txHash: b.txHash,
    blockNumber: b.status === "anchored" ? b.blockNumber : null,
    head: b.status === "anchored" ? b.head : null,
    anchoredAt: b.status === "anchored" ? b.anchoredAt : null,
    sealedAt: b.sealedAt,
  };
}

export function createService(deps: ServiceDeps) {
  const { store, keccak, signer, chain, config } = deps;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  // Oldest-first eviction (a Map keeps insertion order); only bundles of anchored records get here. Anchors
  // are reset (REANCHOR) only at start-up, before this process serves anything.
  const bundleCache = new Map<number, string>();

  const receiptOf = (s: StoredRecord): Receipt => ({
    seq: s.record.seq,
    leaf: s.leaf,
    publishedAt: s.record.publishedAt,
    signer: s.signer,
    signature: s.signature,
  });

  /**
   * The standing is the store's, kept by core's recordStandings at write time; correctedBy lists the
   * correctors with effect (core's effectiveCorrectors: a retracted correction has none).
   */
  async function items(stored: StoredRecord[]): Promise<RecordItem[]> {
    const correctors = new Map<number, number[]>();
    for (const c of await store.correctionsOf(stored.map((s) => s.record.seq))) {
      if (c.standing === "retracted") continue;
      correctors.set(c.corrects, [...(correctors.get(c.corrects) ?? []), c.seq]);
    }
    return stored.map((s) => ({
      record: s.record,
      leaf: s.leaf,
      status: s.batchStatus === "anchored" ? "anchored" : "pending",
      batchId: s.batchId,
      receipt: receiptOf(s),
      standing: s.standing,
      correctedBy: correctors.get(s.record.seq) ?? [],
    }));
  }

  async function requireRecord(seq: number): Promise<StoredRecord> {
    const stored = await store.getRecord(seq);
    if (!stored) throw new ProblemError(404, "RECORD_NOT_FOUND", `there is no record with seq ${seq}`);
    return stored;
  }

  /** A publisher corrects or retracts only its own records unless an operator gave it that right. */
  async function requireOwnCorrections(publisher: string, inputs: readonly RecordInput[]): Promise<void> {
    const targets = [...new Set(inputs.map((i) => i.corrects).filter((seq) => seq !== 0))];
    for (const seq of targets) {
      const target = await store.getRecord(seq);
      if (target && target.record.publisher !== publisher) {
        throw new ProblemError(
          403,
          "CORRECTION_NOT_OWN",
          `record ${seq} was published by ${target.record.publisher}; ${publisher} may correct or retract only its own ` +
            "records unless an operator allows it (npm run publisher -- add NAME --may-correct-others)",
          { corrects: seq },
        );
      }
    }
  }

  async function requireBatch(id: number): Promise<StoredBatch> {
    const batch = await store.getBatch(id);
    if (!batch) throw new ProblemError(404, "BATCH_NOT_FOUND", `there is no batch ${id}`);
    return batch;
  }

  return guardStore({
    /** POST /api/v1/records: validate everything, then append atomically, then answer with receipts. */
    async ingest(
      publisher: string,
      body: unknown,
      rights: { mayCorrectOthers: boolean } = { mayCorrectOthers: false },
    ): Promise<{ receipts: Receipt[] }> {
      const at = now();
      let inputs: unknown[];
      let prefix: (i: number) => string;
      const problems: FieldProblem[] = [];
      if (isPlainObject(body) && Object.prototype.hasOwnProperty.call(body, "records")) {
        for (const key of Object.keys(body)) {
          if (key !== "records")
            problems.push({
              field: key.slice(0, 100),
              code: "FIELD_UNKNOWN",
              message: "a bulk body has only `records`",
            });
        }
        if (!Array.isArray(body.records)) {
          throw new ProblemError(400, "INVALID_RECORD", "records must be an array", {
            errors: [{ field: "records", code: "WRONG_TYPE", message: "records must be an array of record objects" }],
          });
        }
        if (body.records.length === 0 || body.records.length > MAX_BULK_RECORDS) {
          throw new ProblemError(400, "INVALID_RECORD", `a bulk request carries 1 to ${MAX_BULK_RECORDS} records`, {
            errors: [
              { field: "records", code: "BULK_SIZE", message: `records must hold 1 to ${MAX_BULK_RECORDS} records` },
            ],
          });
        }
        inputs = body.records;
        prefix = (i) => `records/${i}`;
      } else {
        inputs = [body];
        prefix = () => "";
      }
      const valid: RecordInput[] = [];
      const maxSeq = await store.maxSeq();
      inputs.forEach((input, i) => {
        const result = validateRecordInput(input, { now: at });
        const at_ = (field: string) => [prefix(i), field].filter(Boolean).join("/");
        if (!result.ok) {
          problems.push(...result.errors.map((p) => ({ ...p, field: at_(p.field) })));
          return;
        }
        if (result.value.corrects > maxSeq) {
          problems.push({
            field: at_("corrects"),
            code: "CORRECTS_UNKNOWN",
            message: `corrects names seq ${result.value.corrects}, which does not exist`,
          });
          return;
        }
        valid.push(result.value);
      });
      if (problems.length > 0) {
        const first = problems[0]!;
        throw new ProblemError(
          400,
          "INVALID_RECORD",
          `${problems.length} problem(s); first: ${first.field || "(record)"}: ${first.message}`,
          {
            errors: problems.slice(0, 1000),
          },
        );
      }
      if (!rights.mayCorrectOthers) await requireOwnCorrections(publisher, valid);
      let stored: StoredRecord[];
      try {
        stored = await store.appendRecords(
          valid,
          publisher,
          (record) => {
            const leaf = leafHash(record, keccak);
            return { leaf, signature: signer.sign(record.seq, leaf, record.publishedAt), signer: signer.address };
          },
          now,
        );
      } catch (cause) {
        deps.onStoreError?.(cause);
        // The transaction rolled back: nothing of this request is stored, so a retry is always safe.
        if ((cause as { code?: unknown })?.code === "SQLITE_FULL") {
          throw new ProblemError(
            503,
            "STORE_FULL",
            "the store is out of disk space; nothing was accepted, retry later",
          );
        }
        throw new ProblemError(
          503,
          "STORE_UNAVAILABLE",
          "the record could not be stored; nothing was accepted, retry later",
        );
      }
      deps.onAccepted?.(stored.length);
      void deps.batcher.recordsAdded().catch((error: unknown) => deps.onStoreError?.(error));
      return { receipts: stored.map(receiptOf) };
    },

    async getRecord(seq: number): Promise<RecordItem> {
      return (await items([await requireRecord(seq)]))[0]!;
    },

    async listRecords(query: Query): Promise<{ records: RecordItem[]; nextCursor: string | null }> {
      onlyParams(query, ["kind", "asset", "from", "to", "cursor", "limit"]);
      const kind = optionalString(query, "kind");
      if (kind !== undefined && !isRecordKind(kind))
        throw invalidParameter("kind", `must be one of ${RECORD_KIND_NAMES.join(", ")}`);
      const asset = optionalString(query, "asset");
      if (asset !== undefined && !LIMITS.assetPattern.test(asset))
        throw invalidParameter("asset", "must be 1–16 characters of A–Z, 0–9, '.' and '-'");
      const fromText = optionalString(query, "from");
      const toText = optionalString(query, "to");
      const from = fromText === undefined ? undefined : parseIntParam("from", fromText, 0);
      const to = toText === undefined ? undefined : parseIntParam("to", toText, 0);
      const { limit, cursor: afterSeq } = pageParams(query, MAX_PAGE);
      const page = await store.listRecords({
        kind: kind as RecordKind | undefined,
        asset,
        from,
        to,
        afterSeq,
        limit: limit + 1,
      });
      const { shown, next } = pageOf(page, limit, (s) => s.record.seq);
      return { records: await items(shown), nextCursor: next };
    },

    /**
     * The bundle as JSON text. An anchored record's bundle never changes (record, proof, batch and anchor are
     * all final), so the text is kept in a small cache: serving a bundle is then one Map lookup.
     */
    async proofBundleJson(seq: number): Promise<string> {
      const cached = bundleCache.get(seq);
      if (cached !== undefined) return cached;
      const json = JSON.stringify(await this.proofBundle(seq)); // throws (409) unless anchored: never cached
      if (bundleCache.size >= BUNDLE_CACHE_SIZE) bundleCache.delete(bundleCache.keys().next().value!);
      bundleCache.set(seq, json);
      return json;
    },

    async proofBundle(seq: number): Promise<ProofBundle> {
      const stored = await requireRecord(seq);
      const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
      if (!batch || batch.status !== "anchored" || batch.txHash === null || batch.blockNumber === null) {
        throw new ProblemError(
          409,
          "BATCH_NOT_ANCHORED",
          `record ${seq} is accepted but its batch is not anchored yet`,
          {
            receipt: receiptOf(stored),
            batchId: stored.batchId,
          },
        );
      }
      return {
        format: BUNDLE_FORMAT,
        record: stored.record,
        leaf: stored.leaf,
        proof: (await store.proofOf(seq)) ?? [],
        batch: { id: batch.id, root: batch.root, firstSeq: batch.firstSeq, leafCount: batch.leafCount },
        anchor: {
          chainId: chain.chainId,
          registry: chain.registry,
          txHash: batch.txHash,
          blockNumber: batch.blockNumber,
        },
        receipt: receiptOf(stored),
      };
    },

    async listBatches(query: Query): Promise<{ batches: BatchView[]; nextCursor: string | null }> {
      onlyParams(query, ["cursor", "limit"]);
      const { limit, cursor } = pageParams(query, MAX_PAGE);
      const page = await store.listBatches(cursor ?? null, limit + 1);
      const { shown, next } = pageOf(page, limit, (b) => b.id);
      return { batches: shown.map(batchView), nextCursor: next };
    },

    async getBatch(id: number): Promise<BatchView> {
      return batchView(await requireBatch(id));
    },

    /** One page of a batch's records in seq order (a batch holds up to BATCH_MAX records). */
    async batchRecords(
      id: number,
      query: Query = {},
    ): Promise<{ batch: BatchView; records: { record: RecordV1; leaf: Hex }[]; nextCursor: string | null }> {
      onlyParams(query, ["cursor", "limit"]);
      const { limit, cursor } = pageParams(query, MAX_BATCH_PAGE, MAX_BATCH_PAGE);
      const batch = await requireBatch(id);
      const afterSeq = Math.max(cursor ?? 0, batch.firstSeq - 1);
      const page = await store.recordsOfBatch(id, afterSeq, limit + 1);
      const { shown, next } = pageOf(page, limit, (s) => s.record.seq);
      return {
        batch: batchView(batch),
        records: shown.map((s) => ({ record: s.record, leaf: s.leaf })),
        nextCursor: next,
      };
    },

    /** Totals from the batch counts, the rest from the aggregates kept at write time: no record is re-read. */
    async stats(): Promise<Stats> {
      const [counts, { rows, holdings }] = await Promise.all([store.counts(), store.aggregates()]);
      const totals = {
        records: counts.records,
        anchored: counts.anchored,
        pending: counts.pending,
        batches: counts.batches,
      };
      return statsFromAggregates(rows, holdings, totals);
    },

    registryInfo(): RegistryInfo {
      return {
        chainId: chain.chainId,
        registry: chain.registry,
        deploymentBlock: deps.deploymentBlock,
        rpcUrl: config.publicRpcUrl ?? config.rpcUrl,
        explorerUrl: config.explorerUrl,
        receiptSigner: signer.address,
        maxAnchorDelaySeconds: config.maxAnchorDelaySeconds,
      };
    },

    async readiness(): Promise<{ ready: boolean; checks: Record<string, ReadinessCheck> }> {
      const checks: Record<string, ReadinessCheck> = {};
      try {
        await store.ping();
        checks.store = { ok: true, message: "the store answers" };
      } catch (error) {
        checks.store = { ok: false, message: `the store does not answer: ${(error as Error).message}` };
      }
      try {
        const block = await Promise.race([
          chain.provider.getBlockNumber(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 3 s")), 3000).unref()),
        ]);
        checks.chain = { ok: true, message: `the chain answers (block ${block})` };
      } catch (error) {
        checks.chain = { ok: false, message: `the chain does not answer: ${(error as Error).message.slice(0, 200)}` };
      }
      const status = deps.anchorer.snapshot();
      let counts;
      try {
        counts = await store.counts();
      } catch {
        counts = null;
      }
      const oldestAge =
        counts?.oldestPendingPublishedAt == null ? null : Math.max(0, now() - counts.oldestPendingPublishedAt);
      const overdue = oldestAge !== null && oldestAge > config.maxAnchorDelaySeconds;
      const message = status.halted
        ? `anchoring halted: ${status.halted.message}`
        : status.lastError
          ? `anchoring is retrying after ${status.consecutiveFailures} failure(s): ${status.lastError.code}: ${status.lastError.message}`
          : overdue
            ? `a record has waited ${oldestAge} s, more than the promised ${config.maxAnchorDelaySeconds} s`
            : "anchoring normally";
      checks.anchoring = {
        ok: !status.halted && !status.lastError && !overdue,
        message,
        pendingRecords: counts?.pending ?? null,
        oldestPendingAgeSeconds: oldestAge,
        lastError: status.halted ?? status.lastError,
      };
      checks.leadership = leadershipCheck(deps.leadership?.status());
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    },
  });
}

const STORE_READS = [
  "ingest",
  "getRecord",
  "listRecords",
  "proofBundleJson",
  "proofBundle",
  "listBatches",
  "getBatch",
  "batchRecords",
  "stats",
] as const;

/** The methods that read or write the store answer 503 STORE_UNAVAILABLE while the database is away. */
function guardStore<T extends Record<(typeof STORE_READS)[number], (...args: never[]) => Promise<unknown>>>(
  service: T,
): T {
  for (const name of STORE_READS) {
    const method = service[name] as (...args: unknown[]) => Promise<unknown>;
    (service as Record<string, unknown>)[name] = async function (this: T, ...args: unknown[]) {
      try {
        return await method.apply(this, args);
      } catch (error) {
        throw storeProblem(error);
      }
    };
  }
  return service;
}

export type Service = ReturnType<typeof createService>;
