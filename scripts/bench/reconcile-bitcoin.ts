/**
 * Bitcoin reconciliation on a bcoin regtest node in process: N movements (5,000 by default) as N real
 * transactions into 4 declared addresses (one of them, the "mining payout address", receiving a quarter: a year
 * of daily payouts and more), disclosed by records, then reconciled by core through the Esplora subset served
 * over real HTTP on 127.0.0.1. Reports the time, Esplora requests, records/s and the share of the wall time with
 * at least one request in flight (the cost the issue expects to dominate), and the payout address alone.
 */
import type { AddressInfo } from "node:net";
import { reconcile, registryCaip10, type RecordInput, type RecordV1 } from "../../core";
import { createEsploraHttpGet } from "../../core/chains/bitcoin/esplora-http";
import { createEsploraReader } from "../../core/chains/bitcoin/esplora";
import { BitcoinRegtest, REGTEST_CHAIN, singleKeyWallet, type RegtestWallet } from "../../server/demo/bitcoin-regtest";
import { btcAmount, btcDeclaration, btcTxRef } from "../../server/demo/bitcoin";
import { createEsploraApp } from "../../server/demo/esplora-bcoin";
import { EMPTY_FIELDS } from "../../server/demo/sample-records";
import { fmt, heading, log, table, type SectionContext, type SectionOutcome } from "./harness";

export interface BitcoinReconcileRun {
  records: number;
  findings: number;
  seconds: number;
  requests: number;
  recordsPerSecond: number;
  busyShare: number;
}

export interface BitcoinReconcileBenchResult {
  movements: number;
  accounts: number;
  all: BitcoinReconcileRun;
  payoutAddress: BitcoinReconcileRun & { transactions: number };
}

const REGISTRY = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

/** A fetch that counts requests and the wall time with at least one in flight. */
function meteredFetch() {
  const stats = { requests: 0, busyMs: 0 };
  let inFlight = 0;
  let since = 0;
  const metered: typeof fetch = async (input, init) => {
    stats.requests++;
    if (inFlight++ === 0) since = performance.now();
    try {
      const response = await fetch(input, init);
      const text = await response.text();
      return new Response(text, { status: response.status, headers: response.headers });
    } finally {
      if (--inFlight === 0) stats.busyMs += performance.now() - since;
    }
  };
  return { metered, stats };
}

async function makeMovements(btc: BitcoinRegtest, from: RegtestWallet, to: RegtestWallet[], count: number) {
  const now = Math.floor(Date.now() / 1000);
  const inputs: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = 100_000n + BigInt(i % 997);
    const txid = await btc.send([from], [{ address: to[i % to.length]!.address, value }], { fee: 500n });
    inputs.push({
      ...EMPTY_FIELDS,
      kind: "INFLOW_MINING",
      occurredAt: now,
      asset: "BTC",
      amount: btcAmount(value),
      reference: btcTxRef(txid),
    });
    if (i % 20 === 19) await btc.mine(1, from.address); // bcoin's mempool allows 25 unconfirmed ancestors
  }
  await btc.mine(7, from.address);
  return inputs;
}

async function timedRun(url: string, records: RecordV1[], toHeight: number): Promise<BitcoinReconcileRun> {
  const { metered, stats } = meteredFetch();
  const reader = createEsploraReader(url, createEsploraHttpGet(url, { fetch: metered }));
  const started = performance.now();
  const report = await reconcile({
    records,
    registry: REGISTRY,
    chains: {},
    bitcoin: { [REGTEST_CHAIN]: { reader, toHeight } },
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    records: records.length,
    findings: report.findings.length,
    seconds,
    requests: stats.requests,
    recordsPerSecond: records.length / seconds,
    busyShare: stats.busyMs / 1000 / seconds,
  };
}

export async function runBitcoinReconcileBench(movements = 5_000, accounts = 4): Promise<BitcoinReconcileBenchResult> {
  const miner = singleKeyWallet();
  const btc = await BitcoinRegtest.startWithSegwit(miner.address);
  const server = createEsploraApp(btc).listen(0, "127.0.0.1");
  try {
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const wallets = Array.from({ length: accounts }, () => singleKeyWallet());
    const now = Math.floor(Date.now() / 1000);
    const declarations = wallets.map((w) => btcDeclaration(REGISTRY, w, btc.height, 0n, now));
    const moves = await makeMovements(btc, miner, wallets, movements);
    const ledger = (inputs: RecordInput[]): RecordV1[] =>
      inputs.map((r, i) => ({ ...r, seq: i + 1, publishedAt: now, publisher: "bench" }));
    const toHeight = btc.height - 6;
    const all = await timedRun(url, ledger([...declarations, ...moves]), toHeight);
    const payout = moves.filter((_, i) => i % accounts === 0);
    const single = await timedRun(url, ledger([declarations[0]!, ...payout]), toHeight);
    return { movements, accounts, all, payoutAddress: { ...single, transactions: payout.length } };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await btc.close();
  }
}

/** The bench section: 5,000 movements (quick: 400) across 4 addresses. */
export async function reconcileBitcoinSection({ quick }: SectionContext): Promise<SectionOutcome> {
  const movements = quick ? 400 : 5_000;
  heading(
    `Bitcoin reconciliation: ${fmt(movements)} transactions into 4 declared addresses, Esplora over HTTP (bcoin regtest)`,
  );
  const r = await runBitcoinReconcileBench(movements);
  const row = (name: string, x: BitcoinReconcileRun) => [
    name,
    fmt(x.records),
    String(x.findings),
    x.seconds.toFixed(2),
    fmt(x.requests),
    fmt(x.recordsPerSecond),
    `${(100 * x.busyShare).toFixed(1)} %`,
  ];
  log(
    table([
      ["run", "records", "findings", "time (s)", "Esplora requests", "records/s", "time with a request in flight"],
      row("all 4 addresses", r.all),
      row(`payout address alone (${fmt(r.payoutAddress.transactions)} txs)`, r.payoutAddress),
    ]),
  );
  return { results: { reconcileBitcoin: r } };
}

if (require.main === module) {
  const count = Number(process.argv.find((a) => a.startsWith("--movements="))?.slice(12) ?? 5_000);
  runBitcoinReconcileBench(count).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
