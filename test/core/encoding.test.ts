import { expect } from "chai";
import { AbiCoder, getBytes, hexlify, keccak256 as ethersKeccak } from "ethers";
import fc from "fast-check";
import {
  AiqynError,
  bytesToHex,
  encodeRecord,
  innerHash,
  keccak256,
  LEAF_ABI_TYPES,
  leafAbiValues,
  leafBytes,
  leafHash,
  RECORD_KINDS,
  type RecordV1,
} from "../../core";
import { recordArb, sampleRecord } from "./fixtures";

const abi = AbiCoder.defaultAbiCoder();
const ethersEncode = (r: RecordV1) => abi.encode([...LEAF_ABI_TYPES], leafAbiValues(r));

function expectInvalid(fn: () => unknown, field: string) {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(AiqynError);
    expect((error as AiqynError).code).to.equal("INVALID_RECORD");
    expect((error as AiqynError).details).to.deep.include({ field });
    return;
  }
  expect.fail(`expected INVALID_RECORD for ${field}`);
}

describe("core/protocol/encoding", () => {
  it("leafAbiValues: version 1, kind code, scaled decimals, lowercase documentHash, in LEAF_ABI_TYPES order", () => {
    const r = sampleRecord({ kind: "GRANT", amount: "1.5", valueUsd: "2.25", documentHash: `0x${"AB".repeat(32)}` });
    expect(leafAbiValues(r)).to.deep.equal([
      1,
      17n,
      RECORD_KINDS.GRANT,
      1_761_955_200n,
      1_761_955_300n,
      "ministry-of-finance",
      "BTC",
      15n * 10n ** 17n,
      225n,
      "Binance",
      "court order 2-17/2025",
      `0x${"ab".repeat(32)}`,
      "",
      0n,
    ]);
    expect(LEAF_ABI_TYPES).to.have.length(14);
  });

  it("encodeRecord equals ethers AbiCoder.encode(LEAF_ABI_TYPES, leafAbiValues(r)) on random records", () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(bytesToHex(encodeRecord(r))).to.equal(ethersEncode(r));
      }),
      { numRuns: 400 },
    );
  });

  it("leafHash = keccak256(keccak256(encoding)) and innerHash = keccak256(encoding), as ethers computes them", () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const encoded = ethersEncode(r);
        expect(bytesToHex(innerHash(r))).to.equal(ethersKeccak(encoded));
        expect(leafHash(r)).to.equal(ethersKeccak(ethersKeccak(encoded)));
        expect(bytesToHex(leafBytes(r))).to.equal(leafHash(r));
      }),
      { numRuns: 150 },
    );
  });

  it("handles the edges: empty strings, maximum lengths in 4-byte UTF-8, string lengths at 31/32/33 bytes, max values", () => {
    const edges: RecordV1[] = [
      sampleRecord({ counterparty: "", reference: "", memo: "" }),
      sampleRecord({ memo: "😀".repeat(1000), counterparty: "𝄞".repeat(200), reference: "Қ".repeat(200) }),
      sampleRecord({ memo: "a".repeat(31), counterparty: "a".repeat(32), reference: "a".repeat(33) }),
      sampleRecord({ memo: "é".repeat(16), counterparty: "东".repeat(11) }), // 32 and 33 bytes
      sampleRecord({
        seq: Number.MAX_SAFE_INTEGER,
        occurredAt: Number.MAX_SAFE_INTEGER,
        publishedAt: Number.MAX_SAFE_INTEGER,
        corrects: Number.MAX_SAFE_INTEGER - 1,
        amount: "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
        valueUsd: "1157920892373161954235709850086879078532699846656405640394575840079131296399.35",
        documentHash: `0x${"ff".repeat(32)}`,
        asset: "0123456789ABCDEF",
        publisher: "z".repeat(64),
      }),
      sampleRecord({ kind: "VALUATION", amount: "0", valueUsd: "0", occurredAt: 0, publishedAt: 0, seq: 1 }),
    ];
    for (const r of edges) {
      expect(bytesToHex(encodeRecord(r))).to.equal(ethersEncode(r));
      expect(leafHash(r)).to.equal(ethersKeccak(ethersKeccak(ethersEncode(r))));
    }
  });

  it("the layout: 14 head words, offsets to tails, each tail a length word and the bytes padded to 32", () => {
    const r = sampleRecord({ memo: "x".repeat(33) });
    const bytes = encodeRecord(r);
    const word = (i: number) => BigInt(hexlify(bytes.slice(i * 32, i * 32 + 32)));
    expect(word(0)).to.equal(1n);
    expect(word(5)).to.equal(14n * 32n); // publisher's tail starts right after the head
    // publisher (19 bytes) takes 2 words, asset 2, counterparty 2, reference 2, memo (33 bytes) 3.
    expect(bytes.length).to.equal(14 * 32 + 2 * 32 * 4 + 3 * 32);
    const memoOffset = Number(word(12));
    expect(Number(BigInt(hexlify(bytes.slice(memoOffset, memoOffset + 32))))).to.equal(33);
    expect(bytes.slice(memoOffset + 32 + 33).every((b) => b === 0)).to.equal(true);
  });

  it("trailing zeros in a decimal do not change the leaf; the documentHash case does not either", () => {
    expect(leafHash(sampleRecord({ amount: "1.5" }))).to.equal(leafHash(sampleRecord({ amount: "1.500" })));
    expect(leafHash(sampleRecord({ documentHash: `0x${"ab".repeat(32)}` }))).to.equal(
      leafHash(sampleRecord({ documentHash: `0x${"AB".repeat(32)}` })),
    );
  });

  it("every field changes the leaf", () => {
    const base = sampleRecord();
    const changes: Partial<RecordV1>[] = [
      { seq: 18 },
      { kind: "INFLOW_MINING" },
      { occurredAt: base.occurredAt + 1 },
      { publishedAt: base.publishedAt + 1 },
      { publisher: "ministry-of-financf" },
      { asset: "BTD" },
      { amount: "12.500000000000000001" },
      { valueUsd: "1375000.01" },
      { counterparty: "Binancf" },
      { reference: "court order 2-18/2025" },
      { documentHash: `0x${"00".repeat(32)}` },
      { memo: " " },
      { corrects: 1 },
    ];
    const leaves = new Set([leafHash(base), ...changes.map((c) => leafHash({ ...base, ...c }))]);
    expect(leaves.size).to.equal(changes.length + 1);
  });

  it("a string is hashed as its exact bytes: NFC and NFD spellings give different leaves", () => {
    expect(leafHash(sampleRecord({ memo: "Café" }))).to.not.equal(leafHash(sampleRecord({ memo: "Cafe\u0301" })));
  });

  it("refuses to encode what cannot be encoded, with INVALID_RECORD and the field", () => {
    expectInvalid(() => encodeRecord(sampleRecord({ amount: "1e3" })), "amount");
    expectInvalid(() => encodeRecord(sampleRecord({ valueUsd: "0.001" })), "valueUsd");
    expectInvalid(() => encodeRecord(sampleRecord({ seq: -1 })), "seq");
    expectInvalid(() => encodeRecord(sampleRecord({ occurredAt: 2 ** 53 })), "occurredAt");
    expectInvalid(() => encodeRecord(sampleRecord({ corrects: 1.5 })), "corrects");
    expectInvalid(() => encodeRecord(sampleRecord({ documentHash: "0x1234" })), "documentHash");
    expectInvalid(() => leafAbiValues(sampleRecord({ amount: "-1" })), "amount");
  });

  it("an injected keccak is used for both hashes", () => {
    const calls: number[] = [];
    const counting = (data: Uint8Array) => {
      calls.push(data.length);
      return keccak256(data);
    };
    expect(leafHash(sampleRecord(), counting)).to.equal(leafHash(sampleRecord()));
    expect(calls).to.deep.equal([encodeRecord(sampleRecord()).length, 32]);
    expect(getBytes(leafHash(sampleRecord()))).to.have.length(32);
  });
});
