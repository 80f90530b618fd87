/**
 * The HTTP layer: createApp(deps) builds the Express app (listening is the caller's business): a short route
 * table over the middleware in ./middleware. Routes are thin: extract, call one service function, send.
 * Every error leaves as an RFC 9457 problem.
 */
import express, { type Request, type Response } from "express";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { ServerConfig } from "./config";
import type { Metrics } from "./metrics";
import * as mw from "./middleware";
import { openApiDocument } from "./openapi";
import { pageConfig, withPageConfig } from "./page-config";
import { ProblemError, notFound, problemBody } from "./problem";
import type { Readiness } from "./readiness";
import { parseIntParam, type Service } from "./service";
import type { Store } from "./store/types";

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

function writeRoutes(app: express.Express, deps: AppDeps): void {
  const { service, store, config } = deps;
  app.post(
    "/api/v1/records",
    mw.identifyPublisher(store),
    mw.authFailureLimit(config),
    mw.requirePublisher,
    mw.publisherLimit(config),
    mw.requireWritable(deps.writeRefusal),
    mw.requireJson,
    mw.parseJson(config),
    async (req, res) => json(res, 201, await service.ingest(req.publisher!, req.body, req.publisherRights)),
  );
}

function readRoutes(app: express.Express, { service }: AppDeps): void {
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
}

function pageRoutes(app: express.Express, { config, service }: AppDeps): void {
  const webDir = config.webDir;
  if (webDir && fs.existsSync(path.join(webDir, "index.html"))) {
    // The page carries this deployment's trust root and public RPCs (server/page-config.ts).
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
