/**
 * `aiqyn export --server URL --out DIR [--bundles]`: a static mirror anyone can host. It copies, it does not
 * judge (audit --mirror checks it against the chain). Each file is written atomically, and index.json last,
 * so a mirror being refreshed is never seen pointing at a file that is not there yet.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { AiqynError, ZERO_BYTES32 } from "../../core";
import { documentHashOf } from "./document";
import { COMMON_OPTIONS, EXIT_OK, httpUrlOption, parseJsonCommand, requireOption, secondsOption } from "./args";
import { MIRROR_BATCH_FORMAT, MIRROR_FORMAT, mirrorBatchFile, parseRegistryInfo, serverSource } from "./audit/source";
import { batchPageSizeOption } from "./chain-options";
import { writeFileAtomic } from "./fs-atomic";
import { isObject } from "../../core/protocol/shape";
import { fetchJson, joinUrl } from "./http";
import { textOut, writeJson, type Io } from "./io";

export const EXPORT_HELP = `Usage: aiqyn export --server URL --out DIR [--bundles] [--page-size N] [--json[=FILE]] [--timeout SECONDS]

Writes a static mirror of the registry's anchored batches:
  DIR/index.json            { format: "aiqyn-mirror/1", exportedAt, registry, batches: [ { ...Batch, file } ] }
  DIR/batches/000001.json   { format: "aiqyn-mirror-batch/1", batch, records: [ { record, leaf } ] }
  DIR/bundles/<seq>.json    every record's aiqyn-proof/1 bundle (with --bundles)
  DIR/documents/0x<hash>    every document the exported records name that the server stores (the bytes
                            hash to the name: keccak-256; one that does not is left out and counted)
Only anchored batches are exported, each whole: every page of its records (--page-size N asks N a page,
default the server's). Nothing is checked against the chain here: run
"aiqyn audit --mirror DIR" for that.

--json[=FILE] prints (or writes) { format: "aiqyn-export/1", out, batches, records, bundles, documents,
documentsMismatched }.

Exit status: 0 written; 2 usage error or the server failed (the previous index.json, if any, is left as it was).
`;

/** --server, --out, --bundles, --timeout and --help (--json is taken out of argv first). */
const OPTIONS = {
  server: { type: "string" },
  out: { type: "string" },
  bundles: { type: "boolean" },
  "page-size": { type: "string" },
  ...COMMON_OPTIONS,
} as const;

export async function runExport(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: OPTIONS, help: EXPORT_HELP }, io);
  if (!command) return EXIT_OK;
  const { parsed, json } = command;
  const server = httpUrlOption(parsed, "server", true);
  const out = requireOption(parsed, "out");
  const timeoutMs = secondsOption(parsed, "timeout", 60);
  const withBundles = parsed.values.bundles === true;
  const batchPageSize = batchPageSizeOption(parsed);

  const get = async (path: string, maxBytes = 512 * 1024 * 1024): Promise<unknown> => {
    const result = await fetchJson(joinUrl(server, path), { timeoutMs, maxBytes });
    if (!result.ok) throw new AiqynError("SOURCE_ERROR", result.message);
    return result.json;
  };

  // Every page of a batch's records, with the audit's own guards (a batch can be larger than one page).
  const source = serverSource(server, { timeoutMs, retries: 0, batchPageSize });
  const registryJson = await get("/api/v1/registry");
  const registry = parseRegistryInfo(registryJson, "GET /api/v1/registry");
  if (!registry.ok) throw new AiqynError("SOURCE_ERROR", registry.message);

  const batches = await listAnchoredBatches(get);
  await mkdir(join(out, "batches"), { recursive: true });
  if (withBundles) await mkdir(join(out, "bundles"), { recursive: true });

  const entries: Record<string, unknown>[] = [];
  const named = new Set<string>();
  let records = 0;
  for (const batch of batches) {
    const id = batch.id as number;
    const leafCount = typeof batch.leafCount === "number" ? batch.leafCount : 0;
    const served = await source.batchRecords(id, leafCount);
    if (!served.ok) throw new AiqynError("SOURCE_ERROR", served.message);
    const answer = { batch: served.value.batch, records: served.value.items };
    const file = mirrorBatchFile(id);
    await writeFileAtomic(
      join(out, file),
      JSON.stringify({ format: MIRROR_BATCH_FORMAT, batch: answer.batch ?? batch, records: answer.records }) + "\n",
    );
    if (withBundles) {
      for (const item of answer.records as unknown[]) {
        const seq = isObject(item) && isObject(item.record) ? item.record.seq : undefined;
        if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1)
          throw new AiqynError("SOURCE_ERROR", `batch ${id} holds a record without a seq`);
        const bundle = await get(`/api/v1/records/${seq}/proof`, 1024 * 1024);
        await writeFileAtomic(join(out, "bundles", `${seq}.json`), JSON.stringify(bundle, null, 2) + "\n");
      }
    }
    records += (answer.records as unknown[]).length;
    for (const hash of documentHashesOf(answer.records as unknown[])) named.add(hash);
    entries.push({ ...batch, file });
  }
  const documents = await exportDocuments(server, out, [...named], timeoutMs);
  const index = {
    format: MIRROR_FORMAT,
    exportedAt: Math.floor(Date.now() / 1000),
    registry: registryJson,
    batches: entries,
  };
  await writeFileAtomic(join(out, "index.json"), JSON.stringify(index, null, 2) + "\n");
  if (json)
    await writeJson(io, json, {
      format: "aiqyn-export/1",
      out,
      batches: entries.length,
      records,
      bundles: withBundles ? records : 0,
      documents: documents.copied,
      documentsMismatched: documents.mismatched,
    });
  textOut(
    io,
    json,
  )(
    `exported ${entries.length} anchored batch(es), ${records} record(s)${withBundles ? ` and ${records} proof bundle(s)` : ""} to ${out}\n` +
      `${documents.copied} document(s) copied` +
      (documents.mismatched > 0
        ? `, ${documents.mismatched} left out: their bytes do not hash to their name\n`
        : "\n") +
      `check it against the chain with: aiqyn audit --rpc <your RPC> --trust <the trust root you pinned> --mirror ${out}\n` +
      `(the server names registry ${registry.value.registry} on chain ${registry.value.chainId}: compare, do not adopt)\n`,
  );
  return EXIT_OK;
}

/** Pages through GET /api/v1/batches (newest first) and returns the anchored ones in ascending id order. */
async function listAnchoredBatches(get: (path: string) => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const found = new Map<number, Record<string, unknown>>();
  const seenCursors = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const path: string = `/api/v1/batches?limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = await get(path);
    if (!isObject(page) || !Array.isArray(page.batches))
      throw new AiqynError("SOURCE_ERROR", `GET ${path}: no batches array`);
    for (const batch of page.batches as unknown[]) {
      if (!isObject(batch) || typeof batch.id !== "number" || !Number.isSafeInteger(batch.id) || batch.id < 1) {
        throw new AiqynError("SOURCE_ERROR", `GET ${path}: a batch without a valid id`);
      }
      if (batch.status === "anchored") found.set(batch.id, batch);
    }
    const next = page.nextCursor;
    if (next === null || next === undefined) break;
    if (typeof next !== "string" || seenCursors.has(next) || (page.batches as unknown[]).length === 0) {
      throw new AiqynError("SOURCE_ERROR", `GET ${path}: the pagination cursor repeats or is not a string`);
    }
    seenCursors.add(next);
    cursor = next;
  }
  return [...found.values()].sort((a, b) => (a.id as number) - (b.id as number));
}

/** The non-zero documentHashes of a batch's records, lower case. */
function documentHashesOf(items: readonly unknown[]): string[] {
  const hashes: string[] = [];
  for (const item of items) {
    const hash = isObject(item) && isObject(item.record) ? item.record.documentHash : undefined;
    if (typeof hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(hash) && hash.toLowerCase() !== ZERO_BYTES32)
      hashes.push(hash.toLowerCase());
  }
  return hashes;
}

/** Copies each named document the server stores (404: not stored, skipped); bytes that do not hash to the name are left out. */
async function exportDocuments(
  server: string,
  out: string,
  hashes: readonly string[],
  timeoutMs: number,
): Promise<{ copied: number; mismatched: number }> {
  let copied = 0;
  let mismatched = 0;
  if (hashes.length > 0) await mkdir(join(out, "documents"), { recursive: true });
  for (const hash of hashes) {
    const res = await fetch(joinUrl(server, `/api/v1/documents/${hash}`), { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 404) {
      await res.body?.cancel();
      continue;
    }
    if (!res.ok) throw new AiqynError("SOURCE_ERROR", `GET /api/v1/documents/${hash}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (documentHashOf(bytes) !== hash) {
      mismatched += 1;
      continue;
    }
    await writeFileAtomic(join(out, "documents", hash), bytes);
    copied += 1;
  }
  return { copied, mismatched };
}
