/**
 * A faithful subset of the Esplora REST API (https://github.com/Blockstream/esplora/blob/master/API.md) served
 * from a bcoin regtest node, for the demo and the tests: the four reads Aiqyn's reader makes, with Esplora's
 * field names, its 25-per-page confirmed history newest first (`/address/:a/txs/chain[/:last_seen_txid]`),
 * plain-text heights and hashes, 404 "Transaction not found", and CORS open to any page (as mempool.space and
 * blockstream.info answer). A real deployment points at mempool.space, blockstream.info or its own electrs.
 */
import express, { type Express, type Response } from "express";
import { Address, OutScript } from "@scure/btc-signer";
import { scureNetwork } from "../../core/chains/bitcoin/networks";
import { REGTEST, revHex, type BcoinMeta, type BitcoinRegtest } from "./bitcoin-regtest";

const PAGE = 25;

function scriptType(script: string): string {
  if (/^0014[0-9a-f]{40}$/.test(script)) return "v0_p2wpkh";
  if (/^0020[0-9a-f]{64}$/.test(script)) return "v0_p2wsh";
  if (/^5120[0-9a-f]{64}$/.test(script)) return "v1_p2tr";
  if (/^76a914[0-9a-f]{40}88ac$/.test(script)) return "p2pkh";
  if (/^a914[0-9a-f]{40}87$/.test(script)) return "p2sh";
  if (script.startsWith("6a")) return "op_return";
  return "unknown";
}

/** The output's address: bcoin's, but a v1 program's in bech32m (bcoin 1.0 predates taproot and writes bech32). */
function addressOf(o: { script: string; address: string | null }): string | null {
  if (!/^5120[0-9a-f]{64}$/.test(o.script)) return o.address;
  return Address(scureNetwork(REGTEST, "rb")).encode(OutScript.decode(Buffer.from(o.script, "hex")));
}

const output = (o: { value: number; script: string; address: string | null }) => {
  const address = addressOf(o);
  return {
    scriptpubkey: o.script,
    scriptpubkey_type: scriptType(o.script),
    ...(address ? { scriptpubkey_address: address } : {}),
    value: o.value,
  };
};

/** A bcoin TXMeta as Esplora's transaction object. */
async function esploraTx(btc: BitcoinRegtest, meta: BcoinMeta) {
  const view = await btc.node.getMetaView(meta);
  const json = meta.tx.getJSON(btc.node.network, view);
  const coinbase = meta.tx.isCoinbase();
  const confirmed = meta.height >= 0;
  return {
    txid: meta.tx.txid(),
    version: json.version,
    locktime: json.locktime,
    vin: json.inputs.map((input, i) => ({
      txid: coinbase ? "0".repeat(64) : input.prevout.hash,
      vout: coinbase ? 0xffffffff : input.prevout.index,
      prevout: coinbase || !input.coin ? null : output(input.coin),
      scriptsig: input.script,
      witness: meta.tx.inputs[i]!.witness.items.map((item) => item.toString("hex")),
      is_coinbase: coinbase,
      sequence: input.sequence,
    })),
    vout: json.outputs.map(output),
    fee: coinbase ? 0 : json.fee,
    status: confirmed
      ? { confirmed: true, block_height: meta.height, block_hash: revHex(meta.block!), block_time: meta.time }
      : { confirmed: false },
  };
}

export interface EsploraOptions {
  /** Test only: txids this endpoint leaves out of every answer (a lying or lagging endpoint). */
  hide?: ReadonlySet<string>;
}

const text = (res: Response, status: number, body: string) => res.status(status).type("text/plain").send(body);

/** An Express app serving the Esplora subset of `btc`. */
export function createEsploraApp(btc: BitcoinRegtest, options: EsploraOptions = {}): Express {
  const app = express();
  const hidden = (txid: string) => options.hide?.has(txid) ?? false;
  app.use((_req, res, next) => {
    res.set("access-control-allow-origin", "*");
    next();
  });
  app.get("/blocks/tip/height", (_req, res) => text(res, 200, String(btc.height)));
  app.get("/block-height/:height", async (req, res) => {
    const height = /^\d{1,9}$/.test(req.params.height) ? Number(req.params.height) : -1;
    const hash = height >= 0 && height <= btc.height ? await btc.node.chain.getHash(height) : null;
    if (!hash) return text(res, 404, "Block not found");
    return text(res, 200, revHex(hash));
  });
  app.get("/block/:hash", async (req, res) => {
    const hash = /^[0-9a-f]{64}$/.test(req.params.hash) ? req.params.hash : null;
    const entry = hash ? await btc.node.chain.getEntry(revHex(hash)) : null;
    if (!entry) return text(res, 404, "Block not found");
    return res.status(200).json({ id: hash, height: entry.height, timestamp: entry.time });
  });
  // An address's confirmed history, newest first, read once per tip (a new block may change it).
  const histories = new Map<string, { height: number; metas: BcoinMeta[] }>();
  const confirmedHistory = async (text: string, address: unknown) => {
    const cached = histories.get(text);
    if (cached && cached.height === btc.height) return cached.metas;
    const metas = (await btc.node.getMetaByAddress([address]))
      .filter((m) => m.height >= 0)
      .sort((a, b) => b.height - a.height || b.index - a.index);
    histories.set(text, { height: btc.height, metas });
    return metas;
  };
  const history = async (req: express.Request, res: Response, last: string | undefined) => {
    let address: unknown;
    try {
      address = btc.address(String(req.params.address));
    } catch {
      return text(res, 400, "Invalid Bitcoin address");
    }
    const metas = (await confirmedHistory(String(req.params.address), address)).filter((m) => !hidden(m.tx.txid()));
    const start = last === undefined ? 0 : metas.findIndex((m) => m.tx.txid() === last) + 1;
    if (last !== undefined && start === 0) return res.json([]);
    res.json(await Promise.all(metas.slice(start, start + PAGE).map((m) => esploraTx(btc, m))));
  };
  app.get("/address/:address/txs/chain", (req, res) => history(req, res, undefined));
  app.get("/address/:address/txs/chain/:last", (req, res) => history(req, res, String(req.params.last)));
  app.get("/tx/:txid", async (req, res) => {
    const txid = req.params.txid;
    const meta = /^[0-9a-f]{64}$/.test(txid) && !hidden(txid) ? await btc.node.getMeta(revHex(txid)) : null;
    if (!meta) return text(res, 404, "Transaction not found");
    res.json(await esploraTx(btc, meta));
  });
  return app;
}
