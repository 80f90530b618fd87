/**
 * The store behind the server: records, batches with their proofs, publishers and a few settings.
 *
 * Kept as a small interface so a PostgreSQL store can follow the SQLite one. The methods are synchronous
 * where SQLite answers synchronously; the one that must batch many writers into one commit
 * (appendRecords) is asynchronous.
 */
import type { Hex, RecordInput, RecordKind, RecordV1 } from "../../core";

export type BatchStatus = "sealed" | "submitted" | "anchored";

export interface StoredRecord {
  record: RecordV1;
  leaf: Hex;
  signature: Hex;
  signer: string;
  batchId: number | null;
  batchStatus: BatchStatus | null;
}

export interface StoredBatch {
  id: number;
  root: Hex;
  firstSeq: number;
  leafCount: number;
  status: BatchStatus;
  sealedAt: number;
  txHash: Hex | null;
  txNonce: number | null;
  rawTx: Hex | null;
  blockNumber: number | null;
  head: Hex | null;
  anchoredAt: number | null;
}

export interface Publisher {
  id: number;
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface RecordFilter {
  kind?: RecordKind;
  asset?: string;
  from?: number;
  to?: number;
  afterSeq?: number;
  limit: number;
}

/** What the ingest path computes for a record once its seq and publishedAt are known. */
export interface SealedFields {
  leaf: Hex;
  signature: Hex;
  signer: string;
}

export type RecordFinisher = (record: RecordV1) => SealedFields;

/** A batch to seal: proof i belongs to seq firstSeq + i, as hex siblings or already packed (32 bytes each). */
export interface SealInput {
  firstSeq: number;
  leafCount: number;
  root: Hex;
  proofs: readonly (readonly Hex[] | Uint8Array)[];
  sealedAt: number;
}

export interface AnchoredInfo {
  txHash: Hex;
  blockNumber: number;
  head: Hex;
  anchoredAt: number;
}

export interface StoreCounts {
  records: number;
  anchored: number;
  pending: number;
  unsealed: number;
  batches: number;
  batchesByStatus: Record<BatchStatus, number>;
  oldestPendingPublishedAt: number | null;
}

export interface Store {
  /** Appends all records of one request atomically (seqs assigned in the transaction), group-committed. */
  appendRecords(
    inputs: readonly RecordInput[],
    publisher: string,
    finish: RecordFinisher,
    now: () => number,
  ): Promise<StoredRecord[]>;
  maxSeq(): number;
  /** Records not in any batch yet (cheap: the batcher asks after every accepted write). */
  unsealedCount(): number;
  getRecord(seq: number): StoredRecord | null;
  listRecords(filter: RecordFilter): StoredRecord[];
  /** seqs of records whose corrects names one of `seqs`, with their kinds. */
  correctionsOf(seqs: readonly number[]): { seq: number; corrects: number; kind: RecordKind }[];
  /** Every record in seq order (for stats); callers must not hold on to it. */
  allRecords(): RecordV1[];
  recordsOfBatch(batchId: number): StoredRecord[];
  proofOf(seq: number): Hex[] | null;

  /** Records not yet in any batch (with the leaf stored at acceptance), in seq order, at most `limit`. */
  unsealedRecords(limit: number): { record: RecordV1; leaf: Hex }[];
  /** Writes a new batch, its root and every proof, and marks its records sealed: one transaction. */
  sealBatch(batch: SealInput): StoredBatch;
  getBatch(id: number): StoredBatch | null;
  listBatches(beforeId: number | null, limit: number): StoredBatch[];
  /** The lowest-id batch that is not anchored yet. */
  nextUnanchoredBatch(): StoredBatch | null;
  markSubmitted(id: number, tx: { txHash: Hex; nonce: number; rawTx: Hex }): void;
  markAnchored(id: number, info: AnchoredInfo): void;
  /** Forgets every anchor (the local chain was reset): all batches go back to sealed. */
  resetAnchors(): number;
  counts(): StoreCounts;

  addPublisher(name: string, keyHash: string, now: number): Publisher;
  listPublishers(): Publisher[];
  revokePublisher(name: string, now: number): boolean;
  publisherByKeyHash(keyHash: string): Publisher | null;

  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;

  ping(): void;
  close(): Promise<void>;
}
