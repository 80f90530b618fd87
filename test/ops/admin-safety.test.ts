/**
 * No ops command can hand the registry to an address that cannot act, or send by surprise: by the real
 * commands against a `hardhat node` with chain id 31338 (a testnet stand-in). The new admin is a real Safe 1.4.1
 * (2-of-3, server/demo/safe.ts), so the test also shows it can act through execTransaction; the one stand-in
 * left is the broken case, a contract compiled here with solc that does not answer as a Safe.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { Contract, ContractFactory, keccak256, NonceManager, Wallet, ZeroAddress } from "ethers";
import { createSafe, deploySafeInfrastructure, type DemoSafe } from "../../server/demo/safe";
import {
  deployWithRoles,
  expectOk as ok,
  removeIgnitionDeployments,
  runOps,
  startNode,
  type LocalNode,
  type Run,
} from "./helpers";

const ADMIN = `0x${"0".repeat(64)}`;
const ANCHORER = keccak256(Buffer.from("ANCHORER_ROLE"));

const SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;
contract NotASafe { uint256 public x; }`;

interface Compiled {
  abi: unknown[];
  evm: { bytecode: { object: string } };
}

function compile(): Record<string, Compiled> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { "NotASafe.sol": { content: SOURCE } },
    settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    contracts: Record<string, Record<string, Compiled>>;
    errors?: { severity: string; formattedMessage: string }[];
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return output.contracts["NotASafe.sol"]!;
}

describe("ops: transfer-admin and role changes cannot lose the registry or send by surprise", function () {
  this.timeout(240_000);

  let node: LocalNode;
  let work: string;
  let env: Record<string, string>;
  let registry: Contract;
  let admin: string, anchorer: string, pauser: string, other: string;
  let safe: DemoSafe, notASafe: string;
  const id = `test-admin-${process.pid}-${Date.now()}`;

  const ops = (...args: string[]) => runOps(env, ...args);
  const refused = (r: Run, text: string) => {
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(2);
    expect(r.stderr).to.contain(text);
  };
  const hasRole = async (role: string, account: string) =>
    (await registry.getFunction("hasRole").staticCall(role, account)) as boolean;

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-admin-"));
    node = await startNode(path.join(work, "node.log"), 31338);
    env = { ...node.env, DEPLOYMENTS_DIR: path.join(work, "deployments") };
    [, admin, anchorer, pauser, other] = node.accounts as [string, string, string, string, string];
    const r = await deployWithRoles(env, { admin, anchorer, pauser }, id);
    ok(r, "deploy");
    const address = /Deployed at (0x[0-9a-fA-F]{40})/.exec(r.stdout)![1]!;
    registry = new Contract(address, (await hre.artifacts.readArtifact("TransparencyRegistry")).abi, node.provider);
    const compiled = compile();
    const deployer = new NonceManager(new Wallet(node.keys[5]!, node.provider));
    const owners = [6, 7, 8].map((i) => new NonceManager(new Wallet(node.keys[i]!, node.provider)));
    safe = await createSafe(deployer, await deploySafeInfrastructure(deployer), owners, 2, 3n);
    const plain = compiled.NotASafe!;
    const plainFactory = new ContractFactory(plain.abi as never, plain.evm.bytecode.object, deployer);
    notASafe = await (await (await plainFactory.deploy()).waitForDeployment()).getAddress();
  });

  after(async function () {
    await node?.stop();
    await removeIgnitionDeployments(id);
    await rm(work, { recursive: true, force: true });
  });

  it("--out without --print-tx is refused and nothing is sent", async function () {
    refused(await ops("grant-anchorer", other, "--out", path.join(work, "x.json"), "--yes"), "--print-tx");
    expect(await hasRole(ANCHORER, other)).to.equal(false);
  });

  it("a role change on a non-local chain needs --yes; --print-tx sends nothing and needs none", async function () {
    refused(await ops("grant-anchorer", other), "needs --yes");
    expect(await hasRole(ANCHORER, other)).to.equal(false);
    ok(await ops("grant-anchorer", other, "--print-tx"), "grant-anchorer --print-tx");
    expect(await hasRole(ANCHORER, other)).to.equal(false);
    ok(await ops("grant-anchorer", other, "--yes"), "grant-anchorer --yes");
    expect(await hasRole(ANCHORER, other)).to.equal(true);
  });

  it("transfer-admin refuses the zero address, the registry itself, a plain key and a contract that is no Safe", async function () {
    refused(await ops("transfer-admin", ZeroAddress, "--yes"), "zero address");
    refused(await ops("transfer-admin", await registry.getAddress(), "--yes"), "the registry itself");
    refused(await ops("transfer-admin", other, "--yes"), "has no code");
    refused(await ops("transfer-admin", notASafe, "--yes"), "not a Safe");
    refused(await ops("transfer-admin", safe.address), "needs --yes");
    for (const candidate of [ZeroAddress, other, notASafe, safe.address])
      expect(await hasRole(ADMIN, candidate)).to.equal(false);
    expect(await hasRole(ADMIN, admin)).to.equal(true);
  });

  it("a stuck transaction: the command stops waiting and names the nonce; a rerun without --nonce sends no duplicate", async function () {
    await node.provider.send("evm_setAutomine", [false]);
    try {
      const first = await runOps({ ...env, OPS_TX_TIMEOUT_SECONDS: "2" }, "pause");
      refused(first, "is not mined after 2 s");
      const nonce = await node.provider.getTransactionCount(pauser, "latest");
      expect(first.stderr).to.contain(`--nonce ${nonce}`);
      refused(await ops("pause"), "already has 1 transaction(s) waiting");
      expect(await node.provider.getTransactionCount(pauser, "pending")).to.equal(nonce + 1);
    } finally {
      await node.provider.send("evm_setAutomine", [true]);
      await node.provider.send("evm_mine", []);
    }
    expect(await registry.getFunction("paused").staticCall()).to.equal(true);
    ok(await ops("unpause"), "unpause");
  });

  it("transfer-admin to a Safe prints its owners and threshold, and the Safe can then act", async function () {
    const safeAddress = safe.address;
    const r = await ops("transfer-admin", safeAddress, "--yes");
    ok(r, "transfer-admin");
    expect(r.stdout).to.contain("2 of 3 owners must sign");
    for (const owner of node.accounts.slice(6, 9)) expect(r.stdout).to.contain(`owner ${owner}`);
    expect(await hasRole(ADMIN, safeAddress)).to.equal(true);
    expect(await hasRole(ADMIN, admin)).to.equal(false);
    const data = registry.interface.encodeFunctionData("revokeRole", [ANCHORER, other]);
    await safe.exec(await registry.getAddress(), 0n, data); // two of the three owners sign
    expect(await hasRole(ANCHORER, other)).to.equal(false);
  });
});
