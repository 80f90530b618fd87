/**
 * Networks and explorer settings for hardhat.config.ts, built from environment variables only: no RPC URL, key
 * or API key ever lives in a file of this repository. A testnet appears in the config only when its RPC URL is
 * set, so a typo'd or unconfigured network fails before anything is signed (see `missingNetworkHint`).
 */
import type { EtherscanConfig } from "@nomicfoundation/hardhat-verify/types";
import type { NetworksUserConfig } from "hardhat/types";
import { KNOWN_NETWORKS, type KnownNetwork } from "../../core/chains/evm/networks";

/** A testnet the ops tooling deploys to: one of core's known networks with an environment variable prefix. */
export type KnownTestnet = KnownNetwork & { envPrefix: string };

export const KNOWN_TESTNETS: readonly KnownTestnet[] = KNOWN_NETWORKS.filter(
  (network): network is KnownTestnet => network.envPrefix !== undefined,
);

/** Default for the `localhost` network: `npx hardhat node`'s address. Tests point it elsewhere. */
export const DEFAULT_LOCAL_RPC_URL = "http://127.0.0.1:8545";

type Env = Record<string, string | undefined>;

/** A 0x-prefixed (or bare) 32-byte hex private key, normalised to 0x form; anything else is refused loudly. */
function privateKey(name: string, value: string): string {
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`${name} is set but is not a 32-byte hex private key (0x + 64 hex digits)`);
  }
  return `0x${hex}`;
}

/**
 * The signing keys for one network, in this order: deployer, then the optional pauser and admin keys (an
 * admin key only when the admin is an EOA, e.g. during a rehearsal; a multisig admin signs in its own UI).
 */
export function networkKeys(env: Env, prefix: string): string[] {
  return ["DEPLOYER_KEY", "PAUSER_KEY", "ADMIN_KEY"]
    .map((suffix) => `${prefix}_${suffix}`)
    .filter((name) => (env[name] ?? "") !== "")
    .map((name) => privateKey(name, env[name]!));
}

/**
 * Ignition's fee caps for a congested chain: `${prefix}_MAX_FEE_GWEI` caps maxFeePerGas (Ignition bumps a
 * stuck deploy's fees up to it), `${prefix}_PRIORITY_FEE_GWEI` sets the tip.
 */
function ignitionFees(env: Env, prefix: string): { maxFeePerGasLimit?: bigint; maxPriorityFeePerGas?: bigint } {
  const gwei = (name: string) => {
    const value = env[`${prefix}_${name}`];
    if (!value) return undefined;
    if (!/^\d+(\.\d{1,9})?$/.test(value)) throw new Error(`${prefix}_${name} must be a number of gwei`);
    const [whole, fraction = ""] = value.split(".");
    return BigInt(whole!) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0"));
  };
  const maxFeePerGasLimit = gwei("MAX_FEE_GWEI");
  const maxPriorityFeePerGas = gwei("PRIORITY_FEE_GWEI");
  return {
    ...(maxFeePerGasLimit === undefined ? {} : { maxFeePerGasLimit }),
    ...(maxPriorityFeePerGas === undefined ? {} : { maxPriorityFeePerGas }),
  };
}

/**
 * Chain ids of public mainnets, where a deploy or a role change spends real money and binds a state fund's
 * registry for good: the ops commands ask for `--mainnet` on top of `--yes` there.
 */
export const KNOWN_MAINNETS: Readonly<Record<number, string>> = {
  1: "Ethereum",
  10: "OP Mainnet",
  56: "BNB Smart Chain",
  100: "Gnosis",
  137: "Polygon PoS",
  250: "Fantom",
  324: "zkSync Era",
  1101: "Polygon zkEVM",
  5000: "Mantle",
  8453: "Base",
  42161: "Arbitrum One",
  42220: "Celo",
  43114: "Avalanche C-Chain",
  59144: "Linea",
  81457: "Blast",
  534352: "Scroll",
};

/** `--network custom`: any EVM chain, named by CUSTOM_RPC_URL and CUSTOM_CHAIN_ID (checked against each other). */
export const CUSTOM_NETWORK = "custom";
const CUSTOM_PREFIX = "CUSTOM";

/** CUSTOM_CHAIN_ID as a positive whole number; a malformed one is refused (undefined when unset). */
export function customChainId(env: Env): number | undefined {
  const value = env[`${CUSTOM_PREFIX}_CHAIN_ID`]?.trim();
  if (!value) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new Error(
      `${CUSTOM_PREFIX}_CHAIN_ID must be a chain id (a positive whole number), got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

function customNetwork(env: Env): NetworksUserConfig {
  const url = env[`${CUSTOM_PREFIX}_RPC_URL`];
  const chainId = customChainId(env);
  if (!url || chainId === undefined) return {};
  return {
    [CUSTOM_NETWORK]: {
      url,
      chainId,
      accounts: networkKeys(env, CUSTOM_PREFIX),
      ignition: ignitionFees(env, CUSTOM_PREFIX),
    },
  };
}

export function networksFromEnv(env: Env): NetworksUserConfig {
  const networks: NetworksUserConfig = {
    // `npm run chain` serves this network. HARDHAT_NODE_CHAIN_ID gives it another chain id than 31337, so a
    // rehearsal meets the confirmations a real chain asks for (then set LOCAL_CHAIN_ID to the same value).
    ...(env.HARDHAT_NODE_CHAIN_ID ? { hardhat: { chainId: Number(env.HARDHAT_NODE_CHAIN_ID) } } : {}),
    // A local `hardhat node`; its unlocked accounts sign, unless LOCAL_DEPLOYER_KEY etc. are set.
    localhost: {
      url: env.LOCAL_RPC_URL || DEFAULT_LOCAL_RPC_URL,
      chainId: env.LOCAL_CHAIN_ID ? Number(env.LOCAL_CHAIN_ID) : 31337,
      ...(networkKeys(env, "LOCAL").length > 0 ? { accounts: networkKeys(env, "LOCAL") } : {}),
    },
  };
  for (const net of KNOWN_TESTNETS) {
    const url = env[`${net.envPrefix}_RPC_URL`];
    if (!url) continue;
    networks[net.name] = {
      url,
      chainId: net.chainId,
      accounts: networkKeys(env, net.envPrefix),
      ignition: ignitionFees(env, net.envPrefix),
    };
  }
  return { ...networks, ...customNetwork(env) };
}

/**
 * hardhat-verify settings: one Etherscan API key (the multichain V2 API covers every chain below), and the
 * L2 testnets spelled out so verification does not depend on the plugin's built-in list (OP Sepolia is not in it).
 */
export function etherscanFromEnv(env: Env): Partial<EtherscanConfig> {
  const customChains = KNOWN_TESTNETS.filter((net) => net.name !== "sepolia").map((net) => ({
    network: net.name,
    chainId: net.chainId,
    urls: { apiURL: `https://api.etherscan.io/v2/api?chainid=${net.chainId}`, browserURL: net.explorerUrl },
  }));
  const chainId = env[`${CUSTOM_PREFIX}_RPC_URL`] ? customChainId(env) : undefined;
  if (chainId !== undefined) {
    // Etherscan's V2 API serves most EVM chains by chain id; CUSTOM_VERIFY_API_URL names another explorer's API.
    customChains.push({
      network: CUSTOM_NETWORK,
      chainId,
      urls: {
        apiURL: env.CUSTOM_VERIFY_API_URL || `https://api.etherscan.io/v2/api?chainid=${chainId}`,
        browserURL: env.CUSTOM_EXPLORER_URL || "",
      },
    });
  }
  return { apiKey: env.ETHERSCAN_API_KEY ?? "", customChains };
}

/** What to set when `--network NAME` names a known testnet that is not configured; undefined if nothing is missing. */
export function missingNetworkHint(env: Env, networkName: string): string | undefined {
  if (networkName === CUSTOM_NETWORK) {
    const missing = [`${CUSTOM_PREFIX}_RPC_URL`, `${CUSTOM_PREFIX}_CHAIN_ID`].filter((name) => !env[name]?.trim());
    if (missing.length === 0) return undefined;
    return (
      `network "custom" is not configured: set ${missing.join(" and ")} (any EVM chain: its RPC endpoint and the ` +
      `chain id it must report), and ${CUSTOM_PREFIX}_DEPLOYER_KEY (the deployer's private key) in the environment`
    );
  }
  const net = KNOWN_TESTNETS.find((n) => n.name === networkName);
  if (!net || env[`${net.envPrefix}_RPC_URL`]) return undefined;
  return (
    `network "${networkName}" is not configured: set ${net.envPrefix}_RPC_URL (an RPC endpoint for chain ` +
    `${net.chainId}) and ${net.envPrefix}_DEPLOYER_KEY (the deployer's private key) in the environment`
  );
}
