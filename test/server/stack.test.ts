// The test stack itself, end to end: post a record, see it anchored, verify its bundle through core against
// the chain (the same path a citizen's verifier takes).
import { expect } from "chai";
import { createRegistryReader, parseBundle, verifyBundle } from "../../core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("server: test stack", function () {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 100 });
  });
  after(async () => {
    await stack?.stop();
  });

  it("anchors a posted record and serves a bundle that verifies against the chain", async () => {
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    expect(receipt!.seq).to.equal(1);
    await stack.waitForAnchored(1);
    const res = await fetch(`${stack.baseUrl}/api/v1/records/1/proof`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-disposition")).to.equal('attachment; filename="aiqyn-proof-1.json"');
    const bundle = parseBundle(await res.json());
    const reader = createRegistryReader((m, p) => stack.provider.send(m, p), stack.registryAddress);
    const report = await verifyBundle(bundle, reader.batch, {
      trusted: { chainId: stack.chainId, registry: stack.registryAddress },
    });
    expect(report.verdict, JSON.stringify(report.checks)).to.equal("anchored");
    expect(await reader.batchCount()).to.equal(1);
  });

  it("restarts on the same data dir and keeps serving", async () => {
    await stack.restart();
    const res = await fetch(`${stack.baseUrl}/api/v1/records/1`);
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { status: string }).status).to.equal("anchored");
  });
});
