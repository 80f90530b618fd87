// The page's WebAssembly Keccak (web/src/wasm-keccak.ts, what the fund's figure check hashes with in its
// workers) against core's pure-JS keccak256, the one definition: equal on random inputs of every length around
// the 136-byte rate, on every leaf, inner hash, proof and root of the committed vectors (test/vectors), and in
// core's batch verdict, whose findings on tampered batches must be exactly those core's own Keccak gives.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  bytesToHex,
  encodeRecord,
  hexToBytes,
  innerHash,
  keccak256,
  leafHash,
  processProof,
  type Hex,
  type RecordV1,
} from "../../core";
import { batchVerdict, checkBatchRecords } from "../../core/verify/batch-check";
import { batchRoot } from "../../core/protocol/tree-levels";
import type { BrokenCase, RefusedRecordCase, VectorBatch } from "../../scripts/gen-vectors";
import { pageKeccak, type PageKeccak } from "../../web/src/wasm-keccak";

const VECTORS = join(__dirname, "..", "vectors");
const load = <T>(name: string): T => JSON.parse(readFileSync(join(VECTORS, name), "utf8")) as T;
const valid = load<{ batches: VectorBatch[] }>("valid.json");
const broken = load<{ extraBatches: VectorBatch[]; cases: BrokenCase[] }>("broken.json");
const refused = load<{ cases: RefusedRecordCase[] }>("refused-records.json");

/** A small seeded generator (xorshift32): the same "random" inputs on every run. */
function bytesFrom(seed: number): (length: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

const hex = (bytes: Uint8Array) => bytesToHex(bytes);

describe("web: the figure check's WebAssembly Keccak equals core's", () => {
  let wasm: PageKeccak;
  before(async () => {
    wasm = await pageKeccak();
  });

  it("is hash-wasm's here (Node compiles WebAssembly), and agrees with core's on random inputs", () => {
    expect(wasm.name).to.equal("wasm");
    expect(wasm.keccak).to.not.equal(keccak256);
    const random = bytesFrom(23);
    const lengths = [
      ...Array.from({ length: 420 }, (_, i) => i), // every length through three blocks of 136 bytes
      ...Array.from({ length: 200 }, () => random(2).reduce((n, b) => n * 256 + b, 0) % 20_000),
    ];
    for (const length of lengths) {
      const input = random(length);
      expect(hex(wasm.keccak(input)), `${length} bytes`).to.equal(hex(keccak256(input)));
    }
    // Called again on the same hasher: no state carried over from one input to the next.
    const again = random(300);
    expect(hex(wasm.keccak(again))).to.equal(hex(wasm.keccak(again)));
  });

  it("gives every vector's inner hash, leaf, proof path and root", () => {
    let leaves = 0;
    for (const batch of [...valid.batches, ...broken.extraBatches]) {
      for (const v of batch.leaves) {
        const record = v.record;
        expect(hex(wasm.keccak(hexToBytes(v.abi)))).to.equal(v.innerHash);
        expect(hex(innerHash(record, wasm.keccak))).to.equal(v.innerHash);
        expect(hex(encodeRecord(record))).to.equal(v.abi);
        expect(leafHash(record, wasm.keccak)).to.equal(v.leaf);
        expect(processProof(v.leaf, v.proof, wasm.keccak)).to.equal(batch.root);
        leaves++;
      }
      expect(
        batchRoot(
          batch.leaves.map((l) => l.leaf),
          wasm.keccak,
        ),
        `batch ${batch.id}`,
      ).to.equal(batch.root);
    }
    expect(leaves).to.be.greaterThan(19);
    for (const c of broken.cases) {
      if (c.record) expect(leafHash(c.record, wasm.keccak), c.name).to.equal(leafHash(c.record));
      const path = processProof(c.leaf, c.proof, wasm.keccak) === c.batch.root.toLowerCase();
      expect(path, c.name).to.equal(c.expected.proofPath);
    }
    for (const c of refused.cases.filter((r) => r.leaf !== null))
      expect(leafHash(c.record as unknown as RecordV1, wasm.keccak), c.name).to.equal(c.leaf);
  });

  it("leads core's batch verdict to the same findings, on honest and tampered batches alike", () => {
    for (const batch of valid.batches) {
      const onChain = {
        root: batch.root,
        firstSeq: batch.firstSeq,
        leafCount: batch.leafCount,
        anchoredAt: 1,
        head: batch.head,
      };
      const entries = batch.leaves.map((l) => ({ record: l.record, leaf: l.leaf }));
      expect(batchVerdict(batch.id, entries, onChain, wasm.keccak)).to.deep.equal(
        batchVerdict(batch.id, entries, onChain),
      );
      expect(batchVerdict(batch.id, entries, onChain, wasm.keccak).ok).to.equal(true);
      const tampered = entries.map((e, i) =>
        i === entries.length - 1 ? { record: { ...(e.record as RecordV1), amount: "1" }, leaf: e.leaf } : e,
      );
      const silent = tampered.map((e) => ({ record: e.record }));
      const wrongRoot = { ...onChain, root: `0x${"ab".repeat(32)}` as Hex };
      for (const [what, served, chain] of [
        ["a record changed, its old leaf served", tampered, onChain],
        ["a record changed, no leaf served", silent, onChain],
        ["another root on chain", entries, wrongRoot],
      ] as const) {
        const withWasm = checkBatchRecords(batch.id, chain, served, { keccak: wasm.keccak });
        expect(withWasm, `${what}, batch ${batch.id}`).to.deep.equal(checkBatchRecords(batch.id, chain, served));
        expect(batchVerdict(batch.id, served, chain, wasm.keccak).ok, what).to.equal(false);
      }
    }
  });
});
