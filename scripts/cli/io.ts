import { writeFileAtomic } from "./fs-atomic";

/** Where a command writes: injectable so unit tests can capture output without spawning a process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (then progress is drawn on it). */
  errIsTty: boolean;
  /** Current unix time in seconds. */
  now(): number;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
  now: () => Math.floor(Date.now() / 1000),
};

export const MARK = { pass: "✓", fail: "✗", skip: "–" } as const;

export function mark(ok: boolean | null): string {
  return ok === true ? MARK.pass : ok === false ? MARK.fail : MARK.skip;
}

/** Left-aligned text table with two spaces between columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - [...cell].length)))
        .join("  "),
    )
    .map((line) => line.trimEnd())
    .join("\n");
}

/** Where a command's JSON goes: stdout (`--json`) or a file (`--json=FILE`). */
export type JsonTarget = { stdout: true } | { file: string };

/**
 * The one `--json [FILE]` convention of every command: `--json` alone prints the JSON on stdout (the text
 * report then goes to stderr), `--json=FILE` writes it to FILE (atomically) and the text stays on stdout.
 * Taken out of argv before parseArgs, which has no optional values.
 */
export function takeJsonFlag(argv: readonly string[]): { argv: string[]; json: JsonTarget | null } {
  let json: JsonTarget | null = null;
  const rest: string[] = [];
  for (const arg of argv) {
    if (arg === "--json") json = { stdout: true };
    else if (arg.startsWith("--json=") && arg.length > "--json=".length) json = { file: arg.slice("--json=".length) };
    else rest.push(arg);
  }
  return { argv: rest, json };
}

/** Text for people: on stdout, unless the JSON has it (then on stderr). */
export function textOut(io: Io, json: JsonTarget | null): (text: string) => void {
  return json && "stdout" in json ? io.err : io.out;
}

export async function writeJson(io: Io, target: JsonTarget, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) + "\n";
  if ("stdout" in target) io.out(text);
  else await writeFileAtomic(target.file, text);
}
