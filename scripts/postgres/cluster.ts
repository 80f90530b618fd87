/**
 * A throw-away PostgreSQL 15 cluster for tests and benchmarks: initdb in a temporary directory, pg_ctl start
 * on a free port of 127.0.0.1 (trust authentication, reachable only locally), stop and delete afterwards.
 * initdb refuses root, so as root the cluster runs as `postgres` (or `nobody`) through runuser. When the
 * binaries are missing, the Debian package is installed with apt-get (as root).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

const BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  /** pg_ctl stop (fast); start() again on the same directory and port. */
  stop(): void;
  start(): void;
  /** Stops and deletes the cluster. */
  destroy(): void;
}

function findBinDir(): string | null {
  return BIN_DIRS.find((dir) => fs.existsSync(path.join(dir, "initdb"))) ?? null;
}

function ensureInstalled(): string {
  const found = findBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error("PostgreSQL is not installed (apt-get install postgresql, as root)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "ignore", env });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], { stdio: "ignore", env });
  const installed = findBinDir();
  if (!installed) throw new Error("apt-get installed postgresql but no initdb was found");
  return installed;
}

/** The user that owns and runs the cluster: ourselves, or a system user when we are root. */
function clusterUser(): string | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ["postgres", "nobody"]) {
    try {
      execFileSync("id", [user], { stdio: "ignore" });
      return user;
    } catch {
      /* try the next */
    }
  }
  throw new Error("running as root and neither `postgres` nor `nobody` exists to run initdb");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = ensureInstalled();
  const user = clusterUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-pg-"));
  const data = path.join(dir, "data");
  if (user) execFileSync("chown", [user, dir]);
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = user
      ? ["runuser", ["-u", user, "--", path.join(bin, tool), ...args]]
      : [path.join(bin, tool), args];
    execFileSync(cmd, argv, { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
  };
  const port = await freePort();
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on`;
  const start = () => run("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "start"]);
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    stop,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        stop();
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new empty database on the cluster at `url` (each test gets its own); returns its URL. */
export async function createDatabase(url: string, prefix = "aiqyn"): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}
