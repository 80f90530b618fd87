/**
 * Online backup of the server's SQLite store while the server runs:
 *
 *   npm run backup-store -- [--data-dir DIR] --out FILE
 *
 * Uses SQLite's backup API (better-sqlite3 `db.backup`), which copies a consistent snapshot page by page
 * without stopping writers (a plain `cp` of a WAL database can copy a torn state). The copy is then opened and
 * checked: `PRAGMA integrity_check`, and what it holds (records, last seq, batches, anchored batches), so a
 * backup that cannot be restored is noticed when it is made, not when it is needed.
 */
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { parseArgs, UsageError } from "./args";

export interface BackupSummary {
  file: string;
  records: number;
  lastSeq: number;
  batches: number;
  anchoredBatches: number;
  registry: string | null;
}

export async function backupStore(dataDir: string, out: string): Promise<BackupSummary> {
  const source = path.join(dataDir, "aiqyn.sqlite");
  if (!existsSync(source)) throw new UsageError(`no store at ${source} (set --data-dir to the server's DATA_DIR)`);
  if (existsSync(out)) throw new UsageError(`${out} exists: choose a new file name (backups are never overwritten)`);
  // The copy holds every record and publisher key hash: readable by its owner only, from its first byte.
  closeSync(openSync(out, "wx", 0o600));
  chmodSync(out, 0o600);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    await db.backup(out);
  } finally {
    db.close();
  }
  const copy = new Database(out, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new Error(`the backup ${out} fails integrity_check: ${String(integrity)}`);
    const one = <T>(sql: string) => copy.prepare(sql).get() as T;
    return {
      file: out,
      records: one<{ n: number }>("SELECT COUNT(*) AS n FROM records").n,
      lastSeq: one<{ n: number | null }>("SELECT MAX(seq) AS n FROM records").n ?? 0,
      batches: one<{ n: number }>("SELECT COUNT(*) AS n FROM batches").n,
      anchoredBatches: one<{ n: number }>("SELECT COUNT(*) AS n FROM batches WHERE status = 'anchored'").n,
      registry: one<{ value: string } | undefined>("SELECT value FROM meta WHERE key = 'registry'")?.value ?? null,
    };
  } finally {
    copy.close();
  }
}

if (require.main === module) {
  try {
    const args = parseArgs(process.argv.slice(2), ["data-dir", "out"], []);
    const dataDir = path.resolve(args.options["data-dir"] ?? (process.env.DATA_DIR?.trim() || "./data"));
    const out = args.options.out;
    if (!out) throw new UsageError("usage: npm run backup-store -- [--data-dir DIR] --out FILE");
    backupStore(dataDir, path.resolve(out)).then(
      (s) => {
        console.log(
          `backup ${s.file}: integrity ok; ${s.records} records (last seq ${s.lastSeq}), ${s.batches} batches ` +
            `(${s.anchoredBatches} anchored), registry ${s.registry ?? "(none yet)"}`,
        );
      },
      (error: unknown) => {
        console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = error instanceof UsageError ? 2 : 1;
      },
    );
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
