/**
 * The verdict, computed without the DOM. The data source (server or mirror) only supplies a record and its
 * proof; the page recomputes the leaf with core's leafHash, runs the proof with core's verifyBundle, and reads
 * batch(id) from the registry through the RPC the citizen trusts. Nothing here rests on a leaf the page did
 * not compute.
 */
import {
  ANCHORER_ROLE,
  bytesToHex,
  createRegistryReader,
  keccak256,
  leafHash,
  parseBundle,
  receiptSignatureValid,
  utf8Bytes,
  validateRecord,
  verifyBundle,
  RECORD_FIELDS,
  type Hex,
  type OnChainBatch,
  type ProofBundle,
  type Receipt,
  type RecordStanding,
  type RecordV1,
  type RpcRequest,
} from "../../core/index";
import type { MessageKey } from "./i18n";
import { createFetchTransport, errorMessage } from "./rpc";
import type { DataSource, ProofAnswer, RecordItem, RegistryInfo } from "./source";
import type { Settings } from "./settings";

export type VerdictKind =
  | "anchored"
  | "pending"
  | "mismatch"
  | "not-anchored"
  | "not-found"
  | "rpc-unreachable"
  | "server-unreachable"
  | "invalid-bundle"
  | "bundle-missing";

export type StepId =
  | "leaf"
  | "api-leaf"
  | "api-record"
  | "seq-in-batch"
  | "proof-length"
  | "proof-root"
  | "receipt"
  | "receipt-role"
  | "chain-id"
  | "chain-identity"
  | "chain-batch"
  | "chain-root"
  | "chain-range"
  | "anchor-tx"
  | "record-valid";

/** Steps read top to bottom: what the browser computed itself first, then what the chain says. */
const STEP_ORDER: StepId[] = [
  "record-valid",
  "leaf",
  "api-leaf",
  "api-record",
  "seq-in-batch",
  "proof-length",
  "proof-root",
  "receipt",
  "chain-id",
  "receipt-role",
  "chain-identity",
  "chain-batch",
  "chain-root",
  "chain-range",
  "anchor-tx",
];

export interface Step {
  id: StepId;
  ok: boolean | null;
  params: Record<string, string | number>;
}

export interface Difference {
  label: MessageKey;
  params?: Record<string, string | number>;
  expected: string;
  found: string;
}

/** What the verdict trusted: always shown to the citizen. */
export interface Trust {
  rpcUrl: string;
  registry: string;
  /** The chain the registry lives on, per the data source (null when there is none). */
  expectedChainId: number | null;
  /** What the RPC itself answered to eth_chainId (null when it did not answer). */
  rpcChainId: number | null;
}

export interface Outcome {
  verdict: VerdictKind;
  seq: number | null;
  record: RecordV1 | null;
  steps: Step[];
  differences: Difference[];
  trust: Trust | null;
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
  standing: RecordStanding | null;
  correctedBy: number[];
  /** Inputs for the contract's verifyRecord() second opinion. */
  secondOpinion: { batchId: number; record: RecordV1; proof: Hex[] } | null;
  bundleUrl: string | null;
  message: string | null;
}

/** An outcome with nothing established yet. */
export function blank(verdict: VerdictKind, seq: number | null): Outcome {
  return {
    verdict,
    seq,
    record: null,
    steps: [],
    differences: [],
    trust: null,
    batchId: null,
    onChain: null,
    blockNumber: null,
    blockConfirmed: false,
    txHash: null,
    explorerUrl: null,
    computedLeaf: null,
    computedRoot: null,
    receipt: null,
    standing: null,
    correctedBy: [],
    secondOpinion: null,
    bundleUrl: null,
    message: null,
  };
}

const BATCH_ANCHORED_TOPIC: Hex = bytesToHex(
  keccak256(utf8Bytes("BatchAnchored(uint64,bytes32,uint64,uint32,bytes32)")),
);

/** The RPC and registry to trust: the citizen's own choice first, else the data source's suggestion. */
export function chooseTrust(settings: Settings, info: RegistryInfo | null, bundle?: ProofBundle): Trust | null {
  const rpcUrl = settings.rpcUrl ?? info?.rpcUrl ?? null;
  const registry = settings.registry ?? info?.registry ?? bundle?.anchor.registry ?? null;
  if (!rpcUrl || !registry) return null;
  return { rpcUrl, registry, expectedChainId: info?.chainId ?? null, rpcChainId: null };
}

export interface VerifyDeps {
  source: DataSource | null;
  settings: Settings;
  now?: () => number;
  transport?: (url: string) => RpcRequest;
}

const transportFor = (deps: VerifyDeps) => deps.transport ?? ((url: string) => createFetchTransport(url));

/** Verifies record `seq` as served by the data source. */
export async function verifySeq(seq: number, deps: VerifyDeps): Promise<Outcome> {
  const source = deps.source;
  if (!source) return { ...blank("server-unreachable", seq), message: "no data source" };
  let info: RegistryInfo;
  let item: RecordItem | null;
  let proof: ProofAnswer;
  try {
    [info, item, proof] = await Promise.all([source.registry(), source.record(seq), source.proof(seq)]);
  } catch (error) {
    return { ...blank("server-unreachable", seq), message: errorMessage(error) };
  }
  if (!item) return blank("not-found", seq);

  const valid = validateRecord(item.record);
  const base: Outcome = {
    ...blank("mismatch", seq),
    standing: item.standing ?? null,
    correctedBy: Array.isArray(item.correctedBy) ? item.correctedBy : [],
    explorerUrl: info.explorerUrl,
    batchId: item.batchId,
  };
  if (!valid.ok) {
    const message = valid.errors.map((p) => `${p.field}: ${p.message}`).join("; ");
    return { ...base, steps: [{ id: "record-valid", ok: false, params: { message } }], message };
  }
  const record = valid.value;
  const trust = chooseTrust(deps.settings, info);
  if (!trust) return { ...base, record, verdict: "rpc-unreachable", message: "no RPC configured" };

  if (proof.kind === "pending" || item.status === "pending") {
    const receipt = proof.kind === "pending" ? (proof.receipt ?? item.receipt) : item.receipt;
    return verifyPending(record, item, receipt, info, trust, base, deps);
  }
  if (proof.kind === "absent") return { ...base, record, verdict: "bundle-missing", trust };
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(proof.json);
  } catch (error) {
    return { ...base, record, trust, message: errorMessage(error) };
  }
  return verifyParsedBundle(bundle, { ...deps, info, item, base: { ...base, bundleUrl: source.bundleUrl(seq) } });
}

/** Verifies a proof file the citizen gave; the data source (if any) only suggests the RPC and registry. */
export async function verifyBundleText(text: string, deps: VerifyDeps): Promise<Outcome> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ...blank("invalid-bundle", null), message: "the file is not JSON" };
  }
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(json);
  } catch (error) {
    return { ...blank("invalid-bundle", null), message: errorMessage(error) };
  }
  let info: RegistryInfo | null = null;
  let item: RecordItem | null = null;
  if (deps.source) {
    [info, item] = await Promise.all([
      deps.source.registry().catch(() => null),
      deps.source.record(bundle.record.seq).catch(() => null),
    ]);
  }
  const base: Outcome = {
    ...blank("mismatch", bundle.record.seq),
    explorerUrl: info?.explorerUrl ?? null,
    standing: item?.standing ?? null,
    correctedBy: item?.correctedBy ?? [],
  };
  // The given file is what is checked; the server's copy only lends standing, never a verdict.
  return verifyParsedBundle(bundle, { ...deps, info, item: null, base });
}

async function verifyParsedBundle(
  bundle: ProofBundle,
  ctx: VerifyDeps & { info: RegistryInfo | null; item: RecordItem | null; base: Outcome },
): Promise<Outcome> {
  const trust = chooseTrust(ctx.settings, ctx.info, bundle);
  const { record } = bundle;
  const out: Outcome = {
    ...ctx.base,
    record,
    seq: record.seq,
    batchId: bundle.batch.id,
    txHash: bundle.anchor.txHash,
    blockNumber: bundle.anchor.blockNumber,
    secondOpinion: { batchId: bundle.batch.id, record, proof: bundle.proof },
    receipt: bundle.receipt ? { receipt: bundle.receipt, promisedBy: null, overdue: false } : null,
  };
  if (!trust) {
    const local = await verifyBundle(bundle);
    return { ...out, ...fromReport(bundle, local, out), verdict: "rpc-unreachable", message: "no RPC configured" };
  }
  out.trust = trust;
  const request = transportFor(ctx)(trust.rpcUrl);
  const reader = createRegistryReader(request, trust.registry);

  try {
    trust.rpcChainId = await reader.chainId();
  } catch (error) {
    const local = await verifyBundle(bundle);
    const partial = fromReport(bundle, local, out);
    const verdict = local.verdict === "mismatch" ? "mismatch" : "rpc-unreachable";
    return { ...out, ...partial, verdict, message: errorMessage(error) };
  }
  const report = await verifyBundle(bundle, reader.batch, {
    trusted: { chainId: trust.rpcChainId, registry: trust.registry },
  });
  const partial = fromReport(bundle, report, out);
  const steps = partial.steps;
  const differences = partial.differences;

  if (trust.expectedChainId !== null) {
    const ok = trust.expectedChainId === trust.rpcChainId;
    steps.unshift({ id: "chain-id", ok, params: { chainId: trust.expectedChainId, actual: trust.rpcChainId } });
    if (!ok)
      differences.push({
        label: "verify.diffChain",
        expected: String(trust.expectedChainId),
        found: String(trust.rpcChainId),
      });
  }
  if (ctx.item) {
    const apiLeafOk = typeof ctx.item.leaf === "string" && ctx.item.leaf.toLowerCase() === report.leaf;
    steps.splice(1, 0, { id: "api-leaf", ok: apiLeafOk, params: {} });
    if (!apiLeafOk)
      differences.push({ label: "verify.diffApiLeaf", expected: report.leaf, found: String(ctx.item.leaf) });
    const fieldDiffs = recordDifferences(ctx.item.record, record);
    steps.splice(2, 0, { id: "api-record", ok: fieldDiffs.length === 0, params: {} });
    differences.push(...fieldDiffs);
  }

  if (report.verdict === "chain-unavailable") {
    return { ...out, ...partial, verdict: "rpc-unreachable", message: report.chainError?.message ?? null };
  }
  let verdict: VerdictKind =
    report.verdict === "anchored" ? "anchored" : report.verdict === "not-anchored" ? "not-anchored" : "mismatch";
  let { blockNumber } = out;
  let blockConfirmed = false;
  if (report.onChain) {
    const tx = await checkAnchorTx(request, trust.registry, bundle);
    steps.push(tx.step);
    if (tx.step.ok === false) {
      differences.push({
        label: "verify.diffBlock",
        expected: String(bundle.anchor.blockNumber),
        found: tx.blockNumber === null ? "—" : String(tx.blockNumber),
      });
    }
    if (tx.step.ok === true) {
      blockNumber = tx.blockNumber;
      blockConfirmed = true;
    }
  }
  steps.sort((a, b) => STEP_ORDER.indexOf(a.id) - STEP_ORDER.indexOf(b.id));
  if (verdict === "anchored" && steps.some((s) => s.ok === false)) verdict = "mismatch";
  if (verdict === "not-anchored" && steps.some((s) => s.ok === false && s.id !== "chain-batch")) verdict = "mismatch";
  return { ...out, ...partial, steps, differences, verdict, onChain: report.onChain, blockNumber, blockConfirmed };
}

/** Our steps and differences from core's report. */
function fromReport(
  bundle: ProofBundle,
  report: Awaited<ReturnType<typeof verifyBundle>>,
  out: Outcome,
): Pick<Outcome, "steps" | "differences" | "computedLeaf" | "computedRoot" | "onChain"> {
  const { record, batch } = bundle;
  const range = { seq: record.seq, batch: batch.id, first: batch.firstSeq, last: batch.firstSeq + batch.leafCount - 1 };
  const steps: Step[] = [];
  const differences: Difference[] = [];
  for (const check of report.checks) {
    switch (check.id) {
      case "leaf":
        steps.push({ id: "leaf", ok: check.ok, params: { leaf: report.leaf } });
        if (check.ok === false)
          differences.push({ label: "verify.diffLeaf", expected: bundle.leaf, found: report.leaf });
        break;
      case "seq-in-batch":
        steps.push({ id: "seq-in-batch", ok: check.ok, params: range });
        break;
      case "proof-length":
        steps.push({ id: "proof-length", ok: check.ok, params: { steps: bundle.proof.length } });
        break;
      case "proof-root":
        steps.push({ id: "proof-root", ok: check.ok, params: { root: report.computedRoot } });
        if (check.ok === false && !report.onChain)
          differences.push({ label: "verify.diffRoot", expected: batch.root, found: report.computedRoot });
        break;
      case "receipt":
        steps.push({ id: "receipt", ok: check.ok, params: { signer: bundle.receipt?.signer ?? "" } });
        break;
      case "chain-identity":
        steps.push({ id: "chain-identity", ok: check.ok, params: {} });
        break;
      case "chain-batch":
        steps.push({
          id: "chain-batch",
          ok: check.ok,
          params: { batch: batch.id, time: report.onChain ? formatUnix(report.onChain.anchoredAt) : "" },
        });
        break;
      case "chain-root":
        steps.push({ id: "chain-root", ok: check.ok, params: {} });
        if (check.ok === false && report.onChain)
          differences.push({ label: "verify.diffRoot", expected: report.onChain.root, found: report.computedRoot });
        break;
      case "chain-range":
        steps.push({ id: "chain-range", ok: check.ok, params: {} });
        break;
    }
  }
  void out;
  return { steps, differences, computedLeaf: report.leaf, computedRoot: report.computedRoot, onChain: report.onChain };
}

function formatUnix(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
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

interface TxReceipt {
  status?: string;
  to?: string | null;
  blockNumber?: string;
  logs?: { address?: string; topics?: string[]; data?: string }[];
}

/** Confirms, from the chain's own receipt, that the bundle's tx anchored this batch and in which block. */
async function checkAnchorTx(
  request: RpcRequest,
  registry: string,
  bundle: ProofBundle,
): Promise<{ step: Step; blockNumber: number | null }> {
  const params = { tx: bundle.anchor.txHash, batch: bundle.batch.id, block: bundle.anchor.blockNumber };
  let receipt: TxReceipt | null;
  try {
    receipt = (await request("eth_getTransactionReceipt", [bundle.anchor.txHash])) as TxReceipt | null;
  } catch {
    return { step: { id: "anchor-tx", ok: null, params }, blockNumber: null };
  }
  if (!receipt || typeof receipt !== "object")
    return { step: { id: "anchor-tx", ok: null, params }, blockNumber: null };
  const blockNumber = typeof receipt.blockNumber === "string" ? Number(BigInt(receipt.blockNumber)) : null;
  const want = registry.toLowerCase();
  const batchTopic = `0x${bundle.batch.id.toString(16).padStart(64, "0")}`;
  const emitted = (receipt.logs ?? []).some(
    (log) =>
      log.address?.toLowerCase() === want &&
      log.topics?.[0]?.toLowerCase() === BATCH_ANCHORED_TOPIC &&
      log.topics?.[1]?.toLowerCase() === batchTopic &&
      log.data?.slice(2, 66).toLowerCase() === bundle.batch.root.slice(2).toLowerCase(),
  );
  const ok = receipt.status === "0x1" && emitted && blockNumber === bundle.anchor.blockNumber;
  return { step: { id: "anchor-tx", ok, params: { ...params, block: blockNumber ?? "—" } }, blockNumber };
}

async function verifyPending(
  record: RecordV1,
  item: RecordItem,
  receipt: Receipt | null,
  info: RegistryInfo,
  trust: Trust,
  base: Outcome,
  deps: VerifyDeps,
): Promise<Outcome> {
  const now = (deps.now ?? (() => Math.floor(Date.now() / 1000)))();
  const leaf = leafHash(record);
  const steps: Step[] = [];
  const differences: Difference[] = [];
  const apiLeafOk = typeof item.leaf === "string" && item.leaf.toLowerCase() === leaf;
  steps.push({ id: "leaf", ok: true, params: { leaf } });
  steps.push({ id: "api-leaf", ok: apiLeafOk, params: {} });
  if (!apiLeafOk) differences.push({ label: "verify.diffApiLeaf", expected: leaf, found: String(item.leaf) });

  let receiptView: Outcome["receipt"] = null;
  if (receipt) {
    const fieldsOk =
      receipt.seq === record.seq &&
      typeof receipt.leaf === "string" &&
      receipt.leaf.toLowerCase() === leaf &&
      receipt.publishedAt === record.publishedAt;
    const signed = fieldsOk && receiptSignatureValid(receipt, info.chainId, trust.registry);
    steps.push({ id: "receipt", ok: signed, params: { signer: receipt.signer } });
    if (!fieldsOk) differences.push({ label: "verify.diffLeaf", expected: leaf, found: String(receipt.leaf) });
    const promisedBy = receipt.publishedAt + info.maxAnchorDelaySeconds;
    receiptView = { receipt, promisedBy, overdue: now > promisedBy };
  }

  const request = transportFor(deps)(trust.rpcUrl);
  const reader = createRegistryReader(request, trust.registry);
  try {
    trust.rpcChainId = await reader.chainId();
    const chainOk = trust.rpcChainId === info.chainId;
    steps.unshift({ id: "chain-id", ok: chainOk, params: { chainId: info.chainId, actual: trust.rpcChainId } });
    if (receipt) {
      const role = await reader.hasRole(ANCHORER_ROLE, receipt.signer).catch(() => null);
      steps.push({ id: "receipt-role", ok: role, params: {} });
    }
  } catch {
    // The chain is not needed to show a pending receipt; only the signer's role goes unchecked.
    if (receipt) steps.push({ id: "receipt-role", ok: null, params: {} });
  }
  steps.sort((a, b) => STEP_ORDER.indexOf(a.id) - STEP_ORDER.indexOf(b.id));
  const verdict: VerdictKind = steps.some((s) => s.ok === false) ? "mismatch" : "pending";
  return {
    ...base,
    verdict,
    record,
    trust,
    steps,
    differences,
    computedLeaf: leaf,
    receipt: receiptView,
    batchId: item.batchId,
  };
}
