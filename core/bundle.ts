/**
 * The proof bundle `aiqyn-proof/1`: one JSON file that proves one record against the chain.
 *
 * The file is attacker-controlled. parseBundle checks every field, refuses unknown ones and reports every
 * problem with a stable code; verifyBundle recomputes everything it can and asks the chain, through an
 * injected reader, only for the batch. It never touches the network itself.
 */
import { isBytes32Hex, type Hex } from "./bytes";
import { AiqynError } from "./errors";
import { leafHash } from "./encoding";
import { maxProofLength, processProof } from "./proof";
import { receiptSignatureValid, type Receipt } from "./receipt";
import { validateRecord, type FieldProblem, type RecordV1 } from "./record";
import { isAddress } from "./trust";

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

type Shape = Record<string, (value: unknown, path: string) => FieldProblem[]>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problem(field: string, code: string, message: string): FieldProblem[] {
  return [{ field, code, message }];
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: unknown, path: string) =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
      ? []
      : problem(path, "WRONG_TYPE", `${path} must be an integer from ${min} to ${max}`);
const bytes32 = (value: unknown, path: string) =>
  isBytes32Hex(value) ? [] : problem(path, "WRONG_TYPE", `${path} must be 0x followed by 64 hex digits`);
const address = (value: unknown, path: string) =>
  isAddress(value) ? [] : problem(path, "WRONG_TYPE", `${path} must be a 20-byte 0x address`);
const signature = (value: unknown, path: string) =>
  typeof value === "string" && /^0x[0-9a-fA-F]{130}$/.test(value)
    ? []
    : problem(path, "WRONG_TYPE", `${path} must be a 65-byte 0x signature`);

function object(shape: Shape) {
  return (value: unknown, path: string): FieldProblem[] => {
    if (!isObject(value)) return problem(path, "WRONG_TYPE", `${path} must be an object`);
    const problems: FieldProblem[] = [];
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) {
        problems.push(
          ...problem(
            `${path}/${key}`.slice(0, 200),
            "FIELD_UNKNOWN",
            `unknown field ${JSON.stringify(key).slice(0, 80)}`,
          ),
        );
      }
    }
    for (const [key, check] of Object.entries(shape)) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) {
        problems.push(...problem(`${path}/${key}`, "FIELD_REQUIRED", `${path}/${key} is required`));
      } else {
        problems.push(...check(value[key], `${path}/${key}`));
      }
    }
    return problems;
  };
}

const bundleShape: Shape = {
  format: (value, path) =>
    value === BUNDLE_FORMAT ? [] : problem(path, "UNSUPPORTED_FORMAT", `format must be "${BUNDLE_FORMAT}"`),
  record: (value, path) => {
    const result = validateRecord(value);
    return result.ok ? [] : result.errors.map((p) => ({ ...p, field: p.field ? `${path}/${p.field}` : path }));
  },
  leaf: bytes32,
  proof: (value, path) => {
    if (!Array.isArray(value)) return problem(path, "WRONG_TYPE", `${path} must be an array`);
    if (value.length > MAX_PROOF_ELEMENTS)
      return problem(path, "PROOF_TOO_LONG", `${path} has more than ${MAX_PROOF_ELEMENTS} elements`);
    return value.flatMap((element, i) => bytes32(element, `${path}/${i}`));
  },
  batch: object({ id: integer(1), root: bytes32, firstSeq: integer(1), leafCount: integer(1, 2 ** 32 - 1) }),
  anchor: object({ chainId: integer(1), registry: address, txHash: bytes32, blockNumber: integer(0) }),
};
const receiptShape = object({ seq: integer(1), leaf: bytes32, publishedAt: integer(0), signer: address, signature });

/** Checks an already-parsed JSON value; throws AiqynError INVALID_BUNDLE with every problem in `details`. */
export function parseBundle(input: unknown): ProofBundle {
  if (!isObject(input)) throw new AiqynError("INVALID_BUNDLE", "a proof bundle must be a JSON object", { details: [] });
  const problems = object(bundleShape)(
    Object.fromEntries(Object.entries(input).filter(([key]) => key !== "receipt")),
    "",
  );
  if ("receipt" in input && input.receipt !== undefined) problems.push(...receiptShape(input.receipt, "/receipt"));
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new AiqynError(
      "INVALID_BUNDLE",
      `not a valid ${BUNDLE_FORMAT} bundle: ${first.field || "/"} ${first.message}`,
      {
        details: problems.map((p) => ({ ...p, field: p.field.startsWith("/") ? p.field : `/${p.field}` })),
      },
    );
  }
  return input as unknown as ProofBundle;
}

/** Parses bundle text: size-limited, JSON-checked, then parseBundle. */
export function parseBundleText(text: string): ProofBundle {
  if (text.length > MAX_BUNDLE_BYTES)
    throw new AiqynError("BUNDLE_TOO_LARGE", `a bundle is at most ${MAX_BUNDLE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AiqynError("INVALID_JSON", "the bundle is not valid JSON", { cause });
  }
  return parseBundle(json);
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
  // Added by the pinned verifier (core/verify.ts), in this order around the ones above:
  | "trust-root"
  | "chain-id"
  | "anchor-tx"
  | "receipt-role"
  | "anchor-deadline"
  | "published-at";

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

function leafCheck(bundle: ProofBundle, leaf: Hex): Check {
  return leaf === bundle.leaf.toLowerCase()
    ? { id: "leaf", ok: true, message: "the leaf recomputed from the record equals the bundle's leaf" }
    : {
        id: "leaf",
        ok: false,
        message: "the record does not hash to the bundle's leaf",
        expected: bundle.leaf,
        actual: leaf,
      };
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
  return computedRoot === batch.root.toLowerCase()
    ? { id: "proof-root", ok: true, message: "the proof leads from the recomputed leaf to the batch root" }
    : {
        id: "proof-root",
        ok: false,
        message: "the proof does not lead to the batch root",
        expected: batch.root,
        actual: computedRoot,
      };
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
