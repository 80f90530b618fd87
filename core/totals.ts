/**
 * The fund's totals by kind, asset and month, and its holdings, computed from records: the same figures as the
 * server's /api/v1/stats (core/api.ts `Stats`), so the page can show the ones it computed itself from records it
 * checked against the chain. Exact: every sum is a bigint over core's scaled decimals. Only current records count
 * (standing from core/standing.ts `recordStandings`, the one rule); retractions themselves move nothing.
 * Inflow kinds: INFLOW_* and INVESTMENT; outflow kinds: DIVESTMENT, GRANT, EXPENSE (docs/API.md).
 */
import { formatDecimal, parseDecimal } from "./decimal";
import { AMOUNT_DECIMALS, VALUE_USD_DECIMALS, type RecordKind, type RecordV1 } from "./record";
import type { Stats } from "./api";
import { recordStandings } from "./standing";

/** The fields of a record the totals read (a checked record, or its cached digest). */
export type TotalsRecord = Pick<RecordV1, "seq" | "kind" | "corrects" | "asset" | "amount" | "valueUsd" | "occurredAt">;

/** What /stats counts as an asset's inflow and outflow (not the reconciler's directions of money). */
export const STATS_INFLOW_KINDS: ReadonlySet<RecordKind> = new Set([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
]);
export const STATS_OUTFLOW_KINDS: ReadonlySet<RecordKind> = new Set(["DIVESTMENT", "GRANT", "EXPENSE"]);

function scaled(text: string, decimals: number): bigint {
  const parsed = parseDecimal(text, decimals);
  return parsed.ok ? parsed.value : 0n;
}

interface Sums {
  byKind: Map<RecordKind, { count: number; value: bigint }>;
  byAsset: Map<string, { inflow: bigint; outflow: bigint; count: number }>;
  byMonth: Map<string, { month: string; kind: RecordKind; count: number; value: bigint }>;
  holdings: Map<string, TotalsRecord>;
}

function add(sums: Sums, r: TotalsRecord): void {
  const value = scaled(r.valueUsd, VALUE_USD_DECIMALS);
  const amount = scaled(r.amount, AMOUNT_DECIMALS);
  const k = sums.byKind.get(r.kind) ?? { count: 0, value: 0n };
  k.count += 1;
  k.value += value;
  sums.byKind.set(r.kind, k);

  const a = sums.byAsset.get(r.asset) ?? { inflow: 0n, outflow: 0n, count: 0 };
  a.count += 1;
  if (STATS_INFLOW_KINDS.has(r.kind)) a.inflow += amount;
  if (STATS_OUTFLOW_KINDS.has(r.kind)) a.outflow += amount;
  sums.byAsset.set(r.asset, a);

  const month = new Date(r.occurredAt * 1000).toISOString().slice(0, 7);
  const m = sums.byMonth.get(`${month} ${r.kind}`) ?? { month, kind: r.kind, count: 0, value: 0n };
  m.count += 1;
  m.value += value;
  sums.byMonth.set(`${month} ${r.kind}`, m);

  if (r.kind !== "VALUATION") return;
  const held = sums.holdings.get(r.asset);
  // The latest valuation of each asset (by occurredAt, then seq).
  if (!held || r.occurredAt > held.occurredAt || (r.occurredAt === held.occurredAt && r.seq > held.seq))
    sums.holdings.set(r.asset, r);
}

const usd = (v: bigint) => formatDecimal(v, VALUE_USD_DECIMALS);

function toStats(sums: Sums, totals: Stats["totals"]): Stats {
  return {
    totals,
    byKind: [...sums.byKind.entries()]
      .map(([kind, v]) => ({ kind, count: v.count, valueUsd: usd(v.value) }))
      .sort((x, y) => x.kind.localeCompare(y.kind)),
    byAsset: [...sums.byAsset.entries()]
      .map(([asset, v]) => ({
        asset,
        inflow: formatDecimal(v.inflow, AMOUNT_DECIMALS),
        outflow: formatDecimal(v.outflow, AMOUNT_DECIMALS),
        count: v.count,
      }))
      .sort((x, y) => x.asset.localeCompare(y.asset)),
    byMonth: [...sums.byMonth.values()]
      .map((m) => ({ month: m.month, kind: m.kind, count: m.count, valueUsd: usd(m.value) }))
      .sort((x, y) => x.month.localeCompare(y.month) || x.kind.localeCompare(y.kind)),
    holdings: [...sums.holdings.values()]
      .map((r) => ({ asset: r.asset, amount: r.amount, valueUsd: r.valueUsd, occurredAt: r.occurredAt, seq: r.seq }))
      .sort((x, y) => x.asset.localeCompare(y.asset)),
  };
}

/**
 * Totals of the current records among `records` (standing is decided among these records only: a correction
 * outside them is not seen). `totals` is passed through (what the caller counted: records, batches…).
 */
export function computeTotals(records: readonly TotalsRecord[], totals: Stats["totals"]): Stats {
  const standings = recordStandings(records);
  const sums: Sums = { byKind: new Map(), byAsset: new Map(), byMonth: new Map(), holdings: new Map() };
  for (const r of records) if (standings.get(r.seq) === "current" && r.kind !== "RETRACTION") add(sums, r);
  return toStats(sums, totals);
}
