/**
 * The one table of public networks Aiqyn knows by name: the server's default deployment file
 * (deployments/<name>.json) and the ops tooling's Hardhat networks both read it.
 */
export interface KnownNetwork {
  /** Hardhat network name, used with `--network` and as the deployment file's name. */
  name: string;
  chainId: number;
  explorerUrl: string;
  /** Environment variable prefix for a testnet the ops tooling deploys to: `${envPrefix}_RPC_URL`, … */
  envPrefix?: string;
}

export const KNOWN_NETWORKS: readonly KnownNetwork[] = [
  { name: "mainnet", chainId: 1, explorerUrl: "https://etherscan.io" },
  { name: "sepolia", chainId: 11155111, envPrefix: "SEPOLIA", explorerUrl: "https://sepolia.etherscan.io" },
  { name: "baseSepolia", chainId: 84532, envPrefix: "BASE_SEPOLIA", explorerUrl: "https://sepolia.basescan.org" },
  {
    name: "opSepolia",
    chainId: 11155420,
    envPrefix: "OP_SEPOLIA",
    explorerUrl: "https://sepolia-optimism.etherscan.io",
  },
  {
    name: "arbitrumSepolia",
    chainId: 421614,
    envPrefix: "ARBITRUM_SEPOLIA",
    explorerUrl: "https://sepolia.arbiscan.io",
  },
  { name: "bsc", chainId: 56, explorerUrl: "https://bscscan.com" },
  { name: "bscTestnet", chainId: 97, explorerUrl: "https://testnet.bscscan.com" },
];

/** The network's name for a chain id, or undefined (a Hardhat chain, 31337, is never named: it is thrown away). */
export function networkName(chainId: number): string | undefined {
  return KNOWN_NETWORKS.find((network) => network.chainId === chainId)?.name;
}
