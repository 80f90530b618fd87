/**
 * From records to what the reconciler checks: the tracked declarations (with their tracking window), the
 * snapshots and the named movements. Claims count only from records with effect (core/protocol/standing.ts's one rule),
 * but a declaration that was once current (anchored in an earlier batch than what corrected it) keeps its
 * account tracked until its correction or retraction took effect on chain (its batch's anchoring time, never
 * the operator's publishedAt): retracting or re-declaring a wallet after draining it hides nothing.
 */
import { parseCaip10, type Caip10, type Caip19, type MovementRef } from "../protocol/caip";
import { scaledOrZero } from "../protocol/decimal";
import { AMOUNT_DECIMALS, type RecordKind, type RecordV1 } from "../protocol/record";
import { MOVEMENT_KINDS, parseAssetAtBlock, parseMovementRef, parseTrackingEnd } from "../protocol/references";
import { effectiveCorrectors, recordStandings } from "../protocol/standing";

/** A declared account and asset, tracked from the end of `startBlock` to the end of `endBlock` (null: open). */
export interface TrackedAsset {
  seq: number;
  account: Caip10;
  asset: Caip19;
  symbol: string;
  startBlock: number;
  /** The last block tracked (null: up to the final block). The reconciler resolves it from `end`. */
  endBlock: number | null;
  /**
   * How tracking ends, when a correction or retraction ended it: at the later of `block` (a RETRACTION's
   * `@<block>`, or the block a same-account re-declaration restarts from) and the last block made by
   * `anchoredAt` (the corrector's batch's anchoring time on the registry's chain; null when not known, and then
   * tracking runs to the final block). `closing`: the account leaves the fund's books, so its closing balance
   * must be zero or disclosed as moved out afterwards (CLOSING_BALANCE).
   */
  end: { block: number | null; anchoredAt: number | null; closing: boolean; by: number } | null;
  /** False for a declaration since corrected or retracted: its own claims (control, balance) are not judged. */
  current: boolean;
  /** The declared balance × 10^18. */
  amount: bigint;
  signature: string;
}

export interface SnapshotClaim {
  seq: number;
  account: Caip10;
  asset: Caip19;
  block: number;
  amount: bigint;
}

export interface MovementClaim {
  seq: number;
  kind: RecordKind;
  ref: MovementRef;
  symbol: string;
  amount: bigint;
}

export interface ReconcilePlan {
  declarations: TrackedAsset[];
  snapshots: SnapshotClaim[];
  movements: MovementClaim[];
  /** Records with chain references that cannot be checked, and why. */
  unchecked: { seq: number; reason: string }[];
}

const amountOf = (record: RecordV1): bigint => scaledOrZero(record.amount, AMOUNT_DECIMALS);

function declarationOf(record: RecordV1, end: TrackedAsset["end"], current: boolean): TrackedAsset | null {
  const account = parseCaip10(record.counterparty);
  const point = parseAssetAtBlock(record.reference);
  if (!account.ok || !point.ok) return null;
  return {
    seq: record.seq,
    account: account.value,
    asset: point.value.asset,
    symbol: record.asset,
    startBlock: point.value.block,
    endBlock: null,
    end,
    current,
    amount: amountOf(record),
    signature: record.memo,
  };
}

/** The batches as the registry's chain records them: seqs firstSeq..firstSeq+leafCount-1 anchored at anchoredAt. */
export interface AnchoredBatch {
  firstSeq: number;
  leafCount: number;
  /** block.timestamp of the anchoring transaction (the contract's batch(id).anchoredAt). */
  anchoredAt: number;
}

/** The anchoring batch of each seq, by binary search over batches sorted by firstSeq. */
export function anchorLookup(anchors: readonly AnchoredBatch[]): (seq: number) => AnchoredBatch | null {
  const sorted = [...anchors].sort((a, b) => a.firstSeq - b.firstSeq);
  return (seq) => {
    let [lo, hi] = [0, sorted.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = sorted[mid]!;
      if (seq < b.firstSeq) hi = mid - 1;
      else if (seq >= b.firstSeq + b.leafCount) lo = mid + 1;
      else return b;
    }
    return null;
  };
}

interface PlanInputs {
  bySeq: Map<number, RecordV1>;
  correctors: Map<number, number[]>;
  batchOf: (seq: number) => AnchoredBatch | null;
}

/**
 * How a corrected or retracted declaration's tracking ends; "drop" when it never took effect (its corrector is
 * in its own batch, so it was never current on chain, and no `@<block>` keeps it tracked).
 */
function correctedTracking(record: RecordV1, inputs: PlanInputs): TrackedAsset["end"] | "drop" {
  const by = (inputs.correctors.get(record.seq) ?? [])[0];
  const corrector = by === undefined ? undefined : inputs.bySeq.get(by);
  if (!corrector) return "drop";
  const batch = inputs.batchOf(corrector.seq);
  const own = inputs.batchOf(record.seq);
  // Unknown batches count as once current: without the chain's word, the cautious reading.
  const onceCurrent = !batch || !own || own.firstSeq !== batch.firstSeq;
  const anchoredAt = batch?.anchoredAt ?? null;
  if (corrector.kind === "RETRACTION") {
    const block = parseTrackingEnd(corrector.reference);
    if (block === null && !onceCurrent) return "drop";
    return { block, anchoredAt, closing: true, by: corrector.seq };
  }
  if (!onceCurrent) return "drop";
  const point = corrector.kind === "WALLET_DECLARED" ? parseAssetAtBlock(corrector.reference) : null;
  const sameHolding =
    point?.ok && corrector.counterparty === record.counterparty && point.value.asset.text === assetText(record);
  // Re-declared: the new declaration tracks from its own block; this one covers the blocks up to it.
  // (anchoredAt 0: no wait for the anchoring, the new declaration takes over at its block.)
  if (sameHolding) return { block: point.value.block, anchoredAt: 0, closing: false, by: corrector.seq };
  return { block: null, anchoredAt, closing: true, by: corrector.seq };
}

function assetText(record: RecordV1): string | null {
  const point = parseAssetAtBlock(record.reference);
  return point.ok ? point.value.asset.text : null;
}

function snapshotOf(record: RecordV1, declarations: TrackedAsset[]): SnapshotClaim | string | null {
  const point = parseAssetAtBlock(record.reference);
  if (!point.ok) return null;
  const account = parseCaip10(record.counterparty);
  if (!account.ok) return "a snapshot whose counterparty is not an account";
  const declared = declarations.some(
    (d) => d.account.text === account.value.text && d.asset.text === point.value.asset.text,
  );
  if (!declared) return "a snapshot of an account and asset that no current declaration tracks";
  return {
    seq: record.seq,
    account: account.value,
    asset: point.value.asset,
    block: point.value.block,
    amount: amountOf(record),
  };
}

/** Sorts the records with effect into declarations, snapshots and movements. */
export function planReconciliation(records: RecordV1[], anchors: readonly AnchoredBatch[] = []): ReconcilePlan {
  const standings = recordStandings(records);
  const inputs: PlanInputs = {
    bySeq: new Map(records.map((r) => [r.seq, r])),
    correctors: effectiveCorrectors(records, standings),
    batchOf: anchorLookup(anchors),
  };
  const plan: ReconcilePlan = { declarations: [], snapshots: [], movements: [], unchecked: [] };
  for (const record of records) {
    if (record.kind !== "WALLET_DECLARED") continue;
    const current = standings.get(record.seq) === "current";
    const end = current ? null : correctedTracking(record, inputs);
    if (end === "drop") continue;
    const tracked = declarationOf(record, end, current);
    if (tracked) plan.declarations.push(tracked);
  }
  for (const record of records) {
    if (standings.get(record.seq) !== "current") continue;
    if (record.kind === "VALUATION") {
      const snapshot = snapshotOf(record, plan.declarations);
      if (typeof snapshot === "string") plan.unchecked.push({ seq: record.seq, reason: snapshot });
      else if (snapshot) plan.snapshots.push(snapshot);
    } else if (MOVEMENT_KINDS.has(record.kind)) {
      const ref = parseMovementRef(record.reference);
      if (ref.ok)
        plan.movements.push({
          seq: record.seq,
          kind: record.kind,
          ref: ref.value,
          symbol: record.asset,
          amount: amountOf(record),
        });
    }
  }
  return plan;
}

/** Whether a tracked asset covers `block` (its window is the blocks after startBlock up to endBlock). */
export function tracksBlock(tracked: TrackedAsset, block: number): boolean {
  return block > tracked.startBlock && (tracked.endBlock === null || block <= tracked.endBlock);
}
