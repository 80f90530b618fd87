/**
 * From records to what the reconciler checks: the tracked declarations (with their tracking window), the
 * snapshots and the named movements. Only records with effect count, by core/standing.ts's one rule: current
 * records, plus a retracted declaration whose RETRACTION names an end block (it was tracked until then).
 */
import { parseCaip10, type Caip10, type Caip19 } from "./caip";
import { scaledOrZero } from "./decimal";
import { AMOUNT_DECIMALS, type RecordKind, type RecordV1 } from "./record";
import {
  MOVEMENT_KINDS,
  parseAssetAtBlock,
  parseMovementRef,
  parseTrackingEnd,
  type MovementRef,
} from "./reconcile-refs";
import { effectiveCorrectors, recordStandings } from "./standing";

/** A declared account and asset, tracked from the end of `startBlock` to the end of `endBlock` (null: open). */
export interface TrackedAsset {
  seq: number;
  account: Caip10;
  asset: Caip19;
  symbol: string;
  startBlock: number;
  endBlock: number | null;
  /**
   * When a RETRACTION named endBlock: its publishedAt. The reconciler tracks on to the last block made by then
   * (a later record cannot end tracking before it was written), so a movement it hides is still found.
   */
  endPublishedAt: number | null;
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

function declarationOf(record: RecordV1, end: TrackingEnd | null): TrackedAsset | null {
  const account = parseCaip10(record.counterparty);
  const point = parseAssetAtBlock(record.reference);
  if (!account.ok || !point.ok) return null;
  return {
    seq: record.seq,
    account: account.value,
    asset: point.value.asset,
    symbol: record.asset,
    startBlock: point.value.block,
    endBlock: end?.block ?? null,
    endPublishedAt: end?.publishedAt ?? null,
    amount: amountOf(record),
    signature: record.memo,
  };
}

interface TrackingEnd {
  block: number;
  publishedAt: number;
}

/** Where a retracted declaration's RETRACTION ends its tracking, or null when it voids it outright. */
function trackingEnd(seq: number, bySeq: Map<number, RecordV1>, correctors: Map<number, number[]>): TrackingEnd | null {
  for (const corrector of correctors.get(seq) ?? []) {
    const record = bySeq.get(corrector);
    if (record?.kind !== "RETRACTION") continue;
    const block = parseTrackingEnd(record.reference);
    return block === null ? null : { block, publishedAt: record.publishedAt };
  }
  return null;
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
export function planReconciliation(records: RecordV1[]): ReconcilePlan {
  const standings = recordStandings(records);
  const correctors = effectiveCorrectors(records, standings);
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  const plan: ReconcilePlan = { declarations: [], snapshots: [], movements: [], unchecked: [] };
  for (const record of records) {
    if (record.kind !== "WALLET_DECLARED") continue;
    const standing = standings.get(record.seq);
    const end = standing === "retracted" ? trackingEnd(record.seq, bySeq, correctors) : null;
    if (standing === "superseded" || (standing === "retracted" && end === null)) continue;
    const tracked = declarationOf(record, end);
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
