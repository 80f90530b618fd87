/**
 * The audit's checks of one batch's chain facts, pure: batch(id) against the seqs and head chain before it,
 * against the source's listing and against its BatchAnchored log. Its served records are checked by core's
 * checkBatchRecords (core/verify/batch-check.ts), the definition the page uses too.
 */
import { nextHead, type Hex, type OnChainBatch } from "../../../core";
import type { FindingInput } from "./findings";
import type { AnchorLog } from "./chain-facts";
import type { ListedBatch } from "./source";

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
