/**
 * Reconciliation v2 on Bitcoin (docs/RECONCILIATION.md "Bitcoin"): the records with effect on one bip122 chain
 * against what an Esplora endpoint (or two that agree) shows, up to a final height. Pure but for the injected
 * BitcoinChainReader.
 *
 * Per transaction over the addresses declared at its height (DESIGN's movement rule): in = its outputs paying
 * declared addresses, out = its inputs spending their outputs, external = its outputs paying others, fee = all
 * inputs − all outputs. out = 0 → an inflow kind with amount = in (a coinbase: INFLOW_MINING only); out > 0 and
 * external > 0 → an outflow kind with amount = external; out > 0, external = 0 → TRANSFER with amount = in.
 * Findings: CONTROL_UNPROVEN (BIP-322), BALANCE_MISMATCH (each declaration and snapshot), PHANTOM_TRANSFER,
 * TRANSFER_MISMATCH, DUPLICATE_REFERENCE, UNDISCLOSED_TRANSFER and the warning MIXED_INPUTS.
 */
import type { Caip10 } from "../protocol/caip";
import { formatDecimal } from "../protocol/decimal";
import type { RecordKind } from "../protocol/record";
import {
  closingBalance,
  controlUnproven,
  INFLOW_KINDS,
  mapLimit,
  OUTFLOW_KINDS,
  type Finding,
  type ReconcileProgress,
} from "./context";
import type { MovementClaim, ReconcilePlan, SnapshotClaim, TrackedAsset } from "./plan";
import { controlMessage } from "../protocol/references";
import { verifyBip322Simple } from "../chains/bitcoin/bip322";
import {
  balanceFromHistory,
  movedFor,
  scanHistory,
  type BitcoinChainReader,
  type BitcoinTx,
  type HistoryScan,
} from "../chains/bitcoin/esplora";
import { bitcoinNetwork, decodeBitcoinAddress } from "../chains/bitcoin/networks";

export interface BitcoinTarget {
  reader: BitcoinChainReader;
  /** The final height: nothing after it is judged (the tip minus some confirmations, 6 by default). */
  toHeight: number;
  /** History scans to resume (by address), e.g. from a previous run that stopped; updated as pages arrive. */
  scans?: Map<string, HistoryScan>;
}

/** What the report says of a Bitcoin chain besides its findings. */
export interface BitcoinChainSummary {
  toBlock: number;
  /** The final height's block hash, as the endpoint(s) answered it. */
  blockHash: string;
  /** Each declared account's confirmed balance at the final height (satoshis as BTC decimals). */
  balances: { account: string; asset: string; amount: string }[];
}

interface BitcoinContext extends Omit<BitcoinReconcileInput, "concurrency" | "scope" | "onProgress"> {
  concurrency: number;
  progress: (phase: ReconcileProgress["phase"], done: number, total: number) => void;
  /** The declarations of this chain, each with the script its address pays. */
  declared: { d: TrackedAsset; script: string }[];
  /** Each declared script's whole confirmed history. */
  histories: Map<string, BitcoinTx[]>;
  /** Transactions spending a retired address after its tracking ended, by txid (see closingDrains). */
  drains: Map<string, Drain>;
  /** Each retired declaration's closing balance disclosed as moved out by named drains (satoshis), by seq. */
  drained: Map<number, bigint>;
}

/** A transaction that spends a retired declaration's address after its tracking ended. */
interface Drain {
  retired: TrackedAsset;
  script: string;
  tx: BitcoinTx;
}

const SATS_TO_AMOUNT = 10n ** 10n; // records scale amounts by 10^18, satoshis are 10^-8 BTC
const btc = (sats: bigint) => (sats < 0n ? `-${formatDecimal(-sats, 8)}` : formatDecimal(sats, 8));
const said = (amount18: bigint) => formatDecimal(amount18, 18);

function scriptOf(account: Caip10): string | null {
  const decoded = decodeBitcoinAddress(bitcoinNetwork(account.chain.reference)!, account.address);
  return decoded.ok ? decoded.value.script : null;
}

/**
 * Whether declaration `d` covers `tx`: after its height, up to its end (core/reconcile/plan.ts): the later of a
 * RETRACTION's `@<height>` and the time its corrector's batch was anchored on the registry's chain. A correction
 * takes effect only then, so a transaction mined by then is still the fund's (not known to be anchored: tracked
 * to the final height).
 */
function tracks(d: TrackedAsset, tx: BitcoinTx): boolean {
  const height = tx.height!;
  if (height <= d.startBlock) return false;
  if (d.end === null) return true;
  if (d.end.block !== null && height <= d.end.block) return true;
  return d.end.anchoredAt === null || (tx.time !== null && tx.time <= d.end.anchoredAt);
}

/** Whether `tx` came after `d`'s tracking ended (its retraction or correction had taken effect). */
function afterEnd(d: TrackedAsset, tx: BitcoinTx): boolean {
  return tx.height! > d.startBlock && !tracks(d, tx);
}

/** The declaration tracking `script` for `tx`, if any. */
function trackerOf(ctx: BitcoinContext, script: string, tx: BitcoinTx): TrackedAsset | null {
  return ctx.declared.find((x) => x.script === script && tracks(x.d, tx))?.d ?? null;
}

/** DESIGN's movement rule for one transaction. */
export interface Movement {
  tx: BitcoinTx;
  received: bigint;
  spent: bigint;
  external: bigint;
  fee: bigint;
  /** Declared and undeclared outputs spent together: the fee cannot be attributed. */
  mixed: boolean;
  /** The declarations it touches (receiving or spending). */
  trackers: TrackedAsset[];
}

export function movementOf(tx: BitcoinTx, trackerFor: (script: string) => TrackedAsset | null): Movement {
  let received = 0n;
  let external = 0n;
  let spent = 0n;
  let undeclaredInputs = 0;
  const trackers = new Set<TrackedAsset>();
  for (const o of tx.outputs) {
    const t = trackerFor(o.script);
    if (!t) external += o.value;
    else {
      received += o.value;
      trackers.add(t);
    }
  }
  for (const i of tx.inputs) {
    const t = trackerFor(i.script);
    if (!t) undeclaredInputs++;
    else {
      spent += i.value;
      trackers.add(t);
    }
  }
  const sum = (xs: { value: bigint }[]) => xs.reduce((s, x) => s + x.value, 0n);
  const fee = tx.coinbase ? 0n : sum(tx.inputs) - sum(tx.outputs);
  return { tx, received, spent, external, fee, mixed: spent > 0n && undeclaredInputs > 0, trackers: [...trackers] };
}

/** What the rule expects a record naming `m` to say: the kinds that fit and the amount. */
export function expectedClaim(m: Movement): { kinds: ReadonlySet<RecordKind>; amount: bigint; why: string } {
  if (m.tx.coinbase) return { kinds: new Set(["INFLOW_MINING"]), amount: m.received, why: "a coinbase transaction" };
  if (m.spent === 0n) return { kinds: INFLOW_KINDS, amount: m.received, why: "an inflow" };
  if (m.external > 0n) return { kinds: OUTFLOW_KINDS, amount: m.external, why: "an outflow" };
  return { kinds: new Set(["TRANSFER"]), amount: m.received, why: "a transfer between declared addresses" };
}

const describe = (m: Movement) =>
  `in ${btc(m.received)}, out ${btc(m.spent)}, external ${btc(m.external)}, fee ${btc(m.fee)} BTC`;

async function scanAll(ctx: BitcoinContext): Promise<void> {
  const addresses = new Map<string, string>(); // script → an address spelling that pays it
  for (const x of ctx.declared) if (!addresses.has(x.script)) addresses.set(x.script, x.d.account.address);
  let done = 0;
  await mapLimit([...addresses], ctx.concurrency, async ([script, address]) => {
    const scans = ctx.target.scans;
    const scan = await scanHistory(ctx.target.reader, address, {
      resume: scans?.get(address),
      onPage: (s) => scans?.set(address, s),
    });
    ctx.histories.set(script, scan.txs);
    ctx.progress("history", ++done, addresses.size);
  });
}

function balanceFinding(
  ctx: BitcoinContext,
  claim: { seq: number; account: Caip10; asset: { text: string } },
  symbol: string,
  height: number,
  amount18: bigint,
  sats: bigint,
): Finding {
  return {
    code: "BALANCE_MISMATCH",
    seq: claim.seq,
    chain: ctx.chain,
    account: claim.account.text,
    asset: symbol,
    movement: `${claim.asset.text}@${height}`,
    expected: `${said(amount18)} ${symbol}`,
    actual: `${btc(sats)} ${symbol}`,
    message: `seq ${claim.seq} says ${claim.account.text} held ${said(amount18)} ${symbol} at height ${height}; the chain shows ${btc(sats)}`,
  };
}

function checkDeclarations(ctx: BitcoinContext): void {
  for (const { d, script } of ctx.declared) {
    // A declaration since corrected or retracted keeps its address tracked, but its own claims are not judged.
    if (!d.current) continue;
    if (d.startBlock > ctx.target.toHeight) {
      ctx.unchecked.push({
        seq: d.seq,
        reason: `declared at height ${d.startBlock}, after the final height ${ctx.target.toHeight}`,
      });
      continue;
    }
    const message = controlMessage(ctx.registry, d.account.text, d.asset.text);
    const verdict = verifyBip322Simple(
      Uint8Array.from(script.match(/../g)!.map((h) => parseInt(h, 16))),
      message,
      d.signature,
    );
    if (!verdict.ok)
      ctx.findings.push(
        controlUnproven(ctx.chain, d, `a BIP-322 signature by ${d.account.address}`, verdict.reason, verdict.reason),
      );
    const sats = balanceFromHistory(ctx.histories.get(script)!, script, d.startBlock);
    if (d.amount !== sats * SATS_TO_AMOUNT)
      ctx.findings.push(balanceFinding(ctx, d, d.symbol, d.startBlock, d.amount, sats));
  }
  ctx.progress("declarations", ctx.declared.length, ctx.declared.length);
}

function checkSnapshots(ctx: BitcoinContext): void {
  const mine = ctx.plan.snapshots.filter((s) => s.account.chain.text === ctx.chain);
  for (const s of mine) {
    const script = scriptOf(s.account);
    const tracked = ctx.declared.find(
      (x) =>
        x.script === script &&
        x.d.asset.text === s.asset.text &&
        x.d.current &&
        s.block >= x.d.startBlock &&
        (x.d.endBlock === null || s.block <= x.d.endBlock),
    );
    if (!script || !tracked || s.block > ctx.target.toHeight) {
      ctx.unchecked.push({
        seq: s.seq,
        reason: `the snapshot's height ${s.block} is not tracked up to the final height ${ctx.target.toHeight}`,
      });
      continue;
    }
    const sats = balanceFromHistory(ctx.histories.get(script)!, script, s.block);
    if (s.amount !== sats * SATS_TO_AMOUNT)
      ctx.findings.push(balanceFinding(ctx, s as SnapshotClaim, tracked.d.symbol, s.block, s.amount, sats));
  }
  ctx.progress("snapshots", mine.length, mine.length);
}

/** Every confirmed transaction up to the final height that moves a declared address's coins, by txid. */
function fundMovements(ctx: BitcoinContext): Map<string, Movement> {
  const movements = new Map<string, Movement>();
  for (const txs of ctx.histories.values())
    for (const tx of txs) {
      if (movements.has(tx.txid) || tx.height === null || tx.height > ctx.target.toHeight) continue;
      const m = movementOf(tx, (script) => trackerOf(ctx, script, tx));
      if (m.received > 0n || m.spent > 0n) movements.set(tx.txid, m);
    }
  return movements;
}

function movementFinding(
  ctx: BitcoinContext,
  claim: MovementClaim,
  code: Finding["code"],
  expected: string,
  actual: string,
): void {
  ctx.findings.push({
    code,
    seq: claim.seq,
    chain: ctx.chain,
    account: null,
    asset: claim.symbol,
    movement: claim.ref.key,
    expected,
    actual,
    message: `seq ${claim.seq} names ${claim.ref.key}: ${actual}`,
  });
}

function mixedInputs(ctx: BitcoinContext, m: Movement, seq: number): void {
  ctx.findings.push({
    code: "MIXED_INPUTS",
    severity: "warning",
    seq,
    chain: ctx.chain,
    account: m.trackers[0]!.account.text,
    asset: m.trackers[0]!.symbol,
    movement: `${ctx.chain}/tx/${m.tx.txid}`,
    expected: "inputs from declared addresses only",
    actual: `spends declared (${btc(m.spent)} BTC) and undeclared outputs together; its fee ${btc(m.fee)} BTC cannot be attributed`,
    message: `${ctx.chain}/tx/${m.tx.txid} spends declared and undeclared outputs together`,
  });
}

/** Compares one named transaction with its record. */
function judgeClaim(ctx: BitcoinContext, claim: MovementClaim, m: Movement): void {
  const expected = expectedClaim(m);
  const symbol = m.trackers[0]!.symbol;
  const fits =
    claim.symbol === symbol && expected.kinds.has(claim.kind) && claim.amount === expected.amount * SATS_TO_AMOUNT;
  if (!fits)
    movementFinding(
      ctx,
      claim,
      "TRANSFER_MISMATCH",
      `${claim.kind} ${said(claim.amount)} ${claim.symbol}`,
      `${expected.why} (${[...expected.kinds].join(" or ")} ${btc(expected.amount)} ${symbol}): ${describe(m)}`,
    );
  if (m.mixed) mixedInputs(ctx, m, claim.seq);
}

async function checkNamed(ctx: BitcoinContext, movements: Map<string, Movement>): Promise<Set<string>> {
  const mine = ctx.plan.movements.filter((m) => m.ref.chain.text === ctx.chain);
  const byTx = new Map<string, MovementClaim[]>();
  for (const claim of mine) byTx.set(claim.ref.txHash, [...(byTx.get(claim.ref.txHash) ?? []), claim]);
  const named = new Set<string>();
  let done = 0;
  await mapLimit([...byTx.values()], ctx.concurrency, async (group) => {
    group.sort((a, b) => a.seq - b.seq);
    const [first, ...rest] = group as [MovementClaim, ...MovementClaim[]];
    const seqs = group.map((c) => c.seq).join(", ");
    for (const c of rest)
      movementFinding(ctx, c, "DUPLICATE_REFERENCE", "one current record per transaction", `named by seqs ${seqs}`);
    named.add(first.ref.txHash);
    const drain = ctx.drains.get(first.ref.txHash);
    const m = movements.get(first.ref.txHash);
    if (drain) judgeDrain(ctx, first, drain);
    else if (m) judgeClaim(ctx, first, m);
    else await judgeUnlisted(ctx, first);
    ctx.progress("movements", ++done, byTx.size);
  });
  return named;
}

/** A named transaction that moves no declared address's coins up to the final height: which is it? */
async function judgeUnlisted(ctx: BitcoinContext, claim: MovementClaim): Promise<void> {
  const tx = await ctx.target.reader.transaction(claim.ref.txHash);
  const said_ = `${claim.kind} ${said(claim.amount)} ${claim.symbol}`;
  if (!tx) return movementFinding(ctx, claim, "PHANTOM_TRANSFER", said_, "no such transaction on the chain");
  if (tx.height === null || tx.height > ctx.target.toHeight)
    return void ctx.unchecked.push({
      seq: claim.seq,
      reason: `${claim.ref.key} is ${tx.height === null ? "unconfirmed" : `at height ${tx.height}`}, after the final height ${ctx.target.toHeight}`,
    });
  movementFinding(ctx, claim, "PHANTOM_TRANSFER", said_, "the transaction touches no address declared at its height");
}

function reportUndisclosed(ctx: BitcoinContext, movements: Map<string, Movement>, named: Set<string>): void {
  for (const m of movements.values()) {
    if (named.has(m.tx.txid)) continue;
    const tracker = m.trackers[0]!;
    const movement = `${ctx.chain}/tx/${m.tx.txid}`;
    const direction = m.spent > 0n ? `out of ${tracker.account.text}` : `into ${tracker.account.text}`;
    ctx.findings.push({
      code: "UNDISCLOSED_TRANSFER",
      seq: tracker.seq,
      chain: ctx.chain,
      account: tracker.account.text,
      asset: tracker.symbol,
      movement,
      expected: "a record naming this transaction",
      actual: `${describe(m)} (${direction}) at height ${m.tx.height}`,
      message: `${movement} moved bitcoin ${direction} at height ${m.tx.height}; no record names it`,
    });
    if (m.mixed) mixedInputs(ctx, m, tracker.seq);
  }
}

/**
 * The retired declarations whose retirement took effect by the final height: a retraction or correction that
 * took the address off the fund's books (`end.closing`), its corrector's batch anchored before the final block's
 * time. Not one whose address another declaration still tracks after it (a later one of the same address).
 */
function retiredByFinal(ctx: BitcoinContext, finalTime: number): { d: TrackedAsset; script: string }[] {
  return ctx.declared.filter(({ d, script }) => {
    const end = d.end;
    if (!end?.closing || end.anchoredAt === null || end.anchoredAt > finalTime) return false;
    if (end.block !== null && end.block > ctx.target.toHeight) return false;
    return !ctx.declared.some(
      (x) =>
        x.d !== d &&
        x.script === script &&
        (x.d.end === null || x.d.end.anchoredAt === null || x.d.end.anchoredAt > end.anchoredAt!),
    );
  });
}

/** Every confirmed transaction up to the final height that spends a retired address after its tracking ended. */
function closingDrains(ctx: BitcoinContext, retired: { d: TrackedAsset; script: string }[]): Map<string, Drain> {
  const drains = new Map<string, Drain>();
  for (const { d, script } of retired)
    for (const tx of ctx.histories.get(script)!)
      if (tx.height !== null && tx.height <= ctx.target.toHeight && afterEnd(d, tx) && movedFor(tx, script).spent > 0n)
        drains.set(tx.txid, { retired: d, script, tx });
  return drains;
}

/** A named drain: judged by DESIGN's movement rule with the retired address as the fund's; it discloses its net outflow. */
function judgeDrain(ctx: BitcoinContext, claim: MovementClaim, drain: Drain): void {
  const m = movementOf(drain.tx, (script) =>
    script === drain.script ? drain.retired : trackerOf(ctx, script, drain.tx),
  );
  const expected = expectedClaim(m);
  const symbol = drain.retired.symbol;
  const fits =
    claim.symbol === symbol && expected.kinds.has(claim.kind) && claim.amount === expected.amount * SATS_TO_AMOUNT;
  if (!fits)
    return movementFinding(
      ctx,
      claim,
      "TRANSFER_MISMATCH",
      `${claim.kind} ${said(claim.amount)} ${claim.symbol}`,
      `out of ${drain.retired.account.text} (retired): ${expected.why} (${[...expected.kinds].join(" or ")} ${btc(expected.amount)} ${symbol}): ${describe(m)}`,
    );
  const { received, spent } = movedFor(drain.tx, drain.script);
  ctx.drained.set(drain.retired.seq, (ctx.drained.get(drain.retired.seq) ?? 0n) + spent - received);
}

/**
 * CLOSING_BALANCE, as on EVM: an address whose tracking a retraction or correction ended must have been left
 * empty, or its closing balance disclosed as moved out afterwards by named transactions (their net outflow,
 * fees included). Otherwise "retire then drain" hides the rest: retract the declaration, then empty the address.
 */
function checkClosingBalances(ctx: BitcoinContext, retired: { d: TrackedAsset; script: string }[]): void {
  for (const { d, script } of retired) {
    const tracked = ctx.histories.get(script)!.filter((tx) => !afterEnd(d, tx));
    const closing = balanceFromHistory(tracked, script, ctx.target.toHeight);
    const moved = ctx.drained.get(d.seq) ?? 0n;
    if (closing === moved) continue;
    const last = tracked.reduce((height, tx) => Math.max(height, tx.height!), d.startBlock);
    ctx.findings.push(
      closingBalance(
        ctx.chain,
        d,
        null,
        `0 ${d.symbol} left, or the rest disclosed as moved out (${btc(moved)} ${d.symbol} named)`,
        `${btc(closing)} ${d.symbol} held when tracking ended (last tracked transaction at height ${last})`,
        `seq ${d.end!.by} ended tracking of ${d.account.text} with ${btc(closing - moved)} ${d.symbol} undisclosed`,
      ),
    );
  }
}

function finalBalances(ctx: BitcoinContext): BitcoinChainSummary["balances"] {
  const seen = new Set<string>();
  const balances: BitcoinChainSummary["balances"] = [];
  for (const { d, script } of ctx.declared) {
    if (seen.has(d.account.text)) continue;
    seen.add(d.account.text);
    const sats = balanceFromHistory(ctx.histories.get(script)!, script, ctx.target.toHeight);
    balances.push({ account: d.account.text, asset: d.asset.text, amount: btc(sats) });
  }
  return balances;
}

export interface BitcoinReconcileInput {
  chain: string;
  target: BitcoinTarget;
  registry: string;
  plan: ReconcilePlan;
  findings: Finding[];
  unchecked: { seq: number; reason: string }[];
  concurrency?: number;
  scope?: "all" | "balances";
  onProgress?: (progress: ReconcileProgress) => void;
}

/** Reconciles the plan's records of one bip122 chain; findings and unchecked records are appended. */
export async function reconcileBitcoinChain(input: BitcoinReconcileInput): Promise<BitcoinChainSummary> {
  const declared: BitcoinContext["declared"] = [];
  for (const d of input.plan.declarations) {
    if (d.account.chain.text !== input.chain) continue;
    const script = scriptOf(d.account);
    if (script) declared.push({ d, script });
  }
  const ctx: BitcoinContext = {
    ...input,
    concurrency: input.concurrency ?? 4,
    progress: (phase, done, total) => input.onProgress?.({ chain: input.chain, phase, done, total }),
    declared,
    histories: new Map(),
    drains: new Map(),
    drained: new Map(),
  };
  const blockHash = await ctx.target.reader.blockHash(ctx.target.toHeight);
  await scanAll(ctx);
  checkDeclarations(ctx);
  checkSnapshots(ctx);
  if (input.scope !== "balances") {
    // The final block's time is read only when some retirement could have taken effect by then.
    const mayRetire = ctx.declared.some(({ d }) => d.end?.closing === true && d.end.anchoredAt !== null);
    const retired = mayRetire ? retiredByFinal(ctx, await ctx.target.reader.blockTime(blockHash)) : [];
    ctx.drains = closingDrains(ctx, retired);
    const movements = fundMovements(ctx);
    const named = await checkNamed(ctx, movements);
    reportUndisclosed(ctx, movements, named);
    checkClosingBalances(ctx, retired);
  }
  return { toBlock: ctx.target.toHeight, blockHash, balances: finalBalances(ctx) };
}
