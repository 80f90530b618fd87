/**
 * `aiqyn verify <bundle.json>... --rpc URL`: checks proof bundles with core's parseBundleText and verifyBundle,
 * reading the batch from the auditor's own RPC. Exit 0 only when every bundle is anchored and valid.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  ANCHORER_ROLE,
  AiqynError,
  createRegistryReader,
  parseBundleText,
  verifyBundle,
  type Check,
  type FieldProblem,
  type Hex,
  type ProofBundle,
  type RpcRequest,
  type VerificationReport,
} from "../../core";
import {
  addressOption,
  EXIT_FINDINGS,
  EXIT_OK,
  EXIT_USAGE,
  httpUrlOption,
  parse,
  secondsOption,
  stringOption,
  UsageError,
} from "./args";
import { addDocumentCheck } from "./document";
import { mark, type Io } from "./io";
import { createHttpRpc } from "./rpc";

export const VERIFY_HELP = `Usage: aiqyn verify <bundle.json>... --rpc URL [--registry ADDRESS] [--json] [--offline]

Checks aiqyn-proof/1 bundles: recomputes the leaf from the record, follows the proof to the batch root, checks
the seq lies in the batch and the receipt's signature, then asks the chain (through YOUR RPC) for batch(id)
and compares root, firstSeq and leafCount. Only the chain's answer makes a record "anchored".

Options:
  --rpc URL           JSON-RPC endpoint of a node you trust (required unless --offline)
  --registry ADDRESS  the registry contract you trust; a bundle naming another one is refused.
                      Without it the bundle's own anchor.registry is read (and said so).
  --offline           check everything but the chain; the verdict is then "NOT checked against the chain"
  --document FILE     also check that FILE hashes (keccak256 of its bytes) to the record's documentHash
  --json              print a machine-readable report on stdout instead of text
  --timeout SECONDS   per-request RPC timeout (default 30)
  -h, --help          this help

Exit status: 0 every bundle anchored and valid; 1 any bundle refused, not anchored or not checked;
2 usage error or unreadable file.
`;

/** The CLI's own check on top of core's: the receipt's signer holds ANCHORER_ROLE on the registry read. */
export type CliCheck = Omit<Check, "id"> & { id: Check["id"] | "receipt-signer-role" | "document-hash" };

export interface BundleOutcome {
  file: string;
  /** anchored | mismatch | not-anchored | unchecked | chain-unavailable, or "refused" when it did not parse. */
  verdict: VerificationReport["verdict"] | "refused" | "unreadable";
  ok: boolean;
  seq?: number;
  batchId?: number;
  error?: { code: string; message: string; problems?: FieldProblem[] };
  checks: CliCheck[];
  leaf?: Hex;
  computedRoot?: Hex;
  onChain?: VerificationReport["onChain"];
}

export async function runVerify(argv: string[], io: Io): Promise<number> {
  const parsed = parse(
    argv,
    {
      rpc: { type: "string" },
      registry: { type: "string" },
      json: { type: "boolean" },
      offline: { type: "boolean" },
      document: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    true,
  );
  if (parsed.values.help) {
    io.out(VERIFY_HELP);
    return EXIT_OK;
  }
  const offline = parsed.values.offline === true;
  const rpcUrl = httpUrlOption(parsed, "rpc", false);
  const pinnedRegistry = addressOption(parsed, "registry");
  const timeoutMs = secondsOption(parsed, "timeout", 30);
  if (parsed.positionals.length === 0) throw new UsageError("name at least one bundle file");
  if (!offline && rpcUrl === undefined) throw new UsageError("--rpc URL is required (or --offline to skip the chain)");
  if (offline && rpcUrl !== undefined) throw new UsageError("--offline and --rpc exclude each other");

  const rpc = rpcUrl === undefined ? undefined : createHttpRpc(rpcUrl, { timeoutMs });
  let chainId: Promise<number> | undefined;
  const outcomes: BundleOutcome[] = [];
  for (const file of parsed.positionals) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcomes.push({
        file,
        verdict: "unreadable",
        ok: false,
        error: { code: "FILE_UNREADABLE", message },
        checks: [],
      });
      continue;
    }
    let bundle: ProofBundle;
    try {
      bundle = parseBundleText(text);
    } catch (error) {
      outcomes.push({ file, verdict: "refused", ok: false, error: describeParseError(error), checks: [] });
      continue;
    }
    if (!rpc) {
      outcomes.push(toOutcome(file, bundle, await verifyBundle(bundle)));
      await addDocumentCheck(outcomes[outcomes.length - 1]!, bundle.record, stringOption(parsed, "document"));
      continue;
    }
    chainId ??= readChainId(rpc);
    outcomes.push(await verifyOnline(file, bundle, rpc, chainId, pinnedRegistry));
    await addDocumentCheck(outcomes[outcomes.length - 1]!, bundle.record, stringOption(parsed, "document"));
  }

  if (parsed.values.json) {
    io.out(
      JSON.stringify(
        {
          format: "aiqyn-verify-report/1",
          ok: outcomes.every((o) => o.ok),
          chainChecked: !offline,
          rpc: rpcUrl ?? null,
          registry: pinnedRegistry ?? null,
          bundles: outcomes,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const outcome of outcomes) io.out(describeOutcome(outcome, offline, pinnedRegistry));
    io.out(summaryLine(outcomes, offline));
  }
  if (outcomes.some((o) => o.verdict === "unreadable")) return EXIT_USAGE;
  return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_FINDINGS;
}

async function verifyOnline(
  file: string,
  bundle: ProofBundle,
  rpc: RpcRequest,
  chainIdPromise: Promise<number>,
  pinnedRegistry: string | undefined,
): Promise<BundleOutcome> {
  // Read the registry the auditor pinned; without a pin, the bundle's own (the identity check then covers the chain only).
  const registry = pinnedRegistry ?? bundle.anchor.registry;
  const reader = createRegistryReader(rpc, registry);
  let chainId: number | undefined;
  try {
    chainId = await chainIdPromise;
  } catch {
    chainId = undefined; // verifyBundle's own chain read fails the same way and reports chain-unavailable
  }
  const report = await verifyBundle(
    bundle,
    reader.batch,
    chainId === undefined ? {} : { trusted: { chainId, registry } },
  );
  const outcome = toOutcome(file, bundle, report);
  if (bundle.receipt && report.verdict === "anchored") {
    let check: CliCheck;
    try {
      const holds = await reader.hasRole(ANCHORER_ROLE, bundle.receipt.signer);
      check = holds
        ? {
            id: "receipt-signer-role",
            ok: true,
            message: `the receipt's signer holds ANCHORER_ROLE on registry ${registry}`,
          }
        : {
            id: "receipt-signer-role",
            ok: false,
            message: `the receipt's signer ${bundle.receipt.signer} does not hold ANCHORER_ROLE on registry ${registry}`,
          };
    } catch (error) {
      check = {
        id: "receipt-signer-role",
        ok: null,
        message: `could not read the signer's role: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    outcome.checks.push(check);
    if (check.ok === false) {
      outcome.verdict = "mismatch";
      outcome.ok = false;
    }
  }
  return outcome;
}

/** eth_chainId, asked once per run: the chain every bundle is checked against. */
async function readChainId(rpc: RpcRequest): Promise<number> {
  const result = await rpc("eth_chainId", []);
  if (typeof result !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(result))
    throw new AiqynError("RPC_BAD_ANSWER", "eth_chainId answered garbage");
  return Number(BigInt(result));
}

function toOutcome(file: string, bundle: ProofBundle, report: VerificationReport): BundleOutcome {
  return {
    file,
    verdict: report.verdict,
    ok: report.verdict === "anchored",
    seq: bundle.record.seq,
    batchId: bundle.batch.id,
    checks: report.checks.map((c) => ({ ...c })),
    leaf: report.leaf,
    computedRoot: report.computedRoot,
    onChain: report.onChain,
  };
}

function describeParseError(error: unknown): NonNullable<BundleOutcome["error"]> {
  if (error instanceof AiqynError) {
    const problems = Array.isArray(error.details) ? (error.details as FieldProblem[]) : undefined;
    return { code: error.code, message: error.message, ...(problems ? { problems } : {}) };
  }
  return { code: "INVALID_BUNDLE", message: error instanceof Error ? error.message : String(error) };
}

const VERDICT_TEXT: Record<BundleOutcome["verdict"], string> = {
  anchored: "ANCHORED: every check passed, including the chain's",
  mismatch: "REFUSED: the bundle contradicts itself or the chain",
  "not-anchored": "NOT ANCHORED: the chain has no such batch",
  unchecked: "consistent, but NOT checked against the chain (offline): only the chain can say it was anchored",
  "chain-unavailable": "NOT VERIFIED: the chain could not be read",
  refused: "REFUSED: not a valid aiqyn-proof/1 bundle",
  unreadable: "ERROR: the file could not be read",
};

function describeOutcome(outcome: BundleOutcome, offline: boolean, pinnedRegistry: string | undefined): string {
  const lines: string[] = [];
  const what = outcome.seq === undefined ? "" : ` — record ${outcome.seq}, batch ${outcome.batchId}`;
  lines.push(`${basename(outcome.file)}${what}`);
  if (outcome.error) {
    lines.push(`  ${mark(false)} ${outcome.error.code}: ${outcome.error.message}`);
    for (const p of outcome.error.problems?.slice(1, 20) ?? [])
      lines.push(`  ${mark(false)} ${p.code}: ${p.field || "/"} ${p.message}`);
  }
  for (const check of outcome.checks) lines.push(`  ${mark(check.ok)} ${check.id}: ${check.message}`);
  if (!offline && !pinnedRegistry && outcome.seq !== undefined) {
    lines.push(`  note: the registry was taken from the bundle; pass --registry to pin the one you trust`);
  }
  lines.push(`  ${VERDICT_TEXT[outcome.verdict]}`);
  return lines.join("\n") + "\n\n";
}

function summaryLine(outcomes: BundleOutcome[], offline: boolean): string {
  const anchored = outcomes.filter((o) => o.ok).length;
  if (offline) {
    const consistent = outcomes.filter((o) => o.verdict === "unchecked").length;
    return `${consistent} of ${outcomes.length} bundle(s) consistent; NOT checked against the chain (--offline).\n`;
  }
  return `${anchored} of ${outcomes.length} bundle(s) anchored and valid.\n`;
}
