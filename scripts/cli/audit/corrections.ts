/**
 * Cross-batch check of `corrects`: it must name an earlier record that exists, and a correction of a
 * record an earlier RETRACTION voided is flagged. One byte per seq (the kind code, 0 = not seen) and one
 * bit for "voided" keep a million records in about 1.2 MB, so the audit never holds the records themselves
 * (declarations, a few per account, are kept whole: their corrections are judged against them).
 */
import {
  effectiveCorrectors,
  kindCode,
  parseAssetAtBlock,
  parseTrackingEnd,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
} from "../../../core";
import type { FindingInput } from "./findings";

const RETRACTION = kindCode("RETRACTION");

interface Declared {
  batchId: number;
  counterparty: string;
  reference: string;
}

/**
 * A declaration that was current (anchored in an earlier batch than its corrector) is voided by a RETRACTION
 * that names no end block, or restarted by a correction that names another account or asset or a later start
 * block: either way the blocks between drop out of tracking. Only `aiqyn reconcile` can tell whether disclosed
 * movements explain them (docs/RECONCILIATION.md), so the audit says so as an error.
 */
function declarationCorrected(record: RecordV1, target: Declared, batchId: number): FindingInput | null {
  if (batchId === target.batchId) return null; // corrected before anyone could rely on it
  const { seq, corrects } = record;
  if (record.kind === "RETRACTION") {
    if (parseTrackingEnd(record.reference) !== null) return null;
    const message = `record ${seq} retracts declaration ${corrects}, current since batch ${target.batchId}, without naming the block tracking ended (@<block>)`;
    return { code: "DECLARATION_VOIDED", batchId, seq, message, actual: record.reference };
  }
  if (record.kind !== "WALLET_DECLARED") return null; // CORRECTION_CHANGES_KIND says it
  const [was, now] = [parseAssetAtBlock(target.reference), parseAssetAtBlock(record.reference)];
  const moved =
    record.counterparty !== target.counterparty ||
    !was.ok ||
    !now.ok ||
    was.value.asset.text !== now.value.asset.text ||
    now.value.block > was.value.block;
  if (!moved) return null;
  return {
    code: "DECLARATION_RESTARTED",
    batchId,
    seq,
    message: `record ${seq} corrects declaration ${corrects} (current since batch ${target.batchId}) to another account, asset or a later block: the blocks between are judged only by aiqyn reconcile`,
    expected: `${target.counterparty} ${target.reference}`,
    actual: `${record.counterparty} ${record.reference}`,
  };
}

export class CorrectionsTracker {
  private kinds = new Uint8Array(1024);
  private voided = new Uint8Array(128);
  private readonly declarations = new Map<number, Declared>();

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
        const declared = this.declarations.get(corrects);
        const corrected = declared ? declarationCorrected(record, declared, batchId) : null;
        if (corrected) findings.push(corrected);
        if (kindCode(record.kind) === RETRACTION) this.setVoided(corrects);
      }
      // A target never seen lies in a batch the source failed to serve: already a finding there.
    }
    this.setKind(seq, kindCode(record.kind));
    if (record.kind === "WALLET_DECLARED")
      this.declarations.set(seq, { batchId, counterparty: record.counterparty, reference: record.reference });
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

/** One corrected record and the records with effect that name it (core/protocol/standing.ts). */
export interface CorrectionChain {
  seq: number;
  kind: RecordKind;
  asset: string;
  standing: RecordStanding;
  correctedBy: number[];
}

/**
 * After the walk, over every verified record: forks (two correctors with effect), corrections that change the
 * kind or the asset, and retracted corrections (the original stands again). Returns the chains for the report.
 */
export function correctionReport(
  records: ReadonlyMap<number, RecordV1>,
  standings: Map<number, RecordStanding>,
  add: (f: FindingInput) => void,
): CorrectionChain[] {
  const correctors = effectiveCorrectors(records.values(), standings);
  const chains: CorrectionChain[] = [];
  for (const [seq, list] of [...correctors].sort((a, b) => a[0] - b[0])) {
    const original = records.get(seq);
    if (!original) continue;
    chains.push({ seq, kind: original.kind, asset: original.asset, standing: standings.get(seq)!, correctedBy: list });
    if (list.length > 1)
      add({
        code: "CORRECTION_FORK",
        seq,
        message: `record ${seq} is corrected by ${list.length} records with effect: ${list.join(", ")}`,
        actual: list,
      });
  }
  for (const record of records.values()) checkCorrection(record, records.get(record.corrects), standings, add);
  return chains;
}

/** The fields a correction must keep from the record it corrects, each with its finding when it does not. */
const CHANGED_FIELD_CODES = [
  ["kind", "CORRECTION_CHANGES_KIND"],
  ["asset", "CORRECTION_CHANGES_ASSET"],
] as const;

function checkCorrection(
  record: RecordV1,
  target: RecordV1 | undefined,
  standings: Map<number, RecordStanding>,
  add: (f: FindingInput) => void,
): void {
  if (!target || record.kind === "RETRACTION") return;
  const { seq } = record;
  if (standings.get(seq) === "retracted") {
    add({
      code: "CORRECTION_RETRACTED",
      seq,
      message: `record ${seq} corrected ${target.seq} and was retracted: ${target.seq} stands as ${standings.get(target.seq)} again`,
    });
    return;
  }
  for (const [field, code] of CHANGED_FIELD_CODES)
    if (record[field] !== target[field])
      add({
        code,
        seq,
        message: `record ${seq} corrects ${target.seq} and changes its ${field}`,
        expected: target[field],
        actual: record[field],
      });
}
