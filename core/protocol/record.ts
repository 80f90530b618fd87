/**
 * core/protocol/: what is published and how it is hashed. The record and its kinds, its reference and CAIP
 * id rules, the canonical encoding and leaf, the batch tree and its proofs, the bundle, the receipt, the trust
 * root, a record's standing and the fund's totals, over small primitives (bytes, Keccak, decimals, shapes,
 * errors). Nothing here reads a chain; every verifier in Aiqyn builds on these definitions.
 *
 * Record v1: what the fund's operator discloses, its JSON form and its validation.
 *
 * Validation never rewrites anything: a string that is not NFC, holds a control character or is too long is
 * refused, not normalised, because the leaf hashes the exact UTF-8 bytes that were sent. Every problem is
 * reported at once, each as { field, code, message }.
 */
import { parseDecimal, type DecimalErrorCode } from "./decimal";
import { checkReconciliationFields } from "./references";
import { RECORD_KIND_NAMES, isRecordKind, type RecordKind } from "./kinds";
import {
  bareName,
  fields,
  isPlainObject,
  matches,
  optional,
  problem,
  type FieldCheck,
  type FieldProblem,
} from "./shape";

export type { FieldProblem } from "./shape";
export { RECORD_KINDS, RECORD_KIND_NAMES, kindCode, isRecordKind, type RecordKind } from "./kinds";

/** Scale of each decimal field: amount is encoded as amount × 10^18, valueUsd as cents. */
export const AMOUNT_DECIMALS = 18;
export const VALUE_USD_DECIMALS = 2;

export const LIMITS = {
  assetPattern: /^[A-Z0-9.-]{1,16}$/,
  publisherPattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
  counterpartyChars: 200,
  referenceChars: 200,
  memoChars: 1000,
  /** seq, timestamps and corrects are uint64 on chain but JSON numbers here: keep them exact in JS. */
  maxInteger: Number.MAX_SAFE_INTEGER,
} as const;

/** The fields a publisher sends. */
export interface RecordInput {
  kind: RecordKind;
  occurredAt: number;
  asset: string;
  amount: string;
  valueUsd: string;
  counterparty: string;
  reference: string;
  documentHash: string;
  memo: string;
  corrects: number;
}

/** A whole record: the publisher's fields plus the three the server sets. Field order is the leaf's. */
export interface RecordV1 extends RecordInput {
  seq: number;
  publishedAt: number;
  publisher: string;
}

export const INPUT_FIELDS = [
  "kind",
  "occurredAt",
  "asset",
  "amount",
  "valueUsd",
  "counterparty",
  "reference",
  "documentHash",
  "memo",
  "corrects",
] as const satisfies readonly (keyof RecordInput)[];

export const SERVER_FIELDS = ["seq", "publishedAt", "publisher"] as const satisfies readonly (keyof RecordV1)[];

/** Every field of Record v1 in leaf order (after the version byte). */
export const RECORD_FIELDS = [
  "seq",
  "kind",
  "occurredAt",
  "publishedAt",
  "publisher",
  "asset",
  "amount",
  "valueUsd",
  "counterparty",
  "reference",
  "documentHash",
  "memo",
  "corrects",
] as const satisfies readonly (keyof RecordV1)[];

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldProblem[] };

export interface InputValidationOptions {
  /** Current unix time in seconds; occurredAt may not be later than now + maxClockSkewSeconds. */
  now: number;
  /** Tolerated clock difference between publisher and server (default 300 s). */
  maxClockSkewSeconds?: number;
}

// C0, DEL and C1 controls: invisible, and able to make two different records look alike on a page.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Bidi embeddings, overrides and isolates reorder what a reader sees ("Trojan Source"): a memo could show
// one amount or name and hash another.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
// A lone surrogate cannot be encoded as UTF-8 at all.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Checks a free-text field; returns its problems (empty when fine). Length counts Unicode code points. */
function checkText(field: string, value: unknown, maxChars: number): FieldProblem[] {
  if (typeof value !== "string") return [{ field, code: "WRONG_TYPE", message: `${field} must be a string` }];
  // Cheap bound first so a huge string is refused without scanning it.
  if (value.length > maxChars * 2) {
    return [{ field, code: "STRING_TOO_LONG", message: `${field} must be at most ${maxChars} characters` }];
  }
  const problems: FieldProblem[] = [];
  if (LONE_SURROGATE.test(value)) {
    problems.push({ field, code: "STRING_ILL_FORMED", message: `${field} holds a lone UTF-16 surrogate` });
  } else if (value.normalize("NFC") !== value) {
    problems.push({ field, code: "STRING_NOT_NFC", message: `${field} must be in Unicode normalisation form NFC` });
  }
  if (CONTROL_CHARS.test(value)) {
    problems.push({ field, code: "STRING_CONTROL_CHAR", message: `${field} must not contain control characters` });
  }
  if (BIDI_CONTROLS.test(value)) {
    problems.push({
      field,
      code: "STRING_BIDI_CONTROL",
      message: `${field} must not contain bidirectional embedding, override or isolate characters`,
    });
  }
  let chars = 0;
  for (const _ of value) chars++;
  if (chars > maxChars) {
    problems.push({ field, code: "STRING_TOO_LONG", message: `${field} must be at most ${maxChars} characters` });
  }
  return problems;
}

/** An integer JSON number from `min` to LIMITS.maxInteger: WRONG_TYPE, else INTEGER_OUT_OF_RANGE. */
function integerFrom(min: number): FieldCheck {
  return (value, field) => {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return problem(field, "WRONG_TYPE", `${field} must be an integer JSON number`);
    }
    if (value >= min && value <= LIMITS.maxInteger) return [];
    return problem(field, "INTEGER_OUT_OF_RANGE", `${field} must be between ${min} and ${LIMITS.maxInteger}`);
  };
}

/** Free text of at most `maxChars` code points (checkText). */
const text =
  (maxChars: number): FieldCheck =>
  (value, field) =>
    checkText(field, value, maxChars);

/** A refused value as the message quotes it: JSON, cut at 60 characters (it may be huge or hostile). */
export function shownValue(value: unknown): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Digits grouped by commas, spaces or apostrophes: a spreadsheet's 13,440,000.00 or 1 234,56. */
const GROUPED_DIGITS = /^\d{1,3}(?:[, \u00a0\u202f'’]\d{3})+(?:[.,]\d+)?$/;

/** The decimal's problem, with the refused value and, for a common slip, the fix. */
function decimalProblem(
  field: string,
  value: unknown,
  failure: { code: DecimalErrorCode; message: string },
): FieldProblem[] {
  const code = failure.code === "DECIMAL_NOT_STRING" ? "WRONG_TYPE" : failure.code;
  let hint = "";
  if (typeof value === "string" && GROUPED_DIGITS.test(value.trim())) {
    hint = "; no thousands separators, and a dot for the fraction";
  } else if (typeof value === "number") hint = `; send it as a string, e.g. "${String(value)}"`;
  else if (typeof value === "string" && /^\d+,\d+$/.test(value))
    hint = `; the fraction takes a dot: ${value.replace(",", ".")}`;
  return problem(field, code, `${field} ${failure.message}${hint}; got ${shownValue(value)}`);
}

/** Unix seconds as an integer JSON number: a date string or a fraction is refused with an example. */
const checkUnixSeconds: FieldCheck = (value, field) => {
  const expected = "unix seconds as an integer JSON number, e.g. 1761955200 for 2025-11-01 00:00 UTC";
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return problem(field, "WRONG_TYPE", `${field} must be ${expected}; got ${shownValue(value)}`);
  }
  if (value >= 0 && value <= LIMITS.maxInteger) return [];
  return problem(field, "INTEGER_OUT_OF_RANGE", `${field} must be ${expected}; got ${shownValue(value)}`);
};

/** Kinds whose amount may be 0: a snapshot, a retraction, a declaration of an empty account. */
const ZERO_AMOUNT_KINDS: ReadonlySet<RecordKind> = new Set(["VALUATION", "RETRACTION", "WALLET_DECLARED"]);

const checkKind: FieldCheck = (kind, field) =>
  isRecordKind(kind)
    ? []
    : problem(
        field,
        typeof kind === "string" ? "KIND_UNKNOWN" : "WRONG_TYPE",
        `kind must be one of ${RECORD_KIND_NAMES.join(", ")}; got ${shownValue(kind)}`,
      );

/** A decimal with AMOUNT_DECIMALS; 0 for a RETRACTION, positive unless the kind may be 0. */
const checkAmount: FieldCheck = (value, field, { kind }) => {
  const amount = parseDecimal(value, AMOUNT_DECIMALS);
  if (!amount.ok) return decimalProblem(field, value, amount);
  if (kind === "RETRACTION" && amount.value !== 0n)
    return problem(field, "AMOUNT_NOT_ZERO", "a RETRACTION must have amount 0");
  if (isRecordKind(kind) && !ZERO_AMOUNT_KINDS.has(kind) && amount.value === 0n)
    return problem(field, "AMOUNT_NOT_POSITIVE", `amount must be greater than 0 for ${kind}`);
  return [];
};

const checkValueUsd: FieldCheck = (value, field) => {
  const valueUsd = parseDecimal(value, VALUE_USD_DECIMALS);
  return valueUsd.ok ? [] : decimalProblem(field, value, valueUsd);
};

const seqOrZero = integerFrom(0);

/** A seq or 0; a RETRACTION must name the seq it voids. */
const checkCorrects: FieldCheck = (value, field, { kind }) => {
  const problems = seqOrZero(value, field, {});
  if (problems.length === 0 && kind === "RETRACTION" && value === 0)
    return problem(field, "CORRECTS_REQUIRED", "a RETRACTION must name the seq it voids in corrects");
  return problems;
};

const assetFormat = matches(LIMITS.assetPattern, "ASSET_FORMAT", "1–16 characters of A–Z, 0–9, '.' and '-'");

/** An asset symbol; a lower-case one is told the upper-case spelling. */
const checkAsset: FieldCheck = (value, field, owner) => {
  const problems = assetFormat(value, field, owner);
  if (problems.length === 0 || typeof value !== "string") return problems;
  const upper = value.toUpperCase();
  const hint = LIMITS.assetPattern.test(upper) ? `; asset symbols are upper case: ${upper}` : "";
  return problem(field, problems[0]!.code, `${problems[0]!.message}${hint}; got ${shownValue(value)}`);
};

/** The publisher's fields, in the order their problems are reported. */
const INPUT_SHAPE = {
  kind: checkKind,
  occurredAt: checkUnixSeconds,
  asset: checkAsset,
  amount: checkAmount,
  valueUsd: checkValueUsd,
  counterparty: text(LIMITS.counterpartyChars),
  reference: text(LIMITS.referenceChars),
  memo: text(LIMITS.memoChars),
  documentHash: matches(
    /^0x[0-9a-fA-F]{64}$/,
    "DOCUMENT_HASH_FORMAT",
    "0x followed by 64 hex digits (the zero hash if there is no document)",
  ),
  corrects: checkCorrects,
} satisfies Record<keyof RecordInput, FieldCheck>;

const serverSet: FieldCheck = (_value, field) =>
  problem(field, "FIELD_SERVER_SET", `${field} is set by the server and must not be sent`);

/** What a publisher sends: the server's fields are refused as FIELD_SERVER_SET (not FIELD_UNKNOWN). */
const inputFields = fields(
  { seq: optional(serverSet), publishedAt: optional(serverSet), publisher: optional(serverSet), ...INPUT_SHAPE },
  bareName,
);

/** A whole record: the server's fields, then the publisher's. */
const recordFields = fields(
  {
    seq: integerFrom(1),
    publishedAt: integerFrom(0),
    publisher: matches(
      LIMITS.publisherPattern,
      "PUBLISHER_FORMAT",
      "1–64 characters of a–z, 0–9, '.', '_' and '-', starting with a letter or digit",
    ),
    ...INPUT_SHAPE,
  } satisfies Record<keyof RecordV1, FieldCheck>,
  bareName,
);

const notAnObject = (): Validation<never> => ({
  ok: false,
  errors: problem("", "WRONG_TYPE", "a record must be a JSON object"),
});

/** The fields' and the reconciliation rules' problems (a missing field has no other problem). */
function recordProblems(input: Record<string, unknown>, check: typeof inputFields): FieldProblem[] {
  const problems = check(input, "");
  if (isRecordKind(input.kind)) {
    const reconciliation = checkReconciliationFields(input);
    if (reconciliation.length > 0) problems.push(...reconciliation);
  }
  return problems;
}

/** A copy of the publisher's fields (a literal: far faster than copying by a key list). */
function inputOf(input: Record<string, unknown>): RecordInput {
  return {
    kind: input.kind as RecordKind,
    occurredAt: input.occurredAt as number,
    asset: input.asset as string,
    amount: input.amount as string,
    valueUsd: input.valueUsd as string,
    counterparty: input.counterparty as string,
    reference: input.reference as string,
    documentHash: input.documentHash as string,
    memo: input.memo as string,
    corrects: input.corrects as number,
  };
}

/** A copy of a whole record's fields, in leaf order. */
function recordOf(input: Record<string, unknown>): RecordV1 {
  return {
    seq: input.seq as number,
    kind: input.kind as RecordKind,
    occurredAt: input.occurredAt as number,
    publishedAt: input.publishedAt as number,
    publisher: input.publisher as string,
    asset: input.asset as string,
    amount: input.amount as string,
    valueUsd: input.valueUsd as string,
    counterparty: input.counterparty as string,
    reference: input.reference as string,
    documentHash: input.documentHash as string,
    memo: input.memo as string,
    corrects: input.corrects as number,
  };
}

/** Why an occurredAt is in the future; a millisecond timestamp is named as such. */
function futureMessage(occurredAt: number, now: number): string {
  const at = `occurredAt must not be in the future (now is ${now}); got ${occurredAt}`;
  return occurredAt > now * 100
    ? `${at}, which looks like milliseconds: send unix seconds, e.g. ${Math.floor(occurredAt / 1000)}`
    : `${at} (${new Date(occurredAt * 1000).toISOString().slice(0, 19)}Z)`;
}

/**
 * Validates what a publisher sent: exactly the ten publisher fields, no server field, every rule of
 * Record v1, and occurredAt not in the future. Returns every problem at once.
 */
export function validateRecordInput(input: unknown, options: InputValidationOptions): Validation<RecordInput> {
  if (!isPlainObject(input)) return notAnObject();
  const problems = recordProblems(input, inputFields);
  const { occurredAt } = input;
  const latest = options.now + (options.maxClockSkewSeconds ?? 300);
  if (typeof occurredAt === "number" && Number.isInteger(occurredAt) && occurredAt > latest)
    problems.push(...problem("occurredAt", "OCCURRED_IN_FUTURE", futureMessage(occurredAt, options.now)));
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, value: inputOf(input) };
}

/**
 * Validates a whole record as found in a bundle or an API answer: every field of Record v1, nothing else.
 * It checks the record's own rules (including corrects < seq) but not time against a clock: a verifier
 * judges what was anchored, not when it reads it.
 */
export function validateRecord(input: unknown): Validation<RecordV1> {
  if (!isPlainObject(input)) return notAnObject();
  const problems = recordProblems(input, recordFields);
  const { seq, corrects } = input;
  if (typeof seq === "number" && typeof corrects === "number" && corrects !== 0 && corrects >= seq)
    problems.push(...problem("corrects", "CORRECTS_NOT_EARLIER", "corrects must name an earlier seq"));
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, value: recordOf(input) };
}

/** A record's standing once later records are known. */
export type RecordStanding = "current" | "superseded" | "retracted";
