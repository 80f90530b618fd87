/**
 * A transaction's native value moves, read from a call trace: geth's `debug_traceTransaction` with the call
 * tracer, or OpenEthereum/erigon's `trace_transaction` (anvil answers both; Hardhat 2 neither). A contract
 * account (a Safe) pays ETH by an internal call, which a transaction's own `value` does not show.
 *
 * Only real moves count: CALL, CREATE/CREATE2 and SELFDESTRUCT frames with value > 0 that did not revert (a
 * reverted frame's children revert with it). DELEGATECALL and STATICCALL frames carry no value of their own
 * (a tracer may repeat the caller's msg.value on them), CALLCODE pays the caller itself.
 */
import { isHexQuantity } from "../../protocol/bytes";
import { AiqynError } from "../../protocol/errors";
import type { RpcRequest } from "./json-rpc";
import { isObject } from "../../protocol/shape";

/** One native value move inside a transaction. Addresses lowercase. */
export interface ValueMove {
  from: string;
  to: string;
  value: bigint;
}

const MOVING_TYPES = new Set(["CALL", "CREATE", "CREATE2", "SELFDESTRUCT"]);

function bad(what: string): never {
  throw new AiqynError("RPC_BAD_ANSWER", `call trace: ${what}`);
}

const address = (value: unknown, what: string): string =>
  typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)
    ? value.toLowerCase()
    : bad(`${what} is not an address`);

const amount = (value: unknown): bigint => {
  if (value === undefined || value === null) return 0n;
  return isHexQuantity(value) ? BigInt(value) : bad("a value is not a hex quantity");
};

/** callTracer's nested frames, flattened to the moves that took effect. */
export function movesFromCallTracer(frame: unknown, depth = 0): ValueMove[] {
  if (!isObject(frame)) bad("a frame is not an object");
  if (depth > 1100) bad("frames nest deeper than the EVM allows");
  if (frame.error !== undefined && frame.error !== null) return []; // reverted: nothing in it took effect
  const type = String(frame.type).toUpperCase();
  const moves: ValueMove[] = [];
  const value = amount(frame.value);
  if (MOVING_TYPES.has(type) && value > 0n)
    moves.push({ from: address(frame.from, "from"), to: address(frame.to, "to"), value });
  const calls = frame.calls ?? [];
  if (!Array.isArray(calls)) bad("calls is not a list");
  for (const call of calls) moves.push(...movesFromCallTracer(call, depth + 1));
  return moves;
}

interface ParityTrace {
  path: string;
  failed: boolean;
  move: ValueMove | null;
}

function parityMove(entry: Record<string, unknown>): ValueMove | null {
  const action = entry.action;
  if (!isObject(action)) bad("a trace has no action");
  if (entry.type === "call") {
    const callType = String(action.callType ?? "call").toLowerCase();
    const value = amount(action.value);
    if (callType !== "call" || value === 0n) return null;
    return { from: address(action.from, "from"), to: address(action.to, "to"), value };
  }
  if (entry.type === "create") {
    const value = amount(action.value);
    const result = entry.result;
    if (value === 0n || !isObject(result)) return null;
    return { from: address(action.from, "from"), to: address(result.address, "created address"), value };
  }
  if (entry.type === "suicide") {
    const value = amount(action.balance);
    if (value === 0n) return null;
    return { from: address(action.address, "address"), to: address(action.refundAddress, "refund address"), value };
  }
  return null; // "reward" and anything newer move no value inside the transaction
}

/** trace_transaction's flat list (each entry names its position by traceAddress), to the moves that took effect. */
export function movesFromParityTraces(traces: unknown): ValueMove[] {
  if (!Array.isArray(traces)) bad("trace_transaction did not answer a list");
  const entries: ParityTrace[] = traces.map((entry) => {
    if (!isObject(entry) || !Array.isArray(entry.traceAddress)) bad("a trace has no traceAddress");
    const failed = entry.error !== undefined && entry.error !== null;
    return { path: entry.traceAddress.join("/"), failed, move: failed ? null : parityMove(entry) };
  });
  const failed = entries.filter((e) => e.failed).map((e) => e.path);
  const reverted = (path: string) => failed.some((f) => f === path || f === "" || path.startsWith(`${f}/`));
  return entries.filter((e) => e.move && !reverted(e.path)).map((e) => e.move!);
}

/** A JSON-RPC error object (the node said "no such method" or "no such option"), not a lost connection. */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "RPC_ERROR" || typeof code === "number";
}

/**
 * The moves of one transaction from whichever trace the RPC offers, or null when it offers none (asked once: a
 * node that refused both is not asked again). A lost connection is thrown, never taken for "no trace".
 */
export function createTraceReader(request: RpcRequest): (hash: string) => Promise<ValueMove[] | null> {
  let offered: "debug" | "parity" | "none" | null = null;
  const debug = async (hash: string) =>
    movesFromCallTracer(await request("debug_traceTransaction", [hash, { tracer: "callTracer" }]));
  const parity = async (hash: string) => movesFromParityTraces(await request("trace_transaction", [hash]));
  return async (hash) => {
    if (offered === "debug") return debug(hash);
    if (offered === "parity") return parity(hash);
    if (offered === "none") return null;
    for (const [name, read] of [
      ["debug", debug],
      ["parity", parity],
    ] as const) {
      try {
        const moves = await read(hash);
        offered = name;
        return moves;
      } catch (error) {
        if (!isRefusal(error)) throw error;
      }
    }
    offered = "none";
    return null;
  };
}
