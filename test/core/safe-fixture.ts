// A fund treasury as a real Safe 1.4.1 (2-of-3 of Hardhat's accounts, or anvil's) and the records that declare
// it: the control message's hash signed by the owners' threshold, or approved on chain (memo 0x).
import type { Signer } from "ethers";
import { controlHash, registryCaip10, type RecordKind } from "../../core";
import { createSafe, deploySafeInfrastructure, type DemoSafe } from "../../server/demo/safe";
import { declarationFields, ledgerRecord } from "../../server/demo/sample-records";

export { createSafe, deploySafeInfrastructure, type DemoSafe };

export interface SafeHolding {
  chain: string;
  registry: string;
  safe: DemoSafe;
  asset: string;
  symbol: string;
  amount: string;
  block: number;
}

const accountOf = (h: SafeHolding) => ({ text: `${h.chain}:${h.safe.address}`, address: h.safe.address });

/** The hash the Safe is asked about (ERC-1271) for a declaration of `h`. */
export const declarationHash = (h: SafeHolding) =>
  controlHash({ registry: h.registry, account: accountOf(h), asset: h.asset });

/** A WALLET_DECLARED's fields for the Safe: memo = the owners' signatures (`signers`, default the threshold). */
export async function safeDeclaration(h: SafeHolding, signers?: Signer[]) {
  const holding = { account: accountOf(h).text, asset: h.asset, symbol: h.symbol, amount: h.amount, block: h.block };
  return declarationFields(holding, await h.safe.signHash(declarationHash(h), signers));
}

/** Approves the control message on chain (SignMessageLib through the Safe): declare at a block after it. */
export const approveSafeControl = (h: Omit<SafeHolding, "block">) =>
  h.safe.approveHash(declarationHash({ ...h, block: 0 }));

/** A declaration approved on chain (approveSafeControl first): memo `0x`. */
export function approvedSafeDeclaration(h: SafeHolding) {
  const holding = { account: accountOf(h).text, asset: h.asset, symbol: h.symbol, amount: h.amount, block: h.block };
  return declarationFields(holding, "0x");
}

export const REGISTRY_7777 = registryCaip10(7777, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

export const recordOf = (seq: number, fields: Parameters<typeof ledgerRecord>[1] & { kind: RecordKind }) =>
  ledgerRecord(seq, fields);
