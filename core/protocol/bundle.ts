/**
 * The proof bundle `aiqyn-proof/1`: one JSON file that proves one record against the chain.
 *
 * The file is attacker-controlled. parseBundle checks every field, refuses unknown ones and reports every
 * problem with a stable code; verifyBundle recomputes everything it can and asks the chain, through an
 * injected reader, only for the batch. It never touches the network itself.
 */
import type { Hex } from "./bytes";
import { AiqynError } from "./errors";
import { leafHash } from "./encoding";
import { maxProofLength, processProof } from "./proof";
import { receiptSignatureValid, type Receipt } from "./receipt";
import { validateRecord, type RecordV1 } from "./record";
import {
  address,
  bytes32,
  fields,
  integer,
  isObject,
  object,
  optional,
  parseJson,
  pointer,
  problem,
  signature,
  type Shape,
} from "./shape";

export const BUNDLE_FORMAT = "aiqyn-proof/1";
/** No real batch is deeper than this (2^64 leaves); a longer proof is garbage. */
export const MAX_PROOF_ELEMENTS = 64;
/** A bundle is a few kilobytes; anything far larger is refused before JSON.parse. */
export const MAX_BUNDLE_BYTES = 256 * 1024;

export interface BundleBatch {
  id: number;
  root: Hex;
  firstSeq: number;
  leafCount: number;
}

export interface BundleAnchor {
  chainId: number;
  registry: string;
  txHash: Hex;
  blockNumber: number;
}

export interface ProofBundle {
  format: typeof BUNDLE_FORMAT;
  record: RecordV1;
  leaf: Hex;
  proof: Hex[];
  batch: BundleBatch;
  anchor: BundleAnchor;
  receipt?: Receipt;
}

const bundleShape: Shape = {
  format: (value, field) =>
    value === BUNDLE_FORMAT ? [] : problem(field, "UNSUPPORTED_FORMAT", `format must be "${BUNDLE_FORMAT}"`),
  record: (value, field) => {
    const result = validateRecord(value);
    return result.ok ? [] : result.errors.map((p) => ({ ...p, field: p.field ? `${field}/${p.field}` : field }));
  },
  leaf: bytes32,
  proof: (value, field) => {
    if (!Array.isArray(value)) return problem(field, "WRONG_TYPE", `${field} must be an array`);
    if (value.length > MAX_PROOF_ELEMENTS)
      return problem(field, "PROOF_TOO_LONG", `${field} has more than ${MAX_PROOF_ELEMENTS} elements`);
    return value.flatMap((element, i) => bytes32(element, `${field}/${i}`, {}));
  },
  batch: object({ id: integer(1), root: bytes32, firstSeq: integer(1), leafCount: integer(1, 2 ** 32 - 1) }),
  anchor: object({ chainId: integer(1), registry: address, txHash: bytes32, blockNumber: integer(0) }),
  receipt: optional(object({ seq: integer(1), leaf: bytes32, publishedAt: integer(0), signer: address, signature })),
};
const bundleFields = fields(bundleShape, pointer);

/** Checks an already-parsed JSON value; throws AiqynError INVALID_BUNDLE with every problem in `details`. */
export function parseBundle(input: unknown): ProofBundle {
  if (!isObject(input)) throw new AiqynError("INVALID_BUNDLE", "a proof bundle must be a JSON object", { details: [] });
  // Every field is a pointer ("/…"): the shape's, and the record's prefixed with "/record".
  const problems = bundleFields(input, "");
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new AiqynError("INVALID_BUNDLE", `not a valid ${BUNDLE_FORMAT} bundle: ${first.field} ${first.message}`, {
      details: problems,
    });
  }
  return input as unknown as ProofBundle;
}

/** Parses bundle text: size-limited, JSON-checked, then parseBundle. */
export function parseBundleText(text: string): ProofBundle {
  if (text.length > MAX_BUNDLE_BYTES)
    throw new AiqynError("BUNDLE_TOO_LARGE", `a bundle is at most ${MAX_BUNDLE_BYTES} bytes`);
  return parseBundle(parseJson(text, "INVALID_JSON", "the bundle is not valid JSON"));
}

/** What the chain says of a batch: TransparencyRegistry.batch(id). */
export interface OnChainBatch {
  root: Hex;
  firstSeq: number;
  leafCount: number;
  anchoredAt: number;
  head: Hex;
}

/** Reads batch(id) from the registry; null when the registry has no such batch. Throws when unreachable. */
export type ReadBatch = (batchId: number) => Promise<OnChainBatch | null>;

export type CheckId =
  | "leaf"
  | "seq-in-batch"
  | "proof-length"
  | "proof-root"
  | "receipt"
  | "chain-identity"
  | "chain-batch"
  | "chain-root"
  | "chain-range"
  // Added by the pinned verifier (core/verify/verifier.ts), in this order around the ones above:
  | "trust-root"
  | "chain-id"
  | "anchor-tx"
  | "receipt-role"
  | "anchor-deadline"
  | "published-at"
  | "leaf-position";

export interface Check {
  id: CheckId;
  /** true passed, false failed, null not checked (offline, or skipped after a failure it depends on). */
  ok: boolean | null;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

/**
 * anchored: every check passed, including the chain's. mismatch: the bundle contradicts itself or the chain.
 * not-anchored: consistent, but the chain has no such batch. unchecked: consistent; the chain was not asked.
 * chain-unavailable: consistent; the chain could not be read.
 */
export type Verdict = "anchored" | "mismatch" | "not-anchored" | "unchecked" | "chain-unavailable";

export interface VerificationReport {
  verdict: Verdict;
  checks: Check[];
  /** The leaf recomputed from the record. */
  leaf: Hex;
  /** The root the proof leads to from the recomputed leaf. */
  computedRoot: Hex;
  onChain: OnChainBatch | null;
  chainError?: { message: string; cause: unknown };
}

export interface VerifyOptions {
  /** The chain and registry that readBatch actually asks; checked against the bundle's anchor. */
  trusted?: { chainId: number; registry: string };
}

/**
 * Verifies a parsed bundle. Leaf, proof and receipt are recomputed here; only the batch comes from
 * `readBatch` (omit it to verify offline: the verdict is then at best "unchecked").
 */
export async function verifyBundle(
  bundle: ProofBundle,
  readBatch?: ReadBatch,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const leaf = leafHash(bundle.record);
  const computedRoot = processProof(leaf, bundle.proof);
  const checks = localChecks(bundle, leaf, computedRoot, options);
  const localOk = checks.every((c) => c.ok !== false);
  const report = (
    verdict: Verdict,
    onChain: OnChainBatch | null,
    chainError?: VerificationReport["chainError"],
  ): VerificationReport => ({
    verdict,
    checks,
    leaf,
    computedRoot,
    onChain,
    ...(chainError ? { chainError } : {}),
  });

  if (!readBatch) {
    checks.push({ id: "chain-batch", ok: null, message: "the chain was not asked (offline)" });
    return report(localOk ? "unchecked" : "mismatch", null);
  }
  const batchId = bundle.batch.id;
  let onChain: OnChainBatch | null;
  try {
    onChain = await readBatch(batchId);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    checks.push({ id: "chain-batch", ok: null, message: `the chain could not be read: ${message}` });
    return report(localOk ? "chain-unavailable" : "mismatch", null, { message, cause });
  }
  if (onChain === null) {
    checks.push({ id: "chain-batch", ok: false, message: `the registry has no batch ${batchId}` });
    return report(localOk ? "not-anchored" : "mismatch", null);
  }
  checks.push(...chainChecks(bundle.batch, onChain, computedRoot));
  return report(checks.every((c) => c.ok !== false) ? "anchored" : "mismatch", onChain);
}

/** The checks the bundle answers by itself: leaf, seq range, proof length and root, receipt, chain identity. */
function localChecks(bundle: ProofBundle, leaf: Hex, computedRoot: Hex, options: VerifyOptions): Check[] {
  const checks = [
    leafCheck(bundle, leaf),
    seqInBatchCheck(bundle),
    proofLengthCheck(bundle),
    proofRootCheck(bundle, computedRoot),
  ];
  if (bundle.receipt) checks.push(checkReceipt(bundle, leaf));
  if (options.trusted) checks.push(chainIdentityCheck(bundle, options.trusted));
  return checks;
}

/** `id` passes when `actual` (lowercase hex, recomputed) equals the bundle's `claimed` (any case). */
function hexEqualCheck(id: CheckId, claimed: Hex, actual: Hex, passed: string, failed: string): Check {
  return actual === claimed.toLowerCase()
    ? { id, ok: true, message: passed }
    : { id, ok: false, message: failed, expected: claimed, actual };
}

function leafCheck(bundle: ProofBundle, leaf: Hex): Check {
  const passed = "the leaf recomputed from the record equals the bundle's leaf";
  return hexEqualCheck("leaf", bundle.leaf, leaf, passed, "the record does not hash to the bundle's leaf");
}

function seqInBatchCheck({ record, batch }: ProofBundle): Check {
  const inRange = record.seq >= batch.firstSeq && record.seq < batch.firstSeq + batch.leafCount;
  const seqs = `seqs ${batch.firstSeq}–${batch.firstSeq + batch.leafCount - 1}`;
  return {
    id: "seq-in-batch",
    ok: inRange,
    message: inRange
      ? `seq ${record.seq} lies in batch ${batch.id} (${seqs})`
      : `seq ${record.seq} lies outside batch ${batch.id} (${seqs})`,
  };
}

function proofLengthCheck({ proof, batch }: ProofBundle): Check {
  const depth = maxProofLength(batch.leafCount);
  return {
    id: "proof-length",
    ok: proof.length <= depth,
    message:
      proof.length <= depth
        ? `the proof has ${proof.length} of at most ${depth} steps`
        : `the proof has ${proof.length} steps; a batch of ${batch.leafCount} needs at most ${depth}`,
  };
}

function proofRootCheck({ batch }: ProofBundle, computedRoot: Hex): Check {
  const passed = "the proof leads from the recomputed leaf to the batch root";
  return hexEqualCheck("proof-root", batch.root, computedRoot, passed, "the proof does not lead to the batch root");
}

function chainIdentityCheck({ anchor }: ProofBundle, trusted: NonNullable<VerifyOptions["trusted"]>): Check {
  const same = trusted.chainId === anchor.chainId && trusted.registry.toLowerCase() === anchor.registry.toLowerCase();
  return {
    id: "chain-identity",
    ok: same,
    message: same
      ? `the chain read is the one the bundle names (chain ${anchor.chainId}, registry ${anchor.registry})`
      : "the bundle names another chain or registry than the one read",
    expected: { chainId: anchor.chainId, registry: anchor.registry },
    actual: trusted,
  };
}

/** The checks against the registry's batch: it exists, its root and its seq range equal the bundle's. */
function chainChecks(batch: ProofBundle["batch"], onChain: OnChainBatch, computedRoot: Hex): Check[] {
  const chainRootOk =
    onChain.root.toLowerCase() === batch.root.toLowerCase() && onChain.root.toLowerCase() === computedRoot;
  const rangeOk = onChain.firstSeq === batch.firstSeq && onChain.leafCount === batch.leafCount;
  return [
    {
      id: "chain-batch",
      ok: true,
      message: `the registry has batch ${batch.id}, anchored at unix time ${onChain.anchoredAt}`,
    },
    {
      id: "chain-root",
      ok: chainRootOk,
      message: chainRootOk ? "the root on chain equals the root the proof leads to" : "the root on chain differs",
      expected: onChain.root,
      actual: computedRoot,
    },
    {
      id: "chain-range",
      ok: rangeOk,
      message: rangeOk
        ? "firstSeq and leafCount on chain equal the bundle's"
        : "firstSeq or leafCount on chain differ from the bundle's",
      expected: { firstSeq: onChain.firstSeq, leafCount: onChain.leafCount },
      actual: { firstSeq: batch.firstSeq, leafCount: batch.leafCount },
    },
  ];
}

function checkReceipt(bundle: ProofBundle, leaf: Hex): Check {
  const receipt = bundle.receipt!;
  const differences: string[] = [];
  if (receipt.seq !== bundle.record.seq) differences.push("seq");
  if (receipt.leaf.toLowerCase() !== leaf) differences.push("leaf");
  if (receipt.publishedAt !== bundle.record.publishedAt) differences.push("publishedAt");
  if (differences.length > 0) {
    return {
      id: "receipt",
      ok: false,
      message: `the receipt promised another ${differences.join(", ")} than the record has`,
    };
  }
  const signed = receiptSignatureValid(receipt, bundle.anchor.chainId, bundle.anchor.registry);
  return signed
    ? { id: "receipt", ok: true, message: `the receipt is signed by ${receipt.signer} for this record` }
    : { id: "receipt", ok: false, message: "the receipt's signature is not the signer's over these fields" };
}
