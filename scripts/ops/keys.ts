/**
 * The anchorer's key for the commands that sign (reanchor, recover-store) and for `npm start`: from the file
 * ANCHORER_KEY_FILE names (readable by its owner only: mode 0600 or stricter), else from ANCHORER_KEY. A file
 * keeps the key off command lines, out of shell history and out of `ps`.
 */
import { readFileSync, statSync } from "node:fs";
import { UsageError } from "./args";

/** The key in `file`, refused when group or others may read it or when it is not one 0x + 64 hex key. */
export function readKeyFile(file: string, name = "ANCHORER_KEY_FILE"): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new UsageError(`${name} ${file} does not exist`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `${name} ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file} first`,
    );
  }
  const key = readFileSync(file, "utf8").trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError(`${name} ${file} does not hold a 0x + 64 hex key`);
  return key;
}

export function readAnchorerKey(env: Record<string, string | undefined> = process.env): string {
  if (env.ANCHORER_KEY_FILE) return readKeyFile(env.ANCHORER_KEY_FILE);
  const key = env.ANCHORER_KEY?.trim();
  if (!key) throw new UsageError("set ANCHORER_KEY_FILE (a 0600 file holding the anchorer's key) or ANCHORER_KEY");
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError("ANCHORER_KEY is not a 0x + 64 hex key");
  return key;
}
