/**
 * Audit findings: stable codes an auditor can cite and a machine can count. Memory stays bounded however
 * broken the registry is: every finding is counted, but only the first `keepPerCode` of each code are kept.
 */

/** error: evidence the registry is wrong or could not be checked. warning: odd, not proof of misconduct. info: FYI. */
export type Severity = "error" | "warning" | "info";

export const FINDING_CODES = {
  /** The root recomputed from the served records differs from the root on chain. */
  ROOT_MISMATCH: "error",
  /** The source served another number of records for a batch than its leafCount on chain. */
  LEAF_COUNT_MISMATCH: "error",
  /** A seq is missing: from a batch's records, between batches on chain, or at the end (nextSeq). */
  SEQ_GAP: "error",
  /** A seq is served twice, or batches on chain overlap. */
  SEQ_OVERLAP: "error",
  /** The contract's nextSeq() is not where the last batch ends. */
  NEXT_SEQ_MISMATCH: "error",
  /** The head hash chain, recomputed with core's nextHead, differs from a batch's head or the contract's head(). */
  HEAD_MISMATCH: "error",
  /** A batch anchored on chain is missing from the source's batch list, or its records are not served (404). */
  BATCH_MISSING: "error",
  /** The source lists a batch that is anchored on chain as sealed/submitted. */
  BATCH_UNANCHORED_ON_SERVER: "error",
  /** The source lists an anchored batch that the chain does not have. */
  BATCH_NOT_ON_CHAIN: "error",
  /** The source's root, firstSeq, leafCount or head of a batch differ from the chain's. */
  BATCH_METADATA_MISMATCH: "error",
  /** A served record is not a valid Record v1 (validateRecord). */
  RECORD_INVALID: "error",
  /** A served record's seq lies outside the batch's firstSeq..firstSeq+leafCount-1 on chain. */
  RECORD_OUTSIDE_BATCH: "error",
  /** The leaf the source states for a record is not the leaf recomputed from the record. */
  LEAF_MISMATCH: "error",
  /** corrects names no earlier record, or breaks the RETRACTION rules. */
  CORRECTS_INVALID: "error",
  /** corrects names a record that an earlier RETRACTION already voided. */
  CORRECTS_VOIDED_RECORD: "warning",
  /** The source served a batch's records out of seq order (the audit sorts them). */
  RECORDS_OUT_OF_ORDER: "warning",
  /** The source names another chain or registry than the one audited. */
  REGISTRY_MISMATCH: "error",
  /** A receipt's seq is not anchored and its maximum delay has passed. */
  RECEIPT_NOT_HONOURED: "error",
  /** A receipt's seq is anchored with another leaf than the receipt promised. */
  RECEIPT_LEAF_MISMATCH: "error",
  /** A receipt's seq was anchored later than publishedAt + the contract's maxAnchorDelay(). */
  RECEIPT_LATE: "error",
  /** A receipt's signature does not recover to its signer over its fields (for this chain and registry). */
  RECEIPT_BAD_SIGNATURE: "error",
  /** A receipt's signer did not hold ANCHORER_ROLE at its publishedAt (role history from the logs): it binds nobody. */
  RECEIPT_UNKNOWN_SIGNER: "warning",
  /** A receipt file or entry is not a receipt. */
  RECEIPT_INVALID: "warning",
  /** A receipt's seq is anchored, but the batch's records could not be verified, so its leaf was not checked. */
  RECEIPT_UNCHECKED: "warning",
  /** A receipt's seq is not anchored yet, and its maximum delay has not passed. */
  RECEIPT_PENDING: "info",
  /** The source timed out, failed or sent garbage. */
  SOURCE_ERROR: "error",
  /** The runtime code at the pinned address is not the compiled TransparencyRegistry (immutables filled in). */
  REGISTRY_CODE_MISMATCH: "error",
  /** batch(id) differs from its BatchAnchored log, has none, or the logs' head chain breaks. */
  BATCH_LOG_MISMATCH: "error",
  /** The source states another maxAnchorDelaySeconds than the contract's maxAnchorDelay(). */
  DELAY_MISMATCH: "error",
  /** A record was anchored later than its publishedAt + maxAnchorDelay (no receipt needed). */
  LATE_ANCHOR: "error",
  /** A record's publishedAt is earlier than the previous seq's: the clock ran backwards or a record was backdated. */
  PUBLISHED_AT_BACKWARDS: "error",
  /** The source lists a sealed batch that is still not anchored after maxAnchorDelay. */
  BATCH_OVERDUE: "error",
  /** A public view (/records, /records/:seq, /proof, /stats, a mirror's bundle) differs from the verified records. */
  VIEW_MISMATCH: "error",
  /** A public view could not be compared (pending records in /stats, a view that failed). */
  VIEW_UNCHECKED: "info",
  /** Two or more records with effect correct the same record. */
  CORRECTION_FORK: "error",
  /** A correction changes the corrected record's kind (e.g. a GRANT reclassified as an inflow). */
  CORRECTION_CHANGES_KIND: "error",
  /** A correction changes the corrected record's asset. */
  CORRECTION_CHANGES_ASSET: "error",
  /** A correction was retracted: the original stands again (docs/PROTOCOL.md "Corrections"). */
  CORRECTION_RETRACTED: "warning",
  /** A RETRACTION without @<block> of a declaration current since an earlier batch (tracking must end at a block). */
  DECLARATION_VOIDED: "error",
  /** A correction of a declaration current since an earlier batch names another account, asset or a later block. */
  DECLARATION_RESTARTED: "error",
} as const satisfies Record<string, Severity>;

export type FindingCode = keyof typeof FINDING_CODES;

export interface Finding {
  code: FindingCode;
  severity: Severity;
  batchId?: number;
  seq?: number;
  /** For VIEW_* findings: the view and the field that differs, e.g. "/records/5 record.amount". */
  field?: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export type FindingInput = Omit<Finding, "severity">;

export class FindingCollector {
  private readonly kept: Finding[] = [];
  private readonly perCode = new Map<FindingCode, number>();
  readonly bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };

  constructor(private readonly keepPerCode = 200) {}

  add(input: FindingInput): void {
    const finding: Finding = { ...stripUndefined(input), severity: FINDING_CODES[input.code] };
    const seen = this.perCode.get(finding.code) ?? 0;
    this.perCode.set(finding.code, seen + 1);
    this.bySeverity[finding.severity]++;
    if (seen < this.keepPerCode) this.kept.push(finding);
  }

  get total(): number {
    return this.bySeverity.error + this.bySeverity.warning + this.bySeverity.info;
  }

  /** Kept findings, ordered by batch, then seq, then code. */
  list(): Finding[] {
    return [...this.kept].sort(
      (a, b) => (a.batchId ?? 0) - (b.batchId ?? 0) || (a.seq ?? 0) - (b.seq ?? 0) || a.code.localeCompare(b.code),
    );
  }

  counts(): { code: FindingCode; severity: Severity; count: number; listed: number }[] {
    return [...this.perCode.entries()]
      .map(([code, count]) => ({
        code,
        severity: FINDING_CODES[code],
        count,
        listed: Math.min(count, this.keepPerCode),
      }))
      .sort((a, b) => a.code.localeCompare(b.code));
  }

  has(code: FindingCode): boolean {
    return this.perCode.has(code);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
