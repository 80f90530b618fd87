/**
 * The monitor's alerts: one stable id each (so it is raised once across restarts, and a receiver can drop a
 * repeat), a kind, a severity and what it concerns. The audit's findings, the reconciler's findings and the
 * registry's own governance events all become alerts here, by one rule each.
 */
import type { FindingInput } from "../audit/findings";
import { FINDING_CODES as AUDIT_SEVERITY } from "../audit/findings";
import type { Finding as ReconcileFinding } from "../../../core";

/** critical: evidence the fund or its server is wrong; warning: a change to watch (keys, pause, an outage); info. */
export type AlertSeverity = "critical" | "warning" | "info";
export const SEVERITIES: readonly AlertSeverity[] = ["info", "warning", "critical"];

export interface Alert {
  /** Stable: the same fact always gets the same id. */
  id: string;
  kind: string;
  severity: AlertSeverity;
  /** The registry watched, as CAIP-10. */
  registry: string;
  message: string;
  /** When this monitor first raised it (ISO 8601). */
  raisedAt: string;
  batchId?: number;
  seq?: number;
  asset?: string;
  /** A CAIP-10 account or a 0x address (role holder, declared wallet). */
  account?: string;
  chain?: string;
  txHash?: string;
  blockNumber?: number;
  role?: string;
  expected?: unknown;
  actual?: unknown;
}

export type AlertInput = Omit<Alert, "registry" | "raisedAt">;

/** Kinds the monitor raises itself (besides the audit's and the reconciler's finding codes). */
export const MONITOR_KINDS: Record<string, AlertSeverity> = {
  ADMIN_GRANTED: "warning",
  ADMIN_REVOKED: "warning",
  ROLE_GRANTED: "warning",
  ROLE_REVOKED: "warning",
  ROLE_ADMIN_CHANGED: "warning",
  SAFE_OWNER_ADDED: "warning",
  SAFE_OWNER_REMOVED: "warning",
  SAFE_THRESHOLD_CHANGED: "warning",
  PAUSED: "warning",
  UNPAUSED: "info",
  BATCH_ANCHORED: "info",
  SOURCE_UNAVAILABLE: "warning",
  SOURCE_RECOVERED: "info",
};

const fromAudit = (code: keyof typeof AUDIT_SEVERITY): AlertSeverity => {
  const severity = AUDIT_SEVERITY[code];
  return severity === "error" ? "critical" : severity;
};

/** An audit finding (core/verify/batch-check.ts or scripts/cli/audit) as an alert; its id names what it is about. */
export function auditAlert(finding: FindingInput, asset?: string): AlertInput {
  const where = [
    finding.batchId !== undefined ? `batch:${finding.batchId}` : "",
    finding.seq !== undefined ? `seq:${finding.seq}` : "",
    finding.field !== undefined ? `field:${finding.field}` : "",
  ].filter(Boolean);
  // Findings about the whole registry (no batch, seq or field) are told apart by their message.
  const id = `${finding.code}:${where.length > 0 ? where.join(":") : shortHash(finding.message)}`;
  return {
    id,
    kind: finding.code,
    severity: fromAudit(finding.code),
    message: finding.message,
    ...(finding.batchId !== undefined ? { batchId: finding.batchId } : {}),
    ...(finding.seq !== undefined ? { seq: finding.seq } : {}),
    ...(asset !== undefined ? { asset } : {}),
    ...(finding.expected !== undefined ? { expected: finding.expected } : {}),
    ...(finding.actual !== undefined ? { actual: finding.actual } : {}),
  };
}

/**
 * A reconciler finding as an alert. A finding over a block range that runs to the final block (UNDISCLOSED_TX,
 * NATIVE_UNEXPLAINED) would get a new range at every new block: its id keeps the range's start and the message
 * without the end, so it is raised again only when what is unexplained changes.
 */
export function reconcileAlert(finding: ReconcileFinding, toBlock: number): AlertInput {
  const end = new RegExp(`-${toBlock}\\b`, "g");
  const movement = (finding.movement ?? "").replace(end, "-");
  const ranged = /^blocks \d+-/.test(finding.movement ?? "");
  const key = [finding.code, finding.chain, `seq:${finding.seq}`, finding.account ?? "", movement];
  if (ranged) key.push(shortHash(finding.message.replace(end, "-")));
  return {
    id: key.join(":"),
    kind: finding.code,
    severity: finding.code === ("MIXED_INPUTS" as string) ? "warning" : "critical",
    message: finding.message,
    seq: finding.seq,
    chain: finding.chain,
    ...(finding.asset !== null ? { asset: finding.asset } : {}),
    ...(finding.account !== null ? { account: finding.account } : {}),
    expected: finding.expected,
    actual: finding.actual,
  };
}

/** A short, stable digest of a text for ids (FNV-1a, 32 bits: ids need to be stable, not secret). */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** Which alerts reach stdout, the webhook, the feed and the exit code. Every raised alert is kept in the state. */
export interface AlertFilter {
  kinds: Set<string> | null;
  assets: Set<string> | null;
  /** Lower-case: a CAIP-10 account or a bare 0x address (matches the CAIP-10 account's address too). */
  accounts: Set<string> | null;
  minSeverity: AlertSeverity;
}

export function passes(alert: Alert, filter: AlertFilter): boolean {
  if (SEVERITIES.indexOf(alert.severity) < SEVERITIES.indexOf(filter.minSeverity)) return false;
  if (filter.kinds && !filter.kinds.has(alert.kind)) return false;
  if (filter.assets && (alert.asset === undefined || !filter.assets.has(alert.asset))) return false;
  if (filter.accounts) {
    const account = alert.account?.toLowerCase();
    const address = account?.split(":").at(-1);
    if (account === undefined || !(filter.accounts.has(account) || filter.accounts.has(address!))) return false;
  }
  return true;
}
