/**
 * The store backends side by side: SQLite (one instance) and PostgreSQL (one and two instances on one
 * database), each through the real server over HTTP (bulk and single-record ingest, proof serving), plus
 * where an append's time goes (hashing and signing vs the database) and how /stats and list queries scale
 * from 10 k to 1 M records (their store work: the aggregates kept at write time and indexed filters).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { leafHash, type Keccak, type RecordInput } from "../../core";
import { createReceiptSigner } from "../../server/crypto";
import { addPublisher } from "../../server/publishers";
import { openStore } from "../../server/store/open";
import type { RecordFinisher, Store } from "../../server/store/types";
import { createDatabase, startPostgresCluster, type PostgresCluster } from "../postgres/cluster";
import { fmt, percentile, table } from "./harness";
import {
  benchChain,
  benchInput,
  runIngest,
  runProofServing,
  spawnBenchServer,
  waitAllAnchored,
  type BenchServer,
  type CannonSummary,
  type IngestResult,
} from "./http";

type Log = (line?: string) => void;

interface Setup {
  name: string;
  instances: number;
  databaseUrl: string | null;
}

export interface BackendResult {
  name: string;
  bulkRecordsPerSecond: number;
  singlePerSecond: number;
  singleP99Ms: number;
  proofsPerSecond: number;
  proofsP99Ms: number;
}

/** A PostgreSQL for the bench: DATABASE_URL's cluster when given, else a throw-away one. */
export async function benchPostgres(): Promise<{ adminUrl: string; cluster: PostgresCluster | null }> {
  const given = process.env.AIQYN_TEST_DATABASE_URL;
  if (given) return { adminUrl: given, cluster: null };
  const cluster = await startPostgresCluster();
  return { adminUrl: cluster.url, cluster };
}

async function openBenchStore(setup: Setup, dataDir: string): Promise<Store> {
  return openStore({ dataDir, databaseUrl: setup.databaseUrl });
}

/** Several instances at once: the connections split between them, the results summed. */
async function spread<T extends CannonSummary>(
  servers: BenchServer[],
  connections: number,
  run: (server: BenchServer, connections: number) => Promise<T>,
): Promise<T[]> {
  const share = Math.max(1, Math.round(connections / servers.length));
  return Promise.all(servers.map((s) => run(s, share)));
}

async function startInstances(setup: Setup, env: Record<string, string>, dataDir: string, key: string) {
  const chain = await benchChain();
  const servers: BenchServer[] = [];
  for (let i = 0; i < setup.instances; i++) {
    const extra: Record<string, string> = setup.databaseUrl ? { DATABASE_URL: setup.databaseUrl } : {};
    servers.push(await spawnBenchServer(chain, { dataDir, key, env: { ...env, ...extra, LOG_LEVEL: "warn" } }));
  }
  return { chain, servers };
}

/** Ingest (bulk, single) and proof serving for one setup. */
async function runSetup(setup: Setup, durationS: number): Promise<BackendResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bench-store-"));
  const store = await openBenchStore(setup, dataDir);
  const { key } = await addPublisher(store, "bench-publisher");
  await store.close();
  const { chain, servers } = await startInstances(
    setup,
    { BATCH_INTERVAL_MS: "300", BATCH_MAX: "100000", ANCHOR_POLL_MS: "20" },
    dataDir,
    key,
  );
  try {
    const bulk = await spread(servers, 4, (s, c) => runIngest(s, { perRequest: 1000, connections: c, durationS }));
    const single = await spread(servers, 64, (s, c) => runIngest(s, { perRequest: 1, connections: c, durationS }));
    const total = await waitAllAnchored(servers[0]!.url, 300_000);
    const proofs = await spread(servers, 32, (s, c) =>
      runProofServing(s, { maxSeq: total, connections: c, durationS }),
    );
    const sum = (rs: CannonSummary[], f: (r: CannonSummary) => number) => rs.reduce((n, r) => n + f(r), 0);
    return {
      name: setup.name,
      bulkRecordsPerSecond: sum(bulk, (r) => (r as IngestResult).recordsPerSecond),
      singlePerSecond: sum(single, (r) => (r as IngestResult).recordsPerSecond),
      singleP99Ms: Math.max(...single.map((r) => r.latencyP99Ms)),
      proofsPerSecond: sum(proofs, (r) => r.perSecond),
      proofsP99Ms: Math.max(...proofs.map((r) => r.latencyP99Ms)),
    };
  } finally {
    for (const s of servers) await s.stop();
    chain.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface AppendSplit {
  name: string;
  recordsPerSecond: number;
  hashSignShare: number;
  databaseShare: number;
}

/** Where an append's time goes: 20 requests of 1000 records through the store, the finisher timed apart. */
async function appendSplit(setup: Setup, keccak: Keccak): Promise<AppendSplit> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bench-split-"));
  const store = await openBenchStore(setup, dataDir);
  const signer = createReceiptSigner(`0x${"11".repeat(32)}`, 31337, `0x${"22".repeat(20)}`, { keccak });
  let finishMs = 0;
  const finish: RecordFinisher = (record) => {
    const t = performance.now();
    const leaf = leafHash(record, keccak);
    const out = { leaf, signature: signer.sign(record.seq, leaf, record.publishedAt), signer: signer.address };
    finishMs += performance.now() - t;
    return out;
  };
  try {
    const inputs = Array.from({ length: 1000 }, (_, i) => benchInput(i));
    const started = performance.now();
    for (let r = 0; r < 20; r++) await store.appendRecords(inputs, "bench", finish, () => 1_761_955_300);
    const totalMs = performance.now() - started;
    return {
      name: setup.name,
      recordsPerSecond: 20_000 / (totalMs / 1000),
      hashSignShare: finishMs / totalMs,
      databaseShare: 1 - finishMs / totalMs,
    };
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface ScaleRow {
  name: string;
  records: number;
  statsMs: number;
  listMs: number;
  deepListMs: number;
  /** A filter nothing matches: without an index on both fields this would scan. */
  emptyListMs: number;
}

/** /stats's and a filtered list's store work at growing sizes (cheap finisher: the fill is not measured). */
export async function scale(setup: Setup, sizes: readonly number[], keccak: Keccak): Promise<ScaleRow[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bench-scale-"));
  const store = await openBenchStore(setup, dataDir);
  const placeholder = { signature: `0x${"00".repeat(65)}` as const, signer: `0x${"00".repeat(20)}` };
  const finish: RecordFinisher = (record) => ({ leaf: leafHash(record, keccak), ...placeholder });
  const rows: ScaleRow[] = [];
  const median = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return percentile(times, 50);
  };
  try {
    let have = 0;
    for (const size of sizes) {
      while (have < size) {
        const n = Math.min(10_000, size - have);
        const inputs: RecordInput[] = Array.from({ length: n }, (_, i) => benchInput(have + i));
        await store.appendRecords(inputs, "bench", finish, () => 1_761_955_300);
        have += n;
      }
      const statsMs = await median(() => Promise.all([store.counts(), store.aggregates()]));
      // benchInput: kind and asset both follow i % 5, so GRANT goes with COIN and never with IBIT or BNB: both
      // lists below match nothing (the case that once read every row).
      const list = async (asset: string, afterSeq?: number) => {
        const page = await store.listRecords({ kind: "GRANT", asset, afterSeq, limit: 51 });
        await store.correctionsOf(page.map((s) => s.record.seq));
      };
      rows.push({
        name: setup.name,
        records: size,
        statsMs,
        listMs: await median(() => list("IBIT")),
        deepListMs: await median(() => list("IBIT", Math.floor(size * 0.9))),
        emptyListMs: await median(() => list("BNB")),
      });
    }
    return rows;
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runStoresBench(opts: { quick: boolean; keccak: Keccak; log: Log }) {
  const { log, keccak } = opts;
  const pg = await benchPostgres();
  try {
    const fresh = async (name: string, instances: number): Promise<Setup> => ({
      name,
      instances,
      databaseUrl: await createDatabase(pg.adminUrl, "bench"),
    });
    const setups: Setup[] = [
      { name: "SQLite, 1 instance", instances: 1, databaseUrl: null },
      await fresh("PostgreSQL, 1 instance", 1),
      await fresh("PostgreSQL, 2 instances", 2),
    ];
    const durationS = opts.quick ? 2 : 10;
    const http: BackendResult[] = [];
    for (const setup of setups) http.push(await runSetup(setup, durationS));
    log(`HTTP, ${durationS} s per run (client and servers share the machine's cores):`);
    log(
      table([
        ["setup", "bulk records/s", "single POSTs/s", "single p99 ms", "proofs/s", "proof p99 ms"],
        ...http.map((r) => [
          r.name,
          fmt(r.bulkRecordsPerSecond),
          fmt(r.singlePerSecond),
          fmt(r.singleP99Ms),
          fmt(r.proofsPerSecond),
          fmt(r.proofsP99Ms),
        ]),
      ]),
    );
    const splits = [await appendSplit(setups[0]!, keccak), await appendSplit(await fresh("PostgreSQL", 1), keccak)];
    log("Where an append's time goes (20 × 1000 records through the store, in process):");
    log(
      table([
        ["store", "records/s", "leaf + receipt signature", "database (insert, stats, commit)"],
        ...splits.map((s) => [
          s.name,
          fmt(s.recordsPerSecond),
          `${fmt(100 * s.hashSignShare)} %`,
          `${fmt(100 * s.databaseShare)} %`,
        ]),
      ]),
    );
    // BENCH_MAX_RECORDS bounds the fill on a shared machine (the 1 M fill takes minutes per store).
    const cap = Number(process.env.BENCH_MAX_RECORDS) || Infinity;
    const sizes = (opts.quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000]).filter((n) => n <= cap);
    const scaleRows = [
      ...(await scale(setups[0]!, sizes, keccak)),
      ...(await scale(await fresh("PostgreSQL", 1), sizes, keccak)),
    ];
    log("/stats and a filtered list (kind=GRANT & asset, 50 per page) as the store answers them, median of 15:");
    log(
      table([
        ["store", "records", "/stats ms", "list first page ms", "list page at 90 % ms", "list, no match ms"],
        ...scaleRows.map((r) => [
          r.name,
          fmt(r.records),
          fmt(r.statsMs),
          fmt(r.listMs),
          fmt(r.deepListMs),
          fmt(r.emptyListMs),
        ]),
      ]),
    );
    return { http, splits, scale: scaleRows };
  } finally {
    pg.cluster?.destroy();
  }
}
