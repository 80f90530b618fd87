/**
 * One batch's records checked against the pinned registry's batch(id): every record is a valid record v1,
 * its seq is the batch's next one, its leaf is recomputed here (leafHash), and the root of those leaves
 * (core/tree-levels.ts, no merkletreejs) must equal the chain's root, with firstSeq and leafCount equal too.
 * Only then do the batch's records count as checked. The served leaves are compared as well, so a source that
 * serves a leaf its record does not hash to is named, even though the root alone would catch it.
 */
import type { OnChainBatch } from "./bundle";
import { leafHash } from "./encoding";
import { validateRecord, type RecordV1 } from "./record";
import { batchRoot } from "./tree-levels";

/** A record as a data source serves it within a batch: its (unchecked) record and leaf. */
export interface ServedBatchEntry {
  record: unknown;
  leaf?: unknown;
}

export type BatchProblem = "not-on-chain" | "leaf-count" | "invalid-record" | "seq" | "leaf" | "root";

export type BatchCheck =
  | { ok: true; records: RecordV1[] }
  | { ok: false; problem: BatchProblem; /** The seq concerned, when one record is. */ seq?: number };

/** Checks the served entries of a batch against `onChain` (null when the registry has no such batch). */
export function checkBatchRecords(entries: readonly ServedBatchEntry[], onChain: OnChainBatch | null): BatchCheck {
  if (!onChain) return { ok: false, problem: "not-on-chain" };
  if (entries.length !== onChain.leafCount) return { ok: false, problem: "leaf-count" };
  const records: RecordV1[] = [];
  const leaves: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const valid = validateRecord(entry.record);
    if (!valid.ok) return { ok: false, problem: "invalid-record", seq: onChain.firstSeq + i };
    const record = valid.value;
    if (record.seq !== onChain.firstSeq + i) return { ok: false, problem: "seq", seq: onChain.firstSeq + i };
    const leaf = leafHash(record);
    if (entry.leaf !== undefined && String(entry.leaf).toLowerCase() !== leaf)
      return { ok: false, problem: "leaf", seq: record.seq };
    records.push(record);
    leaves.push(leaf);
  }
  if (batchRoot(leaves as `0x${string}`[]).toLowerCase() !== onChain.root.toLowerCase())
    return { ok: false, problem: "root" };
  return { ok: true, records };
}
