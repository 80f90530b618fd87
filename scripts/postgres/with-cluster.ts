/**
 * Runs a command with a throw-away PostgreSQL cluster: `ts-node scripts/postgres/with-cluster.ts CMD ARGS…`
 * exports its URL as AIQYN_TEST_DATABASE_URL, runs CMD, then stops and deletes the cluster whatever happens.
 */
import { spawn } from "node:child_process";
import { startPostgresCluster } from "./cluster";

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write("usage: with-cluster.ts CMD [ARGS…]\n");
    return 2;
  }
  const cluster = await startPostgresCluster();
  process.stderr.write(`throw-away PostgreSQL on 127.0.0.1:${cluster.port} (${cluster.dir})\n`);
  const cleanup = () => cluster.destroy();
  process.on("SIGINT", cleanup).on("SIGTERM", cleanup);
  try {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: "inherit",
      env: { ...process.env, AIQYN_TEST_DATABASE_URL: cluster.url },
    });
    return await new Promise<number>((resolve) =>
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))),
    );
  } finally {
    cleanup();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
