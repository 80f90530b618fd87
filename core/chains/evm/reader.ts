/**
 * core/chains/evm/: reading an EVM chain over JSON-RPC: the batching transport (json-rpc.ts), the chunked
 * log scan, call traces, the public networks Aiqyn knows by name, and the reconciler's reader below.
 *
 * What the reconciler asks of an EVM chain, and that interface over plain JSON-RPC (the transport is injected:
 * core never opens a connection). Every read names its block, so a reconciliation up to a final block gives the
 * same answer whenever it runs.
 */
import {
  addressWordHex,
  bytesToHex,
  hexToBytes,
  isHexData,
  isHexQuantity,
  uintWordHex,
  utf8Bytes,
  type Hex,
} from "../../protocol/bytes";
import { AiqynError } from "../../protocol/errors";
import { isObject } from "../../protocol/shape";
import { keccak256 } from "../../protocol/keccak";
import { createGetLogs, parseChainLog, type ChainLog, type GetLogs } from "./log-scan";
import { createTraceReader, type ValueMove } from "./call-trace";
import type { RpcRequest } from "./json-rpc";

/** The parts of eth_getTransactionReceipt the reconciler reads. Addresses lowercase. */
export interface ChainReceipt {
  transactionHash: Hex;
  blockNumber: number;
  from: string;
  to: string | null;
  success: boolean;
  /** gasUsed × effectiveGasPrice: what the sender paid, in the native coin's smallest unit. */
  fee: bigint;
  logs: ChainLog[];
}

/** The parts of eth_getTransactionByHash the reconciler reads. */
export interface ChainTransaction {
  hash: Hex;
  from: string;
  to: string | null;
  value: bigint;
}

export interface EvmChainReader {
  latestBlock(): Promise<number>;
  nativeBalance(address: string, block: number): Promise<bigint>;
  tokenBalance(token: string, address: string, block: number): Promise<bigint>;
  /** The block's timestamp (unix seconds). */
  blockTimestamp(block: number): Promise<number>;
  /** The token's decimals() at `block`; refused (TOKEN_DECIMALS) above 255, as no ERC-20 uint8 can be. */
  decimals(token: string, block: number): Promise<number>;
  getLogs: GetLogs;
  transaction(hash: string): Promise<ChainTransaction | null>;
  receipt(hash: string): Promise<ChainReceipt | null>;
  nonce(address: string, block: number): Promise<number>;
  hasCode(address: string, block: number): Promise<boolean>;
  /** ERC-1271: true when `account` answers the magic value 0x1626ba7e for (hash, signature). */
  isValidSignature(account: string, hash: Hex, signature: Hex, block: number): Promise<boolean>;
  /**
   * The transaction's native value moves from a call trace (core/chains/evm/call-trace.ts), internal calls included; null
   * when the RPC offers no trace. Optional: a reader without it is one whose RPC offers none.
   */
  valueMoves?(hash: string): Promise<ValueMove[] | null>;
  /** A Safe's owners (lowercase) and threshold at `block`; null when the account does not answer as a Safe. */
  safeSetup?(account: string, block: number): Promise<SafeSetup | null>;
}

export interface SafeSetup {
  owners: string[];
  threshold: number;
}

/** keccak256("Transfer(address,address,uint256)"): topic 0 of an ERC-20 Transfer log. */
export const TRANSFER_TOPIC: Hex = bytesToHex(keccak256(utf8Bytes("Transfer(address,address,uint256)")));
const ERC1271_MAGIC = "0x1626ba7e";

const selector = (signature: string) => bytesToHex(keccak256(utf8Bytes(signature)).slice(0, 4)).slice(2);
const SELECTORS = {
  balanceOf: selector("balanceOf(address)"),
  decimals: selector("decimals()"),
  isValidSignature: selector("isValidSignature(bytes32,bytes)"),
  getOwners: selector("getOwners()"),
  getThreshold: selector("getThreshold()"),
};

const quantity = (n: number) => `0x${n.toString(16)}`;

function toBigInt(value: unknown, what: string): bigint {
  if (!isHexQuantity(value))
    throw new AiqynError("RPC_BAD_ANSWER", `${what}: the RPC answered something that is not a hex quantity`);
  return BigInt(value);
}

function toNumber(value: unknown, what: string): number {
  const n = toBigInt(value, what);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new AiqynError("RPC_BAD_ANSWER", `${what} is out of range`);
  return Number(n);
}

function firstWord(value: unknown, what: string): bigint {
  if (!isHexData(value) || value.length < 66)
    throw new AiqynError("RPC_BAD_ANSWER", `${what}: no 32-byte answer (is it a contract of that kind?)`);
  return BigInt(value.slice(0, 66));
}

const lowerAddress = (value: unknown): string | null => (typeof value === "string" ? value.toLowerCase() : null);

function parseReceipt(raw: Record<string, unknown>): ChainReceipt {
  const gasPrice = raw.effectiveGasPrice ?? raw.gasPrice ?? "0x0";
  return {
    transactionHash: String(raw.transactionHash).toLowerCase() as Hex,
    blockNumber: toNumber(raw.blockNumber, "receipt blockNumber"),
    from: lowerAddress(raw.from) ?? "",
    to: lowerAddress(raw.to),
    success: raw.status === "0x1",
    fee: toBigInt(raw.gasUsed, "receipt gasUsed") * toBigInt(gasPrice, "receipt effectiveGasPrice"),
    logs: Array.isArray(raw.logs) ? raw.logs.map(parseChainLog) : [],
  };
}

/** JSON-RPC execution errors (code 3 or -32000 with "revert"): the contract said no. */
function isRevert(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 3 || (typeof e?.message === "string" && /revert/i.test(e.message));
}

/** isValidSignature(bytes32 hash, bytes signature) calldata: selector, hash, offset 0x40, length, padded bytes. */
function isValidSignatureCall(hash: Hex, signature: Hex): string {
  const sig = hexToBytes(signature);
  const padded = bytesToHex(sig)
    .slice(2)
    .padEnd(Math.ceil(sig.length / 32) * 64, "0");
  const length = uintWordHex(sig.length);
  return `0x${SELECTORS.isValidSignature}${hash.slice(2)}${uintWordHex(0x40)}${length}${padded}`;
}

/** getOwners()'s ABI answer (offset, length, addresses), or null when it is not one. */
function decodeAddressList(answer: unknown): string[] | null {
  if (!isHexData(answer) || answer.length < 130) return null;
  const words = answer.slice(2).match(/.{64}/g) ?? [];
  const offset = Number(BigInt(`0x${words[0]}`)) / 32;
  const length = words[offset] === undefined ? NaN : Number(BigInt(`0x${words[offset]}`));
  if (!Number.isInteger(offset) || !(length >= 0 && length <= words.length - offset - 1)) return null;
  return words.slice(offset + 1, offset + 1 + length).map((w) => `0x${w.slice(24)}`);
}

/**
 * JSON null is "no such transaction"; anything else that is not an object is a bad answer, never "none": a
 * hostile RPC must not turn a real movement into a phantom one.
 */
function objectOrNull(raw: unknown, method: string): Record<string, unknown> | null {
  if (raw === null) return null;
  if (!isObject(raw)) throw new AiqynError("RPC_BAD_ANSWER", `${method}: not an object or null`);
  return raw;
}

/** An EvmChainReader over a JSON-RPC transport. */
export function createEvmChainReader(request: RpcRequest): EvmChainReader {
  const call = (to: string, data: string, block: number) => request("eth_call", [{ to, data }, quantity(block)]);
  return {
    latestBlock: async () => toNumber(await request("eth_blockNumber", []), "eth_blockNumber"),
    blockTimestamp: async (block) => {
      const raw = await request("eth_getBlockByNumber", [quantity(block), false]);
      if (!isObject(raw)) throw new AiqynError("RPC_BAD_ANSWER", `eth_getBlockByNumber: no block ${block}`);
      return toNumber(raw.timestamp, "block timestamp");
    },
    nativeBalance: async (address, block) =>
      toBigInt(await request("eth_getBalance", [address, quantity(block)]), "eth_getBalance"),
    tokenBalance: async (token, address, block) =>
      firstWord(await call(token, `0x${SELECTORS.balanceOf}${addressWordHex(address)}`, block), "balanceOf"),
    decimals: async (token, block) => {
      const decimals = firstWord(await call(token, `0x${SELECTORS.decimals}`, block), "decimals()");
      // 10n ** decimals would hang on a hostile token's huge answer; ERC-20 declares decimals() as uint8.
      if (decimals > 255n) throw new AiqynError("TOKEN_DECIMALS", `${token}: decimals() answered ${decimals} (> 255)`);
      return Number(decimals);
    },
    getLogs: createGetLogs(request),
    transaction: async (hash) => {
      const raw = objectOrNull(await request("eth_getTransactionByHash", [hash]), "eth_getTransactionByHash");
      if (!raw) return null;
      const value = toBigInt(raw.value, "transaction value");
      return { hash: hash.toLowerCase() as Hex, from: lowerAddress(raw.from) ?? "", to: lowerAddress(raw.to), value };
    },
    receipt: async (hash) => {
      const raw = objectOrNull(await request("eth_getTransactionReceipt", [hash]), "eth_getTransactionReceipt");
      return raw ? parseReceipt(raw) : null;
    },
    nonce: async (address, block) =>
      toNumber(await request("eth_getTransactionCount", [address, quantity(block)]), "eth_getTransactionCount"),
    hasCode: async (address, block) => {
      const code = await request("eth_getCode", [address, quantity(block)]);
      return typeof code === "string" && code !== "0x" && code !== "0x0";
    },
    isValidSignature: async (account, hash, signature, block) => {
      try {
        const answer = await call(account, isValidSignatureCall(hash, signature), block);
        // Exactly the magic value as one 32-byte word (bytes4, right-padded), never just its first 4 bytes.
        return typeof answer === "string" && answer.toLowerCase() === ERC1271_MAGIC.padEnd(66, "0");
      } catch (error) {
        if (isRevert(error)) return false; // a revert is a refusal; a transport error is not an answer
        throw error;
      }
    },
    valueMoves: createTraceReader(request),
    safeSetup: async (account, block) => {
      try {
        const [owners, threshold] = await Promise.all([
          call(account, `0x${SELECTORS.getOwners}`, block),
          call(account, `0x${SELECTORS.getThreshold}`, block),
        ]);
        const list = decodeAddressList(owners);
        if (!list || !isHexData(threshold) || threshold.length !== 66) return null;
        return { owners: list, threshold: Number(BigInt(threshold)) };
      } catch (error) {
        if (isRevert(error)) return null;
        throw error;
      }
    },
  };
}

/**
 * Refuses (CHAIN_ID_MISMATCH) an RPC whose eth_chainId is not the CAIP-2 chain it is asked about: an endpoint of
 * another chain would answer every balance and log read for the wrong money.
 */
export async function checkRpcChain(request: RpcRequest, chain: string): Promise<void> {
  const expected = /^eip155:([1-9][0-9]{0,15})$/.exec(chain);
  if (!expected) throw new AiqynError("CHAIN_ID_MISMATCH", `${chain} is not an eip155 chain id`);
  const answer = await request("eth_chainId", []);
  if (!isHexQuantity(answer)) throw new AiqynError("RPC_BAD_ANSWER", "eth_chainId: not a hex quantity");
  const served = BigInt(answer);
  if (served !== BigInt(expected[1]!))
    throw new AiqynError("CHAIN_ID_MISMATCH", `the RPC for ${chain} serves chain ${served} (eth_chainId)`);
}
