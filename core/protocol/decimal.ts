/**
 * Canonical decimals: the string a publisher sends, and the integer that is hashed.
 *
 * Accepted: `0`, `12`, `0.5`, `1.50` — digits, optionally a dot and at least one more digit. Trailing zeros
 * in the fraction are allowed and do not change the integer; the record keeps the string exactly as sent.
 * Refused, each with its own code: a non-string (`DECIMAL_NOT_STRING`), the empty string, signs, exponents,
 * spaces, a leading or trailing dot, any other character (`DECIMAL_SYNTAX`), leading zeros such as `007` or
 * `00.5` (`DECIMAL_LEADING_ZERO`), more fraction digits than the field allows (`DECIMAL_TOO_PRECISE`), and a
 * scaled value past 2^256 − 1 (`DECIMAL_OVERFLOW`).
 */

export const UINT256_MAX = (1n << 256n) - 1n;

/** Longest decimal string accepted at all; 78 digits already exceed uint256 for any scale. */
const MAX_DECIMAL_LENGTH = 100;

export type DecimalResult = { ok: true; value: bigint } | { ok: false; code: DecimalErrorCode; message: string };

export type DecimalErrorCode =
  "DECIMAL_NOT_STRING" | "DECIMAL_SYNTAX" | "DECIMAL_LEADING_ZERO" | "DECIMAL_TOO_PRECISE" | "DECIMAL_OVERFLOW";

/**
 * Parses `text` as a canonical decimal and returns it multiplied by 10^`scale` (the number of decimals the
 * field allows), as a bigint within uint256.
 */
export function parseDecimal(text: unknown, scale: number): DecimalResult {
  if (typeof text !== "string") {
    return { ok: false, code: "DECIMAL_NOT_STRING", message: "must be a decimal written as a JSON string" };
  }
  if (text.length === 0 || text.length > MAX_DECIMAL_LENGTH || !/^[0-9]+(?:\.[0-9]+)?$/.test(text)) {
    return {
      ok: false,
      code: "DECIMAL_SYNTAX",
      message:
        "must be plain digits with an optional fraction, such as 12 or 0.5 (no sign, exponent, spaces or bare dot)",
    };
  }
  const dot = text.indexOf(".");
  const whole = dot === -1 ? text : text.slice(0, dot);
  const fraction = dot === -1 ? "" : text.slice(dot + 1);
  if (whole.length > 1 && whole.startsWith("0")) {
    return { ok: false, code: "DECIMAL_LEADING_ZERO", message: "must not have leading zeros" };
  }
  if (fraction.length > scale) {
    return {
      ok: false,
      code: "DECIMAL_TOO_PRECISE",
      message: scale === 0 ? "must be a whole number" : `must have at most ${scale} decimals`,
    };
  }
  const value = BigInt(whole + fraction.padEnd(scale, "0"));
  if (value > UINT256_MAX) {
    return { ok: false, code: "DECIMAL_OVERFLOW", message: "is too large: the scaled value exceeds uint256" };
  }
  return { ok: true, value };
}

/**
 * A decimal of a record already validated (or anchored as it is) scaled to an integer; 0 for text that is not
 * a canonical decimal, so a sum over such records never throws (the figures and the reconciler's amounts).
 */
export function scaledOrZero(text: string, scale: number): bigint {
  const parsed = parseDecimal(text, scale);
  return parsed.ok ? parsed.value : 0n;
}

/** Formats a scaled integer back into its shortest decimal string (no trailing zeros). */
export function formatDecimal(value: bigint, scale: number): string {
  if (value < 0n) throw new RangeError("negative decimal");
  const digits = value.toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}
