/**
 * The HTTP benchmarks and the load run, against the real server (server/main.ts as a child process, its
 * SQLite store with synchronous=FULL as configured) on a real chain (Hardhat's, in this process, behind a
 * JSON-RPC port). The load generator is autocannon on 127.0.0.1. Used by `npm run bench` and, with small
 * bounds, by test/hardening/load.test.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import type { Receipt, RecordInput } from "../../core";
import { addPublisher } from "../../server/publishers";
import { openSqliteStore } from "../../server/store/sqlite";
import { percentile } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");

export interface BenchServer {
  url: string;
  key: string;
  dataDir: string;
  proc: ChildProcess;
  /** Resident memory of the server process, in MB (from /proc). */
  rssMb(): number;
  stderr(): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ChainForBench {
  rpcUrl: string;
  registry: string;
  anchorerKey: string;
}

/** A fresh registry on the in-process Hardhat chain, reachable over JSON-RPC (needs Hardhat's runtime). */
export async function benchChain(): Promise<ChainForBench & { destroy(): void }> {
  const { chainRpcUrl, deployTestRegistry, testProvider } = await import("../../test/helpers/chain");
  const rpcUrl = await chainRpcUrl();
  const provider = testProvider(rpcUrl);
  const registry = await deployTestRegistry(provider);
  return {
    rpcUrl,
    registry: registry.address,
    anchorerKey: registry.anchorer.privateKey,
    destroy: () => provider.destroy(),
  };
}

/** Creates a store with one publisher (or reuses dataDir) and returns the publisher's key. */
export async function preparePublisher(dataDir: string, name = "bench-publisher"): Promise<string> {
  const store = openSqliteStore(dataDir);
  try {
    return (await addPublisher(store, name)).key;
  } finally {
    await store.close();
  }
}

/**
 * Starts server/main.ts as a child process. Its stdout (the request log at LOG_LEVEL, default info as in
 * production) is read and dropped, never accumulated.
 */
export async function spawnBenchServer(
  chain: ChainForBench,
  options: { dataDir?: string; key?: string; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<BenchServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bench-"));
  const key = options.key ?? (await preparePublisher(dataDir));
  const proc = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--require", "ts-node/register/transpile-only", path.join(ROOT, "server", "main.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: "0",
        RPC_URL: chain.rpcUrl,
        REGISTRY_ADDRESS: chain.registry,
        ANCHORER_KEY: chain.anchorerKey,
        DATA_DIR: dataDir,
        RATE_LIMIT_PER_MINUTE: "1000000",
        READ_RATE_LIMIT_PER_MINUTE: "10000000",
        LOG_LEVEL: "info",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let head = "";
    let found = false;
    proc.stdout!.on("data", (d: Buffer) => {
      if (found) return;
      head += d.toString();
      const m = /aiqyn listening on (http:\/\/\S+)/.exec(head);
      if (m) {
        found = true;
        head = "";
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before listening: ${err.slice(-2000)}`)),
    );
  });
  return {
    url,
    key,
    dataDir,
    proc,
    rssMb() {
      try {
        const status = fs.readFileSync(`/proc/${proc.pid}/status`, "utf8");
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
        return kb / 1024;
      } catch {
        return NaN;
      }
    },
    stderr: () => err,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** A valid record input, varied by `i` (ASCII and Cyrillic text), occurred a day ago. */
export function benchInput(i: number, nowSeconds = Math.floor(Date.now() / 1000)): RecordInput {
  return {
    kind: (["INFLOW_SEIZURE", "INFLOW_MINING", "INVESTMENT", "GRANT", "EXPENSE"] as const)[i % 5]!,
    occurredAt: nowSeconds - 86_400 - (i % 1000),
    asset: ["BTC", "BNB", "IBIT", "COIN", "KZT"][i % 5]!,
    amount: `${(i % 997) + 1}.${String((i * 7919) % 1_000_000).padStart(6, "0")}`,
    valueUsd: `${(i % 50_000) + 1}.${String(i % 100).padStart(2, "0")}`,
    counterparty: i % 3 === 0 ? "Алматы қалалық соты" : "Binance",
    reference: `court order 2-${i}/2025`,
    documentHash: `0x${(i % 255).toString(16).padStart(2, "0").repeat(32)}`,
    memo: i % 10 === 0 ? "Тәркіленген крипто-активтер" : "",
    corrects: 0,
  };
}

export interface CannonSummary {
  requests: number;
  perSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  durationS: number;
  statusCodes: Record<string, number>;
}

function summarize(r: autocannon.Result): CannonSummary {
  const codes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) codes[code] = stat.count ?? 0;
  const ok = r["2xx"];
  return {
    requests: ok + r.non2xx,
    perSecond: (ok + r.non2xx) / r.duration,
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    durationS: r.duration,
    statusCodes: codes,
  };
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export interface IngestResult extends CannonSummary {
  recordsPerRequest: number;
  recordsAcknowledged: number;
  recordsPerSecond: number;
}

/** POST /api/v1/records for `durationS` seconds: bulk bodies of `perRequest` records, or single records. */
export async function runIngest(
  server: Pick<BenchServer, "url" | "key">,
  opts: { perRequest: number; connections: number; durationS: number },
): Promise<IngestResult> {
  const now = Math.floor(Date.now() / 1000);
  // A few different bodies, prepared up front so the client spends its CPU on sending.
  const bodies = Array.from({ length: 8 }, (_, b) => {
    const inputs = Array.from({ length: opts.perRequest }, (_, i) => benchInput(b * opts.perRequest + i, now));
    return JSON.stringify(opts.perRequest === 1 ? inputs[0] : { records: inputs });
  });
  const headers = { "content-type": "application/json", authorization: `Bearer ${server.key}` };
  const result = summarize(
    await cannon({
      url: `${server.url}/api/v1/records`,
      connections: opts.connections,
      duration: opts.durationS,
      timeout: 30,
      requests: bodies.map((body) => ({ method: "POST" as const, path: "/api/v1/records", headers, body })),
    }),
  );
  const acknowledged = (result.statusCodes["201"] ?? 0) * opts.perRequest;
  return {
    ...result,
    recordsPerRequest: opts.perRequest,
    recordsAcknowledged: acknowledged,
    recordsPerSecond: acknowledged / result.durationS,
  };
}

/** GET /api/v1/records/:seq/proof over seqs 1..maxSeq (all anchored) for `durationS` seconds. */
export async function runProofServing(
  server: Pick<BenchServer, "url">,
  opts: { maxSeq: number; connections: number; durationS: number },
): Promise<CannonSummary> {
  let n = 0;
  return summarize(
    await cannon({
      url: server.url,
      connections: opts.connections,
      duration: opts.durationS,
      requests: [
        {
          method: "GET",
          setupRequest: (req) => {
            n = (n + 7919) % opts.maxSeq;
            return { ...req, path: `/api/v1/records/${n + 1}/proof` };
          },
        },
      ],
    }),
  );
}

export interface MixedLoadResult extends CannonSummary {
  /** Receipts of every record the server acknowledged during the run. */
  receipts: Receipt[];
  rssMbBefore: number;
  rssMbAfter: number;
  rssMbPeak: number;
}

/**
 * Mixed reads and writes for `durationS` seconds: per connection a cycle of one single-record POST and reads
 * (a record, a page of records, a proof bundle of an anchored record, the batches, the stats, readiness).
 * `anchoredMaxSeq` records must exist and be anchored beforehand, so every answer is expected to be 2xx.
 */
export async function runMixedLoad(
  server: Pick<BenchServer, "url" | "key" | "rssMb">,
  opts: { anchoredMaxSeq: number; connections: number; durationS: number },
): Promise<MixedLoadResult> {
  const now = Math.floor(Date.now() / 1000);
  const receipts: Receipt[] = [];
  let i = 0;
  const pick = () => {
    i = (i + 7919) % opts.anchoredMaxSeq;
    return i + 1;
  };
  const post = {
    method: "POST" as const,
    path: "/api/v1/records",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
    setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(benchInput(pick(), now)) }),
    onResponse: (status: number, body: string) => {
      if (status === 201) receipts.push(...(JSON.parse(body) as { receipts: Receipt[] }).receipts);
    },
  };
  const get = (path: () => string) => ({
    method: "GET" as const,
    setupRequest: (req: autocannon.Request) => ({ ...req, path: path() }),
  });
  const rssMbBefore = server.rssMb();
  let rssMbPeak = rssMbBefore;
  const sampler = setInterval(() => (rssMbPeak = Math.max(rssMbPeak, server.rssMb())), 250);
  try {
    const result = summarize(
      await cannon({
        url: server.url,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: 30,
        requests: [
          post,
          get(() => `/api/v1/records/${pick()}`),
          get(() => `/api/v1/records/${pick()}/proof`),
          get(
            () => `/api/v1/records?limit=50&cursor=${Buffer.from(JSON.stringify({ p: pick() })).toString("base64url")}`,
          ),
          post,
          get(() => "/api/v1/batches/1"),
          get(() => "/api/v1/batches?limit=20"),
          get(() => `/api/v1/records/${pick()}/proof`),
          get(() => "/api/v1/stats"),
          get(() => "/healthz"),
        ],
      }),
    );
    return { ...result, receipts, rssMbBefore, rssMbAfter: server.rssMb(), rssMbPeak };
  } finally {
    clearInterval(sampler);
  }
}

export interface LatencyResult {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  batchIntervalMs: number;
}

/** POST one record, then poll GET /records/:seq until it is anchored; `samples` times, one after another. */
export async function runAnchorLatency(
  server: Pick<BenchServer, "url" | "key">,
  opts: { samples: number; batchIntervalMs: number },
): Promise<LatencyResult> {
  const times: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    const start = process.hrtime.bigint();
    const res = await fetch(`${server.url}/api/v1/records`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
      body: JSON.stringify(benchInput(s)),
    });
    if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
    const [receipt] = ((await res.json()) as { receipts: Receipt[] }).receipts;
    for (;;) {
      const r = await fetch(`${server.url}/api/v1/records/${receipt!.seq}`);
      if (((await r.json()) as { status: string }).status === "anchored") break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return {
    samples: times.length,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    maxMs: Math.max(...times),
    batchIntervalMs: opts.batchIntervalMs,
  };
}

/** Waits until the server reports every record anchored (GET /api/v1/stats); returns the record count. */
export async function waitAllAnchored(url: string, timeoutMs = 120_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await (await fetch(`${url}/api/v1/stats`)).json()) as {
      totals: { records: number; pending: number };
    };
    if (stats.totals.pending === 0) return stats.totals.records;
    if (Date.now() > until) throw new Error(`still pending after ${timeoutMs} ms: ${JSON.stringify(stats.totals)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
