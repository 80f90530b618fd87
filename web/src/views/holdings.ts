/**
 * Holdings: for every account and asset the fund declared on a public chain, the disclosed balance beside the
 * balance read now, in this browser, from an RPC the citizen chooses per chain; the control proof checked; the
 * last disclosed movements with explorer links; a bounded movement scan on request. Every check is core's
 * reconciler (the same as `aiqyn reconcile`); this view only reads and says it in plain words.
 */
import {
  checkRpcChain,
  createEvmChainReader,
  planReconciliation,
  reconcile,
  reconcileVerdict,
  registryCaip10,
  type EvmChainReader,
  type Finding,
  type ReconcileNote,
  type TrackedAsset,
  type TrustRoot,
} from "../../../core/index";
import { checkedRecords } from "../checked-records";
import { pinnedChainReads } from "../figures";
import { dataSource } from "../app";
import { h, replace } from "../dom";
import { caip2Name } from "../format";
import { t, type MessageKey } from "../i18n";
import { createFetchTransport, errorMessage } from "../rpc";
import { effectiveTrust, readerUrls } from "../settings";
import { bitcoinChainSection } from "./holdings-bitcoin";
import { balanceRow, holdingsTable, movementList, reportLines, type Context } from "./holdings-rows";

const RPC_STORAGE = "aiqyn.holdings.rpc";
const DEFAULT_SCAN_BLOCKS = 5000;
/** Every anchored record, each batch checked here against the pinned registry; null when one did not pass. */
async function verifiedRecords(trust: TrustRoot, stillCurrent: () => boolean) {
  const checked = await checkedRecords(dataSource(), pinnedChainReads(trust, readerUrls()), trust, stillCurrent);
  const unchecked = [...checked.failed.map((f) => f.id), ...checked.missing];
  return unchecked.length === 0
    ? { records: checked.records, anchors: checked.anchors, unchecked: null }
    : { records: null, anchors: [], unchecked };
}

function savedRpcs(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(RPC_STORAGE) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

function saveRpc(chain: string, url: string) {
  try {
    localStorage.setItem(RPC_STORAGE, JSON.stringify({ ...savedRpcs(), [chain]: url }));
  } catch {
    // Not remembered, but used for this visit.
  }
}

function defaultRpc(chain: string, ctx: Context): string {
  const saved = savedRpcs()[chain];
  if (saved) return saved;
  // The registry's own chain is read through the page's pinned readers, never an RPC the data source names.
  if (chain === ctx.registry.split(":").slice(0, 2).join(":")) return readerUrls()[0] ?? "";
  return "";
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

async function balanceNow(reader: EvmChainReader, d: TrackedAsset, block: number) {
  const decimals = d.asset.type === "native" ? 18 : await reader.decimals(d.asset.token, block);
  const raw =
    d.asset.type === "native"
      ? await reader.nativeBalance(d.account.address, block)
      : await reader.tokenBalance(d.asset.token, d.account.address, block);
  return { raw, decimals };
}

async function holdingRow(ctx: Context, reader: EvmChainReader, d: TrackedAsset, findings: Finding[], latest: number) {
  return balanceRow(ctx, d, findings, await balanceNow(reader, d, latest));
}

/** The report's notes (information, never a verdict): a Safe's later owner change, what no call trace showed. */
function noteLines(notes: ReconcileNote[]) {
  return h(
    "ul",
    { class: "notes" },
    notes.map((n) =>
      h(
        "li",
        { "data-code": n.code, title: n.message },
        t(`holdings.note.${n.code}` as MessageKey, {
          seq: n.seq,
          account: n.account ?? "",
          movement: n.movement ?? "",
        }),
      ),
    ),
  );
}

/** A reader through the citizen's RPC, once it has said (eth_chainId) that it serves `chain`. */
async function chainReader(chain: string, rpcUrl: string): Promise<EvmChainReader> {
  const transport = createFetchTransport(rpcUrl, { timeoutMs: 20_000 });
  await checkRpcChain(transport, chain);
  return createEvmChainReader(transport);
}

async function scanMovements(ctx: Context, chain: string, rpcUrl: string, range: number, out: HTMLElement) {
  const progress = h("progress", { max: 100, value: 0 });
  replace(out, h("p", {}, t("holdings.scanning")), progress);
  const reader = await chainReader(chain, rpcUrl);
  const latest = await reader.latestBlock();
  const from = Math.max(0, latest - range + 1);
  const report = await reconcile({
    records: ctx.records,
    anchors: ctx.anchors,
    registry: ctx.registry,
    chains: { [chain]: { reader, toBlock: latest } },
    scanFrom: { [chain]: from },
    onProgress: (p) => {
      if (p.phase === "logs" && p.total > 0) progress.value = Math.round((100 * p.done) / p.total);
    },
  });
  const verdict = reconcileVerdict(report);
  const summary =
    verdict === "FINDINGS"
      ? t("holdings.scanFindings", { from, to: latest, count: report.findings.length })
      : verdict === "INCOMPLETE"
        ? t("holdings.scanIncomplete", { from, to: latest, count: report.unchecked.length })
        : t("holdings.scanClean", { from, to: latest });
  replace(
    out,
    h("p", { id: `scan-result-${chain}`, role: "status" }, summary),
    reportLines(report.findings),
    noteLines(report.notes),
  );
}

function scanControls(ctx: Context, chain: string, rpcInput: HTMLInputElement) {
  const out = h("div", { class: "scan-result", "aria-live": "polite" });
  const range = h("input", {
    type: "number",
    min: 1,
    max: 100000,
    value: DEFAULT_SCAN_BLOCKS,
    id: `scan-range-${chain}`,
  });
  const button = h("button", { type: "button", class: "check-movements" }, t("holdings.checkMovements"));
  button.addEventListener("click", () => {
    const blocks = Math.min(100_000, Math.max(1, Number(range.value) || DEFAULT_SCAN_BLOCKS));
    button.disabled = true;
    scanMovements(ctx, chain, rpcInput.value.trim(), blocks, out)
      .catch((error: unknown) =>
        replace(
          out,
          h("p", { class: "form-error", role: "alert" }, t("holdings.rpcFailed", { message: errorMessage(error) })),
        ),
      )
      .finally(() => (button.disabled = false));
  });
  return h(
    "div",
    { class: "scan" },
    h("label", { for: `scan-range-${chain}` }, t("holdings.scanRange")),
    range,
    button,
    out,
  );
}

async function fillTable(
  ctx: Context,
  chain: string,
  rpcUrl: string,
  body: HTMLElement,
  status: HTMLElement,
  notes: HTMLElement,
) {
  replace(status, t("common.loading"));
  replace(body); // no verdicts from an earlier read stay beside a failed one
  const reader = await chainReader(chain, rpcUrl);
  const latest = await reader.latestBlock();
  const report = await reconcile({
    records: ctx.records,
    anchors: ctx.anchors,
    registry: ctx.registry,
    chains: { [chain]: { reader, toBlock: latest } },
    scope: "balances",
  });
  // Holdings the fund declares now (a corrected or retracted declaration is still tracked, but not a holding).
  const mine = ctx.plan.declarations.filter(
    (d) => d.current && d.account.chain.text === chain && d.startBlock <= latest,
  );
  replace(body, ...(await Promise.all(mine.map((d) => holdingRow(ctx, reader, d, report.findings, latest)))));
  replace(status, t("holdings.readAt", { block: latest, rpc: rpcUrl }));
  replace(notes, noteLines(report.notes));
}

function chainSection(ctx: Context, chain: string) {
  const rpc = h("input", {
    type: "url",
    id: `rpc-${chain}`,
    value: defaultRpc(chain, ctx),
    placeholder: "https://…",
    class: "rpc-input",
  });
  const body = h("tbody", {});
  const status = h("p", { class: "read-status", role: "status" });
  const notes = h("div", { class: "holdings-notes" });
  const read = () => {
    const url = rpc.value.trim();
    if (!/^https?:\/\//.test(url)) return void replace(status, t("holdings.chooseRpc"));
    saveRpc(chain, url);
    fillTable(ctx, chain, url, body, status, notes).catch((error: unknown) =>
      replace(status, t("holdings.rpcFailed", { message: errorMessage(error) })),
    );
  };
  const section = h(
    "section",
    { class: "holdings-chain", "data-chain": chain },
    h("h2", { title: chain }, t("holdings.chain", { chain: capitalized(caip2Name(chain)) })),
    h(
      "div",
      { class: "rpc-choice" },
      h("label", { for: `rpc-${chain}` }, t("holdings.rpc")),
      rpc,
      h("button", { type: "button", onclick: read }, t("holdings.read")),
    ),
    status,
    holdingsTable(body),
    notes,
    h("h3", {}, t("holdings.lastMovements")),
    movementList(ctx, chain),
    scanControls(ctx, chain, rpc),
  );
  read();
  return section;
}

/** Some batch did not match the pinned registry (or was left out): no verdict at all, and say which. */
function showUnchecked(main: HTMLElement, ids: number[]) {
  replace(
    main,
    h("h1", {}, t("holdings.title")),
    h(
      "p",
      { class: "form-error holdings-unverified", role: "alert", "data-batches": ids.join(",") },
      t("holdings.unverified", { batches: ids.join(", ") }),
    ),
  );
}

export async function renderHoldings(main: HTMLElement, stillCurrent: () => boolean): Promise<void> {
  replace(main, h("h1", {}, t("holdings.title")), h("p", { class: "loading" }, t("common.loading")));
  let ctx: Context;
  try {
    const { trust } = effectiveTrust();
    if (!trust) throw new Error(t("holdings.noTrustRoot"));
    const verified = await verifiedRecords(trust, stillCurrent);
    if (!verified.records) return void (stillCurrent() && showUnchecked(main, verified.unchecked));
    const records = verified.records;
    // Control proofs name the registry the page trusts (its pinned root), never the one a server names.
    const registry = registryCaip10(trust.chainId, trust.registry);
    const anchors = verified.anchors;
    ctx = { records, anchors, plan: planReconciliation(records, anchors), chainId: trust.chainId, registry };
  } catch (error) {
    if (stillCurrent())
      replace(
        main,
        h("h1", {}, t("holdings.title")),
        h("p", { class: "form-error", role: "alert" }, t("common.serverUnreachable", { message: errorMessage(error) })),
      );
    return;
  }
  if (!stillCurrent()) return;
  const chains = [...new Set(ctx.plan.declarations.map((d) => d.account.chain.text))];
  replace(
    main,
    h("h1", {}, t("holdings.title")),
    h("p", { class: "intro" }, t("holdings.intro")),
    chains.length === 0
      ? h("p", {}, t("holdings.none"))
      : chains.map((chain) =>
          chain.startsWith("bip122:") ? bitcoinChainSection(ctx, chain) : chainSection(ctx, chain),
        ),
    h("p", { class: "offchain", id: "holdings-offchain" }, t("holdings.offChain")),
  );
}
