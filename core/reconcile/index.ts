/**
 * core/reconcile/: the records against what the chains show. This file runs it per chain; plan.ts turns records
 * into what is checked, context.ts holds the findings and shared helpers, control.ts, movements.ts and native.ts
 * are the EVM checks, bitcoin.ts the bip122 path.
 *
 * Reconciliation v1 (docs/RECONCILIATION.md): the records with effect against what the chains show,
 * up to a final block per chain. Pure: every chain read goes through an injected EvmChainReader.
 *
 * Per chain: each declaration's control proof and balance at its block (CONTROL_UNPROVEN, BALANCE_MISMATCH),
 * each snapshot's balance (BALANCE_MISMATCH), each named movement (PHANTOM_TRANSFER, TRANSFER_MISMATCH,
 * DUPLICATE_REFERENCE), then what no record names (UNDISCLOSED_TRANSFER, UNDISCLOSED_TX, NATIVE_UNEXPLAINED).
 */
import { type Caip19 } from "../protocol/caip";
import type { EvmChainReader } from "../chains/evm/reader";
import { formatDecimal } from "../protocol/decimal";
import { validateRecord, type RecordV1 } from "../protocol/record";

import {
  balanceAt,
  controlUnproven,
  decimalsOf,
  formatRaw,
  mapLimit,
  sameAmount,
  type ChainContext,
  type Finding,
  type ReconcileNote,
  type ReconcileProgress,
} from "./context";
import { judgeControl, laterControlChange, type ControlClaim } from "./control";
import { checkTracedNative } from "./native";
import {
  checkClosingBalances,
  checkMovements,
  checkNativeBalances,
  checkNonces,
  checkTokenBalances,
  findUndisclosedTransfers,
} from "./movements";
import { planReconciliation, tracksBlock, type AnchoredBatch, type ReconcilePlan, type TrackedAsset } from "./plan";
import { reconcileBitcoinChain, type BitcoinChainSummary, type BitcoinTarget } from "./bitcoin";

export interface ChainTarget {
  reader: EvmChainReader;
  /** The final block: nothing after it is judged (choose it some confirmations below the head). */
  toBlock: number;
}

export interface ReconcileOptions {
  records: RecordV1[];
  /**
   * The registry's batches as its chain records them (batch(id): firstSeq, leafCount, anchoredAt): a record takes
   * effect when its batch was anchored, never at the publishedAt the operator wrote. Without them every
   * correction counts as taking effect at the final block (the cautious reading: tracking never ends early).
   */
  anchors?: readonly AnchoredBatch[];
  /** The pinned registry as CAIP-10 (`registryCaip10(trust.chainId, trust.registry)`): the control message names it. */
  registry: string;
  /** A reader and final block per CAIP-2 chain. A chain the records use without one is reported unchecked. */
  chains: Record<string, ChainTarget>;
  /** An Esplora reader and final height per bip122 chain (core/reconcile/bitcoin.ts). */
  bitcoin?: Record<string, BitcoinTarget>;
  /** The widest eth_getLogs range asked (blocks); refused ranges are halved. */
  logChunkSize?: number;
  /**
   * "all" (default) runs every check; "balances" only the declarations' control proofs and the stated balances
   * (a handful of reads: what a page shows before the citizen asks for the movement scan).
   */
  scope?: "all" | "balances";
  /** Per chain, the first block the Transfer log scan looks at (a bounded scan); default: each declaration's. */
  scanFrom?: Record<string, number>;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (progress: ReconcileProgress) => void;
}

export interface ReconcileReport {
  findings: Finding[];
  /** Records with chain references that could not be judged, and why. */
  unchecked: { seq: number; reason: string }[];
  /** Information beside the findings (a later change of a Safe's owners, what a net check cannot see). */
  notes: ReconcileNote[];
  chains: ({ chain: string; toBlock: number; declarations: number; snapshots: number; movements: number } & Partial<
    Pick<BitcoinChainSummary, "blockHash" | "balances">
  >)[];
}

const controlClaim = (ctx: ChainContext, d: TrackedAsset): ControlClaim => ({
  registry: ctx.registry,
  account: d.account,
  asset: d.asset.text,
  signature: d.signature,
  block: d.startBlock,
});

/** A proven contract account whose owners, threshold or answer changed by the final block: a note. */
async function noteControlChange(ctx: ChainContext, d: TrackedAsset) {
  const change = await laterControlChange(ctx.reader, controlClaim(ctx, d), ctx.toBlock);
  if (change)
    ctx.notes.push({
      code: "CONTROL_CHANGED",
      seq: d.seq,
      chain: ctx.chain,
      account: d.account.text,
      movement: `blocks ${d.startBlock + 1}-${ctx.toBlock}`,
      message: `seq ${d.seq}: ${change}`,
    });
}

function balanceFinding(
  ctx: ChainContext,
  seq: number,
  d: { account: { text: string }; asset: Caip19 },
  symbol: string,
  block: number,
  said: bigint,
  raw: bigint,
  decimals: number,
): Finding {
  return {
    code: "BALANCE_MISMATCH",
    seq,
    chain: ctx.chain,
    account: d.account.text,
    asset: symbol,
    movement: `${d.asset.text}@${block}`,
    expected: `${formatDecimal(said, 18)} ${symbol}`,
    actual: `${formatRaw(raw, decimals)} ${symbol}`,
    message: `seq ${seq} says ${d.account.text} held ${formatDecimal(said, 18)} ${symbol} at block ${block}; the chain shows ${formatRaw(raw, decimals)}`,
  };
}

async function checkDeclaration(ctx: ChainContext, d: TrackedAsset) {
  const control = await judgeControl(ctx.reader, controlClaim(ctx, d));
  if (control.ok && control.contract) await noteControlChange(ctx, d);
  if (!control.ok)
    ctx.findings.push(controlUnproven(ctx.chain, d, `a signature by ${d.account.address}`, control.actual));
  const [raw, decimals] = await Promise.all([
    balanceAt(ctx, d.account.address, d.asset, d.startBlock),
    decimalsOf(ctx, d.asset),
  ]);
  if (!sameAmount(d.amount, raw, decimals))
    ctx.findings.push(balanceFinding(ctx, d.seq, d, d.symbol, d.startBlock, d.amount, raw, decimals));
}

async function checkDeclarations(ctx: ChainContext) {
  // A corrected or retracted declaration keeps its account tracked, but its own claims no longer stand.
  const mine = ctx.plan.declarations.filter((d) => d.account.chain.text === ctx.chain && d.current);
  let done = 0;
  await mapLimit(mine, ctx.concurrency, async (d) => {
    if (d.startBlock > ctx.toBlock)
      ctx.unchecked.push({
        seq: d.seq,
        reason: `declared at block ${d.startBlock}, after the final block ${ctx.toBlock}`,
      });
    else await checkDeclaration(ctx, d);
    ctx.progress("declarations", ++done, mine.length);
  });
}

async function checkSnapshots(ctx: ChainContext) {
  const mine = ctx.plan.snapshots.filter((s) => s.account.chain.text === ctx.chain);
  let done = 0;
  await mapLimit(mine, ctx.concurrency, async (s) => {
    const tracked = ctx.plan.declarations.find(
      (d) =>
        d.account.text === s.account.text &&
        d.asset.text === s.asset.text &&
        (tracksBlock(d, s.block) || d.startBlock === s.block),
    );
    if (s.block > ctx.toBlock || !tracked) {
      ctx.unchecked.push({
        seq: s.seq,
        reason: `the snapshot's block ${s.block} is not tracked up to the final block ${ctx.toBlock}`,
      });
    } else {
      const [raw, decimals] = await Promise.all([
        balanceAt(ctx, s.account.address, s.asset, s.block),
        decimalsOf(ctx, s.asset),
      ]);
      if (!sameAmount(s.amount, raw, decimals))
        ctx.findings.push(balanceFinding(ctx, s.seq, s, tracked.symbol, s.block, s.amount, raw, decimals));
    }
    ctx.progress("snapshots", ++done, mine.length);
  });
}

/** Every CAIP-2 chain the plan names, with the seqs that name it. */
function chainsOf(plan: ReconcilePlan): Map<string, number[]> {
  const chains = new Map<string, number[]>();
  const add = (chain: string, seq: number) => chains.set(chain, [...(chains.get(chain) ?? []), seq]);
  for (const d of plan.declarations) add(d.account.chain.text, d.seq);
  for (const s of plan.snapshots) add(s.account.chain.text, s.seq);
  for (const m of plan.movements) add(m.ref.chain.text, m.seq);
  return chains;
}

async function reconcileChain(ctx: ChainContext, scope: ReconcileOptions["scope"]) {
  await checkDeclarations(ctx);
  await checkSnapshots(ctx);
  if (scope === "balances") return;
  const named = await checkMovements(ctx);
  await findUndisclosedTransfers(ctx, named);
  await checkNonces(ctx, named);
  await checkTracedNative(ctx, named);
  await checkNativeBalances(ctx, named);
  await checkTokenBalances(ctx, named);
  await checkClosingBalances(ctx, named);
}

function contextFor(
  options: ReconcileOptions,
  plan: ReconcilePlan,
  chain: string,
  report: ReconcileReport,
): ChainContext {
  const target = options.chains[chain]!;
  return {
    chain,
    chainId: Number(chain.split(":")[1]),
    reader: target.reader,
    toBlock: target.toBlock,
    registry: options.registry,
    plan,
    findings: report.findings,
    unchecked: report.unchecked,
    notes: report.notes,
    logChunkSize: options.logChunkSize,
    scanFrom: options.scanFrom?.[chain] ?? 0,
    concurrency: options.concurrency ?? 8,
    progress: (phase, done, total) => options.onProgress?.({ chain, phase, done, total }),
    receipts: new Map(),
    decimals: new Map(),
  };
}

/** The last block at or before `toBlock` whose timestamp is ≤ `at`, searched from `from` (≤ it: `from`). */
async function lastBlockBy(ctx: ChainContext, at: number, from: number): Promise<number> {
  let [lo, hi] = [from, ctx.toBlock];
  while (lo < hi) {
    const mid = hi - Math.floor((hi - lo) / 2);
    if ((await ctx.reader.blockTimestamp(mid)) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Where each corrected declaration's tracking ends on this chain: the later of its named block and the last block
 * made by its corrector's anchoring time (a later record cannot end tracking before it took effect on chain), so a
 * movement it would hide (move at 500, retract with @499, or backdate publishedAt) is still found.
 */
async function resolveTrackingEnds(ctx: ChainContext): Promise<void> {
  for (const d of ctx.plan.declarations) {
    if (d.account.chain.text !== ctx.chain || d.end === null) continue;
    d.endBlock = await trackingEndBlock(ctx, d, d.end);
  }
}

/** The last block tracked, or null when the correction had not taken effect by the final block. */
async function trackingEndBlock(ctx: ChainContext, d: TrackedAsset, end: NonNullable<TrackedAsset["end"]>) {
  if (end.anchoredAt === null || (end.block !== null && end.block > ctx.toBlock)) return null;
  if (end.anchoredAt > (await ctx.reader.blockTimestamp(ctx.toBlock))) return null;
  const floor = Math.max(d.startBlock, end.block ?? d.startBlock);
  return Math.max(floor, await lastBlockBy(ctx, end.anchoredAt, Math.min(floor, ctx.toBlock)));
}

/**
 * RECORD_INVALID: an anchored record that fails Record v1's validation is never silently dropped (a declaration
 * with a wrongly cased address would otherwise go untracked while the report reads clean).
 */
function invalidRecords(records: RecordV1[]): Finding[] {
  const findings: Finding[] = [];
  for (const record of records) {
    const checked = validateRecord(record);
    if (checked.ok) continue;
    const named = /^(eip155:[0-9]+)/.exec(record.counterparty) ?? /^(eip155:[0-9]+)/.exec(record.reference);
    const problems = checked.errors.map((e) => `${e.field}: ${e.code}`).join("; ");
    findings.push({
      code: "RECORD_INVALID",
      seq: record.seq,
      chain: named?.[1] ?? "",
      account: null,
      asset: record.asset,
      movement: null,
      expected: "a valid Record v1 (docs/PROTOCOL.md)",
      actual: problems,
      message: `seq ${record.seq} is anchored but not a valid record (${problems}): it is not reconciled`,
    });
  }
  return findings;
}

/** Reconciles the records with every chain they name. Findings come sorted by seq, then code. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const plan = planReconciliation(options.records, options.anchors);
  const report: ReconcileReport = {
    findings: invalidRecords(options.records),
    unchecked: [...plan.unchecked],
    notes: [],
    chains: [],
  };
  for (const [chain, seqs] of chainsOf(plan)) {
    const on = <T>(items: T[], chainOf: (item: T) => string) => items.filter((i) => chainOf(i) === chain).length;
    const counts = () => ({
      declarations: on(
        plan.declarations.filter((d) => d.current),
        (d) => d.account.chain.text,
      ),
      snapshots: on(plan.snapshots, (s) => s.account.chain.text),
      movements: on(plan.movements, (m) => m.ref.chain.text),
    });
    if (chain.startsWith("bip122:") && options.bitcoin?.[chain]) {
      const target = options.bitcoin[chain]!;
      const summary = await reconcileBitcoinChain({
        chain,
        target,
        plan,
        registry: options.registry,
        findings: report.findings,
        unchecked: report.unchecked,
        concurrency: options.concurrency,
        scope: options.scope,
        onProgress: options.onProgress,
      });
      report.chains.push({ chain, ...summary, ...counts() });
      continue;
    }
    if (!options.chains[chain] || chain.startsWith("bip122:")) {
      const source = chain.startsWith("bip122:") ? "Esplora endpoint" : "RPC";
      for (const seq of [...new Set(seqs)]) report.unchecked.push({ seq, reason: `no ${source} for chain ${chain}` });
      continue;
    }
    const ctx = contextFor(options, plan, chain, report);
    await resolveTrackingEnds(ctx);
    await reconcileChain(ctx, options.scope);
    report.chains.push({ chain, toBlock: options.chains[chain]!.toBlock, ...counts() });
  }
  report.findings.sort((a, b) => a.seq - b.seq || a.code.localeCompare(b.code));
  report.unchecked.sort((a, b) => a.seq - b.seq);
  report.notes.sort((a, b) => a.seq - b.seq || a.code.localeCompare(b.code));
  return report;
}

/**
 * The one verdict over a report: FINDINGS when the chains show something the records do not say; INCOMPLETE
 * when nothing was found but some record could not be judged (a young chain, a block after the final one) or
 * nothing was reconciled at all; CLEAN only when every record with a chain reference was checked and agrees.
 */
export type ReconcileVerdict = "FINDINGS" | "INCOMPLETE" | "CLEAN";

export function reconcileVerdict(report: ReconcileReport): ReconcileVerdict {
  // A warning (MIXED_INPUTS: a fee that cannot be attributed) is reported, but is not a finding against the fund.
  if (report.findings.some((f) => f.severity !== "warning")) return "FINDINGS";
  return report.unchecked.length > 0 || report.chains.length === 0 ? "INCOMPLETE" : "CLEAN";
}
