/**
 * The ledger: anchored batches (newest first) and records (filters by kind, asset and period), each linking to
 * its verification and offering its proof file. Pages come by nextCursor; "load more" appends.
 */
import { RECORD_KIND_NAMES } from "../../../core/index";
import { dataSource, routeLink } from "../app";
import { h, replace } from "../dom";
import { formatCount, formatUsd, formatUtc, formatUtcDate, groupDecimal, isoDateToUnix, shortHex } from "../format";
import { t } from "../i18n";
import { errorMessage } from "../rpc";
import { currentSettings, effectiveTrust, readerUrls } from "../settings";
import type { BatchInfo, DataSource, RecordFilter, RecordItem, RegistryInfo } from "../source";
import { batchStatusLabel, kindLabel, standingLabel, statusLabel, txLink } from "./common";

const BATCH_PAGE = 20;
const RECORD_PAGE = 50;

export function renderLedger(main: HTMLElement): void {
  const batchesSection = h(
    "section",
    { "aria-labelledby": "batches-title", id: "batches" },
    h("h2", { id: "batches-title" }, t("ledger.batches")),
  );
  const recordsSection = h(
    "section",
    { "aria-labelledby": "records-title", id: "records" },
    h("h2", { id: "records-title" }, t("ledger.records")),
  );
  const source = dataSource();
  replace(main, h("h1", {}, t("ledger.title")), sourceNotice(source), recordsSection, batchesSection);
  const info = source.registry().catch(() => null);
  void loadBatches(batchesSection, info);
  renderRecords(recordsSection);
}

/**
 * Which data source is in use, when it is not this site's own server (a link's ?api= or ?mirror=, or the
 * settings): a citizen must see that the list comes from elsewhere. Null for the default source.
 */
export function sourceNotice(source: DataSource): HTMLElement | null {
  const s = currentSettings();
  if (!s.apiBase && !s.mirror) return null;
  return h(
    "p",
    { class: "warning", id: "source-notice", role: "note", "data-source": source.label },
    t(source.kind === "mirror" ? "ledger.sourceMirror" : "ledger.sourceOther", { source: source.label }),
  );
}

function errorLine(error: unknown): HTMLElement {
  return h(
    "p",
    { class: "form-error", role: "alert" },
    t("common.serverUnreachable", { message: errorMessage(error) }),
  );
}

async function loadBatches(section: HTMLElement, infoPromise: Promise<RegistryInfo | null>): Promise<void> {
  const tbody = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary", id: "batches-more", hidden: true }, t("common.more"));
  const table = h(
    "table",
    { class: "data-table", id: "batches-table" },
    h("caption", { class: "sr-only" }, t("ledger.batches")),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        [
          t("ledger.batch"),
          t("ledger.root"),
          t("ledger.count"),
          t("ledger.tx"),
          t("ledger.time"),
          t("field.status"),
        ].map((label) => h("th", { scope: "col" }, label)),
      ),
    ),
    tbody,
  );
  const status = h("p", { class: "loading" }, t("common.loading"));
  section.append(status, h("div", { class: "table-wrap" }, table), more);
  let cursor: string | null = null;
  const info = await infoPromise;
  const load = async () => {
    try {
      const page = await dataSource().batches(cursor, BATCH_PAGE);
      tbody.append(...page.items.map((b) => batchRow(b, info)));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.textContent = tbody.children.length === 0 ? t("common.none") : "";
    } catch (error) {
      status.replaceWith(errorLine(error));
    }
  };
  more.addEventListener("click", () => void load());
  await load();
}

function batchRow(b: BatchInfo, info: RegistryInfo | null): HTMLElement {
  const last = b.firstSeq + b.leafCount - 1;
  return h(
    "tr",
    { "data-batch": b.id },
    h("th", { scope: "row" }, String(b.id)),
    h("td", { class: "mono", title: b.root }, shortHex(b.root)),
    h(
      "td",
      {},
      `${formatCount(b.leafCount)} (`,
      routeLink(`verify/${b.firstSeq}`, {}, `#${b.firstSeq}`),
      b.leafCount > 1 ? ["–", routeLink(`verify/${last}`, {}, `#${last}`)] : null,
      ")",
    ),
    h("td", {}, txLink(info?.explorerUrl, b.txHash)),
    h("td", {}, formatUtc(b.anchoredAt)),
    h("td", {}, batchStatusLabel(b.status)),
  );
}

function renderRecords(section: HTMLElement): void {
  const kind = h(
    "select",
    { id: "filter-kind", name: "kind" },
    h("option", { value: "" }, t("ledger.anyKind")),
    RECORD_KIND_NAMES.map((k) => h("option", { value: k }, kindLabel(k))),
  );
  const asset = h("input", {
    id: "filter-asset",
    name: "asset",
    type: "text",
    maxlength: 16,
    autocomplete: "off",
    spellcheck: "false",
  });
  // Text, not type=date: the browser's date field speaks the browser's language (mm/dd/yyyy), not the page's.
  const dateInput = (id: string) =>
    h("input", {
      id,
      name: id.slice("filter-".length),
      type: "text",
      inputmode: "numeric",
      placeholder: t("ledger.datePlaceholder"),
      "aria-describedby": "filter-date-hint",
      autocomplete: "off",
      class: "date-input",
    });
  const from = dateInput("filter-from");
  const to = dateInput("filter-to");
  const field = (id: string, label: string, input: HTMLElement) =>
    h("div", { class: "field" }, h("label", { for: id }, label), input);
  const results = h("div", { id: "records-results" });
  const dateError = h(
    "p",
    { class: "form-error", id: "filter-date-error", role: "alert", hidden: true },
    t("ledger.badDate"),
  );
  const form = h(
    "form",
    {
      class: "filters",
      id: "records-filter",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const filter: RecordFilter = {};
        if (kind.value) filter.kind = kind.value;
        if (asset.value.trim()) filter.asset = asset.value.trim().toUpperCase();
        const fromUnix = isoDateToUnix(from.value.trim(), false);
        const toUnix = isoDateToUnix(to.value.trim(), true);
        // A date typed wrong is said, in the page's language (a browser's own validation bubble is not).
        const wrong = [from, to].find((input, i) => input.value.trim() !== "" && [fromUnix, toUnix][i] === null);
        for (const input of [from, to])
          if (input === wrong) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        dateError.hidden = !wrong;
        if (wrong) return void wrong.focus();
        if (fromUnix !== null) filter.from = fromUnix;
        if (toUnix !== null) filter.to = toUnix;
        void loadRecords(results, filter);
      },
    },
    h(
      "fieldset",
      {},
      h("legend", {}, t("ledger.filters")),
      field("filter-kind", t("ledger.kind"), kind),
      field("filter-asset", t("ledger.asset"), asset),
      field("filter-from", t("ledger.from"), from),
      field("filter-to", t("ledger.to"), to),
      h("button", { type: "submit", id: "filter-apply" }, t("ledger.apply")),
      h("p", { class: "hint", id: "filter-date-hint" }, t("ledger.dateHint")),
      dateError,
    ),
  );
  section.append(form, results);
  void loadRecords(results, {});
}

async function loadRecords(results: HTMLElement, filter: RecordFilter): Promise<void> {
  const tbody = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary", id: "records-more", hidden: true }, t("common.next"));
  const status = h("p", { class: "loading", role: "status" }, t("common.loading"));
  const headers = [
    t("field.seq"),
    t("field.kind"),
    t("field.amount"),
    t("field.valueUsd"),
    t("field.occurredAt"),
    t("field.status"),
    t("ledger.proof"),
  ];
  const note = h("p", { class: "hint", id: "records-check", role: "status" }, t("ledger.claimNote"));
  replace(
    results,
    note,
    status,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data-table", id: "records-table" },
        h("caption", { class: "sr-only" }, t("ledger.records")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headers.map((label) => h("th", { scope: "col" }, label)),
          ),
        ),
        tbody,
      ),
    ),
    more,
  );
  let cursor: string | null = null;
  const load = async () => {
    status.textContent = t("common.loading");
    try {
      const page = await dataSource().records(filter, cursor, RECORD_PAGE);
      if (!results.isConnected) return;
      const rows = page.items.map(recordRow);
      tbody.append(...rows);
      void checkRows(page.items, rows, note, () => results.isConnected);
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.textContent = tbody.children.length === 0 ? t("common.none") : "";
    } catch (error) {
      status.textContent = t("common.serverUnreachable", { message: errorMessage(error) });
    }
  };
  more.addEventListener("click", () => void load());
  await load();
}

function recordRow(item: RecordItem): HTMLElement {
  const r = item.record as {
    seq: number;
    kind: string;
    asset: string;
    amount: string;
    valueUsd: string;
    occurredAt: number;
  };
  return h(
    "tr",
    { "data-seq": r.seq, class: item.standing && item.standing !== "current" ? "not-current" : "" },
    h(
      "th",
      { scope: "row" },
      routeLink(`verify/${r.seq}`, { "aria-label": `${t("common.verify")} #${r.seq}` }, `#${r.seq}`),
    ),
    h("td", { class: "kind" }, kindLabel(r.kind)),
    h("td", { class: "num" }, `${groupDecimal(String(r.amount))} `, h("span", { class: "asset" }, r.asset)),
    h("td", { class: "num" }, formatUsd(String(r.valueUsd))),
    // The day is enough in a list (the record's own page gives the minute).
    h("td", { title: formatUtc(r.occurredAt) }, formatUtcDate(r.occurredAt)),
    // One column for both: whether it is on the chain, and (only when it no longer stands) that it is void.
    // Both are the source's claim (data-checked="claimed") until checkRows checks them against the chain.
    h(
      "td",
      { class: "badges" },
      h(
        "span",
        { class: `status-cell badge badge-${item.status === "anchored" ? "ok" : "wait"}`, "data-checked": "claimed" },
        statusLabel(item.status),
      ),
      " ",
      h(
        "span",
        {
          class: `standing-cell badge badge-${item.standing === "retracted" ? "bad" : "muted"}`,
          "data-checked": "claimed",
          hidden: item.standing !== "superseded" && item.standing !== "retracted",
        },
        standingLabel(item.standing),
      ),
    ),
    h(
      "td",
      {},
      item.status === "anchored"
        ? h(
            "a",
            {
              href: dataSource().bundleUrl(r.seq),
              download: `aiqyn-proof-${r.seq}.json`,
              "aria-label": `${t("common.download")} #${r.seq}`,
            },
            "JSON",
          )
        : "—",
    ),
  );
}

/** The fields a row shows, as the chain-checked record has them. */
const SHOWN = ["kind", "asset", "amount", "valueUsd", "occurredAt"] as const;

/**
 * Checks what a page of the list shows (web/src/figures.ts: the batches the rows name and every later one,
 * against the pinned registry): a row's status becomes "checked" only when its record is in a batch that
 * passed, with the very fields shown; its standing only when every batch from there on passed. Until then the
 * cells keep the source's claim (data-checked="claimed"); a row the chain contradicts says so.
 */
async function checkRows(
  items: RecordItem[],
  rows: HTMLElement[],
  note: HTMLElement,
  stillCurrent: () => boolean,
): Promise<void> {
  const { trust } = effectiveTrust();
  const urls = readerUrls();
  const anchored = items.filter((i) => i.status === "anchored" && typeof i.batchId === "number");
  if (anchored.length === 0) return;
  if (!trust || urls.length === 0)
    return replace(note, t("ledger.claimNote"), " ", t("ledger.cannotCheck", { reason: t("fund.noReaders") }));
  replace(note, t("ledger.checking"));
  try {
    const { checkListedRecords } = await import("../figures");
    const from = Math.min(...anchored.map((i) => i.batchId!));
    const result = await checkListedRecords(from, { source: dataSource(), trust, rpcUrls: urls, stillCurrent });
    if (!stillCurrent()) return;
    let ok = 0;
    items.forEach((item, i) => (ok += markRow(item, rows[i]!, result) ? 1 : 0));
    note.setAttribute("data-checked", String(ok));
    replace(
      note,
      t("ledger.checked", { checked: ok, shown: items.length }),
      result.standings
        ? ""
        : ` ${t("ledger.standingsUnchecked", { failed: result.failed.map((f) => f.id).join(", ") })}`,
    );
  } catch (error) {
    if (stillCurrent())
      replace(note, t("ledger.claimNote"), " ", t("ledger.cannotCheck", { reason: errorMessage(error) }));
  }
}

function markRow(item: RecordItem, row: HTMLElement, result: import("../figures").ListCheck): boolean {
  const statusCell = row.querySelector<HTMLElement>(".status-cell")!;
  const standingCell = row.querySelector<HTMLElement>(".standing-cell")!;
  const record = item.record as Record<string, unknown> & { seq: number };
  if (item.status !== "anchored") return false;
  const checked = result.checked.get(record.seq);
  const same = checked !== undefined && SHOWN.every((f) => JSON.stringify(record[f]) === JSON.stringify(checked[f]));
  if (!same) {
    // In a batch that passed, another record holds this seq; else its batch failed or was not listed.
    const contradicted = checked !== undefined;
    statusCell.dataset.checked = contradicted ? "false" : "unchecked";
    replace(statusCell, t(contradicted ? "ledger.statusContradicted" : "ledger.statusUnchecked"));
    row.classList.add("unchecked-row");
    return false;
  }
  statusCell.dataset.checked = "true";
  replace(statusCell, t("ledger.statusChecked"));
  const standing = result.standings?.get(record.seq);
  if (standing) {
    standingCell.dataset.checked = "true";
    standingCell.dataset.standing = standing;
    replace(standingCell, standingLabel(standing));
    standingCell.hidden = standing === "current";
    standingCell.className = `standing-cell badge badge-${standing === "retracted" ? "bad" : "muted"}`;
    row.classList.toggle("not-current", standing !== "current");
  }
  return true;
}
