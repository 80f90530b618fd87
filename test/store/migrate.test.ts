/**
 * ops migrate-store: a SQLite registry of 10 000 records in several anchored batches moves to PostgreSQL,
 * every root checked against the chain; the server then runs on the copy and the auditor finds it clean.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { createRegistryReader, type RecordV1 } from "../../core";
import { migrateStore } from "../../scripts/ops/migrate-store";
import { AUDIT_HELP } from "../../scripts/cli/audit/command";
import { startServer } from "../../server";
import { runCli } from "../cli/cli-helpers";
import { getJson } from "../helpers/http";
import { freshDatabaseUrl } from "../helpers/postgres";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("ops migrate-store: SQLite to PostgreSQL", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let file: string;
  const logs: string[] = [];
  const chainRoot = async (id: number) => {
    const reader = createRegistryReader((m, p) => stack.provider.send(m, p), stack.registryAddress);
    return (await reader.batch(id))?.root ?? null;
  };

  before(async () => {
    stack = await startTestStack({ batchMax: 3000, batchIntervalMs: 300 });
    for (let i = 0; i < 10; i++) {
      const records = Array.from({ length: 1000 }, (_, j) => sampleRecord({ memo: `m${i * 1000 + j}` }));
      if (i === 9) records[0] = sampleRecord({ corrects: 1, amount: "7" });
      await postRecords(stack, records);
    }
    await stack.waitForAnchored(10_000, 120_000);
    await stack.stop();
    file = path.join(stack.dataDir, "aiqyn.sqlite");
  });

  it("copies every record, batch, proof and publisher, checks every root against the chain, and audits clean", async () => {
    const to = await freshDatabaseUrl();
    const report = await migrateStore({ from: file, to, chainRoot, log: (l) => logs.push(l) });
    expect(report.records).to.equal(10_000);
    expect(report.batches).to.be.at.least(4);
    expect(report.anchoredBatches).to.equal(report.batches);
    expect(logs.at(-1)).to.match(/^done: 10000 records/);

    const server = await startServer({ ...stack.config, databaseUrl: to, port: 0 });
    try {
      const first = await getJson<{ record: RecordV1; standing: string }>(`${server.url}/api/v1/records/1`);
      expect(first.body.standing).to.equal("superseded");
      const proof = await getJson(`${server.url}/api/v1/records/9999/proof`);
      expect(proof.status).to.equal(200);
      const trust = AUDIT_HELP.includes("--chain-id") ? ["--chain-id", String(stack.chainId)] : [];
      const audit = await runCli([
        "audit",
        "--rpc",
        stack.rpcUrl,
        "--registry",
        stack.registryAddress,
        ...trust,
        "--server",
        server.url,
      ]);
      expect(audit.code, `${audit.stdout}\n${audit.stderr}`).to.equal(0);
      // The publisher's key still works on the copy (its hash was copied).
      const res = await fetch(`${server.url}/api/v1/records`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${stack.apiKey}` },
        body: JSON.stringify(sampleRecord()),
      });
      expect(res.status).to.equal(201);
      expect(((await res.json()) as { receipts: { seq: number }[] }).receipts[0]!.seq).to.equal(10_001);
    } finally {
      await server.close();
    }
  });

  it("refuses a target that already holds a store", async () => {
    const to = await freshDatabaseUrl();
    await migrateStore({ from: file, to, chainRoot, log: () => {} });
    await expectCode(migrateStore({ from: file, to, chainRoot, log: () => {} }), "MIGRATE_TARGET_NOT_EMPTY");
  });

  it("refuses to say done when a copied root differs from the chain's", async () => {
    const altered = path.join(path.dirname(file), "altered.sqlite");
    fs.copyFileSync(file, altered);
    const db = new Database(altered);
    db.prepare("UPDATE records SET memo = 'changed' WHERE seq = 2").run();
    db.close();
    await expectCode(
      migrateStore({ from: altered, to: await freshDatabaseUrl(), chainRoot, log: () => {} }),
      "MIGRATE_CHECK_FAILED",
    );
  });
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: string }).code, String(error)).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}
