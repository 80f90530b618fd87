/**
 * CAIP ids as Reconciliation v1 and v2 use them (docs/PROTOCOL.md "Kind 11" and §1.5): CAIP-2 chains, CAIP-10
 * accounts and CAIP-19 asset types, for the `eip155` and `bip122` namespaces (others need an adapter that is not
 * built yet). One spelling per id: a chain id in plain decimal, EVM addresses in EIP-55 checksum case, Bitcoin
 * addresses in their chain's canonical encoding (core/chains/bitcoin/ids.ts), so two records cannot name one account
 * with two different strings.
 */
import { bytesToHex, utf8Bytes } from "./bytes";
import { keccak256 } from "./keccak";
import { isAddress } from "./trust";
import { checkBitcoinAddress, parseBip122Chain, parseBip122Asset } from "../chains/bitcoin/ids";

/** A CAIP-2 chain, e.g. `eip155:56` or `bip122:000000000019d6689c085ae165831e93`. */
export interface Caip2 {
  text: string;
  namespace: "eip155" | "bip122";
  /** The EVM chain id; 0 on bip122. */
  chainId: number;
  /** What follows the namespace: the chain id in decimal, or the 32 hex characters of a genesis hash. */
  reference: string;
}

/** A CAIP-10 account, e.g. `eip155:56:0xAbC…`. `address` is the checksummed form (bip122: as written). */
export interface Caip10 {
  text: string;
  chain: Caip2;
  address: string;
}

/** A CAIP-19 asset type: a chain's native coin (`slip44:<coin type>`) or an ERC-20 token (`erc20:<address>`). */
export interface Caip19 {
  text: string;
  chain: Caip2;
  type: "native" | "erc20";
  /** The token's checksummed address; "" for the native coin. */
  token: string;
}

/** Why an id was refused: a stable code and a sentence. */
export type CaipErrorCode =
  | "CAIP2_FORMAT"
  | "CAIP10_FORMAT"
  | "CAIP19_FORMAT"
  | "CAIP_ADDRESS"
  | "CAIP_ADDRESS_CHECKSUM"
  | "CAIP_NAMESPACE_UNSUPPORTED"
  /** The reference formats built on these ids (core/protocol/references.ts: asset@block, chain/tx/hash). */
  | "REFERENCE_FORMAT";

export interface CaipError {
  code: CaipErrorCode;
  message: string;
}

export type CaipResult<T> = { ok: true; value: T } | { ok: false; error: CaipError };

const fail = <T>(code: CaipErrorCode, message: string): CaipResult<T> => ({ ok: false, error: { code, message } });

/** The EIP-55 checksum spelling of a 20-byte hex address (any case in). */
export function toChecksumAddress(address: string): string {
  const lower = address.slice(2).toLowerCase();
  // EIP-55: keccak256 of the lowercase hex digits as ASCII; a nibble ≥ 8 upper-cases the letter at that place.
  const hash = bytesToHex(keccak256(utf8Bytes(lower))).slice(2);
  let out = "0x";
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out;
}

function checkAddress(address: string, what: string): CaipResult<string> {
  if (!isAddress(address)) return fail("CAIP_ADDRESS", `${what} must be a 20-byte 0x address`);
  const checksummed = toChecksumAddress(address);
  if (checksummed !== address)
    return fail("CAIP_ADDRESS_CHECKSUM", `${what} must be written in EIP-55 checksum case (${checksummed})`);
  return { ok: true, value: checksummed };
}

/**
 * Parses `eip155:<chain id>` (the id in decimal, no leading zero, positive and a safe integer) or
 * `bip122:<genesis>` (a Bitcoin chain Aiqyn knows, core/chains/bitcoin/networks.ts).
 */
export function parseCaip2(text: string): CaipResult<Caip2> {
  const match = /^([-a-z0-9]{3,8}):([-_a-zA-Z0-9]{1,32})$/.exec(text);
  if (!match) return fail("CAIP2_FORMAT", "a chain must be a CAIP-2 id such as eip155:56");
  const reference = match[2]!;
  if (match[1] === "bip122") {
    const problem = parseBip122Chain(reference);
    if (problem) return fail("CAIP2_FORMAT", problem);
    return { ok: true, value: { text, namespace: "bip122", chainId: 0, reference } };
  }
  if (match[1] !== "eip155")
    return fail(
      "CAIP_NAMESPACE_UNSUPPORTED",
      `chains of namespace ${match[1]} have no adapter yet (eip155 and bip122 only)`,
    );
  if (!/^[1-9][0-9]*$/.test(reference) || !Number.isSafeInteger(Number(reference)))
    return fail("CAIP2_FORMAT", "an eip155 chain id is a positive decimal integer without leading zeros");
  return { ok: true, value: { text, namespace: "eip155", chainId: Number(reference), reference } };
}

/** Parses a CAIP-10 account `eip155:<chain id>:<checksummed address>`. */
export function parseCaip10(text: string): CaipResult<Caip10> {
  const at = text.lastIndexOf(":");
  if (at < 0) return fail("CAIP10_FORMAT", "an account must be a CAIP-10 id such as eip155:56:0xAbC…");
  const chain = parseCaip2(text.slice(0, at));
  if (!chain.ok) return chain;
  const address =
    chain.value.namespace === "bip122"
      ? checkBitcoinAddress(chain.value.reference, text.slice(at + 1))
      : checkAddress(text.slice(at + 1), "the account's address");
  if (!address.ok) return address;
  return { ok: true, value: { text, chain: chain.value, address: address.value } };
}

/** Parses a CAIP-19 asset type `<CAIP-2>/slip44:<coin type>` or `<CAIP-2>/erc20:<checksummed address>`. */
export function parseCaip19(text: string): CaipResult<Caip19> {
  const slash = text.indexOf("/");
  if (slash < 0) return fail("CAIP19_FORMAT", "an asset must be a CAIP-19 id such as eip155:56/erc20:0x55d3…");
  const chain = parseCaip2(text.slice(0, slash));
  if (!chain.ok) return chain;
  const asset = text.slice(slash + 1);
  if (chain.value.namespace === "bip122") {
    const problem = parseBip122Asset(asset);
    if (problem) return fail("CAIP19_FORMAT", problem);
    return { ok: true, value: { text, chain: chain.value, type: "native", token: "" } };
  }
  if (/^slip44:(0|[1-9][0-9]{0,9})$/.test(asset))
    return { ok: true, value: { text, chain: chain.value, type: "native", token: "" } };
  if (asset.startsWith("erc20:")) {
    const token = checkAddress(asset.slice("erc20:".length), "the token's address");
    if (!token.ok) return token;
    return { ok: true, value: { text, chain: chain.value, type: "erc20", token: token.value } };
  }
  return fail("CAIP19_FORMAT", "an asset type must be slip44:<coin type> (native) or erc20:<address> (a token)");
}

/** The CAIP-10 id of the registry itself: `eip155:<chainId>:<registry>` in checksum case. */
export function registryCaip10(chainId: number, registry: string): string {
  return `eip155:${chainId}:${toChecksumAddress(registry)}`;
}

/** A movement named by a record. `key` is its canonical spelling (lowercase hash) for duplicate detection. */
export interface MovementRef {
  chain: Caip2;
  txHash: string;
  /** The log's index in its block for a token Transfer; null for a transaction's native value. */
  logIndex: number | null;
  key: string;
}
