/**
 * The trust root `aiqyn-trust/1`: the one fact a verifier takes on trust, which contract on which chain is
 * the registry. It is pinned where the verifier is built or configured (the page's build, the CLI's
 * `--trust FILE` or `--chain-id` + `--registry`), never taken from a server, a mirror, a bundle or a link.
 * See docs/PROTOCOL.md "Trust root".
 */
import { AiqynError } from "./errors";
import { address, bareName, fields, isObject, optional, parseJson, problem, satisfies, type Shape } from "./shape";

export { isAddress } from "./shape";

export const TRUST_FORMAT = "aiqyn-trust/1";

export interface TrustRoot {
  format: typeof TRUST_FORMAT;
  chainId: number;
  /** The registry's address, as given (compare with sameRegistry, never with ===). */
  registry: string;
  /** The block the registry was deployed in: log scans start here. */
  deploymentBlock: number;
}

const isSafeUint = (value: unknown) => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const trustShape: Shape = {
  format: (value, field) =>
    value === TRUST_FORMAT ? [] : problem(field, "WRONG_TYPE", `format must be "${TRUST_FORMAT}"`),
  chainId: satisfies((value) => isSafeUint(value) && value !== 0, "a positive integer"),
  registry: address,
  // Absent means 0 (scan from genesis), as makeTrustRoot's default.
  deploymentBlock: optional(satisfies(isSafeUint, "a non-negative integer")),
};
const trustFields = fields(trustShape, bareName);

/** Builds a trust root from its three facts, refusing anything that is not one (code TRUST_INVALID). */
export function makeTrustRoot(chainId: unknown, registry: unknown, deploymentBlock: unknown = 0): TrustRoot {
  return parseTrustRoot({ format: TRUST_FORMAT, chainId, registry, deploymentBlock });
}

/** Parses an `aiqyn-trust/1` object strictly: format, chainId and registry present, no other field. */
export function parseTrustRoot(input: unknown): TrustRoot {
  if (!isObject(input)) throw new AiqynError("TRUST_INVALID", "not a trust root: expected a JSON object");
  const problems = trustFields(input, "");
  if (problems.length > 0)
    throw new AiqynError("TRUST_INVALID", `not a trust root: ${problems.map((p) => p.message).join("; ")}`);
  return {
    format: TRUST_FORMAT,
    chainId: input.chainId as number,
    registry: input.registry as string,
    deploymentBlock: (input.deploymentBlock ?? 0) as number,
  };
}

/** Parses the text of an `aiqyn-trust/1` file. */
export function parseTrustRootText(text: string): TrustRoot {
  return parseTrustRoot(parseJson(text, "TRUST_INVALID", "not a trust root: the file is not JSON"));
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
