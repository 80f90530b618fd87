// docs/PROTOCOL.md's worked example, parsed out of its marked fenced blocks (```json worked-example-record …) and
// checked against what core computes, so the document cannot drift from the code. The leaf is also recomputed
// with ethers, OpenZeppelin and the reference tree, to show the example is recomputable with other libraries.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, keccak256 as ethersKeccak, verifyMessage, getBytes } from "ethers";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  bytesToHex,
  encodeRecord,
  hashPair,
  hexToBytes,
  innerHash,
  LEAF_ABI_TYPES,
  leafAbiValues,
  leafHash,
  nextHead,
  receiptDigest,
  receiptSignatureValid,
  recoverSigner,
  validateRecord,
  type Hex,
  type RecordV1,
} from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { referenceProof, referenceRoot } from "../helpers/reference-tree";

const DOC = readFileSync(join(__dirname, "..", "..", "docs", "PROTOCOL.md"), "utf8");

/** The body of the one fenced block whose info string is `<lang> <marker>`. */
function block(marker: string): string {
  const pattern = new RegExp("^```[a-z]+ " + marker + "\\n([\\s\\S]*?)^```$", "gm");
  const found = [...DOC.matchAll(pattern)];
  expect(found, `exactly one block marked ${marker}`).to.have.length(1);
  return found[0]![1]!;
}
const json = <T>(marker: string): T => JSON.parse(block(marker)) as T;
const hexLine = (marker: string): Hex => {
  const text = block(marker).trim();
  expect(text).to.match(/^0x[0-9a-f]{64}$/);
  return text as Hex;
};

describe("docs/PROTOCOL.md worked example", () => {
  const record = json<RecordV1>("worked-example-record");

  it("the record is valid Record v1", () => {
    expect(validateRecord(record).ok).to.equal(true);
  });

  it("its ABI words (one per line, with offsets) are exactly encodeRecord and ethers' AbiCoder", () => {
    const lines = block("worked-example-abi").trimEnd().split("\n");
    const words = lines.map((line, i) => {
      const match = /^([0-9a-f]{64}) {2}([0-9a-f]{4})\b/.exec(line);
      expect(match, `line ${i + 1}: ${line}`).to.not.equal(null);
      expect(parseInt(match![2]!, 16), `offset on line ${i + 1}`).to.equal(i * 32);
      return match![1]!;
    });
    const hex = `0x${words.join("")}`;
    expect(hex).to.equal(bytesToHex(encodeRecord(record)));
    expect(hex).to.equal(AbiCoder.defaultAbiCoder().encode([...LEAF_ABI_TYPES], leafAbiValues(record)));
    expect(DOC).to.include(`(${encodeRecord(record).length} bytes: 14 head`);
  });

  it("the inner hash and the leaf are core's (and ethers' and OpenZeppelin's)", () => {
    const inner = hexLine("worked-example-inner-hash");
    const leaf = hexLine("worked-example-leaf");
    expect(bytesToHex(innerHash(record))).to.equal(inner);
    expect(leafHash(record)).to.equal(leaf);
    expect(ethersKeccak(inner)).to.equal(leaf);
    expect(StandardMerkleTree.of([leafAbiValues(record)], [...LEAF_ABI_TYPES]).root).to.equal(leaf);
  });

  it("the 3-record batch: leaves, n01, root and every proof are core's and the reference tree's", () => {
    const others = json<RecordV1[]>("worked-example-batch-records");
    const batch = json<{ leaves: Hex[]; n01: Hex; root: Hex; proofs: Hex[][] }>("worked-example-batch");
    const records = [record, ...others];
    expect(records.map((r) => r.seq)).to.deep.equal([1, 2, 3]);
    for (const r of others) expect(validateRecord(r).ok, `seq ${r.seq}`).to.equal(true);
    expect(records.map((r) => leafHash(r))).to.deep.equal(batch.leaves);
    expect(bytesToHex(hashPair(hexToBytes(batch.leaves[0]!), hexToBytes(batch.leaves[1]!)))).to.equal(batch.n01);
    const tree = buildBatchTree(batch.leaves);
    expect(tree.root).to.equal(batch.root);
    expect(referenceRoot(batch.leaves)).to.equal(batch.root);
    expect(bytesToHex(hashPair(hexToBytes(batch.n01), hexToBytes(batch.leaves[2]!)))).to.equal(batch.root);
    expect([0, 1, 2].map((i) => tree.proof(i))).to.deep.equal(batch.proofs);
    expect([0, 1, 2].map((i) => referenceProof(batch.leaves, i))).to.deep.equal(batch.proofs);
    expect(batch.proofs).to.deep.equal([
      [batch.leaves[1], batch.leaves[2]],
      [batch.leaves[0], batch.leaves[2]],
      [batch.n01],
    ]);
    records.forEach((r, i) => {
      expect(StandardMerkleTree.verify(batch.root, [...LEAF_ABI_TYPES], leafAbiValues(r), batch.proofs[i]!)).to.equal(
        true,
      );
    });
  });

  it("the receipt: core's digest of the example leaf, and its signature recovers to the named signer", () => {
    const leaf = hexLine("worked-example-leaf");
    const receipt = json<{
      chainId: number;
      registry: string;
      seq: number;
      leaf: Hex;
      publishedAt: number;
      digest: Hex;
      signer: string;
      signature: Hex;
    }>("worked-example-receipt");
    expect(receipt.leaf).to.equal(leaf);
    expect(receipt.seq).to.equal(record.seq);
    expect(receipt.publishedAt).to.equal(record.publishedAt);
    expect(receiptDigest(receipt.chainId, receipt.registry, receipt.seq, receipt.leaf, receipt.publishedAt)).to.equal(
      receipt.digest,
    );
    expect(recoverSigner(receipt.digest, receipt.signature)).to.equal(receipt.signer.toLowerCase());
    expect(verifyMessage(getBytes(receipt.digest), receipt.signature)).to.equal(receipt.signer);
    expect(receiptSignatureValid({ ...receipt }, receipt.chainId, receipt.registry)).to.equal(true);
  });

  it("the head after anchoring the batch as batch 1 is core's nextHead and ethers' keccak of the five words", () => {
    const batch = json<{ root: Hex }>("worked-example-batch");
    const head = json<{ prevHead: Hex; batchId: number; root: Hex; firstSeq: number; leafCount: number; head: Hex }>(
      "worked-example-head",
    );
    expect(head.root).to.equal(batch.root);
    expect(nextHead(head.prevHead, head.batchId, head.root, head.firstSeq, head.leafCount)).to.equal(head.head);
    const encoded = AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint64", "bytes32", "uint64", "uint32"],
      [head.prevHead, head.batchId, head.root, head.firstSeq, head.leafCount],
    );
    expect(ethersKeccak(encoded)).to.equal(head.head);
  });

  it("states the leaf ABI types as core's LEAF_ABI_TYPES", () => {
    expect(DOC.replace(/\s+/g, "")).to.include(JSON.stringify([...LEAF_ABI_TYPES]));
  });
});
