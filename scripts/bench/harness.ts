/**
 * Small helpers shared by the bench sections: timers, best-of-N, percentiles, the goal table, the report's
 * lines, and the shape of a section runner.
 * Numbers here are reports, never assertions: tests do not assert timings.
 */
import type { Keccak } from "../../core";

/** Milliseconds since `start` (process.hrtime.bigint()). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `fn` and returns its duration in ms. */
export function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return msSince(start);
}

/** The fastest of `runs` timings (the machine is shared: the minimum is the least disturbed run). */
export function bestOf(runs: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    best = Math.min(best, timeMs(fn));
  }
  return best;
}

/** The p-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean;
  /** How far off, when missed (e.g. "12% short", "1.13× over"). */
  miss?: string;
  note?: string;
}

/** A goal where more is better (throughput). */
export function atLeast(name: string, measured: number, target: number, unit: string, note?: string): Goal {
  const met = measured >= target;
  return {
    name,
    target: `≥ ${fmt(target)} ${unit}`,
    measured: `${fmt(measured)} ${unit}`,
    met,
    ...(met ? {} : { miss: `${(((target - measured) / target) * 100).toFixed(0)}% short` }),
    ...(note ? { note } : {}),
  };
}

/** A goal where less is better (time, gas, ratio). */
export function atMost(name: string, measured: number, target: number, unit: string, note?: string): Goal {
  const met = measured <= target;
  return {
    name,
    target: `≤ ${fmt(target)} ${unit}`,
    measured: `${fmt(measured)} ${unit}`,
    met,
    ...(met ? {} : { miss: `${(measured / target).toFixed(2)}× the target (+${fmt(measured - target)} ${unit})` }),
    ...(note ? { note } : {}),
  };
}

/** A readable number: thousands separated, at most 2 decimals (3 significant digits below 10). */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A plain text table (first row = header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** One line of the report on stdout. */
export function log(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** A section's heading, after a blank line. */
export function heading(text: string): void {
  log();
  log(`## ${text}`);
}

/** What every section runner gets: the run's mode and the server's keccak. */
export interface SectionContext {
  quick: boolean;
  keccak: Keccak;
}

/** What a section hands back: its entries of bench-results.json and the goals it judged. */
export interface SectionOutcome {
  results: Record<string, unknown>;
  goals?: Goal[];
}

export type SectionRunner = (ctx: SectionContext) => Promise<SectionOutcome>;
