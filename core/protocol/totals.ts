/**
 * The fund's figures by kind, asset and month, and its holdings: the one definition behind the server's
 * /api/v1/stats (kept at write time by server/store/internal/aggregates.ts from the same contributions), the page's
 * figures computed from records it checked against the chain, and the audit's recomputation. Exact: every sum
 * is a bigint over core's scaled decimals. Only current records count (standing from core/protocol/standing.ts
 * `recordStandings`, the one rule); retractions themselves move nothing.
 * Inflow kinds: INFLOW_* and INVESTMENT; outflow kinds: DIVESTMENT, GRANT, EXPENSE (docs/API.md).
 */
import { formatDecimal, scaledOrZero } from "./decimal";
import { AMOUNT_DECIMALS, VALUE_USD_DECIMALS, type RecordKind, type RecordStanding, type RecordV1 } from "./record";
import type { Stats } from "./api";
import { recordStandings } from "./standing";

/** The fields of a record the totals read (a checked record, or its cached digest). */
export type TotalsRecord = Pick<RecordV1, "seq" | "kind" | "corrects" | "asset" | "amount" | "valueUsd" | "occurredAt">;

/** The figures without the counters: what records alone determine. */
export type FundFigures = Omit<Stats, "totals">;

/** What /stats counts as an asset's inflow and outflow (not the reconciler's directions of money). */
export const STATS_INFLOW_KINDS: ReadonlySet<RecordKind> = new Set([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
]);
export const STATS_OUTFLOW_KINDS: ReadonlySet<RecordKind> = new Set(["DIVESTMENT", "GRANT", "EXPENSE"]);

/** Whether a record of this standing is in the figures: current, and not a retraction. */
export const countsInFigures = (record: Pick<RecordV1, "kind">, standing: RecordStanding | undefined): boolean =>
  standing === "current" && record.kind !== "RETRACTION";

/** The month (UTC, YYYY-MM) of a unix time in seconds: the byMonth key. */
export const monthOf = (occurredAt: number): string => new Date(occurredAt * 1000).toISOString().slice(0, 7);

/** What one counting record adds to the sums, as scaled integers. */
export interface Contribution {
  value: bigint;
  inflow: bigint;
  outflow: bigint;
  month: string;
}

export function contributionOf(r: TotalsRecord): Contribution {
  const amount = scaledOrZero(r.amount, AMOUNT_DECIMALS);
  return {
    value: scaledOrZero(r.valueUsd, VALUE_USD_DECIMALS),
    inflow: STATS_INFLOW_KINDS.has(r.kind) ? amount : 0n,
    outflow: STATS_OUTFLOW_KINDS.has(r.kind) ? amount : 0n,
    month: monthOf(r.occurredAt),
  };
}

/** True when valuation `r` replaces `held` as its asset's holding: the latest by occurredAt, then seq. */
export function isLaterValuation(r: TotalsRecord, held: TotalsRecord | undefined): boolean {
  return !held || r.occurredAt > held.occurredAt || (r.occurredAt === held.occurredAt && r.seq > held.seq);
}

/** Running sums, keyed as the Stats arrays are (byMonth by "YYYY-MM KIND"). */
export interface FundSums {
  byKind: Map<RecordKind, { count: number; value: bigint }>;
  byAsset: Map<string, { inflow: bigint; outflow: bigint; count: number }>;
  byMonth: Map<string, { month: string; kind: RecordKind; count: number; value: bigint }>;
  holdings: Map<string, TotalsRecord>;
}

export function emptySums(): FundSums {
  return { byKind: new Map(), byAsset: new Map(), byMonth: new Map(), holdings: new Map() };
}

function add(sums: FundSums, r: TotalsRecord): void {
  const c = contributionOf(r);
  const k = sums.byKind.get(r.kind) ?? { count: 0, value: 0n };
  k.count += 1;
  k.value += c.value;
  sums.byKind.set(r.kind, k);

  const a = sums.byAsset.get(r.asset) ?? { inflow: 0n, outflow: 0n, count: 0 };
  a.count += 1;
  a.inflow += c.inflow;
  a.outflow += c.outflow;
  sums.byAsset.set(r.asset, a);

  const key = `${c.month} ${r.kind}`;
  const m = sums.byMonth.get(key) ?? { month: c.month, kind: r.kind, count: 0, value: 0n };
  m.count += 1;
  m.value += c.value;
  sums.byMonth.set(key, m);

  if (r.kind === "VALUATION" && isLaterValuation(r, sums.holdings.get(r.asset))) sums.holdings.set(r.asset, r);
}

const usd = (v: bigint) => formatDecimal(v, VALUE_USD_DECIMALS);

/** The sums as the Stats arrays, formatted and sorted (kind, asset, month then kind). */
export function figuresOf(sums: FundSums): FundFigures {
  return {
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
 * The figures of the current records among `records`. Standing is decided among these records unless the
 * caller passes standings decided over more (the audit decides them over the whole registry).
 */
export function fundFigures(
  records: Iterable<TotalsRecord>,
  standings?: ReadonlyMap<number, RecordStanding>,
): FundFigures {
  const list = [...records];
  const decided = standings ?? recordStandings(list);
  const sums = emptySums();
  for (const r of list) if (countsInFigures(r, decided.get(r.seq))) add(sums, r);
  return figuresOf(sums);
}

/** fundFigures with the caller's counters (what it counted: records, batches…) in front: a Stats answer. */
export function computeTotals(records: Iterable<TotalsRecord>, totals: Stats["totals"]): Stats {
  return { totals, ...fundFigures(records) };
}
