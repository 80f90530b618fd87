// A real, consistent proof bundle for the bundle tests: records in a tree built by core/protocol/tree, a receipt signed by
// a real ethers Wallet over core's digest.
import { getBytes, Wallet } from "ethers";
import { BUNDLE_FORMAT, leafHash, receiptDigest, type Hex, type ProofBundle, type RecordV1 } from "../../core";
import { buildBatchTree, type BatchTree } from "../../core/protocol/tree";
import { seededRecords } from "./fixtures";

export const SIGNER = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

export interface BatchFixture {
  id: number;
  firstSeq: number;
  records: RecordV1[];
  leaves: Hex[];
  tree: BatchTree;
}

export function makeBatch(id: number, firstSeq: number, count: number, seed = id): BatchFixture {
  const records = seededRecords(seed, firstSeq, count);
  const leaves = records.map((r) => leafHash(r));
  return { id, firstSeq, records, leaves, tree: buildBatchTree(leaves) };
}

/** The bundle for record `index` of `batch`, anchored (it claims) on `chainId`/`registry`, with a signed receipt. */
export async function makeBundle(
  batch: BatchFixture,
  index: number,
  chainId = 31337,
  registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
): Promise<ProofBundle> {
  const record = batch.records[index]!;
  const leaf = batch.leaves[index]!;
  const digest = receiptDigest(chainId, registry, record.seq, leaf, record.publishedAt);
  const signature = (await SIGNER.signMessage(getBytes(digest))) as Hex;
  return {
    format: BUNDLE_FORMAT,
    record,
    leaf,
    proof: batch.tree.proof(index),
    batch: { id: batch.id, root: batch.tree.root, firstSeq: batch.firstSeq, leafCount: batch.records.length },
    anchor: { chainId, registry, txHash: `0x${"ab".repeat(32)}`, blockNumber: 42 },
    receipt: { seq: record.seq, leaf, publishedAt: record.publishedAt, signer: SIGNER.address, signature },
  };
}

/** A deep copy as plain JSON (what a file would hold). */
export function asJson(bundle: ProofBundle): Record<string, unknown> {
  return JSON.parse(JSON.stringify(bundle)) as Record<string, unknown>;
}
