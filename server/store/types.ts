/**
 * server/store/: the store's public face, this interface and open.ts; its two implementations in sqlite/ and
 * postgres/, each with its own migrations; internal/ for the row mapping and write-time aggregates both share.
 *
 * The store behind the server: records, batches with their proofs, publishers and a few settings.
 *
 * One interface, two implementations (SQLite embedded, PostgreSQL shared by several instances), one test
 * suite run on both. Every method is asynchronous because PostgreSQL answers over a socket.
 */
import type { Hex, RecordInput, RecordKind, RecordStanding, RecordV1 } from "../../core";
import type { AggregateRow } from "./internal/aggregates";

export type BatchStatus = "sealed" | "submitted" | "anchored";

export interface StoredRecord {
  record: RecordV1;
  leaf: Hex;
  signature: Hex;
  signer: string;
  batchId: number | null;
  batchStatus: BatchStatus | null;
  /** By core's recordStandings over every stored record, kept up to date at write time. */
  standing: RecordStanding;
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
  /** An operator allowed it to correct or retract other publishers' records. */
  mayCorrectOthers: boolean;
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

/**
 * An Idempotency-Key claimed by the append that carries it: stored in the same transaction as the records,
 * with the answer the request got, so a retry finds either both or neither.
 */
export interface IdempotencyClaim {
  key: string;
  /** sha256 hex of the request's body as parsed and serialised again. */
  bodyHash: string;
  /** Unix seconds; keys older than `notBefore` are expired (forgotten). */
  at: number;
  notBefore: number;
  /** The answer's body for the records as stored (JSON text). */
  answer: (stored: readonly StoredRecord[]) => string;
}

/** The first answer given under a key. */
export interface IdempotentAnswer {
  bodyHash: string;
  answer: string;
  at: number;
}

/**
 * Thrown by appendRecords (the transaction rolled back, nothing stored) when the claimed key is taken: the
 * caller answers with `found` again or refuses the other body.
 */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly found: IdempotentAnswer) {
    super("the idempotency key is taken");
    this.name = "IdempotencyKeyTaken";
  }
}

/** A supporting document, stored under the keccak-256 of its bytes. */
export interface StoredDocument {
  hash: Hex;
  contentType: string;
  size: number;
  publisher: string;
  storedAt: number;
}

export type StoreBackend = "sqlite" | "postgres";

/** Leadership of the anchoring (the batcher and the anchorer run only on the leader). */
export interface LeaderSession {
  /** False once leadership is lost (its connection broke): stop sealing and anchoring at once. */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

export interface Store {
  readonly backend: StoreBackend;
  /** Group commits so far and the requests and records they carried (for measurements). */
  readonly commitStats: { commits: number; requests: number; records: number };
  /** Appends all records of one request atomically (seqs assigned in the transaction), group-committed. */
  appendRecords(
    inputs: readonly RecordInput[],
    publisher: string,
    finish: RecordFinisher,
    now: () => number,
    idempotency?: IdempotencyClaim,
  ): Promise<StoredRecord[]>;
  /** The first answer given under a publisher's key since `notBefore`, or null. */
  idempotentAnswer(publisher: string, key: string, notBefore: number): Promise<IdempotentAnswer | null>;
  /** Stores a document once (true) or finds it stored already (false). */
  putDocument(doc: StoredDocument, body: Uint8Array): Promise<boolean>;
  getDocument(hash: Hex): Promise<{ doc: StoredDocument; body: Buffer } | null>;
  maxSeq(): Promise<number>;
  /** Records not in any batch yet (cheap: the batcher asks after every accepted write). */
  unsealedCount(): Promise<number>;
  getRecord(seq: number): Promise<StoredRecord | null>;
  listRecords(filter: RecordFilter): Promise<StoredRecord[]>;
  /** The records whose corrects names one of `seqs`: seq, target, kind and standing, in seq order. */
  correctionsOf(
    seqs: readonly number[],
  ): Promise<{ seq: number; corrects: number; kind: RecordKind; standing: RecordStanding }[]>;
  /** The statistics kept at write time (server/store/internal/aggregates.ts) and the current holdings' records. */
  aggregates(): Promise<{ rows: AggregateRow[]; holdings: RecordV1[] }>;
  /** Every record in seq order (for stats); callers must not hold on to it. */
  allRecords(): Promise<RecordV1[]>;
  /** A batch's records with seq > afterSeq, in seq order, at most `limit`. */
  recordsOfBatch(batchId: number, afterSeq: number, limit: number): Promise<StoredRecord[]>;
  proofOf(seq: number): Promise<Hex[] | null>;

  /** Records not yet in any batch (with the leaf stored at acceptance), in seq order, at most `limit`. */
  unsealedRecords(limit: number): Promise<{ record: RecordV1; leaf: Hex }[]>;
  /** Writes a new batch, its root and every proof, and marks its records sealed: one transaction. */
  sealBatch(batch: SealInput): Promise<StoredBatch>;
  getBatch(id: number): Promise<StoredBatch | null>;
  listBatches(beforeId: number | null, limit: number): Promise<StoredBatch[]>;
  /** The lowest-id batch that is not anchored yet. */
  nextUnanchoredBatch(): Promise<StoredBatch | null>;
  markSubmitted(id: number, tx: { txHash: Hex; nonce: number; rawTx: Hex }): Promise<void>;
  markAnchored(id: number, info: AnchoredInfo): Promise<void>;
  /** Forgets every anchor (the local chain was reset): all batches go back to sealed. */
  resetAnchors(): Promise<number>;
  counts(): Promise<StoreCounts>;

  addPublisher(name: string, keyHash: string, now: number, rights?: { mayCorrectOthers?: boolean }): Promise<Publisher>;
  listPublishers(): Promise<Publisher[]>;
  revokePublisher(name: string, now: number): Promise<boolean>;
  publisherByKeyHash(keyHash: string): Promise<Publisher | null>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  ping(): Promise<void>;
  /** Becomes the one anchoring leader if no one else is (null otherwise). */
  tryLead(leaseMs: number): Promise<LeaderSession | null>;
  close(): Promise<void>;
}
