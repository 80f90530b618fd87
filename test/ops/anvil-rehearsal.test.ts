/**
 * The runbook rehearsed end to end on a node that is not Hardhat's: anvil, chain id 7777, a block a second, fresh
 * keys. By the commands docs/OPERATIONS.md gives, as child processes: deploy by `--network custom`, status, the
 * settings template filled and loaded with `set -a`, `npm start` (refused without PUBLIC_RPC_URLS), a publisher
 * added with the server's settings loaded, records published and anchored, a pause and an unpause (no anchor
 * reverted), `aiqyn verify` against the trust file, the page's verdict in real Chromium, and a re-deploy after
 * the node is reset with the same chain id.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEther, Wallet } from "ethers";
import type { DeploymentFile } from "../../server/anchoring/deployment-check";
import { getJson } from "../helpers/http";
import { postRecords, sampleRecord } from "../helpers/stack";
import { waitFor } from "../helpers/wait";
import { screenshot, startBrowser, verdictOf, withCheckedPage, type Browser } from "../web/browser";
import {
  expectOk as ok,
  expectStrictBarKeyAdmin,
  removeIgnitionDeployments,
  ROOT,
  run,
  startAnvil,
  type LocalNode,
  fillTemplate,
  spawnGroup,
} from "./helpers";

const CHAIN_ID = 7777;

describe("ops: the runbook on anvil (chain 7777), from deploy to the page's verdict", function () {
  this.timeout(600_000);

  let work: string;
  let node: LocalNode;
  let env: Record<string, string>;
  let deployment: DeploymentFile;
  let envFile: string;
  let server: ReturnType<typeof spawnGroup> | undefined;
  let url: string;
  let publisherKey: string;
  let browser: Browser | null = null;
  const anchorer = Wallet.createRandom();
  const pauser = Wallet.createRandom();
  const ids: string[] = [];
  const ops = (...args: string[]) => run("npm", ["run", "--silent", "ops", "--", ...args, "--network", "custom"], env);
  const deploy = (id: string) => {
    ids.push(id);
    const roles = ["--admin", node.accounts[1]!, "--anchorer", anchorer.address, "--pauser", pauser.address];
    return run(
      "npm",
      ["run", "--silent", "deploy", "--", "--network", "custom", ...roles, "--yes", "--deployment-id", id],
      env,
    );
  };
  // The parent's settings must not leak in: the file alone configures the server.
  const cleanEnv = () => {
    const clean = { ...process.env };
    for (const name of ["RPC_URL", "REGISTRY_ADDRESS", "ANCHORER_KEY", "ANCHORER_KEY_FILE", "DATA_DIR", "PORT"])
      delete clean[name];
    return clean;
  };
  const withSettings = (command: string) => `set -a; . ${envFile}; set +a; ${command}`;
  const anchored = (seq: number) =>
    waitFor(
      `seq ${seq} anchored`,
      async () =>
        (await getJson<{ status?: string }>(`${url}/api/v1/records/${seq}`)).body.status === "anchored" ? true : null,
      120_000,
      250,
    );

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-anvil-"));
    node = await startAnvil(path.join(work, "anvil.log"), CHAIN_ID, 1);
    env = { ...node.env, CUSTOM_PAUSER_KEY: pauser.privateKey, DEPLOYMENTS_DIR: path.join(work, "deployments") };
    // Step 3, fund: the anchorer and the pauser are fresh keys, funded from the deployer like from a faucet.
    const funder = new Wallet(node.keys[0]!, node.provider);
    for (const to of [anchorer.address, pauser.address]) {
      await (await funder.sendTransaction({ to, value: parseEther("1") })).wait();
    }
    browser = await startBrowser();
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
    await node?.stop();
    await removeIgnitionDeployments(...ids);
    await rm(work, { recursive: true, force: true });
  });

  it("deploys by --network custom and status --strict finds the deployment consistent", async function () {
    const r = await deploy(`test-anvil-${process.pid}-${Date.now()}`);
    ok(r, "deploy");
    deployment = JSON.parse(await readFile(path.join(work, "deployments", "custom.json"), "utf8")) as DeploymentFile;
    expect(deployment.chainId).to.equal(CHAIN_ID);
    expect(r.stdout).to.contain(
      `npx hardhat verify --network custom ${deployment.address} ${deployment.constructorArgs.join(" ")}`,
    );
    const status = await ops("status", "--strict");
    expectStrictBarKeyAdmin(status, "status --strict");
    expect(status.stdout).to.contain("consistent with the chain").and.contain(anchorer.address);
  });

  it("starts from the filled template only with PUBLIC_RPC_URLS, and a publisher is added to the server's store", async function () {
    const keyFile = path.join(work, "anchorer.key");
    await writeFile(keyFile, `${anchorer.privateKey}\n`, { mode: 0o600 });
    const template = await readFile(path.join(ROOT, "deploy", "aiqyn.env.example"), "utf8");
    envFile = path.join(work, "aiqyn.env");
    const values: Record<string, string> = {
      RPC_URL: node.rpcUrl,
      CHAIN_ID: String(CHAIN_ID),
      REGISTRY_ADDRESS: deployment.address,
      DEPLOYMENT_FILE: path.join(work, "deployments", "custom.json"),
      MAX_ANCHOR_DELAY_SECONDS: deployment.constructorArgs[3]!,
      ANCHORER_KEY_FILE: keyFile,
      DATA_DIR: path.join(work, "data"),
      PORT: "0",
      CONFIRMATIONS: "2",
      BATCH_INTERVAL_MS: "1000",
    };
    await writeFile(envFile, fillTemplate(template, values), { mode: 0o600 });
    const refused = spawnGroup("bash", ["-c", withSettings("exec npm start")], cleanEnv());
    expect(await refused.exited).to.not.equal(0);
    expect(refused.output()).to.contain("PUBLIC_RPC_MISSING").and.contain("PUBLIC_RPC_URLS=none");

    await writeFile(envFile, fillTemplate(template, { ...values, PUBLIC_RPC_URLS: node.rpcUrl }), { mode: 0o600 });
    server = spawnGroup("bash", ["-c", withSettings("exec npm start")], cleanEnv());
    url = await waitFor(
      "aiqyn listening",
      () => {
        if (server!.child.exitCode !== null) throw new Error(`npm start exited: ${server!.output()}`);
        return /aiqyn listening on (http:\/\/\S+)/.exec(server!.output())?.[1] ?? null;
      },
      300_000,
      250,
    );
    const treasuryKey = path.join(work, "treasury.key");
    const added = spawnGroup(
      "bash",
      ["-c", withSettings(`npm run --silent publisher -- add treasury --key-file ${treasuryKey}`)],
      cleanEnv(),
    );
    expect(await added.exited, added.output()).to.equal(0);
    expect(added.output()).to.contain(`store: ${path.join(work, "data", "aiqyn.sqlite")}`);
    publisherKey = (await readFile(treasuryKey, "utf8")).trim();
  });

  it("anchors what is published, across a pause and an unpause, with no anchor reverted", async function () {
    const [first] = await postRecords({ baseUrl: url, apiKey: publisherKey }, [sampleRecord({ asset: "BTC" })]);
    await anchored(first!.seq);
    ok(await ops("pause"), "pause");
    const ready = await waitFor("readyz to name the pause", async () => {
      const r = await getJson<{ checks: { anchoring: { code?: string } } }>(`${url}/readyz`);
      return r.body.checks?.anchoring?.code === "REGISTRY_PAUSED" ? r : null;
    });
    expect(ready.status).to.equal(503);
    const [second] = await postRecords({ baseUrl: url, apiKey: publisherKey }, [sampleRecord({ asset: "ETH" })]);
    ok(await ops("unpause"), "unpause");
    await anchored(second!.seq);
    const sent = await node.provider.getTransactionCount(anchorer.address, "latest");
    expect(sent, "one anchor transaction per batch, none reverted").to.equal(2);
    const status = await ops("status", "--server", url, "--strict");
    expectStrictBarKeyAdmin(status, "status --server --strict");
  });

  it("the auditor's CLI verifies against the trust file, and the page says anchored in Chromium", async function () {
    const bundleFile = path.join(work, "bundle-1.json");
    const bundle = await getJson<object>(`${url}/api/v1/records/1/proof`);
    await writeFile(bundleFile, JSON.stringify(bundle.body));
    const trust = path.join(work, "deployments", "custom.aiqyn-trust.json");
    const verified = await run(
      path.join(ROOT, "bin", "aiqyn"),
      ["verify", bundleFile, "--rpc", node.rpcUrl, "--trust", trust],
      {},
    );
    ok(verified, "aiqyn verify");
    expect(verified.stdout).to.contain("ANCHORED");
    if (!browser) return this.skip();
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${url}/verify/1`);
      expect(await verdictOf(page)).to.equal("anchored");
      await screenshot(page, "anvil-rehearsal-anchored");
    });
  });

  it("after the node is reset with the same chain id, deploys again with the fresh journal it offers", async function () {
    await server?.stop();
    server = undefined;
    await node.stop();
    node = await startAnvil(path.join(work, "anvil-reset.log"), CHAIN_ID, 1);
    env = { ...env, ...node.env };
    const again = await run(
      "npm",
      [
        "run",
        "--silent",
        "deploy",
        "--",
        "--network",
        "custom",
        "--admin",
        node.accounts[1]!,
        "--yes",
        "--deployment-id",
        ids[0]!,
      ],
      env,
    );
    expect(again.code, again.stdout + again.stderr).to.equal(2);
    const offered = /--deployment-id (\S+)/.exec(again.stderr)?.[1];
    expect(offered, again.stderr).to.match(/^chain-7777-/);
    const fresh = await deploy(offered!);
    ok(fresh, "deploy with the offered id");
    const redeployed = JSON.parse(
      await readFile(path.join(work, "deployments", "custom.json"), "utf8"),
    ) as DeploymentFile;
    expect(await node.provider.getCode(redeployed.address)).to.not.equal("0x");
  });
});
