// Unit tests of the CLI's pure parts and its transports (real sockets on 127.0.0.1, no chain).
import { expect } from "chai";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, ZERO_BYTES32, AiqynError } from "../../core";
import { checkChainBatch, checkListedBatch } from "../../scripts/cli/audit/check-batch";
import { CorrectionsTracker } from "../../scripts/cli/audit/corrections";
import { FindingCollector } from "../../scripts/cli/audit/findings";
import { Progress } from "../../scripts/cli/audit/progress";
import { mirrorSource } from "../../scripts/cli/audit/source";
import { agreesWithCore, fastKeccak } from "../../scripts/cli/fast-keccak";
import { fetchJson } from "../../scripts/cli/http";
import { createHttpRpc } from "../../scripts/cli/rpc";
import { chainBatchFor, makeRecord, readBody, startServer } from "./fixtures";

const codes = (findings: { code: string }[]) => findings.map((f) => f.code).sort();

describe("cli: batch checks", () => {
  const records = [1, 2, 3, 4, 5].map((seq) => makeRecord(seq));
  const chain = chainBatchFor(1, records);

  it("the chain's own seq continuity and head chain", () => {
    expect(checkChainBatch(1, chain, 1, ZERO_BYTES32)).to.deep.equal([]);
    expect(codes(checkChainBatch(1, chain, 0, ZERO_BYTES32))).to.deep.equal(["SEQ_GAP"]);
    expect(codes(checkChainBatch(1, chain, 2, ZERO_BYTES32))).to.deep.equal(["SEQ_OVERLAP"]);
    expect(codes(checkChainBatch(1, { ...chain, firstSeq: 1 }, 1, `0x${"11".repeat(32)}`))).to.deep.equal([
      "HEAD_MISMATCH",
    ]);
    const second = chainBatchFor(2, [makeRecord(6)], chain.head);
    expect(checkChainBatch(2, second, 6, chain.head)).to.deep.equal([]);
    expect(codes(checkChainBatch(2, second, 5, chain.head))).to.deep.equal(["SEQ_GAP"]);
  });

  it("the source's listing against the chain", () => {
    const listed = { status: "anchored", root: chain.root, firstSeq: 1, leafCount: 5, head: chain.head };
    expect(checkListedBatch(1, chain, listed)).to.deep.equal([]);
    expect(codes(checkListedBatch(1, chain, { ...listed, status: "submitted", head: null }))).to.deep.equal([
      "BATCH_UNANCHORED_ON_SERVER",
    ]);
    expect(codes(checkListedBatch(1, chain, { ...listed, leafCount: 4 }))).to.deep.equal(["BATCH_METADATA_MISMATCH"]);
  });
});

describe("cli: corrections and findings", () => {
  it("corrects must name an earlier record; correcting a voided record is flagged", () => {
    const tracker = new CorrectionsTracker();
    expect(tracker.add(makeRecord(1), 1)).to.deep.equal([]);
    expect(tracker.add(makeRecord(2, { corrects: 1 }), 1)).to.deep.equal([]);
    expect(tracker.add(makeRecord(3, { kind: "RETRACTION", amount: "0", corrects: 1 }), 1)).to.deep.equal([]);
    expect(codes(tracker.add(makeRecord(4, { corrects: 1 }), 2))).to.deep.equal(["CORRECTS_VOIDED_RECORD"]);
    expect(codes(tracker.add(makeRecord(5, { corrects: 5 }), 2))).to.deep.equal(["CORRECTS_INVALID"]);
    expect(codes(tracker.add(makeRecord(3_000_000_123, { corrects: 3_000_000_124 }), 3))).to.deep.equal([
      "CORRECTS_INVALID",
    ]);
  });

  it("the collector counts everything but keeps a bounded number per code", () => {
    const collector = new FindingCollector(3);
    for (let i = 0; i < 10; i++) collector.add({ code: "SEQ_GAP", seq: i, message: "gap" });
    collector.add({ code: "RECEIPT_PENDING", message: "later" });
    expect(collector.list()).to.have.length(4);
    expect(collector.bySeverity).to.deep.equal({ error: 10, warning: 0, info: 1 });
    expect(collector.counts().find((c) => c.code === "SEQ_GAP")).to.deep.include({ count: 10, listed: 3 });
  });
});

describe("cli: progress bar", () => {
  it("draws on a terminal writer only, and ends its line", () => {
    const written: string[] = [];
    const progress = new Progress((text) => written.push(text), 4);
    progress.update(2, 2000, 1, true);
    progress.finish();
    expect(written[0]).to.match(/^\r\[#{15} {15}\] 2\/4 batches · 2000 records · \d+\/s · 1 finding\(s\) $/);
    expect(written[1]).to.equal("\n");
    const silent = new Progress(null, 4);
    silent.update(4, 10, 0, true);
    silent.finish(); // no writer (not a terminal): nothing to draw, nothing thrown
  });
});

describe("cli: fast keccak", () => {
  it("hash-wasm is chosen only because it equals core's keccak256", async () => {
    const choice = await fastKeccak();
    expect(choice.name).to.equal("hash-wasm");
    const data = new TextEncoder().encode("aiqyn");
    expect(Buffer.from(choice.keccak(data)).toString("hex")).to.equal(Buffer.from(keccak256(data)).toString("hex"));
    expect(agreesWithCore((d) => keccak256(d).map((b, i) => (i === 0 ? b ^ 1 : b)))).to.equal(false);
  });
});

describe("cli: JSON-RPC transport", () => {
  it("returns results and turns every failure into a coded error", async () => {
    const server = await startServer(async (req, res) => {
      const body = JSON.parse(await readBody(req)) as { id: number; method: string };
      if (req.url === "/hang") return; // never answers
      if (req.url === "/garbage") return void res.end("<html>hello</html>");
      if (req.url === "/wrong-id")
        return void res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id + 1, result: "0x1" }));
      if (req.url === "/status") return void res.writeHead(502).end("bad gateway");
      if (body.method === "eth_fail")
        return void res.end(
          JSON.stringify({ jsonrpc: "2.0", id: body.id, error: { code: 3, message: "execution reverted" } }),
        );
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x7a69" }));
    });
    const failure = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        expect(error).to.be.instanceOf(AiqynError);
        return (error as AiqynError).code;
      }
      throw new Error("expected a failure");
    };
    try {
      expect(await createHttpRpc(server.url)("eth_chainId", [])).to.equal("0x7a69");
      expect(await failure(createHttpRpc(server.url)("eth_fail", []))).to.equal("RPC_ERROR");
      expect(await failure(createHttpRpc(`${server.url}/garbage`)("eth_chainId", []))).to.equal("RPC_BAD_ANSWER");
      expect(await failure(createHttpRpc(`${server.url}/wrong-id`)("eth_chainId", []))).to.equal("RPC_BAD_ANSWER");
      expect(await failure(createHttpRpc(`${server.url}/status`)("eth_chainId", []))).to.equal("RPC_UNREACHABLE");
      expect(await failure(createHttpRpc(`${server.url}/hang`, { timeoutMs: 300 })("eth_chainId", []))).to.equal(
        "RPC_TIMEOUT",
      );
    } finally {
      await server.close();
    }
    expect(await failure(createHttpRpc(server.url)("eth_chainId", []))).to.equal("RPC_UNREACHABLE");
  });
});

describe("cli: untrusted sources", () => {
  it("fetchJson reports a stall, an endless body and garbage as values", async () => {
    const server = await startServer((req, res) => {
      if (req.url === "/stall") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"records": [');
        return; // and never more
      }
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(64 * 1024);
        const pump = () => {
          while (res.write(chunk));
          res.once("drain", pump);
        };
        res.on("error", () => undefined);
        return pump();
      }
      if (req.url === "/garbage") return void res.end("\u0000\u0001 not json");
      if (req.url === "/problem")
        return void res
          .writeHead(404, { "content-type": "application/problem+json" })
          .end('{"code":"BATCH_NOT_FOUND"}');
      res.end('{"ok":true}');
    });
    try {
      const opts = { timeoutMs: 400, maxBytes: 1024 * 1024 };
      expect(await fetchJson(`${server.url}/ok`, opts)).to.deep.include({ ok: true, json: { ok: true } });
      expect(await fetchJson(`${server.url}/stall`, opts)).to.deep.include({ ok: false, kind: "timeout" });
      expect(await fetchJson(`${server.url}/big`, opts)).to.deep.include({ ok: false, kind: "too-large" });
      expect(await fetchJson(`${server.url}/garbage`, opts)).to.deep.include({ ok: false, kind: "not-json" });
      const problem = await fetchJson(`${server.url}/problem`, opts);
      expect(problem).to.deep.include({ ok: false, kind: "http-status", status: 404 });
      expect(problem.ok === false && problem.message).to.contain("BATCH_NOT_FOUND");
    } finally {
      await server.close();
    }
  });

  it("a mirror cannot point the audit outside its directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiqyn-mirror-"));
    await mkdir(join(dir, "batches"));
    const registry = { chainId: 31337, registry: `0x${"ab".repeat(20)}`, maxAnchorDelaySeconds: 60 };
    await writeFile(
      join(dir, "index.json"),
      JSON.stringify({
        format: "aiqyn-mirror/1",
        exportedAt: 1,
        registry,
        batches: [
          { id: 1, status: "anchored", file: "../../../etc/passwd" },
          { id: 2, status: "anchored", file: "batches/000002.json" },
        ],
      }),
    );
    await writeFile(join(dir, "batches", "000002.json"), "{ not json");
    const source = mirrorSource(dir);
    expect(await source.registryInfo()).to.deep.include({ ok: true });
    const escaped = await source.batchRecords(1, 1);
    expect(escaped.ok === false && escaped.message).to.contain("outside the mirror");
    const garbage = await source.batchRecords(2, 1);
    expect(garbage.ok === false && garbage.message).to.contain("not JSON");
    const absent = await source.batchRecords(3, 1);
    expect(absent).to.deep.include({ ok: false, missing: true });
  });
});
