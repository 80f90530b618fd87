/**
 * The trust root `aiqyn-trust/1`: the one fact a verifier takes on trust, which contract on which chain is
 * the registry. It is pinned where the verifier is built or configured (the page's build, the CLI's
 * `--trust FILE` or `--chain-id` + `--registry`), never taken from a server, a mirror, a bundle or a link.
 * See docs/PROTOCOL.md "Trust root".
 */
import { AiqynError } from "./errors";

export const TRUST_FORMAT = "aiqyn-trust/1";

export interface TrustRoot {
  format: typeof TRUST_FORMAT;
  chainId: number;
  /** The registry's address, as given (compare with sameRegistry, never with ===). */
  registry: string;
  /** The block the registry was deployed in: log scans start here. */
  deploymentBlock: number;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const FIELDS = ["format", "chainId", "registry", "deploymentBlock"] as const;

/** True for a 20-byte 0x address (any case; the checksum is not required). */
export function isAddress(value: unknown): value is string {
  return typeof value === "string" && ADDRESS.test(value);
}

function isSafeUint(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Builds a trust root from its three facts, refusing anything that is not one (code TRUST_INVALID). */
export function makeTrustRoot(chainId: unknown, registry: unknown, deploymentBlock: unknown = 0): TrustRoot {
  const problems: string[] = [];
  if (!isSafeUint(chainId) || chainId === 0) problems.push("chainId must be a positive integer");
  if (!isAddress(registry)) problems.push("registry must be a 20-byte 0x address");
  if (!isSafeUint(deploymentBlock)) problems.push("deploymentBlock must be a non-negative integer");
  if (problems.length > 0) throw new AiqynError("TRUST_INVALID", `not a trust root: ${problems.join("; ")}`);
  return {
    format: TRUST_FORMAT,
    chainId: chainId as number,
    registry: registry as string,
    deploymentBlock: deploymentBlock as number,
  };
}

/** Parses an `aiqyn-trust/1` object strictly: every field present, no other field. */
export function parseTrustRoot(input: unknown): TrustRoot {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new AiqynError("TRUST_INVALID", "not a trust root: expected a JSON object");
  const object = input as Record<string, unknown>;
  if (object.format !== TRUST_FORMAT)
    throw new AiqynError("TRUST_INVALID", `not a trust root: format must be "${TRUST_FORMAT}"`);
  const unknown = Object.keys(object).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0)
    throw new AiqynError("TRUST_INVALID", `not a trust root: unknown field(s) ${unknown.join(", ")}`);
  return makeTrustRoot(object.chainId, object.registry, object.deploymentBlock);
}

/** Parses the text of an `aiqyn-trust/1` file. */
export function parseTrustRootText(text: string): TrustRoot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AiqynError("TRUST_INVALID", "not a trust root: the file is not JSON", { cause });
  }
  return parseTrustRoot(value);
}

/** The canonical file text: fixed key order, one trailing newline. */
export function formatTrustRoot(trust: TrustRoot): string {
  const { chainId, registry, deploymentBlock } = trust;
  return `${JSON.stringify({ format: TRUST_FORMAT, chainId, registry, deploymentBlock }, null, 2)}\n`;
}

/** Whether (chainId, registry) names the pinned registry. Addresses compare case-insensitively. */
export function sameRegistry(trust: Pick<TrustRoot, "chainId" | "registry">, chainId: number, registry: string) {
  return trust.chainId === chainId && trust.registry.toLowerCase() === registry.toLowerCase();
}
