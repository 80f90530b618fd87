/**
 * Picks the store: PostgreSQL when DATABASE_URL is set (shared by several instances), otherwise the embedded
 * SQLite file in the data directory (what `npm start` needs: nothing but Node).
 */
import { openSqliteStore } from "./sqlite";
import { openPostgresStore } from "./postgres";
import type { Store } from "./types";

export async function openStore(config: { dataDir: string; databaseUrl?: string | null }): Promise<Store> {
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl);
  return openSqliteStore(config.dataDir);
}
