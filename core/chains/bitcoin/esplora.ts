/**
 * What the Bitcoin reconciler asks of a chain (BitcoinChainReader), over the Esplora REST API that
 * mempool.space, blockstream.info and self-hosted electrs serve (https://github.com/Blockstream/esplora/blob/master/API.md):
 * `/blocks/tip/height`, `/block-height/:h`, `/address/:a/txs/chain[/:last_txid]` (confirmed history, newest
 * first, 25 a page) and `/tx/:txid`. The HTTP transport is injected (core/chains/bitcoin/esplora-http.ts over fetch);
 * answers are parsed strictly: anything but the documented shape is RPC_BAD_ANSWER, never "nothing there".
 */
import { AiqynError } from "../../protocol/errors";
import { isObject } from "../../protocol/shape";
import { isTxid } from "./ids";

/** One output or spent output: the script it pays (hex, the key accounts are compared by) and its value. */
export interface BitcoinTxOut {
  script: string;
  value: bigint;
}

export interface BitcoinTx {
  txid: string;
  /** The confirming block's height and hash; null while unconfirmed. */
  height: number | null;
  blockHash: string | null;
  /** The confirming block's time (unix seconds); null while unconfirmed. */
  time: number | null;
  coinbase: boolean;
  /** The outputs the inputs spend (empty for a coinbase transaction). */
  inputs: BitcoinTxOut[];
  outputs: BitcoinTxOut[];
}

/** Esplora's page size for `/address/:a/txs/chain`. */
export const ESPLORA_PAGE_SIZE = 25;

export interface BitcoinChainReader {
  /** Where the reads go, for messages (an endpoint's URL). */
  readonly name: string;
  tipHeight(): Promise<number>;
  blockHash(height: number): Promise<string>;
  /** The block's time (its header's timestamp, unix seconds): `/block/:hash`'s `timestamp`. */
  blockTime(hash: string): Promise<number>;
  /** One page of the address's confirmed history, newest first, after `lastTxid` (null: the newest). */
  historyPage(address: string, lastTxid: string | null): Promise<BitcoinTx[]>;
  /** The transaction, or null when the endpoint knows none by that id. */
  transaction(txid: string): Promise<BitcoinTx | null>;
}

/** GET `path` (e.g. `/tx/ab…`) of the endpoint: its status and body text. */
export type EsploraGet = (path: string) => Promise<{ status: number; text: string }>;

const MAX_SATS = 21_000_000n * 100_000_000n;

function bad(name: string, what: string): never {
  throw new AiqynError("RPC_BAD_ANSWER", `the Esplora endpoint ${name} answered ${what}`);
}

function sats(value: unknown, name: string): bigint {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || BigInt(value) > MAX_SATS)
    bad(name, "a value that is not a satoshi amount");
  return BigInt(value);
}

function hexScript(value: unknown, name: string): string {
  if (typeof value !== "string" || !/^([0-9a-f]{2})*$/.test(value)) bad(name, "a script that is not lowercase hex");
  return value;
}

function parseOut(raw: unknown, name: string): BitcoinTxOut {
  if (!isObject(raw)) bad(name, "an output that is not an object");
  return { script: hexScript(raw.scriptpubkey, name), value: sats(raw.value, name) };
}

/** An Esplora transaction object (the fields the reconciler reads), strictly. */
export function parseEsploraTx(raw: unknown, name: string): BitcoinTx {
  if (!isObject(raw) || typeof raw.txid !== "string" || !isTxid(raw.txid)) bad(name, "a transaction without a txid");
  if (!Array.isArray(raw.vin) || !Array.isArray(raw.vout) || raw.vin.length === 0)
    bad(name, `transaction ${raw.txid} without vin and vout arrays`);
  const coinbase = raw.vin.some((input) => isObject(input) && input.is_coinbase === true);
  if (coinbase && raw.vin.length !== 1) bad(name, `coinbase transaction ${raw.txid} with more than one input`);
  const inputs = coinbase
    ? []
    : raw.vin.map((input: unknown) => {
        if (!isObject(input) || input.is_coinbase !== false) bad(name, `an input of ${raw.txid} that is not an object`);
        return parseOut(input.prevout, name);
      });
  const status = raw.status;
  if (!isObject(status) || typeof status.confirmed !== "boolean") bad(name, `transaction ${raw.txid} without a status`);
  let height: number | null = null;
  let blockHash: string | null = null;
  let time: number | null = null;
  if (status.confirmed) {
    if (!Number.isSafeInteger(status.block_time)) bad(name, `transaction ${raw.txid} without a block time`);
    time = status.block_time as number;
    if (!Number.isSafeInteger(status.block_height) || (status.block_height as number) < 0)
      bad(name, `transaction ${raw.txid} without a block height`);
    if (typeof status.block_hash !== "string" || !isTxid(status.block_hash))
      bad(name, `transaction ${raw.txid} without a block hash`);
    height = status.block_height as number;
    blockHash = status.block_hash;
  }
  return { txid: raw.txid, height, blockHash, time, coinbase, inputs, outputs: raw.vout.map((o) => parseOut(o, name)) };
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return bad(name, "something that is not JSON");
  }
}

function ok(answer: { status: number; text: string }, name: string, path: string): string {
  if (answer.status !== 200)
    throw new AiqynError("RPC_UNREACHABLE", `the Esplora endpoint ${name} answered HTTP ${answer.status} to ${path}`);
  return answer.text;
}

/** A BitcoinChainReader over an Esplora endpoint. */
export function createEsploraReader(name: string, get: EsploraGet): BitcoinChainReader {
  const text = async (path: string) => ok(await get(path), name, path);
  return {
    name,
    tipHeight: async () => {
      const body = (await text("/blocks/tip/height")).trim();
      if (!/^(0|[1-9][0-9]{0,9})$/.test(body)) bad(name, "a tip height that is not a number");
      return Number(body);
    },
    blockHash: async (height) => {
      const body = (await text(`/block-height/${height}`)).trim();
      if (!isTxid(body)) bad(name, `a block hash at height ${height} that is not 64 lowercase hex`);
      return body;
    },
    blockTime: async (hash) => {
      const block = parseJson(await text(`/block/${hash}`), name);
      if (
        !isObject(block) ||
        block.id !== hash ||
        !Number.isSafeInteger(block.timestamp) ||
        (block.timestamp as number) < 0
      )
        bad(name, `block ${hash} without its id and a timestamp`);
      return block.timestamp as number;
    },
    historyPage: async (address, lastTxid) => {
      const path = `/address/${encodeURIComponent(address)}/txs/chain${lastTxid ? `/${lastTxid}` : ""}`;
      const page = parseJson(await text(path), name);
      if (!Array.isArray(page) || page.length > ESPLORA_PAGE_SIZE)
        bad(name, `a history page that is not an array of ≤ 25`);
      const txs = page.map((tx) => parseEsploraTx(tx, name));
      if (txs.some((tx) => tx.height === null)) bad(name, "an unconfirmed transaction in a confirmed history");
      return txs;
    },
    transaction: async (txid) => {
      const path = `/tx/${txid}`;
      const answer = await get(path);
      if (answer.status === 404) return null;
      const tx = parseEsploraTx(parseJson(ok(answer, name, path), name), name);
      if (tx.txid !== txid) bad(name, `transaction ${tx.txid} when asked for ${txid}`);
      return tx;
    },
  };
}

/** Where a history scan stands: what it has read, and the txid to read on from (null: not started). */
export interface HistoryScan {
  address: string;
  txs: BitcoinTx[];
  lastTxid: string | null;
  done: boolean;
}

/**
 * An address's whole confirmed history, page by page. `resume` continues a scan that stopped (its state is
 * handed to `onPage` after every page, to be kept where the caller likes); a short page ends the history.
 */
export async function scanHistory(
  reader: BitcoinChainReader,
  address: string,
  options: { resume?: HistoryScan; onPage?: (scan: HistoryScan) => void } = {},
): Promise<HistoryScan> {
  const scan: HistoryScan = options.resume
    ? { ...options.resume, txs: [...options.resume.txs] }
    : { address, txs: [], lastTxid: null, done: false };
  const seen = new Set(scan.txs.map((tx) => tx.txid));
  while (!scan.done) {
    const page = await reader.historyPage(address, scan.lastTxid);
    for (const tx of page) {
      if (seen.has(tx.txid)) bad(reader.name, `transaction ${tx.txid} twice in the history of ${address}`);
      seen.add(tx.txid);
      scan.txs.push(tx);
    }
    scan.lastTxid = page.at(-1)?.txid ?? scan.lastTxid;
    scan.done = page.length < ESPLORA_PAGE_SIZE;
    options.onPage?.(scan);
  }
  return scan;
}

/** What `tx` moves for the account paying `script`: received (its outputs to it) and spent (its inputs from it). */
export function movedFor(tx: BitcoinTx, script: string): { received: bigint; spent: bigint } {
  let received = 0n;
  let spent = 0n;
  for (const o of tx.outputs) if (o.script === script) received += o.value;
  for (const i of tx.inputs) if (i.script === script) spent += i.value;
  return { received, spent };
}

/** The confirmed balance of `script` at the end of block `height`, from its history. */
export function balanceFromHistory(txs: BitcoinTx[], script: string, height: number): bigint {
  let balance = 0n;
  for (const tx of txs) {
    if (tx.height === null || tx.height > height) continue;
    const { received, spent } = movedFor(tx, script);
    balance += received - spent;
  }
  return balance;
}
