/**
 * Cross-batch check of `corrects`: it must name an earlier record that exists, and a correction of a
 * record an earlier RETRACTION voided is flagged. One byte per seq (the kind code, 0 = not seen) and one
 * bit for "voided" keep a million records in about 1.2 MB, so the audit never holds the records themselves.
 */
import { kindCode, type RecordV1 } from "../../../core";
import type { FindingInput } from "./findings";

const RETRACTION = kindCode("RETRACTION");

export class CorrectionsTracker {
  private kinds = new Uint8Array(1024);
  private voided = new Uint8Array(128);

  /** Feed records in ascending seq order; returns the findings about this record's `corrects`. */
  add(record: RecordV1, batchId: number): FindingInput[] {
    const findings: FindingInput[] = [];
    const { seq, corrects } = record;
    if (corrects !== 0) {
      if (corrects >= seq) {
        findings.push({
          code: "CORRECTS_INVALID",
          batchId,
          seq,
          message: `record ${seq} corrects ${corrects}, which is not an earlier record`,
          actual: corrects,
        });
      } else if (this.kindOf(corrects) !== 0) {
        if (this.isVoided(corrects)) {
          findings.push({
            code: "CORRECTS_VOIDED_RECORD",
            batchId,
            seq,
            message: `record ${seq} corrects ${corrects}, which an earlier RETRACTION already voided`,
            actual: corrects,
          });
        }
        if (kindCode(record.kind) === RETRACTION) this.setVoided(corrects);
      }
      // A target never seen lies in a batch the source failed to serve: already a finding there.
    }
    this.setKind(seq, kindCode(record.kind));
    return findings;
  }

  private kindOf(seq: number): number {
    return seq < this.kinds.length ? this.kinds[seq]! : 0;
  }

  private setKind(seq: number, code: number): void {
    if (seq >= this.kinds.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.kinds.length * 2));
      grown.set(this.kinds);
      this.kinds = grown;
    }
    this.kinds[seq] = code;
  }

  private isVoided(seq: number): boolean {
    const byte = Math.floor(seq / 8);
    return byte < this.voided.length && (this.voided[byte]! & (1 << (seq % 8))) !== 0;
  }

  private setVoided(seq: number): void {
    const byte = Math.floor(seq / 8);
    if (byte >= this.voided.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.voided.length * 2));
      grown.set(this.voided);
      this.voided = grown;
    }
    this.voided[byte]! |= 1 << (seq % 8);
  }
}
