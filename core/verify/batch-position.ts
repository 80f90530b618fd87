/**
 * A record's POSITION in its anchored batch. Inner nodes hash sorted pairs, so a proof binds a leaf to a root but
 * not to an index: a batch anchored with two different records of the same seq proves both "in the batch". A
 * list of the batch's leaves does not settle it either: swapping two sibling leaves (or subtrees) rebuilds the
 * same root, so a source could serve whichever order puts its version at the index asked. Only the batch's
 * RECORDS settle it: ordered by their own seq, one per seq firstSeq..firstSeq+leafCount−1, their leaves must
 * rebuild the root the chain holds (checkBatchRecords, the one whole-batch check), and then the leaf at index
 * seq − firstSeq is the one record anchored with that seq. The record being verified is anchored only when its
 * own leaf is that one. The records come from the untrusted data source; the chain's root is what makes them true.
 */
import { checkBatchRecords, type ServedBatchEntry } from "./batch-check";
import type { Check, OnChainBatch } from "../protocol/bundle";
import type { Hex } from "../protocol/bytes";
import type { Keccak } from "../protocol/keccak";

/** Every record of batch `batchId` as a data source serves it (GET /api/v1/batches/:id/records, a mirror's file). */
export type BatchEntries = (batchId: number) => Promise<readonly ServedBatchEntry[]>;

/**
 * Whether `leaf` (recomputed from record `seq`) is the leaf anchored at index seq − firstSeq of the batch
 * `onChain` describes, judged from the batch's served records. A one-leaf batch needs none (its root is its
 * leaf). `entries` null: the records were not available, so the position is not checked.
 */
export function leafPositionCheck(
  batchId: number,
  seq: number,
  leaf: Hex,
  onChain: OnChainBatch,
  entries: readonly ServedBatchEntry[] | null,
  keccak?: Keccak,
): Check {
  const index = seq - onChain.firstSeq;
  const at = `index ${index} (seq ${seq} − firstSeq ${onChain.firstSeq})`;
  if (onChain.leafCount === 1 && index === 0 && onChain.root.toLowerCase() === leaf.toLowerCase())
    return { id: "leaf-position", ok: true, message: "the batch holds one leaf, this record's: its position is bound" };
  if (entries === null)
    return {
      id: "leaf-position",
      ok: null,
      message: "the batch's records were not available: the record's position in its batch is NOT checked",
    };
  const check = checkBatchRecords(batchId, onChain, entries, { keccak });
  if (!check.rootOk) {
    const first = check.findings[0];
    return {
      id: "leaf-position",
      ok: false,
      message: `the batch's records as served, one per seq in seq order, do not rebuild the anchored root${first ? ` (${first.code}: ${first.message})` : ""}: no record of this batch is bound to its seq`,
      expected: onChain.root,
      actual: check.recomputedRoot,
    };
  }
  const found = check.leaves[index];
  if (found !== leaf.toLowerCase())
    return {
      id: "leaf-position",
      ok: false,
      message: `the batch anchors another record at ${at}: this record is not the one anchored with seq ${seq}`,
      expected: found ?? null,
      actual: leaf,
    };
  return {
    id: "leaf-position",
    ok: true,
    message: `the batch's ${onChain.leafCount} records rebuild the anchored root, with this record's leaf at ${at}`,
  };
}
