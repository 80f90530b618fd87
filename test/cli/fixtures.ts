// Test fixtures for the CLI tests: valid Record v1 values and small HTTP servers on 127.0.0.1:0.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { leafHash, nextHead, ZERO_BYTES32, type Hex, type OnChainBatch, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { numberedRecord } from "../core/fixtures";

/** The CLI tests' records: core's numbered series. */
export const makeRecord = numberedRecord;

/** An honest chain batch for `records` (in seq order), chained after `prevHead`. */
export function chainBatchFor(
  batchId: number,
  records: RecordV1[],
  prevHead: Hex = ZERO_BYTES32,
  anchoredAt = 1_761_960_000,
): OnChainBatch {
  const root = buildBatchTree(records.map((r) => leafHash(r))).root;
  const firstSeq = records[0]!.seq;
  return {
    root,
    firstSeq,
    leafCount: records.length,
    anchoredAt,
    head: nextHead(prevHead, batchId, root, firstSeq, records.length),
  };
}

export function served(records: RecordV1[]): { record: unknown; leaf: unknown }[] {
  return records.map((record) => ({ record, leaf: leafHash(record) }));
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0; close() also drops open (e.g. deliberately hanging) connections. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
