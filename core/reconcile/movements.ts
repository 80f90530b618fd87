/**
 * The movement checks of one chain: each named movement against the chain (PHANTOM_TRANSFER,
 * TRANSFER_MISMATCH, DUPLICATE_REFERENCE), then what the chain shows that no record names
 * (UNDISCLOSED_TRANSFER by a Transfer log scan, UNDISCLOSED_TX by nonces, NATIVE_UNEXPLAINED by balances).
 */
import { TRANSFER_TOPIC, type ChainReceipt } from "../chains/evm/reader";
import { addressWordHex } from "../protocol/bytes";
import { formatDecimal } from "../protocol/decimal";
import { scanLogs, type ChainLog } from "../chains/evm/log-scan";
import type { MovementClaim, TrackedAsset } from "./plan";
import {
  assetKey,
  balanceAt,
  decimalsOf,
  decodeTransfer,
  directionOf,
  formatRaw,
  kindFits,
  mapLimit,
  receiptOf,
  retiredAt,
  sameAmount,
  trackedAt,
  unnamedMovement,
  closingBalance,
  type ChainContext,
  type Finding,
} from "./context";
import type { Caip19 } from "../protocol/caip";
import { namedNativeMove, type NativeMove } from "./native";

/** What the records name on this chain, as the chain shows it. */
export interface NamedOnChain {
  /** `<hash>/<logIndex>` of every Transfer log a record names. */
  logs: Set<string>;
  /** Every named transaction that exists up to the final block, by hash. */
  txs: Map<string, ChainReceipt>;
  /** Named native movements: who sent what to whom (value 0 for a failed transaction; internal calls traced). */
  native: NativeMove[];
  /** Per retired declaration (seq): what named movements carried out of it after its end (raw units; fees too). */
  closing: Map<number, bigint>;
  /** Per tracked token (lowercase address): the Transfer logs the scan found into or out of its accounts. */
  tokenLogs: Map<string, ChainLog[]>;
}

type Moved = {
  from: string;
  to: string | null;
  value: bigint;
  key: string;
  decimals: number;
  asset: Caip19 | null;
  /** For a native movement: the fee its sender paid (a retired account's drain pays it from the closing balance). */
  fee?: bigint;
};

function finding(ctx: ChainContext, m: MovementClaim, code: Finding["code"], expected: string, actual: string) {
  ctx.findings.push({
    code,
    seq: m.seq,
    chain: ctx.chain,
    account: null,
    asset: m.symbol,
    movement: m.ref.key,
    expected,
    actual,
    message: `seq ${m.seq} names ${m.ref.key}: ${actual}`,
  });
}

/** Compares a movement the chain shows with what its record says. */
function compareMovement(ctx: ChainContext, m: MovementClaim, moved: Moved, block: number, named: NamedOnChain) {
  const fromT = trackedAt(ctx, moved.key, moved.from, block);
  const toT = trackedAt(ctx, moved.key, moved.to, block);
  const said = `${m.kind} ${formatDecimal(m.amount, 18)} ${m.symbol}`;
  if (!fromT && !toT) {
    const retired = retiredAt(ctx, moved.key, moved.from, block);
    if (retired) return compareClosingMovement(ctx, m, moved, retired, named);
    return finding(ctx, m, "PHANTOM_TRANSFER", said, "the movement touches no declared account of that asset");
  }
  const tracked = (toT ?? fromT)!;
  const direction = directionOf(fromT !== null, toT !== null);
  const account = (direction === "out of" ? fromT : toT)!.account.text;
  const shown = `${direction} ${account}: ${formatRaw(moved.value, moved.decimals)} ${tracked.symbol}`;
  const fits =
    m.symbol === tracked.symbol && kindFits(m.kind, direction) && sameAmount(m.amount, moved.value, moved.decimals);
  if (!fits) finding(ctx, m, "TRANSFER_MISMATCH", said, shown);
}

/** A named movement out of a retired account: it discloses where (part of) the closing balance went. */
function compareClosingMovement(
  ctx: ChainContext,
  m: MovementClaim,
  moved: Moved & { fee?: bigint },
  retired: TrackedAsset,
  named: NamedOnChain,
) {
  const fits =
    m.symbol === retired.symbol && kindFits(m.kind, "out of") && sameAmount(m.amount, moved.value, moved.decimals);
  if (!fits) {
    const shown = `out of ${retired.account.text} (retired): ${formatRaw(moved.value, moved.decimals)} ${retired.symbol}`;
    return finding(ctx, m, "TRANSFER_MISMATCH", `${m.kind} ${formatDecimal(m.amount, 18)} ${m.symbol}`, shown);
  }
  named.closing.set(retired.seq, (named.closing.get(retired.seq) ?? 0n) + moved.value + (moved.fee ?? 0n));
}

async function checkLogMovement(ctx: ChainContext, m: MovementClaim, named: NamedOnChain) {
  const receipt = await receiptOf(ctx, m.ref.txHash);
  if (!receipt) return finding(ctx, m, "PHANTOM_TRANSFER", "a transaction", "no such transaction on the chain");
  if (receipt.blockNumber > ctx.toBlock)
    return ctx.unchecked.push({ seq: m.seq, reason: `${m.ref.key} is after the final block ${ctx.toBlock}` });
  named.txs.set(m.ref.txHash, receipt);
  const log = receipt.logs.find((l) => l.logIndex === m.ref.logIndex);
  const transfer = log ? decodeTransfer(log) : null;
  if (!log || !transfer)
    return finding(ctx, m, "PHANTOM_TRANSFER", "a Transfer log", "the transaction has no Transfer log at that index");
  named.logs.add(`${m.ref.txHash}/${m.ref.logIndex}`);
  const declared = ctx.plan.declarations.find((d) => assetKey(d.asset) === log.address.toLowerCase());
  const decimals = declared ? await decimalsOf(ctx, declared.asset) : 0;
  const moved = { ...transfer, key: log.address.toLowerCase(), decimals, asset: declared?.asset ?? null };
  compareMovement(ctx, m, moved, receipt.blockNumber, named);
}

async function checkNativeMovement(ctx: ChainContext, m: MovementClaim, named: NamedOnChain) {
  const [tx, receipt] = await Promise.all([ctx.reader.transaction(m.ref.txHash), receiptOf(ctx, m.ref.txHash)]);
  if (!tx || !receipt) return finding(ctx, m, "PHANTOM_TRANSFER", "a transaction", "no such transaction on the chain");
  if (receipt.blockNumber > ctx.toBlock)
    return ctx.unchecked.push({ seq: m.seq, reason: `${m.ref.key} is after the final block ${ctx.toBlock}` });
  named.txs.set(m.ref.txHash, receipt);
  const move = await namedNativeMove(ctx, m, tx, receipt);
  named.native.push(move);
  if (move.claimed) return; // the record's claim, not verifiable per transaction here (a note says so)
  // The fee is the sender's cost only when the account the value left is the one that sent the transaction.
  const fee = receipt.from === move.from ? receipt.fee : 0n;
  compareMovement(ctx, m, { ...move, key: "native", decimals: 18, asset: null, fee }, receipt.blockNumber, named);
}

/** Reports every record but the first that names an already named movement; returns the first of each. */
function firstOfEachMovement(ctx: ChainContext, movements: MovementClaim[]): MovementClaim[] {
  const byKey = new Map<string, MovementClaim[]>();
  for (const m of movements) byKey.set(m.ref.key, [...(byKey.get(m.ref.key) ?? []), m]);
  const firsts: MovementClaim[] = [];
  for (const group of byKey.values()) {
    group.sort((a, b) => a.seq - b.seq);
    firsts.push(group[0]!);
    const seqs = group.map((m) => m.seq).join(", ");
    for (const m of group.slice(1))
      finding(ctx, m, "DUPLICATE_REFERENCE", "one current record per movement", `named by seqs ${seqs}`);
  }
  return firsts;
}

/** Checks every named movement of this chain; returns what they name, for the scans that follow. */
export async function checkMovements(ctx: ChainContext): Promise<NamedOnChain> {
  const named: NamedOnChain = { logs: new Set(), txs: new Map(), native: [], closing: new Map(), tokenLogs: new Map() };
  const mine = ctx.plan.movements.filter((m) => m.ref.chain.text === ctx.chain);
  const firsts = firstOfEachMovement(ctx, mine);
  let done = 0;
  await mapLimit(firsts, ctx.concurrency, async (m) => {
    await (m.ref.logIndex === null ? checkNativeMovement(ctx, m, named) : checkLogMovement(ctx, m, named));
    ctx.progress("movements", ++done, firsts.length);
  });
  return named;
}

const topicOf = (address: string) => `0x${addressWordHex(address)}` as const;

/** Every Transfer of `token` from or to one of `addresses` in [fromBlock, toBlock], once each. */
async function transfersOf(ctx: ChainContext, token: string, addresses: string[], fromBlock: number) {
  const topics = addresses.map(topicOf);
  const options = {
    chunkSize: ctx.logChunkSize,
    onProgress: (p: { scannedTo: number }) =>
      ctx.progress("logs", p.scannedTo - fromBlock + 1, ctx.toBlock - fromBlock + 1),
  };
  const outgoing = await scanLogs(
    ctx.reader.getLogs,
    { address: token, topics: [TRANSFER_TOPIC, topics] },
    fromBlock,
    ctx.toBlock,
    options,
  );
  const incoming = await scanLogs(
    ctx.reader.getLogs,
    { address: token, topics: [TRANSFER_TOPIC, null, topics] },
    fromBlock,
    ctx.toBlock,
    options,
  );
  const unique = new Map<string, ChainLog>();
  for (const log of [...outgoing, ...incoming]) unique.set(`${log.transactionHash}/${log.logIndex}`, log);
  return [...unique.values()];
}

function reportUndisclosed(
  ctx: ChainContext,
  log: ChainLog,
  tracked: TrackedAsset,
  decimals: number,
  direction: string,
) {
  const movement = `${ctx.chain}/tx/${log.transactionHash}/log/${log.logIndex}`;
  const value = formatRaw(decodeTransfer(log)!.value, decimals);
  ctx.findings.push(
    unnamedMovement(
      ctx.chain,
      "UNDISCLOSED_TRANSFER",
      tracked,
      movement,
      `${value} ${tracked.symbol} ${direction} ${tracked.account.text} in block ${log.blockNumber}`,
      `${movement} moved ${value} ${tracked.symbol} ${direction} ${tracked.account.text}; no record names it`,
    ),
  );
}

/** UNDISCLOSED_TRANSFER: every Transfer of a tracked token into or out of a tracked account that no record names. */
export async function findUndisclosedTransfers(ctx: ChainContext, named: NamedOnChain) {
  const tokens = new Map<string, TrackedAsset[]>();
  for (const d of ctx.plan.declarations)
    if (d.asset.chain.text === ctx.chain && d.asset.type === "erc20" && d.startBlock < ctx.toBlock)
      tokens.set(assetKey(d.asset), [...(tokens.get(assetKey(d.asset)) ?? []), d]);
  for (const [token, tracked] of tokens) {
    const fromBlock = Math.max(ctx.scanFrom, Math.min(...tracked.map((d) => d.startBlock)) + 1);
    if (fromBlock > ctx.toBlock) continue;
    const addresses = [...new Set(tracked.map((d) => d.account.address.toLowerCase()))];
    const decimals = await decimalsOf(ctx, tracked[0]!.asset);
    const logs = await transfersOf(ctx, token, addresses, fromBlock);
    named.tokenLogs.set(token, logs);
    for (const log of logs) {
      const transfer = decodeTransfer(log);
      if (!transfer) {
        reportUndecodable(ctx, log, tracked[0]!);
        continue;
      }
      if (named.logs.has(`${log.transactionHash}/${log.logIndex}`)) continue;
      const fromT = trackedAt(ctx, token, transfer.from, log.blockNumber);
      const toT = trackedAt(ctx, token, transfer.to, log.blockNumber);
      if (fromT) reportUndisclosed(ctx, log, fromT, decimals, "out of");
      else if (toT) reportUndisclosed(ctx, log, toT, decimals, "into");
    }
  }
}

/** TRANSFER_UNDECODABLE: a log with the Transfer topic that is not the standard 3 topics and one 32-byte word. */
function reportUndecodable(ctx: ChainContext, log: ChainLog, tracked: TrackedAsset) {
  const movement = `${ctx.chain}/tx/${log.transactionHash}/log/${log.logIndex}`;
  if (ctx.findings.some((f) => f.code === "TRANSFER_UNDECODABLE" && f.movement === movement)) return;
  ctx.findings.push({
    code: "TRANSFER_UNDECODABLE",
    seq: tracked.seq,
    chain: ctx.chain,
    account: tracked.account.text,
    asset: tracked.symbol,
    movement,
    expected: "Transfer(address indexed, address indexed, uint256): 3 topics, one 32-byte word of data",
    actual: `${log.topics.length} topic(s), ${(log.data.length - 2) / 2} byte(s) of data in block ${log.blockNumber}`,
    message: `${movement} has the Transfer topic but cannot be decoded: what it moved is not judged by log`,
  });
}

/** Each tracked account of this chain once, with the blocks it is tracked over. */
function trackedAccounts(ctx: ChainContext) {
  const accounts = new Map<string, { seq: number; account: string; from: number; to: number }>();
  for (const d of ctx.plan.declarations) {
    if (d.account.chain.text !== ctx.chain || d.startBlock >= ctx.toBlock) continue;
    const key = d.account.address.toLowerCase();
    const to = Math.min(ctx.toBlock, d.endBlock ?? ctx.toBlock);
    const known = accounts.get(key);
    if (!known) accounts.set(key, { seq: d.seq, account: d.account.text, from: d.startBlock, to });
    else
      accounts.set(key, {
        ...known,
        seq: Math.min(known.seq, d.seq),
        from: Math.min(known.from, d.startBlock),
        to: Math.max(known.to, to),
      });
  }
  return accounts;
}

/** UNDISCLOSED_TX: a tracked account's nonce rose by more than the named transactions it sent. */
export async function checkNonces(ctx: ChainContext, named: NamedOnChain) {
  const accounts = [...trackedAccounts(ctx)];
  let done = 0;
  await mapLimit(accounts, ctx.concurrency, async ([address, a]) => {
    const [before, after] = await Promise.all([ctx.reader.nonce(address, a.from), ctx.reader.nonce(address, a.to)]);
    const sent = [...named.txs.values()].filter(
      (r) => r.from === address && r.blockNumber > a.from && r.blockNumber <= a.to,
    );
    if (after - before > sent.length)
      ctx.findings.push({
        code: "UNDISCLOSED_TX",
        seq: a.seq,
        chain: ctx.chain,
        account: a.account,
        asset: null,
        movement: `blocks ${a.from + 1}-${a.to}`,
        expected: `${sent.length} transaction(s) sent, as records name`,
        actual: `the nonce rose by ${after - before}`,
        message: `${a.account} sent ${after - before - sent.length} transaction(s) in blocks ${a.from + 1}-${a.to} that no record names`,
      });
    ctx.progress("nonces", ++done, accounts.length);
  });
}

/** The native change the records explain for `address` in blocks (from, to]: movements in − out − fees paid. */
function explainedChange(named: NamedOnChain, address: string, from: number, to: number): bigint {
  const within = (block: number) => block > from && block <= to;
  let change = 0n;
  for (const n of named.native) {
    if (!within(n.block)) continue;
    if (n.to === address) change += n.value;
    if (n.from === address) change -= n.value;
  }
  for (const r of named.txs.values()) if (r.from === address && within(r.blockNumber)) change -= r.fee;
  return change;
}

/**
 * The blocks at which a holding's balance is compared — its declaration's, every snapshot's, its last tracked
 * block — with the record that stated each; none before `floor` (a bounded scan sees nothing earlier).
 */
function checkpoints(ctx: ChainContext, d: TrackedAsset, floor = d.startBlock): { block: number; seq: number }[] {
  const start = Math.max(d.startBlock, floor);
  const end = Math.min(ctx.toBlock, d.endBlock ?? ctx.toBlock);
  const snapshots = ctx.plan.snapshots
    .filter((s) => s.account.text === d.account.text && s.asset.text === d.asset.text)
    .filter((s) => s.block > start && s.block < end)
    .map((s) => ({ block: s.block, seq: s.seq }));
  const points = [{ block: start, seq: d.seq }, ...snapshots, { block: Math.max(start, end), seq: d.seq }];
  return points.sort((a, b) => a.block - b.block).filter((p, i, all) => i === 0 || p.block !== all[i - 1]!.block);
}

/** NATIVE_UNEXPLAINED: between consecutive checkpoints, the balance changed by other than the records explain. */
export async function checkNativeBalances(ctx: ChainContext, named: NamedOnChain) {
  const native = ctx.plan.declarations.filter((d) => d.asset.chain.text === ctx.chain && d.asset.type === "native");
  for (const d of native) {
    if (d.startBlock >= ctx.toBlock) continue;
    const address = d.account.address.toLowerCase();
    const points = checkpoints(ctx, d);
    const balances = await Promise.all(points.map((p) => ctx.reader.nativeBalance(address, p.block)));
    for (let i = 1; i < points.length; i++) {
      const actual = balances[i]! - balances[i - 1]!;
      const expected = explainedChange(named, address, points[i - 1]!.block, points[i]!.block);
      if (actual === expected) continue;
      const range = `blocks ${points[i - 1]!.block + 1}-${points[i]!.block}`;
      ctx.findings.push({
        code: "NATIVE_UNEXPLAINED",
        seq: points[i]!.seq,
        chain: ctx.chain,
        account: d.account.text,
        asset: d.symbol,
        movement: range,
        expected: `${formatRaw(expected, 18)} ${d.symbol} (disclosed movements minus fees)`,
        actual: `${formatRaw(actual, 18)} ${d.symbol}`,
        message: `${d.account.text}'s ${d.symbol} changed by ${formatRaw(actual - expected, 18)} more than disclosed in ${range}`,
      });
    }
  }
}

/**
 * CLOSING_BALANCE: an account whose tracking a retraction or correction ended must have been left empty, or its
 * closing balance disclosed as moved out afterwards (named movements out of it, with their fees for native coin).
 * Otherwise "retire then drain" hides the rest: retract the declaration, then empty the wallet unseen.
 */
export async function checkClosingBalances(ctx: ChainContext, named: NamedOnChain) {
  const retired = ctx.plan.declarations.filter(
    (d) => d.account.chain.text === ctx.chain && d.end?.closing === true && d.endBlock !== null,
  );
  await mapLimit(retired, ctx.concurrency, async (d) => {
    const end = d.endBlock!;
    // Still the fund's if another declaration of the account and asset tracks on past the end.
    if (trackedAt(ctx, assetKey(d.asset), d.account.address, end + 1)) return;
    const [raw, decimals] = await Promise.all([
      balanceAt(ctx, d.account.address, d.asset, end),
      decimalsOf(ctx, d.asset),
    ]);
    const moved = named.closing.get(d.seq) ?? 0n;
    if (raw === moved) return;
    ctx.findings.push(
      closingBalance(
        ctx.chain,
        d,
        `${d.asset.text}@${end}`,
        `0 ${d.symbol} left, or the rest disclosed as moved out (${formatRaw(moved, decimals)} ${d.symbol} named)`,
        `${formatRaw(raw, decimals)} ${d.symbol} held when tracking ended at block ${end}`,
        `seq ${d.end!.by} ended tracking of ${d.account.text} at block ${end} with ${formatRaw(raw - moved, decimals)} ${d.symbol} undisclosed`,
      ),
    );
  });
}

/** The change the Transfer logs seen show for `address` in blocks (from, to]: in − out (both: no change). */
function loggedChange(logs: ChainLog[], address: string, from: number, to: number): bigint {
  let change = 0n;
  for (const log of logs) {
    if (log.blockNumber <= from || log.blockNumber > to) continue;
    const t = decodeTransfer(log);
    if (!t) continue;
    if (t.to === address) change += t.value;
    if (t.from === address) change -= t.value;
  }
  return change;
}

/**
 * TOKEN_UNEXPLAINED: between consecutive checkpoints, a tracked token balance changed by other than the Transfer
 * logs into and out of the account show (disclosed or not: an undisclosed one is UNDISCLOSED_TRANSFER already).
 * What remains moved without a standard log: unindexed Transfer fields, rebasing, clawbacks, burns, fees on
 * transfer. The range is then searched for Transfer-topic logs that cannot be decoded (TRANSFER_UNDECODABLE).
 */
export async function checkTokenBalances(ctx: ChainContext, named: NamedOnChain) {
  const held = ctx.plan.declarations.filter(
    (d) => d.asset.chain.text === ctx.chain && d.asset.type === "erc20" && d.startBlock < ctx.toBlock,
  );
  await mapLimit(held, ctx.concurrency, async (d) => {
    if (d.asset.type !== "erc20") return;
    const tokenAddress = d.asset.token;
    const [address, token] = [d.account.address.toLowerCase(), assetKey(d.asset)];
    const points = checkpoints(ctx, d, ctx.scanFrom > 0 ? ctx.scanFrom - 1 : d.startBlock);
    const logs = named.tokenLogs.get(token) ?? [];
    const [decimals, ...balances] = await Promise.all([
      decimalsOf(ctx, d.asset),
      ...points.map((p) => ctx.reader.tokenBalance(tokenAddress, address, p.block)),
    ]);
    for (let i = 1; i < points.length; i++) {
      const [from, to] = [points[i - 1]!.block, points[i]!.block];
      const actual = balances[i]! - balances[i - 1]!;
      const expected = loggedChange(logs, address, from, to);
      if (actual === expected) continue;
      const range = `blocks ${from + 1}-${to}`;
      ctx.findings.push({
        code: "TOKEN_UNEXPLAINED",
        seq: points[i]!.seq,
        chain: ctx.chain,
        account: d.account.text,
        asset: d.symbol,
        movement: range,
        expected: `${formatRaw(expected, decimals)} ${d.symbol} (the Transfer logs into and out of the account)`,
        actual: `${formatRaw(actual, decimals)} ${d.symbol}`,
        message: `${d.account.text}'s ${d.symbol} changed by ${formatRaw(actual - expected, decimals)} more than its Transfer logs show in ${range}`,
      });
      await findUndecodable(ctx, d, from + 1, to);
    }
  });
}

/**
 * The widest range searched for undecodable Transfer logs: the search reads every Transfer of the token (a busy
 * token has millions), so a longer unexplained range is left to snapshots that narrow it.
 */
export const UNDECODABLE_SEARCH_BLOCKS = 10_000;

/** Every Transfer-topic log of the token in [from, to] that cannot be decoded and names the account in any word. */
async function findUndecodable(ctx: ChainContext, d: TrackedAsset, from: number, to: number) {
  if (d.asset.type !== "erc20" || to - from + 1 > UNDECODABLE_SEARCH_BLOCKS) return;
  const word = addressWordHex(d.account.address);
  const logs = await scanLogs(ctx.reader.getLogs, { address: d.asset.token, topics: [TRANSFER_TOPIC] }, from, to, {
    chunkSize: ctx.logChunkSize,
  });
  for (const log of logs) {
    if (decodeTransfer(log)) continue;
    const words = [...log.topics.map((t) => t.slice(2)), ...(log.data.slice(2).match(/.{64}/g) ?? [])];
    if (words.includes(word)) reportUndecodable(ctx, log, d);
  }
}
