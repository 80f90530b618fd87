/**
 * Two Esplora endpoints read as one, as two RPCs are on EVM (core/verify/chain-reads.ts): every block hash, history
 * page and transaction is asked of both and must be equal, else RPCS_DISAGREE naming both endpoints and the read.
 * The tip is the lower of the two (one may be a block behind); the final height's hash is then compared.
 */
import { AiqynError } from "../../protocol/errors";
import { RPCS_DISAGREE } from "../../verify/chain-reads";
import type { BitcoinChainReader } from "./esplora";

const canonical = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

export function agreeingBitcoinReader(a: BitcoinChainReader, b: BitcoinChainReader): BitcoinChainReader {
  const both = async <T>(what: string, read: (r: BitcoinChainReader) => Promise<T>): Promise<T> => {
    const [x, y] = await Promise.all([read(a), read(b)]);
    if (canonical(x) !== canonical(y))
      throw new AiqynError(RPCS_DISAGREE, `the Esplora endpoints ${a.name} and ${b.name} answer ${what} differently`, {
        details: { what, endpoints: [a.name, b.name] },
      });
    return x;
  };
  return {
    name: `${a.name} and ${b.name}`,
    tipHeight: async () => Math.min(...(await Promise.all([a.tipHeight(), b.tipHeight()]))),
    blockHash: (height) => both(`the block hash at height ${height}`, (r) => r.blockHash(height)),
    blockTime: (hash) => both(`the time of block ${hash}`, (r) => r.blockTime(hash)),
    historyPage: (address, lastTxid) =>
      both(`the history of ${address}${lastTxid ? ` after ${lastTxid}` : ""}`, (r) => r.historyPage(address, lastTxid)),
    transaction: (txid) => both(`transaction ${txid}`, (r) => r.transaction(txid)),
  };
}
