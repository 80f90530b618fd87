/**
 * The public views compared with the verified records: what citizens read (/records pages, /records/:seq,
 * /records/:seq/proof, /stats) and a mirror's bundles must say what the chain-verified records say. Each
 * difference is a VIEW_MISMATCH naming the view and the field.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_FIELDS, verifyProof, type Hex, type RecordStanding, type RecordV1 } from "../../../core";
import { isObject } from "../../../core/protocol/shape";
import { fetchJson, joinUrl } from "../http";
import type { FindingInput } from "./findings";
import type { FundFigures } from "../../../core/protocol/totals";

/** What the views are compared with: the audit's verified state. */
export interface VerifiedState {
  records: ReadonlyMap<number, RecordV1>;
  leaves: ReadonlyMap<number, Hex>;
  batchOf: ReadonlyMap<number, { id: number; root: Hex; firstSeq: number; leafCount: number }>;
  standings: Map<number, RecordStanding>;
  /** The records with effect that name each seq (core/protocol/standing.ts effectiveCorrectors): its correctedBy. */
  correctedBy: ReadonlyMap<number, number[]>;
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

/**
 * One item of /records or /records/:seq: { record, leaf, status, batchId, receipt, standing, correctedBy }, every
 * field compared. standing and correctedBy only once every batch is verified (else they are not knowable); a
 * receipt, when served, must be for this seq and leaf (its signature is the receipts check's business).
 */
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
    ...(state.complete
      ? { standing: state.standings.get(expected.seq), correctedBy: state.correctedBy.get(expected.seq) ?? [] }
      : {}),
  };
  for (const [field, value] of Object.entries(want)) {
    const got = field === "leaf" && typeof item.leaf === "string" ? item.leaf.toLowerCase() : item[field];
    if (JSON.stringify(got) !== JSON.stringify(value)) mismatch(add, view, field, expected.seq, value, item[field]);
  }
  checkItemReceipt(view, item.receipt, expected.seq, state, add);
}

function checkItemReceipt(view: string, receipt: unknown, seq: number, state: VerifiedState, add: Add): void {
  if (receipt === null || receipt === undefined) return;
  const leaf = state.leaves.get(seq);
  if (!isObject(receipt) || receipt.seq !== seq || String(receipt.leaf).toLowerCase() !== leaf)
    mismatch(add, view, "receipt", seq, { seq, leaf }, receipt);
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

/**
 * Which seqs to fetch one by one: all when few, else `sample` of them drawn by a partial Fisher–Yates shuffle
 * driven by SHA-256(seed ‖ counter). The seed comes from the audit's own randomness (crypto.randomBytes, see
 * audit/command.ts), so a server cannot tell which seqs will be asked and lie about the rest; it is printed in
 * the report, so anyone can draw the same sample again (--view-seed).
 */
export function sampleSeqs(seqs: readonly number[], sample: number, seed: string): number[] {
  if (sample === 0 || seqs.length <= sample) return [...seqs];
  const pool = [...seqs];
  const random = seededRandom(seed);
  for (let i = 0; i < sample; i++) {
    const j = i + random(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, sample).sort((a, b) => a - b);
}

/** A uniform integer below n from SHA-256(seed ‖ counter) words, rejection-sampled (no modulo bias). */
function seededRandom(seed: string): (n: number) => number {
  let counter = 0;
  const words: number[] = [];
  const next = (): number => {
    if (words.length === 0) {
      const digest = createHash("sha256").update(`${seed}:${counter++}`).digest();
      for (let k = 0; k < 32; k += 4) words.push(digest.readUInt32BE(k));
    }
    return words.shift()!;
  };
  return (n) => {
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const word = next();
      if (word < limit) return word % n;
    }
  };
}

export interface ServerViewOptions {
  baseUrl: string;
  timeoutMs: number;
  sample: number;
  /** The seed of the sample (in the report). */
  seed: string;
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
    options.seed,
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
