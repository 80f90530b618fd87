/**
 * Sealing through the server's real path: records accepted into a temporary SQLite store (receipts with a
 * placeholder signature: signing is measured by the ingest bench), then Batcher.sealNow() reads them back,
 * recomputes and checks every leaf, builds the tree and writes every proof in one transaction.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { leafHash, type Keccak } from "../../core";
import { Batcher } from "../../server/anchoring/batcher";
import { computeBatch } from "../../server/anchoring/seal";
import { SqliteStore } from "../../server/store/sqlite";
import { benchRecords } from "./encode";
import { timeMs } from "./harness";

export interface StoreSealResult {
  records: number;
  sealNowMs: number;
  computeMs: number;
}

export async function runStoreSealBench(sizes: readonly number[], keccak: Keccak): Promise<StoreSealResult[]> {
  const out: StoreSealResult[] = [];
  for (const n of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bench-seal-"));
    const store = new SqliteStore(path.join(dir, "aiqyn.sqlite"));
    try {
      const inputs = benchRecords(n).map(({ seq: _s, publishedAt: _p, publisher: _u, ...input }) => input);
      const placeholder = { signature: `0x${"00".repeat(65)}` as const, signer: "0x" + "00".repeat(20) };
      for (let i = 0; i < n; i += 10_000) {
        await store.appendRecords(
          inputs.slice(i, i + 10_000),
          "ministry-of-finance",
          (record) => ({ leaf: leafHash(record, keccak), ...placeholder }),
          () => 1_761_955_300,
        );
      }
      let computeMs = 0;
      const batcher = new Batcher(store, { intervalMs: 3_600_000, batchMax: n, keccak });
      const started = performance.now();
      const sealed = await batcher.sealNow();
      const sealNowMs = performance.now() - started;
      if (sealed.length !== 1 || sealed[0]!.leafCount !== n) throw new Error("expected one batch of every record");
      // computeBatch alone on the same records, for the split.
      const records = (await store.recordsOfBatch(1, 0, n)).map((s) => s.record);
      computeMs = timeMs(() => computeBatch(records, keccak));
      out.push({ records: n, sealNowMs, computeMs });
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
