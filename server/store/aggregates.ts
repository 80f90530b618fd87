/**
 * Statistics kept up to date at write time, so /stats never re-reads the records. Only records that count
 * (standing "current" by core's recordStandings, and not a RETRACTION) are in the sums, exactly as
 * server/stats.ts computeStats defines them (the reference the tests compare with).
 *
 * An append can change the standing of older records: a correction supersedes, a retraction retracts, and a
 * retracted correction restores what it corrected. Only the "family" of a new record can change (its
 * ancestors through `corrects` and all their correctors), so the store loads that family inside the writing
 * transaction, this module recomputes its standings before and after, and the store applies the differences.
 */
import {
  AMOUNT_DECIMALS,
  VALUE_USD_DECIMALS,
  formatDecimal,
  parseDecimal,
  recordStandings,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
  type Stats,
} from "../../core";

export const INFLOW_KINDS: ReadonlySet<RecordKind> = new Set([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
]);
export const OUTFLOW_KINDS: ReadonlySet<RecordKind> = new Set(["DIVESTMENT", "GRANT", "EXPENSE"]);

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

const scaled = (text: string, decimals: number) => {
  const parsed = parseDecimal(text, decimals);
  return parsed.ok ? parsed.value : 0n;
};

export const counts = (record: RecordV1, standing: RecordStanding) =>
  standing === "current" && record.kind !== "RETRACTION";

export const monthOf = (occurredAt: number) => new Date(occurredAt * 1000).toISOString().slice(0, 7);

/** The aggregate rows one record contributes (sign -1 to take it out). */
export function contributions(record: RecordV1, sign: 1 | -1): AggregateRow[] {
  const s = BigInt(sign);
  const value = scaled(record.valueUsd, VALUE_USD_DECIMALS) * s;
  const amount = scaled(record.amount, AMOUNT_DECIMALS) * s;
  return [
    { dim: "kind", key: record.kind, count: sign, a: value, b: 0n },
    {
      dim: "asset",
      key: record.asset,
      count: sign,
      a: INFLOW_KINDS.has(record.kind) ? amount : 0n,
      b: OUTFLOW_KINDS.has(record.kind) ? amount : 0n,
    },
    { dim: "month", key: `${monthOf(record.occurredAt)} ${record.kind}`, count: sign, a: value, b: 0n },
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
    const [was, is] = [counts(record, standing), counts(record, now)];
    if (was !== is) rows.push(...contributions(record, is ? 1 : -1));
    if (record.kind === "VALUATION") holdingAssets.add(record.asset);
  }
  for (const record of added) {
    const standing = after.get(record.seq) ?? "current";
    if (standing !== "current") standingChanges.push({ seq: record.seq, standing });
    if (counts(record, standing)) rows.push(...contributions(record, 1));
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
  const live = rows.filter((r) => r.count > 0);
  const of = (dim: AggregateRow["dim"]) => live.filter((r) => r.dim === dim).sort((x, y) => cmp(x.key, y.key));
  return {
    totals,
    byKind: of("kind").map((r) => ({
      kind: r.key as RecordKind,
      count: r.count,
      valueUsd: formatDecimal(r.a, VALUE_USD_DECIMALS),
    })),
    byAsset: of("asset").map((r) => ({
      asset: r.key,
      inflow: formatDecimal(r.a, AMOUNT_DECIMALS),
      outflow: formatDecimal(r.b, AMOUNT_DECIMALS),
      count: r.count,
    })),
    byMonth: of("month")
      .map((r) => {
        const [month, kind] = r.key.split(" ") as [string, RecordKind];
        return { month, kind, count: r.count, valueUsd: formatDecimal(r.a, VALUE_USD_DECIMALS) };
      })
      .sort((x, y) => cmp(x.month, y.month) || cmp(x.kind, y.kind)),
    holdings: [...holdings]
      .sort((x, y) => cmp(x.asset, y.asset))
      .map((r) => ({ asset: r.asset, amount: r.amount, valueUsd: r.valueUsd, occurredAt: r.occurredAt, seq: r.seq })),
  };
}

/** The same order as computeStats (localeCompare). */
function cmp(x: string, y: string): number {
  return x.localeCompare(y);
}
