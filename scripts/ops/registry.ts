/**
 * What every ops command shares: where the deployment file lives, the registry contract, who holds which role
 * (read from the chain, never from the file), which configured key may sign, and sending a transaction or
 * printing it for a multisig instead.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { Contract, formatUnits, getAddress, isAddress, parseUnits, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  ANCHORER_ROLE,
  codeHash,
  DEFAULT_ADMIN_ROLE,
  PAUSER_ROLE,
  readDeploymentFile,
  type DeploymentCompiler,
  type DeploymentFile,
  type DeploymentRoles,
} from "../../server/anchoring/deployment-check";
import { UsageError } from "./args";
import { KNOWN_MAINNETS } from "./networks";
import { txBuilderChecksum } from "./safe";

export { ANCHORER_ROLE, DEFAULT_ADMIN_ROLE, PAUSER_ROLE };

export const CONTRACT_NAME = "TransparencyRegistry";
export const CONTRACT_FQN = `contracts/${CONTRACT_NAME}.sol:${CONTRACT_NAME}`;

export const ROLE_NAMES: Record<string, string> = {
  [DEFAULT_ADMIN_ROLE]: "DEFAULT_ADMIN_ROLE",
  [ANCHORER_ROLE]: "ANCHORER_ROLE",
  [PAUSER_ROLE]: "PAUSER_ROLE",
};

/** deployments/<network>.json, or under DEPLOYMENTS_DIR (tests and rehearsals write elsewhere). */
export function deploymentPath(network: string, explicit?: string): string {
  if (explicit) return explicit;
  return path.join(process.env.DEPLOYMENTS_DIR || "deployments", `${network}.json`);
}

/** Writes via a temporary file and rename, so a crash never leaves half a deployment record. */
export async function writeDeploymentFile(file: string, deployment: DeploymentFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(tmp, file);
}

export async function maybeReadDeployment(file: string): Promise<DeploymentFile | undefined> {
  return existsSync(file) ? readDeploymentFile(file) : undefined;
}

export function checkedAddress(value: string | undefined, what: string): string {
  if (value === undefined || !isAddress(value))
    throw new UsageError(`${what} must be a 0x address, got ${String(value)}`);
  return getAddress(value);
}

export async function registryContract(hre: HardhatRuntimeEnvironment, address: string): Promise<Contract> {
  const artifact = await hre.artifacts.readArtifact(CONTRACT_NAME);
  return new Contract(address, artifact.abi, hre.ethers.provider);
}

/** The compiler settings that produced the artifact, from its build info (what an explorer needs to verify). */
export async function compilerSettings(hre: HardhatRuntimeEnvironment): Promise<DeploymentCompiler> {
  const info = await hre.artifacts.getBuildInfo(CONTRACT_FQN);
  if (!info) throw new Error(`no build info for ${CONTRACT_FQN}: run npx hardhat compile`);
  const settings = info.input.settings as {
    optimizer?: { enabled?: boolean; runs?: number };
    viaIR?: boolean;
    evmVersion?: string;
  };
  return {
    solcVersion: info.solcVersion,
    solcLongVersion: info.solcLongVersion,
    optimizer: settings.optimizer?.enabled ?? false,
    runs: settings.optimizer?.runs ?? 200,
    viaIR: settings.viaIR ?? false,
    evmVersion: settings.evmVersion ?? "default",
  };
}

/** Blocks per eth_getLogs call: public RPCs cap the range (often 10 000–50 000 blocks). */
function logChunk(): number {
  const n = Number(process.env.OPS_LOG_CHUNK || 10_000);
  return Number.isSafeInteger(n) && n > 0 ? n : 10_000;
}

/**
 * Current holders of the three roles. AccessControl does not enumerate members, so the candidates come from
 * RoleGranted events since the deployment block, and each candidate is confirmed with hasRole() now.
 */
export async function roleHolders(hre: HardhatRuntimeEnvironment, registry: Contract): Promise<DeploymentRoles> {
  const provider = hre.ethers.provider;
  const fromBlock = Number(await registry.getFunction("deploymentBlock").staticCall());
  const latest = await provider.getBlockNumber();
  const granted = registry.interface.getEvent("RoleGranted")!;
  const candidates = new Map<string, Set<string>>();
  for (let start = fromBlock; start <= latest; start += logChunk()) {
    const logs = await provider.getLogs({
      address: await registry.getAddress(),
      topics: [granted.topicHash],
      fromBlock: start,
      toBlock: Math.min(latest, start + logChunk() - 1),
    });
    for (const log of logs) {
      const parsed = registry.interface.parseLog(log);
      if (!parsed) continue;
      const role = String(parsed.args[0]).toLowerCase();
      const set = candidates.get(role) ?? new Set<string>();
      set.add(getAddress(String(parsed.args[1])));
      candidates.set(role, set);
    }
  }
  const holders = async (role: string): Promise<string[]> => {
    const out: string[] = [];
    for (const account of candidates.get(role) ?? []) {
      if (await registry.getFunction("hasRole").staticCall(role, account)) out.push(account);
    }
    return out;
  };
  return {
    admin: await holders(DEFAULT_ADMIN_ROLE),
    anchorers: await holders(ANCHORER_ROLE),
    pausers: await holders(PAUSER_ROLE),
  };
}

export async function codeHashAt(hre: HardhatRuntimeEnvironment, address: string): Promise<string | undefined> {
  const code = await hre.ethers.provider.getCode(address);
  return code === "0x" ? undefined : codeHash(code);
}

/** Refreshes the roles snapshot of a deployment file that describes this very registry (no-op otherwise). */
export async function refreshDeploymentRoles(
  hre: HardhatRuntimeEnvironment,
  file: string,
  registry: Contract,
  chainId: number,
): Promise<void> {
  const deployment = await maybeReadDeployment(file);
  if (!deployment || deployment.chainId !== chainId) return;
  if (getAddress(deployment.address) !== getAddress(await registry.getAddress())) return;
  deployment.roles = await roleHolders(hre, registry);
  deployment.rolesCheckedAt = new Date().toISOString();
  await writeDeploymentFile(file, deployment);
}

/**
 * The configured key that may act with `role`: the one named by --from, or else the first that holds it.
 * Undefined when none does (the role holder is then a multisig or a key this machine does not have).
 */
export async function signerWithRole(
  hre: HardhatRuntimeEnvironment,
  registry: Contract,
  role: string,
  from?: string,
): Promise<Signer | undefined> {
  const signers = await hre.ethers.getSigners();
  if (from !== undefined) {
    const wanted = checkedAddress(from, "--from");
    const signer = signers.find((s) => getAddress(s.address) === wanted);
    if (!signer) throw new UsageError(`--from ${wanted}: no key for that address is configured on this network`);
    return (await registry.getFunction("hasRole").staticCall(role, wanted)) ? signer : undefined;
  }
  for (const signer of signers) {
    if (await registry.getFunction("hasRole").staticCall(role, signer.address)) return signer;
  }
  return undefined;
}

export interface PlannedTx {
  to: string;
  data: string;
  value: "0";
  description: string;
}

export interface FeeOptions {
  maxFeeGwei?: string;
  priorityFeeGwei?: string;
  nonce?: string;
  confirmations?: string;
}

/** Gas/nonce overrides for congested chains and for replacing a stuck transaction (same nonce, higher fees). */
export function txOverrides(fees: FeeOptions): Record<string, bigint | number> {
  const overrides: Record<string, bigint | number> = {};
  if (fees.maxFeeGwei) overrides.maxFeePerGas = parseUnits(fees.maxFeeGwei, "gwei");
  if (fees.priorityFeeGwei) overrides.maxPriorityFeePerGas = parseUnits(fees.priorityFeeGwei, "gwei");
  if (fees.nonce) overrides.nonce = Number(fees.nonce);
  return overrides;
}

export interface SentTx {
  description: string;
  hash: string;
  blockNumber: number;
  from: string;
}

/** How long to wait for one confirmation before giving up and saying how to replace the transaction. */
function txTimeoutMs(): number {
  const n = Number(process.env.OPS_TX_TIMEOUT_SECONDS || 300);
  return (Number.isFinite(n) && n > 0 ? n : 300) * 1000;
}

/**
 * Refuses to send when the key already has a transaction in the mempool: re-running a command whose transaction
 * is stuck would otherwise queue a second one behind it (a duplicate once the first lands). The way out is the
 * replacement the message names: the same nonce with higher fees.
 */
async function refuseWhenPending(signer: Signer, from: string): Promise<void> {
  const provider = signer.provider!;
  const [mined, pending] = await Promise.all([
    provider.getTransactionCount(from, "latest"),
    provider.getTransactionCount(from, "pending"),
  ]);
  if (pending > mined) {
    throw new UsageError(
      `${from} already has ${pending - mined} transaction(s) waiting in the mempool (nonce ${mined}${pending - mined > 1 ? `–${pending - 1}` : ""}). ` +
        `Sending now would queue a duplicate behind them. Replace the stuck one: rerun with --nonce ${mined} ` +
        `--max-fee-gwei N --priority-fee-gwei N (at least +10 % on both), or wait until it is mined`,
    );
  }
}

/** Sends the planned transactions in order, each confirmed before the next is sent (order matters for roles). */
export async function sendPlanned(
  signer: Signer,
  planned: readonly PlannedTx[],
  fees: FeeOptions,
  log: (line: string) => void,
): Promise<SentTx[]> {
  const sent: SentTx[] = [];
  const overrides = txOverrides(fees);
  const confirmations = fees.confirmations ? Number(fees.confirmations) : 1;
  let nonce = typeof overrides.nonce === "number" ? overrides.nonce : undefined;
  const from = await signer.getAddress();
  if (nonce === undefined) await refuseWhenPending(signer, from);
  for (const tx of planned) {
    const response = await signer.sendTransaction({
      to: tx.to,
      data: tx.data,
      value: 0n,
      ...overrides,
      ...(nonce === undefined ? {} : { nonce: nonce++ }),
    });
    log(`  sent ${tx.description}: ${response.hash} (from ${from}, nonce ${response.nonce})`);
    const receipt = await response.wait(confirmations, txTimeoutMs()).catch((error: unknown) => {
      if ((error as { code?: string }).code !== "TIMEOUT") throw error;
      throw new UsageError(
        `${tx.description}: ${response.hash} (nonce ${response.nonce}) is not mined after ${txTimeoutMs() / 1000} s. ` +
          `Rerunning without --nonce will not send a duplicate; replace it with --nonce ${response.nonce} ` +
          `--max-fee-gwei N --priority-fee-gwei N (at least +10 % on both)`,
      );
    });
    if (!receipt || receipt.status !== 1) throw new Error(`${tx.description}: transaction ${response.hash} failed`);
    log(`  confirmed in block ${receipt.blockNumber}`);
    sent.push({ description: tx.description, hash: response.hash, blockNumber: receipt.blockNumber, from });
  }
  return sent;
}

/** The Transaction Builder version whose batch file format safeBatch writes. */
export const TX_BUILDER_VERSION = "1.17.1";

/**
 * Safe Transaction Builder batch file (the JSON its "drag and drop" accepts): the multisig executes the
 * transactions in this order, atomically, as one MultiSend. `meta` carries what the builder checks: the Safe it
 * was made for (`createdFromSafeAddress`, "" when no role holder is a Safe) and its checksum (scripts/ops/safe.ts).
 */
export function safeBatch(chainId: number, name: string, planned: readonly PlannedTx[], safe?: string): object {
  const batch = {
    version: "1.0",
    chainId: String(chainId),
    createdAt: Date.now(),
    meta: {
      name,
      description: planned.map((tx, i) => `${i + 1}. ${tx.description}`).join("; "),
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: safe ?? "",
      createdFromOwnerAddress: "",
    },
    transactions: planned.map((tx) => ({
      to: tx.to,
      value: tx.value,
      data: tx.data,
      contractMethod: null,
      contractInputsValues: null,
    })),
  };
  return { ...batch, meta: { ...batch.meta, checksum: txBuilderChecksum(batch) } };
}

/** Local development chains (Hardhat, Ganache/Anvil-style 1337), where the maintainers' confirmations are not asked. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

/** Asks on a terminal; without one, the answer is no (the caller names the --yes that replaces it). */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * On a known mainnet, a deploy or role change needs `--mainnet` (or the chain id typed on a terminal) on top of
 * the usual confirmation: it spends real money and binds the fund's registry for good.
 */
export async function confirmMainnet(chainId: number, what: string, flag?: boolean): Promise<void> {
  const name = KNOWN_MAINNETS[chainId];
  if (name === undefined || flag) return;
  const typed = process.stdin.isTTY
    ? await ask(`${what} on ${name} mainnet (chain ${chainId}): type ${chainId} to go on: `)
    : "";
  if (typed.trim() === String(chainId)) return;
  throw new UsageError(
    `chain ${chainId} is ${name} mainnet: ${what} spends real funds. Pass --mainnet as well (or type the chain id ` +
      `on a terminal); nothing was sent`,
  );
}

async function ask(question: string): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export function formatEth(wei: bigint): string {
  return `${formatUnits(wei, 18)} ETH`;
}
