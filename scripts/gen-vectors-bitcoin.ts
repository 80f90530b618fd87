/**
 * The Bitcoin (bip122) records of the test vectors (docs/PROTOCOL.md §1.5): a 2-of-3 P2WSH treasury declared
 * with a real BIP-322 signature, a mining inflow naming a whole transaction, a snapshot; and bip122 records
 * spelt wrongly, each refused with its field's code. Keys are fixed test keys, signatures deterministic (RFC 6979).
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { sha256 } from "@noble/hashes/sha2";
import { signBip322Multisig, sortedMultisig } from "../core/chains/bitcoin/bip322-sign";
import { bitcoinNetwork } from "../core/chains/bitcoin/networks";
import { utf8Bytes, type RecordV1 } from "../core";
import type { FieldProblemCode } from "../core/protocol/shape";
import { declarationFields, declarationMessage, snapshotFields, type Holding } from "../server/demo/sample-records";

export const VECTOR_BTC_CHAIN = "bip122:000000000019d6689c085ae165831e93";
const MAINNET = bitcoinNetwork("000000000019d6689c085ae165831e93")!;
/** Test keys only: sha256 of a label. */
export const VECTOR_BTC_KEYS = [1, 2, 3].map((i) => sha256(utf8Bytes(`aiqyn vector bitcoin key ${i}`)));
export const VECTOR_BTC_MULTISIG = sortedMultisig(
  2,
  VECTOR_BTC_KEYS.map((k) => secp256k1.getPublicKey(k, true)),
  MAINNET,
);
export const VECTOR_BTC_ACCOUNT = `${VECTOR_BTC_CHAIN}:${VECTOR_BTC_MULTISIG.address}`;
const BTC_ASSET = `${VECTOR_BTC_CHAIN}/slip44:0`;

function holding(amount: string, block: number): Holding {
  return { account: VECTOR_BTC_ACCOUNT, asset: BTC_ASSET, symbol: "BTC", amount, block };
}

/** Seqs 13, 15 and 18 of the valid vectors: a bip122 declaration, a mining inflow, a snapshot. */
export function bitcoinVariant(seq: number, registry: string): Partial<RecordV1> | null {
  if (seq === 13) {
    const declared = holding("1250.5", 880_000);
    const message = declarationMessage(registry, declared);
    const memo = signBip322Multisig(VECTOR_BTC_KEYS.slice(0, 2), VECTOR_BTC_MULTISIG, message);
    return { ...declarationFields(declared, memo), valueUsd: "0" };
  }
  if (seq === 15)
    return {
      kind: "INFLOW_MINING",
      asset: "BTC",
      amount: "3.125",
      reference: `${VECTOR_BTC_CHAIN}/tx/${"15".repeat(32)}`,
    };
  if (seq === 18) return { ...snapshotFields(holding("1253.625", 880_100)), memo: "" };
  return null;
}

type MakeCase<T> = (
  name: string,
  reason: string,
  change: Record<string, unknown>,
  problems: { field: string; code: FieldProblemCode }[],
  from?: RecordV1,
) => T;

/** bip122 records spelt wrongly, each refused field by field. `declared` is the valid bip122 declaration. */
export function refusedBitcoinCases<T>(make: MakeCase<T>, declared: RecordV1): T[] {
  const txid = "ab".repeat(32);
  const movement = (reference: string, amount = "1") => ({ kind: "INFLOW_SEIZURE", asset: "BTC", amount, reference });
  return [
    make(
      "btc-movement-0x-txid",
      "a bip122 movement whose txid carries 0x",
      movement(`${VECTOR_BTC_CHAIN}/tx/0x${txid}`),
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
    ),
    make(
      "btc-movement-uppercase-txid",
      "a bip122 txid in uppercase: one spelling per transaction",
      movement(`${VECTOR_BTC_CHAIN}/tx/${txid.toUpperCase()}`),
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
    ),
    make(
      "btc-movement-log-index",
      "a bip122 movement with a log index: Bitcoin movements are whole transactions",
      movement(`${VECTOR_BTC_CHAIN}/tx/${txid}/log/0`),
      [{ field: "reference", code: "REFERENCE_FORMAT" }],
    ),
    make(
      "btc-movement-unknown-chain",
      "a bip122 chain whose genesis is no Bitcoin chain Aiqyn knows",
      movement(`bip122:${"00".repeat(16)}/tx/${txid}`),
      [{ field: "reference", code: "CAIP2_FORMAT" }],
    ),
    make(
      "btc-amount-below-satoshi",
      "a BTC amount with 9 decimals: bitcoin is stated to the satoshi",
      movement(`${VECTOR_BTC_CHAIN}/tx/${txid}`, "0.123456789"),
      [{ field: "amount", code: "DECIMAL_TOO_PRECISE" }],
    ),
    make(
      "btc-wallet-address-uppercase",
      "a bech32 account in uppercase: one spelling per account",
      { counterparty: `${VECTOR_BTC_CHAIN}:${VECTOR_BTC_MULTISIG.address.toUpperCase()}` },
      [{ field: "counterparty", code: "CAIP_ADDRESS" }],
      declared,
    ),
    make(
      "btc-wallet-testnet-address",
      "a testnet address declared on Bitcoin mainnet",
      { counterparty: `${VECTOR_BTC_CHAIN}:tb1q9vza2e8x573nczrlzms0wvx3gsqjx7vaxwd45v` },
      [{ field: "counterparty", code: "CAIP_ADDRESS" }],
      declared,
    ),
    make(
      "btc-wallet-asset-not-coin",
      "a bip122 asset other than the chain's coin (slip44:0)",
      { reference: `${VECTOR_BTC_CHAIN}/slip44:1@880000` },
      [{ field: "reference", code: "CAIP19_FORMAT" }],
      declared,
    ),
    make(
      "btc-wallet-memo-evm-signature",
      "a bip122 declaration whose memo is an EVM signature, not a BIP-322 witness",
      { memo: `0x${"11".repeat(65)}` },
      [{ field: "memo", code: "CONTROL_SIGNATURE_FORMAT" }],
      declared,
    ),
  ];
}
