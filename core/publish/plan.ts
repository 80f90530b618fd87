/**
 * The plan of a publication, shared by `aiqyn publish` and the publisher page: rows into bulks, each with an
 * Idempotency-Key derived from its place and its records (the same file and bulk size give the same keys, so a
 * rerun never writes a bulk twice), the server's dry-run problems mapped back to rows and columns, and the
 * warnings (a row identical to a published record or an earlier row; a running balance going negative).
 */
import { sha256 } from "@noble/hashes/sha2";
import { AMOUNT_DECIMALS, VALUE_USD_DECIMALS, bytesToHex, formatDecimal, parseDecimal } from "..";
import type { FieldProblem, RecordInput, RecordV1 } from "..";
import { STATS_INFLOW_KINDS, STATS_OUTFLOW_KINDS } from "../protocol/totals";
import type { PlannedRow, RowProblem } from "./rows";

export interface PublishWarning {
  row: number;
  code: "BALANCE_NEGATIVE" | "IDENTICAL_RECORD" | "IDENTICAL_ROW";
  message: string;
}

export interface Bulk {
  index: number;
  rows: PlannedRow[];
  records: RecordInput[];
  /** For each record: its row and leg (0, or 1 for a trade's payment). */
  origins: { row: number; leg: number }[];
  key: string;
}

/**
 * The Idempotency-Key of a bulk: "aiqyn-publish-" + sha256 hex of the UTF-8 JSON
 * {"format":"aiqyn-publish/1","index":<0-based bulk index>,"records":[…the bulk's RecordInputs…]}.
 */
export function bulkKey(index: number, records: readonly RecordInput[]): string {
  const preimage = JSON.stringify({ format: "aiqyn-publish/1", index, records });
  return `aiqyn-publish-${bytesToHex(sha256(new TextEncoder().encode(preimage))).slice(2)}`;
}

/** Rows into bulks of at most `size` records; a trade's two records stay together. */
export function intoBulks(planned: readonly PlannedRow[], size: number): Bulk[] {
  const bulks: Bulk[] = [];
  let current: PlannedRow[] = [];
  let count = 0;
  const close = () => {
    if (current.length === 0) return;
    const records = current.flatMap((r) => r.records);
    const origins = current.flatMap((r) => r.records.map((_, leg) => ({ row: r.row, leg })));
    bulks.push({ index: bulks.length, rows: current, records, origins, key: bulkKey(bulks.length, records) });
    current = [];
    count = 0;
  };
  for (const row of planned) {
    if (count + row.records.length > size) close();
    current.push(row);
    count += row.records.length;
  }
  close();
  return bulks;
}

/** The server's dry-run problems of one bulk (`records/N/field`), placed on their rows and columns. */
export function bulkProblems(
  bulk: Bulk,
  problems: readonly FieldProblem[],
  columnOf: (row: number, leg: number, field: string) => string,
): RowProblem[] {
  return problems.map((p) => {
    const m = /^records\/(\d+)(?:\/(.*))?$/.exec(p.field);
    const origin = m ? bulk.origins[Number(m[1])] : undefined;
    return {
      row: origin?.row ?? bulk.rows[0]!.row,
      column: origin ? columnOf(origin.row, origin.leg, m![2] ?? "") : "",
      code: p.code,
      message: p.message,
    };
  });
}

const scaled = (text: string, scale: number): bigint => {
  const parsed = parseDecimal(text, scale);
  return parsed.ok ? parsed.value : 0n;
};

/** The fields that make two records the same disclosure (decimals compared by value: 1.50 = 1.5). */
function sameness(r: RecordInput): string {
  return JSON.stringify([
    r.kind,
    r.occurredAt,
    r.asset,
    String(scaled(r.amount, AMOUNT_DECIMALS)),
    String(scaled(r.valueUsd, VALUE_USD_DECIMALS)),
    r.counterparty,
    r.reference,
    r.documentHash.toLowerCase(),
    r.memo,
    r.corrects,
  ]);
}

/** The time range the warnings need published records of. */
export function plannedTimeRange(planned: readonly PlannedRow[]): { from: number; to: number } | null {
  const times = planned.flatMap((p) => p.records.map((r) => r.occurredAt));
  return times.length === 0 ? null : { from: Math.min(...times), to: Math.max(...times) };
}

/**
 * Warnings: a row identical to a published record (`existing`: those in plannedTimeRange) or to an earlier row,
 * and each asset's running balance going negative (`balances`: /stats' byAsset inflow and outflow, then the
 * rows in date order; corrections are left out, their effect depends on the record they correct).
 */
export function publishWarnings(
  planned: readonly PlannedRow[],
  existing: readonly RecordV1[],
  balances: readonly { asset: string; inflow: string; outflow: string }[],
): PublishWarning[] {
  const warnings: PublishWarning[] = [];
  const records = planned.flatMap((p) => p.records.map((record) => ({ row: p.row, record })));
  const published = new Map(existing.map((r) => [sameness(r), r.seq]));
  const inFile = new Map<string, number>();
  for (const { row, record } of records) {
    const key = sameness(record);
    const seq = published.get(key);
    if (seq !== undefined) {
      warnings.push({ row, code: "IDENTICAL_RECORD", message: `identical to record ${seq}, already published` });
    } else if (inFile.has(key) && inFile.get(key) !== row) {
      warnings.push({ row, code: "IDENTICAL_ROW", message: `identical to row ${inFile.get(key)}` });
    }
    if (!inFile.has(key)) inFile.set(key, row);
  }
  const balance = new Map<string, bigint>();
  for (const b of balances)
    balance.set(b.asset, scaled(b.inflow, AMOUNT_DECIMALS) - scaled(b.outflow, AMOUNT_DECIMALS));
  const warned = new Set<string>();
  const inTimeOrder = [...records].sort((a, b) => a.record.occurredAt - b.record.occurredAt || a.row - b.row);
  for (const { row, record } of inTimeOrder) {
    const sign = STATS_INFLOW_KINDS.has(record.kind) ? 1n : STATS_OUTFLOW_KINDS.has(record.kind) ? -1n : 0n;
    if (sign === 0n || record.corrects !== 0) continue;
    const next = (balance.get(record.asset) ?? 0n) + sign * scaled(record.amount, AMOUNT_DECIMALS);
    balance.set(record.asset, next);
    if (next < 0n && !warned.has(record.asset)) {
      warned.add(record.asset);
      warnings.push({
        row,
        code: "BALANCE_NEGATIVE",
        message:
          `${record.asset} goes negative: −${formatDecimal(-next, AMOUNT_DECIMALS)} after this row (published ` +
          "inflows minus outflows, then this file's rows in date order): an inflow missing, or a wrong asset?",
      });
    }
  }
  return warnings.sort((a, b) => a.row - b.row);
}

/** The receipts archive's entry: the row, its leg, and the receipt (what `aiqyn audit --receipts` reads). */
export interface ArchivedReceipt {
  row: number;
  /** 0, or 1 for a trade row's payment record. */
  leg: number;
  seq: number;
  leaf: string;
  publishedAt: number;
  signer: string;
  signature: string;
}

/** The receipts archive as JSON (aiqyn-publish-receipts/1) and CSV. */
export function receiptsArchive(source: string, entries: readonly ArchivedReceipt[]): { json: string; csv: string } {
  const receipts = entries.map(({ row, leg, seq, leaf, publishedAt, signer, signature }) => ({
    row,
    leg,
    seq,
    leaf,
    publishedAt,
    signer,
    signature,
  }));
  const json = JSON.stringify({ format: "aiqyn-publish-receipts/1", source, receipts }, null, 2) + "\n";
  const csv = ["row,leg,seq,leaf,publishedAt,signer,signature"]
    .concat(receipts.map((e) => [e.row, e.leg, e.seq, e.leaf, e.publishedAt, e.signer, e.signature].join(",")))
    .join("\n");
  return { json, csv: csv + "\n" };
}
