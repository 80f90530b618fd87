// The demo's Bitcoin half (server/demo/bitcoin.ts): a bcoin regtest node in process, its Esplora endpoint with
// CORS, records that reconcile clean; bcoin never loads on the production path; the page config carries
// PUBLIC_ESPLORA_URLS.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { reconcile, registryCaip10, type RecordV1 } from "../../core";
import { createEsploraHttpGet } from "../../core/chains/bitcoin/esplora-http";
import { createEsploraReader } from "../../core/chains/bitcoin/esplora";
import { loadConfig } from "../../server/config";
import { startDemoBitcoin, type DemoBitcoin } from "../../server/demo/bitcoin";
import { pageConfig } from "../../server/http/page-config";

const ROOT = path.join(__dirname, "..", "..");

describe("the demo's Bitcoin node (server/demo/bitcoin.ts)", function () {
  this.timeout(180_000);
  let demo: DemoBitcoin;
  before(async () => {
    demo = await startDemoBitcoin();
  });
  after(() => demo?.close());

  it("serves Esplora with CORS open, and the fund's records reconcile clean against it", async () => {
    const tip = await fetch(`${demo.url}/blocks/tip/height`);
    expect(tip.headers.get("access-control-allow-origin")).to.equal("*");
    const registry = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const now = Math.floor(Date.now() / 1000);
    const inputs = await demo.fundRecords(registry, now);
    const records: RecordV1[] = inputs.map((r, i) => ({ ...r, seq: i + 1, publishedAt: now, publisher: "demo" }));
    const reader = createEsploraReader(demo.url, createEsploraHttpGet(demo.url, { fetch }));
    const toHeight = (await reader.tipHeight()) - 6;
    const report = await reconcile({ records, registry, chains: {}, bitcoin: { [demo.chain]: { reader, toHeight } } });
    expect(report.findings).to.deep.equal([]);
    expect(report.chains[0]).to.deep.include({ declarations: 2, snapshots: 2, movements: 6 });
    expect(records.filter((r) => r.kind === "INFLOW_MINING")).to.have.length(3);
  });

  it("keeps bcoin off the production path: the server's modules load without it", () => {
    const script = [
      "require('ts-node').register({ transpileOnly: true });",
      "require('./server/main'); require('./server/index'); require('./core');",
      "process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('/node_modules/bcoin/'))));",
    ].join(" ");
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.stdout, run.stderr).to.equal("false");
  });

  it("bakes PUBLIC_ESPLORA_URLS into the page config by chain, and refuses a malformed item", () => {
    const main = "bip122:000000000019d6689c085ae165831e93";
    const env = { PUBLIC_ESPLORA_URLS: `${main}=https://mempool.space/api,${main}=https://blockstream.info/api` };
    const loaded = loadConfig(env, []);
    expect(loaded.ok).to.equal(true);
    const config = loaded.ok ? loaded.config : null;
    const page = pageConfig(
      { chainId: 1, registry: `0x${"11".repeat(20)}`, deploymentBlock: 1, explorerUrl: null },
      [],
      [],
      config!.publicEsploraUrls,
    );
    expect(page.esploraUrls).to.deep.equal({ [main]: ["https://mempool.space/api", "https://blockstream.info/api"] });
    const bad = loadConfig({ PUBLIC_ESPLORA_URLS: "https://mempool.space/api" }, []);
    expect(!bad.ok && bad.problems.join()).to.contain("PUBLIC_ESPLORA_URLS");
  });
});
