/**
 * Generates the protocol's test vectors under test/vectors/ (format "aiqyn-vectors/1"):
 *
 *   valid.json            records with their ABI encoding, inner hash and leaf, in batches of 1, 2, 3, 5 and 8
 *                         leaves (ids 1–5, seqs 1–19) with each batch's root, proofs and head hash chain.
 *   broken.json           claims that must be refused (or, for one, a documented trap that passes), each with its
 *                         reason and expected outcome, plus batch 6, anchored after batches 1–5.
 *   refused-records.json  records that validation refuses, with the leaf they would hash to when they can be hashed.
 *
 * Everything is computed with core/ and is deterministic: test/core/vectors.test.ts regenerates the vectors and
 * checks that the committed files say the same, then runs every vector through four independent verifiers.
 *
 *   npm run vectors      (rewrites test/vectors/*.json)
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bytesToHex,
  encodeRecord,
  hexToBytes,
  innerHash,
  LEAF_ABI_TYPES,
  leafHash,
  nextHead,
  validateRecord,
  ZERO_BYTES32,
  hashPair,
  registryCaip10,
  type Hex,
  type RecordV1,
} from "../core";
import { hashMessage, SigningKey } from "ethers";
import type { FieldProblemCode } from "../core/protocol/shape";
import { buildBatchTree } from "../core/protocol/tree";
import { declarationFields, declarationMessage, EMPTY_FIELDS } from "../server/demo/sample-records";
import { bitcoinVariant, refusedBitcoinCases } from "./gen-vectors-bitcoin";

export const VECTORS_FORMAT = "aiqyn-vectors/1";
export const VECTORS_DIR = join(__dirname, "..", "test", "vectors");

export interface VectorLeaf {
  record: RecordV1;
  abi: Hex;
  innerHash: Hex;
  leaf: Hex;
  proof: Hex[];
}

export interface VectorBatch {
  id: number;
  firstSeq: number;
  leafCount: number;
  root: Hex;
  /** The registry's head after this batch: keccak256(abi.encode(prevHead, id, root, firstSeq, leafCount)). */
  head: Hex;
  note?: string;
  leaves: VectorLeaf[];
}

export interface BrokenCase {
  name: string;
  reason: string;
  /** The batch the claim names, as a bundle would: id, root, firstSeq, leafCount. */
  batch: { id: number; root: Hex; firstSeq: number; leafCount: number };
  /** When present, verifiers must compute the leaf from it (and check the seq range) themselves. */
  record?: RecordV1;
  leaf: Hex;
  proof: Hex[];
  expected: {
    /** Whether the proof leads from `leaf` to `batch.root` (a Merkle path check alone). */
    proofPath: boolean;
    /** The verdict of a full verification (leaf from record, path, seq range, root equal to the anchored one). */
    outcome: "accepted" | "refused";
  };
}

export interface RefusedRecordCase {
  name: string;
  reason: string;
  record: Record<string, unknown>;
  /** The leaf it would hash to (the encoder accepts it), or null when it cannot be encoded at all. */
  leaf: Hex | null;
  expected: { problems: { field: string; code: FieldProblemCode }[] };
}

const PUBLISHED_AT = 1_761_955_200;
const doc = (label: string): Hex =>
  `0x${Array.from(label.padEnd(32, "."), (c) => c.charCodeAt(0).toString(16).padStart(2, "0"))
    .join("")
    .slice(0, 64)}` as Hex;

/** The fields that vary between the vector records, in turn: every kind, unicode, lengths and maxima. */
const VARIANTS: Partial<RecordV1>[] = [
  {
    kind: "INFLOW_SEIZURE",
    amount: "12.5",
    valueUsd: "1375000.00",
    counterparty: "Binance",
    reference: "court order 2-17/2025",
    documentHash: doc("court-order-2-17"),
  },
  {
    kind: "INFLOW_MINING",
    asset: "BTC",
    amount: "0.00000001",
    valueUsd: "0.01",
    counterparty: "State mining pool",
    memo: "October revenue",
  },
  {
    kind: "INFLOW_OTHER",
    asset: "KZT",
    amount: "1000000",
    valueUsd: "1950.55",
    counterparty: "Қазақстан Республикасы Қаржы министрлігі",
    memo: "Қайырымдылық 🙏",
  },
  {
    kind: "INVESTMENT",
    asset: "IBIT",
    amount: "2500",
    valueUsd: "145250.00",
    counterparty: "BlackRock iShares",
    reference: "0x" + "ab".repeat(32),
    memo: "ETF units 📈",
  },
  {
    kind: "DIVESTMENT",
    asset: "COIN",
    amount: "10.000",
    valueUsd: "3012.40",
    counterparty: "Broker № 7",
    reference: "contract 7/2025",
    documentHash: `0x${"AB".repeat(32)}`,
  },
  {
    kind: "GRANT",
    asset: "BNB",
    amount: "150.123456789012345678",
    valueUsd: "98765.43",
    counterparty: "Алматы школа № 12",
    memo: "東京 ÅÉÎ — 🇰🇿 grant for a local school",
  },
  {
    kind: "EXPENSE",
    asset: "ETH.W",
    amount: "0.000000000000000001",
    valueUsd: "0",
    counterparty: "Custodian AG",
    memo: "a".repeat(31),
  },
  {
    kind: "TRANSFER",
    asset: "A-1",
    amount: "5",
    valueUsd: "0.10",
    counterparty: "cold wallet",
    reference: "b".repeat(32),
    memo: "c".repeat(33),
  },
  { kind: "VALUATION", asset: "BTC", amount: "0", valueUsd: "0", memo: "holding snapshot: nothing left" },
  {
    kind: "VALUATION",
    amount: "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
    valueUsd: "1157920892373161954235709850086879078532699846656405640394575840079131296399.35",
    asset: "0123456789ABCDEF",
    publisher: "z".repeat(64),
    memo: "the largest amount and value uint256 holds",
  },
  {
    kind: "INVESTMENT",
    memo: "😀".repeat(1000),
    counterparty: "𝄞".repeat(200),
    reference: "Қ".repeat(200),
    amount: "1.5",
  },
];

/** Record number `seq` of the vector batches: every kind, and the encodings' edges (unicode, lengths, maxima). */
function vectorRecord(seq: number): RecordV1 {
  const base: RecordV1 = {
    seq,
    kind: "INFLOW_SEIZURE",
    occurredAt: PUBLISHED_AT - 86_400 + seq * 60,
    publishedAt: PUBLISHED_AT + seq * 10,
    publisher: "ministry-of-finance",
    asset: "BTC",
    amount: "1",
    ...EMPTY_FIELDS,
  };
  const variant = VARIANTS[(seq - 1) % VARIANTS.length]!;
  const record: RecordV1 = { ...base, ...variant, seq };
  if (seq === 14)
    return {
      ...record,
      kind: "DIVESTMENT",
      amount: "2.5",
      corrects: 5,
      memo: "supersedes seq 5: the sale was 2.5 units",
    };
  if (seq === 16)
    return { ...record, kind: "RETRACTION", amount: "0", corrects: 3, memo: "seq 3 was published by mistake" };
  return reconciliationVariant(seq) ?? record;
}

/** The registry and fund account the kind-11 vectors name (Hardhat's well-known account #1: a test key). */
export const VECTOR_REGISTRY = registryCaip10(56, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
export const VECTOR_ACCOUNT = "eip155:56:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const VECTOR_ACCOUNT_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const VECTOR_TOKEN = "eip155:56/erc20:0x55d398326f99059fF775485246999027B3197955";

/** A deterministic (RFC 6979) EIP-191 signature of `message` by the vector account. */
function signControl(message: string): Hex {
  const key = new SigningKey(VECTOR_ACCOUNT_KEY);
  return key.sign(hashMessage(message)).serialized as Hex;
}

/**
 * Seqs 12, 17 and 19 carry Reconciliation v1: a declaration, a native movement, a token Transfer log; seqs 13,
 * 15 and 18 Reconciliation v2 on Bitcoin (scripts/gen-vectors-bitcoin.ts).
 */
function reconciliationVariant(seq: number): RecordV1 | null {
  const bitcoin = bitcoinVariant(seq, VECTOR_REGISTRY);
  if (bitcoin)
    return {
      ...vectorRecord(seq - 11),
      ...bitcoin,
      seq,
      occurredAt: PUBLISHED_AT - 86_400 + seq * 60,
      publishedAt: PUBLISHED_AT + seq * 10,
    };
  if (seq !== 12 && seq !== 17 && seq !== 19) return null;
  const base = vectorRecord(seq === 12 ? 1 : seq - 11);
  const at = { seq, occurredAt: PUBLISHED_AT - 86_400 + seq * 60, publishedAt: PUBLISHED_AT + seq * 10 };
  if (seq === 12) {
    const holding = {
      account: VECTOR_ACCOUNT,
      asset: VECTOR_TOKEN,
      symbol: "USDT",
      amount: "250000.5",
      block: 48_000_000,
    };
    const signature = signControl(declarationMessage(VECTOR_REGISTRY, holding));
    return {
      ...base,
      ...at,
      ...declarationFields(holding, signature),
      valueUsd: "250000.50",
      documentHash: ZERO_BYTES32,
    };
  }
  if (seq === 17) return { ...base, ...at, reference: `eip155:56/tx/0x${"17".repeat(32)}` };
  return { ...base, ...at, asset: "USDT", reference: `eip155:56/tx/0x${"19".repeat(32)}/log/3` };
  return null;
}

function assertValid(record: RecordV1): RecordV1 {
  const result = validateRecord(record);
  if (!result.ok) throw new Error(`vector record ${record.seq} is invalid: ${JSON.stringify(result.errors)}`);
  return record;
}

function makeBatch(
  id: number,
  firstSeq: number,
  records: RecordV1[],
  prevHead: Hex,
  declaredCount = records.length,
): VectorBatch {
  const leaves = records.map((r) => leafHash(r));
  const tree = buildBatchTree(leaves, { validate: true });
  return {
    id,
    firstSeq,
    leafCount: declaredCount,
    root: tree.root,
    head: nextHead(prevHead, id, tree.root, firstSeq, declaredCount),
    leaves: records.map((record, i) => ({
      record,
      abi: bytesToHex(encodeRecord(record)),
      innerHash: bytesToHex(innerHash(record)),
      leaf: leaves[i]!,
      proof: tree.proof(i),
    })),
  };
}

/** Flips bit `bit` (0 = the lowest bit of the last byte) of a bytes32. */
function flipBit(hex: Hex, bit: number): Hex {
  const bytes = hexToBytes(hex);
  bytes[31 - (bit >> 3)]! ^= 1 << (bit & 7);
  return bytesToHex(bytes);
}

export const VALID_BATCH_SIZES = [1, 2, 3, 5, 8];

export function validBatches(): VectorBatch[] {
  const batches: VectorBatch[] = [];
  let firstSeq = 1;
  let head = ZERO_BYTES32;
  VALID_BATCH_SIZES.forEach((size, i) => {
    const records = Array.from({ length: size }, (_, k) => assertValid(vectorRecord(firstSeq + k)));
    const batch = makeBatch(i + 1, firstSeq, records, head);
    batches.push(batch);
    head = batch.head;
    firstSeq += size;
  });
  return batches;
}

function claimOf(batch: VectorBatch): BrokenCase["batch"] {
  return { id: batch.id, root: batch.root, firstSeq: batch.firstSeq, leafCount: batch.leafCount };
}

/** Batch 6: declares seqs 20–21 on chain, but its tree holds the leaves of seq 20 and of seq 27. */
function batchSix(valid: VectorBatch[]) {
  // An operator's error (or fraud) that a Merkle path alone cannot see. Only the seq range rule catches the
  // second leaf.
  const last = valid.at(-1)!;
  const nextSeq = last.firstSeq + last.leafCount;
  const inRange = assertValid({ ...vectorRecord(nextSeq), kind: "EXPENSE", amount: "3", memo: "batch 6, seq 20" });
  const outOfRange = assertValid({
    ...vectorRecord(nextSeq + 7),
    kind: "EXPENSE",
    amount: "4",
    memo: "seq 27 smuggled into batch 6",
  });
  const b6 = makeBatch(6, nextSeq, [inRange, outOfRange], last.head, 2);
  b6.note = "anchored after batches 1-5 as anchor(6, root, 20, 2); its tree holds seq 20 and seq 27";
  return { b6, inRange, outOfRange };
}

/** The claim for seq 9 in batch 4, unchanged, then with one thing changed in each case. */
function tamperedClaimCases(b4: VectorBatch, b5: VectorBatch): BrokenCase[] {
  const subject = b4.leaves[2]!; // seq 9: proof of 3 elements
  const claim = claimOf(b4);
  const tampered = { ...subject.record, amount: "10.000000000000000001" };
  return [
    {
      name: "valid-control",
      reason:
        "the unchanged claim for seq 9 in batch 4: every verifier accepts it (the other cases each change one thing)",
      batch: claim,
      record: subject.record,
      leaf: subject.leaf,
      proof: subject.proof,
      expected: { proofPath: true, outcome: "accepted" },
    },
    {
      name: "leaf-bit-flipped",
      reason: "bit 0 of the leaf flipped: the proof leads to another root",
      batch: claim,
      leaf: flipBit(subject.leaf, 0),
      proof: subject.proof,
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "record-amount-changed",
      reason:
        "the record's amount raised by 10^-18 (one unit of the encoding): another leaf, which the proof does not lead from",
      batch: claim,
      record: tampered,
      leaf: leafHash(tampered),
      proof: subject.proof,
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "proof-element-bit-flipped",
      reason: "bit 100 of the second proof element flipped",
      batch: claim,
      record: subject.record,
      leaf: subject.leaf,
      proof: subject.proof.map((p, i) => (i === 1 ? flipBit(p, 100) : p)),
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "root-bit-flipped",
      reason:
        "bit 255 (the top bit) of the claimed root flipped: the proof leads to the real root, which is not the one claimed",
      batch: { ...claim, root: flipBit(claim.root, 255) },
      record: subject.record,
      leaf: subject.leaf,
      proof: subject.proof,
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "proof-truncated",
      reason: "the last proof element dropped: the path stops at an inner node",
      batch: claim,
      record: subject.record,
      leaf: subject.leaf,
      proof: subject.proof.slice(0, -1),
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "proof-extra-element",
      reason: "an extra element (the leaf of seq 12) appended: the path goes past the root",
      batch: claim,
      record: subject.record,
      leaf: subject.leaf,
      proof: [...subject.proof, b5.leaves[0]!.leaf],
      expected: { proofPath: false, outcome: "refused" },
    },
    {
      name: "proof-from-another-batch",
      reason: "the proof of position 2 in batch 5 used for seq 9 of batch 4",
      batch: claim,
      record: subject.record,
      leaf: subject.leaf,
      proof: b5.leaves[2]!.proof,
      expected: { proofPath: false, outcome: "refused" },
    },
  ];
}

/** Batch 6's two leaves (the seq range rule), and the second-preimage trap over batch 5's first inner node. */
function rangeAndTrapCases(b5: VectorBatch, six: ReturnType<typeof batchSix>): BrokenCase[] {
  const { b6, inRange, outOfRange } = six;
  const l0 = hexToBytes(b5.leaves[0]!.leaf);
  const l1 = hexToBytes(b5.leaves[1]!.leaf);
  const innerNode = bytesToHex(hashPair(l0, l1));
  return [
    {
      name: "batch-6-seq-in-range",
      reason: "seq 20 in batch 6 (seqs 20–21 on chain): a valid claim, the control for the next case",
      batch: claimOf(b6),
      record: inRange,
      leaf: b6.leaves[0]!.leaf,
      proof: b6.leaves[0]!.proof,
      expected: { proofPath: true, outcome: "accepted" },
    },
    {
      name: "seq-outside-batch-range",
      reason:
        "seq 27 has a valid Merkle path into batch 6, but batch 6 covers seqs 20–21 on chain: the range rule firstSeq ≤ seq < firstSeq + leafCount refuses it",
      batch: claimOf(b6),
      record: outOfRange,
      leaf: b6.leaves[1]!.leaf,
      proof: b6.leaves[1]!.proof,
      expected: { proofPath: true, outcome: "refused" },
    },
    {
      name: "inner-node-as-leaf",
      reason:
        "the second-preimage trap: the inner node over seqs 12 and 13 of batch 5 with the shortened proof of seq 12 passes every leaf-only check. Accepted here on purpose: it is why verifiers compute the leaf from a record (verifyRecord, verifyBundle) and never trust a leaf they did not compute; no record hashes to this node, as a leaf is a double hash",
      batch: claimOf(b5),
      leaf: innerNode,
      proof: b5.leaves[0]!.proof.slice(1),
      expected: { proofPath: true, outcome: "accepted" },
    },
  ];
}

export function brokenVectors(valid: VectorBatch[]) {
  const b4 = valid[3]!; // 5 leaves, seqs 7–11
  const b5 = valid[4]!; // 8 leaves, seqs 12–19
  const six = batchSix(valid);
  const cases = [...tamperedClaimCases(b4, b5), ...rangeAndTrapCases(b5, six)];
  return {
    format: VECTORS_FORMAT,
    description:
      "Claims that a leaf or record is in an anchored batch. Anchor the batches of valid.json (1-5), then extraBatches (6), in order. A full verification computes the leaf from `record` when present, checks that the proof leads from it to batch.root, that firstSeq <= record.seq < firstSeq + leafCount, and that the registry's batch(id) has this root, firstSeq and leafCount. expected.proofPath is the Merkle path check alone.",
    extraBatches: [six.b6],
    cases,
  };
}

export function refusedRecordVectors() {
  const base = validBatches()[0]!.leaves[0]!.record;
  const hashable = (record: RecordV1): Hex | null => {
    try {
      return leafHash(record);
    } catch {
      return null;
    }
  };
  const make = (
    name: string,
    reason: string,
    change: Record<string, unknown>,
    problems: { field: string; code: FieldProblemCode }[],
    from: RecordV1 = base,
  ): RefusedRecordCase => {
    const record = { ...from, ...change } as RecordV1;
    return { name, reason, record: { ...record }, leaf: hashable(record), expected: { problems } };
  };
  const cases: RefusedRecordCase[] = [
    make(
      "memo-not-nfc",
      'memo "Cafe\\u0301" (NFD): it hashes, but validation refuses it; verifiers never normalise',
      { memo: "Cafe\u0301" },
      [{ field: "memo", code: "STRING_NOT_NFC" }],
    ),
    make(
      "counterparty-not-nfc",
      'counterparty "\\u212b" (the Angstrom sign, whose NFC is \\u00c5)',
      { counterparty: "\u212b ngström" },
      [{ field: "counterparty", code: "STRING_NOT_NFC" }],
    ),
    make(
      "reference-control-char",
      "reference with a BEL (\\u0007) control character",
      { reference: "order\u0007 17" },
      [{ field: "reference", code: "STRING_CONTROL_CHAR" }],
    ),
    make("amount-exponent", 'amount "1e18": exponents are refused', { amount: "1e18" }, [
      { field: "amount", code: "DECIMAL_SYNTAX" },
    ]),
    make("amount-sign", 'amount "-1": signs are refused', { amount: "-1" }, [
      { field: "amount", code: "DECIMAL_SYNTAX" },
    ]),
    make("amount-leading-dot", 'amount ".5": a leading dot is refused', { amount: ".5" }, [
      { field: "amount", code: "DECIMAL_SYNTAX" },
    ]),
    make("amount-trailing-dot", 'amount "5.": a trailing dot is refused', { amount: "5." }, [
      { field: "amount", code: "DECIMAL_SYNTAX" },
    ]),
    make("amount-leading-zero", 'amount "007": leading zeros are refused', { amount: "007" }, [
      { field: "amount", code: "DECIMAL_LEADING_ZERO" },
    ]),
    make("amount-too-precise", "amount with 19 decimals: at most 18", { amount: "0.0000000000000000001" }, [
      { field: "amount", code: "DECIMAL_TOO_PRECISE" },
    ]),
    make(
      "amount-overflow",
      "amount one unit (10^-18) past (2^256 - 1) / 10^18",
      { amount: "115792089237316195423570985008687907853269984665640564039457.584007913129639936" },
      [{ field: "amount", code: "DECIMAL_OVERFLOW" }],
    ),
    make("value-usd-too-precise", 'valueUsd "1.005": at most 2 decimals (cents)', { valueUsd: "1.005" }, [
      { field: "valueUsd", code: "DECIMAL_TOO_PRECISE" },
    ]),
    make("value-usd-space", 'valueUsd "1 000": spaces are refused', { valueUsd: "1 000" }, [
      { field: "valueUsd", code: "DECIMAL_SYNTAX" },
    ]),
    ...refusedReconciliationCases(make),
    ...refusedBitcoinCases(make, vectorRecord(13)),
  ];
  return {
    format: VECTORS_FORMAT,
    description:
      "Records that validation refuses. `leaf` is what the record would hash to when the encoder can encode it (every verifier computes the same leaf: a valid hash of an invalid record), or null when it cannot be encoded at all. expected.problems lists validateRecord's problems.",
    cases,
  };
}

type MakeCase = (
  name: string,
  reason: string,
  change: Record<string, unknown>,
  problems: { field: string; code: FieldProblemCode }[],
  from?: RecordV1,
) => RefusedRecordCase;

/** Kind 11 and the movement and snapshot references spelt wrongly: each refused with its field's code. */
function refusedReconciliationCases(make: MakeCase): RefusedRecordCase[] {
  const declared = vectorRecord(12);
  const account = VECTOR_ACCOUNT.toLowerCase();
  return [
    make(
      "wallet-account-not-checksummed",
      "a WALLET_DECLARED counterparty in lowercase: one spelling per account (EIP-55)",
      { counterparty: account },
      [{ field: "counterparty", code: "CAIP_ADDRESS_CHECKSUM" }],
      declared,
    ),
    make(
      "wallet-reference-without-block",
      "a WALLET_DECLARED reference without @<block>",
      { reference: VECTOR_TOKEN },
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
      declared,
    ),
    make(
      "wallet-other-chain",
      "the account is on eip155:56 but the asset on eip155:1",
      { reference: "eip155:1/slip44:60@100" },
      [{ field: "reference", code: "REFERENCE_CHAIN_MISMATCH" }],
      declared,
    ),
    make(
      "wallet-memo-not-signature",
      "a WALLET_DECLARED memo that is not 0x + hex bytes (a control signature)",
      { memo: "signed on paper" },
      [{ field: "memo", code: "CONTROL_SIGNATURE_FORMAT" }],
      declared,
    ),
    make(
      "movement-short-hash",
      "a movement reference whose transaction hash is not 32 bytes",
      { reference: "eip155:56/tx/0x1234" },
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
    ),
    make(
      "movement-unsupported-chain",
      "a movement on a chain namespace without an adapter (cosmos)",
      { reference: `cosmos:cosmoshub-4/tx/0x${"ab".repeat(32)}` },
      [{ field: "reference", code: "CAIP_NAMESPACE_UNSUPPORTED" }],
    ),
    make(
      "valuation-snapshot-bad-block",
      "a VALUATION snapshot whose block is not a decimal number",
      { kind: "VALUATION", counterparty: VECTOR_ACCOUNT, reference: "eip155:56/slip44:714@0x10" },
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
    ),
  ];
}

export function generateVectors(): Record<string, unknown> {
  const batches = validBatches();
  return {
    "valid.json": {
      format: VECTORS_FORMAT,
      description:
        "Valid records in batches of 1, 2, 3, 5 and 8 leaves (ids 1-5, seqs 1-19): each record's ABI encoding (abi.encode of LEAF_ABI_TYPES), innerHash = keccak256(abi), leaf = keccak256(innerHash), and its proof; each batch's root and the registry's head after anchoring it.",
      leafAbiTypes: [...LEAF_ABI_TYPES],
      batches,
    },
    "broken.json": brokenVectors(batches),
    "refused-records.json": refusedRecordVectors(),
  };
}

async function main(): Promise<void> {
  // Formatted as prettier formats the repository's JSON, so `npm run lint` stays clean.
  const prettier = await import("prettier");
  for (const [name, content] of Object.entries(generateVectors())) {
    const path = join(VECTORS_DIR, name);
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(JSON.stringify(content), { ...options, parser: "json" }));
    console.log(`wrote ${path}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
