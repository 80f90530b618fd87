/**
 * Sealing, pure: from a batch's records (in seq order) to their leaves, the batch root and every proof.
 * The batcher seals through this, and `npm run bench` times exactly this function. All hashing is core's
 * (leafBytes, buildBatchTree); only the Keccak implementation is injected.
 */
import { leafBytes, type Hex, type Keccak, type RecordV1 } from "../../core";
import { buildBatchTree, type PackedProofs } from "../../core/protocol/tree";

export interface ComputedBatch {
  /** Each record's leaf, recomputed from its fields. */
  leaves: Uint8Array[];
  root: Hex;
  /** Every proof, packed (proof i = data[offsets[i] .. offsets[i + 1])). */
  proofs: PackedProofs;
}

export function computeBatch(records: readonly RecordV1[], keccak: Keccak): ComputedBatch {
  const leaves = new Array<Uint8Array>(records.length);
  for (let i = 0; i < records.length; i++) leaves[i] = leafBytes(records[i]!, keccak);
  const tree = buildBatchTree(leaves, { keccak });
  return { leaves, root: tree.root, proofs: tree.packedProofs() };
}
