/**
 * The canonical encoding of a record and its leaf hash.
 *
 * encodeRecord(r) is exactly Solidity's
 *   abi.encode(uint8 1, uint64 r.seq, uint8 kind, uint64 r.occurredAt, uint64 r.publishedAt,
 *              string r.publisher, string r.asset, uint256 amount, uint256 valueUsd,
 *              string r.counterparty, string r.reference, bytes32 r.documentHash, string r.memo,
 *              uint64 r.corrects)
 * where kind is the kind's uint8 code, amount = r.amount × 10^18 and valueUsd = r.valueUsd × 100 (see
 * decimal.ts), and each string is its exact UTF-8 bytes. Layout: 14 head words of 32 bytes; a static
 * value sits in its word, right-aligned (bytes32 as is); a string's word holds the byte offset of its tail
 * from the start of the encoding; the tails follow in parameter order, each a 32-byte length then the bytes
 * zero-padded to a multiple of 32.
 *
 * Written by hand because a general ABI coder costs ~6× more per record; test/core checks it against
 * ethers' AbiCoder on random records.
 */
import { bytesToHex, utf8Bytes, type Hex } from "./bytes";
import { AMOUNT_DECIMALS, isRecordKind, kindCode, VALUE_USD_DECIMALS, type RecordV1 } from "./record";
import { parseDecimal } from "./decimal";
import { keccak256, type Keccak } from "./keccak";
import { AiqynError } from "./errors";

/** The version byte that opens every leaf's preimage. */
export const RECORD_VERSION = 1;

/** The ABI types of the leaf preimage, in order: for tools that use a general ABI coder. */
export const LEAF_ABI_TYPES = [
  "uint8",
  "uint64",
  "uint8",
  "uint64",
  "uint64",
  "string",
  "string",
  "uint256",
  "uint256",
  "string",
  "string",
  "bytes32",
  "string",
  "uint64",
] as const;

const HEAD_WORDS = LEAF_ABI_TYPES.length;

/** The record's fields as ABI values in LEAF_ABI_TYPES order (bigints for integers, hex for bytes32). */
export function leafAbiValues(record: RecordV1): [number, bigint, number, bigint, bigint, string, string, bigint, bigint, string, string, string, string, bigint] {
  return [
    RECORD_VERSION,
    BigInt(record.seq),
    kindCode(record.kind),
    BigInt(record.occurredAt),
    BigInt(record.publishedAt),
    record.publisher,
    record.asset,
    scaled(record.amount, AMOUNT_DECIMALS, "amount"),
    scaled(record.valueUsd, VALUE_USD_DECIMALS, "valueUsd"),
    record.counterparty,
    record.reference,
    record.documentHash.toLowerCase(),
    record.memo,
    BigInt(record.corrects),
  ];
}

function scaled(text: string, decimals: number, field: string): bigint {
  const parsed = parseDecimal(text, decimals);
  if (!parsed.ok) throw new AiqynError("INVALID_RECORD", `${field} ${parsed.message}`, { details: { field, code: parsed.code } });
  return parsed.value;
}

function writeUint53(out: Uint8Array, wordStart: number, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AiqynError("INVALID_RECORD", `${field} must be a non-negative safe integer`, { details: { field } });
  }
  // The low 8 bytes of the word, big-endian; the upper 24 stay zero.
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  const end = wordStart + 32;
  out[end - 1] = low & 0xff;
  out[end - 2] = (low >>> 8) & 0xff;
  out[end - 3] = (low >>> 16) & 0xff;
  out[end - 4] = (low >>> 24) & 0xff;
  out[end - 5] = high & 0xff;
  out[end - 6] = (high >>> 8) & 0xff;
  out[end - 7] = (high >>> 16) & 0xff;
  out[end - 8] = (high >>> 24) & 0xff;
}

function writeUint256(out: Uint8Array, wordStart: number, value: bigint): void {
  // Through hex: one BigInt conversion instead of 32 BigInt shifts.
  const hex = value.toString(16);
  let at = wordStart + 32 - Math.ceil(hex.length / 2);
  let i = hex.length % 2 === 1 ? -1 : 0;
  for (; i < hex.length; i += 2, at++) {
    out[at] = (i < 0 ? 0 : hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
  }
}

function hexDigit(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

const ASCII = /^[\x00-\x7f]*$/;

/** A string's UTF-8 form: the string itself when it is ASCII (written byte by byte later), else its bytes. */
function utf8Form(text: string): string | Uint8Array {
  return ASCII.test(text) ? text : utf8Bytes(text);
}

function writeUtf8(out: Uint8Array, at: number, form: string | Uint8Array): void {
  if (typeof form !== "string") {
    out.set(form, at);
    return;
  }
  for (let i = 0; i < form.length; i++) out[at + i] = form.charCodeAt(i);
}

const STRING_SLOTS = [5, 6, 9, 10, 12] as const;

/** The ABI encoding of the leaf preimage (see the module comment for the exact layout). */
export function encodeRecord(record: RecordV1): Uint8Array {
  const strings = [
    utf8Form(record.publisher),
    utf8Form(record.asset),
    utf8Form(record.counterparty),
    utf8Form(record.reference),
    utf8Form(record.memo),
  ];
  let size = HEAD_WORDS * 32;
  for (const form of strings) size += 32 + Math.ceil(form.length / 32) * 32;

  const out = new Uint8Array(size);
  out[31] = RECORD_VERSION;
  writeUint53(out, 1 * 32, record.seq, "seq");
  if (!isRecordKind(record.kind)) {
    throw new AiqynError("INVALID_RECORD", "kind is not a Record v1 kind", { details: { field: "kind" } });
  }
  out[2 * 32 + 31] = kindCode(record.kind);
  writeUint53(out, 3 * 32, record.occurredAt, "occurredAt");
  writeUint53(out, 4 * 32, record.publishedAt, "publishedAt");
  writeUint256(out, 7 * 32, scaled(record.amount, AMOUNT_DECIMALS, "amount"));
  writeUint256(out, 8 * 32, scaled(record.valueUsd, VALUE_USD_DECIMALS, "valueUsd"));
  if (!/^0x[0-9a-fA-F]{64}$/.test(record.documentHash)) {
    throw new AiqynError("INVALID_RECORD", "documentHash must be a bytes32 hex", { details: { field: "documentHash" } });
  }
  for (let i = 0; i < 32; i++) {
    out[11 * 32 + i] =
      (hexDigit(record.documentHash.charCodeAt(2 + 2 * i)) << 4) | hexDigit(record.documentHash.charCodeAt(3 + 2 * i));
  }
  writeUint53(out, 13 * 32, record.corrects, "corrects");

  let tail = HEAD_WORDS * 32;
  for (let k = 0; k < STRING_SLOTS.length; k++) {
    const form = strings[k]!;
    writeUint53(out, STRING_SLOTS[k]! * 32, tail, "offset");
    writeUint53(out, tail, form.length, "length");
    writeUtf8(out, tail + 32, form);
    tail += 32 + Math.ceil(form.length / 32) * 32;
  }
  return out;
}

/**
 * The record's inner hash: keccak256(encodeRecord(record)).
 */
export function innerHash(record: RecordV1, keccak: Keccak = keccak256): Uint8Array {
  return keccak(encodeRecord(record));
}

/**
 * The leaf as bytes: keccak256(keccak256(encodeRecord(record))), OpenZeppelin's standard leaf. The double
 * hash keeps a leaf from ever passing for a 64-byte inner node.
 */
export function leafBytes(record: RecordV1, keccak: Keccak = keccak256): Uint8Array {
  return keccak(keccak(encodeRecord(record)));
}

/** The leaf as 0x-hex: keccak256(keccak256(encodeRecord(record))). */
export function leafHash(record: RecordV1, keccak: Keccak = keccak256): Hex {
  return bytesToHex(leafBytes(record, keccak));
}
