/**
 * The CLI's JSON-RPC transport: core's one transport (core/chains/evm/json-rpc.ts: batching, timeout, size cap, coded
 * errors RPC_ERROR / RPC_TIMEOUT / RPC_UNREACHABLE / RPC_BAD_ANSWER) over Node's fetch.
 */
import { createHttpRpc as coreHttpRpc, type RpcRequest } from "../../core";

export { describeFetchError, RPC_BAD_ANSWER, RPC_ERROR, RPC_TIMEOUT, RPC_UNREACHABLE } from "../../core";

export interface HttpRpcOptions {
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (default 8 MiB). */
  maxBytes?: number;
}

export function createHttpRpc(url: string, options: HttpRpcOptions = {}): RpcRequest {
  return coreHttpRpc(url, { ...options, fetch: globalThis.fetch });
}
