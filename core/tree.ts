/**
 * The batch tree: a batch's leaves in seq order (never sorted), inner node = hashPair (children sorted),
 * an unpaired node moves up unchanged (no duplication). Built with merkletreejs (`sortPairs: true`) over
 * leaves that are already hashed; a one-leaf batch has root = leaf and an empty proof.
 *
 * Proofs are read straight off merkletreejs's layers (the sibling at each level, skipped where a node is
 * unpaired): the same path its getProof walks, without its per-step objects, since the server seals batches
 * of up to a million leaves. merkletreejs carries a Buffer polyfill, so this module stays out of the page's
 * bundle: verifiers need only proof.ts.
 */
import { MerkleTree } from "merkletreejs";
import { bytesToHex, hexToBytes, isBytes32Hex, type Hex } from "./bytes";
import { AiqynError, invariant } from "./errors";
import { keccak256, type Keccak } from "./keccak";
import { maxProofLength, processProof } from "./proof";

export interface BatchTree {
  readonly root: Hex;
  readonly leafCount: number;
  /** The proof for the leaf at `index` (0-based position in seq order), as hex. */
  proof(index: number): Hex[];
  /** The same proof as its siblings' 32-byte values concatenated (compact storage). */
  proofBytes(index: number): Uint8Array;
}

export interface BuildOptions {
  keccak?: Keccak;
  /** Check every proof against the root after building (doubles the hashing; tests and audits use it). */
  validate?: boolean;
}

function toLeafBytes(leaf: Hex | Uint8Array, i: number): Uint8Array {
  if (leaf instanceof Uint8Array) {
    if (leaf.length !== 32) throw new AiqynError("INVALID_LEAF", `leaf ${i} is not 32 bytes`);
    return leaf;
  }
  if (!isBytes32Hex(leaf)) throw new AiqynError("INVALID_LEAF", `leaf ${i} is not a bytes32 hex`);
  return hexToBytes(leaf);
}

export function buildBatchTree(leaves: readonly (Hex | Uint8Array)[], options: BuildOptions = {}): BatchTree {
  const keccak = options.keccak ?? keccak256;
  if (leaves.length === 0) throw new AiqynError("EMPTY_BATCH", "a batch needs at least one leaf");
  const tree = new MerkleTree(leaves.map(toLeafBytes), (data: Uint8Array) => keccak(data), { sortPairs: true });
  const layers: Uint8Array[][] = tree.getLayers();
  const root = bytesToHex(tree.getRoot());
  const leafCount = leaves.length;

  const siblings = (index: number): Uint8Array[] => {
    if (!Number.isInteger(index) || index < 0 || index >= leafCount) {
      throw new AiqynError("LEAF_INDEX_OUT_OF_RANGE", `no leaf ${index} in a batch of ${leafCount}`);
    }
    const path: Uint8Array[] = [];
    let i = index;
    for (let level = 0; level < layers.length - 1; level++) {
      const layer = layers[level]!;
      const sibling = i ^ 1;
      if (sibling < layer.length) path.push(layer[sibling]!);
      i >>= 1;
    }
    return path;
  };
  const batchTree: BatchTree = {
    root,
    leafCount,
    proof: (index) => siblings(index).map(bytesToHex),
    proofBytes(index) {
      const path = siblings(index);
      const out = new Uint8Array(path.length * 32);
      path.forEach((node, k) => out.set(node, k * 32));
      return out;
    },
  };

  invariant(leafCount !== 1 || root === bytesToHex(toLeafBytes(leaves[0]!, 0)), "a one-leaf batch has root = leaf");
  if (options.validate) {
    for (let i = 0; i < leafCount; i++) {
      const p = batchTree.proof(i);
      invariant(p.length <= maxProofLength(leafCount), `proof ${i} is longer than the tree is deep`);
      const leaf = bytesToHex(toLeafBytes(leaves[i]!, i));
      invariant(processProof(leaf, p, keccak) === root, `proof ${i} does not lead to the root`);
      invariant(
        p.join() === tree.getHexProof(tree.getLeaf(i), i).join(),
        `proof ${i} differs from merkletreejs's getProof`,
      );
    }
  }
  return batchTree;
}
