/**
 * `aiqyn diff a.json b.json`: compares two audit reports of the same registry. An append-only registry only
 * grows: every batch of the older report must be in the newer one unchanged. The same batch count with another
 * head, or a batch whose root or head changed, means the history was rewritten (on another chain, a reorg or a
 * different contract); new batches are listed.
 */
import { readFile } from "node:fs/promises";
import { EXIT_FINDINGS, EXIT_OK, HELP_OPTIONS, parseJsonCommand, UsageError } from "./args";
import { table, textOut, writeJson, type Io } from "./io";
import { AUDIT_REPORT_FORMAT } from "./audit/report";

export const DIFF_HELP = `Usage: aiqyn diff <older-report.json> <newer-report.json> [--json[=FILE]]

Compares two reports written by "aiqyn audit --json=FILE" for the same registry: batches added, batches whose
root or head changed, and a head that changed at the same batch count (history rewritten).

Exit status: 0 the newer report extends the older one; 1 history rewritten; 2 usage error (unreadable
report, or reports of different registries).
`;

interface ReportBatch {
  id: number;
  root: string;
  head: string;
  firstSeq: number;
  leafCount: number;
}

interface ReportView {
  file: string;
  chainId: number;
  registry: string;
  blockNumber: number;
  batchesOnChain: number;
  head: string;
  verdict: string;
  batches: Map<number, ReportBatch>;
}

export type DiffVerdict = "UNCHANGED" | "EXTENDED" | "REWRITTEN";

export interface DiffResult {
  format: "aiqyn-audit-diff/1";
  verdict: DiffVerdict;
  older: { file: string; blockNumber: number; batches: number; head: string; verdict: string };
  newer: { file: string; blockNumber: number; batches: number; head: string; verdict: string };
  newBatches: number[];
  changedBatches: { id: number; fields: string[] }[];
  missingBatches: number[];
  headRewritten: boolean;
}

async function loadReport(file: string): Promise<ReportView> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const totals = json.totals as Record<string, unknown> | undefined;
  if (json.format !== AUDIT_REPORT_FORMAT || !totals || !Array.isArray(json.batches))
    throw new UsageError(`${file} is not an ${AUDIT_REPORT_FORMAT} report (write one with aiqyn audit --json=FILE)`);
  return {
    file,
    chainId: totals.chainId as number,
    registry: String(totals.registry).toLowerCase(),
    blockNumber: totals.blockNumber as number,
    batchesOnChain: totals.batchesOnChain as number,
    head: String(totals.head).toLowerCase(),
    verdict: String(json.verdict),
    batches: new Map((json.batches as ReportBatch[]).map((b) => [b.id, b])),
  };
}

/** The comparison, pure. */
export function diffReports(older: ReportView, newer: ReportView): DiffResult {
  const changedBatches: DiffResult["changedBatches"] = [];
  const missingBatches: number[] = [];
  for (const [id, a] of older.batches) {
    const b = newer.batches.get(id);
    if (!b) {
      missingBatches.push(id);
      continue;
    }
    const fields = (["root", "head", "firstSeq", "leafCount"] as const).filter(
      (f) => String(a[f]).toLowerCase() !== String(b[f]).toLowerCase(),
    );
    if (fields.length > 0) changedBatches.push({ id, fields });
  }
  const newBatches = [...newer.batches.keys()].filter((id) => !older.batches.has(id)).sort((x, y) => x - y);
  const headRewritten = older.batchesOnChain === newer.batchesOnChain && older.head !== newer.head;
  const rewritten =
    headRewritten ||
    changedBatches.length > 0 ||
    missingBatches.length > 0 ||
    newer.batchesOnChain < older.batchesOnChain;
  const side = (r: ReportView) => ({
    file: r.file,
    blockNumber: r.blockNumber,
    batches: r.batchesOnChain,
    head: r.head,
    verdict: r.verdict,
  });
  return {
    format: "aiqyn-audit-diff/1",
    verdict: rewritten ? "REWRITTEN" : newBatches.length > 0 ? "EXTENDED" : "UNCHANGED",
    older: side(older),
    newer: side(newer),
    newBatches,
    changedBatches,
    missingBatches,
    headRewritten,
  };
}

function diffText(d: DiffResult): string {
  const lines = [
    table([
      ["", "report", "block", "batches", "head", "audit verdict"],
      ["older", d.older.file, String(d.older.blockNumber), String(d.older.batches), d.older.head, d.older.verdict],
      ["newer", d.newer.file, String(d.newer.blockNumber), String(d.newer.batches), d.newer.head, d.newer.verdict],
    ]),
    `new batches: ${d.newBatches.length === 0 ? "none" : d.newBatches.join(", ")}`,
  ];
  if (d.headRewritten) lines.push("history rewritten: the same batch count with another head");
  for (const c of d.changedBatches) lines.push(`history rewritten: batch ${c.id}'s ${c.fields.join(", ")} changed`);
  for (const id of d.missingBatches) lines.push(`history rewritten: batch ${id} is gone`);
  lines.push(`verdict: ${d.verdict}`);
  return lines.join("\n") + "\n";
}

export async function runDiff(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: HELP_OPTIONS, help: DIFF_HELP, positionals: true }, io);
  if (!command) return EXIT_OK;
  const { parsed, json } = command;
  if (parsed.positionals.length !== 2) throw new UsageError("give exactly two audit reports: older.json newer.json");
  const [older, newer] = await Promise.all(parsed.positionals.map(loadReport));
  if (older!.chainId !== newer!.chainId || older!.registry !== newer!.registry)
    throw new UsageError("the two reports audit different registries (chain id or address differ)");
  const result = diffReports(older!, newer!);
  textOut(io, json)(diffText(result));
  if (json) await writeJson(io, json, result);
  return result.verdict === "REWRITTEN" ? EXIT_FINDINGS : EXIT_OK;
}
