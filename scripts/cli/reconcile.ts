/**
 * `aiqyn reconcile`: the fund's anchored records against what the chains show (docs/RECONCILIATION.md). The
 * records come from a server or mirror and are verified against the pinned registry first; each asset chain is
 * read through an RPC the auditor chooses, up to a final block some confirmations below its head.
 */
import {
  checkRpcChain,
  createEvmChainReader,
  reconcile,
  reconcileVerdict,
  registryCaip10,
  type ChainTarget,
  type ReconcileProgress,
  type ReconcileReport,
} from "../../core";
import {
  EXIT_FINDINGS,
  EXIT_INCOMPLETE,
  EXIT_OK,
  EXIT_USAGE,
  integerOption,
  parseCommand,
  TRUST_HELP,
  UsageError,
  type Parsed,
} from "./args";
import { bitcoinTargets, confirmationsFor } from "./bitcoin-targets";
import { pinnedChainOptions, RECORDS_OPTIONS, recordsSourceOption } from "./chain-options";
import { fastKeccak } from "./fast-keccak";
import { table, writeJson, type Io } from "./io";
import { loadVerifiedRecords } from "./reconcile-records";
import { createHttpRpc } from "./rpc";

export const RECONCILE_HELP = `Usage: aiqyn reconcile (--trust FILE | --chain-id N --registry ADDRESS) --rpc URL
                       (--server URL | --mirror DIR) [--chain-rpc CHAIN=URL ...] [options]

Checks the fund's anchored records against the chains themselves: declared accounts' balances and control
proofs, every disclosed movement, and every token transfer or transaction that no record names.

Options:
${TRUST_HELP}
  --rpc URL               JSON-RPC endpoint for the registry's chain (also its asset chain unless --chain-rpc
                          names it)
  --server URL            the operator's server; or
  --mirror DIR            a static mirror written by aiqyn export
  --page-size N           a batch's records per page asked of the server (1–10000; default the server's)
  --chain-rpc CHAIN=URL   an RPC for an asset chain, e.g. eip155:56=https://… (repeatable); for Bitcoin an
                          Esplora endpoint, e.g. bip122:000000000019d6689c085ae165831e93=https://mempool.space/api
                          (give two for one chain and they must agree on every read)
  --to-block CHAIN=N      the final block (height) judged on CHAIN (default: latest minus --confirmations)
  --confirmations [CHAIN=]N  blocks below the head taken as final (default 12 on EVM, 6 on bip122)
  --log-chunk N           widest eth_getLogs range asked, halved when refused (default 2000)
  --json                  print the report as JSON instead of a table
  --timeout SECONDS       per-request timeout (default 30)
  -h, --help              this help

Exit status: 0 clean (every record with a chain reference checked, no findings; MIXED_INPUTS warnings alone
included); 1 findings; 2 could not run
(usage, unreachable chain, an RPC of another chain, records that do not verify against the registry, or a chain
the records name without an RPC); 3 no findings but incomplete (some record could not be checked, e.g. its
block is after the final block, or nothing was declared): not a statement that the records and chains agree.
`;

/** Parses repeated CHAIN=VALUE options into a map. */
function chainPairs(parsed: Parsed, name: string): Map<string, string> {
  const values = parsed.values[name];
  const pairs = new Map<string, string>();
  for (const item of Array.isArray(values) ? values : []) {
    const at = item.indexOf("=");
    if (at < 1) throw new UsageError(`--${name} must be CHAIN=VALUE, e.g. eip155:56=…`);
    const chain = item.slice(0, at);
    if (chain.startsWith("bip122:")) continue; // scripts/cli/bitcoin-targets.ts
    if (!/^eip155:[1-9]\d{0,15}$/.test(chain)) throw new UsageError(`--${name}: ${chain} is not an eip155 chain id`);
    pairs.set(chain, item.slice(at + 1));
  }
  return pairs;
}

function rpcUrls(parsed: Parsed, registryChain: string, registryRpc: string): Map<string, string> {
  const urls = chainPairs(parsed, "chain-rpc");
  for (const [chain, url] of urls) {
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--chain-rpc ${chain}: the URL must be http(s)`);
  }
  if (!urls.has(registryChain)) urls.set(registryChain, registryRpc);
  return urls;
}

async function chainTargets(parsed: Parsed, urls: Map<string, string>, timeoutMs: number) {
  const toBlocks = chainPairs(parsed, "to-block");
  const targets: Record<string, ChainTarget> = {};
  const rpcCalls = { count: 0 };
  for (const [chain, url] of urls) {
    const http = createHttpRpc(url, { timeoutMs });
    await checkRpcChain(http, chain);
    const reader = createEvmChainReader((method, params) => (rpcCalls.count++, http(method, params)));
    const given = toBlocks.get(chain);
    if (given !== undefined && !/^\d{1,15}$/.test(given))
      throw new UsageError(`--to-block ${chain}: not a block number`);
    const latest = await reader.latestBlock();
    const confirmations = confirmationsFor(parsed, chain, 12);
    const toBlock = given !== undefined ? Number(given) : Math.max(0, latest - confirmations);
    if (toBlock > latest) throw new UsageError(`--to-block ${chain}=${toBlock} is beyond the chain's head ${latest}`);
    targets[chain] = { reader, toBlock };
  }
  return { targets, rpcCalls };
}

function progressWriter(io: Io) {
  if (!io.errIsTty) return undefined;
  let last = 0;
  return (p: ReconcileProgress) => {
    const now = Date.now();
    if (now - last < 100 && p.done !== p.total) return;
    last = now;
    io.err(`\r${p.chain} ${p.phase} ${p.done}/${p.total}            `);
  };
}

export function reportTable(report: ReconcileReport, trustedWhole: string[] = []): string {
  const lines = report.chains.flatMap((c) => [
    `${c.chain} up to block ${c.toBlock}${c.blockHash ? ` (${c.blockHash})` : ""}: ${c.declarations} declaration(s), ${c.snapshots} snapshot(s), ${c.movements} movement(s)`,
    ...(c.balances ?? []).map((b) => `  ${b.account} holds ${b.amount} at block ${c.toBlock}`),
    ...(trustedWhole.includes(c.chain)
      ? [`  read through one Esplora endpoint, trusted whole (give two to cross-check)`]
      : []),
  ]);
  const verdict = reconcileVerdict(report);
  if (verdict === "CLEAN") lines.push("No findings: the records and the chains agree.");
  else if (verdict === "INCOMPLETE" && report.chains.length === 0)
    lines.push("Incomplete: nothing was reconciled (no record declares an account on a chain read here).");
  else if (verdict === "INCOMPLETE")
    lines.push(
      `Incomplete: no findings, but ${report.unchecked.length} record(s) could not be checked (below); the records and the chains agree only as far as checked.`,
    );
  if (report.findings.length > 0) {
    // Findings, or (with a clean or incomplete verdict) warnings alone.
    const rows = report.findings.map((f) => [
      String(f.seq),
      f.code,
      f.account ?? "",
      f.movement ?? "",
      f.expected,
      f.actual,
    ]);
    lines.push(table([["seq", "finding", "account", "movement", "records say", "chain shows"], ...rows]));
  }
  for (const u of report.unchecked) lines.push(`not checked: seq ${u.seq}: ${u.reason}`);
  for (const n of report.notes ?? []) lines.push(`note (${n.code}): ${n.message}`);
  lines.push(
    "Not visible to this check: holdings off chain (ETF units, equities, bank accounts), assets at exchanges.",
  );
  return `${lines.join("\n")}\n`;
}

/** --chain-rpc, --to-block, --confirmations, --log-chunk and --json, besides the options every such command takes. */
const OPTIONS = {
  ...RECORDS_OPTIONS,
  "to-block": { type: "string", multiple: true },
  confirmations: { type: "string", multiple: true },
  "log-chunk": { type: "string" },
  json: { type: "boolean" },
} as const;

export async function runReconcileCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, { options: OPTIONS, help: RECONCILE_HELP }, io);
  if (!parsed) return EXIT_OK;
  const { trust, rpcUrl, rpc, timeoutMs } = pinnedChainOptions(parsed);
  const { source } = recordsSourceOption(parsed, timeoutMs, 1);
  const urls = rpcUrls(parsed, `eip155:${trust.chainId}`, rpcUrl);
  const keccak = await fastKeccak();
  const verified = await loadVerifiedRecords(rpc, trust, source, keccak.keccak);
  const { targets } = await chainTargets(parsed, urls, timeoutMs);
  const bitcoin = await bitcoinTargets(parsed, timeoutMs);
  const report = await reconcile({
    records: verified.records,
    anchors: verified.anchors,
    registry: registryCaip10(trust.chainId, trust.registry),
    chains: targets,
    bitcoin: bitcoin.targets,
    logChunkSize: integerOption(parsed, "log-chunk", 2000, 1, 1_000_000),
    onProgress: progressWriter(io),
  });
  if (io.errIsTty) io.err("\n");
  const verdict = reconcileVerdict(report);
  const json = { format: "aiqyn-reconcile/1", verdict, ...report };
  if (parsed.values.json) await writeJson(io, { stdout: true }, json);
  else io.out(reportTable(report, bitcoin.single));
  if (verdict === "FINDINGS") return EXIT_FINDINGS;
  const missingRpc = report.unchecked.some((u) => /^no (RPC|Esplora endpoint) for chain/.test(u.reason));
  if (missingRpc) io.err("aiqyn reconcile: the records name a chain without --chain-rpc: not judged\n");
  if (missingRpc) return EXIT_USAGE;
  return verdict === "INCOMPLETE" ? EXIT_INCOMPLETE : EXIT_OK;
}

/** Two exit statuses as one: could not run (2) over findings (1) over incomplete (3) over clean (0). */
export function worseExit(a: number, b: number): number {
  const rank = (code: number) => [EXIT_OK, EXIT_INCOMPLETE, EXIT_FINDINGS, EXIT_USAGE].indexOf(code);
  return rank(a) >= rank(b) ? a : b;
}

/** `aiqyn audit --chain-rpc …`: the same reconciliation, pinned to the registry the audit just read. */
export function reconcileAfterAudit(
  chainId: number,
  registry: string,
  rpcUrl: string,
  source: string[],
  chainRpcs: string[],
  io: Io,
): Promise<number> {
  io.out("\nReconciliation with the chains:\n");
  const chains = chainRpcs.flatMap((pair) => ["--chain-rpc", pair]);
  return runReconcileCommand(
    ["--chain-id", String(chainId), "--registry", registry, "--rpc", rpcUrl, ...source, ...chains],
    io,
  );
}
