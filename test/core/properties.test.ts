// Properties of the batch tree over random batches of 1 to 2,000 records: core/protocol/tree's proofs verify with core's
// verifyProof against the root an independent naive reference tree computes, any single-bit change is refused, and no
// proof is longer than maxProofLength.
import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, hexToBytes, leafHash, maxProofLength, verifyProof, type Hex } from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { referenceRoot } from "../helpers/reference-tree";
import { seededRecords } from "./fixtures";

/** Batch sizes biased to the tree's edges: 1, 2, 3, powers of two and their neighbours, the maximum. */
const EDGE_SIZES = [
  1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1023, 1024,
  1025, 2000,
];
const sizeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_SIZES) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }) },
);

/** A batch: its size, the seed its records are made from, and the seq of its first record. */
const batchArb = fc.record({ size: sizeArb, seed: fc.integer(), firstSeq: fc.integer({ min: 1, max: 2 ** 40 }) });

function flipBit(hex: Hex, bit: number): Hex {
  const bytes = hexToBytes(hex);
  bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
  return bytesToHex(bytes);
}

describe("core/protocol/tree properties (fast-check)", function () {
  this.timeout(300_000);

  it("every proof verifies against the reference root and is at most maxProofLength long", () => {
    fc.assert(
      fc.property(batchArb, ({ size, seed, firstSeq }) => {
        const leaves = seededRecords(seed, firstSeq, size).map((r) => leafHash(r));
        const tree = buildBatchTree(leaves);
        const root = referenceRoot(leaves) as Hex;
        expect(tree.root).to.equal(root);
        expect(tree.leafCount).to.equal(size);
        const depth = maxProofLength(size);
        for (let i = 0; i < size; i++) {
          const proof = tree.proof(i);
          expect(proof.length).to.be.at.most(depth);
          expect(verifyProof(root, leaves[i]!, proof), `leaf ${i} of ${size}`).to.equal(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("any single-bit flip in the leaf, in any proof element, or in the root is refused", () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.nat(),
        fc.array(fc.nat({ max: 255 }), { minLength: 13, maxLength: 13 }),
        ({ size, seed, firstSeq }, pick, bits) => {
          const leaves = seededRecords(seed, firstSeq, size).map((r) => leafHash(r));
          const tree = buildBatchTree(leaves);
          const root = referenceRoot(leaves) as Hex;
          // The chosen leaf, and the first and last (the last is often the unpaired one that moves up).
          for (const index of new Set([pick % size, 0, size - 1])) {
            const leaf = leaves[index]!;
            const proof = tree.proof(index);
            expect(verifyProof(root, leaf, proof)).to.equal(true);
            expect(verifyProof(root, flipBit(leaf, bits[0]!), proof), "leaf").to.equal(false);
            expect(verifyProof(flipBit(root, bits[1]!), leaf, proof), "root").to.equal(false);
            proof.forEach((_, k) => {
              const flipped = proof.map((p, j) => (j === k ? flipBit(p, bits[2 + k]!) : p));
              expect(verifyProof(root, leaf, flipped), `proof element ${k}`).to.equal(false);
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("every bit of a leaf, of each proof element and of the root matters (exhaustive on one 5-leaf batch)", () => {
    const leaves = seededRecords(5, 1, 5).map((r) => leafHash(r));
    const tree = buildBatchTree(leaves);
    for (let index = 0; index < 5; index++) {
      const proof = tree.proof(index);
      for (let bit = 0; bit < 256; bit++) {
        expect(verifyProof(tree.root, flipBit(leaves[index]!, bit), proof)).to.equal(false);
        expect(verifyProof(flipBit(tree.root, bit), leaves[index]!, proof)).to.equal(false);
        for (let k = 0; k < proof.length; k++) {
          expect(
            verifyProof(
              tree.root,
              leaves[index]!,
              proof.map((p, j) => (j === k ? flipBit(p, bit) : p)),
            ),
          ).to.equal(false);
        }
      }
    }
  });
});
