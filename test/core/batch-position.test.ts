// core/verify/batch-position.ts against naive references: a record is bound to its seq only by its whole batch, one
// record per seq rebuilding the anchored root. Two records with one seq, in any order and as siblings (whose
// swap rebuilds the same root from a bare leaf list), bind neither.
import { expect } from "chai";
import { leafHash, leafPositionCheck, type OnChainBatch, type RecordV1 } from "../../core";
import { numberedRecord } from "./fixtures";
import { referenceRoot } from "../helpers/reference-tree";

const batchOf = (records: RecordV1[], firstSeq = records[0]!.seq): OnChainBatch => ({
  root: referenceRoot(records.map((r) => leafHash(r))) as `0x${string}`,
  firstSeq,
  leafCount: records.length,
  anchoredAt: 1,
  head: `0x${"00".repeat(32)}`,
});
const served = (records: RecordV1[]) => records.map((record) => ({ record, leaf: leafHash(record) }));

describe("core/verify/batch-position: a record's place in its anchored batch", () => {
  const honest = [numberedRecord(1), numberedRecord(2), numberedRecord(3), numberedRecord(4)];

  it("binds each record of an honest batch, served in any order", () => {
    const chain = batchOf(honest);
    for (const r of honest) {
      const shuffled = served([...honest].reverse());
      expect(leafPositionCheck(1, r.seq, leafHash(r), chain, shuffled).ok, `seq ${r.seq}`).to.equal(true);
    }
  });

  it("refuses another version of a seq that the batch does not anchor there", () => {
    const chain = batchOf(honest);
    const other = numberedRecord(2, { amount: "7" });
    const check = leafPositionCheck(1, 2, leafHash(other), chain, served(honest));
    expect(check.ok).to.equal(false);
    expect(check.message).to.contain("anchors another record at index 1");
  });

  it("two records with seq 2 as siblings (index 0 and 1): neither is bound, whatever order is served", () => {
    const twin = numberedRecord(2, { memo: "the other seq 2" });
    const anchored = [twin, numberedRecord(2), numberedRecord(3), numberedRecord(4)];
    // Tree order seqs 2,2,3,4 from firstSeq 1: a bare leaf list swapped at the siblings rebuilds the same root.
    const chain = batchOf(anchored, 1);
    const swapped = [anchored[1]!, anchored[0]!, anchored[2]!, anchored[3]!];
    expect(referenceRoot(swapped.map((r) => leafHash(r)))).to.equal(chain.root);
    for (const list of [anchored, swapped])
      for (const r of [twin, anchored[1]!])
        expect(leafPositionCheck(1, 2, leafHash(r), chain, served(list)).ok).to.equal(false);
  });

  it("no records: not checked (null), except a one-leaf batch, whose root is its leaf", () => {
    const chain = batchOf(honest);
    expect(leafPositionCheck(1, 2, leafHash(honest[1]!), chain, null).ok).to.equal(null);
    const one = batchOf([honest[0]!]);
    expect(leafPositionCheck(1, 1, leafHash(honest[0]!), one, null).ok).to.equal(true);
  });

  it("a source serving fewer records, or records of another batch, binds nothing", () => {
    const chain = batchOf(honest);
    expect(leafPositionCheck(1, 2, leafHash(honest[1]!), chain, served(honest.slice(0, 3))).ok).to.equal(false);
    expect(leafPositionCheck(1, 2, leafHash(honest[1]!), chain, served([numberedRecord(9)])).ok).to.equal(false);
  });
});
