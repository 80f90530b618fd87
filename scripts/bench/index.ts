/**
 * `npm run bench`: what Aiqyn costs, measured on this machine, with the goals of issue #7 met or missed.
 *
 *   npm run bench                 full run (batches up to 1 M records, 10 s HTTP runs): about 5 minutes
 *   npm run bench -- --quick      CI smoke: small sizes, 2 s HTTP runs
 *   npm run bench -- --only=seal,gas   some sections (keccak, ingestcpu, encode, seal, store, verify, gas, http,
 *                                      stores, reconcile, reconcilebtc, monitor, web, soak)
 *   SOAK_RECORDS=200000 npm run bench -- --only=soak   a bounded soak (default 1 M; --quick 50 k)
 *
 * Prints a table per section and the goals, and writes bench-results.json (gitignored). Timings are
 * reports, never test assertions. The HTTP sections start the real server (server/main.ts) as a child
 * process on Hardhat's in-process chain; autocannon runs in this process, so client and server share the
 * machine's two cores.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

process.env.CI ??= "true";
process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = "true";
process.env.REPORT_GAS = "false";

import { createFastKeccak } from "../../server/crypto";
import { heading, log, table, type Goal, type SectionContext, type SectionRunner } from "./harness";
import { httpSection } from "./http-section";
import { monitorSection } from "./monitor";
import { reconcileSection } from "./reconcile";
import { reconcileBitcoinSection } from "./reconcile-bitcoin";
import { soakSection } from "./soak";
import {
  encodeSection,
  gasSection,
  ingestCpuSection,
  keccakSection,
  sealSection,
  storeSection,
  storesSection,
  verifySection,
  webSection,
} from "./sections";

const ROOT = path.resolve(__dirname, "..", "..");

/** Every section, in the order a run prints them. */
const RUNNERS = {
  keccak: keccakSection,
  ingestcpu: ingestCpuSection,
  encode: encodeSection,
  seal: sealSection,
  store: storeSection,
  verify: verifySection,
  gas: gasSection,
  http: httpSection,
  stores: storesSection,
  reconcile: reconcileSection,
  reconcilebtc: reconcileBitcoinSection,
  monitor: monitorSection,
  web: webSection,
  soak: soakSection,
} satisfies Record<string, SectionRunner>;
type Section = keyof typeof RUNNERS;
const SECTIONS = Object.keys(RUNNERS) as Section[];

interface Options {
  quick: boolean;
  only: Set<Section>;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes("--quick");
  const onlyArg = argv.find((a) => a.startsWith("--only="));
  const only = new Set<Section>(
    onlyArg
      ? (onlyArg
          .slice(7)
          .split(",")
          .filter((s) => (SECTIONS as readonly string[]).includes(s)) as Section[])
      : SECTIONS,
  );
  const outArg = argv.find((a) => a.startsWith("--out="));
  return { quick, only, out: outArg ? outArg.slice(6) : path.join(ROOT, "bench-results.json") };
}

function machine() {
  const cpus = os.cpus();
  return { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "?", node: process.version, loadAverage: os.loadavg() };
}

function printGoals(goals: readonly Goal[], quick: boolean): void {
  if (goals.length === 0) return;
  heading("Goals (issue #7, on this machine)");
  if (quick) log("(--quick: short runs and small sizes, a smoke test; only a full run is comparable to the goals)");
  log(
    table([
      ["goal", "target", "measured", "result"],
      ...goals.map((g) => [g.name, g.target, g.measured, g.met ? "met" : `MISSED: ${g.miss}`]),
    ]),
  );
  for (const g of goals.filter((x) => !x.met && x.note)) log(`  ${g.name}: ${g.note}`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.quick ? "quick" : "full";
  const results: Record<string, unknown> = { startedAt: new Date().toISOString(), mode, machine: machine() };
  const goals: Goal[] = [];
  const ctx: SectionContext = { quick: opts.quick, keccak: await createFastKeccak() };
  log(`# Aiqyn bench (${mode}), ${results.startedAt as string}`);
  for (const section of SECTIONS.filter((s) => opts.only.has(s))) {
    const outcome = await RUNNERS[section](ctx);
    Object.assign(results, outcome.results);
    goals.push(...(outcome.goals ?? []));
  }
  printGoals(goals, opts.quick);
  results.goals = goals;
  results.finishedAt = new Date().toISOString();
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + "\n");
  log();
  log(`Results written to ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
