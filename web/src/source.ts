/**
 * Where records, proofs, batches and totals come from: a live Aiqyn server (/api/v1) or a static mirror
 * (aiqyn-mirror/1 files). Neither is trusted: everything they serve is checked against the chain.
 * Errors carry codes: SOURCE_UNREACHABLE (no answer), NOT_FOUND, NOT_IN_MIRROR, or the server's problem code.
 */
import {
  AiqynError,
  isAiqynCode,
  type BatchInfo,
  type Receipt,
  type RegistryInfo,
  type ServedRecordItem,
  type Stats,
} from "../../core/index";

export type { BatchInfo, RegistryInfo, Stats } from "../../core/index";
export type RecordItem = ServedRecordItem;

export type ProofAnswer =
  | { kind: "bundle"; json: unknown }
  | { kind: "pending"; receipt: Receipt | null; batchId: number | null }
  | { kind: "absent" };

export interface RecordFilter {
  kind?: string;
  asset?: string;
  from?: number;
  to?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface DataSource {
  readonly kind: "api" | "mirror";
  /** A short human name of where data comes from, shown in the page. */
  readonly label: string;
  registry(): Promise<RegistryInfo>;
  /** null when there is no such record. */
  record(seq: number): Promise<RecordItem | null>;
  proof(seq: number): Promise<ProofAnswer>;
  bundleUrl(seq: number): string;
  /** Where a record's document is published, if it is: the server's or the mirror's copy (checked by its hash). */
  documentUrl(hash: string): string;
  batches(cursor: string | null, limit: number): Promise<Page<BatchInfo>>;
  records(filter: RecordFilter, cursor: string | null, limit: number): Promise<Page<RecordItem>>;
  stats(): Promise<Stats>;
  /** Every record of a batch with its served leaf, in seq order (unchecked: web/src/figures.ts checks them). */
  batchRecords(batch: BatchInfo): Promise<{ record: unknown; leaf: unknown }[]>;
}

export class ProblemError extends AiqynError {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    // A code the server names but we do not know reads as the bare HTTP status, never as a string we trust.
    const code = isAiqynCode(body.code) ? body.code : (`HTTP_${status}` as const);
    const detail =
      typeof body.detail === "string" ? body.detail : typeof body.title === "string" ? body.title : `HTTP ${status}`;
    super(code, detail);
    this.status = status;
    this.body = body;
  }
}

async function getJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json, application/problem+json" },
      credentials: "omit",
    });
  } catch (cause) {
    throw new AiqynError("SOURCE_UNREACHABLE", `no answer from ${new URL(url, location.href).origin}`, { cause });
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch (cause) {
    if (response.ok) throw new AiqynError("SOURCE_BAD_ANSWER", `${url} did not answer JSON`, { cause });
  }
  if (!response.ok) {
    if (response.status >= 500 && (typeof body !== "object" || body === null)) {
      throw new AiqynError("SOURCE_UNREACHABLE", `HTTP ${response.status}`);
    }
    throw new ProblemError(
      response.status,
      typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {},
    );
  }
  return body;
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = null; // a failed load is retried next time
      throw error;
    });
    return pending;
  };
}

export function createApiSource(base: string): DataSource {
  const api = `${base.replace(/\/+$/, "")}/api/v1`;
  return {
    kind: "api",
    label: base || location.origin,
    registry: memo(async () => (await getJson(`${api}/registry`)) as RegistryInfo),
    async record(seq) {
      try {
        return (await getJson(`${api}/records/${seq}`)) as RecordItem;
      } catch (error) {
        if (error instanceof ProblemError && error.status === 404) return null;
        throw error;
      }
    },
    async proof(seq) {
      try {
        return { kind: "bundle", json: await getJson(`${api}/records/${seq}/proof`) };
      } catch (error) {
        if (error instanceof ProblemError && error.code === "BATCH_NOT_ANCHORED") {
          const body = error.body;
          return {
            kind: "pending",
            receipt: (body.receipt as Receipt | undefined) ?? null,
            batchId: typeof body.batchId === "number" ? body.batchId : null,
          };
        }
        if (error instanceof ProblemError && error.status === 404) return { kind: "absent" };
        throw error;
      }
    },
    bundleUrl: (seq) => `${api}/records/${seq}/proof`,
    documentUrl: (hash) => `${api}/documents/${hash.toLowerCase()}`,
    async batches(cursor, limit) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor) query.set("cursor", cursor);
      const body = (await getJson(`${api}/batches?${query}`)) as { batches: BatchInfo[]; nextCursor: string | null };
      return { items: body.batches, nextCursor: body.nextCursor };
    },
    async records(filter, cursor, limit) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (filter.kind) query.set("kind", filter.kind);
      if (filter.asset) query.set("asset", filter.asset);
      if (filter.from !== undefined) query.set("from", String(filter.from));
      if (filter.to !== undefined) query.set("to", String(filter.to));
      if (cursor) query.set("cursor", cursor);
      const body = (await getJson(`${api}/records?${query}`)) as { records: RecordItem[]; nextCursor: string | null };
      return { items: body.records, nextCursor: body.nextCursor };
    },
    stats: async () => (await getJson(`${api}/stats`)) as Stats,
    batchRecords: (batch) => pagedBatchRecords(`${api}/batches/${batch.id}/records`, batch.leafCount),
  };
}

type BatchRecordsAnswer = { records?: { record: unknown; leaf: unknown }[]; nextCursor?: string | null };

/**
 * Follows nextCursor when the server pages a batch's records; a server that answers in one piece has none.
 * Bounded by the batch's leafCount: a source that keeps paging (an empty page, or more records than the batch
 * holds) is refused, so a hostile one cannot keep the check running for ever.
 */
export async function pagedBatchRecords(url: string, leafCount: number): Promise<{ record: unknown; leaf: unknown }[]> {
  const out: { record: unknown; leaf: unknown }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = (await getJson(cursor ? `${url}?cursor=${encodeURIComponent(cursor)}` : url)) as BatchRecordsAnswer;
    if (!Array.isArray(page?.records)) throw new AiqynError("SOURCE_BAD_ANSWER", `${url} carries no records`);
    out.push(...page.records);
    cursor = typeof page.nextCursor === "string" && page.nextCursor !== "" ? page.nextCursor : null;
    if (++pages > leafCount || out.length > leafCount || (cursor && page.records.length === 0))
      throw new AiqynError("SOURCE_BAD_ANSWER", `${url} pages past the batch's ${leafCount} records`);
  } while (cursor);
  return out;
}

interface MirrorIndex {
  format: "aiqyn-mirror/1";
  exportedAt: number;
  registry: RegistryInfo;
  batches: (BatchInfo & { file: string })[];
}

interface MirrorBatchFile {
  format: "aiqyn-mirror-batch/1";
  batch: BatchInfo;
  records: { record: { seq: number; kind: string; asset: string; occurredAt: number }; leaf: string }[];
}

/** A static mirror: index.json lists anchored batches; each batch file holds its records; bundles/ is optional. */
export function createMirrorSource(baseUrl: string): DataSource {
  const base = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`, location.href).href;
  const index = memo(async () => {
    const body = (await getJson(`${base}index.json`)) as MirrorIndex;
    if (body?.format !== "aiqyn-mirror/1" || !Array.isArray(body.batches)) {
      throw new AiqynError("SOURCE_BAD_ANSWER", "not an aiqyn-mirror/1 index");
    }
    return body;
  });
  const files = new Map<number, Promise<MirrorBatchFile>>();
  const batchFile = (batch: BatchInfo & { file: string }) => {
    let file = files.get(batch.id);
    if (!file) {
      file = getJson(new URL(batch.file, base).href) as Promise<MirrorBatchFile>;
      file.catch(() => files.delete(batch.id));
      files.set(batch.id, file);
    }
    return file;
  };
  const toItem = (batch: BatchInfo, entry: MirrorBatchFile["records"][number]): RecordItem => ({
    record: entry.record,
    leaf: entry.leaf,
    status: "anchored",
    batchId: batch.id,
    receipt: null,
  });
  return {
    kind: "mirror",
    label: base,
    registry: async () => (await index()).registry,
    async record(seq) {
      const batch = (await index()).batches.find((b) => seq >= b.firstSeq && seq < b.firstSeq + b.leafCount);
      if (!batch) return null;
      const entry = (await batchFile(batch)).records.find((r) => r.record.seq === seq);
      return entry ? toItem(batch, entry) : null;
    },
    async proof(seq) {
      try {
        return { kind: "bundle", json: await getJson(`${base}bundles/${seq}.json`) };
      } catch (error) {
        if (error instanceof ProblemError && error.status === 404) return { kind: "absent" };
        throw error;
      }
    },
    bundleUrl: (seq) => `${base}bundles/${seq}.json`,
    documentUrl: (hash) => `${base}documents/${hash.toLowerCase()}`,
    async batches(cursor, limit) {
      const newestFirst = [...(await index()).batches].reverse();
      const start = cursor ? Number(cursor) : 0;
      const items = newestFirst.slice(start, start + limit);
      return { items, nextCursor: start + limit < newestFirst.length ? String(start + limit) : null };
    },
    async records(filter, cursor, limit) {
      // The cursor is the next seq to look at; batch files are read in order until the page is full.
      let from = cursor ? Number(cursor) : 1;
      const items: RecordItem[] = [];
      for (const batch of (await index()).batches) {
        if (batch.firstSeq + batch.leafCount <= from) continue;
        for (const entry of (await batchFile(batch)).records) {
          const r = entry.record;
          if (r.seq < from) continue;
          if (items.length === limit) return { items, nextCursor: String(r.seq) };
          from = r.seq + 1;
          if (filter.kind && r.kind !== filter.kind) continue;
          if (filter.asset && r.asset !== filter.asset) continue;
          if (filter.from !== undefined && r.occurredAt < filter.from) continue;
          if (filter.to !== undefined && r.occurredAt > filter.to) continue;
          items.push(toItem(batch, entry));
        }
      }
      return { items, nextCursor: null };
    },
    async stats() {
      throw new AiqynError("NOT_IN_MIRROR", "a static mirror carries no totals");
    },
    async batchRecords(batch) {
      const listed = (await index()).batches.find((b) => b.id === batch.id);
      if (!listed) throw new AiqynError("NOT_IN_MIRROR", `batch ${batch.id} is not in the mirror`);
      return (await batchFile(listed)).records;
    },
  };
}
