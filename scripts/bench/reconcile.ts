/**
 * Reconciliation on the local chain: N token movements (10,000 by default) across 5 declared accounts, made on
 * Hardhat's in-process chain (served over real HTTP JSON-RPC on 127.0.0.1), disclosed by records, then
 * reconciled by core's reconciler through that HTTP RPC. Reports the time, the RPC calls, records/s and the share
 * of the wall time during which at least one RPC call was in flight (the cost the issue expects to dominate).
 */
import { createEvmChainReader, reconcile, registryCaip10, type RecordV1, type RpcRequest } from "../../core";
import { ledgerRecord, movementRef, signedDeclaration } from "../../server/demo/sample-records";
import { serveHardhatNetwork, type Hre } from "../hardhat-rpc";
import { fmt, heading, log, table, type SectionContext, type SectionOutcome } from "./harness";

export interface ReconcileBenchResult {
  movements: number;
  accounts: number;
  records: number;
  findings: number;
  seconds: number;
  rpcCalls: number;
  recordsPerSecond: number;
  rpcBusyShare: number;
  callsByMethod: Record<string, number>;
}

/** An HTTP JSON-RPC transport that counts calls and the wall time with at least one call in flight. */
function meteredRpc(url: string) {
  const stats = { calls: 0, busyMs: 0, byMethod: {} as Record<string, number> };
  let inFlight = 0;
  let busySince = 0;
  let id = 0;
  const request: RpcRequest = async (method, params) => {
    stats.calls++;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    if (inFlight++ === 0) busySince = performance.now();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result;
    } finally {
      if (--inFlight === 0) stats.busyMs += performance.now() - busySince;
    }
  };
  return { request, stats };
}

const record = (seq: number, fields: Partial<RecordV1>): RecordV1 => ledgerRecord(seq, fields, "bench");

/** Sends `count` transfers from `holder` to the accounts in blocks of `perBlock`; returns each one's log reference. */
async function makeTransfers(hre: Hre, token: string, holder: string, accounts: string[], count: number) {
  const iface = new hre.ethers.Interface(["function transfer(address,uint256)"]);
  const provider = hre.network.provider;
  await provider.request({ method: "evm_setAutomine", params: [false] });
  const refs: { to: string; units: bigint; ref: string }[] = [];
  const perBlock = 500;
  let nonce = Number(await provider.request({ method: "eth_getTransactionCount", params: [holder, "latest"] }));
  for (let start = 0; start < count; start += perBlock) {
    const sent: { hash: string; to: string; units: bigint }[] = [];
    for (let i = start; i < Math.min(count, start + perBlock); i++) {
      const to = accounts[i % accounts.length]!;
      const units = BigInt(1 + (i % 997));
      const data = iface.encodeFunctionData("transfer", [to, units]);
      const hash = (await provider.request({
        method: "eth_sendTransaction",
        params: [{ from: holder, to: token, data, gas: "0x186a0", nonce: `0x${(nonce++).toString(16)}` }],
      })) as string;
      sent.push({ hash, to, units });
    }
    await provider.request({ method: "evm_mine", params: [] });
    // One Transfer log per transaction: a log's index in the block is its transaction's position.
    const block = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      transactions: string[];
    };
    const position = new Map(block.transactions.map((hash, i) => [hash, i]));
    for (const s of sent)
      refs.push({ to: s.to, units: s.units, ref: movementRef("eip155:31337", s.hash, position.get(s.hash)!) });
  }
  await provider.request({ method: "evm_setAutomine", params: [true] });
  return refs;
}

export async function runReconcileBench(movements = 10_000, accountCount = 5): Promise<ReconcileBenchResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as Hre;
  await hre.run("compile", { quiet: true });
  const signers = await hre.ethers.getSigners();
  const holder = signers[19]!;
  const fund = signers.slice(14, 14 + accountCount);
  const factory = await hre.ethers.getContractFactory("DemoStablecoin", holder);
  const token = await (await factory.deploy(holder.address, 10n ** 15n)).waitForDeployment();
  const tokenAddress = await token.getAddress();
  const asset = `eip155:31337/erc20:${tokenAddress}`;
  const registry = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const block = await hre.ethers.provider.getBlockNumber();
  const records: RecordV1[] = [];
  for (const account of fund) {
    const holding = { account: `eip155:31337:${account.address}`, asset, symbol: "DUSDT", amount: "0", block };
    records.push(record(records.length + 1, await signedDeclaration(registry, holding, account)));
  }
  for (const m of await makeTransfers(
    hre,
    tokenAddress,
    holder.address,
    fund.map((f) => f.address),
    movements,
  ))
    records.push(
      record(records.length + 1, {
        amount: (Number(m.units) / 1e6).toFixed(6).replace(/\.?0+$/, ""),
        reference: m.ref,
      }),
    );

  const chain = await serveHardhatNetwork(hre, 0);
  try {
    const rpc = meteredRpc(chain.url);
    const reader = createEvmChainReader(rpc.request);
    const started = performance.now();
    const toBlock = await reader.latestBlock();
    const report = await reconcile({
      records,
      registry,
      chains: { "eip155:31337": { reader, toBlock } },
      concurrency: 16,
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      movements,
      accounts: accountCount,
      records: records.length,
      findings: report.findings.length,
      seconds,
      rpcCalls: rpc.stats.calls,
      recordsPerSecond: records.length / seconds,
      rpcBusyShare: rpc.stats.busyMs / 1000 / seconds,
      callsByMethod: rpc.stats.byMethod,
    };
  } finally {
    await chain.close();
  }
}

/** The bench section: 10,000 movements (quick: 1,000), printed as one table. */
export async function reconcileSection({ quick }: SectionContext): Promise<SectionOutcome> {
  const movements = quick ? 1_000 : 10_000;
  heading(`Reconciliation: ${fmt(movements)} token movements across 5 accounts, one per transaction, HTTP RPC`);
  const r = await runReconcileBench(movements);
  log(
    table([
      ["records", "findings", "time (s)", "RPC calls", "records/s", "time with an RPC call in flight"],
      [
        fmt(r.records),
        String(r.findings),
        r.seconds.toFixed(2),
        fmt(r.rpcCalls),
        fmt(r.recordsPerSecond),
        `${(100 * r.rpcBusyShare).toFixed(1)} %`,
      ],
    ]),
  );
  log(
    `RPC calls by method: ${Object.entries(r.callsByMethod)
      .map(([m, n]) => `${m} ${fmt(n)}`)
      .join(", ")}.`,
  );
  return { results: { reconcile: r } };
}

if (require.main === module) {
  const count = Number(process.argv.find((a) => a.startsWith("--movements="))?.slice(12) ?? 10_000);
  runReconcileBench(count).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
