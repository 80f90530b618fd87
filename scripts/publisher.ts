/**
 * Publisher accounts: `npm run publisher -- add NAME [--key-file FILE] | list | revoke NAME` (DATA_DIR as for
 * the server). `add` prints the new key once, alone on stdout (everything else goes to stderr, so
 * `KEY=$(npm run --silent publisher -- add NAME)` captures just the key), or writes it to a new file with mode
 * 0600 (--key-file); only its SHA-256 is stored.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AiqynError } from "../core";
import { addPublisher } from "../server/publishers";
import { openSqliteStore } from "../server/store/sqlite";

const USAGE =
  "usage: npm run publisher -- add NAME [--key-file FILE] | list | revoke NAME   (DATA_DIR selects the data directory, default ./data)";

/** Takes `--key-file FILE` (or --key-file=FILE) out of argv. */
function keyFileOption(argv: string[]): { rest: string[]; keyFile?: string } {
  const i = argv.findIndex((a) => a === "--key-file" || a.startsWith("--key-file="));
  if (i === -1) return { rest: argv };
  const inline = argv[i]!.includes("=") ? argv[i]!.slice("--key-file=".length) : undefined;
  const keyFile = inline ?? argv[i + 1];
  return { rest: argv.filter((_, j) => j !== i && (inline !== undefined || j !== i + 1)), keyFile: keyFile || "" };
}

async function main(argv: string[]): Promise<number> {
  const { rest: args, keyFile } = keyFileOption(argv);
  const [command, name, ...rest] = args;
  const dataDir = path.resolve(process.env.DATA_DIR?.trim() || "./data");
  if (
    !command ||
    rest.length > 0 ||
    ((command === "add" || command === "revoke") && !name) ||
    (command === "list" && name) ||
    (keyFile !== undefined && (command !== "add" || keyFile === ""))
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (keyFile && existsSync(keyFile)) {
    process.stderr.write(`${keyFile} exists: choose a new file (a key file is never overwritten)\n`);
    return 2;
  }
  const store = openSqliteStore(dataDir);
  try {
    switch (command) {
      case "add": {
        const { publisher, key } = addPublisher(store, name!);
        if (keyFile !== undefined) {
          writeFileSync(keyFile, `${key}\n`, { flag: "wx", mode: 0o600 });
          process.stderr.write(`publisher ${publisher.name} added; its key is in ${keyFile} (mode 0600)\n`);
          return 0;
        }
        process.stderr.write(`publisher ${publisher.name} added; its key (shown only now):\n`);
        process.stdout.write(`${key}\n`);
        return 0;
      }
      case "list": {
        const rows = store.listPublishers();
        if (rows.length === 0) process.stdout.write("no publishers\n");
        for (const p of rows) {
          const created = new Date(p.createdAt * 1000).toISOString();
          const state = p.revokedAt === null ? "active" : `revoked ${new Date(p.revokedAt * 1000).toISOString()}`;
          process.stdout.write(`${p.name}\tcreated ${created}\t${state}\n`);
        }
        return 0;
      }
      case "revoke": {
        if (!store.revokePublisher(name!, Math.floor(Date.now() / 1000))) {
          process.stderr.write(`no active publisher named ${name}\n`);
          return 1;
        }
        process.stdout.write(`publisher ${name} revoked\n`);
        return 0;
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`${error instanceof AiqynError ? `${error.code}: ` : ""}${(error as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
