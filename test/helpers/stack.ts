/**
 * The test stack: the real registry server on a real (in-process) Hardhat chain, for any test that needs
 * the whole thing (server, web, CLI, ops).
 *
 *   const stack = await startTestStack({ batchIntervalMs: 200 });
 *   const [receipt] = await postRecords(stack, [sampleRecord({ asset: "BNB" })]);
 *   await stack.waitForAnchored(receipt.seq);
 *   const bundle = await (await fetch(`${stack.baseUrl}/api/v1/records/${receipt.seq}/proof`)).json();
 *   await stack.stop();
 *
 * What you get: baseUrl (http://127.0.0.1:<port 0>), rpcUrl (a JSON-RPC port on hre.network.provider that
 * browsers and child processes can reach), registryAddress (a registry deployed fresh for this stack),
 * chainId (31337), apiKey (bearer key of publisher "test-publisher"), dataDir (a fresh temp dir with the
 * SQLite store), provider (an uncached ethers JsonRpcProvider on rpcUrl), wallets (admin, anchorer, pauser
 * of this registry), server (the RunningServer: store, anchorer, … for white-box checks), stop(),
 * restart() (same data dir and registry, a new port), waitForAnchored(seq).
 *
 * Options: batchIntervalMs (default 200), batchMax (default 10000), dataDir (reuse one), demo (load the demo
 * records first), confirmations, rateLimitPerMinute (default 100000; read and auth-failure limits 1000000), server (any other ServerConfig field).
 * In a describe block whose tests each start their own stack, `const startStack = stackPerTest()` stops them after
 * each test. Must run inside Hardhat's runtime (`hardhat test`). Logs are silent unless LOG_LEVEL is set.
 * Caveat: a test that reverts the chain to an older evm_snapshot (loadFixture of an earlier fixture) erases
 * registries deployed after that snapshot; stop your stacks before doing so.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider, Wallet } from "ethers";
import type { Receipt, RecordInput } from "../../core";
import { startServer, type RunningServer } from "../../server";
import { serverConfig, type LogLevel, type ServerConfig } from "../../server/config";
import { addPublisher } from "../../server/publishers";
import { openPostgresStore } from "../../server/store/postgres";
import { openSqliteStore } from "../../server/store/sqlite";
import { demoRecordGroups } from "../../server/demo/disclosures";
import { HARDHAT_CHAIN_ID, chainRpcUrl, deployTestRegistry, testProvider } from "./chain";

export interface TestStackOptions {
  batchIntervalMs?: number;
  batchMax?: number;
  dataDir?: string;
  demo?: boolean;
  confirmations?: number;
  rateLimitPerMinute?: number;
  /** A PostgreSQL database (empty) for the store instead of SQLite in dataDir. */
  databaseUrl?: string;
  /** Any other server setting (e.g. bodyLimitBytes, maxAnchorDelaySeconds). */
  server?: Partial<ServerConfig>;
}

export interface TestStack {
  baseUrl: string;
  rpcUrl: string;
  registryAddress: string;
  chainId: number;
  apiKey: string;
  dataDir: string;
  provider: JsonRpcProvider;
  wallets: { admin: Wallet; anchorer: Wallet; pauser: Wallet };
  server: RunningServer;
  config: ServerConfig;
  stop(): Promise<void>;
  restart(): Promise<void>;
  waitForAnchored(seq: number, timeoutMs?: number): Promise<void>;
}

export const TEST_PUBLISHER = "test-publisher";

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const rpcUrl = await chainRpcUrl();
  const provider = testProvider(rpcUrl);
  // The registry promises the delay the server is configured with (the server compares them at start).
  const registry = await deployTestRegistry(provider, opts.server?.maxAnchorDelaySeconds);
  const clock = chainFollowingClock(provider);
  await clock.start();
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-test-"));

  const store = opts.databaseUrl ? await openPostgresStore(opts.databaseUrl) : openSqliteStore(dataDir);
  const apiKey = (await addPublisher(store, `${TEST_PUBLISHER}`)).key;
  await store.close();

  const config = serverConfig({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    rpcUrl,
    registryAddress: registry.address,
    anchorerKey: registry.anchorer.privateKey,
    chainId: HARDHAT_CHAIN_ID,
    batchIntervalMs: opts.batchIntervalMs ?? 200,
    batchMax: opts.batchMax ?? 10_000,
    confirmations: opts.confirmations ?? 1,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
    readRateLimitPerMinute: 1_000_000,
    authFailuresPerMinute: 1_000_000,
    logLevel: (process.env.LOG_LEVEL as LogLevel | undefined) ?? "silent",
    anchorRetryMaxMs: 1000,
    pollIntervalMs: 50,
    // The page reads the chain through the deployment's public RPCs: here the test chain itself.
    publicRpcUrls: [rpcUrl],
    databaseUrl: opts.databaseUrl ?? null,
    ...opts.server,
  });

  let server = await startServer(config, { now: clock.now });
  let stopped = false;
  const stack: TestStack = {
    baseUrl: server.url,
    rpcUrl,
    registryAddress: registry.address,
    chainId: HARDHAT_CHAIN_ID,
    apiKey,
    dataDir,
    provider,
    wallets: { admin: registry.admin, anchorer: registry.anchorer, pauser: registry.pauser },
    server,
    config,
    async stop() {
      if (stopped) return;
      stopped = true;
      clock.stop();
      await server.close();
    },
    async restart() {
      if (!stopped) await server.close();
      await clock.start();
      server = await startServer(config, { now: clock.now });
      stopped = false;
      stack.server = server;
      stack.baseUrl = server.url;
    },
    async waitForAnchored(seq, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${stack.baseUrl}/api/v1/records/${seq}`);
        if (res.ok && ((await res.json()) as { status: string }).status === "anchored") return;
        if (Date.now() > until) throw new Error(`record ${seq} was not anchored within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
  if (opts.demo) for (const group of demoRecordGroups(Math.floor(Date.now() / 1000))) await postRecords(stack, group);
  return stack;
}

/**
 * For a describe block whose tests each start their own stack: returns the starter, and stops after each test
 * every stack it started (whatever way the test ended).
 */
export function stackPerTest(): (opts?: TestStackOptions) => Promise<TestStack> {
  const started: TestStack[] = [];
  afterEach(async () => {
    for (const stack of started.splice(0)) await stack.stop();
  });
  return async (opts) => {
    const stack = await startTestStack(opts);
    started.push(stack);
    return stack;
  };
}

/** POSTs records in one request ({records:[…]}) and returns the receipts; throws with the problem on non-201. */
export async function postRecords(
  stack: Pick<TestStack, "baseUrl" | "apiKey">,
  records: readonly RecordInput[],
): Promise<Receipt[]> {
  const res = await fetch(`${stack.baseUrl}/api/v1/records`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${stack.apiKey}` },
    body: JSON.stringify({ records }),
  });
  const body = (await res.json()) as { receipts?: Receipt[] };
  if (res.status !== 201 || !body.receipts)
    throw new Error(`POST /api/v1/records answered ${res.status}: ${JSON.stringify(body).slice(0, 1000)}`);
  return body.receipts;
}

let sampleCounter = 0;

/** A valid record input (an INFLOW_SEIZURE of BTC a day ago); `overrides` replaces fields. */
export function sampleRecord(overrides: Partial<RecordInput> = {}): RecordInput {
  sampleCounter += 1;
  return {
    kind: "INFLOW_SEIZURE",
    occurredAt: Math.floor(Date.now() / 1000) - 86_400,
    asset: "BTC",
    amount: "1.5",
    valueUsd: "145000.25",
    counterparty: "Almaty District Court",
    reference: `court order 2-${sampleCounter}/2025`,
    documentHash: "0x" + "00".repeat(32),
    memo: "",
    corrects: 0,
    ...overrides,
  };
}

/**
 * Hardhat gives each block at least its parent's time + 1 s, and tests may set a block's time ahead
 * (evm_setNextBlockTimestamp), so the shared chain's clock can run ahead of ours, by more as a test mines a burst of
 * blocks. A receipt counts only when its signer held ANCHORER_ROLE at its publishedAt, and an anchor is late by
 * block time: so the test server's clock follows the chain's, read every 100 ms while the stack runs, never behind
 * its latest block and never backwards. (A lead measured once at start, as before, left the server's clock ahead
 * of the chain's for good once the chain was caught up, and behind it after a later burst.)
 */
function chainFollowingClock(provider: JsonRpcProvider) {
  let lead = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
    const block = await provider.getBlock("latest").catch(() => null);
    if (block) lead = Math.max(0, block.timestamp - Math.floor(Date.now() / 1000));
  };
  return {
    now: () => (last = Math.max(last, Math.floor(Date.now() / 1000) + (lead > 0 ? lead + 1 : 0))),
    async start() {
      await read();
      timer ??= setInterval(() => void read(), 100).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
