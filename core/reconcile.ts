/**
 * Reconciliation v1 (docs/RECONCILIATION.md): the records with effect against what the chains show,
 * up to a final block per chain. Pure: every chain read goes through an injected EvmChainReader.
 *
 * Per chain: each declaration's control proof and balance at its block (CONTROL_UNPROVEN, BALANCE_MISMATCH),
 * each snapshot's balance (BALANCE_MISMATCH), each named movement (PHANTOM_TRANSFER, TRANSFER_MISMATCH,
 * DUPLICATE_REFERENCE), then what no record names (UNDISCLOSED_TRANSFER, UNDISCLOSED_TX, NATIVE_UNEXPLAINED).
 */
import { type Caip19 } from "./caip";
import type { EvmChainReader } from "./chain-reader";
import { bytesToHex, utf8Bytes, type Hex } from "./bytes";
import { formatDecimal } from "./decimal";
import type { RecordV1 } from "./record";
import { personalMessageHashOf, recoverAddress } from "./receipt";
import {
  balanceAt,
  decimalsOf,
  formatRaw,
  mapLimit,
  sameAmount,
  type ChainContext,
  type Finding,
  type ReconcileProgress,
} from "./reconcile-context";
import { checkMovements, checkNativeBalances, checkNonces, findUndisclosedTransfers } from "./reconcile-movements";
import { planReconciliation, tracksBlock, type ReconcilePlan, type TrackedAsset } from "./reconcile-plan";
import { controlMessage } from "./reconcile-refs";
import { isSignatureHex } from "./shape";
import { reconcileBitcoinChain, type BitcoinChainSummary, type BitcoinTarget } from "./bitcoin/reconcile";

export interface ChainTarget {
  reader: EvmChainReader;
  /** The final block: nothing after it is judged (choose it some confirmations below the head). */
  toBlock: number;
}

export interface ReconcileOptions {
  records: RecordV1[];
  /** The pinned registry as CAIP-10 (`registryCaip10(trust.chainId, trust.registry)`): the control message names it. */
  registry: string;
  /** A reader and final block per CAIP-2 chain. A chain the records use without one is reported unchecked. */
  chains: Record<string, ChainTarget>;
  /** An Esplora reader and final height per bip122 chain (core/bitcoin/reconcile.ts). */
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
  chains: ({ chain: string; toBlock: number; declarations: number; snapshots: number; movements: number } & Partial<
    Pick<BitcoinChainSummary, "blockHash" | "balances">
  >)[];
}

async function controlProven(ctx: ChainContext, d: TrackedAsset): Promise<{ ok: boolean; actual: string }> {
  if (!isSignatureHex(d.signature)) return { ok: false, actual: "no 65-byte signature" };
  const message = controlMessage(ctx.registry, d.account.text, d.asset.text);
  const hash = personalMessageHashOf(utf8Bytes(message));
  const address = d.account.address;
  if (await ctx.reader.hasCode(address, ctx.toBlock)) {
    const ok = await ctx.reader.isValidSignature(address, bytesToHex(hash), d.signature as Hex, ctx.toBlock);
    return { ok, actual: ok ? address : "the contract account refuses the signature (ERC-1271)" };
  }
  try {
    const signer = recoverAddress(hash, d.signature as Hex);
    return { ok: signer === address.toLowerCase(), actual: `signed by ${signer}` };
  } catch {
    return { ok: false, actual: "the signature recovers to no key" };
  }
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
  const control = await controlProven(ctx, d);
  if (!control.ok)
    ctx.findings.push({
      code: "CONTROL_UNPROVEN",
      seq: d.seq,
      chain: ctx.chain,
      account: d.account.text,
      asset: d.symbol,
      movement: null,
      expected: `a signature by ${d.account.address}`,
      actual: control.actual,
      message: `seq ${d.seq}: the control message for ${d.account.text} is not signed by that account`,
    });
  const [raw, decimals] = await Promise.all([
    balanceAt(ctx, d.account.address, d.asset, d.startBlock),
    decimalsOf(ctx, d.asset),
  ]);
  if (!sameAmount(d.amount, raw, decimals))
    ctx.findings.push(balanceFinding(ctx, d.seq, d, d.symbol, d.startBlock, d.amount, raw, decimals));
}

async function checkDeclarations(ctx: ChainContext) {
  const mine = ctx.plan.declarations.filter((d) => d.account.chain.text === ctx.chain);
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
  await checkNativeBalances(ctx, named);
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
 * A RETRACTION's `@<block>` cannot end tracking before the retraction was written: the window runs on to the
 * last block made by its publishedAt, so a movement it would hide (move at 500, retract with @499) is found.
 */
async function extendRetractedWindows(ctx: ChainContext): Promise<void> {
  for (const d of ctx.plan.declarations) {
    if (d.account.chain.text !== ctx.chain || d.endBlock === null || d.endPublishedAt === null) continue;
    if (d.endBlock >= ctx.toBlock) continue;
    d.endBlock = await lastBlockBy(ctx, d.endPublishedAt, d.endBlock);
  }
}

/** Reconciles the records with every chain they name. Findings come sorted by seq, then code. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const plan = planReconciliation(options.records);
  const report: ReconcileReport = { findings: [], unchecked: [...plan.unchecked], chains: [] };
  for (const [chain, seqs] of chainsOf(plan)) {
    const on = <T>(items: T[], chainOf: (item: T) => string) => items.filter((i) => chainOf(i) === chain).length;
    const counts = () => ({
      declarations: on(plan.declarations, (d) => d.account.chain.text),
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
    await extendRetractedWindows(ctx);
    await reconcileChain(ctx, options.scope);
    report.chains.push({ chain, toBlock: options.chains[chain]!.toBlock, ...counts() });
  }
  report.findings.sort((a, b) => a.seq - b.seq || a.code.localeCompare(b.code));
  report.unchecked.sort((a, b) => a.seq - b.seq);
  return report;
}
