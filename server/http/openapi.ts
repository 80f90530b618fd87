/**
 * The OpenAPI 3.1 description of the HTTP API, written by hand to match docs/API.md and docs/PROTOCOL.md.
 * Served at /api/v1/openapi.json.
 */
import { RECORD_KIND_NAMES } from "../../core";
import { FIELD_PROBLEM_CODES } from "../../core/protocol/shape";
import { PROBLEM_CODES } from "./problem";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
const ok = (description: string, schema: unknown) => ({ description, content: { "application/json": { schema } } });
const intParam = (name: string, where: "path" | "query", description: string, extra: Record<string, unknown> = {}) => ({
  name,
  in: where,
  required: where === "path",
  description,
  schema: { type: "integer", minimum: 1, ...extra },
});
const hex32 = { type: "string", pattern: "^0x[0-9a-f]{64}$" };
const decimal = { type: "string", pattern: "^(0|[1-9][0-9]*)(\\.[0-9]+)?$" };
const KINDS = RECORD_KIND_NAMES;

const recordInputProperties = {
  kind: { type: "string", enum: KINDS },
  occurredAt: { type: "integer", minimum: 0, description: "unix seconds; not in the future" },
  asset: { type: "string", pattern: "^[A-Z0-9.-]{1,16}$" },
  amount: { ...decimal, description: "≤ 18 decimals; > 0 except VALUATION and RETRACTION (0)" },
  valueUsd: { ...decimal, description: "≤ 2 decimals" },
  counterparty: { type: "string", maxLength: 200 },
  reference: { type: "string", maxLength: 200 },
  documentHash: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" },
  memo: { type: "string", maxLength: 1000 },
  corrects: {
    type: "integer",
    minimum: 0,
    description: "seq of an earlier record this one supersedes or retracts; 0 if none",
  },
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Aiqyn registry API",
    version: "1",
    description:
      "Public transparency registry of a state crypto fund. Reads are public (CORS *); writes need a publisher's bearer key. " +
      "Every record is anchored on chain in a Merkle batch; proofs verify against the chain alone. Errors are RFC 9457 problems with a stable `code`.",
  },
  servers: [{ url: "/" }],
  components: {
    securitySchemes: {
      publisherKey: {
        type: "http",
        scheme: "bearer",
        description: "A publisher's API key (npm run publisher -- add NAME)",
      },
    },
    schemas: {
      FieldProblem: {
        type: "object",
        required: ["field", "code", "message"],
        properties: {
          field: { type: "string", description: 'JSON-pointer-like path, e.g. "amount" or "records/3/amount"' },
          // Every field problem code: the one list in core/protocol/shape.ts.
          code: { type: "string", enum: [...FIELD_PROBLEM_CODES] },
          message: { type: "string" },
        },
      },
      Problem: {
        type: "object",
        required: ["type", "title", "status", "detail", "code"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          // Every code the server answers with: the one table in server/http/problem.ts.
          code: { type: "string", enum: [...PROBLEM_CODES] },
          instance: { type: "string" },
          errors: { type: "array", items: ref("FieldProblem") },
          receipt: ref("Receipt"),
          batchId: { type: ["integer", "null"] },
          checks: { type: "object" },
        },
      },
      RecordInput: {
        type: "object",
        additionalProperties: false,
        required: Object.keys(recordInputProperties),
        properties: recordInputProperties,
      },
      Record: {
        type: "object",
        additionalProperties: false,
        required: ["seq", "publishedAt", "publisher", ...Object.keys(recordInputProperties)],
        properties: {
          seq: { type: "integer", minimum: 1 },
          publishedAt: { type: "integer" },
          publisher: { type: "string" },
          ...recordInputProperties,
        },
      },
      Receipt: {
        type: "object",
        required: ["seq", "leaf", "publishedAt", "signer", "signature"],
        properties: {
          seq: { type: "integer" },
          leaf: hex32,
          publishedAt: { type: "integer" },
          signer: { type: "string" },
          signature: { type: "string", pattern: "^0x[0-9a-f]{130}$" },
        },
      },
      RecordItem: {
        type: "object",
        required: ["record", "leaf", "status", "batchId", "receipt", "standing", "correctedBy"],
        properties: {
          record: ref("Record"),
          leaf: hex32,
          status: { type: "string", enum: ["pending", "anchored"] },
          batchId: { type: ["integer", "null"] },
          // null for a record accepted before an `ops reanchor`: its receipt names the superseded registry.
          receipt: { oneOf: [ref("Receipt"), { type: "null" }] },
          standing: { type: "string", enum: ["current", "superseded", "retracted"] },
          correctedBy: { type: "array", items: { type: "integer" } },
        },
      },
      Batch: {
        type: "object",
        required: [
          "id",
          "root",
          "firstSeq",
          "leafCount",
          "status",
          "txHash",
          "blockNumber",
          "head",
          "anchoredAt",
          "sealedAt",
        ],
        properties: {
          id: { type: "integer" },
          root: hex32,
          firstSeq: { type: "integer" },
          leafCount: { type: "integer" },
          status: { type: "string", enum: ["sealed", "submitted", "anchored"] },
          txHash: { type: ["string", "null"] },
          blockNumber: { type: ["integer", "null"] },
          head: { type: ["string", "null"] },
          anchoredAt: { type: ["integer", "null"] },
          sealedAt: { type: "integer" },
        },
      },
      ProofBundle: {
        type: "object",
        description: "aiqyn-proof/1 (docs/PROTOCOL.md)",
        required: ["format", "record", "leaf", "proof", "batch", "anchor"],
        properties: {
          format: { const: "aiqyn-proof/1" },
          record: ref("Record"),
          leaf: hex32,
          proof: { type: "array", items: hex32 },
          batch: {
            type: "object",
            properties: {
              id: { type: "integer" },
              root: hex32,
              firstSeq: { type: "integer" },
              leafCount: { type: "integer" },
            },
          },
          anchor: {
            type: "object",
            properties: {
              chainId: { type: "integer" },
              registry: { type: "string" },
              txHash: hex32,
              blockNumber: { type: "integer" },
            },
          },
          receipt: ref("Receipt"),
        },
      },
      Stats: {
        type: "object",
        properties: {
          totals: {
            type: "object",
            properties: {
              records: { type: "integer" },
              anchored: { type: "integer" },
              pending: { type: "integer" },
              batches: { type: "integer" },
            },
          },
          byKind: {
            type: "array",
            items: {
              type: "object",
              properties: { kind: { type: "string" }, count: { type: "integer" }, valueUsd: decimal },
            },
          },
          byAsset: {
            type: "array",
            items: {
              type: "object",
              properties: { asset: { type: "string" }, inflow: decimal, outflow: decimal, count: { type: "integer" } },
            },
          },
          byMonth: {
            type: "array",
            items: {
              type: "object",
              properties: {
                month: { type: "string" },
                kind: { type: "string" },
                count: { type: "integer" },
                valueUsd: decimal,
              },
            },
          },
          holdings: {
            type: "array",
            items: {
              type: "object",
              properties: {
                asset: { type: "string" },
                amount: decimal,
                valueUsd: decimal,
                occurredAt: { type: "integer" },
                seq: { type: "integer" },
              },
            },
          },
        },
      },
      DryRun: {
        type: "object",
        required: ["dryRun", "accepted", "problems"],
        properties: {
          dryRun: { const: true },
          accepted: { type: "integer", description: "records without a problem; a write needs problems = []" },
          problems: { type: "array", items: ref("FieldProblem") },
        },
      },
      DocumentStored: {
        type: "object",
        required: ["hash", "size", "stored"],
        properties: {
          hash: hex32,
          size: { type: "integer" },
          stored: { type: "string", enum: ["new", "already"] },
        },
      },
      Registry: {
        type: "object",
        properties: {
          chainId: { type: "integer" },
          registry: { type: "string" },
          deploymentBlock: { type: "integer" },
          rpcUrl: { type: "string" },
          explorerUrl: { type: ["string", "null"] },
          receiptSigner: { type: "string" },
          maxAnchorDelaySeconds: { type: "integer" },
        },
      },
    },
  },
  paths: {
    "/api/v1/records": {
      post: {
        summary: "Publish one record, or up to 1000 atomically; or check them only (?dryRun=1)",
        security: [{ publisherKey: [] }],
        parameters: [
          {
            name: "dryRun",
            in: "query",
            description: "1: the write's validation and rights checks only; nothing stored, no seq used (200)",
            schema: { type: "string", enum: ["1", "0", "true", "false"] },
          },
          {
            name: "Idempotency-Key",
            in: "header",
            description:
              "1–100 printable ASCII characters, per publisher, 7 days: the same key with the same body answers " +
              "the first answer again (header Idempotent-Replayed: true); with another body 422 IDEMPOTENCY_KEY_REUSED",
            schema: { type: "string", minLength: 1, maxLength: 100 },
          },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                oneOf: [
                  ref("RecordInput"),
                  {
                    type: "object",
                    required: ["records"],
                    properties: { records: { type: "array", minItems: 1, maxItems: 1000, items: ref("RecordInput") } },
                  },
                ],
              },
            },
          },
        },
        responses: {
          "201": ok("Stored durably; one signed receipt per record, in order", {
            type: "object",
            properties: { receipts: { type: "array", items: ref("Receipt") } },
          }),
          "200": ok("A dry run's report (nothing stored)", ref("DryRun")),
          "400": problem(
            "INVALID_RECORD (every problem in `errors`), INVALID_JSON (with `line`, `column`), DUPLICATE_KEY or " +
              "INVALID_PARAMETER (dryRun, Idempotency-Key)",
          ),
          "422": problem("IDEMPOTENCY_KEY_REUSED (the key was used with another body)"),
          "401": problem("UNAUTHORIZED"),
          "403": problem("CORRECTION_NOT_OWN (another publisher's record; needs --may-correct-others)"),
          "413": problem("PAYLOAD_TOO_LARGE"),
          "415": problem("UNSUPPORTED_MEDIA_TYPE"),
          "429": problem("RATE_LIMITED"),
          "503": problem(
            "STORE_UNAVAILABLE, STORE_FULL, SHUTTING_DOWN, ANCHORING_HALTED (with `reason`) or ANCHORER_ROLE_REVOKED",
          ),
        },
      },
      get: {
        summary: "Records in seq order, filtered, one page at a time",
        parameters: [
          { name: "kind", in: "query", schema: { type: "string", enum: KINDS } },
          { name: "asset", in: "query", schema: { type: "string" } },
          {
            name: "from",
            in: "query",
            description: "occurredAt ≥ from (unix seconds)",
            schema: { type: "integer", minimum: 0 },
          },
          {
            name: "to",
            in: "query",
            description: "occurredAt ≤ to (unix seconds)",
            schema: { type: "integer", minimum: 0 },
          },
          { name: "cursor", in: "query", description: "nextCursor of the previous page", schema: { type: "string" } },
          intParam("limit", "query", "page size (default 50)", { maximum: 500 }),
        ],
        responses: {
          "200": ok("A page", {
            type: "object",
            properties: {
              records: { type: "array", items: ref("RecordItem") },
              nextCursor: { type: ["string", "null"] },
            },
          }),
          "400": problem("INVALID_PARAMETER"),
        },
      },
    },
    "/api/v1/documents/{hash}": {
      parameters: [
        {
          name: "hash",
          in: "path",
          required: true,
          description: "0x + the keccak-256 of the document's bytes (a record's documentHash)",
          schema: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" },
        },
      ],
      put: {
        summary: "Store a supporting document under its keccak-256 (at most 20 MB)",
        security: [{ publisherKey: [] }],
        requestBody: {
          required: true,
          content: {
            "application/pdf": { schema: { type: "string", format: "binary" } },
            "image/png": { schema: { type: "string", format: "binary" } },
            "image/jpeg": { schema: { type: "string", format: "binary" } },
            "text/plain": { schema: { type: "string" } },
            "application/octet-stream": { schema: { type: "string", format: "binary" } },
          },
        },
        responses: {
          "201": ok("Stored", ref("DocumentStored")),
          "200": ok("Stored already (same bytes)", ref("DocumentStored")),
          "400": problem("INVALID_PARAMETER (hash) or INVALID_REQUEST (empty body)"),
          "401": problem("UNAUTHORIZED"),
          "413": problem("PAYLOAD_TOO_LARGE (over 20 MB)"),
          "415": problem("UNSUPPORTED_MEDIA_TYPE (a type not taken, or bytes that are not of the type sent)"),
          "422": problem("DOCUMENT_HASH_MISMATCH (with `expected` and `actual`)"),
        },
      },
      get: {
        summary: "The document, to anyone (sandboxed, never sniffed)",
        responses: {
          "200": { description: "The document's bytes with the type it was stored with" },
          "400": problem("INVALID_PARAMETER"),
          "404": problem("DOCUMENT_NOT_FOUND (a record may name a document that is not stored)"),
        },
      },
    },
    "/api/v1/records/{seq}": {
      get: {
        summary: "One record with its status, receipt and standing",
        parameters: [intParam("seq", "path", "record seq")],
        responses: {
          "200": ok("The record", ref("RecordItem")),
          "400": problem("INVALID_PARAMETER"),
          "404": problem("RECORD_NOT_FOUND"),
        },
      },
    },
    "/api/v1/records/{seq}/proof": {
      get: {
        summary: "The record's aiqyn-proof/1 bundle (a download)",
        parameters: [intParam("seq", "path", "record seq")],
        responses: {
          "200": ok("The bundle", ref("ProofBundle")),
          "400": problem("INVALID_PARAMETER"),
          "404": problem("RECORD_NOT_FOUND"),
          "409": problem("BATCH_NOT_ANCHORED, with `receipt` and `batchId`"),
        },
      },
    },
    "/api/v1/batches": {
      get: {
        summary: "Batches, newest first",
        parameters: [
          { name: "cursor", in: "query", schema: { type: "string" } },
          intParam("limit", "query", "page size (default 50)", { maximum: 500 }),
        ],
        responses: {
          "200": ok("A page", {
            type: "object",
            properties: { batches: { type: "array", items: ref("Batch") }, nextCursor: { type: ["string", "null"] } },
          }),
          "400": problem("INVALID_PARAMETER"),
        },
      },
    },
    "/api/v1/batches/{id}": {
      get: {
        summary: "One batch",
        parameters: [intParam("id", "path", "batch id")],
        responses: {
          "200": ok("The batch", ref("Batch")),
          "400": problem("INVALID_PARAMETER"),
          "404": problem("BATCH_NOT_FOUND"),
        },
      },
    },
    "/api/v1/batches/{id}/records": {
      get: {
        summary: "A batch's records in seq order, with leaves (for auditors), one page at a time",
        parameters: [
          intParam("id", "path", "batch id"),
          { name: "cursor", in: "query", description: "nextCursor of the previous page", schema: { type: "string" } },
          intParam("limit", "query", "page size (default and maximum 10000)", { maximum: 10000 }),
        ],
        responses: {
          "200": ok("The batch and its records", {
            type: "object",
            properties: {
              batch: ref("Batch"),
              records: { type: "array", items: { type: "object", properties: { record: ref("Record"), leaf: hex32 } } },
              nextCursor: { type: ["string", "null"] },
            },
          }),
          "400": problem("INVALID_PARAMETER"),
          "404": problem("BATCH_NOT_FOUND"),
        },
      },
    },
    "/api/v1/stats": {
      get: { summary: "Exact sums over current records", responses: { "200": ok("Statistics", ref("Stats")) } },
    },
    "/api/v1/registry": {
      get: { summary: "Where and how to verify", responses: { "200": ok("Registry facts", ref("Registry")) } },
    },
    "/api/v1/feed.atom": {
      get: {
        summary:
          "The newest 50 records as an Atom feed: the server's list, unverified; each entry links to its verify page",
        responses: {
          "200": { description: "Atom 1.0", content: { "application/atom+xml": { schema: { type: "string" } } } },
        },
      },
    },
    "/api/v1/openapi.json": {
      get: { summary: "This document", responses: { "200": ok("OpenAPI 3.1", { type: "object" }) } },
    },
    "/healthz": {
      get: {
        summary: "Liveness",
        responses: { "200": ok("Alive", { type: "object", properties: { status: { const: "ok" } } }) },
      },
    },
    "/readyz": {
      get: {
        summary: "Readiness: store, chain, role and anchoring (each failing check with a stable `code`)",
        responses: {
          "200": ok("Ready", {
            type: "object",
            properties: { status: { const: "ready" }, checks: { type: "object" } },
          }),
          "503": problem("NOT_READY, with `checks`"),
        },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics",
        responses: {
          "200": { description: "Prometheus text", content: { "text/plain": { schema: { type: "string" } } } },
        },
      },
    },
  },
} as const;
