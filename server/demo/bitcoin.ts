/**
 * The demo's Bitcoin half (`npm start -- --demo`): a bcoin regtest node in memory (server/demo/bitcoin-regtest.ts)
 * where the fund's mining address receives coinbase outputs (the state's mining revenue), seized coins move from
 * an "exchange" address to the fund's cold 2-of-3 multisig, a grant is paid out and coins move between the
 * fund's own addresses; and the records that disclose all of it truthfully: declarations with real BIP-322
 * signatures, one movement record per transaction by DESIGN's rule, snapshots. Its keys are random per run
 * (in memory, local use only). bcoin loads only when this runs.
 */
import type { AddressInfo } from "node:net";
import { secp256k1 } from "@noble/curves/secp256k1";
import type { RecordInput } from "../../core";
import { signBip322Multisig, signBip322P2wpkh } from "../../core/chains/bitcoin/bip322-sign";
import { controlMessage } from "../../core/protocol/references";
import { BitcoinRegtest, multisigWallet, REGTEST_CHAIN, singleKeyWallet, type RegtestWallet } from "./bitcoin-regtest";
import { createEsploraApp } from "./esplora-bcoin";
import { EMPTY_FIELDS } from "./sample-records";

export const BTC_ASSET = `${REGTEST_CHAIN}/slip44:0`;
const SATS = 100_000_000n;

export interface BitcoinFund {
  btc: BitcoinRegtest;
  /** Receives the fund's coinbase outputs. */
  mining: RegtestWallet;
  /** The fund's cold 2-of-3 multisig. */
  cold: RegtestWallet;
  /** Not the fund's: where seized coins sat, and where other blocks' coinbases go. */
  exchange: RegtestWallet;
  grantee: RegtestWallet;
  /** The height the fund's declarations speak from. */
  declaredAt: number;
  records: RecordInput[];
}

export const btcAmount = (sats: bigint): string => {
  const whole = sats / SATS;
  const fraction = (sats % SATS).toString().padStart(8, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
};

export const btcAccount = (wallet: RegtestWallet): string => `${REGTEST_CHAIN}:${wallet.address}`;
export const btcTxRef = (txid: string): string => `${REGTEST_CHAIN}/tx/${txid}`;

function record(now: number, fields: Partial<RecordInput> & Pick<RecordInput, "kind" | "amount">): RecordInput {
  return { ...EMPTY_FIELDS, occurredAt: now - 60, asset: "BTC", ...fields };
}

/** A declaration of `wallet` at `height` with `sats`, signed by its key(s) (BIP-322 simple). */
export function btcDeclaration(
  registry: string,
  wallet: RegtestWallet,
  height: number,
  sats: bigint,
  now: number,
  signers = wallet.keys,
): RecordInput {
  const account = btcAccount(wallet);
  const message = controlMessage(registry, account, BTC_ASSET);
  const memo = wallet.witnessScript
    ? signBip322Multisig(
        signers.slice(0, wallet.m),
        { witnessScript: wallet.witnessScript, script: Buffer.from(wallet.script, "hex") },
        message,
      )
    : signBip322P2wpkh(signers[0]!, message);
  return record(now, {
    kind: "WALLET_DECLARED",
    amount: btcAmount(sats),
    counterparty: account,
    reference: `${BTC_ASSET}@${height}`,
    memo,
  });
}

export function btcSnapshot(wallet: RegtestWallet, height: number, sats: bigint, now: number): RecordInput {
  return record(now, {
    kind: "VALUATION",
    amount: btcAmount(sats),
    counterparty: btcAccount(wallet),
    reference: `${BTC_ASSET}@${height}`,
  });
}

/** The confirmed balance of a wallet now (the node's unspent outputs, coinbase ones whether mature or not). */
export async function balanceOf(btc: BitcoinRegtest, wallet: RegtestWallet): Promise<bigint> {
  const coins = await btc.node.getCoinsByAddress([btc.address(wallet.address)]);
  return coins.reduce((sum, c) => sum + BigInt(c.value), 0n);
}

/** The coinbase output of the block at `hash`, as a txid and value. */
async function coinbaseOf(btc: BitcoinRegtest, wallet: RegtestWallet, blockHash: string) {
  const block = (await btc.node.rpc.execute({ method: "getblock", params: [blockHash, true, false] })) as {
    tx: string[];
  };
  const txid = block.tx[0]!;
  const meta = (await btc.node.getMeta(Buffer.from(txid, "hex").reverse().toString("hex")))!;
  const json = meta.tx.getJSON(btc.node.network, null);
  const value = json.outputs.filter((o) => o.address === wallet.address).reduce((s, o) => s + BigInt(o.value), 0n);
  return { txid, value };
}

/**
 * Runs the fund's Bitcoin year on `btc` (segwit already active) and returns the records that disclose it.
 * `registry` is the pinned registry's CAIP-10 (the control message names it).
 */
export async function runBitcoinFund(
  btc: BitcoinRegtest,
  exchange: RegtestWallet,
  registry: string,
  now: number,
): Promise<BitcoinFund> {
  const mining = singleKeyWallet();
  const cold = multisigWallet(
    2,
    [1, 2, 3].map(() => secp256k1.utils.randomSecretKey()),
  );
  const grantee = singleKeyWallet();
  const records: RecordInput[] = [];
  const declaredAt = btc.height;
  records.push(
    btcDeclaration(registry, mining, declaredAt, 0n, now),
    btcDeclaration(registry, cold, declaredAt, 0n, now),
  );
  for (const hash of await btc.mine(3, mining.address)) {
    const coinbase = await coinbaseOf(btc, mining, hash);
    records.push(
      record(now, {
        kind: "INFLOW_MINING",
        amount: btcAmount(coinbase.value),
        counterparty: "state mining",
        reference: btcTxRef(coinbase.txid),
      }),
    );
  }
  const seizure = await btc.send([exchange], [{ address: cold.address, value: 2n * SATS }]);
  records.push(
    record(now, {
      kind: "INFLOW_SEIZURE",
      amount: "2",
      counterparty: "court order 2-17/2025",
      reference: btcTxRef(seizure),
    }),
  );
  await btc.mine(1, exchange.address);
  const grant = await btc.send([cold], [{ address: grantee.address, value: SATS / 2n }], { fee: 2_000n });
  records.push(
    record(now, {
      kind: "GRANT",
      amount: "0.5",
      counterparty: "Aqtobe school robotics lab",
      reference: btcTxRef(grant),
    }),
  );
  await btc.mine(1, exchange.address);
  // cold → mining: out > 0, external = 0, a TRANSFER of what arrives (in: the sum of both outputs)
  const coldLeft = await balanceOf(btc, cold);
  const moved = await btc.send([cold], [{ address: mining.address, value: SATS / 4n }], { fee: 1_500n });
  records.push(
    record(now, {
      kind: "TRANSFER",
      amount: btcAmount(coldLeft - 1_500n),
      counterparty: "fund's own addresses",
      reference: btcTxRef(moved),
    }),
  );
  await btc.mine(1, exchange.address);
  const snapshotAt = btc.height;
  records.push(
    btcSnapshot(mining, snapshotAt, await balanceOf(btc, mining), now),
    btcSnapshot(cold, snapshotAt, await balanceOf(btc, cold), now),
  );
  await btc.mine(6, exchange.address); // the default confirmations: everything above is final
  return { btc, mining, cold, exchange, grantee, declaredAt, records };
}

/** The demo's running Bitcoin node and its Esplora endpoint. */
export interface DemoBitcoin {
  url: string;
  chain: string;
  btc: BitcoinRegtest;
  /** Runs the fund's year on the node and returns its records (registry: the pinned registry's CAIP-10). */
  fundRecords(registry: string, now: number): Promise<RecordInput[]>;
  close(): Promise<void>;
}

/**
 * Starts the demo's regtest node in memory (segwit active, its coinbases to an "exchange" that is not the
 * fund's) and serves the Esplora subset on `port` (0: a free one) of `host`.
 */
export async function startDemoBitcoin(host = "127.0.0.1", port = 0): Promise<DemoBitcoin> {
  const exchange = singleKeyWallet();
  const btc = await BitcoinRegtest.startWithSegwit(exchange.address);
  const server = createEsploraApp(btc).listen(port, host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    chain: REGTEST_CHAIN,
    btc,
    fundRecords: async (registry, now) => (await runBitcoinFund(btc, exchange, registry, now)).records,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await btc.close();
    },
  };
}
