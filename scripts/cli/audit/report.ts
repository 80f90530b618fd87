/** The audit's outputs: a summary table for people and a JSON report for machines. */
import { table } from "../io";
import type { AuditResult } from "./run";

export const AUDIT_REPORT_FORMAT = "aiqyn-audit-report/1";
/** Findings printed in the summary; the JSON report keeps up to 200 of each code. */
const MAX_PRINTED = 50;

export function isClean(result: AuditResult): boolean {
  return result.findings.bySeverity.error === 0;
}

export function summaryText(
  result: AuditResult,
  sourceDescription: string,
  rpcUrl: string,
  keccakName: string,
  seconds: number,
): string {
  const t = result.totals;
  const f = result.findings;
  const lines: string[] = [];
  lines.push(`Aiqyn audit of registry ${t.registry} on chain ${t.chainId} at block ${t.blockNumber}`);
  lines.push(`  chain: ${rpcUrl}    source: ${sourceDescription}`);
  lines.push("");
  lines.push(
    table([
      ["", "chain", "checked"],
      ["batches", String(t.batchesOnChain), `${t.batchesChecked} (${t.rootsMatched} roots match)`],
      ["records", String(Math.max(0, t.nextSeq - 1)), String(t.recordsChecked)],
      ["listed by source", "", t.batchesListedBySource === null ? "unknown" : String(t.batchesListedBySource)],
      ["receipts", "", String(t.receiptsChecked)],
      ["nextSeq", String(t.nextSeq), ""],
    ]),
  );
  lines.push(`head on chain: ${t.head}`);
  lines.push("");
  const counts = f.counts();
  if (counts.length > 0) {
    lines.push(table([["severity", "code", "count"], ...counts.map((c) => [c.severity, c.code, String(c.count)])]));
    lines.push("");
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
    lines.push(table([["severity", "code", "batch", "seq", "message"], ...rows]));
    const hidden = f.total - rows.length;
    if (hidden > 0)
      lines.push(`(${hidden} more finding(s) not printed here: see the counts above and the --json report)`);
    lines.push("");
  }
  const verdict = isClean(result)
    ? `CLEAN: every anchored batch matches the chain (${f.bySeverity.warning} warning(s), ${f.bySeverity.info} note(s))`
    : `FINDINGS: ${f.bySeverity.error} error(s), ${f.bySeverity.warning} warning(s), ${f.bySeverity.info} note(s)`;
  lines.push(`${verdict}; ${t.recordsChecked} records in ${seconds.toFixed(1)} s (keccak: ${keccakName})`);
  return lines.join("\n") + "\n";
}

export function jsonReport(
  result: AuditResult,
  meta: { rpc: string; source: string; startedAt: string; finishedAt: string; keccak: string },
): unknown {
  return {
    format: AUDIT_REPORT_FORMAT,
    clean: isClean(result),
    ...meta,
    totals: result.totals,
    counts: { ...result.findings.bySeverity, byCode: result.findings.counts() },
    findings: result.findings.list(),
  };
}
