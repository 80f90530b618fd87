/** Table rows of the store and their mapping to the store's types (the same columns in SQLite and PostgreSQL). */
import {
  bytesToHex,
  type Hex,
  type RecordInput,
  type RecordKind,
  type RecordStanding,
  type RecordV1,
} from "../../../core";
import type { AggregateRow, StoredStanding } from "./aggregates";
import type { BatchStatus, Publisher, StoredBatch, StoredDocument, StoredRecord } from "../types";

export interface RecordRow {
  seq: number;
  kind: string;
  occurred_at: number;
  published_at: number;
  publisher: string;
  asset: string;
  amount: string;
  value_usd: string;
  counterparty: string;
  reference: string;
  document_hash: string;
  memo: string;
  corrects: number;
  leaf: string;
  signature: string;
  signer: string;
  batch_id: number | null;
  batch_status: string | null;
  standing: string;
}

export interface BatchRow {
  id: number;
  root: string;
  first_seq: number;
  leaf_count: number;
  status: string;
  sealed_at: number;
  tx_hash: string | null;
  tx_nonce: number | null;
  raw_tx: string | null;
  block_number: number | null;
  head: string | null;
  anchored_at: number | null;
}

export interface PublisherRow {
  id: number;
  name: string;
  created_at: number;
  revoked_at: number | null;
  may_correct_others: number | boolean;
}

export const RECORD_COLUMNS = `r.seq, r.kind, r.occurred_at, r.published_at, r.publisher, r.asset, r.amount, r.value_usd,
  r.counterparty, r.reference, r.document_hash, r.memo, r.corrects, r.leaf, r.signature, r.signer, r.batch_id,
  b.status AS batch_status, r.standing`;
export const RECORD_FROM = "records r LEFT JOIN batches b ON b.id = r.batch_id";

export function toRecord(row: RecordRow): RecordV1 {
  return {
    seq: row.seq,
    kind: row.kind as RecordKind,
    occurredAt: row.occurred_at,
    publishedAt: row.published_at,
    publisher: row.publisher,
    asset: row.asset,
    amount: row.amount,
    valueUsd: row.value_usd,
    counterparty: row.counterparty,
    reference: row.reference,
    documentHash: row.document_hash,
    memo: row.memo,
    corrects: row.corrects,
  };
}

export function toStored(row: RecordRow): StoredRecord {
  return {
    record: toRecord(row),
    leaf: row.leaf as Hex,
    signature: row.signature as Hex,
    signer: row.signer,
    batchId: row.batch_id,
    batchStatus: row.batch_status as BatchStatus | null,
    standing: row.standing as RecordStanding,
  };
}

export function toBatch(row: BatchRow): StoredBatch {
  return {
    id: row.id,
    root: row.root as Hex,
    firstSeq: row.first_seq,
    leafCount: row.leaf_count,
    status: row.status as BatchStatus,
    sealedAt: row.sealed_at,
    txHash: row.tx_hash as Hex | null,
    txNonce: row.tx_nonce,
    rawTx: row.raw_tx as Hex | null,
    blockNumber: row.block_number,
    head: row.head as Hex | null,
    anchoredAt: row.anchored_at,
  };
}

export function toPublisher(row: PublisherRow): Publisher {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    mayCorrectOthers: Boolean(row.may_correct_others),
  };
}

/** Concatenated 32-byte siblings: the compact form a proof is stored in (already packed: a view, no copy). */
export function packProof(proof: readonly Hex[] | Uint8Array): Buffer {
  if (proof instanceof Uint8Array) return Buffer.from(proof.buffer, proof.byteOffset, proof.byteLength);
  return Buffer.concat(proof.map((p) => Buffer.from(p.slice(2), "hex")));
}

export function unpackProof(blob: Buffer): Hex[] {
  const out: Hex[] = [];
  for (let i = 0; i + 32 <= blob.length; i += 32) out.push(bytesToHex(blob.subarray(i, i + 32)));
  return out;
}

/** A stored record with its standing, as the aggregates need it. */
export function toStoredStanding(row: RecordRow): StoredStanding {
  return { record: toRecord(row), standing: row.standing as RecordStanding };
}

export interface AggregateDbRow {
  dim: string;
  key: string;
  count: number;
  a: string;
  b: string;
}

export function toAggregate(row: AggregateDbRow): AggregateRow {
  return { dim: row.dim as AggregateRow["dim"], key: row.key, count: row.count, a: BigInt(row.a), b: BigInt(row.b) };
}

/** A new record from its input, its seq, its publication time and its publisher (fields in Record v1's order). */
export function newRecord(seq: number, input: RecordInput, publishedAt: number, publisher: string): RecordV1 {
  return {
    seq,
    kind: input.kind,
    occurredAt: input.occurredAt,
    publishedAt,
    publisher,
    asset: input.asset,
    amount: input.amount,
    valueUsd: input.valueUsd,
    counterparty: input.counterparty,
    reference: input.reference,
    documentHash: input.documentHash,
    memo: input.memo,
    corrects: input.corrects,
  };
}

export interface DocumentRow {
  hash: string;
  content_type: string;
  size: number;
  publisher: string;
  stored_at: number;
}

export function toDocument(row: DocumentRow): StoredDocument {
  return {
    hash: row.hash as Hex,
    contentType: row.content_type,
    size: Number(row.size),
    publisher: row.publisher,
    storedAt: Number(row.stored_at),
  };
}
