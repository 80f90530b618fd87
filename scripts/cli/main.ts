/**
 * `aiqyn`: the auditors' toolkit. verify checks proof bundles, audit walks the whole registry against the
 * chain, export writes a static mirror, diff compares two audit reports. Exit codes: 0 all good, 1 findings / not anchored, 2 usage or fatal.
 */
import { AiqynError } from "../../core";
import { EXIT_USAGE, UsageError } from "./args";
import { processIo, type Io } from "./io";

export const MAIN_HELP = `Usage: aiqyn <command> [options]

The Aiqyn auditors' toolkit: trust nothing but the chain, read through an RPC endpoint of your choice.

Commands:
  verify <bundle.json>...   check proof bundles against the chain (or --offline)
  audit                     audit every anchored batch of a registry (server or mirror) against the chain
  export                    write a static mirror of a server's anchored batches
  reconcile                 check the records against the chains: holdings, movements, undisclosed transfers
  diff <a.json> <b.json>    compare two audit reports: new batches, or history rewritten
  monitor                   watch the registry continuously: alerts on stdout, a webhook and an Atom feed
  hash FILE...              the keccak-256 documentHash of a file
  publish FILE              publish a CSV or XLSX of records (--dry-run first); see docs/PUBLISHING.md

Run "aiqyn <command> --help" for a command's options. See docs/AUDITING.md.
Exit status: 0 all good; 1 findings, refused or not anchored; 2 usage error or fatal error.
`;

interface Command {
  run: (argv: string[], io: Io) => Promise<number>;
  help: string;
}

// Loaded on demand: `aiqyn --help` should not pay for the tree builder and the WebAssembly hasher.
const COMMANDS: Record<string, () => Promise<Command>> = {
  verify: () => import("./verify").then((m) => ({ run: m.runVerify, help: m.VERIFY_HELP })),
  audit: () => import("./audit/command").then((m) => ({ run: m.runAuditCommand, help: m.AUDIT_HELP })),
  export: () => import("./export").then((m) => ({ run: m.runExport, help: m.EXPORT_HELP })),
  reconcile: () => import("./reconcile").then((m) => ({ run: m.runReconcileCommand, help: m.RECONCILE_HELP })),
  diff: () => import("./diff").then((m) => ({ run: m.runDiff, help: m.DIFF_HELP })),
  monitor: () => import("./monitor/command").then((m) => ({ run: m.runMonitorCommand, help: m.MONITOR_HELP })),
  hash: () => import("./hash").then((m) => ({ run: m.runHash, help: m.HASH_HELP })),
  publish: () => import("./publish").then((m) => ({ run: m.runPublish, help: m.PUBLISH_HELP })),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const load = name === "help" && rest[0] ? COMMANDS[rest[0]] : undefined;
    io.out(load ? (await load()).help : MAIN_HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`aiqyn: unknown command ${JSON.stringify(name)}\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  try {
    const command = await load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`aiqyn ${name}: ${error.message}\nRun "aiqyn ${name} --help" for usage.\n`);
    } else if (error instanceof AiqynError) {
      io.err(`aiqyn ${name}: ${error.code}: ${error.message}\n`);
    } else {
      io.err(
        `aiqyn ${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    return EXIT_USAGE;
  }
}

/** Runs as the process: flushes stdout before exiting so piped output is never cut. */
export function runAsProcess(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.stdout.write("", () => process.exit(code));
    },
    (error: unknown) => {
      process.stderr.write(`aiqyn: ${String(error)}\n`, () => process.exit(EXIT_USAGE));
    },
  );
}
