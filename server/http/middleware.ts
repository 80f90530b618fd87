/**
 * The Express middleware of the API, one job each: access log, security headers, CORS for reads, rate
 * limits, authentication, the write gate, body parsing, the metrics token and the problem handler.
 */
import crypto from "node:crypto";
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import helmet from "helmet";
import { rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import type { ServerConfig } from "../config";
import { findDuplicateKey } from "./json-keys";
import type { Metrics } from "./metrics";
import { ProblemError, sendProblem } from "./problem";
import { authenticate } from "../publishers";
import type { Store } from "../store/types";

declare module "express-serve-static-core" {
  interface Request {
    publisher?: string;
    publisherRights?: { mayCorrectOthers: boolean };
  }
}

/** One 'finish' listener per request for the access log and the latency histogram (pino-http cost as much). */
export function requestLog(metrics: Metrics, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const status = res.statusCode;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const line = { req: { method: req.method, url: req.originalUrl.slice(0, 300) }, status };
      logger[level]({ ...line, ms: Math.round(seconds * 1e4) / 10 }, "request completed");
    });
    next();
  };
}

/** The headers a header-only middleware (helmet) sets, recorded once on a stand-in response. */
function staticHeaders(middleware: RequestHandler): [string, string][] {
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => {},
    getHeader: () => undefined,
  };
  middleware({ headers: {}, secure: false } as Request, res as unknown as Response, () => {});
  return headers;
}

/** helmet's headers are the same for every response with these static directives: computed once, then set. */
export function securityHeaders(): RequestHandler {
  const headers = staticHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // 'wasm-unsafe-eval' (not 'unsafe-eval'): the fund's figure check compiles its WebAssembly Keccak
          // (web/src/wasm-keccak.ts, in figures-worker.js, which gets this header too). Workers come from 'self'.
          scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          // The page asks a chain RPC of the citizen's choosing.
          connectSrc: ["*"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          // The citizen may choose a plain-http RPC (their own local node); upgrading would break it.
          upgradeInsecureRequests: null,
        },
      },
      crossOriginResourcePolicy: { policy: "cross-origin" },
      crossOriginEmbedderPolicy: false,
    }),
  );
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Public, read-only, cacheable by anyone: CORS for every origin. */
export const corsReads: RequestHandler = (req, res, next) => {
  res.setHeader("Access-Control-Allow-Origin", "*");
  if (req.method === "OPTIONS") {
    res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "Content-Type, Accept");
    res.setHeader("Access-Control-Max-Age", "600");
    res.status(204).end();
    return;
  }
  next();
};

/** A per-minute limit answered with a RATE_LIMITED problem; `key` picks whose budget a request spends. */
function perMinute(limit: number, what: string, key?: (req: Request) => string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    ...(key ? { keyGenerator: key } : {}),
    validate: { keyGeneratorIpFallback: false },
    handler: (req, res) =>
      sendProblem(res, new ProblemError(429, "RATE_LIMITED", `at most ${limit} ${what} a minute`), req.originalUrl),
  });
}

/** Reads, per client address (the proxy's client when TRUST_PROXY names the proxy). */
export const readLimit = (config: ServerConfig) => perMinute(config.readRateLimitPerMinute, "reads per client");

/** Writes, per authenticated publisher: one busy publisher cannot spend another's budget. */
export const publisherLimit = (config: ServerConfig) =>
  perMinute(config.rateLimitPerMinute, "writes per publisher", (req) => `publisher:${req.publisher!}`);

/** Failed authentications, per client address; a request with a valid key never counts here. */
export function authFailureLimit(config: ServerConfig): RequestHandler {
  const limiter = perMinute(config.authFailuresPerMinute, "unauthenticated requests per client");
  return (req, res, next) => (req.publisher ? next() : limiter(req, res, next));
}

/** Sets req.publisher when the bearer key is valid; refusing is requirePublisher's job. */
export function identifyPublisher(store: Store): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer ([\x21-\x7e]{1,200})$/.exec(req.get("authorization") ?? "");
    const publisher = match ? await authenticate(store, match[1]!) : null;
    if (publisher) {
      req.publisher = publisher.name;
      req.publisherRights = { mayCorrectOthers: publisher.mayCorrectOthers };
    }
    next();
  };
}

export const requirePublisher: RequestHandler = (req, res, next) => {
  if (req.publisher) return next();
  res.setHeader("WWW-Authenticate", 'Bearer realm="aiqyn"');
  const sent = /^Bearer /.test(req.get("authorization") ?? "");
  const detail = sent ? "the publisher key is unknown or revoked" : "send Authorization: Bearer <publisher key>";
  throw new ProblemError(401, "UNAUTHORIZED", detail);
};

/** Refuses writes while the server could not honour a receipt (halted, role lost, shutting down). */
export function requireWritable(refusal: () => ProblemError | null): RequestHandler {
  return (_req, _res, next) => {
    const problem = refusal();
    if (problem) throw problem;
    next();
  };
}

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is("application/json")) {
    throw new ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as Content-Type: application/json");
  }
  next();
};

/** Strict JSON of at most BODY_LIMIT bytes, valid UTF-8, no compressed bodies, no duplicate member names. */
export function parseJson(config: ServerConfig): RequestHandler {
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
  return express.json({
    limit: config.bodyLimitBytes,
    strict: true,
    // Compressed bodies are refused (415): their size limit would apply after inflating.
    inflate: false,
    type: () => true,
    verify: (_req, _res, buf) => {
      let text: string;
      try {
        // Invalid UTF-8 would otherwise be decoded to U+FFFD: a silent rewrite of what the publisher sent.
        text = strictUtf8.decode(buf);
      } catch {
        throw new ProblemError(400, "INVALID_JSON", "the body is not valid UTF-8");
      }
      const duplicate = findDuplicateKey(text);
      if (duplicate !== null) {
        const name = JSON.stringify(duplicate.slice(0, 100));
        throw new ProblemError(400, "DUPLICATE_KEY", `the body names ${name} twice in one object`);
      }
    },
  });
}

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest();

/** GET /metrics behind `Authorization: Bearer METRICS_TOKEN` when one is set. */
export function requireMetricsToken(token: string | null): RequestHandler {
  const expected = token === null ? null : sha256(token);
  return (req, res, next) => {
    if (expected === null) return next();
    const match = /^Bearer (.{1,300})$/.exec(req.get("authorization") ?? "");
    if (match && crypto.timingSafeEqual(sha256(match[1]!), expected)) return next();
    res.setHeader("WWW-Authenticate", 'Bearer realm="aiqyn-metrics"');
    throw new ProblemError(401, "UNAUTHORIZED", "send Authorization: Bearer <METRICS_TOKEN>");
  };
}

/** Where JSON.parse stopped, as line and column (1-based) of the body, with the parser's reason. */
export function jsonSyntaxProblem(message: string, body: unknown): ProblemError {
  const text = typeof body === "string" ? body : "";
  const at = /at position (\d+)/.exec(message);
  const position = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : null;
  const reason = message.replace(/\s*in JSON at position \d+.*$/s, "").slice(0, 120);
  if (position === null) {
    return new ProblemError(400, "INVALID_JSON", `the body is not valid JSON (a JSON object is expected): ${reason}`);
  }
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return new ProblemError(
    400,
    "INVALID_JSON",
    `the body is not valid JSON at line ${line}, column ${column}: ${reason}`,
    {
      line,
      column,
    },
  );
}

const BODY_ERRORS: Record<string, (err: { message?: string; body?: unknown }) => ProblemError> = {
  "entity.too.large": () => new ProblemError(413, "PAYLOAD_TOO_LARGE", "the body exceeds the size limit"),
  "entity.parse.failed": (err) => jsonSyntaxProblem(String(err.message ?? ""), err.body),
  "encoding.unsupported": () =>
    new ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as UTF-8 JSON without a content encoding"),
  "request.aborted": () => new ProblemError(400, "INVALID_REQUEST", "the body did not arrive whole"),
};
BODY_ERRORS["charset.unsupported"] = BODY_ERRORS["encoding.unsupported"]!;
BODY_ERRORS["request.size.invalid"] = BODY_ERRORS["request.aborted"]!;

/** Any error as a problem: known ones with their code; anything else logged, and answered with no detail. */
export function toProblem(err: unknown, logger: Logger): ProblemError {
  if (err instanceof ProblemError) return err;
  const e = err as { type?: string; status?: number; message?: string; body?: unknown };
  const known = typeof e?.type === "string" ? BODY_ERRORS[e.type] : undefined;
  if (known) return known(e);
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) {
    return new ProblemError(e.status, "INVALID_REQUEST", "the request could not be read");
  }
  logger.error({ err }, "unexpected error");
  return new ProblemError(500, "INTERNAL", "an unexpected error occurred; it has been logged");
}

export function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, toProblem(err, logger), req.originalUrl.slice(0, 200));
  };
}
