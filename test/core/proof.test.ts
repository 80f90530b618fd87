import { expect } from "chai";
import { concat, keccak256 as ethersKeccak } from "ethers";
import {
  AiqynError,
  bytesToHex,
  hashPair,
  hexToBytes,
  leafHash,
  maxProofLength,
  processProof,
  verifyProof,
  type Hex,
} from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { referenceLayers, referenceProof, referenceRoot } from "../helpers/reference-tree";
import { seededRecords } from "./fixtures";

const leavesOf = (n: number, seed = 1): Hex[] => seededRecords(seed, 1, n).map((r) => leafHash(r));

describe("core/protocol/proof and core/protocol/tree", () => {
  it("hashPair sorts the two children as big-endian numbers", () => {
    const a = hexToBytes(`0x${"01".repeat(32)}`);
    const b = hexToBytes(`0x${"ff".repeat(31)}00`);
    const expected = ethersKeccak(concat([bytesToHex(a), bytesToHex(b)]));
    expect(bytesToHex(hashPair(a, b))).to.equal(expected);
    expect(bytesToHex(hashPair(b, a))).to.equal(expected);
  });

  it("maxProofLength is ceil(log2(n))", () => {
    const table: [number, number][] = [
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 3],
      [8, 3],
      [9, 4],
      [1024, 10],
      [1025, 11],
      [2000, 11],
      [2 ** 32 - 1, 32],
    ];
    for (const [n, depth] of table) expect(maxProofLength(n), String(n)).to.equal(depth);
  });

  it("a one-leaf batch: root = leaf, empty proof", () => {
    const [leaf] = leavesOf(1);
    const tree = buildBatchTree([leaf!], { validate: true });
    expect(tree.root).to.equal(leaf);
    expect(tree.proof(0)).to.deep.equal([]);
    expect(verifyProof(tree.root, leaf!, [])).to.equal(true);
  });

  it("three leaves: root = hashPair(hashPair(l0, l1), l2); the unpaired leaf moves up", () => {
    const [l0, l1, l2] = leavesOf(3);
    const n01 = hashPair(hexToBytes(l0!), hexToBytes(l1!));
    const tree = buildBatchTree([l0!, l1!, l2!]);
    expect(tree.root).to.equal(bytesToHex(hashPair(n01, hexToBytes(l2!))));
    expect(tree.proof(0)).to.deep.equal([l1, l2]);
    expect(tree.proof(1)).to.deep.equal([l0, l2]);
    expect(tree.proof(2)).to.deep.equal([bytesToHex(n01)]);
  });

  it("tree, proofs and layers equal the reference tree's for sizes 1 to 70", () => {
    const all = leavesOf(70, 7);
    for (let n = 1; n <= 70; n++) {
      const leaves = all.slice(0, n);
      const tree = buildBatchTree(leaves, { validate: true });
      expect(tree.root, `n=${n}`).to.equal(referenceRoot(leaves));
      expect(referenceLayers(leaves).at(-1)).to.deep.equal([tree.root]);
      for (let i = 0; i < n; i++) expect(tree.proof(i), `n=${n} i=${i}`).to.deep.equal(referenceProof(leaves, i));
    }
  });

  it("leaves keep their seq order (no sorting): moving a leaf to another pair changes the root", () => {
    const leaves = leavesOf(4);
    const rootA = buildBatchTree(leaves).root;
    // Within a pair the order cannot matter (children are sorted before hashing) …
    expect(buildBatchTree([leaves[1]!, leaves[0]!, leaves[2]!, leaves[3]!]).root).to.equal(rootA);
    // … across pairs it does: the tree is not built over sorted leaves.
    expect(buildBatchTree([leaves[2]!, leaves[1]!, leaves[0]!, leaves[3]!]).root).to.not.equal(rootA);
  });

  it("refuses an empty batch, a malformed leaf and an index out of range with coded errors", () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).to.be.instanceOf(AiqynError);
        return (e as AiqynError).code;
      }
      return "no error";
    };
    expect(code(() => buildBatchTree([]))).to.equal("EMPTY_BATCH");
    expect(code(() => buildBatchTree(["0x1234"]))).to.equal("INVALID_LEAF");
    const tree = buildBatchTree(leavesOf(3));
    for (const i of [-1, 3, 1.5, Number.NaN]) expect(code(() => tree.proof(i))).to.equal("LEAF_INDEX_OUT_OF_RANGE");
  });

  it("processProof and verifyProof accept uppercase hex and refuse malformed hex", () => {
    const leaves = leavesOf(5);
    const tree = buildBatchTree(leaves);
    const upper = (h: string) => `0x${h.slice(2).toUpperCase()}` as Hex;
    expect(verifyProof(upper(tree.root), upper(leaves[3]!), tree.proof(3).map(upper))).to.equal(true);
    expect(processProof(leaves[3]!, tree.proof(3))).to.equal(tree.root);
    expect(() => verifyProof(tree.root, "0xzz" as Hex, [])).to.throw(AiqynError);
  });

  it("an injected keccak is used", () => {
    const leaves = leavesOf(6);
    let calls = 0;
    const counting = (d: Uint8Array) => {
      calls++;
      return hexToBytes(ethersKeccak(d));
    };
    const tree = buildBatchTree(leaves, { keccak: counting });
    expect(tree.root).to.equal(referenceRoot(leaves));
    expect(calls).to.be.greaterThan(0);
  });
});
