/**
 * The registry's own events over a block window, read with core's resumable log scanner: BatchAnchored (each
 * queued for its batch check, decoded by the audit's readAnchorLogs), and the governance events, each an
 * alert: RoleGranted / RoleRevoked (DEFAULT_ADMIN_ROLE's are admin transfers), RoleAdminChanged, Paused and
 * Unpaused. The constructor's grants (in the deployment block) are info: they are the registry's starting keys.
 */
import {
  ANCHORER_ROLE,
  PAUSER_ROLE,
  ROLE_GRANTED_TOPIC,
  ROLE_REVOKED_TOPIC,
  ZERO_BYTES32,
  blockTimestamps,
  bytesToHex,
  createGetLogs,
  keccak256,
  scanLogs,
  utf8Bytes,
  type ChainLog,
  type Hex,
  type RoleEvent,
  type RpcRequest,
} from "../../../core";
import { readAnchorLogs, type AnchorLog } from "../audit/chain-facts";
import { MONITOR_KINDS, type AlertInput } from "./alerts";

const topic = (signature: string): Hex => bytesToHex(keccak256(utf8Bytes(signature)));
export const ROLE_ADMIN_CHANGED_TOPIC = topic("RoleAdminChanged(bytes32,bytes32,bytes32)");
export const PAUSED_TOPIC = topic("Paused(address)");
/** A Safe's own key changes (Safe 1.4.1), watched on the accounts that hold DEFAULT_ADMIN_ROLE. */
export const SAFE_ADDED_OWNER_TOPIC = topic("AddedOwner(address)");
export const SAFE_REMOVED_OWNER_TOPIC = topic("RemovedOwner(address)");
export const SAFE_CHANGED_THRESHOLD_TOPIC = topic("ChangedThreshold(uint256)");
export const UNPAUSED_TOPIC = topic("Unpaused(address)");

export const ROLE_NAMES: Record<string, string> = {
  [ZERO_BYTES32]: "DEFAULT_ADMIN_ROLE",
  [ANCHORER_ROLE]: "ANCHORER_ROLE",
  [PAUSER_ROLE]: "PAUSER_ROLE",
};
const roleName = (role: string) => ROLE_NAMES[role.toLowerCase()] ?? role;
const addressOf = (word: string | undefined) => (word ? `0x${word.slice(-40).toLowerCase()}` : "0x");

export interface EventWindow {
  anchors: AnchorLog[];
  governance: AlertInput[];
  /** DEFAULT_ADMIN_ROLE grants (true) and revocations (false), in chain order. */
  adminChanges: { account: string; granted: boolean }[];
  /** ANCHORER_ROLE grants and revocations, for judging receipts. */
  anchorerRoles: RoleEvent[];
}

/** Everything the registry emitted in [fromBlock, toBlock]. */
export async function readRegistryEvents(
  rpc: RpcRequest,
  registry: string,
  fromBlock: number,
  toBlock: number,
  deploymentBlock: number,
  chunkSize?: number,
): Promise<EventWindow> {
  const [anchorsById, logs] = await Promise.all([
    readAnchorLogs(rpc, registry, fromBlock, toBlock),
    scanLogs(
      createGetLogs(rpc),
      {
        address: registry,
        topics: [[ROLE_GRANTED_TOPIC, ROLE_REVOKED_TOPIC, ROLE_ADMIN_CHANGED_TOPIC, PAUSED_TOPIC, UNPAUSED_TOPIC]],
      },
      fromBlock,
      toBlock,
      chunkSize !== undefined ? { chunkSize } : {},
    ),
  ]);
  const anchors = [...anchorsById.values()].flat().sort((a, b) => a.blockNumber - b.blockNumber);
  const times = await blockTimestamps(
    rpc,
    logs.map((l) => l.blockNumber),
  );
  const anchorerRoles: RoleEvent[] = [];
  const governance: AlertInput[] = [];
  const adminChanges: EventWindow["adminChanges"] = [];
  for (const log of logs) {
    const alert = governanceAlert(log, deploymentBlock);
    if (alert) governance.push(alert);
    const [topic0, role, account] = log.topics;
    if (role?.toLowerCase() === ZERO_BYTES32 && (topic0 === ROLE_GRANTED_TOPIC || topic0 === ROLE_REVOKED_TOPIC))
      adminChanges.push({ account: addressOf(account), granted: topic0 === ROLE_GRANTED_TOPIC });
    if (role?.toLowerCase() === ANCHORER_ROLE && (topic0 === ROLE_GRANTED_TOPIC || topic0 === ROLE_REVOKED_TOPIC))
      anchorerRoles.push({
        granted: topic0 === ROLE_GRANTED_TOPIC,
        account: addressOf(account),
        blockNumber: log.blockNumber,
        logIndex: log.logIndex,
        timestamp: times.get(log.blockNumber)!,
      });
  }
  return { anchors, governance, anchorerRoles, adminChanges };
}

/**
 * The key changes of the admin accounts that are Safes (an EOA or another contract emits none of these) in
 * [fromBlock, toBlock]: an owner added or removed, the threshold changed. Each is an alert with its transaction.
 */
export async function readSafeEvents(
  rpc: RpcRequest,
  admins: readonly string[],
  fromBlock: number,
  toBlock: number,
  chunkSize?: number,
): Promise<AlertInput[]> {
  if (admins.length === 0) return [];
  const logs = await scanLogs(
    createGetLogs(rpc),
    {
      address: [...admins],
      topics: [[SAFE_ADDED_OWNER_TOPIC, SAFE_REMOVED_OWNER_TOPIC, SAFE_CHANGED_THRESHOLD_TOPIC]],
    },
    fromBlock,
    toBlock,
    chunkSize !== undefined ? { chunkSize } : {},
  );
  return logs.map((log) => {
    const safe = log.address.toLowerCase();
    const at = { account: safe, txHash: log.transactionHash, blockNumber: log.blockNumber };
    const where = `the registry's admin Safe ${safe}, block ${log.blockNumber}, transaction ${log.transactionHash}`;
    if (log.topics[0] === SAFE_CHANGED_THRESHOLD_TOPIC) {
      const threshold = BigInt(log.data === "0x" ? 0 : log.data).toString();
      const kind = "SAFE_THRESHOLD_CHANGED";
      return {
        id: `${kind}:${log.transactionHash}:${log.logIndex}`,
        kind,
        severity: MONITOR_KINDS[kind]!,
        message: `${where}: ${threshold} signature(s) now needed`,
        actual: threshold,
        ...at,
      };
    }
    const added = log.topics[0] === SAFE_ADDED_OWNER_TOPIC;
    const owner = addressOf(log.topics[1] ?? log.data);
    const kind = added ? "SAFE_OWNER_ADDED" : "SAFE_OWNER_REMOVED";
    return {
      id: `${kind}:${log.transactionHash}:${log.logIndex}`,
      kind,
      severity: MONITOR_KINDS[kind]!,
      message: `${where}: owner ${owner} ${added ? "added" : "removed"}`,
      actual: owner,
      ...at,
    };
  });
}

function governanceAlert(log: ChainLog, deploymentBlock: number): AlertInput | null {
  const [topic0, a, b, c] = log.topics;
  const at = { txHash: log.transactionHash, blockNumber: log.blockNumber };
  const id = (kind: string) => `${kind}:${log.transactionHash}:${log.logIndex}`;
  const severity = (kind: string) => (log.blockNumber === deploymentBlock ? "info" : MONITOR_KINDS[kind]!);
  if (topic0 === ROLE_GRANTED_TOPIC || topic0 === ROLE_REVOKED_TOPIC) {
    const granted = topic0 === ROLE_GRANTED_TOPIC;
    const admin = a?.toLowerCase() === ZERO_BYTES32;
    const kind = admin ? (granted ? "ADMIN_GRANTED" : "ADMIN_REVOKED") : granted ? "ROLE_GRANTED" : "ROLE_REVOKED";
    const account = addressOf(b);
    const what = `${roleName(a!)} ${granted ? "granted to" : "revoked from"} ${account} by ${addressOf(c)}`;
    const start = log.blockNumber === deploymentBlock ? " (at deployment)" : "";
    return {
      id: id(kind),
      kind,
      severity: severity(kind),
      message: `${what} in block ${log.blockNumber}${start}, transaction ${log.transactionHash}`,
      account,
      role: roleName(a!),
      ...at,
    };
  }
  if (topic0 === ROLE_ADMIN_CHANGED_TOPIC)
    return {
      id: id("ROLE_ADMIN_CHANGED"),
      kind: "ROLE_ADMIN_CHANGED",
      severity: severity("ROLE_ADMIN_CHANGED"),
      message: `the admin role of ${roleName(a!)} changed from ${roleName(b!)} to ${roleName(c!)} in block ${log.blockNumber}`,
      role: roleName(a!),
      ...at,
    };
  if (topic0 === PAUSED_TOPIC || topic0 === UNPAUSED_TOPIC) {
    const kind = topic0 === PAUSED_TOPIC ? "PAUSED" : "UNPAUSED";
    const account = addressOf(log.data);
    const verb = kind === "PAUSED" ? "paused (anchoring stops; receipts keep their deadline)" : "unpaused";
    return {
      id: id(kind),
      kind,
      severity: severity(kind),
      message: `the registry was ${verb} by ${account} in block ${log.blockNumber}, transaction ${log.transactionHash}`,
      account,
      ...at,
    };
  }
  return null;
}
