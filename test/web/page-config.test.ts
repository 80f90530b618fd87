// The page's trust root comes from the deployment that serves it: the server bakes its own chain, registry,
// deployment block and PUBLIC_RPC_URLS into index.html; /api/v1/registry never publishes the private RPC_URL.
import { expect } from "chai";
import { parseTrustRoot } from "../../core/index";
import { loadConfig } from "../../server/config";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import fs from "node:fs";
import path from "node:path";
import { withPageConfig } from "../../server/http/page-config";
import { buildBakedPage, ensurePageBuilt } from "./browser";

const PUBLIC = ["https://rpc-one.example.org", "https://rpc-two.example.org/v1"];
const OLD_REGISTRY = `0x${"ab".repeat(20)}`;

function bakedConfig(html: string): Record<string, unknown> {
  const match = /<meta name="aiqyn-config" content="([^"]*)" \/>/.exec(html);
  expect(match, "the aiqyn-config meta").to.not.equal(null);
  const text = match![1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return JSON.parse(text) as Record<string, unknown>;
}

describe("web: the page configuration baked by the serving deployment", function () {
  this.timeout(120_000);
  let stack: TestStack;

  before(async function () {
    ensurePageBuilt();
    stack = await startTestStack({
      server: { publicRpcUrls: PUBLIC, supersededRegistries: [OLD_REGISTRY] },
    });
    await postRecords(stack, [sampleRecord()]);
  });

  after(async () => {
    await stack?.stop();
  });

  it("PUBLIC_RPC_URLS and SUPERSEDED_REGISTRIES are comma-separated lists, each item checked", function () {
    const ok = loadConfig({ PUBLIC_RPC_URLS: ` ${PUBLIC.join(" , ")} `, SUPERSEDED_REGISTRIES: OLD_REGISTRY }, []);
    expect(ok.ok && ok.config.publicRpcUrls).to.deep.equal(PUBLIC);
    expect(ok.ok && ok.config.supersededRegistries).to.deep.equal([OLD_REGISTRY]);
    const bad = loadConfig({ PUBLIC_RPC_URLS: "https://a.example, ftp://b", SUPERSEDED_REGISTRIES: "0x12" }, []);
    expect(bad.ok).to.equal(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(problems.some((p) => p.startsWith("PUBLIC_RPC_URLS") && p.includes("ftp://b"))).to.equal(true);
    expect(problems.some((p) => p.startsWith("SUPERSEDED_REGISTRIES"))).to.equal(true);
    const old = loadConfig({ PUBLIC_RPC_URL: PUBLIC[0] }, []);
    expect(old.ok === false && old.problems.some((p) => p.includes("replaced by PUBLIC_RPC_URLS"))).to.equal(true);
  });

  it("every page route carries the server's own trust root, public RPCs and superseded registries", async function () {
    const info = (await (await fetch(`${stack.baseUrl}/api/v1/registry`)).json()) as Record<string, unknown>;
    for (const route of ["/", "/index.html", "/verify/1", "/fund"]) {
      const answer = await fetch(`${stack.baseUrl}${route}`, { headers: { accept: "text/html" } });
      expect(answer.status, route).to.equal(200);
      const config = bakedConfig(await answer.text());
      const trust = parseTrustRoot(config.trust);
      expect(trust, route).to.deep.equal({
        format: "aiqyn-trust/1",
        chainId: stack.chainId,
        registry: stack.registryAddress,
        deploymentBlock: info.deploymentBlock,
      });
      expect(config.rpcUrls, route).to.deep.equal(PUBLIC);
      expect(config.superseded, route).to.deep.equal([
        {
          chainId: stack.chainId,
          registry: OLD_REGISTRY,
          note: "superseded: replaced after its keys were compromised",
        },
      ]);
      expect(JSON.stringify(config)).to.not.contain(stack.rpcUrl); // the private RPC_URL stays private
    }
  });

  it("URLs holding $-patterns ($$, $`, $', $&) are baked verbatim, by the server and by the static build", function () {
    const rpcUrls = ["https://rpc.example.org/$$/$`/x", "https://rpc.example.org/$'/$&/y"];
    const trust = { format: "aiqyn-trust/1", chainId: 31337, registry: `0x${"12".repeat(20)}`, deploymentBlock: 1 };
    const template = '<head><meta name="aiqyn-config" content="" /></head><body>tail</body>';
    const served = withPageConfig(template, { trust, rpcUrls, explorerUrl: null, superseded: [] } as never);
    expect(bakedConfig(served).rpcUrls).to.deep.equal(rpcUrls);
    expect(served.endsWith("<body>tail</body>")).to.equal(true);
    const built = fs.readFileSync(path.join(buildBakedPage(trust, rpcUrls), "index.html"), "utf8");
    expect(bakedConfig(built).rpcUrls).to.deep.equal(rpcUrls);
    expect(bakedConfig(built).trust).to.deep.equal(trust);
  });

  it("/api/v1/registry publishes the first public RPC, and null (never RPC_URL) without one", async function () {
    const info = (await (await fetch(`${stack.baseUrl}/api/v1/registry`)).json()) as { rpcUrl: unknown };
    expect(info.rpcUrl).to.equal(PUBLIC[0]);
    const bare = await startTestStack({ server: { publicRpcUrls: [] } });
    try {
      const answer = (await (await fetch(`${bare.baseUrl}/api/v1/registry`)).json()) as { rpcUrl: unknown };
      expect(answer.rpcUrl).to.equal(null);
    } finally {
      await bare.stop();
    }
  });
});
