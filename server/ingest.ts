/**
 * POST /api/v1/records: validate everything, check the publisher's right to correct, append atomically, then
 * answer with receipts (only after the commit).
 */
import crypto from "node:crypto";
import { leafHash, validateRecordInput, type FieldProblem, type Keccak, type Receipt, type RecordInput } from "../core";
import type { Batcher } from "./anchoring/batcher";
import type { ControlCheck } from "./control-check";
import type { ReceiptSigner } from "./crypto";
import { isObject } from "../core/protocol/shape";
import { ProblemError } from "./http/problem";
import { IdempotencyKeyTaken, type IdempotencyClaim, type Store, type StoredRecord } from "./store/types";

export const MAX_BULK_RECORDS = 1000;
/** How long an Idempotency-Key answers with its first answer (DESIGN: 7 days). */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,100}$/;

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

export interface IngestAnswer {
  receipts: Receipt[];
  /** True when an Idempotency-Key's first answer is given again (nothing was written). */
  replayed?: boolean;
}

export interface DryRunAnswer {
  dryRun: true;
  /** Records that would be accepted on their own; a write is accepted only when problems is empty. */
  accepted: number;
  problems: FieldProblem[];
}

export interface Ingest {
  ingest(
    publisher: string,
    body: unknown,
    rights?: PublisherRights,
    options?: { idempotencyKey?: string },
  ): Promise<IngestAnswer>;
  /** The write's validation and rights checks, with nothing stored and no seq used. */
  dryRun(publisher: string, body: unknown, rights?: PublisherRights): Promise<DryRunAnswer>;
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

interface Checked {
  /** The valid inputs, each with the field prefix of its place in the body. */
  valid: { input: RecordInput; fieldOf: (field: string) => string }[];
  problems: FieldProblem[];
}

/** Every input checked against Record v1 and against the seqs that exist; every problem at once. */
function check(body: unknown, at: number, maxSeq: number): Checked {
  const { inputs, prefix, problems } = readBody(body);
  const valid: Checked["valid"] = [];
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
    } else valid.push({ input: result.value, fieldOf });
  });
  return { valid, problems };
}

/** The inputs when there is no problem, else INVALID_RECORD with all of them. */
function validate(body: unknown, at: number, maxSeq: number): RecordInput[] {
  const { valid, problems } = check(body, at, maxSeq);
  if (problems.length > 0) {
    const first = problems[0]!;
    const detail = `${problems.length} problem(s); first: ${first.field || "(record)"}: ${first.message}`;
    throw new ProblemError(400, "INVALID_RECORD", detail, { errors: problems.slice(0, 1000) });
  }
  return valid.map((v) => v.input);
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

/** The seqs among `inputs`' corrects that another publisher published, with that publisher. */
async function foreignTargets(
  store: Store,
  publisher: string,
  inputs: readonly RecordInput[],
): Promise<Map<number, string>> {
  const foreign = new Map<number, string>();
  for (const seq of new Set(inputs.map((i) => i.corrects).filter((seq) => seq !== 0))) {
    const target = await store.getRecord(seq);
    if (target && target.record.publisher !== publisher) foreign.set(seq, target.record.publisher);
  }
  return foreign;
}

const notOwnMessage = (seq: number, owner: string, publisher: string) =>
  `record ${seq} was published by ${owner}; ${publisher} may correct or retract only its own records unless an ` +
  "operator allows it (npm run publisher -- add NAME --may-correct-others)";

/** A publisher corrects or retracts only its own records unless an operator gave it that right. */
async function requireOwnCorrections(store: Store, publisher: string, inputs: readonly RecordInput[]): Promise<void> {
  const [first] = await foreignTargets(store, publisher, inputs);
  if (first) {
    const [seq, owner] = first;
    throw new ProblemError(403, "CORRECTION_NOT_OWN", notOwnMessage(seq, owner, publisher), { corrects: seq });
  }
}

/** The dry run: check's problems plus the rights check's, as field problems, in body order. */
async function dryRunOf(
  store: Store,
  publisher: string,
  body: unknown,
  at: number,
  rights: PublisherRights,
  checkControl?: ControlCheck,
): Promise<DryRunAnswer> {
  const { valid, problems } = check(body, at, await store.maxSeq());
  // The chain's word on each declaration's control signature, as a write would ask it (a partial Safe signature).
  const controlled = checkControl && valid.some((v) => v.input.kind === "WALLET_DECLARED");
  const refused = controlled ? await checkControl(valid.map((v) => v.input)) : [];
  for (const { index, problem } of refused) problems.push({ ...problem, field: valid[index]!.fieldOf(problem.field) });
  const foreign = rights.mayCorrectOthers
    ? new Map<number, string>()
    : await foreignTargets(
        store,
        publisher,
        valid.map((v) => v.input),
      );
  let accepted = 0;
  const refusedAt = new Set(refused.map((r) => r.index));
  for (const [index, { input, fieldOf }] of valid.entries()) {
    const owner = foreign.get(input.corrects);
    if (owner === undefined) accepted += refusedAt.has(index) ? 0 : 1;
    else
      problems.push({
        field: fieldOf("corrects"),
        code: "CORRECTION_NOT_OWN",
        message: notOwnMessage(input.corrects, owner, publisher),
      });
  }
  return { dryRun: true, accepted, problems: problems.slice(0, 1000) };
}

/** The body's fingerprint for its Idempotency-Key: sha256 of the parsed body serialised again. */
export function bodyHash(body: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(body)).digest("hex");
}

/** The first answer again for the same body; another body under the key is refused. */
function replay(found: { bodyHash: string; answer: string }, hash: string, key: string): IngestAnswer {
  if (found.bodyHash !== hash) {
    throw new ProblemError(
      422,
      "IDEMPOTENCY_KEY_REUSED",
      `Idempotency-Key ${JSON.stringify(key)} was used with another body within 7 days; nothing was written. ` +
        "Send a new key for a new request, or the very same body to get the first answer again",
      { idempotencyKey: key },
    );
  }
  return { ...(JSON.parse(found.answer) as { receipts: Receipt[] }), replayed: true };
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
  const claimOf = (key: string | undefined, hash: string): IdempotencyClaim | undefined => {
    if (key === undefined) return undefined;
    const at = now();
    const answer = (stored: readonly StoredRecord[]) => JSON.stringify({ receipts: stored.map(receiptOf) });
    return { key, bodyHash: hash, at, notBefore: at - IDEMPOTENCY_TTL_SECONDS, answer };
  };
  return {
    async dryRun(publisher, body, rights = { mayCorrectOthers: false }) {
      return dryRunOf(store, publisher, body, now(), rights, deps.checkControl);
    },
    async ingest(publisher, body, rights = { mayCorrectOthers: false }, options = {}) {
      const key = options.idempotencyKey;
      const hash = key === undefined ? "" : bodyHash(body);
      if (key !== undefined) {
        const found = await store.idempotentAnswer(publisher, key, now() - IDEMPOTENCY_TTL_SECONDS);
        if (found) return replay(found, hash, key);
      }
      const valid = validate(body, now(), await store.maxSeq());
      if (!rights.mayCorrectOthers) await requireOwnCorrections(store, publisher, valid);
      await requireControl(deps.checkControl, body, valid);
      let stored: StoredRecord[];
      try {
        stored = await store.appendRecords(valid, publisher, finish, now, claimOf(key, hash));
      } catch (cause) {
        // Another request under the same key committed first (a concurrent retry): its answer, or 422.
        if (cause instanceof IdempotencyKeyTaken) return replay(cause.found, hash, key!);
        deps.onStoreError?.(cause);
        throw appendProblem(cause);
      }
      deps.onAccepted?.(stored.length);
      void deps.batcher.recordsAdded().catch((error: unknown) => deps.onStoreError?.(error));
      return { receipts: stored.map(receiptOf) };
    },
  };
}
