// core's one verifier over the real chain: one JSON-RPC batch request per verdict (plus the role-history
// scan), the pending receipt judged by the registry's own maxAnchorDelay(), and two RPCs that must agree.
import { expect } from "chai";
import http from "node:http";
import type net from "node:net";
import {
  agreeingChainReads,
  createHttpRpc,
  makeTrustRoot,
  parseBundle,
  leafHash,
  receiptDigest,
  rpcChainReads,
  validateRecord,
  verifyPendingReceipt,
  verifyPinnedBundle,
  type ProofBundle,
  type Receipt,
  type RecordV1,
} from "../../core";
import { getBytes } from "ethers";
import { readBody } from "../cli/fixtures";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

interface Recorder {
  url: string;
  bodies: unknown[];
  close(): Promise<void>;
}

/** A pass-through JSON-RPC proxy that records every POST body it forwards. */
async function startRecorder(upstream: string): Promise<Recorder> {
  const bodies: unknown[] = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    bodies.push(JSON.parse(body));
    const answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
    res.writeHead(200, { "content-type": "application/json" }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Call = { id: unknown; method: string; params: unknown[] };
type Answer = { id: unknown; result?: unknown };

/** A JSON-RPC proxy that forwards everything and rewrites the answers `lie` chooses (single and batch calls). */
async function startLiar(upstream: string, lie: (call: Call, result: unknown) => unknown): Promise<Recorder> {
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const answer = (await (
      await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body })
    ).json()) as Answer | Answer[];
    const calls = ([] as Call[]).concat(JSON.parse(body) as Call | Call[]);
    const rewrite = (a: Answer) => {
      const call = calls.find((c) => c.id === a.id);
      return call && "result" in a ? { ...a, result: lie(call, a.result) } : a;
    };
    const out = Array.isArray(answer) ? answer.map(rewrite) : rewrite(answer);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    bodies: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const methods = (body: unknown) => (Array.isArray(body) ? body : [body]).map((c: { method: string }) => c.method);

describe("core/verify/verifier: the pinned verifier against the real chain", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let recorder: Recorder;
  let bundle: ProofBundle;

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 200 });
    await postRecords(stack, [sampleRecord(), sampleRecord({ asset: "BNB" })]);
    await stack.waitForAnchored(2);
    bundle = parseBundle(await (await fetch(`${stack.baseUrl}/api/v1/records/2/proof`)).json());
    recorder = await startRecorder(stack.rpcUrl);
    deploymentBlock = ((await (await fetch(`${stack.baseUrl}/api/v1/registry`)).json()) as { deploymentBlock: number })
      .deploymentBlock;
  });

  after(async () => {
    await recorder?.close();
    await stack?.stop();
  });

  let deploymentBlock = 0;
  // The registry's own deployment block: the role-history scan covers its life only (one eth_getLogs here).
  const trust = () => makeTrustRoot(stack.chainId, stack.registryAddress, deploymentBlock);
  const reads = (url: string) => rpcChainReads(createHttpRpc(url, { fetch: globalThis.fetch }), trust());
  // The record's whole batch, as the server serves it: it binds the record to its seq (leaf-position).
  const whole = {
    batchEntries: async (id: number) =>
      ((await (await fetch(`${stack.baseUrl}/api/v1/batches/${id}/records`)).json()) as { records: [] }).records,
  };

  it("a verdict's chain reads, the role history with them, leave as ONE batch request: one round trip", async () => {
    recorder.bodies.length = 0;
    const report = await verifyPinnedBundle(bundle, trust(), reads(recorder.url), whole);
    expect(report.verdict).to.equal("anchored");
    // The role is granted by the registry's constructor: the deployment block's time is asked with the logs.
    expect(methods(recorder.bodies[0]).sort()).to.deep.equal(
      [
        "eth_call",
        "eth_call",
        "eth_chainId",
        "eth_getTransactionReceipt",
        "eth_getLogs",
        "eth_getBlockByNumber",
      ].sort(),
    );
    expect(recorder.bodies, "round trips").to.have.length(1);

    const { receipt: _receipt, ...withoutReceipt } = bundle;
    recorder.bodies.length = 0;
    expect((await verifyPinnedBundle(withoutReceipt, trust(), reads(recorder.url), whole)).verdict).to.equal(
      "anchored",
    );
    expect(recorder.bodies.length, "round trips without a receipt").to.equal(1);
  });

  it("an RPC that will not give the whole log range in one answer gets the chunked scan, and the same verdict", async () => {
    const refusing = await startLiar(stack.rpcUrl, (call, result) =>
      call.method === "eth_getLogs" && (call.params[0] as { toBlock?: string }).toBlock === "latest"
        ? "refused"
        : result,
    );
    try {
      const report = await verifyPinnedBundle(bundle, trust(), reads(refusing.url), whole);
      expect(report.verdict).to.equal("anchored");
      expect(report.checks.find((c) => c.id === "receipt-role")?.ok).to.equal(true);
    } finally {
      await refusing.close();
    }
  });

  it("a pending receipt is judged by the registry's own maxAnchorDelay(): pending, then overdue", async () => {
    const item = (await (await fetch(`${stack.baseUrl}/api/v1/records/1`)).json()) as {
      record: unknown;
      receipt: Receipt;
    };
    const record = validateRecord(item.record);
    if (!record.ok) throw new Error("the server served an invalid record");
    const delay = 3600; // deployTestRegistry's default, read here from the contract by the verifier
    const at = item.receipt.publishedAt;
    const onTime = await verifyPendingReceipt(record.value, item.receipt, trust(), reads(stack.rpcUrl), at + delay);
    expect(onTime.verdict).to.equal("pending");
    expect(onTime.promisedBy).to.equal(at + delay);
    expect(onTime.checks.map((c) => [c.id, c.ok])).to.deep.equal([
      ["receipt", true],
      ["chain-id", true],
      ["receipt-role", true],
      ["published-at", true],
      ["anchor-deadline", true],
    ]);
    const late = await verifyPendingReceipt(record.value, item.receipt, trust(), reads(stack.rpcUrl), at + delay + 1);
    expect(late.verdict).to.equal("overdue");
  });

  it("a receipt signed with a publishedAt more than 300 s ahead is a mismatch, never pending for ever", async () => {
    const item = (await (await fetch(`${stack.baseUrl}/api/v1/records/1`)).json()) as { record: RecordV1 };
    // The shared Hardhat chain's clock can run ahead of the wall clock (other suites set block times): judge on
    // the later of the two, so the signer's role grant lies in the past as it does on a real chain.
    const latest = await stack.provider.getBlock("latest");
    const now = Math.max(Math.floor(Date.now() / 1000), latest!.timestamp);
    for (const [ahead, verdict] of [
      [300, "pending"],
      [301, "mismatch"],
      [10 * 365 * 86_400, "mismatch"],
    ] as const) {
      const record = { ...item.record, publishedAt: now + ahead };
      const leaf = leafHash(record);
      const digest = receiptDigest(stack.chainId, stack.registryAddress, record.seq, leaf, record.publishedAt);
      const signature = (await stack.wallets.anchorer.signMessage(getBytes(digest))) as `0x${string}`;
      const receipt = {
        seq: record.seq,
        leaf,
        publishedAt: record.publishedAt,
        signer: stack.wallets.anchorer.address,
        signature,
      };
      const report = await verifyPendingReceipt(record, receipt, trust(), reads(stack.rpcUrl), now);
      expect(report.verdict, `${ahead} s ahead`).to.equal(verdict);
      expect(report.checks.find((c) => c.id === "published-at")?.ok, `${ahead} s ahead`).to.equal(
        verdict === "pending",
      );
    }
  });

  it("two RPCs that agree verify; an RPC on a dead port beside them is chain-unavailable, never anchored", async () => {
    const both = agreeingChainReads(reads(stack.rpcUrl), reads(recorder.url));
    expect((await verifyPinnedBundle(bundle, trust(), both, whole)).verdict).to.equal("anchored");
    const dead = agreeingChainReads(reads(stack.rpcUrl), reads("http://127.0.0.1:9"));
    const report = await verifyPinnedBundle(bundle, trust(), dead);
    expect(report.verdict).to.equal("chain-unavailable");
    expect(report.chainError?.code).to.equal("RPC_UNREACHABLE");
  });

  it("two RPCs must agree on maxAnchorDelay(), the role history and the anchoring receipt, else RPCS_DISAGREE", async () => {
    const noArgCall = (c: Call) => c.method === "eth_call" && (c.params[0] as { data: string }).data.length === 10;
    const lies: [string, (c: Call, r: unknown) => unknown, (both: ReturnType<typeof reads>) => Promise<unknown>][] = [
      [
        "maxAnchorDelay",
        (c, r) => (noArgCall(c) ? `0x${(7200).toString(16).padStart(64, "0")}` : r),
        (b) => b.maxAnchorDelay(),
      ],
      ["role history", (c, r) => (c.method === "eth_getLogs" ? [] : r), (b) => b.anchorerHistory()],
      [
        "receipt",
        (c, r) => (c.method === "eth_getTransactionReceipt" ? { ...(r as object), status: "0x0" } : r),
        (b) => b.transactionReceipt(bundle.anchor.txHash),
      ],
    ];
    for (const [what, lie, read] of lies) {
      const liar = await startLiar(stack.rpcUrl, lie);
      try {
        const error = await read(agreeingChainReads(reads(stack.rpcUrl), reads(liar.url))).then(
          () => null,
          (e: { code?: string }) => e,
        );
        expect(error?.code, what).to.equal("RPCS_DISAGREE");
        await read(agreeingChainReads(reads(stack.rpcUrl), reads(recorder.url))); // honest pair: no error
      } finally {
        await liar.close();
      }
    }
  });

  it("the transport: calls of one tick share one POST; answers are matched by id; one error fails only its call", async () => {
    const posts: unknown[] = [];
    const server = http.createServer(async (req, res) => {
      const calls = JSON.parse(await readBody(req)) as { id: number; method: string }[];
      posts.push(calls);
      const answers = calls.map((c) =>
        c.method === "eth_fail"
          ? { jsonrpc: "2.0", id: c.id, error: { code: 3, message: "execution reverted" } }
          : { jsonrpc: "2.0", id: c.id, result: c.method },
      );
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers.reverse()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const rpc = createHttpRpc(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { fetch });
      const results = await Promise.allSettled([rpc("eth_a", []), rpc("eth_fail", []), rpc("eth_b", [])]);
      expect(posts.length).to.equal(1);
      expect(
        results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as { code: string }).code)),
      ).to.deep.equal(["eth_a", "RPC_ERROR", "eth_b"]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("without the batch's records a two-record batch is position-unchecked: the chain's reads alone never say anchored", async () => {
    const report = await verifyPinnedBundle(bundle, trust(), reads(stack.rpcUrl));
    expect(report.verdict).to.equal("position-unchecked");
    expect(report.checks.at(-1)).to.deep.include({ id: "leaf-position", ok: null });
    const failing = await verifyPinnedBundle(bundle, trust(), reads(stack.rpcUrl), {
      batchEntries: () => Promise.reject(new Error("source down")),
    });
    expect(failing.verdict).to.equal("position-unchecked");
  });

  it("a trust root on another chain: the bundle is another registry's, and the chain is never asked", async () => {
    recorder.bodies.length = 0;
    const elsewhere = makeTrustRoot(1, stack.registryAddress, 0);
    const report = await verifyPinnedBundle(
      bundle,
      elsewhere,
      rpcChainReads(createHttpRpc(recorder.url, { fetch }), elsewhere),
    );
    expect(report.verdict).to.equal("other-registry");
    expect(report.checks[0]).to.deep.include({ id: "trust-root", ok: false });
    expect(recorder.bodies).to.deep.equal([]);
  });
});
