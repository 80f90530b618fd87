/**
 * core/verify/: judging one record against the pinned registry. The verifier below, the chain reads it takes
 * (one RPC or two that must agree), the registry reader's calldata and decoding, the anchorer role's history,
 * and the checks of a whole batch's served records and of a record's position in its batch.
 *
 * THE verifier of the page and the CLI: one bundle (or one pending receipt) judged against the PINNED trust
 * root, with the chain read through injected functions (core/verify/chain-reads.ts). Both only render what this
 * returns: the same ordered checks, with the same ids, and the same verdict.
 *
 * Order of checks: trust-root, leaf, seq-in-batch, proof-length, proof-root, receipt, chain-id, chain-batch,
 * chain-root, chain-range, anchor-tx, receipt-role, leaf-position (pending: receipt, chain-id, receipt-role, published-at,
 * anchor-deadline).
 * A bundle that names another chain or registry than the trust root is never looked up on chain: it is
 * "other-registry", whatever it claims.
 */
import type { ServedBatchEntry } from "./batch-check";
import { leafPositionCheck, type BatchEntries } from "./batch-position";
import type { Hex } from "../protocol/bytes";
import { verifyBundle, type Check, type OnChainBatch, type ProofBundle } from "../protocol/bundle";
import { emitsBatchAnchored, RPCS_DISAGREE, type ChainReads, type TxReceipt } from "./chain-reads";
import { leafHash } from "../protocol/encoding";
import { AiqynError, type AiqynCode } from "../protocol/errors";
import { receiptSignatureValid, type Receipt } from "../protocol/receipt";
import type { RecordV1 } from "../protocol/record";
import { roleHeldAt, type RoleEvent } from "./roles";
import { sameRegistry, type TrustRoot } from "../protocol/trust";

/**
 * anchored: every check passed, the chain's included. mismatch: the bundle contradicts itself or the chain.
 * not-anchored: consistent, but the registry has no such batch. other-registry: the bundle names another
 * chain or registry than the pinned one. wrong-chain: the RPC serves another chain than the pinned one.
 * rpcs-disagree: two RPCs answered differently. chain-unavailable: the chain could not be read.
 * unchecked: consistent, the chain was not asked. pending: a valid receipt within its deadline; overdue:
 * a valid receipt past the registry's maxAnchorDelay(). position-unchecked: every check passed, but the batch's
 * records were not available, so the record's position in its batch is not bound (core/verify/batch-position.ts).
 * Only "anchored" says a record is on chain.
 */
export type PinnedVerdict =
  | "anchored"
  | "mismatch"
  | "not-anchored"
  | "other-registry"
  | "wrong-chain"
  | "rpcs-disagree"
  | "chain-unavailable"
  | "unchecked"
  | "pending"
  | "overdue"
  | "position-unchecked";

export interface PinnedOptions {
  /**
   * The batch's records from a data source, checked whole against the anchored root to bind the record's
   * position (the leaf-position check, core/verify/batch-position.ts). Without them, a record in a batch of more than
   * one leaf is at best "position-unchecked".
   */
  batchEntries?: BatchEntries;
}

export interface PinnedReport {
  verdict: PinnedVerdict;
  checks: Check[];
  trust: TrustRoot;
  leaf: Hex;
  /** The root the proof leads to from the recomputed leaf (null for a pending receipt). */
  computedRoot: Hex | null;
  onChain: OnChainBatch | null;
  /** The anchoring block, as the chain's own transaction receipt says. */
  anchorBlock: number | null;
  /** Pending: publishedAt + the registry's maxAnchorDelay(); null when not read. */
  promisedBy: number | null;
  /** UNKNOWN: the read failed with an error that is not ours (its message says what). */
  chainError?: { code: AiqynCode | "UNKNOWN"; message: string; details?: unknown };
}

/** Verifies a parsed bundle against the pinned trust root; omit `chain` to check offline. */
export async function verifyPinnedBundle(
  bundle: ProofBundle,
  trust: TrustRoot,
  chain?: ChainReads,
  options: PinnedOptions = {},
): Promise<PinnedReport> {
  const identity = trustRootCheck(bundle, trust);
  // The chain's reads and the batch's records go out first (they need only the bundle's fields), and the
  // bundle's own checks are computed while they travel: the same reads and checks, one round trip sooner.
  const asked = identity.ok && chain ? askChain(bundle, chain, options) : null;
  const local = await verifyBundle(bundle);
  const base = { trust, leaf: local.leaf, computedRoot: local.computedRoot, anchorBlock: null, promisedBy: null };
  const localChecks = local.checks.filter((c) => c.id !== "chain-batch");
  const offline = (verdict: PinnedVerdict, extra: Check[] = [], error?: unknown): PinnedReport => ({
    ...base,
    verdict: localChecks.some((c) => c.ok === false) && verdict === "unchecked" ? "mismatch" : verdict,
    checks: [identity, ...localChecks, ...extra],
    onChain: null,
    ...(error === undefined ? {} : { chainError: describeError(error) }),
  });
  if (!identity.ok) return offline("other-registry");
  if (!chain) return offline("unchecked", [notAsked("chain-batch", "the chain was not asked (offline)")]);

  // Asked with the chain, not after it: the records come from the data source, the chain's reads stay one trip.
  const { entries, reads: answers } = asked!;
  let reads: ChainAnswers;
  try {
    reads = await answers;
  } catch (error) {
    return offline(chainFailureVerdict(error, local.verdict), [notAsked("chain-batch", errorText(error))], error);
  }
  const chainId = chainIdCheck(reads.chainId, trust);
  if (!chainId.ok) return offline("wrong-chain", [chainId]);
  const onChain = await verifyBundle(bundle, async () => reads.batch);
  const checks = [identity, ...localChecks, chainId, ...onChain.checks.filter((c) => c.id.startsWith("chain-"))];
  const anchorTx = reads.batch ? anchorTxCheck(bundle, trust, reads.receipt) : null;
  if (anchorTx) checks.push(anchorTx.check);
  if (bundle.receipt && reads.history) checks.push(roleCheck(bundle.receipt, reads.history));
  if (reads.batch)
    checks.push(leafPositionCheck(bundle.batch.id, bundle.record.seq, local.leaf, reads.batch, await entries));
  const failed = checks.some((c) => c.ok === false && c.id !== "chain-batch");
  const unbound = checks.some((c) => c.id === "leaf-position" && c.ok === null);
  const verdict: PinnedVerdict = failed
    ? "mismatch"
    : reads.batch === null
      ? "not-anchored"
      : unbound
        ? "position-unchecked"
        : "anchored";
  return { ...base, verdict, checks, onChain: reads.batch, anchorBlock: anchorTx?.block ?? null };
}

/** The chain's reads and the batch's records, asked together; a failed read is handled where it is awaited. */
function askChain(bundle: ProofBundle, chain: ChainReads, options: PinnedOptions) {
  const entries = batchEntriesOf(bundle, options);
  const reads = readChain(bundle, chain);
  reads.catch(() => undefined);
  return { entries, reads };
}

/** The source's records of the bundle's batch, or null when there is none or it failed (then not checked). */
async function batchEntriesOf(
  bundle: ProofBundle,
  options: PinnedOptions,
): Promise<readonly ServedBatchEntry[] | null> {
  if (!options.batchEntries || bundle.batch.leafCount === 1) return null;
  try {
    const entries = await options.batchEntries(bundle.batch.id);
    return Array.isArray(entries) ? entries : null;
  } catch {
    return null;
  }
}

interface ChainAnswers {
  chainId: number;
  batch: OnChainBatch | null;
  receipt: TxReceipt | null;
  history: RoleEvent[] | null;
}

/** Every read of one verdict asked in the same tick: one round trip on a batching transport. */
async function readChain(bundle: ProofBundle, chain: ChainReads): Promise<ChainAnswers> {
  const [chainId, batch, receipt, history] = await Promise.all([
    chain.chainId(),
    chain.batch(bundle.batch.id),
    chain.transactionReceipt(bundle.anchor.txHash),
    bundle.receipt ? chain.anchorerHistory() : Promise.resolve(null),
  ]);
  return { chainId, batch, receipt, history };
}

function chainFailureVerdict(error: unknown, localVerdict: string): PinnedVerdict {
  if (error instanceof AiqynError && error.code === RPCS_DISAGREE) return "rpcs-disagree";
  return localVerdict === "mismatch" ? "mismatch" : "chain-unavailable";
}

function trustRootCheck(bundle: ProofBundle, trust: TrustRoot): Check {
  const { chainId, registry } = bundle.anchor;
  const ok = sameRegistry(trust, chainId, registry);
  return {
    id: "trust-root",
    ok,
    message: ok
      ? `the bundle names the registry you trust (${trust.registry} on chain ${trust.chainId})`
      : `the bundle names registry ${registry} on chain ${chainId}; you trust ${trust.registry} on chain ${trust.chainId}`,
    expected: { chainId: trust.chainId, registry: trust.registry },
    actual: { chainId, registry },
  };
}

function chainIdCheck(chainId: number, trust: TrustRoot): Check {
  const ok = chainId === trust.chainId;
  return {
    id: "chain-id",
    ok,
    message: ok
      ? `the RPC serves chain ${chainId}, the trusted one`
      : `the RPC serves chain ${chainId}, not the trusted chain ${trust.chainId}`,
    expected: trust.chainId,
    actual: chainId,
  };
}

function anchorTxCheck(
  bundle: ProofBundle,
  trust: TrustRoot,
  receipt: TxReceipt | null,
): { check: Check; block: number | null } {
  const { txHash, blockNumber } = bundle.anchor;
  const emitted = receipt !== null && emitsBatchAnchored(receipt, trust.registry, bundle.batch.id, bundle.batch.root);
  const ok = receipt !== null && receipt.succeeded && emitted && receipt.blockNumber === blockNumber;
  const message = ok
    ? `transaction ${txHash} anchored batch ${bundle.batch.id} in block ${blockNumber}`
    : receipt === null
      ? `the chain does not know transaction ${txHash}`
      : `transaction ${txHash} did not anchor batch ${bundle.batch.id} with this root in block ${blockNumber}`;
  return {
    check: { id: "anchor-tx", ok, message, expected: blockNumber, actual: receipt?.blockNumber ?? null },
    block: ok ? blockNumber : null,
  };
}

function roleCheck(receipt: Receipt, history: readonly RoleEvent[]): Check {
  const ok = roleHeldAt(history, receipt.signer, receipt.publishedAt);
  return {
    id: "receipt-role",
    ok,
    message: ok
      ? `the receipt's signer ${receipt.signer} held ANCHORER_ROLE when it signed`
      : `the receipt's signer ${receipt.signer} did not hold ANCHORER_ROLE at unix time ${receipt.publishedAt}`,
  };
}

/**
 * A record the source says is pending, with its receipt: the receipt must be for this record, signed under
 * the trust root by a key that held ANCHORER_ROLE then, and its deadline is the registry's own
 * maxAnchorDelay() (never a server's number). `now` is unix seconds.
 */
export async function verifyPendingReceipt(
  record: RecordV1,
  receipt: Receipt,
  trust: TrustRoot,
  chain: ChainReads,
  now: number,
): Promise<PinnedReport> {
  const leaf = leafHash(record);
  const local = receiptCheck(record, leaf, receipt, trust);
  const base = { trust, leaf, computedRoot: null, onChain: null, anchorBlock: null, promisedBy: null };
  let reads: [number, number, RoleEvent[]];
  try {
    reads = await Promise.all([chain.chainId(), chain.maxAnchorDelay(), chain.anchorerHistory()]);
  } catch (error) {
    const verdict = local.ok ? chainFailureVerdict(error, "pending") : "mismatch";
    return { ...base, verdict, checks: [local], chainError: describeError(error) };
  }
  const [chainId, delay, history] = reads;
  const idCheck = chainIdCheck(chainId, trust);
  if (!idCheck.ok) return { ...base, verdict: "wrong-chain", checks: [local, idCheck] };
  const promisedBy = receipt.publishedAt + delay;
  const deadline: Check = {
    id: "anchor-deadline",
    ok: now <= promisedBy,
    message: `the registry promises the anchor within ${delay} s, by unix time ${promisedBy}`,
    expected: promisedBy,
    actual: now,
  };
  const checks = [local, idCheck, roleCheck(receipt, history), publishedAtCheck(receipt, now), deadline];
  const forged = checks.slice(0, 4).some((c) => c.ok === false);
  const verdict: PinnedVerdict = forged ? "mismatch" : deadline.ok ? "pending" : "overdue";
  return { ...base, verdict, checks, promisedBy };
}

/** Clocks differ by seconds, not minutes: a receipt from further ahead than this would stay "pending" for ever. */
export const MAX_CLOCK_AHEAD_SECONDS = 300;

function publishedAtCheck(receipt: Receipt, now: number): Check {
  const latest = now + MAX_CLOCK_AHEAD_SECONDS;
  const ok = receipt.publishedAt <= latest;
  return {
    id: "published-at",
    ok,
    message: ok
      ? `the receipt's publishedAt ${receipt.publishedAt} is not in the future`
      : `the receipt's publishedAt ${receipt.publishedAt} is more than ${MAX_CLOCK_AHEAD_SECONDS} s ahead of now (${now})`,
    expected: latest,
    actual: receipt.publishedAt,
  };
}

function receiptCheck(record: RecordV1, leaf: Hex, receipt: Receipt, trust: TrustRoot): Check {
  const fieldsOk =
    receipt.seq === record.seq && receipt.leaf.toLowerCase() === leaf && receipt.publishedAt === record.publishedAt;
  const ok = fieldsOk && receiptSignatureValid(receipt, trust.chainId, trust.registry);
  return {
    id: "receipt",
    ok,
    message: ok
      ? `the receipt is signed by ${receipt.signer} for this record on the trusted registry`
      : fieldsOk
        ? "the receipt's signature is not the signer's over this record on the trusted registry"
        : "the receipt promised another seq, leaf or publishedAt than the record has",
  };
}

function notAsked(id: Check["id"], message: string): Check {
  return { id, ok: null, message };
}

function errorText(error: unknown): string {
  return `the chain could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

function describeError(error: unknown): NonNullable<PinnedReport["chainError"]> {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof AiqynError
    ? { code: error.code, message, details: error.details }
    : { code: "UNKNOWN", message };
}
