/**
 * The publisher's desk (/publish): the back office publishes one record through a form, or a CSV/XLSX, with
 * the same reading, checks, bulks and Idempotency-Keys as `aiqyn publish` (core/publish). The key lives in a
 * variable of this module only: never in storage, a cookie or the URL. Documents are hashed here (core's
 * keccak-256) and uploaded before the records that name them. Its own bundle: never part of the citizens' page.
 */
import { RECORD_KIND_NAMES, bytesToHex, keccak256, type Receipt, type RecordInput } from "../../core";
import { COLUMNS, parseColumnMapping, readRows, type PlannedRow, type RowProblem } from "../../core/publish/rows";
import {
  bulkProblems,
  intoBulks,
  plannedTimeRange,
  publishWarnings,
  receiptsArchive,
  type ArchivedReceipt,
  type Bulk,
  type PublishWarning,
} from "../../core/publish/plan";
import type { DecimalMark, Sheet } from "../../core/publish/values";
import { readSheetBytes } from "../../core/publish/sheet";
import { deskLangFrom, setDeskLang, tr, type DeskKey, type DeskLang } from "./lang";

const TIME_ZONE = "Asia/Almaty";
const BULK = 200;

let publisherKey = "";
const documents = new Map<string, { bytes: Uint8Array; hash: string; type: string }>();
let lastReceipts: { name: string; entries: ArchivedReceipt[] } | null = null;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = (key: DeskKey) => el("span", { "data-t": key }, tr(key));

// ---- the server ----

async function call(method: string, path: string, body: BodyInit | null, headers: Record<string, string> = {}) {
  const res = await fetch(path, {
    method,
    headers: { ...(publisherKey ? { authorization: `Bearer ${publisherKey}` } : {}), ...headers },
    ...(body === null ? {} : { body }),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, json, replayed: res.headers.get("idempotent-replayed") === "true" };
}

const refusal = (a: { status: number; json: Record<string, unknown> }) =>
  new Error(tr("status.failed", { detail: `${a.status} ${String(a.json.code ?? "")} ${String(a.json.detail ?? "")}` }));

async function serverDryRun(records: readonly RecordInput[]) {
  const a = await call("POST", "/api/v1/records?dryRun=1", JSON.stringify({ records }), {
    "content-type": "application/json",
  });
  if (a.status !== 200) throw refusal(a);
  return a.json.problems as { field: string; code: "WRONG_TYPE"; message: string }[];
}

async function publishedBetween(from: number, to: number) {
  const found = [];
  let cursor: string | null = null;
  do {
    const a = await call(
      "GET",
      `/api/v1/records?from=${from}&to=${to}&limit=500${cursor ? `&cursor=${cursor}` : ""}`,
      null,
    );
    if (a.status !== 200) throw refusal(a);
    found.push(...(a.json.records as { record: never }[]).map((r) => r.record));
    cursor = (a.json.nextCursor as string | null) ?? null;
  } while (cursor);
  return found;
}

// ---- checking ----

interface Checked {
  name: string;
  sheet: Sheet;
  planned: PlannedRow[];
  bulks: Bulk[];
  problems: RowProblem[];
  warnings: PublishWarning[];
}

async function check(name: string, sheet: Sheet, decimal: DecimalMark, mappingJson: unknown): Promise<Checked> {
  const mapping = mappingJson === null ? null : parseColumnMapping(mappingJson);
  const read = readRows(sheet, {
    mapping,
    timeZone: TIME_ZONE,
    decimal: mapping?.decimal ?? decimal,
    dates: mapping?.dates ?? null,
    now: Math.floor(Date.now() / 1000),
    hashDocument: (path) => {
      const doc = documents.get(path.split(/[\\/]/).pop()!);
      return doc ? { hash: doc.hash } : { error: "not among the documents given (add it to the documents)" };
    },
  });
  const bulks = intoBulks(read.planned, BULK);
  const problems = [...read.problems];
  for (const bulk of bulks) problems.push(...bulkProblems(bulk, await serverDryRun(bulk.records), read.columnOf));
  problems.sort((a, b) => a.row - b.row);
  const range = plannedTimeRange(read.planned);
  const stats = await call("GET", "/api/v1/stats", null);
  const balances = (stats.json.byAsset ?? []) as { asset: string; inflow: string; outflow: string }[];
  const warnings = range ? publishWarnings(read.planned, await publishedBetween(range.from, range.to), balances) : [];
  return { name, sheet, planned: read.planned, bulks, problems, warnings };
}

function showReport(target: HTMLElement, checked: Checked): void {
  const records = checked.planned.reduce((n, p) => n + p.records.length, 0);
  const list = el("ul", { class: "report" });
  for (const p of checked.problems) {
    const where = `${tr("report.row", { row: p.row })}${p.column ? `, ${p.column}` : ""}`;
    list.append(el("li", { class: "problem", "data-row": String(p.row) }, `✗ ${where}: ${p.code}: ${p.message}`));
  }
  for (const w of checked.warnings) {
    list.append(
      el(
        "li",
        { class: "warning", "data-row": String(w.row) },
        `! ${tr("report.row", { row: w.row })}: ${w.code}: ${w.message}`,
      ),
    );
  }
  const head =
    checked.problems.length > 0
      ? el("p", { class: "problem" }, tr("report.problems", { count: checked.problems.length }))
      : el("p", { class: "ok" }, tr("report.none", { rows: checked.planned.length, records }));
  const warned =
    checked.warnings.length > 0
      ? [el("p", { class: "warning" }, tr("report.warnings", { count: checked.warnings.length }))]
      : [];
  target.replaceChildren(head, ...warned, list);
}

// ---- publishing ----

async function publish(checked: Checked, status: HTMLElement): Promise<ArchivedReceipt[]> {
  const names = new Set(checked.planned.map((p) => p.documentFile).filter((f): f is string => f !== null));
  for (const name of names) {
    const doc = documents.get(name.split(/[\\/]/).pop()!)!;
    const a = await call("PUT", `/api/v1/documents/${doc.hash}`, doc.bytes.slice().buffer, {
      "content-type": doc.type,
    });
    if (a.status !== 201 && a.status !== 200) throw refusal(a);
  }
  const entries: ArchivedReceipt[] = [];
  const total = checked.bulks.reduce((n, b) => n + b.records.length, 0);
  for (const bulk of checked.bulks) {
    let answer = await call("POST", "/api/v1/records", JSON.stringify({ records: bulk.records }), {
      "content-type": "application/json",
      "idempotency-key": bulk.key,
    });
    // A lost or refused-for-now answer is asked again under the same key: it can never write twice.
    for (let retry = 0; [429, 502, 503, 504].includes(answer.status) && retry < 5; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** retry));
      answer = await call("POST", "/api/v1/records", JSON.stringify({ records: bulk.records }), {
        "content-type": "application/json",
        "idempotency-key": bulk.key,
      });
    }
    if (answer.status !== 201) throw refusal(answer);
    (answer.json.receipts as Receipt[]).forEach((r, i) => entries.push({ ...bulk.origins[i]!, ...r }));
    status.textContent = tr("status.progress", {
      bulk: bulk.index + 1,
      bulks: checked.bulks.length,
      done: entries.length,
      total,
    });
  }
  return entries;
}

function download(name: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- the views ----

async function addDocuments(files: FileList | null, status: HTMLElement): Promise<string | null> {
  let last: string | null = null;
  for (const file of Array.from(files ?? [])) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const hash = bytesToHex(keccak256(bytes));
    documents.set(file.name, { bytes, hash, type: file.type || "application/octet-stream" });
    status.textContent = tr("status.document", { name: file.name, hash });
    last = file.name;
  }
  return last;
}

function field(key: DeskKey, input: HTMLElement): HTMLElement {
  return el("label", {}, text(key), " ", input);
}

function formView(): HTMLElement {
  const kind = el("select", { id: "f-kind" });
  for (const name of [...RECORD_KIND_NAMES, "trade"]) kind.append(el("option", { value: name }, name));
  const input = (id: string, type = "text") => el("input", { id, type });
  const status = el("p", { id: "f-status", class: "note" });
  const report = el("div", { id: "f-report" });
  const docInput = el("input", { id: "f-document", type: "file" });
  let documentName = "";
  docInput.addEventListener(
    "change",
    () => void addDocuments(docInput.files, status).then((n) => (documentName = n ?? "")),
  );
  const trade = el(
    "div",
    { id: "f-trade", hidden: "" },
    field("field.payAsset", input("f-payAsset")),
    field("field.payAmount", input("f-payAmount")),
  );
  kind.addEventListener("change", () => (trade.hidden = kind.value !== "trade"));
  const value = (id: string) => byId<HTMLInputElement>(id).value;
  /** The form as a one-row sheet of the documented columns: the same reading as a spreadsheet's. */
  const asSheet = (): Sheet => {
    const cells: Record<string, string> = {
      kind: kind.value,
      date: `${value("f-date")} ${value("f-time") || "00:00"}`,
      asset: value("f-asset"),
      amount: value("f-amount"),
      value_usd: value("f-valueUsd"),
      counterparty: value("f-counterparty"),
      reference: value("f-reference"),
      document: documentName,
      memo: value("f-memo"),
      corrects: value("f-corrects"),
      pay_asset: value("f-payAsset"),
      pay_amount: value("f-payAmount"),
    };
    return { headers: [...COLUMNS], rows: [{ row: 2, cells: COLUMNS.map((c) => cells[c] ?? null) }] };
  };
  const run = async (write: boolean) => {
    if (!publisherKey) return void (status.textContent = tr("status.noKey"));
    status.textContent = tr("status.checking");
    try {
      const checked = await check("record", asSheet(), "auto", null);
      showReport(report, checked);
      if (!write || checked.problems.length > 0) return void (status.textContent = "");
      const entries = await publish(checked, status);
      lastReceipts = { name: "record", entries };
      status.textContent = `${tr("status.published", { records: entries.length })} seq ${entries.map((e) => e.seq).join(", ")}`;
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  };
  const checkButton = el("button", { id: "f-check", type: "button" }, text("button.check"));
  const publishButton = el("button", { id: "f-publish", type: "button" }, text("button.publish"));
  checkButton.addEventListener("click", () => void run(false));
  publishButton.addEventListener("click", () => void run(true));
  return el(
    "section",
    { id: "one" },
    field("field.kind", kind),
    field("field.date", input("f-date", "date")),
    field("field.time", input("f-time", "time")),
    field("field.asset", input("f-asset")),
    field("field.amount", input("f-amount")),
    field("field.valueUsd", input("f-valueUsd")),
    field("field.counterparty", input("f-counterparty")),
    field("field.reference", input("f-reference")),
    field("field.document", docInput),
    field("field.memo", el("textarea", { id: "f-memo", rows: "2" })),
    field("field.corrects", input("f-corrects")),
    trade,
    el("p", { class: "note" }, text("tz.note")),
    checkButton,
    publishButton,
    status,
    report,
    receiptButtons(),
  );
}

function receiptButtons(): HTMLElement {
  const asJson = el("button", { type: "button", class: "receipts-json" }, text("button.receiptsJson"));
  const asCsv = el("button", { type: "button", class: "receipts-csv" }, text("button.receiptsCsv"));
  const archive = () => (lastReceipts ? receiptsArchive(lastReceipts.name, lastReceipts.entries) : null);
  asJson.addEventListener("click", () => {
    const a = archive();
    if (a) download(`${lastReceipts!.name}.receipts.json`, a.json, "application/json");
  });
  asCsv.addEventListener("click", () => {
    const a = archive();
    if (a) download(`${lastReceipts!.name}.receipts.csv`, a.csv, "text/csv");
  });
  return el("div", {}, asJson, asCsv);
}

function sheetView(): HTMLElement {
  const status = el("p", { id: "s-status", class: "note" });
  const report = el("div", { id: "s-report" });
  const preview = el("div", { id: "s-preview" });
  const fileInput = el("input", { id: "s-file", type: "file", accept: ".csv,.xlsx,text/csv" });
  const mappingInput = el("input", { id: "s-mapping", type: "file", accept: ".json,application/json" });
  const docsInput = el("input", { id: "s-documents", type: "file", multiple: "" });
  const decimal = el(
    "select",
    { id: "s-decimal" },
    el("option", { value: "auto" }, "auto"),
    el("option", { value: "," }, ","),
    el("option", { value: "." }, "."),
  );
  let chosen: File | null = null;
  let checked: Checked | null = null;
  const drop = el("div", { class: "drop", id: "s-drop" }, text("sheet.drop"), el("br"), fileInput);
  const take = (file: File | undefined) => {
    chosen = file ?? null;
    checked = null;
    void showPreview();
  };
  fileInput.addEventListener("change", () => take(fileInput.files?.[0]));
  drop.addEventListener("dragover", (e) => (e.preventDefault(), drop.classList.add("over")));
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    take(e.dataTransfer?.files[0]);
  });
  docsInput.addEventListener("change", () => void addDocuments(docsInput.files, status));
  const sheetOf = async () => readSheetBytes(chosen!.name, new Uint8Array(await chosen!.arrayBuffer()));
  const showPreview = async () => {
    if (!chosen) return;
    const sheet = await sheetOf();
    const table = el("table", {}, el("tr", {}, el("th", {}, "#"), ...sheet.headers.map((h) => el("th", {}, h))));
    for (const row of sheet.rows.slice(0, 20))
      table.append(
        el(
          "tr",
          {},
          el("td", {}, String(row.row)),
          ...sheet.headers.map((_, i) => el("td", {}, String(row.cells[i] ?? ""))),
        ),
      );
    preview.replaceChildren(el("p", {}, text("sheet.preview")), table);
  };
  const run = async (write: boolean) => {
    if (!publisherKey) return void (status.textContent = tr("status.noKey"));
    if (!chosen) return void (status.textContent = tr("status.noFile"));
    status.textContent = tr("status.checking");
    try {
      const mappingFile = mappingInput.files?.[0];
      const mapping = mappingFile ? (JSON.parse(await mappingFile.text()) as unknown) : null;
      checked = await check(chosen.name, await sheetOf(), decimal.value as DecimalMark, mapping);
      showReport(report, checked);
      if (!write || checked.problems.length > 0) return void (status.textContent = "");
      const entries = await publish(checked, status);
      lastReceipts = { name: chosen.name.replace(/\.[^.]+$/, ""), entries };
      status.textContent = tr("status.published", { records: entries.length });
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  };
  const checkButton = el("button", { id: "s-check", type: "button" }, text("button.check"));
  const publishButton = el("button", { id: "s-publish", type: "button" }, text("button.publish"));
  checkButton.addEventListener("click", () => void run(false));
  publishButton.addEventListener("click", () => void run(true));
  return el(
    "section",
    { id: "sheet", hidden: "" },
    drop,
    field("sheet.mapping", mappingInput),
    field("sheet.documents", docsInput),
    field("sheet.decimal", decimal),
    el("p", { class: "note" }, text("tz.note")),
    checkButton,
    publishButton,
    status,
    report,
    preview,
    receiptButtons(),
  );
}

function relabel(): void {
  for (const node of document.querySelectorAll<HTMLElement>("[data-t]"))
    node.textContent = tr(node.dataset.t as DeskKey);
  document.title = tr("title");
}

function render(root: HTMLElement): void {
  const langSelect = el("select", { id: "lang" });
  for (const [code, name] of [
    ["kk", "Қазақша"],
    ["ru", "Русский"],
    ["en", "English"],
  ] as const)
    langSelect.append(el("option", { value: code }, name));
  const initial = deskLangFrom(navigator.languages ?? [navigator.language]);
  setDeskLang(initial);
  langSelect.value = initial;
  langSelect.addEventListener("change", () => (setDeskLang(langSelect.value as DeskLang), relabel()));
  const key = el("input", { id: "key", type: "password", autocomplete: "off", spellcheck: "false" });
  key.addEventListener("input", () => (publisherKey = key.value.trim()));
  const one = formView();
  const sheet = sheetView();
  const tabs = el("div", { class: "tabs", role: "tablist" });
  const tab = (id: string, label: DeskKey, show: HTMLElement, hide: HTMLElement) => {
    const button = el("button", { id, type: "button", role: "tab" }, text(label));
    button.addEventListener("click", () => {
      show.hidden = false;
      hide.hidden = true;
      for (const b of tabs.querySelectorAll("button")) b.setAttribute("aria-selected", String(b === button));
    });
    return button;
  };
  tabs.append(tab("tab-one", "tab.one", one, sheet), tab("tab-sheet", "tab.sheet", sheet, one));
  tabs.firstElementChild!.setAttribute("aria-selected", "true");
  root.replaceChildren(
    el("header", {}, el("h1", { "data-t": "title" }, tr("title")), langSelect),
    el("p", { "data-t": "intro" }, tr("intro")),
    el("section", { id: "key-section" }, field("key.label", key), el("p", { class: "note" }, text("key.note"))),
    tabs,
    one,
    sheet,
  );
  relabel();
}

render(byId("desk"));
