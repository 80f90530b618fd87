/**
 * The maintainers' whole flow, by the real commands as child processes against a real `hardhat node`:
 * deploy → hand the roles over (pauser, then admin to a "Safe") → rotate the anchorer (printed for the Safe and
 * sent directly) → pause → unpause → status. Every step is asserted on chain state and on the deployment file.
 */
import { expect } from "chai";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { Contract, getAddress, Interface, keccak256, type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { codeHash, type DeploymentFile } from "../../server/anchoring/deployment-check";
import type { StatusReport } from "../../scripts/ops/status";
import type { StoreCheck } from "../../scripts/ops/store-check";
import { openSqliteStore } from "../../server/store/sqlite";
import { expectOk as ok, removeIgnitionDeployments, ROOT, run, runOps, startNode, type LocalNode } from "./helpers";

const ADMIN = `0x${"0".repeat(64)}`;
const ANCHORER = keccak256(Buffer.from("ANCHORER_ROLE"));
const PAUSER = keccak256(Buffer.from("PAUSER_ROLE"));

describe("ops: deploy and operate a registry on a local node, by the real commands", function () {
  this.timeout(180_000);

  let node: LocalNode;
  let work: string;
  let rpcUrl: string;
  let provider: JsonRpcProvider;
  let env: Record<string, string>;
  let file: string;
  let registry: Contract;
  let registryAddress: string;
  let accounts: string[];
  let deployer: string, safe: string, anchorer: string, pauser: string, nextAnchorer: string, other: string;
  const deploymentId = `test-ops-${process.pid}-${Date.now()}`;

  const ops = (...args: string[]) => runOps(env, ...args);
  const deployment = async () => JSON.parse(await readFile(file, "utf8")) as DeploymentFile;
  const hasRole = async (role: string, account: string) =>
    (await registry.getFunction("hasRole").staticCall(role, account)) as boolean;
  const signer = (address: string): Promise<JsonRpcSigner> => provider.getSigner(address);

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-ops-"));
    node = await startNode(path.join(work, "node.log"));
    ({ rpcUrl, provider, accounts } = node);
    [deployer, safe, anchorer, pauser, nextAnchorer, other] = accounts as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    file = path.join(work, "deployments", "localhost.json");
    env = { ...node.env, DEPLOYMENTS_DIR: path.join(work, "deployments") };
  });

  after(async function () {
    await node?.stop();
    await removeIgnitionDeployments(deploymentId);
    await rm(work, { recursive: true, force: true });
  });

  it("deploy: refuses to renounce the deployer's roles when the deployer is the admin", async function () {
    const r = await ops(
      "deploy",
      "--admin",
      deployer,
      "--anchorer",
      anchorer,
      "--renounce-deployer",
      "--deployment-id",
      deploymentId,
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("without an admin");
    expect(await provider.getCode("0x5FbDB2315678afecb367f032d93F642f64180aa3")).to.equal("0x");
  });

  it("deploy: Ignition deploys with the given roles and writes the deployment file from the chain", async function () {
    // Rehearsal of the recommended real flow, with one twist to exercise the hand-over: the deployer is the
    // temporary admin and pauser here; on a testnet, deploy with --admin <Safe> directly.
    const r = await ops(
      "deploy",
      "--admin",
      deployer,
      "--anchorer",
      anchorer,
      "--pauser",
      deployer,
      "--deployment-id",
      deploymentId,
    );
    ok(r, "deploy");
    const d = await deployment();
    expect(r.stdout).to.contain(`REGISTRY_ADDRESS=${d.address}`).and.contain(`RPC_URL=${rpcUrl}`);
    expect(r.stdout).to.contain(
      `npx hardhat verify --network localhost ${d.address} ${deployer} ${anchorer} ${deployer}`,
    );
    expect(r.stdout).to.contain("transfer-admin");

    registryAddress = d.address;
    registry = new Contract(d.address, (await hre.artifacts.readArtifact("TransparencyRegistry")).abi, provider);
    expect(d.chainId).to.equal(31337);
    expect(d.deployer).to.equal(deployer);
    expect(d.bytecodeHash).to.equal(codeHash(await provider.getCode(d.address)));
    expect(d.block).to.equal(Number(await registry.getFunction("deploymentBlock").staticCall()));
    const receipt = await provider.getTransactionReceipt(d.transaction);
    expect(getAddress(receipt!.contractAddress!)).to.equal(d.address);
    expect(receipt!.blockNumber).to.equal(d.block);
    expect(d.roles).to.deep.equal({ admin: [deployer], anchorers: [anchorer], pausers: [deployer] });
    const solidity = hre.config.solidity.compilers[0]!;
    expect(d.compiler).to.include({
      solcVersion: solidity.version,
      optimizer: solidity.settings.optimizer.enabled,
      runs: solidity.settings.optimizer.runs,
      viaIR: solidity.settings.viaIR,
      evmVersion: solidity.settings.evmVersion,
    });
    expect(await hasRole(ANCHORER, anchorer)).to.equal(true);
  });

  it("deploy: refuses to overwrite the record of a live registry", async function () {
    const before = await readFile(file, "utf8");
    const r = await ops("deploy", "--admin", safe, "--deployment-id", `${deploymentId}-again`);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("already records a live registry").and.contain("--supersede");
    expect(await readFile(file, "utf8")).to.equal(before);
  });

  it("hand over: pauser to its own key, then the admin role to the Safe (grant first, then renounce)", async function () {
    ok(await ops("grant-pauser", pauser), "grant-pauser");
    ok(await ops("revoke-pauser", deployer), "revoke-pauser");
    const refused = await ops("transfer-admin", safe);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain("has no code").and.contain("--allow-eoa");
    expect(await hasRole(ADMIN, safe)).to.equal(false);
    const r = await ops("transfer-admin", safe, "--allow-eoa"); // a plain account stands in for the Safe here
    ok(r, "transfer-admin");
    expect(r.stdout).to.contain("plain key (--allow-eoa)");
    expect(await hasRole(ADMIN, safe)).to.equal(true);
    expect(await hasRole(ADMIN, deployer)).to.equal(false);
    expect(await hasRole(PAUSER, pauser)).to.equal(true);
    expect(await hasRole(PAUSER, deployer)).to.equal(false);
    expect((await deployment()).roles).to.deep.equal({ admin: [safe], anchorers: [anchorer], pausers: [pauser] });
  });

  it("role commands refuse a key that lacks the admin role, and send nothing", async function () {
    const r = await ops("grant-anchorer", other, "--from", deployer);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("does not hold DEFAULT_ADMIN_ROLE");
    expect(await hasRole(ANCHORER, other)).to.equal(false);
  });

  it("rotate-anchorer --print-tx: a Safe batch (grant new, then revoke old) that works when the Safe executes it", async function () {
    const r = await ops("rotate-anchorer", nextAnchorer, "--print-tx");
    ok(r, "rotate-anchorer --print-tx");
    const batch = JSON.parse(r.stdout) as {
      chainId: string;
      transactions: { to: string; value: string; data: string }[];
    };
    expect(batch.chainId).to.equal("31337");
    const iface = new Interface(["function grantRole(bytes32,address)", "function revokeRole(bytes32,address)"]);
    const calls = batch.transactions.map((tx) => {
      expect(getAddress(tx.to)).to.equal(registryAddress);
      expect(tx.value).to.equal("0");
      const parsed = iface.parseTransaction({ data: tx.data })!;
      return [parsed.name, parsed.args[0], getAddress(parsed.args[1] as string)];
    });
    expect(calls).to.deep.equal([
      ["grantRole", ANCHORER, nextAnchorer],
      ["revokeRole", ANCHORER, anchorer],
    ]);
    expect(await hasRole(ANCHORER, nextAnchorer), "printing must send nothing").to.equal(false);

    // The Safe executes the batch in order (here: the Safe's stand-in account sends each call).
    const safeSigner = await signer(safe);
    for (const tx of batch.transactions)
      await (await safeSigner.sendTransaction({ to: tx.to, data: tx.data, value: 0n })).wait();
    expect(await hasRole(ANCHORER, nextAnchorer)).to.equal(true);
    expect(await hasRole(ANCHORER, anchorer)).to.equal(false);
  });

  it("rotate-anchorer sent directly: the new key anchors, the old one is refused by the contract", async function () {
    ok(await ops("rotate-anchorer", anchorer), "rotate-anchorer back");
    expect(await hasRole(ANCHORER, anchorer)).to.equal(true);
    expect(await hasRole(ANCHORER, nextAnchorer)).to.equal(false);

    const root = keccak256(Buffer.from("batch 1"));
    await (
      await registry
        .connect(await signer(anchorer))
        .getFunction("anchor")
        .send(1, root, 1, 3)
    ).wait();
    expect(Number(await registry.getFunction("batchCount").staticCall())).to.equal(1);
    const revoked = registry
      .connect(await signer(nextAnchorer))
      .getFunction("anchor")
      .staticCall(2, root, 4, 1);
    await expectRevert(revoked, "AccessControlUnauthorizedAccount");
  });

  it("pause stops anchoring, unpause resumes it; both are no-ops when already in that state", async function () {
    const paused = await ops("pause");
    ok(paused, "pause");
    expect(paused.stdout).to.contain(`from ${pauser}`); // picked the key that holds PAUSER_ROLE
    expect(await registry.getFunction("paused").staticCall()).to.equal(true);
    const again = await ops("pause");
    ok(again, "pause again");
    expect(again.stdout).to.contain("nothing to do");

    const root = keccak256(Buffer.from("batch 2"));
    const anchor = registry.connect(await signer(anchorer)).getFunction("anchor");
    await expectRevert(anchor.staticCall(2, root, 4, 2), "EnforcedPause");
    const status = JSON.parse((await ops("status", "--json")).stdout) as StatusReport;
    expect(status.paused).to.equal(true);
    expect(status.warnings.join("\n")).to.contain("PAUSED");

    ok(await ops("unpause"), "unpause");
    expect(await registry.getFunction("paused").staticCall()).to.equal(false);
    await (await anchor.send(2, root, 4, 2)).wait();
  });

  it("status: batches, head, roles, balances with LOW BALANCE, the server's pending anchors, file consistency", async function () {
    let server: Server | undefined;
    try {
      // A stand-in for the Aiqyn server's two read endpoints (the real server is tested in test/server).
      server = createServer((req, res) => {
        res.setHeader("content-type", "application/json");
        if (req.url === "/readyz") res.end(JSON.stringify({ ok: true, pendingBatches: 2 }));
        else if (req.url === "/api/v1/stats") res.end(JSON.stringify({ anchoring: { pendingRecords: 7 } }));
        else res.writeHead(404).end("{}");
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };

      const r = await ops("status", "--json", "--server", `http://127.0.0.1:${port}`, "--batches", "1");
      ok(r, "status");
      const s = JSON.parse(r.stdout) as StatusReport;
      expect(s.registry).to.equal(registryAddress);
      expect(s).to.include({ chainId: 31337, paused: false, batchCount: 2, nextSeq: 6 });
      expect(s.head).to.equal(await registry.getFunction("head").staticCall());
      expect(s.lastBatches.map((b) => [b.id, b.firstSeq, b.leafCount])).to.deep.equal([[2, 4, 2]]);
      expect(s.roles).to.deep.equal({ admin: [safe], anchorers: [anchorer], pausers: [pauser] });
      expect(s.anchorerBalances.map((b) => [b.address, b.balanceWei, b.low])).to.deep.equal([
        [anchorer, (await provider.getBalance(anchorer)).toString(), false],
      ]);
      expect(s.server?.ready).to.equal(200);
      expect(s.server?.pending).to.deep.equal({ "readyz.pendingBatches": 2, "stats.anchoring.pendingRecords": 7 });
      expect(s.deploymentFile).to.include({ exists: true, consistent: true });
      expect(s.warnings).to.deep.equal([]);
    } finally {
      server?.close();
    }

    const low = await ops("status", "--min-balance", "1000000", "--strict");
    expect(low.code, "--strict exits 3 on a warning").to.equal(3);
    expect(low.stdout).to.contain(`LOW BALANCE: anchorer ${anchorer}`);

    // The human form names what a maintainer looks for.
    const text = await ops("status");
    ok(text, "status (text)");
    expect(text.stdout).to.contain("batches     2").and.contain("consistent with the chain");
  });

  it("status reports a deployment file that no longer matches the chain", async function () {
    const d = await deployment();
    const stale = path.join(work, "stale.json");
    await writeFile(stale, JSON.stringify({ ...d, bytecodeHash: `0x${"ab".repeat(32)}` }));
    const r = await ops("status", "--json", "--deployment", stale);
    const s = JSON.parse(r.stdout) as StatusReport;
    expect(s.deploymentFile.consistent).to.equal(false);
    expect(s.deploymentFile.problems.join()).to.contain("code hash");
  });

  it("backup-store copies a live store; check-store tells OK, STALE and CONFLICT against the chain", async function () {
    // The chain now holds batch 1 = seqs 1–3 ("batch 1") and batch 2 = seqs 4–5 ("batch 2").
    const makeStore = async (dir: string, lastSeq: number, roots: string[]) => {
      const store = openSqliteStore(dir);
      const input = {
        kind: "EXPENSE" as const,
        occurredAt: 1761955200,
        asset: "KZT",
        amount: "1",
        valueUsd: "1.00",
        counterparty: "custodian",
        reference: "invoice",
        documentHash: `0x${"0".repeat(64)}`,
        memo: "",
        corrects: 0,
      };
      const finish = () => ({ leaf: `0x${"0".repeat(64)}` as const, signature: "0x" as const, signer: anchorer });
      await store.appendRecords(
        Array.from({ length: lastSeq }, () => input),
        "treasury",
        finish,
        () => 1761955300,
      );
      const shapes = [
        { firstSeq: 1, leafCount: 3 },
        { firstSeq: 4, leafCount: 2 },
      ];
      for (const [i, root] of roots.entries()) {
        const { firstSeq, leafCount } = shapes[i]!;
        const proofs = Array.from({ length: leafCount }, () => []);
        const b = await store.sealBatch({
          firstSeq,
          leafCount,
          root: root as `0x${string}`,
          proofs,
          sealedAt: 1761955301,
        });
        await store.markAnchored(b.id, {
          txHash: `0x${"1".repeat(64)}`,
          blockNumber: 1,
          head: `0x${"2".repeat(64)}`,
          anchoredAt: 1,
        });
      }
      await store.setMeta("registry", `31337:${registryAddress}`);
      return store;
    };
    const b1 = keccak256(Buffer.from("batch 1"));
    const b2 = keccak256(Buffer.from("batch 2"));

    const live = await makeStore(path.join(work, "live"), 5, [b1, b2]);
    try {
      const backupFile = path.join(work, "backup.sqlite");
      const backup = await run(
        "npm",
        ["run", "--silent", "backup-store", "--", "--data-dir", path.join(work, "live"), "--out", backupFile],
        env,
      );
      ok(backup, "backup-store");
      expect(backup.stdout).to.contain("integrity ok; 5 records (last seq 5), 2 batches (2 anchored)");
      const restored = path.join(work, "restored");
      await mkdir(restored);
      await copyFile(backupFile, path.join(restored, "aiqyn.sqlite"));
      const good = await ops("check-store", "--data-dir", restored, "--json");
      ok(good, "check-store on a current backup");
      expect((JSON.parse(good.stdout) as StoreCheck).verdict).to.equal("ok");
    } finally {
      await live.close();
    }

    await (await makeStore(path.join(work, "stale"), 3, [b1])).close();
    const stale = await ops("check-store", "--data-dir", path.join(work, "stale"), "--json");
    expect(stale.code).to.equal(4);
    expect(JSON.parse(stale.stdout) as StoreCheck).to.include({ verdict: "stale", storeLastSeq: 3, chainNextSeq: 6 });

    await (await makeStore(path.join(work, "conflict"), 5, [b1, keccak256(Buffer.from("not batch 2"))])).close();
    const conflict = await ops("check-store", "--data-dir", path.join(work, "conflict"));
    expect(conflict.code).to.equal(4);
    expect(conflict.stdout).to.contain("CONFLICT").and.contain("batch 2");
  });

  it("hardhat run scripts/ops/deploy.ts (env-configured) renounces the deployer's own roles with RENOUNCE_DEPLOYER=1", async function () {
    const second = path.join(work, "second.json");
    const r = await run(
      path.join(ROOT, "node_modules/.bin/hardhat"),
      ["run", "scripts/ops/deploy.ts", "--network", "localhost"],
      {
        ...env,
        ADMIN_ADDRESS: safe,
        ANCHORER_ADDRESS: anchorer,
        PAUSER_ADDRESS: deployer,
        RENOUNCE_DEPLOYER: "1",
        DEPLOYMENT_FILE: second,
        IGNITION_DEPLOYMENT_ID: deploymentId + "-env",
      },
    );
    await removeIgnitionDeployments(`${deploymentId}-env`);
    ok(r, "hardhat run deploy.ts");
    expect(r.stdout).to.contain("Deployer renounced PAUSER_ROLE");
    const d = JSON.parse(await readFile(second, "utf8")) as DeploymentFile;
    expect(d.address).to.not.equal(registryAddress);
    expect(d.roles).to.deep.equal({ admin: [safe], anchorers: [anchorer], pausers: [] });
    const fresh = registry.attach(d.address) as Contract;
    expect(await fresh.getFunction("hasRole").staticCall(PAUSER, deployer)).to.equal(false);
    expect(await fresh.getFunction("hasRole").staticCall(ADMIN, safe)).to.equal(true);
  });
});

async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const e = error as { revert?: { name?: string } };
    expect(e.revert?.name).to.equal(errorName);
    return;
  }
  expect.fail(`expected a revert with ${errorName}`);
}
