/**
 * The server's connection to the chain: an ethers provider (no request caching, a static network, a bounded
 * request timeout), the anchorer's wallet, and core's registry reader over the same transport.
 */
import { FetchRequest, Interface, JsonRpcProvider, Network, Wallet, isError } from "ethers";
import { AiqynError, createRegistryReader, type RegistryReader } from "../../core";

/** The registry's ABI as the server uses it: anchor, its custom errors, OpenZeppelin's pause/role errors. */
export const REGISTRY_ABI = [
  "function anchor(uint64 batchId, bytes32 root, uint64 firstSeq, uint32 leafCount)",
  "function pause()",
  "function unpause()",
  "function paused() view returns (bool)",
  "function batchCount() view returns (uint64)",
  "function nextSeq() view returns (uint64)",
  "function ANCHORER_ROLE() view returns (bytes32)",
  "function PAUSER_ROLE() view returns (bytes32)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "event BatchAnchored(uint64 indexed batchId, bytes32 root, uint64 firstSeq, uint32 leafCount, bytes32 head)",
  "error RegistryBatchAlreadyAnchored(uint64 batchId, bytes32 anchoredRoot)",
  "error RegistryBatchOutOfOrder(uint64 batchId, uint64 expectedBatchId)",
  "error RegistryZeroRoot()",
  "error RegistryEmptyBatch()",
  "error RegistrySeqGap(uint64 firstSeq, uint64 expectedFirstSeq)",
  "error RegistrySeqOverflow(uint64 firstSeq, uint32 leafCount)",
  "error RegistryUnknownBatch(uint64 batchId)",
  "error EnforcedPause()",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
] as const;

export const registryInterface = new Interface(REGISTRY_ABI);

export interface ChainClient {
  readonly chainId: number;
  readonly registry: string;
  readonly provider: JsonRpcProvider;
  readonly wallet: Wallet;
  readonly reader: RegistryReader;
  destroy(): void;
}

/** A provider that never caches answers (nonces!) and gives up on a request after `timeoutMs`. */
export function createProvider(rpcUrl: string, chainId: number, timeoutMs = 10_000): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutMs;
  return new JsonRpcProvider(request, Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
}

/** eth_chainId over plain fetch, retried until `deadlineMs` passes (the chain may still be starting). */
export async function fetchChainId(rpcUrl: string, deadlineMs = 30_000): Promise<number> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await response.json()) as { result?: string };
      if (typeof body.result === "string") return Number(BigInt(body.result));
      lastError = new Error(`eth_chainId answered ${JSON.stringify(body).slice(0, 200)}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > until) {
      throw new AiqynError("CHAIN_UNAVAILABLE", `the chain at ${rpcUrl} did not answer eth_chainId`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
  }
}

export function createChainClient(rpcUrl: string, chainId: number, registry: string, anchorerKey: string): ChainClient {
  const provider = createProvider(rpcUrl, chainId);
  const wallet = new Wallet(anchorerKey, provider);
  const reader = createRegistryReader((method, params) => provider.send(method, params), registry);
  return { chainId, registry, provider, wallet, reader, destroy: () => provider.destroy() };
}

/** The registry's custom error in an ethers error, decoded with the ABI above, or null. */
export function decodeRevert(error: unknown): { name: string; args: unknown[] } | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  // ethers nests the revert data at different depths depending on the call path; look through them all.
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      try {
        const parsed = registryInterface.parseError(data);
        if (parsed) return { name: parsed.name, args: [...parsed.args] };
      } catch {
        /* not one of ours */
      }
    }
    current =
      (current as { error?: unknown; info?: unknown }).error ?? (current as { info?: { error?: unknown } }).info?.error;
  }
  return null;
}

/** True when the error means "the node could not be reached" rather than "the node said no". */
export function isConnectionError(error: unknown): boolean {
  return (
    isError(error, "NETWORK_ERROR") ||
    isError(error, "TIMEOUT") ||
    /ECONNREFUSED|ECONNRESET|fetch failed|socket/i.test(String((error as Error)?.message ?? error))
  );
}
