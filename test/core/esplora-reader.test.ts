import { expect } from "chai";
import { AiqynError } from "../../core";
import { agreeingBitcoinReader } from "../../core/chains/bitcoin/esplora-agree";
import { createEsploraHttpGet } from "../../core/chains/bitcoin/esplora-http";
import {
  balanceFromHistory,
  createEsploraReader,
  scanHistory,
  type HistoryScan,
} from "../../core/chains/bitcoin/esplora";
import { singleKeyWallet } from "../../server/demo/bitcoin-regtest";
import { startRegtestStack, type RegtestStack } from "../helpers/bitcoin";

describe("the Esplora reader (core/chains/bitcoin/esplora*.ts) on a bcoin regtest node", function () {
  this.timeout(120_000);
  let stack: RegtestStack;
  const payee = singleKeyWallet();
  const txids: string[] = [];

  before(async () => {
    stack = await startRegtestStack();
    // 30 payments to one address over 3 blocks: more than a page of history
    for (let block = 0; block < 3; block++) {
      for (let i = 0; i < 10; i++)
        txids.push(await stack.btc.send([stack.miner], [{ address: payee.address, value: 10_000n + BigInt(i) }]));
      await stack.btc.mine(1, stack.miner.address);
    }
    const back = await stack.btc.send([payee], [{ address: stack.miner.address, value: 50_000n }], { fee: 500n });
    txids.push(back);
    await stack.btc.mine(1, stack.miner.address);
  });
  after(() => stack.close());

  it("reads the tip, block hashes and transactions as the node has them", async () => {
    const reader = stack.reader();
    expect(await reader.tipHeight()).to.equal(stack.btc.height);
    expect(await reader.blockHash(0)).to.equal("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
    const tx = await reader.transaction(txids[0]!);
    expect(tx).to.deep.include({ txid: txids[0], coinbase: false, height: stack.btc.height - 3 });
    expect(tx!.outputs.some((o) => o.script === payee.script && o.value === 10_000n)).to.equal(true);
    expect(await reader.transaction("ab".repeat(32))).to.equal(null);
    expect(await reader.blockTime(tx!.blockHash!), "a block's time is its transactions' block time").to.equal(tx!.time);
  });

  it("pages an address's confirmed history 25 at a time, newest first, to the whole of it", async () => {
    let requests = 0;
    const reader = stack.reader(stack.url, () => requests++);
    const first = await reader.historyPage(payee.address, null);
    expect(first).to.have.length(25);
    expect(first[0]!.txid).to.equal(txids.at(-1));
    const heights = first.map((t) => t.height!);
    expect(heights).to.deep.equal([...heights].sort((a, b) => b - a));
    requests = 0;
    const scan = await scanHistory(reader, payee.address);
    expect(requests).to.equal(2);
    expect(scan.txs.map((t) => t.txid)).to.have.members(txids);
    const coins = await stack.btc.node.getCoinsByAddress([stack.btc.address(payee.address)]);
    const held = coins.reduce((sum, c) => sum + BigInt(c.value), 0n);
    expect(balanceFromHistory(scan.txs, payee.script, stack.btc.height)).to.equal(held);
    const beforeSpend = balanceFromHistory(scan.txs, payee.script, stack.btc.height - 1);
    expect(beforeSpend).to.equal(3n * (10n * 10_000n + 45n));
  });

  it("resumes a scan that stopped from the state it handed out", async () => {
    const reader = stack.reader();
    let saved: HistoryScan | null = null;
    const crash = new Error("stopped after one page");
    const stopped = await scanHistory(reader, payee.address, {
      onPage: (scan) => {
        saved = structuredClone(scan);
        throw crash;
      },
    }).catch((e: unknown) => e);
    expect(stopped).to.equal(crash);
    expect(saved!.txs).to.have.length(25);
    const paths: string[] = [];
    const resumedReader = createEsploraReader(
      stack.url,
      createEsploraHttpGet(stack.url, { fetch, onRequest: (p) => paths.push(p) }),
    );
    const resumed = await scanHistory(resumedReader, payee.address, { resume: saved! });
    expect(paths).to.deep.equal([`/address/${payee.address}/txs/chain/${saved!.lastTxid}`]);
    expect(resumed.txs.map((t) => t.txid)).to.deep.equal(
      (await scanHistory(reader, payee.address)).txs.map((t) => t.txid),
    );
  });

  it("waits out 429s (Retry-After, then doubling backoff) and gives up with a coded error", async () => {
    let refusals = 2;
    const waits: number[] = [];
    const limited: typeof fetch = async (input, init) =>
      refusals-- > 0
        ? new Response("slow down", { status: 429, headers: refusals === 1 ? { "retry-after": "1" } : {} })
        : fetch(input, init);
    const get = createEsploraHttpGet(stack.url, {
      fetch: limited,
      backoffMs: 10,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await createEsploraReader(stack.url, get).tipHeight()).to.equal(stack.btc.height);
    expect(waits).to.deep.equal([1000, 20]);
    const always: typeof fetch = async () => new Response("no", { status: 429 });
    const never = createEsploraHttpGet(stack.url, { fetch: always, retries: 2, sleep: async () => undefined });
    const error = await createEsploraReader(stack.url, never)
      .tipHeight()
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AiqynError).with.property("code", "RPC_UNREACHABLE");
    expect((error as Error).message).to.match(/rate limited\) after 2 retries/);
  });

  it("refuses answers that are not Esplora's shape as RPC_BAD_ANSWER, never as nothing", async () => {
    const answer = (body: string, status = 200) => createEsploraReader("hostile", async () => ({ status, text: body }));
    for (const read of [
      () => answer("12abc").tipHeight(),
      () => answer("ABCD").blockHash(1),
      () => answer("{}").historyPage(payee.address, null),
      () => answer(JSON.stringify([{ txid: "ab".repeat(32) }])).historyPage(payee.address, null),
      () => answer("not json").transaction("ab".repeat(32)),
      () => answer(JSON.stringify({ id: "cd".repeat(32), timestamp: 1 })).blockTime("ab".repeat(32)),
      () => answer(JSON.stringify({ id: "ab".repeat(32), timestamp: "1" })).blockTime("ab".repeat(32)),
    ]) {
      const error = await read().catch((e: unknown) => e);
      expect(error).to.have.property("code", "RPC_BAD_ANSWER");
    }
    const real = await stack.reader().transaction(txids[0]!);
    const raw = await (await fetch(`${stack.url}/tx/${txids[1]}`)).text();
    const swapped = await answer(raw)
      .transaction(txids[0]!)
      .catch((e: unknown) => e);
    expect(real).to.not.equal(null);
    expect(swapped).to.have.property("code", "RPC_BAD_ANSWER");
  });

  it("with two endpoints, refuses a history one of them hides a transaction from, naming both", async () => {
    const liar = await stack.serve({ hide: new Set([txids[5]!]) });
    const honest = agreeingBitcoinReader(stack.reader(), stack.reader(await stack.serve()));
    expect((await scanHistory(honest, payee.address)).txs).to.have.length(txids.length);
    const both = agreeingBitcoinReader(stack.reader(), stack.reader(liar));
    const error = await scanHistory(both, payee.address).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AiqynError).with.property("code", "RPCS_DISAGREE");
    expect((error as Error).message)
      .to.include(stack.url)
      .and.include(liar)
      .and.include(payee.address);
    const hidden = await both.transaction(txids[5]!).catch((e: unknown) => e);
    expect(hidden).to.have.property("code", "RPCS_DISAGREE");
  });
});
