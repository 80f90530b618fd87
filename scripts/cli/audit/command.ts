/** `aiqyn audit`: argument handling around runAudit, and the exit code. */
import {
  addressOption,
  EXIT_FINDINGS,
  EXIT_OK,
  httpUrlOption,
  integerOption,
  parse,
  requireOption,
  secondsOption,
  stringOption,
  UsageError,
} from "../args";
import { writeFileAtomic } from "../fs-atomic";
import { fastKeccak } from "../fast-keccak";
import type { Io } from "../io";
import { createHttpRpc } from "../rpc";
import { loadReceipts } from "./receipts";
import { isClean, jsonReport, summaryText } from "./report";
import { runAudit } from "./run";
import { mirrorSource, serverSource } from "./source";

export const AUDIT_HELP = `Usage: aiqyn audit --rpc URL --registry ADDRESS (--server URL | --mirror DIR) [options]

Walks every batch anchored on chain, fetches its records from the server (or a mirror written by
"aiqyn export"), recomputes every leaf and root with the protocol core, and checks roots, leaf counts, seq
continuity, the head hash chain, corrections and, with --receipts, every receipt. The chain is read at one
pinned block through YOUR RPC; the server or mirror is trusted for nothing.

Options:
  --rpc URL             JSON-RPC endpoint of a node you trust (required)
  --registry ADDRESS    the TransparencyRegistry contract (required)
  --server URL          the operator's server (base URL, e.g. http://127.0.0.1:3000)
  --mirror DIR          a static mirror (index.json + batches/) instead of a server
  --receipts DIR        JSON files of receipts (one, an array, or a POST answer { receipts: [...] })
  --max-delay SECONDS   the promised maximum anchoring delay (default: the source's maxAnchorDelaySeconds)
  --json FILE           also write the full report as JSON to FILE
  --concurrency N       batches fetched ahead (default 4, 1–64)
  --timeout SECONDS     per-request timeout for the server and the RPC (default 30)
  --retries N           extra attempts after a server timeout or connection failure (default 1)
  --chain-rpc CHAIN=URL also reconcile the records with that asset chain (repeatable; see aiqyn reconcile)
  -h, --help            this help

Exit status: 0 clean (no error findings); 1 findings; 2 usage error or fatal (chain unreachable, no contract).
`;

export async function runAuditCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parse(
    argv,
    {
      rpc: { type: "string" },
      registry: { type: "string" },
      server: { type: "string" },
      mirror: { type: "string" },
      receipts: { type: "string" },
      "max-delay": { type: "string" },
      json: { type: "string" },
      concurrency: { type: "string" },
      timeout: { type: "string" },
      retries: { type: "string" },
      "chain-rpc": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (parsed.values.help) {
    io.out(AUDIT_HELP);
    return EXIT_OK;
  }
  const rpcUrl = httpUrlOption(parsed, "rpc", true);
  requireOption(parsed, "registry");
  const registry = addressOption(parsed, "registry")!;
  const serverUrl = httpUrlOption(parsed, "server", false);
  const mirrorDir = stringOption(parsed, "mirror");
  if ((serverUrl === undefined) === (mirrorDir === undefined))
    throw new UsageError("give exactly one of --server URL and --mirror DIR");
  const concurrency = integerOption(parsed, "concurrency", 4, 1, 64);
  const retries = integerOption(parsed, "retries", 1, 0, 10);
  const timeoutMs = secondsOption(parsed, "timeout", 30);
  const maxDelayText = stringOption(parsed, "max-delay");
  const maxDelaySeconds =
    maxDelayText === undefined ? undefined : integerOption(parsed, "max-delay", 0, 0, 10 * 365 * 86400);
  const jsonFile = stringOption(parsed, "json");

  let receipts: Awaited<ReturnType<typeof loadReceipts>> | undefined;
  const receiptsDir = stringOption(parsed, "receipts");
  if (receiptsDir !== undefined) {
    try {
      receipts = await loadReceipts(receiptsDir);
    } catch (error) {
      throw new UsageError(`--receipts ${receiptsDir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const source = serverUrl !== undefined ? serverSource(serverUrl, { timeoutMs, retries }) : mirrorSource(mirrorDir!);
  const keccak = await fastKeccak();
  const started = new Date();
  const result = await runAudit({
    rpc: createHttpRpc(rpcUrl, { timeoutMs }),
    registry,
    source,
    keccak: keccak.keccak,
    concurrency,
    ...(receipts ? { receipts: receipts.receipts, receiptFindings: receipts.findings } : {}),
    ...(maxDelaySeconds !== undefined ? { maxDelaySeconds } : {}),
    now: io.now(),
    ...(io.errIsTty ? { progress: io.err } : {}),
  });
  const finished = new Date();
  io.out(summaryText(result, source.description, rpcUrl, keccak.name, (finished.getTime() - started.getTime()) / 1000));
  if (jsonFile !== undefined) {
    const report = jsonReport(result, {
      rpc: rpcUrl,
      source: source.description,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      keccak: keccak.name,
    });
    await writeFileAtomic(jsonFile, JSON.stringify(report, null, 2) + "\n");
  }
  const code = isClean(result) ? EXIT_OK : EXIT_FINDINGS;
  const chainRpcs = parsed.values["chain-rpc"];
  if (!Array.isArray(chainRpcs) || chainRpcs.length === 0) return code;
  const { reconcileAfterAudit } = await import("../reconcile");
  const from = serverUrl !== undefined ? ["--server", serverUrl] : ["--mirror", mirrorDir!];
  return Math.max(code, await reconcileAfterAudit(result.totals.chainId, registry, rpcUrl, from, chainRpcs, io));
}
