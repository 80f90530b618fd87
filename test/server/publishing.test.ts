// Publishing over HTTP against a real server, chain and SQLite store: the dry run, Idempotency-Key, documents
// by hash, and errors that show the refused value and say what was expected.
import { expect } from "chai";
import { bytesToHex, keccak256, type Receipt } from "../../core";
import { addPublisher } from "../../server/publishers";
import { MAX_DOCUMENT_BYTES } from "../../server/documents";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { runExport } from "../../scripts/cli/export";
import { getJson, postJson, type JsonAnswer } from "../helpers/http";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

function expectProblem(answer: JsonAnswer, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
  expect(answer.type).to.match(/^application\/problem\+json/);
  expect(answer.body.code).to.equal(code);
}

const hashOf = (bytes: Uint8Array) => bytesToHex(keccak256(bytes));
const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n");

describe("server: publishing (dry run, Idempotency-Key, documents)", function () {
  let stack: TestStack;
  const url = (p: string) => `${stack.baseUrl}${p}`;
  const maxSeq = () => stack.server.store.maxSeq();
  const put = (hash: string, body: Uint8Array, type: string, key: string | null = stack.apiKey) =>
    getJson(url(`/api/v1/documents/${hash}`), {
      method: "PUT",
      headers: { "content-type": type, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: Buffer.from(body),
    });

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 100 });
  });
  after(async () => stack?.stop());

  describe("the dry run", () => {
    it("answers 200 with the count and writes nothing: the next write takes the next seq", async () => {
      await postRecords(stack, [sampleRecord()]);
      const before = await maxSeq();
      const records = [sampleRecord(), sampleRecord({ asset: "USDT" })];
      const answer = await postJson(url("/api/v1/records?dryRun=1"), { records }, stack.apiKey);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      expect(answer.body).to.deep.equal({ dryRun: true, accepted: 2, problems: [] });
      expect(await maxSeq()).to.equal(before);
      const [receipt] = await postRecords(stack, [sampleRecord()]);
      expect(receipt!.seq).to.equal(before + 1);
    });

    it("lists exactly the problems a refusal lists, every one at once", async () => {
      const records = [
        sampleRecord(),
        sampleRecord({ amount: "1,5" }),
        sampleRecord({ asset: "btc", corrects: 99999 }),
      ];
      const refusal = await postJson(url("/api/v1/records"), { records }, stack.apiKey);
      expectProblem(refusal, 400, "INVALID_RECORD");
      const dry = await postJson(url("/api/v1/records?dryRun=true"), { records }, stack.apiKey);
      expect(dry.status).to.equal(200);
      expect(dry.body.problems).to.deep.equal(refusal.body.errors);
      expect(dry.body.accepted).to.equal(1);
      expect((dry.body.problems as { field: string }[]).map((p) => p.field)).to.deep.equal([
        "records/1/amount",
        "records/2/asset",
      ]);
    });

    it("applies the rights check: another publisher's record cannot be corrected, and says which row", async () => {
      const [theirs] = await postRecords(stack, [sampleRecord()]);
      const other = await addPublisher(stack.server.store, `desk-${Date.now()}`);
      const records = [sampleRecord(), sampleRecord({ corrects: theirs!.seq })];
      const dry = await postJson(url("/api/v1/records?dryRun=1"), { records }, other.key);
      expect(dry.body.accepted).to.equal(1);
      expect(dry.body.problems).to.have.length(1);
      expect(dry.body.problems).to.have.nested.property("[0].field", "records/1/corrects");
      expect(dry.body.problems).to.have.nested.property("[0].code", "CORRECTION_NOT_OWN");
      expectProblem(await postJson(url("/api/v1/records"), { records }, other.key), 403, "CORRECTION_NOT_OWN");
    });

    it("needs the publisher key and refuses an unknown dryRun value", async () => {
      expectProblem(await postJson(url("/api/v1/records?dryRun=1"), sampleRecord(), null), 401, "UNAUTHORIZED");
      expectProblem(
        await postJson(url("/api/v1/records?dryRun=yes"), sampleRecord(), stack.apiKey),
        400,
        "INVALID_PARAMETER",
      );
    });
  });

  describe("Idempotency-Key", () => {
    const post = (body: unknown, key: string, apiKey = stack.apiKey) =>
      postJson(url("/api/v1/records"), body, apiKey, { "idempotency-key": key });

    it("answers a retry with the first receipts and writes nothing twice", async () => {
      const body = { records: [sampleRecord(), sampleRecord()] };
      const first = await post(body, "bulk-2025-10-part-1");
      expect(first.status).to.equal(201);
      const before = await maxSeq();
      const again = await post(body, "bulk-2025-10-part-1");
      expect(again.status).to.equal(201);
      expect(again.headers.get("idempotent-replayed")).to.equal("true");
      expect(again.body).to.deep.equal(first.body);
      expect(await maxSeq()).to.equal(before);
    });

    it("refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing written", async () => {
      await post({ records: [sampleRecord()] }, "key-reused");
      const before = await maxSeq();
      const other = await post({ records: [sampleRecord()] }, "key-reused");
      expectProblem(other, 422, "IDEMPOTENCY_KEY_REUSED");
      expect(await maxSeq()).to.equal(before);
    });

    it("writes once when the same request races itself", async () => {
      const body = { records: [sampleRecord(), sampleRecord(), sampleRecord()] };
      const before = await maxSeq();
      const answers = await Promise.all(Array.from({ length: 6 }, () => post(body, "racing")));
      expect(answers.map((a) => a.status)).to.deep.equal(Array(6).fill(201));
      const seqs = answers.map((a) => (a.body.receipts as Receipt[]).map((r) => r.seq).join(","));
      expect(new Set(seqs).size).to.equal(1);
      expect(await maxSeq()).to.equal(before + 3);
    });

    it("keeps keys per publisher", async () => {
      const other = await addPublisher(stack.server.store, `other-${Date.now()}`);
      const a = await post({ records: [sampleRecord()] }, "per-publisher");
      const b = await post({ records: [sampleRecord()] }, "per-publisher", other.key);
      expect([a.status, b.status]).to.deep.equal([201, 201]);
      expect((a.body.receipts as Receipt[])[0]!.seq).to.not.equal((b.body.receipts as Receipt[])[0]!.seq);
    });

    it("does not hold a refused request's key: the corrected body may use it", async () => {
      expectProblem(await post({ records: [sampleRecord({ amount: "x" })] }, "fix-me"), 400, "INVALID_RECORD");
      expect((await post({ records: [sampleRecord()] }, "fix-me")).status).to.equal(201);
    });

    it("refuses a malformed key", async () => {
      expectProblem(await post(sampleRecord(), "x".repeat(101)), 400, "INVALID_PARAMETER");
      expectProblem(await post(sampleRecord(), "has space"), 400, "INVALID_PARAMETER");
    });
  });

  describe("documents", () => {
    it("stores a document under its keccak-256 and serves it to anyone, sandboxed", async () => {
      const hash = hashOf(PDF);
      const stored = await put(hash, PDF, "application/pdf");
      expect(stored.status, JSON.stringify(stored.body)).to.equal(201);
      expect((await put(hash.toUpperCase().replace("0X", "0x"), PDF, "application/pdf")).status).to.equal(200);
      const res = await fetch(url(`/api/v1/documents/${hash}`));
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.equal("application/pdf");
      expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
      expect(res.headers.get("content-security-policy")).to.match(/sandbox/);
      expect(res.headers.get("access-control-allow-origin")).to.equal("*");
      expect(hashOf(new Uint8Array(await res.arrayBuffer()))).to.equal(hash);
    });

    it("refuses a body whose hash is not the path's: 422 DOCUMENT_HASH_MISMATCH, nothing stored", async () => {
      const sha256Looking = `0x${"ab".repeat(32)}`;
      const answer = await put(sha256Looking, PDF, "application/pdf");
      expectProblem(answer, 422, "DOCUMENT_HASH_MISMATCH");
      expect(answer.body.actual).to.equal(hashOf(PDF));
      expectProblem(await getJson(url(`/api/v1/documents/${sha256Looking}`)), 404, "DOCUMENT_NOT_FOUND");
    });

    it("refuses a type it does not take, and a body that is not what its type says", async () => {
      const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
      expectProblem(await put(hashOf(html), html, "text/html"), 415, "UNSUPPORTED_MEDIA_TYPE");
      expectProblem(await put(hashOf(html), html, "application/pdf"), 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("is exported to a mirror with the records that name it, and only those bytes", async () => {
      const text = new TextEncoder().encode(`grant agreement ${Date.now()}`);
      const hash = hashOf(text);
      expect((await put(hash, text, "text/plain")).status).to.equal(201);
      const unstored = `0x${"cd".repeat(32)}`;
      const [receipt] = await postRecords(stack, [
        sampleRecord({ documentHash: hash }),
        sampleRecord({ documentHash: unstored }),
      ]);
      await stack.waitForAnchored(receipt!.seq + 1);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-mirror-docs-"));
      let printed = "";
      const io = {
        out: (t: string) => void (printed += t),
        err: (t: string) => void (printed += t),
        errIsTty: false,
        now: () => Math.floor(Date.now() / 1000),
      };
      expect(await runExport(["--server", stack.baseUrl, "--out", out], io), printed).to.equal(0);
      expect(fs.readdirSync(path.join(out, "documents"))).to.include(hash);
      expect(fs.readdirSync(path.join(out, "documents"))).to.not.include(unstored);
      expect(hashOf(fs.readFileSync(path.join(out, "documents", hash)))).to.equal(hash);
      expect(printed).to.match(/\d+ document\(s\) copied/);
    });

    it("needs the publisher key to store, and refuses more than 20 MB", async () => {
      expectProblem(await put(hashOf(PDF), PDF, "application/pdf", null), 401, "UNAUTHORIZED");
      // The server answers on the declared length, before the body: send the headers and wait for that answer.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(url(`/api/v1/documents/0x${"00".repeat(32)}`), {
          method: "PUT",
          headers: {
            "content-type": "application/octet-stream",
            "content-length": String(MAX_DOCUMENT_BYTES + 1),
            authorization: `Bearer ${stack.apiKey}`,
          },
        });
        req.on("response", (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => {
            resolve({ status: res.statusCode!, body });
            req.destroy();
          });
        });
        req.on("error", reject);
        req.write(Buffer.alloc(1024));
      });
      expect(answer.status).to.equal(413);
      expect(JSON.parse(answer.body).code).to.equal("PAYLOAD_TOO_LARGE");
      expectProblem(await getJson(url("/api/v1/documents/0x12")), 400, "INVALID_PARAMETER");
    });
  });

  describe("errors that show the refused value and say what was expected", () => {
    const messageOf = async (record: object) => {
      const answer = await postJson(url("/api/v1/records"), record, stack.apiKey);
      expectProblem(answer, 400, "INVALID_RECORD");
      return (answer.body.errors as { message: string }[]).map((e) => e.message).join(" | ");
    };

    it("a date string: unix seconds, e.g. 1761955200", async () => {
      const message = await messageOf({ ...sampleRecord(), occurredAt: "2025-10-15" });
      expect(message).to.contain("unix seconds").and.contain("1761955200").and.contain('"2025-10-15"');
    });

    it("a millisecond timestamp: named as milliseconds, with the seconds", async () => {
      const message = await messageOf({ ...sampleRecord(), occurredAt: 1760486400000 });
      expect(message).to.contain("milliseconds").and.contain("1760486400");
    });

    it("thousands separators: said so, with the value", async () => {
      const message = await messageOf({ ...sampleRecord(), valueUsd: "13,440,000.00" });
      expect(message).to.contain("no thousands separators").and.contain('"13,440,000.00"');
    });

    it("a lower-case asset: asset symbols are upper case: BTC", async () => {
      expect(await messageOf({ ...sampleRecord(), asset: "btc" })).to.contain("asset symbols are upper case: BTC");
    });

    it("INVALID_JSON names the line and column", async () => {
      const answer = await postJson(url("/api/v1/records"), '{\n  "kind": "GRANT",\n  "asset" "BTC"\n}', stack.apiKey);
      expectProblem(answer, 400, "INVALID_JSON");
      expect(answer.body).to.include({ line: 3, column: 11 });
      expect(answer.body.detail).to.contain("line 3, column 11");
    });
  });
});
