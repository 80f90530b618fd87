/**
 * Builds a large registry to time `aiqyn audit` on: deploys a TransparencyRegistry on a running chain,
 * anchors N records in batches of S, and writes the matching static mirror. Then time the audit itself:
 *
 *   node_modules/.bin/hardhat node --hostname 127.0.0.1 --port 8545 &
 *   npx ts-node --transpile-only scripts/cli/bench-audit.ts --rpc http://127.0.0.1:8545 --records 1000000 --batch 1000 --out /tmp/mirror
 *   time node bin/aiqyn audit --rpc http://127.0.0.1:8545 --chain-id 31337 --registry <printed address> --mirror /tmp/mirror
 *
 * The deployer/anchorer is Hardhat's well-known account #0 (a local chain only).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Contract, JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { leafHash, nextHead, ZERO_BYTES32, type Hex, type Keccak, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/protocol/tree";
import { deployRegistry } from "../../server/demo/deploy-registry";
import { integerOption, parse, requireOption } from "./args";
import { MIRROR_BATCH_FORMAT, MIRROR_FORMAT, mirrorBatchFile } from "./audit/source";
import { fastKeccak } from "./fast-keccak";
import { writeFileAtomic } from "./fs-atomic";

const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const MAX_ANCHOR_DELAY_SECONDS = 3600;

interface Options {
  rpcUrl: string;
  total: number;
  batchSize: number;
  out: string;
}

function options(argv: string[]): Options {
  const parsed = parse(
    argv,
    { rpc: { type: "string" }, records: { type: "string" }, batch: { type: "string" }, out: { type: "string" } },
    false,
  );
  return {
    rpcUrl: requireOption(parsed, "rpc"),
    total: integerOption(parsed, "records", 100_000, 1, 10_000_000),
    batchSize: integerOption(parsed, "batch", 1000, 1, 100_000),
    out: requireOption(parsed, "out"),
  };
}

/** Record `seq` of the registry: seizures with the odd valuation, correction and memo, as a fund would publish. */
function sampleRecord(seq: number): RecordV1 {
  return {
    seq,
    kind: seq % 10 === 0 ? "VALUATION" : "INFLOW_SEIZURE",
    occurredAt: 1_761_955_200 + seq,
    publishedAt: 1_761_955_300 + seq,
    publisher: "treasury",
    asset: seq % 3 === 0 ? "BNB" : "BTC",
    amount: `${seq % 1000}.${seq % 97}`,
    valueUsd: `${seq}.25`,
    counterparty: "Almaty District Court",
    reference: `court order 2-${seq}/2025`,
    documentHash: ZERO_BYTES32,
    memo: seq % 5 === 0 ? "seized under the asset recovery law, transferred to the fund's custody" : "",
    corrects: seq % 50 === 0 ? seq - 1 : 0,
  };
}

/** A fresh TransparencyRegistry whose admin, anchorer and pauser are Hardhat's account #0. */
async function deployBenchRegistry(rpcUrl: string) {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const chainId = Number((await provider.getNetwork()).chainId);
  const wallet = new Wallet(HARDHAT_KEY_0, provider);
  const roles = { admin: wallet.address, anchorer: wallet.address, pauser: wallet.address };
  const deployed = await deployRegistry(wallet, roles, MAX_ANCHOR_DELAY_SECONDS);
  const signer = new NonceManager(wallet);
  const registry = new Contract(deployed.address, ["function anchor(uint64,bytes32,uint64,uint32)"], signer);
  return { chainId, wallet, deployed, registry };
}

interface MirrorWriter {
  out: string;
  keccak: Keccak;
  registry: Contract;
  entries: unknown[];
  head: Hex;
}

/**
 * Sends the anchor of batch `id` (records firstSeq … firstSeq+count-1) and writes its mirror file. Returns the
 * transaction's confirmation unawaited: sending the next batch does not wait for this one to be mined.
 */
async function anchorAndMirror(w: MirrorWriter, id: number, firstSeq: number, count: number) {
  const items = Array.from({ length: count }, (_, i) => {
    const record = sampleRecord(firstSeq + i);
    return { record, leaf: leafHash(record, w.keccak) };
  });
  const root = buildBatchTree(
    items.map((item) => item.leaf),
    { keccak: w.keccak },
  ).root;
  const tx = (await w.registry.getFunction("anchor")(id, root, firstSeq, count)) as { wait(): Promise<unknown> };
  const mined = tx.wait();
  w.head = nextHead(w.head, id, root, firstSeq, count);
  const batch = {
    id,
    root,
    firstSeq,
    leafCount: count,
    status: "anchored",
    txHash: null,
    blockNumber: null,
    head: w.head,
    anchoredAt: null,
    sealedAt: 0,
  };
  const file = mirrorBatchFile(id);
  await writeFileAtomic(join(w.out, file), JSON.stringify({ format: MIRROR_BATCH_FORMAT, batch, records: items }));
  w.entries.push({ ...batch, file });
  return { mined };
}

async function main(): Promise<void> {
  const { rpcUrl, total, batchSize, out } = options(process.argv.slice(2));
  const { keccak } = await fastKeccak();
  const { chainId, wallet, deployed, registry } = await deployBenchRegistry(rpcUrl);
  await mkdir(join(out, "batches"), { recursive: true });

  const started = Date.now();
  const writer: MirrorWriter = { out, keccak, registry, entries: [], head: ZERO_BYTES32 };
  let lastTx: Promise<unknown> = Promise.resolve();
  for (let id = 1, seq = 1; seq <= total; id++) {
    const count = Math.min(batchSize, total - seq + 1);
    lastTx = (await anchorAndMirror(writer, id, seq, count)).mined;
    seq += count;
    if (id % 50 === 0) process.stderr.write(`\r${seq - 1} records, ${id} batches`);
  }
  await lastTx;
  const registryInfo = {
    chainId,
    registry: deployed.address,
    deploymentBlock: deployed.deploymentBlock,
    rpcUrl,
    explorerUrl: null,
    receiptSigner: wallet.address,
    maxAnchorDelaySeconds: MAX_ANCHOR_DELAY_SECONDS,
  };
  const index = { format: MIRROR_FORMAT, exportedAt: Math.floor(Date.now() / 1000), registry: registryInfo };
  await writeFileAtomic(join(out, "index.json"), JSON.stringify({ ...index, batches: writer.entries }));
  process.stderr.write("\n");
  process.stdout.write(
    `registry ${deployed.address}: ${total} records in ${writer.entries.length} batches, mirror ${out} (built in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
