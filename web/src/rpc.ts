/**
 * The page's JSON-RPC transport: core's one transport (core/chains/evm/json-rpc.ts: calls of one tick in one batch
 * request, timeout, size cap, codes RPC_UNREACHABLE / RPC_TIMEOUT / RPC_BAD_ANSWER / RPC_ERROR) over the
 * browser's fetch, without cookies or referrer, its body sent as text/plain where the RPC reads it so (no CORS
 * preflight) and as application/json where it does not.
 */
import { AiqynError, createHttpRpc, type RpcRequest } from "../../core/index";

export interface TransportOptions {
  /** Give up after this long (default 8 s): a hanging RPC must end in a verdict, not a spinner. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The RPCs that would not read a text/plain body (core/json-rpc.ts, simpleRequest): asked as application/json
 * from then on, with its preflight, here and on the next visits (remembered in localStorage).
 */
const JSON_ONLY_KEY = "aiqyn.rpc-json-only";
let jsonOnly: Set<string> | null = null;

function jsonOnlyRpcs(): Set<string> {
  if (jsonOnly) return jsonOnly;
  jsonOnly = new Set();
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(JSON_ONLY_KEY) ?? "[]");
    if (Array.isArray(stored)) for (const url of stored) if (typeof url === "string") jsonOnly.add(url);
  } catch {
    // No storage (or garbage in it): every RPC is tried as text/plain first.
  }
  return jsonOnly;
}

function rememberJsonOnly(url: string): void {
  const urls = jsonOnlyRpcs();
  urls.add(url);
  try {
    localStorage.setItem(JSON_ONLY_KEY, JSON.stringify([...urls].slice(-20)));
  } catch {
    // Remembered for this visit only.
  }
}

export function createFetchTransport(url: string, options: TransportOptions = {}): RpcRequest {
  return createHttpRpc(url, {
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    timeoutMs: options.timeoutMs ?? 8000,
    init: { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" },
    // A text/plain body is a CORS simple request: no OPTIONS preflight, one round trip less before the verdict.
    ...(jsonOnlyRpcs().has(url) ? {} : { simpleRequest: { refused: () => rememberJsonOnly(url) } }),
  });
}

export function errorCode(error: unknown): string {
  return error instanceof AiqynError ? error.code : "UNKNOWN";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
