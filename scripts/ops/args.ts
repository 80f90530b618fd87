/**
 * The ops commands' argv: positionals plus `--name value` / `--name=value` options and `--flag` booleans, parsed by
 * the CLI's one parser (scripts/cli/args.ts, node's util.parseArgs in strict mode), so unknown options are refused
 * and a typo never silently changes what gets signed. One UsageError class for both: exit code 2.
 */
import type { ParseArgsConfig } from "node:util";
import { parse, UsageError } from "../cli/args";

export { UsageError };

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string>;
  flags: Set<string>;
}

export function parseArgs(
  argv: readonly string[],
  valueOptions: readonly string[],
  flagOptions: readonly string[],
): ParsedArgs {
  const spec: NonNullable<ParseArgsConfig["options"]> = {};
  for (const name of valueOptions) spec[name] = { type: "string" };
  for (const name of flagOptions) spec[name] = { type: "boolean" };
  const parsed = parse([...argv], spec, true);
  const out: ParsedArgs = { positionals: parsed.positionals, options: {}, flags: new Set() };
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) out.flags.add(name);
    else if (typeof value === "string") {
      if (value === "") throw new UsageError(`--${name} needs a value`);
      out.options[name] = value;
    }
  }
  return out;
}
