/**
 * The fund: where the money came from, what it was used for, what is held (latest valuations), and how that
 * moved over time. First the server's /api/v1/stats, labelled as unchecked; meanwhile the page checks every
 * anchored batch against the pinned registry (web/src/figures.ts) and then shows the totals it computed itself
 * from the checked records (core/protocol/totals.ts), labelled as checked, naming any batch that failed.
 * This module and uPlot load only when the fund view opens.
 */
import uPlot from "uplot";
import {
  AMOUNT_DECIMALS,
  formatDecimal,
  parseDecimal,
  recordStandings,
  VALUE_USD_DECIMALS,
  type TrustRoot,
} from "../../../core/index";
import { dataSource, routeLink } from "../app";
import { h, replace } from "../dom";
import {
  chainName,
  formatAxisMonth,
  formatCount,
  formatMonth,
  formatUsd,
  formatUsdCompact,
  formatUtc,
  formatUtcDate,
  groupDecimal,
} from "../format";
import { lang, t } from "../i18n";
import { errorMessage } from "../rpc";
import { checkFigures, pinnedBatchCount, pinnedChainReads, type CheckedFigures } from "../figures";
import { effectiveTrust, readerUrls } from "../settings";
import type { Stats } from "../source";
import { kindLabel } from "./common";

const SOURCES = ["INFLOW_SEIZURE", "INFLOW_MINING", "INFLOW_OTHER"];
const USES = ["INVESTMENT", "GRANT", "EXPENSE"];
/** Enough for any fund of this size; the page says nothing it has not summed in full (see capped below). */
const MAX_PAGES = 20;

export async function renderFund(main: HTMLElement, stillCurrent: () => boolean): Promise<void> {
  const source = dataSource();
  let serverStats: Stats | null = null;
  try {
    serverStats = await source.stats();
  } catch (error) {
    if (!stillCurrent()) return;
    // A mirror carries no totals: the page computes them itself below.
    if (source.kind !== "mirror") {
      const text = t("common.serverUnreachable", { message: errorMessage(error) });
      return replace(main, h("h1", {}, t("fund.title")), h("p", { class: "form-error", role: "alert" }, text));
    }
  }
  if (!stillCurrent()) return;
  const parts: FundParts = {
    label: h("div", { id: "fund-label" }),
    progress: h("p", { id: "fund-check", role: "status", "aria-live": "polite" }),
    figures: h("div", { id: "fund-figures" }),
  };
  replace(main, h("h1", {}, t("fund.title")), h("p", { class: "intro" }, t("fund.intro")), ...Object.values(parts));
  if (serverStats) {
    // The server's /stats are not checked against the chain: say so plainly until the page has checked them.
    replace(parts.label, h("p", { class: "warning", id: "fund-unchecked", role: "note" }, t("fund.unchecked")));
    const lists = Promise.all([allCurrent("INVESTMENT"), allCurrent("VALUATION")]);
    void renderFigures(parts.figures, serverStats, lists, stillCurrent);
  }
  await checkAgainstChain(parts, serverStats, stillCurrent);
}

interface FundParts {
  /** Says whose figures are shown: the server's, unchecked, or the page's own, checked. */
  label: HTMLElement;
  progress: HTMLElement;
  figures: HTMLElement;
}

type Listed = { asset: string; amount: string; valueUsd: string; occurredAt: number };

/** The figures' sections from `stats`, with the investments table and holdings chart once `lists` arrive. */
async function renderFigures(
  container: HTMLElement,
  stats: Stats,
  lists: Promise<[Listed[], Listed[]]>,
  stillCurrent: () => boolean,
): Promise<void> {
  const courseFigure = h("figure", { class: "chart", id: "chart-course" });
  const holdingsFigure = h("figure", { class: "chart", id: "chart-holdings" });
  const investments = h("div", { id: "investments-by-asset" }, h("p", { class: "loading" }, t("common.loading")));
  replace(
    container,
    h("p", { id: "fund-totals" }, t("fund.totals", stats.totals)),
    h(
      "div",
      { class: "cards" },
      kindCard("fund-sources", t("fund.sources"), stats, SOURCES),
      kindCard("fund-uses", t("fund.uses"), stats, USES),
    ),
    h(
      "section",
      { "aria-labelledby": "investments-title" },
      h("h2", { id: "investments-title" }, t("fund.investmentsByAsset")),
      investments,
    ),
    holdingsSection(stats),
    h(
      "section",
      { "aria-labelledby": "course-title" },
      h("h2", { id: "course-title" }, t("fund.course")),
      courseFigure,
      holdingsFigure,
      monthTable(stats),
    ),
    byAssetSection(stats),
  );
  drawCourse(courseFigure, stats);
  const [investmentRecords, valuations] = await lists;
  if (!stillCurrent() || !investments.isConnected) return;
  replace(investments, investmentTable(investmentRecords));
  drawHoldings(holdingsFigure, valuations);
}

/** Runs the in-browser check (web/src/figures.ts) and, when done, shows the page's own checked figures. */
async function checkAgainstChain(parts: FundParts, serverStats: Stats | null, stillCurrent: () => boolean) {
  const { trust } = effectiveTrust();
  const urls = readerUrls();
  const cannot = (reason: string) => replace(parts.progress, t("fund.cannotCheck", { reason }));
  if (!trust) return cannot(t("fund.noTrust"));
  if (urls.length === 0) return cannot(t("fund.noReaders"));
  let result: CheckedFigures;
  try {
    const reads = pinnedChainReads(trust, urls);
    result = await checkFigures({
      source: dataSource(),
      trust,
      reads,
      readers: urls,
      chainBatchCount: pinnedBatchCount(trust, urls, reads),
      stillCurrent,
      onProgress: (checked, total) => replace(parts.progress, t("fund.checkProgress", { checked, total })),
    });
  } catch (error) {
    if (stillCurrent()) cannot(t("fund.checkError", { message: errorMessage(error) }));
    return;
  }
  if (!stillCurrent()) return;
  replace(parts.progress, t("fund.checkDone", { checked: result.totalBatches, total: result.totalBatches }));
  parts.progress.setAttribute("data-done", "true");
  // For tests: where the batches were judged (a worker or the main thread) and with which Keccak.
  if (result.checkedBy) {
    parts.progress.setAttribute("data-checker", result.checkedBy.where);
    parts.progress.setAttribute("data-keccak", result.checkedBy.keccak);
  }
  // A failing batch may hide a RETRACTION (or any record): totals without it would show a voided inflow as
  // checked. So no checked figures while any batch fails: the server's stay, labelled unchecked, with the reasons.
  if (result.failed.length > 0) return replace(parts.label, ...uncheckedNote(result));
  replace(parts.label, checkedNote(result, trust, serverStats));
  const standings = recordStandings(result.records);
  const current = result.records.filter((r) => standings.get(r.seq) === "current");
  const ofKind = (kind: string) => current.filter((r) => r.kind === kind);
  void renderFigures(
    parts.figures,
    result.stats,
    Promise.resolve([ofKind("INVESTMENT"), ofKind("VALUATION")]),
    stillCurrent,
  );
}

function uncheckedNote(result: CheckedFigures): HTMLElement[] {
  return [
    h("p", { class: "warning", id: "fund-unchecked", role: "note" }, t("fund.unchecked")),
    h(
      "p",
      { class: "warning", id: "fund-incomplete", "data-failed": String(result.failed.length) },
      t("fund.noCheckedWhileFailing", { failed: result.failed.length, total: result.totalBatches }),
    ),
    ...failedList(result),
  ];
}

function failedList(result: CheckedFigures): HTMLElement[] {
  if (result.failed.length === 0) return [];
  return [
    h(
      "ul",
      { class: "warning", id: "fund-failed", role: "alert" },
      result.failed.map((f) =>
        h(
          "li",
          { "data-batch": String(f.id), "data-problem": f.problem },
          t("fund.batchFailed", { id: f.id, reason: t(`fund.problem.${f.problem}`, { seq: f.seq ?? "?" }) }),
        ),
      ),
    ),
  ];
}

function checkedNote(result: CheckedFigures, trust: TrustRoot, serverStats: Stats | null): HTMLElement[] {
  const { records, batches } = result.stats.totals;
  const notCounted = serverStats ? serverStats.totals.records - records : 0;
  return [
    h(
      "p",
      { class: "ok", id: "fund-checked", role: "note" },
      t("fund.checked", { records, batches, registry: trust.registry, chainId: chainName(trust.chainId) }),
    ),
    ...(notCounted > 0
      ? [h("p", { class: "warning", id: "fund-not-counted" }, t("fund.notCounted", { count: notCounted }))]
      : []),
    ...failedList(result),
  ];
}

function sumUsd(values: string[]): string {
  let total = 0n;
  for (const v of values) {
    const parsed = parseDecimal(v, VALUE_USD_DECIMALS);
    if (parsed.ok) total += parsed.value;
  }
  return formatDecimal(total, VALUE_USD_DECIMALS);
}

function kindCard(id: string, title: string, stats: Stats, kinds: string[]): HTMLElement {
  const rows = kinds.map((kind) => stats.byKind.find((k) => k.kind === kind) ?? { kind, count: 0, valueUsd: "0" });
  const total = sumUsd(rows.map((r) => r.valueUsd));
  return h(
    "section",
    { class: "card", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    h("p", { class: "card-total" }, formatUsd(total, lang())),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data-table compact" },
        h("caption", { class: "sr-only" }, title),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("field.kind")),
            h("th", { scope: "col" }, t("fund.count")),
            h("th", { scope: "col", class: "num" }, t("fund.value")),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              { "data-kind": r.kind },
              h("th", { scope: "row" }, kindLabel(r.kind)),
              h("td", { class: "num" }, formatCount(r.count)),
              h("td", { class: "num" }, formatUsd(r.valueUsd, lang())),
            ),
          ),
        ),
      ),
    ),
  );
}

function holdingsSection(stats: Stats): HTMLElement {
  const max = stats.holdings.reduce((m, x) => Math.max(m, Number(x.valueUsd)), 0) || 1;
  return h(
    "section",
    { "aria-labelledby": "holdings-title", id: "holdings" },
    h("h2", { id: "holdings-title" }, t("fund.holdings")),
    stats.holdings.length === 0
      ? h("p", {}, t("common.none"))
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "data-table" },
            h("caption", { class: "sr-only" }, t("fund.holdings")),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                [t("field.asset"), t("field.amount"), t("fund.value"), t("fund.asOf"), t("field.seq")].map((x) =>
                  h("th", { scope: "col" }, x),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              stats.holdings.map((x) => {
                const bar = h("span", { class: "bar", "aria-hidden": "true" });
                bar.style.width = `${Math.max(1, Math.round((Number(x.valueUsd) / max) * 100))}%`;
                return h(
                  "tr",
                  { "data-asset": x.asset },
                  h("th", { scope: "row" }, x.asset),
                  h("td", { class: "num" }, groupDecimal(x.amount, lang())),
                  h("td", { class: "num" }, h("span", { class: "bar-cell" }, bar, formatUsd(x.valueUsd, lang()))),
                  h("td", { title: formatUtc(x.occurredAt) }, formatUtcDate(x.occurredAt)),
                  h("td", {}, routeLink(`verify/${x.seq}`, {}, `#${x.seq}`)),
                );
              }),
            ),
          ),
        ),
  );
}

function byAssetSection(stats: Stats): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "by-asset-title" },
    h("h2", { id: "by-asset-title" }, t("fund.byAsset")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data-table", id: "by-asset" },
        h("caption", { class: "sr-only" }, t("fund.byAsset")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [t("field.asset"), t("fund.inflow"), t("fund.outflow"), t("fund.count")].map((x) =>
              h("th", { scope: "col" }, x),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          stats.byAsset.map((a) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, a.asset),
              h("td", { class: "num" }, groupDecimal(a.inflow, lang())),
              h("td", { class: "num" }, groupDecimal(a.outflow, lang())),
              h("td", { class: "num" }, formatCount(a.count)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Every current record of a kind (paged through nextCursor, at most MAX_PAGES pages). */
async function allCurrent(kind: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let cursor: string | null = null;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await dataSource().records({ kind }, cursor, 500);
      const current = result.items.filter((item) => (item.standing ?? "current") === "current");
      out.push(...current.map((item) => item.record as Listed));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  } catch {
    // The totals above stand on their own; a failed extra read leaves this part empty.
  }
  return out;
}

function investmentTable(items: Listed[]): HTMLElement {
  const byAsset = new Map<string, { amount: bigint; value: bigint; count: number }>();
  for (const r of items) {
    const amount = parseDecimal(r.amount, AMOUNT_DECIMALS);
    const value = parseDecimal(r.valueUsd, VALUE_USD_DECIMALS);
    if (!amount.ok || !value.ok) continue;
    const entry = byAsset.get(r.asset) ?? { amount: 0n, value: 0n, count: 0 };
    entry.amount += amount.value;
    entry.value += value.value;
    entry.count += 1;
    byAsset.set(r.asset, entry);
  }
  if (byAsset.size === 0) return h("p", {}, t("common.none"));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data-table" },
      h("caption", { class: "sr-only" }, t("fund.investmentsByAsset")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [t("field.asset"), t("field.amount"), t("fund.value"), t("fund.count")].map((x) =>
            h("th", { scope: "col" }, x),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        [...byAsset.entries()]
          .sort((a, b) => (b[1].value > a[1].value ? 1 : b[1].value < a[1].value ? -1 : 0))
          .map(([asset, e]) =>
            h(
              "tr",
              { "data-asset": asset },
              h("th", { scope: "row" }, asset),
              h("td", { class: "num" }, groupDecimal(formatDecimal(e.amount, AMOUNT_DECIMALS), lang())),
              h("td", { class: "num" }, formatUsd(formatDecimal(e.value, VALUE_USD_DECIMALS), lang())),
              h("td", { class: "num" }, formatCount(e.count)),
            ),
          ),
      ),
    ),
  );
}

interface MonthRow {
  month: string;
  inflow: string;
  outflow: string;
}

function monthRows(stats: Stats): MonthRow[] {
  const months = [...new Set(stats.byMonth.map((m) => m.month))].sort();
  return months.map((month) => {
    const rows = stats.byMonth.filter((m) => m.month === month);
    return {
      month,
      inflow: sumUsd(rows.filter((r) => SOURCES.includes(r.kind)).map((r) => r.valueUsd)),
      outflow: sumUsd(rows.filter((r) => USES.includes(r.kind)).map((r) => r.valueUsd)),
    };
  });
}

function monthTable(stats: Stats): HTMLElement {
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, t("fund.courseCaption")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data-table", id: "by-month" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [t("fund.month"), t("fund.inflows"), t("fund.outflows")].map((x) => h("th", { scope: "col" }, x)),
          ),
        ),
        h(
          "tbody",
          {},
          monthRows(stats).map((m) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, h("time", { datetime: m.month }, formatMonth(m.month))),
              h("td", { class: "num" }, formatUsd(m.inflow, lang())),
              h("td", { class: "num" }, formatUsd(m.outflow, lang())),
            ),
          ),
        ),
      ),
    ),
  );
}

const PALETTE = ["#0a5c8a", "#b3541e", "#2e7d32", "#6a1b9a", "#8d6e00", "#c2185b", "#37474f"];

function chartWidth(figure: HTMLElement): number {
  return Math.max(280, Math.min(900, (figure.parentElement?.clientWidth ?? 600) - 8));
}

function mount(
  figure: HTMLElement,
  caption: string,
  opts: Omit<uPlot.Options, "width" | "height">,
  data: uPlot.AlignedData,
): void {
  const plotBox = h("div", { role: "img", "aria-label": caption, class: "plot" });
  replace(figure, plotBox, h("figcaption", {}, caption));
  const plot = new uPlot({ ...opts, width: chartWidth(figure), height: 240 }, data, plotBox);
  const observer = new ResizeObserver(() => {
    if (!figure.isConnected) return observer.disconnect();
    plot.setSize({ width: chartWidth(figure), height: 240 });
  });
  if (figure.parentElement) observer.observe(figure.parentElement);
}

const monthOf = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 7);

/** A lone point gets a month either side instead of uPlot's degenerate range. */
const timeScale = (): uPlot.Scale => ({
  time: true,
  range: (_u, min, max) => (min === max ? [min - 30 * 86_400, max + 30 * 86_400] : [min, max]),
});

/** Dollars on the axis in the page's language ("$1.2M", "1,2 млн $"). */
const usdAxis = (): uPlot.Axis => ({
  values: (_u, ticks) => ticks.map((v) => formatUsdCompact(v)),
  size: 70,
});

/** Months on the axis in the page's language, in UTC (as every date on the page); one label per tick. */
const timeAxis = (): uPlot.Axis => ({
  values: (_u, ticks) => ticks.map((ts) => formatAxisMonth(ts)),
  // Room for "2026 ж. нау." / "мар. 2026 г.": uPlot picks fewer ticks rather than overlapping labels.
  space: 100,
});

/** What uPlot shows and uses for time: UTC, never the browser's own zone. */
const utc = {
  tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
};

/** A series' legend value: dollars in the page's language, a dash where there is none. */
const usdValue = (_u: uPlot, value: number | null) =>
  value === null || value === undefined ? "—" : formatUsd(value.toFixed(2).replace(/\.00$/, ""));

function drawCourse(figure: HTMLElement, stats: Stats): void {
  const rows = monthRows(stats);
  if (rows.length === 0) return void replace(figure, h("p", {}, t("common.none")));
  const xs = rows.map((r) => Date.parse(`${r.month}-01T00:00:00Z`) / 1000);
  mount(
    figure,
    t("fund.courseCaption"),
    {
      ...utc,
      scales: { x: timeScale() },
      axes: [timeAxis(), usdAxis()],
      series: [
        { label: t("fund.month"), value: (_u, ts) => (ts === null ? "—" : formatMonth(monthOf(ts))) },
        { label: t("fund.inflows"), stroke: PALETTE[0], width: 2, points: { show: true }, value: usdValue },
        {
          label: t("fund.outflows"),
          stroke: PALETTE[1],
          width: 2,
          dash: [6, 4],
          points: { show: true },
          value: usdValue,
        },
      ],
    },
    [xs, rows.map((r) => Number(r.inflow)), rows.map((r) => Number(r.outflow))],
  );
}

/** Each asset's valuation over time, carried forward between valuations (what was last known held). */
function drawHoldings(figure: HTMLElement, valuations: Listed[]): void {
  const points = [...valuations].sort((a, b) => a.occurredAt - b.occurredAt);
  if (points.length === 0) return void replace(figure, h("p", {}, t("common.none")));
  const assets = [...new Set(points.map((p) => p.asset))];
  const xs = [...new Set(points.map((p) => p.occurredAt))];
  // What was last valued is still held as far as anyone knows: carry it to today.
  const now = Math.floor(Date.now() / 1000);
  if (xs[xs.length - 1]! < now) xs.push(now);
  const last = new Map<string, number>();
  const series: (number | null)[][] = assets.map(() => []);
  // One pass over the sorted points (a scan of every point per date took half a second for 10 k valuations).
  let next = 0;
  for (const x of xs) {
    for (; next < points.length && points[next]!.occurredAt === x; next++)
      last.set(points[next]!.asset, Number(points[next]!.valueUsd));
    assets.forEach((asset, i) => series[i]!.push(last.get(asset) ?? null));
  }
  mount(
    figure,
    t("fund.holdingsCaption"),
    {
      ...utc,
      scales: { x: timeScale() },
      axes: [timeAxis(), usdAxis()],
      series: [
        { label: t("fund.date"), value: (_u, ts) => (ts === null ? "—" : formatUtcDate(ts)) },
        ...assets.map((asset, i) => ({
          label: asset,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          value: usdValue,
          paths: uPlot.paths.stepped!({ align: 1 }),
        })),
      ],
    },
    [xs, ...series] as uPlot.AlignedData,
  );
}
