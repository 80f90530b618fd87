/**
 * Query parameters and the one pagination rule of the read routes: `limit` and an opaque `cursor` (a position:
 * a seq or a batch id), asked for with limit + 1 rows so the next cursor is known without a count.
 */
import { invalidParameter } from "./problem";

export type Query = Record<string, unknown>;

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;
/**
 * A batch's records come in pages of at most this many, all of them by default: a batch of the default
 * BATCH_MAX (10 000) is one page, as before pagination; larger batches (BATCH_MAX up to 100 000) take nextCursor.
 */
export const MAX_BATCH_PAGE = 10_000;

/** A path or query integer: digits only, within [min, MAX_SAFE_INTEGER]. */
export function parseIntParam(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw invalidParameter(name, `must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function optionalString(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidParameter(name, "must be given once, as a plain string");
  return value;
}

/** Unknown query parameters are refused: a typo must not silently widen a filter. */
export function onlyParams(query: Query, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name))
      throw invalidParameter(name.slice(0, 50), `is not a parameter here (known: ${allowed.join(", ")})`);
  }
}

function encodeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), "utf8").toString("base64url");
}

function decodeCursor(text: string): number {
  try {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) throw new Error("shape");
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { p?: unknown };
    if (typeof value.p === "number" && Number.isSafeInteger(value.p) && value.p >= 0) return value.p;
  } catch {
    /* fall through */
  }
  throw invalidParameter("cursor", "is not a cursor this server gave out");
}

/** The one pagination rule: `limit` (default DEFAULT_PAGE, at most `max`) and an opaque `cursor`. */
export function pageParams(
  query: Query,
  max: number,
  byDefault = DEFAULT_PAGE,
): { limit: number; cursor: number | undefined } {
  const limitText = optionalString(query, "limit");
  const limit = limitText === undefined ? byDefault : parseIntParam("limit", limitText, 1, max);
  const cursor = optionalString(query, "cursor");
  return { limit, cursor: cursor === undefined ? undefined : decodeCursor(cursor) };
}

/** A page asked for with limit + 1 rows: the rows shown and the cursor of the next page (null at the end). */
export function pageOf<T>(rows: T[], limit: number, position: (row: T) => number): { shown: T[]; next: string | null } {
  if (rows.length <= limit) return { shown: rows, next: null };
  const shown = rows.slice(0, limit);
  return { shown, next: encodeCursor(position(shown[limit - 1]!)) };
}
