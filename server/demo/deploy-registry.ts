/**
 * Deploys TransparencyRegistry from the compiled artifact (artifacts/, made by `hardhat compile`). Used by
 * the local stack and the test stack; real networks are deployed by the ops scripts, never by the server.
 */
import fs from "node:fs";
import path from "node:path";
import { ContractFactory, type Signer } from "ethers";
import { AiqynError } from "../../core";

export const ARTIFACT_PATH = path.resolve(
  __dirname,
  "..",
  "..",
  "artifacts",
  "contracts",
  "TransparencyRegistry.sol",
  "TransparencyRegistry.json",
);

export function readRegistryArtifact(): { abi: unknown[]; bytecode: string } {
  if (!fs.existsSync(ARTIFACT_PATH)) {
    throw new AiqynError("ARTIFACT_MISSING", `${ARTIFACT_PATH} is missing: run \`npx hardhat compile\` first`);
  }
  return JSON.parse(fs.readFileSync(ARTIFACT_PATH, "utf8")) as { abi: unknown[]; bytecode: string };
}

export interface DeployedRegistry {
  address: string;
  deploymentBlock: number;
  txHash: string;
}

export async function deployRegistry(
  deployer: Signer,
  roles: { admin: string; anchorer: string; pauser: string },
  /** The registry's immutable promise, `maxAnchorDelay()`: the server's MAX_ANCHOR_DELAY_SECONDS. */
  maxAnchorDelaySeconds: number,
): Promise<DeployedRegistry> {
  const { abi, bytecode } = readRegistryArtifact();
  const factory = new ContractFactory(abi as never, bytecode, deployer);
  const contract = await factory.deploy(roles.admin, roles.anchorer, roles.pauser, maxAnchorDelaySeconds);
  const receipt = await contract.deploymentTransaction()!.wait(1);
  if (!receipt || receipt.status !== 1) throw new AiqynError("DEPLOY_FAILED", "the registry deployment failed");
  return { address: await contract.getAddress(), deploymentBlock: receipt.blockNumber, txHash: receipt.hash };
}
