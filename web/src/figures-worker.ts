/**
 * The figure check's worker (its own entry, figures-worker.js, built by web/build.mjs and started by
 * web/src/batch-checker.ts): core's batchVerdict on the batches the page hands it, hashing with the page's
 * WebAssembly Keccak (web/src/wasm-keccak.ts, core's own when WebAssembly is unavailable), so that validating,
 * hashing 100,000 records and recomputing the roots never blocks the page. The worker reads nothing itself:
 * the page fetches the records and reads batch(id) from the pinned registry; the verdict is core's.
 */
import { batchVerdict, type BatchVerdict } from "../../core/verify/batch-check";
import { pageKeccak } from "./wasm-keccak";
import type { BatchJob, BatchJobAnswer } from "./batch-checker";

interface WorkerScope {
  onmessage: ((event: MessageEvent<BatchJob>) => void) | null;
  postMessage(message: BatchJobAnswer): void;
}
const scope = self as unknown as WorkerScope;
const ready = pageKeccak();

scope.onmessage = (event) => {
  const job = event.data;
  void ready.then(({ keccak, name }) => {
    let verdict: BatchVerdict;
    try {
      verdict = batchVerdict(job.batchId, job.entries, job.onChain, keccak);
    } catch (error) {
      return scope.postMessage({
        id: job.id,
        keccak: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    scope.postMessage({ id: job.id, keccak: name, verdict });
  });
};
