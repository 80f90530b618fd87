/**
 * `aiqyn verify <bundle.json>... --rpc URL --trust FILE`: checks proof bundles with core's one verifier
 * (verifyPinnedBundle) against the trust root the auditor pins, reading the chain through the auditor's own
 * RPC(s). This file only parses options and renders core's checks and verdict.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  AiqynError,
  agreeingChainReads,
  type AiqynCode,
  parseBundleText,
  rpcChainReads,
  verifyPinnedBundle,
  type ChainReads,
  type Check,
  type FieldProblem,
  type Hex,
  type OnChainBatch,
  type PinnedVerdict,
  type TrustRoot,
} from "../../core";
import {
  COMMON_OPTIONS,
  EXIT_FINDINGS,
  EXIT_OK,
  EXIT_USAGE,
  httpUrlOption,
  parseJsonCommand,
  secondsOption,
  stringOption,
  TRUST_HELP,
  TRUST_OPTIONS,
  trustOption,
  UsageError,
  type Parsed,
} from "./args";
import { mirrorSource, serverSource, type ServedItem } from "./audit/source";
import { addDocumentCheck, type DocumentCheck } from "./document";
import { mark, textOut, writeJson, type Io } from "./io";
import { createHttpRpc } from "./rpc";

export const VERIFY_HELP = `Usage: aiqyn verify <bundle.json>... --rpc URL [--rpc URL2] (--trust FILE | --chain-id N --registry ADDRESS)
                    [--server URL | --mirror DIR] [--json] [--offline]

Checks aiqyn-proof/1 bundles against the registry YOU trust: the bundle must name it (else MISMATCH: another
registry); recomputes the leaf from the record, follows the proof to the batch root, checks the seq lies in the
batch and the receipt's signature, then asks the chain (through YOUR RPC) for batch(id), the anchoring
transaction's BatchAnchored log and whether the receipt's signer held ANCHORER_ROLE when it signed. Only the
chain's answer makes a record "anchored". With two --rpc, both must agree on the chain id and batch(id).
A proof binds a record to its batch's root but not to its place in the batch, so the batch's records are read
from --server or --mirror (trusted for nothing): one per seq, in seq order, they must rebuild the anchored root,
and the record's own leaf must be the one at its seq. Without either, a record in a batch of more than one is
"POSITION NOT CHECKED".

Options:
${TRUST_HELP}
  --rpc URL           JSON-RPC endpoint of a node you trust (required unless --offline); give two to
                      require their agreement
  --server URL        an Aiqyn server to read each batch's records from (GET /api/v1/batches/:id/records)
  --mirror DIR        or a static mirror written by "aiqyn export"
  --offline           check everything but the chain; the verdict is then "NOT checked against the chain"
  --document FILE     also check that FILE hashes (keccak256 of its bytes) to the record's documentHash
  --json[=FILE]       the report as JSON: on stdout (the text then on stderr), or written to FILE
  --timeout SECONDS   per-request RPC timeout (default 30)
  -h, --help          this help

Exit status: 0 every bundle anchored and valid; 1 any bundle refused, for another registry, not anchored, not
checked or its position not checked; 2 usage error (no trust root, no --rpc) or unreadable file.
`;

export type OutcomeVerdict = PinnedVerdict | "refused" | "unreadable";

export interface BundleOutcome {
  file: string;
  verdict: OutcomeVerdict;
  ok: boolean;
  seq?: number;
  batchId?: number;
  /** FILE_UNREADABLE: the file could not be read at all; else why the bundle was refused. */
  error?: { code: AiqynCode | "FILE_UNREADABLE"; message: string; problems?: FieldProblem[] };
  checks: (Check | DocumentCheck)[];
  leaf?: Hex;
  computedRoot?: Hex | null;
  onChain?: OnChainBatch | null;
}

interface VerifyRun {
  trust: TrustRoot;
  rpcUrls: string[];
  chain: ChainReads | undefined;
  /** --document FILE: also check that the file hashes to each record's documentHash. */
  document: string | undefined;
  /** --server or --mirror: where each batch's records are read (once per batch). */
  entries: ((batchId: number, leafCount: number) => Promise<ServedItem[]>) | undefined;
}

/** --server URL or --mirror DIR (at most one), read once per batch; a failed read means "not checked". */
function entriesOption(parsed: Parsed, timeoutMs: number): VerifyRun["entries"] {
  const server = httpUrlOption(parsed, "server", false);
  const mirror = stringOption(parsed, "mirror");
  if (server !== undefined && mirror !== undefined) throw new UsageError("give at most one of --server and --mirror");
  const source =
    server !== undefined
      ? serverSource(server, { timeoutMs, retries: 1 })
      : mirror !== undefined
        ? mirrorSource(mirror)
        : undefined;
  if (!source) return undefined;
  const cache = new Map<number, Promise<ServedItem[]>>();
  return (batchId, leafCount) => {
    let entries = cache.get(batchId);
    if (!entries) {
      entries = source.batchRecords(batchId, leafCount).then((result) => {
        if (!result.ok) throw new AiqynError("SOURCE_ERROR", result.message);
        return result.value.items;
      });
      cache.set(batchId, entries);
    }
    return entries;
  };
}

/** The run's trust root and chain reads from the options; UsageError (exit 2) without a trust root. */
function verifyRun(parsed: Parsed): VerifyRun {
  const trust = trustOption(parsed);
  const offline = parsed.values.offline === true;
  const rpcUrls = (parsed.values.rpc as string[] | undefined) ?? [];
  const timeoutMs = secondsOption(parsed, "timeout", 30);
  if (parsed.positionals.length === 0) throw new UsageError("name at least one bundle file");
  if (!offline && rpcUrls.length === 0) throw new UsageError("--rpc URL is required (or --offline to skip the chain)");
  if (offline && rpcUrls.length > 0) throw new UsageError("--offline and --rpc exclude each other");
  if (rpcUrls.length > 2) throw new UsageError("give at most two --rpc");
  for (const url of rpcUrls) if (!/^https?:\/\/./.test(url)) throw new UsageError("--rpc must be an http(s) URL");
  const reads = rpcUrls.map((url) => rpcChainReads(createHttpRpc(url, { timeoutMs }), trust));
  const chain = reads.length === 2 ? agreeingChainReads(reads[0]!, reads[1]!) : reads[0];
  const document = typeof parsed.values.document === "string" ? parsed.values.document : undefined;
  return { trust, rpcUrls, chain, document, entries: entriesOption(parsed, timeoutMs) };
}

/** The trust root, up to two --rpc, --offline, --document, --timeout and --help. */
const OPTIONS = {
  ...TRUST_OPTIONS,
  rpc: { type: "string", multiple: true },
  server: { type: "string" },
  mirror: { type: "string" },
  offline: { type: "boolean" },
  document: { type: "string" },
  ...COMMON_OPTIONS,
} as const;

export async function runVerify(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: OPTIONS, help: VERIFY_HELP, positionals: true }, io);
  if (!command) return EXIT_OK;
  const { parsed, json } = command;
  const run = verifyRun(parsed);
  const outcomes: BundleOutcome[] = [];
  for (const file of parsed.positionals) outcomes.push(await verifyFile(file, run));
  const text = textOut(io, json);
  for (const outcome of outcomes) text(describeOutcome(outcome));
  text(summaryLine(outcomes, run));
  if (json) await writeJson(io, json, jsonReport(run, outcomes));
  if (outcomes.some((o) => o.verdict === "unreadable")) return EXIT_USAGE;
  return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_FINDINGS;
}

async function verifyFile(file: string, run: VerifyRun): Promise<BundleOutcome> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { file, verdict: "unreadable", ok: false, error: { code: "FILE_UNREADABLE", message }, checks: [] };
  }
  try {
    const bundle = parseBundleText(text);
    const entries = run.entries;
    const batchEntries = entries ? (id: number) => entries(id, bundle.batch.leafCount) : undefined;
    const report = await verifyPinnedBundle(bundle, run.trust, run.chain, { batchEntries });
    const outcome: BundleOutcome = {
      file,
      verdict: report.verdict,
      ok: report.verdict === "anchored",
      seq: bundle.record.seq,
      batchId: bundle.batch.id,
      checks: report.checks,
      leaf: report.leaf,
      computedRoot: report.computedRoot,
      onChain: report.onChain,
    };
    await addDocumentCheck(outcome, bundle.record, run.document);
    return outcome;
  } catch (error) {
    return { file, verdict: "refused", ok: false, error: describeParseError(error), checks: [] };
  }
}

function jsonReport(run: VerifyRun, outcomes: BundleOutcome[]): object {
  const { format: _format, ...trust } = run.trust;
  return {
    format: "aiqyn-verify-report/1",
    ok: outcomes.every((o) => o.ok),
    chainChecked: run.chain !== undefined,
    rpc: run.rpcUrls,
    trust,
    bundles: outcomes,
  };
}

function describeParseError(error: unknown): NonNullable<BundleOutcome["error"]> {
  if (error instanceof AiqynError) {
    const problems = Array.isArray(error.details) ? (error.details as FieldProblem[]) : undefined;
    return { code: error.code, message: error.message, ...(problems ? { problems } : {}) };
  }
  return { code: "INVALID_BUNDLE", message: error instanceof Error ? error.message : String(error) };
}

const VERDICT_TEXT: Record<OutcomeVerdict, string> = {
  anchored: "ANCHORED: every check passed, including the chain's",
  mismatch: "MISMATCH: the bundle contradicts itself or the chain",
  "not-anchored": "NOT ANCHORED: the registry you trust has no such batch",
  "other-registry":
    "MISMATCH: this proof is for another registry or chain than the one you trust; never anchored there",
  "wrong-chain": "NOT VERIFIED: the RPC serves another chain than the one you trust",
  "rpcs-disagree": "NOT VERIFIED: the two RPCs disagree about the chain; one of them is lying or broken",
  unchecked: "consistent, but NOT checked against the chain (offline): only the chain can say it was anchored",
  "chain-unavailable": "NOT VERIFIED: the chain could not be read",
  pending: "PENDING: a valid receipt, not anchored yet",
  overdue: "OVERDUE: a valid receipt past the registry's deadline, not anchored",
  "position-unchecked":
    "POSITION NOT CHECKED: the proof leads to the anchored root, but the batch's records were not read, so it is not shown that this record is the one anchored at its seq (give --server URL or --mirror DIR)",
  refused: "REFUSED: not a valid aiqyn-proof/1 bundle",
  unreadable: "ERROR: the file could not be read",
};

const DOCUMENT_MISMATCH_TEXT =
  "DOCUMENT MISMATCH: the record is anchored, but the file given with --document is not the document it names";

function describeOutcome(outcome: BundleOutcome): string {
  const lines: string[] = [];
  const what = outcome.seq === undefined ? "" : ` — record ${outcome.seq}, batch ${outcome.batchId}`;
  lines.push(`${basename(outcome.file)}${what}`);
  if (outcome.error) {
    lines.push(`  ${mark(false)} ${outcome.error.code}: ${outcome.error.message}`);
    for (const p of outcome.error.problems?.slice(1, 20) ?? [])
      lines.push(`  ${mark(false)} ${p.code}: ${p.field || "/"} ${p.message}`);
  }
  for (const check of outcome.checks) lines.push(`  ${mark(check.ok)} ${check.id}: ${check.message}`);
  // The record may be anchored while the --document given is not its document: never "every check passed" then.
  const documentFailed = outcome.verdict === "anchored" && !outcome.ok;
  lines.push(`  ${documentFailed ? DOCUMENT_MISMATCH_TEXT : VERDICT_TEXT[outcome.verdict]}`);
  return lines.join("\n") + "\n\n";
}

function summaryLine(outcomes: BundleOutcome[], run: VerifyRun): string {
  const trusted = `trusted registry ${run.trust.registry} on chain ${run.trust.chainId}`;
  if (!run.chain) {
    const consistent = outcomes.filter((o) => o.verdict === "unchecked").length;
    return `${consistent} of ${outcomes.length} bundle(s) consistent; NOT checked against the chain (--offline); ${trusted}.\n`;
  }
  const anchored = outcomes.filter((o) => o.ok).length;
  return `${anchored} of ${outcomes.length} bundle(s) anchored and valid; ${trusted}.\n`;
}
