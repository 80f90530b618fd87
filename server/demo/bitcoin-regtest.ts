/**
 * A real Bitcoin node in process for the demo and the tests: bcoin's full node on regtest, in memory, with its
 * transaction and address indexes. bcoin is required lazily here only (it never loads on the production path).
 * Transactions are built and signed with @scure/btc-signer and accepted by bcoin's own script checks (its
 * mempool refuses anything invalid), then mined with `generatetoaddress`.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { p2ms, p2wpkh, p2wsh, Transaction } from "@scure/btc-signer";
import { compareBytes } from "../../core";
import {
  bitcoinNetwork,
  decodeBitcoinAddress,
  REGTEST_GENESIS,
  scureNetwork,
  type BitcoinNetwork,
} from "../../core/chains/bitcoin/networks";

export const REGTEST: BitcoinNetwork = bitcoinNetwork(REGTEST_GENESIS)!;
/** bcoin's regtest bech32 prefix. */
const NET = scureNetwork(REGTEST, "rb");
export const REGTEST_CHAIN = `bip122:${REGTEST_GENESIS}`;

/** An address the node's keys can spend: one P2WPKH key, or an m-of-n sortedmulti P2WSH. */
export interface RegtestWallet {
  address: string;
  /** The scriptPubKey, hex. */
  script: string;
  keys: Uint8Array[];
  /** For a multisig: its witness script and m. */
  witnessScript?: Uint8Array;
  m?: number;
}

export function singleKeyWallet(key: Uint8Array = secp256k1.utils.randomSecretKey()): RegtestWallet {
  const payment = p2wpkh(secp256k1.getPublicKey(key, true), NET);
  return { address: payment.address!, script: Buffer.from(payment.script).toString("hex"), keys: [key] };
}

export function multisigWallet(m: number, keys: Uint8Array[]): RegtestWallet {
  const pubkeys = keys.map((k) => secp256k1.getPublicKey(k, true)).sort(compareBytes);
  const payment = p2wsh(p2ms(m, pubkeys), NET);
  return {
    address: payment.address!,
    script: Buffer.from(payment.script).toString("hex"),
    keys,
    witnessScript: payment.witnessScript!,
    m,
  };
}

/** bcoin 1.0 spells hashes as hex in internal byte order (a txid reversed). */
export const revHex = (hex: string): string => Buffer.from(hex, "hex").reverse().toString("hex");

interface BcoinCoin {
  hash: string;
  index: number;
  value: number;
  height: number;
  coinbase: boolean;
}

/** The parts of bcoin's FullNode used here and by the Esplora subset (server/demo/esplora-bcoin.ts). */
export interface BcoinNode {
  chain: {
    height: number;
    getHash(height: number): Promise<string | null>;
    getEntryByHeight(h: number): Promise<{ time: number } | null>;
    /** The block's entry by its (byte-reversed, bcoin's internal order) hash. */
    getEntry(hash: string): Promise<{ time: number; height: number } | null>;
  };
  mempool: { addTX(tx: unknown): Promise<unknown> };
  network: unknown;
  getMeta(hash: string): Promise<BcoinMeta | null>;
  getMetaByAddress(addresses: unknown[]): Promise<BcoinMeta[]>;
  getMetaView(meta: BcoinMeta): Promise<unknown>;
  getCoinsByAddress(addresses: unknown[]): Promise<BcoinCoin[]>;
  rpc: { execute(call: { method: string; params: unknown[] }): Promise<unknown> };
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface BcoinMeta {
  tx: {
    txid(): string;
    inputs: { witness: { items: Buffer[] } }[];
    isCoinbase(): boolean;
    getJSON(network: unknown, view: unknown): BcoinTxJson;
  };
  height: number;
  index: number;
  block: string | null;
  time: number;
}

export interface BcoinTxJson {
  version: number;
  locktime: number;
  fee: number;
  inputs: {
    prevout: { hash: string; index: number };
    script: string;
    witness: string;
    sequence: number;
    coin?: BcoinCoinJson;
  }[];
  outputs: BcoinCoinJson[];
}

interface BcoinCoinJson {
  value: number;
  script: string;
  address: string | null;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadBcoin = () => ((process.env.NODE_BACKEND = "js"), require("bcoin"));

export class BitcoinRegtest {
  private constructor(
    readonly node: BcoinNode,
    private readonly bcoin: {
      TX: { fromRaw(raw: Buffer): unknown };
      Address: { fromString(a: string, n: unknown): unknown; fromScript(script: unknown): unknown };
      Script: { fromRaw(raw: Buffer): unknown };
    },
  ) {}

  static async start(): Promise<BitcoinRegtest> {
    const bcoin = loadBcoin();
    const node = new bcoin.FullNode({
      network: "regtest",
      memory: true,
      indexTX: true,
      indexAddress: true,
      logLevel: "none",
      listen: false,
      selfish: true,
      // bcoin's own HTTP API is not used (the Esplora subset is served apart), but it always listens: on a port
      // of its own choosing, not regtest's fixed 48332, so several nodes can run at once (parallel test files).
      httpHost: "127.0.0.1",
      httpPort: 0,
    }) as BcoinNode;
    await node.open();
    return new BitcoinRegtest(node, bcoin);
  }

  /** bcoin's regtest activates segwit by version bits: 432 blocks (3 windows of 144) before a witness spend. */
  static readonly SEGWIT_HEIGHT = 432;

  /** A node with segwit active and every coinbase up to now paid to `address`. */
  static async startWithSegwit(address: string): Promise<BitcoinRegtest> {
    const btc = await BitcoinRegtest.start();
    await btc.mine(BitcoinRegtest.SEGWIT_HEIGHT, address);
    return btc;
  }

  get height(): number {
    return this.node.chain.height;
  }

  /** bcoin's Address objects, as its indexes want them. */
  address(text: string): unknown {
    try {
      return this.bcoin.Address.fromString(text, this.node.network);
    } catch (error) {
      // bcoin 1.0 predates bech32m (taproot): read the address with core, index by its output script.
      const decoded = decodeBitcoinAddress(REGTEST, text);
      if (!decoded.ok) throw error;
      const script = this.bcoin.Script.fromRaw(Buffer.from(decoded.value.scriptBytes));
      return this.bcoin.Address.fromScript(script);
    }
  }

  /** Mines `n` blocks paying their coinbase to `address`; returns their hashes. */
  async mine(n: number, address: string): Promise<string[]> {
    return (await this.node.rpc.execute({ method: "generatetoaddress", params: [n, address] })) as string[];
  }

  /** Spendable coins of a wallet (coinbase outputs only once 100 blocks deep). */
  async coins(wallet: RegtestWallet): Promise<BcoinCoin[]> {
    const coins = await this.node.getCoinsByAddress([this.address(wallet.address)]);
    return coins.filter((c) => !c.coinbase || this.height - c.height + 1 > 100).sort((a, b) => a.height - b.height);
  }

  /**
   * Spends coins of `from` (each wallet's coins, in order, until the outputs and the fee are covered; or exactly
   * `inputs` coins of each wallet) to `outputs`, the change to the first wallet; sends it to the mempool.
   */
  async send(
    from: RegtestWallet[],
    outputs: { address: string; value: bigint }[],
    options: { fee?: bigint; change?: string; inputsPerWallet?: number } = {},
  ): Promise<string> {
    const fee = options.fee ?? 1_000n;
    const need = outputs.reduce((sum, o) => sum + o.value, 0n) + fee;
    const tx = new Transaction();
    let total = 0n;
    for (const wallet of from) {
      let taken = 0;
      for (const coin of await this.coins(wallet)) {
        if (options.inputsPerWallet !== undefined ? taken >= options.inputsPerWallet : total >= need) break;
        tx.addInput({
          txid: revHex(coin.hash),
          index: coin.index,
          witnessUtxo: { script: Buffer.from(wallet.script, "hex"), amount: BigInt(coin.value) },
          ...(wallet.witnessScript ? { witnessScript: wallet.witnessScript } : {}),
        });
        total += BigInt(coin.value);
        taken++;
      }
    }
    if (total < need) throw new Error(`the wallets hold ${total} sats spendable; ${need} needed`);
    for (const o of outputs) tx.addOutputAddress(o.address, o.value, NET);
    if (total > need) tx.addOutputAddress(options.change ?? from[0]!.address, total - need, NET);
    for (const wallet of from) for (const key of wallet.keys.slice(0, wallet.m ?? 1)) tx.sign(key);
    tx.finalize();
    await this.node.mempool.addTX(this.bcoin.TX.fromRaw(Buffer.from(tx.hex, "hex")));
    return tx.id;
  }

  async close(): Promise<void> {
    await this.node.close();
  }
}
