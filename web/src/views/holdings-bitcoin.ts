/**
 * The Holdings view's Bitcoin chains: each declared address beside its confirmed balance at the final height
 * (the tip minus 6), read in this browser from the Esplora endpoint(s) the citizen chooses (two, comma-separated,
 * must agree on every read); the BIP-322 control proof checked; every transaction of the declared addresses
 * checked on request. Core's reconciler decides (core/reconcile/bitcoin.ts), as `aiqyn reconcile` does.
 */
import { reconcile, scaledOrZero, type Finding, type ReconcileReport } from "../../../core/index";
import { agreeingBitcoinReader } from "../../../core/chains/bitcoin/esplora-agree";
import { createEsploraHttpGet } from "../../../core/chains/bitcoin/esplora-http";
import { createEsploraReader, type BitcoinChainReader } from "../../../core/chains/bitcoin/esplora";
import { pageConfig } from "../config";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { errorMessage } from "../rpc";
import { balanceRow, holdingsTable, movementList, reportLines, type Context } from "./holdings-rows";

const ESPLORA_STORAGE = "aiqyn.holdings.esplora";
const CONFIRMATIONS = 6;

function savedEndpoints(chain: string): string | null {
  try {
    return (JSON.parse(localStorage.getItem(ESPLORA_STORAGE) ?? "{}") as Record<string, string>)[chain] ?? null;
  } catch {
    return null;
  }
}

function saveEndpoints(chain: string, value: string) {
  try {
    const saved = JSON.parse(localStorage.getItem(ESPLORA_STORAGE) ?? "{}") as Record<string, string>;
    localStorage.setItem(ESPLORA_STORAGE, JSON.stringify({ ...saved, [chain]: value }));
  } catch {
    // Not remembered, but used for this visit.
  }
}

/** One endpoint, or two that must agree (the text is comma-separated). */
function readerFor(text: string): { reader: BitcoinChainReader; single: boolean } | null {
  const urls = text
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter((u) => u !== "");
  if (urls.length === 0 || urls.length > 2 || !urls.every((u) => /^https?:\/\//.test(u))) return null;
  const readers = urls.map((u) =>
    createEsploraReader(u, createEsploraHttpGet(u, { fetch: (...a) => fetch(...a), timeoutMs: 20_000 })),
  );
  return readers.length === 2
    ? { reader: agreeingBitcoinReader(readers[0]!, readers[1]!), single: false }
    : { reader: readers[0]!, single: true };
}

async function judge(ctx: Context, chain: string, reader: BitcoinChainReader, scope: "all" | "balances") {
  const tip = await reader.tipHeight();
  const toHeight = Math.max(0, tip - CONFIRMATIONS);
  const report = await reconcile({
    records: ctx.records,
    registry: ctx.registry,
    chains: {},
    bitcoin: { [chain]: { reader, toHeight } },
    scope,
  });
  return { report, toHeight };
}

function rows(ctx: Context, chain: string, report: ReconcileReport, toHeight: number) {
  const summary = report.chains.find((c) => c.chain === chain);
  const mine = ctx.plan.declarations.filter(
    (d) => d.current && d.account.chain.text === chain && d.startBlock <= toHeight,
  );
  return mine.map((d) => {
    const held = summary?.balances?.find((b) => b.account === d.account.text)?.amount ?? "0";
    return balanceRow(ctx, d, report.findings, { raw: scaledOrZero(held, 8), decimals: 8 });
  });
}

function movementCheck(ctx: Context, chain: string, endpoints: HTMLInputElement) {
  const out = h("div", { class: "scan-result", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "check-movements" }, t("holdings.btcCheckMovements"));
  button.addEventListener("click", () => {
    const chosen = readerFor(endpoints.value);
    if (!chosen) return void replace(out, h("p", { class: "form-error" }, t("holdings.chooseEsplora")));
    button.disabled = true;
    replace(out, h("p", {}, t("holdings.scanning")));
    judge(ctx, chain, chosen.reader, "all")
      .then(({ report, toHeight }) => {
        const findings: Finding[] = report.findings;
        const summary =
          findings.length === 0
            ? t("holdings.btcScanClean", { to: toHeight })
            : t("holdings.btcScanFindings", { to: toHeight, count: findings.length });
        replace(out, h("p", { id: `scan-result-${chain}`, role: "status" }, summary), reportLines(findings));
      })
      .catch((error: unknown) =>
        replace(
          out,
          h("p", { class: "form-error", role: "alert" }, t("holdings.rpcFailed", { message: errorMessage(error) })),
        ),
      )
      .finally(() => (button.disabled = false));
  });
  return h("div", { class: "scan" }, button, out);
}

export function bitcoinChainSection(ctx: Context, chain: string) {
  const baked = pageConfig().esploraUrls[chain] ?? [];
  const endpoints = h("input", {
    type: "text",
    id: `rpc-${chain}`,
    value: savedEndpoints(chain) ?? baked.join(", "),
    placeholder: "https://mempool.space/api, https://blockstream.info/api",
    class: "rpc-input",
  });
  const body = h("tbody", {});
  const status = h("p", { class: "read-status", role: "status" });
  const read = () => {
    const chosen = readerFor(endpoints.value);
    if (!chosen) return void replace(status, t("holdings.chooseEsplora"));
    saveEndpoints(chain, endpoints.value.trim());
    replace(status, t("common.loading"));
    judge(ctx, chain, chosen.reader, "balances")
      .then(({ report, toHeight }) => {
        replace(body, ...rows(ctx, chain, report, toHeight));
        const hash = report.chains.find((c) => c.chain === chain)?.blockHash ?? "";
        const line = t("holdings.btcReadAt", {
          block: toHeight,
          confirmations: CONFIRMATIONS,
          hash,
          rpc: endpoints.value.trim(),
        });
        replace(status, chosen.single ? `${line} ${t("holdings.btcTrustedWhole")}` : line);
      })
      .catch((error: unknown) => replace(status, t("holdings.rpcFailed", { message: errorMessage(error) })));
  };
  const section = h(
    "section",
    { class: "holdings-chain", "data-chain": chain },
    h("h2", {}, t("holdings.chain", { chain })),
    h(
      "div",
      { class: "rpc-choice" },
      h("label", { for: `rpc-${chain}` }, t("holdings.esplora")),
      endpoints,
      h("button", { type: "button", onclick: read }, t("holdings.read")),
    ),
    status,
    holdingsTable(body),
    h("h3", {}, t("holdings.lastMovements")),
    movementList(ctx, chain),
    movementCheck(ctx, chain, endpoints),
  );
  read();
  return section;
}
