/**
 * `--chain-rpc bip122:<genesis>=<Esplora URL>` for `aiqyn reconcile` and `aiqyn audit`: one or two Esplora
 * endpoints per Bitcoin chain (two must agree on every read; one is trusted whole, and the report says so),
 * `--confirmations bip122:…=N` (default 6) and `--to-block bip122:…=N` for its final height. `aiqyn monitor` takes
 * the readers alone (bitcoinReaders) and finds each cycle's final height itself.
 */
import { agreeingBitcoinReader } from "../../core/chains/bitcoin/esplora-agree";
import { createEsploraHttpGet } from "../../core/chains/bitcoin/esplora-http";
import { createEsploraReader, type BitcoinChainReader } from "../../core/chains/bitcoin/esplora";
import type { BitcoinTarget } from "../../core/reconcile/bitcoin";
import { parseCaip2 } from "../../core";
import { UsageError, type Parsed } from "./args";

export const BITCOIN_CONFIRMATIONS = 6;

const values = (parsed: Parsed, name: string): string[] => {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
};

/** CHAIN=VALUE items of `--name` whose chain is bip122, by chain (in the order given). */
function bitcoinPairs(parsed: Parsed, name: string): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (const item of values(parsed, name)) {
    const at = item.indexOf("=");
    if (at < 1 || !item.startsWith("bip122:")) continue;
    const chain = item.slice(0, at);
    const parsedChain = parseCaip2(chain);
    if (!parsedChain.ok) throw new UsageError(`--${name} ${chain}: ${parsedChain.error.message}`);
    pairs.set(chain, [...(pairs.get(chain) ?? []), item.slice(at + 1)]);
  }
  return pairs;
}

/** `--confirmations N` (EVM chains, default `fallback`) and `--confirmations CHAIN=N` per chain. */
export function confirmationsFor(parsed: Parsed, chain: string, fallback: number): number {
  let found: string | undefined;
  for (const item of values(parsed, "confirmations")) {
    const at = item.indexOf("=");
    if (at < 0 && !chain.startsWith("bip122:")) found = item;
    else if (at > 0 && item.slice(0, at) === chain) found = item.slice(at + 1);
  }
  if (found === undefined) return fallback;
  if (!/^\d{1,7}$/.test(found)) throw new UsageError(`--confirmations for ${chain} must be a number of blocks`);
  return Number(found);
}

export interface BitcoinTargets {
  targets: Record<string, BitcoinTarget>;
  /** Chains read through one endpoint only: trusted whole. */
  single: string[];
  requests: { count: number };
}

function readerOf(url: string, timeoutMs: number, requests: { count: number }) {
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--chain-rpc: the Esplora URL ${url} must be http(s)`);
  const get = createEsploraHttpGet(url, { fetch, timeoutMs, onRequest: () => requests.count++ });
  return createEsploraReader(url.replace(/\/+$/, ""), get);
}

export interface BitcoinChainReaderOption {
  reader: BitcoinChainReader;
  /** Blocks below the tip that are final (`--confirmations CHAIN=N`, default 6). */
  confirmations: number;
  /** Read through one endpoint only: trusted whole. */
  single: boolean;
}

/** A reader (one endpoint, or two that must agree) and its confirmations for each bip122 chain given. */
export function bitcoinReaders(
  parsed: Parsed,
  timeoutMs: number,
  requests = { count: 0 },
): Map<string, BitcoinChainReaderOption> {
  const found = new Map<string, BitcoinChainReaderOption>();
  for (const [chain, urls] of bitcoinPairs(parsed, "chain-rpc")) {
    if (urls.length > 2) throw new UsageError(`--chain-rpc ${chain}: at most two Esplora endpoints (they must agree)`);
    const readers = urls.map((url) => readerOf(url, timeoutMs, requests));
    const reader = readers.length === 2 ? agreeingBitcoinReader(readers[0]!, readers[1]!) : readers[0]!;
    const confirmations = confirmationsFor(parsed, chain, BITCOIN_CONFIRMATIONS);
    found.set(chain, { reader, confirmations, single: readers.length === 1 });
  }
  return found;
}

/** A reader (one endpoint, or two that must agree) and final height for each bip122 chain given. */
export async function bitcoinTargets(parsed: Parsed, timeoutMs: number): Promise<BitcoinTargets> {
  const requests = { count: 0 };
  const toHeights = bitcoinPairs(parsed, "to-block");
  const result: BitcoinTargets = { targets: {}, single: [], requests };
  for (const [chain, { reader, confirmations, single }] of bitcoinReaders(parsed, timeoutMs, requests)) {
    if (single) result.single.push(chain);
    const tip = await reader.tipHeight();
    const given = toHeights.get(chain)?.at(-1);
    if (given !== undefined && !/^\d{1,10}$/.test(given)) throw new UsageError(`--to-block ${chain}: not a height`);
    const toHeight = given !== undefined ? Number(given) : tip - confirmations;
    if (toHeight > tip) throw new UsageError(`--to-block ${chain}=${toHeight} is beyond the chain's tip ${tip}`);
    if (toHeight < 0) throw new UsageError(`${chain}: the tip ${tip} is below the confirmations asked`);
    result.targets[chain] = { reader, toHeight };
  }
  return result;
}
