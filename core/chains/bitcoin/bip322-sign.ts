/**
 * Making BIP-322 simple signatures (core/chains/bitcoin/bip322.ts's preimages) for the demo and the tests: P2WPKH,
 * P2TR key path and P2WSH multisig (several keys sign the same hash). Not used by any verifier.
 */
import { schnorr, secp256k1 } from "@noble/curves/secp256k1";
import { concatBytes } from "@noble/hashes/utils";
import { p2ms, p2tr, p2wpkh, p2wsh } from "@scure/btc-signer";
import { bytesToHex, compareBytes, hexToBytes } from "../../protocol/bytes";
import { parseMultisig, taggedHash, toSignSighashV0, toSignSighashV1, toSpendTxid } from "./bip322";
import { scureNetwork, type BitcoinNetwork } from "./networks";
import { encodeWitness } from "./witness";

const ecdsaSig = (sighash: Uint8Array, key: Uint8Array) =>
  concatBytes(secp256k1.sign(sighash, key, { prehash: false, lowS: true }).toBytes("der"), Uint8Array.of(0x01));

export function signBip322P2wpkh(key: Uint8Array, message: string): string {
  const pubkey = secp256k1.getPublicKey(key, true);
  const script = p2wpkh(pubkey).script;
  const scriptCode = concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), script.slice(2), Uint8Array.of(0x88, 0xac));
  const sighash = toSignSighashV0(toSpendTxid(message, script), scriptCode);
  return encodeWitness([ecdsaSig(sighash, key), pubkey]);
}

/** The key-path signature of a P2TR address with no script tree (BIP-86 tweak of the internal key). */
export function signBip322P2tr(key: Uint8Array, message: string): string {
  const internal = schnorr.getPublicKey(key);
  const script = p2tr(internal).script;
  const sighash = toSignSighashV1(toSpendTxid(message, script), script, 0);
  return encodeWitness([schnorr.sign(sighash, tweakedKey(key, internal))]);
}

/** BIP-341's key-path tweak: d' = d (negated for an odd Y) + H_TapTweak(P). */
function tweakedKey(key: Uint8Array, internal: Uint8Array): Uint8Array {
  const n = secp256k1.Point.CURVE().n;
  const point = secp256k1.Point.fromBytes(secp256k1.getPublicKey(key, true));
  let d = BigInt(bytesToHex(key));
  if (!point.hasEvenY()) d = n - d;
  const t = BigInt(bytesToHex(taggedHash("TapTweak", internal)));
  return hexToBytes(`0x${((d + t) % n).toString(16).padStart(64, "0")}`);
}

/** A multisig's witness: the empty dummy, the given keys' signatures (in the script's key order), the script. */
export function signBip322P2wsh(
  keys: Uint8Array[],
  witnessScript: Uint8Array,
  scriptPubKey: Uint8Array,
  message: string,
): string {
  const sighash = toSignSighashV0(toSpendTxid(message, scriptPubKey), witnessScript);
  return encodeWitness([new Uint8Array(0), ...keys.map((k) => ecdsaSig(sighash, k)), witnessScript]);
}

/** A `sortedmulti(m, keys)` P2WSH account: its witness script, scriptPubKey and address on `network`. */
export function sortedMultisig(m: number, publicKeys: Uint8Array[], network: BitcoinNetwork) {
  const payment = p2wsh(p2ms(m, [...publicKeys].sort(compareBytes)), scureNetwork(network));
  return { witnessScript: payment.witnessScript!, script: payment.script, address: payment.address! };
}

/** A 2-of-3 declaration's memo: the given keys sign (in the witness script's key order, as CHECKMULTISIG needs). */
export function signBip322Multisig(
  keys: Uint8Array[],
  account: { witnessScript: Uint8Array; script: Uint8Array },
  message: string,
): string {
  const multisig = parseMultisig(account.witnessScript)!;
  const position = (k: Uint8Array) =>
    multisig.keys.findIndex((pk) => compareBytes(pk, secp256k1.getPublicKey(k, true)) === 0);
  const ordered = [...keys].sort((a, b) => position(a) - position(b));
  return signBip322P2wsh(ordered, account.witnessScript, account.script, message);
}
