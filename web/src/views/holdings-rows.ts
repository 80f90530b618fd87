/**
 * The Holdings table's rows and lists, on any chain (holdings.ts for EVM, holdings-bitcoin.ts for Bitcoin): the
 * declared account, what the records say beside what the chain holds, the last named movements with explorer
 * links, and a report's findings in words.
 */
import {
  formatDecimal,
  sameAmount,
  type AnchoredBatch,
  type Finding,
  type RecordV1,
  type ReconcilePlan,
  type TrackedAsset,
} from "../../../core/index";
import { pageConfig } from "../config";
import { h } from "../dom";
import { groupDecimal } from "../format";
import { t, type MessageKey } from "../i18n";
import { kindLabel } from "./common";

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

export function explorerTx(chain: string, ctx: Context, hash: string): string | null {
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

/** The holdings table around its rows (`body`), in a box of its own that scrolls sideways on a narrow screen. */
export function holdingsTable(body: HTMLElement): HTMLElement {
  const headers = [
    "holdings.account",
    "holdings.asset",
    "holdings.disclosed",
    "holdings.onChain",
    "holdings.verdict",
  ] as const;
  return h(
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
