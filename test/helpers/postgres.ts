/**
 * PostgreSQL for tests: the cluster that `npm run test:all` / `.ci/run` started (AIQYN_TEST_DATABASE_URL), or
 * else one started here for this process (and removed at exit), so a single test file runs on its own too.
 * Never skipped: without PostgreSQL a test fails.
 */
import { createDatabase, startPostgresCluster, type PostgresCluster } from "../../scripts/postgres/cluster";

let own: Promise<PostgresCluster> | null = null;

/** The cluster's admin URL. */
export async function postgresUrl(): Promise<string> {
  const given = process.env.AIQYN_TEST_DATABASE_URL;
  if (given) return given;
  own ??= startPostgresCluster().then((cluster) => {
    process.on("exit", () => cluster.destroy());
    return cluster;
  });
  return (await own).url;
}

/** A cluster of this process's own, which a test may stop and start (an outage). */
export async function ownPostgresCluster(): Promise<PostgresCluster> {
  const cluster = await startPostgresCluster();
  process.on("exit", () => cluster.destroy());
  return cluster;
}

/** A fresh, empty database for one test. */
export async function freshDatabaseUrl(): Promise<string> {
  return createDatabase(await postgresUrl());
}
