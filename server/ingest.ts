/**
 * POST /api/v1/records: validate everything, check the publisher's right to correct, append atomically, then
 * answer with receipts (only after the commit).
 */
import { leafHash, validateRecordInput, type FieldProblem, type Keccak, type Receipt, type RecordInput } from "../core";
import type { Batcher } from "./batcher";
import type { ControlCheck } from "./control-check";
import type { ReceiptSigner } from "./crypto";
import { isObject } from "../core/shape";
import { ProblemError } from "./problem";
import type { Store, StoredRecord } from "./store/types";

export const MAX_BULK_RECORDS = 1000;

export interface IngestDeps {
  store: Store;
  keccak: Keccak;
  signer: ReceiptSigner;
  batcher: Batcher;
  now: () => number;
  onAccepted?: (count: number) => void;
  onStoreError?: (error: unknown) => void;
  /** Judges declarations' control signatures on the server's chain (server/control-check.ts); none: shape only. */
  checkControl?: ControlCheck;
}

export interface PublisherRights {
  mayCorrectOthers: boolean;
}

export interface Ingest {
  ingest(publisher: string, body: unknown, rights?: PublisherRights): Promise<{ receipts: Receipt[] }>;
}

export const receiptOf = (s: StoredRecord): Receipt => ({
  seq: s.record.seq,
  leaf: s.leaf,
  publishedAt: s.record.publishedAt,
  signer: s.signer,
  signature: s.signature,
});

/** The body's records (one record or a bulk {records}), how to name their fields, and the bulk's own problems. */
function readBody(body: unknown): { inputs: unknown[]; prefix: (i: number) => string; problems: FieldProblem[] } {
  if (!isObject(body) || !Object.prototype.hasOwnProperty.call(body, "records")) {
    return { inputs: [body], prefix: () => "", problems: [] };
  }
  const problems: FieldProblem[] = Object.keys(body)
    .filter((key) => key !== "records")
    .map((key) => ({ field: key.slice(0, 100), code: "FIELD_UNKNOWN", message: "a bulk body has only `records`" }));
  if (!Array.isArray(body.records)) {
    throw new ProblemError(400, "INVALID_RECORD", "records must be an array", {
      errors: [{ field: "records", code: "WRONG_TYPE", message: "records must be an array of record objects" }],
    });
  }
  if (body.records.length === 0 || body.records.length > MAX_BULK_RECORDS) {
    throw new ProblemError(400, "INVALID_RECORD", `a bulk request carries 1 to ${MAX_BULK_RECORDS} records`, {
      errors: [{ field: "records", code: "BULK_SIZE", message: `records must hold 1 to ${MAX_BULK_RECORDS} records` }],
    });
  }
  return { inputs: body.records, prefix: (i) => `records/${i}`, problems };
}

/** Every input checked against Record v1 and against the seqs that exist; all problems at once, or none. */
function validate(body: unknown, at: number, maxSeq: number): RecordInput[] {
  const { inputs, prefix, problems } = readBody(body);
  const valid: RecordInput[] = [];
  inputs.forEach((input, i) => {
    const result = validateRecordInput(input, { now: at });
    const fieldOf = (field: string) => [prefix(i), field].filter(Boolean).join("/");
    if (!result.ok) {
      problems.push(...result.errors.map((p) => ({ ...p, field: fieldOf(p.field) })));
    } else if (result.value.corrects > maxSeq) {
      problems.push({
        field: fieldOf("corrects"),
        code: "CORRECTS_UNKNOWN",
        message: `corrects names seq ${result.value.corrects}, which does not exist`,
      });
    } else valid.push(result.value);
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const detail = `${problems.length} problem(s); first: ${first.field || "(record)"}: ${first.message}`;
    throw new ProblemError(400, "INVALID_RECORD", detail, { errors: problems.slice(0, 1000) });
  }
  return valid;
}

/** Declarations whose control signature the chain refuses: 400 INVALID_RECORD, field by field, nothing stored. */
async function requireControl(check: ControlCheck | undefined, body: unknown, valid: readonly RecordInput[]) {
  if (!check || !valid.some((input) => input.kind === "WALLET_DECLARED")) return;
  const refused = await check(valid);
  if (refused.length === 0) return;
  const bulk = isObject(body) && Object.prototype.hasOwnProperty.call(body, "records");
  const problems = refused.map(({ index, problem }) => ({
    ...problem,
    field: bulk ? `records/${index}/${problem.field}` : problem.field,
  }));
  const detail = `${problems.length} problem(s); first: ${problems[0]!.field}: ${problems[0]!.message}`;
  throw new ProblemError(400, "INVALID_RECORD", detail, { errors: problems });
}

/** A publisher corrects or retracts only its own records unless an operator gave it that right. */
async function requireOwnCorrections(store: Store, publisher: string, inputs: readonly RecordInput[]): Promise<void> {
  const targets = [...new Set(inputs.map((i) => i.corrects).filter((seq) => seq !== 0))];
  for (const seq of targets) {
    const target = await store.getRecord(seq);
    if (target && target.record.publisher !== publisher) {
      throw new ProblemError(
        403,
        "CORRECTION_NOT_OWN",
        `record ${seq} was published by ${target.record.publisher}; ${publisher} may correct or retract only its own ` +
          "records unless an operator allows it (npm run publisher -- add NAME --may-correct-others)",
        { corrects: seq },
      );
    }
  }
}

/** A failed append as a problem: the transaction rolled back, nothing is stored, a retry is always safe. */
function appendProblem(cause: unknown): ProblemError {
  if ((cause as { code?: unknown })?.code === "SQLITE_FULL") {
    return new ProblemError(503, "STORE_FULL", "the store is out of disk space; nothing was accepted, retry later");
  }
  return new ProblemError(
    503,
    "STORE_UNAVAILABLE",
    "the record could not be stored; nothing was accepted, retry later",
  );
}

export function createIngest(deps: IngestDeps): Ingest {
  const { store, keccak, signer, now } = deps;
  const finish = (record: Parameters<typeof leafHash>[0]) => {
    const leaf = leafHash(record, keccak);
    return { leaf, signature: signer.sign(record.seq, leaf, record.publishedAt), signer: signer.address };
  };
  return {
    async ingest(publisher, body, rights = { mayCorrectOthers: false }) {
      const valid = validate(body, now(), await store.maxSeq());
      if (!rights.mayCorrectOthers) await requireOwnCorrections(store, publisher, valid);
      await requireControl(deps.checkControl, body, valid);
      let stored: StoredRecord[];
      try {
        stored = await store.appendRecords(valid, publisher, finish, now);
      } catch (cause) {
        deps.onStoreError?.(cause);
        throw appendProblem(cause);
      }
      deps.onAccepted?.(stored.length);
      void deps.batcher.recordsAdded().catch((error: unknown) => deps.onStoreError?.(error));
      return { receipts: stored.map(receiptOf) };
    },
  };
}
