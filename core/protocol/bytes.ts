/**
 * Byte helpers on plain Uint8Array and lowercase 0x-hex: browser-safe, no Buffer.
 */
import { AiqynError } from "./errors";

export type Hex = `0x${string}`;

const HEX_DIGITS = "0123456789abcdef";
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

export function bytesToHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]!];
  return out as Hex;
}

/** The value of one ASCII hex digit (either case), or -1 when `code` is not one. */
export function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Parses 0x-prefixed hex of even length (either case). Throws AiqynError INVALID_HEX otherwise. */
export function hexToBytes(hex: string): Uint8Array {
  if (!isHexData(hex)) {
    throw new AiqynError("INVALID_HEX", "expected 0x-prefixed hex with an even number of digits");
  }
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (hexNibble(hex.charCodeAt(2 + 2 * i)) << 4) | hexNibble(hex.charCodeAt(3 + 2 * i));
  }
  return out;
}

/** True for 0x followed by exactly 64 hex digits (a bytes32). */
export function isBytes32Hex(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic (= big-endian numeric for equal lengths) comparison. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

const utf8 = new TextEncoder();
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

export const ZERO_BYTES32: Hex = `0x${"0".repeat(64)}`;

/**
 * The 32-byte ABI word of an unsigned integer: 64 lowercase hex digits, no 0x, big-endian and zero-padded.
 * Callers check the range they accept (the encoding itself does not).
 */
export function uintWordHex(value: bigint | number): string {
  return BigInt(value).toString(16).padStart(64, "0");
}

/** The same word as bytes. */
export function uintWordBytes(value: bigint | number): Uint8Array {
  return hexToBytes(`0x${uintWordHex(value)}`);
}

/** The 32-byte ABI word (or log topic) of a 0x address: 64 lowercase hex digits, no 0x, left-padded. */
export function addressWordHex(address: string): string {
  return address.slice(2).toLowerCase().padStart(64, "0");
}

/** A JSON-RPC quantity: 0x followed by at least one hex digit (either case). */
export function isHexQuantity(value: unknown): value is string {
  return typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value);
}

/** JSON-RPC data: 0x followed by whole bytes of hex (either case), possibly none. */
export function isHexData(value: unknown): value is string {
  return typeof value === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(value);
}
