/**
 * Fetching JSON from an operator's server that may lie, stall or send garbage. Every request has a timeout
 * that covers the whole body and a size cap; every failure comes back as a value (never a throw), so the
 * audit can turn it into a finding and carry on.
 */
import { readCappedText } from "../../core/chains/evm/json-rpc";
import { isObject } from "../../core/protocol/shape";
import { describeFetchError } from "./rpc";

export type FetchFailureKind = "timeout" | "unreachable" | "http-status" | "too-large" | "not-json";

export type FetchJsonResult =
  | { ok: true; status: number; json: unknown; bytes: number }
  | { ok: false; kind: FetchFailureKind; status?: number; message: string; json?: unknown };

export interface FetchJsonOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** Reads a response body as UTF-8 text, refusing (and cancelling) it past maxBytes. */
export async function readBodyText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(maxBytes);
  }
  return readCappedText(response, maxBytes, () => new BodyTooLargeError(maxBytes));
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** GET url and parse JSON. A non-2xx answer is a failure that still carries the parsed problem body, if any. */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchJsonResult> {
  let status = 0;
  let text: string;
  try {
    const response = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    text = await readBodyText(response, options.maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return { ok: false, kind: "too-large", status, message: `GET ${url}: ${error.message}` };
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") {
      return {
        ok: false,
        kind: "timeout",
        status,
        message: `GET ${url}: no complete answer within ${options.timeoutMs} ms`,
      };
    }
    const detail = error instanceof Error ? describeFetchError(error) : String(error);
    return { ok: false, kind: "unreachable", message: `GET ${url}: ${detail}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    if (status < 200 || status > 299)
      return { ok: false, kind: "http-status", status, message: `GET ${url}: HTTP ${status}` };
    return {
      ok: false,
      kind: "not-json",
      status,
      message: `GET ${url}: the answer is not JSON (${describeText(text)})`,
    };
  }
  if (status < 200 || status > 299) {
    const code = isObject(json) && typeof json.code === "string" ? ` ${json.code}` : "";
    return { ok: false, kind: "http-status", status, json, message: `GET ${url}: HTTP ${status}${code}` };
  }
  return { ok: true, status, json, bytes: text.length };
}

function describeText(text: string): string {
  const start = text.slice(0, 40).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return `${text.length} bytes starting ${JSON.stringify(start)}`;
}

/** Joins a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
