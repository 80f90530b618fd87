/**
 * The batcher: seals the records that are not in a batch yet, in seq order, into one Merkle tree every
 * BATCH_INTERVAL_MS, or as soon as BATCH_MAX of them are waiting. The root and every proof are written in the
 * same transaction that assigns the records to the batch (store.sealBatch).
 *
 * Leaves are recomputed from the stored records (computeBatch) and must equal the leaves stored, and signed
 * for, at acceptance: a record changed in the store after its receipt is never anchored; sealing stops with
 * LEAF_MISMATCH instead (the records stay pending, readyz reports the overdue delay).
 */
import { AiqynError, bytesToHex, type Keccak } from "../../core";
import { crashPoint } from "./crash-points";
import { computeBatch } from "./seal";
import type { Store, StoredBatch } from "../store/types";

export interface BatcherOptions {
  intervalMs: number;
  batchMax: number;
  keccak: Keccak;
  now?: () => number;
  onSealed?: (batch: StoredBatch) => void;
  onError?: (error: unknown) => void;
}

export class Batcher {
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private sealing: Promise<unknown> | null = null;

  constructor(
    private readonly store: Store,
    private readonly options: BatcherOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.timer = null;
    this.soon = null;
  }

  /** Called after records were accepted: seals at once when a full batch is waiting. */
  async recordsAdded(): Promise<void> {
    if (this.timer === null || this.soon !== null) return;
    if ((await this.store.unsealedCount()) >= this.options.batchMax && this.soon === null) {
      this.soon = setImmediate(() => {
        this.soon = null;
        this.tick();
      });
    }
  }

  /** Seals every waiting record (in batches of at most batchMax); returns the new batches. */
  async sealNow(): Promise<StoredBatch[]> {
    const sealed: StoredBatch[] = [];
    for (;;) {
      const waiting = await this.store.unsealedRecords(this.options.batchMax);
      if (waiting.length === 0) break;
      const computed = computeBatch(
        waiting.map((w) => w.record),
        this.options.keccak,
      );
      waiting.forEach((w, i) => {
        if (bytesToHex(computed.leaves[i]!) !== w.leaf.toLowerCase()) {
          throw new AiqynError(
            "LEAF_MISMATCH",
            `record ${w.record.seq} no longer hashes to the leaf stored (and signed) at acceptance: refusing to seal it`,
          );
        }
      });
      const { data, offsets } = computed.proofs;
      const batch = await this.store.sealBatch({
        firstSeq: waiting[0]!.record.seq,
        leafCount: waiting.length,
        root: computed.root,
        proofs: waiting.map((_, i) => data.subarray(offsets[i]!, offsets[i + 1]!)),
        sealedAt: (this.options.now ?? (() => Math.floor(Date.now() / 1000)))(),
      });
      crashPoint("after-seal");
      sealed.push(batch);
      this.options.onSealed?.(batch);
      if (waiting.length < this.options.batchMax) break;
    }
    return sealed;
  }

  /** One sealing at a time: a second would read the same unsealed records and fail its invariant. */
  private tick(): void {
    if (this.sealing) return;
    this.sealing = this.sealNow()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.sealing = null;
      });
  }

  /** Waits for a sealing in progress (before the store closes). */
  async idle(): Promise<void> {
    await this.sealing;
  }
}
