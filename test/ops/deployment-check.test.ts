/**
 * The server's start-up refusals: checkDeployment against the real in-process Hardhat chain, a real registry,
 * and deployment files written the way `npm run deploy` writes them.
 */
import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { JsonRpcProvider, ZeroAddress } from "ethers";
import { AiqynError } from "../../core/protocol/errors";
import { chainRpcUrl } from "../helpers/chain";
import {
  checkDeployment,
  codeHash,
  DEPLOYMENT_FORMAT,
  parseDeploymentFile,
  type DeploymentFile,
} from "../../server/anchoring/deployment-check";

async function refusal(promise: Promise<unknown>): Promise<AiqynError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(AiqynError);
    return error as AiqynError;
  }
  expect.fail("checkDeployment resolved, but it should have refused");
}

describe("ops: server start-up check (checkDeployment)", function () {
  let dir: string;
  let registry: string;
  let other: string;
  let anchorer: string;
  let stranger: string;
  let chainId: number;
  let deployment: DeploymentFile;

  async function fileWith(changes: Partial<DeploymentFile>, name = "d.json"): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, JSON.stringify({ ...deployment, ...changes }));
    return file;
  }

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "aiqyn-check-"));
    const [admin, anchorerSigner, pauser, strangerSigner] = await hre.ethers.getSigners();
    anchorer = anchorerSigner!.address;
    stranger = strangerSigner!.address;
    const provider = hre.ethers.provider;
    chainId = Number((await provider.getNetwork()).chainId);
    const deployOne = async () => {
      const c = await hre.ethers.deployContract("TransparencyRegistry", [
        admin!.address,
        anchorer,
        pauser!.address,
        3600,
      ]);
      await c.waitForDeployment();
      return c.getAddress();
    };
    registry = await deployOne();
    other = await deployOne(); // same source, another deployment block (an immutable): other code
    deployment = {
      format: DEPLOYMENT_FORMAT,
      network: "hardhat",
      chainId,
      contract: "TransparencyRegistry",
      address: registry,
      block: 1,
      transaction: `0x${"11".repeat(32)}`,
      deployer: admin!.address,
      deployedAt: new Date().toISOString(),
      constructorArgs: [admin!.address, anchorer, pauser!.address],
      roles: { admin: [admin!.address], anchorers: [anchorer], pausers: [pauser!.address] },
      rolesCheckedAt: new Date().toISOString(),
      compiler: {
        solcVersion: "0.8.28",
        solcLongVersion: "0.8.28",
        optimizer: true,
        runs: 10000,
        viaIR: true,
        evmVersion: "cancun",
      },
      bytecodeHash: codeHash(await provider.getCode(registry)),
    };
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts the deployed registry, its deployment file and a key holding ANCHORER_ROLE", async function () {
    const deploymentFile = await fileWith({});
    await checkDeployment({
      provider: hre.ethers.provider,
      registry,
      anchorer,
      deploymentFile,
      expectedChainId: chainId,
    });
    await checkDeployment({ provider: hre.ethers.provider, registry, anchorer });
  });

  it("refuses another chain: CHAIN_ID_MISMATCH from the configured id and from the deployment file", async function () {
    const wrongExpected = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry, anchorer, expectedChainId: 11155111 }),
    );
    expect(wrongExpected.code).to.equal("CHAIN_ID_MISMATCH");
    expect(wrongExpected.message).to.contain("11155111").and.contain(String(chainId));

    const deploymentFile = await fileWith({ chainId: 84532 });
    const wrongFile = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry, anchorer, deploymentFile }),
    );
    expect(wrongFile.code).to.equal("CHAIN_ID_MISMATCH");
    expect(wrongFile.message).to.contain("84532").and.contain("RPC_URL");
  });

  it("asks the node for its chain id even when the provider was built with a static network", async function () {
    // A JsonRpcProvider with staticNetwork answers getNetwork() from its constructor: the check must not trust it.
    const lying = new JsonRpcProvider(await chainRpcUrl(), 11155111, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const deploymentFile = await fileWith({ chainId: 11155111 });
      const error = await refusal(checkDeployment({ provider: lying, registry, anchorer, deploymentFile }));
      expect(error.code).to.equal("CHAIN_ID_MISMATCH");
    } finally {
      lying.destroy();
    }
  });

  it("refuses an address without code: REGISTRY_NO_CODE", async function () {
    const error = await refusal(checkDeployment({ provider: hre.ethers.provider, registry: stranger, anchorer }));
    expect(error.code).to.equal("REGISTRY_NO_CODE");
    expect(error.message).to.contain(stranger);
    const deploymentFile = await fileWith({ address: stranger });
    const withFile = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry: stranger, anchorer, deploymentFile }),
    );
    expect(withFile.code).to.equal("REGISTRY_NO_CODE");
  });

  it("refuses other code than the deployment file's: DEPLOYMENT_MISMATCH", async function () {
    // The file names the other address but carries the first registry's code hash (e.g. a reset chain).
    const deploymentFile = await fileWith({ address: other });
    const code = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry: other, anchorer, deploymentFile }),
    );
    expect(code.code).to.equal("DEPLOYMENT_MISMATCH");
    expect(code.message).to.contain(codeHash(await hre.ethers.provider.getCode(other)));

    // REGISTRY_ADDRESS and the file disagree on the address.
    const good = await fileWith({});
    const address = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry: other, anchorer, deploymentFile: good }),
    );
    expect(address.code).to.equal("DEPLOYMENT_MISMATCH");
    expect(address.message).to.contain(registry).and.contain(other);
  });

  it("refuses a contract that is not a registry, even without a deployment file: DEPLOYMENT_MISMATCH", async function () {
    const notRegistry = "0x000000000000000000000000000000000000beef";
    // Runtime code that returns empty data to every call (PUSH0 PUSH0 RETURN).
    await hre.network.provider.send("hardhat_setCode", [notRegistry, "0x5f5ff3"]);
    const error = await refusal(checkDeployment({ provider: hre.ethers.provider, registry: notRegistry, anchorer }));
    expect(error.code).to.equal("DEPLOYMENT_MISMATCH");
  });

  it("refuses a key without ANCHORER_ROLE: ANCHORER_ROLE_MISSING, naming the key and the fix", async function () {
    const deploymentFile = await fileWith({});
    const error = await refusal(
      checkDeployment({ provider: hre.ethers.provider, registry, anchorer: stranger, deploymentFile }),
    );
    expect(error.code).to.equal("ANCHORER_ROLE_MISSING");
    expect(error.message).to.contain(stranger).and.contain("grant-anchorer");
    const zero = await refusal(checkDeployment({ provider: hre.ethers.provider, registry, anchorer: ZeroAddress }));
    expect(zero.code).to.equal("ANCHORER_ROLE_MISSING");
  });

  it("refuses a broken deployment file: DEPLOYMENT_FILE_INVALID", async function () {
    const notJson = path.join(dir, "broken.json");
    await writeFile(notJson, "{ not json");
    expect(
      (await refusal(checkDeployment({ provider: hre.ethers.provider, registry, anchorer, deploymentFile: notJson })))
        .code,
    ).to.equal("DEPLOYMENT_FILE_INVALID");
    const missing = path.join(dir, "missing.json");
    expect(
      (await refusal(checkDeployment({ provider: hre.ethers.provider, registry, anchorer, deploymentFile: missing })))
        .code,
    ).to.equal("DEPLOYMENT_FILE_INVALID");
    expect(() => parseDeploymentFile(JSON.stringify({ ...deployment, bytecodeHash: "0x12" }))).to.throw(
      AiqynError,
      /bytecodeHash/,
    );
    expect(() => parseDeploymentFile(JSON.stringify({ ...deployment, format: "other/1" }))).to.throw(
      AiqynError,
      /format/,
    );
  });
});
