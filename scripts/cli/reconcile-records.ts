/**
 * The records a reconciliation judges: every record of every batch anchored in the pinned registry, fetched from
 * a server or a mirror and checked exactly as `aiqyn audit` checks them (checkBatchRecords: each validates,
 * hashes to its leaf, and the batch's root is the anchored one). A batch that does not verify stops the run:
 * reconciling unanchored or altered records could call a forgery clean.
 */
import {
  AiqynError,
  createRegistryReader,
  type AnchoredBatch,
  type RecordV1,
  type RpcRequest,
  type TrustRoot,
} from "../../core";
import { keccak256, type Keccak } from "../../core/protocol/keccak";
import { checkBatchRecords } from "../../core/verify/batch-check";
import type { AuditSource } from "./audit/source";

export interface VerifiedRecords {
  records: RecordV1[];
  batches: number;
  /** Each batch as the chain records it: when its records took effect (anchoredAt), never their publishedAt. */
  anchors: AnchoredBatch[];
  /** The registry chain's block the registry was read at. */
  blockNumber: number;
}

async function pinnedReader(rpc: RpcRequest, trust: TrustRoot) {
  const blockHex = await rpc("eth_blockNumber", []);
  if (typeof blockHex !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(blockHex))
    throw new AiqynError("CHAIN_UNAVAILABLE", "eth_blockNumber answered garbage");
  const reader = createRegistryReader(rpc, trust.registry, blockHex);
  const chainId = await reader.chainId();
  if (chainId !== trust.chainId)
    throw new AiqynError("TRUST_CHAIN_MISMATCH", `--rpc serves chain ${chainId}; the trust root pins ${trust.chainId}`);
  if ((await reader.code()) === "0x")
    throw new AiqynError("REGISTRY_NOT_FOUND", `no contract at ${trust.registry} on chain ${chainId}`);
  return { reader, blockNumber: Number(BigInt(blockHex)) };
}

/** Every anchored record, verified against the pinned registry; throws RECORDS_UNVERIFIED on any doubt. */
export async function loadVerifiedRecords(
  rpc: RpcRequest,
  trust: TrustRoot,
  source: AuditSource,
  keccak: Keccak = keccak256,
): Promise<VerifiedRecords> {
  const { reader, blockNumber } = await pinnedReader(rpc, trust);
  const batchCount = await reader.batchCount();
  const records: RecordV1[] = [];
  const anchors: AnchoredBatch[] = [];
  for (let id = 1; id <= batchCount; id++) {
    const chain = await reader.batch(id);
    if (!chain)
      throw new AiqynError("CHAIN_UNAVAILABLE", `batch(${id}) is missing though batchCount() is ${batchCount}`);
    const served = await source.batchRecords(id, chain.leafCount);
    if (!served.ok)
      throw new AiqynError(
        "RECORDS_UNVERIFIED",
        `batch ${id}: ${source.description} serves no records (${served.message})`,
      );
    const checked = checkBatchRecords(id, chain, served.value.items, { keccak });
    if (!checked.rootOk || checked.records.length !== chain.leafCount)
      throw new AiqynError(
        "RECORDS_UNVERIFIED",
        `batch ${id}: the records served do not match the anchored root (run aiqyn audit for details)`,
      );
    records.push(...checked.records);
    anchors.push({ firstSeq: chain.firstSeq, leafCount: chain.leafCount, anchoredAt: chain.anchoredAt });
  }
  return { records, batches: batchCount, anchors, blockNumber };
}
