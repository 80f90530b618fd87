/**
 * Deploys the TransparencyRegistry with the Ignition module, records the deployment in
 * deployments/<network>.json and prints the next steps.
 *
 *   npm run deploy -- --network sepolia --admin 0xSAFE --anchorer 0xSERVER --pauser 0xPAUSER
 *   ADMIN_ADDRESS=… ANCHORER_ADDRESS=… PAUSER_ADDRESS=… npx hardhat run scripts/ops/deploy.ts --network sepolia
 *
 * Roles: the constructor grants admin, anchorer and pauser directly (see ignition/modules), so the deployer
 * normally ends up holding nothing. RENOUNCE_DEPLOYER=1 (--renounce-deployer) is the safety net for a
 * configuration that named the deployer as anchorer or pauser: it renounces those roles after the deploy.
 * It is refused when the deployer is the admin, because renouncing would leave the registry without an admin.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, ZeroAddress, type Contract, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import TransparencyRegistryModule, {
  DEFAULT_MAX_ANCHOR_DELAY_SECONDS,
} from "../../ignition/modules/TransparencyRegistry";
import { formatTrustRoot, makeTrustRoot } from "../../core/protocol/trust";
import { DEPLOYMENT_FORMAT, type DeploymentFile } from "../../server/anchoring/deployment-check";
import { UsageError } from "./args";
import { CUSTOM_NETWORK, KNOWN_TESTNETS } from "./networks";
import {
  ANCHORER_ROLE,
  checkedAddress,
  codeHashAt,
  compilerSettings,
  confirm,
  confirmMainnet,
  CONTRACT_NAME,
  deploymentPath,
  maybeReadDeployment,
  PAUSER_ROLE,
  registryContract,
  roleHolders,
  ROLE_NAMES,
  writeDeploymentFile,
} from "./registry";

export interface DeployOptions {
  admin?: string;
  anchorer?: string;
  pauser?: string;
  /** The registry's immutable maxAnchorDelay() in seconds; the server's MAX_ANCHOR_DELAY_SECONDS must equal it. */
  maxAnchorDelaySeconds?: number;
  renounceDeployer?: boolean;
  /** Skip the confirmation on a non-local chain (same as HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true). */
  yes?: boolean;
  /** The extra confirmation a known mainnet needs (--mainnet). */
  mainnet?: boolean;
  /**
   * Deploy although the deployment file records a registry that still has code (a replacement after a stolen
   * key). The old file is never overwritten: it is renamed to <network>.<old address>.json and kept as evidence.
   */
  supersede?: boolean;
  deploymentFile?: string;
  /** Ignition deployment id (its journal under ignition/deployments/<id>); resumable after a crash. */
  deploymentId?: string;
  log?: (line: string) => void;
}

const LOCAL_CHAIN_ID = 31337;

/** deployments/<network>.aiqyn-trust.json next to deployments/<network>.json. */
export function trustFilePath(deploymentFile: string): string {
  return deploymentFile.replace(/\.json$/, "") + ".aiqyn-trust.json";
}

/** Moves an earlier deployment file (and its trust file) aside as <name>.<address>.json; never overwrites. */
async function keepAsEvidence(file: string, previous: DeploymentFile, log: (line: string) => void): Promise<void> {
  const base = file.replace(/\.json$/, "");
  const moves = [
    [file, `${base}.${previous.address}.json`],
    [trustFilePath(file), `${base}.${previous.address}.aiqyn-trust.json`],
  ] as const;
  for (const [from, to] of moves) {
    if (!existsSync(from)) continue;
    if (existsSync(to)) throw new UsageError(`${to} exists already: refusing to overwrite evidence`);
    await rename(from, to);
    log(`Kept the previous ${from} as ${to}`);
  }
}

function optionalRole(value: string | undefined, what: string): string {
  return value === undefined || value === "" ? ZeroAddress : checkedAddress(value, what);
}

type Log = (line: string) => void;

/** The roles and delay asked for, checked before anything is sent. */
function plannedRoles(opts: DeployOptions, deployer: string) {
  if (!opts.admin)
    throw new UsageError("the admin is required: --admin 0x… or ADMIN_ADDRESS (a multisig on a real network)");
  const admin = checkedAddress(opts.admin, "admin");
  const anchorer = optionalRole(opts.anchorer, "anchorer");
  const pauser = optionalRole(opts.pauser, "pauser");
  const maxAnchorDelay = opts.maxAnchorDelaySeconds ?? DEFAULT_MAX_ANCHOR_DELAY_SECONDS;
  if (!Number.isSafeInteger(maxAnchorDelay) || maxAnchorDelay < 1)
    throw new UsageError("the maximum anchoring delay must be a whole number of seconds, at least 1");
  if (opts.renounceDeployer && admin === deployer) {
    throw new UsageError(
      "RENOUNCE_DEPLOYER with the deployer as admin would leave the registry without an admin: hand the admin role " +
        "over first (npm run ops -- transfer-admin 0xSAFE), which renounces it, or deploy with the Safe as admin",
    );
  }
  return { admin, anchorer, pauser, maxAnchorDelay };
}

/** The deployment file this deploy will replace, if any: refused while its registry lives, unless --supersede. */
async function previousDeployment(hre: HardhatRuntimeEnvironment, file: string, chainId: number, supersede?: boolean) {
  const previous = await maybeReadDeployment(file);
  const live = previous && previous.chainId === chainId && (await codeHashAt(hre, previous.address));
  if (live && !supersede) {
    throw new UsageError(
      `${file} already records a live registry at ${previous.address} on chain ${chainId}. To replace it (after a ` +
        `stolen key) pass --supersede: the old file is kept as ${file.replace(/\.json$/, "")}.${previous.address}.json`,
    );
  }
  // Where the old files will be kept must be free now: finding out after the deploy would strand it unrecorded.
  const base = file.replace(/\.json$/, "");
  for (const kept of previous
    ? [`${base}.${previous.address}.json`, `${base}.${previous.address}.aiqyn-trust.json`]
    : [])
    if (existsSync(kept)) throw new UsageError(`${kept} exists already: refusing to overwrite evidence (move it away)`);
  if (!previous && existsSync(trustFilePath(file)))
    throw new UsageError(`${trustFilePath(file)} exists without ${file}: move it away first (it is evidence)`);
  return previous;
}

async function confirmDeploy(chainId: number, yes?: boolean, mainnet?: boolean): Promise<void> {
  if (chainId === LOCAL_CHAIN_ID) return;
  await confirmMainnet(chainId, "deploying the registry", mainnet);
  if (yes || process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT === "true") return;
  if (await confirm(`Deploy to chain ${chainId}? This spends real funds. [y/N] `)) return;
  throw new UsageError(
    `not confirmed: deploying to chain ${chainId} needs --yes or HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=true ` +
      `when there is no terminal`,
  );
}

/** ignition/deployments/<id>: the journal Ignition resumes a deployment from. */
export function ignitionJournalDir(hre: HardhatRuntimeEnvironment, deploymentId: string): string {
  return path.join(hre.config.paths.ignition, "deployments", deploymentId);
}

/**
 * Refuses to reuse an Ignition journal whose contracts the chain does not have: a node reset with the same chain
 * id (or a journal copied from elsewhere). Ignition would resume from it and read a contract that is not there
 * ("BAD_DATA: could not decode result data"). A journal of a deploy that crashed before anything landed has no
 * addresses and is resumed as Ignition intends.
 */
async function refuseStaleJournal(hre: HardhatRuntimeEnvironment, deploymentId: string, chainId: number) {
  const dir = ignitionJournalDir(hre, deploymentId);
  const file = path.join(dir, "deployed_addresses.json");
  if (!existsSync(file)) return;
  const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  for (const [future, address] of Object.entries(addresses)) {
    if ((await hre.ethers.provider.getCode(address)) !== "0x") continue;
    const fresh = `chain-${chainId}-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${Date.now() % 100_000}`;
    throw new UsageError(
      `the Ignition journal ${dir} records ${future} at ${address}, but chain ${chainId} has no code there (a ` +
        `node reset with the same chain id?). Deploy with a fresh journal: --deployment-id ${fresh} ` +
        `(keep or delete ${dir}: it describes a chain that is gone)`,
    );
  }
}

/** The transaction that created `address` in `block` (facts from the chain, not from what was asked). */
async function creationTransaction(hre: HardhatRuntimeEnvironment, address: string, block: number): Promise<string> {
  const provider = hre.ethers.provider;
  const blockData = await provider.getBlock(block, true);
  for (const tx of blockData?.prefetchedTransactions ?? []) {
    if (tx.to !== null) continue;
    const receipt = await provider.getTransactionReceipt(tx.hash);
    if (receipt?.contractAddress && getAddress(receipt.contractAddress) === address) return tx.hash;
  }
  throw new Error(`could not find the transaction that created ${address} in block ${block}`);
}

/** RENOUNCE_DEPLOYER: the deployer gives up the anchorer/pauser roles a configuration handed it. */
async function renounceDeployerRoles(registry: Contract, deployerSigner: Signer, deployer: string, log: Log) {
  const held = [];
  for (const role of [ANCHORER_ROLE, PAUSER_ROLE]) {
    if (await registry.getFunction("hasRole").staticCall(role, deployer)) held.push(role);
  }
  if (held.length === 0) log("Deployer holds no role (the constructor granted them directly): nothing to renounce");
  for (const role of held) {
    const tx = await (registry.connect(deployerSigner) as Contract).getFunction("renounceRole").send(role, deployer);
    await tx.wait();
    log(`Deployer renounced ${ROLE_NAMES[role]} (${tx.hash})`);
  }
}

/** Writes the deployment file and the trust root next to it, keeping any earlier ones as evidence. */
async function writeRecords(file: string, d: DeploymentFile, previous: DeploymentFile | undefined, log: Log) {
  if (previous) await keepAsEvidence(file, previous, log);
  await writeDeploymentFile(file, d);
  log(`Wrote ${file}`);
  const trust = formatTrustRoot(makeTrustRoot(d.chainId, d.address, d.block));
  await writeFile(trustFilePath(file), trust, { flag: "wx" });
  log(`Wrote ${trustFilePath(file)} (the trust root verifiers pin: publish it with the address):`);
  log(trust.trimEnd());
}

export async function deploy(hre: HardhatRuntimeEnvironment, opts: DeployOptions): Promise<DeploymentFile> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const network = hre.network.name;
  const provider = hre.ethers.provider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const [deployerSigner] = await hre.ethers.getSigners();
  if (!deployerSigner) throw new UsageError(`no deployer key on network ${network}: set its *_DEPLOYER_KEY`);
  const deployer = getAddress(deployerSigner.address);
  const { admin, anchorer, pauser, maxAnchorDelay } = plannedRoles(opts, deployer);
  const file = deploymentPath(network, opts.deploymentFile);
  const previous = await previousDeployment(hre, file, chainId, opts.supersede);
  // A local node starts from an empty chain every time, so its Ignition journal must not be reused.
  const deploymentId = opts.deploymentId ?? (chainId === LOCAL_CHAIN_ID ? `local-${Date.now()}` : `chain-${chainId}`);
  await refuseStaleJournal(hre, deploymentId, chainId);

  const balance = await provider.getBalance(deployer);
  log(`Deploying ${CONTRACT_NAME} to ${network} (chain ${chainId}) from ${deployer} (balance ${balance} wei)`);
  log(`  admin    ${admin}${admin === deployer ? "  (the deployer: hand it to a multisig with transfer-admin)" : ""}`);
  log(`  anchorer ${anchorer}${anchorer === ZeroAddress ? "  (unassigned)" : ""}`);
  log(`  pauser   ${pauser}${pauser === ZeroAddress ? "  (unassigned)" : ""}`);
  log(`  maxAnchorDelay ${maxAnchorDelay} s  (immutable: every receipt is judged against it)`);
  if (balance === 0n) throw new UsageError(`the deployer ${deployer} has no funds on chain ${chainId}: fund it first`);
  await confirmDeploy(chainId, opts.yes, opts.mainnet);

  await hre.run("compile", { quiet: true });
  const { registry: deployed } = await hre.ignition.deploy(TransparencyRegistryModule, {
    parameters: { TransparencyRegistryModule: { admin, anchorer, pauser, maxAnchorDelay } },
    deploymentId,
  });
  const address = getAddress(await deployed.getAddress());
  const registry = await registryContract(hre, address);
  const block = Number(await registry.getFunction("deploymentBlock").staticCall());
  const transaction = await creationTransaction(hre, address, block);
  log(`Deployed at ${address} in block ${block}, transaction ${transaction}`);
  if (opts.renounceDeployer) await renounceDeployerRoles(registry, deployerSigner, deployer, log);

  const code = await codeHashAt(hre, address);
  if (!code) throw new Error(`no code at ${address} after the deployment`);
  const explorer =
    KNOWN_TESTNETS.find((n) => n.chainId === chainId)?.explorerUrl ??
    (network === CUSTOM_NETWORK ? process.env.CUSTOM_EXPLORER_URL || undefined : undefined);
  const deployment: DeploymentFile = {
    format: DEPLOYMENT_FORMAT,
    network,
    chainId,
    contract: CONTRACT_NAME,
    address,
    block,
    transaction: transaction as `0x${string}`,
    deployer,
    deployedAt: new Date().toISOString(),
    constructorArgs: [admin, anchorer, pauser, String(maxAnchorDelay)],
    roles: await roleHolders(hre, registry),
    rolesCheckedAt: new Date().toISOString(),
    compiler: await compilerSettings(hre),
    bytecodeHash: code as `0x${string}`,
    ...(explorer ? { explorerUrl: `${explorer}/address/${address}` } : {}),
    ignitionDeploymentId: deploymentId,
  };
  await writeRecords(file, deployment, previous, log);
  printNextSteps(deployment, file, log);
  return deployment;
}

function printNextSteps(d: DeploymentFile, file: string, log: (line: string) => void): void {
  const testnet = KNOWN_TESTNETS.find((n) => n.chainId === d.chainId);
  // Never print a testnet RPC URL: it usually embeds the provider's API key.
  const rpc = testnet
    ? `$${testnet.envPrefix}_RPC_URL`
    : d.network === CUSTOM_NETWORK
      ? "$CUSTOM_RPC_URL"
      : process.env.LOCAL_RPC_URL || "http://127.0.0.1:8545";
  const anchorer = d.roles.anchorers[0] ?? "<the address you grant ANCHORER_ROLE to>";
  log("");
  log("Next steps");
  log("  1. Start the server with:");
  log(`       RPC_URL=${rpc}`);
  log(`       CHAIN_ID=${d.chainId}`);
  log(`       REGISTRY_ADDRESS=${d.address}`);
  log(`       ANCHORER_KEY=<private key of ${anchorer}, which holds ANCHORER_ROLE>`);
  log(`       DEPLOYMENT_FILE=${file}`);
  log(`       MAX_ANCHOR_DELAY_SECONDS=${d.constructorArgs[3] ?? DEFAULT_MAX_ANCHOR_DELAY_SECONDS}`);
  log(
    testnet || d.network === CUSTOM_NETWORK
      ? "  2. Verify the source on the explorer (ETHERSCAN_API_KEY set):"
      : "  2. Verify the source on the explorer (on a public network; a local node has none):",
  );
  log(`       npx hardhat verify --network ${d.network} ${d.address} ${d.constructorArgs.join(" ")}`);
  log("  3. Check the registry and its roles:");
  log(`       npm run ops -- status --network ${d.network}`);
  if (d.roles.admin.includes(d.deployer)) {
    log("  4. The deployer is the admin: hand the role to the multisig (this renounces the deployer's):");
    log(`       npm run ops -- transfer-admin 0xYOUR_SAFE --network ${d.network}`);
  }
}

function envFlag(name: string): boolean {
  return ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase());
}

/** `npx hardhat run scripts/ops/deploy.ts --network X`, configured by environment variables. */
if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as HardhatRuntimeEnvironment;
  deploy(hre, {
    admin: process.env.ADMIN_ADDRESS,
    anchorer: process.env.ANCHORER_ADDRESS,
    pauser: process.env.PAUSER_ADDRESS,
    ...(process.env.MAX_ANCHOR_DELAY_SECONDS
      ? { maxAnchorDelaySeconds: Number(process.env.MAX_ANCHOR_DELAY_SECONDS) }
      : {}),
    renounceDeployer: envFlag("RENOUNCE_DEPLOYER"),
    supersede: envFlag("SUPERSEDE"),
    deploymentFile: process.env.DEPLOYMENT_FILE,
    deploymentId: process.env.IGNITION_DEPLOYMENT_ID,
  }).catch((error: unknown) => {
    console.error(`deploy failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
