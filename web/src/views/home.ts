/**
 * The landing's welcome, under the lookup form: the newest records as the data source lists them (each a link to
 * its verification) and three plain steps of how a check works. The list loads only after the page is interactive;
 * when it fails it leaves a quiet note and never touches verification.
 */
import { routeLink } from "../app";
import { h, replace } from "../dom";
import { formatUtc, formatUtcDate, groupDecimal } from "../format";
import { t, type MessageKey } from "../i18n";
import type { DataSource, RecordItem } from "../source";
import { kindLabel, standingLabel, statusLabel } from "./common";

export const LATEST_COUNT = 8;

interface ListedRecord {
  seq: number;
  kind: string;
  asset: string;
  amount: string;
  occurredAt: number;
}

/** The last list shown, so a language switch re-renders it without asking the data source again. */
let cached: { source: DataSource; items: RecordItem[] } | null = null;

/**
 * The seqs worth asking for, newest first. A server numbers records 1, 2, 3… without gaps, so its count is the
 * newest seq (the batches are the fallback: they miss records not yet in a batch). A mirror shows its last batch.
 */
async function newestSeqs(source: DataSource, count: number): Promise<number[]> {
  let first = 1;
  let last: number | null = null;
  if (source.kind === "api") {
    try {
      const n = (await source.stats()).totals.records;
      if (Number.isSafeInteger(n) && n >= 0) last = n;
    } catch {
      // The batches tell as well.
    }
  }
  if (last === null) {
    const [newest] = (await source.batches(null, 1)).items;
    if (!newest) return [];
    last = newest.firstSeq + newest.leafCount - 1;
    if (source.kind === "mirror") first = newest.firstSeq;
  }
  const seqs: number[] = [];
  for (let seq = last; seq >= Math.max(first, 1) && seqs.length < count; seq--) seqs.push(seq);
  return seqs;
}

function listed(item: RecordItem | null, seq: number): item is RecordItem {
  const r = item?.record as Partial<ListedRecord> | null | undefined;
  return (
    typeof r === "object" &&
    r !== null &&
    r.seq === seq &&
    typeof r.kind === "string" &&
    typeof r.asset === "string" &&
    (typeof r.amount === "string" || typeof r.amount === "number") &&
    typeof r.occurredAt === "number"
  );
}

/** The newest records, newest first (as served: the list is an invitation to verify, not a verdict). */
export async function latestRecords(source: DataSource, count = LATEST_COUNT): Promise<RecordItem[]> {
  const seqs = await newestSeqs(source, count);
  const settled = await Promise.allSettled(seqs.map((seq) => source.record(seq)));
  const items = settled.flatMap((s, i) => (s.status === "fulfilled" && listed(s.value, seqs[i]!) ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (items.length === 0 && failed) throw failed.reason;
  return items;
}

export function badge(kind: "ok" | "wait" | "muted" | "bad", text: string): HTMLElement {
  return h("span", { class: `badge badge-${kind}` }, text);
}

function recordRow(item: RecordItem): HTMLElement {
  const r = item.record as ListedRecord;
  const standing = item.standing === "superseded" || item.standing === "retracted" ? item.standing : null;
  const iso = new Date(r.occurredAt * 1000).toISOString();
  return h(
    "tr",
    {
      "data-seq": r.seq,
      "data-status": item.status,
      "data-standing": item.standing ?? null,
      class: standing ? "not-current" : null,
    },
    h(
      "th",
      { scope: "row" },
      routeLink(`verify/${r.seq}`, { "aria-label": `${t("common.verify")} #${r.seq}` }, `#${r.seq}`),
    ),
    h("td", { class: "kind" }, kindLabel(r.kind)),
    // The asset may go under a long amount (18 decimals), never the digits apart: they are grouped with no-break spaces.
    h("td", { class: "num amount" }, `${groupDecimal(String(r.amount))} `, h("span", { class: "asset" }, r.asset)),
    h(
      "td",
      { class: "date" },
      h("time", { datetime: iso.slice(0, 10), title: formatUtc(r.occurredAt) }, formatUtcDate(r.occurredAt)),
    ),
    h(
      "td",
      { class: "badges" },
      badge(item.status === "anchored" ? "ok" : "wait", statusLabel(item.status)),
      standing ? [" ", badge(standing === "retracted" ? "bad" : "muted", standingLabel(standing))] : null,
    ),
  );
}

function recordTable(items: RecordItem[]): HTMLElement {
  const headers: MessageKey[] = ["field.seq", "field.kind", "field.amount", "field.occurredAt", "field.status"];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data-table", id: "latest-table" },
      h("caption", { class: "sr-only" }, t("home.latestCaption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((key) => h("th", { scope: "col", class: key === "field.amount" ? "num" : null }, t(key))),
        ),
      ),
      h("tbody", {}, items.map(recordRow)),
    ),
  );
}

function showList(body: HTMLElement, items: RecordItem[]): void {
  body.removeAttribute("aria-busy");
  if (items.length === 0) return replace(body, h("p", { class: "hint" }, t("common.none")));
  replace(
    body,
    recordTable(items),
    h("p", { class: "more-link" }, routeLink("ledger", { id: "latest-all" }, t("home.allRecords"))),
  );
}

/** Runs `work` once the page has loaded and the browser is idle, so the verify path never waits for it. */
function afterInteractive(work: () => void): void {
  const idle = () => {
    if (typeof requestIdleCallback === "function") requestIdleCallback(() => work(), { timeout: 1500 });
    else setTimeout(work, 50);
  };
  if (document.readyState === "complete") idle();
  else window.addEventListener("load", idle, { once: true });
}

function latestSection(source: DataSource, options: { languageChanged: boolean }): HTMLElement {
  const body = h("div", { id: "latest-body", "aria-busy": "true" }, h("p", { class: "loading" }, t("common.loading")));
  const load = async () => {
    try {
      const items = await latestRecords(source);
      cached = { source, items };
      if (body.isConnected) showList(body, items);
    } catch {
      if (!body.isConnected) return;
      body.removeAttribute("aria-busy");
      replace(body, h("p", { class: "hint", id: "latest-failed" }, t("home.latestFailed")));
    }
  };
  // After a language switch the list is redrawn at once from what was already loaded.
  if (options.languageChanged && cached?.source === source) showList(body, cached.items);
  else
    afterInteractive(() => {
      if (body.isConnected) void load();
    });
  return h(
    "section",
    { class: "latest", id: "latest", "aria-labelledby": "latest-title" },
    h("h2", { id: "latest-title" }, t("home.latest")),
    h("p", { class: "hint" }, t("home.latestHint")),
    body,
  );
}

function howItWorks(): HTMLElement {
  const steps = [
    ["home.how1Title", "home.how1Text"],
    ["home.how2Title", "home.how2Text"],
    ["home.how3Title", "home.how3Text"],
  ] as const;
  return h(
    "section",
    { class: "how", id: "how", "aria-labelledby": "how-title" },
    h("h2", { id: "how-title" }, t("home.howTitle")),
    // list-style: none drops list semantics in some screen readers unless the role is said out loud.
    h(
      "ol",
      { class: "how-steps", role: "list" },
      steps.map(([title, text]) => h("li", {}, h("strong", {}, t(title)), " ", t(text))),
    ),
  );
}

/** The welcome shown under the form on / and /verify while no record is being shown. */
export function homeSections(source: DataSource, options: { languageChanged: boolean }): HTMLElement {
  return h("div", { class: "home", id: "home" }, latestSection(source, options), howItWorks());
}
