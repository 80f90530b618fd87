/**
 * Encoder benchmark: encode + leaf of 10,000 records with core's hand-written encoder versus ethers'
 * AbiCoder.encode + keccak256 (twice), and a check that both give the same leaves.
 *
 *   npm run bench:encode              (or: ts-node --transpile-only scripts/bench/encode.ts [count])
 *
 * Prints µs per record for each and the speed-up. Exported as runEncodeBench() for scripts/bench/index.ts.
 */
import { AbiCoder, keccak256 as ethersKeccak } from "ethers";
import { LEAF_ABI_TYPES, leafAbiValues, leafHash, RECORD_KIND_NAMES, type Hex, type RecordV1 } from "../../core";

export interface EncodeBenchResult {
  records: number;
  coreMicrosPerRecord: number;
  ethersMicrosPerRecord: number;
  speedup: number;
  leavesAgree: boolean;
}

/** Realistic, varied records (ASCII and Cyrillic text, a few long memos), deterministic. */
export function benchRecords(count: number): RecordV1[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = i + 1;
    const kind = RECORD_KIND_NAMES[i % 9]!; // not RETRACTION: amounts stay positive
    return {
      seq,
      kind,
      occurredAt: 1_761_955_200 + i * 37,
      publishedAt: 1_761_955_300 + i * 37,
      publisher: "ministry-of-finance",
      asset: ["BTC", "BNB", "IBIT", "COIN", "KZT"][i % 5]!,
      amount: `${(i % 997) + 1}.${String(i * 7919).padStart(6, "0")}`,
      valueUsd: `${i * 13}.${String(i % 100).padStart(2, "0")}`,
      counterparty: i % 3 === 0 ? "Қазақстан Республикасы Қаржы министрлігі" : "Binance",
      reference: `court order 2-${seq}/2025`,
      documentHash: `0x${(seq % 255).toString(16).padStart(2, "0").repeat(32)}`,
      memo: i % 10 === 0 ? "Тәркіленген крипто-активтер ".repeat(8) : "",
      corrects: 0,
    };
  });
}

function timeMicros(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

export function runEncodeBench(count = 10_000): EncodeBenchResult {
  const records = benchRecords(count);
  const abi = AbiCoder.defaultAbiCoder();
  const types = [...LEAF_ABI_TYPES];
  const coreLeaves: Hex[] = new Array(count);
  const ethersLeaves: string[] = new Array(count);

  // Warm both paths up (JIT) on a slice before measuring.
  for (const r of records.slice(0, 500)) {
    leafHash(r);
    ethersKeccak(ethersKeccak(abi.encode(types, leafAbiValues(r))));
  }
  const coreMicros = timeMicros(() => {
    for (let i = 0; i < count; i++) coreLeaves[i] = leafHash(records[i]!);
  });
  const ethersMicros = timeMicros(() => {
    for (let i = 0; i < count; i++)
      ethersLeaves[i] = ethersKeccak(ethersKeccak(abi.encode(types, leafAbiValues(records[i]!))));
  });
  const leavesAgree = coreLeaves.every((leaf, i) => leaf === ethersLeaves[i]);
  return {
    records: count,
    coreMicrosPerRecord: coreMicros / count,
    ethersMicrosPerRecord: ethersMicros / count,
    speedup: ethersMicros / coreMicros,
    leavesAgree,
  };
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 10_000);
  const result = runEncodeBench(count);
  console.log(`encode + leaf of ${result.records} records`);
  console.log(`  core (direct encoder + @noble keccak):  ${result.coreMicrosPerRecord.toFixed(1)} µs/record`);
  console.log(`  ethers AbiCoder.encode + keccak256 ×2:  ${result.ethersMicrosPerRecord.toFixed(1)} µs/record`);
  console.log(`  speed-up: ${result.speedup.toFixed(1)}×; leaves agree: ${result.leavesAgree ? "yes" : "NO"}`);
  if (!result.leavesAgree) process.exit(1);
}
