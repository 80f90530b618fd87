/**
 * One batch's served records checked against the pinned registry's batch(id), the one definition the page and
 * `aiqyn audit` share: every record is a valid Record v1, the seqs are exactly firstSeq..firstSeq+leafCount-1,
 * each leaf is recomputed here (leafHash) and compared with the leaf the source serves, and the root of the
 * leaves in seq order (core/protocol/tree-levels.ts, no merkletreejs: this module is in the page's bundle) must equal
 * the chain's root. checkBatchRecords names every problem (the audit's findings); batchVerdict is the page's
 * yes/no over it: a batch counts as checked only when there is no finding at all.
 */
import type { OnChainBatch } from "../protocol/bundle";
import { isBytes32Hex, type Hex } from "../protocol/bytes";
import { leafHash } from "../protocol/encoding";
import { keccak256, type Keccak } from "../protocol/keccak";
import { validateRecord, type FieldProblem, type RecordV1 } from "../protocol/record";
import { batchRoot } from "../protocol/tree-levels";

/** What can be wrong with a batch's served records (the audit gives each a severity: audit/findings.ts). */
export type BatchFindingCode =
  | "LEAF_COUNT_MISMATCH"
  | "RECORD_INVALID"
  | "RECORD_OUTSIDE_BATCH"
  | "SEQ_OVERLAP"
  | "LEAF_MISMATCH"
  | "RECORDS_OUT_OF_ORDER"
  | "SEQ_GAP"
  | "ROOT_MISMATCH";

export interface BatchFinding {
  code: BatchFindingCode;
  batchId: number;
  seq?: number;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

/** A record as a data source serves it within a batch: its (unchecked) record and leaf. */
export interface ServedBatchEntry {
  record: unknown;
  leaf?: unknown;
}

export interface BatchCheckOptions {
  /** A Keccak-256 already checked to equal core's (the audit's faster one); core's by default. */
  keccak?: Keccak;
  /** Leave corrects ≥ seq out of RECORD_INVALID: the caller reports it itself (the audit's CORRECTS_INVALID). */
  skipCorrectsNotEarlier?: boolean;
}

export interface BatchRecordsCheck {
  findings: BatchFinding[];
  /** True when the recomputed root equals the chain's: the leaves below are then the anchored ones. */
  rootOk: boolean;
  recomputedRoot: Hex | null;
  /** The records in the batch's seq range, in seq order (valid unless a RECORD_INVALID names them). */
  records: RecordV1[];
  leaves: Hex[];
}

/** SEQ_GAP findings listed one by one per batch; the rest are counted in one more. */
const GAPS_LISTED = 100;

/** The state of one batch's check while its entries are read in the order served. */
interface BatchScan {
  readonly batchId: number;
  readonly first: number;
  /** One past the batch's last seq. */
  readonly end: number;
  readonly keccak: Keccak;
  readonly skipCorrectsNotEarlier: boolean;
  readonly findings: BatchFinding[];
  readonly bySeq: Map<number, { record: RecordV1; leaf: Hex }>;
  previousSeq: number;
  outOfOrder: boolean;
}

/**
 * Checks the entries served for chain batch `batchId` (see the module comment). Every problem is a finding;
 * the leaf of a record that fails validation but still encodes (e.g. a non-NFC string) is hashed exactly as
 * served, so the root still shows whether that is what was anchored.
 */
export function checkBatchRecords(
  batchId: number,
  chain: OnChainBatch,
  entries: readonly ServedBatchEntry[],
  options: BatchCheckOptions = {},
): BatchRecordsCheck {
  const scan: BatchScan = {
    batchId,
    first: chain.firstSeq,
    end: chain.firstSeq + chain.leafCount,
    keccak: options.keccak ?? keccak256,
    skipCorrectsNotEarlier: options.skipCorrectsNotEarlier ?? false,
    findings: [],
    bySeq: new Map(),
    previousSeq: -Infinity,
    outOfOrder: false,
  };
  if (entries.length !== chain.leafCount) scan.findings.push(leafCountMismatch(batchId, chain, entries.length));
  entries.forEach((entry, index) => scanEntry(scan, entry, index));
  const { records, leaves, missing } = inSeqOrder(scan);
  if (missing > 0) return { findings: scan.findings, rootOk: false, recomputedRoot: null, records, leaves };
  const root = batchRoot(leaves, scan.keccak);
  const rootOk = root === chain.root.toLowerCase();
  if (!rootOk) scan.findings.push(rootMismatch(batchId, chain, root, leaves.length));
  return { findings: scan.findings, rootOk, recomputedRoot: root, records, leaves };
}

function leafCountMismatch(batchId: number, chain: OnChainBatch, served: number): BatchFinding {
  return {
    code: "LEAF_COUNT_MISMATCH",
    batchId,
    message: `the source served ${served} record(s) for batch ${batchId}; the chain says ${chain.leafCount}`,
    expected: chain.leafCount,
    actual: served,
  };
}

function rootMismatch(batchId: number, chain: OnChainBatch, root: Hex, leafCount: number): BatchFinding {
  return {
    code: "ROOT_MISMATCH",
    batchId,
    message: `the root recomputed from batch ${batchId}'s ${leafCount} served record(s) is not the root anchored on chain`,
    expected: chain.root,
    actual: root,
  };
}

/** One served entry: valid, in the batch's range, not a repeat, its leaf the one served; kept by its seq. */
function scanEntry(scan: BatchScan, entry: ServedBatchEntry, index: number): void {
  const { batchId, findings } = scan;
  const seqOf = (entry.record as { seq?: unknown } | null)?.seq;
  const seq = typeof seqOf === "number" && Number.isSafeInteger(seqOf) ? seqOf : undefined;
  const problems = recordProblems(entry.record, scan.skipCorrectsNotEarlier);
  if (problems.length > 0) findings.push(invalidRecordFinding(batchId, index, seq, problems));
  if (seq === undefined) return;
  noteOrder(scan, seq);
  if (seq < scan.first || seq >= scan.end) {
    findings.push({
      code: "RECORD_OUTSIDE_BATCH",
      batchId,
      seq,
      message: `the source serves record ${seq} in batch ${batchId}, whose seqs on chain are ${scan.first}–${scan.end - 1}`,
      expected: { firstSeq: scan.first, lastSeq: scan.end - 1 },
      actual: seq,
    });
    return;
  }
  if (scan.bySeq.has(seq)) {
    findings.push({
      code: "SEQ_OVERLAP",
      batchId,
      seq,
      message: `the source serves record ${seq} twice in batch ${batchId}`,
    });
    return;
  }
  const leaf = servedLeaf(scan, entry, seq);
  if (leaf) scan.bySeq.set(seq, { record: entry.record as RecordV1, leaf });
}

/** RECORDS_OUT_OF_ORDER, once per batch, when a seq comes after a higher one. */
function noteOrder(scan: BatchScan, seq: number): void {
  if (seq < scan.previousSeq && !scan.outOfOrder) {
    scan.outOfOrder = true;
    scan.findings.push({
      code: "RECORDS_OUT_OF_ORDER",
      batchId: scan.batchId,
      message: `the source served batch ${scan.batchId}'s records out of seq order`,
    });
  }
  scan.previousSeq = seq;
}

/** The record's validation problems, less corrects ≥ seq when the caller reports that itself. */
function recordProblems(record: unknown, skipCorrectsNotEarlier: boolean): FieldProblem[] {
  const validation = validateRecord(record);
  if (validation.ok) return [];
  if (!skipCorrectsNotEarlier) return validation.errors;
  return validation.errors.filter((p) => p.code !== "CORRECTS_NOT_EARLIER");
}

function invalidRecordFinding(
  batchId: number,
  index: number,
  seq: number | undefined,
  problems: FieldProblem[],
): BatchFinding {
  const named = problems.slice(0, 3).map((p) => `${p.field || "/"} ${p.code}`);
  return {
    code: "RECORD_INVALID",
    batchId,
    ...(seq !== undefined ? { seq } : {}),
    message: `record #${index} of batch ${batchId} is not a valid Record v1: ${named.join(", ")}${problems.length > 3 ? ", …" : ""}`,
    actual: problems.slice(0, 10),
  };
}

/**
 * The leaf recomputed from the record exactly as served (LEAF_MISMATCH when the source states another), or
 * null when the record does not encode: it is then RECORD_INVALID already, and its seq counts as missing.
 */
function servedLeaf(scan: BatchScan, entry: ServedBatchEntry, seq: number): Hex | null {
  let leaf: Hex;
  try {
    leaf = leafHash(entry.record as RecordV1, scan.keccak);
  } catch {
    return null;
  }
  if (entry.leaf !== undefined && (!isBytes32Hex(entry.leaf) || entry.leaf.toLowerCase() !== leaf)) {
    scan.findings.push({
      code: "LEAF_MISMATCH",
      batchId: scan.batchId,
      seq,
      message: `the source states a leaf for record ${seq} that is not the leaf recomputed from the record`,
      expected: leaf,
      actual: entry.leaf,
    });
  }
  return leaf;
}

/** The kept records and leaves in seq order; every seq of the batch without one is a SEQ_GAP. */
function inSeqOrder(scan: BatchScan): { records: RecordV1[]; leaves: Hex[]; missing: number } {
  const { batchId, findings } = scan;
  const records: RecordV1[] = [];
  const leaves: Hex[] = [];
  let missing = 0;
  for (let seq = scan.first; seq < scan.end; seq++) {
    const kept = scan.bySeq.get(seq);
    if (kept) {
      records.push(kept.record);
      leaves.push(kept.leaf);
      continue;
    }
    if (++missing <= GAPS_LISTED)
      findings.push({
        code: "SEQ_GAP",
        batchId,
        seq,
        message: `batch ${batchId} on chain holds seq ${seq}; the source serves no valid record for it`,
      });
  }
  if (missing > GAPS_LISTED)
    findings.push({
      code: "SEQ_GAP",
      batchId,
      message: `and ${missing - GAPS_LISTED} more seqs of batch ${batchId} are missing`,
    });
  return { records, leaves, missing };
}

/** The page's short name for what is wrong with a batch. */
export type BatchProblem = "not-on-chain" | "leaf-count" | "invalid-record" | "seq" | "leaf" | "root";

export type BatchVerdict =
  | { ok: true; records: RecordV1[] }
  | { ok: false; problem: BatchProblem; /** The seq concerned, when one record is. */ seq?: number };

const PROBLEM_OF: Record<BatchFindingCode, BatchProblem> = {
  LEAF_COUNT_MISMATCH: "leaf-count",
  RECORD_INVALID: "invalid-record",
  RECORD_OUTSIDE_BATCH: "seq",
  SEQ_OVERLAP: "seq",
  RECORDS_OUT_OF_ORDER: "seq",
  SEQ_GAP: "seq",
  LEAF_MISMATCH: "leaf",
  ROOT_MISMATCH: "root",
};

/**
 * The page's verdict on batch `batchId` (`onChain` null when the registry has no such batch): its records
 * count only when checkBatchRecords finds nothing at all, not even records served out of order or a record
 * breaking corrects < seq; otherwise the first finding names the problem.
 */
export function batchVerdict(
  batchId: number,
  entries: readonly ServedBatchEntry[],
  onChain: OnChainBatch | null,
  keccak?: Keccak,
): BatchVerdict {
  if (!onChain) return { ok: false, problem: "not-on-chain" };
  const check = checkBatchRecords(batchId, onChain, entries, { keccak });
  const first = check.findings[0];
  if (!first) return { ok: true, records: check.records };
  return { ok: false, problem: PROBLEM_OF[first.code], ...(first.seq !== undefined ? { seq: first.seq } : {}) };
}
