/**
 * The bench's HTTP section: the real server (server/main.ts) as a child process on Hardhat's in-process chain,
 * autocannon in this process. Three steps: ingest with its durability check, POST → anchored latency and proof
 * serving, and a mixed load; every server and chain they start is stopped at the end, even on failure.
 */
import fs from "node:fs";
import { openSqliteStore } from "../../server/store/sqlite";
import { atLeast, fmt, heading, log, table, type Goal, type SectionContext, type SectionOutcome } from "./harness";
import {
  benchChain,
  benchInput,
  runAnchorLatency,
  runIngest,
  runMixedLoad,
  runProofServing,
  spawnBenchServer,
  waitAllAnchored,
  type BenchServer,
  type ChainForBench,
  type IngestResult,
} from "./http";

/** What the section started, to stop it all at the end. */
interface Started {
  servers: BenchServer[];
  chains: { destroy(): void }[];
}

interface StepOutcome {
  results: Record<string, unknown>;
  goals: Goal[];
}

async function startServer(started: Started, chain: ChainForBench, env: Record<string, string>) {
  const server = await spawnBenchServer(chain, { env });
  started.servers.push(server);
  return server;
}

async function freshChain(started: Started) {
  const chain = await benchChain();
  started.chains.push(chain);
  return chain;
}

function printIngest(bulk: IngestResult, single: IngestResult): void {
  const row = (name: string, x: IngestResult) => [
    name,
    fmt(x.recordsPerSecond),
    fmt(x.perSecond),
    fmt(x.latencyP50Ms),
    fmt(x.latencyP99Ms),
    String(x.non2xx),
    String(x.errors + x.timeouts),
  ];
  log(
    table([
      ["run", "records/s", "requests/s", "p50 (ms)", "p99 (ms)", "non-2xx", "errors"],
      row("bulk {records:[1000]} ×4 conns", bulk),
      row("single record ×64 conns", single),
    ]),
  );
}

/** Bulk and single-record ingest, then kill -9 the server and count what the store holds. */
async function ingestStep(started: Started, durationS: number): Promise<StepOutcome> {
  const chain = await freshChain(started);
  heading(`HTTP ingest (real server, SQLite synchronous=FULL, ${durationS} s each, autocannon on 127.0.0.1)`);
  // Long batch interval: ingest is measured on its own; sealing 100 k+ records would interrupt it.
  const server = await startServer(started, chain, {
    BATCH_INTERVAL_MS: String(3_600_000),
    BATCH_MAX: "100000",
  });
  const bulk = await runIngest(server, { perRequest: 1000, connections: 4, durationS });
  const single = await runIngest(server, { perRequest: 1, connections: 64, durationS });
  const rss = server.rssMb();
  await server.stop("SIGKILL");
  const store = openSqliteStore(server.dataDir);
  const stored = await store.maxSeq();
  const rows = (await store.counts()).records;
  await store.close();
  const acknowledged = bulk.recordsAcknowledged + single.recordsAcknowledged;
  const durable = stored >= acknowledged && rows === stored;
  printIngest(bulk, single);
  log(
    `Acknowledged ${fmt(acknowledged)} records; after SIGKILL the store holds ${fmt(stored)}: ` +
      `${durable ? "every acknowledged record is durable" : "RECORDS LOST"}. Server RSS ${fmt(rss)} MB.`,
  );
  return {
    results: { ingest: { bulk, single, acknowledged, storedAfterSigkill: stored, durable, rssMb: rss } },
    goals: [
      atLeast("bulk ingest", bulk.recordsPerSecond, 20_000, "records/s"),
      atLeast("single-record POSTs", single.recordsPerSecond, 3_000, "POSTs/s"),
    ],
  };
}

/** Posts `batches` × 1000 records in bulk, then waits until all are anchored; returns how many there are. */
async function fillAnchored(server: BenchServer, batches: number): Promise<number> {
  for (let b = 0; b < batches; b++) {
    const body = JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => benchInput(b * 1000 + i)) });
    const res = await fetch(`${server.url}/api/v1/records`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
      body,
    });
    if (res.status !== 201) throw new Error(`fill: ${res.status} ${await res.text()}`);
  }
  return waitAllAnchored(server.url);
}

/**
 * POST → anchored latency on a server of its own, then proof serving over 20 k anchored records (quick: 2 k).
 * Returns that server, for the mixed load.
 */
async function latencyAndProofsStep(started: Started, quick: boolean, durationS: number) {
  heading("POST → anchored latency and proof serving");
  const batchIntervalMs = 100;
  // A registry of its own: the ingest server may have anchored a batch of 100 k into the first one, and a
  // fresh store refuses a registry that is ahead of it (STORE_BEHIND_CHAIN).
  const server = await startServer(started, await freshChain(started), {
    BATCH_INTERVAL_MS: String(batchIntervalMs),
    ANCHOR_POLL_MS: "10",
  });
  const latency = await runAnchorLatency(server, { samples: quick ? 5 : 30, batchIntervalMs });
  log(
    `POST → anchored (BATCH_INTERVAL_MS=${batchIntervalMs}, 1 confirmation, Hardhat automine): ` +
      `p50 ${fmt(latency.p50Ms)} ms, p95 ${fmt(latency.p95Ms)} ms, max ${fmt(latency.maxMs)} ms over ${latency.samples} records`,
  );
  const total = await fillAnchored(server, quick ? 2 : 20);
  const proofs = await runProofServing(server, { maxSeq: total, connections: 32, durationS });
  log(
    `GET /records/:seq/proof over ${fmt(total)} anchored records, 32 connections: ${fmt(proofs.perSecond)}/s, ` +
      `p50 ${fmt(proofs.latencyP50Ms)} ms, p99 ${fmt(proofs.latencyP99Ms)} ms, non-2xx ${proofs.non2xx}, errors ${proofs.errors}`,
  );
  return {
    server,
    total,
    results: { anchorLatency: latency, proofServing: proofs },
    goals: [atLeast("proof bundles served", proofs.perSecond, 3_000, "/s")],
  };
}

/** Single-record POSTs and reads together, on a store that already holds `anchoredMaxSeq` anchored records. */
async function mixedLoadStep(server: BenchServer, anchoredMaxSeq: number, quick: boolean): Promise<StepOutcome> {
  const durationS = quick ? 3 : 20;
  heading(`Mixed load (${durationS} s): 2 single-record POSTs and 8 reads per cycle, 32 connections`);
  const mixed = await runMixedLoad(server, { anchoredMaxSeq, connections: 32, durationS });
  const { receipts, ...mixedSummary } = mixed;
  const after = await waitAllAnchored(server.url);
  log(
    `${fmt(mixed.perSecond)} requests/s, p50 ${fmt(mixed.latencyP50Ms)} ms, p99 ${fmt(mixed.latencyP99Ms)} ms, ` +
      `non-2xx ${mixed.non2xx}, errors ${mixed.errors + mixed.timeouts}; ${fmt(receipts.length)} records accepted, ` +
      `all ${fmt(after)} anchored afterwards; server RSS ${fmt(mixed.rssMbBefore)} → peak ${fmt(mixed.rssMbPeak)} MB`,
  );
  return {
    results: { mixedLoad: { ...mixedSummary, acceptedRecords: receipts.length, allAnchoredAfter: after } },
    goals: [],
  };
}

export async function httpSection({ quick }: SectionContext): Promise<SectionOutcome> {
  const started: Started = { servers: [], chains: [] };
  try {
    const durationS = quick ? 2 : 10;
    const ingest = await ingestStep(started, durationS);
    const read = await latencyAndProofsStep(started, quick, durationS);
    const mixed = await mixedLoadStep(read.server, read.total, quick);
    return {
      results: { ...ingest.results, ...read.results, ...mixed.results },
      goals: [...ingest.goals, ...read.goals, ...mixed.goals],
    };
  } finally {
    for (const s of started.servers) {
      await s.stop();
      fs.rmSync(s.dataDir, { recursive: true, force: true });
    }
    for (const c of started.chains) c.destroy();
  }
}
