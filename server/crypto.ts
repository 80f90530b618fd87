/**
 * The server's fast primitives: Keccak-256 through WebAssembly (hash-wasm) and receipt signing with
 * @noble/curves. Both plug into core's definitions (core's Keccak type, core's receiptDigest and
 * personalMessageHash) and are checked against core before use, so nothing here defines a hash of its own.
 */
import { createKeccak } from "hash-wasm";
import { secp256k1 } from "@noble/curves/secp256k1";
import { computeAddress, getBytes } from "ethers";
import {
  AiqynError,
  bytesToHex,
  keccak256,
  personalMessageHash,
  receiptDigest,
  recoverSigner,
  type Hex,
  type Keccak,
} from "../core";

/** A Keccak-256 running in WebAssembly, checked against core's on a few inputs. */
export async function createFastKeccak(): Promise<Keccak> {
  const hasher = await createKeccak(256);
  const fast: Keccak = (data) => {
    hasher.init();
    hasher.update(data);
    return hasher.digest("binary");
  };
  for (const size of [0, 1, 32, 64, 135, 136, 137, 416, 1000]) {
    const input = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
    if (bytesToHex(fast(input)) !== bytesToHex(keccak256(input))) {
      throw new AiqynError("INVARIANT_VIOLATED", `the WebAssembly keccak differs from core's on ${size} bytes`);
    }
  }
  return fast;
}

export interface ReceiptSigner {
  readonly address: string;
  sign(seq: number, leaf: Hex, publishedAt: number): Hex;
}

/**
 * Signs receipts as ethers' `wallet.signMessage(getBytes(digest))` would (EIP-191, RFC 6979, low s), about
 * ten times faster. The first signature is checked with core's recoverSigner.
 */
export function createReceiptSigner(privateKey: string, chainId: number, registry: string): ReceiptSigner {
  const key = getBytes(privateKey);
  const address = computeAddress(privateKey);
  const sign = (seq: number, leaf: Hex, publishedAt: number): Hex => {
    const digest = receiptDigest(chainId, registry, seq, leaf, publishedAt);
    const sig = secp256k1.sign(personalMessageHash(digest), key);
    const out = new Uint8Array(65);
    out.set(sig.toCompactRawBytes(), 0);
    out[64] = 27 + sig.recovery;
    return bytesToHex(out);
  };
  const probeLeaf = bytesToHex(keccak256(new Uint8Array([1])));
  const probe = sign(1, probeLeaf, 1);
  if (recoverSigner(receiptDigest(chainId, registry, 1, probeLeaf, 1), probe) !== address.toLowerCase()) {
    throw new AiqynError("INVARIANT_VIOLATED", "receipt signatures do not recover to the anchorer's address");
  }
  return { address, sign };
}
