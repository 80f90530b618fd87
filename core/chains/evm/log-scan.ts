/**
 * Scanning `eth_getLogs` over a block range in chunks that public RPCs accept. Public endpoints cap the
 * range (often 1k–10k blocks) or the result size, and say so with an error: a refused chunk is halved and
 * retried, down to one block, and the scan carries on at the size that worked. Progress reports the last
 * block fully scanned, so a caller can persist it and resume from the next block.
 *
 * The transport is injected (core never opens a connection); createGetLogs adapts a JSON-RPC request.
 */
import { isHexData, isHexQuantity, type Hex } from "../../protocol/bytes";
import { AiqynError } from "../../protocol/errors";
import type { RpcRequest } from "./json-rpc";

export interface LogFilter {
  address?: string | string[];
  /** Topic filters as in eth_getLogs: a topic, a list of alternatives, or null for any. */
  topics?: (Hex | Hex[] | null)[];
}

export interface ChainLog {
  address: string;
  topics: Hex[];
  data: Hex;
  blockNumber: number;
  transactionHash: Hex;
  logIndex: number;
  blockHash: Hex;
}

export type GetLogs = (filter: LogFilter & { fromBlock: number; toBlock: number }) => Promise<ChainLog[]>;

export interface ScanOptions {
  /** The widest range asked in one call (blocks). Default 2,000. */
  chunkSize?: number;
  /** Called after each chunk with the last block scanned so far (resume from scannedTo + 1). */
  onProgress?: (progress: { fromBlock: number; toBlock: number; scannedTo: number; calls: number }) => void;
}

export const DEFAULT_LOG_CHUNK = 2_000;

/**
 * Every log matching `filter` in [fromBlock, toBlock], in chain order. A chunk the RPC refuses is halved
 * and asked again; a one-block chunk that still fails ends the scan with LOG_SCAN_FAILED (its cause kept).
 */
export async function scanLogs(
  getLogs: GetLogs,
  filter: LogFilter,
  fromBlock: number,
  toBlock: number,
  options: ScanOptions = {},
): Promise<ChainLog[]> {
  const maxChunk = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_LOG_CHUNK));
  const logs: ChainLog[] = [];
  let chunk = maxChunk;
  let calls = 0;
  for (let start = fromBlock; start <= toBlock;) {
    const end = Math.min(toBlock, start + chunk - 1);
    calls += 1;
    try {
      logs.push(...(await getLogs({ ...filter, fromBlock: start, toBlock: end })));
    } catch (cause) {
      if (end === start)
        throw new AiqynError("LOG_SCAN_FAILED", `eth_getLogs failed for block ${start}`, {
          cause,
          details: { scannedTo: start - 1 },
        });
      chunk = Math.max(1, Math.floor((end - start + 1) / 2));
      continue;
    }
    options.onProgress?.({ fromBlock, toBlock, scannedTo: end, calls });
    start = end + 1;
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

function hexNumber(value: unknown, what: string): number {
  if (!isHexQuantity(value)) throw new AiqynError("RPC_BAD_ANSWER", `eth_getLogs: ${what} is not a hex quantity`);
  const n = Number(BigInt(value));
  if (!Number.isSafeInteger(n)) throw new AiqynError("RPC_BAD_ANSWER", `eth_getLogs: ${what} is out of range`);
  return n;
}

function hexData(value: unknown, what: string): Hex {
  if (!isHexData(value)) throw new AiqynError("RPC_BAD_ANSWER", `eth_getLogs: ${what} is not hex data`);
  return value.toLowerCase() as Hex;
}

/** Decodes one log object of an eth_getLogs answer, refusing anything malformed. */
export function parseChainLog(raw: unknown): ChainLog {
  if (typeof raw !== "object" || raw === null) throw new AiqynError("RPC_BAD_ANSWER", "eth_getLogs: not a log");
  const log = raw as Record<string, unknown>;
  if (!Array.isArray(log.topics)) throw new AiqynError("RPC_BAD_ANSWER", "eth_getLogs: topics is not a list");
  return {
    address: hexData(log.address, "address"),
    topics: log.topics.map((topic, i) => hexData(topic, `topic ${i}`)),
    data: hexData(log.data, "data"),
    blockNumber: hexNumber(log.blockNumber, "blockNumber"),
    transactionHash: hexData(log.transactionHash, "transactionHash"),
    logIndex: hexNumber(log.logIndex, "logIndex"),
    blockHash: hexData(log.blockHash, "blockHash"),
  };
}

/** A GetLogs over a JSON-RPC transport. */
export function createGetLogs(request: RpcRequest): GetLogs {
  return async ({ fromBlock, toBlock, address, topics }) => {
    const filter: Record<string, unknown> = {
      fromBlock: `0x${fromBlock.toString(16)}`,
      toBlock: `0x${toBlock.toString(16)}`,
    };
    if (address !== undefined) filter.address = address;
    if (topics !== undefined) filter.topics = topics;
    const answer = await request("eth_getLogs", [filter]);
    if (!Array.isArray(answer)) throw new AiqynError("RPC_BAD_ANSWER", "eth_getLogs did not answer a list");
    return answer.map(parseChainLog);
  };
}
