/**
 * The audit's outputs: a text report for people and a JSON report for machines, with the same words (the
 * verdict CLEAN/FINDINGS, the finding codes and severities, the batch states). A report carries what is needed
 * to re-run it (tool version, arguments, trust root, block) and to compare it (per-batch roots and heads).
 */
import type { TrustRoot } from "../../../core";
import { table } from "../io";
import type { AuditResult, BatchRow } from "./run";
import type { LagRow } from "./timing";

export const AUDIT_REPORT_FORMAT = "aiqyn-audit-report/2";
/** Findings and batches printed in the text; the JSON report keeps up to 200 findings of each code and every batch. */
const MAX_PRINTED = 50;

export type Verdict = "CLEAN" | "FINDINGS";

export interface ReportMeta {
  tool: string;
  arguments: string[];
  trust: TrustRoot;
  rpc: string;
  source: string;
  startedAt: string;
  finishedAt: string;
  keccak: string;
}

export function isClean(result: AuditResult): boolean {
  return result.findings.bySeverity.error === 0;
}

export function verdictOf(result: AuditResult): Verdict {
  return isClean(result) ? "CLEAN" : "FINDINGS";
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(".000Z", "Z");

export function summaryText(result: AuditResult, meta: ReportMeta): string {
  const t = result.totals;
  const lines = [
    `Aiqyn audit (${meta.tool}) of registry ${t.registry} on chain ${t.chainId}, as of block ${t.blockNumber} (${iso(t.blockTimestamp)})`,
    `  trust root: ${JSON.stringify(meta.trust)}`,
    `  chain: ${meta.rpc}    source: ${meta.source}`,
    `  arguments: ${meta.arguments.join(" ")}`,
    `  code: keccak256 ${t.codeHash} (${t.codeMatches ? "matches" : "does NOT match"} the compiled TransparencyRegistry)`,
    `  maxAnchorDelay: ${t.maxAnchorDelaySeconds} s (${t.delaySource === "contract" ? "the contract's maxAnchorDelay()" : `${t.delaySource}; the contract promises ${t.contractMaxAnchorDelay} s`})`,
    ...(result.publishedBy === undefined
      ? []
      : [`  corrections and totals: records published by ${iso(result.publishedBy)} (--as-of)`]),
    "",
    table([
      ["", "chain", "checked"],
      ["batches", String(t.batchesOnChain), `${t.batchesChecked} (${t.rootsMatched} roots match)`],
      ["records", String(Math.max(0, t.nextSeq - 1)), String(t.recordsChecked)],
      ["listed by source", "", t.batchesListedBySource === null ? "unknown" : String(t.batchesListedBySource)],
      ["receipts", "", String(t.receiptsChecked)],
      ["views", "", `${t.viewsChecked}${t.viewSeed ? ` (sample seed ${t.viewSeed})` : ""}`],
      ["nextSeq", String(t.nextSeq), ""],
    ]),
    `head on chain: ${t.head}`,
    "",
    ...batchLines(result.batches),
    ...lagLines(result.lag),
    ...correctionLines(result),
    ...findingLines(result),
  ];
  const f = result.findings.bySeverity;
  lines.push(
    `verdict: ${verdictOf(result)}: ${f.error} error(s), ${f.warning} warning(s), ${f.info} info; ${t.recordsChecked} records (keccak: ${meta.keccak})`,
  );
  return lines.join("\n") + "\n";
}

function batchLines(rows: BatchRow[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(-MAX_PRINTED);
  const body = shown.map((b) => [
    String(b.id),
    `${b.firstSeq}–${b.firstSeq + b.leafCount - 1}`,
    iso(b.anchoredAt),
    String(b.anchorBlock ?? "-"),
    b.records,
    String(b.lateRecords),
    `${b.root.slice(0, 12)}…`,
  ]);
  const more =
    rows.length > shown.length ? [`(the first ${rows.length - shown.length} batch(es) are in the --json report)`] : [];
  return [table([["batch", "seqs", "anchoredAt", "block", "records", "late", "root"], ...body]), ...more, ""];
}

const duration = (s: number) =>
  Math.abs(s) >= 86_400
    ? `${(s / 86_400).toFixed(1)} d`
    : Math.abs(s) >= 3600
      ? `${(s / 3600).toFixed(1)} h`
      : `${s} s`;

function lagLines(lag: LagRow[]): string[] {
  if (lag.length === 0) return [];
  const body = lag.map((r) => [
    r.kind,
    String(r.count),
    duration(r.minSeconds),
    duration(r.medianSeconds),
    duration(r.maxSeconds),
  ]);
  return [
    "disclosure lag (publishedAt − occurredAt):",
    table([["kind", "records", "min", "median", "max"], ...body]),
    "",
  ];
}

function correctionLines(result: AuditResult): string[] {
  if (result.corrections.length === 0) return [];
  const body = result.corrections
    .slice(0, MAX_PRINTED)
    .map((c) => [String(c.seq), c.kind, c.asset, c.standing, c.correctedBy.join(", ")]);
  return [
    'corrections (standing by docs/PROTOCOL.md "Corrections"):',
    table([["seq", "kind", "asset", "standing", "corrected by"], ...body]),
    "",
  ];
}

function findingLines(result: AuditResult): string[] {
  const f = result.findings;
  const counts = f.counts();
  if (counts.length === 0) return [];
  const rows = f
    .list()
    .slice(0, MAX_PRINTED)
    .map((x) => [
      x.severity,
      x.code,
      x.batchId === undefined ? "-" : String(x.batchId),
      x.seq === undefined ? "-" : String(x.seq),
      x.message,
    ]);
  const hidden = f.total - rows.length;
  return [
    table([["severity", "code", "count"], ...counts.map((c) => [c.severity, c.code, String(c.count)])]),
    "",
    table([["severity", "code", "batch", "seq", "message"], ...rows]),
    ...(hidden > 0 ? [`(${hidden} more finding(s) not printed here: see the counts above and the --json report)`] : []),
    "",
  ];
}

export function jsonReport(result: AuditResult, meta: ReportMeta): unknown {
  return {
    format: AUDIT_REPORT_FORMAT,
    verdict: verdictOf(result),
    clean: isClean(result),
    ...meta,
    asOf: {
      blockNumber: result.totals.blockNumber,
      blockTimestamp: result.totals.blockTimestamp,
      time: iso(result.totals.blockTimestamp),
      publishedBy: result.publishedBy ?? null,
    },
    totals: result.totals,
    counts: { ...result.findings.bySeverity, byCode: result.findings.counts() },
    findings: result.findings.list(),
    batches: result.batches,
    disclosureLag: result.lag,
    corrections: result.corrections,
    fund: result.fund,
  };
}
