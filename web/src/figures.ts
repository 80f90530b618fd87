/**
 * The fund's figures checked in this browser: every anchored batch of the data source is fetched, each of its
 * records validated and hashed to its leaf, the batch's root recomputed (core/verify/batch-check.ts) and compared with
 * batch(id) of the PINNED registry, read through the page's own readers (settings.readerUrls; two must agree).
 * The batch(id) reads of a round go out in one tick, so core/chains/evm/json-rpc.ts sends them as ONE JSON-RPC batch
 * request. Only the records of batches that passed are totalled (core/protocol/totals.ts); a batch that fails is named.
 * Checked batches are cached (web/src/figures-cache.ts), so a reload only checks batches it has not seen.
 */
import {
  agreeingChainReads,
  AiqynError,
  createRegistryReader,
  rpcChainReads,
  RPCS_DISAGREE,
  type ChainReads,
  type OnChainBatch,
  type RecordStanding,
  type RecordV1,
  type Stats,
  type TrustRoot,
} from "../../core/index";
// Imported directly, not through core/index: these stay in the fund view's chunk, off the verify path.
import type { BatchProblem } from "../../core/verify/batch-check";
import { effectiveCorrectors, recordStandings } from "../../core/protocol/standing";
import { computeTotals, type TotalsRecord } from "../../core/protocol/totals";
import { judgeInWorker, lastCheckedBy, type CheckedBy } from "./batch-checker";
import { batchCacheKey, cachedBatches, rememberBatch, useReaders } from "./figures-cache";
import { createFetchTransport } from "./rpc";
import type { BatchInfo, DataSource } from "./source";

/** Batches checked per round: their batch(id) reads share one JSON-RPC request. */
const ROUND = 25;

export interface FailedBatch {
  id: number;
  /**
   * core's BatchProblem, or "source" (records unreadable) / "chain" (batch(id) unreadable, or RPCs disagree) /
   * "missing" (anchored on the chain, but the data source does not list it).
   */
  problem: BatchProblem | "source" | "chain" | "missing";
  seq?: number;
}

export interface CheckedFigures {
  /** Totals of the checked records only; totals.batches counts the checked batches. */
  stats: Stats;
  /** The checked records (the fields totals read), for the view's own tables. */
  records: TotalsRecord[];
  totalBatches: number;
  failed: FailedBatch[];
  /** How the batches not taken from the cache were judged (web/src/batch-checker.ts); null when none was. */
  checkedBy: CheckedBy | null;
}

export interface FiguresOptions {
  source: DataSource;
  trust: TrustRoot;
  /** The chain reads of the pinned registry (pinnedChainReads). */
  reads: ChainReads;
  /** The pinned registry's batchCount(): batches anchored on the chain that the source does not list are named. */
  chainBatchCount?: () => Promise<number>;
  onProgress?: (checked: number, total: number) => void;
  /** False once the reader left the view: stop early. */
  stillCurrent?: () => boolean;
  /** Check only the batches from this id on (a record's standing needs its own batch and the later ones). */
  fromBatch?: number;
  /** The RPC URLs behind `reads`: the cache is dropped when they change (figures-cache.ts useReaders). */
  readers?: readonly string[];
}

/** Reads of the pinned registry through one reader, or two that must agree on chainId and batch(id). */
export function pinnedChainReads(trust: TrustRoot, rpcUrls: string[]): ChainReads {
  const reads = rpcUrls
    .slice(0, 2)
    .map((url) => rpcChainReads(createFetchTransport(url, { timeoutMs: 20_000 }), trust));
  if (reads.length === 0) throw new AiqynError("NO_READER", "no RPC to read the chain");
  return reads.length === 2 ? agreeingChainReads(reads[0]!, reads[1]!) : reads[0]!;
}

/**
 * The pinned registry's batchCount() through the same readers as batch(id): two must agree, and batch(n + 1) must
 * be absent (asked through `reads`), so a reader that under-reports the count cannot hide the newest batch.
 */
export function pinnedBatchCount(trust: TrustRoot, rpcUrls: string[], reads: ChainReads): () => Promise<number> {
  const readers = rpcUrls
    .slice(0, 2)
    .map((url) => createRegistryReader(createFetchTransport(url, { timeoutMs: 20_000 }), trust.registry));
  return async () => {
    const counts = await Promise.all(readers.map((reader) => reader.batchCount()));
    const count = counts[0]!;
    if (counts.some((c) => c !== count))
      throw new AiqynError(RPCS_DISAGREE, `the two RPCs answer batchCount() differently (${counts.join(" vs ")})`);
    if (await reads.batch(count + 1))
      throw new AiqynError("RPC_BAD_ANSWER", `batchCount() answers ${count}, but batch ${count + 1} is anchored`);
    return count;
  };
}

/** The chain's batches from `from` on that the source did not list (a source that hides batches hides records). */
function unlisted(chainCount: number | null, listed: BatchInfo[], from = 1): FailedBatch[] {
  const ids = new Set(listed.map((b) => b.id));
  const out: FailedBatch[] = [];
  for (let id = from; id <= (chainCount ?? 0); id++) if (!ids.has(id)) out.push({ id, problem: "missing" });
  return out;
}

/**
 * The batches to check, oldest first, each id once: those the source calls anchored, and those the chain holds
 * whatever status the source gives them (a source cannot hide an anchored batch by calling it pending).
 */
async function batchesToCheck(source: DataSource, chainCount: number | null): Promise<BatchInfo[]> {
  const byId = new Map<number, BatchInfo>();
  let cursor: string | null = null;
  do {
    const page = await source.batches(cursor, 500);
    for (const b of page.items) if (!byId.has(b.id)) byId.set(b.id, b);
    cursor = page.nextCursor;
  } while (cursor);
  const onChain = (b: BatchInfo) => b.status === "anchored" || (chainCount !== null && b.id <= chainCount);
  return [...byId.values()].filter(onChain).sort((a, b) => a.id - b.id);
}

type Outcome = { records: TotalsRecord[] } | { failed: FailedBatch };

const digest = (r: TotalsRecord): TotalsRecord => ({
  seq: r.seq,
  kind: r.kind,
  corrects: r.corrects,
  asset: r.asset,
  amount: r.amount,
  valueUsd: r.valueUsd,
  occurredAt: r.occurredAt,
});

/** One batch's chain answer (batch(id) on the pinned registry) and the records the source serves for it. */
export interface Served {
  onChain: Promise<OnChainBatch | null>;
  entries: Promise<{ record: unknown; leaf: unknown }[]>;
}

/**
 * One batch judged by core's batchVerdict (in a worker: web/src/batch-checker.ts), for the figures and the
 * Holdings view alike: a failed chain read is "chain", a failed source read "source" (in that order), else the
 * verdict's problem or the records.
 */
export async function judgeBatch(
  batch: BatchInfo,
  served: Served,
): Promise<{ records: RecordV1[]; root: string } | { failed: FailedBatch }> {
  const [onChain, entries] = await Promise.allSettled([served.onChain, served.entries]);
  if (onChain.status === "rejected") return { failed: { id: batch.id, problem: "chain" } };
  if (entries.status === "rejected") return { failed: { id: batch.id, problem: "source" } };
  const check = await judgeInWorker(batch.id, entries.value, onChain.value);
  if (!check.ok) return { failed: { id: batch.id, problem: check.problem, seq: check.seq } };
  return { records: check.records, root: onChain.value!.root };
}

async function checkOne(opts: FiguresOptions, batch: BatchInfo, served: Served): Promise<Outcome> {
  const judged = await judgeBatch(batch, served);
  if ("failed" in judged) return judged;
  const records = judged.records.map(digest);
  void rememberBatch(batchCacheKey(opts.trust.chainId, opts.trust.registry, batch.id, judged.root), records);
  return { records };
}

/**
 * Checks every anchored batch and totals the records that passed. Each round of batches is read from the chain
 * first (one JSON-RPC request); a batch cached under the CHAIN's root for it (figures-cache.ts) is not fetched
 * from the source again, the others are fetched and judged.
 */
export async function checkFigures(opts: FiguresOptions): Promise<CheckedFigures> {
  const chainId = await opts.reads.chainId();
  if (chainId !== opts.trust.chainId)
    throw new AiqynError("WRONG_CHAIN", `the RPC serves chain ${chainId}, not the trusted chain ${opts.trust.chainId}`);
  if (opts.readers) await useReaders(opts.readers);
  const chainCount = opts.chainBatchCount ? await opts.chainBatchCount() : null;
  const from = opts.fromBatch ?? 1;
  const batches = (await batchesToCheck(opts.source, chainCount)).filter((b) => b.id >= from);
  const records: TotalsRecord[] = [];
  const failed: FailedBatch[] = unlisted(chainCount, batches, from);
  const checkedBefore = lastCheckedBy();
  let done = 0;
  opts.onProgress?.(done, batches.length);
  // The next round's reads and fetches go out while this round's batches are judged (in the workers).
  const startRound = (start: number) => {
    const round = checkRound(opts, batches.slice(start, start + ROUND));
    round.then((outcomes) => outcomes.forEach((o) => o.catch(() => undefined))).catch(() => undefined);
    return round;
  };
  let next = batches.length > 0 ? startRound(0) : null;
  for (let start = 0; start < batches.length; start += ROUND) {
    if (opts.stillCurrent && !opts.stillCurrent()) break;
    const current = next!;
    next = start + ROUND < batches.length ? startRound(start + ROUND) : null;
    for (const pending of await current) {
      const outcome = await pending;
      if ("failed" in outcome) failed.push(outcome.failed);
      else records.push(...outcome.records);
      opts.onProgress?.(++done, batches.length);
    }
  }
  const checkedBatches = batches.length - failed.filter((f) => f.problem !== "missing").length;
  const totals = { records: records.length, anchored: records.length, pending: 0, batches: checkedBatches };
  const checkedBy = lastCheckedBy() !== checkedBefore ? lastCheckedBy() : null;
  return { stats: computeTotals(records, totals), records, totalBatches: batches.length, failed, checkedBy };
}

/**
 * One round: batch(id) of each asked in one tick (one JSON-RPC batch request); cache hits by the chain's root;
 * the others fetched and judged at once, their outcomes in the round's order.
 */
async function checkRound(opts: FiguresOptions, round: BatchInfo[]): Promise<Promise<Outcome>[]> {
  const onChain = round.map((b) => opts.reads.batch(b.id));
  const answers = await Promise.allSettled(onChain);
  const keyOf = (i: number) => {
    const answer = answers[i]!;
    return answer.status === "fulfilled" && answer.value
      ? batchCacheKey(opts.trust.chainId, opts.trust.registry, round[i]!.id, answer.value.root)
      : null;
  };
  const keys = round.map((_, i) => keyOf(i));
  const cached = await cachedBatches(keys.filter((k): k is string => k !== null));
  return round.map((batch, i) => {
    const hit = keys[i] ? cached.get(keys[i]!) : undefined;
    if (hit) return Promise.resolve({ records: hit });
    const entries = opts.source.batchRecords(batch);
    entries.catch(() => undefined);
    return checkOne(opts, batch, { onChain: onChain[i]!, entries });
  });
}

/** Every batch the source lists as anchored, oldest first, each id once (the Holdings view's starting list). */
export function anchoredBatches(source: DataSource): Promise<BatchInfo[]> {
  return batchesToCheck(source, null);
}

/** A record's standing from the checked batches, or why it could not be checked. */
export type StandingCheck =
  | { ok: true; standing: RecordStanding; correctedBy: number[]; batches: number }
  | { ok: false; failed: FailedBatch[]; message?: string };

/**
 * Record `seq`'s standing (core/protocol/standing.ts) recomputed from its own batch and every later one, each checked
 * against the pinned registry exactly as the figures are (and cached alike), with batchCount() read through
 * the agreeing readers and batch(n + 1) probed: a source cannot hide a correction by leaving a batch out.
 */
export async function checkedStanding(
  seq: number,
  batchId: number,
  opts: Pick<FiguresOptions, "source" | "trust" | "stillCurrent"> & { rpcUrls: string[] },
): Promise<StandingCheck> {
  let result: CheckedFigures;
  try {
    const reads = pinnedChainReads(opts.trust, opts.rpcUrls);
    result = await checkFigures({
      ...opts,
      reads,
      readers: opts.rpcUrls,
      chainBatchCount: pinnedBatchCount(opts.trust, opts.rpcUrls, reads),
      fromBatch: batchId,
    });
  } catch (error) {
    return { ok: false, failed: [], message: error instanceof Error ? error.message : String(error) };
  }
  if (result.failed.length > 0 || !result.records.some((r) => r.seq === seq))
    return { ok: false, failed: result.failed };
  const standings = recordStandings(result.records);
  const correctedBy = effectiveCorrectors(result.records, standings).get(seq) ?? [];
  return { ok: true, standing: standings.get(seq) ?? "current", correctedBy, batches: result.totalBatches };
}

/** What the check of a page of listed records found: each shown record checked or not, standings if complete. */
export interface ListCheck {
  /** seq → the checked record's shown fields, for the rows whose batch passed. */
  checked: Map<number, TotalsRecord>;
  /** Standings from every batch from the page's first on (null: some batch failed, so none is knowable). */
  standings: Map<number, RecordStanding> | null;
  failed: FailedBatch[];
}

/**
 * Checks the batches a page of listed records needs: from the lowest batch the page names to the newest on the
 * chain (the later ones for the standings), as the figures are (cached alike).
 */
export async function checkListedRecords(
  fromBatch: number,
  opts: Pick<FiguresOptions, "source" | "trust" | "stillCurrent"> & { rpcUrls: string[] },
): Promise<ListCheck> {
  const reads = pinnedChainReads(opts.trust, opts.rpcUrls);
  const result = await checkFigures({
    ...opts,
    reads,
    readers: opts.rpcUrls,
    chainBatchCount: pinnedBatchCount(opts.trust, opts.rpcUrls, reads),
    fromBatch,
  });
  const checked = new Map(result.records.map((r) => [r.seq, r]));
  const standings = result.failed.length === 0 ? recordStandings(result.records) : null;
  return { checked, standings, failed: result.failed };
}
