/**
 * RFC 9457 problem details. Every error the API gives is one of these, with a stable `code`; nothing else
 * (no HTML page, no stack trace) ever leaves the server.
 */
import type { Response } from "express";
import { AiqynError, type AiqynCode, type FieldProblem } from "../../core";

/** Every problem code the API answers with and its title; docs/API.md lists the same codes (a test checks). */
const TITLES = {
  INVALID_RECORD: "The record is not valid",
  INVALID_JSON: "The body is not valid JSON",
  DUPLICATE_KEY: "The body names a member twice",
  INVALID_PARAMETER: "A parameter is not valid",
  UNAUTHORIZED: "A valid publisher key is required",
  PAYLOAD_TOO_LARGE: "The body is too large",
  UNSUPPORTED_MEDIA_TYPE: "The body must be application/json",
  RATE_LIMITED: "Too many requests",
  RECORD_NOT_FOUND: "No such record",
  BATCH_NOT_FOUND: "No such batch",
  BATCH_NOT_ANCHORED: "The record's batch is not anchored yet",
  NOT_FOUND: "Not found",
  CORRECTION_NOT_OWN: "A publisher may correct only its own records",
  IDEMPOTENCY_KEY_REUSED: "The Idempotency-Key was used with another body",
  DOCUMENT_HASH_MISMATCH: "The document's keccak-256 is not the hash in its path",
  DOCUMENT_NOT_FOUND: "No such document",
  STORE_UNAVAILABLE: "The store is unavailable",
  STORE_FULL: "The store is out of space",
  NOT_READY: "The server is not ready",
  SHUTTING_DOWN: "The server is shutting down",
  ANCHORING_HALTED: "Anchoring has halted: writes are refused",
  ANCHORER_ROLE_REVOKED: "The server's anchorer key lost its role: writes are refused",
  INTERNAL: "Internal error",
  INVALID_REQUEST: "The request could not be read",
  EXPECTATION_FAILED: "The Expect header cannot be met",
  CHAIN_UNAVAILABLE: "The chain could not be read",
} as const satisfies Partial<Record<AiqynCode, string>>;

export type ProblemCode = keyof typeof TITLES;
export const PROBLEM_CODES = Object.keys(TITLES) as ProblemCode[];

/** An AiqynError the API answers with: its code is a problem code, and it carries the HTTP status. */
export class ProblemError extends AiqynError {
  declare readonly code: ProblemCode;

  constructor(
    readonly status: number,
    code: ProblemCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code, detail);
    this.name = "ProblemError";
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  errors?: FieldProblem[];
  [member: string]: unknown;
}

export function problemType(code: ProblemCode): string {
  return `urn:aiqyn:problem:${code.toLowerCase().replace(/_/g, "-")}`;
}

export function problemBody(problem: ProblemError, instance?: string): ProblemBody {
  return {
    type: problemType(problem.code),
    title: TITLES[problem.code],
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    ...(instance ? { instance } : {}),
    ...problem.extra,
  };
}

export function sendProblem(res: Response, problem: ProblemError, instance?: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .status(problem.status)
    .type("application/problem+json")
    .send(JSON.stringify(problemBody(problem, instance)));
}

export const notFound = (detail = "there is nothing at this path") => new ProblemError(404, "NOT_FOUND", detail);
export const invalidParameter = (name: string, message: string) =>
  new ProblemError(400, "INVALID_PARAMETER", `${name}: ${message}`, {
    errors: [{ field: name, code: "INVALID_PARAMETER", message }],
  });
