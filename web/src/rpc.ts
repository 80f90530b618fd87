/**
 * The page's JSON-RPC transport: core's one transport (core/chains/evm/json-rpc.ts: calls of one tick in one batch
 * request, timeout, size cap, codes RPC_UNREACHABLE / RPC_TIMEOUT / RPC_BAD_ANSWER / RPC_ERROR) over the
 * browser's fetch, without cookies or referrer.
 */
import { AiqynError, createHttpRpc, type RpcRequest } from "../../core/index";

export interface TransportOptions {
  /** Give up after this long (default 8 s): a hanging RPC must end in a verdict, not a spinner. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createFetchTransport(url: string, options: TransportOptions = {}): RpcRequest {
  return createHttpRpc(url, {
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeoutMs: options.timeoutMs ?? 8000,
    init: { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" },
  });
}

export function errorCode(error: unknown): string {
  return error instanceof AiqynError ? error.code : "UNKNOWN";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
