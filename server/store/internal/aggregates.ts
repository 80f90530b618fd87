/**
 * Statistics kept up to date at write time, so /stats never re-reads the records. Only records that count
 * (standing "current" by core's recordStandings, and not a RETRACTION) are in the sums, each adding what
 * core/protocol/totals.ts `contributionOf` says, so /stats equals core's `computeTotals` over every record (the tests
 * compare the two).
 *
 * An append can change the standing of older records: a correction supersedes, a retraction retracts, and a
 * retracted correction restores what it corrected. Only the "family" of a new record can change (its
 * ancestors through `corrects` and all their correctors), so the store loads that family inside the writing
 * transaction, this module recomputes its standings before and after, and the store applies the differences.
 */
import { recordStandings, type RecordKind, type RecordStanding, type RecordV1, type Stats } from "../../../core";
import { contributionOf, countsInFigures, emptySums, figuresOf } from "../../../core/protocol/totals";

/** One aggregate row: dim "kind" (a = value), "asset" (a = inflow, b = outflow), "month" (key "YYYY-MM KIND", a = value). */
export interface AggregateRow {
  dim: "kind" | "asset" | "month";
  key: string;
  count: number;
  a: bigint;
  b: bigint;
}

export interface StoredStanding {
  record: RecordV1;
  standing: RecordStanding;
}

export interface AppendEffect {
  /** Older records whose standing changes. */
  standingChanges: { seq: number; standing: RecordStanding }[];
  /** Differences to add to the aggregate rows. */
  deltas: AggregateRow[];
  /** Assets whose latest current VALUATION may have changed. */
  holdingAssets: Set<string>;
}

/** The aggregate rows one record contributes (sign -1 to take it out): core/protocol/totals.ts `contributionOf`. */
export function contributions(record: RecordV1, sign: 1 | -1): AggregateRow[] {
  const s = BigInt(sign);
  const c = contributionOf(record);
  return [
    { dim: "kind", key: record.kind, count: sign, a: c.value * s, b: 0n },
    { dim: "asset", key: record.asset, count: sign, a: c.inflow * s, b: c.outflow * s },
    { dim: "month", key: `${c.month} ${record.kind}`, count: sign, a: c.value * s, b: 0n },
  ];
}

/** Sums rows with the same (dim, key). */
export function mergeRows(rows: Iterable<AggregateRow>): AggregateRow[] {
  const merged = new Map<string, AggregateRow>();
  for (const row of rows) {
    const id = `${row.dim}\u0000${row.key}`;
    const seen = merged.get(id);
    if (seen) {
      seen.count += row.count;
      seen.a += row.a;
      seen.b += row.b;
    } else merged.set(id, { ...row });
  }
  return [...merged.values()];
}

/**
 * The effect of appending `added` to a store whose affected families are `family` (every older record in the
 * families of the added records, with its stored standing).
 */
export function appendEffect(family: readonly StoredStanding[], added: readonly RecordV1[]): AppendEffect {
  const after = recordStandings([...family.map((f) => f.record), ...added]);
  const rows: AggregateRow[] = [];
  const standingChanges: AppendEffect["standingChanges"] = [];
  const holdingAssets = new Set<string>();
  for (const { record, standing } of family) {
    const now = after.get(record.seq) ?? "current";
    if (now === standing) continue;
    standingChanges.push({ seq: record.seq, standing: now });
    const [was, is] = [countsInFigures(record, standing), countsInFigures(record, now)];
    if (was !== is) rows.push(...contributions(record, is ? 1 : -1));
    if (record.kind === "VALUATION") holdingAssets.add(record.asset);
  }
  for (const record of added) {
    const standing = after.get(record.seq) ?? "current";
    if (standing !== "current") standingChanges.push({ seq: record.seq, standing });
    if (countsInFigures(record, standing)) rows.push(...contributions(record, 1));
    if (record.kind === "VALUATION") holdingAssets.add(record.asset);
  }
  return { standingChanges, deltas: mergeRows(rows), holdingAssets };
}

/** Reads what appendEffect needs: records by seq and the records correcting given seqs, with standings. */
export interface FamilyReader {
  bySeqs(seqs: readonly number[]): Promise<StoredStanding[]>;
  correctorsOf(seqs: readonly number[]): Promise<StoredStanding[]>;
}

/**
 * The stored records whose standing new records correcting `targets` can change: the targets, their
 * ancestors through `corrects`, and every stored record correcting any of those, transitively.
 */
export async function loadFamily(targets: readonly number[], reader: FamilyReader): Promise<StoredStanding[]> {
  const found = new Map<number, StoredStanding>();
  let up = [...new Set(targets.filter((c) => c !== 0))];
  while (up.length > 0) {
    const next: number[] = [];
    for (const row of await reader.bySeqs(up)) {
      if (found.has(row.record.seq)) continue;
      found.set(row.record.seq, row);
      if (row.record.corrects !== 0) next.push(row.record.corrects);
    }
    up = next;
  }
  let down = [...found.keys()];
  while (down.length > 0) {
    const next: number[] = [];
    for (const row of await reader.correctorsOf(down)) {
      if (found.has(row.record.seq)) continue;
      found.set(row.record.seq, row);
      next.push(row.record.seq);
    }
    down = next;
  }
  return [...found.values()];
}

/** The Stats answer from the aggregate rows and the holdings (records of the latest current VALUATIONs). */
export function statsFromAggregates(
  rows: readonly AggregateRow[],
  holdings: readonly RecordV1[],
  totals: Stats["totals"],
): Stats {
  const sums = emptySums();
  for (const row of rows) {
    if (row.count <= 0) continue;
    if (row.dim === "kind") sums.byKind.set(row.key as RecordKind, { count: row.count, value: row.a });
    if (row.dim === "asset") sums.byAsset.set(row.key, { inflow: row.a, outflow: row.b, count: row.count });
    if (row.dim === "month") {
      const [month, kind] = row.key.split(" ") as [string, RecordKind];
      sums.byMonth.set(row.key, { month, kind, count: row.count, value: row.a });
    }
  }
  for (const record of holdings) sums.holdings.set(record.asset, record);
  return { totals, ...figuresOf(sums) };
}
