/**
 * The server's start-up check against an external chain: before it signs a receipt or sends an anchor, it
 * proves that the RPC is the chain, the address holds the registry that was deployed (the deployment file
 * written by `npm run deploy`), and its key holds ANCHORER_ROLE. A mismatch is a configuration mistake that
 * would otherwise show up only as reverted anchors, or worse, receipts pointing at the wrong contract.
 *
 * The deployment file's format (`aiqyn-deployment/1`) is defined here because the server is its reader of
 * record; scripts/ops writes it with the same types.
 */
import { readFile } from "node:fs/promises";
import { Contract, getAddress, isAddress, type Provider } from "ethers";
import { bytesToHex, hexToBytes, isBytes32Hex, type Hex } from "../../core/protocol/bytes";
import { AiqynError } from "../../core/protocol/errors";
import { keccak256 } from "../../core/protocol/keccak";
import { ANCHORER_ROLE, PAUSER_ROLE, type RegistryReader } from "../../core/verify/registry-reader";

export const DEPLOYMENT_FORMAT = "aiqyn-deployment/1";

export { ANCHORER_ROLE, PAUSER_ROLE };
export const DEFAULT_ADMIN_ROLE: Hex = `0x${"0".repeat(64)}`;

export interface DeploymentCompiler {
  solcVersion: string;
  solcLongVersion: string;
  optimizer: boolean;
  runs: number;
  viaIR: boolean;
  evmVersion: string;
}

export interface DeploymentRoles {
  /** DEFAULT_ADMIN_ROLE holders. */
  admin: string[];
  anchorers: string[];
  pausers: string[];
}

/** deployments/<network>.json */
export interface DeploymentFile {
  format: typeof DEPLOYMENT_FORMAT;
  network: string;
  chainId: number;
  contract: string;
  address: string;
  /** Block of the deployment transaction (also the contract's `deploymentBlock()`). */
  block: number;
  transaction: Hex;
  deployer: string;
  deployedAt: string;
  /** As given to the constructor; maxAnchorDelay (seconds, as a decimal string) since the contract promises one. */
  constructorArgs: [admin: string, anchorer: string, pauser: string, maxAnchorDelay?: string];
  /** Role holders as last seen on chain by the ops commands (informational: the chain is the authority). */
  roles: DeploymentRoles;
  rolesCheckedAt: string;
  compiler: DeploymentCompiler;
  /** keccak256 of the runtime code at `address` (includes the deployment's immutables). */
  bytecodeHash: Hex;
  explorerUrl?: string;
  ignitionDeploymentId?: string;
}

function bad(source: string, what: string): never {
  throw new AiqynError(
    "DEPLOYMENT_FILE_INVALID",
    `${source}: ${what}. The file is written by \`npm run deploy\`; restore it from the deploy's output or backups`,
  );
}

const isAddressList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((a) => typeof a === "string" && isAddress(a));

/** Parses and checks a deployment file's text; throws AiqynError DEPLOYMENT_FILE_INVALID. */
export function parseDeploymentFile(text: string, source = "deployment file"): DeploymentFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AiqynError("DEPLOYMENT_FILE_INVALID", `${source}: not JSON`, { cause });
  }
  if (typeof value !== "object" || value === null) bad(source, "not a JSON object");
  const f = value as Partial<Record<keyof DeploymentFile, unknown>>;
  if (f.format !== DEPLOYMENT_FORMAT) bad(source, `format is not "${DEPLOYMENT_FORMAT}"`);
  if (typeof f.chainId !== "number" || !Number.isSafeInteger(f.chainId) || f.chainId <= 0) bad(source, "bad chainId");
  if (typeof f.address !== "string" || !isAddress(f.address)) bad(source, "bad address");
  if (!isBytes32Hex(f.bytecodeHash)) bad(source, "bytecodeHash is not a bytes32 hex");
  if (typeof f.block !== "number" || !Number.isSafeInteger(f.block) || f.block < 0) bad(source, "bad block");
  const roles = f.roles as Partial<DeploymentRoles> | undefined;
  if (!roles || !isAddressList(roles.admin) || !isAddressList(roles.anchorers) || !isAddressList(roles.pausers)) {
    bad(source, "roles must hold admin, anchorers and pausers address lists");
  }
  return value as DeploymentFile;
}

export async function readDeploymentFile(path: string): Promise<DeploymentFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new AiqynError(
      "DEPLOYMENT_FILE_INVALID",
      `cannot read the deployment file ${path}: set DEPLOYMENT_FILE to the deployments/<network>.json written by \`npm run deploy\``,
      { cause },
    );
  }
  return parseDeploymentFile(text, path);
}

/** keccak256 of runtime code, with core's one keccak. */
export function codeHash(code: string): Hex {
  return bytesToHex(keccak256(hexToBytes(code)));
}

/**
 * The chain id the RPC endpoint itself reports. A JsonRpcProvider built with `staticNetwork` answers
 * getNetwork() from its constructor argument without asking the node, which would make this check a tautology,
 * so ask `eth_chainId` directly whenever the provider can send raw requests.
 */
async function rpcChainId(provider: Provider): Promise<number> {
  const send = (provider as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  if (typeof send === "function") return Number(BigInt(String(await send.call(provider, "eth_chainId", []))));
  return Number((await provider.getNetwork()).chainId);
}

const REGISTRY_PROBE_ABI = [
  "function ANCHORER_ROLE() view returns (bytes32)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function batchCount() view returns (uint64)",
];

export interface CheckDeploymentOptions {
  provider: Provider;
  registry: string;
  /** The address of the server's anchoring (and receipt-signing) key. */
  anchorer: string;
  /** deployments/<network>.json; without it, chain id (if expected), code presence and the role are checked. */
  deploymentFile?: string;
  expectedChainId?: number;
}

/**
 * Refuses a start against the wrong chain, the wrong contract or a key without ANCHORER_ROLE. Throws AiqynError
 * with code CHAIN_ID_MISMATCH, REGISTRY_NO_CODE, DEPLOYMENT_MISMATCH, ANCHORER_ROLE_MISSING,
 * DEPLOYMENT_FILE_INVALID, INVALID_ADDRESS or CHAIN_UNAVAILABLE; resolves when everything matches.
 */
export async function checkDeployment(opts: CheckDeploymentOptions): Promise<void> {
  const { provider } = opts;
  for (const [name, value] of [
    ["REGISTRY_ADDRESS", opts.registry],
    ["the anchorer key's address", opts.anchorer],
  ] as const) {
    if (!isAddress(value)) throw new AiqynError("INVALID_ADDRESS", `${name} is not a 0x address: ${String(value)}`);
  }
  const registry = getAddress(opts.registry);
  const anchorer = getAddress(opts.anchorer);
  const deployment = opts.deploymentFile === undefined ? undefined : await readDeploymentFile(opts.deploymentFile);
  const fileName = opts.deploymentFile ?? "";

  let chainId: number;
  let code: string;
  try {
    chainId = await rpcChainId(provider);
    code = await provider.getCode(registry);
  } catch (cause) {
    throw new AiqynError("CHAIN_UNAVAILABLE", `the RPC endpoint did not answer (${String(cause)}); check RPC_URL`, {
      cause,
    });
  }

  if (opts.expectedChainId !== undefined && chainId !== opts.expectedChainId) {
    throw new AiqynError(
      "CHAIN_ID_MISMATCH",
      `the RPC endpoint serves chain ${chainId}, but chain ${opts.expectedChainId} is configured: point RPC_URL at ` +
        `a node of chain ${opts.expectedChainId}, or fix the configured chain id`,
      { details: { actual: chainId, expected: opts.expectedChainId } },
    );
  }
  if (deployment && chainId !== deployment.chainId) {
    throw new AiqynError(
      "CHAIN_ID_MISMATCH",
      `the RPC endpoint serves chain ${chainId}, but ${fileName} records a deployment on chain ${deployment.chainId}: ` +
        `point RPC_URL at that chain, or set DEPLOYMENT_FILE to the deployment of chain ${chainId}`,
      { details: { actual: chainId, expected: deployment.chainId } },
    );
  }
  if (deployment && getAddress(deployment.address) !== registry) {
    throw new AiqynError(
      "DEPLOYMENT_MISMATCH",
      `REGISTRY_ADDRESS is ${registry}, but ${fileName} records the registry at ${getAddress(deployment.address)}: ` +
        `use the address from the deployment file (or the deployment file of that address)`,
      { details: { actual: registry, expected: deployment.address } },
    );
  }
  if (code === "0x") {
    throw new AiqynError(
      "REGISTRY_NO_CODE",
      `no contract at ${registry} on chain ${chainId}: the address is an account without code. Check ` +
        `REGISTRY_ADDRESS and RPC_URL; on a local node that was restarted, deploy again (npm run deploy)`,
      { details: { registry, chainId } },
    );
  }
  if (deployment) {
    const actual = codeHash(code);
    if (actual !== deployment.bytecodeHash.toLowerCase()) {
      throw new AiqynError(
        "DEPLOYMENT_MISMATCH",
        `the code at ${registry} (keccak256 ${actual}) is not the registry recorded in ${fileName} ` +
          `(${deployment.bytecodeHash}): another contract lives there (a reset local chain or a wrong address). ` +
          `Deploy again or fix REGISTRY_ADDRESS / DEPLOYMENT_FILE`,
        { details: { actual, expected: deployment.bytecodeHash } },
      );
    }
  }

  const probe = new Contract(registry, REGISTRY_PROBE_ABI, provider);
  let hasRole: boolean;
  try {
    // Without a deployment file this is the only evidence that the code is a registry at all.
    const role = (await probe.getFunction("ANCHORER_ROLE").staticCall()) as string;
    await probe.getFunction("batchCount").staticCall();
    if (role.toLowerCase() !== ANCHORER_ROLE) throw new Error(`ANCHORER_ROLE() answered ${role}`);
    hasRole = (await probe.getFunction("hasRole").staticCall(ANCHORER_ROLE, anchorer)) as boolean;
  } catch (cause) {
    throw new AiqynError(
      "DEPLOYMENT_MISMATCH",
      `the contract at ${registry} does not answer as a TransparencyRegistry (ANCHORER_ROLE/batchCount/hasRole): ` +
        `REGISTRY_ADDRESS points at another contract`,
      { cause, details: { registry } },
    );
  }
  if (!hasRole) {
    throw new AiqynError(
      "ANCHORER_ROLE_MISSING",
      `the server's key ${anchorer} lacks ANCHORER_ROLE on ${registry}: it could neither anchor nor sign valid ` +
        `receipts. Have the admin grant it (npm run ops -- grant-anchorer ${anchorer} --network <name>, or ` +
        `--print-tx for a Safe), or start the server with the key that holds the role`,
      { details: { registry, anchorer } },
    );
  }
}

/**
 * Refuses a start whose MAX_ANCHOR_DELAY_SECONDS is not the registry's `maxAnchorDelay()`: the server would
 * promise in its receipts and /registry a delay the contract does not, and verifiers judge by the contract.
 * Throws AiqynError MAX_ANCHOR_DELAY_MISMATCH.
 */
export async function checkAnchorDelay(
  reader: Pick<RegistryReader, "maxAnchorDelay">,
  configuredSeconds: number,
): Promise<void> {
  const promised = await reader.maxAnchorDelay();
  if (promised === configuredSeconds) return;
  throw new AiqynError(
    "MAX_ANCHOR_DELAY_MISMATCH",
    `MAX_ANCHOR_DELAY_SECONDS is ${configuredSeconds}, but the registry promises maxAnchorDelay() = ${promised} s: ` +
      `set MAX_ANCHOR_DELAY_SECONDS=${promised} (the contract's value is immutable; a different promise needs a new deployment)`,
    { details: { actual: configuredSeconds, expected: promised } },
  );
}
