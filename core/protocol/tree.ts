/**
 * The batch tree: a batch's leaves in seq order (never sorted), inner node = hashPair (children sorted),
 * an unpaired node moves up unchanged (no duplication): exactly merkletreejs's tree with `sortPairs: true`
 * over leaves that are already hashed. A one-leaf batch has root = leaf and an empty proof.
 *
 * Built here level by level over packed 32-byte nodes (one Uint8Array per level) because the server seals
 * batches of up to a million leaves: merkletreejs allocates a Buffer per node and per concatenation, which
 * cost about as much as the hashing itself. merkletreejs is still the reference: `validate` compares every
 * proof with its getProof. merkletreejs carries a Buffer polyfill, so this module stays out of the page's
 * bundle: verifiers need only proof.ts.
 */
import { MerkleTree } from "merkletreejs";
import { bytesToHex, type Hex } from "./bytes";
import { AiqynError, invariant } from "./errors";
import { keccak256, type Keccak } from "./keccak";
import { maxProofLength, processProof } from "./proof";
import { buildLevels, toLeafBytes } from "./tree-levels";

export interface PackedProofs {
  /** Every proof's siblings (32 bytes each), proof after proof in leaf order. */
  data: Uint8Array;
  /** Proof i is data[offsets[i] .. offsets[i + 1]) (byte offsets; leafCount + 1 entries). */
  offsets: Uint32Array;
}

export interface BatchTree {
  readonly root: Hex;
  readonly leafCount: number;
  /** The proof for the leaf at `index` (0-based position in seq order), as hex. */
  proof(index: number): Hex[];
  /** The same proof as its siblings' 32-byte values concatenated (compact storage). */
  proofBytes(index: number): Uint8Array;
  /** Every proof at once, packed (what the server stores when it seals a batch). */
  packedProofs(): PackedProofs;
}

export interface BuildOptions {
  keccak?: Keccak;
  /** Check every proof against the root and merkletreejs after building (tests and audits use it). */
  validate?: boolean;
}

export function buildBatchTree(leaves: readonly (Hex | Uint8Array)[], options: BuildOptions = {}): BatchTree {
  const keccak = options.keccak ?? keccak256;
  if (leaves.length === 0) throw new AiqynError("EMPTY_BATCH", "a batch needs at least one leaf");
  const levels = buildLevels(leaves, keccak);
  const root = bytesToHex(levels[levels.length - 1]!);
  const leafCount = leaves.length;
  // Nodes per level, for finding unpaired nodes.
  const counts = levels.map((l) => l.length / 32);

  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= leafCount) {
      throw new AiqynError("LEAF_INDEX_OUT_OF_RANGE", `no leaf ${index} in a batch of ${leafCount}`);
    }
  };
  /** Byte offsets of proof `index`'s siblings, level by level (an unpaired node has none at its level). */
  const siblingOffsets = (index: number): { level: number; offset: number }[] => {
    checkIndex(index);
    const path: { level: number; offset: number }[] = [];
    let i = index;
    for (let level = 0; level < levels.length - 1; level++) {
      const sibling = i ^ 1;
      if (sibling < counts[level]!) path.push({ level, offset: sibling * 32 });
      i >>= 1;
    }
    return path;
  };
  const proofBytes = (index: number): Uint8Array => {
    const path = siblingOffsets(index);
    const out = new Uint8Array(path.length * 32);
    path.forEach(({ level, offset }, k) => out.set(levels[level]!.subarray(offset, offset + 32), k * 32));
    return out;
  };

  const packedProofs = (): PackedProofs => packProofs(levels, counts, leafCount);

  const batchTree: BatchTree = {
    root,
    leafCount,
    proof: (index) => {
      const bytes = proofBytes(index);
      const out: Hex[] = [];
      for (let k = 0; k < bytes.length; k += 32) out.push(bytesToHex(bytes.subarray(k, k + 32)));
      return out;
    },
    proofBytes,
    packedProofs,
  };

  invariant(leafCount !== 1 || root === bytesToHex(toLeafBytes(leaves[0]!, 0)), "a one-leaf batch has root = leaf");
  if (options.validate) validateAgainstReference(batchTree, leaves, keccak);
  return batchTree;
}

/** Every leaf's proof in one buffer (`offsets[i]..offsets[i + 1]` is proof i): the bulk form the store keeps. */
function packProofs(levels: Uint8Array[], counts: number[], leafCount: number): PackedProofs {
  const depth = levels.length - 1;
  const data = new Uint8Array(leafCount * depth * 32);
  const offsets = new Uint32Array(leafCount + 1);
  // 32-bit views copy a node in 8 moves; each level is its own ArrayBuffer, so the views are aligned.
  const words = levels.map((l) => new Uint32Array(l.buffer, l.byteOffset, l.length / 4));
  const out = new Uint32Array(data.buffer);
  let at = 0; // in 32-bit words
  for (let index = 0; index < leafCount; index++) {
    offsets[index] = at * 4;
    let i = index;
    for (let level = 0; level < depth; level++) {
      const sibling = i ^ 1;
      if (sibling < counts[level]!) {
        const src = words[level]!;
        const s = sibling * 8;
        out[at] = src[s]!;
        out[at + 1] = src[s + 1]!;
        out[at + 2] = src[s + 2]!;
        out[at + 3] = src[s + 3]!;
        out[at + 4] = src[s + 4]!;
        out[at + 5] = src[s + 5]!;
        out[at + 6] = src[s + 6]!;
        out[at + 7] = src[s + 7]!;
        at += 8;
      }
      i >>= 1;
    }
  }
  offsets[leafCount] = at * 4;
  return { data: data.subarray(0, at * 4), offsets };
}

/** Checks the tree against merkletreejs: the same root, and every proof leads to it and equals its own. */
function validateAgainstReference(tree: BatchTree, leaves: readonly (Hex | Uint8Array)[], keccak: Keccak): void {
  const reference = new MerkleTree(
    leaves.map((l, i) => toLeafBytes(l, i)),
    (data: Uint8Array) => keccak(data),
    { sortPairs: true },
  );
  invariant(bytesToHex(reference.getRoot()) === tree.root, "the root differs from merkletreejs's");
  const packed = tree.packedProofs();
  for (let i = 0; i < tree.leafCount; i++) {
    const p = tree.proof(i);
    invariant(p.length <= maxProofLength(tree.leafCount), `proof ${i} is longer than the tree is deep`);
    const leaf = bytesToHex(toLeafBytes(leaves[i]!, i));
    invariant(processProof(leaf, p, keccak) === tree.root, `proof ${i} does not lead to the root`);
    invariant(
      p.join() === reference.getHexProof(reference.getLeaf(i), i).join(),
      `proof ${i} differs from merkletreejs's getProof`,
    );
    invariant(
      bytesToHex(packed.data.subarray(packed.offsets[i]!, packed.offsets[i + 1]!)) === bytesToHex(tree.proofBytes(i)),
      `packed proof ${i} differs`,
    );
  }
}
