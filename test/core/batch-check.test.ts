// One batch's served records against the chain's batch(id) (core/verify/batch-check.ts): the audit's findings
// (checkBatchRecords) and the page's verdict over them (batchVerdict), with core's and an injected Keccak.
import { expect } from "chai";
import { keccak256, leafHash, type Keccak, type RecordV1 } from "../../core";
import { batchVerdict, checkBatchRecords, type BatchFinding } from "../../core/verify/batch-check";
import { fastKeccak } from "../../scripts/cli/fast-keccak";
import { chainBatchFor, served } from "../cli/fixtures";
import { numberedRecord as makeRecord, seededRecords } from "./fixtures";

const codes = (findings: BatchFinding[]) => findings.map((f) => f.code).sort();

describe("core/verify/batch-check: the findings on a batch's served records", () => {
  const records = [1, 2, 3, 4, 5].map((seq) => makeRecord(seq));
  const chain = chainBatchFor(1, records);

  it("an honest batch gives no finding and the anchored leaves", () => {
    const result = checkBatchRecords(1, chain, served(records));
    expect(result.findings).to.deep.equal([]);
    expect(result.rootOk).to.equal(true);
    expect(result.recomputedRoot).to.equal(chain.root);
    expect(result.leaves).to.deep.equal(records.map((r) => leafHash(r)));
    expect(result.records).to.deep.equal(records);
  });

  it("a changed amount with the old leaf kept: LEAF_MISMATCH and ROOT_MISMATCH", () => {
    const items = served(records);
    items[2] = { record: { ...records[2]!, amount: "999" }, leaf: items[2]!.leaf };
    const result = checkBatchRecords(1, chain, items);
    expect(codes(result.findings)).to.deep.equal(["LEAF_MISMATCH", "ROOT_MISMATCH"]);
    expect(result.rootOk).to.equal(false);
    expect(result.recomputedRoot)
      .to.match(/^0x[0-9a-f]{64}$/)
      .and.not.equal(chain.root);
    expect(result.findings.find((f) => f.code === "LEAF_MISMATCH")!.seq).to.equal(3);
  });

  it("a changed amount with a recomputed leaf: ROOT_MISMATCH only", () => {
    const changed = { ...records[2]!, amount: "999" };
    const items = served([...records.slice(0, 2), changed, ...records.slice(3)]);
    expect(codes(checkBatchRecords(1, chain, items).findings)).to.deep.equal(["ROOT_MISMATCH"]);
  });

  it("a stray record from another batch: RECORD_OUTSIDE_BATCH and LEAF_COUNT_MISMATCH, the root still checks", () => {
    const result = checkBatchRecords(1, chain, served([...records, makeRecord(6)]));
    expect(codes(result.findings)).to.deep.equal(["LEAF_COUNT_MISMATCH", "RECORD_OUTSIDE_BATCH"]);
    expect(result.rootOk).to.equal(true);
  });

  it("a missing record: SEQ_GAP and LEAF_COUNT_MISMATCH, no root claimed", () => {
    const result = checkBatchRecords(1, chain, served(records.filter((r) => r.seq !== 4)));
    expect(codes(result.findings)).to.deep.equal(["LEAF_COUNT_MISMATCH", "SEQ_GAP"]);
    expect(result.findings.find((f) => f.code === "SEQ_GAP")!.seq).to.equal(4);
    expect(result.rootOk).to.equal(false);
    expect(result.recomputedRoot).to.equal(null);
  });

  it("lists the first 100 missing seqs one by one and counts the rest in one more SEQ_GAP", () => {
    const result = checkBatchRecords(7, { ...chain, leafCount: 130 }, []);
    const gaps = result.findings.filter((f) => f.code === "SEQ_GAP");
    expect(gaps.map((f) => f.seq)).to.deep.equal([...Array.from({ length: 100 }, (_, i) => i + 1), undefined]);
    expect(gaps[100]!.message).to.equal("and 30 more seqs of batch 7 are missing");
    expect(codes(result.findings.filter((f) => f.code !== "SEQ_GAP"))).to.deep.equal(["LEAF_COUNT_MISMATCH"]);
  });

  it("a record served twice: SEQ_OVERLAP", () => {
    const result = checkBatchRecords(1, chain, served([records[0]!, records[1]!, records[1]!, ...records.slice(2)]));
    expect(codes(result.findings)).to.deep.equal(["LEAF_COUNT_MISMATCH", "SEQ_OVERLAP"]);
    expect(result.rootOk).to.equal(true);
  });

  it("records out of order are sorted (a warning) and the root still checks", () => {
    const result = checkBatchRecords(1, chain, served([...records].reverse()));
    expect(codes(result.findings)).to.deep.equal(["RECORDS_OUT_OF_ORDER"]);
    expect(result.rootOk).to.equal(true);
    expect(result.records.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(result.leaves).to.deep.equal(records.map((r) => leafHash(r)));
  });

  it("garbage in place of a record: RECORD_INVALID and a gap, no crash", () => {
    const items: { record: unknown; leaf: unknown }[] = served(records);
    items[0] = { record: "not a record", leaf: 42 };
    items[1] = { record: { ...records[1]!, amount: "-1", extra: true }, leaf: null };
    const result = checkBatchRecords(1, chain, items);
    expect(codes(result.findings)).to.deep.equal(["RECORD_INVALID", "RECORD_INVALID", "SEQ_GAP", "SEQ_GAP"]);
  });

  it("hashes a record exactly as served: an anchored non-NFC memo is RECORD_INVALID, yet its root checks", () => {
    const nonNfc = [...records.slice(0, 4), makeRecord(5, { memo: "Cafe\u0301" })];
    const result = checkBatchRecords(1, chainBatchFor(1, nonNfc), served(nonNfc));
    expect(codes(result.findings)).to.deep.equal(["RECORD_INVALID"]);
    expect(result.findings[0]).to.include({
      seq: 5,
      message: "record #4 of batch 1 is not a valid Record v1: memo STRING_NOT_NFC",
    });
    expect(result.rootOk).to.equal(true);
    expect(result.leaves[4]).to.equal(leafHash(nonNfc[4]!));
  });

  it("corrects ≥ seq is RECORD_INVALID unless the caller reports it itself (the audit's CORRECTS_INVALID)", () => {
    const bad = [...records.slice(0, 4), makeRecord(5, { corrects: 5 })];
    const badChain = chainBatchFor(1, bad);
    const strict = checkBatchRecords(1, badChain, served(bad));
    expect(codes(strict.findings)).to.deep.equal(["RECORD_INVALID"]);
    expect(strict.findings[0]!.message).to.contain("corrects CORRECTS_NOT_EARLIER");
    expect(strict.rootOk).to.equal(true);
    const skipped = checkBatchRecords(1, badChain, served(bad), { skipCorrectsNotEarlier: true });
    expect(skipped.findings).to.deep.equal([]);
    expect(skipped.records).to.deep.equal(bad);
  });

  it("hashes with an injected Keccak, and hash-wasm's gives core's findings and root", async () => {
    let calls = 0;
    const counting: Keccak = (data) => (calls++, keccak256(data));
    const items = served(records);
    items[3] = { record: { ...records[3]!, amount: "7" }, leaf: items[3]!.leaf };
    const withCore = checkBatchRecords(1, chain, items);
    expect(checkBatchRecords(1, chain, items, { keccak: counting })).to.deep.equal(withCore);
    expect(calls).to.be.greaterThan(records.length); // every leaf and the tree's inner nodes
    const { keccak, name } = await fastKeccak();
    expect(name).to.equal("hash-wasm");
    expect(checkBatchRecords(1, chain, items, { keccak })).to.deep.equal(withCore);
  });
});

describe("core/verify/batch-check: the page's verdict on a batch", () => {
  const records = seededRecords(11, 41, 9);
  const entries = () => records.map((r) => ({ record: { ...r }, leaf: leafHash(r) }));
  const onChain = chainBatchFor(3, records);

  it("accepts the records the chain's root, firstSeq and leafCount describe", () => {
    const check = batchVerdict(3, entries(), onChain);
    expect(check.ok && check.records.map((r) => r.seq)).to.deep.equal(records.map((r) => r.seq));
  });

  it("accepts served leaves in upper case, and entries that state no leaf", () => {
    const upper = entries().map((e) => ({ ...e, leaf: `0x${e.leaf.slice(2).toUpperCase()}` }));
    expect(batchVerdict(3, upper, onChain).ok).to.equal(true);
    expect(
      batchVerdict(
        3,
        entries().map(({ record }) => ({ record })),
        onChain,
      ).ok,
    ).to.equal(true);
  });

  it("names the record whose served leaf its fields do not hash to", () => {
    const served = entries();
    (served[4]!.record as RecordV1).amount = "1";
    expect(batchVerdict(3, served, onChain)).to.deep.equal({ ok: false, problem: "leaf", seq: 45 });
  });

  it("refuses a changed record served with its own new leaf: the root differs from the chain's", () => {
    const served = entries();
    const changed = { ...records[2]!, valueUsd: "1.00" };
    served[2] = { record: changed, leaf: leafHash(changed) };
    expect(batchVerdict(3, served, onChain)).to.deep.equal({ ok: false, problem: "root" });
  });

  it("refuses a batch the chain does not hold, a missing record, a moved seq and an invalid record", () => {
    expect(batchVerdict(3, entries(), null)).to.deep.equal({ ok: false, problem: "not-on-chain" });
    expect(batchVerdict(3, entries().slice(1), onChain)).to.deep.equal({ ok: false, problem: "leaf-count" });
    expect(batchVerdict(3, entries(), { ...onChain, firstSeq: 40 })).to.include({ ok: false, problem: "seq" });
    const served = entries();
    (served[0]!.record as Record<string, unknown>).kind = "GIFT";
    expect(batchVerdict(3, served, onChain)).to.deep.equal({ ok: false, problem: "invalid-record", seq: 41 });
  });

  it("refuses records served out of order or twice, though the audit can still sort them to the root", () => {
    const swapped = entries();
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(batchVerdict(3, swapped, onChain)).to.deep.equal({ ok: false, problem: "seq" });
    expect(checkBatchRecords(3, onChain, swapped).rootOk).to.equal(true);
    const twice = entries();
    twice[5] = twice[4]!;
    expect(batchVerdict(3, twice, onChain)).to.deep.equal({ ok: false, problem: "seq", seq: 45 });
  });

  it("refuses an anchored record whose corrects is not earlier, which the audit may leave to its own check", () => {
    const bad = [...records.slice(0, 8), { ...records[8]!, corrects: records[8]!.seq }];
    const badChain = chainBatchFor(3, bad);
    const served = bad.map((r) => ({ record: r, leaf: leafHash(r) }));
    expect(batchVerdict(3, served, badChain)).to.deep.equal({ ok: false, problem: "invalid-record", seq: 49 });
    expect(checkBatchRecords(3, badChain, served, { skipCorrectsNotEarlier: true }).findings).to.deep.equal([]);
  });
});
