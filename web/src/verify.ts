/**
 * The verdict, computed without the DOM. The data source (server or mirror) only supplies a record and its
 * proof; every verdict comes from core's one verifier (verifyPinnedBundle / verifyPendingReceipt) against the
 * trust root this page was built with (or the one the citizen deliberately chose), reading the chain through
 * the deployment's public RPCs, two of them when there are two. This file only adds what the page can also
 * see (the data server's own copy of the record) and turns core's checks into steps for the view.
 */
import {
  agreeingChainReads,
  parseBundle,
  rpcChainReads,
  validateRecord,
  verifyPendingReceipt,
  verifyPinnedBundle,
  RECORD_FIELDS,
  type BatchEntries,
  type ChainReads,
  type Check,
  type CheckId,
  type Hex,
  type OnChainBatch,
  type PinnedReport,
  type PinnedVerdict,
  type ProofBundle,
  type Receipt,
  type RecordStanding,
  type RecordV1,
  type RpcRequest,
  type TrustRoot,
} from "../../core/index";
import type { ServedBatchEntry } from "../../core/verify/batch-check";
import { pageConfig, supersededEntry } from "./config";
import type { MessageKey } from "./i18n";
import { createFetchTransport, errorMessage } from "./rpc";
import type { DataSource, ProofAnswer, RecordItem } from "./source";

export type VerdictKind =
  | "anchored"
  | "pending"
  | "overdue"
  | "mismatch"
  | "not-anchored"
  | "other-registry"
  | "wrong-chain"
  | "rpcs-disagree"
  | "no-trust-root"
  | "not-found"
  | "rpc-unreachable"
  | "server-unreachable"
  | "invalid-bundle"
  | "bundle-missing"
  | "position-unchecked";

/** core's check ids, plus what only the page sees: the data server's own copy of the record. */
export type StepId = CheckId | "api-leaf" | "api-record" | "record-valid";

export interface Step {
  id: StepId;
  ok: boolean | null;
  /** The step's message parameters; `time`, when a number, is unix seconds, written out in the page's language. */
  params: Record<string, string | number>;
}

export interface Difference {
  label: MessageKey;
  params?: Record<string, string | number>;
  expected: string;
  found: string;
}

/** What the verdict trusted: always shown to the citizen. */
export interface TrustView {
  trust: TrustRoot;
  /** The trust root this page was built with (null: none baked in). */
  official: TrustRoot | null;
  isOfficial: boolean;
  /** The RPCs asked (two must agree when there are two). */
  rpcUrls: string[];
}

export interface Outcome {
  verdict: VerdictKind;
  /** core's verdict and check ids, exactly as the CLI gets them (null when core was not reached). */
  core: { verdict: PinnedVerdict; checkIds: CheckId[] } | null;
  seq: number | null;
  record: RecordV1 | null;
  steps: Step[];
  differences: Difference[];
  trust: TrustView | null;
  /** The registry a proof named when it is not the trusted one. */
  claimed: { chainId: number; registry: string; superseded: boolean } | null;
  batchId: number | null;
  onChain: OnChainBatch | null;
  /** Block and tx as confirmed by the chain's transaction receipt, else as the bundle states them. */
  blockNumber: number | null;
  blockConfirmed: boolean;
  txHash: string | null;
  explorerUrl: string | null;
  computedLeaf: Hex | null;
  computedRoot: Hex | null;
  receipt: { receipt: Receipt; promisedBy: number | null; overdue: boolean } | null;
  /** The standing shown: the checked one once `standingCheck` is "checked", else the data source's claim. */
  standing: RecordStanding | null;
  correctedBy: number[];
  /**
   * Whether `standing` was recomputed here from this record's batch and every later one (checkStanding):
   * "checking" while that runs, "unchecked" when it could not be (`standingNote` says why), null when there is
   * nothing to check (not anchored). Until "checked", the standing is only the data source's word.
   */
  standingCheck: "checking" | "checked" | "unchecked" | null;
  standingNote: string | null;
  /** How many batches the checked standing rests on. */
  standingBatches: number | null;
  /** Inputs for the contract's verifyRecord() second opinion. */
  secondOpinion: { batchId: number; record: RecordV1; proof: Hex[] } | null;
  bundleUrl: string | null;
  message: string | null;
  /** No RPC is configured to read the chain with (the server's PUBLIC_RPC_URLS and the settings are empty). */
  noRpc?: boolean;
}

/** An outcome with nothing established yet. */
export function blank(verdict: VerdictKind, seq: number | null): Outcome {
  return {
    verdict,
    core: null,
    seq,
    record: null,
    steps: [],
    differences: [],
    trust: null,
    claimed: null,
    batchId: null,
    onChain: null,
    blockNumber: null,
    blockConfirmed: false,
    txHash: null,
    explorerUrl: pageConfig().explorerUrl,
    computedLeaf: null,
    computedRoot: null,
    receipt: null,
    standing: null,
    correctedBy: [],
    standingCheck: null,
    standingNote: null,
    standingBatches: null,
    secondOpinion: null,
    bundleUrl: null,
    message: null,
  };
}

export interface VerifyDeps {
  source: DataSource | null;
  /** The trust root in force (settings.effectiveTrust()). */
  trust: { trust: TrustRoot | null; official: TrustRoot | null; isOfficial: boolean };
  /** The RPCs to ask (settings.readerUrls()). */
  rpcUrls: string[];
  now?: () => number;
  transport?: (url: string) => RpcRequest;
}

/** The chain reads of the pinned registry: over one RPC, or two that must agree. */
function chainFor(deps: VerifyDeps, trust: TrustRoot): ChainReads | undefined {
  const transport = deps.transport ?? ((url: string) => createFetchTransport(url));
  // Public RPCs cap eth_getLogs ranges; a refused range is halved (core/chains/evm/log-scan.ts), so start wide.
  const reads = deps.rpcUrls.map((url) => rpcChainReads(transport(url), trust, { chunkSize: 100_000 }));
  return reads.length >= 2 ? agreeingChainReads(reads[0]!, reads[1]!) : reads[0];
}

function trustView(deps: VerifyDeps): TrustView | null {
  const { trust, official, isOfficial } = deps.trust;
  return trust ? { trust, official, isOfficial, rpcUrls: deps.rpcUrls } : null;
}

/**
 * The batch's records from the data source, fetched once per batch (and source and trust root): checking two
 * records of one batch reads it once. A failed read is asked again next time.
 */
const entriesCache = new Map<string, Promise<readonly ServedBatchEntry[]>>();

function cachedEntries(
  source: DataSource | null,
  trust: TrustRoot,
  batch: ProofBundle["batch"],
): BatchEntries | undefined {
  if (!source) return undefined;
  return (batchId) => {
    const key = `${source.kind}:${source.label}|${trust.chainId}:${trust.registry.toLowerCase()}|${batchId}`;
    let entries = entriesCache.get(key);
    if (!entries) {
      entries = source.batchRecords({ ...batch, id: batchId, ...UNLISTED });
      entries.catch(() => entriesCache.delete(key));
      entriesCache.set(key, entries);
    }
    return entries;
  };
}

/** The BatchInfo fields a source does not need to serve a batch's records. */
const UNLISTED = {
  status: "anchored",
  txHash: null,
  blockNumber: null,
  head: null,
  anchoredAt: null,
  sealedAt: 0,
} as const;

/** Verifies record `seq` as served by the data source. */
export async function verifySeq(seq: number, deps: VerifyDeps): Promise<Outcome> {
  const source = deps.source;
  if (!source) return { ...blank("server-unreachable", seq), message: "no data source" };
  const trust = trustView(deps);
  if (!trust) return blank("no-trust-root", seq);
  let item: RecordItem | null;
  let proof: ProofAnswer;
  try {
    [item, proof] = await Promise.all([source.record(seq), source.proof(seq)]);
  } catch (error) {
    return { ...blank("server-unreachable", seq), trust, message: errorMessage(error) };
  }
  if (!item) return { ...blank("not-found", seq), trust };
  const base: Outcome = {
    ...blank("mismatch", seq),
    trust,
    standing: item.standing ?? null,
    correctedBy: Array.isArray(item.correctedBy) ? item.correctedBy : [],
    batchId: item.batchId,
  };
  const valid = validateRecord(item.record);
  if (!valid.ok) {
    const message = valid.errors.map((p) => `${p.field}: ${p.message}`).join("; ");
    return { ...base, steps: [{ id: "record-valid", ok: false, params: { message } }], message };
  }
  if (proof.kind === "pending" || item.status === "pending") {
    const receipt = proof.kind === "pending" ? (proof.receipt ?? item.receipt) : item.receipt;
    return verifyPending(valid.value, item, receipt, { ...base, record: valid.value }, deps);
  }
  if (proof.kind === "absent") return { ...base, record: valid.value, verdict: "bundle-missing" };
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(proof.json);
  } catch (error) {
    return { ...base, record: valid.value, message: errorMessage(error) };
  }
  return verifyParsed(bundle, item, { ...base, bundleUrl: source.bundleUrl(seq) }, deps);
}

/** Verifies a proof file the citizen gave; the data source (if any) only lends the record's standing. */
export async function verifyBundleText(text: string, deps: VerifyDeps): Promise<Outcome> {
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(JSON.parse(text));
  } catch (error) {
    const message = error instanceof SyntaxError ? "the file is not JSON" : errorMessage(error);
    return { ...blank("invalid-bundle", null), message };
  }
  const trust = trustView(deps);
  if (!trust) return blank("no-trust-root", bundle.record.seq);
  const item = deps.source ? await deps.source.record(bundle.record.seq).catch(() => null) : null;
  const base: Outcome = {
    ...blank("mismatch", bundle.record.seq),
    trust,
    standing: item?.standing ?? null,
    correctedBy: item?.correctedBy ?? [],
  };
  // The given file is what is checked; the server's copy only lends standing, never a verdict.
  return verifyParsed(bundle, null, base, deps);
}

async function verifyParsed(
  bundle: ProofBundle,
  item: RecordItem | null,
  base: Outcome,
  deps: VerifyDeps,
): Promise<Outcome> {
  const trust = base.trust!;
  // The record's position is bound by its whole batch (core/verify/batch-position.ts), read beside the chain.
  const report = await verifyPinnedBundle(bundle, trust.trust, chainFor(deps, trust.trust), {
    batchEntries: cachedEntries(deps.source, trust.trust, bundle.batch),
  });
  const { record, anchor } = bundle;
  const steps = report.checks.map((check) => ({
    id: check.id,
    ok: check.ok,
    params: bundleParams(check, bundle, report),
  }));
  const differences = bundleDifferences(report, bundle);
  if (item) addServedCopy(steps, differences, item, record, report.leaf);
  const other = report.verdict === "other-registry";
  return {
    ...base,
    ...coreParts(report, steps, differences),
    record,
    seq: record.seq,
    batchId: bundle.batch.id,
    txHash: anchor.txHash,
    blockNumber: report.anchorBlock ?? anchor.blockNumber,
    blockConfirmed: report.anchorBlock !== null,
    computedRoot: report.computedRoot,
    claimed: other ? { ...anchor, superseded: supersededEntry(anchor.chainId, anchor.registry) !== null } : null,
    secondOpinion: other ? null : { batchId: bundle.batch.id, record, proof: bundle.proof },
    receipt: bundle.receipt ? { receipt: bundle.receipt, promisedBy: null, overdue: false } : null,
  };
}

async function verifyPending(
  record: RecordV1,
  item: RecordItem,
  receipt: Receipt | null,
  base: Outcome,
  deps: VerifyDeps,
): Promise<Outcome> {
  const trust = base.trust!;
  const chain = chainFor(deps, trust.trust);
  if (!receipt || !chain)
    return { ...base, verdict: receipt ? "rpc-unreachable" : "pending", message: null, noRpc: receipt !== null };
  const now = (deps.now ?? (() => Math.floor(Date.now() / 1000)))();
  const report = await verifyPendingReceipt(record, receipt, trust.trust, chain, now);
  const steps: Step[] = [{ id: "leaf", ok: true, params: { leaf: report.leaf } }];
  steps.push(...report.checks.map((check) => ({ id: check.id, ok: check.ok, params: pendingParams(check, receipt) })));
  const differences: Difference[] = [];
  addServedCopy(steps, differences, item, record, report.leaf, false);
  const promisedBy = report.promisedBy;
  return {
    ...base,
    ...coreParts(report, steps, differences),
    receipt: { receipt, promisedBy, overdue: promisedBy !== null && now > promisedBy },
  };
}

/** The page's verdict from core's, downgraded to mismatch when the data server's own copy disagrees. */
function coreParts(report: PinnedReport, steps: Step[], differences: Difference[]): Partial<Outcome> {
  const served = steps.filter((s) => s.id === "api-leaf" || s.id === "api-record");
  const keep = ["other-registry", "wrong-chain", "rpcs-disagree", "mismatch"];
  let verdict: VerdictKind =
    report.verdict === "chain-unavailable" || report.verdict === "unchecked" ? "rpc-unreachable" : report.verdict;
  if (served.some((s) => s.ok === false) && !keep.includes(verdict)) verdict = "mismatch";
  return {
    verdict,
    core: { verdict: report.verdict, checkIds: report.checks.map((c) => c.id) },
    steps,
    differences,
    onChain: report.onChain,
    computedLeaf: report.leaf,
    message: report.chainError?.message ?? (report.verdict === "unchecked" ? "no RPC configured" : null),
    noRpc: report.verdict === "unchecked",
  };
}

/** Adds the data server's copy (its stated leaf and, for a bundle, its record) after the "leaf" step. */
function addServedCopy(
  steps: Step[],
  differences: Difference[],
  item: RecordItem,
  record: RecordV1,
  leaf: Hex,
  compareRecord = true,
): void {
  const at = steps.findIndex((s) => s.id === "leaf") + 1;
  const apiLeafOk = typeof item.leaf === "string" && item.leaf.toLowerCase() === leaf;
  const added: Step[] = [{ id: "api-leaf", ok: apiLeafOk, params: {} }];
  if (!apiLeafOk) differences.push({ label: "verify.diffApiLeaf", expected: leaf, found: String(item.leaf) });
  if (compareRecord) {
    const fieldDiffs = recordDifferences(item.record, record);
    added.push({ id: "api-record", ok: fieldDiffs.length === 0, params: {} });
    differences.push(...fieldDiffs);
  }
  steps.splice(at, 0, ...added);
}

function bundleParams(check: Check, bundle: ProofBundle, report: PinnedReport): Step["params"] {
  const { record, batch, anchor } = bundle;
  const trust = report.trust;
  switch (check.id) {
    case "trust-root":
      return {
        registry: anchor.registry,
        chainId: anchor.chainId,
        trusted: trust.registry,
        trustedChain: trust.chainId,
      };
    case "leaf":
      return { leaf: report.leaf };
    case "seq-in-batch":
      return { seq: record.seq, batch: batch.id, first: batch.firstSeq, last: batch.firstSeq + batch.leafCount - 1 };
    case "proof-length":
      return { steps: bundle.proof.length };
    case "proof-root":
      return { root: report.computedRoot ?? "" };
    case "receipt":
      return { signer: bundle.receipt?.signer ?? "" };
    case "chain-id":
      return { chainId: trust.chainId, actual: String(check.actual ?? "—") };
    case "chain-batch":
      return { batch: batch.id, time: report.onChain ? report.onChain.anchoredAt : "" };
    case "anchor-tx":
      return { tx: anchor.txHash, batch: batch.id, block: anchor.blockNumber };
    case "leaf-position":
      return { index: record.seq - batch.firstSeq, batch: batch.id, count: batch.leafCount };
    default:
      return {};
  }
}

function pendingParams(check: Check, receipt: Receipt): Step["params"] {
  if (check.id === "receipt") return { signer: receipt.signer };
  if (check.id === "chain-id") return { chainId: String(check.expected), actual: String(check.actual) };
  if (check.id === "anchor-deadline") return { time: Number(check.expected) };
  if (check.id === "published-at") return { time: Number(check.actual) };
  return {};
}

function bundleDifferences(report: PinnedReport, bundle: ProofBundle): Difference[] {
  const failed = (id: CheckId) => report.checks.some((c) => c.id === id && c.ok === false);
  const out: Difference[] = [];
  if (failed("trust-root"))
    out.push({
      label: "verify.diffRegistry",
      expected: `${report.trust.registry} (${report.trust.chainId})`,
      found: `${bundle.anchor.registry} (${bundle.anchor.chainId})`,
    });
  if (failed("leaf")) out.push({ label: "verify.diffLeaf", expected: bundle.leaf, found: report.leaf });
  if (failed("chain-id")) {
    const check = report.checks.find((c) => c.id === "chain-id")!;
    out.push({ label: "verify.diffChain", expected: String(check.expected), found: String(check.actual) });
  }
  const root = report.onChain?.root ?? bundle.batch.root;
  if ((failed("proof-root") || failed("chain-root")) && report.computedRoot)
    out.push({ label: "verify.diffRoot", expected: root, found: report.computedRoot });
  if (failed("anchor-tx"))
    out.push({ label: "verify.diffBlock", expected: String(bundle.anchor.blockNumber), found: "—" });
  return out;
}

/** Fields where the data server's record and the proof file's record differ (exact JSON values). */
export function recordDifferences(served: unknown, proven: RecordV1): Difference[] {
  const a = (typeof served === "object" && served !== null ? served : {}) as Record<string, unknown>;
  const out: Difference[] = [];
  for (const field of RECORD_FIELDS) {
    const left = JSON.stringify(a[field]);
    const right = JSON.stringify(proven[field]);
    if (left !== right)
      out.push({ label: "verify.diffField", params: { field }, expected: left ?? "—", found: right ?? "—" });
  }
  return out;
}

/**
 * The anchored outcome's standing recomputed from checked batches (web/src/figures.ts, loaded on demand so the
 * verdict's path stays small): the data source's claim is replaced by what this record's batch and every later
 * one say, or marked unchecked with the reason. Other outcomes are returned as they are.
 */
export async function checkStanding(o: Outcome, deps: VerifyDeps, stillCurrent: () => boolean): Promise<Outcome> {
  const trust = o.trust?.trust;
  if (o.verdict !== "anchored" || !o.record || o.batchId === null || !trust || !deps.source) return o;
  if (deps.rpcUrls.length === 0) return { ...o, standingCheck: "unchecked", standingNote: "no RPC" };
  const { checkedStanding } = await import("./figures");
  const result = await checkedStanding(o.record.seq, o.batchId, {
    source: deps.source,
    trust,
    rpcUrls: deps.rpcUrls,
    stillCurrent,
  });
  if (!result.ok) {
    const note = result.message ?? result.failed.map((f) => `batch ${f.id}: ${f.problem}`).join("; ");
    return { ...o, standingCheck: "unchecked", standingNote: note || "not every batch was checked" };
  }
  return {
    ...o,
    standing: result.standing,
    correctedBy: result.correctedBy,
    standingCheck: "checked",
    standingNote: null,
    standingBatches: result.batches,
  };
}
