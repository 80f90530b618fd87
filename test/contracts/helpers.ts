// Test-only helpers for the TransparencyRegistry tests. The protocol's real implementation lives in core/; these
// are written independently from docs/PROTOCOL.md so the contract is checked against a second reading of the spec.
import { AbiCoder, getBytes, hexlify, keccak256, ZeroHash } from "ethers";
import { MerkleTree } from "merkletreejs";
import type { ITransparencyRegistry } from "../../typechain-types";

const abi = AbiCoder.defaultAbiCoder();

/** Record v1 leaf encoding types, in order (the version byte first). */
export const RECORD_TYPES = [
  "uint8",
  "uint64",
  "uint8",
  "uint64",
  "uint64",
  "string",
  "string",
  "uint256",
  "uint256",
  "string",
  "string",
  "bytes32",
  "string",
  "uint64",
] as const;

/** A record as the tests build it; `reference` is `reference_` in Solidity (a reserved word there). */
export interface TestRecord {
  seq: bigint;
  kind: number;
  occurredAt: bigint;
  publishedAt: bigint;
  publisher: string;
  asset: string;
  amount: bigint;
  valueUsd: bigint;
  counterparty: string;
  reference: string;
  documentHash: string;
  memo: string;
  corrects: bigint;
}

/** The record as the Solidity `Record` struct (its `reference` field is `reference_`). */
export function toStruct(r: TestRecord): ITransparencyRegistry.RecordStruct {
  return {
    seq: r.seq,
    kind: r.kind,
    occurredAt: r.occurredAt,
    publishedAt: r.publishedAt,
    publisher: r.publisher,
    asset: r.asset,
    amount: r.amount,
    valueUsd: r.valueUsd,
    counterparty: r.counterparty,
    reference_: r.reference,
    documentHash: r.documentHash,
    memo: r.memo,
    corrects: r.corrects,
  };
}

/** The 14 values of the leaf encoding, in order: version 1, then the fields. */
export function leafValues(r: TestRecord): unknown[] {
  return [
    1,
    r.seq,
    r.kind,
    r.occurredAt,
    r.publishedAt,
    r.publisher,
    r.asset,
    r.amount,
    r.valueUsd,
    r.counterparty,
    r.reference,
    r.documentHash,
    r.memo,
    r.corrects,
  ];
}

/** leaf = keccak256(keccak256(abi.encode(1, seq, …, corrects))) — OpenZeppelin's standard (double-hash) leaf. */
export function recordLeaf(r: TestRecord): string {
  return keccak256(keccak256(abi.encode([...RECORD_TYPES], leafValues(r))));
}

/** head = keccak256(abi.encode(prevHead, batchId, root, firstSeq, leafCount)). */
export function nextHead(prevHead: string, batchId: bigint, root: string, firstSeq: bigint, leafCount: bigint): string {
  return keccak256(
    abi.encode(["bytes32", "uint64", "bytes32", "uint64", "uint32"], [prevHead, batchId, root, firstSeq, leafCount]),
  );
}

export const GENESIS_HEAD = ZeroHash;

function keccakBuf(data: Buffer): Buffer {
  return Buffer.from(getBytes(keccak256(data)));
}

/** A batch tree: leaves in the given order, sorted pairs, no duplicateOdd (an unpaired node moves up). */
export class TestTree {
  readonly leaves: string[];
  private readonly tree: MerkleTree;

  constructor(leaves: string[]) {
    this.leaves = leaves;
    this.tree = new MerkleTree(
      leaves.map((l) => Buffer.from(getBytes(l))),
      keccakBuf,
      { sortPairs: true },
    );
  }

  static ofRecords(records: TestRecord[]): TestTree {
    return new TestTree(records.map(recordLeaf));
  }

  root(): string {
    return this.tree.getHexRoot();
  }

  proof(index: number): string[] {
    const leaf = this.leaves[index];
    if (leaf === undefined) throw new Error(`no leaf ${index}`);
    return this.tree.getHexProof(Buffer.from(getBytes(leaf)), index);
  }

  /** The tree's levels, bottom (leaves) first, as hex. */
  layers(): string[][] {
    return this.tree.getLayers().map((layer) => layer.map((node) => hexlify(node)));
  }
}

/** keccak256 of the two nodes sorted ascending, as OpenZeppelin's MerkleProof hashes a pair. */
export function hashPair(a: string, b: string): string {
  const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return keccak256(new Uint8Array([...getBytes(lo), ...getBytes(hi)]));
}

/** A plausible record with the given seq; `over` replaces fields. */
export function makeRecord(seq: bigint | number, over: Partial<TestRecord> = {}): TestRecord {
  const s = BigInt(seq);
  return {
    seq: s,
    kind: 1,
    occurredAt: 1_761_955_200n,
    publishedAt: 1_761_955_300n + s,
    publisher: "ministry-of-finance",
    asset: "BTC",
    amount: 12n * 10n ** 17n + s,
    valueUsd: 13_245_050n,
    counterparty: "Binance",
    reference: `court order 2-${s}/2025`,
    documentHash: keccak256(new TextEncoder().encode(`document ${s}`)),
    memo: "",
    corrects: 0n,
    ...over,
  };
}

/** Records with consecutive seqs starting at firstSeq. */
export function makeRecords(firstSeq: bigint | number, count: number): TestRecord[] {
  return Array.from({ length: count }, (_, i) => makeRecord(BigInt(firstSeq) + BigInt(i)));
}

/** A distinct, non-zero pseudo-root for batches whose content the test does not care about. */
export function fakeRoot(label: string | number | bigint): string {
  return keccak256(new TextEncoder().encode(`root ${label}`));
}
