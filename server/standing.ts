/**
 * The records that decide the standing of some records: they themselves plus every later record that corrects
 * them, directly or through a chain of corrections (a retracted correction restores what it corrected, so the
 * whole chain below a record matters). core's recordStandings then applies the one rule to them.
 */
import type { CorrectionLink } from "../core";
import type { Store } from "./store/types";

/** The records given and all their correctors, transitively (each round one indexed lookup). */
export async function correctionFamily(
  store: Pick<Store, "correctionsOf">,
  records: readonly CorrectionLink[],
): Promise<CorrectionLink[]> {
  const found = new Map<number, CorrectionLink>();
  for (const r of records) found.set(r.seq, { seq: r.seq, kind: r.kind, corrects: r.corrects });
  let frontier = [...found.keys()];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const c of await store.correctionsOf(frontier)) {
      if (found.has(c.seq)) continue;
      found.set(c.seq, c);
      next.push(c.seq);
    }
    frontier = next;
  }
  return [...found.values()];
}
