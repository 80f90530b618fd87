/**
 * Publisher accounts: `npm run publisher -- add NAME [--may-correct-others] [--key-file FILE] | list | revoke NAME`
 * (DATABASE_URL or DATA_DIR select the store, as for the server). `add` prints the new key once, alone on stdout
 * (everything else goes to stderr, so `KEY=$(npm run --silent publisher -- add NAME)` captures just the key), or
 * writes it to a new file with mode 0600 (--key-file); only its SHA-256 is stored. `--may-correct-others` lets
 * the publisher correct or retract other publishers' records.
 *
 * It never creates a store: a publisher added to a store the server does not read is a key the server answers
 * with 401. So it refuses a SQLite file or PostgreSQL database the server has not created yet (start the server
 * first, with the same settings), and names the store on stderr before it changes anything.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AiqynError } from "../core";
import { addPublisher } from "../server/publishers";
import { openStore } from "../server/store/open";
import type { Store } from "../server/store/types";

const USAGE =
  "usage: npm run publisher -- add NAME [--may-correct-others] [--key-file FILE] | list | revoke NAME\n" +
  "  (DATABASE_URL selects a PostgreSQL store, else DATA_DIR the SQLite data directory, default ./data)";

interface Command {
  command: string;
  name?: string;
  mayCorrectOthers: boolean;
  keyFile?: string;
}

/** Takes `--key-file FILE` (or --key-file=FILE) out of argv. */
function keyFileOption(argv: string[]): { rest: string[]; keyFile?: string } {
  const i = argv.findIndex((a) => a === "--key-file" || a.startsWith("--key-file="));
  if (i === -1) return { rest: argv };
  const inline = argv[i]!.includes("=") ? argv[i]!.slice("--key-file=".length) : undefined;
  const keyFile = inline ?? argv[i + 1];
  return { rest: argv.filter((_, j) => j !== i && (inline !== undefined || j !== i + 1)), keyFile: keyFile || "" };
}

function parse(argv: string[]): Command | null {
  const { rest: args, keyFile } = keyFileOption(argv);
  const flags = args.filter((a) => a.startsWith("--"));
  const [command, name, ...rest] = args.filter((a) => !a.startsWith("--"));
  const mayCorrectOthers = flags.includes("--may-correct-others");
  if (!command || rest.length > 0 || flags.length > (mayCorrectOthers ? 1 : 0)) return null;
  if ((command === "add" || command === "revoke") !== (name !== undefined)) return null;
  if ((mayCorrectOthers || keyFile !== undefined) && command !== "add") return null;
  if (keyFile === "") return null;
  return { command, name, mayCorrectOthers, ...(keyFile !== undefined ? { keyFile } : {}) };
}

async function add(store: Store, { name, mayCorrectOthers, keyFile }: Command): Promise<number> {
  const { publisher, key } = await addPublisher(store, name!, undefined, { mayCorrectOthers });
  const rights = publisher.mayCorrectOthers ? " (may correct others' records)" : "";
  if (keyFile !== undefined) {
    writeFileSync(keyFile, `${key}\n`, { flag: "wx", mode: 0o600 });
    process.stderr.write(`publisher ${publisher.name} added${rights}; its key is in ${keyFile} (mode 0600)\n`);
    return 0;
  }
  process.stderr.write(`publisher ${publisher.name} added${rights}; its key (shown only now):\n`);
  process.stdout.write(`${key}\n`);
  return 0;
}

async function list(store: Store): Promise<number> {
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

async function revoke(store: Store, name: string): Promise<number> {
  if (!(await store.revokePublisher(name, Math.floor(Date.now() / 1000)))) {
    process.stderr.write(`no active publisher named ${name}\n`);
    return 1;
  }
  process.stdout.write(`publisher ${name} revoked\n`);
  return 0;
}

async function run(store: Store, command: Command): Promise<number> {
  if (command.command === "add") return add(store, command);
  if (command.command === "list") return list(store);
  if (command.command === "revoke") return revoke(store, command.name!);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

/** The store the server of these settings reads, in words that name no password. */
function storeDescription(env: NodeJS.ProcessEnv): { kind: "sqlite" | "postgres"; where: string } {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const parsed = new URL(url);
    parsed.password = parsed.password ? "***" : "";
    return { kind: "postgres", where: parsed.toString() };
  }
  return { kind: "sqlite", where: path.join(path.resolve(env.DATA_DIR?.trim() || "./data"), "aiqyn.sqlite") };
}

const NO_STORE_HINT =
  "The server creates its store when it first starts. Start it first, or load its settings in this shell " +
  "(set -a; . /etc/aiqyn/aiqyn.env; set +a) so that DATA_DIR or DATABASE_URL name the store it uses.";

/** Why this store is not one a server created (so a publisher added there would never be seen), or null. */
async function missingStore(env: NodeJS.ProcessEnv): Promise<string | null> {
  const store = storeDescription(env);
  if (store.kind === "sqlite") {
    if (existsSync(store.where)) return null;
    const dataDir = env.DATA_DIR?.trim() ? `DATA_DIR=${env.DATA_DIR.trim()}` : "DATA_DIR is not set (default ./data)";
    return `no store at ${store.where} (${dataDir}): refusing to create one. ${NO_STORE_HINT}`;
  }
  const { Client } = await import("pg");
  const client = new Client({ connectionString: env.DATABASE_URL!.trim() });
  try {
    await client.connect();
    const r = await client.query<{ table: string | null }>("SELECT to_regclass('records')::text AS table");
    if (r.rows[0]?.table) return null;
    return `the PostgreSQL database ${store.where} holds no Aiqyn store: refusing to create one. ${NO_STORE_HINT}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(argv: string[]): Promise<number> {
  const command = parse(argv);
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command.keyFile && existsSync(command.keyFile)) {
    process.stderr.write(`${command.keyFile} exists: choose a new file (a key file is never overwritten)\n`);
    return 2;
  }
  let store: Store | null = null;
  try {
    const missing = await missingStore(process.env);
    if (missing) {
      process.stderr.write(`${missing}\n`);
      return 2;
    }
    process.stderr.write(`store: ${storeDescription(process.env).where}\n`);
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
