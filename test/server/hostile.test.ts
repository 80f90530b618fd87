// Hostile input: whatever arrives, the answer is a 4xx problem with a stable code, nothing is stored, and
// the server stays healthy.
import { expect } from "chai";
import { getJson, postJson, type JsonAnswer } from "../helpers/http";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("server: hostile input", function () {
  let stack: TestStack;
  const records = () => `${stack.baseUrl}/api/v1/records`;

  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  async function expectRefused(
    answer: JsonAnswer | Promise<JsonAnswer>,
    status: number,
    code: string,
    fieldCode?: string,
  ) {
    const a = await answer;
    expect(a.status, JSON.stringify(a.body).slice(0, 300)).to.equal(status);
    expect(a.type).to.match(/^application\/problem\+json/);
    expect(a.body.code).to.equal(code);
    if (fieldCode) expect((a.body.errors as { code: string }[]).map((e) => e.code)).to.include(fieldCode);
    expect(JSON.stringify(a.body)).not.to.match(/at .*\.ts:\d+/); // no stack trace
    expect(await stack.server.store.maxSeq()).to.equal(0);
  }

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    postJson(records(), body, stack.apiKey, headers);

  it("wrong types", async () => {
    await expectRefused(post({ ...sampleRecord(), kind: 5 }), 400, "INVALID_RECORD", "WRONG_TYPE");
    await expectRefused(post({ ...sampleRecord(), amount: 1.5 }), 400, "INVALID_RECORD", "WRONG_TYPE");
    await expectRefused(post({ ...sampleRecord(), occurredAt: "1700000000" }), 400, "INVALID_RECORD");
    await expectRefused(post({ ...sampleRecord(), corrects: null }), 400, "INVALID_RECORD");
    await expectRefused(post({ ...sampleRecord(), occurredAt: 1e300 }), 400, "INVALID_RECORD");
    await expectRefused(post({ ...sampleRecord(), memo: { toString: "x" } }), 400, "INVALID_RECORD", "WRONG_TYPE");
    await expectRefused(post({ records: [null, 1, "x", []] }), 400, "INVALID_RECORD", "WRONG_TYPE");
    await expectRefused(post("null"), 400, "INVALID_JSON");
    await expectRefused(post('"a string"'), 400, "INVALID_JSON");
  });

  it("huge strings and numbers", async () => {
    await expectRefused(
      post({ ...sampleRecord(), memo: "m".repeat(100_000) }),
      400,
      "INVALID_RECORD",
      "STRING_TOO_LONG",
    );
    await expectRefused(post({ ...sampleRecord(), asset: "A".repeat(10_000) }), 400, "INVALID_RECORD");
    await expectRefused(post({ ...sampleRecord(), amount: "9".repeat(5000) }), 400, "INVALID_RECORD");
    await expectRefused(post({ ...sampleRecord(), amount: "1e5" }), 400, "INVALID_RECORD", "DECIMAL_SYNTAX");
    await expectRefused(post(`{"kind":"INFLOW_SEIZURE","occurredAt":${"9".repeat(400)}}`), 400, "INVALID_RECORD");
  });

  it("deeply nested JSON", async () => {
    const depth = 200_000;
    await expectRefused(post(`{"memo":${"[".repeat(depth)}${"]".repeat(depth)}}`), 400, "INVALID_RECORD");
    await expectRefused(post(`${"[".repeat(depth)}${"]".repeat(depth)}`), 400, "INVALID_RECORD");
    const unbalanced = await post(`{"memo":${"[".repeat(depth)}}`);
    await expectRefused(unbalanced, 400, "INVALID_JSON");
  });

  it("text that is not NFC, holds control characters or lone surrogates, or is not UTF-8", async () => {
    await expectRefused(
      post({ ...sampleRecord(), counterparty: "Cafe\u0301" }),
      400,
      "INVALID_RECORD",
      "STRING_NOT_NFC",
    );
    await expectRefused(post({ ...sampleRecord(), memo: "a\u0000b" }), 400, "INVALID_RECORD", "STRING_CONTROL_CHAR");
    await expectRefused(
      post(`${JSON.stringify({ ...sampleRecord(), memo: "x" }).replace('"memo":"x"', '"memo":"\\ud800"')}`),
      400,
      "INVALID_RECORD",
      "STRING_ILL_FORMED",
    );
    const bad = Buffer.concat([
      Buffer.from(JSON.stringify({ ...sampleRecord(), memo: "" }).replace('"memo":""', '"memo":"')),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    await expectRefused(
      getJson(records(), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${stack.apiKey}` },
        body: bad,
      }),
      400,
      "INVALID_JSON",
    );
  });

  it("unknown fields, server fields and prototype keys", async () => {
    await expectRefused(post({ ...sampleRecord(), admin: true }), 400, "INVALID_RECORD", "FIELD_UNKNOWN");
    await expectRefused(
      post({ ...sampleRecord(), publisher: "someone-else" }),
      400,
      "INVALID_RECORD",
      "FIELD_SERVER_SET",
    );
    await expectRefused(
      post(`${JSON.stringify(sampleRecord()).slice(0, -1)},"__proto__":{"seq":1}}`),
      400,
      "INVALID_RECORD",
      "FIELD_UNKNOWN",
    );
    await expectRefused(post({ records: [sampleRecord()], extra: 1 }), 400, "INVALID_RECORD", "FIELD_UNKNOWN");
  });

  it("a 10 MB body, a wrong content type, a gzip body", async () => {
    const tenMb = JSON.stringify({ records: [{ ...sampleRecord(), memo: "x".repeat(10 * 1024 * 1024) }] });
    await expectRefused(post(tenMb), 413, "PAYLOAD_TOO_LARGE");
    await expectRefused(
      getJson(records(), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${stack.apiKey}` },
        body: "a=1",
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    await expectRefused(
      post(JSON.stringify(sampleRecord()), { "content-encoding": "gzip" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("bad keys and bad query parameters", async () => {
    await expectRefused(postJson(records(), sampleRecord(), "x".repeat(10_000)), 401, "UNAUTHORIZED");
    await expectRefused(postJson(records(), sampleRecord(), null, { authorization: "Bearer " }), 401, "UNAUTHORIZED");
    for (const q of [
      "limit=1e3",
      "limit=%00",
      "from=9".padEnd(60, "9"),
      "kind[]=GRANT",
      "cursor=" + "A".repeat(500),
      "asset=%F0%9F%98%80",
    ]) {
      await expectRefused(getJson(`${stack.baseUrl}/api/v1/records?${q}`), 400, "INVALID_PARAMETER");
    }
    await expectRefused(getJson(`${stack.baseUrl}/api/v1/records/%F0%9F%98%80`), 400, "INVALID_PARAMETER");
    await expectRefused(getJson(`${stack.baseUrl}/api/v1/records/1%00`), 400, "INVALID_PARAMETER");
  });

  it("is still healthy and accepts a good record afterwards", async () => {
    expect((await getJson(`${stack.baseUrl}/healthz`)).status).to.equal(200);
    expect((await getJson(`${stack.baseUrl}/readyz`)).status).to.equal(200);
    const ok = await post(sampleRecord());
    expect(ok.status).to.equal(201);
  });
});
