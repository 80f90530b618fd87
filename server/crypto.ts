/**
 * The server's fast primitives: Keccak-256 through WebAssembly (hash-wasm) and receipt signing with
 * libsecp256k1 (the `secp256k1` N-API binding; @noble/curves when the binding does not load). Both plug into
 * core's definitions (core's Keccak type, core's receiptDigest and personalMessageHash) and are checked
 * against core before use, so nothing here defines a hash of its own.
 *
 * Measured (npm run bench, docs/PERFORMANCE.md): hash-wasm beats the `keccak` N-API binding on 64- and
 * 450-byte inputs (the N-API call costs more than the hashing); libsecp256k1 signs about 7× faster than
 * @noble/curves, and signing is the largest cost of accepting a record.
 */
import { wasmKeccak } from "../core/protocol/wasm-keccak";
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

/** A Keccak-256 running in WebAssembly, checked against core's (core/protocol/wasm-keccak.ts); else core's own. */
export async function createFastKeccak(): Promise<Keccak> {
  return (await wasmKeccak()) ?? keccak256;
}

export interface ReceiptSigner {
  readonly address: string;
  sign(seq: number, leaf: Hex, publishedAt: number): Hex;
}

/** A 32-byte hash → 64-byte compact signature + recovery bit (RFC 6979 nonces, low s). */
type RawSign = (hash: Uint8Array, key: Uint8Array) => { compact: Uint8Array; recovery: number };

const nobleSign: RawSign = (hash, key) => {
  const sig = secp256k1.sign(hash, key);
  return { compact: sig.toCompactRawBytes(), recovery: sig.recovery };
};

/** libsecp256k1 through N-API, or null when the binding is not built here. */
function nativeSign(): RawSign | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("secp256k1/bindings") as {
      ecdsaSign(hash: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
    };
    return (hash, key) => {
      const { signature, recid } = lib.ecdsaSign(hash, key);
      return { compact: signature, recovery: recid };
    };
  } catch {
    return null;
  }
}

export interface ReceiptSignerOptions {
  /** Force @noble/curves (tests compare both). */
  implementation?: "native" | "noble";
  /** The Keccak for the digest (the server passes its fast one; the probe below checks it against core's). */
  keccak?: Keccak;
}

/**
 * Signs receipts as ethers' `wallet.signMessage(getBytes(digest))` would (EIP-191, RFC 6979, low s). Both
 * implementations give the same bytes (deterministic nonces): a probe signature must equal @noble/curves'
 * (what ethers uses) and recover, with core's recoverSigner, to the anchorer's address.
 */
export function createReceiptSigner(
  privateKey: string,
  chainId: number,
  registry: string,
  options: ReceiptSignerOptions = {},
): ReceiptSigner & { implementation: "native" | "noble" } {
  const key = getBytes(privateKey);
  const address = computeAddress(privateKey);
  const native = options.implementation === "noble" ? null : nativeSign();
  const hash = options.keccak ?? keccak256;
  const make =
    (raw: RawSign) =>
    (seq: number, leaf: Hex, publishedAt: number): Hex => {
      const digest = receiptDigest(chainId, registry, seq, leaf, publishedAt, hash);
      const { compact, recovery } = raw(personalMessageHash(digest, hash), key);
      const out = new Uint8Array(65);
      out.set(compact, 0);
      out[64] = 27 + recovery;
      return bytesToHex(out);
    };
  const reference = make(nobleSign);
  let sign = native ? make(native) : reference;
  const probeLeaf = bytesToHex(keccak256(new Uint8Array([1])));
  if (native && sign(7, probeLeaf, 1_700_000_000) !== reference(7, probeLeaf, 1_700_000_000)) sign = reference;
  const probe = sign(1, probeLeaf, 1);
  if (recoverSigner(receiptDigest(chainId, registry, 1, probeLeaf, 1), probe) !== address.toLowerCase()) {
    throw new AiqynError("INVARIANT_VIOLATED", "receipt signatures do not recover to the anchorer's address");
  }
  return { address, sign, implementation: sign === reference ? "noble" : "native" };
}
