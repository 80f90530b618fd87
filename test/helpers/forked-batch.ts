/**
 * Issue #19 item 7's attack, on the real in-process chain: a dishonest operator anchors ONE batch holding two
 * different records with the same seq 2 (an honest one at index 1, a doctored one at index 2), so each has a
 * valid proof to the anchored root (sorted pairs do not bind a position). It then serves citizens whichever
 * version it likes, from its own HTTP server (the page reaches it with ?api=, the CLI with --server). The batch's
 * records, served whole, cannot be one per seq (two claim seq 2, none seq 3): no record of it is bound to a seq.
 */
import { Contract } from "ethers";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BUNDLE_FORMAT, leafHash, type Hex, type ProofBundle, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { numberedRecord } from "../core/fixtures";
import { chainRpcUrl, deployTestRegistry, HARDHAT_CHAIN_ID, testProvider } from "./chain";

export interface ForkedBatch {
  rpcUrl: string;
  chainId: number;
  registryAddress: string;
  /** The anchored batch's records in tree order: #1, #2 (honest), #2 again (doctored). */
  records: RecordV1[];
  leaves: Hex[];
  /** Bundles of the honest and the doctored seq 2 (both with a valid proof to the anchored root). */
  honest: ProofBundle;
  doctored: ProofBundle;
}

export async function anchorForkedBatch(): Promise<ForkedBatch> {
  const rpcUrl = await chainRpcUrl();
  const provider = testProvider(rpcUrl);
  const registry = await deployTestRegistry(provider);
  const records = [
    numberedRecord(1),
    numberedRecord(2, { kind: "DIVESTMENT", amount: "100", memo: "sold 100 BTC" }),
    numberedRecord(2, { kind: "DIVESTMENT", amount: "1", memo: "sold 1 BTC" }),
  ];
  const leaves = records.map((r) => leafHash(r));
  const tree = buildBatchTree(leaves);
  const contract = new Contract(
    registry.address,
    ["function anchor(uint64 batchId, bytes32 root, uint64 firstSeq, uint32 leafCount)"],
    registry.anchorer,
  );
  const tx = await contract.getFunction("anchor")(1, tree.root, 1, records.length);
  const mined = await tx.wait();
  const bundleOf = (index: number): ProofBundle => ({
    format: BUNDLE_FORMAT,
    record: records[index]!,
    leaf: leaves[index]!,
    proof: tree.proof(index),
    batch: { id: 1, root: tree.root, firstSeq: 1, leafCount: records.length },
    anchor: { chainId: HARDHAT_CHAIN_ID, registry: registry.address, txHash: tx.hash, blockNumber: mined.blockNumber },
  });
  return {
    rpcUrl,
    chainId: HARDHAT_CHAIN_ID,
    registryAddress: registry.address,
    records,
    leaves,
    honest: bundleOf(1),
    doctored: bundleOf(2),
  };
}

export interface OperatorServer {
  url: string;
  /** Which seq 2 the server shows (and proves): the doctored one by default. */
  show(version: "honest" | "doctored"): void;
  /** What GET /api/v1/batches/1/records answers: the records anchored (in tree order), or none (404). */
  batchRecords(mode: "anchored" | "none"): void;
  close(): Promise<void>;
}

/** The operator's server for the forked batch: records, bundles, the batch and its leaves, with CORS for the page. */
export async function startOperatorServer(fork: ForkedBatch): Promise<OperatorServer> {
  let version: "honest" | "doctored" = "doctored";
  let recordsMode: "anchored" | "none" = "anchored";
  const batch = {
    id: 1,
    root: fork.honest.batch.root,
    firstSeq: 1,
    leafCount: 3,
    status: "anchored",
    txHash: fork.honest.anchor.txHash,
    blockNumber: fork.honest.anchor.blockNumber,
    head: null,
    anchoredAt: null,
    sealedAt: 1_761_960_000,
  };
  const routes = (path: string): unknown => {
    const bundle = version === "honest" ? fork.honest : fork.doctored;
    const item = (record: RecordV1) => ({
      record,
      leaf: leafHash(record),
      status: "anchored",
      batchId: 1,
      receipt: null,
      standing: "current",
      correctedBy: [],
    });
    if (path === "/api/v1/records/2") return item(bundle.record);
    if (path === "/api/v1/records/2/proof") return bundle;
    if (path === "/api/v1/records/1") return item(fork.records[0]!);
    if (path === "/api/v1/batches/1") return batch;
    if (path === "/api/v1/batches") return { batches: [batch], nextCursor: null };
    if (path === "/api/v1/batches/1/records" && recordsMode === "anchored")
      return { batch, records: fork.records.map((record) => ({ record, leaf: leafHash(record) })), nextCursor: null };
    return undefined;
  };
  const server = http.createServer((req, res) => {
    const cors = { "access-control-allow-origin": "*" };
    const body = routes((req.url ?? "/").split("?")[0]!);
    if (body === undefined)
      return void res
        .writeHead(404, { ...cors, "content-type": "application/problem+json" })
        .end(JSON.stringify({ status: 404, code: "NOT_FOUND", title: "not found" }));
    res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    show: (v) => (version = v),
    batchRecords: (mode) => (recordsMode = mode),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
