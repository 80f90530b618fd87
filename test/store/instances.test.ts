/**
 * Several server instances (child processes) on one real PostgreSQL: gapless seqs across them, one anchoring
 * leader that another replaces when it is killed, and an outage of the database itself.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, type JsonRpcProvider } from "ethers";
import pg from "pg";
import { createRegistryReader, parseBundle, verifyBundle, type Receipt } from "../../core";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { addPublisher } from "../../server/publishers";
import { openPostgresStore } from "../../server/store/postgres";
import { HARDHAT_CHAIN_ID, chainRpcUrl, deployTestRegistry, testProvider, type TestRegistry } from "../helpers/chain";
import { spawnServer, type ChildServer } from "../helpers/child-server";
import { getJson, postJson } from "../helpers/http";
import { freshDatabaseUrl, ownPostgresCluster } from "../helpers/postgres";
import { sampleRecord } from "../helpers/stack";
import { waitFor } from "../helpers/wait";

interface Instances {
  servers: ChildServer[];
  urls: string[];
  key: string;
  databaseUrl: string;
  registry: TestRegistry;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

/** A fresh registry and database with one publisher, and `count` instances sharing them. */
async function startInstances(count: number, databaseUrl?: string): Promise<Instances> {
  const rpcUrl = await chainRpcUrl();
  const provider = testProvider(rpcUrl);
  const registry = await deployTestRegistry(provider);
  const url = databaseUrl ?? (await freshDatabaseUrl());
  const store = await openPostgresStore(url);
  const { key } = await addPublisher(store, "treasury");
  await store.close();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-instances-"));
  const env = {
    RPC_URL: rpcUrl,
    REGISTRY_ADDRESS: registry.address,
    ANCHORER_KEY: registry.anchorer.privateKey,
    DATA_DIR: dataDir,
    DATABASE_URL: url,
    BATCH_INTERVAL_MS: "300",
    LEADER_LEASE_MS: "1000",
    ANCHOR_POLL_MS: "100",
    ANCHOR_RETRY_MAX_MS: "500",
    RATE_LIMIT_PER_MINUTE: "1000000",
  };
  const servers = Array.from({ length: count }, () => spawnServer(env));
  const urls = await Promise.all(servers.map((s) => s.url));
  return {
    servers,
    urls,
    key,
    databaseUrl: url,
    registry,
    provider,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function leading(url: string): Promise<boolean | null> {
  const answer = await getJson<{ checks?: { leadership?: { leading?: boolean } } }>(`${url}/readyz`).catch(() => null);
  return answer?.body.checks?.leadership?.leading ?? null;
}

async function anchoredCount(url: string): Promise<number> {
  const answer = await getJson<{ totals: { anchored: number } }>(`${url}/api/v1/stats`);
  return answer.status === 200 ? answer.body.totals.anchored : -1;
}

/** Every bundle verifies through core against the chain (batches read once each). */
async function expectAllVerify(inst: Instances, seqs: number[]): Promise<void> {
  const reader = createRegistryReader((m, p) => inst.provider.send(m, p), inst.registry.address);
  const batches = new Map<number, ReturnType<typeof reader.batch>>();
  const readBatch = (id: number) => {
    if (!batches.has(id)) batches.set(id, reader.batch(id));
    return batches.get(id)!;
  };
  for (const [i, seq] of seqs.entries()) {
    const answer = await getJson(`${inst.urls[i % inst.urls.length]}/api/v1/records/${seq}/proof`);
    expect(answer.status, `proof of ${seq}`).to.equal(200);
    const report = await verifyBundle(parseBundle(answer.body), readBatch, {
      trusted: { chainId: HARDHAT_CHAIN_ID, registry: inst.registry.address },
    });
    expect(report.verdict, `seq ${seq}: ${JSON.stringify(report.checks)}`).to.equal("anchored");
  }
}

/** BatchAnchored events by batch id: each batch must appear exactly once. */
async function anchorsByBatch(inst: Instances): Promise<Map<number, number>> {
  const contract = new Contract(inst.registry.address, REGISTRY_ABI, inst.provider);
  const logs = await contract.queryFilter(contract.filters.BatchAnchored!(), inst.registry.deploymentBlock);
  const counts = new Map<number, number>();
  for (const log of logs) {
    const id = Number((log as unknown as { args: { batchId: bigint } }).args.batchId);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe("Several instances on one PostgreSQL", function () {
  this.timeout(300_000);

  it("gives 600 concurrent POSTs over three instances seqs 1..600, each anchored once, every bundle verifying", async () => {
    const inst = await startInstances(3);
    try {
      const answers = await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          postJson(`${inst.urls[i % 3]}/api/v1/records`, sampleRecord({ memo: `r${i}` }), inst.key),
        ),
      );
      expect(answers.map((a) => a.status).filter((s) => s !== 201)).to.deep.equal([]);
      const seqs = answers.map((a) => (a.body.receipts as Receipt[])[0]!.seq).sort((a, b) => a - b);
      expect(seqs).to.deep.equal(Array.from({ length: 600 }, (_, i) => i + 1));
      const leaders = await Promise.all(inst.urls.map(leading));
      expect(leaders.filter((l) => l === true)).to.have.length(1);
      await waitFor("every record anchored", async () => ((await anchoredCount(inst.urls[1]!)) === 600 ? true : null));
      const anchors = await anchorsByBatch(inst);
      expect(
        [...anchors.values()].every((n) => n === 1),
        "each batch anchored once",
      ).to.equal(true);
      const batches = await getJson<{ batches: { id: number; leafCount: number }[] }>(
        `${inst.urls[2]}/api/v1/batches?limit=500`,
      );
      expect(batches.body.batches.reduce((n, b) => n + b.leafCount, 0)).to.equal(600);
      expect(anchors.size).to.equal(batches.body.batches.length);
      await expectAllVerify(inst, seqs);
    } finally {
      await inst.stop();
    }
  });

  it("survives SIGKILL of the leader while a batch is submitted but not anchored: another lands it once", async () => {
    const inst = await startInstances(2);
    const db = new pg.Client({ connectionString: inst.databaseUrl });
    await db.connect();
    try {
      await waitFor("a leader", async () => ((await Promise.all(inst.urls.map(leading))).includes(true) ? true : null));
      const leaderIndex = (await Promise.all(inst.urls.map(leading))).indexOf(true);
      const follower = inst.urls[1 - leaderIndex]!;
      // No block is mined: the anchor transaction stays submitted, as on a slow chain.
      await inst.provider.send("evm_setAutomine", [false]);
      const posted = await postJson(
        `${follower}/api/v1/records`,
        { records: [sampleRecord(), sampleRecord()] },
        inst.key,
      );
      expect(posted.status).to.equal(201);
      await waitFor("batch 1 submitted", async () => {
        const { rows } = await db.query("SELECT status FROM batches WHERE id = 1");
        return rows[0]?.status === "submitted" ? true : null;
      });
      inst.servers[leaderIndex]!.proc.kill("SIGKILL");
      await inst.servers[leaderIndex]!.exited;
      await waitFor("the survivor to lead", async () => ((await leading(follower)) ? true : null));
      await inst.provider.send("evm_setAutomine", [true]);
      await inst.provider.send("evm_mine", []);
      await waitFor("both records anchored", async () => ((await anchoredCount(follower)) === 2 ? true : null));
      const anchors = await anchorsByBatch(inst);
      expect([...anchors.entries()]).to.deep.equal([[1, 1]]);
      const { rows } = await db.query("SELECT COUNT(*)::int AS n, MAX(seq)::int AS m FROM records");
      expect(rows[0]).to.deep.equal({ n: 2, m: 2 });
      await expectAllVerify({ ...inst, urls: [follower] }, [1, 2]);
    } finally {
      await inst.provider.send("evm_setAutomine", [true]);
      await db.end();
      await inst.stop();
    }
  });

  it("answers writes 503 STORE_UNAVAILABLE while PostgreSQL is down, serves cached proofs, and anchors all acknowledged", async () => {
    const cluster = await ownPostgresCluster();
    const inst = await startInstances(2, cluster.url);
    const acknowledged: number[] = [];
    const refusals = new Map<string, number>();
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const answer = await postJson(`${inst.urls[i % 2]}/api/v1/records`, sampleRecord(), inst.key).catch(() => null);
        if (answer?.status === 201) acknowledged.push((answer.body.receipts as Receipt[])[0]!.seq);
        else {
          const code = answer ? `${answer.status} ${String(answer.body.code)}` : "no answer";
          refusals.set(code, (refusals.get(code) ?? 0) + 1);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await waitFor("a record anchored", async () => ((await anchoredCount(inst.urls[0]!)) > 0 ? true : null));
      const cached = await Promise.all(inst.urls.map((u) => getJson(`${u}/api/v1/records/1/proof`)));
      expect(cached.map((c) => c.status)).to.deep.equal([200, 200]);
      cluster.stop();
      const during = await Promise.all(inst.urls.map((u) => postJson(`${u}/api/v1/records`, sampleRecord(), inst.key)));
      for (const answer of during) {
        expect(answer.status).to.equal(503);
        expect(answer.body.code).to.equal("STORE_UNAVAILABLE");
      }
      const proofs = await Promise.all(inst.urls.map((u) => getJson(`${u}/api/v1/records/1/proof`)));
      expect(proofs.map((p) => p.body)).to.deep.equal(cached.map((c) => c.body));
      expect((await fetch(`${inst.urls[0]}/metrics`)).status, "metrics go on").to.equal(200);
      const ready = await getJson(`${inst.urls[1]}/readyz`);
      expect([ready.status, ready.body.code]).to.deep.equal([503, "NOT_READY"]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      cluster.start();
      const countBefore = acknowledged.length;
      await waitFor("writes accepted again", async () => (acknowledged.length > countBefore + 20 ? true : null));
      loading = false;
      await load;
      expect(refusals.get("503 STORE_UNAVAILABLE") ?? 0, JSON.stringify([...refusals])).to.be.greaterThan(0);
      expect([...refusals.keys()].filter((k) => k !== "503 STORE_UNAVAILABLE")).to.deep.equal([]);
      const last = Math.max(...acknowledged);
      await waitFor(
        "everything acknowledged anchored",
        async () => ((await anchoredCount(inst.urls[1]!)) >= last ? true : null),
        120_000,
      );
      const anchors = await anchorsByBatch(inst);
      expect([...anchors.values()].every((n) => n === 1)).to.equal(true);
      await expectAllVerify(inst, acknowledged);
    } finally {
      loading = false;
      await load;
      await inst.stop();
      cluster.destroy();
    }
  });
});
