/**
 * The one JSON-RPC transport of the page and the CLI. Calls made in the same tick are sent together as ONE
 * JSON-RPC batch request, so a verdict's chain reads cost one round trip. The network is injected twice over:
 * createBatchingRpc takes a `post(body)`, and createFetchPost builds that post from a `fetch` the caller hands
 * in (the browser's or Node's); core never opens a connection by itself.
 *
 * Every failure carries one of these codes:
 */
import { AiqynError } from "../../protocol/errors";

/** The RPC answered a JSON-RPC error object (e.g. an eth_call that reverted); `details` holds it. */
/** One JSON-RPC request: resolves with the result or rejects with the RPC's error. */
export type RpcRequest = (method: string, params: unknown[]) => Promise<unknown>;

export const RPC_ERROR = "RPC_ERROR";
/** No answer in time. */
export const RPC_TIMEOUT = "RPC_TIMEOUT";
/** No connection, or an HTTP status other than 2xx. */
export const RPC_UNREACHABLE = "RPC_UNREACHABLE";
/** An answer that is not a JSON-RPC 2.0 response to our request(s), or too large. */
export const RPC_BAD_ANSWER = "RPC_BAD_ANSWER";

/** Sends one JSON-RPC body (an object or a batch array) and resolves with the parsed JSON answer. */
export type RpcPost = (body: unknown) => Promise<unknown>;

interface Pending {
  id: number;
  method: string;
  params: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Answer {
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown } | null;
}

/** An RpcRequest that gathers the calls of one tick into one batch request over `post`. */
export function createBatchingRpc(post: RpcPost): RpcRequest {
  let nextId = 1;
  let queue: Pending[] = [];
  const flush = () => {
    const calls = queue;
    queue = [];
    void send(post, calls);
  };
  return (method, params) =>
    new Promise((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ id: nextId++, method, params, resolve, reject });
    });
}

async function send(post: RpcPost, calls: Pending[]): Promise<void> {
  const request = (c: Pending) => ({ jsonrpc: "2.0", id: c.id, method: c.method, params: c.params });
  let answer: unknown;
  try {
    answer = await post(calls.length === 1 ? request(calls[0]!) : calls.map(request));
  } catch (error) {
    for (const call of calls) call.reject(error);
    return;
  }
  const answers = Array.isArray(answer) ? answer : [answer];
  for (const call of calls) {
    const own = answers.find((a): a is Answer => typeof a === "object" && a !== null && (a as Answer).id === call.id);
    settle(call, own);
  }
}

function settle(call: Pending, answer: Answer | undefined): void {
  if (answer === undefined)
    return call.reject(new AiqynError(RPC_BAD_ANSWER, `${call.method}: the RPC's answer is not a JSON-RPC response`));
  if (answer.error !== undefined && answer.error !== null) {
    const message = typeof answer.error.message === "string" ? answer.error.message : "unknown error";
    return call.reject(
      new AiqynError(RPC_ERROR, `${call.method}: the RPC answered an error: ${message.slice(0, 300)}`, {
        details: { code: answer.error.code, data: answer.error.data },
      }),
    );
  }
  if (!("result" in answer))
    return call.reject(new AiqynError(RPC_BAD_ANSWER, `${call.method}: the RPC's answer has no result`));
  call.resolve(answer.result);
}

export interface FetchPostOptions {
  /** The fetch to use: the browser's, or Node's global one. */
  fetch: typeof fetch;
  /** Give up after this long (default 30 s): a hanging RPC must end in a verdict, not a spinner. */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (default 8 MiB). */
  maxBytes?: number;
  /** Extra fetch options (the page adds credentials: "omit", cache: "no-store" …). */
  init?: RequestInit;
  /**
   * Browsers: send the body as text/plain, a CORS "simple request". A cross-origin POST of application/json is
   * preceded by an OPTIONS preflight, one more round trip to the RPC before the verdict's reads go out (browsers
   * keep its answer 5 s unless the RPC says longer). Nodes that read the body whatever its type answer it as
   * they answer JSON (Hardhat, and providers that do the same); nodes that insist on application/json refuse it
   * (geth, erigon: HTTP 415; anvil: a JSON-RPC "Invalid request" with id null), and are then asked again as
   * application/json, and `refused()` is told so that the caller sends that RPC JSON from then on. The answer
   * read is the same either way: only the request's content type differs.
   */
  simpleRequest?: { refused: () => void };
}

/** A node's answer to a text/plain body it would not read: HTTP 415 (or 400), or an id-less "Invalid request". */
function refusedAsText(status: number, answer: unknown): boolean {
  if (status === 415 || status === 400) return true;
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) return false;
  const { id, error } = answer as Answer;
  return id === null && typeof error === "object" && error !== null && (error.code === -32600 || error.code === -32700);
}

/** A post over HTTP(S) with a timeout covering the whole body and a size cap. */
export function createFetchPost(url: string, options: FetchPostOptions): RpcPost {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const post = async (body: unknown, contentType: string): Promise<{ status: number; text: string }> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await options.fetch(url, {
        ...options.init,
        method: "POST",
        headers: { "content-type": contentType, accept: "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { status: response.status, text: "" };
      }
      return { status: response.status, text: await readCapped(response, maxBytes, url) };
    } catch (cause) {
      throw transportFailure(cause, url, timeoutMs, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  };
  const parse = (text: string): { ok: true; value: unknown } | { ok: false; cause: unknown } => {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (cause) {
      return { ok: false, cause };
    }
  };
  let asText = options.simpleRequest !== undefined;
  return async (body) => {
    let answer = await post(body, asText ? "text/plain" : "application/json");
    const read = parse(answer.text);
    if (asText && refusedAsText(answer.status, read.ok ? read.value : undefined)) {
      asText = false;
      options.simpleRequest!.refused();
      answer = await post(body, "application/json");
      return parsedAnswer(url, answer.status, parse(answer.text));
    }
    return parsedAnswer(url, answer.status, read);
  };
}

function parsedAnswer(
  url: string,
  status: number,
  read: { ok: true; value: unknown } | { ok: false; cause: unknown },
): unknown {
  if (status < 200 || status >= 300) throw new AiqynError(RPC_UNREACHABLE, `the RPC at ${url} answered HTTP ${status}`);
  if (!read.ok)
    throw new AiqynError(RPC_BAD_ANSWER, `the RPC at ${url} answered something that is not JSON`, {
      cause: read.cause,
    });
  return read.value;
}

/** The JSON-RPC transport over fetch: batching, timeout, size cap, coded errors. */
export function createHttpRpc(url: string, options: FetchPostOptions): RpcRequest {
  return createBatchingRpc(createFetchPost(url, options));
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  return readCappedText(
    response,
    maxBytes,
    () => new AiqynError(RPC_BAD_ANSWER, `the RPC at ${url} answered more than ${maxBytes} bytes`),
  );
}

/** A response body as UTF-8 text, read no further than `maxBytes`: past that, `tooLarge()` is thrown. */
export async function readCappedText(response: Response, maxBytes: number, tooLarge: () => Error): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let total = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function transportFailure(cause: unknown, url: string, timeoutMs: number, timedOut: boolean): AiqynError {
  if (cause instanceof AiqynError) return cause;
  if (timedOut)
    return new AiqynError(RPC_TIMEOUT, `the RPC at ${url} did not answer within ${timeoutMs} ms`, { cause });
  return new AiqynError(RPC_UNREACHABLE, `cannot reach the RPC at ${url} (${describeFetchError(cause)})`, { cause });
}

/** fetch hides the socket error in `cause`; surface ECONNREFUSED and friends. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { cause?: unknown }).cause;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${inner.message}` : inner.message;
  }
  return error.message;
}
