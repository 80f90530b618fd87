/**
 * The fund's totals recomputed from verified records only, with core's one standing rule (core/standing.ts):
 * only current records count, so a retracted correction restores the original. The shape is /api/v1/stats's
 * (without its counters), so the audit can compare the served statistics field by field.
 */
import {
  AMOUNT_DECIMALS,
  VALUE_USD_DECIMALS,
  formatDecimal,
  parseDecimal,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
  type Stats,
} from "../../../core";

export type FundTotals = Omit<Stats, "totals">;

const INFLOW_KINDS: ReadonlySet<RecordKind> = new Set([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
]);
const OUTFLOW_KINDS: ReadonlySet<RecordKind> = new Set(["DIVESTMENT", "GRANT", "EXPENSE"]);

const scaled = (text: string, decimals: number): bigint => {
  const parsed = parseDecimal(text, decimals);
  return parsed.ok ? parsed.value : 0n;
};

/** The month (UTC, YYYY-MM) a record's event happened in. */
export const monthOf = (record: RecordV1): string => new Date(record.occurredAt * 1000).toISOString().slice(0, 7);

export function fundTotals(records: Iterable<RecordV1>, standings: Map<number, RecordStanding>): FundTotals {
  const current = [...records].filter((r) => standings.get(r.seq) === "current" && r.kind !== "RETRACTION");
  const byKind = sumBy(current, (r) => r.kind);
  const byMonth = sumBy(current, (r) => `${monthOf(r)} ${r.kind}`);
  const byAsset = new Map<string, { inflow: bigint; outflow: bigint; count: number }>();
  const holdings = new Map<string, RecordV1>();
  for (const r of current) {
    const a = byAsset.get(r.asset) ?? { inflow: 0n, outflow: 0n, count: 0 };
    a.count += 1;
    if (INFLOW_KINDS.has(r.kind)) a.inflow += scaled(r.amount, AMOUNT_DECIMALS);
    if (OUTFLOW_KINDS.has(r.kind)) a.outflow += scaled(r.amount, AMOUNT_DECIMALS);
    byAsset.set(r.asset, a);
    const held = holdings.get(r.asset);
    const newer = !held || r.occurredAt > held.occurredAt || (r.occurredAt === held.occurredAt && r.seq > held.seq);
    if (r.kind === "VALUATION" && newer) holdings.set(r.asset, r);
  }
  const usd = (v: bigint) => formatDecimal(v, VALUE_USD_DECIMALS);
  return {
    byKind: [...byKind]
      .map(([kind, v]) => ({ kind: kind as RecordKind, count: v.count, valueUsd: usd(v.value) }))
      .sort(by("kind")),
    byAsset: [...byAsset]
      .map(([asset, v]) => ({
        asset,
        inflow: formatDecimal(v.inflow, AMOUNT_DECIMALS),
        outflow: formatDecimal(v.outflow, AMOUNT_DECIMALS),
        count: v.count,
      }))
      .sort(by("asset")),
    byMonth: [...byMonth]
      .map(([key, v]) => ({
        month: key.slice(0, 7),
        kind: key.slice(8) as RecordKind,
        count: v.count,
        valueUsd: usd(v.value),
      }))
      .sort((x, y) => x.month.localeCompare(y.month) || x.kind.localeCompare(y.kind)),
    holdings: [...holdings.values()]
      .map((r) => ({ asset: r.asset, amount: r.amount, valueUsd: r.valueUsd, occurredAt: r.occurredAt, seq: r.seq }))
      .sort(by("asset")),
  };
}

function sumBy(
  records: readonly RecordV1[],
  key: (r: RecordV1) => string,
): Map<string, { count: number; value: bigint }> {
  const sums = new Map<string, { count: number; value: bigint }>();
  for (const r of records) {
    const entry = sums.get(key(r)) ?? { count: 0, value: 0n };
    entry.count += 1;
    entry.value += scaled(r.valueUsd, VALUE_USD_DECIMALS);
    sums.set(key(r), entry);
  }
  return sums;
}

const by =
  <K extends string>(key: K) =>
  (x: Record<K, string>, y: Record<K, string>) =>
    x[key].localeCompare(y[key]);
