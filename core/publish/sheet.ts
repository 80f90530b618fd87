/**
 * Reads a CSV (csv-parse) or the first worksheet of an XLSX (exceljs) into rows numbered as the spreadsheet
 * numbers them: the header is row 1, and a blank row keeps its number (so "row 14" is the row the clerk sees).
 * Browser-safe (no Node module): the publisher page reads sheets with it too; exceljs is loaded on demand.
 */
import { parse } from "csv-parse/sync";
import type ExcelJS from "exceljs";
import { AiqynError } from "..";
import { sheetFromMatrix as fromMatrix, type CellValue, type Sheet } from "./values";

export type { Sheet, SheetRow } from "./values";

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

export async function readXlsx(bytes: Uint8Array): Promise<Sheet> {
  const { default: excel } = await import("exceljs");
  const workbook = new excel.Workbook();
  const copy = bytes.slice();
  await workbook.xlsx.load(copy.buffer);
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

/** A CSV or XLSX by its name or, failing that, its first bytes (an XLSX is a zip). */
export async function readSheetBytes(name: string, bytes: Uint8Array): Promise<Sheet> {
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (/\.xlsx$/i.test(name) || zip) return readXlsx(bytes);
  return readCsv(new TextDecoder("utf-8").decode(bytes));
}
