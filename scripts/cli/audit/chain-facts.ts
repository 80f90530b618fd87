/**
 * Everything the audit reads from the chain before it looks at the source, at one pinned block: the chain id
 * (must be the trust root's), the registry's state, its promise maxAnchorDelay(), its code checked against the
 * compiled contract, the anchoring role's history and every BatchAnchored log. An unreachable chain, another
 * chain or an address without code is fatal (exit 2): there is nothing to audit against.
 */
import {
  ANCHORER_ROLE,
  AiqynError,
  blockTimestamps,
  bytesToHex,
  createGetLogs,
  createRegistryReader,
  keccak256,
  readRoleHistory,
  scanLogs,
  utf8Bytes,
  type Hex,
  type RegistryReader,
  type RoleEvent,
  type RpcRequest,
  type TrustRoot,
} from "../../../core";
import { checkRegistryCode, type CodeCheck, type CompiledRegistry } from "./code-check";

/** topic0 of `BatchAnchored(uint64 indexed batchId, bytes32 root, uint64 firstSeq, uint32 leafCount, bytes32 head)`. */
export const BATCH_ANCHORED_TOPIC: Hex = bytesToHex(
  keccak256(utf8Bytes("BatchAnchored(uint64,bytes32,uint64,uint32,bytes32)")),
);

export interface AnchorLog {
  batchId: number;
  root: Hex;
  firstSeq: number;
  leafCount: number;
  head: Hex;
  blockNumber: number;
  transactionHash: Hex;
}

export interface ChainFacts {
  reader: RegistryReader;
  chainId: number;
  blockNumber: number;
  blockTimestamp: number;
  batchCount: number;
  nextSeq: number;
  head: Hex;
  maxAnchorDelay: number;
  deploymentBlock: number;
  code: CodeCheck;
  roles: RoleEvent[];
  /** BatchAnchored logs by batch id (the first log per id; a second one is itself a finding). */
  anchors: Map<number, AnchorLog[]>;
}

/** A chain read failed: the audit cannot go on (exit 2). */
export class ChainUnavailableError extends AiqynError {
  constructor(message: string, cause: unknown) {
    super("CHAIN_UNAVAILABLE", message, { cause });
  }
}

export async function chainRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    // A registry that does not answer a read (short return data) is no registry: say so, not "unreachable".
    if (cause instanceof AiqynError && cause.code === "REGISTRY_NOT_FOUND") throw cause;
    throw new ChainUnavailableError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
}

/** The block to audit at: --block N (must exist) or the latest. */
async function pinBlock(rpc: RpcRequest, block: number | undefined): Promise<number> {
  const latestHex = await chainRead("eth_blockNumber", () => rpc("eth_blockNumber", []));
  if (typeof latestHex !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(latestHex))
    throw new ChainUnavailableError("eth_blockNumber answered garbage", null);
  const latest = Number(BigInt(latestHex));
  if (block !== undefined && block > latest)
    throw new AiqynError("BLOCK_IN_FUTURE", `--block ${block} is past the chain's latest block ${latest}`);
  return block ?? latest;
}

export async function readChainFacts(
  rpc: RpcRequest,
  trust: TrustRoot,
  compiled: CompiledRegistry,
  block?: number,
): Promise<ChainFacts> {
  const blockNumber = await pinBlock(rpc, block);
  const reader = createRegistryReader(rpc, trust.registry, `0x${blockNumber.toString(16)}`);
  const chainId = await chainRead("eth_chainId", () => reader.chainId());
  if (chainId !== trust.chainId)
    throw new AiqynError(
      "CHAIN_ID_MISMATCH",
      `the RPC serves chain ${chainId}; the trust root pins chain ${trust.chainId}`,
    );
  const code = await chainRead("eth_getCode", () => reader.code());
  if (code === "0x")
    throw new AiqynError(
      "REGISTRY_NOT_FOUND",
      `no contract at ${trust.registry} on chain ${chainId} at block ${blockNumber}`,
    );
  const [batchCount, nextSeq, head, maxAnchorDelay, deploymentBlock] = await chainRead("registry state", () =>
    Promise.all([
      reader.batchCount(),
      reader.nextSeq(),
      reader.head(),
      reader.maxAnchorDelay(),
      reader.deploymentBlock(),
    ]),
  );
  const expected: Record<string, bigint> = {
    _maxAnchorDelay: BigInt(maxAnchorDelay),
    _deploymentBlock: BigInt(deploymentBlock),
  };
  if (trust.deploymentBlock !== 0) expected._deploymentBlock = BigInt(trust.deploymentBlock);
  const fromBlock = trust.deploymentBlock || deploymentBlock;
  const [roles, anchors, times] = await Promise.all([
    chainRead("role history", () =>
      readRoleHistory(rpc, { registry: trust.registry, role: ANCHORER_ROLE, fromBlock, toBlock: blockNumber }),
    ),
    chainRead("BatchAnchored logs", () => readAnchorLogs(rpc, trust.registry, fromBlock, blockNumber)),
    chainRead("block time", () => blockTimestamps(rpc, [blockNumber])),
  ]);
  return {
    reader,
    chainId,
    blockNumber,
    blockTimestamp: times.get(blockNumber)!,
    batchCount,
    nextSeq,
    head,
    maxAnchorDelay,
    deploymentBlock,
    code: checkRegistryCode(code, compiled, expected),
    roles,
    anchors,
  };
}

/** Every BatchAnchored log of the registry in [fromBlock, toBlock], by batch id, in chain order. */
export async function readAnchorLogs(
  rpc: RpcRequest,
  registry: string,
  fromBlock: number,
  toBlock: number,
): Promise<Map<number, AnchorLog[]>> {
  const logs = await scanLogs(
    createGetLogs(rpc),
    { address: registry, topics: [BATCH_ANCHORED_TOPIC] },
    fromBlock,
    toBlock,
  );
  const byId = new Map<number, AnchorLog[]>();
  for (const log of logs) {
    const data = log.data.slice(2);
    if (log.topics.length !== 2 || data.length !== 4 * 64) continue; // not the registry's event shape
    const word = (i: number) => data.slice(i * 64, (i + 1) * 64);
    const anchor: AnchorLog = {
      batchId: Number(BigInt(log.topics[1]!)),
      root: `0x${word(0)}`,
      firstSeq: Number(BigInt(`0x${word(1)}`)),
      leafCount: Number(BigInt(`0x${word(2)}`)),
      head: `0x${word(3)}`,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
    };
    byId.set(anchor.batchId, [...(byId.get(anchor.batchId) ?? []), anchor]);
  }
  return byId;
}
