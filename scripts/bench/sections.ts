/**
 * The bench's in-process sections, one runner each: it prints its table and hands back its entries of
 * bench-results.json and the goals it judged (scripts/bench/index.ts runs them in order).
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { runFiguresBench } from "./figures";
import { measureVerdictLatency } from "./verdict-latency";
import { execFileSync } from "node:child_process";
import { runEncodeBench } from "./encode";
import { runGasBench } from "./gas";
import { atMost, fmt, heading, log, table, type Goal, type SectionContext, type SectionOutcome } from "./harness";
import { runIngestCpuBench, runKeccakBench, runSealBench, runVerifyBench } from "./seal";
import { runStoreSealBench } from "./store";
import { runStoresBench } from "./stores";

const ROOT = path.resolve(__dirname, "..", "..");

export async function keccakSection({ quick }: SectionContext): Promise<SectionOutcome> {
  heading("Keccak-256 per call");
  const k = await runKeccakBench(quick ? 5_000 : 50_000);
  const fastest = [...k].sort((a, b) => a.microsPer450 + a.microsPer64 - (b.microsPer450 + b.microsPer64))[0]!;
  log(
    table([
      ["implementation", "64 B (µs)", "450 B (µs)"],
      ...k.map((r) => [r.name + (r === fastest ? "  ← fastest" : ""), fmt(r.microsPer64), fmt(r.microsPer450)]),
    ]),
  );
  log("The server uses hash-wasm (server/crypto.ts); the page keeps core's @noble/hashes.");
  return { results: { keccak: k } };
}

export async function ingestCpuSection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  heading("CPU per accepted record, step by step (one core, no HTTP/JSON/SQLite)");
  const c = runIngestCpuBench(keccak, quick ? 1_000 : 5_000);
  log(table([["step", "µs / record"], ...Object.entries(c.microsPerRecord).map(([k, v]) => [k, fmt(v)])]));
  log(`Ceiling of these steps alone: ${fmt(c.ceilingPerCore)} records/s per core.`);
  return { results: { ingestCpu: c } };
}

export async function encodeSection({ quick }: SectionContext): Promise<SectionOutcome> {
  heading("Encoding: core's encoder vs ethers AbiCoder (pure-JS keccak for both)");
  const e = runEncodeBench(quick ? 2_000 : 20_000);
  log(
    `core ${fmt(e.coreMicrosPerRecord)} µs/record, ethers ${fmt(e.ethersMicrosPerRecord)} µs/record: ` +
      `${fmt(e.speedup)}× faster; leaves agree: ${e.leavesAgree ? "yes" : "NO"}`,
  );
  return { results: { encode: e } };
}

export async function sealSection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  heading("Sealing a batch: computeBatch (leaves + tree + every proof) vs the same keccak calls in a loop");
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  const s = runSealBench(sizes, keccak, quick ? 2 : 5);
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
  const goals = big
    ? [
        atMost("100 k-record batch sealed", big.sealMs / 1000, 2, "s"),
        atMost("seal time / keccak loop (100 k)", big.ratio, 1.5, "×"),
      ]
    : [];
  return { results: { seal: s }, goals };
}

export async function storeSection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  heading("Sealing through the batcher (read records from SQLite, recompute + check leaves, write proofs)");
  const st = await runStoreSealBench(quick ? [1_000, 10_000] : [10_000, 100_000], keccak);
  log(
    table([
      ["records", "batcher.sealNow (ms)", "of which computeBatch (ms)"],
      ...st.map((r) => [fmt(r.records), fmt(r.sealNowMs), fmt(r.computeMs)]),
    ]),
  );
  return { results: { storeSeal: st } };
}

export async function verifySection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  heading("Proof verification (core verifyProof)");
  const v = runVerifyBench(quick ? 10_000 : 100_000, keccak, quick ? 5_000 : 50_000);
  log(
    `${fmt(v.proofs)} proofs of a ${fmt(v.leafCount)}-leaf tree (${v.proofLength} siblings): ` +
      `${fmt(v.perSecondNoble)}/s with @noble/hashes (a citizen's page or CLI), ${fmt(v.perSecondWasm)}/s with hash-wasm`,
  );
  return { results: { verify: v } };
}

export async function gasSection(): Promise<SectionOutcome> {
  heading("Gas (Hardhat in-process network)");
  const g = await runGasBench();
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
  const note =
    "3 storage slots per batch (DESIGN's Batch: root, firstSeq+leafCount+anchoredAt, head) + counters + event";
  return { results: { gas: g }, goals: [atMost("anchor() gas", steady, 90_000, "gas", note)] };
}

export async function storesSection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  heading("Store backends: SQLite and PostgreSQL (one and two instances), side by side");
  return { results: { stores: await runStoresBench({ quick, keccak, log }) } };
}

interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** Gzipped size of the page's bundle: every .js, .css and .html under web/dist (built first if missing). */
function pageBundleSize(): { files: BundleFile[]; totalGzipBytes: number } {
  const dist = path.join(ROOT, "web", "dist");
  if (!fs.existsSync(path.join(dist, "index.html"))) {
    execFileSync(process.execPath, [path.join(ROOT, "web", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
  const files: BundleFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|css|html)$/.test(entry.name)) {
        const data = fs.readFileSync(full);
        const gzipBytes = zlib.gzipSync(data, { level: 9 }).length;
        files.push({ file: path.relative(dist, full), bytes: data.length, gzipBytes });
      }
    }
  };
  walk(dist);
  return { files, totalGzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0) };
}

export async function webSection({ quick }: SectionContext): Promise<SectionOutcome> {
  heading("The page's bundle (web/dist)");
  const w = pageBundleSize();
  log(
    table([
      ["file", "bytes", "gzip -9 bytes"],
      ...w.files.map((f) => [f.file, fmt(f.bytes), fmt(f.gzipBytes)]),
      ["total", fmt(w.files.reduce((n, f) => n + f.bytes, 0)), fmt(w.totalGzipBytes)],
    ]),
  );
  heading("The verdict through an RPC 150 ms away (real Chromium, a delaying proxy as the page's only RPC)");
  const latency = await measureVerdictLatency(150, 3);
  if (!latency) {
    log("no Chromium on this machine: not measured");
    return { results: { page: w } };
  }
  // The standing check (figures) begins as the verdict is drawn, so it may be listed too.
  log(`scripts fetched by the time the verdict was seen: ${latency.scripts.join(", ")}`);
  const best = Math.min(...latency.runs);
  log(
    table([
      ["verdict", "ms after navigation (each run)", "JSON-RPC requests", "calls", "CORS preflights"],
      [
        latency.verdict,
        latency.runs.join(", "),
        String(latency.requests),
        String(latency.calls),
        String(latency.preflights),
      ],
    ]),
  );
  const goal: Goal = {
    name: "verdict after navigation, RPC 150 ms away",
    target: "≤ 350 ms",
    measured: `${best} ms (best of ${latency.runs.length}), ${latency.requests + latency.preflights} round trip(s)`,
    met: best <= 350,
    ...(best > 350 ? { miss: `${(best / 350).toFixed(2)}× over` } : {}),
  };
  const figures = await figuresGoal(quick);
  return {
    results: { page: w, verdictLatency: latency, figures: figures.results },
    goals: [goal, ...(figures.goal ? [figures.goal] : [])],
  };
}

/**
 * The fund's figures checked in the page on a first visit over a static mirror (scripts/bench/figures.ts):
 * 100 k records (10 k with --quick), Web Workers with WebAssembly Keccak, beside the same page with the worker's
 * WebAssembly refused and with no worker at all (the check as it ran before, on the main thread).
 */
async function figuresGoal(quick: boolean): Promise<{ results: unknown; goal: Goal | null }> {
  const records = quick ? 10_000 : 100_000;
  heading(`The fund's figures checked in the page: ${fmt(records)} records over a static mirror (real Chromium)`);
  const bench = await runFiguresBench({ records, log });
  log(table([["step", "time", "note"], ...bench.rows]));
  const first = bench.page?.firstVisit;
  if (!first) return { results: bench, goal: null };
  const goal = atMost(
    `${fmt(records)} records' figures checked on a first visit (local mirror)`,
    first.ms / 1000,
    8,
    "s",
    `${first.checker}, ${first.keccak} keccak; longest main-thread task while checking ${fmt(first.longestTaskMs)} ms`,
  );
  return { results: { ...bench, rows: undefined }, goal };
}
