/**
 * `ops check-store --data-dir DIR`: before starting the server on a restored store, compare it with the chain.
 * A backup older than the last anchor misses records the chain already commits to; a server started on it
 * would hand out those seqs again (new receipts for seqs the chain holds with other leaves) and then halt on
 * the conflicting root. This check says so before anything is accepted. Sealed batches are compared too: a batch
 * id the chain holds with another root than the store sealed is a CONFLICT (a stolen key anchored it first).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { getAddress } from "ethers";
import { UsageError } from "./args";
import { resolveRegistry, type CommandContext } from "./commands";

export interface StoreCheck {
  verdict: "ok" | "stale" | "conflict" | "chain-behind" | "other-registry";
  storeLastSeq: number;
  storeAnchoredBatches: number;
  /** Batches sealed (or submitted) in the store but not marked anchored. */
  storeSealedBatches: number;
  chainNextSeq: number;
  chainBatchCount: number;
  problems: string[];
}

export async function checkStoreCommand(ctx: CommandContext, dataDir: string): Promise<StoreCheck> {
  const file = path.join(dataDir, "aiqyn.sqlite");
  if (!existsSync(file)) throw new UsageError(`no store at ${file}`);
  const r = await resolveRegistry(ctx);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let lastSeq: number;
  let batches: { id: number; root: string; first_seq: number; leaf_count: number; status: string }[];
  let bound: string | undefined;
  try {
    lastSeq = (db.prepare("SELECT MAX(seq) AS n FROM records").get() as { n: number | null }).n ?? 0;
    batches = db
      .prepare("SELECT id, root, first_seq, leaf_count, status FROM batches ORDER BY id")
      .all() as typeof batches;
    bound = (db.prepare("SELECT value FROM meta WHERE key = 'registry'").get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
  const chainNextSeq = Number(await r.registry.getFunction("nextSeq").staticCall());
  const chainBatchCount = Number(await r.registry.getFunction("batchCount").staticCall());
  const out: StoreCheck = {
    verdict: "ok",
    storeLastSeq: lastSeq,
    storeAnchoredBatches: batches.filter((b) => b.status === "anchored").length,
    storeSealedBatches: batches.filter((b) => b.status !== "anchored").length,
    chainNextSeq,
    chainBatchCount,
    problems: [],
  };
  const [boundChain, boundAddress] = (bound ?? "").split(":");
  if (bound && (Number(boundChain) !== r.chainId || getAddress(boundAddress!) !== r.address)) {
    out.verdict = "other-registry";
    out.problems.push(`the store anchors to ${bound}, not ${r.chainId}:${r.address}`);
  }
  for (const b of batches) {
    if (b.id > chainBatchCount && b.status !== "anchored") continue; // waits for the server to anchor it
    if (b.id > chainBatchCount) {
      // The store believes in anchors the chain does not have: a reset local chain or the wrong registry.
      if (out.verdict === "ok") out.verdict = "chain-behind";
      out.problems.push(
        `batch ${b.id} is anchored in the store but the registry has only ${chainBatchCount} batch(es)`,
      );
      continue;
    }
    const onChain = (await r.registry.getFunction("batch").staticCall(b.id)) as { root: string };
    if (onChain.root.toLowerCase() !== b.root.toLowerCase()) {
      out.verdict = "conflict";
      out.problems.push(
        `batch ${b.id} (${b.status} in the store): the store's root ${b.root} ≠ the chain's ${onChain.root}` +
          (b.status === "anchored" ? "" : ": someone else anchored this id first (a leaked anchorer key?)"),
      );
    }
  }
  if (out.verdict === "ok" && chainNextSeq > lastSeq + 1) {
    out.verdict = "stale";
    out.problems.push(
      `the chain has anchored seqs up to ${chainNextSeq - 1}, the store holds only up to ${lastSeq}: this store is ` +
        `older than the chain. Do not start the server on it: recover what it lacks with recover-store --from-mirror ` +
        `DIR, or restore a newer backup (docs/OPERATIONS.md, "Backups and restore")`,
    );
  }
  ctx.log(
    `store ${file}: last seq ${lastSeq}, ${out.storeAnchoredBatches} anchored and ${out.storeSealedBatches} sealed ` +
      `batch(es); chain: next seq ${chainNextSeq}, ` +
      `${chainBatchCount} batch(es) → ${out.verdict.toUpperCase()}`,
  );
  for (const p of out.problems) ctx.log(`  ${p}`);
  return out;
}
