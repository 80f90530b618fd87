/**
 * BIP-322 "simple" signatures (https://github.com/bitcoin/bips/blob/master/bip-0322.mediawiki), verified in core for
 * the address types a fund's treasury uses: P2WPKH, P2TR key path and P2WSH `multi`/`sortedmulti`. The memo holds
 * the witness stack (base64) that spends the virtual `to_spend` output paying the address; the witness must
 * satisfy that output's script in the virtual `to_sign` transaction, as a node would check it.
 *
 * Preimages (every hash double SHA-256 unless said):
 * - message hash = SHA256(SHA256("BIP0322-signed-message") ‖ SHA256("BIP0322-signed-message") ‖ message);
 * - to_spend = tx(version 0, locktime 0, in: 00…00:0xffffffff, scriptSig OP_0 PUSH32 <message hash>, sequence 0;
 *   out: value 0, scriptPubKey = the address's script); its txid is the hash of that serialisation;
 * - to_sign = tx(version 0, locktime 0, in: <to_spend txid>:0, sequence 0, witness = the memo; out: value 0,
 *   OP_RETURN); the witness is judged with the BIP-143 (v0) or BIP-341 (v1) signature hash of input 0, amount 0.
 */
import { schnorr, secp256k1 } from "@noble/curves/secp256k1";
import { ripemd160 } from "@noble/hashes/legacy";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes } from "@noble/hashes/utils";
import { bytesToHex, equalBytes, utf8Bytes } from "../../protocol/bytes";
import { decodeWitness, withLength } from "./witness";

export type Bip322Verdict = { ok: true } | { ok: false; reason: string };

const sha256d = (bytes: Uint8Array) => sha256(sha256(bytes));
const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
const ZERO8 = new Uint8Array(8);
const OP_RETURN_SCRIPT = Uint8Array.of(0x6a);
const SIGHASH_ALL = 0x01;

/** BIP-340's tagged hash: SHA256(SHA256(tag) ‖ SHA256(tag) ‖ data). */
export function taggedHash(tag: string, ...data: Uint8Array[]): Uint8Array {
  const t = sha256(utf8Bytes(tag));
  return sha256(concatBytes(t, t, ...data));
}

export const bip322MessageHash = (message: string): Uint8Array =>
  taggedHash("BIP0322-signed-message", utf8Bytes(message));

/** The txid (internal byte order) of the virtual to_spend transaction for `message` and `scriptPubKey`. */
export function toSpendTxid(message: string, scriptPubKey: Uint8Array): Uint8Array {
  const scriptSig = concatBytes(Uint8Array.of(0x00, 0x20), bip322MessageHash(message));
  const tx = concatBytes(
    u32(0), // version
    Uint8Array.of(1),
    new Uint8Array(32),
    u32(0xffffffff),
    withLength(scriptSig),
    u32(0),
    Uint8Array.of(1),
    ZERO8,
    withLength(scriptPubKey),
    u32(0), // locktime
  );
  return sha256d(tx);
}

const toSignOutputs = () => concatBytes(ZERO8, withLength(OP_RETURN_SCRIPT));

/** BIP-143 signature hash of to_sign's input 0 (amount 0) with SIGHASH_ALL. */
export function toSignSighashV0(toSpend: Uint8Array, scriptCode: Uint8Array): Uint8Array {
  const outpoint = concatBytes(toSpend, u32(0));
  const preimage = concatBytes(
    u32(0),
    sha256d(outpoint),
    sha256d(u32(0)),
    outpoint,
    withLength(scriptCode),
    ZERO8,
    u32(0),
    sha256d(toSignOutputs()),
    u32(0),
    u32(SIGHASH_ALL),
  );
  return sha256d(preimage);
}

/** BIP-341 key-path signature hash of to_sign's input 0 (amount 0), hash type 0x00 (default) or 0x01 (ALL). */
export function toSignSighashV1(toSpend: Uint8Array, scriptPubKey: Uint8Array, hashType: number): Uint8Array {
  const message = concatBytes(
    Uint8Array.of(hashType),
    u32(0), // version
    u32(0), // locktime
    sha256(concatBytes(toSpend, u32(0))), // sha_prevouts
    sha256(ZERO8), // sha_amounts
    sha256(withLength(scriptPubKey)), // sha_scriptpubkeys
    sha256(u32(0)), // sha_sequences
    sha256(toSignOutputs()), // sha_outputs
    Uint8Array.of(0), // spend_type: key path, no annex
    u32(0), // input index
  );
  return taggedHash("TapSighash", Uint8Array.of(0), message);
}

const hash160 = (bytes: Uint8Array) => ripemd160(sha256(bytes));
const p2pkhScriptCode = (keyHash: Uint8Array) =>
  concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), keyHash, Uint8Array.of(0x88, 0xac));

/** A DER ECDSA signature with SIGHASH_ALL over `sighash` by a compressed key, low S (segwit's standard rules). */
function ecdsaValid(sigWithType: Uint8Array, sighash: Uint8Array, pubkey: Uint8Array): boolean {
  if (sigWithType.length < 9 || sigWithType[sigWithType.length - 1] !== SIGHASH_ALL) return false;
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) return false;
  try {
    const der = sigWithType.slice(0, -1);
    return secp256k1.verify(der, sighash, pubkey, { format: "der", prehash: false, lowS: true });
  } catch {
    return false;
  }
}

const fail = (reason: string): Bip322Verdict => ({ ok: false, reason });

function verifyP2wpkh(program: Uint8Array, toSpend: Uint8Array, witness: Uint8Array[]): Bip322Verdict {
  if (witness.length !== 2) return fail("a P2WPKH signature is a witness of 2 items (signature, public key)");
  const [sig, pubkey] = witness as [Uint8Array, Uint8Array];
  if (!equalBytes(hash160(pubkey), program)) return fail("the witness's public key is not the address's");
  const sighash = toSignSighashV0(toSpend, p2pkhScriptCode(program));
  return ecdsaValid(sig, sighash, pubkey) ? { ok: true } : fail("the signature is not valid for the address's key");
}

function verifyP2trKeyPath(script: Uint8Array, toSpend: Uint8Array, witness: Uint8Array[]): Bip322Verdict {
  if (witness.length !== 1) return fail("only a taproot key-path signature (a witness of 1 item) is supported");
  const sig = witness[0]!;
  if (sig.length !== 64 && !(sig.length === 65 && sig[64] === SIGHASH_ALL))
    return fail("a taproot key-path signature is 64 bytes (or 65 with SIGHASH_ALL)");
  const sighash = toSignSighashV1(toSpend, script, sig.length === 64 ? 0 : SIGHASH_ALL);
  try {
    if (schnorr.verify(sig.slice(0, 64), sighash, script.slice(2))) return { ok: true };
  } catch {
    // an output key off the curve verifies nothing
  }
  return fail("the Schnorr signature is not valid for the address's output key");
}

/** `OP_m <33-byte key>… OP_n OP_CHECKMULTISIG` → m and the keys in script order; null for any other script. */
export function parseMultisig(script: Uint8Array): { m: number; keys: Uint8Array[] } | null {
  const small = (op: number | undefined) => (op !== undefined && op >= 0x51 && op <= 0x60 ? op - 0x50 : null);
  const m = small(script[0]);
  const n = small(script[script.length - 2]);
  if (m === null || n === null || m > n || script[script.length - 1] !== 0xae) return null;
  if (script.length !== 3 + n * 34) return null;
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const at = 1 + i * 34;
    if (script[at] !== 0x21) return null;
    keys.push(script.slice(at + 1, at + 34));
  }
  return { m, keys };
}

/** OP_CHECKMULTISIG: each signature matches a later key than the one before, in order; every one must match. */
function multisigValid(sigs: Uint8Array[], keys: Uint8Array[], sighash: Uint8Array): boolean {
  let k = 0;
  for (const sig of sigs) {
    while (k < keys.length && !ecdsaValid(sig, sighash, keys[k]!)) k++;
    if (k === keys.length) return false;
    k++;
  }
  return true;
}

function verifyP2wsh(program: Uint8Array, toSpend: Uint8Array, witness: Uint8Array[]): Bip322Verdict {
  const witnessScript = witness[witness.length - 1]!;
  if (!equalBytes(sha256(witnessScript), program)) return fail("the witness script is not the address's");
  const multisig = parseMultisig(witnessScript);
  if (!multisig) return fail("only a P2WSH multi/sortedmulti script is supported");
  const sigs = witness.slice(1, -1);
  if (witness[0]!.length !== 0) return fail("the multisig's dummy witness item must be empty");
  if (sigs.length !== multisig.m)
    return fail(
      `a ${multisig.m}-of-${multisig.keys.length} multisig needs ${multisig.m} signatures; the witness has ${sigs.length}`,
    );
  const sighash = toSignSighashV0(toSpend, witnessScript);
  return multisigValid(sigs, multisig.keys, sighash)
    ? { ok: true }
    : fail(`the signatures are not ${multisig.m} valid ones by the multisig's keys in order`);
}

/** Verifies a BIP-322 simple signature (base64 witness) of `message` by the output script `scriptPubKey`. */
export function verifyBip322Simple(scriptPubKey: Uint8Array, message: string, signature: string): Bip322Verdict {
  const witness = decodeWitness(signature);
  if (!witness) return fail("the signature is not a base64 witness stack (BIP-322 simple)");
  const toSpend = toSpendTxid(message, scriptPubKey);
  const s = scriptPubKey;
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return verifyP2wpkh(s.slice(2), toSpend, witness);
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return verifyP2trKeyPath(s, toSpend, witness);
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return verifyP2wsh(s.slice(2), toSpend, witness);
  return fail(
    `control by script ${bytesToHex(s).slice(2, 12)}… cannot be proven: P2WPKH, P2TR key path and P2WSH multisig only`,
  );
}
