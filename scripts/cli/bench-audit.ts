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
import { leafHash, nextHead, ZERO_BYTES32, type Hex, type RecordV1 } from "../../core";
import { buildBatchTree } from "../../core/tree";
import { deployRegistry } from "../../server/deploy-registry";
import { integerOption, parse, requireOption } from "./args";
import { MIRROR_BATCH_FORMAT, MIRROR_FORMAT, mirrorBatchFile } from "./audit/source";
import { fastKeccak } from "./fast-keccak";
import { writeFileAtomic } from "./fs-atomic";

const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

async function main(): Promise<void> {
  const parsed = parse(
    process.argv.slice(2),
    { rpc: { type: "string" }, records: { type: "string" }, batch: { type: "string" }, out: { type: "string" } },
    false,
  );
  const rpcUrl = requireOption(parsed, "rpc");
  const total = integerOption(parsed, "records", 100_000, 1, 10_000_000);
  const batchSize = integerOption(parsed, "batch", 1000, 1, 100_000);
  const out = requireOption(parsed, "out");
  const { keccak } = await fastKeccak();

  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const chainId = Number((await provider.getNetwork()).chainId);
  const wallet = new Wallet(HARDHAT_KEY_0, provider);
  const deployed = await deployRegistry(
    wallet,
    {
      admin: wallet.address,
      anchorer: wallet.address,
      pauser: wallet.address,
    },
    3600,
  );
  const signer = new NonceManager(wallet);
  const registry = new Contract(deployed.address, ["function anchor(uint64,bytes32,uint64,uint32)"], signer);
  await mkdir(join(out, "batches"), { recursive: true });

  const started = Date.now();
  const entries: unknown[] = [];
  let seq = 1;
  let lastTx: Promise<unknown> = Promise.resolve();
  let head: Hex = ZERO_BYTES32;
  for (let id = 1; seq <= total; id++) {
    const count = Math.min(batchSize, total - seq + 1);
    const items: { record: RecordV1; leaf: string }[] = [];
    for (let i = 0; i < count; i++, seq++) {
      const record: RecordV1 = {
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
      items.push({ record, leaf: leafHash(record, keccak) });
    }
    const root = buildBatchTree(
      items.map((item) => item.leaf as `0x${string}`),
      { keccak },
    ).root;
    const firstSeq = items[0]!.record.seq;
    const tx = (await registry.getFunction("anchor")(id, root, firstSeq, count)) as { wait(): Promise<unknown> };
    lastTx = tx.wait();
    head = nextHead(head, id, root, firstSeq, count);
    const batch = {
      id,
      root,
      firstSeq,
      leafCount: count,
      status: "anchored",
      txHash: null,
      blockNumber: null,
      head,
      anchoredAt: null,
      sealedAt: 0,
    };
    await writeFileAtomic(
      join(out, mirrorBatchFile(id)),
      JSON.stringify({ format: MIRROR_BATCH_FORMAT, batch, records: items }),
    );
    entries.push({ ...batch, file: mirrorBatchFile(id) });
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
    maxAnchorDelaySeconds: 3600,
  };
  await writeFileAtomic(
    join(out, "index.json"),
    JSON.stringify({
      format: MIRROR_FORMAT,
      exportedAt: Math.floor(Date.now() / 1000),
      registry: registryInfo,
      batches: entries,
    }),
  );
  process.stderr.write("\n");
  process.stdout.write(
    `registry ${deployed.address}: ${total} records in ${entries.length} batches, mirror ${out} (built in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
