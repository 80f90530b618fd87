/**
 * Checks that need no receipt: every record anchored within publishedAt + maxAnchorDelay (LATE_ANCHOR, so a
 * record inserted with an old publishedAt is caught), publishedAt never going backwards with seq
 * (PUBLISHED_AT_BACKWARDS), and the disclosure lag (publishedAt − occurredAt) per kind for the report.
 */
import type { RecordKind, RecordV1 } from "../../../core";
import type { FindingInput } from "./findings";

/** At most this many LATE_ANCHOR findings per batch; the rest are counted in one more finding. */
const MAX_LATE_PER_BATCH = 20;

export interface LagRow {
  kind: RecordKind;
  count: number;
  minSeconds: number;
  medianSeconds: number;
  maxSeconds: number;
}

export class TimingChecks {
  private lastPublishedAt = -Infinity;
  private lastSeq = 0;
  private readonly lags = new Map<RecordKind, number[]>();

  constructor(
    private readonly maxDelay: number,
    private readonly add: (f: FindingInput) => void,
  ) {}

  /** The verified records of one anchored batch, in seq order. Returns how many were anchored late. */
  batch(batchId: number, records: readonly RecordV1[], anchoredAt: number): number {
    const late = records.filter((r) => anchoredAt > r.publishedAt + this.maxDelay);
    late.slice(0, MAX_LATE_PER_BATCH).forEach((r) => this.late(batchId, r, anchoredAt));
    if (late.length > MAX_LATE_PER_BATCH)
      this.add({
        code: "LATE_ANCHOR",
        batchId,
        message: `and ${late.length - MAX_LATE_PER_BATCH} more record(s) of batch ${batchId} were anchored late`,
      });
    for (const record of records) this.record(batchId, record);
    return late.length;
  }

  private late(batchId: number, record: RecordV1, anchoredAt: number): void {
    this.add({
      code: "LATE_ANCHOR",
      batchId,
      seq: record.seq,
      message: `record ${record.seq} was anchored at ${anchoredAt}, ${anchoredAt - record.publishedAt} s after its publishedAt; the registry promises ${this.maxDelay} s`,
      expected: `anchored by ${record.publishedAt + this.maxDelay}`,
      actual: anchoredAt,
    });
  }

  private record(batchId: number, record: RecordV1): void {
    if (record.publishedAt < this.lastPublishedAt)
      this.add({
        code: "PUBLISHED_AT_BACKWARDS",
        batchId,
        seq: record.seq,
        message: `record ${record.seq}'s publishedAt ${record.publishedAt} is earlier than record ${this.lastSeq}'s ${this.lastPublishedAt}`,
        expected: `≥ ${this.lastPublishedAt}`,
        actual: record.publishedAt,
      });
    this.lastPublishedAt = record.publishedAt;
    this.lastSeq = record.seq;
    const list = this.lags.get(record.kind) ?? [];
    list.push(record.publishedAt - record.occurredAt);
    this.lags.set(record.kind, list);
  }

  /** The disclosure lag per kind (publishedAt − occurredAt, seconds). */
  lagTable(): LagRow[] {
    return [...this.lags.entries()]
      .map(([kind, lags]) => {
        const sorted = [...lags].sort((a, b) => a - b);
        return {
          kind,
          count: sorted.length,
          minSeconds: sorted[0]!,
          medianSeconds: sorted[Math.floor((sorted.length - 1) / 2)]!,
          maxSeconds: sorted[sorted.length - 1]!,
        };
      })
      .sort((a, b) => a.kind.localeCompare(b.kind));
  }
}
