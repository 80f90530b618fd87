import { expect } from "chai";
import { AbiCoder, getBytes, keccak256 as ethersKeccak, Signature, Wallet } from "ethers";
import fc from "fast-check";
import {
  AiqynError,
  leafHash,
  personalMessageHash,
  RECEIPT_DOMAIN,
  receiptDigest,
  receiptSignatureValid,
  recoverSigner,
  bytesToHex,
  type Hex,
  type Receipt,
} from "../../core";
import { sampleRecord } from "./fixtures";

const abi = AbiCoder.defaultAbiCoder();
const wallet = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const other = new Wallet("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const CHAIN = 31337;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function ethersDigest(
  chainId: bigint | number,
  registry: string,
  seq: number,
  leaf: string,
  publishedAt: number,
): string {
  return ethersKeccak(
    abi.encode(
      ["string", "uint256", "address", "uint64", "bytes32", "uint64"],
      [RECEIPT_DOMAIN, chainId, registry, seq, leaf, publishedAt],
    ),
  );
}

async function signedReceipt(signer: Wallet = wallet): Promise<Receipt> {
  const record = sampleRecord();
  const leaf = leafHash(record);
  const digest = receiptDigest(CHAIN, REGISTRY, record.seq, leaf, record.publishedAt);
  const signature = (await signer.signMessage(getBytes(digest))) as Hex;
  return { seq: record.seq, leaf, publishedAt: record.publishedAt, signer: signer.address, signature };
}

const flipBit = (hex: string, bit: number): Hex => {
  const bytes = getBytes(hex);
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytesToHex(bytes);
};

describe("core/protocol/receipt", () => {
  it("receiptDigest equals keccak256(AbiCoder.encode(string, uint256, address, uint64, bytes32, uint64)) for random inputs", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        (chainId, registry, seq, leaf, publishedAt) => {
          const reg = bytesToHex(registry);
          expect(receiptDigest(chainId, reg, seq, bytesToHex(leaf), publishedAt)).to.equal(
            ethersDigest(chainId, reg, seq, bytesToHex(leaf), publishedAt),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("accepts an EIP-55 or lowercase registry address alike", () => {
    const leaf = leafHash(sampleRecord());
    expect(receiptDigest(CHAIN, REGISTRY, 1, leaf, 2)).to.equal(
      receiptDigest(CHAIN, REGISTRY.toLowerCase(), 1, leaf, 2),
    );
  });

  it("personalMessageHash is EIP-191's hash of the 32 digest bytes (ethers hashMessage)", async () => {
    const { hashMessage } = await import("ethers");
    const digest = receiptDigest(CHAIN, REGISTRY, 5, leafHash(sampleRecord()), 7);
    expect(bytesToHex(personalMessageHash(digest))).to.equal(hashMessage(getBytes(digest)));
  });

  it("a real ethers Wallet.signMessage(getBytes(digest)) recovers to the wallet with recoverSigner", async () => {
    for (let seq = 1; seq <= 20; seq++) {
      const digest = receiptDigest(CHAIN, REGISTRY, seq, leafHash(sampleRecord({ seq })), 1_761_955_300 + seq);
      const signature = (await wallet.signMessage(getBytes(digest))) as Hex;
      expect(recoverSigner(digest, signature)).to.equal(wallet.address.toLowerCase());
    }
  });

  it("accepts v as 0/1 as well as 27/28 (the same signature)", async () => {
    const receipt = await signedReceipt();
    const sig = Signature.from(receipt.signature);
    const compactV = (sig.serialized.slice(0, 130) + (sig.v === 27 ? "00" : "01")) as Hex;
    const digest = receiptDigest(CHAIN, REGISTRY, receipt.seq, receipt.leaf, receipt.publishedAt);
    expect(recoverSigner(digest, compactV)).to.equal(wallet.address.toLowerCase());
  });

  it("receiptSignatureValid: true for the receipt as signed", async () => {
    const receipt = await signedReceipt();
    expect(receiptSignatureValid(receipt, CHAIN, REGISTRY)).to.equal(true);
    expect(receiptSignatureValid({ ...receipt, signer: receipt.signer.toLowerCase() }, CHAIN, REGISTRY)).to.equal(true);
  });

  it("receiptSignatureValid: false when any signed field, the chain, the registry, the signer or the signature is tampered with", async () => {
    const receipt = await signedReceipt();
    const tampered: [string, Receipt, number, string][] = [
      ["seq", { ...receipt, seq: receipt.seq + 1 }, CHAIN, REGISTRY],
      ["leaf", { ...receipt, leaf: flipBit(receipt.leaf, 0) }, CHAIN, REGISTRY],
      ["publishedAt", { ...receipt, publishedAt: receipt.publishedAt - 1 }, CHAIN, REGISTRY],
      ["signer", { ...receipt, signer: other.address }, CHAIN, REGISTRY],
      ["chainId", receipt, 1, REGISTRY],
      ["registry", receipt, CHAIN, "0x0000000000000000000000000000000000000001"],
      ["signature r", { ...receipt, signature: flipBit(receipt.signature, 100) }, CHAIN, REGISTRY],
      ["signature s", { ...receipt, signature: flipBit(receipt.signature, 300) }, CHAIN, REGISTRY],
      ["signature v", { ...receipt, signature: flipBit(receipt.signature, 64 * 8) }, CHAIN, REGISTRY],
      ["truncated signature", { ...receipt, signature: receipt.signature.slice(0, 130) as Hex }, CHAIN, REGISTRY],
      ["not hex", { ...receipt, signature: "0xzz" as Hex }, CHAIN, REGISTRY],
    ];
    for (const [what, r, chainId, registry] of tampered) {
      expect(receiptSignatureValid(r, chainId, registry), what).to.equal(false);
    }
  });

  it("a receipt signed by another key does not pass as the claimed signer's", async () => {
    const byOther = await signedReceipt(other);
    expect(receiptSignatureValid(byOther, CHAIN, REGISTRY)).to.equal(true);
    expect(receiptSignatureValid({ ...byOther, signer: wallet.address }, CHAIN, REGISTRY)).to.equal(false);
  });

  it("recoverSigner throws INVALID_SIGNATURE for a malformed signature", async () => {
    const receipt = await signedReceipt();
    const digest = receiptDigest(CHAIN, REGISTRY, receipt.seq, receipt.leaf, receipt.publishedAt);
    const bad = [
      receipt.signature.slice(0, 130),
      `${receipt.signature}00`,
      `${receipt.signature.slice(0, 130)}1d`, // v = 29
      `0x${"00".repeat(65)}`,
      `0x${"ff".repeat(64)}1b`, // r, s beyond the curve order
    ];
    for (const signature of bad) {
      try {
        recoverSigner(digest, signature as Hex);
        expect.fail(`accepted ${signature}`);
      } catch (e) {
        expect(e, signature).to.be.instanceOf(AiqynError);
        expect((e as AiqynError).code).to.equal("INVALID_SIGNATURE");
      }
    }
  });

  it("receiptDigest refuses a malformed registry address", () => {
    expect(() => receiptDigest(CHAIN, "0x1234", 1, leafHash(sampleRecord()), 1)).to.throw(AiqynError, /20-byte/);
  });
});
