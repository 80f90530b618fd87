/**
 * Every anchored record of the data source, checked in this browser against the PINNED registry exactly as the
 * fund view's figures are (core/verify/batch-check.ts: each record validates, hashes to its leaf, and the batch's root
 * is batch(id) read through the page's own readers). The source's batch list is paged to its end and must run
 * 1, 2, … without a gap, and batch(last + 1) must be absent on the chain, so a source cannot leave a batch out.
 * The Holdings view reconciles only when every batch passed: partial records could call a forgery clean.
 */
import type { AnchoredBatch, ChainReads, RecordV1, TrustRoot } from "../../core/index";
import { anchoredBatches, judgeBatch, type FailedBatch } from "./figures";
import type { BatchInfo, DataSource } from "./source";

export interface CheckedRecords {
  /** The records of the batches that passed, in seq order. */
  records: RecordV1[];
  /** Those batches as the chain records them: when their records took effect (the reconciler's anchors). */
  anchors: AnchoredBatch[];
  totalBatches: number;
  failed: FailedBatch[];
  /** Batch ids the chain has but the source did not list. */
  missing: number[];
}

/** The first batch id the chain has that the source's list skips, or null when none is left out. */
async function firstUnlisted(ids: number[], reads: ChainReads): Promise<number | null> {
  for (const [i, id] of ids.entries()) if (id !== i + 1) return i + 1;
  const next = ids.length + 1;
  return (await reads.batch(next)) ? next : null;
}

type Outcome = { records: RecordV1[]; anchor: AnchoredBatch } | { failed: FailedBatch };

async function checkOne(source: DataSource, reads: ChainReads, batch: BatchInfo): Promise<Outcome> {
  const onChain = reads.batch(batch.id);
  const judged = await judgeBatch(batch, { onChain, entries: source.batchRecords(batch) });
  if ("failed" in judged) return judged;
  const { firstSeq, leafCount, anchoredAt } = (await onChain)!;
  return { records: judged.records, anchor: { firstSeq, leafCount, anchoredAt } };
}

/** Checks every batch the source lists; `stillCurrent` false stops early (the rest count as failed). */
export async function checkedRecords(
  source: DataSource,
  reads: ChainReads,
  trust: TrustRoot,
  stillCurrent: () => boolean = () => true,
): Promise<CheckedRecords> {
  const chainId = await reads.chainId();
  if (chainId !== trust.chainId) throw new Error(`the RPC serves chain ${chainId}, not the trusted ${trust.chainId}`);
  const batches = await anchoredBatches(source);
  const unlisted = await firstUnlisted(
    batches.map((b) => b.id),
    reads,
  );
  const records: RecordV1[] = [];
  const anchors: AnchoredBatch[] = [];
  const failed: FailedBatch[] = [];
  for (const batch of batches) {
    if (!stillCurrent()) break;
    const outcome = await checkOne(source, reads, batch);
    if ("failed" in outcome) failed.push(outcome.failed);
    else {
      records.push(...outcome.records);
      anchors.push(outcome.anchor);
    }
  }
  return {
    records: records.sort((a, b) => a.seq - b.seq),
    anchors,
    totalBatches: batches.length,
    failed,
    missing: unlisted === null ? [] : [unlisted],
  };
}
