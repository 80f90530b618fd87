/**
 * The reference formats of Reconciliation v1 (docs/PROTOCOL.md "Kind 11"), their parsing and the field-level
 * checks record validation runs:
 *
 * - snapshot / declaration point: `<CAIP-19>@<block>` (the balance at the end of that block);
 * - movement: `<CAIP-2>/tx/<0x tx hash>` (a transaction's native value) or `<CAIP-2>/tx/<0x tx hash>/log/<i>`
 *   (a token Transfer log, `i` its index in the block);
 * - the control proof in a declaration's memo: `0x` + the signature bytes of
 *   `aiqyn-wallet/1 <registry CAIP-10> <account CAIP-10> <asset CAIP-19>`: 65 bytes for a key (EOA), whatever
 *   the contract account accepts through ERC-1271 for a contract (a Safe's owners' signatures concatenated, any
 *   length the memo holds), and `0x` alone for a message the contract approved on chain (Safe's SignMessageLib).
 *
 * Free text stays free: a reference is held to a movement or snapshot format only when it starts with a CAIP-2
 * namespace (`eip155:`, `bip122:`), so "court order 2-17/2025" is still a valid reference. Records that name a
 * bip122 chain follow core/chains/bitcoin/fields.ts too (whole transactions, BIP-322 memo, satoshi-exact amounts).
 */
import {
  parseCaip10,
  parseCaip19,
  parseCaip2,
  type Caip10,
  type Caip19,
  type CaipError,
  type CaipResult,
  type MovementRef,
} from "./caip";
import type { RecordKind } from "./kinds";
import {
  checkBitcoinAmount,
  checkBitcoinControlSignature,
  namesBip122,
  parseBip122MovementRef,
} from "../chains/bitcoin/fields";
import { type FieldProblem, type FieldProblemCode } from "./shape";

export const CONTROL_MESSAGE_PREFIX = "aiqyn-wallet/1";

/** `<CAIP-19>@<block>`: an asset type and the block at whose end a balance is stated. */
export interface AssetAtBlock {
  asset: Caip19;
  block: number;
}

const BLOCK = /^(0|[1-9][0-9]{0,15})$/;

function blockNumber(text: string): number | null {
  return BLOCK.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/** Parses `<CAIP-19>@<block>`. */
export function parseAssetAtBlock(text: string): CaipResult<AssetAtBlock> {
  const at = text.lastIndexOf("@");
  if (at < 0) return { ok: false, error: { code: "REFERENCE_FORMAT", message: "expected <CAIP-19 asset>@<block>" } };
  const asset = parseCaip19(text.slice(0, at));
  if (!asset.ok) return asset;
  const block = blockNumber(text.slice(at + 1));
  if (block === null)
    return { ok: false, error: { code: "REFERENCE_FORMAT", message: "the block after @ must be a decimal number" } };
  return { ok: true, value: { asset: asset.value, block } };
}

/** Parses `<CAIP-2>/tx/<hash>` or `<CAIP-2>/tx/<hash>/log/<index>`. */
export function parseMovementRef(text: string): CaipResult<MovementRef> {
  if (text.startsWith("bip122:")) return parseBip122MovementRef(text);
  const match = /^([^/]+)\/tx\/(0x[0-9a-fA-F]{64})(?:\/log\/(0|[1-9][0-9]{0,8}))?$/.exec(text);
  if (!match)
    return {
      ok: false,
      error: { code: "REFERENCE_FORMAT", message: "expected <CAIP-2>/tx/<0x + 64 hex>[/log/<index>]" },
    };
  const chain = parseCaip2(match[1]!);
  if (!chain.ok) return chain;
  const txHash = match[2]!.toLowerCase();
  const logIndex = match[3] === undefined ? null : Number(match[3]);
  const key = `${chain.value.text}/tx/${txHash}${logIndex === null ? "" : `/log/${logIndex}`}`;
  return { ok: true, value: { chain: chain.value, txHash, logIndex, key } };
}

/** Parses a retraction's end of tracking: `@<block>` or `<CAIP-19>@<block>`. */
export function parseTrackingEnd(text: string): number | null {
  if (text.startsWith("@")) return blockNumber(text.slice(1));
  const parsed = parseAssetAtBlock(text);
  return parsed.ok ? parsed.value.block : null;
}

/** The UTF-8 message an account signs to prove the fund controls it (EIP-191 personal_sign). */
export function controlMessage(registry: string, account: string, asset: string): string {
  return `${CONTROL_MESSAGE_PREFIX} ${registry} ${account} ${asset}`;
}

/** True when a reference claims one of the formats above (it starts with a CAIP-2 namespace). */
export function looksLikeChainReference(text: string): boolean {
  return /^[-a-z0-9]{3,8}:/.test(text);
}

/** The kinds that move an asset (1–8): their reference may name a movement. */
export const MOVEMENT_KINDS: ReadonlySet<string> = new Set<RecordKind>([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
  "DIVESTMENT",
  "GRANT",
  "EXPENSE",
  "TRANSFER",
]);

const problem = (field: string, error: { code: FieldProblemCode; message: string }): FieldProblem => ({
  field,
  code: error.code,
  message: `${field}: ${error.message}`,
});

function checkSameChain(account: Caip10, asset: Caip19): FieldProblem[] {
  if (account.chain.text === asset.chain.text) return [];
  return [
    problem("reference", {
      code: "REFERENCE_CHAIN_MISMATCH",
      message: `the asset is on ${asset.chain.text} but the account is on ${account.chain.text}`,
    }),
  ];
}

/** counterparty = CAIP-10 account and reference = `<CAIP-19>@<block>` on the same chain. */
function checkAccountAndPoint(input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const account = typeof input.counterparty === "string" ? parseCaip10(input.counterparty) : null;
  if (account && !account.ok) problems.push(problem("counterparty", account.error));
  const point = typeof input.reference === "string" ? parseAssetAtBlock(input.reference) : null;
  if (point && !point.ok) problems.push(problem("reference", point.error));
  if (account?.ok && point?.ok) problems.push(...checkSameChain(account.value, point.value.asset));
  return problems;
}

/**
 * The shape of a declaration's control signature: `0x` and whole bytes (none for an on-chain approved message).
 * Which length is right depends on the account (65 bytes for a key), which only the chain can tell: the
 * reconciler judges it (core/reconcile/control.ts); the memo's own limit bounds the length.
 */
export function isControlSignatureHex(value: unknown): value is string {
  return typeof value === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(value);
}

function checkControlSignature(input: Record<string, unknown>): FieldProblem[] {
  const memo = input.memo;
  if (namesBip122(input)) return checkBitcoinControlSignature(memo);
  if (typeof memo !== "string" || isControlSignatureHex(memo)) return [];
  return [
    problem("memo", {
      code: "CONTROL_SIGNATURE_FORMAT",
      message:
        "a WALLET_DECLARED memo is the control signature as 0x + hex bytes: 65 bytes for a key, the bytes the " +
        "contract account accepts for a contract (a Safe's owners' signatures), 0x alone for a message approved on chain",
    }),
  ];
}

function checkMovementReference(reference: unknown): FieldProblem[] {
  if (typeof reference !== "string" || !looksLikeChainReference(reference)) return [];
  const parsed = parseMovementRef(reference);
  return parsed.ok ? [] : [problem("reference", parsed.error)];
}

function checkRetractionEnd(reference: unknown): FieldProblem[] {
  if (typeof reference !== "string") return [];
  if (!reference.startsWith("@") && !looksLikeChainReference(reference)) return [];
  if (parseTrackingEnd(reference) !== null) return [];
  const parsed = reference.startsWith("@") ? null : parseAssetAtBlock(reference);
  const error: CaipError =
    parsed && !parsed.ok ? parsed.error : { code: "REFERENCE_FORMAT", message: "expected @<block>" };
  return [problem("reference", error)];
}

/**
 * The reconciliation rules of one record's fields (its kind already known to be valid): WALLET_DECLARED must
 * name an account, an asset at a block and carry a signature; a VALUATION or movement whose reference claims a
 * chain format must spell it right; a RETRACTION's `@<block>` must be a block.
 */
export function checkReconciliationFields(input: Record<string, unknown>): FieldProblem[] {
  const problems = reconciliationProblems(input);
  return namesBip122(input) ? [...problems, ...checkBitcoinAmount(input.amount)] : problems;
}

function reconciliationProblems(input: Record<string, unknown>): FieldProblem[] {
  const kind = input.kind;
  if (kind === "WALLET_DECLARED") return [...checkAccountAndPoint(input), ...checkControlSignature(input)];
  if (kind === "VALUATION" && typeof input.reference === "string" && looksLikeChainReference(input.reference))
    return checkAccountAndPoint(input);
  if (kind === "RETRACTION") return checkRetractionEnd(input.reference);
  if (typeof kind === "string" && MOVEMENT_KINDS.has(kind)) return checkMovementReference(input.reference);
  return [];
}
