// Writes are refused (coded 503) whenever a receipt could not be honoured: anchoring halted by a conflicting
// batch (a leaked key anchored first) or this server's key lost ANCHORER_ROLE. And a pause ends at once.
import { expect } from "chai";
import { Contract, id } from "ethers";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { getJson, postJson } from "../helpers/http";
import { waitFor } from "../helpers/wait";
import { postRecords, sampleRecord, stackPerTest } from "../helpers/stack";

const ANCHORER_ROLE = id("ANCHORER_ROLE");

interface ReadyBody {
  code: string;
  checks: Record<string, { ok: boolean; code?: string; message: string }>;
}

describe("server: writes refused while a receipt could not be honoured", function () {
  this.timeout(120_000);
  const startStack = stackPerTest();

  it("refuses writes with 503 ANCHORING_HALTED once a leaked key anchored a conflicting batch", async () => {
    const stack = await startStack({ batchIntervalMs: 100 });
    // The thief, holding the anchorer's key, anchors batch 1 first with a root of their own.
    const thief = new Contract(stack.registryAddress, REGISTRY_ABI, stack.wallets.anchorer);
    await (await thief.getFunction("anchor")(1, id("forged"), 1, 1)).wait();
    await postRecords(stack, [sampleRecord()]);
    await waitFor("anchoring to halt", () => stack.server.anchorer.snapshot().halted);

    const refused = await postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), stack.apiKey);
    expect(refused.status).to.equal(503);
    expect(refused.body).to.include({ code: "ANCHORING_HALTED", reason: "REGISTRY_CONFLICT" });
    expect(await stack.server.store.maxSeq()).to.equal(1);
    const ready = await getJson<ReadyBody>(`${stack.baseUrl}/readyz`);
    expect(ready.status).to.equal(503);
    expect(ready.body.checks.anchoring).to.include({ ok: false, code: "REGISTRY_CONFLICT" });
  });

  it("refuses writes within seconds of a revocation of its ANCHORER_ROLE, and accepts them again on a re-grant", async () => {
    const stack = await startStack({ batchIntervalMs: 100, server: { roleCheckMs: 200 } });
    await postRecords(stack, [sampleRecord()]);
    const admin = new Contract(
      stack.registryAddress,
      [
        ...REGISTRY_ABI,
        "function revokeRole(bytes32 role, address account)",
        "function grantRole(bytes32 role, address account)",
      ],
      stack.wallets.admin,
    );
    await (await admin.getFunction("revokeRole")(ANCHORER_ROLE, stack.wallets.anchorer.address)).wait();

    const refused = await waitFor(
      "writes to be refused",
      async () => {
        const answer = await postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), stack.apiKey);
        return answer.status === 503 ? answer : null;
      },
      10_000,
      100,
    );
    expect(refused.body.code).to.equal("ANCHORER_ROLE_REVOKED");
    const ready = await getJson<ReadyBody>(`${stack.baseUrl}/readyz`);
    expect(ready.status).to.equal(503);
    expect(ready.body.checks.role).to.include({ ok: false, code: "ANCHORER_ROLE_REVOKED" });

    await (await admin.getFunction("grantRole")(ANCHORER_ROLE, stack.wallets.anchorer.address)).wait();
    await waitFor("writes to be accepted again", async () =>
      (await postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), stack.apiKey)).status === 201 ? true : null,
    );
  });

  it("resumes anchoring as soon as the registry is unpaused, not after the retry backoff", async () => {
    // A retry backoff of ten minutes: only the watch on paused() can make this anchor within the test's time.
    const stack = await startStack({
      batchIntervalMs: 100,
      server: { anchorRetryBaseMs: 600_000, anchorRetryMaxMs: 600_000, roleCheckMs: 200 },
    });
    const registry = new Contract(stack.registryAddress, REGISTRY_ABI, stack.wallets.pauser);
    await (await registry.getFunction("pause")()).wait();
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await waitFor("the anchorer to meet the pause", () =>
      stack.server.anchorer.snapshot().lastError?.code === "REGISTRY_PAUSED" ? true : null,
    );
    await (await registry.getFunction("unpause")()).wait();
    await stack.waitForAnchored(receipt!.seq, 30_000);
    expect(await stack.server.chain.reader.batchCount()).to.equal(1);
    expect((await stack.server.chain.reader.batch(1))!.root).to.equal((await stack.server.store.getBatch(1))!.root);
  });
});
