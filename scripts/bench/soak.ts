/**
 * The soak: records ingested over HTTP into the real server (server/main.ts, SQLite, anchoring on Hardhat's
 * in-process chain) until the store holds SOAK_RECORDS (1 M; --quick 50 k), the server's resident memory sampled
 * as it goes. A server that keeps per-record state in memory grows with the store; this one must stay flat.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmt, heading, log, table, type SectionContext, type SectionOutcome } from "./harness";
import { benchChain, benchInput, spawnBenchServer, waitAllAnchored } from "./http";

export interface SoakSample {
  records: number;
  rssMb: number;
  elapsedS: number;
}

export interface SoakResult {
  records: number;
  recordsPerSecond: number;
  samples: SoakSample[];
  /** RSS at the end minus RSS once a tenth was in, per 100 k records after that point (MB). */
  growthMbPer100k: number;
  storeMb: number;
}

const PER_REQUEST = 1000;
const CONNECTIONS = 2;

async function post(url: string, key: string, body: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/records`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body,
  });
  if (res.status !== 201) throw new Error(`soak: POST answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  await res.arrayBuffer();
}

export async function runSoak(total: number, sampleEvery: number): Promise<SoakResult> {
  const chain = await benchChain();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-soak-"));
  const server = await spawnBenchServer(chain, {
    dataDir,
    env: { LOG_LEVEL: "warn", BATCH_INTERVAL_MS: "1000", BATCH_MAX: "100000", ANCHOR_POLL_MS: "20" },
  });
  const now = Math.floor(Date.now() / 1000);
  const bodies = Array.from({ length: 8 }, (_, b) =>
    JSON.stringify({ records: Array.from({ length: PER_REQUEST }, (_, i) => benchInput(b * PER_REQUEST + i, now)) }),
  );
  const started = performance.now();
  const samples: SoakSample[] = [{ records: 0, rssMb: server.rssMb(), elapsedS: 0 }];
  let sent = 0;
  let nextSample = sampleEvery;
  try {
    const worker = async () => {
      while (sent < total) {
        sent += PER_REQUEST;
        await post(server.url, server.key, bodies[(sent / PER_REQUEST) % bodies.length]!);
        if (sent >= nextSample) {
          nextSample += sampleEvery;
          samples.push({ records: sent, rssMb: server.rssMb(), elapsedS: (performance.now() - started) / 1000 });
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const elapsedS = (performance.now() - started) / 1000;
    await waitAllAnchored(server.url, 600_000);
    samples.push({ records: sent, rssMb: server.rssMb(), elapsedS: (performance.now() - started) / 1000 });
    const tenth = samples.find((s) => s.records >= total / 10) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    const storeMb = fs.statSync(path.join(dataDir, "aiqyn.sqlite")).size / 1e6;
    return {
      records: sent,
      recordsPerSecond: sent / elapsedS,
      samples,
      growthMbPer100k: ((last.rssMb - tenth.rssMb) / Math.max(1, last.records - tenth.records)) * 100_000,
      storeMb,
    };
  } finally {
    await server.stop();
    chain.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function soakSection({ quick }: SectionContext): Promise<SectionOutcome> {
  const total = Number(process.env.SOAK_RECORDS) || (quick ? 50_000 : 1_000_000);
  heading(`Soak: ${fmt(total)} records over HTTP (bulk, ${PER_REQUEST} a request, ${CONNECTIONS} clients), server RSS`);
  const r = await runSoak(total, Math.max(PER_REQUEST, Math.round(total / 10 / PER_REQUEST) * PER_REQUEST));
  log(
    table([
      ["records in", "server RSS MB", "elapsed s"],
      ...r.samples.map((s) => [fmt(s.records), fmt(s.rssMb), fmt(s.elapsedS)]),
    ]),
  );
  log(
    `${fmt(r.recordsPerSecond)} records/s; RSS growth after the first tenth: ${r.growthMbPer100k.toFixed(1)} MB per ` +
      `100 k records; store file ${fmt(r.storeMb)} MB (last row: after everything was anchored)`,
  );
  return { results: { soak: r } };
}
