/**
 * server/http/: everything between a request and a domain function: this app's routes, the middleware, the
 * OpenAPI description, RFC 9457 problems, query parameters, duplicate-key JSON parsing, the page's
 * configuration, metrics, readiness and the Atom feed.
 *
 * The HTTP layer: createApp(deps) builds the Express app (listening is the caller's business): a short route
 * table over the middleware in ./middleware. Routes are thin: extract, call one service function, send.
 * Every error leaves as an RFC 9457 problem.
 */
import express, { type Request, type Response } from "express";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { ServerConfig } from "../config";
import { recordsFeed } from "./feed";
import type { Metrics } from "./metrics";
import * as mw from "./middleware";
import { MAX_DOCUMENT_BYTES } from "../documents";
import { IDEMPOTENCY_KEY_PATTERN } from "../ingest";
import { openApiDocument } from "./openapi";
import { pageConfig, withPageConfig } from "./page-config";
import { ProblemError, invalidParameter, notFound, problemBody } from "./problem";
import type { Readiness } from "./readiness";
import { parseIntParam, type Service } from "../service";
import type { Store } from "../store/types";

export interface AppDeps {
  service: Service;
  store: Store;
  config: ServerConfig;
  metrics: Metrics;
  logger: Logger;
  /** /readyz's answer. */
  readiness: () => Promise<Readiness>;
  /** Why writes are refused right now (shutting down, anchoring halted, role lost), or null. */
  writeRefusal: () => ProblemError | null;
}

const seqParam = (req: Request) => parseIntParam("seq", req.params.seq, 1);
const idParam = (req: Request) => parseIntParam("id", req.params.id, 1);

function json(res: Response, status: number, body: unknown): void {
  res.status(status).type("application/json").send(JSON.stringify(body));
}

function healthRoutes(app: express.Express, deps: AppDeps): void {
  const { metrics, config } = deps;
  app.get("/healthz", mw.corsReads, (_req, res) => json(res, 200, { status: "ok" }));
  app.get("/readyz", mw.corsReads, async (_req, res) => {
    const { ready, checks, problem } = await deps.readiness();
    if (ready) return json(res, 200, { status: "ready", checks });
    throw problem;
  });
  app.get("/metrics", mw.requireMetricsToken(config.metricsToken), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get("/api/v1/openapi.json", mw.corsReads, (_req, res) => json(res, 200, openApiDocument));
}

/** `?dryRun=1` (or `true`): check only; `0`, `false` or absent: write. */
function isDryRun(req: Request): boolean {
  const value = req.query.dryRun;
  if (value === undefined || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw invalidParameter("dryRun", `must be 1 or 0 (true or false); got ${JSON.stringify(value).slice(0, 40)}`);
}

/** The Idempotency-Key header: 1–100 printable ASCII characters, or none. */
function idempotencyKey(req: Request): string | undefined {
  const key = req.get("idempotency-key");
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw invalidParameter("Idempotency-Key", "must be 1 to 100 printable ASCII characters without spaces");
  }
  return key;
}

/** A body declared larger than `limit` is refused before a byte of it is read (and the connection closed). */
function refuseDeclaredOver(limit: number) {
  return (req: Request, res: Response, next: () => void) => {
    const declared = Number(req.get("content-length") ?? "0");
    if (!(declared > limit)) return next();
    res.setHeader("Connection", "close");
    throw new ProblemError(
      413,
      "PAYLOAD_TOO_LARGE",
      `a document is at most ${limit} bytes; this one declares ${declared}`,
    );
  };
}

function writeRoutes(app: express.Express, deps: AppDeps): void {
  const { service, store, config } = deps;
  const writable = mw.requireWritable(deps.writeRefusal);
  const publisherGate = [
    mw.identifyPublisher(store),
    mw.authFailureLimit(config),
    mw.requirePublisher,
    mw.publisherLimit(config),
  ];
  app.post(
    "/api/v1/records",
    ...publisherGate,
    (req, res, next) => {
      // A dry run writes nothing, so it is not refused while writes are (halted, shutting down).
      if (isDryRun(req)) return next();
      return writable(req, res, next);
    },
    mw.requireJson,
    mw.parseJson(config),
    async (req, res) => {
      if (isDryRun(req)) return json(res, 200, await service.dryRun(req.publisher!, req.body, req.publisherRights));
      const key = idempotencyKey(req);
      const answer = await service.ingest(req.publisher!, req.body, req.publisherRights, { idempotencyKey: key });
      const { replayed, ...body } = answer;
      if (replayed) res.setHeader("Idempotent-Replayed", "true");
      json(res, 201, body);
    },
  );
  app.put(
    "/api/v1/documents/:hash",
    ...publisherGate,
    refuseDeclaredOver(MAX_DOCUMENT_BYTES),
    express.raw({ limit: MAX_DOCUMENT_BYTES, type: () => true, inflate: false }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const hash = String(req.params.hash);
      const created = await service.putDocument(req.publisher!, hash, req.get("content-type"), body);
      json(res, created ? 201 : 200, {
        hash: hash.toLowerCase(),
        size: body.length,
        stored: created ? "new" : "already",
      });
    },
  );
}

function documentRoutes(app: express.Express, { service }: AppDeps): void {
  app.get("/api/v1/documents/:hash", async (req, res) => {
    const { doc, body, inline } = await service.getDocument(String(req.params.hash));
    // Served to anyone, so never interpreted as a page: no sniffing, sandboxed, a download unless harmless.
    res.setHeader("Content-Type", doc.contentType);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Security-Policy", "sandbox; default-src 'none'");
    res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
    res.setHeader("ETag", `"${doc.hash}"`);
    res.setHeader("Content-Disposition", `${inline ? "inline" : "attachment"}; filename="${doc.hash}"`);
    res.status(200).send(body);
  });
}

function readRoutes(app: express.Express, deps: AppDeps): void {
  const { service, store, config } = deps;
  documentRoutes(app, deps);
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
  app.get("/api/v1/feed.atom", async (req, res) => {
    const { chainId, registry } = service.registryInfo();
    const origin = config.publicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
    if (config.publicUrl === null) res.vary("Host");
    res
      .status(200)
      .type("application/atom+xml")
      .send(await recordsFeed(store, { chainId, registry, origin }));
  });
  app.use("/api", (req) => {
    throw notFound(`no API route ${req.method} ${req.originalUrl.slice(0, 200)}`);
  });
}

/** The publisher's desk, its own page (web/publish), when it was built. */
function publisherDesk(app: express.Express, webDir: string): void {
  const file = path.join(webDir, "publish", "index.html");
  if (!fs.existsSync(file)) return;
  const html = fs.readFileSync(file, "utf8");
  app.get(["/publish", "/publish/"], (_req, res) => {
    res.status(200).type("html").setHeader("Cache-Control", "no-cache").send(html);
  });
}

function pageRoutes(app: express.Express, { config, service }: AppDeps): void {
  const webDir = config.webDir;
  if (webDir && fs.existsSync(path.join(webDir, "index.html"))) {
    // The page carries this deployment's trust root and public RPCs (server/http/page-config.ts).
    const html = fs.readFileSync(path.join(webDir, "index.html"), "utf8");
    const sendPage = (res: Response) => {
      const info = service.registryInfo();
      const page = withPageConfig(
        html,
        pageConfig(info, config.publicRpcUrls, config.supersededRegistries, config.publicEsploraUrls),
      );
      res.status(200).type("html").setHeader("Cache-Control", "no-cache").send(page);
    };
    app.get(["/", "/index.html"], (_req, res) => sendPage(res));
    publisherDesk(app, webDir);
    app.use(express.static(webDir, { index: false, fallthrough: true, maxAge: "5m" }));
    // Client-side routes (/verify/17, /ledger, /fund …) all load the page.
    app.use((req, res, next) => {
      if (
        (req.method === "GET" || req.method === "HEAD") &&
        req.accepts(["text/html", "application/json"]) === "text/html"
      ) {
        sendPage(res);
        return;
      }
      next();
    });
  }
}

export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  // Client addresses (rate limits, logs) come from X-Forwarded-For only through the proxies named here.
  app.set("trust proxy", config.trustProxy);
  app.use(mw.requestLog(metrics, logger));
  app.use(mw.securityHeaders());
  healthRoutes(app, deps);
  writeRoutes(app, deps);
  app.use("/api", mw.corsReads, mw.readLimit(config));
  readRoutes(app, deps);
  pageRoutes(app, deps);
  app.use((req) => {
    throw notFound(`nothing at ${req.method} ${req.originalUrl.slice(0, 200)}`);
  });
  // Every error, expected or not, becomes a problem; unexpected ones are logged and say nothing more.
  app.use(mw.problemHandler(logger));
  return app;
}

export { problemBody };
