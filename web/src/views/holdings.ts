/**
 * Holdings: for every account and asset the fund declared on a public chain, the disclosed balance beside the
 * balance read now, in this browser, from an RPC the citizen chooses per chain; the control proof checked; the
 * last disclosed movements with explorer links; a bounded movement scan on request. Every check is core's
 * reconciler (the same as `aiqyn reconcile`); this view only reads and says it in plain words.
 */
import {
  checkRpcChain,
  createEvmChainReader,
  formatDecimal,
  planReconciliation,
  reconcile,
  reconcileVerdict,
  registryCaip10,
  sameAmount,
  type AnchoredBatch,
  type EvmChainReader,
  type Finding,
  type ReconcileNote,
  type RecordV1,
  type ReconcilePlan,
  type TrackedAsset,
  type TrustRoot,
} from "../../../core/index";
import { checkedRecords } from "../checked-records";
import { pageConfig } from "../config";
import { pinnedChainReads } from "../figures";
import { dataSource } from "../app";
import { h, replace } from "../dom";
import { caip2Name, groupDecimal } from "../format";
import { t, type MessageKey } from "../i18n";
import { createFetchTransport, errorMessage } from "../rpc";
import { effectiveTrust, readerUrls } from "../settings";
import { kindLabel } from "./common";
import { bitcoinChainSection } from "./holdings-bitcoin";

const RPC_STORAGE = "aiqyn.holdings.rpc";
const DEFAULT_SCAN_BLOCKS = 5000;
const KNOWN_EXPLORERS: Record<string, string> = {
  "eip155:1": "https://etherscan.io",
  "eip155:56": "https://bscscan.com",
  "eip155:137": "https://polygonscan.com",
};

export interface Context {
  records: RecordV1[];
  /** The checked batches' anchoring on chain: when each record took effect. */
  anchors: AnchoredBatch[];
  plan: ReconcilePlan;
  /** The pinned registry's chain id. */
  chainId: number;
  registry: string;
}

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

function explorerTx(chain: string, ctx: Context, hash: string): string | null {
  // The page's baked explorer for the registry's chain, never one a data source names (it could be javascript:).
  if (chain === "bip122:000000000019d6689c085ae165831e93") return `https://mempool.space/tx/${hash}`;
  const base = chain === `eip155:${ctx.chainId}` ? pageConfig().explorerUrl : KNOWN_EXPLORERS[chain];
  return base && /^https?:\/\//.test(base) ? `${base.replace(/\/+$/, "")}/tx/${hash}` : null;
}

/** The newest statement of a holding: its latest snapshot, or the declaration itself. */
function latestStatement(ctx: Context, d: TrackedAsset): { seq: number; block: number; amount: bigint } {
  const snapshots = ctx.plan.snapshots
    .filter((s) => s.account.text === d.account.text && s.asset.text === d.asset.text)
    .sort((a, b) => b.block - a.block);
  const s = snapshots[0];
  return s ? { seq: s.seq, block: s.block, amount: s.amount } : { seq: d.seq, block: d.startBlock, amount: d.amount };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export function findingText(f: Finding): string {
  return t(`holdings.finding.${f.code}` as MessageKey, {
    seq: f.seq,
    account: f.account ?? "",
    movement: f.movement ?? "",
    expected: f.expected,
    actual: f.actual,
  });
}

async function balanceNow(reader: EvmChainReader, d: TrackedAsset, block: number) {
  const decimals = d.asset.type === "native" ? 18 : await reader.decimals(d.asset.token, block);
  const raw =
    d.asset.type === "native"
      ? await reader.nativeBalance(d.account.address, block)
      : await reader.tokenBalance(d.asset.token, d.account.address, block);
  return { raw, decimals };
}

/**
 * Record amounts are × 10^18, the chain's balance × 10^decimals: both are brought to the finer of the two
 * scales, so nothing is rounded away (a token with more than 18 decimals was once cut to 18, and a drained
 * wallet's dust-sized remainder read as "matches"). Equality is core's one sameAmount.
 */
function inCommonUnits(amount18: bigint, now: { raw: bigint; decimals: number }) {
  const scale = Math.max(18, now.decimals);
  return {
    scale,
    stated: amount18 * 10n ** BigInt(scale - 18),
    now: now.raw * 10n ** BigInt(scale - now.decimals),
  };
}

function verdictFor(
  d: TrackedAsset,
  findings: Finding[],
  stated: { seq: number; block: number; amount: bigint },
  balance: { raw: bigint; decimals: number },
) {
  if (findings.some((f) => f.code === "CONTROL_UNPROVEN" && f.seq === d.seq))
    return { ok: false, text: t("holdings.verdict.control") };
  const mismatch = findings.find((f) => f.code === "BALANCE_MISMATCH" && (f.seq === stated.seq || f.seq === d.seq));
  if (mismatch)
    return { ok: false, text: t("holdings.verdict.balance", { block: stated.block, actual: mismatch.actual }) };
  if (sameAmount(stated.amount, balance.raw, balance.decimals))
    return { ok: true, text: t("holdings.verdict.matches", { block: stated.block }) };
  const units = inCommonUnits(stated.amount, balance);
  const change =
    units.now > units.stated
      ? `+${groupDecimal(formatDecimal(units.now - units.stated, units.scale))}`
      : `−${groupDecimal(formatDecimal(units.stated - units.now, units.scale))}`;
  return { ok: null, text: t("holdings.verdict.changed", { block: stated.block, change: `${change} ${d.symbol}` }) };
}

async function holdingRow(ctx: Context, reader: EvmChainReader, d: TrackedAsset, findings: Finding[], latest: number) {
  return balanceRow(ctx, d, findings, await balanceNow(reader, d, latest));
}

/** One row of the table, on any chain: the declared account, what the records say, what the chain holds. */
export function balanceRow(
  ctx: Context,
  d: TrackedAsset,
  findings: Finding[],
  now: { raw: bigint; decimals: number },
): HTMLElement {
  const stated = latestStatement(ctx, d);
  const verdict = verdictFor(d, findings, stated, now);
  const mark = verdict.ok === true ? "✓" : verdict.ok === false ? "✗" : "≈";
  return h(
    "tr",
    {
      "data-account": d.account.address,
      "data-asset": d.symbol,
      "data-verdict": verdict.ok === true ? "match" : verdict.ok === false ? "mismatch" : "changed",
    },
    h("td", { class: "mono", title: d.account.text }, short(d.account.address)),
    h("td", {}, d.symbol),
    h(
      "td",
      { class: "num" },
      groupDecimal(formatDecimal(stated.amount, 18)),
      h("br"),
      h("span", { class: "hint" }, t("holdings.atBlock", { block: stated.block })),
    ),
    h("td", { class: "num" }, groupDecimal(formatDecimal(now.raw, now.decimals))),
    h("td", { class: "holding-verdict" }, `${mark} ${verdict.text}`),
  );
}

export function movementList(ctx: Context, chain: string) {
  const moves = ctx.plan.movements
    .filter((m) => m.ref.chain.text === chain)
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 10);
  if (moves.length === 0) return h("p", {}, t("holdings.noMovements"));
  return h(
    "ul",
    { class: "movements" },
    moves.map((m) => {
      const link = explorerTx(chain, ctx, m.ref.txHash);
      const label = `${m.ref.txHash.slice(0, 10)}…${m.ref.logIndex === null ? "" : ` log ${m.ref.logIndex}`}`;
      return h(
        "li",
        {},
        `#${m.seq} · ${kindLabel(m.kind)} · ${groupDecimal(formatDecimal(m.amount, 18))} ${m.symbol} · `,
        link
          ? h("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, label)
          : h("span", { class: "mono" }, label),
      );
    }),
  );
}

export function reportLines(findings: Finding[]) {
  return h(
    "ul",
    { class: "findings" },
    findings.map((f) => h("li", { "data-code": f.code }, `${f.severity === "warning" ? "⚠" : "✗"} ${findingText(f)}`)),
  );
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
  const headers = [
    "holdings.account",
    "holdings.asset",
    "holdings.disclosed",
    "holdings.onChain",
    "holdings.verdict",
  ] as const;
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
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "holdings-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headers.map((k) => h("th", { scope: "col" }, t(k))),
          ),
        ),
        body,
      ),
    ),
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
