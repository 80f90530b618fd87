/** `aiqyn audit`: argument handling around runAudit, the reports, and the exit code. */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  EXIT_FINDINGS,
  EXIT_OK,
  integerOption,
  parseJsonCommand,
  stringOption,
  TRUST_HELP,
  UsageError,
  type Parsed,
} from "../args";
import { pinnedChainOptions, RECORDS_OPTIONS, recordsSourceOption, type RecordsSource } from "../chain-options";
import { fastKeccak } from "../fast-keccak";
import { textOut, writeJson, type Io } from "../io";
import { loadCompiledRegistry, DEFAULT_ARTIFACTS } from "./code-check";
import { writeAuditCsv } from "./csv";
import { loadReceipts } from "./receipts";
import { isClean, jsonReport, summaryText, type ReportMeta } from "./report";
import { runAudit, type AuditOptions } from "./run";

export const AUDIT_HELP = `Usage: aiqyn audit --rpc URL (--trust FILE | --chain-id N --registry ADDRESS) (--server URL | --mirror DIR) [options]

Walks every batch anchored on chain, fetches its records from the server (or a mirror written by
"aiqyn export"), recomputes every leaf and root with the protocol core, and checks roots, seqs, the head hash
chain against the BatchAnchored logs, the registry's code against the compiled contract, anchoring delays
(the contract's maxAnchorDelay()), corrections, the public views and, with --receipts, every receipt. The chain
is read at one pinned block through YOUR RPC; the server or mirror is trusted for nothing.

Options:
  --rpc URL             JSON-RPC endpoint of a node you trust (required)
${TRUST_HELP}
  --server URL          the operator's server (base URL, e.g. http://127.0.0.1:3000)
  --mirror DIR          a static mirror (index.json + batches/ [+ bundles/]) instead of a server
  --page-size N         a batch's records per page asked of the server (1–10000; default the server's)
  --block N             audit as of block N (default: the latest), to re-run a published report
  --as-of DATE          corrections and totals from the records published by DATE (YYYY-MM-DD, through
                        the end of that UTC day, or unix seconds)
  --receipts PATH       receipts: a file or folder of JSON files (receipts, POST answers, proof bundles);
                        repeatable
  --max-delay SECONDS   a STRICTER deadline than the contract's maxAnchorDelay() (labelled in the report)
  --json[=FILE]         the full report as JSON: on stdout (text then on stderr), or written to FILE
  --csv DIR             write DIR/records.csv (verified records) and DIR/totals.csv (recomputed totals)
  --view-sample N       records whose /records/:seq and /proof views are fetched (default 200; 0 = all),
                        drawn at random from a fresh seed printed in the report
  --view-seed HEX       draw the sample from this seed instead (to repeat a report's sample)
  --artifacts DIR       the Hardhat artifacts holding the compiled registry (default: this repository's)
  --concurrency N       batches fetched ahead (default 4, 1–64)
  --timeout SECONDS     per-request timeout for the server and the RPC (default 30)
  --retries N           extra attempts after a server timeout or connection failure (default 1)
  --chain-rpc CHAIN=URL also reconcile the records with that asset chain (repeatable; see aiqyn reconcile)
  -h, --help            this help

Exit status: 0 clean (no error findings); 1 findings; 2 usage error or fatal (chain unreachable, another chain,
no contract, no compiled registry); with --chain-rpc, 3 when the reconciliation found nothing but is incomplete.
`;

const OPTIONS = {
  ...RECORDS_OPTIONS,
  block: { type: "string" },
  "as-of": { type: "string" },
  receipts: { type: "string", multiple: true },
  "max-delay": { type: "string" },
  csv: { type: "string" },
  "view-sample": { type: "string" },
  "view-seed": { type: "string" },
  artifacts: { type: "string" },
  concurrency: { type: "string" },
  retries: { type: "string" },
} as const;

export async function runAuditCommand(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: OPTIONS, help: AUDIT_HELP }, io);
  if (!command) return EXIT_OK;
  const { parsed, json } = command;
  const { options, rpcUrl, from } = await auditOptions(parsed, io);
  const keccak = await fastKeccak();
  const started = new Date();
  const result = await runAudit({ ...options, keccak: keccak.keccak });
  const meta: ReportMeta = {
    tool: `aiqyn ${toolVersion()}`,
    arguments: argv,
    trust: options.trust,
    rpc: rpcUrl,
    source: options.source.description,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    keccak: keccak.name,
  };
  textOut(io, json)(summaryText(result, meta));
  if (json) await writeJson(io, json, jsonReport(result, meta));
  const csvDir = stringOption(parsed, "csv");
  if (csvDir !== undefined) await writeAuditCsv(csvDir, result);
  const code = isClean(result) ? EXIT_OK : EXIT_FINDINGS;
  const { worseExit } = await import("../reconcile");
  return worseExit(code, await reconcileToo(parsed, options, rpcUrl, from, io));
}

/** With --chain-rpc, the records are also reconciled with the asset chains (aiqyn reconcile), same trust root. */
async function reconcileToo(
  parsed: Parsed,
  options: AuditOptions,
  rpcUrl: string,
  from: RecordsSource,
  io: Io,
): Promise<number> {
  const chainRpcs = parsed.values["chain-rpc"];
  if (!Array.isArray(chainRpcs) || chainRpcs.length === 0) return EXIT_OK;
  const { reconcileAfterAudit } = await import("../reconcile");
  const { chainId, registry } = options.trust;
  return reconcileAfterAudit(chainId, registry, rpcUrl, from.args, chainRpcs, io);
}

/** --view-seed HEX (8–64 hex digits), else 16 fresh random bytes: the server cannot foresee the sample. */
function viewSeedOption(given: string | undefined): string {
  if (given === undefined) return randomBytes(16).toString("hex");
  if (!/^[0-9a-f]{8,64}$/i.test(given)) throw new UsageError("--view-seed must be 8 to 64 hex digits");
  return given.toLowerCase();
}

async function auditOptions(
  parsed: Parsed,
  io: Io,
): Promise<{ options: Omit<AuditOptions, "keccak">; rpcUrl: string; from: RecordsSource }> {
  const { trust, rpcUrl, rpc, timeoutMs } = pinnedChainOptions(parsed);
  const from = recordsSourceOption(parsed, timeoutMs, integerOption(parsed, "retries", 1, 0, 10));
  const stricter = stringOption(parsed, "max-delay");
  const block = stringOption(parsed, "block");
  const options: Omit<AuditOptions, "keccak"> = {
    rpc,
    trust,
    source: from.source,
    views:
      from.server !== undefined
        ? {
            server: from.server,
            timeoutMs,
            sample: integerOption(parsed, "view-sample", 200, 0, 1e9),
            seed: viewSeedOption(stringOption(parsed, "view-seed")),
          }
        : { mirror: from.mirror },
    compiled: await compiledRegistry(stringOption(parsed, "artifacts")),
    concurrency: integerOption(parsed, "concurrency", 4, 1, 64),
    ...(await receiptsOption(parsed)),
    ...(stricter !== undefined
      ? { stricterDelaySeconds: integerOption(parsed, "max-delay", 0, 1, 10 * 365 * 86400) }
      : {}),
    ...(block !== undefined ? { block: integerOption(parsed, "block", 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...asOfOption(stringOption(parsed, "as-of")),
    now: io.now(),
    ...(io.errIsTty ? { progress: io.err } : {}),
  };
  return { options, rpcUrl, from };
}

/** --as-of DATE: a UTC day (through its last second) or unix seconds. */
export function asOfOption(text: string | undefined): Pick<AuditOptions, "publishedBy"> {
  if (text === undefined) return {};
  if (/^\d{1,12}$/.test(text)) return { publishedBy: Number(text) };
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T23:59:59Z`) : NaN;
  if (Number.isNaN(day)) throw new UsageError("--as-of must be a date YYYY-MM-DD or unix seconds");
  return { publishedBy: day / 1000 };
}

async function compiledRegistry(dir: string | undefined) {
  try {
    return await loadCompiledRegistry(dir ?? DEFAULT_ARTIFACTS);
  } catch (error) {
    throw new UsageError(
      `the compiled TransparencyRegistry is needed to check the registry's code, and was not found in ${dir ?? DEFAULT_ARTIFACTS} ` +
        `(${error instanceof Error ? error.message : String(error)}): run "npx hardhat compile" or pass --artifacts DIR`,
    );
  }
}

async function receiptsOption(parsed: Parsed): Promise<Pick<AuditOptions, "receipts" | "receiptFindings">> {
  const paths = parsed.values.receipts;
  if (!Array.isArray(paths) || paths.length === 0) return {};
  try {
    const loaded = await loadReceipts(paths);
    return { receipts: loaded.receipts, receiptFindings: loaded.findings };
  } catch (error) {
    throw new UsageError(`--receipts: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The CLI's version, from package.json (for reports). */
export function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, "../../../package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
