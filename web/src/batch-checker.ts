/**
 * Where the page runs core's batchVerdict on a batch: in Web Workers (web/src/figures-worker.ts, one per core
 * up to 4, each hashing with WebAssembly Keccak), so that checking 100,000 records leaves the page responsive;
 * on the main thread with core's own Keccak only when no worker can run here (no Worker, the worker file
 * missing or refused). Either way the verdict is core's, on the entries the page fetched and the batch(id) it
 * read: the worker only computes it. Which one ran is a data attribute for tests, nothing a citizen sees.
 */
import { batchVerdict, type BatchVerdict, type ServedBatchEntry } from "../../core/verify/batch-check";
import type { OnChainBatch } from "../../core/index";

/** One batch to judge, as posted to a worker. */
export interface BatchJob {
  id: number;
  batchId: number;
  entries: readonly ServedBatchEntry[];
  onChain: OnChainBatch | null;
}

/** A worker's answer: core's verdict, or the message of what it threw; and which Keccak hashed. */
export type BatchJobAnswer =
  { id: number; keccak: KeccakName; verdict: BatchVerdict } | { id: number; keccak: KeccakName; error: string };

export type KeccakName = "wasm" | "js";

/** How the last verdict was computed: in a worker or on the main thread, and with which Keccak. */
export interface CheckedBy {
  where: "worker" | "main";
  keccak: KeccakName;
}

interface Pending {
  job: BatchJob;
  resolve(verdict: BatchVerdict): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Workers stop after this long without a batch to check (a later check starts them again). */
const IDLE_MS = 15_000;

let workers: PoolWorker[] = [];
/** Set once a worker could not run: from then on every batch is judged on the main thread. */
let noWorkers = typeof Worker === "undefined";
let nextId = 1;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
let last: CheckedBy | null = null;

/** How many workers: one per core the browser reports, at most 4 (the main thread mostly waits meanwhile). */
function poolSize(): number {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 0;
  return Math.max(1, Math.min(4, cores || 2));
}

function onMainThread(job: BatchJob): BatchVerdict {
  last = { where: "main", keccak: "js" };
  return batchVerdict(job.batchId, job.entries, job.onChain);
}

/** A worker failed (did not load, or threw): every batch it held, and every later one, on the main thread. */
function giveUp(): void {
  noWorkers = true;
  const stranded = workers.flatMap((w) => [...w.pending.values()]);
  for (const w of workers) w.worker.terminate();
  workers = [];
  for (const p of stranded) settleOnMainThread(p);
}

function settleOnMainThread(p: Pending): void {
  try {
    p.resolve(onMainThread(p.job));
  } catch (error) {
    p.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function startWorker(): PoolWorker {
  // Beside app.js, at the page's base (app.ts's basePath; read here so that app.js need not export it).
  const base = document.querySelector<HTMLMetaElement>('meta[name="aiqyn-base"]')?.content || "/";
  const url = new URL(`${base.endsWith("/") ? base : `${base}/`}figures-worker.js`, location.href);
  const worker = new Worker(url, { type: "module", name: "aiqyn-figures" });
  const entry: PoolWorker = { worker, pending: new Map() };
  worker.onmessage = (event: MessageEvent<BatchJobAnswer>) => {
    const answer = event.data;
    const p = entry.pending.get(answer.id);
    if (!p) return;
    entry.pending.delete(answer.id);
    last = { where: "worker", keccak: answer.keccak };
    if ("error" in answer) p.reject(new Error(answer.error));
    else p.resolve(answer.verdict);
    if (workers.every((w) => w.pending.size === 0)) scheduleIdle();
  };
  worker.onerror = (event) => {
    event.preventDefault();
    giveUp();
  };
  worker.onmessageerror = () => giveUp();
  return entry;
}

function scheduleIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (workers.some((w) => w.pending.size > 0)) return;
    for (const w of workers) w.worker.terminate();
    workers = [];
  }, IDLE_MS);
}

/** The worker with the fewest batches in hand, started on demand up to poolSize(). */
function leastBusy(): PoolWorker {
  const idle = workers.find((w) => w.pending.size === 0);
  if (idle) return idle;
  if (workers.length < poolSize()) {
    const started = startWorker();
    workers.push(started);
    return started;
  }
  return workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
}

/**
 * core's batchVerdict on batch `batchId`'s served entries and its batch(id) answer, in a worker when one can
 * run here. Rejects exactly when batchVerdict throws.
 */
export function judgeInWorker(
  batchId: number,
  entries: readonly ServedBatchEntry[],
  onChain: OnChainBatch | null,
): Promise<BatchVerdict> {
  const job: BatchJob = { id: nextId++, batchId, entries, onChain };
  return new Promise<BatchVerdict>((resolve, reject) => {
    const p: Pending = { job, resolve, reject };
    if (noWorkers) return settleOnMainThread(p);
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    let target: PoolWorker;
    try {
      target = leastBusy();
    } catch {
      // The browser refuses the worker: this batch and every later one on the main thread.
      giveUp();
      return settleOnMainThread(p);
    }
    target.pending.set(job.id, p);
    try {
      target.worker.postMessage(job);
    } catch {
      // Entries that do not clone (never JSON): this batch on the main thread.
      target.pending.delete(job.id);
      settleOnMainThread(p);
    }
  });
}

/** How the latest verdict was computed (null before any). */
export function lastCheckedBy(): CheckedBy | null {
  return last;
}
