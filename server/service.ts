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
import type { ChainClient } from "./chain";
import type { ServerConfig } from "./config";
import type { ReceiptSigner } from "./crypto";
import { ProblemError, invalidParameter } from "./problem";
import { computeStats } from "./stats";
import type { Store, StoredBatch, StoredRecord } from "./store/types";

export const MAX_BULK_RECORDS = 1000;
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;
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

export interface ServiceDeps {
  store: Store;
  keccak: Keccak;
  signer: ReceiptSigner;
  chain: ChainClient;
  config: ServerConfig;
  deploymentBlock: number;
  batcher: Batcher;
  anchorer: Anchorer;
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
  let statsCache: { key: string; stats: Stats; at: number; computeMs: number } | null = null;

  const receiptOf = (s: StoredRecord): Receipt => ({
    seq: s.record.seq,
    leaf: s.leaf,
    publishedAt: s.record.publishedAt,
    signer: s.signer,
    signature: s.signature,
  });

  function items(stored: StoredRecord[]): RecordItem[] {
    const corrections = store.correctionsOf(stored.map((s) => s.record.seq));
    return stored.map((s) => {
      const mine = corrections.filter((c) => c.corrects === s.record.seq);
      const standing: RecordStanding = mine.some((c) => c.kind === "RETRACTION")
        ? "retracted"
        : mine.length > 0
          ? "superseded"
          : "current";
      return {
        record: s.record,
        leaf: s.leaf,
        status: s.batchStatus === "anchored" ? "anchored" : "pending",
        batchId: s.batchId,
        receipt: receiptOf(s),
        standing,
        correctedBy: mine.map((c) => c.seq),
      };
    });
  }

  function requireRecord(seq: number): StoredRecord {
    const stored = store.getRecord(seq);
    if (!stored) throw new ProblemError(404, "RECORD_NOT_FOUND", `there is no record with seq ${seq}`);
    return stored;
  }

  function requireBatch(id: number): StoredBatch {
    const batch = store.getBatch(id);
    if (!batch) throw new ProblemError(404, "BATCH_NOT_FOUND", `there is no batch ${id}`);
    return batch;
  }

  return {
    /** POST /api/v1/records: validate everything, then append atomically, then answer with receipts. */
    async ingest(publisher: string, body: unknown): Promise<{ receipts: Receipt[] }> {
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
      const maxSeq = store.maxSeq();
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
      deps.batcher.recordsAdded();
      return { receipts: stored.map(receiptOf) };
    },

    getRecord(seq: number): RecordItem {
      return items([requireRecord(seq)])[0]!;
    },

    listRecords(query: Query): { records: RecordItem[]; nextCursor: string | null } {
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
      const limitText = optionalString(query, "limit");
      const limit = limitText === undefined ? DEFAULT_PAGE : parseIntParam("limit", limitText, 1, MAX_PAGE);
      const cursor = optionalString(query, "cursor");
      const afterSeq = cursor === undefined ? undefined : decodeCursor(cursor);
      const page = store.listRecords({
        kind: kind as RecordKind | undefined,
        asset,
        from,
        to,
        afterSeq,
        limit: limit + 1,
      });
      const more = page.length > limit;
      const shown = more ? page.slice(0, limit) : page;
      return { records: items(shown), nextCursor: more ? encodeCursor(shown[shown.length - 1]!.record.seq) : null };
    },

    /**
     * The bundle as JSON text. An anchored record's bundle never changes (record, proof, batch and anchor are
     * all final), so the text is kept in a small cache: serving a bundle is then one Map lookup.
     */
    proofBundleJson(seq: number): string {
      const cached = bundleCache.get(seq);
      if (cached !== undefined) return cached;
      const json = JSON.stringify(this.proofBundle(seq)); // throws (409) unless anchored: never cached
      if (bundleCache.size >= BUNDLE_CACHE_SIZE) bundleCache.delete(bundleCache.keys().next().value!);
      bundleCache.set(seq, json);
      return json;
    },

    proofBundle(seq: number): ProofBundle {
      const stored = requireRecord(seq);
      const batch = stored.batchId === null ? null : store.getBatch(stored.batchId);
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
        proof: store.proofOf(seq) ?? [],
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

    listBatches(query: Query): { batches: BatchView[]; nextCursor: string | null } {
      onlyParams(query, ["cursor", "limit"]);
      const limitText = optionalString(query, "limit");
      const limit = limitText === undefined ? DEFAULT_PAGE : parseIntParam("limit", limitText, 1, MAX_PAGE);
      const cursor = optionalString(query, "cursor");
      const beforeId = cursor === undefined ? null : decodeCursor(cursor);
      const page = store.listBatches(beforeId, limit + 1);
      const more = page.length > limit;
      const shown = more ? page.slice(0, limit) : page;
      return { batches: shown.map(batchView), nextCursor: more ? encodeCursor(shown[shown.length - 1]!.id) : null };
    },

    getBatch(id: number): BatchView {
      return batchView(requireBatch(id));
    },

    batchRecords(id: number): { batch: BatchView; records: { record: RecordV1; leaf: Hex }[] } {
      const batch = requireBatch(id);
      return {
        batch: batchView(batch),
        records: store.recordsOfBatch(id).map((s) => ({ record: s.record, leaf: s.leaf })),
      };
    },

    stats(): Stats {
      const counts = store.counts();
      const totals = {
        records: counts.records,
        anchored: counts.anchored,
        pending: counts.pending,
        batches: counts.batches,
      };
      const key = `${counts.records}/${counts.anchored}/${counts.batches}`;
      const at = Date.now();
      // The aggregates read every record. A small store recomputes them on any change; a large one (where a
      // computation takes more than 20 ms) at most once per 20 computations' time (≤ 5 s), so a stream of
      // writes plus stats requests cannot keep the server busy recomputing. Totals are always fresh.
      const stale = statsCache !== null && statsCache.key !== key;
      const throttled =
        stale && statsCache!.computeMs > 20 && at - statsCache!.at < Math.min(5000, 20 * statsCache!.computeMs);
      if (statsCache === null || (stale && !throttled)) {
        const stats = computeStats(store.allRecords(), totals);
        statsCache = { key, stats, at, computeMs: Date.now() - at };
      }
      return { ...statsCache.stats, totals };
    },

    registryInfo(): RegistryInfo {
      return {
        chainId: chain.chainId,
        registry: chain.registry,
        deploymentBlock: deps.deploymentBlock,
        // Only an explicitly public endpoint: RPC_URL is private (provider keys live in it).
        rpcUrl: config.publicRpcUrls[0] ?? null,
        explorerUrl: config.explorerUrl,
        receiptSigner: signer.address,
        maxAnchorDelaySeconds: config.maxAnchorDelaySeconds,
      };
    },
  };
}

export type Service = ReturnType<typeof createService>;
