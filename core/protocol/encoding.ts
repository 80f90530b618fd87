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
import { bytesToHex, hexNibble, type Hex } from "./bytes";
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
export function leafAbiValues(
  record: RecordV1,
): [number, bigint, number, bigint, bigint, string, string, bigint, bigint, string, string, string, string, bigint] {
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
  if (!parsed.ok)
    throw new AiqynError("INVALID_RECORD", `${field} ${parsed.message}`, { details: { field, code: parsed.code } });
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
    out[at] = (i < 0 ? 0 : hexNibble(hex.charCodeAt(i)) << 4) | hexNibble(hex.charCodeAt(i + 1));
  }
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** 11 limbs of 24 bits (264 bits), least significant first: room for any 78-digit decimal. */
const LIMBS = new Array<number>(11).fill(0);

/**
 * Writes decimal `text` × 10^scale into the uint256 word at `wordStart`. The common case (a canonical decimal
 * of at most 60 characters) is done in 24-bit limbs, without BigInt; anything else goes through parseDecimal,
 * which also gives unusual input its exact error.
 */
function writeDecimal(out: Uint8Array, wordStart: number, text: string, scale: number, field: string): void {
  if (typeof text !== "string" || text.length === 0 || text.length > 60) {
    writeUint256(out, wordStart, scaled(text, scale, field));
    return;
  }
  let dot = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && dot === -1 && i > 0 && i < text.length - 1) dot = i;
    else if (c < 48 || c > 57) {
      writeUint256(out, wordStart, scaled(text, scale, field));
      return;
    }
  }
  const wholeLength = dot === -1 ? text.length : dot;
  const fractionLength = dot === -1 ? 0 : text.length - dot - 1;
  if ((wholeLength > 1 && text.charCodeAt(0) === 48) || fractionLength > scale) {
    writeUint256(out, wordStart, scaled(text, scale, field)); // throws the leading-zero / precision error
    return;
  }
  // value = digits (dot skipped) followed by (scale − fractionLength) zeros, taken up to 6 digits at a time:
  // limb × 10^6 + carry < 2^44 stays exact in a double.
  const limbs = LIMBS;
  limbs.fill(0);
  let top = 1;
  const mulAdd = (factor: number, add: number) => {
    let carry = add;
    for (let k = 0; k < top; k++) {
      const v = limbs[k]! * factor + carry;
      const low = v % 0x1000000;
      limbs[k] = low;
      carry = (v - low) / 0x1000000;
    }
    while (carry !== 0) {
      limbs[top++] = carry % 0x1000000;
      carry = Math.floor(carry / 0x1000000);
    }
  };
  let chunk = 0;
  let chunkDigits = 0;
  for (let i = 0; i < text.length; i++) {
    if (i === dot) continue;
    chunk = chunk * 10 + (text.charCodeAt(i) - 48);
    if (++chunkDigits === 6) {
      mulAdd(1_000_000, chunk);
      chunk = 0;
      chunkDigits = 0;
    }
  }
  if (chunkDigits > 0) mulAdd(POWERS_OF_TEN[chunkDigits]!, chunk);
  for (let zeros = scale - fractionLength; zeros > 0; zeros -= 6) mulAdd(POWERS_OF_TEN[Math.min(6, zeros)]!, 0);
  if (top === 11 && limbs[10]! > 0xffff) {
    writeUint256(out, wordStart, scaled(text, scale, field)); // throws DECIMAL_OVERFLOW
    return;
  }
  const end = wordStart + 32;
  for (let k = 0; k < top; k++) {
    const limb = limbs[k]!;
    const at = end - 3 * k;
    out[at - 1] = limb & 0xff;
    out[at - 2] = (limb >>> 8) & 0xff;
    if (k < 10) out[at - 3] = limb >>> 16;
  }
}

const utf8 = new TextEncoder();

/**
 * Writes `text`'s UTF-8 bytes at `at` and returns how many: ASCII byte by byte (most fields are ASCII), any
 * other string through TextEncoder (exactly utf8Bytes' bytes).
 */
function writeUtf8(out: Uint8Array, at: number, text: string, field: string): number {
  if (typeof text !== "string") {
    throw new AiqynError("INVALID_RECORD", `${field} must be a string`, { details: { field } });
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return utf8.encodeInto(text, out.subarray(at)).written;
    out[at + i] = c;
  }
  return text.length;
}

/** Writes a string's offset into its head slot and its tail (length word, bytes); returns the next tail. */
function writeString(out: Uint8Array, slot: number, tail: number, text: string, field: string): number {
  const length = writeUtf8(out, tail + 32, text, field);
  writeUint53(out, slot * 32, tail, "offset");
  writeUint53(out, tail, length, "length");
  return tail + 32 + Math.ceil(length / 32) * 32;
}

const STRING_FIELDS = ["publisher", "asset", "counterparty", "reference", "memo"] as const;

/** Reused output area (zero outside a call); grown when a record needs more. */
let scratch = new Uint8Array(4096);

/**
 * Writes the encoding into `scratch` and returns its length. The caller reads scratch[0 .. length) and then
 * calls clearScratch(length): scratch is all zeros between calls, which the padding relies on. (A slice per
 * record costs more than the encoding itself: buffers of this size live outside V8's heap.)
 */
function encodeToScratch(record: RecordV1): number {
  // An upper bound of the size: a UTF-16 unit never takes more than 3 UTF-8 bytes.
  let bound = HEAD_WORDS * 32;
  for (const field of STRING_FIELDS) {
    const text = record[field];
    bound += 64 + (typeof text === "string" ? text.length * 3 : 0);
  }
  if (bound > scratch.length) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  const out = scratch;
  try {
    out[31] = RECORD_VERSION;
    writeUint53(out, 1 * 32, record.seq, "seq");
    if (!isRecordKind(record.kind)) {
      throw new AiqynError("INVALID_RECORD", "kind is not a Record v1 kind", { details: { field: "kind" } });
    }
    out[2 * 32 + 31] = kindCode(record.kind);
    writeUint53(out, 3 * 32, record.occurredAt, "occurredAt");
    writeUint53(out, 4 * 32, record.publishedAt, "publishedAt");
    writeDecimal(out, 7 * 32, record.amount, AMOUNT_DECIMALS, "amount");
    writeDecimal(out, 8 * 32, record.valueUsd, VALUE_USD_DECIMALS, "valueUsd");
    const doc = record.documentHash;
    let docOk = typeof doc === "string" && doc.length === 66 && doc.charCodeAt(0) === 48 && doc.charCodeAt(1) === 120;
    for (let i = 0; docOk && i < 32; i++) {
      const hi = hexNibble(doc.charCodeAt(2 + 2 * i));
      const lo = hexNibble(doc.charCodeAt(3 + 2 * i));
      if (hi < 0 || lo < 0) docOk = false;
      else out[11 * 32 + i] = (hi << 4) | lo;
    }
    if (!docOk) {
      throw new AiqynError("INVALID_RECORD", "documentHash must be a bytes32 hex", {
        details: { field: "documentHash" },
      });
    }
    writeUint53(out, 13 * 32, record.corrects, "corrects");

    // The five strings' tails, in parameter order (slots 5, 6, 9, 10, 12).
    let tail = HEAD_WORDS * 32;
    tail = writeString(out, 5, tail, record.publisher, "publisher");
    tail = writeString(out, 6, tail, record.asset, "asset");
    tail = writeString(out, 9, tail, record.counterparty, "counterparty");
    tail = writeString(out, 10, tail, record.reference, "reference");
    tail = writeString(out, 12, tail, record.memo, "memo");
    return tail;
  } catch (error) {
    out.fill(0, 0, bound);
    throw error;
  }
}

function clearScratch(length: number): void {
  scratch.fill(0, 0, length);
}

/** The ABI encoding of the leaf preimage (see the module comment for the exact layout). */
export function encodeRecord(record: RecordV1): Uint8Array {
  const length = encodeToScratch(record);
  const out = scratch.slice(0, length);
  clearScratch(length);
  return out;
}

/**
 * The record's inner hash: keccak256(encodeRecord(record)).
 */
export function innerHash(record: RecordV1, keccak: Keccak = keccak256): Uint8Array {
  const length = encodeToScratch(record);
  try {
    return keccak(scratch.subarray(0, length));
  } finally {
    clearScratch(length);
  }
}

/**
 * The leaf as bytes: keccak256(keccak256(encodeRecord(record))), OpenZeppelin's standard leaf. The double
 * hash keeps a leaf from ever passing for a 64-byte inner node.
 */
export function leafBytes(record: RecordV1, keccak: Keccak = keccak256): Uint8Array {
  return keccak(innerHash(record, keccak));
}

/** The leaf as 0x-hex: keccak256(keccak256(encodeRecord(record))). */
export function leafHash(record: RecordV1, keccak: Keccak = keccak256): Hex {
  return bytesToHex(leafBytes(record, keccak));
}
