/**
 * bip322-js, an independent BIP-322 implementation (bitcoinjs-lib based), for cross-checks. Its to_spend builder
 * goes through a PSBT that bitcoinjs-lib 6.1.10 refuses to extract (no UTXO for the virtual input), so it is
 * rebuilt here with bitcoinjs-lib's own Transaction exactly as BIP-322 writes it; signing and verifying stay theirs.
 */
import * as bitcoin from "bitcoinjs-lib";
import { BIP322, Signer, Verifier } from "bip322-js";

const patched = BIP322 as unknown as { buildToSpendTx: (message: string, script: Buffer) => bitcoin.Transaction };
patched.buildToSpendTx = (message, script) => {
  const tx = new bitcoin.Transaction();
  tx.version = 0;
  tx.locktime = 0;
  const scriptSig = Buffer.concat([Buffer.from([0x00, 0x20]), Buffer.from(BIP322.hashMessage(message))]);
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0, scriptSig);
  tx.addOutput(script, 0);
  return tx;
};

/** bip322-js's strict verdict (no BIP-137 fallback). */
export const referenceVerify = (address: string, message: string, signature: string): boolean =>
  Verifier.verifySignature(address, message, signature, true);

/** bip322-js's signature by a WIF key. */
export const referenceSign = (wif: string, address: string, message: string): string =>
  String(Signer.sign(wif, address, message));

/**
 * BIP-322 judged by bcoin's own script interpreter (an independent BIP-143/BIP-341 and CHECKMULTISIG): the
 * virtual to_spend and to_sign transactions built with bcoin's types, the witness run against the address's
 * script with bcoin's standard verification flags. bip322-js has no multisig; this covers P2WSH.
 */
export function bcoinVerifyBip322(scriptPubKey: Uint8Array, message: string, witness: Uint8Array[]): boolean {
  process.env.NODE_BACKEND = "js";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcoin = require("bcoin");
  const messageHash = Buffer.from(BIP322.hashMessage(message));
  const toSpend = new bcoin.MTX({ version: 0, locktime: 0 });
  toSpend.addInput({
    prevout: { hash: "00".repeat(32), index: 0xffffffff },
    script: bcoin.Script.fromRaw(Buffer.concat([Buffer.from([0x00, 0x20]), messageHash])),
    sequence: 0,
  });
  toSpend.addOutput({ value: 0, script: bcoin.Script.fromRaw(Buffer.from(scriptPubKey)) });
  const spent = toSpend.toTX();
  const toSign = new bcoin.MTX({ version: 0, locktime: 0 });
  toSign.addInput({
    prevout: { hash: spent.hash("hex"), index: 0 },
    sequence: 0,
    witness: bcoin.Witness.fromItems(witness.map((item) => Buffer.from(item))),
  });
  toSign.addOutput({ value: 0, script: bcoin.Script.fromRaw(Buffer.from([0x6a])) });
  const view = new bcoin.CoinView();
  view.addTX(spent, -1);
  return toSign.toTX().verify(view) as boolean;
}
