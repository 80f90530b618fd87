/**
 * A bcoin regtest node in process with the Esplora subset served over HTTP on port 0 (server/demo/esplora-bcoin.ts),
 * as the reader, the reconciler and the CLI read it. More endpoints (e.g. one that hides a transaction) can be
 * served from the same node.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BitcoinRegtest, singleKeyWallet, type RegtestWallet } from "../../server/demo/bitcoin-regtest";
import { createEsploraApp, type EsploraOptions } from "../../server/demo/esplora-bcoin";
import { createEsploraHttpGet } from "../../core/chains/bitcoin/esplora-http";
import { createEsploraReader } from "../../core/chains/bitcoin/esplora";

export interface RegtestStack {
  btc: BitcoinRegtest;
  /** The wallet every block's coinbase pays unless told otherwise. */
  miner: RegtestWallet;
  url: string;
  /** Another Esplora endpoint on the same node. */
  serve(options?: EsploraOptions): Promise<string>;
  reader(url?: string, onRequest?: () => void): ReturnType<typeof createEsploraReader>;
  close(): Promise<void>;
}

export async function startRegtestStack(): Promise<RegtestStack> {
  const miner = singleKeyWallet();
  const btc = await BitcoinRegtest.startWithSegwit(miner.address);
  const servers: Server[] = [];
  const serve = async (options?: EsploraOptions) => {
    const server = createEsploraApp(btc, options).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const url = await serve();
  return {
    btc,
    miner,
    url,
    serve,
    reader: (at = url, onRequest) => createEsploraReader(at, createEsploraHttpGet(at, { fetch, onRequest })),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      await btc.close();
    },
  };
}
