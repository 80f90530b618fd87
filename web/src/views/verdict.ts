/**
 * The verify view: look a record up by number, or check a proof file (chosen, dropped or pasted). The verdict is
 * shown in plain words with every step, announced to screen readers, and names the RPC, chain and contract trusted.
 */
import { formatTrustRoot, type TrustRoot } from "../../../core/index";
import { dataSource, navigate, routeHref, routeLink } from "../app";
import { h, replace, srOnly, type Child } from "../dom";
import { chainName, formatUtc } from "../format";
import { hasMessage, t, useLaterMessages, type MessageKey } from "../i18n";
import { createFetchTransport, errorMessage } from "../rpc";
import { effectiveTrust, linkQuery, pendingLinkRequest, readerUrls } from "../settings";
import {
  blank,
  checkStanding,
  verifyBundleText,
  verifySeq,
  type Outcome,
  type Step,
  type VerdictKind,
} from "../verify";
import { recordTable, txLink } from "./common";

const VERDICT_TITLE: Record<VerdictKind, MessageKey> = {
  anchored: "verdict.anchored",
  pending: "verdict.pending",
  mismatch: "verdict.mismatch",
  "not-anchored": "verdict.notAnchored",
  "not-found": "verdict.notFound",
  "rpc-unreachable": "verdict.rpcUnreachable",
  "server-unreachable": "verdict.serverUnreachable",
  "invalid-bundle": "verdict.invalidBundle",
  "bundle-missing": "verdict.bundleMissing",
  "other-registry": "verdict.otherRegistry",
  "wrong-chain": "verdict.wrongChain",
  "rpcs-disagree": "verdict.rpcsDisagree",
  overdue: "verdict.overdue",
  "no-trust-root": "verdict.noTrustRoot",
  "position-unchecked": "verdict.positionUnchecked",
};

const VERDICT_ICON: Record<VerdictKind, string> = {
  anchored: "✓",
  pending: "…",
  mismatch: "✗",
  "not-anchored": "✗",
  "not-found": "?",
  "rpc-unreachable": "!",
  "server-unreachable": "!",
  "invalid-bundle": "✗",
  "bundle-missing": "?",
  "other-registry": "✗",
  "wrong-chain": "!",
  "rpcs-disagree": "!",
  overdue: "✗",
  "no-trust-root": "!",
  "position-unchecked": "!",
};

/** The last outcome shown, so a language switch re-renders it without asking the chain again. */
let shown: { route: string; outcome: Outcome | null } = { route: "", outcome: null };
let runToken = 0;

/** The seq a verify route names (verify/17), else null. */
function seqOf(route: string): number | null {
  const match = /^verify\/(\d{1,16})$/.exec(route);
  return match ? Number(match[1]) : null;
}

export function renderVerify(main: HTMLElement, route: string, options: { languageChanged: boolean }): void {
  const seq = seqOf(route);
  const result = h("div", { class: "result", id: "verify-result" });
  const announce = h("p", { class: "sr-only", role: "status", "aria-live": "polite", id: "verify-announce" });
  // Only while no record is shown: a citizen who lands here gets the newest records and how a check works.
  const home = seq === null && !/^verify\/./.test(route) ? h("div", { id: "home-slot" }) : null;

  const settings = settingsSlots(() => renderVerify(main, route, { languageChanged: false }));
  replace(
    main,
    settings.banner,
    h("h1", {}, t("verify.title")),
    h("p", { class: "intro" }, t("verify.intro")),
    lookupForm(seq),
    bundleForm(result, announce),
    announce,
    result,
    home,
    settings.panel,
  );
  // Loaded on demand (not on the way to a verdict); dropped if a check started meanwhile.
  if (home)
    void Promise.all([import("./home"), useLaterMessages().catch(() => undefined)]).then(([{ homeSections }]) => {
      if (home.isConnected) home.replaceWith(homeSections(dataSource(), options));
    });

  if (options.languageChanged && shown.route === route && shown.outcome) {
    renderOutcome(result, shown.outcome);
    return;
  }
  if (seq !== null && Number.isSafeInteger(seq) && seq >= 1)
    void run(
      result,
      announce,
      route,
      t("verify.checking", { seq }),
      () => startedEarly(route) ?? verifySeq(seq, deps()),
    );
  else if (/^verify\/./.test(route)) replace(result, h("p", { class: "form-error" }, t("verify.invalidSeq")));
}

/**
 * The settings panel's place (its title drawn at once) and, while a link asks for another RPC or registry, the
 * banner's: ./trust-settings.ts and the other part of the language's messages are loaded when the citizen opens
 * the panel or when there is a banner to show, then fill them. `rerender` redraws the view after a banner's choice.
 */
function settingsSlots(rerender: () => void): { banner: HTMLElement | null; panel: HTMLElement } {
  const panel = h("details", { class: "settings", id: "settings" }, h("summary", {}, t("settings.title")));
  const banner = pendingLinkRequest() ? h("div", { id: "link-slot" }) : null;
  let loading = false;
  const load = () => {
    if (loading) return;
    loading = true;
    void Promise.all([import("./trust-settings"), useLaterMessages().catch(() => undefined)]).then(
      ([{ linkBanner, settingsPanel }]) => {
        if (banner?.isConnected) banner.replaceWith(linkBanner(rerender) ?? "");
        if (!panel.isConnected) return;
        const real = settingsPanel(() => (shown = { route: "", outcome: null }));
        const open = panel.open;
        real.toggleAttribute("open", open);
        panel.replaceWith(real);
        if (open) real.querySelector("summary")?.focus();
      },
    );
  };
  panel.addEventListener("toggle", () => panel.open && load());
  if (banner) load();
  return { banner, panel };
}

/** A link to download the trust root as aiqyn-trust.json. */
export function trustDownload(trust: TrustRoot): HTMLElement {
  return h(
    "a",
    {
      class: "button-link",
      id: "download-trust",
      download: "aiqyn-trust.json",
      href: `data:application/json;charset=utf-8,${encodeURIComponent(formatTrustRoot(trust))}`,
    },
    t("verify.downloadTrust"),
  );
}

/** A verification begun before the page's messages arrived (startVerify), taken once by the view it is for. */
let early: { route: string; outcome: Promise<Outcome> } | null = null;

function startedEarly(route: string): Promise<Outcome> | null {
  const started = early?.route === route ? early.outcome : null;
  early = null;
  return started;
}

/**
 * Begins checking the record a verify route names, while the language's messages are still on their way: its
 * reads (the data source's record and proof, then the chain's) need no words. renderVerify takes the result.
 */
export function startVerify(route: string): void {
  const seq = seqOf(route);
  if (seq === null || !Number.isSafeInteger(seq) || seq < 1) return;
  const outcome = verifySeq(seq, deps());
  outcome.catch(() => undefined); // renderVerify's run() reports a failure
  early = { route, outcome };
}

function deps() {
  return { source: dataSource(), trust: effectiveTrust(), rpcUrls: readerUrls() };
}

async function run(
  result: HTMLElement,
  announce: HTMLElement,
  route: string,
  busy: string,
  work: () => Promise<Outcome>,
): Promise<void> {
  const token = ++runToken;
  document.getElementById("home")?.remove(); // a record is being shown now
  document.getElementById("home-slot")?.remove();
  result.setAttribute("aria-busy", "true");
  replace(result, h("p", { class: "loading", "data-verdict": "checking" }, busy));
  let outcome: Outcome;
  try {
    outcome = await work();
  } catch (error) {
    // A bug or an unexpected answer must still end in words, never in a silent spinner.
    outcome = { ...blank("server-unreachable", null), message: errorMessage(error) };
  }
  if (token !== runToken || !result.isConnected) return;
  if (outcome.verdict === "anchored") outcome = { ...outcome, standingCheck: "checking" };
  shown = { route, outcome };
  result.removeAttribute("aria-busy");
  renderOutcome(result, outcome);
  if (outcome.standingCheck === "checking") void recheckStanding(result, route, outcome, token);
  // No proof file here: offer the citizen's own.
  if (outcome.verdict === "bundle-missing") document.getElementById("bundle-box")?.setAttribute("open", "");
  announce.textContent = `${t("verdict.srPrefix")} ${verdictTitle(outcome)}. ${verdictLead(outcome)}`;
  result.querySelector<HTMLElement>(".verdict-title")?.focus({ preventScroll: false });
}

/** Replaces the data source's word on the record's standing by what the checked batches say (or why not). */
async function recheckStanding(result: HTMLElement, route: string, outcome: Outcome, token: number): Promise<void> {
  const current = () => token === runToken && result.isConnected;
  let checked: Outcome;
  try {
    checked = await checkStanding(outcome, deps(), current);
  } catch (error) {
    checked = { ...outcome, standingCheck: "unchecked", standingNote: errorMessage(error) };
  }
  if (!current()) return;
  shown = { route, outcome: checked };
  // A void standing the source did not claim (or claimed falsely) changes what leads the verdict: draw it all
  // again. Otherwise only the standing's own box changes (the rest, e.g. the document check, stays as it is).
  if (voidStanding(checked) !== voidStanding(outcome)) return renderOutcome(result, checked);
  const box = result.querySelector("#standing-box");
  if (box) box.replaceWith(standingNotice(checked));
}

function lookupForm(seq: number | null): HTMLElement {
  const input = h("input", {
    id: "seq-input",
    name: "seq",
    type: "text",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    required: true,
    value: seq ?? "",
  });
  const error = h("p", { class: "form-error", id: "seq-error", hidden: true });
  return h(
    "form",
    {
      class: "lookup",
      id: "lookup-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (!/^[1-9]\d{0,15}$/.test(value)) {
          error.textContent = t("verify.invalidSeq");
          error.hidden = false;
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", "seq-error");
          input.focus();
          return;
        }
        navigate(`verify/${value}`);
      },
    },
    h("label", { for: "seq-input" }, t("verify.seqLabel")),
    h("div", { class: "row" }, input, h("button", { type: "submit", id: "seq-submit" }, t("verify.submit"))),
    error,
  );
}

function bundleForm(result: HTMLElement, announce: HTMLElement): HTMLElement {
  const check = (text: string) =>
    void run(result, announce, "bundle", t("verify.checkingBundle"), () => verifyBundleText(text, deps()));
  const fileInput = h("input", {
    id: "bundle-file",
    type: "file",
    accept: ".json,application/json",
    "aria-describedby": "bundle-hint",
    class: "file-input",
    onchange: async (event: Event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      fileName.textContent = file ? file.name : t("verify.noFile");
      if (file) check(await file.text());
    },
  });
  // The browser's own file button speaks the browser's language, not the page's: ours is a label for it.
  const fileName = h("span", { class: "file-name", id: "bundle-file-name" }, t("verify.noFile"));
  const paste = h("textarea", { id: "bundle-text", rows: 3, spellcheck: "false" });
  const zone = h(
    "div",
    { class: "dropzone", id: "bundle-drop" },
    h("p", { class: "dropzone-title" }, t("verify.bundleLabel")),
    h(
      "div",
      { class: "file-row" },
      fileInput,
      h("label", { for: "bundle-file", class: "button-link file-button" }, t("verify.chooseFile")),
      fileName,
    ),
    h("p", { class: "hint", id: "bundle-hint" }, t("verify.bundleHint")),
  );
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer?.files?.[0];
    if (file) check(await file.text());
  });
  return h(
    "details",
    { class: "bundle-box", id: "bundle-box" },
    h("summary", {}, t("verify.bundleLabel")),
    zone,
    h(
      "form",
      {
        class: "paste",
        onsubmit: (event: Event) => {
          event.preventDefault();
          if (paste.value.trim()) check(paste.value);
        },
      },
      h("label", { for: "bundle-text" }, t("verify.pasteLabel")),
      paste,
      h("button", { type: "submit", id: "bundle-text-submit" }, t("verify.pasteSubmit")),
    ),
  );
}

function verdictText(o: Outcome): string {
  const seq = o.seq ?? "?";
  switch (o.verdict) {
    case "anchored":
      return o.blockNumber !== null
        ? t("verdict.anchoredText", { seq, batch: o.batchId ?? "?", block: o.blockNumber })
        : t("verdict.anchoredTextNoBlock", { seq, batch: o.batchId ?? "?" });
    case "pending":
      return t("verdict.pendingText", { seq, time: o.receipt?.promisedBy ? formatUtc(o.receipt.promisedBy) : "—" });
    case "mismatch":
      return t("verdict.mismatchText");
    case "not-anchored":
      return t("verdict.notAnchoredText", { batch: o.batchId ?? "?" });
    case "not-found":
      return t("verdict.notFoundText", { seq });
    case "rpc-unreachable":
      if (o.noRpc) return t("verdict.noRpcText", { seq });
      return t("verdict.rpcUnreachableText", { message: o.message ?? "" });
    case "server-unreachable":
      return t("verdict.serverUnreachableText", { message: o.message ?? "" });
    case "invalid-bundle":
      return t("verdict.invalidBundleText", { message: o.message ?? "" });
    case "bundle-missing":
      return t("verify.bundleNotInMirror", { seq });
    case "other-registry":
      return t(o.claimed?.superseded ? "verdict.otherRegistrySupersededText" : "verdict.otherRegistryText", {
        registry: o.claimed?.registry ?? "?",
        chainId: o.claimed ? chainName(o.claimed.chainId) : "?",
      });
    case "wrong-chain":
      return t("verdict.wrongChainText");
    case "rpcs-disagree":
      return t("verdict.rpcsDisagreeText");
    case "overdue":
      return t("verdict.overdueText", { seq, time: o.receipt?.promisedBy ? formatUtc(o.receipt.promisedBy) : "—" });
    case "no-trust-root":
      return t("verdict.noTrustRootText");
    case "position-unchecked":
      return t("verdict.positionUncheckedText", { seq, batch: o.batchId ?? "?" });
  }
}

function stepText(step: Step): string {
  const state = step.ok === true ? "ok" : step.ok === false ? "fail" : "skip";
  const key = `step.${step.id}.${state}`;
  // Times are written out here, in the language shown now (the outcome may be older than the language).
  const time = step.params.time;
  const params = typeof time === "number" ? { ...step.params, time: formatUtc(time) } : step.params;
  // A step without its own "not checked" wording says what it is about, marked as not checked.
  return hasMessage(key) ? t(key, params) : t(`step.${step.id}.ok` as MessageKey, params);
}

function stepList(steps: Step[]): HTMLElement {
  return h(
    "ol",
    { class: "steps" },
    steps.map((step) => {
      const state = step.ok === true ? "ok" : step.ok === false ? "fail" : "skip";
      return h(
        "li",
        { class: `step step-${state}`, "data-step": step.id, "data-ok": String(step.ok) },
        h("span", { class: "step-icon", "aria-hidden": "true" }, state === "ok" ? "✓" : state === "fail" ? "✗" : "–"),
        srOnly(`${t(state === "ok" ? "step.passed" : state === "fail" ? "step.failed" : "step.skipped")}: `),
        h("span", { class: "step-text" }, stepText(step)),
      );
    }),
  );
}

/**
 * A record that checks out but was voided or corrected: its standing leads, before anything else, so a voided
 * record can never be read as a valid one. The anchoring is then only a fact of the ledger's history.
 */
function voidStanding(o: Outcome): "retracted" | "superseded" | null {
  if (o.verdict !== "anchored" && o.verdict !== "pending") return null;
  return o.standing === "retracted" || o.standing === "superseded" ? o.standing : null;
}

/** The correcting record a superseded one points to: the newest of those that name it. */
function newest(seqs: number[]): number | null {
  return seqs.length ? Math.max(...seqs) : null;
}

function verdictTitle(o: Outcome): string {
  const standing = voidStanding(o);
  if (standing === "retracted") return t("verdict.retracted");
  if (standing === "superseded") {
    const by = newest(o.correctedBy);
    return by === null ? t("verdict.supersededNoLink") : t("verdict.superseded", { seq: by });
  }
  // "Not checked: no RPC" in the server's words when no RPC is configured at all.
  return t(o.noRpc ? "verdict.noRpc" : VERDICT_TITLE[o.verdict]);
}

function verdictLead(o: Outcome): string {
  const standing = voidStanding(o);
  const seq = o.seq ?? "?";
  if (standing === "retracted") return t("verdict.retractedText", { seq });
  if (standing === "superseded") return t("verdict.supersededText", { seq });
  return verdictText(o);
}

function verdictBox(o: Outcome): HTMLElement {
  const standing = voidStanding(o);
  const links = o.correctedBy.map((seq) =>
    routeLink(`verify/${seq}`, { class: "newer-link" }, t("verify.seeNewer", { seq })),
  );
  return h(
    "div",
    {
      class: `verdict verdict-${standing ?? o.verdict}`,
      "data-verdict": o.verdict,
      "data-standing": standing ?? o.standing ?? null,
      // core's own verdict and check ids, the same the CLI prints (for auditors and the parity test).
      "data-core-verdict": o.core?.verdict ?? "",
      "data-checks": o.core?.checkIds.join(" ") ?? "",
    },
    h(
      "h2",
      { class: "verdict-title", tabindex: "-1" },
      h("span", { class: "verdict-icon", "aria-hidden": "true" }, standing ? "✗" : VERDICT_ICON[o.verdict]),
      srOnly(`${t("verdict.srPrefix")} `),
      verdictTitle(o),
    ),
    h("p", { class: "verdict-text" }, verdictLead(o)),
    standing && links.length
      ? h(
          "p",
          { class: "verdict-links" },
          links.flatMap((link, i) => (i ? [" · ", link] : [link])),
        )
      : null,
    // The anchoring, still true, as a fact below: it proves the record was published, not that it stands.
    standing
      ? h(
          "p",
          { class: "verdict-fact", id: "verdict-fact" },
          h("strong", {}, `${t(standing === "retracted" ? "verify.factRetracted" : "verify.factSuperseded")} `),
          verdictText(o),
        )
      : null,
    o.verdict === "mismatch" && o.message ? h("p", { class: "verdict-detail" }, o.message) : null,
  );
}

function renderOutcome(result: HTMLElement, o: Outcome): void {
  const parts: Child[] = [verdictBox(o), standingNotice(o)];
  if (o.differences.length > 0) parts.push(differencesTable(o));
  if (o.steps.length > 0) parts.push(h("h3", {}, t("verify.steps")), stepList(o.steps));
  if (o.receipt && o.verdict !== "anchored" && o.verdict !== "other-registry") parts.push(receiptBlock(o));
  if (o.onChain || o.computedRoot) parts.push(chainFacts(o));
  parts.push(actions(o));
  if (o.record) parts.push(governanceLink(o.record.publishedAt));
  if (o.trust) parts.push(trustBox(o));
  if (o.record) parts.push(h("h3", {}, t("verify.record")), h("div", { class: "table-wrap" }, recordTable(o.record)));
  // A document is judged only against a record the chain vouched for: another verdict's record may be forged.
  if (o.record && o.verdict === "anchored") parts.push(documentSlot(o.record.documentHash));
  replace(result, ...parts);
}

/**
 * The document check's place under an anchored verdict: views/document-check.ts and the other part of the
 * language's messages load once the verdict is drawn, then fill it.
 */
function documentSlot(documentHash: string): HTMLElement {
  const slot = h("div", { id: "document-slot" });
  void Promise.all([import("./document-check"), useLaterMessages().catch(() => undefined)]).then(
    ([{ documentSection }]) => {
      if (slot.isConnected) slot.replaceWith(documentSection(documentHash, dataSource()));
    },
  );
  return slot;
}

/**
 * The record's standing, always labelled by where it comes from: checked here from this record's batch and every
 * later one (data-standing-checked="checked"), being checked, or only the data source's word (with why). A void
 * standing that already leads the verdict is not repeated here.
 */
function standingNotice(o: Outcome): HTMLElement {
  const links = o.correctedBy.map((seq) =>
    routeLink(`verify/${seq}`, { class: "newer-link" }, t("verify.seeNewer", { seq })),
  );
  const corrects =
    o.record && o.record.corrects !== 0
      ? h(
          "p",
          { class: "corrects-notice" },
          routeLink(`verify/${o.record.corrects}`, {}, t("verify.corrects", { seq: o.record.corrects })),
        )
      : null;
  const voided = !voidStanding(o) && (o.standing === "superseded" || o.standing === "retracted");
  const notice = voided
    ? h(
        "div",
        { class: `standing standing-${o.standing}`, "data-standing": o.standing ?? "", role: "note" },
        h(
          "p",
          {},
          h("strong", {}, t(o.standing === "superseded" ? "verify.standingSuperseded" : "verify.standingRetracted")),
        ),
        links.length
          ? h(
              "p",
              {},
              links.flatMap((link, i) => (i ? [" · ", link] : [link])),
            )
          : null,
      )
    : null;
  return h(
    "div",
    {
      id: "standing-box",
      "data-shown-standing": o.standing ?? "",
      "data-standing-checked": o.standingCheck ?? "",
    },
    notice,
    standingSourceNote(o),
    corrects,
  );
}

function standingSourceNote(o: Outcome): HTMLElement | null {
  const standing = t(`standing.${o.standing ?? "current"}` as MessageKey);
  switch (o.standingCheck) {
    case "checking":
      return h("p", { class: "hint", id: "standing-note" }, t("verify.standingChecking", { standing }));
    case "checked":
      return h(
        "p",
        { class: "ok", id: "standing-note" },
        t("verify.standingChecked", { standing, batches: o.standingBatches ?? "?" }),
      );
    case "unchecked":
      return h(
        "p",
        { class: "warning", id: "standing-note" },
        t("verify.standingUnchecked", { standing, reason: o.standingNote ?? "" }),
      );
    default:
      return null;
  }
}

function differencesTable(o: Outcome): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "diff-table", id: "differences" },
      h("caption", {}, t("verify.differences")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("verify.diffWhat")),
          h("th", { scope: "col" }, t("verify.diffExpected")),
          h("th", { scope: "col" }, t("verify.diffFound")),
        ),
      ),
      h(
        "tbody",
        {},
        o.differences.map((d) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, t(d.label, d.params)),
            h("td", { class: "mono" }, d.expected),
            h("td", { class: "mono diff-found" }, d.found),
          ),
        ),
      ),
    ),
  );
}

/** Who held the registry's keys when the record was published: its receipt binds only an anchoring key of then. */
function governanceLink(publishedAt: number): HTMLElement {
  return h(
    "p",
    { class: "governance-link" },
    routeLink(`governance/${publishedAt}`, { id: "governance-link" }, t("gov.verdictLink")),
  );
}

function receiptBlock(o: Outcome): HTMLElement {
  const r = o.receipt!;
  return h(
    "section",
    { class: "receipt", "aria-labelledby": "receipt-title" },
    h("h3", { id: "receipt-title" }, t("verify.receipt")),
    h(
      "dl",
      {},
      h("dt", {}, t("verify.receiptSigner")),
      h("dd", { class: "mono" }, r.receipt.signer),
      h("dt", {}, t("field.publishedAt")),
      h("dd", {}, formatUtc(r.receipt.publishedAt)),
      r.promisedBy !== null
        ? [h("dt", {}, t("verify.receiptPromise")), h("dd", { id: "promised-by" }, formatUtc(r.promisedBy))]
        : null,
      h("dt", {}, t("field.leaf")),
      h("dd", { class: "mono" }, r.receipt.leaf),
    ),
    r.overdue ? h("p", { class: "warning" }, t("verify.receiptOverdue")) : null,
  );
}

function chainFacts(o: Outcome): HTMLElement {
  return h(
    "dl",
    { class: "facts", id: "chain-facts" },
    o.batchId !== null ? [h("dt", {}, t("ledger.batch")), h("dd", { id: "fact-batch" }, String(o.batchId))] : null,
    o.onChain
      ? [h("dt", {}, t("verify.rootOnChain")), h("dd", { class: "mono", id: "fact-root" }, o.onChain.root)]
      : null,
    o.computedRoot && (!o.onChain || o.onChain.root !== o.computedRoot)
      ? [h("dt", {}, t("verify.rootComputed")), h("dd", { class: "mono", id: "fact-computed-root" }, o.computedRoot)]
      : null,
    o.onChain && o.blockNumber !== null
      ? [h("dt", {}, t("verify.block")), h("dd", { id: "fact-block" }, String(o.blockNumber))]
      : null,
    o.onChain ? [h("dt", {}, t("ledger.time")), h("dd", {}, formatUtc(o.onChain.anchoredAt))] : null,
    o.txHash && o.onChain
      ? [
          h("dt", {}, t("ledger.tx")),
          h("dd", { class: "mono" }, txLink(o.explorerUrl, o.txHash, o.explorerUrl ? t("verify.explorer") : o.txHash)),
        ]
      : null,
  );
}

function actions(o: Outcome): HTMLElement {
  const opinion = h("p", { class: "second-opinion", id: "second-opinion", role: "status" });
  const buttons: Child[] = [];
  if (
    o.secondOpinion &&
    o.trust &&
    o.trust.rpcUrls.length > 0 &&
    (o.verdict === "anchored" || o.verdict === "mismatch")
  ) {
    const { batchId, record, proof } = o.secondOpinion;
    const trust = o.trust;
    buttons.push(
      h(
        "button",
        {
          type: "button",
          id: "verify-on-chain",
          title: t("verify.secondOpinionHint"),
          onclick: async (event: Event) => {
            const button = event.currentTarget as HTMLButtonElement;
            button.disabled = true;
            opinion.textContent = t("common.loading");
            try {
              const { verifyRecordOnChain } = await import("../verify-record-call");
              const ok = await verifyRecordOnChain(
                createFetchTransport(trust.rpcUrls[0]!),
                trust.trust.registry,
                batchId,
                record,
                proof,
              );
              opinion.dataset.result = String(ok);
              opinion.textContent = t(ok ? "verify.secondOpinionTrue" : "verify.secondOpinionFalse", {
                batch: batchId,
              });
            } catch (error) {
              opinion.dataset.result = "error";
              opinion.textContent = t("verify.secondOpinionError", { message: errorMessage(error) });
            } finally {
              button.disabled = false;
            }
          },
        },
        t("verify.secondOpinion"),
      ),
    );
  }
  if (o.bundleUrl)
    buttons.push(
      h(
        "a",
        { class: "button-link", href: o.bundleUrl, download: `aiqyn-proof-${o.seq}.json`, id: "download-bundle" },
        t("verify.downloadBundle"),
      ),
    );
  if (o.seq !== null && o.verdict !== "not-found") {
    const href = new URL(routeHref(`verify/${o.seq}`, linkQuery()), location.href).href;
    buttons.push(h("a", { class: "share-link", href, id: "share-link" }, t("verify.share")));
  }
  return h("div", { class: "actions" }, buttons, opinion);
}

function trustBox(o: Outcome): HTMLElement {
  const view = o.trust!;
  return h(
    "section",
    { class: "trusted", id: "trusted", "aria-labelledby": "trusted-title", "data-official": String(view.isOfficial) },
    h("h3", { id: "trusted-title" }, t("verify.trusted")),
    h(
      "p",
      { class: view.isOfficial ? "trusted-official" : "warning", id: "trusted-official" },
      t(view.isOfficial ? "verify.trustedOfficial" : "verify.trustedNotOfficial", {
        official: view.official?.registry ?? "—",
      }),
    ),
    h(
      "dl",
      {},
      h("dt", {}, t("verify.trustedRpc")),
      h(
        "dd",
        {},
        h("span", { class: "mono", id: "trusted-rpc" }, view.rpcUrls.join(" + ") || "—"),
        // One RPC is trusted whole (a lying one could report a forged root); two must agree (core/verify/chain-reads.ts).
        // Inside the RPC's own <dd>: an extra <dd> would shift every later pair of the two-column grid.
        view.rpcUrls.length === 1 ? h("p", { class: "warning", id: "trusted-one-rpc" }, t("verify.oneRpc")) : null,
      ),
      h("dt", {}, t("verify.trustedChain")),
      h("dd", { id: "trusted-chain", "data-chain-id": view.trust.chainId }, chainName(view.trust.chainId)),
      h("dt", {}, t("verify.trustedRegistry")),
      h("dd", { class: "mono", id: "trusted-registry" }, view.trust.registry),
      o.claimed
        ? [
            h("dt", {}, t("verify.claimedRegistry")),
            h(
              "dd",
              { class: "mono", id: "claimed-registry" },
              `${o.claimed.registry} · ${chainName(o.claimed.chainId)}`,
            ),
          ]
        : null,
    ),
    h("p", { class: "hint" }, t("verify.trustedNote")),
    trustDownload(view.trust),
  );
}
