/**
 * startServer(config) → { url, close() }: the whole registry server (store, batcher, anchorer, HTTP API) on
 * an existing chain and registry. main.ts, scripts/start.ts and the tests all start it through here.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { getAddress } from "ethers";
import pino, { type Logger } from "pino";
import { AiqynError, type Keccak } from "../core";
import { networkName } from "../core/chains/evm/networks";
import { Anchorer } from "./anchoring/anchorer";
import { createApp } from "./http/app";
import { Batcher } from "./anchoring/batcher";
import { createChainClient, fetchChainId, type ChainClient } from "./anchoring/chain";
import type { ServerConfig } from "./config";
import { createFastKeccak, createReceiptSigner } from "./crypto";
import { securePrivateDir, securePrivateFiles } from "./data-dir";
import { checkDeployment } from "./anchoring/deployment-check";
import { createMetrics, type Metrics } from "./http/metrics";
import { checkAnchorDelay } from "./anchoring/deployment-check";
import { ProblemError, problemBody } from "./http/problem";
import { readiness } from "./http/readiness";
import { RegistryWatch } from "./anchoring/registry-watch";
import { Leadership } from "./anchoring/leader";
import { createService, type Service } from "./service";
import { effectiveConfirmations, publicRpcWarning, refuseDevelopmentKey, refuseMissingPublicRpc } from "./start-checks";
import { openStore } from "./store/open";
import type { Store } from "./store/types";

export { serverConfig, loadConfig } from "./config";
export type { ServerConfig } from "./config";

export interface RunningServer {
  url: string;
  port: number;
  chainId: number;
  registry: string;
  store: Store;
  service: Service;
  chain: ChainClient;
  anchorer: Anchorer;
  batcher: Batcher;
  watch: RegistryWatch;
  leadership: Leadership;
  logger: Logger;
  /** Graceful: stop accepting, finish the writes in flight, stop batcher and anchorer, close the store. */
  close(): Promise<void>;
}

/** The start-up deployment check (server/anchoring/deployment-check.ts), against deployments/<network>.json when there is one. */
async function runDeploymentCheck(config: ServerConfig, chain: ChainClient, logger: Logger): Promise<void> {
  const network = networkName(chain.chainId);
  const defaultFile = network ? path.resolve(__dirname, "..", "deployments", `${network}.json`) : null;
  const deploymentFile = config.deploymentFile ?? (defaultFile && fs.existsSync(defaultFile) ? defaultFile : undefined);
  await checkDeployment({
    provider: chain.provider,
    registry: chain.registry,
    anchorer: chain.wallet.address,
    deploymentFile,
    ...(config.chainId !== null ? { expectedChainId: config.chainId } : {}),
  });
  logger.info({ deploymentFile: deploymentFile ?? null }, "deployment check passed");
}

/**
 * Node answers some requests before Express sees them: a request it cannot parse (a bare 400, 431) and an
 * `Expect` it does not know (417). Those answers are problems too, like every other error the API gives.
 */
function answerOutsideExpress(server: http.Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const body = JSON.stringify(
      problemBody(new ProblemError(status, "INVALID_REQUEST", "the request could not be parsed as HTTP/1.1")),
    );
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.on("checkExpectation", (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.stringify(
      problemBody(new ProblemError(417, "EXPECTATION_FAILED", "only Expect: 100-continue is understood")),
    );
    res.writeHead(417, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

/**
 * Opens the store (SQLite in a 0700 directory with 0600 files, or PostgreSQL with DATABASE_URL) bound to this
 * chain and registry, refusing a mismatch.
 */
async function openBoundStore(config: ServerConfig, chain: ChainClient, logger: Logger): Promise<Store> {
  securePrivateDir(config.dataDir, logger);
  const store = await openStore(config);
  try {
    securePrivateFiles(config.dataDir, logger);
    const binding = `${chain.chainId}:${chain.registry}`;
    const boundTo = await store.getMeta("registry");
    if (config.reanchorAll) {
      const reset = await store.resetAnchors();
      if (reset > 0) logger.warn({ batches: reset }, "the chain was reset: every batch will be anchored again");
    } else if (boundTo !== null && boundTo !== binding && (await store.getBatch(1)) !== null) {
      throw new AiqynError(
        "STORE_REGISTRY_MISMATCH",
        `the store in ${config.dataDir} anchors to ${boundTo}, not ${binding}: refusing to mix registries`,
      );
    }
    await store.setMeta("registry", binding);
    if (!config.reanchorAll) await refuseStaleStore(store, chain, config.dataDir);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A store restored from an old backup would hand out seqs the chain already holds: refuse before any write. */
async function refuseStaleStore(store: Store, chain: ChainClient, dataDir: string): Promise<void> {
  const chainNextSeq = await chain.reader.nextSeq();
  const storeMaxSeq = await store.maxSeq();
  if (chainNextSeq > storeMaxSeq + 1) {
    throw new AiqynError(
      "STORE_BEHIND_CHAIN",
      `the registry has anchored seqs up to ${chainNextSeq - 1} but the store in ${dataDir} holds only up to ` +
        `${storeMaxSeq}: it was restored from an older backup or belongs to another deployment. Restore a newer ` +
        `backup (docs/OPERATIONS.md, "Backups and restore") before starting.`,
    );
  }
}

/** The chain, checked: the expected id, no public development key off a local chain, a registry with code. */
async function connectChain(config: ServerConfig, logger: Logger): Promise<ChainClient> {
  const chainId = await fetchChainId(config.rpcUrl);
  if (config.chainId !== null && config.chainId !== chainId) {
    throw new AiqynError("CHAIN_ID_MISMATCH", `CHAIN_ID is ${config.chainId} but the RPC reports chain ${chainId}`);
  }
  refuseDevelopmentKey(chainId, config.anchorerKey);
  refuseMissingPublicRpc(chainId, config.publicRpcUrls, config.publicRpcNone);
  const readers = publicRpcWarning(chainId, config.publicRpcUrls);
  if (readers) logger.warn({ publicRpcUrls: config.publicRpcUrls.length }, readers);
  const chain = createChainClient(config.rpcUrl, chainId, getAddress(config.registryAddress), config.anchorerKey);
  try {
    if (config.checkDeployment) await runDeploymentCheck(config, chain, logger);
    if ((await chain.reader.code()) === "0x") {
      throw new AiqynError("REGISTRY_NO_CODE", `no contract at ${chain.registry} on chain ${chainId}`);
    }
    await checkAnchorDelay(chain.reader, config.maxAnchorDelaySeconds);
    return chain;
  } catch (error) {
    chain.destroy();
    throw error;
  }
}

interface Parts {
  anchorer: Anchorer;
  batcher: Batcher;
  watch: RegistryWatch;
  leadership: Leadership;
  metrics: Metrics;
}

/** Anchorer, batcher, registry watch and the leadership that runs the first two (not started). */
function createParts(
  config: ServerConfig,
  store: Store,
  chain: ChainClient,
  deploymentBlock: number,
  keccak: Keccak,
  logger: Logger,
): Parts {
  const metrics = createMetrics(store);
  const confirmations = effectiveConfirmations(config.confirmations, chain.chainId);
  const anchorer = new Anchorer(store, chain, {
    confirmations,
    pollIntervalMs: config.pollIntervalMs,
    retryBaseMs: config.anchorRetryBaseMs,
    retryMaxMs: config.anchorRetryMaxMs,
    replaceAfterMs: config.anchorReplaceAfterMs,
    maxFeePerGas: config.anchorMaxFeeWei,
    deploymentBlock,
    logger: logger.child({ part: "anchorer" }),
    onAnchored: () => metrics.batchesAnchored.inc(),
    onError: (code) => metrics.anchorErrors.inc({ code }),
  });
  const batcher = new Batcher(store, {
    intervalMs: config.batchIntervalMs,
    batchMax: config.batchMax,
    keccak,
    onSealed: (batch) => {
      logger.info({ batch: batch.id, firstSeq: batch.firstSeq, leaves: batch.leafCount }, "batch sealed");
      anchorer.wake();
    },
    onError: (err) => logger.error({ err }, "sealing failed"),
  });
  const watch = new RegistryWatch(chain, {
    intervalMs: config.roleCheckMs,
    logger: logger.child({ part: "watch" }),
    onUnpaused: () => anchorer.resume(),
    anchorerPaused: () => anchorer.snapshot().lastError?.code === "REGISTRY_PAUSED",
  });
  // Only the leader seals and anchors; every instance serves reads and accepts writes.
  const leadership = new Leadership({
    store,
    leaseMs: config.leaderLeaseMs,
    instance: `${os.hostname()}:${process.pid}`,
    logger: logger.child({ part: "leader" }),
    lead: async () => {
      batcher.start();
      anchorer.start();
      return async () => {
        batcher.stop();
        await batcher.idle();
        await anchorer.stop();
      };
    },
  });
  logger.info({ confirmations }, "anchoring settings");
  return { anchorer, batcher, watch, leadership, metrics };
}

/** Why a write would get a receipt the server cannot honour right now, or null. */
function writeRefusal(isShuttingDown: () => boolean, parts: Parts): () => ProblemError | null {
  return () => {
    if (isShuttingDown()) return new ProblemError(503, "SHUTTING_DOWN", "the server is shutting down; retry shortly");
    const halted = parts.anchorer.snapshot().halted;
    if (halted) {
      return new ProblemError(503, "ANCHORING_HALTED", `anchoring has halted (${halted.code}); nothing was accepted`, {
        reason: halted.code,
      });
    }
    if (parts.watch.state().roleHeld === false) {
      return new ProblemError(
        503,
        "ANCHORER_ROLE_REVOKED",
        "this server's key no longer holds ANCHORER_ROLE; nothing was accepted",
      );
    }
    return null;
  };
}

async function listen(server: http.Server, config: ServerConfig): Promise<{ port: number; url: string }> {
  server.keepAliveTimeout = 5000;
  answerOutsideExpress(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}` };
}

/** Graceful, once: stop accepting, finish the writes in flight, stop the parts, close the store. */
function closer(
  server: http.Server,
  parts: Parts,
  store: Store,
  chain: ChainClient,
  logger: Logger,
  onClose: () => void,
) {
  let closing: Promise<void> | null = null;
  return () =>
    (closing ??= (async () => {
      onClose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(force);
      parts.watch.stop();
      await parts.leadership.stop();
      await store.close();
      chain.destroy();
      logger.info("aiqyn server stopped");
    })());
}

export async function startServer(
  config: ServerConfig,
  options: { logger?: Logger; now?: () => number } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: "aiqyn" } });
  const keccak = await createFastKeccak();
  const chain = await connectChain(config, logger);
  let store: Store | null = null;
  try {
    const deploymentBlock = await chain.reader.deploymentBlock();
    store = await openBoundStore(config, chain, logger);
    const signer = createReceiptSigner(config.anchorerKey, chain.chainId, chain.registry, { keccak });
    const parts = createParts(config, store, chain, deploymentBlock, keccak, logger);
    await parts.watch.check().catch((err: unknown) => logger.warn({ err }, "first role check failed"));
    const service = createService({
      store,
      receiptsFromSeq: Number((await store.getMeta("receipts_from_seq")) ?? 0),
      keccak,
      signer,
      chain,
      config,
      deploymentBlock,
      ...parts,
      leadership: parts.leadership,
      onAccepted: (n) => parts.metrics.recordsAccepted.inc(n),
      onStoreError: (err) => logger.error({ err }, "store write failed"),
      ...(options.now ? { now: options.now } : {}),
    });
    let shuttingDown = false;
    const ready = {
      store,
      chain,
      anchorer: parts.anchorer,
      watch: parts.watch,
      leadership: parts.leadership,
      maxAnchorDelaySeconds: config.maxAnchorDelaySeconds,
      logger,
      ...(options.now ? { now: options.now } : {}),
    };
    const app = createApp({
      service,
      store,
      config,
      metrics: parts.metrics,
      logger,
      readiness: () => readiness(ready),
      writeRefusal: writeRefusal(() => shuttingDown, parts),
    });
    const server = http.createServer(app);
    const { port, url } = await listen(server, config);
    parts.leadership.setInstance(`${os.hostname()}:${process.pid}:${port}`);
    await parts.leadership.start();
    parts.watch.start();
    logger.info(
      { url, chainId: chain.chainId, registry: chain.registry, signer: signer.address },
      "aiqyn server listening",
    );
    // Said at start, not found later: without METRICS_TOKEN anyone can read the operational metrics.
    if (!config.metricsToken)
      logger.warn({ path: "/metrics" }, "/metrics is public: set METRICS_TOKEN to require a bearer token");
    const close = closer(server, parts, store, chain, logger, () => (shuttingDown = true));
    const { anchorer, batcher, watch, leadership } = parts;
    return {
      url,
      port,
      chainId: chain.chainId,
      registry: chain.registry,
      store,
      service,
      chain,
      anchorer,
      batcher,
      watch,
      leadership,
      logger,
      close,
    };
  } catch (error) {
    await store?.close();
    chain.destroy();
    throw error;
  }
}
