// The reconciler over a longer honest history (a few hundred movements, several accounts, token and native), and
// its log scan through an RPC that refuses wide eth_getLogs ranges, as public endpoints do.
import { expect } from "chai";
import { ethers } from "hardhat";
import { formatEther, parseUnits } from "ethers";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { createHttpRpc } from "../../scripts/cli/rpc";
import {
  codesOf,
  deployDemoToken,
  expectClean,
  Ledger,
  logRef,
  nativeAsset,
  rpc,
  runReconcile,
  transferLogIndex,
  txRef,
  type DemoToken,
} from "./reconcile-fixture";

/** A JSON-RPC proxy to the in-process chain that refuses eth_getLogs over more than `maxRange` blocks. */
async function rangeCappedRpc(maxRange: number) {
  const seen = { refused: 0, getLogs: 0 };
  type Call = { id: number; method: string; params: unknown[] };
  const answerOne = async (call: Call): Promise<object> => {
    const reply = (payload: object) => ({ jsonrpc: "2.0", id: call.id, ...payload });
    if (call.method === "eth_getLogs") {
      seen.getLogs++;
      const filter = call.params[0] as { fromBlock: string; toBlock: string };
      if (Number(filter.toBlock) - Number(filter.fromBlock) + 1 > maxRange) {
        seen.refused++;
        return reply({ error: { code: -32005, message: `query exceeds max block range ${maxRange}` } });
      }
    }
    return rpc(call.method, call.params).then(
      (result) => reply({ result }),
      (error: Error) => reply({ error: { code: -32000, message: error.message } }),
    );
  };
  // Like public RPCs, it takes a single call or a JSON-RPC batch (an array), answering in kind.
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as Call | Call[];
      const answer = Array.isArray(parsed) ? Promise.all(parsed.map(answerOne)) : answerOne(parsed);
      void answer.then((payload) => res.end(JSON.stringify(payload)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A small deterministic PRNG (mulberry32), so the history is the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface History {
  fund: HardhatEthersSigner[];
  outsiders: HardhatEthersSigner[];
  token: DemoToken;
  ledger: Ledger;
}

async function declareAll(history: History) {
  for (const account of history.fund) {
    await history.ledger.declare(account, history.token.caip19, "DUSDT", "0");
    const balance = formatEther(await ethers.provider.getBalance(account.address));
    await history.ledger.declare(account, nativeAsset, "ETH", balance);
  }
}

/** One disclosed movement, chosen by `roll`: token in, token between, token out, native in or native out. */
async function move(history: History, roll: () => number, balances: Map<string, bigint>) {
  const pick = <T>(list: T[]) => list[Math.floor(roll() * list.length)]!;
  const [from, to] = [pick(history.fund), pick(history.fund.filter((f) => f !== history.fund[0]))];
  const outsider = pick(history.outsiders);
  const amount = BigInt(1 + Math.floor(roll() * 1_000_000));
  const choice = Math.floor(roll() * 5);
  const held = balances.get(from.address) ?? 0n;
  if (choice <= 1 || held < amount) {
    const [sender, receiver] = choice === 1 && held >= amount ? [from, to] : [outsider, from];
    if (sender === receiver) return;
    const hash = await history.token.transfer(sender, receiver.address, amount);
    balances.set(receiver.address, (balances.get(receiver.address) ?? 0n) + amount);
    if (history.fund.includes(sender)) balances.set(sender.address, held - amount);
    const kind = history.fund.includes(sender) ? "TRANSFER" : "INFLOW_OTHER";
    history.ledger.move(kind, logRef(hash, await transferLogIndex(hash)), formatUnits6(amount));
  } else if (choice === 2) {
    const hash = await history.token.transfer(from, outsider.address, amount);
    balances.set(from.address, held - amount);
    history.ledger.move("EXPENSE", logRef(hash, await transferLogIndex(hash)), formatUnits6(amount));
  } else {
    const [sender, receiver, kind] =
      choice === 3 ? [outsider, from, "INFLOW_SEIZURE" as const] : [from, outsider, "GRANT" as const];
    const tx = await sender.sendTransaction({ to: receiver.address, value: amount * 10n ** 9n });
    history.ledger.move(kind, txRef((await tx.wait())!.hash), formatEther(amount * 10n ** 9n), "ETH");
  }
}

const formatUnits6 = (units: bigint) => (Number(units) / 1e6).toFixed(6).replace(/\.?0+$/, "");

describe("reconcile (core): a longer honest history, and wide log ranges refused", function () {
  this.timeout(600_000);
  let history: History;

  before(async () => {
    const signers = await ethers.getSigners();
    const fund = signers.slice(11, 15);
    const outsiders = signers.slice(15, 18);
    const token = await deployDemoToken(outsiders[0]!.address, parseUnits("1000000000", 6));
    for (const o of outsiders.slice(1)) await token.transfer(outsiders[0]!, o.address, parseUnits("1000000", 6));
    history = { fund, outsiders, token, ledger: new Ledger() };
    await declareAll(history);
    const roll = prng(15);
    const balances = new Map<string, bigint>();
    for (let i = 0; i < 300; i++) await move(history, roll, balances);
    for (const account of fund)
      await history.ledger.snapshot(
        account.address,
        nativeAsset,
        "ETH",
        formatEther(await ethers.provider.getBalance(account.address)),
      );
  });

  it("300 disclosed movements across four accounts, token and native, reconcile clean", async () => {
    const report = await runReconcile(history.ledger.records, { logChunkSize: 50 });
    expectClean(report);
    expect(report.chains[0]!.movements).to.be.greaterThan(250);
  });

  it("halves the eth_getLogs range an RPC refuses and still finds an undisclosed transfer", async () => {
    const [sender, receiver] = [history.outsiders[1]!, history.fund[2]!];
    await history.token.transfer(sender, receiver.address, 7n);
    const proxy = await rangeCappedRpc(16);
    try {
      const report = await runReconcile(history.ledger.records, {
        logChunkSize: 1000,
        request: createHttpRpc(proxy.url),
      });
      expect(codesOf(report)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
      expect(report.findings[0]!.actual).to.contain("0.000007 DUSDT into");
      expect(proxy.seen.refused).to.be.greaterThan(0);
    } finally {
      await proxy.close();
    }
  });
});
