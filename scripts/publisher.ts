/**
 * Publisher accounts: `npm run publisher -- add NAME | list | revoke NAME` (DATA_DIR as for the server).
 * `add` prints the new key once; only its SHA-256 is stored.
 */
import path from "node:path";
import { AiqynError } from "../core";
import { addPublisher } from "../server/publishers";
import { openSqliteStore } from "../server/store/sqlite";

const USAGE =
  "usage: npm run publisher -- add NAME | list | revoke NAME   (DATA_DIR selects the data directory, default ./data)";

async function main(argv: string[]): Promise<number> {
  const [command, name, ...rest] = argv;
  const dataDir = path.resolve(process.env.DATA_DIR?.trim() || "./data");
  if (
    !command ||
    rest.length > 0 ||
    ((command === "add" || command === "revoke") && !name) ||
    (command === "list" && name)
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const store = openSqliteStore(dataDir);
  try {
    switch (command) {
      case "add": {
        const { publisher, key } = addPublisher(store, name!);
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
