/**
 * The in-process Hardhat chain, shared by every test in the process: Hardhat's own network
 * (hre.network.provider) served over a real JSON-RPC port on 127.0.0.1 (port 0), so child processes, plain
 * JsonRpcProviders and browsers can reach it. Accounts are made per use: random wallets funded with
 * hardhat_setBalance, so no two users ever share a nonce.
 */
import { JsonRpcProvider, Wallet, parseEther, toQuantity } from "ethers";
import { serveHardhatNetwork, type HardhatRpcServer, type Hre } from "../../scripts/hardhat-rpc";
import { deployRegistry, type DeployedRegistry } from "../../server/demo/deploy-registry";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

export const HARDHAT_CHAIN_ID = 31337;

let shared: Promise<HardhatRpcServer> | null = null;

/** The JSON-RPC URL of the in-process chain (started on first use; lives as long as the process). */
export async function chainRpcUrl(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  shared ??= serveHardhatNetwork(require("hardhat") as Hre, 0);
  return (await shared).url;
}

/** A TCP proxy in front of the in-process chain's JSON-RPC port: cut it to take the chain away from a server. */
export async function startChainProxy(): Promise<TcpProxy> {
  const direct = new URL(await chainRpcUrl());
  return startTcpProxy(direct.hostname, Number(direct.port));
}

/** A provider without request caching (ethers would otherwise reuse a stale nonce). */
export function testProvider(rpcUrl: string): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, HARDHAT_CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
}

/** A fresh wallet holding 1000 ETH on the in-process chain. */
export async function fundedWallet(provider: JsonRpcProvider): Promise<Wallet> {
  const wallet = Wallet.createRandom().connect(provider) as unknown as Wallet;
  await provider.send("hardhat_setBalance", [wallet.address, toQuantity(parseEther("1000"))]);
  return wallet;
}

export interface TestRegistry extends DeployedRegistry {
  admin: Wallet;
  anchorer: Wallet;
  pauser: Wallet;
}

/** The server's default MAX_ANCHOR_DELAY_SECONDS, which a test registry promises unless told otherwise. */
export const DEFAULT_MAX_ANCHOR_DELAY_SECONDS = 3600;

/** Deploys a fresh TransparencyRegistry with its own admin, anchorer and pauser wallets. */
export async function deployTestRegistry(
  provider: JsonRpcProvider,
  maxAnchorDelaySeconds = DEFAULT_MAX_ANCHOR_DELAY_SECONDS,
): Promise<TestRegistry> {
  const [admin, anchorer, pauser] = [
    await fundedWallet(provider),
    await fundedWallet(provider),
    await fundedWallet(provider),
  ];
  const deployed = await deployRegistry(
    admin,
    {
      admin: admin.address,
      anchorer: anchorer.address,
      pauser: pauser.address,
    },
    maxAnchorDelaySeconds,
  );
  return { ...deployed, admin, anchorer, pauser };
}
