// The fund's totals computed from records (core/totals.ts), one batch checked against the chain's batch(id)
// (core/batch-check.ts), and the merkletreejs-free root (core/tree-levels.ts) the page recomputes.
import { expect } from "chai";
import { leafHash, recordStandings, type OnChainBatch, type RecordV1 } from "../../core";
import { checkBatchRecords } from "../../core/batch-check";
import { computeTotals, fundFigures } from "../../core/totals";
import { buildBatchTree } from "../../core/tree";
import { batchRoot } from "../../core/tree-levels";
import { sampleRecord, seededRecords } from "./fixtures";

const TOTALS = { records: 0, anchored: 0, pending: 0, batches: 0 };

function onChainOf(records: RecordV1[]): OnChainBatch {
  const root = buildBatchTree(records.map((r) => leafHash(r))).root;
  return { root, firstSeq: records[0]!.seq, leafCount: records.length, anchoredAt: 1, head: root };
}

describe("core/totals: the fund's figures from records", () => {
  it("counts only current records, and a retracted correction restores the original", () => {
    const records = [
      sampleRecord({ seq: 1, kind: "GRANT", valueUsd: "100.00", amount: "1" }),
      sampleRecord({ seq: 2, kind: "GRANT", valueUsd: "250.00", amount: "2", corrects: 1 }),
      sampleRecord({ seq: 3, kind: "RETRACTION", valueUsd: "0", amount: "0", corrects: 2 }),
      sampleRecord({ seq: 4, kind: "INFLOW_MINING", valueUsd: "0.50", amount: "0.25" }),
    ];
    const stats = computeTotals(records, TOTALS);
    expect(stats.byKind).to.deep.equal([
      { kind: "GRANT", count: 1, valueUsd: "100" },
      { kind: "INFLOW_MINING", count: 1, valueUsd: "0.5" },
    ]);
    expect(stats.byAsset).to.deep.equal([{ asset: "BTC", inflow: "0.25", outflow: "1", count: 2 }]);
  });

  it("keeps the latest current valuation of each asset as its holding", () => {
    const records = [
      sampleRecord({ seq: 1, kind: "VALUATION", occurredAt: 200, valueUsd: "5.00" }),
      sampleRecord({ seq: 2, kind: "VALUATION", occurredAt: 100, valueUsd: "7.00" }),
      sampleRecord({ seq: 3, kind: "VALUATION", occurredAt: 300, valueUsd: "9.00" }),
      sampleRecord({ seq: 4, kind: "RETRACTION", corrects: 3 }),
    ];
    expect(computeTotals(records, TOTALS).holdings.map((x) => x.seq)).to.deep.equal([1]);
  });

  it("judges standing over more records when the caller decides it (a correction outside the subset)", () => {
    const original = sampleRecord({ seq: 1, kind: "GRANT", valueUsd: "100.00", amount: "1" });
    const correction = sampleRecord({ seq: 2, kind: "GRANT", valueUsd: "250.00", amount: "2", corrects: 1 });
    expect(fundFigures([original]).byKind).to.deep.equal([{ kind: "GRANT", count: 1, valueUsd: "100" }]);
    const standings = recordStandings([original, correction]);
    expect(fundFigures([original], standings).byKind).to.deep.equal([]);
  });
});

describe("core/tree-levels: the page's root, without merkletreejs", () => {
  it("equals the validated batch tree's root for every size up to 70", () => {
    const records = seededRecords(3, 1, 70);
    for (let n = 1; n <= 70; n++) {
      const leaves = records.slice(0, n).map((r) => leafHash(r));
      expect(batchRoot(leaves), `${n} leaves`).to.equal(buildBatchTree(leaves, { validate: n < 20 }).root);
    }
  });
});

describe("core/batch-check: a batch's records against the chain's batch(id)", () => {
  const records = seededRecords(11, 41, 9);
  const served = () => records.map((r) => ({ record: { ...r }, leaf: leafHash(r) }));
  const onChain = onChainOf(records);

  it("accepts the records the chain's root, firstSeq and leafCount describe", () => {
    const check = checkBatchRecords(served(), onChain);
    expect(check.ok && check.records.map((r) => r.seq)).to.deep.equal(records.map((r) => r.seq));
  });

  it("names the record whose served leaf its fields do not hash to", () => {
    const entries = served();
    (entries[4]!.record as RecordV1).amount = "1";
    expect(checkBatchRecords(entries, onChain)).to.deep.equal({ ok: false, problem: "leaf", seq: 45 });
  });

  it("refuses a changed record served with its own new leaf: the root differs from the chain's", () => {
    const entries = served();
    const changed = { ...records[2]!, valueUsd: "1.00" };
    entries[2] = { record: changed, leaf: leafHash(changed) };
    expect(checkBatchRecords(entries, onChain)).to.deep.equal({ ok: false, problem: "root" });
  });

  it("refuses a batch the chain does not hold, a missing record, a moved seq and an invalid record", () => {
    expect(checkBatchRecords(served(), null)).to.deep.equal({ ok: false, problem: "not-on-chain" });
    expect(checkBatchRecords(served().slice(1), onChain)).to.deep.equal({ ok: false, problem: "leaf-count" });
    expect(checkBatchRecords(served(), { ...onChain, firstSeq: 40 })).to.include({ ok: false, problem: "seq" });
    const entries = served();
    (entries[0]!.record as Record<string, unknown>).kind = "GIFT";
    expect(checkBatchRecords(entries, onChain)).to.deep.equal({ ok: false, problem: "invalid-record", seq: 41 });
  });
});
