/**
 * Shape validation of attacker-controlled JSON: an object's fields against a table of checks, reporting every
 * problem at once as { field, code, message }. Records name fields by bare name ("kind"), bundles by JSON
 * pointer ("/record/kind"): how a field is named is a parameter (`Join`), never a choice made here.
 */
import { isBytes32Hex } from "./bytes";
import { AiqynError, type AiqynCode } from "./errors";

/**
 * Every code a field problem carries (docs/API.md lists them): the shape's own, the record's rules, a decimal's
 * (core/protocol/decimal.ts) and a reconciliation reference's (core/protocol/caip.ts), and the server's bulk body.
 */
export const FIELD_PROBLEM_CODES = [
  "WRONG_TYPE",
  "FIELD_UNKNOWN",
  "FIELD_REQUIRED",
  "FIELD_SERVER_SET",
  "UNSUPPORTED_FORMAT",
  "PROOF_TOO_LONG",
  "INTEGER_OUT_OF_RANGE",
  "KIND_UNKNOWN",
  "ASSET_FORMAT",
  "PUBLISHER_FORMAT",
  "DOCUMENT_HASH_FORMAT",
  "DECIMAL_SYNTAX",
  "DECIMAL_LEADING_ZERO",
  "DECIMAL_TOO_PRECISE",
  "DECIMAL_OVERFLOW",
  "AMOUNT_NOT_POSITIVE",
  "AMOUNT_NOT_ZERO",
  "STRING_TOO_LONG",
  "STRING_ILL_FORMED",
  "STRING_NOT_NFC",
  "STRING_CONTROL_CHAR",
  "STRING_BIDI_CONTROL",
  "CORRECTS_REQUIRED",
  "CORRECTS_NOT_EARLIER",
  "CORRECTS_UNKNOWN",
  "OCCURRED_IN_FUTURE",
  "CAIP2_FORMAT",
  "CAIP10_FORMAT",
  "CAIP19_FORMAT",
  "CAIP_ADDRESS",
  "CAIP_ADDRESS_CHECKSUM",
  "CAIP_NAMESPACE_UNSUPPORTED",
  "REFERENCE_FORMAT",
  "REFERENCE_CHAIN_MISMATCH",
  "CONTROL_SIGNATURE_FORMAT",
  "BULK_SIZE",
  "CONTROL_SIGNATURE_REFUSED",
  "CORRECTION_NOT_OWN",
] as const;

/**
 * Every code a field problem carries (docs/PROTOCOL.md §1.4 and §3, docs/API.md): the shape's own, the
 * record's rules, a decimal's (core/protocol/decimal.ts) and a reconciliation reference's (core/protocol/caip.ts), and the
 * server's bulk body. core/protocol/decimal.ts's and core/protocol/caip.ts's codes are passed on as field problems, so a code
 * added there and not here does not compile.
 */
export type FieldProblemCode = (typeof FIELD_PROBLEM_CODES)[number];

export interface FieldProblem {
  /** The field's name (a JSON pointer segment); "" for the record as a whole. */
  field: string;
  /** Stable machine-readable code, e.g. FIELD_REQUIRED, STRING_NOT_NFC, DECIMAL_TOO_PRECISE. */
  code: FieldProblemCode;
  message: string;
}

/** Checks one present field's value, named `field`; `owner` is the object holding it (for cross-field rules). */
export type FieldCheck = (value: unknown, field: string, owner: Record<string, unknown>) => FieldProblem[];

/** An object's fields and the check of each. Every field is required unless its check is `optional(…)`. */
export type Shape = Readonly<Record<string, FieldCheck>>;

/** How a field is named from its object's path and its key. */
export type Join = (path: string, key: string) => string;

/** Records: a field is its bare name. */
export const bareName: Join = (_path, key) => key;

/** Bundles: a field is a JSON pointer, cut at 200 characters (an unknown key may be huge). */
export const pointer: Join = (path, key) => `${path}/${key}`.slice(0, 200);

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for an object straight from JSON.parse (or a literal): no class instance, Date or Map passes. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True for a 20-byte 0x address (any case; the checksum is not required). */
export function isAddress(value: unknown): value is string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
}

/** True for a 65-byte 0x signature (r, s, v). */
export function isSignatureHex(value: unknown): value is string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{130}$/.test(value);
}

/** One problem, as the one-element list a check returns. */
export function problem(field: string, code: FieldProblemCode, message: string): FieldProblem[] {
  return [{ field, code, message }];
}

/** WRONG_TYPE "`field` must be `what`" unless `test` holds. */
export function satisfies(test: (value: unknown) => boolean, what: string): FieldCheck {
  return (value, field) => (test(value) ? [] : problem(field, "WRONG_TYPE", `${field} must be ${what}`));
}

/** A string matching `pattern`: WRONG_TYPE for a non-string, else `code` "`field` must be `what`". */
export function matches(pattern: RegExp, code: FieldProblemCode, what: string): FieldCheck {
  return (value, field) => {
    if (typeof value !== "string") return problem(field, "WRONG_TYPE", `${field} must be a string`);
    return pattern.test(value) ? [] : problem(field, code, `${field} must be ${what}`);
  };
}

/** An integer JSON number from `min` to `max` (WRONG_TYPE otherwise). */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER): FieldCheck =>
  satisfies(
    (value) => typeof value === "number" && Number.isInteger(value) && value >= min && value <= max,
    `an integer from ${min} to ${max}`,
  );
/** 0x + 32 bytes of hex. */
export const bytes32: FieldCheck = satisfies(isBytes32Hex, "0x followed by 64 hex digits");
/** 0x + 20 bytes of hex. */
export const address: FieldCheck = satisfies(isAddress, "a 20-byte 0x address");
/** 0x + 65 bytes of hex. */
export const signature: FieldCheck = satisfies(isSignatureHex, "a 65-byte 0x signature");

// Object.hasOwn is ES2022; the page is built for ES2020.
const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

const optionalChecks = new WeakSet<FieldCheck>();

/** A field that may be absent (or undefined); when present, `check` judges it. */
export function optional(check: FieldCheck): FieldCheck {
  const wrapped: FieldCheck = (value, field, owner) => (value === undefined ? [] : check(value, field, owner));
  optionalChecks.add(wrapped);
  return wrapped;
}

/**
 * The checker of an object known to be one: FIELD_UNKNOWN for each key the shape lacks, then per field in
 * the shape's order FIELD_REQUIRED if it is missing or else its check's problems.
 */
export function fields(shape: Shape, join: Join) {
  const entries = Object.entries(shape).map(([key, check]) => ({ key, check, required: !optionalChecks.has(check) }));
  return (value: Record<string, unknown>, path: string): FieldProblem[] => {
    const problems: FieldProblem[] = [];
    for (const key of Object.keys(value)) {
      if (!hasOwn(shape, key)) {
        problems.push({ field: join(path, key), code: "FIELD_UNKNOWN", message: unknownFieldMessage(key) });
      }
    }
    for (const { key, check, required } of entries) {
      if (hasOwn(value, key)) {
        const found = check(value[key], join(path, key), value);
        if (found.length > 0) problems.push(...found);
      } else if (required) {
        const field = join(path, key);
        problems.push({ field, code: "FIELD_REQUIRED", message: `${field} is required` });
      }
    }
    return problems;
  };
}

function unknownFieldMessage(key: string): string {
  return `unknown field ${JSON.stringify(key).slice(0, 80)}`;
}

/** A nested object's check: WRONG_TYPE "`field` must be an object", else `fields(shape, join)`. */
export function object(shape: Shape, join: Join = pointer): FieldCheck {
  const check = fields(shape, join);
  return (value, field) =>
    isObject(value) ? check(value, field) : problem(field, "WRONG_TYPE", `${field} must be an object`);
}

/** JSON.parse, refusing text that is not JSON with AiqynError(`code`, `message`) (the parse error its cause). */
export function parseJson(text: string, code: AiqynCode, message: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AiqynError(code, message, { cause });
  }
}
