/** `aiqyn audit --csv DIR`: the verified records and the recomputed totals as CSV (RFC 4180) for spreadsheets. */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_FIELDS } from "../../../core";
import { writeFileAtomic } from "../fs-atomic";
import type { AuditResult } from "./run";

/** One CSV cell: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvText(rows: unknown[][]): string {
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export async function writeAuditCsv(dir: string, result: AuditResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const records = [...result.records.values()].sort((a, b) => a.seq - b.seq);
  const header = [...RECORD_FIELDS, "standing", "batchId"];
  const batchIds = new Map<number, number>();
  for (const b of result.batches)
    for (let seq = b.firstSeq; seq < b.firstSeq + b.leafCount; seq++) batchIds.set(seq, b.id);
  const batchOf = (seq: number) => batchIds.get(seq);
  await writeFileAtomic(
    join(dir, "records.csv"),
    csvText([
      header,
      ...records.map((r) => [...RECORD_FIELDS.map((f) => r[f]), result.standings.get(r.seq), batchOf(r.seq)]),
    ]),
  );
  const f = result.fund;
  const totals: unknown[][] = [["table", "key", "kind", "count", "valueUsd", "inflow", "outflow"]];
  for (const k of f.byKind) totals.push(["byKind", k.kind, k.kind, k.count, k.valueUsd, "", ""]);
  for (const a of f.byAsset) totals.push(["byAsset", a.asset, "", a.count, "", a.inflow, a.outflow]);
  for (const m of f.byMonth) totals.push(["byMonth", m.month, m.kind, m.count, m.valueUsd, "", ""]);
  await writeFileAtomic(join(dir, "totals.csv"), csvText(totals));
}
