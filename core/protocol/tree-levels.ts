/**
 * The batch tree's levels over packed 32-byte nodes, and its root, without merkletreejs (whose Buffer polyfill
 * must stay out of the page's bundle): the page recomputes a batch's root from its leaves with batchRoot.
 * core/protocol/tree.ts builds proofs over the same levels; its `validate` option compares them with merkletreejs.
 * Inner node = keccak256(min(a, b) ‖ max(a, b)); an unpaired node moves up unchanged; one leaf is its own root.
 */
import { bytesToHex, hexToBytes, isBytes32Hex, type Hex } from "./bytes";
import { AiqynError } from "./errors";
import { keccak256, type Keccak } from "./keccak";

export function toLeafBytes(leaf: Hex | Uint8Array, i: number): Uint8Array {
  if (leaf instanceof Uint8Array) {
    if (leaf.length !== 32) throw new AiqynError("INVALID_LEAF", `leaf ${i} is not 32 bytes`);
    return leaf;
  }
  if (!isBytes32Hex(leaf)) throw new AiqynError("INVALID_LEAF", `leaf ${i} is not a bytes32 hex`);
  return hexToBytes(leaf);
}

/** True when node a (at byte offset a) sorts at or before node b (offset b) as a big-endian number. */
function nodeLessOrEqual(level: Uint8Array, a: number, b: number): boolean {
  for (let k = 0; k < 32; k++) {
    const x = level[a + k]!;
    const y = level[b + k]!;
    if (x !== y) return x < y;
  }
  return true;
}

/** The tree's levels, leaves first, root last; each level is its nodes' 32-byte values packed. */
export function buildLevels(leaves: readonly (Hex | Uint8Array)[], keccak: Keccak): Uint8Array[] {
  const count0 = leaves.length;
  const first = new Uint8Array(count0 * 32);
  for (let i = 0; i < count0; i++) first.set(toLeafBytes(leaves[i]!, i), i * 32);
  const levels = [first];
  const pair = new Uint8Array(64);
  // 32-bit views move a node in 8 steps without a subarray per copy; byte order is kept as it is.
  const pairWords = new Uint32Array(pair.buffer);
  let level = first;
  let count = count0;
  while (count > 1) {
    const upCount = (count + 1) >> 1;
    const up = new Uint8Array(upCount * 32);
    const words = new Uint32Array(level.buffer, level.byteOffset, level.length / 4);
    for (let i = 0; i + 1 < count; i += 2) {
      const a = i * 32;
      // keccak256(min ‖ max): the same bytes hashPair in proof.ts hashes.
      const inOrder = nodeLessOrEqual(level, a, a + 32);
      const lo = inOrder ? i * 8 : i * 8 + 8;
      const hi = inOrder ? i * 8 + 8 : i * 8;
      for (let w = 0; w < 8; w++) {
        pairWords[w] = words[lo + w]!;
        pairWords[w + 8] = words[hi + w]!;
      }
      up.set(keccak(pair), (i >> 1) * 32);
    }
    if (count % 2 === 1) up.set(level.subarray((count - 1) * 32, count * 32), (upCount - 1) * 32);
    levels.push(up);
    level = up;
    count = upCount;
  }
  return levels;
}

/** The root of a batch whose leaves (in seq order) are given. */
export function batchRoot(leaves: readonly (Hex | Uint8Array)[], keccak: Keccak = keccak256): Hex {
  if (leaves.length === 0) throw new AiqynError("EMPTY_BATCH", "a batch needs at least one leaf");
  const levels = buildLevels(leaves, keccak);
  return bytesToHex(levels[levels.length - 1]!);
}
