// core/chains/evm/json-rpc.ts's simpleRequest: the body as text/plain first (a CORS simple request, no preflight), asked
// again as application/json where the node refuses it (geth's 415, anvil's id-less "Invalid request").
import { expect } from "chai";
import { createHttpRpc } from "../../core/chains/evm/json-rpc";

type Node = (contentType: string, body: { id: number }[] | { id: number }) => { status: number; body: unknown };

/** A fetch over `node`, recording each request's content type. */
function fakeFetch(node: Node) {
  const types: string[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const type = (init.headers as Record<string, string>)["content-type"]!;
    types.push(type);
    const answer = node(type, JSON.parse(init.body as string));
    return new Response(answer.status === 200 ? JSON.stringify(answer.body) : "", { status: answer.status });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, types };
}

const result = (body: { id: number }[] | { id: number }) =>
  Array.isArray(body)
    ? body.map(({ id }) => ({ jsonrpc: "2.0", id, result: "0x1" }))
    : { jsonrpc: "2.0", id: body.id, result: "0x1" };

describe("core: JSON-RPC as a CORS simple request", function () {
  it("sends text/plain first and keeps it when the node reads it (Hardhat)", async function () {
    const { fetch, types } = fakeFetch((_type, body) => ({ status: 200, body: result(body) }));
    let refused = 0;
    const rpc = createHttpRpc("http://rpc", { fetch, simpleRequest: { refused: () => refused++ } });
    expect(await Promise.all([rpc("eth_chainId", []), rpc("eth_blockNumber", [])])).to.deep.equal(["0x1", "0x1"]);
    expect(await rpc("eth_chainId", [])).to.equal("0x1");
    expect(types).to.deep.equal(["text/plain", "text/plain"]);
    expect(refused).to.equal(0);
  });

  for (const [name, refusal] of [
    ["HTTP 415 (geth, erigon)", { status: 415, body: null }],
    [
      "an id-less Invalid request (anvil)",
      { status: 200, body: { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid request" } } },
    ],
  ] as const) {
    it(`asks again as application/json after ${name}, and from then on`, async function () {
      const { fetch, types } = fakeFetch((type, body) =>
        type === "application/json" ? { status: 200, body: result(body) } : refusal,
      );
      let refused = 0;
      const rpc = createHttpRpc("http://rpc", { fetch, simpleRequest: { refused: () => refused++ } });
      expect(await rpc("eth_chainId", [])).to.equal("0x1");
      expect(await rpc("eth_chainId", [])).to.equal("0x1");
      expect(types).to.deep.equal(["text/plain", "application/json", "application/json"]);
      expect(refused).to.equal(1);
    });
  }

  it("does not ask again for the node's own answer to our request (an error with our id)", async function () {
    const { fetch, types } = fakeFetch((_type, body) => ({
      status: 200,
      body: { jsonrpc: "2.0", id: (body as { id: number }).id, error: { code: -32601, message: "no such method" } },
    }));
    const rpc = createHttpRpc("http://rpc", { fetch, simpleRequest: { refused: () => undefined } });
    const error = await rpc("eth_nothing", []).then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    expect(error).to.equal("RPC_ERROR");
    expect(types).to.deep.equal(["text/plain"]);
  });

  it("sends application/json without the option (the CLI: no CORS in Node)", async function () {
    const { fetch, types } = fakeFetch((_type, body) => ({ status: 200, body: result(body) }));
    expect(await createHttpRpc("http://rpc", { fetch })("eth_chainId", [])).to.equal("0x1");
    expect(types).to.deep.equal(["application/json"]);
  });
});
