/**
 * Receipts: the server's signed promise, given at acceptance, that a record will be anchored.
 *
 * digest = keccak256(abi.encode(string "aiqyn-receipt/1", uint256 chainId, address registry, uint64 seq,
 *                               bytes32 leaf, uint64 publishedAt))
 * Layout of that encoding: six head words (the string's offset 0xc0, chainId, the registry address
 * right-aligned, seq, leaf, publishedAt), then the string's tail (length 15, its bytes zero-padded to 32).
 * The signature is an EIP-191 personal signature of the 32 digest bytes, i.e. over
 * keccak256("\x19Ethereum Signed Message:\n32" ‖ digest), as ethers' `wallet.signMessage(getBytes(digest))`
 * makes it: 65 bytes r ‖ s ‖ v with v ∈ {27, 28}.
 */
import { bytesToHex, hexToBytes, uintWordBytes, utf8Bytes, type Hex } from "./bytes";
import { AiqynError } from "./errors";
import { keccak256, type Keccak } from "./keccak";
import { recoverPublicKey } from "./secp256k1";
import { isAddress } from "./trust";

export const RECEIPT_DOMAIN = "aiqyn-receipt/1";

export interface Receipt {
  seq: number;
  leaf: Hex;
  publishedAt: number;
  /** The signing address (EIP-55 or lowercase). */
  signer: string;
  /** 65-byte signature as 0x-hex. */
  signature: Hex;
}

function uintWord(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new AiqynError("INVALID_RECEIPT", "integer out of range");
  return uintWordBytes(value);
}

function addressBytes(address: string): Uint8Array {
  if (!isAddress(address)) throw new AiqynError("INVALID_ADDRESS", "expected a 20-byte 0x address");
  return hexToBytes(address);
}

export function receiptDigest(
  chainId: number | bigint,
  registry: string,
  seq: number,
  leaf: Hex,
  publishedAt: number,
  keccak: Keccak = keccak256,
): Hex {
  const domain = utf8Bytes(RECEIPT_DOMAIN);
  const out = new Uint8Array(6 * 32 + 32 + 32);
  out.set(uintWord(6n * 32n), 0);
  out.set(uintWord(BigInt(chainId)), 32);
  out.set(addressBytes(registry), 2 * 32 + 12);
  out.set(uintWord(BigInt(seq)), 3 * 32);
  out.set(hexToBytes(leaf), 4 * 32);
  out.set(uintWord(BigInt(publishedAt)), 5 * 32);
  out.set(uintWord(BigInt(domain.length)), 6 * 32);
  out.set(domain, 7 * 32);
  return bytesToHex(keccak(out));
}

/** keccak256("\x19Ethereum Signed Message:\n32" ‖ digest): what an EIP-191 personal signature signs. */
export function personalMessageHash(digest: Hex, keccak: Keccak = keccak256): Uint8Array {
  const prefix = utf8Bytes("\x19Ethereum Signed Message:\n32");
  const buf = new Uint8Array(prefix.length + 32);
  buf.set(prefix, 0);
  buf.set(hexToBytes(digest), prefix.length);
  return keccak(buf);
}

/**
 * keccak256("\x19Ethereum Signed Message:\n" ‖ decimal byte length ‖ message): what personal_sign signs for a
 * message of any length (ethers' `hashMessage`, a hardware wallet's "sign message").
 */
export function personalMessageHashOf(message: Uint8Array, keccak: Keccak = keccak256): Uint8Array {
  const prefix = utf8Bytes(`\x19Ethereum Signed Message:\n${message.length}`);
  const buf = new Uint8Array(prefix.length + message.length);
  buf.set(prefix, 0);
  buf.set(message, prefix.length);
  return keccak(buf);
}

/** The lowercase address whose key made the 65-byte `signature` (r ‖ s ‖ v) over `hash`; throws when malformed. */
export function recoverAddress(hash: Uint8Array, signature: Hex): string {
  const sig = hexToBytes(signature);
  if (sig.length !== 65) throw new AiqynError("INVALID_SIGNATURE", "a signature is 65 bytes");
  const v = sig[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new AiqynError("INVALID_SIGNATURE", "signature v must be 27 or 28");
  try {
    const publicKey = recoverPublicKey(hash, sig.slice(0, 64), recovery);
    return bytesToHex(keccak256(publicKey).slice(12));
  } catch (cause) {
    throw new AiqynError("INVALID_SIGNATURE", "the signature does not recover to a key", { cause });
  }
}

/** The address whose key made `signature` over the personal-message hash of `digest`; throws when malformed. */
export function recoverSigner(digest: Hex, signature: Hex): string {
  return recoverAddress(personalMessageHash(digest), signature);
}

/** True when the receipt's signature was made by `receipt.signer` over its own fields. */
export function receiptSignatureValid(receipt: Receipt, chainId: number | bigint, registry: string): boolean {
  try {
    const digest = receiptDigest(chainId, registry, receipt.seq, receipt.leaf, receipt.publishedAt);
    return recoverSigner(digest, receipt.signature) === receipt.signer.toLowerCase();
  } catch {
    return false;
  }
}
