/**
 * The shapes of the HTTP API v1's answers (docs/API.md), shared by the server that writes them and the page
 * that reads them. Types only. A reader still treats every answer as untrusted input: these say what an
 * honest server sends, not what arrived.
 */
import type { Hex } from "./bytes";
import type { Receipt } from "./receipt";
import type { RecordKind, RecordStanding, RecordV1 } from "./record";

/**
 * GET /api/v1/registry: what the server runs against. A verifier compares it with its own trust root and never
 * adopts it; `rpcUrl` is an explicitly public endpoint or null.
 */
export interface RegistryInfo {
  chainId: number;
  registry: string;
  deploymentBlock: number;
  rpcUrl: string | null;
  explorerUrl: string | null;
  receiptSigner: string;
  maxAnchorDelaySeconds: number;
}

/** GET /api/v1/batches/:id (and each item of GET /api/v1/batches). */
export interface BatchInfo {
  id: number;
  root: string;
  firstSeq: number;
  leafCount: number;
  status: "sealed" | "submitted" | "anchored";
  txHash: string | null;
  blockNumber: number | null;
  head: string | null;
  anchoredAt: number | null;
  sealedAt: number;
}

/** GET /api/v1/stats: exact sums as decimal strings, over current records only. */
export interface Stats {
  totals: { records: number; anchored: number; pending: number; batches: number };
  byKind: { kind: RecordKind; count: number; valueUsd: string }[];
  byAsset: { asset: string; inflow: string; outflow: string; count: number }[];
  byMonth: { month: string; kind: RecordKind; count: number; valueUsd: string }[];
  holdings: { asset: string; amount: string; valueUsd: string; occurredAt: number; seq: number }[];
}

/** One item of GET /api/v1/records (and GET /api/v1/records/:seq), as the server writes it. */
export interface RecordItem {
  record: RecordV1;
  leaf: Hex;
  status: "pending" | "anchored";
  batchId: number | null;
  /** null for a record accepted before an `ops reanchor`: its receipt names the superseded registry. */
  receipt: Receipt | null;
  standing: RecordStanding;
  correctedBy: number[];
}

/**
 * The same item as a reader receives it, from a server or a static mirror: the record is validated by the
 * verifier before any use, and a mirror may leave out the receipt, the standing and the corrections.
 */
export interface ServedRecordItem extends Omit<RecordItem, "record" | "leaf" | "receipt" | "standing" | "correctedBy"> {
  record: unknown;
  leaf: string;
  receipt: Receipt | null;
  standing?: RecordStanding;
  correctedBy?: number[];
}
