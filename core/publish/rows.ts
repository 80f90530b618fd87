/**
 * Spreadsheet rows → Record v1 inputs. The documented columns (docs/PUBLISHING.md) or a fund's own headers
 * through a column mapping file; one row is one record, except a `trade` row, which is the two records of a
 * purchase (DESIGN, Publishing): INVESTMENT of the asset bought and DIVESTMENT of the asset paid, both memos
 * starting `trade:<id> `. Every problem is reported at once, by row and column, with core's own validation.
 */
import {
  RECORD_KIND_NAMES,
  ZERO_BYTES32,
  isRecordKind,
  validateRecordInput,
  type FieldProblem,
  type RecordInput,
  type RecordKind,
} from "..";
import { isObject } from "../protocol/shape";
import {
  columnLetter,
  decimalOf,
  textOf,
  unixOf,
  type CellValue,
  type DateOrder,
  type DecimalMark,
  type Sheet,
  type SheetRow,
} from "./values";

/** The documented columns. */
export const COLUMNS = [
  "kind",
  "date",
  "asset",
  "amount",
  "value_usd",
  "counterparty",
  "reference",
  "document",
  "memo",
  "corrects",
  "trade_id",
  "pay_asset",
  "pay_amount",
  "pay_reference",
] as const;
export type Column = (typeof COLUMNS)[number];

/** Header spellings understood without a mapping (compared lower case, without spaces, '_' and '-'). */
const ALIASES: Record<string, Column> = {
  datetime: "date",
  occurredat: "date",
  valueinusd: "value_usd",
  valueusd: "value_usd",
  usd: "value_usd",
  documentpath: "document",
  documenthash: "document",
  quantity: "amount",
  tradeid: "trade_id",
  payasset: "pay_asset",
  payamount: "pay_amount",
  payreference: "pay_reference",
};

const squash = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, "");

/** A column mapping file, `aiqyn-columns/1`. */
export interface ColumnMapping {
  /** The sheet's header → a documented column. */
  columns: Record<string, Column>;
  /** The sheet's words for a kind → a Record v1 kind or "trade". */
  kinds: Record<string, RecordKind | "trade">;
  decimal?: DecimalMark;
  dates?: DateOrder;
}

export function parseColumnMapping(json: unknown): ColumnMapping {
  if (!isObject(json) || json.format !== "aiqyn-columns/1") {
    throw new Error('a column mapping is a JSON object with "format": "aiqyn-columns/1"');
  }
  const columns: Record<string, Column> = {};
  for (const [header, column] of Object.entries(isObject(json.columns) ? json.columns : {})) {
    if (!(COLUMNS as readonly string[]).includes(String(column)))
      throw new Error(`mapping: "${header}" maps to ${JSON.stringify(column)}, not one of ${COLUMNS.join(", ")}`);
    columns[header.trim()] = column as Column;
  }
  const kinds: ColumnMapping["kinds"] = {};
  for (const [word, kind] of Object.entries(isObject(json.kinds) ? json.kinds : {})) {
    if (kind !== "trade" && !isRecordKind(kind))
      throw new Error(`mapping: kind "${word}" maps to ${JSON.stringify(kind)}, not a kind or "trade"`);
    kinds[word.trim().toLowerCase()] = kind;
  }
  const decimal = json.decimal;
  if (decimal !== undefined && decimal !== "." && decimal !== "," && decimal !== "auto")
    throw new Error('mapping: "decimal" is ".", "," or "auto"');
  const dates = json.dates;
  if (dates !== undefined && dates !== "DMY" && dates !== "MDY") throw new Error('mapping: "dates" is "DMY" or "MDY"');
  return { columns, kinds, ...(decimal ? { decimal } : {}), ...(dates ? { dates } : {}) };
}

/** A problem found in a row, where the clerk will look for it. */
export interface RowProblem {
  row: number;
  /** "E (Сумма, USD)", or "" for the row as a whole. */
  column: string;
  code: string;
  message: string;
}

/** One row's records (two for a trade) and, per record, the sheet column of each field. */
export interface PlannedRow {
  row: number;
  records: RecordInput[];
  /** A document file the row names (hashed into documentHash; uploaded by a real run). */
  documentFile: string | null;
}

export interface ReadOptions {
  mapping: ColumnMapping | null;
  timeZone: string;
  decimal: DecimalMark;
  dates: DateOrder | null;
  now: number;
  /** A document path's keccak-256, or an error message (the file is missing, unreadable). */
  hashDocument: (path: string) => { hash: string } | { error: string };
}

export interface HeaderMap {
  /** Column → index in the row. */
  index: Partial<Record<Column, number>>;
  /** Column → "E (Сумма, USD)". */
  label: (column: Column | null) => string;
  unknown: string[];
}

export function mapHeaders(headers: readonly string[], mapping: ColumnMapping | null): HeaderMap {
  const index: Partial<Record<Column, number>> = {};
  const unknown: string[] = [];
  headers.forEach((header, i) => {
    if (header === "") return;
    const mapped =
      mapping?.columns[header] ??
      ((COLUMNS as readonly string[]).includes(header.toLowerCase()) ? (header.toLowerCase() as Column) : undefined) ??
      ALIASES[squash(header)];
    if (mapped && index[mapped] === undefined) index[mapped] = i;
    else unknown.push(header);
  });
  const label = (column: Column | null) => {
    if (column === null) return "";
    const i = index[column];
    return i === undefined ? `(${column}: no such column)` : `${columnLetter(i)} (${headers[i]})`;
  };
  return { index, label, unknown };
}

/** Which sheet column each Record v1 field comes from, for one leg of a row. */
type FieldColumns = Record<keyof RecordInput, Column | null>;
const SINGLE: FieldColumns = {
  kind: "kind",
  occurredAt: "date",
  asset: "asset",
  amount: "amount",
  valueUsd: "value_usd",
  counterparty: "counterparty",
  reference: "reference",
  documentHash: "document",
  memo: "memo",
  corrects: "corrects",
};
const PAY_LEG: FieldColumns = { ...SINGLE, asset: "pay_asset", amount: "pay_amount", reference: "pay_reference" };

export interface ReadResult {
  planned: PlannedRow[];
  problems: RowProblem[];
  /** The sheet column of a record's field: for mapping the server's problems back. */
  columnOf: (row: number, leg: number, field: string) => string;
}

/** Reads every row; a row with a problem is left out of `planned` and its problems are listed. */
export function readRows(sheet: Sheet, options: ReadOptions): ReadResult {
  const headers = mapHeaders(sheet.headers, options.mapping);
  const problems: RowProblem[] = [];
  for (const required of ["kind", "date", "asset", "amount"] as const) {
    if (headers.index[required] === undefined) {
      problems.push({
        row: 1,
        column: "",
        code: "COLUMN_MISSING",
        message: `no column for ${required} (headers: ${sheet.headers.filter(Boolean).join(", ")}); name it ${required} or map it in a column mapping file`,
      });
    }
  }
  if (problems.length > 0) return { planned: [], problems, columnOf: () => "" };
  const planned: PlannedRow[] = [];
  const legsOf = new Map<number, FieldColumns[]>();
  for (const row of sheet.rows) {
    const result = readRow(row, headers, options);
    problems.push(...result.problems);
    if (result.planned) {
      planned.push(result.planned);
      legsOf.set(row.row, result.legs);
    }
  }
  const columnOf = (row: number, leg: number, field: string) => {
    const legs = legsOf.get(row);
    const column = legs?.[leg]?.[field as keyof RecordInput] ?? null;
    return headers.label(column);
  };
  return { planned, problems, columnOf };
}

interface RowRead {
  planned: PlannedRow | null;
  problems: RowProblem[];
  legs: FieldColumns[];
}

function readRow(row: SheetRow, headers: HeaderMap, options: ReadOptions): RowRead {
  const problems: RowProblem[] = [];
  const cell = (column: Column): CellValue => {
    const i = headers.index[column];
    return i === undefined ? null : (row.cells[i] ?? null);
  };
  const text = (column: Column) => textOf(cell(column));
  const report = (column: Column | null, code: string, message: string) =>
    problems.push({ row: row.row, column: headers.label(column), code, message });

  const kindWord = text("kind");
  const kind = kindOf(kindWord, options.mapping);
  if (kind === null) {
    report(
      "kind",
      "KIND_UNKNOWN",
      `${JSON.stringify(kindWord)} is not a kind: one of ${RECORD_KIND_NAMES.join(", ")} or trade`,
    );
  }
  const occurredAt = unixOf(cell("date"), options.timeZone, options.dates);
  if (!occurredAt.ok) report("date", "DATE_FORMAT", `date ${occurredAt.message}`);
  const decimal = (column: Column, fallback: string | null): string => {
    if (fallback !== null && text(column) === "") return fallback;
    const parsed = decimalOf(cell(column), options.decimal);
    if (!parsed.ok) report(column, "NUMBER_FORMAT", `${column} ${parsed.message}`);
    return parsed.ok ? parsed.value : "0";
  };
  const amount = decimal("amount", kind === "RETRACTION" ? "0" : null);
  const valueUsd = decimal("value_usd", "0");
  const correctsText = text("corrects");
  const corrects = correctsText === "" ? 0 : /^\d+$/.test(correctsText) ? Number(correctsText) : NaN;
  if (Number.isNaN(corrects))
    report("corrects", "CORRECTS_FORMAT", `corrects must be a seq number; got ${JSON.stringify(correctsText)}`);
  const document = documentOf(text("document"), options, (message) =>
    report("document", "DOCUMENT_UNREADABLE", message),
  );

  const base: RecordInput = {
    kind: (kind === "trade" ? "INVESTMENT" : (kind ?? "INFLOW_OTHER")) as RecordKind,
    occurredAt: occurredAt.ok ? occurredAt.value : 0,
    asset: text("asset"),
    amount,
    valueUsd,
    counterparty: text("counterparty"),
    reference: text("reference"),
    documentHash: document.hash,
    memo: text("memo"),
    corrects: Number.isNaN(corrects) ? 0 : corrects,
  };
  let records = [base];
  let legs = [SINGLE];
  if (kind === "trade") {
    const id = text("trade_id") || `${new Date(base.occurredAt * 1000).toISOString().slice(0, 10)}-row${row.row}`;
    const memo = `trade:${id} ${base.memo}`.trimEnd();
    const pay: RecordInput = {
      ...base,
      kind: "DIVESTMENT",
      asset: text("pay_asset"),
      amount: decimal("pay_amount", null),
      reference: text("pay_reference") || base.reference,
      memo,
    };
    records = [{ ...base, memo }, pay];
    legs = [SINGLE, { ...PAY_LEG, reference: text("pay_reference") ? "pay_reference" : "reference" }];
  }
  if (problems.length === 0) {
    records.forEach((record, leg) => {
      const validation = validateRecordInput(record, { now: options.now });
      if (!validation.ok)
        for (const p of validation.errors) problems.push(fieldProblem(row.row, p, legs[leg]!, headers));
    });
  }
  return {
    planned: problems.length === 0 ? { row: row.row, records, documentFile: document.file } : null,
    problems,
    legs,
  };
}

function fieldProblem(row: number, p: FieldProblem, legs: FieldColumns, headers: HeaderMap): RowProblem {
  const column = legs[p.field as keyof RecordInput] ?? null;
  return { row, column: headers.label(column), code: p.code, message: p.message };
}

function kindOf(word: string, mapping: ColumnMapping | null): RecordKind | "trade" | null {
  const mapped = mapping?.kinds[word.toLowerCase()];
  if (mapped) return mapped;
  const upper = word.toUpperCase().replace(/[\s-]+/g, "_");
  if (upper === "TRADE") return "trade";
  return isRecordKind(upper) ? upper : null;
}

function documentOf(
  text: string,
  options: ReadOptions,
  report: (message: string) => void,
): { hash: string; file: string | null } {
  if (text === "") return { hash: ZERO_BYTES32, file: null };
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return { hash: text.toLowerCase(), file: null };
  const hashed = options.hashDocument(text);
  if ("error" in hashed) {
    report(`document ${JSON.stringify(text)}: ${hashed.error}`);
    return { hash: ZERO_BYTES32, file: null };
  }
  return { hash: hashed.hash, file: text };
}
