// What the server gives away and keeps: no upstream error text or URLs in /readyz, /metrics behind a token,
// duplicate JSON keys refused, a private data directory.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startChainProxy } from "../helpers/chain";
import { getJson, postJson } from "../helpers/http";
import type { TcpProxy } from "../helpers/tcp-proxy";
import { waitFor } from "../helpers/wait";
import { postRecords, sampleRecord, stackPerTest } from "../helpers/stack";
import { openSqliteStore } from "../../server/store/sqlite";

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("server: hygiene", function () {
  this.timeout(120_000);
  const startStack = stackPerTest();
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it("says why it is not ready with codes and short messages, never the RPC's URL or error text", async () => {
    proxy = await startChainProxy();
    const secretPath = "/v3/provider-secret-0123456789";
    const stack = await startStack({ batchIntervalMs: 100, server: { rpcUrl: `${proxy.url}${secretPath}` } });
    await postRecords(stack, [sampleRecord()]);
    await proxy.cut();
    await postRecords(stack, [sampleRecord()]);
    const answer = await waitFor("readyz to report the outage", async () => {
      const r = await getJson<{ code: string; detail: string; checks: Record<string, { code?: string }> }>(
        `${stack.baseUrl}/readyz`,
      );
      return r.body.checks?.anchoring?.code === "CHAIN_UNAVAILABLE" ? r : null;
    });
    expect(answer.status).to.equal(503);
    expect(answer.body.code).to.equal("NOT_READY");
    expect(answer.body.checks.chain!.code).to.equal("CHAIN_UNAVAILABLE");
    expect(answer.body.detail).to.equal("not ready: chain (CHAIN_UNAVAILABLE), anchoring (CHAIN_UNAVAILABLE)");
    const text = JSON.stringify(answer.body);
    for (const leak of ["provider-secret", "127.0.0.1", String(proxy.port), "ECONNREFUSED", "fetch failed"]) {
      expect(text).not.to.include(leak);
    }
  });

  it("refuses a body that names a member twice with 400 DUPLICATE_KEY, storing nothing", async () => {
    const stack = await startStack();
    const record = JSON.stringify(sampleRecord({ amount: "1" }));
    const body = `${record.slice(0, -1)},"amount":"1000"}`;
    const answer = await postJson(`${stack.baseUrl}/api/v1/records`, body, stack.apiKey);
    expect(answer.status).to.equal(400);
    expect(answer.body).to.include({ code: "DUPLICATE_KEY" });
    expect(await stack.server.store.maxSeq()).to.equal(0);
    expect((await postJson(`${stack.baseUrl}/api/v1/records`, record, stack.apiKey)).status).to.equal(201);
  });

  it("serves /metrics only with the METRICS_TOKEN when one is set", async () => {
    const token = "metrics-token-0123456789";
    const stack = await startStack({ server: { metricsToken: token } });
    const without = await getJson(`${stack.baseUrl}/metrics`);
    expect(without.status).to.equal(401);
    expect(without.body).to.include({ code: "UNAUTHORIZED" });
    const wrong = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: "Bearer nope-nope-nope-nope" } });
    expect(wrong.status).to.equal(401);
    const right = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).to.equal(200);
    expect(await right.text()).to.include("aiqyn_records");
  });

  it("keeps its data directory 0700 and the store and key files in it 0600", async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-perm-")), "data");
    const store = openSqliteStore(dataDir); // created with the process umask, as an older version would have
    await store.close();
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, "dev-publisher-key"), "key\n", { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, "dev-publisher-key"), 0o644);
    const stack = await startStack({ dataDir });
    await postRecords(stack, [sampleRecord()]);
    expect(mode(dataDir)).to.equal(0o700);
    const files = fs.readdirSync(dataDir).filter((f) => fs.statSync(path.join(dataDir, f)).isFile());
    expect(files).to.include.members(["aiqyn.sqlite", "dev-publisher-key"]);
    for (const file of files) expect(mode(path.join(dataDir, file)), file).to.equal(0o600);
  });
});
