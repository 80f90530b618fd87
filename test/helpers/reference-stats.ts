/**
 * Test-only naive reference for the fund's figures (docs/API.md `/api/v1/stats`), written from the document and
 * not from core/protocol/totals.ts, so that a mistake in the one definition (a kind counted as inflow, a sum, a sort, a
 * holding) is not shared by the value it is compared with. Only the standing rule (core/protocol/standing.ts, with its
 * own reference test) and the decimal primitives are core's.
 */
import {
  AMOUNT_DECIMALS,
  VALUE_USD_DECIMALS,
  formatDecimal,
  parseDecimal,
  recordStandings,
  type RecordV1,
  type Stats,
} from "../../core";

const INFLOW = ["INFLOW_SEIZURE", "INFLOW_MINING", "INFLOW_OTHER", "INVESTMENT"];
const OUTFLOW = ["DIVESTMENT", "GRANT", "EXPENSE"];

const big = (text: string, decimals: number) => {
  const parsed = parseDecimal(text, decimals);
  if (!parsed.ok) throw new Error(`not a decimal: ${text}`);
  return parsed.value;
};
const byText =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a).localeCompare(key(b));

export function referenceStats(records: readonly RecordV1[], totals: Stats["totals"]): Stats {
  const standings = recordStandings(records);
  const counted = records.filter((r) => standings.get(r.seq) === "current" && r.kind !== "RETRACTION");
  const groups = (key: (r: RecordV1) => string) => {
    const out = new Map<string, RecordV1[]>();
    for (const r of counted) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
    return [...out.entries()];
  };
  const usd = (rs: RecordV1[]) =>
    formatDecimal(
      rs.reduce((s, r) => s + big(r.valueUsd, VALUE_USD_DECIMALS), 0n),
      VALUE_USD_DECIMALS,
    );
  const amount = (rs: RecordV1[], kinds: string[]) =>
    formatDecimal(
      rs.filter((r) => kinds.includes(r.kind)).reduce((s, r) => s + big(r.amount, AMOUNT_DECIMALS), 0n),
      AMOUNT_DECIMALS,
    );
  const month = (r: RecordV1) => new Date(r.occurredAt * 1000).toISOString().slice(0, 7);
  const latest = (rs: RecordV1[]) =>
    rs.reduce((a, b) => (b.occurredAt > a.occurredAt || (b.occurredAt === a.occurredAt && b.seq > a.seq) ? b : a));
  return {
    totals,
    byKind: groups((r) => r.kind)
      .map(([kind, rs]) => ({ kind: kind as RecordV1["kind"], count: rs.length, valueUsd: usd(rs) }))
      .sort(byText((x) => x.kind)),
    byAsset: groups((r) => r.asset)
      .map(([asset, rs]) => ({ asset, inflow: amount(rs, INFLOW), outflow: amount(rs, OUTFLOW), count: rs.length }))
      .sort(byText((x) => x.asset)),
    byMonth: groups((r) => `${month(r)} ${r.kind}`)
      .map(([, rs]) => ({ month: month(rs[0]!), kind: rs[0]!.kind, count: rs.length, valueUsd: usd(rs) }))
      .sort((x, y) => x.month.localeCompare(y.month) || x.kind.localeCompare(y.kind)),
    holdings: groups((r) => (r.kind === "VALUATION" ? r.asset : ""))
      .filter(([asset]) => asset !== "")
      .map(([, rs]) => latest(rs))
      .map((r) => ({ asset: r.asset, amount: r.amount, valueUsd: r.valueUsd, occurredAt: r.occurredAt, seq: r.seq }))
      .sort(byText((x) => x.asset)),
  };
}
