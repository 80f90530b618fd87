/**
 * What a verdict reads from the chain, as injected functions: the verifier (core/verify/verifier.ts) never opens a
 * connection. rpcChainReads builds them over a JSON-RPC transport for the PINNED registry only;
 * agreeingChainReads asks two independent RPCs every read and refuses (RPCS_DISAGREE) when they differ, so one
 * lying endpoint cannot make a forgery "anchored".
 */
import { bytesToHex, isHexQuantity, uintWordHex, utf8Bytes, type Hex } from "../protocol/bytes";
import type { OnChainBatch, ReadBatch } from "../protocol/bundle";
import { AiqynError } from "../protocol/errors";
import { keccak256 } from "../protocol/keccak";
import { ANCHORER_ROLE, createRegistryReader } from "./registry-reader";
import type { RpcRequest } from "../chains/evm/json-rpc";
import { parseChainLog, type ChainLog, type ScanOptions } from "../chains/evm/log-scan";
import {
  blockTimestamps,
  readRoleHistory,
  roleEventOf,
  ROLE_GRANTED_TOPIC,
  ROLE_REVOKED_TOPIC,
  type RoleEvent,
} from "./roles";
import type { TrustRoot } from "../protocol/trust";

/** topic0 of `BatchAnchored(uint64 indexed batchId, bytes32 root, uint64 firstSeq, uint32 leafCount, bytes32 head)`. */
export const BATCH_ANCHORED_TOPIC: Hex = bytesToHex(
  keccak256(utf8Bytes("BatchAnchored(uint64,bytes32,uint64,uint32,bytes32)")),
);

/** Two RPCs answered differently: never a verdict of "anchored". */
export const RPCS_DISAGREE = "RPCS_DISAGREE";

export interface TxLog {
  address: string;
  topics: string[];
  data: string;
}

/** The parts of eth_getTransactionReceipt a verdict needs. */
export interface TxReceipt {
  succeeded: boolean;
  blockNumber: number | null;
  logs: TxLog[];
}

export interface ChainReads {
  chainId(): Promise<number>;
  /** batch(id) of the pinned registry; null when it has no such batch. */
  batch: ReadBatch;
  /** The transaction's receipt; null when the chain does not know the transaction. */
  transactionReceipt(txHash: Hex): Promise<TxReceipt | null>;
  /** The pinned registry's maxAnchorDelay() in seconds. */
  maxAnchorDelay(): Promise<number>;
  /** ANCHORER_ROLE's RoleGranted/RoleRevoked history since the trust root's deployment block. */
  anchorerHistory(): Promise<RoleEvent[]>;
}

/** Chain reads of the pinned registry over one JSON-RPC transport; the role history is read once. */
export function rpcChainReads(request: RpcRequest, trust: TrustRoot, scan: ScanOptions = {}): ChainReads {
  const reader = createRegistryReader(request, trust.registry);
  let history: Promise<RoleEvent[]> | null = null;
  return {
    chainId: () => reader.chainId(),
    batch: (id) => reader.batch(id),
    maxAnchorDelay: () => reader.maxAnchorDelay(),
    transactionReceipt: async (txHash) => parseTxReceipt(await request("eth_getTransactionReceipt", [txHash])),
    anchorerHistory: () => {
      history ??= readAnchorerHistory(request, trust, scan);
      history.catch(() => (history = null)); // a failed scan is asked again next time
      return history;
    },
  };
}

/**
 * The ANCHORER_ROLE history. First, in the same tick as a verdict's other reads (so in the same JSON-RPC batch
 * request): every role log from the deployment block to "latest" in one eth_getLogs, and the deployment block's
 * time, where the registry's constructor grants the role. When every event is in that block (the usual case) the
 * history costs no round trip of its own; other blocks' times are asked after. An RPC that refuses the whole
 * range gets the chunked scan (core/chains/evm/log-scan.ts) over [deploymentBlock, eth_blockNumber].
 */
async function readAnchorerHistory(request: RpcRequest, trust: TrustRoot, scan: ScanOptions): Promise<RoleEvent[]> {
  const filter = { address: trust.registry, topics: [[ROLE_GRANTED_TOPIC, ROLE_REVOKED_TOPIC], ANCHORER_ROLE] };
  const whole = request("eth_getLogs", [{ ...filter, fromBlock: quantity(trust.deploymentBlock), toBlock: "latest" }]);
  const deployed = request("eth_getBlockByNumber", [quantity(trust.deploymentBlock), false]);
  let logs: ChainLog[];
  try {
    const answer = await whole;
    if (!Array.isArray(answer)) throw new AiqynError("RPC_BAD_ANSWER", "eth_getLogs did not answer a list");
    logs = answer.map(parseChainLog).sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  } catch {
    deployed.catch(() => undefined);
    return scannedAnchorerHistory(request, trust, scan);
  }
  const known = new Map<number, number>();
  const deployedTime = (await deployed.catch(() => null)) as { timestamp?: unknown } | null;
  if (isHexQuantity(deployedTime?.timestamp)) known.set(trust.deploymentBlock, Number(BigInt(deployedTime.timestamp)));
  const missing = logs.map((log) => log.blockNumber).filter((block) => !known.has(block));
  const times = missing.length > 0 ? await blockTimestamps(request, missing) : new Map<number, number>();
  for (const [block, time] of known) times.set(block, time);
  return logs
    .map((log) => roleEventOf(log, ANCHORER_ROLE, times.get(log.blockNumber)!))
    .filter((event): event is RoleEvent => event !== null);
}

const quantity = (n: number) => `0x${n.toString(16)}`;

async function scannedAnchorerHistory(request: RpcRequest, trust: TrustRoot, scan: ScanOptions): Promise<RoleEvent[]> {
  const latest = await request("eth_blockNumber", []);
  if (!isHexQuantity(latest)) throw new AiqynError("RPC_BAD_ANSWER", "eth_blockNumber answered garbage");
  const toBlock = Number(BigInt(latest));
  const query = { registry: trust.registry, role: ANCHORER_ROLE, fromBlock: trust.deploymentBlock, toBlock };
  return readRoleHistory(request, query, scan);
}

function parseTxReceipt(raw: unknown): TxReceipt | null {
  if (raw === null) return null;
  if (typeof raw !== "object") throw new AiqynError("RPC_BAD_ANSWER", "eth_getTransactionReceipt answered garbage");
  const receipt = raw as { status?: unknown; blockNumber?: unknown; logs?: unknown };
  const block = isHexQuantity(receipt.blockNumber);
  const logs = Array.isArray(receipt.logs) ? receipt.logs : [];
  return {
    succeeded: receipt.status === "0x1",
    blockNumber: block ? Number(BigInt(receipt.blockNumber as string)) : null,
    logs: logs.filter(isLog).map((log) => ({ address: log.address, topics: log.topics, data: log.data })),
  };
}

function isLog(value: unknown): value is TxLog {
  const log = value as Partial<TxLog> | null;
  return (
    typeof log?.address === "string" &&
    Array.isArray(log.topics) &&
    log.topics.every((topic) => typeof topic === "string") &&
    typeof log.data === "string"
  );
}

/** Whether the receipt holds the pinned registry's BatchAnchored(batchId, root) log. */
export function emitsBatchAnchored(receipt: TxReceipt, registry: string, batchId: number, root: Hex): boolean {
  const batchTopic = `0x${uintWordHex(batchId)}`;
  return receipt.logs.some(
    (log) =>
      log.address.toLowerCase() === registry.toLowerCase() &&
      log.topics[0]?.toLowerCase() === BATCH_ANCHORED_TOPIC &&
      log.topics[1]?.toLowerCase() === batchTopic &&
      log.data.slice(2, 66).toLowerCase() === root.slice(2).toLowerCase(),
  );
}

/** What of a receipt a verdict rests on, so that two RPCs may differ only in what no verdict reads. */
function receiptEssence(receipt: TxReceipt | null) {
  if (!receipt) return null;
  const logs = receipt.logs.map((l) => ({
    address: l.address.toLowerCase(),
    topics: l.topics.map((t) => t.toLowerCase()),
    data: l.data.toLowerCase(),
  }));
  return { succeeded: receipt.succeeded, blockNumber: receipt.blockNumber, logs };
}

/**
 * Every read is asked of both `first` and `second`: chainId, batch(id), maxAnchorDelay(), the anchorer role
 * history and the anchoring transaction's receipt (status, block, logs) must agree, else RPCS_DISAGREE (details:
 * both answers). One lying endpoint can then neither forge an anchoring nor move a deadline or a role.
 */
export function agreeingChainReads(first: ChainReads, second: ChainReads): ChainReads {
  const agree = async <T>(what: string, a: Promise<T>, b: Promise<T>, key: (v: T) => unknown = (v) => v) => {
    const [one, two] = await Promise.all([a, b]);
    if (JSON.stringify(key(one)) !== JSON.stringify(key(two)))
      throw new AiqynError(RPCS_DISAGREE, `the two RPCs answer ${what} differently`, {
        details: { first: key(one), second: key(two) },
      });
    return one;
  };
  return {
    chainId: () => agree("eth_chainId", first.chainId(), second.chainId()),
    batch: (id) => agree<OnChainBatch | null>(`batch(${id})`, first.batch(id), second.batch(id)),
    maxAnchorDelay: () => agree("maxAnchorDelay()", first.maxAnchorDelay(), second.maxAnchorDelay()),
    anchorerHistory: () => agree("the ANCHORER_ROLE history", first.anchorerHistory(), second.anchorerHistory()),
    transactionReceipt: (txHash) =>
      agree(
        `the receipt of ${txHash}`,
        first.transactionReceipt(txHash),
        second.transactionReceipt(txHash),
        receiptEssence,
      ),
  };
}
