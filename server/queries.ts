/**
 * The read routes: records (with standing), proof bundles (cached once final), batches and their records,
 * statistics and the registry. All pages follow params.ts's one pagination rule.
 */
import {
  BUNDLE_FORMAT,
  LIMITS,
  RECORD_KIND_NAMES,
  isRecordKind,
  type Hex,
  type ProofBundle,
  type Receipt,
  type RecordItem,
  type RecordKind,
  type RecordV1,
  type Stats,
} from "../core";
import type { BatchInfo, RegistryInfo } from "../core";
import type { ChainClient } from "./anchoring/chain";
import type { ServerConfig } from "./config";
import type { ReceiptSigner } from "./crypto";
import { receiptOf } from "./ingest";
import {
  MAX_BATCH_PAGE,
  MAX_PAGE,
  onlyParams,
  optionalString,
  pageOf,
  pageParams,
  parseIntParam,
  type Query,
} from "./http/params";
import { ProblemError, invalidParameter } from "./http/problem";
import { statsFromAggregates } from "./store/internal/aggregates";
import type { RecordFilter, Store, StoredBatch, StoredRecord } from "./store/types";

/** Proof bundles kept as JSON text (about 2 KB each). */
const BUNDLE_CACHE_SIZE = 20_000;

export interface QueryDeps {
  store: Store;
  signer: ReceiptSigner;
  chain: ChainClient;
  config: ServerConfig;
  deploymentBlock: number;
  /**
   * Seqs below this got their receipts for a registry that `ops reanchor` replaced (store meta
   * `receipts_from_seq`): kept as evidence, never served for this registry, where they cannot verify.
   */
  receiptsFromSeq?: number;
}

export interface Queries {
  getRecord(seq: number): Promise<RecordItem>;
  listRecords(query: Query): Promise<{ records: RecordItem[]; nextCursor: string | null }>;
  proofBundleJson(seq: number): Promise<string>;
  proofBundle(seq: number): Promise<ProofBundle>;
  listBatches(query: Query): Promise<{ batches: BatchInfo[]; nextCursor: string | null }>;
  getBatch(id: number): Promise<BatchInfo>;
  batchRecords(
    id: number,
    query?: Query,
  ): Promise<{ batch: BatchInfo; records: { record: RecordV1; leaf: Hex }[]; nextCursor: string | null }>;
  stats(): Promise<Stats>;
  registryInfo(): RegistryInfo;
}

export function toBatchInfo(b: StoredBatch): BatchInfo {
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

/** The list filter of GET /records, each value checked (an unknown parameter is refused, never ignored). */
function recordFilter(query: Query): Omit<RecordFilter, "afterSeq" | "limit"> {
  onlyParams(query, ["kind", "asset", "from", "to", "cursor", "limit"]);
  const kind = optionalString(query, "kind");
  if (kind !== undefined && !isRecordKind(kind))
    throw invalidParameter("kind", `must be one of ${RECORD_KIND_NAMES.join(", ")}`);
  const asset = optionalString(query, "asset");
  if (asset !== undefined && !LIMITS.assetPattern.test(asset))
    throw invalidParameter("asset", "must be 1–16 characters of A–Z, 0–9, '.' and '-'");
  const fromText = optionalString(query, "from");
  const toText = optionalString(query, "to");
  return {
    kind: kind as RecordKind | undefined,
    asset,
    from: fromText === undefined ? undefined : parseIntParam("from", fromText, 0),
    to: toText === undefined ? undefined : parseIntParam("to", toText, 0),
  };
}

/** What every part of the queries reads: the deps, and the receipt a stored record may serve. */
interface QueryContext extends QueryDeps {
  servedReceipt(s: StoredRecord): Receipt | null;
  requireRecord(seq: number): Promise<StoredRecord>;
  requireBatch(id: number): Promise<StoredBatch>;
}

export function createQueries(deps: QueryDeps): Queries {
  const context = queryContext(deps);
  return {
    ...recordQueries(context),
    ...bundleQueries(context),
    ...batchQueries(context),
    stats: () => stats(deps.store),
    registryInfo: () => registryInfo(deps),
  };
}

function queryContext(deps: QueryDeps): QueryContext {
  const { store } = deps;
  return {
    ...deps,
    servedReceipt: (s) => (s.record.seq < (deps.receiptsFromSeq ?? 0) ? null : receiptOf(s)),
    async requireRecord(seq) {
      const stored = await store.getRecord(seq);
      if (!stored) throw new ProblemError(404, "RECORD_NOT_FOUND", `there is no record with seq ${seq}`);
      return stored;
    },
    async requireBatch(id) {
      const batch = await store.getBatch(id);
      if (!batch) throw new ProblemError(404, "BATCH_NOT_FOUND", `there is no batch ${id}`);
      return batch;
    },
  };
}

function recordQueries(context: QueryContext): Pick<Queries, "getRecord" | "listRecords"> {
  const { store } = context;
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
      receipt: context.servedReceipt(s),
      standing: s.standing,
      correctedBy: correctors.get(s.record.seq) ?? [],
    }));
  }

  return {
    async getRecord(seq) {
      return (await items([await context.requireRecord(seq)]))[0]!;
    },
    async listRecords(query) {
      const filter = recordFilter(query);
      const { limit, cursor: afterSeq } = pageParams(query, MAX_PAGE);
      const page = await store.listRecords({ ...filter, afterSeq, limit: limit + 1 });
      const { shown, next } = pageOf(page, limit, (s) => s.record.seq);
      return { records: await items(shown), nextCursor: next };
    },
  };
}

function bundleQueries(context: QueryContext): Pick<Queries, "proofBundle" | "proofBundleJson"> {
  const { store, chain } = context;
  // Oldest-first eviction (a Map keeps insertion order); only bundles of anchored records get here. Anchors
  // are reset (REANCHOR) only at start-up, before this process serves anything.
  const bundleCache = new Map<number, string>();

  async function proofBundle(seq: number): Promise<ProofBundle> {
    const stored = await context.requireRecord(seq);
    const batch = stored.batchId === null ? null : await store.getBatch(stored.batchId);
    const receipt = context.servedReceipt(stored);
    if (!batch || batch.status !== "anchored" || batch.txHash === null || batch.blockNumber === null) {
      throw new ProblemError(409, "BATCH_NOT_ANCHORED", `record ${seq} is accepted but its batch is not anchored yet`, {
        receipt,
        batchId: stored.batchId,
      });
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
      ...(receipt ? { receipt } : {}),
    };
  }

  return {
    proofBundle,
    /**
     * The bundle as JSON text. An anchored record's bundle never changes (record, proof, batch and anchor are
     * all final), so the text is kept in a small cache: serving a bundle is then one Map lookup, even while
     * the database is away.
     */
    async proofBundleJson(seq) {
      const cached = bundleCache.get(seq);
      if (cached !== undefined) return cached;
      const json = JSON.stringify(await proofBundle(seq)); // throws (409) unless anchored: never cached
      if (bundleCache.size >= BUNDLE_CACHE_SIZE) bundleCache.delete(bundleCache.keys().next().value!);
      bundleCache.set(seq, json);
      return json;
    },
  };
}

function batchQueries(context: QueryContext): Pick<Queries, "listBatches" | "getBatch" | "batchRecords"> {
  const { store } = context;
  return {
    async listBatches(query) {
      onlyParams(query, ["cursor", "limit"]);
      const { limit, cursor } = pageParams(query, MAX_PAGE);
      const page = await store.listBatches(cursor ?? null, limit + 1);
      const { shown, next } = pageOf(page, limit, (b) => b.id);
      return { batches: shown.map(toBatchInfo), nextCursor: next };
    },
    async getBatch(id) {
      return toBatchInfo(await context.requireBatch(id));
    },
    /** One page of a batch's records in seq order (a batch holds up to BATCH_MAX records). */
    async batchRecords(id, query = {}) {
      onlyParams(query, ["cursor", "limit"]);
      const { limit, cursor } = pageParams(query, MAX_BATCH_PAGE, MAX_BATCH_PAGE);
      const batch = await context.requireBatch(id);
      const page = await store.recordsOfBatch(id, Math.max(cursor ?? 0, batch.firstSeq - 1), limit + 1);
      const { shown, next } = pageOf(page, limit, (s) => s.record.seq);
      const records = shown.map((s) => ({ record: s.record, leaf: s.leaf }));
      return { batch: toBatchInfo(batch), records, nextCursor: next };
    },
  };
}

/** Totals from the batch counts, the rest from the aggregates kept at write time: no record is re-read. */
async function stats(store: Store): Promise<Stats> {
  const [counts, { rows, holdings }] = await Promise.all([store.counts(), store.aggregates()]);
  const { records, anchored, pending, batches } = counts;
  return statsFromAggregates(rows, holdings, { records, anchored, pending, batches });
}

function registryInfo({ chain, config, signer, deploymentBlock }: QueryDeps): RegistryInfo {
  return {
    chainId: chain.chainId,
    registry: chain.registry,
    deploymentBlock,
    // Only an explicitly public endpoint: RPC_URL is private (provider keys live in it).
    rpcUrl: config.publicRpcUrls[0] ?? null,
    explorerUrl: config.explorerUrl,
    receiptSigner: signer.address,
    maxAnchorDelaySeconds: config.maxAnchorDelaySeconds,
  };
}
