/**
 * The public views compared with the verified records: what citizens read (/records pages, /records/:seq,
 * /records/:seq/proof, /stats) and a mirror's bundles must say what the chain-verified records say. Each
 * difference is a VIEW_MISMATCH naming the view and the field.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_FIELDS, verifyProof, type Hex, type RecordStanding, type RecordV1 } from "../../../core";
import { isObject } from "../../../core/shape";
import { fetchJson, joinUrl } from "../http";
import type { FindingInput } from "./findings";
import type { FundFigures } from "../../../core/totals";

/** What the views are compared with: the audit's verified state. */
export interface VerifiedState {
  records: ReadonlyMap<number, RecordV1>;
  leaves: ReadonlyMap<number, Hex>;
  batchOf: ReadonlyMap<number, { id: number; root: Hex; firstSeq: number; leafCount: number }>;
  standings: Map<number, RecordStanding>;
  totals: FundFigures;
  chainId: number;
  registry: string;
  /** Every anchored batch verified: only then are standings and totals knowable. */
  complete: boolean;
}

type Add = (f: FindingInput) => void;

const mismatch = (add: Add, view: string, field: string, seq: number | undefined, expected: unknown, actual: unknown) =>
  add({
    code: "VIEW_MISMATCH",
    ...(seq !== undefined ? { seq } : {}),
    field: `${view} ${field}`,
    message: `${view}: ${field} differs from the verified ${seq !== undefined ? `record ${seq}` : "records"}`,
    expected,
    actual,
  });

/** The record fields that differ (by value, as JSON). */
function recordDiff(expected: RecordV1, actual: unknown): string[] {
  if (!isObject(actual)) return ["record"];
  return RECORD_FIELDS.filter((f) => JSON.stringify(actual[f]) !== JSON.stringify(expected[f]));
}

/** One item of /records or /records/:seq: { record, leaf, status, batchId, standing }. */
export function checkItem(view: string, item: unknown, state: VerifiedState, add: Add): void {
  const seq = isObject(item) && isObject(item.record) ? item.record.seq : undefined;
  const expected = typeof seq === "number" ? state.records.get(seq) : undefined;
  if (!isObject(item) || !expected) return; // pending or unknown seq: not verified, nothing to compare
  for (const field of recordDiff(expected, item.record))
    mismatch(
      add,
      view,
      `record.${field}`,
      expected.seq,
      expected[field as keyof RecordV1],
      (item.record as Record<string, unknown>)[field],
    );
  const want: Record<string, unknown> = {
    leaf: state.leaves.get(expected.seq),
    status: "anchored",
    batchId: state.batchOf.get(expected.seq)?.id,
    ...(state.complete ? { standing: state.standings.get(expected.seq) } : {}),
  };
  for (const [field, value] of Object.entries(want)) {
    const got = field === "leaf" && typeof item.leaf === "string" ? item.leaf.toLowerCase() : item[field];
    if (got !== value) mismatch(add, view, field, expected.seq, value, item[field]);
  }
}

/** A proof bundle (served by /proof or found in a mirror) against the verified record and its batch. */
export function checkBundle(view: string, bundle: unknown, seq: number, state: VerifiedState, add: Add): void {
  const expected = state.records.get(seq);
  const batch = state.batchOf.get(seq);
  if (!expected || !batch) return;
  if (!isObject(bundle) || !isObject(bundle.batch) || !isObject(bundle.anchor) || !Array.isArray(bundle.proof))
    return mismatch(add, view, "format", seq, "an aiqyn-proof/1 bundle", typeof bundle);
  for (const field of recordDiff(expected, bundle.record))
    mismatch(
      add,
      view,
      `record.${field}`,
      seq,
      expected[field as keyof RecordV1],
      (bundle.record as Record<string, unknown>)[field],
    );
  const leaf = state.leaves.get(seq)!;
  if (String(bundle.leaf).toLowerCase() !== leaf) mismatch(add, view, "leaf", seq, leaf, bundle.leaf);
  const b = bundle.batch;
  for (const field of ["id", "firstSeq", "leafCount"] as const)
    if (b[field] !== batch[field]) mismatch(add, view, `batch.${field}`, seq, batch[field], b[field]);
  if (String(b.root).toLowerCase() !== batch.root.toLowerCase())
    mismatch(add, view, "batch.root", seq, batch.root, b.root);
  const proof = bundle.proof as unknown[];
  if (
    !proof.every((p) => typeof p === "string" && /^0x[0-9a-fA-F]{64}$/.test(p)) ||
    !verifyProof(batch.root, leaf, proof as Hex[])
  )
    mismatch(add, view, "proof", seq, `a path from the leaf to root ${batch.root}`, proof);
  if (bundle.anchor.chainId !== state.chainId)
    mismatch(add, view, "anchor.chainId", seq, state.chainId, bundle.anchor.chainId);
  if (String(bundle.anchor.registry).toLowerCase() !== state.registry.toLowerCase())
    mismatch(add, view, "anchor.registry", seq, state.registry, bundle.anchor.registry);
}

/** /stats against the totals recomputed from verified records (only comparable when nothing is pending). */
export function checkStats(stats: unknown, state: VerifiedState, add: Add): void {
  if (!isObject(stats) || !isObject(stats.totals))
    return mismatch(add, "/stats", "format", undefined, "a stats object", stats);
  const { pending, records } = stats.totals;
  if (!state.complete || pending !== 0 || records !== state.records.size) {
    add({
      code: "VIEW_UNCHECKED",
      field: "/stats",
      message: `/stats counts ${String(records)} record(s), ${String(pending)} pending; the audit verified ${state.records.size} anchored: not comparable`,
    });
    return;
  }
  for (const field of ["byKind", "byAsset", "byMonth", "holdings"] as const)
    if (JSON.stringify(stats[field]) !== JSON.stringify(state.totals[field]))
      mismatch(add, "/stats", field, undefined, state.totals[field], stats[field]);
}

/** Which seqs to fetch one by one: all when few, else `sample` spread evenly (first and last included). */
export function sampleSeqs(seqs: readonly number[], sample: number): number[] {
  if (sample === 0 || seqs.length <= sample) return [...seqs];
  if (sample === 1) return [seqs[0]!];
  return [
    ...new Set(Array.from({ length: sample }, (_, i) => seqs[Math.round((i * (seqs.length - 1)) / (sample - 1))]!)),
  ];
}

export interface ServerViewOptions {
  baseUrl: string;
  timeoutMs: number;
  sample: number;
}

/** Audits a live server's views. */
export async function auditServerViews(options: ServerViewOptions, state: VerifiedState, add: Add): Promise<number> {
  const get = async (path: string) => {
    const result = await fetchJson(joinUrl(options.baseUrl, path), {
      timeoutMs: options.timeoutMs,
      maxBytes: 256 * 1024 * 1024,
    });
    if (!result.ok) add({ code: "VIEW_UNCHECKED", field: path, message: `${path}: ${result.message}` });
    return result.ok ? result.json : undefined;
  };
  await auditRecordPages(get, state, add);
  const seqs = sampleSeqs(
    [...state.records.keys()].sort((a, b) => a - b),
    options.sample,
  );
  for (const seq of seqs) {
    const item = await get(`/api/v1/records/${seq}`);
    if (item !== undefined) checkItem(`/records/${seq}`, item, state, add);
    const bundle = await get(`/api/v1/records/${seq}/proof`);
    if (bundle !== undefined) checkBundle(`/records/${seq}/proof`, bundle, seq, state, add);
  }
  const stats = await get("/api/v1/stats");
  if (stats !== undefined) checkStats(stats, state, add);
  return seqs.length;
}

/** Every page of /records: each verified record must be listed once, and as verified. */
async function auditRecordPages(
  get: (path: string) => Promise<unknown>,
  state: VerifiedState,
  add: Add,
): Promise<void> {
  const listed = new Set<number>();
  let cursor: string | null = null;
  for (let page = 0; page < 100_000; page++) {
    const path: string = `/api/v1/records?limit=500${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const json = await get(path);
    if (json === undefined) return;
    if (!isObject(json) || !Array.isArray(json.records))
      return mismatch(add, "/records", "format", undefined, "a page of records", json);
    for (const item of json.records as unknown[]) {
      checkItem("/records", item, state, add);
      const seq = isObject(item) && isObject(item.record) ? item.record.seq : undefined;
      if (typeof seq === "number") listed.add(seq);
    }
    if (typeof json.nextCursor !== "string" || json.nextCursor === cursor) break;
    cursor = json.nextCursor;
  }
  for (const seq of state.records.keys())
    if (!listed.has(seq)) mismatch(add, "/records", "presence", seq, "listed", "missing");
}

/** A mirror's bundles/ (if any): each bundle must prove the verified record. Returns how many were checked. */
export async function auditMirrorBundles(dir: string, state: VerifiedState, add: Add): Promise<number> {
  const names = await readdir(join(dir, "bundles")).catch(() => [] as string[]);
  let checked = 0;
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const seq = Number(name.slice(0, -5));
    let bundle: unknown;
    try {
      bundle = JSON.parse(await readFile(join(dir, "bundles", name), "utf8"));
    } catch {
      mismatch(add, `bundles/${name}`, "format", seq, "JSON", "not JSON");
      continue;
    }
    checkBundle(`bundles/${name}`, bundle, seq, state, add);
    if (state.records.has(seq)) checked++;
  }
  return checked;
}
