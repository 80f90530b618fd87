// The fund's totals computed from records (core/protocol/totals.ts), and the merkletreejs-free root (core/protocol/tree-levels.ts)
// the page and the audit recompute (core/verify/batch-check.ts is tested in batch-check.test.ts).
import { expect } from "chai";
import { leafHash, recordStandings } from "../../core";
import { computeTotals, fundFigures } from "../../core/protocol/totals";
import { buildBatchTree } from "../../core/protocol/tree";
import { batchRoot } from "../../core/protocol/tree-levels";
import { fastKeccak } from "../../scripts/cli/fast-keccak";
import { referenceStats } from "../helpers/reference-stats";
import { sampleRecord, seededRecords } from "./fixtures";

const TOTALS = { records: 0, anchored: 0, pending: 0, batches: 0 };

describe("core/protocol/totals: the fund's figures from records", () => {
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

  it("equals a naive reference written from docs/API.md on 600 seeded records", () => {
    const records = seededRecords(7, 1, 600);
    expect(computeTotals(records, TOTALS)).to.deep.equal(referenceStats(records, TOTALS));
  });

  it("judges standing over more records when the caller decides it (a correction outside the subset)", () => {
    const original = sampleRecord({ seq: 1, kind: "GRANT", valueUsd: "100.00", amount: "1" });
    const correction = sampleRecord({ seq: 2, kind: "GRANT", valueUsd: "250.00", amount: "2", corrects: 1 });
    expect(fundFigures([original]).byKind).to.deep.equal([{ kind: "GRANT", count: 1, valueUsd: "100" }]);
    const standings = recordStandings([original, correction]);
    expect(fundFigures([original], standings).byKind).to.deep.equal([]);
  });
});

describe("core/protocol/tree-levels: the page's root, without merkletreejs", () => {
  it("equals the validated batch tree's root for every size up to 70, with core's and hash-wasm's Keccak", async () => {
    const { keccak, name } = await fastKeccak();
    expect(name).to.equal("hash-wasm");
    const records = seededRecords(3, 1, 70);
    for (let n = 1; n <= 70; n++) {
      const leaves = records.slice(0, n).map((r) => leafHash(r));
      const root = buildBatchTree(leaves, { validate: n < 20 }).root;
      expect(batchRoot(leaves), `${n} leaves`).to.equal(root);
      expect(batchRoot(leaves, keccak), `${n} leaves, hash-wasm`).to.equal(root);
    }
  });
});
