import { expect } from "chai";
import fc from "fast-check";
import { effectiveCorrectors, recordStandings, type CorrectionLink, type RecordKind } from "../../core";

const link = (seq: number, corrects = 0, kind: RecordKind = "GRANT"): CorrectionLink => ({ seq, kind, corrects });

describe("core/protocol/standing: one rule for current, superseded and retracted", () => {
  it("supersedes with a correction and voids with a retraction", () => {
    const s = recordStandings([link(1), link(2), link(3, 1), link(4, 2, "RETRACTION")]);
    expect(Object.fromEntries(s)).to.deep.equal({ 1: "superseded", 2: "retracted", 3: "current", 4: "current" });
  });

  it("restores the original when its correction is retracted", () => {
    const s = recordStandings([link(1), link(2, 1, "INFLOW_OTHER"), link(3, 2, "RETRACTION")]);
    expect(Object.fromEntries(s)).to.deep.equal({ 1: "current", 2: "retracted", 3: "current" });
  });

  it("keeps the original superseded when its correction is itself superseded", () => {
    const s = recordStandings([link(1), link(2, 1), link(3, 2)]);
    expect(Object.fromEntries(s)).to.deep.equal({ 1: "superseded", 2: "superseded", 3: "current" });
  });

  it("restores a record whose retraction is retracted, and ranks a retraction over a supersession", () => {
    expect(
      Object.fromEntries(recordStandings([link(1), link(2, 1, "RETRACTION"), link(3, 2, "RETRACTION")])),
    ).to.deep.equal({
      1: "current",
      2: "retracted",
      3: "current",
    });
    expect(recordStandings([link(1), link(2, 1, "RETRACTION"), link(3, 1)]).get(1)).to.equal("retracted");
  });

  it("lists the correctors with effect, so a fork shows as two", () => {
    const records = [link(1), link(2, 1), link(3, 1), link(4, 3, "RETRACTION"), link(5, 1)];
    expect(Object.fromEntries(effectiveCorrectors(records))).to.deep.equal({ 1: [2, 5], 3: [4] });
  });

  it("agrees with a naive recursive definition on random histories", () => {
    const history = fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.boolean()), { maxLength: 40 }).map((steps) =>
      steps.map(([target, corrects, retracts], i): CorrectionLink => {
        const seq = i + 1;
        const named = corrects && seq > 1 ? (target % (seq - 1)) + 1 : 0;
        return link(seq, named, named !== 0 && retracts ? "RETRACTION" : "GRANT");
      }),
    );
    fc.assert(
      fc.property(history, (records) => {
        const naive = (seq: number): string => {
          const live = records.filter((r) => r.corrects === seq && naive(r.seq) !== "retracted");
          if (live.some((r) => r.kind === "RETRACTION")) return "retracted";
          return live.length > 0 ? "superseded" : "current";
        };
        const fast = recordStandings(records);
        for (const r of records) expect(fast.get(r.seq), `seq ${r.seq}`).to.equal(naive(r.seq));
      }),
      { numRuns: 300 },
    );
  });
});
