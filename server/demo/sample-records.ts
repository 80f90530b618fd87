/**
 * Building blocks of the sample records that the demo (server/demo/chain.ts), the bench (scripts/bench/), the
 * vector generator (scripts/gen-vectors.ts) and the reconciler's tests (test/core/reconcile-fixture.ts) write:
 * the optional fields left empty, a record of a sample ledger, and the Reconciliation v1 fields of a
 * WALLET_DECLARED (signed control message), a VALUATION snapshot and a movement's reference
 * (docs/RECONCILIATION.md). The formats themselves are core's; this module only fills them in.
 */
import { controlMessage, ZERO_BYTES32, type RecordInput, type RecordKind, type RecordV1 } from "../../core";

/** A record's optional fields, empty: no value, counterparty, reference, document, memo or correction. */
export const EMPTY_FIELDS: Pick<
  RecordInput,
  "valueUsd" | "counterparty" | "reference" | "documentHash" | "memo" | "corrects"
> = { valueUsd: "0", counterparty: "", reference: "", documentHash: ZERO_BYTES32, memo: "", corrects: 0 };

/** Record `seq` of a sample ledger on the local chain: 1 DUSDT in, published by `publisher`, unless `fields` differ. */
export function ledgerRecord(seq: number, fields: Partial<RecordV1>, publisher = "treasury"): RecordV1 {
  return {
    seq,
    kind: "INFLOW_OTHER",
    occurredAt: 1_700_000_000,
    publishedAt: 1_700_000_100,
    publisher,
    asset: "DUSDT",
    amount: "1",
    ...EMPTY_FIELDS,
    ...fields,
  };
}

/** An account's holding of an asset, as a declaration or a snapshot states it. */
export interface Holding {
  /** The account, CAIP-10 (eip155:31337:0x…). */
  account: string;
  /** The asset, CAIP-19 (eip155:31337/erc20:0x… or …/slip44:60). */
  asset: string;
  /** The record's asset symbol (DUSDT, ETH). */
  symbol: string;
  /** The amount held, decimal. */
  amount: string;
  /** The block the declaration or snapshot speaks from. */
  block: number;
}

/** The fields a declaration or a snapshot sets; the rest comes from the record it is added to. */
export type HoldingFields = Pick<RecordInput, "asset" | "amount" | "counterparty" | "reference"> & {
  kind: RecordKind;
  memo?: string;
};

/** Signs a message with EIP-191 (personal_sign), as an ethers signer does. */
export interface MessageSigner {
  signMessage(message: string): Promise<string>;
}

/** The control message `holding.account` signs to declare `holding.asset` to `registry` (core's definition). */
export function declarationMessage(registry: string, holding: Pick<Holding, "account" | "asset">): string {
  return controlMessage(registry, holding.account, holding.asset);
}

/** A WALLET_DECLARED's fields, given the signature of declarationMessage(registry, holding). */
export function declarationFields(holding: Holding, signature: string): HoldingFields {
  return { ...snapshotFields(holding), kind: "WALLET_DECLARED", memo: signature };
}

/** A WALLET_DECLARED's fields, the control message signed by `signer` (the account's key, or another's). */
export async function signedDeclaration(
  registry: string,
  holding: Holding,
  signer: MessageSigner,
): Promise<HoldingFields> {
  return declarationFields(holding, await signer.signMessage(declarationMessage(registry, holding)));
}

/** A VALUATION's fields: `holding.account` held `holding.amount` of `holding.asset` at `holding.block`. */
export function snapshotFields(holding: Holding): HoldingFields {
  return {
    kind: "VALUATION",
    asset: holding.symbol,
    amount: holding.amount,
    counterparty: holding.account,
    reference: `${holding.asset}@${holding.block}`,
  };
}

/** A movement's reference on `chain` (CAIP-2): the transaction, and its Transfer log when a token moved. */
export function movementRef(chain: string, txHash: string, logIndex?: number): string {
  return logIndex === undefined ? `${chain}/tx/${txHash}` : `${chain}/tx/${txHash}/log/${logIndex}`;
}
