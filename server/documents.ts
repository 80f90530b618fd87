/**
 * Supporting documents (court orders, contracts, statements) stored under the keccak-256 of their bytes, the
 * preimage of a record's documentHash (DESIGN, Publishing). The server never trusts the name it is given: the
 * bytes must hash to the path, and must look like the content type they claim (a document is served back to
 * anyone, so an HTML page or script passed off as a PDF is refused).
 */
import { bytesToHex, type Hex, type Keccak } from "../core";
import { ProblemError } from "./http/problem";
import type { Store, StoredDocument } from "./store/types";

/** DESIGN: documents up to 20 MB. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const startsWith = (body: Uint8Array, magic: readonly number[]) => magic.every((byte, i) => body[i] === byte);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const utf8 = new TextDecoder("utf-8", { fatal: true });
function isPlainText(body: Uint8Array): boolean {
  try {
    return !utf8.decode(body).includes("\u0000");
  } catch {
    return false;
  }
}

/** The content types a document may have, and how its first bytes must look. */
export const DOCUMENT_TYPES: Readonly<Record<string, (body: Uint8Array) => boolean>> = {
  "application/pdf": (b) => startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d]),
  "image/png": (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  "text/plain": isPlainText,
  "text/csv": isPlainText,
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b) => startsWith(b, ZIP),
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b) => startsWith(b, ZIP),
  // Anything else, served only as a download.
  "application/octet-stream": () => true,
};

/** Types a browser may show in place; everything else is served as an attachment. */
const INLINE_TYPES = new Set(["application/pdf", "image/png", "image/jpeg", "text/plain"]);

export function parseDocumentHash(text: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new ProblemError(
      400,
      "INVALID_PARAMETER",
      `hash: must be 0x followed by 64 hex digits; got ${text.slice(0, 80)}`,
      {
        errors: [{ field: "hash", code: "INVALID_PARAMETER", message: "0x followed by 64 hex digits (keccak-256)" }],
      },
    );
  }
  return text.toLowerCase() as Hex;
}

function contentTypeOf(header: string | undefined): string {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (!Object.prototype.hasOwnProperty.call(DOCUMENT_TYPES, type)) {
    throw new ProblemError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `a document must be sent as one of ${Object.keys(DOCUMENT_TYPES).join(", ")}; got ${JSON.stringify(type || "(none)")}`,
    );
  }
  return type;
}

export interface Documents {
  /** Stores the body under `hash` (true: newly stored, false: it was stored already). */
  putDocument(publisher: string, hash: string, contentType: string | undefined, body: Uint8Array): Promise<boolean>;
  getDocument(hash: string): Promise<{ doc: StoredDocument; body: Buffer; inline: boolean }>;
}

export function createDocuments(deps: { store: Store; keccak: Keccak; now: () => number }): Documents {
  const { store, keccak, now } = deps;
  return {
    async putDocument(publisher, hashText, header, body) {
      const hash = parseDocumentHash(hashText);
      const contentType = contentTypeOf(header);
      if (body.length === 0) throw new ProblemError(400, "INVALID_REQUEST", "the document is empty");
      const actual = bytesToHex(keccak(body));
      if (actual !== hash) {
        throw new ProblemError(
          422,
          "DOCUMENT_HASH_MISMATCH",
          `the body's keccak-256 is ${actual}, not ${hash} as the path says; nothing was stored`,
          { expected: hash, actual },
        );
      }
      if (!DOCUMENT_TYPES[contentType]!(body)) {
        throw new ProblemError(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          `the document does not look like ${contentType} (its first bytes say otherwise); send its real type, ` +
            "or application/octet-stream",
        );
      }
      const doc = { hash, contentType, size: body.length, publisher, storedAt: now() };
      return store.putDocument(doc, body);
    },
    async getDocument(hashText) {
      const hash = parseDocumentHash(hashText);
      const found = await store.getDocument(hash);
      if (!found) {
        throw new ProblemError(404, "DOCUMENT_NOT_FOUND", `no document ${hash} is stored here`, { hash });
      }
      return { ...found, inline: INLINE_TYPES.has(found.doc.contentType) };
    },
  };
}
