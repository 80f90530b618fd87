/**
 * Reads a CSV (csv-parse) or the first worksheet of an XLSX (exceljs) into rows numbered as the spreadsheet
 * numbers them: the header is row 1, and a blank row keeps its number (so "row 14" is the row the clerk sees).
 */
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { readFile } from "node:fs/promises";
import { AiqynError } from "../../core";
import type { CellValue } from "./publish-values";

export interface Sheet {
  /** Header texts by column index (0-based). */
  headers: string[];
  rows: SheetRow[];
}

export interface SheetRow {
  /** The spreadsheet's row number (header = 1). */
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

function fromMatrix(matrix: CellValue[][]): Sheet {
  const [header = [], ...body] = matrix;
  const headers = header.map((h) => (h === null ? "" : String(h).trim()));
  const rows = body.map((cells, i) => ({ row: i + 2, cells })).filter((r) => !isBlank(r.cells));
  return { headers, rows };
}

export function readCsv(text: string): Sheet {
  // A separator other than a comma (Excel in a comma-decimal locale writes ';') is recognised from the header.
  const firstLine = text.replace(/^\ufeff/, "").split(/\r?\n/, 1)[0] ?? "";
  const delimiter = [";", "\t", ","].find((d) => firstLine.includes(d)) ?? ",";
  const matrix = parse(text, {
    bom: true,
    delimiter,
    relax_column_count: true,
    skip_empty_lines: false,
  }) as string[][];
  return fromMatrix(matrix.map((cells) => cells.map((c) => (c === "" ? null : c))));
}

/** An exceljs cell value as plain text, number or date (formulas by their result, rich text by its text). */
function cellOf(value: ExcelJS.CellValue): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value;
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("result" in value) return cellOf(value.result as ExcelJS.CellValue);
    if ("text" in value) return String(value.text);
    if ("error" in value) return String(value.error);
  }
  return String(value);
}

export async function readXlsx(bytes: Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new AiqynError("INVALID_ARGUMENT", "the workbook has no worksheet");
  const matrix: CellValue[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: CellValue[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => (cells[col - 1] = cellOf(cell.value)));
    matrix[rowNumber - 1] = Array.from(cells, (c) => c ?? null);
  });
  return fromMatrix(Array.from(matrix, (r) => r ?? []));
}

export async function readSheet(file: string): Promise<Sheet> {
  const bytes = await readFile(file);
  if (/\.xlsx$/i.test(file) || bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])))
    return readXlsx(bytes);
  return readCsv(bytes.toString("utf8"));
}
