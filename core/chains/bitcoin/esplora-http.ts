/**
 * The Esplora transport over an injected `fetch` (the browser's or Node's; core opens no connection itself):
 * GET with a timeout and a size cap, and rate limits handled: a 429 (or 503) is retried after its Retry-After, or
 * with doubling backoff, up to `retries` times, then RATE_LIMITED-style RPC_UNREACHABLE naming the endpoint.
 */
import { AiqynError } from "../../protocol/errors";
import { describeFetchError, readCappedText } from "../evm/json-rpc";
import type { EsploraGet } from "./esplora";

export interface EsploraHttpOptions {
  fetch: typeof fetch;
  timeoutMs?: number;
  /** Retries of a rate-limited request (default 6). */
  retries?: number;
  /** The first backoff (default 500 ms), doubled each time; a Retry-After (capped at 60 s) wins. */
  backoffMs?: number;
  maxBytes?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called once per HTTP request sent (retries included), for the bench and progress. */
  onRequest?: (path: string) => void;
  /** Called with each backoff's wait. */
  onBackoff?: (ms: number) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null): number | null {
  if (header === null || !/^\d{1,4}$/.test(header.trim())) return null;
  return Math.min(60_000, Number(header.trim()) * 1000);
}

/** `baseUrl` without its trailing slash; paths are appended as Esplora documents them. */
export function createEsploraHttpGet(baseUrl: string, options: EsploraHttpOptions): EsploraGet {
  const base = baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 6;
  const sleep = options.sleep ?? defaultSleep;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const once = async (path: string) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      options.onRequest?.(path);
      const response = await options.fetch(`${base}${path}`, { signal: controller.signal });
      const tooLarge = () => new AiqynError("RPC_BAD_ANSWER", `${base}${path} answered more than ${maxBytes} bytes`);
      const text = await readCappedText(response, maxBytes, tooLarge);
      return { status: response.status, text, retryAfter: response.headers.get("retry-after") };
    } catch (cause) {
      if (cause instanceof AiqynError) throw cause;
      if (controller.signal.aborted)
        throw new AiqynError(
          "RPC_TIMEOUT",
          `the Esplora endpoint ${base} did not answer ${path} within ${timeoutMs} ms`,
        );
      throw new AiqynError(
        "RPC_UNREACHABLE",
        `cannot reach the Esplora endpoint ${base} (${describeFetchError(cause)})`,
        {
          cause,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return async (path) => {
    for (let attempt = 0; ; attempt++) {
      const answer = await once(path);
      if (answer.status !== 429 && answer.status !== 503) return answer;
      if (attempt >= retries)
        throw new AiqynError(
          "RPC_UNREACHABLE",
          `the Esplora endpoint ${base} still refused ${path} (HTTP ${answer.status}, rate limited) after ${retries} retries`,
        );
      const wait = retryAfterMs(answer.retryAfter) ?? (options.backoffMs ?? 500) * 2 ** attempt;
      options.onBackoff?.(wait);
      await sleep(wait);
    }
  };
}
