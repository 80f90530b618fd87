/**
 * The two encodings a Bitcoin address is written in, decoding only: bech32 (BIP-173) and bech32m (BIP-350), and
 * base58check (base58 with the first 4 bytes of a double SHA-256 as its checksum). Written here, not taken from
 * @scure/base, because record validation runs on the page's verify path and needs only these three decoders
 * (issue #23). They accept and reject exactly what @scure/base's `bech32.decode`, `bech32m.decode`,
 * `bech32.fromWords` and `createBase58check(sha256).decode` do, with the same results
 * (test/core/bitcoin-codecs.test.ts holds them side by side, with BIP-173/BIP-350's vectors).
 */
import { sha256 } from "@noble/hashes/sha2";

const BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** The bech32 checksum's constant: 1 for bech32 (BIP-173), 0x2bc830a3 for bech32m (BIP-350). */
export const BECH32 = 1;
export const BECH32M = 0x2bc830a3;

function polymod(chk: number, value: number): number {
  const top = chk >>> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ value;
  for (let i = 0; i < 5; i++) if ((top >> i) & 1) chk ^= GENERATORS[i]!;
  return chk;
}

/**
 * Decodes a bech32 (`constant` BECH32) or bech32m (BECH32M) string of 8 to 90 characters into its human-readable
 * prefix (lowercase) and its 5-bit words (the checksum removed). All lowercase or all uppercase; throws otherwise,
 * on a character outside the charset, or on a wrong checksum.
 */
export function decodeBech32(text: string, constant: number): { prefix: string; words: number[] } {
  if (text.length < 8 || text.length > 90) throw new Error(`invalid string length: ${text.length}`);
  const lowered = text.toLowerCase();
  if (text !== lowered && text !== text.toUpperCase()) throw new Error("mixed case");
  const separator = lowered.lastIndexOf("1");
  if (separator < 1) throw new Error('no "1" between the prefix and the data');
  const prefix = lowered.slice(0, separator);
  const data = lowered.slice(separator + 1);
  if (data.length < 6) throw new Error("data shorter than 6 characters");
  let chk = 1;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c < 33 || c > 126) throw new Error("invalid prefix");
    chk = polymod(chk, c >> 5);
  }
  chk = polymod(chk, 0);
  for (let i = 0; i < prefix.length; i++) chk = polymod(chk, prefix.charCodeAt(i) & 31);
  const words: number[] = [];
  for (const c of data) {
    const word = BECH32_CHARSET.indexOf(c);
    if (word < 0) throw new Error(`unknown letter ${JSON.stringify(c)}`);
    chk = polymod(chk, word);
    words.push(word);
  }
  if (chk !== constant) throw new Error("invalid checksum");
  return { prefix, words: words.slice(0, -6) };
}

/** 5-bit words to bytes: at most 4 bits of padding, all zero (BIP-173), else throws. */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const bytes: number[] = [];
  let carry = 0;
  let bits = 0;
  for (const word of words) {
    carry = ((carry << 5) | word) & 0xfff;
    bits += 5;
    if (bits >= 8) bytes.push((carry >> (bits -= 8)) & 255);
  }
  if (bits >= 5) throw new Error("excess padding");
  if (carry & ((1 << bits) - 1)) throw new Error("non-zero padding");
  return Uint8Array.from(bytes);
}

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Decodes base58check: the payload, its 4-byte double SHA-256 checksum checked and removed; throws otherwise. */
export function decodeBase58check(text: string): Uint8Array {
  // Each leading "1" is a zero byte; the rest is a number, read into `number` least significant byte first.
  let zeros = 0;
  while (text[zeros] === "1") zeros++;
  const number: number[] = [];
  for (const c of text.slice(zeros)) {
    let carry = BASE58_ALPHABET.indexOf(c);
    if (carry < 0) throw new Error(`unknown letter ${JSON.stringify(c)}`);
    for (let j = 0; j < number.length; j++) {
      carry += number[j]! * 58;
      number[j] = carry & 255;
      carry >>= 8;
    }
    for (; carry; carry >>= 8) number.push(carry & 255);
  }
  const all = new Uint8Array(zeros + number.length);
  all.set(number.reverse(), zeros);
  if (all.length < 4) throw new Error("invalid checksum");
  const payload = all.slice(0, -4);
  const sum = sha256(sha256(payload));
  for (let i = 0; i < 4; i++) if (sum[i] !== all[payload.length + i]) throw new Error("invalid checksum");
  return payload;
}
