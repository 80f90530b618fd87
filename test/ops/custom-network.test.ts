/**
 * `--network custom` on anvil (a second EVM node implementation), by the real commands as child processes:
 * the RPC and CUSTOM_CHAIN_ID checked against each other, a deploy to chain 7777, a role change that makes the
 * deployment file stale (status --strict fails, refresh-deployment fixes it), a node reset with the same chain id
 * (deploy notices the journal whose contract is gone and offers a fresh deployment id), and a known mainnet's
 * chain id (56), where a deploy needs --mainnet on top of --yes.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, Wallet } from "ethers";
import hre from "hardhat";
import type { DeploymentFile } from "../../server/anchoring/deployment-check";
import {
  expectOk as ok,
  expectStrictBarKeyAdmin,
  removeIgnitionDeployments,
  ROOT,
  run,
  startAnvil,
  type LocalNode,
} from "./helpers";

const CHAIN_ID = 7777;

describe("ops: any EVM chain by --network custom, on anvil", function () {
  this.timeout(300_000);

  let work: string;
  let node: LocalNode | undefined;
  let env: Record<string, string>;
  const ids: string[] = [];
  const custom = (extra: Record<string, string>, ...args: string[]) =>
    run("npm", ["run", "--silent", "ops", "--", ...args, "--network", "custom"], { ...env, ...extra });
  const ops = (...args: string[]) => custom({}, ...args);
  const deployment = async () =>
    JSON.parse(await readFile(path.join(env.DEPLOYMENTS_DIR!, "custom.json"), "utf8")) as DeploymentFile;
  const roles = () => {
    const [, admin, anchorer, pauser] = node!.accounts as [string, string, string, string];
    return ["--admin", admin, "--anchorer", anchorer, "--pauser", pauser];
  };
  const useNode = async (chainId: number) => {
    await node?.stop();
    node = await startAnvil(path.join(work, `anvil-${chainId}-${Date.now()}.log`), chainId);
    env = { ...node.env, CUSTOM_ADMIN_KEY: node.keys[1]!, DEPLOYMENTS_DIR: path.join(work, `deployments-${chainId}`) };
  };
  const freshId = (what: string) => {
    const id = `test-custom-${what}-${process.pid}-${Date.now()}`;
    ids.push(id);
    return id;
  };

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-custom-"));
    await useNode(CHAIN_ID);
  });

  after(async function () {
    await node?.stop();
    await removeIgnitionDeployments(...ids);
    await rm(work, { recursive: true, force: true });
  });

  it("names the variables to set when custom is not configured", async function () {
    const r = await custom({ CUSTOM_RPC_URL: "", CUSTOM_CHAIN_ID: "" }, "status");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("CUSTOM_RPC_URL and CUSTOM_CHAIN_ID");
  });

  it("refuses an RPC that reports another chain than CUSTOM_CHAIN_ID, sending nothing", async function () {
    const r = await custom({ CUSTOM_CHAIN_ID: String(CHAIN_ID + 1) }, "deploy", ...roles(), "--yes");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`reports chain ${CHAIN_ID}, but CUSTOM_CHAIN_ID is ${CHAIN_ID + 1}`);
    expect(await node!.provider.getTransactionCount(node!.accounts[0]!)).to.equal(0);
  });

  it("deploys to chain 7777 and prints the verify command with all four constructor arguments", async function () {
    const r = await ops("deploy", ...roles(), "--yes", "--deployment-id", freshId("first"));
    ok(r, "deploy");
    const d = await deployment();
    expect(d.chainId).to.equal(CHAIN_ID);
    expect(d.network).to.equal("custom");
    expect(await node!.provider.getCode(d.address)).to.not.equal("0x");
    expect(d.constructorArgs).to.have.length(4);
    expect(r.stdout).to.contain(`npx hardhat verify --network custom ${d.address} ${d.constructorArgs.join(" ")}`);
    expect(r.stdout).to.contain("RPC_URL=$CUSTOM_RPC_URL").and.contain(`CHAIN_ID=${CHAIN_ID}`);
    expectStrictBarKeyAdmin(await ops("status", "--strict"), "status --strict on a fresh deployment");
  });

  it("status --strict fails on a deployment file the chain has moved past, and refresh-deployment fixes it", async function () {
    // The admin acts elsewhere (a Safe batch executed in its own UI): the file on this machine is not told.
    const newPauser = Wallet.createRandom().address;
    const { abi } = await hre.artifacts.readArtifact("TransparencyRegistry");
    const admin = new Wallet(node!.keys[1]!, node!.provider);
    const registry = new Contract((await deployment()).address, abi, admin);
    const role = (await registry.getFunction("PAUSER_ROLE").staticCall()) as string;
    await (await registry.getFunction("grantRole").send(role, newPauser)).wait();
    const stale = await ops("status", "--strict");
    expect(stale.code, stale.stdout + stale.stderr).to.equal(3);
    expect(stale.stdout).to.contain("STALE").and.contain("npm run ops -- refresh-deployment --network custom");
    const refreshed = await ops("refresh-deployment");
    ok(refreshed, "refresh-deployment");
    expect(refreshed.stdout).to.contain(newPauser).and.contain("(was ");
    expect((await deployment()).roles.pausers).to.include(newPauser);
    expectStrictBarKeyAdmin(await ops("status", "--strict"), "status --strict after the refresh");
  });

  it("after a node reset with the same chain id, refuses the stale journal and deploys with the id it offers", async function () {
    const id = (await deployment()).ignitionDeploymentId!;
    expect(existsSync(path.join(ROOT, "ignition", "deployments", id, "deployed_addresses.json"))).to.equal(true);
    await useNode(CHAIN_ID); // the same chain id, an empty chain
    const again = await ops("deploy", ...roles(), "--yes", "--deployment-id", id);
    expect(again.code, again.stdout + again.stderr).to.equal(2);
    expect(again.stderr).to.contain(`has no code there`).and.not.contain("BAD_DATA");
    const offered = /--deployment-id (\S+)/.exec(again.stderr)?.[1];
    expect(offered).to.match(new RegExp(`^chain-${CHAIN_ID}-`));
    ids.push(offered!);
    const fresh = await ops("deploy", ...roles(), "--yes", "--deployment-id", offered!);
    ok(fresh, "deploy with the offered id");
    expect(await node!.provider.getCode((await deployment()).address)).to.not.equal("0x");
  });

  it("on a known mainnet's chain id, deploys only with --mainnet on top of --yes", async function () {
    await useNode(56);
    const refused = await ops("deploy", ...roles(), "--yes", "--deployment-id", freshId("bsc"));
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain("chain 56 is BNB Smart Chain mainnet").and.contain("--mainnet");
    expect(await node!.provider.getTransactionCount(node!.accounts[0]!)).to.equal(0);
    ok(await ops("deploy", ...roles(), "--yes", "--mainnet", "--deployment-id", freshId("bsc2")), "deploy --mainnet");
    const granted = await ops("grant-pauser", Wallet.createRandom().address, "--yes");
    expect(granted.code).to.equal(2);
    expect(granted.stderr).to.contain("--mainnet");
  });
});
