/**
 * Merkle proofs, pure: no tree library, nothing but Keccak-256. Agrees with OpenZeppelin's
 * MerkleProof.processProof: each step hashes the running node with the next proof element, smaller first.
 */
import { bytesToHex, compareBytes, equalBytes, hexToBytes, type Hex } from "./bytes";
import { keccak256, type Keccak } from "./keccak";

/** An inner node: keccak256(min(a, b) ‖ max(a, b)), the two 32-byte children sorted as big-endian numbers. */
export function hashPair(a: Uint8Array, b: Uint8Array, keccak: Keccak = keccak256): Uint8Array {
  const buf = new Uint8Array(64);
  if (compareBytes(a, b) <= 0) {
    buf.set(a, 0);
    buf.set(b, 32);
  } else {
    buf.set(b, 0);
    buf.set(a, 32);
  }
  return keccak(buf);
}

/** The root that `proof` leads to from `leaf`. */
export function processProof(leaf: Hex, proof: readonly Hex[], keccak: Keccak = keccak256): Hex {
  return bytesToHex(proof.reduce((node, sibling) => hashPair(node, hexToBytes(sibling), keccak), hexToBytes(leaf)));
}

/** True when `proof` leads from `leaf` to `root`. */
export function verifyProof(root: Hex, leaf: Hex, proof: readonly Hex[], keccak: Keccak = keccak256): boolean {
  return equalBytes(hexToBytes(processProof(leaf, proof, keccak)), hexToBytes(root));
}

/**
 * The longest proof a batch of `leafCount` leaves can have: ceil(log2(leafCount)). Our tree pairs nodes left to
 * right and moves an unpaired node up unchanged, so no path is longer than that.
 */
export function maxProofLength(leafCount: number): number {
  let depth = 0;
  while (2 ** depth < leafCount) depth++;
  return depth;
}
