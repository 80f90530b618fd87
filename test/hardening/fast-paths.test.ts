// The speed-ups must not change a single byte: core's encoder (limb arithmetic for decimals, a reused buffer,
// ASCII written directly) against ethers' AbiCoder on hostile decimals and strings; the level-array tree's packed
// proofs against its hex proofs and merkletreejs; the server's computeBatch against core; both receipt signers
// against ethers' signMessage.
import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, Wallet, getBytes, keccak256 as ethersKeccak } from "ethers";
import {
  AiqynError,
  LEAF_ABI_TYPES,
  bytesToHex,
  encodeRecord,
  leafAbiValues,
  leafHash,
  parseDecimal,
  receiptDigest,
  type RecordV1,
} from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { createFastKeccak, createReceiptSigner } from "../../server/crypto";
import { computeBatch } from "../../server/anchoring/seal";
import { seededRecords } from "../core/fixtures";

const abi = AbiCoder.defaultAbiCoder();
const base: RecordV1 = seededRecords(5, 1, 1)[0]!;

/** Decimal-looking text: digits, dots, leading zeros, long runs, occasional junk. */
const decimalText = fc.oneof(
  fc.stringMatching(/^[0-9]{1,40}(\.[0-9]{1,20})?$/),
  fc.stringMatching(/^0*[0-9]{0,3}\.?[0-9]{0,3}$/),
  fc.stringMatching(/^[0-9]{55,80}$/),
  fc.constantFrom(
    "0",
    "00",
    "0.0",
    ".5",
    "5.",
    "1e5",
    "-1",
    " 1",
    "1..2",
    "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
    "115792089237316195423570985008687907853269984665640564039457.584007913129639936",
    "1157920892373161954235709850086879078532699846656405640394575840079131296399.35",
    "9".repeat(60),
    "9".repeat(61),
    `1.${"0".repeat(18)}`,
    `1.${"0".repeat(19)}`,
  ),
  fc.string({ maxLength: 30 }),
);

/** What encodeRecord must do: equal ethers on a valid decimal, refuse with INVALID_RECORD on anything else. */
function checkDecimal(field: "amount" | "valueUsd", scale: number, text: string): void {
  const record = { ...base, [field]: text };
  const parsed = parseDecimal(text, scale);
  if (parsed.ok) {
    expect(bytesToHex(encodeRecord(record)), text).to.equal(abi.encode([...LEAF_ABI_TYPES], leafAbiValues(record)));
  } else {
    let code = "";
    try {
      encodeRecord(record);
    } catch (e) {
      expect(e).to.be.instanceOf(AiqynError);
      code = (e as AiqynError).code;
    }
    expect(code, `${field} ${JSON.stringify(text)}`).to.equal("INVALID_RECORD");
  }
}

describe("hardening: fast paths give the reference bytes", function () {
  this.timeout(120_000);

  it("decimals: limb arithmetic equals ethers' uint256 encoding, refusals stay refusals", () => {
    fc.assert(
      fc.property(decimalText, decimalText, (amount, valueUsd) => {
        checkDecimal("amount", 18, amount);
        checkDecimal("valueUsd", 2, valueUsd);
      }),
      { numRuns: 3000, seed: 1 },
    );
  });

  it("strings: ASCII, multi-byte, astral and lone surrogates, long, interleaved with failures", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: "grapheme", maxLength: 100 }),
      fc.constantFrom("", "\ud800", "a\udc00b", "𝔸", "Қазақстан", "x".repeat(5000)),
    );
    fc.assert(
      fc.property(text, text, text, fc.boolean(), (counterparty, reference, memo, breakFirst) => {
        // A refused record just before must leave the reused buffer clean.
        if (breakFirst) expect(() => encodeRecord({ ...base, memo, documentHash: "0x12" })).to.throw(AiqynError);
        const record = { ...base, counterparty, reference, memo };
        // core hashes a string's UTF-8 as TextEncoder makes it (a lone surrogate becomes U+FFFD; the server
        // refuses such strings before any hashing); ethers throws or differs there, so it gets that string.
        const asEncoded = (t: string) => new TextDecoder().decode(new TextEncoder().encode(t));
        const reference_ = {
          ...record,
          counterparty: asEncoded(counterparty),
          reference: asEncoded(reference),
          memo: asEncoded(memo),
        };
        const expected = abi.encode([...LEAF_ABI_TYPES], leafAbiValues(reference_));
        expect(bytesToHex(encodeRecord(record))).to.equal(expected);
        expect(leafHash(record)).to.equal(ethersKeccak(ethersKeccak(expected)));
      }),
      { numRuns: 1500, seed: 2 },
    );
  });

  it("packed proofs equal the hex proofs; the root equals merkletreejs's (validate) at every size to 300", async () => {
    const keccak = await createFastKeccak();
    const records = seededRecords(9, 1, 300);
    for (let n = 1; n <= 300; n += n < 40 ? 1 : 13) {
      const batch = computeBatch(records.slice(0, n), keccak);
      const tree = buildBatchTree(
        records.slice(0, n).map((r) => leafHash(r)),
        { validate: true },
      );
      expect(batch.root).to.equal(tree.root);
      for (let i = 0; i < n; i++) {
        const packed = batch.proofs.data.subarray(batch.proofs.offsets[i]!, batch.proofs.offsets[i + 1]!);
        expect(bytesToHex(packed)).to.equal(
          `0x${tree
            .proof(i)
            .map((p) => p.slice(2))
            .join("")}`,
        );
        expect(bytesToHex(batch.leaves[i]!)).to.equal(leafHash(records[i]!));
      }
    }
  });

  it("both receipt signers give ethers' signMessage bytes", async () => {
    const wallet = Wallet.createRandom();
    const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const native = createReceiptSigner(wallet.privateKey, 31337, registry);
    const noble = createReceiptSigner(wallet.privateKey, 31337, registry, { implementation: "noble" });
    expect(noble.implementation).to.equal("noble");
    for (const [seq, leaf, at] of [
      [1, leafHash(base), 1_761_955_300],
      [2 ** 40, `0x${"ff".repeat(32)}`, 0],
      [77, `0x${"00".repeat(32)}`, 4_102_444_800],
    ] as const) {
      const expected = await wallet.signMessage(getBytes(receiptDigest(31337, registry, seq, leaf, at)));
      expect(native.sign(seq, leaf, at)).to.equal(expected);
      expect(noble.sign(seq, leaf, at)).to.equal(expected);
    }
  });
});
