// Hostile HTTP, property-based (fast-check), against the real server: random JSON values and bodies, content
// types, headers, methods, paths and query strings, deep nesting and huge strings. Whatever arrives: never a 5xx,
// never a hang (every answer within 10 s), every 4xx is an RFC 9457 problem with a stable code, and the store's
// record count grows only by the receipts the server gave. The server stays healthy throughout.
import { expect } from "chai";
import fc from "fast-check";
import http from "node:http";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** A raw request (node:http, so any header and body can be sent); null when Node itself refuses to send it. */
function send(
  base: string,
  req: { method: string; path: string; headers: Record<string, string>; body: string | Buffer | null },
): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    let request: http.ClientRequest;
    try {
      request = http.request({
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        timeout: 10_000,
      });
    } catch {
      return resolve(null); // e.g. a header value Node will not put on the wire
    }
    request.on("timeout", () => {
      request.destroy();
      reject(new Error(`no answer within 10 s to ${req.method} ${req.path.slice(0, 100)}`));
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      // The server may close a connection on a request it refuses outright (e.g. a malformed header); that is
      // an answer, not a hang. Anything else is a failure.
      // (HPE_*: our client could not parse what came back for a request it should not have sent, e.g. a
      // chunked body on a HEAD.)
      if (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code?.startsWith("HPE_")) resolve(null);
      else reject(error);
    });
    request.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    try {
      if (req.body !== null) request.write(req.body);
      request.end();
    } catch {
      request.destroy();
      resolve(null);
    }
  });
}

const PATHS = [
  "/api/v1/records",
  "/api/v1/records/1",
  "/api/v1/records/1/proof",
  "/api/v1/batches",
  "/api/v1/batches/1",
  "/api/v1/batches/1/records",
  "/api/v1/stats",
  "/api/v1/registry",
  "/api/v1/openapi.json",
  "/healthz",
  "/readyz",
  "/metrics",
  "/api/v2/records",
  "/api",
  "/",
];

/** A path: a known one, a known one with junk segments or percent-escapes, or random text. */
const pathArb = fc.oneof(
  fc.constantFrom(...PATHS),
  fc
    .tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 30 }))
    .map(([p, junk]) => `${p}/${encodeURIComponent(junk)}`),
  fc
    .tuple(
      fc.constantFrom("/api/v1/records/", "/api/v1/batches/"),
      fc.constantFrom(
        "0",
        "-1",
        "1.5",
        "1e3",
        "%00",
        "%E0%A4%A",
        "99999999999999999999",
        "%2e%2e/%2e%2e",
        "NaN",
        "0x10",
      ),
    )
    .map(([a, b]) => a + b),
  fc.string({ maxLength: 60 }).map((s) => `/${encodeURIComponent(s).replace(/%2F/g, "/")}`),
  fc.constantFrom("//api/v1/records", "/api/v1/records?", "/api/v1/records#x", "/%", "/api/v1/records/%"),
);

const queryArb = fc.oneof(
  fc.constant(""),
  fc
    .array(
      fc.tuple(
        fc.constantFrom("kind", "asset", "from", "to", "cursor", "limit", "x", "kind[]", "__proto__", "limit"),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom("0", "-1", "501", "1e3", "BTC", "INFLOW_SEIZURE", "eyJwIjoxfQ", "9".repeat(40)),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`),
  fc.string({ maxLength: 40 }).map((s) => `?${s.replace(/[#\s]/g, "")}`),
);

/** Bodies: valid records (alone or mutated), random JSON, wrong shapes, deep nesting, huge strings, bytes. */
function bodyArb(): fc.Arbitrary<string | Buffer | null> {
  const record = fc.constant(null).map(() => sampleRecord());
  const mutated = fc
    .tuple(
      record,
      fc.constantFrom(
        "kind",
        "occurredAt",
        "asset",
        "amount",
        "valueUsd",
        "memo",
        "corrects",
        "documentHash",
        "seq",
        "publisher",
        "extra",
      ),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([r, field, value]) => ({ ...r, [field]: value }));
  return fc.oneof(
    { weight: 3, arbitrary: record.map((r) => JSON.stringify(r)) },
    {
      weight: 2,
      arbitrary: fc.array(record, { minLength: 1, maxLength: 5 }).map((records) => JSON.stringify({ records })),
    },
    { weight: 3, arbitrary: mutated.map((r) => JSON.stringify(r)) },
    {
      weight: 2,
      arbitrary: fc.array(fc.oneof(record, mutated), { maxLength: 4 }).map((records) => JSON.stringify({ records })),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => `{"records":${"[".repeat(n)}`) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1000, max: 3_000_000 })
        .map((n) => JSON.stringify({ ...sampleRecord(), memo: "m".repeat(n) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        "",
        "null",
        "[]",
        "{}",
        '{"records":[]}',
        '{"records":{}}',
        '{"__proto__":{"x":1}}',
        '{"records":null}',
        "\ufeff{}",
      ),
    },
  );
}

const contentTypeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/problem+json",
      "",
      "application/json; charset=utf-16",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const extraHeadersArb = fc.dictionary(
  fc.constantFrom(
    "accept",
    "accept-encoding",
    "content-encoding",
    "x-forwarded-for",
    "origin",
    "range",
    "if-none-match",
    "expect",
    "x-junk",
    "transfer-encoding",
  ),
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom("gzip", "deflate", "*/*", "text/html", "bytes=0-10", "100-continue", "chunked"),
  ),
  { maxKeys: 3 },
);

describe("hardening: hostile HTTP (fast-check) never gets a 5xx, a hang or a partial write", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let acknowledged = 0;

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 200 });
  });
  after(async () => {
    await stack?.stop();
  });

  async function check(answer: Answer | null, what: string): Promise<void> {
    if (answer === null) return;
    expect(answer.status, `${what} → ${answer.status} ${answer.body.slice(0, 300)}`).to.be.below(500);
    if (answer.status >= 400 && what.startsWith("HEAD ")) {
      expect(answer.type, `${what} → ${answer.status}`).to.match(/^application\/problem\+json/); // no body to read
    } else if (answer.status >= 400) {
      expect(answer.type, `${what} → ${answer.status}`).to.match(/^application\/problem\+json/);
      const problem = JSON.parse(answer.body) as { code?: unknown; status?: unknown };
      expect(problem.code)
        .to.be.a("string")
        .and.match(/^[A-Z][A-Z0-9_]+$/);
      expect(problem.status).to.equal(answer.status);
    }
    if (answer.status === 201) acknowledged += (JSON.parse(answer.body) as { receipts: unknown[] }).receipts.length;
    expect(await stack.server.store.maxSeq(), `after ${what}`).to.equal(acknowledged);
  }

  it("random writes: bodies, content types, keys and headers", async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyArb(),
        contentTypeArb,
        fc.constantFrom("valid", "valid", "valid", "none", "wrong", "basic", "huge"),
        extraHeadersArb,
        async (body, type, auth, extra) => {
          const headers: Record<string, string> = { ...extra };
          if (type !== "") headers["content-type"] = type;
          if (auth === "valid") headers.authorization = `Bearer ${stack.apiKey}`;
          if (auth === "wrong") headers.authorization = "Bearer aiq_wrong";
          if (auth === "basic") headers.authorization = "Basic YTpi";
          if (auth === "huge") headers.authorization = `Bearer ${"a".repeat(8000)}`;
          if (headers["transfer-encoding"] !== "chunked") delete headers["transfer-encoding"];
          const what = `POST ${type} ${auth} ${JSON.stringify(extra).slice(0, 100)} ${String(body).slice(0, 80)}`;
          await check(await send(stack.baseUrl, { method: "POST", path: "/api/v1/records", headers, body }), what);
        },
      ),
      { numRuns: 250, seed: 42 },
    );
    expect(acknowledged, "some random writes were valid").to.be.greaterThan(0);
  });

  it("random methods, paths, query strings and headers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        pathArb,
        queryArb,
        extraHeadersArb,
        fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
        async (method, path, query, extra, body) => {
          delete extra["transfer-encoding"];
          const headers: Record<string, string> = { ...extra };
          if (body !== null) headers["content-type"] = "application/json";
          const what = `${method} ${path}${query}`;
          await check(await send(stack.baseUrl, { method, path: `${path}${query}`, headers, body }), what);
        },
      ),
      { numRuns: 400, seed: 43 },
    );
  });

  it("afterwards the server is healthy and everything it acknowledged gets anchored", async () => {
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).to.equal(200);
    if (acknowledged > 0) await stack.waitForAnchored(acknowledged, 60_000);
    expect(await stack.server.store.maxSeq()).to.equal(acknowledged);
  });
});
