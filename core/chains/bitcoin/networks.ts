/**
 * core/chains/bitcoin/: the bip122 namespace: the chains and address encodings below, CAIP ids and field
 * rules, BIP-322 signatures and their witness encoding, and the Esplora reader (one endpoint or two that agree).
 *
 * The Bitcoin chains Aiqyn names (Reconciliation v2, docs/PROTOCOL.md §1.5): a CAIP-2 `bip122:<genesis>` is the
 * first 32 hex characters of the chain's genesis block hash, and an address is read in that chain's own encoding.
 * Addresses are compared by the script they pay (scriptPubKey), never by their spelling.
 */
import type { NETWORK } from "@scure/btc-signer";
import { concatBytes } from "@noble/hashes/utils";
import { bytesToHex } from "../../protocol/bytes";
import { BECH32, BECH32M, decodeBase58check, decodeBech32, wordsToBytes } from "./codecs";

export interface BitcoinNetwork {
  name: string;
  /** The CAIP-2 reference: the first 32 hex characters of the genesis block hash. */
  genesis: string;
  /** Bech32 human-readable parts, the chain's own first (bcoin's regtest says `rb`, Bitcoin Core's `bcrt`). */
  bech32: readonly string[];
  pubKeyHash: number;
  scriptHash: number;
  wif: number;
}

export const BITCOIN_NETWORKS: readonly BitcoinNetwork[] = [
  {
    name: "mainnet",
    genesis: "000000000019d6689c085ae165831e93",
    bech32: ["bc"],
    pubKeyHash: 0x00,
    scriptHash: 0x05,
    wif: 0x80,
  },
  {
    name: "testnet3",
    genesis: "000000000933ea01ad0ee984209779ba",
    bech32: ["tb"],
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  },
  {
    name: "testnet4",
    genesis: "00000000da84f2bafbbc53dee25a72ae",
    bech32: ["tb"],
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  },
  {
    name: "signet",
    genesis: "00000008819873e925422c1ff0f99f7c",
    bech32: ["tb"],
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  },
  {
    name: "regtest",
    genesis: "0f9188f13cb7b2c71f2a335e3a4fc328",
    bech32: ["bcrt", "rb"],
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  },
];

export const REGTEST_GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328";

export function bitcoinNetwork(genesis: string): BitcoinNetwork | undefined {
  return BITCOIN_NETWORKS.find((n) => n.genesis === genesis);
}

/** scure's network parameters for one of the chain's bech32 prefixes. */
export function scureNetwork(network: BitcoinNetwork, bech32 = network.bech32[0]!): typeof NETWORK {
  return { bech32, pubKeyHash: network.pubKeyHash, scriptHash: network.scriptHash, wif: network.wif };
}

/** The address kinds an output script can be; only the first three can prove control (BIP-322 simple). */
export type BitcoinAddressType = "wpkh" | "tr" | "wsh" | "pkh" | "sh";

export interface DecodedAddress {
  type: BitcoinAddressType;
  /** The scriptPubKey the address pays, hex without 0x: the key reconciliation compares outputs by. */
  script: string;
  scriptBytes: Uint8Array;
}

export type AddressResult = { ok: true; value: DecodedAddress } | { ok: false; message: string };

const PREFIXES = /^([a-z]+)1/;

/**
 * The output script an address pays, built here rather than by a transaction library so that record validation
 * (on the page's verify path) carries no script machinery, and its encodings decoded by ./codecs.ts: witness v0 with
 * 20 bytes P2WPKH, 32 bytes P2WSH, witness v1 with 32 bytes P2TR (bech32m, BIP-350); base58check with the chain's
 * version bytes P2PKH or P2SH.
 */
function decodeScript(network: BitcoinNetwork, prefix: string, address: string): { type: string; script: Uint8Array } {
  if (PREFIXES.test(address) && address.startsWith(`${prefix}1`)) {
    let version = 0;
    try {
      decodeBech32(address, BECH32);
    } catch {
      version = 1;
    }
    const decoded = decodeBech32(address, version === 0 ? BECH32 : BECH32M);
    if (decoded.prefix !== prefix) throw new Error(`the prefix ${decoded.prefix} is not ${prefix}`);
    const [witnessVersion, ...words] = decoded.words;
    if (witnessVersion !== version)
      throw new Error(`witness version ${witnessVersion} in ${version ? "bech32m" : "bech32"}`);
    const program = wordsToBytes(words);
    if (version === 0 && program.length === 20)
      return { type: "wpkh", script: concatBytes(Uint8Array.of(0x00, 0x14), program) };
    if (version === 0 && program.length === 32)
      return { type: "wsh", script: concatBytes(Uint8Array.of(0x00, 0x20), program) };
    if (version === 1 && program.length === 32)
      return { type: "tr", script: concatBytes(Uint8Array.of(0x51, 0x20), program) };
    return { type: `witness v${version} of ${program.length} bytes`, script: program };
  }
  const payload = decodeBase58check(address);
  if (payload.length !== 21) throw new Error(`a base58 payload of ${payload.length} bytes`);
  const hash = payload.subarray(1);
  if (payload[0] === network.pubKeyHash)
    return { type: "pkh", script: concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash, Uint8Array.of(0x88, 0xac)) };
  if (payload[0] === network.scriptHash)
    return { type: "sh", script: concatBytes(Uint8Array.of(0xa9, 0x14), hash, Uint8Array.of(0x87)) };
  throw new Error(`the version byte ${payload[0]} is not this chain's`);
}

/**
 * Decodes an address of `network` in its one spelling: bech32/bech32m lowercase with one of the chain's prefixes,
 * or base58check with the chain's version bytes.
 */
export function decodeBitcoinAddress(network: BitcoinNetwork, address: string): AddressResult {
  const hrp = PREFIXES.exec(address)?.[1];
  const prefix = hrp && network.bech32.includes(hrp) ? hrp : network.bech32[0]!;
  if (address !== address.toLowerCase() && /^[A-Z]+1/.test(address))
    return { ok: false, message: "a bech32 address is written in lowercase" };
  try {
    const decoded = decodeScript(network, prefix, address);
    if (!["wpkh", "tr", "wsh", "pkh", "sh"].includes(decoded.type))
      return { ok: false, message: `an address of type ${decoded.type} is not supported` };
    const scriptBytes = decoded.script;
    return {
      ok: true,
      value: { type: decoded.type as BitcoinAddressType, script: bytesToHex(scriptBytes).slice(2), scriptBytes },
    };
  } catch (error) {
    return { ok: false, message: `not a valid ${network.name} address (${(error as Error).message.slice(0, 80)})` };
  }
}
