/**
 * The HTTP layer: createApp(deps) builds the Express app (listening is the caller's business). Routes are
 * thin: extract, call one service function, send. Every error leaves as an RFC 9457 problem.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import fs from "node:fs";
import path from "node:path";
import helmet from "helmet";
import { rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import type { ServerConfig } from "./config";
import type { Metrics } from "./metrics";
import { openApiDocument } from "./openapi";
import { authenticate } from "./publishers";
import { ProblemError, notFound, problemBody, sendProblem } from "./problem";
import { parseIntParam, type Service } from "./service";
import type { Store } from "./store/types";

export interface AppDeps {
  service: Service;
  store: Store;
  config: ServerConfig;
  metrics: Metrics;
  logger: Logger;
  /** True once shutdown began: writes are refused with 503. */
  shuttingDown: () => boolean;
}

declare module "express-serve-static-core" {
  interface Request {
    publisher?: string;
    publisherRights?: { mayCorrectOthers: boolean };
  }
}

const seqParam = (req: Request) => parseIntParam("seq", req.params.seq, 1);
const idParam = (req: Request) => parseIntParam("id", req.params.id, 1);

/** Public, read-only, cacheable by anyone: CORS for every origin. */
const corsReads: RequestHandler = (req, res, next) => {
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

function json(res: Response, status: number, body: unknown): void {
  res.status(status).type("application/json").send(JSON.stringify(body));
}

export function createApp(deps: AppDeps): express.Express {
  const { service, store, config, metrics, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");

  // One 'finish' listener per request for the access log and the latency histogram. (pino-http cost about
  // as much as the rest of a write request; this logs the same facts in one small object.)
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const status = res.statusCode;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            req: { method: req.method, url: req.originalUrl.slice(0, 300) },
            status,
            ms: Math.round(seconds * 1e4) / 10,
          },
          "request completed",
        );
      }
    });
    next();
  });
  // helmet's headers are the same for every response with these static directives: computed once, then set.
  const securityHeaders = staticHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
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
  app.use((_req, res, next) => {
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    next();
  });

  // --- health, metrics, documents ---
  app.get("/healthz", corsReads, (_req, res) => json(res, 200, { status: "ok" }));
  app.get("/readyz", corsReads, async (_req, res) => {
    const { ready, checks } = await service.readiness();
    if (ready) return json(res, 200, { status: "ready", checks });
    const failing = Object.entries(checks)
      .filter(([, c]) => !c.ok)
      .map(([name, c]) => `${name}: ${c.message}`);
    sendProblem(res, new ProblemError(503, "NOT_READY", failing.join("; "), { checks }));
  });
  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get("/api/v1/openapi.json", corsReads, (_req, res) => json(res, 200, openApiDocument));

  // --- writes ---
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimitPerMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    handler: (req, res) =>
      sendProblem(
        res,
        new ProblemError(429, "RATE_LIMITED", `at most ${config.rateLimitPerMinute} writes a minute`),
        req.originalUrl,
      ),
  });
  const requireOpen: RequestHandler = (_req, _res, next) => {
    if (deps.shuttingDown()) throw new ProblemError(503, "SHUTTING_DOWN", "the server is shutting down; retry shortly");
    next();
  };
  const requirePublisher: RequestHandler = async (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Bearer ([\x21-\x7e]{1,200})$/.exec(header);
    const publisher = match ? await authenticate(store, match[1]!) : null;
    if (!publisher) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="aiqyn"');
      throw new ProblemError(
        401,
        "UNAUTHORIZED",
        match ? "the publisher key is unknown or revoked" : "send Authorization: Bearer <publisher key>",
      );
    }
    req.publisher = publisher.name;
    req.publisherRights = { mayCorrectOthers: publisher.mayCorrectOthers };
    next();
  };
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is("application/json")) {
      throw new ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as Content-Type: application/json");
    }
    next();
  };
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
  const parseJson = express.json({
    limit: config.bodyLimitBytes,
    strict: true,
    // Compressed bodies are refused (415): their size limit would apply after inflating.
    inflate: false,
    type: () => true,
    // Invalid UTF-8 would otherwise be decoded to U+FFFD: a silent rewrite of what the publisher sent.
    verify: (_req, _res, buf) => {
      try {
        strictUtf8.decode(buf);
      } catch {
        throw new ProblemError(400, "INVALID_JSON", "the body is not valid UTF-8");
      }
    },
  });
  app.post("/api/v1/records", limiter, requireOpen, requirePublisher, requireJson, parseJson, async (req, res) => {
    json(res, 201, await service.ingest(req.publisher!, req.body, req.publisherRights));
  });

  // --- reads ---
  app.use("/api", corsReads);
  app.get("/api/v1/records", async (req, res) => json(res, 200, await service.listRecords(req.query)));
  app.get("/api/v1/records/:seq", async (req, res) => json(res, 200, await service.getRecord(seqParam(req))));
  app.get("/api/v1/records/:seq/proof", async (req, res) => {
    const seq = seqParam(req);
    const body = await service.proofBundleJson(seq);
    res.setHeader("Content-Disposition", `attachment; filename="aiqyn-proof-${seq}.json"`);
    res.status(200).type("application/json").send(body);
  });
  app.get("/api/v1/batches", async (req, res) => json(res, 200, await service.listBatches(req.query)));
  app.get("/api/v1/batches/:id", async (req, res) => json(res, 200, await service.getBatch(idParam(req))));
  app.get("/api/v1/batches/:id/records", async (req, res) =>
    json(res, 200, await service.batchRecords(idParam(req), req.query)),
  );
  app.get("/api/v1/stats", async (_req, res) => json(res, 200, await service.stats()));
  app.get("/api/v1/registry", (_req, res) => json(res, 200, service.registryInfo()));
  app.use("/api", (req) => {
    throw notFound(`no API route ${req.method} ${req.originalUrl.slice(0, 200)}`);
  });

  // --- the page ---
  const webDir = config.webDir;
  if (webDir && fs.existsSync(path.join(webDir, "index.html"))) {
    app.use(express.static(webDir, { index: "index.html", fallthrough: true, maxAge: "5m" }));
    // Client-side routes (/verify/17, /ledger, /fund …) all load the page.
    app.use((req, res, next) => {
      if (
        (req.method === "GET" || req.method === "HEAD") &&
        req.accepts(["text/html", "application/json"]) === "text/html"
      ) {
        res.sendFile(path.join(webDir, "index.html"));
        return;
      }
      next();
    });
  }

  app.use((req) => {
    throw notFound(`nothing at ${req.method} ${req.originalUrl.slice(0, 200)}`);
  });

  // Every error, expected or not, becomes a problem; unexpected ones are logged and say nothing more.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, toProblem(err, logger), req.originalUrl.slice(0, 200));
  });
  return app;
}

function toProblem(err: unknown, logger: Logger): ProblemError {
  if (err instanceof ProblemError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  switch (e?.type) {
    case "entity.too.large":
      return new ProblemError(413, "PAYLOAD_TOO_LARGE", "the body exceeds the size limit");
    case "entity.parse.failed":
      return new ProblemError(400, "INVALID_JSON", "the body is not valid JSON (a JSON object is expected)");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as UTF-8 JSON without a content encoding");
    case "request.aborted":
    case "request.size.invalid":
      return new ProblemError(400, "INVALID_REQUEST", "the body did not arrive whole");
  }
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) {
    return new ProblemError(e.status, "INVALID_REQUEST", "the request could not be read");
  }
  logger.error({ err }, "unexpected error");
  return new ProblemError(500, "INTERNAL", "an unexpected error occurred; it has been logged");
}

export { problemBody };
