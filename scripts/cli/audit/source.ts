/**
 * Where an audit gets the operator's side of the story: the live server, or a static mirror written by
 * `aiqyn export`. Both are untrusted: every answer is shape-checked here and every failure comes back as a
 * value the audit turns into a finding.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { isAddress } from "../../../core/protocol/trust";
import { isObject } from "../../../core/protocol/shape";
import { fetchJson, joinUrl } from "../http";

/** The source's /api/v1/registry object (only the fields the audit uses are required). */
export interface RegistryInfo {
  chainId: number;
  registry: string;
  maxAnchorDelaySeconds: number | null;
  raw: Record<string, unknown>;
}

/** A batch as the source lists it (GET /api/v1/batches or the mirror's index). */
export interface ListedBatch {
  id: number;
  status: string;
  root: unknown;
  firstSeq: unknown;
  leafCount: unknown;
  head: unknown;
  sealedAt?: unknown;
}

export interface ServedItem {
  record: unknown;
  leaf: unknown;
}

export type SourceResult<T> = { ok: true; value: T } | { ok: false; missing: boolean; message: string };

export interface AuditSource {
  /** "server http://…" or "mirror DIR", for reports. */
  readonly description: string;
  registryInfo(): Promise<SourceResult<RegistryInfo>>;
  /** Every batch the source lists, by id. */
  listBatches(): Promise<SourceResult<Map<number, ListedBatch>>>;
  /** One batch's records in the order served. missing = the source says it has no such batch. */
  batchRecords(id: number, leafCount: number): Promise<SourceResult<{ batch: unknown; items: ServedItem[] }>>;
}

export const MIRROR_FORMAT = "aiqyn-mirror/1";
export const MIRROR_BATCH_FORMAT = "aiqyn-mirror-batch/1";

/** A record's JSON is a few KB at most (memo ≤ 1000 chars); allow generous room, but not unbounded. */
function maxBatchBytes(leafCount: number): number {
  return 1024 * 1024 + leafCount * 32 * 1024;
}

function ok<T>(value: T): SourceResult<T> {
  return { ok: true, value };
}
function fail<T>(message: string, missing = false): SourceResult<T> {
  return { ok: false, missing, message };
}

export function parseRegistryInfo(json: unknown, where: string): SourceResult<RegistryInfo> {
  if (!isObject(json)) return fail(`${where}: the registry description is not a JSON object`);
  const { chainId, registry, maxAnchorDelaySeconds } = json;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId)) return fail(`${where}: chainId is not an integer`);
  if (typeof registry !== "string" || !isAddress(registry)) return fail(`${where}: registry is not an address`);
  const delay =
    typeof maxAnchorDelaySeconds === "number" && Number.isFinite(maxAnchorDelaySeconds) && maxAnchorDelaySeconds >= 0
      ? maxAnchorDelaySeconds
      : null;
  return ok({ chainId, registry, maxAnchorDelaySeconds: delay, raw: json });
}

export function parseListedBatch(value: unknown): ListedBatch | null {
  if (!isObject(value) || typeof value.id !== "number" || !Number.isSafeInteger(value.id) || value.id < 1) return null;
  return {
    id: value.id,
    status: typeof value.status === "string" ? value.status : "unknown",
    root: value.root,
    firstSeq: value.firstSeq,
    leafCount: value.leafCount,
    head: value.head,
    sealedAt: value.sealedAt,
  };
}

function parseBatchRecords(json: unknown, where: string): SourceResult<{ batch: unknown; items: ServedItem[] }> {
  if (!isObject(json) || !Array.isArray(json.records)) return fail(`${where}: the answer has no records array`);
  const items: ServedItem[] = [];
  for (const item of json.records as unknown[]) {
    // A bare record (no wrapper) is tolerated as { record, leaf: undefined }: the audit recomputes leaves anyway.
    items.push(
      isObject(item) && "record" in item ? { record: item.record, leaf: item.leaf } : { record: item, leaf: undefined },
    );
  }
  return ok({ batch: json.batch, items });
}

export interface ServerSourceOptions {
  timeoutMs: number;
  /** Extra attempts after a timeout or connection failure (not after a wrong answer). */
  retries: number;
  /** Page size asked of GET /api/v1/batches. */
  pageSize?: number;
  /** Page size asked of GET /api/v1/batches/:id/records (the server's own default when not set). */
  batchPageSize?: number;
}

export function serverSource(baseUrl: string, options: ServerSourceOptions): AuditSource {
  const get = async (path: string, maxBytes: number) => {
    let attempt = 0;
    for (;;) {
      const result = await fetchJson(joinUrl(baseUrl, path), { timeoutMs: options.timeoutMs, maxBytes });
      if (result.ok || attempt >= options.retries || (result.kind !== "timeout" && result.kind !== "unreachable"))
        return result;
      attempt++;
    }
  };
  return {
    description: `server ${baseUrl}`,
    async registryInfo() {
      const result = await get("/api/v1/registry", 1024 * 1024);
      return result.ok ? parseRegistryInfo(result.json, "GET /api/v1/registry") : fail(result.message);
    },
    async listBatches() {
      const batches = new Map<number, ListedBatch>();
      const seenCursors = new Set<string>();
      let cursor: string | null = null;
      const pageSize = options.pageSize ?? 100;
      for (let page = 0; ; page++) {
        const query: string = `/api/v1/batches?limit=${pageSize}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
        const result = await get(query, 64 * 1024 * 1024);
        if (!result.ok) return fail(result.message);
        const json = result.json;
        if (!isObject(json) || !Array.isArray(json.batches))
          return fail(`GET ${query}: the answer has no batches array`);
        for (const raw of json.batches as unknown[]) {
          const listed = parseListedBatch(raw);
          if (!listed) return fail(`GET ${query}: a listed batch has no valid id`);
          if (batches.has(listed.id)) return fail(`GET ${query}: batch ${listed.id} is listed twice`);
          batches.set(listed.id, listed);
        }
        const next = json.nextCursor;
        if (next === null || next === undefined) return ok(batches);
        if (typeof next !== "string" || seenCursors.has(next))
          return fail(`GET ${query}: the pagination cursor repeats or is not a string`);
        if ((json.batches as unknown[]).length === 0) return fail(`GET ${query}: an empty page that names a next page`);
        seenCursors.add(next);
        cursor = next;
      }
    },
    async batchRecords(id, leafCount) {
      // A batch may hold more records than one page (BATCH_MAX up to 100,000, a page at most 10,000): every page
      // is read, and a source that pages past the batch's leafCount, repeats a cursor or names a next page after an
      // empty one is refused, so a truncated or endless listing cannot pass for the batch.
      const base = `/api/v1/batches/${id}/records`;
      const items: ServedItem[] = [];
      const seenCursors = new Set<string>();
      let batch: unknown;
      let cursor: string | null = null;
      for (;;) {
        const params = [
          ...(options.batchPageSize === undefined ? [] : [`limit=${options.batchPageSize}`]),
          ...(cursor === null ? [] : [`cursor=${encodeURIComponent(cursor)}`]),
        ];
        const path = params.length === 0 ? base : `${base}?${params.join("&")}`;
        const result = await get(path, maxBatchBytes(leafCount));
        if (!result.ok) return fail(result.message, result.kind === "http-status" && result.status === 404);
        const page = parseBatchRecords(result.json, `GET ${path}`);
        if (!page.ok) return page;
        if (cursor === null) batch = page.value.batch;
        items.push(...page.value.items);
        const next = (result.json as Record<string, unknown>).nextCursor;
        if (next === null || next === undefined) return ok({ batch, items });
        if (typeof next !== "string" || seenCursors.has(next))
          return fail(`GET ${path}: the pagination cursor repeats or is not a string`);
        if (items.length >= leafCount)
          return fail(`GET ${path}: the pages go on past the batch's ${leafCount} records`);
        if (page.value.items.length === 0) return fail(`GET ${path}: an empty page that names a next page`);
        seenCursors.add(next);
        cursor = next;
      }
    },
  };
}

/** Reads a mirror file, refusing paths that leave the mirror (the index is untrusted too). */
async function readMirrorJson(dir: string, file: string, maxBytes: number): Promise<SourceResult<unknown>> {
  const root = resolve(dir);
  const path = resolve(root, file);
  const rel = relative(root, path);
  if (rel.startsWith("..") || isAbsolute(rel))
    return fail(`mirror file ${JSON.stringify(file)} lies outside the mirror`);
  try {
    const info = await stat(path);
    if (info.size > maxBytes) return fail(`mirror file ${file} is larger than ${maxBytes} bytes`);
    const text = await readFile(path, "utf8");
    try {
      return ok(JSON.parse(text) as unknown);
    } catch {
      return fail(`mirror file ${file} is not JSON`);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return fail(
      `mirror file ${file}: ${code === "ENOENT" ? "does not exist" : error instanceof Error ? error.message : String(error)}`,
      code === "ENOENT",
    );
  }
}

export function mirrorSource(dir: string): AuditSource {
  let index: Promise<SourceResult<{ registry: unknown; batches: (ListedBatch & { file: unknown })[] }>> | undefined;
  const loadIndex = () =>
    (index ??= (async () => {
      const read = await readMirrorJson(dir, "index.json", 256 * 1024 * 1024);
      if (!read.ok) return read;
      const json = read.value;
      if (!isObject(json) || json.format !== MIRROR_FORMAT) return fail(`index.json is not an ${MIRROR_FORMAT} index`);
      if (!Array.isArray(json.batches)) return fail("index.json has no batches array");
      const batches: (ListedBatch & { file: unknown })[] = [];
      for (const raw of json.batches as unknown[]) {
        const listed = parseListedBatch(raw);
        if (!listed) return fail("index.json lists a batch without a valid id");
        batches.push({ ...listed, file: (raw as Record<string, unknown>).file });
      }
      return ok({ registry: json.registry, batches });
    })());
  return {
    description: `mirror ${dir}`,
    async registryInfo() {
      const loaded = await loadIndex();
      return loaded.ok ? parseRegistryInfo(loaded.value.registry, "index.json registry") : loaded;
    },
    async listBatches() {
      const loaded = await loadIndex();
      if (!loaded.ok) return loaded;
      const batches = new Map<number, ListedBatch>();
      for (const b of loaded.value.batches) {
        if (batches.has(b.id)) return fail(`index.json lists batch ${b.id} twice`);
        batches.set(b.id, b);
      }
      return ok(batches);
    },
    async batchRecords(id, leafCount) {
      const loaded = await loadIndex();
      if (!loaded.ok) return loaded;
      const entry = loaded.value.batches.find((b) => b.id === id);
      const file = entry ? entry.file : mirrorBatchFile(id);
      if (typeof file !== "string") return fail(`index.json names no file for batch ${id}`);
      const read = await readMirrorJson(dir, file, maxBatchBytes(leafCount));
      if (!read.ok) return read;
      const json = read.value;
      if (!isObject(json) || json.format !== MIRROR_BATCH_FORMAT)
        return fail(`${file} is not an ${MIRROR_BATCH_FORMAT} file`);
      return parseBatchRecords(json, file);
    },
  };
}

/** batches/000001.json: six digits, more when the id needs them. */
export function mirrorBatchFile(id: number): string {
  return `batches/${String(id).padStart(6, "0")}.json`;
}
