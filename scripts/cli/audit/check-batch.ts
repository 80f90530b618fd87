/**
 * The checks of one batch, pure: the chain's batch and the records a source served for it in, findings and
 * the verified leaves out. Every hash comes from core (leafHash, buildBatchTree, nextHead); the Keccak may
 * be a faster implementation already checked to equal core's.
 */
import {
  isBytes32Hex,
  leafHash,
  nextHead,
  validateRecord,
  type Hex,
  type Keccak,
  type OnChainBatch,
  type RecordV1,
} from "../../../core";
import { buildBatchTree } from "../../../core/tree";
import type { FindingInput } from "./findings";
import type { AnchorLog } from "./chain-facts";
import type { ListedBatch, ServedItem } from "./source";

export interface BatchRecordsCheck {
  findings: FindingInput[];
  /** True when the recomputed root equals the chain's: the leaves below are then the anchored ones. */
  rootOk: boolean;
  recomputedRoot: Hex | null;
  /** The verified records in seq order (only those in the batch's range), for the cross-batch checks. */
  records: RecordV1[];
  leaves: Hex[];
}

/**
 * Checks the records served for chain batch `batchId`: each validates as Record v1 and hashes to the leaf
 * the source states; their seqs are exactly firstSeq..firstSeq+leafCount-1; the root over them, in seq order,
 * equals the chain's root.
 */
export function checkBatchRecords(
  batchId: number,
  chain: OnChainBatch,
  items: readonly ServedItem[],
  keccak: Keccak,
): BatchRecordsCheck {
  const findings: FindingInput[] = [];
  const first = chain.firstSeq;
  const end = chain.firstSeq + chain.leafCount; // exclusive
  if (items.length !== chain.leafCount) {
    findings.push({
      code: "LEAF_COUNT_MISMATCH",
      batchId,
      message: `the source served ${items.length} record(s) for batch ${batchId}; the chain says ${chain.leafCount}`,
      expected: chain.leafCount,
      actual: items.length,
    });
  }

  const bySeq = new Map<number, { record: RecordV1; leaf: Hex }>();
  let previousSeq = -Infinity;
  let outOfOrder = false;
  items.forEach((item, index) => {
    const seqOf = (item.record as { seq?: unknown } | null)?.seq;
    const seq = typeof seqOf === "number" && Number.isSafeInteger(seqOf) ? seqOf : undefined;
    const validation = validateRecord(item.record);
    // corrects ≥ seq is reported as CORRECTS_INVALID by the cross-batch check, not twice.
    const problems = validation.ok ? [] : validation.errors.filter((p) => p.code !== "CORRECTS_NOT_EARLIER");
    if (problems.length > 0) {
      findings.push({
        code: "RECORD_INVALID",
        batchId,
        ...(seq !== undefined ? { seq } : {}),
        message: `record #${index} of batch ${batchId} is not a valid Record v1: ${problems
          .slice(0, 3)
          .map((p) => `${p.field || "/"} ${p.code}`)
          .join(", ")}${problems.length > 3 ? ", …" : ""}`,
        actual: problems.slice(0, 10),
      });
    }
    if (seq === undefined) return;
    if (seq < previousSeq) outOfOrder = true;
    previousSeq = seq;
    if (seq < first || seq >= end) {
      findings.push({
        code: "RECORD_OUTSIDE_BATCH",
        batchId,
        seq,
        message: `the source serves record ${seq} in batch ${batchId}, whose seqs on chain are ${first}–${end - 1}`,
        expected: { firstSeq: first, lastSeq: end - 1 },
        actual: seq,
      });
      return;
    }
    if (bySeq.has(seq)) {
      findings.push({
        code: "SEQ_OVERLAP",
        batchId,
        seq,
        message: `the source serves record ${seq} twice in batch ${batchId}`,
      });
      return;
    }
    let leaf: Hex;
    try {
      // Hash exactly what was served (validation failures that still encode, e.g. a non-NFC string, keep their leaf).
      leaf = leafHash(item.record as RecordV1, keccak);
    } catch {
      return; // not encodable: already RECORD_INVALID; the seq then counts as missing below
    }
    if (item.leaf !== undefined && (!isBytes32Hex(item.leaf) || item.leaf.toLowerCase() !== leaf)) {
      findings.push({
        code: "LEAF_MISMATCH",
        batchId,
        seq,
        message: `the source states a leaf for record ${seq} that is not the leaf recomputed from the record`,
        expected: leaf,
        actual: item.leaf,
      });
    }
    bySeq.set(seq, { record: item.record as RecordV1, leaf });
  });
  if (outOfOrder) {
    findings.push({
      code: "RECORDS_OUT_OF_ORDER",
      batchId,
      message: `the source served batch ${batchId}'s records out of seq order`,
    });
  }

  const records: RecordV1[] = [];
  const leaves: Hex[] = [];
  let missing = 0;
  for (let seq = first; seq < end; seq++) {
    const entry = bySeq.get(seq);
    if (!entry) {
      missing++;
      if (missing <= 100) {
        findings.push({
          code: "SEQ_GAP",
          batchId,
          seq,
          message: `batch ${batchId} on chain holds seq ${seq}; the source serves no valid record for it`,
        });
      }
      continue;
    }
    records.push(entry.record);
    leaves.push(entry.leaf);
  }
  if (missing > 100) {
    findings.push({
      code: "SEQ_GAP",
      batchId,
      message: `and ${missing - 100} more seqs of batch ${batchId} are missing`,
    });
  }
  if (missing > 0) return { findings, rootOk: false, recomputedRoot: null, records, leaves };

  const root = buildBatchTree(leaves, { keccak }).root;
  const rootOk = root === chain.root.toLowerCase();
  if (!rootOk) {
    findings.push({
      code: "ROOT_MISMATCH",
      batchId,
      message: `the root recomputed from batch ${batchId}'s ${leaves.length} served record(s) is not the root anchored on chain`,
      expected: chain.root,
      actual: root,
    });
  }
  return { findings, rootOk, recomputedRoot: root, records, leaves };
}

/** The chain's own consistency for one batch: seqs continue where the previous batch ended, the head chain holds. */
export function checkChainBatch(
  batchId: number,
  chain: OnChainBatch,
  expectedFirstSeq: number,
  prevHead: Hex,
): FindingInput[] {
  const findings: FindingInput[] = [];
  if (chain.firstSeq > expectedFirstSeq) {
    findings.push({
      code: "SEQ_GAP",
      batchId,
      message: `batch ${batchId} starts at seq ${chain.firstSeq}; the previous batch ended before ${expectedFirstSeq}`,
      expected: expectedFirstSeq,
      actual: chain.firstSeq,
    });
  } else if (chain.firstSeq < expectedFirstSeq) {
    findings.push({
      code: "SEQ_OVERLAP",
      batchId,
      message: `batch ${batchId} starts at seq ${chain.firstSeq}, inside the seqs of earlier batches (next free: ${expectedFirstSeq})`,
      expected: expectedFirstSeq,
      actual: chain.firstSeq,
    });
  }
  const head = nextHead(prevHead, batchId, chain.root, chain.firstSeq, chain.leafCount);
  if (head !== chain.head.toLowerCase()) {
    findings.push({
      code: "HEAD_MISMATCH",
      batchId,
      message: `batch ${batchId}'s head on chain is not keccak256(prevHead, id, root, firstSeq, leafCount)`,
      expected: head,
      actual: chain.head,
    });
  }
  return findings;
}

/** The source's description of a batch (list entry or the records answer's `batch`) against the chain's. */
export function checkListedBatch(
  batchId: number,
  chain: OnChainBatch,
  listed: Pick<ListedBatch, "status" | "root" | "firstSeq" | "leafCount" | "head">,
): FindingInput[] {
  const findings: FindingInput[] = [];
  if (listed.status !== "anchored") {
    findings.push({
      code: "BATCH_UNANCHORED_ON_SERVER",
      batchId,
      message: `the source lists batch ${batchId} as "${listed.status}", but it is anchored on chain`,
      expected: "anchored",
      actual: listed.status,
    });
  }
  const differences: string[] = [];
  if (typeof listed.root !== "string" || listed.root.toLowerCase() !== chain.root.toLowerCase())
    differences.push("root");
  if (listed.firstSeq !== chain.firstSeq) differences.push("firstSeq");
  if (listed.leafCount !== chain.leafCount) differences.push("leafCount");
  // A sealed/submitted batch has no head yet on the server; compare it only once the server says anchored.
  if (
    listed.status === "anchored" &&
    (typeof listed.head !== "string" || listed.head.toLowerCase() !== chain.head.toLowerCase())
  )
    differences.push("head");
  if (differences.length > 0) {
    findings.push({
      code: "BATCH_METADATA_MISMATCH",
      batchId,
      message: `the source's ${differences.join(", ")} of batch ${batchId} do not match the chain's`,
      expected: { root: chain.root, firstSeq: chain.firstSeq, leafCount: chain.leafCount, head: chain.head },
      actual: { root: listed.root, firstSeq: listed.firstSeq, leafCount: listed.leafCount, head: listed.head },
    });
  }
  return findings;
}

/**
 * batch(id) against its BatchAnchored log: exactly one log, with the same root, seqs and head, and the head
 * chain recomputed from the logs alone (`prevLogHead` is the previous log's head). Returns the log's head.
 */
export function checkAnchorLog(
  batchId: number,
  chain: OnChainBatch,
  logs: readonly AnchorLog[] | undefined,
  prevLogHead: Hex,
  findings: FindingInput[],
): Hex {
  const log = logs?.[0];
  if (!log) {
    findings.push({ code: "BATCH_LOG_MISMATCH", batchId, message: `batch ${batchId} has no BatchAnchored log` });
    return chain.head.toLowerCase() as Hex;
  }
  if (logs.length > 1)
    findings.push({
      code: "BATCH_LOG_MISMATCH",
      batchId,
      message: `batch ${batchId} has ${logs.length} BatchAnchored logs`,
    });
  const differs: string[] = (["root", "head"] as const).filter((k) => log[k].toLowerCase() !== chain[k].toLowerCase());
  differs.push(...(["firstSeq", "leafCount"] as const).filter((k) => log[k] !== chain[k]));
  if (differs.length > 0)
    findings.push({
      code: "BATCH_LOG_MISMATCH",
      batchId,
      message: `batch ${batchId}'s ${differs.join(", ")} on chain differ from its BatchAnchored log`,
      expected: { root: log.root, firstSeq: log.firstSeq, leafCount: log.leafCount, head: log.head },
      actual: { root: chain.root, firstSeq: chain.firstSeq, leafCount: chain.leafCount, head: chain.head },
    });
  const head = nextHead(prevLogHead, batchId, log.root, log.firstSeq, log.leafCount);
  if (head !== log.head.toLowerCase())
    findings.push({
      code: "BATCH_LOG_MISMATCH",
      batchId,
      message: `the head chain recomputed from the BatchAnchored logs breaks at batch ${batchId}`,
      expected: head,
      actual: log.head,
    });
  return log.head.toLowerCase() as Hex;
}
