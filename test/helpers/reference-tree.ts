// A naive, recursive reference Merkle tree, written only for tests, straight from docs/PROTOCOL.md's rule and nothing
// else: leaves in the order given (never sorted), pair nodes left to right, inner node = keccak256 of the two
// children sorted ascending, an unpaired last node moves up unchanged. It shares no code with core/ or
// merkletreejs (hashing is ethers' keccak256, ordering is BigInt comparison), so agreement with them means something.
import { concat, keccak256 } from "ethers";

/** keccak256(min(a, b) ‖ max(a, b)) with the children compared as 256-bit unsigned integers. */
export function referenceHashPair(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** The level above `nodes`: pairs (0,1), (2,3), …; an odd last node is carried up as it is. */
function levelAbove(nodes: readonly string[]): string[] {
  const up: string[] = [];
  for (let i = 0; i < nodes.length; i += 2) {
    const left = nodes[i]!;
    const right = nodes[i + 1];
    up.push(right === undefined ? left : referenceHashPair(left, right));
  }
  return up;
}

/** Every level of the tree, leaves first, root last. */
export function referenceLayers(leaves: readonly string[]): string[][] {
  if (leaves.length === 0) throw new Error("a batch needs at least one leaf");
  const lower = leaves.map((leaf) => leaf.toLowerCase());
  return lower.length === 1 ? [lower] : [lower, ...referenceLayers(levelAbove(lower))];
}

/** The root: the single node of the top level (a one-leaf batch's root is the leaf). */
export function referenceRoot(leaves: readonly string[]): string {
  return leaves.length === 1 ? leaves[0]!.toLowerCase() : referenceRoot(levelAbove(leaves));
}

/** The proof for leaf `index`: its sibling on each level, bottom up; a level where it has none adds nothing. */
export function referenceProof(leaves: readonly string[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new Error(`no leaf ${index}`);
  if (leaves.length === 1) return [];
  const sibling = index ^ 1;
  const here = sibling < leaves.length ? [leaves[sibling]!.toLowerCase()] : [];
  return [...here, ...referenceProof(levelAbove(leaves), index >> 1)];
}

/** Recomputes a root from a leaf and a proof, the way MerkleProof.processProof does. */
export function referenceProcessProof(leaf: string, proof: readonly string[]): string {
  return proof.reduce((node, sibling) => referenceHashPair(node, sibling), leaf.toLowerCase());
}
