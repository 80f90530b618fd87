/**
 * Errors that cross Aiqyn's boundaries carry a stable machine-readable `code` and, where one exists, the
 * underlying `cause`. Codes never change meaning once published; messages may be reworded.
 */

/**
 * Every code an `AiqynError` may carry, one list for the whole project, so a typo in a code does not compile.
 * The HTTP API's problem codes (server/http/problem.ts's title table) are a subset.
 */
export const AIQYN_CODES = [
  // Input: records, leaves, bundles, receipts, trust roots, arguments.
  "INVALID_RECORD",
  "INVALID_JSON",
  "DUPLICATE_KEY",
  "INVALID_PARAMETER",
  "INVALID_ARGUMENT",
  "INVALID_ADDRESS",
  "INVALID_HEX",
  "INVALID_LEAF",
  "INVALID_BUNDLE",
  "INVALID_RECEIPT",
  "INVALID_SIGNATURE",
  "INVALID_PUBLISHER_NAME",
  "INVALID_REQUEST",
  "BUNDLE_TOO_LARGE",
  "EMPTY_BATCH",
  "LEAF_INDEX_OUT_OF_RANGE",
  "LEAF_MISMATCH",
  "TRUST_INVALID",
  "TRUST_CHAIN_MISMATCH",
  // The HTTP API's answers (see docs/API.md).
  "UNAUTHORIZED",
  "CORRECTION_NOT_OWN",
  "IDEMPOTENCY_KEY_REUSED",
  "DOCUMENT_HASH_MISMATCH",
  "DOCUMENT_NOT_FOUND",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "RECORD_NOT_FOUND",
  "BATCH_NOT_FOUND",
  "BATCH_NOT_ANCHORED",
  "NOT_FOUND",
  "NOT_READY",
  "SHUTTING_DOWN",
  "EXPECTATION_FAILED",
  "INTERNAL",
  // The store.
  "STORE_UNAVAILABLE",
  "STORE_FULL",
  "STORE_CLOSED",
  "STORE_BEHIND_CHAIN",
  "STORE_REGISTRY_MISMATCH",
  "PUBLISHER_EXISTS",
  "MIGRATE_CHECK_FAILED",
  "MIGRATE_SOURCE_GAP",
  "MIGRATE_SOURCE_MISSING",
  "MIGRATE_TARGET_NOT_EMPTY",
  // The chain, its RPCs and the registry.
  "CHAIN_UNAVAILABLE",
  "CHAIN_ID_MISMATCH",
  "CHAIN_INCONSISTENT",
  "BLOCK_IN_FUTURE",
  "LOG_SCAN_FAILED",
  "RPC_ERROR",
  "RPC_TIMEOUT",
  "RPC_UNREACHABLE",
  "RPC_BAD_ANSWER",
  "RPCS_DISAGREE",
  "TOKEN_DECIMALS",
  "NO_READER",
  "WRONG_CHAIN",
  "REGISTRY_NOT_FOUND",
  "REGISTRY_NO_CODE",
  "REGISTRY_PAUSED",
  "REGISTRY_CONFLICT",
  "REGISTRY_BEHIND_STORE",
  "REGISTRY_SEQ_MISMATCH",
  "NO_MAX_DELAY",
  "MAX_ANCHOR_DELAY_MISMATCH",
  "DEPLOYMENT_FILE_INVALID",
  "DEPLOYMENT_MISMATCH",
  "DEPLOY_FAILED",
  "ARTIFACT_MISSING",
  // Anchoring.
  "ANCHORING_HALTED",
  "ANCHORER_KEY_PUBLIC",
  "PUBLIC_RPC_MISSING",
  "ANCHORER_ROLE_MISSING",
  "ANCHORER_ROLE_REVOKED",
  "ANCHOR_FEE_ABOVE_CAP",
  "ANCHOR_LOG_MISSING",
  "ANCHOR_REVERTED",
  // Counted (metrics), not an error state: an anchored batch a reorg dropped, sent again.
  "ANCHOR_REORGED",
  "ANCHOR_TX_DROPPED",
  "ANCHOR_WOULD_REVERT",
  "AWAITING_CONFIRMATIONS",
  // Verifiers and their sources (the page, the CLI).
  "RECORDS_UNVERIFIED",
  "NOT_IN_MIRROR",
  "SOURCE_ERROR",
  "SOURCE_UNREACHABLE",
  "SOURCE_BAD_ANSWER",
  // A bug of ours, never bad input.
  "INVARIANT_VIOLATED",
] as const;

/** A code from the list above, or `HTTP_<status>` for an HTTP answer that names no code of ours. */
export type AiqynCode = (typeof AIQYN_CODES)[number] | `HTTP_${number}`;

const KNOWN_CODES: ReadonlySet<string> = new Set(AIQYN_CODES);

/** Whether a code read from outside (an HTTP answer) is one of ours. */
export function isAiqynCode(value: unknown): value is AiqynCode {
  return typeof value === "string" && (KNOWN_CODES.has(value) || /^HTTP_\d+$/.test(value));
}

export class AiqynError extends Error {
  readonly code: AiqynCode;
  readonly details: unknown;

  constructor(code: AiqynCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AiqynError";
    this.code = code;
    this.details = options.details;
  }
}

/** Fails loudly when the library's own output breaks an invariant: a bug here, never bad input. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AiqynError("INVARIANT_VIOLATED", `Invariant violated: ${message}`);
}
