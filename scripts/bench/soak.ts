/**
 * The soak: records ingested over HTTP into the real server (server/main.ts, SQLite, anchoring on Hardhat's
 * in-process chain) until the store holds SOAK_RECORDS (1 M; --quick 50 k), the server's resident memory sampled
 * as it goes. A server that keeps per-record state in memory grows with the store; this one must stay flat.
 *
 *   npm run bench -- --only=soak --records=1000000 [--store=postgres]
 *
 * (SOAK_RECORDS does what --records does.) Each sample is printed as it is taken, so a run cut short still
 * shows how far it got and how the memory went.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { addPublisher } from "../../server/publishers";
import { openPostgresStore } from "../../server/store/postgres";
import { createDatabase } from "../postgres/cluster";
import { fmt, heading, log, table, type SectionContext, type SectionOutcome } from "./harness";
import { benchChain, benchInput, spawnBenchServer, waitAllAnchored } from "./http";
import { benchPostgres } from "./stores";

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

/** A flag of the soak's own: `--name=value` or `--name value`. */
function flag(name: string): string | undefined {
  const argv = process.argv;
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes("=") ? argv[i]!.slice(name.length + 3) : argv[i + 1];
}

export async function runSoak(
  total: number,
  sampleEvery: number,
  options: { postgres?: boolean; onSample?: (s: SoakSample) => void } = {},
): Promise<SoakResult> {
  const chain = await benchChain();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-soak-"));
  const pg = options.postgres ? await benchPostgres() : null;
  let databaseUrl: string | null = null;
  let key: string | undefined;
  if (pg) {
    databaseUrl = await createDatabase(pg.adminUrl, "soak");
    const store = await openPostgresStore(databaseUrl);
    key = (await addPublisher(store, "bench-publisher")).key;
    await store.close();
  }
  const server = await spawnBenchServer(chain, {
    dataDir,
    ...(key ? { key } : {}),
    env: {
      LOG_LEVEL: "warn",
      BATCH_INTERVAL_MS: "1000",
      BATCH_MAX: "100000",
      ANCHOR_POLL_MS: "20",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
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
          const sample = { records: sent, rssMb: server.rssMb(), elapsedS: (performance.now() - started) / 1000 };
          samples.push(sample);
          options.onSample?.(sample);
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const elapsedS = (performance.now() - started) / 1000;
    await waitAllAnchored(server.url, 600_000);
    samples.push({ records: sent, rssMb: server.rssMb(), elapsedS: (performance.now() - started) / 1000 });
    const tenth = samples.find((s) => s.records >= total / 10) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    const storeMb = databaseUrl
      ? await databaseMb(databaseUrl)
      : fs.statSync(path.join(dataDir, "aiqyn.sqlite")).size / 1e6;
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
    pg?.cluster?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function databaseMb(url: string): Promise<number> {
  const store = await openPostgresStore(url);
  try {
    return (await store.databaseBytes()) / 1e6;
  } finally {
    await store.close();
  }
}

export async function soakSection({ quick }: SectionContext): Promise<SectionOutcome> {
  const total = Number(flag("records") ?? process.env.SOAK_RECORDS) || (quick ? 50_000 : 1_000_000);
  const postgres = (flag("store") ?? process.env.SOAK_STORE) === "postgres";
  heading(
    `Soak: ${fmt(total)} records over HTTP into ${postgres ? "PostgreSQL" : "SQLite"} (bulk, ${PER_REQUEST} a ` +
      `request, ${CONNECTIONS} clients), server RSS`,
  );
  const every = Math.max(PER_REQUEST, Math.round(total / 10 / PER_REQUEST) * PER_REQUEST);
  const onSample = (s: SoakSample) =>
    log(`  ${fmt(s.records)} records in: RSS ${fmt(s.rssMb)} MB after ${fmt(s.elapsedS)} s`);
  const r = await runSoak(total, every, { postgres, onSample });
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
