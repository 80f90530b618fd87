/**
 * `ops reanchor --to NEW_REGISTRY --data-dir DIR [--mirror DIR]`: after a stolen anchorer key put a foreign
 * batch on the registry, move the store onto a freshly deployed registry, from batch 1. Run it with the server
 * stopped; then start the server with REGISTRY_ADDRESS=NEW and it anchors every batch again, in order, with the
 * same seqs, leaves, roots and proofs (a batch's tree depends only on its records).
 *
 * What changes is what names the registry. Each receipt is signed over (chainId, registry, seq, leaf,
 * publishedAt) by a key that held ANCHORER_ROLE at publishedAt: the receipts of the records accepted so far name
 * the old registry, and no key held the role on the new one back then, so they cannot be issued again. They stay
 * as they are: evidence, valid against the old registry's role history, written with the old registry and its
 * batches (ours and the thief's) to DATA_DIR/superseded/<chainId>-<registry>.json (and into the mirror with
 * --mirror) before the store is touched. The store remembers the first seq whose receipt names the new registry
 * (meta `receipts_from_seq`); the server serves the older records' proof bundles without a receipt (anchoring on
 * the new registry is what they prove). The store change is one SQLite transaction.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { getAddress } from "ethers";
import { makeTrustRoot } from "../../core/protocol/trust";
import { createReceiptSigner } from "../../server/crypto";
import { UsageError } from "./args";
import { resolveRegistry, type CommandContext, type Resolved } from "./commands";
import { readAnchorerKey } from "./keys";
import { ANCHORER_ROLE, checkedAddress } from "./registry";

export const SUPERSEDED_FORMAT = "aiqyn-superseded/1";

export interface ReanchorOptions {
  dataDir: string;
  to?: string;
  mirror?: string;
}

interface ChainBatchEvidence {
  id: number;
  root: string;
  firstSeq: number;
  leafCount: number;
  anchoredAt: number;
  head: string;
  txHash: string | null;
}

interface StoreBatchRow {
  id: number;
  root: string;
  status: string;
  tx_hash: string | null;
}

interface ReceiptRow {
  seq: number;
  leaf: string;
  published_at: number;
  signer: string;
  signature: string;
}

/** The transaction that anchored batch `id` (BatchAnchored has the id as its indexed topic). */
async function anchoringTx(r: Resolved, id: number, fromBlock: number): Promise<string | null> {
  try {
    const logs = await r.registry.queryFilter(r.registry.filters.BatchAnchored!(id), fromBlock);
    return logs[0]?.transactionHash ?? null;
  } catch {
    return null; // an RPC that caps the range: the root and head still identify the batch on chain
  }
}

/** Every batch the old registry holds, split into the store's own and the foreign ones (the thief's). */
async function oldRegistryBatches(old: Resolved, mine: Map<number, StoreBatchRow>) {
  const count = Number(await old.registry.getFunction("batchCount").staticCall());
  const fromBlock = Number(await old.registry.getFunction("deploymentBlock").staticCall());
  const ours: ChainBatchEvidence[] = [];
  const foreign: ChainBatchEvidence[] = [];
  for (let id = 1; id <= count; id++) {
    const b = (await old.registry.getFunction("batch").staticCall(id)) as {
      root: string;
      firstSeq: bigint;
      leafCount: bigint;
      anchoredAt: bigint;
      head: string;
    };
    const evidence: ChainBatchEvidence = {
      id,
      root: b.root,
      firstSeq: Number(b.firstSeq),
      leafCount: Number(b.leafCount),
      anchoredAt: Number(b.anchoredAt),
      head: b.head,
      txHash: await anchoringTx(old, id, fromBlock),
    };
    (mine.get(id)?.root.toLowerCase() === b.root.toLowerCase() ? ours : foreign).push(evidence);
  }
  return { count, fromBlock, ours, foreign };
}

/** The fresh registry: same chain, no batch yet, and the new key holds ANCHORER_ROLE on it. */
async function checkTarget(ctx: CommandContext, to: string, anchorer: string): Promise<Resolved> {
  const target = await resolveRegistry({ ...ctx, registry: to });
  if (Number(await target.registry.getFunction("batchCount").staticCall()) !== 0)
    throw new UsageError(`${to} already holds batches: reanchor needs a freshly deployed registry`);
  if (!(await target.registry.getFunction("hasRole").staticCall(ANCHORER_ROLE, anchorer)))
    throw new UsageError(`the anchorer key's address ${anchorer} lacks ANCHORER_ROLE on ${to}: grant it first`);
  return target;
}

function readStore(db: Database.Database) {
  const bound = (db.prepare("SELECT value FROM meta WHERE key = 'registry'").get() as { value: string } | undefined)
    ?.value;
  const batches = db.prepare("SELECT id, root, status, tx_hash FROM batches ORDER BY id").all() as StoreBatchRow[];
  const receipts = db
    .prepare("SELECT seq, leaf, published_at, signer, signature FROM records ORDER BY seq")
    .all() as ReceiptRow[];
  return { bound, batches, receipts };
}

/** Same evidence but for the time it was taken: what an interrupted earlier run of this very reanchor wrote. */
function sameEvidence(text: string, evidence: object): boolean {
  const strip = (value: object) => JSON.stringify({ ...value, supersededAt: 0 });
  try {
    return strip(JSON.parse(text) as object) === strip(evidence);
  } catch {
    return false;
  }
}

/** Writes a new evidence file; never overwrites one, but accepts the identical file an interrupted run left. */
async function writeOnce(file: string, evidence: object, log: (l: string) => void): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  if (existsSync(file)) {
    if (!sameEvidence(await readFile(file, "utf8"), evidence))
      throw new UsageError(`${file} exists with other evidence: refusing to overwrite it`);
    log(`evidence already in ${file} (an interrupted run): kept as it is`);
    return;
  }
  await writeFile(file, `${JSON.stringify(evidence, null, 2)}\n`, { flag: "wx", mode: 0o644 });
  log(`evidence written to ${file}`);
}

async function writeEvidence(file: string, evidence: object, mirror: string | undefined, log: (l: string) => void) {
  await writeOnce(file, evidence, log);
  if (mirror) await writeOnce(path.join(mirror, "superseded", path.basename(file)), evidence, log);
}

/** One transaction: every batch back to sealed, the first seq with a receipt for the new registry, the binding. */
function moveStore(db: Database.Database, receiptsFromSeq: number, binding: string, superseded: string[]) {
  const meta = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  db.transaction(() => {
    db.prepare(
      `UPDATE batches SET status = 'sealed', tx_hash = NULL, tx_nonce = NULL, raw_tx = NULL, block_number = NULL,
         head = NULL, anchored_at = NULL`,
    ).run();
    meta.run("receipts_from_seq", String(receiptsFromSeq));
    meta.run("registry", binding);
    meta.run("superseded_registries", JSON.stringify(superseded));
  })();
}

export async function reanchorCommand(ctx: CommandContext, opts: ReanchorOptions): Promise<void> {
  const to = checkedAddress(opts.to, "--to (the new registry)");
  const storeFile = path.join(opts.dataDir, "aiqyn.sqlite");
  if (!existsSync(storeFile)) throw new UsageError(`no store at ${storeFile}`);
  const key = readAnchorerKey();
  const db = new Database(storeFile, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const { bound, batches, receipts } = readStore(db);
    const [boundChain, boundAddress] = (bound ?? ":").split(":");
    if (!bound || !boundAddress) throw new UsageError("the store is bound to no registry: nothing to re-anchor");
    const old = await resolveRegistry({ ...ctx, registry: getAddress(boundAddress) });
    if (Number(boundChain) !== old.chainId)
      throw new UsageError(`the store is bound to chain ${boundChain}, the network is chain ${old.chainId}`);
    if (old.address === to) throw new UsageError(`the store already anchors to ${to}`);
    const signer = createReceiptSigner(key, old.chainId, to);
    const target = await checkTarget(ctx, to, signer.address);
    const chain = await oldRegistryBatches(old, new Map(batches.map((b) => [b.id, b])));
    const previous = JSON.parse(
      (db.prepare("SELECT value FROM meta WHERE key = 'superseded_registries'").get() as { value: string } | undefined)
        ?.value ?? "[]",
    ) as string[];
    const evidence = {
      format: SUPERSEDED_FORMAT,
      chainId: old.chainId,
      registry: old.address,
      deploymentBlock: chain.fromBlock,
      supersededBy: makeTrustRoot(
        target.chainId,
        target.address,
        Number(await target.registry.getFunction("deploymentBlock").staticCall()),
      ),
      supersededAt: Math.floor(Date.now() / 1000),
      chainBatchCount: chain.count,
      ourBatches: chain.ours,
      foreignBatches: chain.foreign,
      storeBatchesNotOnChain: batches
        .filter((b) => b.id > chain.count || chain.foreign.some((f) => f.id === b.id))
        .map((b) => ({ id: b.id, root: b.root })),
      receipts: receipts.map((r) => ({
        seq: r.seq,
        leaf: r.leaf,
        publishedAt: r.published_at,
        signer: r.signer,
        signature: r.signature,
      })),
    };
    const name = `${old.chainId}-${old.address}.json`;
    await writeEvidence(path.join(opts.dataDir, "superseded", name), evidence, opts.mirror, ctx.log);
    const receiptsFromSeq = Math.max(0, ...receipts.map((r) => r.seq)) + 1;
    moveStore(db, receiptsFromSeq, `${target.chainId}:${target.address}`, [
      ...previous,
      `${old.chainId}:${old.address}`,
    ]);
    ctx.log(
      `re-anchor prepared: ${batches.length} batch(es) and ${receipts.length} record(s) now wait for ${target.address}; ` +
        `old registry ${old.address}: ${chain.ours.length} batch(es) ours, ${chain.foreign.length} foreign ` +
        `(${chain.foreign.map((f) => `#${f.id} root ${f.root}`).join(", ") || "none"})`,
    );
    ctx.log(
      `the ${receipts.length} receipt(s) given so far name ${old.address} and stay valid there (kept in the ` +
        `evidence file); proof bundles of seqs below ${receiptsFromSeq} carry none, later ones are signed by ` +
        `${signer.address} for ${target.address}`,
    );
    ctx.log(`next: start the server with REGISTRY_ADDRESS=${target.address} SUPERSEDED_REGISTRIES=${old.address}`);
  } finally {
    db.close();
  }
}
