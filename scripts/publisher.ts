/**
 * Publisher accounts: `npm run publisher -- add NAME [--may-correct-others] | list | revoke NAME`
 * (DATABASE_URL or DATA_DIR select the store, as for the server). `add` prints the new key once; only its
 * SHA-256 is stored. `--may-correct-others` lets the publisher correct or retract other publishers' records.
 */
import path from "node:path";
import { AiqynError } from "../core";
import { addPublisher } from "../server/publishers";
import { openStore } from "../server/store/open";
import type { Store } from "../server/store/types";

const USAGE =
  "usage: npm run publisher -- add NAME [--may-correct-others] | list | revoke NAME\n" +
  "  (DATABASE_URL selects a PostgreSQL store, else DATA_DIR the SQLite data directory, default ./data)";

interface Command {
  command: string;
  name?: string;
  mayCorrectOthers: boolean;
}

function parse(argv: string[]): Command | null {
  const flags = argv.filter((a) => a.startsWith("--"));
  const [command, name, ...rest] = argv.filter((a) => !a.startsWith("--"));
  const mayCorrectOthers = flags.includes("--may-correct-others");
  if (!command || rest.length > 0 || flags.length > (mayCorrectOthers ? 1 : 0)) return null;
  if ((command === "add" || command === "revoke") !== (name !== undefined)) return null;
  if (mayCorrectOthers && command !== "add") return null;
  return { command, name, mayCorrectOthers };
}

async function run(store: Store, { command, name, mayCorrectOthers }: Command): Promise<number> {
  switch (command) {
    case "add": {
      const { publisher, key } = await addPublisher(store, name!, undefined, { mayCorrectOthers });
      const rights = publisher.mayCorrectOthers ? " (may correct others' records)" : "";
      process.stderr.write(`publisher ${publisher.name} added${rights}; its key (shown only now):\n`);
      process.stdout.write(`${key}\n`);
      return 0;
    }
    case "list": {
      const rows = await store.listPublishers();
      if (rows.length === 0) process.stdout.write("no publishers\n");
      for (const p of rows) {
        const created = new Date(p.createdAt * 1000).toISOString();
        const state = p.revokedAt === null ? "active" : `revoked ${new Date(p.revokedAt * 1000).toISOString()}`;
        const rights = p.mayCorrectOthers ? "\tmay-correct-others" : "";
        process.stdout.write(`${p.name}\tcreated ${created}\t${state}${rights}\n`);
      }
      return 0;
    }
    case "revoke": {
      if (!(await store.revokePublisher(name!, Math.floor(Date.now() / 1000)))) {
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
}

async function main(argv: string[]): Promise<number> {
  const command = parse(argv);
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let store: Store | null = null;
  try {
    store = await openStore({
      dataDir: path.resolve(process.env.DATA_DIR?.trim() || "./data"),
      databaseUrl: process.env.DATABASE_URL?.trim() || null,
    });
    return await run(store, command);
  } catch (error) {
    process.stderr.write(`${error instanceof AiqynError ? `${error.code}: ` : ""}${(error as Error).message}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
