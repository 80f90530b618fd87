/**
 * A JSON-RPC transport for Node over fetch: core's registry reader takes a `RpcRequest` and never opens a
 * connection itself, so the CLI supplies this one. Every request has a timeout and a size cap: the RPC is
 * the auditor's own choice, but a broken or hostile endpoint must yield a coded error, never a hang.
 */
import { AiqynError, type RpcRequest } from "../../core";
import { readBodyText } from "./http";

export interface HttpRpcOptions {
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (default 8 MiB; eth_call answers are tiny). */
  maxBytes?: number;
}

interface JsonRpcAnswer {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/** The RPC answered with a JSON-RPC error object (e.g. an eth_call that reverted). */
export const RPC_ERROR = "RPC_ERROR";
/** No answer in time. */
export const RPC_TIMEOUT = "RPC_TIMEOUT";
/** No connection, or an HTTP status other than 200. */
export const RPC_UNREACHABLE = "RPC_UNREACHABLE";
/** An answer that is not a JSON-RPC 2.0 response to our request. */
export const RPC_BAD_ANSWER = "RPC_BAD_ANSWER";

export function createHttpRpc(url: string, options: HttpRpcOptions = {}): RpcRequest {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  let nextId = 1;
  return async (method, params) => {
    const id = nextId++;
    let text: string;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new AiqynError(RPC_UNREACHABLE, `${method}: the RPC at ${url} answered HTTP ${response.status}`);
      }
      text = await readBodyText(response, maxBytes);
    } catch (cause) {
      throw rpcFailure(cause, method, url, timeoutMs);
    }
    let answer: JsonRpcAnswer;
    try {
      answer = JSON.parse(text) as JsonRpcAnswer;
    } catch (cause) {
      throw new AiqynError(RPC_BAD_ANSWER, `${method}: the RPC at ${url} answered something that is not JSON`, {
        cause,
      });
    }
    if (typeof answer !== "object" || answer === null || Array.isArray(answer) || answer.id !== id) {
      throw new AiqynError(
        RPC_BAD_ANSWER,
        `${method}: the RPC at ${url} answered something that is not a JSON-RPC response`,
      );
    }
    if (answer.error !== undefined && answer.error !== null) {
      const message = typeof answer.error.message === "string" ? answer.error.message : "unknown error";
      throw new AiqynError(RPC_ERROR, `${method}: the RPC answered an error: ${message.slice(0, 300)}`, {
        details: { code: answer.error.code, data: answer.error.data },
      });
    }
    if (!("result" in answer)) throw new AiqynError(RPC_BAD_ANSWER, `${method}: the RPC's answer has no result`);
    return answer.result;
  };
}

function rpcFailure(cause: unknown, method: string, url: string, timeoutMs: number): AiqynError {
  if (cause instanceof AiqynError) return cause;
  const name = cause instanceof Error ? cause.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new AiqynError(RPC_TIMEOUT, `${method}: the RPC at ${url} did not answer within ${timeoutMs} ms`, { cause });
  }
  const detail = cause instanceof Error ? describeFetchError(cause) : String(cause);
  return new AiqynError(RPC_UNREACHABLE, `${method}: cannot reach the RPC at ${url} (${detail})`, { cause });
}

/** fetch hides the socket error in `cause`; surface ECONNREFUSED and friends. */
export function describeFetchError(error: Error): string {
  const inner = (error as { cause?: unknown }).cause;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${inner.message}` : inner.message;
  }
  return error.message;
}
