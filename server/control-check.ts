/**
 * A declaration's control signature judged at POST where the server can judge it: for an account on the
 * server's own chain, core's judgeControl (the one rule the reconciler applies) at the declaration's block, or
 * at the head when that block is still to come. A partial signature (1 of a 2-of-3 Safe), a key's signature by
 * another key, a 130-byte memo on a key: refused, field by field, before anything is stored. Accounts on other
 * chains get only the shape check (core/protocol/references.ts); the reconciler judges them. docs/API.md says so.
 */
import {
  createEvmChainReader,
  judgeControl,
  parseAssetAtBlock,
  parseCaip10,
  registryCaip10,
  type EvmChainReader,
  type FieldProblem,
  type RecordInput,
  type RpcRequest,
} from "../core";
import { ProblemError } from "./http/problem";

/** The problems of `inputs`' declarations, each with the input's index; [] when all are proven or not judged here. */
export type ControlCheck = (inputs: readonly RecordInput[]) => Promise<{ index: number; problem: FieldProblem }[]>;

async function judgeOne(
  reader: EvmChainReader,
  registry: string,
  chain: string,
  input: RecordInput,
  head: () => Promise<number>,
) {
  if (input.kind !== "WALLET_DECLARED") return null;
  const account = parseCaip10(input.counterparty);
  const point = parseAssetAtBlock(input.reference);
  if (!account.ok || !point.ok || account.value.chain.text !== chain) return null;
  const block = Math.min(point.value.block, await head());
  const claim = { registry, account: account.value, asset: point.value.asset.text, signature: input.memo, block };
  const verdict = await judgeControl(reader, claim);
  if (verdict.ok) return null;
  return {
    field: "memo",
    code: "CONTROL_SIGNATURE_REFUSED",
    message:
      `memo: the control signature does not prove control of ${account.value.text} at block ${block}: ${verdict.actual}. ` +
      "A key signs the control message itself (65 bytes); a contract account (a Safe) needs signatures it accepts " +
      "through ERC-1271 (its owners' threshold, in ascending owner order), or 0x after approving the message on chain",
  } satisfies FieldProblem;
}

/** The check over the server's chain `chainId` (its RPC `request`) for the registry at `registry`. */
export function createControlCheck(chainId: number, registry: string, request: RpcRequest): ControlCheck {
  const reader = createEvmChainReader(request);
  const chain = `eip155:${chainId}`;
  const registryId = registryCaip10(chainId, registry);
  return async (inputs) => {
    let latest: Promise<number> | null = null;
    const head = () => (latest ??= reader.latestBlock());
    try {
      const judged = await Promise.all(inputs.map((input) => judgeOne(reader, registryId, chain, input, head)));
      return judged.flatMap((problem, index) => (problem ? [{ index, problem }] : []));
    } catch (cause) {
      throw new ProblemError(
        503,
        "CHAIN_UNAVAILABLE",
        "a declaration's control signature could not be checked on the chain; nothing was accepted, retry later",
        { cause: String((cause as Error)?.message ?? cause).slice(0, 300) },
      );
    }
  };
}
