/**
 * One anchored batch checked as `aiqyn audit` checks it, with nothing kept but the state that runs across
 * batches (memory bounded by one batch): the chain's batch(id) against its BatchAnchored log and the head chain
 * (audit/check-batch.ts), the source's listing, the served records against the root (core's
 * checkBatchRecords), every record anchored within the contract's maxAnchorDelay (audit/timing.ts), the
 * auditor's receipts (audit/receipts.ts), and the public views of the batch's records (audit/views.ts).
 */
import { isObject } from "../../../core/protocol/shape";
import { checkBatchRecords } from "../../../core/verify/batch-check";
import { fundFigures } from "../../../core/protocol/totals";
import { looksLikeChainReference, type Hex, type Keccak, type OnChainBatch, type RecordV1 } from "../../../core";
import type { AnchorLog } from "../audit/chain-facts";
import { checkAnchorLog, checkChainBatch, checkListedBatch } from "../audit/check-batch";
import type { FindingInput } from "../audit/findings";
import type { ReceiptBook } from "../audit/receipts";
import type { AuditSource, ListedBatch, ServedItem } from "../audit/source";
import { TimingChecks } from "../audit/timing";
import { checkBundle, checkItem, type VerifiedState } from "../audit/views";
import { fetchJson, joinUrl } from "../http";
import type { MonitorState } from "./state";

export interface BatchContext {
  state: MonitorState;
  source: AuditSource;
  /** The source's listing (fetched after the event scan), or null when it could not be read. */
  listed: Map<number, ListedBatch> | null;
  delay: number;
  keccak: Keccak;
  book: ReceiptBook | null;
  /** The server's base URL, for its per-record views; null for a mirror. */
  server: string | null;
  mirrorBundles: ((seq: number) => Promise<unknown>) | null;
  timeoutMs: number;
  /** Records of a verified batch whose views are compared (spread over the batch, first and last included). */
  viewSample: number;
  /** Seconds after anchoring during which a server may still call the batch unanchored (it waits for blocks). */
  graceSeconds: number;
  now: number;
}

export type BatchOutcome =
  | { done: true; findings: FindingInput[]; assets: Map<number, string> }
  /** The source is away (or still catching up within the grace): the batch is checked again next cycle. */
  | { done: false; sourceDown: boolean; reason: string };

/** Checks batch `id` (the next in the chain's order) and advances the state past it. */
export async function checkNextBatch(
  ctx: BatchContext,
  id: number,
  chain: OnChainBatch,
  logs: AnchorLog[],
): Promise<BatchOutcome> {
  const served = await ctx.source.batchRecords(id, chain.leafCount);
  if (!served.ok && !served.missing)
    return { done: false, sourceDown: true, reason: `batch ${id}'s records: ${served.message}` };
  const listedBatch = ctx.listed?.get(id);
  const young = ctx.now - chain.anchoredAt < ctx.graceSeconds;
  if (young && listedBatch && listedBatch.status !== "anchored")
    return { done: false, sourceDown: false, reason: `the source does not call batch ${id} anchored yet` };
  const { state } = ctx;
  const findings: FindingInput[] = checkChainBatch(id, chain, state.expectedFirstSeq, state.prevHead);
  state.prevLogHead = checkAnchorLog(id, chain, logs, state.prevLogHead, findings);
  if (ctx.listed && !listedBatch)
    findings.push({
      code: "BATCH_MISSING",
      batchId: id,
      message: `batch ${id} is anchored on chain but the source does not list it`,
    });
  else if (listedBatch) findings.push(...checkListedBatch(id, chain, listedBatch));
  ctx.book?.checkTiming(id, chain.firstSeq, chain.leafCount, chain.anchoredAt);
  let assets = new Map<number, string>();
  if (served.ok) {
    const verified = await verifyServed(ctx, id, chain, served.value.items, findings, true);
    assets = verified.assets;
  } else {
    findings.push({
      code: "BATCH_MISSING",
      batchId: id,
      message: `batch ${id} is anchored on chain but the source serves no records for it: ${served.message}`,
    });
    state.withheld.push(id);
    ctx.book?.markUnchecked(id, chain.firstSeq, chain.leafCount);
  }
  state.expectedFirstSeq = chain.firstSeq + chain.leafCount;
  state.prevHead = chain.head.toLowerCase() as Hex;
  state.nextBatchId = id + 1;
  return { done: true, findings, assets };
}

/** A withheld batch asked again: once served, its records are checked like any other (no cross-batch checks). */
export async function recheckWithheld(
  ctx: BatchContext,
  id: number,
  chain: OnChainBatch,
): Promise<{ served: boolean; findings: FindingInput[]; assets: Map<number, string> }> {
  const served = await ctx.source.batchRecords(id, chain.leafCount);
  if (!served.ok) return { served: false, findings: [], assets: new Map() };
  const findings: FindingInput[] = [];
  const { assets } = await verifyServed(ctx, id, chain, served.value.items, findings, false);
  return { served: true, findings, assets };
}

async function verifyServed(
  ctx: BatchContext,
  id: number,
  chain: OnChainBatch,
  items: ServedItem[],
  findings: FindingInput[],
  inOrder: boolean,
): Promise<{ assets: Map<number, string> }> {
  const result = checkBatchRecords(id, chain, items, { keccak: ctx.keccak });
  findings.push(...result.findings);
  const assets = new Map(result.records.map((r) => [r.seq, r.asset]));
  if (!result.rootOk) {
    ctx.book?.markUnchecked(id, chain.firstSeq, chain.leafCount);
    return { assets };
  }
  const add = (f: FindingInput) => findings.push(f);
  new TimingChecks(ctx.delay, add).batch(id, result.records, chain.anchoredAt);
  if (inOrder) publishedAtAcrossBatches(ctx.state, id, result.records, add);
  ctx.book?.checkLeaves(id, chain.firstSeq, result.leaves);
  await checkViews(ctx, id, chain, result.records, result.leaves, add);
  keepForReconciliation(ctx.state, result.records);
  return { assets };
}

/** TimingChecks sees one batch; the step from the previous batch's last record is checked here. */
function publishedAtAcrossBatches(
  state: MonitorState,
  id: number,
  records: RecordV1[],
  add: (f: FindingInput) => void,
): void {
  const first = records[0];
  if (first && first.publishedAt < state.lastPublishedAt)
    add({
      code: "PUBLISHED_AT_BACKWARDS",
      batchId: id,
      seq: first.seq,
      message: `record ${first.seq}'s publishedAt ${first.publishedAt} is earlier than record ${state.lastSeq}'s ${state.lastPublishedAt}`,
      expected: `≥ ${state.lastPublishedAt}`,
      actual: first.publishedAt,
    });
  const last = records.at(-1);
  if (last) [state.lastPublishedAt, state.lastSeq] = [last.publishedAt, last.seq];
}

/** What reconciliation reads: records that name a chain, and every correction (they decide what stands). */
export function reconcileRelevant(record: RecordV1): boolean {
  return looksLikeChainReference(record.reference) || record.corrects !== 0;
}

function keepForReconciliation(state: MonitorState, records: RecordV1[]): void {
  const kept = records.filter(reconcileRelevant);
  if (kept.length === 0) return;
  state.reconcileRecords.push(...kept);
  state.reconcileRecords.sort((a, b) => a.seq - b.seq);
  // A new declaration or retraction can reach back before where the Transfer scans stopped.
  if (kept.some((r) => r.kind === "WALLET_DECLARED" || r.kind === "RETRACTION" || r.corrects !== 0))
    for (const chain of Object.values(state.chains)) chain.rescan = true;
}

/** Which seqs of a batch to compare views for: `sample` spread evenly, first and last included. */
function sampleOf(seqs: number[], sample: number): number[] {
  if (sample <= 0) return [];
  if (seqs.length <= sample) return seqs;
  if (sample === 1) return [seqs[0]!];
  return [
    ...new Set(Array.from({ length: sample }, (_, i) => seqs[Math.round((i * (seqs.length - 1)) / (sample - 1))]!)),
  ];
}

async function checkViews(
  ctx: BatchContext,
  id: number,
  chain: OnChainBatch,
  records: RecordV1[],
  leaves: Hex[],
  add: (f: FindingInput) => void,
): Promise<void> {
  const batch = { id, root: chain.root, firstSeq: chain.firstSeq, leafCount: chain.leafCount };
  const state: VerifiedState = {
    records: new Map(records.map((r) => [r.seq, r])),
    leaves: new Map(records.map((r, i) => [r.seq, leaves[i]!])),
    batchOf: new Map(records.map((r) => [r.seq, batch])),
    standings: new Map(),
    correctedBy: new Map(), // like standings, knowable only over every batch
    totals: fundFigures([], new Map()),
    chainId: ctx.state.chainId,
    registry: ctx.state.registry,
    complete: false, // standings need every batch: the monitor keeps one
  };
  for (const seq of sampleOf(
    records.map((r) => r.seq),
    ctx.viewSample,
  )) {
    if (ctx.server !== null) {
      const item = await getJson(ctx, `/api/v1/records/${seq}`);
      if (isObject(item)) checkItem(`/records/${seq}`, item, state, add);
      const bundle = await getJson(ctx, `/api/v1/records/${seq}/proof`);
      if (bundle !== undefined) checkBundle(`/records/${seq}/proof`, bundle, seq, state, add);
    } else if (ctx.mirrorBundles) {
      const bundle = await ctx.mirrorBundles(seq);
      if (bundle !== undefined) checkBundle(`bundles/${seq}.json`, bundle, seq, state, add);
    }
  }
}

async function getJson(ctx: BatchContext, path: string): Promise<unknown> {
  const result = await fetchJson(joinUrl(ctx.server!, path), { timeoutMs: ctx.timeoutMs, maxBytes: 16 * 1024 * 1024 });
  return result.ok ? result.json : undefined;
}
