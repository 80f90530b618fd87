/**
 * The page's JSON-RPC transport: one fetch per call to the RPC the citizen trusts. core/ stays free of I/O;
 * this is the `RpcRequest` it is handed. Failures carry stable codes:
 *   RPC_UNREACHABLE  no answer (network, CORS, timeout, HTTP error status)
 *   RPC_BAD_ANSWER   an answer that is not JSON-RPC
 *   RPC_ERROR        a JSON-RPC error object (e.g. a revert); `details` holds it
 */
import { AiqynError, type RpcRequest } from "../../core/index";

export interface TransportOptions {
  /** Give up after this long (default 8 s): a hanging RPC must end in a verdict, not a spinner. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createFetchTransport(url: string, options: TransportOptions = {}): RpcRequest {
  const timeoutMs = options.timeoutMs ?? 8000;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  let nextId = 1;
  return async (method, params) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
          signal: controller.signal,
          cache: "no-store",
          credentials: "omit",
          referrerPolicy: "no-referrer",
        });
      } catch (cause) {
        throw new AiqynError("RPC_UNREACHABLE", `the RPC at ${url} did not answer`, { cause });
      }
      if (!response.ok) throw new AiqynError("RPC_UNREACHABLE", `the RPC at ${url} answered HTTP ${response.status}`);
      let body: unknown;
      try {
        body = await response.json();
      } catch (cause) {
        throw new AiqynError("RPC_BAD_ANSWER", `the RPC at ${url} did not answer JSON`, { cause });
      }
      if (typeof body !== "object" || body === null) throw new AiqynError("RPC_BAD_ANSWER", "not a JSON-RPC answer");
      const answer = body as { result?: unknown; error?: { message?: unknown } };
      if (answer.error !== undefined) {
        const message = typeof answer.error?.message === "string" ? answer.error.message : "JSON-RPC error";
        throw new AiqynError("RPC_ERROR", message.slice(0, 300), { details: answer.error });
      }
      if (!("result" in answer)) throw new AiqynError("RPC_BAD_ANSWER", "a JSON-RPC answer without result");
      return answer.result;
    } finally {
      clearTimeout(timer);
    }
  };
}

export function errorCode(error: unknown): string {
  return error instanceof AiqynError ? error.code : "UNKNOWN";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
