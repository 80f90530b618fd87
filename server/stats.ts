/**
 * The reference for the statistics the store keeps at write time (server/store/aggregates.ts): computed from
 * every record at once, exact: every sum is a bigint over the scaled integers of core's
 * decimal rules, formatted back to a decimal string. Only current records count (a superseded or
 * retracted record, and the retraction itself, are left out).
 */
import {
  AMOUNT_DECIMALS,
  VALUE_USD_DECIMALS,
  formatDecimal,
  parseDecimal,
  recordStandings,
  type RecordKind,
  type RecordV1,
  type Stats,
} from "../core";

export type { Stats } from "../core";
import { INFLOW_KINDS, OUTFLOW_KINDS } from "./store/aggregates";

function scaled(text: string, decimals: number): bigint {
  const parsed = parseDecimal(text, decimals);
  return parsed.ok ? parsed.value : 0n;
}

export function computeStats(records: readonly RecordV1[], totals: Stats["totals"]): Stats {
  const standings = recordStandings(records);
  const current = records.filter((r) => standings.get(r.seq) === "current" && r.kind !== "RETRACTION");

  const byKind = new Map<RecordKind, { count: number; value: bigint }>();
  const byAsset = new Map<string, { inflow: bigint; outflow: bigint; count: number }>();
  const byMonth = new Map<string, { month: string; kind: RecordKind; count: number; value: bigint }>();
  const holdings = new Map<string, RecordV1>();

  for (const r of current) {
    const value = scaled(r.valueUsd, VALUE_USD_DECIMALS);
    const amount = scaled(r.amount, AMOUNT_DECIMALS);
    const k = byKind.get(r.kind) ?? { count: 0, value: 0n };
    k.count += 1;
    k.value += value;
    byKind.set(r.kind, k);

    const a = byAsset.get(r.asset) ?? { inflow: 0n, outflow: 0n, count: 0 };
    a.count += 1;
    if (INFLOW_KINDS.has(r.kind)) a.inflow += amount;
    if (OUTFLOW_KINDS.has(r.kind)) a.outflow += amount;
    byAsset.set(r.asset, a);

    const month = new Date(r.occurredAt * 1000).toISOString().slice(0, 7);
    const key = `${month} ${r.kind}`;
    const m = byMonth.get(key) ?? { month, kind: r.kind, count: 0, value: 0n };
    m.count += 1;
    m.value += value;
    byMonth.set(key, m);

    if (r.kind === "VALUATION") {
      const held = holdings.get(r.asset);
      if (!held || r.occurredAt > held.occurredAt || (r.occurredAt === held.occurredAt && r.seq > held.seq))
        holdings.set(r.asset, r);
    }
  }

  return {
    totals,
    byKind: [...byKind.entries()]
      .map(([kind, v]) => ({ kind, count: v.count, valueUsd: formatDecimal(v.value, VALUE_USD_DECIMALS) }))
      .sort((x, y) => x.kind.localeCompare(y.kind)),
    byAsset: [...byAsset.entries()]
      .map(([asset, v]) => ({
        asset,
        inflow: formatDecimal(v.inflow, AMOUNT_DECIMALS),
        outflow: formatDecimal(v.outflow, AMOUNT_DECIMALS),
        count: v.count,
      }))
      .sort((x, y) => x.asset.localeCompare(y.asset)),
    byMonth: [...byMonth.values()]
      .map((m) => ({
        month: m.month,
        kind: m.kind,
        count: m.count,
        valueUsd: formatDecimal(m.value, VALUE_USD_DECIMALS),
      }))
      .sort((x, y) => x.month.localeCompare(y.month) || x.kind.localeCompare(y.kind)),
    holdings: [...holdings.values()]
      .map((r) => ({ asset: r.asset, amount: r.amount, valueUsd: r.valueUsd, occurredAt: r.occurredAt, seq: r.seq }))
      .sort((x, y) => x.asset.localeCompare(y.asset)),
  };
}
