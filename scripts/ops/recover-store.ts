/**
 * `ops recover-store --from-mirror DIR --data-dir DIR`: a store restored from a backup older than the chain
 * (check-store says STALE) gets back the anchored batches it lacks from a public mirror (`aiqyn export`).
 * Nothing from the mirror is believed: every record is re-hashed to its leaf, every batch's tree is rebuilt and
 * its root, first seq, leaf count and head must equal what the registry holds for that batch id. Records the
 * backup already has must be the very same leaves. Run it with the server stopped; it is idempotent (a crash
 * halfway is finished by running it again), and ends with check-store's verdict.
 *
 * The anchoring transaction is the registry's own BatchAnchored log for the batch id, and anchoredAt its batch():
 * the mirror's txHash, block and times are never copied.
 *
 * Receipts: taken from the mirror's bundles/<seq>.json (`aiqyn export --bundles`) only when its seq, leaf and
 * publishedAt are the record's and its signature is valid for this chain and registry; otherwise re-signed with
 * the server's key (ANCHORER_KEY_FILE or ANCHORER_KEY) — signatures are deterministic (RFC 6979), so the key
 * that signed a record at acceptance gives back the same bytes — but only when that key held ANCHORER_ROLE at the
 * record's publishedAt (core/verify/roles.ts). A record no valid receipt can be given keeps none: the store's
 * receipts_from_seq is raised past it (the server then serves no receipt below it), and the output says so.
 * Every store call is awaited, so the same code serves a store interface that answers synchronously or with
 * promises.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  ANCHORER_ROLE,
  leafHash,
  readRoleHistory,
  receiptSignatureValid,
  roleHeldAt,
  type Hex,
  type RecordV1,
  type RoleEvent,
} from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import type { Receipt } from "../../core/protocol/receipt";
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

/** How receipts are given to the records recovered: the current key, and who held ANCHORER_ROLE when. */
interface Signing {
  signer: () => ReceiptSigner;
  history: () => Promise<RoleEvent[]>;
}

type ReceiptChoice = (MirrorReceipt & { resigned: boolean }) | null;

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
    anchoredAt: bigint;
    head: string;
  };
  const batch = { root: b.root.toLowerCase(), firstSeq: Number(b.firstSeq), leafCount: Number(b.leafCount) };
  return { ...batch, head: b.head, anchoredAt: Number(b.anchoredAt) };
}

/** The transaction that anchored batch `id`: the registry's BatchAnchored log, never the mirror's word. */
async function anchoringTx(r: Resolved, id: number): Promise<{ txHash: Hex; blockNumber: number }> {
  const fromBlock = Number(await r.registry.getFunction("deploymentBlock").staticCall());
  const logs = await r.registry.queryFilter(r.registry.filters.BatchAnchored!(id), fromBlock);
  const log = logs[0];
  if (!log) throw new UsageError(`batch ${id}: the registry has no BatchAnchored log for it`);
  return { txHash: log.transactionHash as Hex, blockNumber: log.blockNumber };
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

async function mirrorReceipt(dir: string, record: RecordV1, leaf: Hex, r: Resolved): Promise<MirrorReceipt | null> {
  const bundleFile = path.join(dir, "bundles", `${record.seq}.json`);
  if (!existsSync(bundleFile)) return null;
  const bundle = (await readJson(bundleFile)) as { receipt?: Partial<MirrorReceipt & Receipt> };
  const receipt = bundle.receipt;
  if (!receipt || receipt.seq !== record.seq || receipt.publishedAt !== record.publishedAt) return null;
  if (typeof receipt.leaf !== "string" || receipt.leaf.toLowerCase() !== leaf.toLowerCase()) return null;
  const full = { ...receipt, leaf } as Receipt;
  return receiptSignatureValid(full, r.chainId, r.address) ? { signer: full.signer, signature: full.signature } : null;
}

/** The mirror's receipt if it is valid here, else one re-signed by a key that held the role then, else none. */
async function receiptOf(
  dir: string,
  record: RecordV1,
  leaf: Hex,
  r: Resolved,
  signing: Signing,
): Promise<ReceiptChoice> {
  const fromMirror = await mirrorReceipt(dir, record, leaf, r);
  if (fromMirror) return { ...fromMirror, resigned: false };
  const s = signing.signer();
  if (!roleHeldAt(await signing.history(), s.address, record.publishedAt)) return null;
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
  r: Resolved,
  signing: Signing,
): Promise<{ added: number; resigned: number; unsigned: number[] }> {
  let added = 0;
  let resigned = 0;
  const unsigned: number[] = [];
  for (const { record, leaf } of records) {
    const have = await store.getRecord(record.seq);
    if (have) {
      if (have.leaf.toLowerCase() !== leaf.toLowerCase())
        throw new UsageError(`seq ${record.seq}: the store's leaf ${have.leaf} ≠ the anchored ${leaf}: a conflict`);
      continue;
    }
    if ((await store.maxSeq()) !== record.seq - 1)
      throw new UsageError(`seq ${record.seq} would leave a gap in the store`);
    const receipt = await receiptOf(dir, record, leaf, r, signing);
    if (receipt?.resigned) resigned++;
    if (!receipt) unsigned.push(record.seq);
    // No valid receipt: the columns stay empty and receipts_from_seq (raised by the caller) keeps it unserved.
    const fields = { leaf, signature: (receipt?.signature ?? "") as Hex, signer: receipt?.signer ?? "" };
    await store.appendRecords(
      [inputOf(record)],
      record.publisher,
      () => fields,
      () => record.publishedAt,
    );
    added++;
  }
  return { added, resigned, unsigned };
}

function signingFor(ctx: CommandContext, r: Resolved): Signing {
  let signer: ReceiptSigner | undefined;
  let history: Promise<RoleEvent[]> | undefined;
  const request = (method: string, params: unknown[]) => ctx.hre.ethers.provider.send(method, params);
  const readHistory = async () => {
    const fromBlock = Number(await r.registry.getFunction("deploymentBlock").staticCall());
    const toBlock = await ctx.hre.ethers.provider.getBlockNumber();
    return readRoleHistory(request, { registry: r.address, role: ANCHORER_ROLE, fromBlock, toBlock });
  };
  return {
    signer: () => (signer ??= createReceiptSigner(readAnchorerKey(), r.chainId, r.address)),
    history: () => (history ??= readHistory()),
  };
}

/** Receipts are served from `seq` on (server/queries.ts): never lowered, so a reanchor's cut stays. */
async function raiseReceiptsFrom(store: SqliteStore, seq: number) {
  const current = Number((await store.getMeta("receipts_from_seq")) ?? 0);
  if (seq > current) await store.setMeta("receipts_from_seq", String(seq));
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
  const signing = signingFor(ctx, r);
  const result = { addedBatches: [] as number[], addedRecords: 0, adoptedBatches: [] as number[], resignedReceipts: 0 };
  const unsigned: number[] = [];
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
      const { added, resigned, unsigned: none } = await addRecords(store, mirror, records, r, signing);
      unsigned.push(...none);
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
      const info = { ...(await anchoringTx(r, entry.id)), head: onChain.head as Hex, anchoredAt: onChain.anchoredAt };
      await store.markAnchored(entry.id, info);
    }
    if (unsigned.length > 0) await raiseReceiptsFrom(store, Math.max(...unsigned) + 1);
    if (bound === null && (await store.maxSeq()) > 0) await store.setMeta("registry", `${r.chainId}:${r.address}`);
  } finally {
    await store.close();
  }
  ctx.log(
    `recovered from ${mirror}: ${result.addedRecords} record(s), batches added ${result.addedBatches.join(", ") || "none"}` +
      `, adopted ${result.adoptedBatches.join(", ") || "none"}; ${result.resignedReceipts} receipt(s) re-signed ` +
      `with the server's key (the mirror had no valid receipt for them)`,
  );
  if (unsigned.length > 0)
    ctx.log(
      `no receipt for seq ${unsigned.join(", ")}: the mirror had no valid one and the server's key did not hold ` +
        `ANCHORER_ROLE at their publishedAt; the store serves receipts only from seq ${Math.max(...unsigned) + 1}`,
    );
  return { ...(await checkStoreCommand(ctx, dataDir)), ...result };
}
