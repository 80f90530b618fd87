/**
 * `aiqyn hash FILE...`: the keccak-256 documentHash of each file (docs/PROTOCOL.md: documentHash =
 * keccak256(the file's bytes), nothing normalised). OpenSSL's sha3-256 is another hash and never matches.
 */
import { readFile } from "node:fs/promises";
import { EXIT_OK, EXIT_USAGE, HELP_OPTIONS, UsageError, parseJsonCommand } from "./args";
import { documentHashOf } from "./document";
import { textOut, writeJson, type Io } from "./io";

export const HASH_HELP = `Usage: aiqyn hash FILE... [--json[=FILE]]

Prints the documentHash of each file: 0x + the keccak-256 of its bytes, exactly as a record's documentHash
names its supporting document (not sha256, not NIST sha3-256). One line per file: "<hash>  <file>".

--json[=FILE] prints (or writes) { format: "aiqyn-hash/1", files: [ { file, documentHash, bytes } ] }.

Exit status: 0 hashed; 2 usage error or a file could not be read.
`;

export async function runHash(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: HELP_OPTIONS, help: HASH_HELP, positionals: true }, io);
  if (!command) return EXIT_OK;
  const files = command.parsed.positionals;
  if (files.length === 0) throw new UsageError("name at least one FILE to hash");
  const hashed: { file: string; documentHash: string; bytes: number }[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      io.err(`aiqyn hash: ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_USAGE;
    }
    hashed.push({ file, documentHash: documentHashOf(bytes), bytes: bytes.length });
  }
  if (command.json) await writeJson(io, command.json, { format: "aiqyn-hash/1", files: hashed });
  textOut(io, command.json)(hashed.map((h) => `${h.documentHash}  ${h.file}\n`).join(""));
  return EXIT_OK;
}
