/**
 * The field rules of records that name the bip122 namespace (docs/PROTOCOL.md §1.5), run by
 * core/protocol/references.ts beside v1's: amounts are satoshi-exact (≤ 8 decimals), a declaration's memo is a BIP-322
 * simple signature (a base64 witness stack), and a movement names a whole transaction by its txid.
 */
import { parseCaip2, type CaipResult, type MovementRef } from "../../protocol/caip";
import { parseDecimal } from "../../protocol/decimal";
import type { FieldProblem } from "../../protocol/shape";
import { BTC_DECIMALS, isTxid } from "./ids";
import { decodeWitness } from "./witness";

const BIP122 = "bip122:";

/** True when the record's counterparty or reference names a Bitcoin chain. */
export function namesBip122(input: Record<string, unknown>): boolean {
  const starts = (value: unknown) => typeof value === "string" && value.startsWith(BIP122);
  return starts(input.counterparty) || starts(input.reference);
}

/** `bip122:<genesis>/tx/<txid>`: a whole transaction (no log index on Bitcoin), txid in lowercase hex. */
export function parseBip122MovementRef(text: string): CaipResult<MovementRef> {
  const match = /^([^/]+)\/tx\/([^/]*)$/.exec(text);
  if (!match || !isTxid(match[2]!))
    return {
      ok: false,
      error: { code: "REFERENCE_FORMAT", message: "expected bip122:<genesis>/tx/<txid: 64 lowercase hex, no 0x>" },
    };
  const chain = parseCaip2(match[1]!);
  if (!chain.ok) return chain;
  return { ok: true, value: { chain: chain.value, txHash: match[2]!, logIndex: null, key: text } };
}

export function checkBitcoinControlSignature(memo: unknown): FieldProblem[] {
  if (typeof memo !== "string" || decodeWitness(memo)) return [];
  return [
    {
      field: "memo",
      code: "CONTROL_SIGNATURE_FORMAT",
      message: "memo: a bip122 WALLET_DECLARED memo is a BIP-322 simple signature: the base64 witness stack",
    },
  ];
}

/** A BTC amount has at most 8 decimals (satoshis); a worse-formed amount is already reported by its own check. */
export function checkBitcoinAmount(amount: unknown): FieldProblem[] {
  if (typeof amount !== "string" || !parseDecimal(amount, 18).ok) return [];
  const btc = parseDecimal(amount, BTC_DECIMALS);
  if (btc.ok) return [];
  return [
    {
      field: "amount",
      code: "DECIMAL_TOO_PRECISE",
      message: `amount: a record naming a bip122 chain states bitcoin to the satoshi (at most ${BTC_DECIMALS} decimals)`,
    },
  ];
}
