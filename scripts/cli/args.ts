/**
 * Argument parsing on node's util.parseArgs, with the CLI's one rule for bad usage: a UsageError, which
 * main turns into a message on stderr and exit code 2.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isAddress, makeTrustRoot, parseTrustRootText, type TrustRoot } from "../../core/protocol/trust";
import { takeJsonFlag, type Io, type JsonTarget } from "./io";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
/** aiqyn reconcile: no findings, but not everything could be checked (never reported as agreement). */
export const EXIT_INCOMPLETE = 3;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A command's option table, as parseArgs takes it. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** parseArgs in strict mode; its errors (unknown option, missing value) become UsageErrors. */
export function parse(args: string[], options: Options, allowPositionals: boolean): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** -h/--help, which every command takes. */
export const HELP_OPTIONS = { help: { type: "boolean", short: "h" } } as const satisfies Options;

/** --timeout SECONDS and -h/--help, which every command that reads the network takes. */
export const COMMON_OPTIONS = { timeout: { type: "string" }, ...HELP_OPTIONS } as const satisfies Options;

/** What a command parses: its option table (HELP_OPTIONS among them), its help text, whether it takes files. */
export interface CommandSyntax {
  options: Options;
  help: string;
  positionals?: boolean;
}

/**
 * A command's argv parsed against its options. With -h/--help the command's help goes to stdout and the answer
 * is null: the command then does nothing else and exits 0.
 */
export function parseCommand(argv: string[], syntax: CommandSyntax, io: Pick<Io, "out">): Parsed | null {
  const parsed = parse(argv, syntax.options, syntax.positionals === true);
  if (parsed.values.help !== true) return parsed;
  io.out(syntax.help);
  return null;
}

/** parseCommand for the commands with the one `--json [FILE]` convention (io.ts takeJsonFlag). */
export function parseJsonCommand(
  argv: string[],
  syntax: CommandSyntax,
  io: Pick<Io, "out">,
): { parsed: Parsed; json: JsonTarget | null } | null {
  const { argv: rest, json } = takeJsonFlag(argv);
  const parsed = parseCommand(rest, syntax, io);
  return parsed && { parsed, json };
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

export function requireOption(parsed: Parsed, name: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

export function httpUrlOption(parsed: Parsed, name: string, required: true): string;
export function httpUrlOption(parsed: Parsed, name: string, required: false): string | undefined;
export function httpUrlOption(parsed: Parsed, name: string, required: boolean): string | undefined {
  const value = required ? requireOption(parsed, name) : stringOption(parsed, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--${name} must be an http(s) URL`);
  return value;
}

export function addressOption(parsed: Parsed, name: string): string | undefined {
  const value = stringOption(parsed, name);
  if (value === undefined) return undefined;
  if (!isAddress(value)) throw new UsageError(`--${name} must be a 0x-prefixed 20-byte address`);
  return value;
}

export function integerOption(parsed: Parsed, name: string, fallback: number, min: number, max: number): number {
  const value = stringOption(parsed, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

/** Seconds given as a decimal (e.g. 0.5) → milliseconds. */
export function secondsOption(parsed: Parsed, name: string, fallbackSeconds: number): number {
  const value = stringOption(parsed, name);
  if (value === undefined) return fallbackSeconds * 1000;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0 || Number(value) > 3600) {
    throw new UsageError(`--${name} must be a number of seconds greater than 0 and at most 3600`);
  }
  return Math.round(Number(value) * 1000);
}

/** The options that pin the trust root; spread into a command's parseArgs options. */
export const TRUST_OPTIONS = {
  trust: { type: "string" },
  "chain-id": { type: "string" },
  registry: { type: "string" },
} as const satisfies Options;

export const TRUST_HELP = `  --trust FILE        the registry you trust, as an aiqyn-trust/1 file (written by npm run deploy,
                      offered by the page); or both of:
  --chain-id N        the chain the registry lives on, and
  --registry ADDRESS  the registry's address (deployment block 0 unless the file says otherwise)`;

/**
 * The pinned trust root: --trust FILE, or --chain-id + --registry. Never taken from a server, a mirror or a
 * bundle, so a command without one is a usage error (exit 2).
 */
export function trustOption(parsed: Parsed): TrustRoot {
  const file = stringOption(parsed, "trust");
  const chainId = stringOption(parsed, "chain-id");
  const registry = stringOption(parsed, "registry");
  if (file !== undefined && (chainId !== undefined || registry !== undefined))
    throw new UsageError("give either --trust FILE or --chain-id with --registry, not both");
  try {
    if (file !== undefined) return parseTrustRootText(readFileSync(file, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--trust ${file}: ${reason}`);
  }
  if (chainId === undefined || registry === undefined)
    throw new UsageError(
      "a trust root is required: --trust aiqyn-trust.json, or --chain-id N with --registry ADDRESS " +
        "(never taken from the server, a mirror or the bundle)",
    );
  if (!/^[1-9]\d{0,15}$/.test(chainId)) throw new UsageError("--chain-id must be a positive integer");
  try {
    return makeTrustRoot(Number(chainId), registry, 0);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
