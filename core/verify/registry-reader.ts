/**
 * Reading the TransparencyRegistry with plain JSON-RPC `eth_call`s: the calldata and the answers' decoding,
 * kept here so the page and the CLI read the chain the same way. The transport is injected (one method,
 * EIP-1193 style); this module never opens a connection itself.
 */
import {
  addressWordHex,
  bytesToHex,
  hexToBytes,
  isHexQuantity,
  uintWordHex,
  utf8Bytes,
  type Hex,
} from "../protocol/bytes";
import { AiqynError } from "../protocol/errors";
import { keccak256 } from "../protocol/keccak";
import { isAddress } from "../protocol/trust";
import type { OnChainBatch, ReadBatch } from "../protocol/bundle";
import type { RpcRequest } from "../chains/evm/json-rpc";

/** The registry's roles, as its public constants define them: keccak256 of the role's name. */
export const ANCHORER_ROLE: Hex = bytesToHex(keccak256(utf8Bytes("ANCHORER_ROLE")));
export const PAUSER_ROLE: Hex = bytesToHex(keccak256(utf8Bytes("PAUSER_ROLE")));

function selector(signature: string): string {
  return bytesToHex(keccak256(utf8Bytes(signature)).slice(0, 4)).slice(2);
}

const SELECTORS = {
  batchCount: selector("batchCount()"),
  nextSeq: selector("nextSeq()"),
  head: selector("head()"),
  batch: selector("batch(uint64)"),
  batchOfSeq: selector("batchOfSeq(uint64)"),
  hasRole: selector("hasRole(bytes32,address)"),
  paused: selector("paused()"),
  deploymentBlock: selector("deploymentBlock()"),
  maxAnchorDelay: selector("maxAnchorDelay()"),
} as const;

function words(result: unknown, count: number, what: string): Uint8Array[] {
  if (typeof result !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(result)) {
    throw new AiqynError("RPC_BAD_ANSWER", `${what}: the RPC answered something that is not hex data`);
  }
  const bytes = hexToBytes(result);
  if (bytes.length < count * 32) {
    // 0x from an address without code is the usual cause.
    throw new AiqynError(
      "REGISTRY_NOT_FOUND",
      `${what}: no registry answered at that address (empty or short return data)`,
    );
  }
  return Array.from({ length: count }, (_, i) => bytes.slice(i * 32, i * 32 + 32));
}

function toSafeNumber(w: Uint8Array, what: string): number {
  const value = BigInt(bytesToHex(w));
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AiqynError("RPC_BAD_ANSWER", `${what} is beyond this tool's integer range`);
  return Number(value);
}

export interface RegistryReader {
  chainId(): Promise<number>;
  batchCount(): Promise<number>;
  nextSeq(): Promise<number>;
  head(): Promise<Hex>;
  paused(): Promise<boolean>;
  deploymentBlock(): Promise<number>;
  /** The registry's immutable promise (seconds): how long a receipt may wait for its anchor. */
  maxAnchorDelay(): Promise<number>;
  hasRole(role: Hex, account: string): Promise<boolean>;
  /** batch(id), or null when id is 0 or past batchCount (the contract would revert). */
  batch: ReadBatch;
  code(): Promise<Hex>;
}

export function createRegistryReader(
  request: RpcRequest,
  registry: string,
  blockTag: string = "latest",
): RegistryReader {
  if (!isAddress(registry)) throw new AiqynError("INVALID_ADDRESS", "the registry must be a 20-byte 0x address");
  const call = (data: string) => request("eth_call", [{ to: registry, data: `0x${data}` }, blockTag]);
  const uint = async (sel: string, what: string) => toSafeNumber(words(await call(sel), 1, what)[0]!, what);

  const reader: RegistryReader = {
    async chainId() {
      const result = await request("eth_chainId", []);
      if (!isHexQuantity(result)) throw new AiqynError("RPC_BAD_ANSWER", "eth_chainId answered garbage");
      return Number(BigInt(result));
    },
    batchCount: () => uint(SELECTORS.batchCount, "batchCount()"),
    nextSeq: () => uint(SELECTORS.nextSeq, "nextSeq()"),
    deploymentBlock: () => uint(SELECTORS.deploymentBlock, "deploymentBlock()"),
    maxAnchorDelay: () => uint(SELECTORS.maxAnchorDelay, "maxAnchorDelay()"),
    async head() {
      return bytesToHex(words(await call(SELECTORS.head), 1, "head()")[0]!);
    },
    async paused() {
      return (await uint(SELECTORS.paused, "paused()")) !== 0;
    },
    async hasRole(role, account) {
      const data = SELECTORS.hasRole + role.slice(2).toLowerCase() + addressWordHex(account);
      return toSafeNumber(words(await call(data), 1, "hasRole()")[0]!, "hasRole()") !== 0;
    },
    async batch(batchId): Promise<OnChainBatch | null> {
      if (!Number.isSafeInteger(batchId) || batchId < 1) return null;
      // Both asked at once (one round trip on a batching transport); past batchCount the call reverts.
      const [count, answer] = await Promise.all([
        reader.batchCount(),
        call(SELECTORS.batch + uintWordHex(batchId)).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      ]);
      if (batchId > count) return null;
      if ("error" in answer) throw answer.error;
      const [root, firstSeq, leafCount, anchoredAt, head] = words(answer.value, 5, "batch()");
      return {
        root: bytesToHex(root!),
        firstSeq: toSafeNumber(firstSeq!, "firstSeq"),
        leafCount: toSafeNumber(leafCount!, "leafCount"),
        anchoredAt: toSafeNumber(anchoredAt!, "anchoredAt"),
        head: bytesToHex(head!),
      };
    },
    async code() {
      const result = await request("eth_getCode", [registry, blockTag]);
      if (typeof result !== "string") throw new AiqynError("RPC_BAD_ANSWER", "eth_getCode answered garbage");
      return result as Hex;
    },
  };
  return reader;
}

/** The registry's head hash chain: keccak256(abi.encode(prevHead, batchId, root, firstSeq, leafCount)). */
export function nextHead(prevHead: Hex, batchId: number, root: Hex, firstSeq: number, leafCount: number): Hex {
  const buf = new Uint8Array(5 * 32);
  buf.set(hexToBytes(prevHead), 0);
  buf.set(hexToBytes(`0x${uintWordHex(batchId)}`), 32);
  buf.set(hexToBytes(root), 64);
  buf.set(hexToBytes(`0x${uintWordHex(firstSeq)}`), 96);
  buf.set(hexToBytes(`0x${uintWordHex(leafCount)}`), 128);
  return bytesToHex(keccak256(buf));
}
