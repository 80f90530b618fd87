/**
 * `aiqyn monitor` catching up on a registry of N records (batches of 1,000 anchored on Hardhat's in-process chain,
 * served over real HTTP JSON-RPC, with the matching static mirror), then following new batches: the real CLI as
 * a child process. Reports records/s while catching up, the child's peak memory (VmHWM: bounded by a batch, so
 * about the same at 10 k and 100 k records), the delay from an anchor to its check while following (1 s polls),
 * and the CPU the monitor uses while idle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp, mkdir, readFile, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Contract, type Signer } from "ethers";
import { leafHash, nextHead, ZERO_BYTES32, type Hex, type Keccak, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { deployRegistry } from "../../server/demo/deploy-registry";
import { MIRROR_BATCH_FORMAT, MIRROR_FORMAT, mirrorBatchFile } from "../cli/audit/source";
import { writeFileAtomic } from "../cli/fs-atomic";
import { serveHardhatNetwork, type Hre } from "../hardhat-rpc";
import { fmt, heading, log, table, type SectionContext, type SectionOutcome } from "./harness";

const BIN = resolve(__dirname, "../../bin/aiqyn");
const BATCH = 1_000;
const DELAY = 3600;

export interface MonitorBenchRow {
  records: number;
  batches: number;
  /** From launch to its first save (ts-node, the pin, the first event window). */
  startupSeconds: number;
  catchUpSeconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
  followLatencyMs: number[];
  idleCpuPercent: number;
  idleSeconds: number;
}

/** Record `seq`: published in seq order within the registry's promise, so a clean registry raises nothing. */
function benchRecord(seq: number, base: number): RecordV1 {
  const publishedAt = base + Math.floor(seq / 1000);
  return {
    seq,
    kind: seq % 10 === 0 ? "VALUATION" : "INFLOW_SEIZURE",
    occurredAt: publishedAt - 100,
    publishedAt,
    publisher: "treasury",
    asset: seq % 3 === 0 ? "BNB" : "BTC",
    amount: `${seq % 1000}.${seq % 97}`,
    valueUsd: `${seq}.25`,
    counterparty: "Almaty District Court",
    reference: `court order 2-${seq}/2025`,
    documentHash: ZERO_BYTES32,
    memo: seq % 5 === 0 ? "seized under the asset recovery law, transferred to the fund's custody" : "",
    corrects: 0,
  };
}

interface Registry {
  address: string;
  deploymentBlock: number;
  anchor: Contract;
  signer: Signer;
  mirror: string;
  keccak: Keccak;
  head: Hex;
  entries: unknown[];
  nextSeq: number;
  base: number;
}

async function anchorBatch(r: Registry, id: number): Promise<void> {
  const items = Array.from({ length: BATCH }, (_, i) => {
    const record = benchRecord(r.nextSeq + i, r.base);
    return { record, leaf: leafHash(record, r.keccak) };
  });
  const root = buildBatchTree(
    items.map((i) => i.leaf),
    { keccak: r.keccak },
  ).root;
  r.head = nextHead(r.head, id, root, r.nextSeq, BATCH);
  const batch = { id, root, firstSeq: r.nextSeq, leafCount: BATCH, status: "anchored", head: r.head, sealedAt: 0 };
  const file = mirrorBatchFile(id);
  await writeFileAtomic(join(r.mirror, file), JSON.stringify({ format: MIRROR_BATCH_FORMAT, batch, records: items }));
  r.entries.push({ ...batch, file });
  await writeIndex(r);
  const tx = (await r.anchor.getFunction("anchor")(id, root, r.nextSeq, BATCH)) as { wait(): Promise<unknown> };
  await tx.wait();
  r.nextSeq += BATCH;
}

function writeIndex(r: Registry): Promise<void> {
  const registry = {
    chainId: 31337,
    registry: r.address,
    deploymentBlock: r.deploymentBlock,
    rpcUrl: null,
    explorerUrl: null,
    receiptSigner: ZERO_BYTES32.slice(0, 42),
    maxAnchorDelaySeconds: DELAY,
  };
  return writeFileAtomic(
    join(r.mirror, "index.json"),
    JSON.stringify({ format: MIRROR_FORMAT, exportedAt: 0, registry, batches: r.entries }),
  );
}

/** The child's peak resident memory so far (MB), from /proc. */
function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function nextBatchId(state: string): Promise<number> {
  try {
    return (JSON.parse(await readFile(join(state, "state.json"), "utf8")) as { nextBatchId: number }).nextBatchId;
  } catch {
    return 1;
  }
}

function startMonitor(rpcUrl: string, r: Registry, state: string): { child: ChildProcess; peak: () => number } {
  const args = ["monitor", "--rpc", rpcUrl, "--chain-id", "31337", "--registry", r.address, "--mirror", r.mirror];
  const child = spawn(process.execPath, [BIN, ...args, "--state", state, "--confirmations", "0", "--interval", "1"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 100);
  child.once("exit", () => clearInterval(timer));
  return { child, peak: () => Math.max(peak, peakRssMb(child.pid!)) };
}

async function runOne(hre: Hre, rpcUrl: string, keccak: Keccak, records: number, idleMs: number) {
  const work = await mkdtemp(join(tmpdir(), "aiqyn-bench-monitor-"));
  try {
    const [signer] = await hre.ethers.getSigners();
    const me = await signer!.getAddress();
    const deployed = await deployRegistry(signer!, { admin: me, anchorer: me, pauser: me }, DELAY);
    const mirror = join(work, "mirror");
    await mkdir(join(mirror, "batches"), { recursive: true });
    const anchor = new Contract(deployed.address, ["function anchor(uint64,bytes32,uint64,uint32)"], signer);
    const base = Math.floor(Date.now() / 1000) - 600;
    const r: Registry = {
      ...deployed,
      anchor,
      signer: signer!,
      mirror,
      keccak,
      head: ZERO_BYTES32,
      entries: [],
      nextSeq: 1,
      base,
    };
    const batches = Math.ceil(records / BATCH);
    for (let id = 1; id <= batches; id++) await anchorBatch(r, id);

    const state = join(work, "state");
    const launched = performance.now();
    const monitor = startMonitor(rpcUrl, r, state);
    // Its first save (the deployment's grants, before any batch) ends the start-up (ts-node, the chain's pin).
    while (!(await exists(join(state, "state.json")))) await sleep(20);
    const started = performance.now();
    while ((await nextBatchId(state)) <= batches) await sleep(20);
    const catchUpSeconds = (performance.now() - started) / 1000;
    const startupSeconds = (started - launched) / 1000;
    const peak = monitor.peak();

    const followLatencyMs: number[] = [];
    for (let id = batches + 1; id <= batches + 3; id++) {
      await anchorBatch(r, id);
      const anchoredAt = performance.now();
      while ((await nextBatchId(state)) <= id) await sleep(20);
      followLatencyMs.push(performance.now() - anchoredAt);
    }
    await sleep(1500);
    const cpuBefore = cpuSeconds(monitor.child.pid!);
    await sleep(idleMs);
    const idleCpuPercent = ((cpuSeconds(monitor.child.pid!) - cpuBefore) / (idleMs / 1000)) * 100;
    monitor.child.kill("SIGTERM");
    await new Promise((done) => monitor.child.once("exit", done));
    return {
      records: batches * BATCH,
      batches,
      startupSeconds,
      catchUpSeconds,
      recordsPerSecond: (batches * BATCH) / catchUpSeconds,
      peakRssMb: peak,
      followLatencyMs,
      idleCpuPercent,
      idleSeconds: idleMs / 1000,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function runMonitorBench(sizes: number[], keccak: Keccak, idleMs: number): Promise<MonitorBenchRow[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as Hre;
  await hre.run("compile", { quiet: true });
  const chain = await serveHardhatNetwork(hre, 0);
  try {
    const rows: MonitorBenchRow[] = [];
    for (const records of sizes) rows.push(await runOne(hre, chain.url, keccak, records, idleMs));
    return rows;
  } finally {
    await chain.close();
  }
}

/** The bench section: 10 k and 100 k records (quick: 1 k and 5 k), then 3 batches followed, then idle. */
export async function monitorSection({ quick, keccak }: SectionContext): Promise<SectionOutcome> {
  const sizes = quick ? [1_000, 5_000] : [10_000, 100_000];
  heading("aiqyn monitor: catching up on a registry (mirror, batches of 1,000), then following, then idle");
  const rows = await runMonitorBench(sizes, keccak, quick ? 3_000 : 10_000);
  log(
    table([
      ["records", "start-up (s)", "catch-up (s)", "records/s", "peak memory (MB)", "anchor → checked (ms)", "idle CPU"],
      ...rows.map((r) => [
        fmt(r.records),
        r.startupSeconds.toFixed(1),
        r.catchUpSeconds.toFixed(1),
        fmt(r.recordsPerSecond),
        fmt(r.peakRssMb),
        r.followLatencyMs.map((ms) => fmt(ms)).join(" / "),
        `${r.idleCpuPercent.toFixed(1)} % of a core (${r.idleSeconds} s, 1 s polls)`,
      ]),
    ]),
  );
  log(
    "Memory is the child's VmHWM: bounded by one batch and the state, not by the registry. Following waits for the next 1 s poll.",
  );
  return { results: { monitor: rows } };
}
