/**
 * The runbook's hardest procedures, by the real commands against a real `hardhat node` whose chain id is not
 * 31337 (a testnet stand-in: role changes need --yes there) and the real server as a child process:
 *   1. the thief drill: a leaked anchorer key anchors a batch first → the server halts → pause → deploy a new
 *      registry (the old deployment file kept) → reanchor → every record verifies on the new registry with the
 *      auditor's CLI, and the thief's batch is in the evidence, in the store's data dir and in the mirror;
 *   2. a stale backup recovered from a mirror with nothing lost, checked against the chain.
 */
import { expect } from "chai";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { Contract, keccak256, Wallet } from "ethers";
import type { DeploymentFile } from "../../server/anchoring/deployment-check";
import type { StoreCheck } from "../../scripts/ops/store-check";
import { openSqliteStore } from "../../server/store/sqlite";
import { spawnServer, type ChildServer } from "../helpers/child-server";
import { getJson } from "../helpers/http";
import { postRecords, sampleRecord } from "../helpers/stack";
import { waitFor } from "../helpers/wait";
import {
  deployWithRoles,
  expectOk as ok,
  removeIgnitionDeployments,
  ROOT,
  run,
  runOps,
  startNode,
  type LocalNode,
} from "./helpers";

const CHAIN_ID = 31338;

describe("ops: the thief drill and a stale restore, by the real commands on a testnet stand-in", function () {
  this.timeout(300_000);

  let node: LocalNode;
  let work: string;
  let env: Record<string, string>;
  let deployments: string;
  let admin: string, pauser: string;
  let oldAnchorerKey: string, newAnchorerKey: string;
  let oldRegistry: string, newRegistry: string;
  let dataDir: string;
  let publisherKey: string;
  let server: ChildServer | undefined;
  const ids: string[] = [];
  let thiefRoot: string;
  let thiefTx: string;
  const receiptsBefore = new Map<number, { signer: string; signature: string }>();

  const ops = (...args: string[]) => runOps(env, ...args);
  const deployment = async (file = "localhost.json") =>
    JSON.parse(await readFile(path.join(deployments, file), "utf8")) as DeploymentFile;
  const registryAt = async (address: string) =>
    new Contract(address, (await hre.artifacts.readArtifact("TransparencyRegistry")).abi, node.provider);
  const deploy = async (anchorer: string, ...extra: string[]) => {
    const id = `test-drill-${process.pid}-${Date.now()}`;
    ids.push(id);
    return deployWithRoles(env, { admin, anchorer, pauser }, id, ...extra);
  };
  const startServer = async (registry: string, key: string, dir = dataDir) => {
    server = spawnServer({
      RPC_URL: node.rpcUrl,
      CHAIN_ID: String(CHAIN_ID),
      REGISTRY_ADDRESS: registry,
      ANCHORER_KEY: key,
      DATA_DIR: dir,
      DEPLOYMENT_FILE: path.join(deployments, "localhost.json"),
      PUBLIC_RPC_URLS: node.rpcUrl, // chain 31338 is not local: the page needs an RPC of its own
      BATCH_INTERVAL_MS: "200",
      CONFIRMATIONS: "1", // the node mines only when sent a transaction: deeper confirmations would never come
      ANCHOR_RETRY_MAX_MS: "500",
    });
    return server.url;
  };
  const stopServer = async () => {
    await server?.stop();
    server = undefined;
  };
  const anchoredThrough = async (url: string, seq: number) =>
    waitFor(`seq ${seq} anchored`, async () => {
      const r = await getJson<{ status?: string }>(`${url}/api/v1/records/${seq}`);
      return r.body.status === "anchored" ? true : null;
    });

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-drill-"));
    node = await startNode(path.join(work, "node.log"), CHAIN_ID);
    deployments = path.join(work, "deployments");
    env = { ...node.env, DEPLOYMENTS_DIR: deployments };
    [, admin, , pauser] = node.accounts as [string, string, string, string];
    // The server's keys are its own: a server refuses the node's well-known keys on a chain that is not local.
    oldAnchorerKey = Wallet.createRandom().privateKey;
    newAnchorerKey = Wallet.createRandom().privateKey;
    for (const key of [oldAnchorerKey, newAnchorerKey])
      await node.provider.send("hardhat_setBalance", [new Wallet(key).address, "0x56BC75E2D63100000"]);
    dataDir = path.join(work, "data");
  });

  after(async function () {
    await stopServer();
    await node?.stop();
    await removeIgnitionDeployments(...ids);
    await rm(work, { recursive: true, force: true });
  });

  it("deploy writes the deployment file and the aiqyn-trust/1 root, and prints the trust root", async function () {
    const r = await deploy(new Wallet(oldAnchorerKey).address);
    ok(r, "deploy");
    const d = await deployment();
    oldRegistry = d.address;
    const trust = JSON.parse(await readFile(path.join(deployments, "localhost.aiqyn-trust.json"), "utf8"));
    expect(trust).to.deep.equal({
      format: "aiqyn-trust/1",
      chainId: CHAIN_ID,
      registry: d.address,
      deploymentBlock: d.block,
    });
    expect(r.stdout).to.contain('"format": "aiqyn-trust/1"').and.contain(d.address);
  });

  it("the publisher command prints only the key on stdout, or writes it to a 0600 file", async function () {
    const penv = { ...env, DATA_DIR: dataDir };
    // The publisher command never creates a store: here the store the server would create at its first start.
    await openSqliteStore(dataDir).close();
    const r = await run("npm", ["run", "--silent", "publisher", "--", "add", "treasury"], penv);
    ok(r, "publisher add");
    expect(r.stdout).to.match(/^aiq_[A-Za-z0-9_-]+\n$/);
    expect(r.stderr).to.contain("publisher treasury added");
    publisherKey = r.stdout.trim();
    const keyFile = path.join(work, "auditor.key");
    ok(
      await run("npm", ["run", "--silent", "publisher", "--", "add", "auditor", "--key-file", keyFile], penv),
      "add --key-file",
    );
    expect((await stat(keyFile)).mode & 0o777).to.equal(0o600);
    expect(await readFile(keyFile, "utf8")).to.match(/^aiq_\S+\n$/);
    const again = await run("npm", ["run", "--silent", "publisher", "--", "add", "third", "--key-file", keyFile], penv);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.contain("exists");
  });

  it("a leaked key anchors batch 2 first: the server halts on the conflict instead of overwriting anything", async function () {
    const url = await startServer(oldRegistry, oldAnchorerKey);
    const first = await postRecords({ baseUrl: url, apiKey: publisherKey }, [
      sampleRecord(),
      sampleRecord(),
      sampleRecord(),
    ]);
    await anchoredThrough(url, 3);
    for (const r of first) receiptsBefore.set(r.seq, { signer: r.signer, signature: r.signature });

    // The thief, with the server's own key: batch 2 := a root of its choosing, for seqs 4–5.
    const thief = new Wallet(oldAnchorerKey, node.provider);
    thiefRoot = keccak256(Buffer.from("the thief's root"));
    const tx = await (await registryAt(oldRegistry)).connect(thief).getFunction("anchor").send(2, thiefRoot, 4, 2);
    thiefTx = (await tx.wait())!.hash;

    const later = await postRecords({ baseUrl: url, apiKey: publisherKey }, [sampleRecord(), sampleRecord()]);
    for (const r of later) receiptsBefore.set(r.seq, { signer: r.signer, signature: r.signature });
    const ready = await waitFor("the halt", async () => {
      const r = await getJson(`${url}/readyz`);
      return JSON.stringify(r.body).includes("REGISTRY_CONFLICT") ? r : null;
    });
    expect(ready.status).to.equal(503);
    await stopServer();
  });

  it("pause, then check-store names the sealed batch the chain holds with another root", async function () {
    ok(await ops("pause"), "pause");
    const r = await ops("check-store", "--data-dir", dataDir, "--json");
    expect(r.code, r.stderr).to.equal(4);
    const check = JSON.parse(r.stdout) as StoreCheck;
    expect(check.verdict).to.equal("conflict");
    expect(check.problems.join("\n")).to.contain("batch 2").and.contain(thiefRoot);
  });

  it("deploy refuses to replace a live registry's file without --supersede, and with it keeps the old file", async function () {
    const before = await readFile(path.join(deployments, "localhost.json"), "utf8");
    const refused = await deploy(new Wallet(newAnchorerKey).address);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain("--supersede");
    expect(await readFile(path.join(deployments, "localhost.json"), "utf8")).to.equal(before);

    ok(await deploy(new Wallet(newAnchorerKey).address, "--supersede"), "deploy --supersede");
    newRegistry = (await deployment()).address;
    expect(newRegistry).to.not.equal(oldRegistry);
    expect(await readFile(path.join(deployments, `localhost.${oldRegistry}.json`), "utf8")).to.equal(before);
    const oldTrust = JSON.parse(
      await readFile(path.join(deployments, `localhost.${oldRegistry}.aiqyn-trust.json`), "utf8"),
    );
    expect(oldTrust.registry).to.equal(oldRegistry);
  });

  it("reanchor moves the store to the new registry and records the old one and the thief's batch as evidence", async function () {
    const mirror = path.join(work, "mirror");
    await mkdir(mirror);
    const keyFile = path.join(work, "anchorer.key");
    await writeFile(keyFile, `${newAnchorerKey}\n`, { mode: 0o644 });
    env.ANCHORER_KEY_FILE = keyFile;
    const loose = await ops("reanchor", "--to", newRegistry, "--data-dir", dataDir, "--mirror", mirror);
    expect(loose.code).to.equal(2);
    expect(loose.stderr).to.contain("chmod 600");
    await chmod(keyFile, 0o600);
    const r = await ops("reanchor", "--to", newRegistry, "--data-dir", dataDir, "--mirror", mirror);
    ok(r, "reanchor");
    expect(r.stdout).to.contain("1 foreign").and.contain(`SUPERSEDED_REGISTRIES=${oldRegistry}`);

    const name = `${CHAIN_ID}-${oldRegistry}.json`;
    const evidence = JSON.parse(await readFile(path.join(dataDir, "superseded", name), "utf8"));
    expect(await readFile(path.join(mirror, "superseded", name), "utf8")).to.equal(
      await readFile(path.join(dataDir, "superseded", name), "utf8"),
    );
    expect(r.stdout)
      .to.contain("evidence written to")
      .and.contain(path.join(mirror, "superseded", name));
    expect(evidence).to.include({
      format: "aiqyn-superseded/1",
      chainId: CHAIN_ID,
      registry: oldRegistry,
      chainBatchCount: 2,
    });
    expect(evidence.supersededBy).to.include({ format: "aiqyn-trust/1", registry: newRegistry });
    expect(evidence.ourBatches.map((b: { id: number }) => b.id)).to.deep.equal([1]);
    expect(evidence.foreignBatches).to.have.length(1);
    expect(evidence.foreignBatches[0]).to.include({
      id: 2,
      root: thiefRoot,
      firstSeq: 4,
      leafCount: 2,
      txHash: thiefTx,
    });
    const kept = new Map(evidence.receipts.map((x: { seq: number; signer: string; signature: string }) => [x.seq, x]));
    for (const [seq, receipt] of receiptsBefore) expect(kept.get(seq)).to.include(receipt);

    const again = await ops("reanchor", "--to", newRegistry, "--data-dir", dataDir);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.contain("already anchors to");
    delete env.ANCHORER_KEY_FILE;
  });

  it("the server on the new registry anchors every record again, and each verifies there with the auditor's CLI", async function () {
    const url = await startServer(newRegistry, newAnchorerKey);
    await anchoredThrough(url, 5);
    const trustFile = path.join(deployments, "localhost.aiqyn-trust.json");
    const help = await run(path.join(ROOT, "bin/aiqyn"), ["verify", "--help"], env);
    const pin = help.stdout.includes("--trust") ? ["--trust", trustFile] : ["--registry", newRegistry];
    for (let seq = 1; seq <= 5; seq++) {
      const bundle = await getJson<{ anchor: { registry: string }; receipt?: unknown }>(
        `${url}/api/v1/records/${seq}/proof`,
      );
      expect(bundle.body.anchor.registry).to.equal(newRegistry);
      // Its receipt names the superseded registry: kept as evidence (above), never served for the new one.
      expect(bundle.body).not.to.have.property("receipt");
      const file = path.join(work, `bundle-${seq}.json`);
      await writeFile(file, JSON.stringify(bundle.body));
      const verified = await run(
        path.join(ROOT, "bin/aiqyn"),
        ["verify", file, "--rpc", node.rpcUrl, ...pin, "--server", url],
        env,
      );
      expect(verified.code, `${verified.stdout}\n${verified.stderr}`).to.equal(0);
    }
    const chain = await registryAt(newRegistry);
    expect(Number(await chain.getFunction("nextSeq").staticCall())).to.equal(6);
    ok(await ops("check-store", "--data-dir", dataDir), "check-store on the new registry");
  });

  it("a stale backup is recovered from the mirror with nothing lost, checked against the chain", async function () {
    const url = await server!.url;
    const backup = path.join(work, "stale.sqlite");
    ok(
      await run("npm", ["run", "--silent", "backup-store", "--", "--data-dir", dataDir, "--out", backup], env),
      "backup",
    );
    expect((await stat(backup)).mode & 0o777).to.equal(0o600);
    await postRecords({ baseUrl: url, apiKey: publisherKey }, [sampleRecord(), sampleRecord()]);
    await postRecords({ baseUrl: url, apiKey: publisherKey }, [sampleRecord({ asset: "ETH" })]);
    await anchoredThrough(url, 8);
    const mirror = path.join(work, "mirror-new");
    ok(
      await run(path.join(ROOT, "bin/aiqyn"), ["export", "--server", url, "--out", mirror, "--bundles"], env),
      "export",
    );
    const live = new Map<number, unknown>();
    for (let seq = 1; seq <= 8; seq++) live.set(seq, (await getJson(`${url}/api/v1/records/${seq}/proof`)).body);
    await stopServer();

    const restored = path.join(work, "restored");
    await mkdir(restored);
    await writeFile(path.join(restored, "aiqyn.sqlite"), await readFile(backup));
    const stale = await ops("check-store", "--data-dir", restored, "--json");
    expect(stale.code).to.equal(4);
    expect((JSON.parse(stale.stdout) as StoreCheck).verdict).to.equal("stale");

    // A lying mirror: the last batch's anchoring transaction and time are invented, and seq 7's receipt carries
    // a publishedAt of its own beside the right leaf. None of it may reach the store.
    const indexFile = path.join(mirror, "index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8")) as { batches: Record<string, unknown>[] };
    Object.assign(index.batches.at(-1)!, { txHash: `0x${"ee".repeat(32)}`, blockNumber: 1, anchoredAt: 1 });
    await writeFile(indexFile, JSON.stringify(index));
    const bundleFile = path.join(mirror, "bundles", "7.json");
    const bundle = JSON.parse(await readFile(bundleFile, "utf8")) as { receipt: { publishedAt: number } };
    bundle.receipt.publishedAt += 1;
    await writeFile(bundleFile, JSON.stringify(bundle));

    const recover = ["recover-store", "--from-mirror", mirror, "--data-dir", restored];
    const r = await runOps({ ...env, ANCHORER_KEY: newAnchorerKey }, ...recover);
    ok(r, "recover-store");
    // seq 7's receipt is signed again by the key that held the role then: the very same bytes (RFC 6979).
    expect(r.stdout).to.contain("→ OK").and.contain("1 receipt(s) re-signed");
    const store = openSqliteStore(restored);
    expect(await store.maxSeq()).to.equal(8);
    await store.close();

    const again = await startServer(newRegistry, newAnchorerKey, restored);
    for (let seq = 1; seq <= 8; seq++) {
      expect((await getJson(`${again}/api/v1/records/${seq}/proof`)).body, `seq ${seq}`).to.deep.equal(live.get(seq));
    }
    await stopServer();
    const files = await readdir(path.join(mirror, "bundles"));
    expect(files).to.have.length(8);
  });
});
