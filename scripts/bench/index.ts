/**
 * `npm run bench`: what Aiqyn costs, measured on this machine, with the goals of issue #7 met or missed.
 *
 *   npm run bench                 full run (batches up to 1 M records, 10 s HTTP runs): about 5 minutes
 *   npm run bench -- --quick      CI smoke: small sizes, 2 s HTTP runs
 *   npm run bench -- --only=seal,gas   some sections (keccak, encode, seal, store, verify, gas, http, stores, web,
 *                                      reconcile)
 *
 * Prints a table per section and the goals, and writes bench-results.json (gitignored). Timings are
 * reports, never test assertions. The HTTP sections start the real server (server/main.ts) as a child
 * process on Hardhat's in-process chain; autocannon runs in this process, so client and server share the
 * machine's two cores.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";

process.env.CI ??= "true";
process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = "true";
process.env.REPORT_GAS = "false";

import { createFastKeccak } from "../../server/crypto";
import { runEncodeBench } from "./encode";
import { runGasBench, type GasResult } from "./gas";
import { atLeast, atMost, fmt, table, type Goal } from "./harness";
import {
  benchChain,
  runAnchorLatency,
  runIngest,
  runMixedLoad,
  runProofServing,
  spawnBenchServer,
  waitAllAnchored,
  type BenchServer,
} from "./http";
import { runIngestCpuBench, runKeccakBench, runSealBench, runVerifyBench } from "./seal";
import { runStoreSealBench } from "./store";
import { reconcileSection } from "./reconcile";
import { runStoresBench } from "./stores";

const ROOT = path.resolve(__dirname, "..", "..");
const SECTIONS = [
  "keccak",
  "ingestcpu",
  "encode",
  "seal",
  "store",
  "verify",
  "gas",
  "http",
  "stores",
  "web",
  "reconcile",
] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  only: Set<Section>;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes("--quick");
  const onlyArg = argv.find((a) => a.startsWith("--only="));
  const only = new Set<Section>(
    onlyArg
      ? (onlyArg
          .slice(7)
          .split(",")
          .filter((s) => (SECTIONS as readonly string[]).includes(s)) as Section[])
      : SECTIONS,
  );
  const outArg = argv.find((a) => a.startsWith("--out="));
  return { quick, only, out: outArg ? outArg.slice(6) : path.join(ROOT, "bench-results.json") };
}

function log(text = ""): void {
  process.stdout.write(`${text}\n`);
}

function heading(text: string): void {
  log();
  log(`## ${text}`);
}

/** Gzipped size of the page's bundle: every .js and .css under web/dist (built first if missing). */
function pageBundleSize(): { files: { file: string; bytes: number; gzipBytes: number }[]; totalGzipBytes: number } {
  const dist = path.join(ROOT, "web", "dist");
  if (!fs.existsSync(path.join(dist, "index.html"))) {
    execFileSync(process.execPath, [path.join(ROOT, "web", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
  const files: { file: string; bytes: number; gzipBytes: number }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|css|html)$/.test(entry.name)) {
        const data = fs.readFileSync(full);
        files.push({
          file: path.relative(dist, full),
          bytes: data.length,
          gzipBytes: zlib.gzipSync(data, { level: 9 }).length,
        });
      }
    }
  };
  walk(dist);
  return { files, totalGzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    mode: opts.quick ? "quick" : "full",
    machine: {
      cpus: (await import("node:os")).cpus().length,
      cpuModel: (await import("node:os")).cpus()[0]?.model ?? "?",
      node: process.version,
      loadAverage: (await import("node:os")).loadavg(),
    },
  };
  const goals: Goal[] = [];
  const keccak = await createFastKeccak();
  log(`# Aiqyn bench (${opts.quick ? "quick" : "full"}), ${results.startedAt as string}`);

  if (opts.only.has("keccak")) {
    heading("Keccak-256 per call");
    const k = await runKeccakBench(opts.quick ? 5_000 : 50_000);
    results.keccak = k;
    const fastest = [...k].sort((a, b) => a.microsPer450 + a.microsPer64 - (b.microsPer450 + b.microsPer64))[0]!;
    log(
      table([
        ["implementation", "64 B (µs)", "450 B (µs)"],
        ...k.map((r) => [r.name + (r === fastest ? "  ← fastest" : ""), fmt(r.microsPer64), fmt(r.microsPer450)]),
      ]),
    );
    log("The server uses hash-wasm (server/crypto.ts); the page keeps core's @noble/hashes.");
  }

  if (opts.only.has("ingestcpu")) {
    heading("CPU per accepted record, step by step (one core, no HTTP/JSON/SQLite)");
    const c = runIngestCpuBench(keccak, opts.quick ? 1_000 : 5_000);
    results.ingestCpu = c;
    log(table([["step", "µs / record"], ...Object.entries(c.microsPerRecord).map(([k, v]) => [k, fmt(v)])]));
    log(`Ceiling of these steps alone: ${fmt(c.ceilingPerCore)} records/s per core.`);
  }

  if (opts.only.has("encode")) {
    heading("Encoding: core's encoder vs ethers AbiCoder (pure-JS keccak for both)");
    const e = runEncodeBench(opts.quick ? 2_000 : 20_000);
    results.encode = e;
    log(
      `core ${fmt(e.coreMicrosPerRecord)} µs/record, ethers ${fmt(e.ethersMicrosPerRecord)} µs/record: ` +
        `${fmt(e.speedup)}× faster; leaves agree: ${e.leavesAgree ? "yes" : "NO"}`,
    );
  }

  if (opts.only.has("seal")) {
    heading("Sealing a batch: computeBatch (leaves + tree + every proof) vs the same keccak calls in a loop");
    const sizes = opts.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
    const s = runSealBench(sizes, keccak, opts.quick ? 2 : 5);
    results.seal = s;
    log(
      table([
        ["records", "seal (ms)", "keccak loop (ms)", "ratio", "keccak calls", "note"],
        ...s.map((r) => [
          fmt(r.records),
          fmt(r.sealMs),
          fmt(r.keccakLoopMs),
          `${r.ratio.toFixed(2)}×`,
          fmt(r.keccakCalls),
          r.note ?? "",
        ]),
      ]),
    );
    const big = s.find((r) => r.records === 100_000);
    if (big) {
      goals.push(atMost("100 k-record batch sealed", big.sealMs / 1000, 2, "s"));
      goals.push(atMost("seal time / keccak loop (100 k)", big.ratio, 1.5, "×"));
    }
  }

  if (opts.only.has("store")) {
    heading("Sealing through the batcher (read records from SQLite, recompute + check leaves, write proofs)");
    const st = await runStoreSealBench(opts.quick ? [1_000, 10_000] : [10_000, 100_000], keccak);
    results.storeSeal = st;
    log(
      table([
        ["records", "batcher.sealNow (ms)", "of which computeBatch (ms)"],
        ...st.map((r) => [fmt(r.records), fmt(r.sealNowMs), fmt(r.computeMs)]),
      ]),
    );
  }

  if (opts.only.has("verify")) {
    heading("Proof verification (core verifyProof)");
    const v = runVerifyBench(opts.quick ? 10_000 : 100_000, keccak, opts.quick ? 5_000 : 50_000);
    results.verify = v;
    log(
      `${fmt(v.proofs)} proofs of a ${fmt(v.leafCount)}-leaf tree (${v.proofLength} siblings): ` +
        `${fmt(v.perSecondNoble)}/s with @noble/hashes (a citizen's page or CLI), ${fmt(v.perSecondWasm)}/s with hash-wasm`,
    );
  }

  if (opts.only.has("gas")) {
    heading("Gas (Hardhat in-process network)");
    const g: GasResult = await runGasBench();
    results.gas = g;
    log(
      table([
        ["records in batch", "anchor() gas", "gas / record", "one slot per record: gas", "naive gas / record"],
        ...g.anchors.map((a, i) => {
          const n = g.naive.extrapolated[i]!;
          return [
            fmt(a.leafCount),
            fmt(a.gasUsed),
            a.gasPerRecord >= 1 ? fmt(a.gasPerRecord) : a.gasPerRecord.toFixed(3),
            `${fmt(n.gas)}${n.measured ? "" : " (extrapolated" + (n.transactionsAtTxCap > 1 ? `, ≥ ${fmt(n.transactionsAtTxCap)} txs` : "") + ")"}`,
            fmt(n.gas / n.leafCount),
          ];
        }),
      ]),
    );
    log(
      `First anchor ever (counters zero → non-zero): ${fmt(g.firstAnchorGas)} gas. Naive store: ${fmt(g.naive.oneLeafGas)} gas ` +
        `for 1 leaf, ${fmt(g.naive.hundredLeavesGas)} for 100 (measured), ${fmt(g.naive.perRecordGas)} per extra leaf; ` +
        `per-transaction cap ${fmt(g.txGasCap)}.`,
    );
    const steady = Math.max(...g.anchors.map((a) => a.gasUsed));
    goals.push(
      atMost(
        "anchor() gas",
        steady,
        90_000,
        "gas",
        "3 storage slots per batch (DESIGN's Batch: root, firstSeq+leafCount+anchoredAt, head) + counters + event",
      ),
    );
  }

  if (opts.only.has("http")) {
    const chain = await benchChain();
    const chains = [chain];
    const servers: BenchServer[] = [];
    try {
      const dur = opts.quick ? 2 : 10;
      heading(`HTTP ingest (real server, SQLite synchronous=FULL, ${dur} s each, autocannon on 127.0.0.1)`);
      // Long batch interval: ingest is measured on its own; sealing 100 k+ records would interrupt it.
      const ingestServer = await spawnBenchServer(chain, {
        env: { BATCH_INTERVAL_MS: String(3_600_000), BATCH_MAX: "100000" },
      });
      servers.push(ingestServer);
      const bulk = await runIngest(ingestServer, { perRequest: 1000, connections: 4, durationS: dur });
      const single = await runIngest(ingestServer, { perRequest: 1, connections: 64, durationS: dur });
      const rss = ingestServer.rssMb();
      // Durability: kill -9 the server right after the runs, then count what the store holds.
      await ingestServer.stop("SIGKILL");
      const { openSqliteStore } = await import("../../server/store/sqlite");
      const store = openSqliteStore(ingestServer.dataDir);
      const stored = await store.maxSeq();
      const rows = (await store.counts()).records;
      await store.close();
      const acknowledged = bulk.recordsAcknowledged + single.recordsAcknowledged;
      const durable = stored >= acknowledged && rows === stored;
      results.ingest = { bulk, single, acknowledged, storedAfterSigkill: stored, durable, rssMb: rss };
      log(
        table([
          ["run", "records/s", "requests/s", "p50 (ms)", "p99 (ms)", "non-2xx", "errors"],
          ...[
            ["bulk {records:[1000]} ×4 conns", bulk],
            ["single record ×64 conns", single],
          ].map(([name, r]) => {
            const x = r as typeof bulk;
            return [
              name as string,
              fmt(x.recordsPerSecond),
              fmt(x.perSecond),
              fmt(x.latencyP50Ms),
              fmt(x.latencyP99Ms),
              String(x.non2xx),
              String(x.errors + x.timeouts),
            ];
          }),
        ]),
      );
      log(
        `Acknowledged ${fmt(acknowledged)} records; after SIGKILL the store holds ${fmt(stored)}: ` +
          `${durable ? "every acknowledged record is durable" : "RECORDS LOST"}. Server RSS ${fmt(rss)} MB.`,
      );
      goals.push(atLeast("bulk ingest", bulk.recordsPerSecond, 20_000, "records/s"));
      goals.push(atLeast("single-record POSTs", single.recordsPerSecond, 3_000, "POSTs/s"));

      heading("POST → anchored latency and proof serving");
      const batchIntervalMs = 100;
      // A registry of its own: the ingest server above may have anchored a batch of 100 k into the first one,
      // and a fresh store refuses a registry that is ahead of it (STORE_BEHIND_CHAIN).
      const readChain = await benchChain();
      chains.push(readChain);
      const server = await spawnBenchServer(readChain, {
        env: { BATCH_INTERVAL_MS: String(batchIntervalMs), ANCHOR_POLL_MS: "10" },
      });
      servers.push(server);
      const latency = await runAnchorLatency(server, { samples: opts.quick ? 5 : 30, batchIntervalMs });
      results.anchorLatency = latency;
      log(
        `POST → anchored (BATCH_INTERVAL_MS=${batchIntervalMs}, 1 confirmation, Hardhat automine): ` +
          `p50 ${fmt(latency.p50Ms)} ms, p95 ${fmt(latency.p95Ms)} ms, max ${fmt(latency.maxMs)} ms over ${latency.samples} records`,
      );
      // Fill the store for the read runs: 20 k records (quick: 2 k) in bulk, then wait until all are anchored.
      const fill = opts.quick ? 2 : 20;
      for (let b = 0; b < fill; b++) {
        const { benchInput } = await import("./http");
        const body = JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => benchInput(b * 1000 + i)) });
        const res = await fetch(`${server.url}/api/v1/records`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${server.key}` },
          body,
        });
        if (res.status !== 201) throw new Error(`fill: ${res.status} ${await res.text()}`);
      }
      const total = await waitAllAnchored(server.url);
      const proofs = await runProofServing(server, { maxSeq: total, connections: 32, durationS: dur });
      results.proofServing = proofs;
      log(
        `GET /records/:seq/proof over ${fmt(total)} anchored records, 32 connections: ${fmt(proofs.perSecond)}/s, ` +
          `p50 ${fmt(proofs.latencyP50Ms)} ms, p99 ${fmt(proofs.latencyP99Ms)} ms, non-2xx ${proofs.non2xx}, errors ${proofs.errors}`,
      );
      goals.push(atLeast("proof bundles served", proofs.perSecond, 3_000, "/s"));

      heading(`Mixed load (${opts.quick ? 3 : 20} s): 2 single-record POSTs and 8 reads per cycle, 32 connections`);
      const mixed = await runMixedLoad(server, {
        anchoredMaxSeq: total,
        connections: 32,
        durationS: opts.quick ? 3 : 20,
      });
      const { receipts, ...mixedSummary } = mixed;
      const after = await waitAllAnchored(server.url);
      results.mixedLoad = { ...mixedSummary, acceptedRecords: receipts.length, allAnchoredAfter: after };
      log(
        `${fmt(mixed.perSecond)} requests/s, p50 ${fmt(mixed.latencyP50Ms)} ms, p99 ${fmt(mixed.latencyP99Ms)} ms, ` +
          `non-2xx ${mixed.non2xx}, errors ${mixed.errors + mixed.timeouts}; ${fmt(receipts.length)} records accepted, ` +
          `all ${fmt(after)} anchored afterwards; server RSS ${fmt(mixed.rssMbBefore)} → peak ${fmt(mixed.rssMbPeak)} MB`,
      );
    } finally {
      for (const s of servers) {
        await s.stop();
        fs.rmSync(s.dataDir, { recursive: true, force: true });
      }
      for (const c of chains) c.destroy();
    }
  }

  if (opts.only.has("stores")) {
    heading("Store backends: SQLite and PostgreSQL (one and two instances), side by side");
    results.stores = await runStoresBench({ quick: opts.quick, keccak: await createFastKeccak(), log });
  }
  if (opts.only.has("reconcile")) results.reconcile = await reconcileSection(opts.quick, heading, log);

  if (opts.only.has("web")) {
    heading("The page's bundle (web/dist)");
    const w = pageBundleSize();
    results.page = w;
    log(
      table([
        ["file", "bytes", "gzip -9 bytes"],
        ...w.files.map((f) => [f.file, fmt(f.bytes), fmt(f.gzipBytes)]),
        ["total", fmt(w.files.reduce((n, f) => n + f.bytes, 0)), fmt(w.totalGzipBytes)],
      ]),
    );
  }

  if (goals.length > 0) {
    heading("Goals (issue #7, on this machine)");
    if (opts.quick)
      log("(--quick: short runs and small sizes, a smoke test; only a full run is comparable to the goals)");
    log(
      table([
        ["goal", "target", "measured", "result"],
        ...goals.map((g) => [g.name, g.target, g.measured, g.met ? "met" : `MISSED: ${g.miss}`]),
      ]),
    );
    for (const g of goals.filter((x) => !x.met && x.note)) log(`  ${g.name}: ${g.note}`);
  }
  results.goals = goals;
  results.finishedAt = new Date().toISOString();
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + "\n");
  log();
  log(`Results written to ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
