// Every test vector runs through four independent verifiers that must agree:
//   core         core's verifyProof (the path) and verifyBundle against the real registry (the full claim);
//   merkletreejs MerkleTree.verify(proof, leaf, root, keccak, { sortPairs: true }), the leaf of a record computed
//                with ethers' AbiCoder + keccak256;
//   contract     TransparencyRegistry.verify() / verifyRecord() on Hardhat's network, with batch(id) read back;
//   OpenZeppelin StandardMerkleTree.verify(root, LEAF_ABI_TYPES, leafAbiValues(record), proof), or
//                SimpleMerkleTree.verify(root, leaf, proof) for a bare leaf.
// merkletreejs and OpenZeppelin check Merkle paths only; for them the test applies docs/PROTOCOL.md's range rule
// (firstSeq ≤ seq < firstSeq + leafCount) itself. The committed vectors must equal what the generator makes now.
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, getBytes, keccak256 as ethersKeccak } from "ethers";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MerkleTree } from "merkletreejs";
import {
  AiqynError,
  bytesToHex,
  encodeRecord,
  innerHash,
  LEAF_ABI_TYPES,
  leafAbiValues,
  leafHash,
  parseBundle,
  validateRecord,
  verifyBundle,
  verifyProof,
  ZERO_BYTES32,
  type Hex,
  type RecordV1,
} from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import {
  generateVectors,
  VECTORS_FORMAT,
  type BrokenCase,
  type RefusedRecordCase,
  type VectorBatch,
} from "../../scripts/gen-vectors";
import { referenceProof, referenceRoot } from "../helpers/reference-tree";
import { deployRegistry, type DeployedRegistry } from "./chain";

const VECTORS = join(__dirname, "..", "vectors");
const load = <T>(name: string): T => JSON.parse(readFileSync(join(VECTORS, name), "utf8")) as T;

const valid = load<{ format: string; leafAbiTypes: string[]; batches: VectorBatch[] }>("valid.json");
const broken = load<{ format: string; extraBatches: VectorBatch[]; cases: BrokenCase[] }>("broken.json");
const refused = load<{ format: string; cases: RefusedRecordCase[] }>("refused-records.json");

const abi = AbiCoder.defaultAbiCoder();
const ethersLeaf = (r: RecordV1) => ethersKeccak(ethersKeccak(abi.encode([...LEAF_ABI_TYPES], leafAbiValues(r))));
const keccakBuffer = (data: Buffer) => Buffer.from(getBytes(ethersKeccak(data)));

/** The contract's Record struct (`reference` is `reference_` in Solidity). */
function toStruct(r: RecordV1) {
  const v = leafAbiValues(r);
  return {
    seq: v[1],
    kind: v[2],
    occurredAt: v[3],
    publishedAt: v[4],
    publisher: v[5],
    asset: v[6],
    amount: v[7],
    valueUsd: v[8],
    counterparty: v[9],
    reference_: v[10],
    documentHash: v[11],
    memo: v[12],
    corrects: v[13],
  };
}

/** A claim as the verifiers see it; a vector case or a valid leaf. */
interface Claim {
  batch: { id: number; root: Hex; firstSeq: number; leafCount: number };
  record?: RecordV1;
  leaf: Hex;
  proof: Hex[];
}

const inRange = (c: Claim) =>
  !c.record || (c.record.seq >= c.batch.firstSeq && c.record.seq < c.batch.firstSeq + c.batch.leafCount);

type Verdicts = Record<"core" | "merkletreejs" | "contract" | "openzeppelin", boolean>;

describe("test vectors (test/vectors/*.json) through four verifiers", function () {
  this.timeout(120_000);
  let chain: DeployedRegistry;

  /** Does the proof lead from the claim's leaf to its root? (and, for the contract, is that root the anchored one) */
  async function pathVerdicts(c: Claim): Promise<Verdicts> {
    const onChain = await chain.registry.batch(c.batch.id);
    return {
      core: verifyProof(c.batch.root, c.leaf, c.proof),
      merkletreejs: MerkleTree.verify(c.proof, c.leaf, c.batch.root, keccakBuffer, { sortPairs: true }),
      contract: onChain.root === c.batch.root && (await chain.registry.verify(c.batch.id, c.leaf, c.proof)),
      openzeppelin: SimpleMerkleTree.verify(c.batch.root, c.leaf, c.proof),
    };
  }

  /** The full verdict: leaf computed from the record (when there is one), path, seq range, the anchored batch. */
  async function fullVerdicts(c: Claim): Promise<Verdicts> {
    if (!c.record) return pathVerdicts(c);
    const record = c.record;
    const onChain = await chain.registry.batch(c.batch.id);
    const sameBatch =
      onChain.root === c.batch.root &&
      Number(onChain.firstSeq) === c.batch.firstSeq &&
      Number(onChain.leafCount) === c.batch.leafCount;
    const bundle = parseBundle({
      format: "aiqyn-proof/1",
      record,
      leaf: c.leaf,
      proof: c.proof,
      batch: c.batch,
      anchor: { chainId: chain.chainId, registry: chain.address, txHash: `0x${"00".repeat(32)}`, blockNumber: 1 },
    });
    const core = await verifyBundle(bundle, chain.reader.batch, {
      trusted: { chainId: chain.chainId, registry: chain.address },
    });
    return {
      core: core.verdict === "anchored",
      merkletreejs:
        inRange(c) && MerkleTree.verify(c.proof, ethersLeaf(record), c.batch.root, keccakBuffer, { sortPairs: true }),
      contract: sameBatch && (await chain.registry.verifyRecord(c.batch.id, toStruct(record), c.proof)),
      openzeppelin:
        inRange(c) && StandardMerkleTree.verify(c.batch.root, [...LEAF_ABI_TYPES], leafAbiValues(record), c.proof),
    };
  }

  const agree = (v: Verdicts, expected: boolean, what: string) =>
    expect(v, what).to.deep.equal({
      core: expected,
      merkletreejs: expected,
      contract: expected,
      openzeppelin: expected,
    });

  before(async () => {
    chain = await deployRegistry();
    let prevHead: string = ZERO_BYTES32;
    for (const b of [...valid.batches, ...broken.extraBatches]) {
      await chain.anchor(b.id, b.root, b.firstSeq, b.leafCount);
      const stored = await chain.registry.batch(b.id);
      expect(stored.root).to.equal(b.root);
      expect(stored.head, `head after batch ${b.id}`).to.equal(b.head);
      expect(await chain.registry.head()).to.equal(b.head);
      expect(stored.head).to.not.equal(prevHead);
      prevHead = stored.head;
    }
  });

  it("the committed vectors are exactly what scripts/gen-vectors.ts generates now", () => {
    const generated = JSON.parse(JSON.stringify(generateVectors())) as Record<string, unknown>;
    expect(Object.keys(generated)).to.have.members(["valid.json", "broken.json", "refused-records.json"]);
    for (const [name, content] of Object.entries(generated)) expect(load(name), name).to.deep.equal(content);
    for (const file of [valid, broken, refused]) expect(file.format).to.equal(VECTORS_FORMAT);
  });

  it("cover batches of 1, 2, 3, 5 and 8 leaves with contiguous ids and seqs", () => {
    expect(valid.batches.map((b) => b.leafCount)).to.deep.equal([1, 2, 3, 5, 8]);
    expect(valid.leafAbiTypes).to.deep.equal([...LEAF_ABI_TYPES]);
    let seq = 1;
    valid.batches.forEach((b, i) => {
      expect(b.id).to.equal(i + 1);
      expect(b.firstSeq).to.equal(seq);
      b.leaves.forEach((l, k) => expect(l.record.seq).to.equal(seq + k));
      seq += b.leafCount;
    });
  });

  describe("valid.json", () => {
    for (const b of valid.batches) {
      it(`batch ${b.id} (${b.leafCount} leaves): encoding, hashes, root and proofs recompute with core, ethers and the reference tree`, async () => {
        const leaves = b.leaves.map((l) => l.leaf);
        expect(buildBatchTree(leaves).root).to.equal(b.root);
        expect(referenceRoot(leaves)).to.equal(b.root);
        for (const [i, l] of b.leaves.entries()) {
          expect(validateRecord(l.record).ok, `seq ${l.record.seq} is valid`).to.equal(true);
          expect(bytesToHex(encodeRecord(l.record))).to.equal(l.abi);
          expect(abi.encode([...LEAF_ABI_TYPES], leafAbiValues(l.record))).to.equal(l.abi);
          expect(bytesToHex(innerHash(l.record))).to.equal(l.innerHash);
          expect(ethersKeccak(l.abi)).to.equal(l.innerHash);
          expect(ethersKeccak(l.innerHash)).to.equal(l.leaf);
          expect(leafHash(l.record)).to.equal(l.leaf);
          expect(await chain.registry.recordLeaf(toStruct(l.record))).to.equal(l.leaf);
          expect(referenceProof(leaves, i)).to.deep.equal(l.proof);
        }
      });

      it(`batch ${b.id}: every leaf and record is accepted by all four verifiers`, async () => {
        for (const l of b.leaves) {
          const batch = { id: b.id, root: b.root, firstSeq: b.firstSeq, leafCount: b.leafCount };
          const claim: Claim = { batch, record: l.record, leaf: l.leaf, proof: l.proof };
          agree(await pathVerdicts({ ...claim, record: undefined }), true, `leaf of seq ${l.record.seq}`);
          agree(await fullVerdicts(claim), true, `record seq ${l.record.seq}`);
        }
      });
    }
  });

  describe("broken.json", () => {
    it("batch 6 (extraBatches) is anchored as declared, though its tree holds seq 27", () => {
      const b6 = broken.extraBatches[0]!;
      expect(b6.leaves.map((l) => l.record.seq)).to.deep.equal([20, 27]);
      expect(buildBatchTree(b6.leaves.map((l) => l.leaf)).root).to.equal(b6.root);
    });

    for (const c of broken.cases) {
      it(`${c.name}: proof path ${c.expected.proofPath ? "holds" : "fails"}, ${c.expected.outcome} — all four agree`, async () => {
        expect(c.reason).to.be.a("string").and.not.equal("");
        if (c.record) expect(c.leaf, "a record's case carries its honest leaf").to.equal(leafHash(c.record));
        agree(await pathVerdicts({ ...c, record: undefined }), c.expected.proofPath, "proof path");
        agree(await fullVerdicts(c), c.expected.outcome === "accepted", "full verification");
      });
    }

    it("name the required broken cases", () => {
      expect(broken.cases.map((c) => c.name)).to.include.members([
        "leaf-bit-flipped",
        "proof-element-bit-flipped",
        "root-bit-flipped",
        "proof-truncated",
        "proof-extra-element",
        "proof-from-another-batch",
        "seq-outside-batch-range",
      ]);
    });
  });

  describe("refused-records.json", () => {
    for (const c of refused.cases) {
      it(`${c.name}: validation refuses it with ${c.expected.problems.map((p) => p.code).join(", ")}${c.leaf ? "; all four hash it alike" : "; it cannot be encoded"}`, async () => {
        const result = validateRecord(c.record);
        expect(result.ok).to.equal(false);
        if (!result.ok)
          expect(result.errors.map((p) => ({ field: p.field, code: p.code }))).to.deep.equal(c.expected.problems);
        const record = c.record as unknown as RecordV1;
        if (c.leaf) {
          // A valid hash of an invalid record: every implementation computes the same leaf; only validation refuses.
          expect(leafHash(record)).to.equal(c.leaf);
          expect(ethersLeaf(record)).to.equal(c.leaf);
          expect(StandardMerkleTree.of([leafAbiValues(record)], [...LEAF_ABI_TYPES]).root).to.equal(c.leaf);
          expect(await chain.registry.recordLeaf(toStruct(record))).to.equal(c.leaf);
        } else {
          expect(() => encodeRecord(record)).to.throw(AiqynError, /amount|valueUsd/);
        }
        // A bundle carrying it is refused before any hash is compared.
        expect(() =>
          parseBundle({
            format: "aiqyn-proof/1",
            record: c.record,
            leaf: c.leaf ?? ZERO_BYTES32,
            proof: [],
            batch: { id: 1, root: c.leaf ?? `0x${"11".repeat(32)}`, firstSeq: 1, leafCount: 1 },
            anchor: { chainId: 31337, registry: chain.address, txHash: ZERO_BYTES32, blockNumber: 1 },
          }),
        ).to.throw(AiqynError, /not a valid aiqyn-proof\/1 bundle/);
      });
    }
  });
});
