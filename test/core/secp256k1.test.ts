// core/protocol/secp256k1.ts against @noble/curves: the same key for every signature noble recovers from, an
// error wherever noble throws (no key it would refuse), and the receipt check's signers as ethers signs them.
import { secp256k1 } from "@noble/curves/secp256k1";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { ethers } from "ethers";
import { recoverPublicKey } from "../../core/protocol/secp256k1";
import { personalMessageHash, receiptDigest, recoverSigner } from "../../core/protocol/receipt";

const N = secp256k1.CURVE.n;
const P = secp256k1.CURVE.Fp.ORDER;
const word = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");

/** noble's recovered key (x ‖ y), or "throws". */
function noble(hash: Uint8Array, compact: Uint8Array, recovery: number): string {
  try {
    const point = secp256k1.Signature.fromCompact(compact).addRecoveryBit(recovery).recoverPublicKey(hash);
    return Buffer.from(point.toRawBytes(false).slice(1)).toString("hex");
  } catch {
    return "throws";
  }
}
function ours(hash: Uint8Array, compact: Uint8Array, recovery: number): string {
  try {
    return Buffer.from(recoverPublicKey(hash, compact, recovery)).toString("hex");
  } catch {
    return "throws";
  }
}

describe("core: secp256k1 public-key recovery", function () {
  it("recovers the signing key of real signatures, as noble does", function () {
    for (let i = 0; i < 40; i++) {
      const key = secp256k1.utils.randomPrivateKey();
      const hash = randomBytes(32);
      const sig = secp256k1.sign(hash, key);
      const expected = Buffer.from(secp256k1.getPublicKey(key, false).slice(1)).toString("hex");
      expect(ours(hash, sig.toCompactRawBytes(), sig.recovery)).to.equal(expected);
      // The other recovery id gives another key (or none), as noble says.
      const other = 1 - sig.recovery;
      expect(ours(hash, sig.toCompactRawBytes(), other)).to.equal(noble(hash, sig.toCompactRawBytes(), other));
      expect(ours(hash, sig.toCompactRawBytes(), other)).to.not.equal(expected);
    }
  });

  it("answers as noble for random and edge-case r, s and hashes, throwing where it throws", function () {
    const cases: [Uint8Array, bigint, bigint][] = [];
    for (let i = 0; i < 60; i++) cases.push([randomBytes(32), BigInt(`0x${randomBytes(32).toString("hex")}`), 1n]);
    for (let i = 0; i < 30; i++) {
      const r = BigInt(`0x${randomBytes(32).toString("hex")}`) % N;
      cases.push([randomBytes(32), r, BigInt(`0x${randomBytes(32).toString("hex")}`) % N]);
    }
    const edges = [0n, 1n, 2n, N - 1n, N, N + 1n, P - 1n, P, 2n ** 256n - 1n];
    for (const r of edges) for (const s of [0n, 1n, N - 1n, N]) cases.push([randomBytes(32), r, s]);
    // A hash of zero, of n and above (reduced mod n), and of all ones.
    for (const h of [0n, N, N + 5n, 2n ** 256n - 1n]) cases.push([word(h), 5n, 7n]);
    let recovered = 0;
    for (const [hash, r, s] of cases) {
      if (r >= 2n ** 256n || s >= 2n ** 256n) continue;
      const compact = Buffer.concat([word(r), word(s)]);
      for (const recovery of [0, 1]) {
        const answer = ours(hash, compact, recovery);
        expect(answer, `r ${r} s ${s} v ${recovery}`).to.equal(noble(hash, compact, recovery));
        if (answer !== "throws") recovered++;
      }
    }
    expect(recovered).to.be.greaterThan(50);
  });

  it("refuses recovery ids other than 0 and 1 and malformed lengths", function () {
    const compact = Buffer.concat([word(5n), word(7n)]);
    expect(() => recoverPublicKey(randomBytes(32), compact, 2)).to.throw();
    expect(() => recoverPublicKey(randomBytes(31), compact, 0)).to.throw();
    expect(() => recoverPublicKey(randomBytes(32), compact.subarray(1), 0)).to.throw();
  });

  it("names the ethers wallet that signed a receipt digest", async function () {
    const wallet = ethers.Wallet.createRandom();
    const digest = receiptDigest(
      31337,
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      7,
      `0x${"ab".repeat(32)}`,
      1761955300,
    );
    const signature = await wallet.signMessage(ethers.getBytes(digest));
    expect(recoverSigner(digest, signature as `0x${string}`)).to.equal(wallet.address.toLowerCase());
    expect(Buffer.from(personalMessageHash(digest)).toString("hex")).to.equal(
      ethers.hashMessage(ethers.getBytes(digest)).slice(2),
    );
  });
});
