/**
 * Native value moved by internal calls (a Safe pays ETH from inside execTransaction), docs/RECONCILIATION.md
 * "Native value and call traces":
 *
 * - with a call trace (core/chains/evm/call-trace.ts), a named transaction's movement is the value move inside it that
 *   touches a declared account, and every named native movement and every transaction in which a declared
 *   contract account emitted a log (a Safe logs every execution and every ETH it receives) is traced: a move into or out of a declared
 *   account that no record names is NATIVE_UNEXPLAINED for that transaction, even when another one cancels it
 *   in the net balance;
 * - without one, a named transaction into a declared contract account with value 0 has an amount the RPC cannot
 *   show: its record's amount is taken as claimed, the balance checkpoints judge it (NATIVE_UNEXPLAINED when
 *   they disagree), and the report says so (NATIVE_PER_TX_UNVERIFIED); each declared contract account gets a
 *   NATIVE_NET_ONLY note: there, equal undisclosed inflows and outflows cancel out.
 */
import type { ValueMove } from "../chains/evm/call-trace";
import type { ChainReceipt, ChainTransaction } from "../chains/evm/reader";
import { scanLogs } from "../chains/evm/log-scan";
import { INFLOW_KINDS, formatRaw, mapLimit, receiptOf, trackedAt, unnamedMovement, type ChainContext } from "./context";
import type { MovementClaim, TrackedAsset } from "./plan";

/** A native movement as the records' side explains it: the NamedOnChain.native entry. */
export interface NativeMove {
  block: number;
  hash: string;
  from: string;
  to: string | null;
  value: bigint;
  /** The record's own amount, taken as claimed: the chain could not show it per transaction. */
  claimed?: true;
}

interface TraceState {
  /** null until a trace was asked; then whether the RPC offers one. */
  offered: boolean | null;
  moves: Map<string, Promise<ValueMove[] | null>>;
}

const states = new WeakMap<ChainContext, TraceState>();

function stateOf(ctx: ChainContext): TraceState {
  let state = states.get(ctx);
  if (!state) states.set(ctx, (state = { offered: ctx.reader.valueMoves ? null : false, moves: new Map() }));
  return state;
}

/** The transaction's value moves from a trace (cached), or null when the RPC offers none. */
async function tracedMoves(ctx: ChainContext, hash: string): Promise<ValueMove[] | null> {
  const state = stateOf(ctx);
  if (state.offered === false || !ctx.reader.valueMoves) return null;
  let cached = state.moves.get(hash);
  if (!cached) state.moves.set(hash, (cached = ctx.reader.valueMoves(hash)));
  const moves = await cached;
  state.offered = moves !== null;
  return moves;
}

const touches = (ctx: ChainContext, move: { from: string; to: string | null }, block: number) =>
  trackedAt(ctx, "native", move.from, block) !== null || trackedAt(ctx, "native", move.to, block) !== null;

/** The moves of one (from, to) pair summed: what one record can name. */
function summedFirstPair(moves: ValueMove[]): ValueMove {
  const first = moves[0]!;
  const same = moves.filter((m) => m.from === first.from && m.to === first.to);
  return { ...first, value: same.reduce((sum, m) => sum + m.value, 0n) };
}

/**
 * What a named native movement moved, as the chain shows it: from a trace when there is one, else the
 * transaction's own value; when the amount is not verifiable here (see the module comment), the record's claim
 * (marked `claimed`), for the balance checkpoints, and a note.
 */
export async function namedNativeMove(
  ctx: ChainContext,
  m: MovementClaim,
  tx: ChainTransaction,
  receipt: ChainReceipt,
): Promise<NativeMove> {
  const block = receipt.blockNumber;
  const outer: NativeMove = {
    block,
    hash: m.ref.txHash,
    from: tx.from,
    to: tx.to,
    value: receipt.success ? tx.value : 0n,
  };
  if (!receipt.success) return outer; // a failed transaction moves no value
  const traced = await tracedMoves(ctx, m.ref.txHash);
  if (traced) {
    const touching = traced.filter((move) => touches(ctx, move, block));
    return touching.length === 0 ? outer : { block, hash: m.ref.txHash, ...summedFirstPair(touching) };
  }
  const contract = tx.to !== null && tx.value === 0n && trackedAt(ctx, "native", tx.to, block) !== null;
  if (!contract || !(await ctx.reader.hasCode(tx.to!, block))) return outer;
  ctx.notes.push({
    code: "NATIVE_PER_TX_UNVERIFIED",
    seq: m.seq,
    chain: ctx.chain,
    account: trackedAt(ctx, "native", tx.to, block)!.account.text,
    movement: m.ref.key,
    message:
      `seq ${m.seq}: ${m.ref.key} calls the contract account ${tx.to} with no value of its own; the RPC offers no ` +
      "call trace, so the amount moved inside it was not verifiable per transaction: the balance checkpoints judge it",
  });
  const into = INFLOW_KINDS.has(m.kind);
  return {
    block,
    hash: m.ref.txHash,
    from: into ? "" : tx.to!,
    to: into ? tx.to : null,
    value: m.amount,
    claimed: true,
  };
}

/** Declared native accounts with code: where value moves by internal calls. */
async function nativeContracts(ctx: ChainContext): Promise<TrackedAsset[]> {
  const native = ctx.plan.declarations.filter(
    (d) => d.asset.chain.text === ctx.chain && d.asset.type === "native" && d.startBlock < ctx.toBlock,
  );
  const withCode = await Promise.all(native.map((d) => ctx.reader.hasCode(d.account.address, ctx.toBlock)));
  return native.filter((_, i) => withCode[i]);
}

/** Every transaction in which a declared contract account emitted a log, within its tracking window. */
async function loggingTransactions(ctx: ChainContext, contracts: TrackedAsset[]): Promise<Set<string>> {
  const hashes = new Set<string>();
  for (const d of contracts) {
    const from = Math.max(ctx.scanFrom, d.startBlock + 1);
    const to = Math.min(ctx.toBlock, d.endBlock ?? ctx.toBlock);
    if (from > to) continue;
    const logs = await scanLogs(ctx.reader.getLogs, { address: d.account.address }, from, to, {
      chunkSize: ctx.logChunkSize,
    });
    for (const log of logs) hashes.add(log.transactionHash.toLowerCase());
  }
  return hashes;
}

/** The moves of one traced transaction touching a declared account that no record explains. */
function unexplainedMoves(ctx: ChainContext, moves: ValueMove[], explained: NativeMove[], block: number) {
  const left = [...explained];
  return moves.filter((move) => {
    if (!touches(ctx, move, block)) return false;
    const i = left.findIndex((e) => e.from === move.from && e.to === move.to && e.value === move.value);
    if (i >= 0) return (left.splice(i, 1), false);
    return true;
  });
}

function reportUnexplained(ctx: ChainContext, hash: string, move: ValueMove, block: number) {
  const out = trackedAt(ctx, "native", move.from, block);
  const tracked = (out ?? trackedAt(ctx, "native", move.to, block))!;
  const direction = out ? "out of" : "into";
  const movement = `${ctx.chain}/tx/${hash}`;
  const value = `${formatRaw(move.value, 18)} ${tracked.symbol}`;
  ctx.findings.push(
    unnamedMovement(
      ctx.chain,
      "NATIVE_UNEXPLAINED",
      tracked,
      movement,
      `${value} ${direction} ${tracked.account.text} in block ${block} (call trace)`,
      `${movement} moved ${value} ${direction} ${tracked.account.text} by a call; no record names it`,
    ),
  );
}

function noteNetOnly(ctx: ChainContext, contracts: TrackedAsset[]) {
  for (const d of contracts)
    ctx.notes.push({
      code: "NATIVE_NET_ONLY",
      seq: d.seq,
      chain: ctx.chain,
      account: d.account.text,
      movement: null,
      message:
        `${d.account.text} is a contract account and the RPC offers no call trace: its ${d.symbol} is checked only ` +
        "as net changes between checkpoints, where an undisclosed inflow and an equal undisclosed outflow cancel out",
    });
}

/** With call traces: every move into or out of a declared account, in named or logging transactions, explained. */
export async function checkTracedNative(
  ctx: ChainContext,
  named: { txs: Map<string, ChainReceipt>; native: NativeMove[] },
) {
  const contracts = await nativeContracts(ctx);
  const explained = new Map<string, NativeMove[]>();
  for (const n of named.native) explained.set(n.hash, [...(explained.get(n.hash) ?? []), n]);
  // Named token movements of keys are not traced: a key's own value is its transaction's, checked by balance.
  const logging = stateOf(ctx).offered === false ? [] : [...(await loggingTransactions(ctx, contracts))];
  const hashes = [...new Set([...explained.keys(), ...logging])];
  await mapLimit(hashes, ctx.concurrency, async (hash) => {
    const receipt = await receiptOf(ctx, hash);
    if (!receipt || !receipt.success || receipt.blockNumber > ctx.toBlock) return;
    const moves = await tracedMoves(ctx, hash);
    if (!moves) return;
    for (const move of unexplainedMoves(ctx, moves, explained.get(hash) ?? [], receipt.blockNumber))
      reportUnexplained(ctx, hash, move, receipt.blockNumber);
  });
  if (stateOf(ctx).offered !== true) noteNetOnly(ctx, contracts);
}
