/**
 * Is the code at the pinned address the project's TransparencyRegistry? The runtime code must equal the
 * compiled artifact's deployedBytecode once its immutables are filled in, and the filled values must be the
 * ones the registry states (maxAnchorDelay(), deploymentBlock(), the trust root's deployment block). A look-alike
 * answering the same reads, or a proxy that could be re-pointed, fails here.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { bytesToHex, hexToBytes, keccak256, type Hex } from "../../../core";

const CONTRACT = "TransparencyRegistry";
const SOURCE = `contracts/${CONTRACT}.sol`;

interface ImmutableSlot {
  name: string;
  ranges: { start: number; length: number }[];
}

export interface CompiledRegistry {
  deployedBytecode: Uint8Array;
  immutables: ImmutableSlot[];
  /** keccak256 of the compiled deployedBytecode (immutables zero), for reports. */
  artifactHash: Hex;
}

/** The default artifacts directory: the repository's Hardhat build (`npx hardhat compile`). */
export const DEFAULT_ARTIFACTS = resolve(__dirname, "../../../artifacts");

/** Reads the artifact and its build-info (immutableReferences and their names from the AST). */
export async function loadCompiledRegistry(artifactsDir = DEFAULT_ARTIFACTS): Promise<CompiledRegistry> {
  const dir = join(artifactsDir, `contracts/${CONTRACT}.sol`);
  const dbg = JSON.parse(await readFile(join(dir, `${CONTRACT}.dbg.json`), "utf8")) as { buildInfo: string };
  const buildInfo = JSON.parse(await readFile(resolve(dir, dbg.buildInfo), "utf8")) as BuildInfo;
  const output = buildInfo.output.contracts[SOURCE]?.[CONTRACT];
  if (!output) throw new Error(`the build-info has no ${CONTRACT}`);
  const names = immutableNames(buildInfo.output.sources[SOURCE]?.ast);
  const refs = output.evm.deployedBytecode.immutableReferences ?? {};
  const deployedBytecode = hexToBytes(`0x${output.evm.deployedBytecode.object.replace(/^0x/, "")}`);
  return {
    deployedBytecode,
    immutables: Object.entries(refs).map(([id, ranges]) => ({ name: names.get(Number(id)) ?? `#${id}`, ranges })),
    artifactHash: bytesToHex(keccak256(deployedBytecode)),
  };
}

interface BuildInfo {
  output: {
    contracts: Record<string, Record<string, { evm: { deployedBytecode: DeployedBytecode } }>>;
    sources: Record<string, { ast: unknown }>;
  };
}
interface DeployedBytecode {
  object: string;
  immutableReferences?: Record<string, { start: number; length: number }[]>;
}

/** AST id → name of every immutable state variable. */
function immutableNames(ast: unknown): Map<number, string> {
  const names = new Map<number, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.nodeType === "VariableDeclaration" && n.mutability === "immutable")
      names.set(n.id as number, n.name as string);
    Object.values(n).forEach(walk);
  };
  walk(ast);
  return names;
}

export interface CodeCheck {
  ok: boolean;
  /** keccak256 of the runtime code at the address. */
  codeHash: Hex;
  /** The immutables as read from the code (decimal strings). */
  immutables: Record<string, string>;
  problems: string[];
}

/**
 * Compares `code` with the compiled registry. `expected` maps an immutable's name to the value it must hold
 * (e.g. `_maxAnchorDelay` → the contract's maxAnchorDelay()).
 */
export function checkRegistryCode(code: Hex, compiled: CompiledRegistry, expected: Record<string, bigint>): CodeCheck {
  const actual = hexToBytes(code);
  const codeHash = bytesToHex(keccak256(actual));
  const problems: string[] = [];
  const immutables: Record<string, string> = {};
  if (actual.length !== compiled.deployedBytecode.length) {
    problems.push(`the code is ${actual.length} bytes; the compiled registry is ${compiled.deployedBytecode.length}`);
    return { ok: false, codeHash, immutables, problems };
  }
  const filled = compiled.deployedBytecode.slice();
  for (const slot of compiled.immutables) {
    const value = readImmutable(actual, slot, problems);
    immutables[slot.name] = value.toString();
    for (const { start, length } of slot.ranges) filled.set(actual.subarray(start, start + length), start);
    const want = expected[slot.name];
    if (want !== undefined && want !== value) problems.push(`the code's ${slot.name} is ${value}; expected ${want}`);
  }
  if (bytesToHex(filled) !== bytesToHex(actual))
    problems.push("the code differs from the compiled TransparencyRegistry");
  return { ok: problems.length === 0, codeHash, immutables, problems };
}

/** The value of an immutable; every place it was filled in must hold the same value. */
function readImmutable(code: Uint8Array, slot: ImmutableSlot, problems: string[]): bigint {
  const values = slot.ranges.map(({ start, length }) => BigInt(bytesToHex(code.subarray(start, start + length))));
  if (values.some((v) => v !== values[0])) problems.push(`the code holds different values for ${slot.name}`);
  return values[0] ?? 0n;
}
