/**
 * Record v1: what the fund's operator discloses, its JSON form and its validation.
 *
 * Validation never rewrites anything: a string that is not NFC, holds a control character or is too long is
 * refused, not normalised, because the leaf hashes the exact UTF-8 bytes that were sent. Every problem is
 * reported at once, each as { field, code, message }.
 */
import { parseDecimal } from "./decimal";
import { checkReconciliationFields } from "./reconcile-refs";

/** Kind names and their uint8 codes in the leaf encoding. Codes are fixed forever. */
export const RECORD_KINDS = {
  INFLOW_SEIZURE: 1,
  INFLOW_MINING: 2,
  INFLOW_OTHER: 3,
  INVESTMENT: 4,
  DIVESTMENT: 5,
  GRANT: 6,
  EXPENSE: 7,
  TRANSFER: 8,
  VALUATION: 9,
  RETRACTION: 10,
  WALLET_DECLARED: 11,
} as const;

export type RecordKind = keyof typeof RECORD_KINDS;
export const RECORD_KIND_NAMES = Object.keys(RECORD_KINDS) as RecordKind[];

export function kindCode(kind: RecordKind): number {
  return RECORD_KINDS[kind];
}

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(RECORD_KINDS, value);
}

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

export interface FieldProblem {
  /** The field's name (a JSON pointer segment); "" for the record as a whole. */
  field: string;
  /** Stable machine-readable code, e.g. FIELD_REQUIRED, STRING_NOT_NFC, DECIMAL_TOO_PRECISE. */
  code: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldProblem[] };

export interface InputValidationOptions {
  /** Current unix time in seconds; occurredAt may not be later than now + maxClockSkewSeconds. */
  now: number;
  /** Tolerated clock difference between publisher and server (default 300 s). */
  maxClockSkewSeconds?: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// C0, DEL and C1 controls: invisible, and able to make two different records look alike on a page.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Bidi embeddings, overrides and isolates reorder what a reader sees ("Trojan Source"): a memo could show
// one amount or name and hash another.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
// A lone surrogate cannot be encoded as UTF-8 at all.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Checks a free-text field; returns its problems (empty when fine). Length counts Unicode code points. */
export function checkText(field: string, value: unknown, maxChars: number, minChars = 0): FieldProblem[] {
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
  } else if (chars < minChars) {
    problems.push({ field, code: "STRING_TOO_SHORT", message: `${field} must not be empty` });
  }
  return problems;
}

function checkInteger(field: string, value: unknown, min: number): FieldProblem[] {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return [{ field, code: "WRONG_TYPE", message: `${field} must be an integer JSON number` }];
  }
  if (value < min || value > LIMITS.maxInteger) {
    return [
      { field, code: "INTEGER_OUT_OF_RANGE", message: `${field} must be between ${min} and ${LIMITS.maxInteger}` },
    ];
  }
  return [];
}

function checkPattern(field: string, value: unknown, pattern: RegExp, code: string, what: string): FieldProblem[] {
  if (typeof value !== "string") return [{ field, code: "WRONG_TYPE", message: `${field} must be a string` }];
  return pattern.test(value) ? [] : [{ field, code, message: `${field} must be ${what}` }];
}

/** Kinds whose amount may be 0: a snapshot, a retraction, a declaration of an empty account. */
const ZERO_AMOUNT_KINDS: ReadonlySet<RecordKind> = new Set(["VALUATION", "RETRACTION", "WALLET_DECLARED"]);

/** Checks the publisher's fields of `input` (already known to be an object) and their cross-field rules. */
function checkInputFields(input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const kind = input.kind;
  if (!isRecordKind(kind)) {
    problems.push({
      field: "kind",
      code: typeof kind === "string" ? "KIND_UNKNOWN" : "WRONG_TYPE",
      message: `kind must be one of ${RECORD_KIND_NAMES.join(", ")}`,
    });
  }
  problems.push(...checkInteger("occurredAt", input.occurredAt, 0));
  problems.push(
    ...checkPattern(
      "asset",
      input.asset,
      LIMITS.assetPattern,
      "ASSET_FORMAT",
      "1–16 characters of A–Z, 0–9, '.' and '-'",
    ),
  );

  const amount = parseDecimal(input.amount, AMOUNT_DECIMALS);
  if (!amount.ok) {
    problems.push({
      field: "amount",
      code: amount.code === "DECIMAL_NOT_STRING" ? "WRONG_TYPE" : amount.code,
      message: `amount ${amount.message}`,
    });
  } else if (kind === "RETRACTION" && amount.value !== 0n) {
    problems.push({ field: "amount", code: "AMOUNT_NOT_ZERO", message: "a RETRACTION must have amount 0" });
  } else if (isRecordKind(kind) && !ZERO_AMOUNT_KINDS.has(kind) && amount.value === 0n) {
    problems.push({
      field: "amount",
      code: "AMOUNT_NOT_POSITIVE",
      message: `amount must be greater than 0 for ${kind}`,
    });
  }

  const valueUsd = parseDecimal(input.valueUsd, VALUE_USD_DECIMALS);
  if (!valueUsd.ok) {
    problems.push({
      field: "valueUsd",
      code: valueUsd.code === "DECIMAL_NOT_STRING" ? "WRONG_TYPE" : valueUsd.code,
      message: `valueUsd ${valueUsd.message}`,
    });
  }

  problems.push(...checkText("counterparty", input.counterparty, LIMITS.counterpartyChars));
  problems.push(...checkText("reference", input.reference, LIMITS.referenceChars));
  problems.push(...checkText("memo", input.memo, LIMITS.memoChars));
  problems.push(
    ...checkPattern(
      "documentHash",
      input.documentHash,
      /^0x[0-9a-fA-F]{64}$/,
      "DOCUMENT_HASH_FORMAT",
      "0x followed by 64 hex digits (the zero hash if there is no document)",
    ),
  );

  const corrects = checkInteger("corrects", input.corrects, 0);
  problems.push(...corrects);
  if (corrects.length === 0 && kind === "RETRACTION" && input.corrects === 0) {
    problems.push({
      field: "corrects",
      code: "CORRECTS_REQUIRED",
      message: "a RETRACTION must name the seq it voids in corrects",
    });
  }
  if (isRecordKind(kind)) problems.push(...checkReconciliationFields(input));
  return problems;
}

function unknownFieldProblems(input: Record<string, unknown>, allowed: readonly string[]): FieldProblem[] {
  return Object.keys(input)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      field: key,
      code: "FIELD_UNKNOWN",
      message: `unknown field ${JSON.stringify(key).slice(0, 80)}`,
    }));
}

function missingFieldProblems(input: Record<string, unknown>, required: readonly string[]): FieldProblem[] {
  return required
    .filter((key) => !Object.prototype.hasOwnProperty.call(input, key))
    .map((key) => ({ field: key, code: "FIELD_REQUIRED", message: `${key} is required` }));
}

/**
 * Validates what a publisher sent: exactly the ten publisher fields, no server field, every rule of
 * Record v1, and occurredAt not in the future. Returns every problem at once.
 */
export function validateRecordInput(input: unknown, options: InputValidationOptions): Validation<RecordInput> {
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ field: "", code: "WRONG_TYPE", message: "a record must be a JSON object" }] };
  }
  const problems: FieldProblem[] = [];
  for (const key of SERVER_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(input, key)) {
      problems.push({
        field: key,
        code: "FIELD_SERVER_SET",
        message: `${key} is set by the server and must not be sent`,
      });
    }
  }
  problems.push(...unknownFieldProblems(input, [...INPUT_FIELDS, ...SERVER_FIELDS]));
  const missing = missingFieldProblems(input, INPUT_FIELDS);
  problems.push(...missing);
  const missingNames = new Set(missing.map((p) => p.field));
  problems.push(...checkInputFields(input).filter((p) => !missingNames.has(p.field)));

  const skew = options.maxClockSkewSeconds ?? 300;
  if (
    typeof input.occurredAt === "number" &&
    Number.isInteger(input.occurredAt) &&
    input.occurredAt > options.now + skew
  ) {
    problems.push({ field: "occurredAt", code: "OCCURRED_IN_FUTURE", message: "occurredAt must not be in the future" });
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  const value: RecordInput = {
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
  return { ok: true, value };
}

/**
 * Validates a whole record as found in a bundle or an API answer: every field of Record v1, nothing else.
 * It checks the record's own rules (including corrects < seq) but not time against a clock: a verifier
 * judges what was anchored, not when it reads it.
 */
export function validateRecord(input: unknown): Validation<RecordV1> {
  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ field: "", code: "WRONG_TYPE", message: "a record must be a JSON object" }] };
  }
  const problems: FieldProblem[] = [];
  problems.push(...unknownFieldProblems(input, RECORD_FIELDS));
  const missing = missingFieldProblems(input, RECORD_FIELDS);
  problems.push(...missing);
  const missingNames = new Set(missing.map((p) => p.field));
  const own: FieldProblem[] = [
    ...checkInteger("seq", input.seq, 1),
    ...checkInteger("publishedAt", input.publishedAt, 0),
    ...checkPattern(
      "publisher",
      input.publisher,
      LIMITS.publisherPattern,
      "PUBLISHER_FORMAT",
      "1–64 characters of a–z, 0–9, '.', '_' and '-', starting with a letter or digit",
    ),
    ...checkInputFields(input),
  ];
  problems.push(...own.filter((p) => !missingNames.has(p.field)));
  if (
    typeof input.seq === "number" &&
    typeof input.corrects === "number" &&
    input.corrects !== 0 &&
    input.corrects >= input.seq
  ) {
    problems.push({ field: "corrects", code: "CORRECTS_NOT_EARLIER", message: "corrects must name an earlier seq" });
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  const record: RecordV1 = {
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
  return { ok: true, value: record };
}

/** A record's standing once later records are known. */
export type RecordStanding = "current" | "superseded" | "retracted";
