/**
 * The batcher: seals the records that are not in a batch yet, in seq order, into one Merkle tree every
 * BATCH_INTERVAL_MS, or as soon as BATCH_MAX of them are waiting. The root and every proof are written in the
 * same transaction that assigns the records to the batch (store.sealBatch).
 *
 * Leaves are recomputed from the stored records (computeBatch) and must equal the leaves stored, and signed
 * for, at acceptance: a record changed in the store after its receipt is never anchored; sealing stops with
 * LEAF_MISMATCH instead (the records stay pending, readyz reports the overdue delay).
 */
import { AiqynError, bytesToHex, type Keccak } from "../core";
import { crashPoint } from "./crash-points";
import { computeBatch } from "./seal";
import type { Store, StoredBatch } from "./store/types";

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
  recordsAdded(): void {
    if (this.timer === null || this.soon !== null) return;
    if (this.store.unsealedCount() >= this.options.batchMax) {
      this.soon = setImmediate(() => {
        this.soon = null;
        this.tick();
      });
    }
  }

  /** Seals every waiting record (in batches of at most batchMax); returns the new batches. */
  sealNow(): StoredBatch[] {
    const sealed: StoredBatch[] = [];
    for (;;) {
      const waiting = this.store.unsealedRecords(this.options.batchMax);
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
      const batch = this.store.sealBatch({
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

  private tick(): void {
    try {
      this.sealNow();
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
