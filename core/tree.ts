/**
 * The batch tree: a batch's leaves in seq order (never sorted), inner node = hashPair (children sorted),
 * an unpaired node moves up unchanged (no duplication). Built with merkletreejs (`sortPairs: true`) over
 * leaves that are already hashed; a one-leaf batch has root = leaf and an empty proof.
 *
 * merkletreejs carries a Buffer polyfill, so this module stays out of the page's bundle: verifiers need only
 * proof.ts.
 */
import { MerkleTree } from "merkletreejs";
import { bytesToHex, hexToBytes, isBytes32Hex, type Hex } from "./bytes";
import { AiqynError, invariant } from "./errors";
import { keccak256, type Keccak } from "./keccak";
import { maxProofLength, processProof } from "./proof";

export interface BatchTree {
  readonly root: Hex;
  readonly leafCount: number;
  /** The proof for the leaf at `index` (0-based position in seq order). */
  proof(index: number): Hex[];
}

export interface BuildOptions {
  keccak?: Keccak;
  /** Check every proof against the root after building (doubles the hashing; tests and audits use it). */
  validate?: boolean;
}

export function buildBatchTree(leaves: readonly Hex[], options: BuildOptions = {}): BatchTree {
  const keccak = options.keccak ?? keccak256;
  if (leaves.length === 0) throw new AiqynError("EMPTY_BATCH", "a batch needs at least one leaf");
  const leafBytes = leaves.map((leaf, i) => {
    if (!isBytes32Hex(leaf)) throw new AiqynError("INVALID_LEAF", `leaf ${i} is not a bytes32 hex`);
    return hexToBytes(leaf);
  });
  const tree = new MerkleTree(leafBytes, (data: Uint8Array) => keccak(data), { sortPairs: true });
  const root = bytesToHex(tree.getRoot());
  const leafCount = leaves.length;
  const proof = (index: number): Hex[] => {
    if (!Number.isInteger(index) || index < 0 || index >= leafCount) {
      throw new AiqynError("LEAF_INDEX_OUT_OF_RANGE", `no leaf ${index} in a batch of ${leafCount}`);
    }
    return tree.getProof(tree.getLeaf(index), index).map((step: { data: Uint8Array }) => bytesToHex(step.data));
  };
  invariant(leafCount !== 1 || root === leaves[0]!.toLowerCase(), "a one-leaf batch has root = leaf");
  if (options.validate) {
    for (let i = 0; i < leafCount; i++) {
      const p = proof(i);
      invariant(p.length <= maxProofLength(leafCount), `proof ${i} is longer than the tree is deep`);
      invariant(processProof(leaves[i]!, p, keccak) === root, `proof ${i} does not lead to the root`);
    }
  }
  return { root, leafCount, proof };
}
