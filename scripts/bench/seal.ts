/**
 * Sealing and hashing benchmarks, pure CPU:
 *  - keccak implementations per call on 64-byte (inner node) and ~450-byte (record encoding) inputs;
 *  - sealing a batch of N records with the server's own computeBatch (leaves from the records, tree, every
 *    proof packed) next to the fastest plain loop of the same keccak calls (2 per leaf + N − 1 inner nodes)
 *    over encodings prepared outside the timed loop;
 *  - proof verifications per second with core's verifyProof.
 */
import { createKeccak } from "hash-wasm";
import {
  keccak256 as nobleKeccak,
  leafHash,
  personalMessageHash,
  receiptDigest,
  validateRecordInput,
  verifyProof,
  type Hex,
  type Keccak,
} from "../../core";
import { encodeRecord } from "../../core/protocol/encoding";
import { buildBatchTree } from "../../core/protocol/tree";
import { createReceiptSigner } from "../../server/crypto";
import { computeBatch } from "../../server/anchoring/seal";
import { benchRecords } from "./encode";
import { bestOf, msSince } from "./harness";

export interface KeccakResult {
  name: string;
  microsPer64: number;
  microsPer450: number;
}

/** Per-call cost of each Keccak that installs here; the native one is optional (it may fail to load). */
export async function runKeccakBench(calls = 20_000): Promise<KeccakResult[]> {
  const wasm = await createKeccak(256);
  const candidates: { name: string; fn: Keccak }[] = [
    {
      name: "hash-wasm (WebAssembly)",
      fn: (d) => {
        wasm.init();
        wasm.update(d);
        return wasm.digest("binary");
      },
    },
    { name: "@noble/hashes (pure JS, the browser's)", fn: nobleKeccak },
  ];
  try {
    // keccak's N-API binding (a hardhat dependency); its pure-JS fallback is not what we want to measure.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require("keccak/bindings") as (alg: string) => { update(b: Buffer): { digest(): Buffer } };
    candidates.push({
      name: "keccak (native N-API)",
      fn: (d) =>
        native("keccak256")
          .update(Buffer.from(d.buffer, d.byteOffset, d.byteLength))
          .digest(),
    });
  } catch {
    /* not built on this machine */
  }
  const inputs = (size: number) =>
    Array.from({ length: 256 }, (_, i) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff));
  const in64 = inputs(64);
  const in450 = inputs(450);
  const per = (fn: Keccak, set: Uint8Array[]) =>
    (bestOf(5, () => {
      for (let i = 0; i < calls; i++) fn(set[i & 255]!);
    }) *
      1000) /
    calls;
  return candidates.map(({ name, fn }) => ({ name, microsPer64: per(fn, in64), microsPer450: per(fn, in450) }));
}

export interface SealResult {
  records: number;
  /** computeBatch: leaves from the records, tree, every proof (best of `runs`). */
  sealMs: number;
  /** The same keccak calls in a plain loop over prepared encodings (best of `runs`). */
  keccakLoopMs: number;
  ratio: number;
  keccakCalls: number;
  runs: number;
  note?: string;
}

/** Prepared encodings for the plain loop: at most `cap` distinct ones, reused cyclically (same sizes). */
function preparedEncodings(records: ReturnType<typeof benchRecords>, cap: number): Uint8Array[] {
  return records.slice(0, cap).map(encodeRecord);
}

export function runSealBench(sizes: readonly number[], keccak: Keccak, runs = 3): SealResult[] {
  const largest = Math.max(...sizes);
  const all = benchRecords(largest);
  const cap = 100_000;
  const encodings = preparedEncodings(all, cap);
  const pair = new Uint8Array(64);
  const results: SealResult[] = [];
  for (const n of sizes) {
    const records = n === largest ? all : all.slice(0, n);
    const reps = n >= 1_000_000 ? Math.min(runs, 2) : runs;
    // Interleave the two measurements so both see the same machine load.
    let sealMs = Infinity;
    let loopMs = Infinity;
    for (let r = 0; r < reps; r++) {
      sealMs = Math.min(
        sealMs,
        bestOf(1, () => computeBatch(records, keccak)),
      );
      loopMs = Math.min(
        loopMs,
        bestOf(1, () => {
          for (let i = 0; i < n; i++) keccak(keccak(encodings[i % cap]!));
          for (let i = 1; i < n; i++) keccak(pair);
        }),
      );
    }
    results.push({
      records: n,
      sealMs,
      keccakLoopMs: loopMs,
      ratio: sealMs / loopMs,
      keccakCalls: 2 * n + (n - 1),
      runs: reps,
      ...(n > cap ? { note: `the loop reuses ${cap.toLocaleString("en-US")} prepared encodings cyclically` } : {}),
    });
  }
  return results;
}

export interface VerifyResult {
  proofs: number;
  leafCount: number;
  proofLength: number;
  perSecondNoble: number;
  perSecondWasm: number;
}

/** core verifyProof on every proof of a 100 k-leaf (quick: 10 k) tree, pure JS (a citizen) and WebAssembly. */
export function runVerifyBench(leafCount: number, keccak: Keccak, proofs = 20_000): VerifyResult {
  const { leaves } = computeBatch(benchRecords(leafCount), keccak);
  const hexLeaves = leaves.map((l) => `0x${Buffer.from(l).toString("hex")}` as Hex);
  const tree = buildBatchTree(leaves, { keccak });
  const sample = Array.from({ length: proofs }, (_, i) => (i * 7919) % leafCount);
  const prepared = sample.map((i) => ({ leaf: hexLeaves[i]!, proof: tree.proof(i) }));
  const rate = (k: Keccak) => {
    let ok = 0;
    const start = process.hrtime.bigint();
    for (const p of prepared) if (verifyProof(tree.root, p.leaf, p.proof, k)) ok++;
    const ms = msSince(start);
    if (ok !== prepared.length) throw new Error("a proof failed to verify");
    return (prepared.length / ms) * 1000;
  };
  rate(nobleKeccak); // warm-up
  return {
    proofs,
    leafCount,
    proofLength: tree.proof(0).length,
    perSecondNoble: rate(nobleKeccak),
    perSecondWasm: rate(keccak),
  };
}

export interface IngestCpuResult {
  records: number;
  /** µs per record for each step of accepting it, on one core, outside HTTP. */
  microsPerRecord: Record<string, number>;
  /** The sum: the most records one core can accept per second, before HTTP, JSON and SQLite. */
  ceilingPerCore: number;
}

/**
 * The CPU cost of each step the server takes per accepted record (validation, leaf, receipt digest, signature),
 * measured alone: what bounds ingest before any HTTP, JSON or SQLite work.
 */
export function runIngestCpuBench(keccak: Keccak, count = 5_000): IngestCpuResult {
  const key = `0x${"11".repeat(32)}`;
  const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  // As the server signs: its WebAssembly keccak for the digest, libsecp256k1 (or noble) for the signature.
  const native = createReceiptSigner(key, 31337, registry, { keccak });
  const noble = createReceiptSigner(key, 31337, registry, { implementation: "noble", keccak });
  const records = benchRecords(count);
  const inputs = records.map(({ seq: _s, publishedAt: _p, publisher: _u, ...input }) => input);
  const leaves = records.map((r) => leafHash(r, keccak));
  const per = (fn: (i: number) => void, n = count) =>
    (bestOf(3, () => {
      for (let i = 0; i < n; i++) fn(i);
    }) *
      1000) /
    n;
  const now = 1_900_000_000;
  const steps: Record<string, number> = {
    "validateRecordInput (core)": per((i) => validateRecordInput(inputs[i], { now })),
    "leafHash (core encoder + hash-wasm)": per((i) => leafHash(records[i]!, keccak)),
    "receiptDigest + personalMessageHash (core, hash-wasm)": per((i) =>
      personalMessageHash(
        receiptDigest(31337, registry, records[i]!.seq, leaves[i]!, records[i]!.publishedAt, keccak),
        keccak,
      ),
    ),
    [`receipt signature (${native.implementation}, incl. digest)`]: per((i) =>
      native.sign(records[i]!.seq, leaves[i]!, records[i]!.publishedAt),
    ),
  };
  const total =
    Object.values(steps).reduce((a, b) => a + b, 0) - steps["receiptDigest + personalMessageHash (core, hash-wasm)"]!;
  steps["(for comparison) receipt signature with @noble/curves"] = per(
    (i) => noble.sign(records[i]!.seq, leaves[i]!, records[i]!.publishedAt),
    Math.min(count, 1000),
  );
  return { records: count, microsPerRecord: steps, ceilingPerCore: 1e6 / total };
}
