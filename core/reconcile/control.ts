/**
 * Control of a declared account (docs/RECONCILIATION.md "Control"): the declaration's memo signs the control
 * message, judged AT THE DECLARATION'S BLOCK. A key (no code at that block) must have made the 65-byte EIP-191
 * signature; a contract account must answer ERC-1271's magic value for the message hash and the memo's bytes
 * (a Safe: its owners' threshold signatures, or `0x` for a message it approved on chain) at that block.
 *
 * A later change of a contract account's owners or threshold does not undo what was proven then: it is an
 * information note (CONTROL_CHANGED), never CONTROL_UNPROVEN.
 */
import { bytesToHex, hexToBytes, utf8Bytes, type Hex } from "../protocol/bytes";
import type { EvmChainReader, SafeSetup } from "../chains/evm/reader";
import { personalMessageHashOf, recoverAddress } from "../protocol/receipt";
import { controlMessage, isControlSignatureHex } from "../protocol/references";

/** A key's control signature: r, s, v. */
export const KEY_SIGNATURE_BYTES = 65;

export interface ControlVerdict {
  ok: boolean;
  /** The account had code at the block: judged by ERC-1271. */
  contract: boolean;
  /** What the chain shows, for a finding or an error. */
  actual: string;
}

export interface ControlClaim {
  /** The pinned registry as CAIP-10. */
  registry: string;
  /** The declared account, CAIP-10, and its address. */
  account: { text: string; address: string };
  /** The declared asset, CAIP-19. */
  asset: string;
  /** The memo: 0x + the signature bytes. */
  signature: string;
  /** The declaration's block. */
  block: number;
}

type ControlReader = Pick<EvmChainReader, "hasCode" | "isValidSignature">;

/** The EIP-191 hash of the control message: what a key signs and what ERC-1271 is asked about. */
export const controlHash = (claim: Pick<ControlClaim, "registry" | "account" | "asset">): Hex =>
  bytesToHex(personalMessageHashOf(utf8Bytes(controlMessage(claim.registry, claim.account.text, claim.asset))));

/** Judges a declaration's control signature at its block. */
export async function judgeControl(reader: ControlReader, claim: ControlClaim): Promise<ControlVerdict> {
  if (!isControlSignatureHex(claim.signature))
    return { ok: false, contract: false, actual: "the memo is not 0x + hex bytes" };
  const hash = controlHash(claim);
  const address = claim.account.address;
  if (await reader.hasCode(address, claim.block)) {
    const ok = await reader.isValidSignature(address, hash, claim.signature as Hex, claim.block);
    const actual = ok ? address : `the contract account refuses the signature at block ${claim.block} (ERC-1271)`;
    return { ok, contract: true, actual };
  }
  const length = hexToBytes(claim.signature).length;
  if (length !== KEY_SIGNATURE_BYTES)
    return {
      ok: false,
      contract: false,
      actual: `no code at block ${claim.block} (a key), and a key's signature is 65 bytes, not ${length}`,
    };
  try {
    const signer = recoverAddress(hexToBytes(hash), claim.signature as Hex);
    return { ok: signer === address.toLowerCase(), contract: false, actual: `signed by ${signer}` };
  } catch {
    return { ok: false, contract: false, actual: "the signature recovers to no key" };
  }
}

const describe = (setup: SafeSetup | null) =>
  setup ? `a Safe, ${setup.threshold} of ${setup.owners.length} owners (${setup.owners.join(", ")})` : "";

const sameSetup = (a: SafeSetup | null, b: SafeSetup | null) =>
  a?.threshold === b?.threshold && [...(a?.owners ?? [])].sort().join() === [...(b?.owners ?? [])].sort().join();

/**
 * For a contract account proven at its declaration's block: what changed by `toBlock` (its Safe owners or
 * threshold, whether it still accepts the signature), as words, or null when nothing did.
 */
export async function laterControlChange(
  reader: EvmChainReader,
  claim: ControlClaim,
  toBlock: number,
): Promise<string | null> {
  if (toBlock <= claim.block) return null;
  const [still, before, after] = await Promise.all([
    reader.isValidSignature(claim.account.address, controlHash(claim), claim.signature as Hex, toBlock),
    reader.safeSetup?.(claim.account.address, claim.block) ?? null,
    reader.safeSetup?.(claim.account.address, toBlock) ?? null,
  ]);
  if (still && sameSetup(before, after)) return null;
  const then = before ? ` (then ${describe(before)})` : "";
  const now = after ? `; at block ${toBlock} it is ${describe(after)}` : "";
  const verdict = still
    ? "it still accepts the signature"
    : "it no longer accepts the signature (its owners or threshold changed)";
  return (
    `${claim.account.text} proved control at its declaration's block ${claim.block}${then}${now}: ${verdict}. ` +
    "Control is judged at the declaration's block; this is information, not a finding."
  );
}
