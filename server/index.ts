/**
 * startServer(config) → { url, close() }: the whole registry server (store, batcher, anchorer, HTTP API) on
 * an existing chain and registry. main.ts, scripts/start.ts and the tests all start it through here.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { getAddress } from "ethers";
import pino, { type Logger } from "pino";
import { AiqynError } from "../core";
import { Anchorer } from "./anchorer";
import { createApp } from "./app";
import { Batcher } from "./batcher";
import { createChainClient, fetchChainId, type ChainClient } from "./chain";
import type { ServerConfig } from "./config";
import { createFastKeccak } from "./crypto";
import { createReceiptSigner } from "./crypto";
import { checkAnchorDelay } from "./deployment-check";
import { createMetrics } from "./metrics";
import { ProblemError, problemBody } from "./problem";
import { createService, type Service } from "./service";
import { openSqliteStore, type SqliteStore } from "./store/sqlite";

export { serverConfig, loadConfig } from "./config";
export type { ServerConfig } from "./config";

export interface RunningServer {
  url: string;
  port: number;
  chainId: number;
  registry: string;
  store: SqliteStore;
  service: Service;
  chain: ChainClient;
  anchorer: Anchorer;
  batcher: Batcher;
  logger: Logger;
  /** Graceful: stop accepting, finish the writes in flight, stop batcher and anchorer, close the store. */
  close(): Promise<void>;
}

/** Default deployment files by chain. Not 31337: a Hardhat chain is thrown away and redeployed all the time. */
const NETWORK_NAMES: Record<number, string> = {
  1: "mainnet",
  11155111: "sepolia",
  84532: "baseSepolia",
  11155420: "opSepolia",
  421614: "arbitrumSepolia",
  56: "bsc",
  97: "bscTestnet",
};

/** The ops helper's start-up check (server/deployment-check.ts), when that file exists. */
async function runDeploymentCheck(config: ServerConfig, chain: ChainClient, logger: Logger): Promise<void> {
  const candidates = ["deployment-check.ts", "deployment-check.js"].map((f) => path.join(__dirname, f));
  if (!candidates.some((f) => fs.existsSync(f))) return;
  const defaultFile = NETWORK_NAMES[chain.chainId]
    ? path.resolve(__dirname, "..", "deployments", `${NETWORK_NAMES[chain.chainId]}.json`)
    : null;
  const deploymentFile = config.deploymentFile ?? (defaultFile && fs.existsSync(defaultFile) ? defaultFile : undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require("./deployment-check") as {
    checkDeployment(opts: {
      provider: unknown;
      registry: string;
      anchorer: string;
      deploymentFile?: string;
      expectedChainId?: number;
    }): Promise<void>;
  };
  await mod.checkDeployment({
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

export async function startServer(config: ServerConfig, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: "aiqyn" } });
  const keccak = await createFastKeccak();
  const chainId = await fetchChainId(config.rpcUrl);
  if (config.chainId !== null && config.chainId !== chainId) {
    throw new AiqynError("CHAIN_ID_MISMATCH", `CHAIN_ID is ${config.chainId} but the RPC reports chain ${chainId}`);
  }
  const registry = getAddress(config.registryAddress);
  const chain = createChainClient(config.rpcUrl, chainId, registry, config.anchorerKey);
  let store: SqliteStore | null = null;
  try {
    if (config.checkDeployment) await runDeploymentCheck(config, chain, logger);
    if ((await chain.reader.code()) === "0x") {
      throw new AiqynError("REGISTRY_NOT_FOUND", `no contract at ${registry} on chain ${chainId}`);
    }
    await checkAnchorDelay(chain.reader, config.maxAnchorDelaySeconds);
    const deploymentBlock = await chain.reader.deploymentBlock();

    store = openSqliteStore(config.dataDir);
    const binding = `${chainId}:${registry}`;
    const boundTo = store.getMeta("registry");
    if (config.reanchorAll) {
      const reset = store.resetAnchors();
      if (reset > 0) logger.warn({ batches: reset }, "the chain was reset: every batch will be anchored again");
    } else if (boundTo !== null && boundTo !== binding && store.getBatch(1) !== null) {
      throw new AiqynError(
        "STORE_REGISTRY_MISMATCH",
        `the store in ${config.dataDir} anchors to ${boundTo}, not ${binding}: refusing to mix registries`,
      );
    }
    store.setMeta("registry", binding);
    if (!config.reanchorAll) {
      // A store restored from an old backup would hand out seqs the chain already holds: refuse before any write.
      const chainNextSeq = await chain.reader.nextSeq();
      if (chainNextSeq > store.maxSeq() + 1) {
        throw new AiqynError(
          "STORE_BEHIND_CHAIN",
          `the registry has anchored seqs up to ${chainNextSeq - 1} but the store in ${config.dataDir} holds only up to ` +
            `${store.maxSeq()}: it was restored from an older backup or belongs to another deployment. Restore a newer ` +
            `backup (docs/OPERATIONS.md, "Backups and restore") before starting.`,
        );
      }
    }

    const signer = createReceiptSigner(config.anchorerKey, chainId, registry, { keccak });
    const metrics = createMetrics(store);
    const anchorer = new Anchorer(store, chain, {
      confirmations: config.confirmations,
      pollIntervalMs: config.pollIntervalMs,
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
    const service = createService({
      store,
      keccak,
      signer,
      chain,
      config,
      deploymentBlock,
      batcher,
      anchorer,
      onAccepted: (n) => metrics.recordsAccepted.inc(n),
      onStoreError: (err) => logger.error({ err }, "store write failed"),
    });
    let shuttingDown = false;
    const app = createApp({ service, store, config, metrics, logger, shuttingDown: () => shuttingDown });
    const server = http.createServer(app);
    server.keepAliveTimeout = 5000;
    answerOutsideExpress(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    batcher.start();
    anchorer.start();
    logger.info({ url, chainId, registry, signer: signer.address }, "aiqyn server listening");

    const openStore = store;
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        shuttingDown = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await closed;
        clearTimeout(force);
        batcher.stop();
        await anchorer.stop();
        await openStore.close();
        chain.destroy();
        logger.info("aiqyn server stopped");
      })());
    return { url, port, chainId, registry, store, service, chain, anchorer, batcher, logger, close };
  } catch (error) {
    await store?.close();
    chain.destroy();
    throw error;
  }
}
