/**
 * The bip122 namespace's CAIP ids (docs/PROTOCOL.md §1.5), checked for core/protocol/caip.ts: a chain is
 * `bip122:<first 32 hex of the genesis hash>` of a chain Aiqyn knows, an account's address is in that chain's
 * canonical encoding, the only asset is the chain's coin `slip44:0`, and a movement is a whole transaction,
 * `bip122:<genesis>/tx/<txid>` (64 lowercase hex, as block explorers print it, no 0x).
 */
import { BITCOIN_NETWORKS, bitcoinNetwork, decodeBitcoinAddress } from "./networks";

/** Satoshi-exact: BTC amounts of records that name a bip122 account, asset or movement. */
export const BTC_DECIMALS = 8;

const TXID = /^[0-9a-f]{64}$/;

/** Null when `reference` names a known Bitcoin chain, else why not. */
export function parseBip122Chain(reference: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(reference))
    return "a bip122 chain is the first 32 lowercase hex characters of its genesis block hash";
  if (!bitcoinNetwork(reference))
    return `unknown Bitcoin chain ${reference} (known: ${BITCOIN_NETWORKS.map((n) => n.name).join(", ")})`;
  return null;
}

/** Null when the asset part of a bip122 CAIP-19 id is the chain's coin. */
export function parseBip122Asset(asset: string): string | null {
  return asset === "slip44:0" ? null : "the asset on a bip122 chain is its coin, slip44:0";
}

/** The address as a CAIP result for core/protocol/caip.ts (the chain is already known valid). */
export function checkBitcoinAddress(
  genesis: string,
  address: string,
): { ok: true; value: string } | { ok: false; error: { code: "CAIP_ADDRESS"; message: string } } {
  const decoded = decodeBitcoinAddress(bitcoinNetwork(genesis)!, address);
  if (!decoded.ok)
    return { ok: false, error: { code: "CAIP_ADDRESS", message: `the account's address: ${decoded.message}` } };
  return { ok: true, value: address };
}

/** A txid as a bip122 movement names it: 64 lowercase hex digits. */
export function isTxid(text: string): boolean {
  return TXID.test(text);
}
