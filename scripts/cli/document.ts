/**
 * `aiqyn verify --document FILE`: does this file hash to the record's documentHash? The preimage is the file's
 * bytes exactly as stored (no normalisation): documentHash = keccak256(file bytes) (docs/PROTOCOL.md, field 11).
 * The zero hash means the record names no document.
 */
import { readFile } from "node:fs/promises";
import { bytesToHex, keccak256, ZERO_BYTES32, type Hex, type RecordV1 } from "../../core";

/** keccak256 of a document's bytes. */
export function documentHashOf(bytes: Uint8Array): Hex {
  return bytesToHex(keccak256(bytes));
}

export interface DocumentCheck {
  id: "document-hash";
  ok: boolean;
  message: string;
  expected: Hex;
  actual: Hex;
}

/** Compares the file's hash with the record's documentHash. */
export async function checkDocument(
  file: string,
  record: Pick<RecordV1, "seq" | "documentHash">,
): Promise<DocumentCheck> {
  const actual = documentHashOf(await readFile(file));
  const expected = record.documentHash.toLowerCase() as Hex;
  const ok = expected !== ZERO_BYTES32 && actual === expected;
  const message = ok
    ? `${file} is the document record ${record.seq} names (keccak256 ${actual})`
    : expected === ZERO_BYTES32
      ? `record ${record.seq} names no document (documentHash is zero); ${file} hashes to ${actual}`
      : `${file} hashes to ${actual}, not to record ${record.seq}'s documentHash ${expected}`;
  return { id: "document-hash", ok, message, expected, actual };
}

/** Adds the document check to a verify outcome; a mismatch makes the outcome fail. */
export async function addDocumentCheck(
  outcome: { ok: boolean; checks: object[] },
  record: RecordV1,
  file: string | undefined,
): Promise<void> {
  if (file === undefined) return;
  const check = await checkDocument(file, record);
  outcome.checks.push(check);
  if (!check.ok) outcome.ok = false;
}
