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
