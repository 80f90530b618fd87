/** `aiqyn monitor`: argument handling around Monitor, the polling loop with backoff, and the exit code. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { registryCaip10 } from "../../../core";
import {
  EXIT_FINDINGS,
  EXIT_OK,
  httpUrlOption,
  integerOption,
  parseCommand,
  secondsOption,
  stringOption,
  TRUST_HELP,
  UsageError,
  type Parsed,
} from "../args";
import { ChainUnavailableError } from "../audit/chain-facts";
import { loadReceipts } from "../audit/receipts";
import { mirrorSource, serverSource } from "../audit/source";
import { batchPageSizeOption, pinnedChainOptions, RECORDS_OPTIONS, recordsSourceOption } from "../chain-options";
import { bitcoinReaders, confirmationsFor } from "../bitcoin-targets";
import { fastKeccak } from "../fast-keccak";
import type { Io } from "../io";
import { SEVERITIES, type AlertFilter, type AlertSeverity } from "./alerts";
import { Monitor, type MonitorOptions } from "./cycle";
import { AlertDesk } from "./desk";
import { StateDir } from "./state";

export const MONITOR_HELP = `Usage: aiqyn monitor --rpc URL (--trust FILE | --chain-id N --registry ADDRESS)
                     (--server URL | --mirror DIR) --state DIR [options]

Watches the registry continuously: follows its own events from its deployment block (BatchAnchored, role
grants and revocations, admin transfers, pause and unpause), checks each new batch as "aiqyn audit" does
(records against the anchored root, seqs, the head chain, anchoring within the contract's maxAnchorDelay(),
the public views), notices a source that withholds an anchored batch, lists one the chain lacks or leaves a
receipt past its deadline, and reconciles the declared wallets from where it stopped. Each alert has a stable
id and is raised once, across restarts (see docs/MONITORING.md).

Options:
  --rpc URL               JSON-RPC endpoint for the registry's chain (also its asset chain unless
                          --chain-rpc names it)
${TRUST_HELP}
  --server URL            the operator's server; or
  --mirror DIR            a static mirror written by aiqyn export
  --page-size N           a batch's records per page asked of the server (1–10000; default the server's)
  --state DIR             where the monitor keeps its position and the alerts raised (required)
  --chain-rpc CHAIN=URL   an RPC for an asset chain, e.g. eip155:56=https://… (repeatable); for Bitcoin an
                          Esplora endpoint (bip122:<genesis>=https://…; two for one chain must agree), final at
                          --confirmations bip122:…=N blocks below the tip (default 6)
  --confirmations N       blocks below each EVM chain's head taken as final (default 12)
  --once                  one cycle, for cron: exit 0 quiet, 1 alerts, 2 could not run
  --interval SECONDS      pause between cycles (default 30); backs off to 10× while a chain is away
  --webhook URL           POST each alert there, signed (X-Aiqyn-Signature: sha256=HMAC) and retried
  --webhook-secret-file F the webhook's shared secret (or env AIQYN_WEBHOOK_SECRET)
  --atom FILE             keep an Atom feed of the newest alerts in FILE (default DIR/alerts.atom)
  --kind KIND             only alerts of this kind (repeatable), e.g. ROOT_MISMATCH, ADMIN_GRANTED
  --asset SYMBOL          only alerts about this asset (repeatable)
  --account ACCOUNT       only alerts about this account, CAIP-10 or 0x address (repeatable)
  --severity LEVEL        the least severity shown: info, warning (default) or critical
  --receipts PATH         receipts you collected (files or folders, as aiqyn audit takes them)
  --view-sample N         records per batch whose public views are compared (default 2)
  --grace SECONDS         how long a server may still call a fresh batch unanchored (default 120)
  --log-chunk N           widest eth_getLogs range asked, halved when refused (default 2000)
  --timeout SECONDS       per-request timeout (default 30)
  -h, --help              this help

Alerts go to stdout as JSON lines (filters apply to stdout, the webhook, the feed and the exit code; every
alert is kept in DIR/alerts.jsonl). Exit status with --once: 0 no new alert, 1 new alerts, 2 could not run.
`;

const OPTIONS = {
  ...RECORDS_OPTIONS,
  state: { type: "string" },
  confirmations: { type: "string", multiple: true },
  once: { type: "boolean" },
  interval: { type: "string" },
  webhook: { type: "string" },
  "webhook-secret-file": { type: "string" },
  atom: { type: "string" },
  kind: { type: "string", multiple: true },
  asset: { type: "string", multiple: true },
  account: { type: "string", multiple: true },
  severity: { type: "string" },
  receipts: { type: "string", multiple: true },
  "view-sample": { type: "string" },
  grace: { type: "string" },
  "log-chunk": { type: "string" },
} as const;

const list = (parsed: Parsed, name: string, map: (s: string) => string = (s) => s): Set<string> | null => {
  const values = parsed.values[name];
  return Array.isArray(values) && values.length > 0 ? new Set(values.map(map)) : null;
};

function filterOption(parsed: Parsed): AlertFilter {
  const severity = stringOption(parsed, "severity") ?? "warning";
  if (!SEVERITIES.includes(severity as AlertSeverity))
    throw new UsageError(`--severity must be one of ${SEVERITIES.join(", ")}`);
  return {
    kinds: list(parsed, "kind"),
    assets: list(parsed, "asset"),
    accounts: list(parsed, "account", (s) => s.toLowerCase()),
    minSeverity: severity as AlertSeverity,
  };
}

/** --chain-rpc CHAIN=URL (eip155 chains; bip122 ones are bitcoinReaders'), plus the registry's own chain on --rpc unless named. */
function chainRpcOption(parsed: Parsed, registryChain: string, rpcUrl: string): Map<string, string> {
  const urls = new Map<string, string>();
  const values = parsed.values["chain-rpc"];
  for (const item of Array.isArray(values) ? values : []) {
    const at = item.indexOf("=");
    const chain = item.slice(0, Math.max(0, at));
    if (chain.startsWith("bip122:")) continue;
    if (!/^eip155:[1-9]\d{0,15}$/.test(chain) || !/^https?:\/\//.test(item.slice(at + 1)))
      throw new UsageError(`--chain-rpc must be eip155:<id>=http(s)://… or bip122:…, got ${JSON.stringify(item)}`);
    urls.set(chain, item.slice(at + 1));
  }
  if (!urls.has(registryChain)) urls.set(registryChain, rpcUrl);
  return urls;
}

async function webhookOption(parsed: Parsed, timeoutMs: number) {
  const url = httpUrlOption(parsed, "webhook", false);
  if (url === undefined) return null;
  const file = stringOption(parsed, "webhook-secret-file");
  const secret = file !== undefined ? (await readFile(file, "utf8")).trim() : process.env.AIQYN_WEBHOOK_SECRET;
  if (!secret)
    throw new UsageError("--webhook needs a shared secret: --webhook-secret-file FILE or AIQYN_WEBHOOK_SECRET");
  return { url, secret, timeoutMs };
}

async function receiptsOption(parsed: Parsed) {
  const paths = parsed.values.receipts;
  if (!Array.isArray(paths) || paths.length === 0) return [];
  return (await loadReceipts(paths)).receipts;
}

export async function runMonitorCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, { options: OPTIONS, help: MONITOR_HELP }, io);
  if (!parsed) return EXIT_OK;
  const { trust, rpcUrl, rpc, timeoutMs } = pinnedChainOptions(parsed);
  const from = recordsSourceOption(parsed, timeoutMs, 1);
  const stateDir = stringOption(parsed, "state");
  if (stateDir === undefined) throw new UsageError("--state DIR is required (the monitor's position and alerts)");
  const filter = filterOption(parsed);
  const webhook = await webhookOption(parsed, timeoutMs);
  const keccak = await fastKeccak();
  const options: MonitorOptions = {
    trust,
    rpc,
    source: () =>
      from.server !== undefined
        ? serverSource(from.server, { timeoutMs, retries: 1, batchPageSize: batchPageSizeOption(parsed) })
        : mirrorSource(from.mirror),
    server: from.server ?? null,
    mirrorBundles: from.mirror !== undefined ? mirrorBundleReader(from.mirror) : null,
    chainRpcs: chainRpcOption(parsed, `eip155:${trust.chainId}`, rpcUrl),
    bitcoin: bitcoinReaders(parsed, timeoutMs),
    confirmations: confirmationsFor(parsed, `eip155:${trust.chainId}`, 12),
    timeoutMs,
    keccak: keccak.keccak,
    receipts: await receiptsOption(parsed),
    viewSample: integerOption(parsed, "view-sample", 2, 0, 10_000),
    graceSeconds: secondsOption(parsed, "grace", 120) / 1000,
    windowBlocks: 10 * integerOption(parsed, "log-chunk", 2000, 1, 1_000_000),
    logChunk: integerOption(parsed, "log-chunk", 2000, 1, 1_000_000),
    now: io.now,
    log: io.err,
  };
  const dir = await StateDir.open(stateDir);
  try {
    const state = await Monitor.loadState(options, dir);
    const registry = registryCaip10(trust.chainId, trust.registry);
    const atomPath = stringOption(parsed, "atom") ?? join(stateDir, "alerts.atom");
    const desk = await AlertDesk.open(dir, registry, { io, filter, webhook, atomPath }, state);
    await desk.deliver(state); // what a killed run raised but did not hand out
    await desk.writeFeed();
    const monitor = new Monitor(options, dir, desk, state);
    if (parsed.values.once === true) {
      await monitor.cycle();
      return desk.shown > 0 ? EXIT_FINDINGS : EXIT_OK;
    }
    await pollForever(monitor, secondsOption(parsed, "interval", 30), io);
    return EXIT_OK;
  } finally {
    await dir.release();
  }
}

/** Cycles until SIGINT/SIGTERM; a chain that does not answer doubles the pause, up to 10× the interval. */
async function pollForever(monitor: Monitor, intervalMs: number, io: Io): Promise<void> {
  let stop = false;
  let wake: (() => void) | null = null;
  const onSignal = () => {
    stop = true;
    wake?.();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let pause = intervalMs;
  try {
    while (!stop) {
      try {
        await monitor.cycle();
        pause = intervalMs;
      } catch (error) {
        if (!(error instanceof ChainUnavailableError)) throw error;
        io.err(`aiqyn monitor: ${error.message}; trying again in ${Math.round(pause / 1000)} s\n`);
        pause = Math.min(pause * 2, intervalMs * 10);
      }
      if (stop) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** A mirror's bundles/<seq>.json, if it has one (undefined otherwise). */
function mirrorBundleReader(dir: string): (seq: number) => Promise<unknown> {
  return async (seq) => {
    try {
      return JSON.parse(await readFile(join(dir, "bundles", `${seq}.json`), "utf8")) as unknown;
    } catch {
      return undefined;
    }
  };
}
