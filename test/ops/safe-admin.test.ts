/**
 * The registry's admin as a real Safe 1.4.1 (2-of-3) on a `hardhat node` with chain id 31338 (a testnet
 * stand-in): `ops status` says the admin is a Safe with its owners and threshold; a `--print-tx` batch carries
 * the Transaction Builder's fields (meta.createdFromSafeAddress, txBuilderVersion, the checksum its import
 * recomputes) and, executed through the Safe by two owners, does what it says.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { Contract, keccak256, NonceManager, toUtf8Bytes, Wallet } from "ethers";
import { batchHash, txBuilderChecksum } from "../../scripts/ops/safe";
import type { StatusReport } from "../../scripts/ops/status";
import { createSafe, deploySafeInfrastructure, type DemoSafe } from "../../server/demo/safe";
import {
  deployWithRoles,
  expectOk as ok,
  removeIgnitionDeployments,
  runOps,
  startNode,
  type LocalNode,
} from "./helpers";

const ANCHORER = keccak256(Buffer.from("ANCHORER_ROLE"));

/** A naive reference of the builder's serialisation: sorted keys by explicit recursion over entries. */
function referenceChecksum(batch: { meta: Record<string, unknown> }): string {
  const walk = (v: unknown): string => {
    if (Array.isArray(v)) return "[" + v.map(walk).join(",") + "]";
    if (v && typeof v === "object") {
      const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return "{" + JSON.stringify(entries.map(([k]) => k)) + entries.map(([, x]) => walk(x) + ",").join("") + "}";
    }
    return JSON.stringify(v === undefined ? null : v);
  };
  const meta = Object.fromEntries(Object.entries(batch.meta).filter(([k]) => k !== "checksum"));
  return keccak256(toUtf8Bytes(walk({ ...batch, meta: { ...meta, name: null } })));
}

describe("ops: a real Safe 1.4.1 as the registry's admin", function () {
  this.timeout(240_000);
  let node: LocalNode;
  let work: string;
  let env: Record<string, string>;
  let registry: Contract;
  let safe: DemoSafe;
  let admin: string, anchorer: string, pauser: string, other: string;
  const id = `test-safe-admin-${process.pid}-${Date.now()}`;
  const ops = (...args: string[]) => runOps(env, ...args);

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-safe-admin-"));
    node = await startNode(path.join(work, "node.log"), 31338);
    env = { ...node.env, DEPLOYMENTS_DIR: path.join(work, "deployments") };
    [, admin, anchorer, pauser, other] = node.accounts as [string, string, string, string, string];
    const r = await deployWithRoles(env, { admin, anchorer, pauser }, id);
    ok(r, "deploy");
    const address = /Deployed at (0x[0-9a-fA-F]{40})/.exec(r.stdout)![1]!;
    registry = new Contract(address, (await hre.artifacts.readArtifact("TransparencyRegistry")).abi, node.provider);
    const signer = (i: number) => new NonceManager(new Wallet(node.keys[i]!, node.provider));
    const deployer = signer(9);
    safe = await createSafe(
      deployer,
      await deploySafeInfrastructure(deployer),
      [signer(6), signer(7), signer(8)],
      2,
      5n,
    );
  });

  after(async () => {
    await node?.stop();
    await removeIgnitionDeployments(id);
    await rm(work, { recursive: true, force: true });
  });

  it("the builder's hash matches the Transaction Builder's own test vector", () => {
    // apps/tx-builder/src/lib/checksum.test.ts (safe-react-apps): addChecksum of this file is 0x4ecb…b64c.
    const vector = {
      version: "1.0",
      chainId: "4",
      createdAt: 1646321521061,
      meta: {
        name: "test batch file",
        txBuilderVersion: "1.4.0",
        checksum: "",
        createdFromSafeAddress: "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa",
        createdFromOwnerAddress: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
      },
      transactions: [
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "0",
          contractMethod: {
            inputs: [{ internalType: "address", name: "paramAddress", type: "address" }],
            name: "testAddress",
            payable: false,
          },
          contractInputsValues: { paramAddress: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6" },
        },
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "0",
          contractMethod: {
            inputs: [{ internalType: "bool", name: "paramBool", type: "bool" }],
            name: "testBool",
            payable: false,
          },
          contractInputsValues: { paramAddress: "", paramBool: "false" },
        },
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "2000000000000000000",
          data: "0x42f4579000000000000000000000000049d4450977e2c95362c13d3a31a09311e0ea26a6",
        },
      ],
    };
    expect(batchHash(vector)).to.equal("0x4ecbfd364aa6759983915644e73f8bd411e85a2dc306f252a387c2728c4db64c");
  });

  it("status names a plain-key admin on a non-local chain as a warning", async () => {
    const r = await ops("status", "--json");
    ok(r, "status");
    const s = JSON.parse(r.stdout) as StatusReport;
    expect(s.admins).to.deep.equal([{ address: admin, kind: "key" }]);
    expect(s.warnings.join("\n")).to.contain(`admin ${admin} is a plain key`);
  });

  it("after transfer-admin, status shows the admin is a Safe with its owners and threshold", async () => {
    ok(await ops("transfer-admin", safe.address, "--yes"), "transfer-admin");
    const json = JSON.parse((await ops("status", "--json")).stdout) as StatusReport;
    const owners = node.accounts.slice(6, 9);
    expect(json.admins).to.deep.equal([{ address: safe.address, kind: "safe", safe: { owners, threshold: 2 } }]);
    expect(json.warnings.join("\n")).not.to.contain("plain key");
    const text = await ops("status");
    ok(text, "status");
    expect(text.stdout).to.contain(`${safe.address} is a Safe: 2 of 3 owners must sign`);
    for (const owner of owners) expect(text.stdout).to.contain(`owner ${owner}`);
  });

  it("--print-tx writes a Transaction Builder batch for the Safe with a valid checksum; two owners execute it", async () => {
    const out = path.join(work, "grant.json");
    ok(await ops("grant-anchorer", other, "--print-tx", "--out", out), "grant-anchorer --print-tx");
    const batch = JSON.parse(await readFile(out, "utf8")) as {
      chainId: string;
      meta: Record<string, unknown> & { name: string; checksum: string };
      transactions: { to: string; value: string; data: string }[];
    };
    expect(batch.chainId).to.equal("31338");
    expect(batch.meta).to.include({ createdFromSafeAddress: safe.address, txBuilderVersion: "1.17.1" });
    expect(batch.meta.checksum).to.equal(referenceChecksum(batch));
    expect(batch.meta.checksum).to.equal(txBuilderChecksum(batch));
    const tampered = { ...batch, transactions: batch.transactions.map((t) => ({ ...t, to: other })) };
    expect(txBuilderChecksum(tampered)).not.to.equal(batch.meta.checksum);
    expect(await registry.getFunction("hasRole").staticCall(ANCHORER, other)).to.equal(false);
    for (const tx of batch.transactions) await safe.exec(tx.to, BigInt(tx.value), tx.data);
    expect(await registry.getFunction("hasRole").staticCall(ANCHORER, other)).to.equal(true);
    expect(anchorer).to.not.equal(other);
  });
});
