/**
 * A record's standing once later records are known: current, superseded or retracted. One rule, used by the
 * server's statistics, the page, the auditor's CLI and the reconciler alike (docs/PROTOCOL.md "Corrections"):
 *
 * - Only a record that is not itself retracted has an effect on the record it names in `corrects`.
 * - A record named by a RETRACTION with effect is **retracted** (void).
 * - Otherwise, a record named by any other record with effect is **superseded** (the newer one replaces it).
 * - Otherwise it is **current**.
 *
 * So retracting a correction restores what it corrected: the void correction replaces nothing, and the
 * original stands again (unless another correction names it). Superseding a correction keeps the original
 * superseded (the chain's newest version is current). Since `corrects` always names an earlier seq, the rule
 * is computed once, from the newest record down.
 */
import type { RecordKind, RecordStanding } from "./record";

/** The three fields the rule reads. */
export interface CorrectionLink {
  seq: number;
  kind: RecordKind;
  corrects: number;
}

/** The standing of every record given (records not given are treated as absent). */
export function recordStandings(records: Iterable<CorrectionLink>): Map<number, RecordStanding> {
  const bySeq = [...records].sort((a, b) => b.seq - a.seq);
  const effects = new Map<number, RecordStanding>();
  const standings = new Map<number, RecordStanding>();
  for (const record of bySeq) {
    const standing = effects.get(record.seq) ?? "current";
    standings.set(record.seq, standing);
    if (standing === "retracted" || record.corrects === 0) continue;
    const effect: RecordStanding = record.kind === "RETRACTION" ? "retracted" : "superseded";
    // A retraction outranks a supersession of the same record.
    if (effects.get(record.corrects) !== "retracted") effects.set(record.corrects, effect);
  }
  return standings;
}

/**
 * The records with effect that name each seq (the correctors that count). Two or more for one seq is a fork:
 * the auditor reports it (CORRECTION_FORK).
 */
export function effectiveCorrectors(
  records: Iterable<CorrectionLink>,
  standings: Map<number, RecordStanding> = recordStandings(records),
): Map<number, number[]> {
  const correctors = new Map<number, number[]>();
  for (const record of records) {
    if (record.corrects === 0 || standings.get(record.seq) === "retracted") continue;
    const list = correctors.get(record.corrects) ?? [];
    list.push(record.seq);
    correctors.set(record.corrects, list);
  }
  for (const list of correctors.values()) list.sort((a, b) => a - b);
  return correctors;
}
