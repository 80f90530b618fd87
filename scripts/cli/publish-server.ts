/**
 * What `aiqyn publish` asks the registry server: the dry run, writes with an Idempotency-Key (retried on a
 * lost answer, a 429 or a 503: the key makes a retry safe), document uploads, and the existing records and
 * balances its warnings compare against.
 */
import { AiqynError, type FieldProblem, type Receipt, type RecordInput, type RecordV1 } from "../../core";
import { isObject } from "../../core/protocol/shape";
import { joinUrl } from "./http";

export interface PublishServer {
  dryRun(records: readonly RecordInput[]): Promise<FieldProblem[]>;
  write(records: readonly RecordInput[], key: string): Promise<{ receipts: Receipt[]; replayed: boolean }>;
  putDocument(hash: string, body: Uint8Array, contentType: string): Promise<"new" | "already">;
  recordsBetween(from: number, to: number): Promise<RecordV1[]>;
  /** Per asset: inflow − outflow of the current records, as /stats sums them (decimal strings). */
  balances(): Promise<{ asset: string; inflow: string; outflow: string }[]>;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export function publishServer(
  server: string,
  apiKey: string,
  options: { timeoutMs: number; retries?: number; onRetry?: (why: string, attempt: number) => void },
): PublishServer {
  const retries = options.retries ?? 6;
  async function request(method: string, path: string, body: BodyInit | null, headers: Record<string, string>) {
    for (let attempt = 0; ; attempt++) {
      let why: string;
      try {
        const res = await fetch(joinUrl(server, path), {
          method,
          headers: { authorization: `Bearer ${apiKey}`, ...headers },
          ...(body === null ? {} : { body }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await res.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = { detail: text.slice(0, 200) };
        }
        const answer: Answer = { status: res.status, body: isObject(json) ? json : {}, headers: res.headers };
        if (!RETRY_STATUSES.has(res.status)) return answer;
        why = `HTTP ${res.status} ${String(answer.body.code ?? "")}`;
      } catch (error) {
        why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (attempt >= retries)
        throw new AiqynError("SOURCE_UNREACHABLE", `${method} ${path}: ${why} (after ${attempt + 1} tries)`);
      options.onRetry?.(why, attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 250 * 2 ** attempt)));
    }
  }
  const refused = (what: string, a: Answer) =>
    new AiqynError(
      "SOURCE_ERROR",
      `${what}: HTTP ${a.status} ${String(a.body.code ?? "")}: ${String(a.body.detail ?? "")}`,
      {
        details: a.body,
      },
    );
  const json = { "content-type": "application/json" };
  const get = async (path: string) => {
    const a = await request("GET", path, null, {});
    if (a.status !== 200) throw refused(`GET ${path}`, a);
    return a.body;
  };
  return {
    async dryRun(records) {
      const a = await request("POST", "/api/v1/records?dryRun=1", JSON.stringify({ records }), json);
      if (a.status !== 200 || !Array.isArray(a.body.problems)) throw refused("the dry run", a);
      return a.body.problems as FieldProblem[];
    },
    async write(records, key) {
      const a = await request("POST", "/api/v1/records", JSON.stringify({ records }), {
        ...json,
        "idempotency-key": key,
      });
      if (a.status !== 201 || !Array.isArray(a.body.receipts)) throw refused("the write", a);
      return { receipts: a.body.receipts as Receipt[], replayed: a.headers.get("idempotent-replayed") === "true" };
    },
    async putDocument(hash, body, contentType) {
      const a = await request("PUT", `/api/v1/documents/${hash}`, Buffer.from(body), { "content-type": contentType });
      if (a.status !== 201 && a.status !== 200) throw refused(`the upload of document ${hash}`, a);
      return a.status === 201 ? "new" : "already";
    },
    async recordsBetween(from, to) {
      const found: RecordV1[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(
          `/api/v1/records?from=${from}&to=${to}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        for (const item of Array.isArray(page.records) ? page.records : [])
          if (isObject(item)) found.push(item.record as RecordV1);
        cursor = typeof page.nextCursor === "string" ? page.nextCursor : null;
      } while (cursor);
      return found;
    },
    async balances() {
      const stats = await get("/api/v1/stats");
      return (Array.isArray(stats.byAsset) ? stats.byAsset : []) as {
        asset: string;
        inflow: string;
        outflow: string;
      }[];
    },
  };
}
