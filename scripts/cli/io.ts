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
