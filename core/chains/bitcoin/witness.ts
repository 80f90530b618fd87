/**
 * Bitcoin's byte encodings that BIP-322 needs: CompactSize integers, length-prefixed scripts and a witness
 * stack (count, then each item with its length), as base64 in a declaration's memo. Decoding is strict: the
 * canonical CompactSize only, no trailing bytes, canonical base64 (with padding).
 */
import { concatBytes } from "@noble/hashes/utils";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** RFC 4648 base64 with padding (a memo is ≤ 1000 characters: no need for speed). */
export const base64 = {
  encode(bytes: Uint8Array): string {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
      const chars = [18, 12, 6, 0].map((shift) => ALPHABET[(n >> shift) & 63]!);
      const kept = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6)); // 2, 3 or 4 characters
      out += chars.slice(0, kept).join("") + "=".repeat(4 - kept);
    }
    return out;
  },
  /** Throws on anything that is not padded base64 (its canonical form is checked by re-encoding). */
  decode(text: string): Uint8Array {
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error("not base64");
    const bytes: number[] = [];
    for (let i = 0; i < text.length; i += 4) {
      const quad = text.slice(i, i + 4);
      const n = [...quad].reduce((acc, c) => (acc << 6) | (c === "=" ? 0 : ALPHABET.indexOf(c)), 0);
      const pad = quad.endsWith("==") ? 2 : quad.endsWith("=") ? 1 : 0;
      if (pad > 0 && i + 4 !== text.length) throw new Error("padding inside base64");
      bytes.push((n >> 16) & 255, (n >> 8) & 255, n & 255);
      bytes.length -= pad;
    }
    return Uint8Array.from(bytes);
  },
};

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
