/**
 * `ops recover-store --from-mirror DIR --data-dir DIR`: a store restored from a backup older than the chain
 * (check-store says STALE) gets back the anchored batches it lacks from a public mirror (`aiqyn export`).
 * Nothing from the mirror is believed: every record is re-hashed to its leaf, every batch's tree is rebuilt and
 * its root, first seq, leaf count and head must equal what the registry holds for that batch id. Records the
 * backup already has must be the very same leaves. Run it with the server stopped; it is idempotent (a crash
 * halfway is finished by running it again), and ends with check-store's verdict.
 *
 * Receipts: taken from the mirror's bundles/<seq>.json (`aiqyn export --bundles`); without them, re-signed with
 * the server's key (ANCHORER_KEY_FILE or ANCHORER_KEY): receipt signatures are deterministic (RFC 6979), so
 * the key that signed a record at acceptance gives back the same bytes. Every store call is awaited, so the same
 * code serves a store interface that answers synchronously or with promises.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { leafHash, type Hex, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/tree";
import { createReceiptSigner, type ReceiptSigner } from "../../server/crypto";
import { openSqliteStore, type SqliteStore } from "../../server/store/sqlite";
import { UsageError } from "./args";
import { resolveRegistry, type CommandContext, type Resolved } from "./commands";
import { readAnchorerKey } from "./keys";
import { checkStoreCommand, type StoreCheck } from "./store-check";

interface MirrorBatch {
  id: number;
  root: Hex;
  firstSeq: number;
  leafCount: number;
  txHash: Hex;
  blockNumber: number;
  head: Hex;
  anchoredAt: number;
  sealedAt?: number;
  file: string;
}

interface MirrorReceipt {
  signer: string;
  signature: Hex;
}

export interface RecoverResult extends StoreCheck {
  addedBatches: number[];
  addedRecords: number;
  adoptedBatches: number[];
  resignedReceipts: number;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** index.json's anchored batches in id order, for the registry the command works on. */
async function mirrorBatches(dir: string, r: Resolved): Promise<MirrorBatch[]> {
  const index = (await readJson(path.join(dir, "index.json"))) as {
    format?: string;
    registry?: { chainId?: number; registry?: string };
    batches?: MirrorBatch[];
  };
  if (index.format !== "aiqyn-mirror/1" || !Array.isArray(index.batches))
    throw new UsageError(`${dir}/index.json is not an aiqyn-mirror/1 index`);
  const reg = index.registry;
  if (reg?.chainId !== r.chainId || reg.registry?.toLowerCase() !== r.address.toLowerCase()) {
    throw new UsageError(
      `the mirror is of ${reg?.chainId}:${reg?.registry}, not of ${r.chainId}:${r.address}: a mirror of another registry`,
    );
  }
  return [...index.batches].sort((a, b) => a.id - b.id);
}

/** The registry's own batch: the only authority on what batch `id` is. */
async function chainBatch(r: Resolved, id: number) {
  const b = (await r.registry.getFunction("batch").staticCall(id)) as {
    root: string;
    firstSeq: bigint;
    leafCount: bigint;
    head: string;
  };
  return { root: b.root.toLowerCase(), firstSeq: Number(b.firstSeq), leafCount: Number(b.leafCount), head: b.head };
}

/** The batch's records from its mirror file, each re-hashed and the tree rebuilt; refused unless the chain agrees. */
async function checkedBatch(dir: string, r: Resolved, entry: MirrorBatch) {
  const file = (await readJson(path.join(dir, entry.file))) as { records?: { record: RecordV1; leaf: Hex }[] };
  const records = file.records ?? [];
  const onChain = await chainBatch(r, entry.id);
  const fail = (why: string) => {
    throw new UsageError(`mirror batch ${entry.id} (${entry.file}) ${why}: refusing it, nothing of it was written`);
  };
  if (records.length !== onChain.leafCount) fail(`holds ${records.length} records, the chain ${onChain.leafCount}`);
  records.forEach((item, i) => {
    if (item.record.seq !== onChain.firstSeq + i) fail(`has seq ${item.record.seq} at position ${i}`);
    if (leafHash(item.record) !== item.leaf.toLowerCase())
      fail(`has a record (seq ${item.record.seq}) not hashing to its leaf`);
  });
  const tree = buildBatchTree(records.map((item) => item.leaf));
  if (tree.root !== onChain.root) fail(`rebuilds to root ${tree.root}, the chain holds ${onChain.root}`);
  if (entry.head.toLowerCase() !== onChain.head.toLowerCase())
    fail(`names head ${entry.head}, the chain ${onChain.head}`);
  return { records, tree, onChain };
}

async function receiptOf(
  dir: string,
  record: RecordV1,
  leaf: Hex,
  signer: () => ReceiptSigner,
): Promise<MirrorReceipt & { resigned: boolean }> {
  const bundleFile = path.join(dir, "bundles", `${record.seq}.json`);
  if (existsSync(bundleFile)) {
    const bundle = (await readJson(bundleFile)) as { leaf?: string; receipt?: MirrorReceipt & { leaf?: string } };
    if (bundle.receipt && bundle.receipt.leaf?.toLowerCase() === leaf.toLowerCase())
      return { signer: bundle.receipt.signer, signature: bundle.receipt.signature, resigned: false };
  }
  const s = signer();
  return { signer: s.address, signature: s.sign(record.seq, leaf, record.publishedAt), resigned: true };
}

const inputOf = (r: RecordV1) => ({
  kind: r.kind,
  occurredAt: r.occurredAt,
  asset: r.asset,
  amount: r.amount,
  valueUsd: r.valueUsd,
  counterparty: r.counterparty,
  reference: r.reference,
  documentHash: r.documentHash,
  memo: r.memo,
  corrects: r.corrects,
});

/** Adds the records of one checked batch the store lacks (the ones it has must be the same leaves). */
async function addRecords(
  store: SqliteStore,
  dir: string,
  records: { record: RecordV1; leaf: Hex }[],
  signer: () => ReceiptSigner,
): Promise<{ added: number; resigned: number }> {
  let added = 0;
  let resigned = 0;
  for (const { record, leaf } of records) {
    const have = await store.getRecord(record.seq);
    if (have) {
      if (have.leaf.toLowerCase() !== leaf.toLowerCase())
        throw new UsageError(`seq ${record.seq}: the store's leaf ${have.leaf} ≠ the anchored ${leaf}: a conflict`);
      continue;
    }
    if ((await store.maxSeq()) !== record.seq - 1)
      throw new UsageError(`seq ${record.seq} would leave a gap in the store`);
    const receipt = await receiptOf(dir, record, leaf, signer);
    if (receipt.resigned) resigned++;
    const fields = { leaf, signature: receipt.signature, signer: receipt.signer };
    await store.appendRecords(
      [inputOf(record)],
      record.publisher,
      () => fields,
      () => record.publishedAt,
    );
    added++;
  }
  return { added, resigned };
}

export async function recoverStoreCommand(
  ctx: CommandContext,
  dataDir: string,
  mirror: string,
): Promise<RecoverResult> {
  if (!existsSync(path.join(dataDir, "aiqyn.sqlite"))) throw new UsageError(`no store at ${dataDir}/aiqyn.sqlite`);
  const r = await resolveRegistry(ctx);
  const entries = await mirrorBatches(mirror, r);
  const store = openSqliteStore(dataDir);
  let lazySigner: ReceiptSigner | undefined;
  const signer = () => (lazySigner ??= createReceiptSigner(readAnchorerKey(), r.chainId, r.address));
  const result = { addedBatches: [] as number[], addedRecords: 0, adoptedBatches: [] as number[], resignedReceipts: 0 };
  try {
    const bound = await store.getMeta("registry");
    if (bound !== null && bound !== `${r.chainId}:${r.address}`)
      throw new UsageError(`the store anchors to ${bound}, not ${r.chainId}:${r.address}`);
    for (const entry of entries) {
      const mine = await store.getBatch(entry.id);
      if (mine?.status === "anchored") continue;
      const { records, tree, onChain } = await checkedBatch(mirror, r, entry);
      if (mine && mine.root.toLowerCase() !== onChain.root) {
        throw new UsageError(`batch ${entry.id}: the store sealed root ${mine.root}, the chain holds ${onChain.root}`);
      }
      const { added, resigned } = await addRecords(store, mirror, records, signer);
      result.addedRecords += added;
      result.resignedReceipts += resigned;
      if (!mine) {
        const proofs = records.map((_, i) => tree.proofBytes(i));
        const sealedAt = entry.sealedAt ?? entry.anchoredAt;
        const sealed = await store.sealBatch({ ...onChain, root: tree.root, proofs, sealedAt });
        if (sealed.id !== entry.id)
          throw new UsageError(`batch ${entry.id} was sealed as ${sealed.id}: ids out of step`);
        result.addedBatches.push(entry.id);
      } else result.adoptedBatches.push(entry.id);
      const info = {
        txHash: entry.txHash,
        blockNumber: entry.blockNumber,
        head: onChain.head as Hex,
        anchoredAt: entry.anchoredAt,
      };
      await store.markAnchored(entry.id, info);
    }
    if (bound === null && (await store.maxSeq()) > 0) await store.setMeta("registry", `${r.chainId}:${r.address}`);
  } finally {
    await store.close();
  }
  ctx.log(
    `recovered from ${mirror}: ${result.addedRecords} record(s), batches added ${result.addedBatches.join(", ") || "none"}` +
      `, adopted ${result.adoptedBatches.join(", ") || "none"}; ${result.resignedReceipts} receipt(s) re-signed ` +
      `with the server's key (the mirror had no bundle for them)`,
  );
  return { ...(await checkStoreCommand(ctx, dataDir)), ...result };
}
