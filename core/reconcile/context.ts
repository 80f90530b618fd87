/**
 * The reconciler's shared vocabulary: findings, the per-chain context (reader, final block, caches) and the
 * small pure helpers the checks share (amount comparison, Transfer decoding, direction of a movement).
 */
import type { Caip19 } from "../protocol/caip";
import { TRANSFER_TOPIC, type ChainReceipt, type EvmChainReader } from "../chains/evm/reader";
import { formatDecimal } from "../protocol/decimal";
import type { ChainLog } from "../chains/evm/log-scan";
import type { RecordKind } from "../protocol/record";
import { tracksBlock, type ReconcilePlan, type TrackedAsset } from "./plan";

/** Reconciliation v1 (docs/RECONCILIATION.md): the finding codes, fixed. */
export const FINDING_CODES = [
  "CONTROL_UNPROVEN",
  "BALANCE_MISMATCH",
  "UNDISCLOSED_TRANSFER",
  "PHANTOM_TRANSFER",
  "TRANSFER_MISMATCH",
  "DUPLICATE_REFERENCE",
  "UNDISCLOSED_TX",
  "NATIVE_UNEXPLAINED",
  "CLOSING_BALANCE",
  "TOKEN_UNEXPLAINED",
  "TRANSFER_UNDECODABLE",
  "RECORD_INVALID",
  /** Bitcoin (Reconciliation v2), a warning: declared and undeclared outputs spent together. */
  "MIXED_INPUTS",
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** One thing the chain shows that the records do not say. `expected` is the records' side, `actual` the chain's. */
export interface Finding {
  code: FindingCode;
  /** "warning" for a finding that says the fund's figures cannot be attributed, not that they are wrong. */
  severity?: "warning";
  /** The record concerned (for an undisclosed movement or nonce: the declaration of the account). */
  seq: number;
  chain: string;
  account: string | null;
  asset: string | null;
  /** The movement (`<CAIP-2>/tx/<hash>[/log/<i>]`) or block range concerned, when there is one. */
  movement: string | null;
  expected: string;
  actual: string;
  message: string;
}

/**
 * Information the report carries beside its findings (never a finding, never a failing exit):
 * CONTROL_CHANGED — a contract account's owners or threshold changed after it proved control at its
 * declaration's block; NATIVE_PER_TX_UNVERIFIED — a named transaction's native amount moved by internal calls
 * the RPC cannot trace, so only the balance checkpoints judge it; NATIVE_NET_ONLY — a contract account's native
 * value is checked only as net changes between checkpoints (no call trace), so an undisclosed inflow and an
 * undisclosed outflow of the same amount cancel out there.
 */
export const NOTE_CODES = ["CONTROL_CHANGED", "NATIVE_PER_TX_UNVERIFIED", "NATIVE_NET_ONLY"] as const;
export type NoteCode = (typeof NOTE_CODES)[number];

export interface ReconcileNote {
  code: NoteCode;
  seq: number;
  chain: string;
  account: string | null;
  movement: string | null;
  message: string;
}

export interface ReconcileProgress {
  chain: string;
  phase: "declarations" | "snapshots" | "movements" | "logs" | "nonces" | "native" | "history";
  done: number;
  total: number;
}

/** What the checks of one chain share. */
export interface ChainContext {
  chain: string;
  chainId: number;
  reader: EvmChainReader;
  toBlock: number;
  registry: string;
  plan: ReconcilePlan;
  findings: Finding[];
  unchecked: { seq: number; reason: string }[];
  notes: ReconcileNote[];
  logChunkSize?: number;
  /** The first block the Transfer log scan reads (0: from each declaration's start). */
  scanFrom: number;
  concurrency: number;
  progress: (phase: ReconcileProgress["phase"], done: number, total: number) => void;
  receipts: Map<string, Promise<ChainReceipt | null>>;
  decimals: Map<string, Promise<number>>;
}

/**
 * CONTROL_UNPROVEN: declaration `d`'s control message is not signed by the account it names. `expected` says
 * what signature would have proven it, `actual` what was found, `why` (optional) the reason in the message.
 */
export function controlUnproven(
  chain: string,
  d: TrackedAsset,
  expected: string,
  actual: string,
  why?: string,
): Finding {
  return {
    code: "CONTROL_UNPROVEN",
    seq: d.seq,
    chain,
    account: d.account.text,
    asset: d.symbol,
    movement: null,
    expected,
    actual,
    message: `seq ${d.seq}: the control message for ${d.account.text} is not signed by that ${why ? `address (${why})` : "account"}`,
  };
}

/** A movement the chain shows on `tracked`'s account and no record names (UNDISCLOSED_TRANSFER, NATIVE_UNEXPLAINED). */
export function unnamedMovement(
  chain: string,
  code: "UNDISCLOSED_TRANSFER" | "NATIVE_UNEXPLAINED",
  tracked: TrackedAsset,
  movement: string,
  actual: string,
  message: string,
): Finding {
  const { seq, symbol: asset } = tracked;
  return {
    code,
    seq,
    chain,
    account: tracked.account.text,
    asset,
    movement,
    expected: "a record naming this movement",
    actual,
    message,
  };
}

/**
 * CLOSING_BALANCE on the record that ended `d`'s tracking (`d.end.by`): what the retired account held when tracking
 * ended was not all disclosed as moved out afterwards.
 */
export function closingBalance(
  chain: string,
  d: TrackedAsset,
  movement: string | null,
  expected: string,
  actual: string,
  message: string,
): Finding {
  return {
    code: "CLOSING_BALANCE",
    seq: d.end!.by,
    chain,
    account: d.account.text,
    asset: d.symbol,
    movement,
    expected,
    actual,
    message,
  };
}
/**
 * The kinds that fit each direction of the asset a movement names (DESIGN's correction of v1): INVESTMENT brings
 * the asset bought in; DIVESTMENT takes the asset sold, or paid for a purchase, out.
 */
export const INFLOW_KINDS: ReadonlySet<RecordKind> = new Set([
  "INFLOW_SEIZURE",
  "INFLOW_MINING",
  "INFLOW_OTHER",
  "INVESTMENT",
]);
export const OUTFLOW_KINDS: ReadonlySet<RecordKind> = new Set(["DIVESTMENT", "GRANT", "EXPENSE"]);

export type Direction = "into" | "out of" | "between";

export function directionOf(fromDeclared: boolean, toDeclared: boolean): Direction {
  if (fromDeclared && toDeclared) return "between";
  return toDeclared ? "into" : "out of";
}

export function kindFits(kind: RecordKind, direction: Direction): boolean {
  if (direction === "between") return kind === "TRANSFER";
  return direction === "into" ? INFLOW_KINDS.has(kind) : OUTFLOW_KINDS.has(kind);
}

/** amount (× 10^18, a record's scale) equals raw (× 10^decimals, the chain's), compared without rounding. */
export function sameAmount(amount18: bigint, raw: bigint, decimals: number): boolean {
  return amount18 * 10n ** BigInt(decimals) === raw * 10n ** 18n;
}

export const formatRaw = (raw: bigint, decimals: number): string =>
  raw < 0n ? `-${formatDecimal(-raw, decimals)}` : formatDecimal(raw, decimals);

/** An ERC-20 Transfer log's parties (lowercase) and value; null for any other log. */
export function decodeTransfer(log: ChainLog): { from: string; to: string; value: bigint } | null {
  if (log.topics.length !== 3 || log.topics[0] !== TRANSFER_TOPIC || log.data.length !== 66) return null;
  return { from: `0x${log.topics[1]!.slice(26)}`, to: `0x${log.topics[2]!.slice(26)}`, value: BigInt(log.data) };
}

/** "native" or the token's lowercase address: how tracked assets are keyed. */
export const assetKey = (asset: Caip19): string => (asset.type === "native" ? "native" : asset.token.toLowerCase());

/** The declaration on this context's chain tracking `asset` at `address` at `block`, if any. */
export function trackedAt(ctx: ChainContext, key: string, address: string | null, block: number): TrackedAsset | null {
  if (address === null) return null;
  const lower = address.toLowerCase();
  return (
    ctx.plan.declarations.find(
      (d) =>
        d.account.chain.text === ctx.chain && // the same address on another chain is another account
        assetKey(d.asset) === key &&
        d.account.address.toLowerCase() === lower &&
        tracksBlock(d, block),
    ) ?? null
  );
}

/**
 * The declaration on this chain whose account left the fund's books before `block` (its tracking ended by a
 * retraction or correction): a movement out of it afterwards can disclose where its closing balance went.
 */
export function retiredAt(ctx: ChainContext, key: string, address: string | null, block: number): TrackedAsset | null {
  if (address === null) return null;
  const lower = address.toLowerCase();
  return (
    ctx.plan.declarations.find(
      (d) =>
        d.account.chain.text === ctx.chain &&
        d.end?.closing === true &&
        d.endBlock !== null &&
        block > d.endBlock &&
        assetKey(d.asset) === key &&
        d.account.address.toLowerCase() === lower,
    ) ?? null
  );
}

export function receiptOf(ctx: ChainContext, hash: string): Promise<ChainReceipt | null> {
  let cached = ctx.receipts.get(hash);
  if (!cached) ctx.receipts.set(hash, (cached = ctx.reader.receipt(hash)));
  return cached;
}

export function decimalsOf(ctx: ChainContext, asset: Caip19): Promise<number> {
  if (asset.type === "native") return Promise.resolve(18);
  const key = asset.token.toLowerCase();
  let cached = ctx.decimals.get(key);
  if (!cached) ctx.decimals.set(key, (cached = ctx.reader.decimals(asset.token, ctx.toBlock)));
  return cached;
}

export function balanceAt(ctx: ChainContext, address: string, asset: Caip19, block: number): Promise<bigint> {
  return asset.type === "native"
    ? ctx.reader.nativeBalance(address, block)
    : ctx.reader.tokenBalance(asset.token, address, block);
}

/** Runs `fn` over `items` with at most `limit` in flight (RPC round trips dominate; a few overlap well). */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
