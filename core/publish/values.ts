/**
 * A spreadsheet's cells as Record v1 values: locale-aware numbers (`1,234.56`, `1 234,56`, `13.440.000`) to
 * canonical decimals, and dates (`2025-10-15`, `15.10.2025 14:30`, a date cell) in a named time zone to unix
 * seconds. Nothing is guessed: a value that could be read two ways is a problem that says how to settle it.
 */

/** A cell as the sheet readers give it. */
export type CellValue = string | number | Date | boolean | null;

/** A sheet as read (CSV or XLSX) by sheet.ts, for `aiqyn publish` and the publisher page. */
export interface Sheet {
  /** Header texts by column index (0-based). */
  headers: string[];
  rows: SheetRow[];
}

export interface SheetRow {
  /** The spreadsheet's row number (header = 1; a blank row keeps its number). */
  row: number;
  cells: CellValue[];
}

/** A column's letter as a spreadsheet names it (0 → A, 26 → AA). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let name = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    name = String.fromCharCode(65 + r) + name;
    n = Math.floor((n - 1) / 26);
  }
  return name;
}

const isBlank = (cells: readonly CellValue[]) =>
  cells.every((c) => c === null || (typeof c === "string" && c.trim() === ""));

/** A matrix of cells (row 1 the header) as a Sheet: blank rows dropped, every row keeping its number. */
export function sheetFromMatrix(matrix: readonly (readonly CellValue[])[]): Sheet {
  const [header = [], ...body] = matrix;
  const headers = header.map((h) => (h === null ? "" : String(h).trim()));
  const rows = body.map((cells, i) => ({ row: i + 2, cells: [...cells] })).filter((r) => !isBlank(r.cells));
  return { headers, rows };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** How a comma or dot is read: "auto" refuses what is ambiguous (1,234 is 1234 or 1.234). */
export type DecimalMark = "auto" | "." | ",";

/** How a slashed date is read; dotted dates are always day.month.year, ISO dates year-month-day. */
export type DateOrder = "DMY" | "MDY";

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** A JS number (an XLSX numeric cell) as the decimal Excel shows: 15 significant digits, no exponent. */
export function decimalFromNumber(n: number): Parsed<string> {
  if (!Number.isFinite(n)) return fail(`${n} is not a number`);
  if (n < 0) return fail(`${n} is negative: amounts are positive, the kind says which way it moved`);
  if (Number.isInteger(n) && Number.isSafeInteger(n)) return { ok: true, value: String(n) };
  const [mantissa, exp] = n.toPrecision(15).split("e") as [string, string | undefined];
  const [whole, fraction = ""] = mantissa.split(".") as [string, string | undefined];
  const shift = Number(exp ?? 0);
  let digits = whole + fraction;
  let point = whole.length + shift;
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const fracPart = digits.slice(point).replace(/0+$/, "");
  return { ok: true, value: fracPart ? `${intPart}.${fracPart}` : intPart };
}

const GROUP_CHARS = /[\s\u00a0\u202f'’_]/g;

/** A text number with the sheet's separators as a canonical decimal (digits, optional dot fraction). */
export function decimalFromText(text: string, mark: DecimalMark): Parsed<string> {
  const raw = text.trim();
  if (raw === "") return fail("is empty");
  if (/^[-−–]/.test(raw)) return fail(`${raw} is negative: amounts are positive, the kind says which way it moved`);
  // Spaces and apostrophes group digits in every locale the fund uses (1 234,56; 1'234.56).
  const s = raw.replace(GROUP_CHARS, "");
  if (!/^[0-9.,]+$/.test(s) || !/^\d/.test(s)) return fail(`${JSON.stringify(raw)} is not a number`);
  const dots = (s.match(/\./g) ?? []).length;
  const commas = (s.match(/,/g) ?? []).length;
  let decimal: "." | "," | null;
  if (dots > 0 && commas > 0) decimal = s.lastIndexOf(".") > s.lastIndexOf(",") ? "." : ",";
  else if (dots > 1) decimal = null;
  else if (commas > 1) decimal = null;
  else if (dots === 1) decimal = mark === "," && /^\d{1,3}\.\d{3}$/.test(s) ? null : ".";
  else if (commas === 1) {
    if (mark === ",") decimal = ",";
    else if (mark === ".") decimal = null;
    else if (/^\d{1,3},\d{3}$/.test(s)) {
      return fail(
        `${JSON.stringify(raw)} is ambiguous: ${s.replace(",", "")} or ${s.replace(",", ".")}; ` +
          'say which with --decimal . or --decimal , (or "decimal" in the column mapping)',
      );
    } else decimal = ",";
  } else decimal = null;
  const group = decimal === "." ? "," : decimal === "," ? "." : s.includes(",") ? "," : ".";
  const [intPart, fracPart] = decimal === null ? [s, undefined] : splitLast(s, decimal);
  if (intPart.includes(group) && !/^\d{1,3}(?:[.,]\d{3})+$/.test(intPart)) {
    return fail(`${JSON.stringify(raw)}: digits are grouped in threes (1,234,567.89)`);
  }
  const digits = intPart.replace(/[.,]/g, "");
  if (fracPart !== undefined && !/^\d+$/.test(fracPart)) return fail(`${JSON.stringify(raw)} is not a number`);
  const canonical = (digits.replace(/^0+(?=\d)/, "") || "0") + (fracPart ? `.${fracPart}` : "");
  return { ok: true, value: canonical };
}

function splitLast(s: string, mark: string): [string, string] {
  const at = s.lastIndexOf(mark);
  return [s.slice(0, at), s.slice(at + 1)];
}

/** A cell as a canonical decimal. */
export function decimalOf(cell: CellValue, mark: DecimalMark): Parsed<string> {
  if (typeof cell === "number") return decimalFromNumber(cell);
  if (typeof cell === "string") return decimalFromText(cell, mark);
  if (cell === null) return fail("is empty");
  return fail(`${String(cell)} is not a number`);
}

/** The offset (ms) of `timeZone` from UTC at the instant `utcMs`. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** Throws RangeError for a zone the runtime does not know. */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat("en-US", { timeZone }).format(0);
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Unix seconds of a wall-clock time in `timeZone` (the offset in force then: Almaty was UTC+6 until 2024-03-01). */
export function unixOfWallClock(t: WallClock, timeZone: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  let utc = wall - zoneOffsetMs(wall, timeZone);
  utc = wall - zoneOffsetMs(utc, timeZone);
  return Math.floor(utc / 1000);
}

function validWallClock(t: WallClock): boolean {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day));
  return (
    d.getUTCFullYear() === t.year &&
    d.getUTCMonth() === t.month - 1 &&
    d.getUTCDate() === t.day &&
    t.hour < 24 &&
    t.minute < 60 &&
    t.second < 60
  );
}

const TIME = String.raw`(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${TIME}(Z|[+-]\d{2}:?\d{2})?$`);
const DOTTED = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4})${TIME}$`);
const SLASHED = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`);

const EXPECTED_DATES = "a date such as 2025-10-15, 15.10.2025 or 2025-10-15 14:30 (or unix seconds)";

/** A date cell, text or unix seconds as unix seconds; wall-clock times are read in `timeZone`. */
export function unixOf(cell: CellValue, timeZone: string, order: DateOrder | null): Parsed<number> {
  if (cell instanceof Date) {
    // Sheet readers give a date cell's wall-clock time in the UTC fields (a cell has no zone).
    const t = {
      year: cell.getUTCFullYear(),
      month: cell.getUTCMonth() + 1,
      day: cell.getUTCDate(),
      hour: cell.getUTCHours(),
      minute: cell.getUTCMinutes(),
      second: cell.getUTCSeconds(),
    };
    return { ok: true, value: unixOfWallClock(t, timeZone) };
  }
  if (typeof cell === "number") {
    if (Number.isInteger(cell) && cell >= 1e9 && cell < 1e11) return { ok: true, value: cell };
    return fail(`${cell} is not ${EXPECTED_DATES}: format the cell as a date`);
  }
  if (typeof cell !== "string" || cell.trim() === "") return fail(`is empty: ${EXPECTED_DATES} is expected`);
  const text = cell.trim();
  if (/^\d{10}$/.test(text)) return { ok: true, value: Number(text) };
  if (/^\d{13}$/.test(text))
    return fail(`${text} looks like milliseconds: give unix seconds (${text.slice(0, 10)}) or a date`);
  let m = ISO.exec(text);
  let t: WallClock | null = null;
  let offset: string | undefined;
  if (m) {
    t = wall(m[1], m[2], m[3], m[4], m[5], m[6]);
    offset = m[7];
  } else if ((m = DOTTED.exec(text))) t = wall(m[3], m[2], m[1], m[4], m[5], m[6]);
  else if ((m = SLASHED.exec(text))) {
    if (order === null) {
      return fail(
        `${JSON.stringify(text)} is ambiguous (day/month or month/day): write 15.10.2025 or 2025-10-15, or set "dates": "DMY" in the column mapping`,
      );
    }
    t = order === "DMY" ? wall(m[3], m[2], m[1], m[4], m[5], m[6]) : wall(m[3], m[1], m[2], m[4], m[5], m[6]);
  }
  if (!t) return fail(`${JSON.stringify(text)} is not ${EXPECTED_DATES}`);
  if (!validWallClock(t)) return fail(`${JSON.stringify(text)} is not a real date or time`);
  if (offset) {
    const sign = offset === "Z" ? 0 : offset.startsWith("-") ? -1 : 1;
    const digits = offset.replace(/[^0-9]/g, "");
    const minutes = sign === 0 ? 0 : sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    const utc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;
    return { ok: true, value: utc - minutes * 60 };
  }
  return { ok: true, value: unixOfWallClock(t, timeZone) };
}

function wall(y?: string, mo?: string, d?: string, h?: string, mi?: string, s?: string): WallClock {
  return {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
  };
}

/** A cell as text: numbers as Excel shows them, trimmed. */
export function textOf(cell: CellValue): string {
  if (cell === null) return "";
  if (typeof cell === "number") {
    const d = decimalFromNumber(Math.abs(cell));
    return d.ok ? (cell < 0 ? "-" : "") + d.value : String(cell);
  }
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}
