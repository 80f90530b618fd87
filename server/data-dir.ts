/**
 * The data directory holds the store (every record, publisher key hashes) and key files: only the server's
 * own user may enter it (0700) or read its files (0600), whatever the umask or an earlier version left.
 */
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates `dir` 0700, or narrows an existing one; then every file directly in it to 0600. */
export function securePrivateDir(dir: string, logger: Logger): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  narrow(dir, PRIVATE_DIR, logger);
  securePrivateFiles(dir, logger);
}

/** Every regular file directly in `dir` (the store, its WAL, key files) to 0600. */
export function securePrivateFiles(dir: string, logger: Logger): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) narrow(path.join(dir, entry.name), PRIVATE_FILE, logger);
  }
}

function narrow(file: string, mode: number, logger: Logger): void {
  const current = fs.statSync(file).mode & 0o777;
  if ((current & ~mode) === 0) return;
  fs.chmodSync(file, current & mode);
  logger.warn({ file, was: current.toString(8), now: (current & mode).toString(8) }, "narrowed permissions");
}
