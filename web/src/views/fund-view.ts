/**
 * The fund: where the money came from, what it was used for, what is held (latest valuations), and how that
 * moved over time. Totals come from /api/v1/stats (exact decimal strings, current records only); investments by
 * asset and the valuations' course are summed here from the records, exactly, with core's decimal code.
 * This module and uPlot load only when the fund view opens.
 */
import uPlot from "uplot";
import { AMOUNT_DECIMALS, formatDecimal, parseDecimal, VALUE_USD_DECIMALS } from "../../../core/index";
import { dataSource, routeLink } from "../app";
import { h, replace } from "../dom";
import { formatUsd, formatUtc, groupDecimal } from "../format";
import { lang, t } from "../i18n";
import { errorMessage } from "../rpc";
import type { RecordItem, Stats } from "../source";
import { kindLabel } from "./common";

const SOURCES = ["INFLOW_SEIZURE", "INFLOW_MINING", "INFLOW_OTHER"];
const USES = ["INVESTMENT", "GRANT", "EXPENSE"];
/** Enough for any fund of this size; the page says nothing it has not summed in full (see capped below). */
const MAX_PAGES = 20;

export async function renderFund(main: HTMLElement, stillCurrent: () => boolean): Promise<void> {
  const source = dataSource();
  let stats: Stats;
  try {
    stats = await source.stats();
  } catch (error) {
    if (!stillCurrent()) return;
    const text =
      source.kind === "mirror"
        ? t("fund.notInMirror")
        : t("common.serverUnreachable", { message: errorMessage(error) });
    replace(main, h("h1", {}, t("fund.title")), h("p", { class: "form-error", role: "alert" }, text));
    return;
  }
  if (!stillCurrent()) return;
  const courseFigure = h("figure", { class: "chart", id: "chart-course" });
  const holdingsFigure = h("figure", { class: "chart", id: "chart-holdings" });
  const investments = h("div", { id: "investments-by-asset" }, h("p", { class: "loading" }, t("common.loading")));
  replace(
    main,
    h("h1", {}, t("fund.title")),
    h("p", { class: "intro" }, t("fund.intro")),
    // The server's /stats are not checked against the chain here: say so plainly (issue #10 item 6).
    h("p", { class: "warning", id: "fund-unchecked", role: "note" }, t("fund.unchecked")),
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
  const [investmentRecords, valuations] = await Promise.all([allCurrent("INVESTMENT"), allCurrent("VALUATION")]);
  if (!stillCurrent()) return;
  replace(investments, investmentTable(investmentRecords));
  drawHoldings(holdingsFigure, valuations);
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
            h("td", {}, String(r.count)),
            h("td", { class: "num" }, formatUsd(r.valueUsd, lang())),
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
                  h("td", {}, formatUtc(x.occurredAt)),
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
              h("td", {}, String(a.count)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Every current record of a kind (paged through nextCursor, at most MAX_PAGES pages). */
async function allCurrent(kind: string): Promise<RecordItem[]> {
  const out: RecordItem[] = [];
  let cursor: string | null = null;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await dataSource().records({ kind }, cursor, 500);
      out.push(...result.items.filter((item) => (item.standing ?? "current") === "current"));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  } catch {
    // The totals above stand on their own; a failed extra read leaves this part empty.
  }
  return out;
}

function investmentTable(items: RecordItem[]): HTMLElement {
  const byAsset = new Map<string, { amount: bigint; value: bigint; count: number }>();
  for (const item of items) {
    const r = item.record as { asset: string; amount: string; valueUsd: string };
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
              h("td", {}, String(e.count)),
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
              h("th", { scope: "row" }, m.month),
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

/** A lone point gets a month either side instead of uPlot's degenerate range. */
const timeScale = (): uPlot.Scale => ({
  time: true,
  range: (_u, min, max) => (min === max ? [min - 30 * 86_400, max + 30 * 86_400] : [min, max]),
});

const usdAxis = (): uPlot.Axis => ({
  values: (_u, ticks) => ticks.map((v) => `$${Intl.NumberFormat("en", { notation: "compact" }).format(v)}`),
  size: 60,
});

function drawCourse(figure: HTMLElement, stats: Stats): void {
  const rows = monthRows(stats);
  if (rows.length === 0) return void replace(figure, h("p", {}, t("common.none")));
  const xs = rows.map((r) => Date.parse(`${r.month}-01T00:00:00Z`) / 1000);
  mount(
    figure,
    t("fund.courseCaption"),
    {
      scales: { x: timeScale() },
      axes: [{}, usdAxis()],
      series: [
        {},
        { label: t("fund.inflows"), stroke: PALETTE[0], width: 2, points: { show: true } },
        { label: t("fund.outflows"), stroke: PALETTE[1], width: 2, dash: [6, 4], points: { show: true } },
      ],
    },
    [xs, rows.map((r) => Number(r.inflow)), rows.map((r) => Number(r.outflow))],
  );
}

/** Each asset's valuation over time, carried forward between valuations (what was last known held). */
function drawHoldings(figure: HTMLElement, valuations: RecordItem[]): void {
  const points = valuations
    .map((item) => item.record as { asset: string; valueUsd: string; occurredAt: number })
    .sort((a, b) => a.occurredAt - b.occurredAt);
  if (points.length === 0) return void replace(figure, h("p", {}, t("common.none")));
  const assets = [...new Set(points.map((p) => p.asset))];
  const xs = [...new Set(points.map((p) => p.occurredAt))];
  // What was last valued is still held as far as anyone knows: carry it to today.
  const now = Math.floor(Date.now() / 1000);
  if (xs[xs.length - 1]! < now) xs.push(now);
  const last = new Map<string, number>();
  const series: (number | null)[][] = assets.map(() => []);
  for (const x of xs) {
    for (const p of points) if (p.occurredAt === x) last.set(p.asset, Number(p.valueUsd));
    assets.forEach((asset, i) => series[i]!.push(last.get(asset) ?? null));
  }
  mount(
    figure,
    t("fund.holdingsCaption"),
    {
      scales: { x: timeScale() },
      axes: [{}, usdAxis()],
      series: [
        {},
        ...assets.map((asset, i) => ({
          label: asset,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          paths: uPlot.paths.stepped!({ align: 1 }),
        })),
      ],
    },
    [xs, ...series] as uPlot.AlignedData,
  );
}
