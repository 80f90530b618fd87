/**
 * Bitcoin's byte encodings that BIP-322 needs: CompactSize integers, length-prefixed scripts and a witness
 * stack (count, then each item with its length), as base64 in a declaration's memo. Decoding is strict: the
 * canonical CompactSize only, no trailing bytes, canonical base64 (with padding).
 */
import { base64 } from "@scure/base";
import { concatBytes } from "@noble/hashes/utils";

export function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  return Uint8Array.of(0xfe, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
}

/** A script or witness item with its CompactSize length in front. */
export const withLength = (bytes: Uint8Array): Uint8Array => concatBytes(compactSize(bytes.length), bytes);

export function encodeWitness(items: Uint8Array[]): string {
  return base64.encode(concatBytes(compactSize(items.length), ...items.map(withLength)));
}

function readCompactSize(bytes: Uint8Array, at: number): [number, number] | null {
  const first = bytes[at];
  if (first === undefined) return null;
  if (first < 0xfd) return [first, at + 1];
  if (first === 0xfd && at + 3 <= bytes.length) {
    const n = bytes[at + 1]! | (bytes[at + 2]! << 8);
    return n < 0xfd ? null : [n, at + 3];
  }
  return null; // a witness of a simple signature never needs a 4-byte length
}

/** The witness stack in a base64 memo, or null when the text is not exactly one. */
export function decodeWitness(text: string): Uint8Array[] | null {
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(text);
  } catch {
    return null;
  }
  if (base64.encode(bytes) !== text) return null;
  const count = readCompactSize(bytes, 0);
  if (!count || count[0] === 0) return null;
  const items: Uint8Array[] = [];
  let at = count[1];
  for (let i = 0; i < count[0]; i++) {
    const length = readCompactSize(bytes, at);
    if (!length || length[1] + length[0] > bytes.length) return null;
    items.push(bytes.slice(length[1], length[1] + length[0]));
    at = length[1] + length[0];
  }
  return at === bytes.length ? items : null;
}
