/**
 * Who held a role when: the registry's RoleGranted/RoleRevoked history. A receipt counts when its signer
 * held ANCHORER_ROLE at the receipt's `publishedAt` (docs/PROTOCOL.md "Receipt"), so a later rotation never
 * voids an earlier receipt and a receipt signed after its key was revoked is refused. Judging the role at
 * today's block instead would let two admin transactions erase evidence.
 *
 * roleHeldAt is pure; readRoleHistory reads the logs (in chunks, see log-scan.ts) and their blocks' times
 * through an injected JSON-RPC transport.
 */
import { bytesToHex, isHexQuantity, utf8Bytes, type Hex } from "../protocol/bytes";
import { AiqynError } from "../protocol/errors";
import { keccak256 } from "../protocol/keccak";
import { createGetLogs, scanLogs, type ChainLog, type GetLogs, type ScanOptions } from "../chains/evm/log-scan";
import type { RpcRequest } from "../chains/evm/json-rpc";

/** topic0 of `RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)`. */
export const ROLE_GRANTED_TOPIC: Hex = bytesToHex(keccak256(utf8Bytes("RoleGranted(bytes32,address,address)")));
/** topic0 of `RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)`. */
export const ROLE_REVOKED_TOPIC: Hex = bytesToHex(keccak256(utf8Bytes("RoleRevoked(bytes32,address,address)")));

export interface RoleEvent {
  granted: boolean;
  /** Lower-case 0x address. */
  account: string;
  blockNumber: number;
  logIndex: number;
  /** The block's timestamp (unix seconds). */
  timestamp: number;
  /** The transaction that made the change (for showing it; judging never needs it). */
  transactionHash?: Hex;
}

/** Decodes a RoleGranted/RoleRevoked log for `role`, or null for any other log. */
export function roleEventOf(log: ChainLog, role: Hex, timestamp: number): RoleEvent | null {
  const [topic0, roleTopic, accountTopic] = log.topics;
  if (roleTopic?.toLowerCase() !== role.toLowerCase() || accountTopic === undefined) return null;
  const granted = topic0 === ROLE_GRANTED_TOPIC ? true : topic0 === ROLE_REVOKED_TOPIC ? false : null;
  if (granted === null) return null;
  return {
    granted,
    account: `0x${accountTopic.slice(-40).toLowerCase()}`,
    blockNumber: log.blockNumber,
    logIndex: log.logIndex,
    timestamp,
    transactionHash: log.transactionHash,
  };
}

/**
 * Whether `account` held the role at unix time `at`: the state after every event in a block whose timestamp
 * is ≤ `at`, applied in chain order. A revocation in the same second as a receipt voids it (the receipt
 * cannot show it came first).
 */
export function roleHeldAt(history: readonly RoleEvent[], account: string, at: number): boolean {
  const who = account.toLowerCase();
  let held = false;
  for (const event of sortedEvents(history)) {
    if (event.timestamp > at) break;
    if (event.account === who) held = event.granted;
  }
  return held;
}

/** Every account that holds the role after the whole history (for "who signs now"). */
export function roleHolders(history: readonly RoleEvent[]): string[] {
  const held = new Map<string, boolean>();
  for (const event of sortedEvents(history)) held.set(event.account, event.granted);
  return [...held].filter(([, yes]) => yes).map(([account]) => account);
}

function sortedEvents(history: readonly RoleEvent[]): RoleEvent[] {
  return [...history].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

export interface RoleHistoryQuery {
  registry: string;
  role: Hex;
  fromBlock: number;
  toBlock: number;
}

/** Reads a role's full history from the registry's logs, with each event's block time. */
export async function readRoleHistory(
  request: RpcRequest,
  query: RoleHistoryQuery,
  options: ScanOptions & { getLogs?: GetLogs } = {},
): Promise<RoleEvent[]> {
  const getLogs = options.getLogs ?? createGetLogs(request);
  const logs = await scanLogs(
    getLogs,
    { address: query.registry, topics: [[ROLE_GRANTED_TOPIC, ROLE_REVOKED_TOPIC], query.role] },
    query.fromBlock,
    query.toBlock,
    options,
  );
  const times = await blockTimestamps(
    request,
    logs.map((log) => log.blockNumber),
  );
  return logs
    .map((log) => roleEventOf(log, query.role, times.get(log.blockNumber)!))
    .filter((event): event is RoleEvent => event !== null);
}

/** The timestamp of each distinct block, asked once per block. */
export async function blockTimestamps(request: RpcRequest, blocks: readonly number[]): Promise<Map<number, number>> {
  const distinct = [...new Set(blocks)];
  const answers = await Promise.all(
    distinct.map((block) => request("eth_getBlockByNumber", [`0x${block.toString(16)}`, false])),
  );
  const times = new Map<number, number>();
  distinct.forEach((block, i) => {
    const answer = answers[i] as { timestamp?: unknown } | null;
    if (!isHexQuantity(answer?.timestamp))
      throw new AiqynError("RPC_BAD_ANSWER", `eth_getBlockByNumber(${block}) has no timestamp`);
    times.set(block, Number(BigInt(answer.timestamp)));
  });
  return times;
}
