// The HTTP API against a real server, chain and SQLite store: every endpoint, every error code, auth,
// atomic bulk writes, pagination and gap-free seqs under concurrency.
import { expect } from "chai";
import {
  formatDecimal,
  keccak256 as coreKeccak,
  leafHash,
  receiptSignatureValid,
  type Receipt,
  type RecordV1,
} from "../../core";
import { createFastKeccak } from "../../server/crypto";
import { addPublisher } from "../../server/publishers";
import { getJson, postJson, type JsonAnswer } from "../helpers/http";
import { postRecords, sampleRecord, startTestStack, TEST_PUBLISHER, type TestStack } from "../helpers/stack";

function expectProblem(answer: JsonAnswer, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
  expect(answer.type).to.match(/^application\/problem\+json/);
  expect(answer.body.code).to.equal(code);
  expect(answer.body.status).to.equal(status);
  expect(answer.body.title).to.be.a("string");
  expect(answer.body.type).to.be.a("string");
}

describe("server: HTTP API", function () {
  let stack: TestStack;
  const url = (p: string) => `${stack.baseUrl}${p}`;

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 100, server: { maxAnchorDelaySeconds: 3600 } });
  });
  after(async () => {
    await stack?.stop();
  });

  it("the WebAssembly keccak equals core's", async () => {
    const fast = await createFastKeccak();
    for (let n = 0; n < 300; n += 7) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 13 + n) & 0xff);
      expect(Buffer.from(fast(data)).toString("hex")).to.equal(Buffer.from(coreKeccak(data)).toString("hex"));
    }
  });

  it("accepts one record with a 201 and a receipt signed over core's digest", async () => {
    const input = sampleRecord();
    const answer = await postJson(url("/api/v1/records"), input, stack.apiKey);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    const [receipt] = answer.body.receipts as Receipt[];
    expect(receipt!.seq).to.equal(1);
    expect(receipt!.signer.toLowerCase()).to.equal(stack.wallets.anchorer.address.toLowerCase());
    expect(receiptSignatureValid(receipt!, stack.chainId, stack.registryAddress)).to.equal(true);
    const record: RecordV1 = { ...input, seq: 1, publishedAt: receipt!.publishedAt, publisher: TEST_PUBLISHER };
    expect(receipt!.leaf).to.equal(leafHash(record));

    const got = await getJson<{
      record: RecordV1;
      leaf: string;
      receipt: Receipt;
      standing: string;
      correctedBy: number[];
    }>(url("/api/v1/records/1"));
    expect(got.status).to.equal(200);
    expect(got.headers.get("access-control-allow-origin")).to.equal("*");
    expect(got.body.record).to.deep.equal(record);
    expect(got.body.receipt).to.deep.equal(receipt);
    expect(got.body.standing).to.equal("current");
    expect(got.body.correctedBy).to.deep.equal([]);
  });

  it("refuses writes without a valid key (401) and after revocation", async () => {
    expectProblem(await postJson(url("/api/v1/records"), sampleRecord(), null), 401, "UNAUTHORIZED");
    expectProblem(await postJson(url("/api/v1/records"), sampleRecord(), "aiq_not-a-real-key"), 401, "UNAUTHORIZED");
    expectProblem(
      await postJson(url("/api/v1/records"), sampleRecord(), null, { authorization: "Basic abc" }),
      401,
      "UNAUTHORIZED",
    );
    const { key } = await addPublisher(stack.server.store, "short-lived");
    const ok = await postJson(url("/api/v1/records"), sampleRecord(), key);
    expect(ok.status).to.equal(201);
    const seq = (ok.body.receipts as Receipt[])[0]!.seq;
    expect((await getJson<{ record: RecordV1 }>(url(`/api/v1/records/${seq}`))).body.record.publisher).to.equal(
      "short-lived",
    );
    expect(await stack.server.store.revokePublisher("short-lived", 1)).to.equal(true);
    expectProblem(await postJson(url("/api/v1/records"), sampleRecord(), key), 401, "UNAUTHORIZED");
  });

  it("lists every problem of a bad record, and stores nothing", async () => {
    const before = await stack.server.store.maxSeq();
    const answer = await postJson(
      url("/api/v1/records"),
      { ...sampleRecord(), amount: "-1", asset: "btc", seq: 5, extra: true },
      stack.apiKey,
    );
    expectProblem(answer, 400, "INVALID_RECORD");
    const errors = answer.body.errors as { field: string; code: string }[];
    expect(errors.map((e) => e.field)).to.include.members(["amount", "asset", "seq", "extra"]);
    expect(errors.find((e) => e.field === "seq")!.code).to.equal("FIELD_SERVER_SET");
    expect(errors.find((e) => e.field === "extra")!.code).to.equal("FIELD_UNKNOWN");
    expect(await stack.server.store.maxSeq()).to.equal(before);
  });

  it("makes a bulk write atomic: one bad record and nothing is stored, no seq consumed", async () => {
    const before = await stack.server.store.maxSeq();
    const records = [sampleRecord(), sampleRecord(), sampleRecord(), sampleRecord({ amount: "1.5x" })];
    const answer = await postJson(url("/api/v1/records"), { records }, stack.apiKey);
    expectProblem(answer, 400, "INVALID_RECORD");
    expect((answer.body.errors as { field: string }[])[0]!.field).to.equal("records/3/amount");
    expect(await stack.server.store.maxSeq()).to.equal(before);
    const good = await postRecords(stack, [sampleRecord(), sampleRecord()]);
    expect(good.map((r) => r.seq)).to.deep.equal([before + 1, before + 2]);
  });

  it("refuses an empty or oversized bulk and a body that is neither record nor bulk", async () => {
    expectProblem(await postJson(url("/api/v1/records"), { records: [] }, stack.apiKey), 400, "INVALID_RECORD");
    const many = Array.from({ length: 1001 }, () => sampleRecord());
    const big = await postJson(url("/api/v1/records"), { records: many }, stack.apiKey);
    expectProblem(big, 400, "INVALID_RECORD");
    expect((big.body.errors as { code: string }[])[0]!.code).to.equal("BULK_SIZE");
    expectProblem(await postJson(url("/api/v1/records"), [sampleRecord()], stack.apiKey), 400, "INVALID_RECORD");
    expectProblem(await postJson(url("/api/v1/records"), { records: "x" }, stack.apiKey), 400, "INVALID_RECORD");
  });

  it("checks corrects: unknown seq → CORRECTS_UNKNOWN; a correction and a retraction change standing", async () => {
    const unknown = await postJson(url("/api/v1/records"), sampleRecord({ corrects: 999_999 }), stack.apiKey);
    expectProblem(unknown, 400, "INVALID_RECORD");
    expect(unknown.body.errors).to.deep.include({
      field: "corrects",
      code: "CORRECTS_UNKNOWN",
      message: "corrects names seq 999999, which does not exist",
    });

    const [a, b] = await postRecords(stack, [sampleRecord({ asset: "COIN" }), sampleRecord({ asset: "MSTR" })]);
    const [fix] = await postRecords(stack, [sampleRecord({ asset: "COIN", amount: "2", corrects: a!.seq })]);
    const [void_] = await postRecords(stack, [
      sampleRecord({ kind: "RETRACTION", asset: "MSTR", amount: "0", valueUsd: "0", corrects: b!.seq }),
    ]);
    const ra = await getJson<{ standing: string; correctedBy: number[] }>(url(`/api/v1/records/${a!.seq}`));
    expect(ra.body.standing).to.equal("superseded");
    expect(ra.body.correctedBy).to.deep.equal([fix!.seq]);
    const rb = await getJson<{ standing: string; correctedBy: number[] }>(url(`/api/v1/records/${b!.seq}`));
    expect(rb.body.standing).to.equal("retracted");
    expect(rb.body.correctedBy).to.deep.equal([void_!.seq]);
  });

  it("answers 415 for a body that is not JSON, 400 INVALID_JSON for broken JSON, 413 past the limit", async () => {
    const text = await getJson(url("/api/v1/records"), {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${stack.apiKey}` },
      body: "hello",
    });
    expectProblem(text, 415, "UNSUPPORTED_MEDIA_TYPE");
    const none = await getJson(url("/api/v1/records"), {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}` },
      body: "{}",
    });
    expectProblem(none, 415, "UNSUPPORTED_MEDIA_TYPE");
    expectProblem(await postJson(url("/api/v1/records"), '{"kind": "INFLOW_', stack.apiKey), 400, "INVALID_JSON");
    expectProblem(await postJson(url("/api/v1/records"), "42", stack.apiKey), 400, "INVALID_JSON");
    const huge = JSON.stringify({ ...sampleRecord(), memo: "x".repeat(3 * 1024 * 1024) });
    expectProblem(await postJson(url("/api/v1/records"), huge, stack.apiKey), 413, "PAYLOAD_TOO_LARGE");
  });

  it("gives 200 parallel POSTs the seqs after the last one, with no gap and no duplicate", async () => {
    const before = await stack.server.store.maxSeq();
    const commitsBefore = stack.server.store.commitStats.commits;
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => postJson(url("/api/v1/records"), sampleRecord(), stack.apiKey)),
    );
    expect(answers.every((a) => a.status === 201)).to.equal(true);
    const seqs = answers.map((a) => (a.body.receipts as Receipt[])[0]!.seq).sort((x, y) => x - y);
    expect(seqs).to.deep.equal(Array.from({ length: 200 }, (_, i) => before + 1 + i));
    const commits = stack.server.store.commitStats.commits - commitsBefore;
    expect(commits).to.be.within(1, 200);
    console.log(`      (200 parallel POSTs: ${commits} group commits)`);
  });

  it("anchors everything, then serves bundles, batches and batch records", async () => {
    const last = await stack.server.store.maxSeq();
    await stack.waitForAnchored(last);
    const bundle = await getJson<{
      batch: { id: number; firstSeq: number; leafCount: number; root: string };
      anchor: { chainId: number; registry: string };
    }>(url(`/api/v1/records/${last}/proof`));
    expect(bundle.status).to.equal(200);
    expect(bundle.body.anchor.chainId).to.equal(stack.chainId);
    expect(bundle.body.anchor.registry.toLowerCase()).to.equal(stack.registryAddress.toLowerCase());

    const list = await getJson<{ batches: { id: number; status: string; txHash: string; blockNumber: number }[] }>(
      url("/api/v1/batches"),
    );
    expect(list.status).to.equal(200);
    const ids = list.body.batches.map((b) => b.id);
    expect(ids).to.deep.equal([...ids].sort((x, y) => y - x)); // newest first
    expect(
      list.body.batches.every((b) => b.status === "anchored" && /^0x[0-9a-f]{64}$/.test(b.txHash) && b.blockNumber > 0),
    ).to.equal(true);

    const id = bundle.body.batch.id;
    const one = await getJson<{ id: number; root: string }>(url(`/api/v1/batches/${id}`));
    expect(one.body.root).to.equal(bundle.body.batch.root);
    const recs = await getJson<{ batch: { leafCount: number }; records: { record: RecordV1; leaf: string }[] }>(
      url(`/api/v1/batches/${id}/records`),
    );
    expect(recs.body.records.length).to.equal(recs.body.batch.leafCount);
    expect(recs.body.records.map((r) => r.record.seq)).to.deep.equal(
      Array.from({ length: bundle.body.batch.leafCount }, (_, i) => bundle.body.batch.firstSeq + i),
    );
    for (const r of recs.body.records) expect(r.leaf).to.equal(leafHash(r.record));
    expectProblem(await getJson(url("/api/v1/batches/99999")), 404, "BATCH_NOT_FOUND");
    expectProblem(await getJson(url("/api/v1/batches/99999/records")), 404, "BATCH_NOT_FOUND");
    expectProblem(await getJson(url("/api/v1/batches/abc")), 400, "INVALID_PARAMETER");
  });

  it("answers 409 BATCH_NOT_ANCHORED with the receipt while a record is pending", async () => {
    await stack.server.anchorer.stop(); // the batcher may seal, but nothing reaches the chain now
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    const answer = await getJson(url(`/api/v1/records/${receipt!.seq}/proof`));
    expectProblem(answer, 409, "BATCH_NOT_ANCHORED");
    expect(answer.body.receipt).to.deep.equal(receipt);
    const item = await getJson<{ status: string }>(url(`/api/v1/records/${receipt!.seq}`));
    expect(item.body.status).to.equal("pending");
    await stack.restart(); // a fresh anchorer picks it up
    await stack.waitForAnchored(receipt!.seq);
    expect((await getJson(url(`/api/v1/records/${receipt!.seq}/proof`))).status).to.equal(200);
  });

  it("pages through records with filters and an opaque cursor", async () => {
    const total = await stack.server.store.maxSeq();
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: JsonAnswer<{ records: { record: RecordV1 }[]; nextCursor: string | null }> = await getJson(
        url(`/api/v1/records?limit=37${cursor ? `&cursor=${cursor}` : ""}`),
      );
      expect(page.status).to.equal(200);
      expect(page.body.records.length).to.be.at.most(37);
      seen.push(...page.body.records.map((r) => r.record.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));

    const coin = await getJson<{ records: { record: RecordV1 }[] }>(url("/api/v1/records?asset=COIN&limit=500"));
    expect(coin.body.records.length).to.equal(2);
    expect(coin.body.records.every((r) => r.record.asset === "COIN")).to.equal(true);
    const retractions = await getJson<{ records: { record: RecordV1 }[] }>(url("/api/v1/records?kind=RETRACTION"));
    expect(retractions.body.records.length).to.equal(1);
    const t = (await getJson<{ record: RecordV1 }>(url("/api/v1/records/1"))).body.record.occurredAt;
    const window = await getJson<{ records: { record: RecordV1 }[] }>(
      url(`/api/v1/records?from=${t}&to=${t}&limit=500`),
    );
    expect(window.body.records.every((r) => r.record.occurredAt === t)).to.equal(true);
    expect(window.body.records.map((r) => r.record.seq)).to.include(1);

    for (const bad of [
      "limit=0",
      "limit=501",
      "limit=x",
      "kind=NOPE",
      "asset=btc",
      "from=-1",
      "to=1.5",
      "cursor=%%%",
      "cursor=abc",
      "limit=1&limit=2",
    ]) {
      expectProblem(await getJson(url(`/api/v1/records?${bad}`)), 400, "INVALID_PARAMETER");
    }
  });

  it("pages through batches newest first", async () => {
    const all = (await getJson<{ batches: { id: number }[] }>(url("/api/v1/batches?limit=500"))).body.batches.map(
      (b) => b.id,
    );
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: JsonAnswer<{ batches: { id: number }[]; nextCursor: string | null }> = await getJson(
        url(`/api/v1/batches?limit=1${cursor ? `&cursor=${cursor}` : ""}`),
      );
      seen.push(...page.body.batches.map((b) => b.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(all);
    expectProblem(await getJson(url("/api/v1/batches?limit=0")), 400, "INVALID_PARAMETER");
  });

  it("serves record errors: 404 RECORD_NOT_FOUND, 400 INVALID_PARAMETER", async () => {
    expectProblem(await getJson(url("/api/v1/records/99999")), 404, "RECORD_NOT_FOUND");
    expectProblem(await getJson(url("/api/v1/records/99999/proof")), 404, "RECORD_NOT_FOUND");
    for (const bad of ["0", "-1", "1.5", "abc", "99999999999999999999"]) {
      expectProblem(await getJson(url(`/api/v1/records/${bad}`)), 400, "INVALID_PARAMETER");
    }
  });

  it("computes stats exactly, over current records only", async () => {
    const stats = await getJson<{
      totals: { records: number; anchored: number; pending: number; batches: number };
      byKind: { kind: string; count: number; valueUsd: string }[];
      byAsset: { asset: string; inflow: string; outflow: string; count: number }[];
      byMonth: { month: string }[];
    }>(url("/api/v1/stats"));
    expect(stats.status).to.equal(200);
    const total = await stack.server.store.maxSeq();
    expect(stats.body.totals.records).to.equal(total);
    expect(stats.body.totals.anchored + stats.body.totals.pending).to.equal(total);
    // COIN: one superseded record (1.5) and its correction (2): only the correction counts.
    expect(stats.body.byAsset.find((a) => a.asset === "COIN")).to.deep.equal({
      asset: "COIN",
      inflow: "2",
      outflow: "0",
      count: 1,
    });
    // MSTR: retracted, and the retraction itself is no flow.
    expect(stats.body.byAsset.find((a) => a.asset === "MSTR")).to.equal(undefined);
    const seizures = stats.body.byKind.find((k) => k.kind === "INFLOW_SEIZURE")!;
    // Every current seizure is 145000.25 USD: the sum is exact, no float.
    expect(seizures.valueUsd).to.equal(formatDecimal(BigInt(seizures.count) * 14_500_025n, 2));
  });

  it("publishes the registry, health, readiness, metrics and the OpenAPI document", async () => {
    const reg = await getJson<Record<string, unknown>>(url("/api/v1/registry"));
    expect(reg.body).to.deep.include({
      chainId: stack.chainId,
      rpcUrl: stack.rpcUrl,
      explorerUrl: null,
      maxAnchorDelaySeconds: 3600,
    });
    expect((reg.body.registry as string).toLowerCase()).to.equal(stack.registryAddress.toLowerCase());
    expect((reg.body.receiptSigner as string).toLowerCase()).to.equal(stack.wallets.anchorer.address.toLowerCase());
    expect(reg.body.deploymentBlock).to.be.a("number");
    expect((await getJson(url("/healthz"))).body).to.deep.equal({ status: "ok" });
    const ready = await getJson<{ status: string; checks: Record<string, { ok: boolean }> }>(url("/readyz"));
    expect(ready.status).to.equal(200);
    expect(ready.body.status).to.equal("ready");
    expect(Object.keys(ready.body.checks)).to.have.members(["store", "chain", "role", "anchoring", "leadership"]);
    const metrics = await fetch(url("/metrics"));
    const text = await metrics.text();
    expect(metrics.headers.get("content-type")).to.match(/^text\/plain/);
    for (const name of [
      "aiqyn_records ",
      "aiqyn_records_pending",
      'aiqyn_batches{status="anchored"}',
      "aiqyn_anchor_errors_total",
      "aiqyn_http_request_duration_seconds_bucket",
    ]) {
      expect(text).to.include(name);
    }
    const doc = await getJson<{ openapi: string; paths: Record<string, unknown> }>(url("/api/v1/openapi.json"));
    expect(doc.body.openapi).to.equal("3.1.0");
    for (const p of [
      "/api/v1/records",
      "/api/v1/records/{seq}",
      "/api/v1/records/{seq}/proof",
      "/api/v1/batches",
      "/api/v1/batches/{id}",
      "/api/v1/batches/{id}/records",
      "/api/v1/stats",
      "/api/v1/registry",
      "/healthz",
      "/readyz",
      "/metrics",
    ]) {
      expect(doc.body.paths, p).to.have.property(p);
    }
  });

  it("answers unknown routes and methods with a 404 problem, and sets security headers", async () => {
    expectProblem(await getJson(url("/api/v1/nope")), 404, "NOT_FOUND");
    expectProblem(await getJson(url("/api/v1/records/1"), { method: "DELETE" }), 404, "NOT_FOUND");
    const res = await fetch(url("/healthz"));
    expect(res.headers.get("content-security-policy")).to.include("connect-src *");
    // A citizen may pick a plain-http RPC (their own node): requests must not be upgraded to https.
    expect(res.headers.get("content-security-policy")).not.to.include("upgrade-insecure-requests");
    expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
    const preflight = await fetch(url("/api/v1/records"), { method: "OPTIONS" });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
  });
});

describe("server: write rate limit", function () {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ rateLimitPerMinute: 3 });
  });
  after(async () => {
    await stack?.stop();
  });

  it("answers 429 RATE_LIMITED past the limit, and reads still work", async () => {
    const statuses: number[] = [];
    let last: JsonAnswer | null = null;
    for (let i = 0; i < 5; i++) {
      last = await postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), stack.apiKey);
      statuses.push(last.status);
    }
    expect(statuses).to.deep.equal([201, 201, 201, 429, 429]);
    expectProblem(last!, 429, "RATE_LIMITED");
    expect((await getJson(`${stack.baseUrl}/api/v1/records/1`)).status).to.equal(200);
  });
});
