/**
 * Configuration from environment variables, checked all at once at start: one clear message per bad
 * value (main and start exit with code 2 when there is any).
 */
import fs from "node:fs";
import path from "node:path";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** What the server itself needs, whatever started the chain. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL (postgres://…) shared by every instance; null: the embedded SQLite file in dataDir. */
  databaseUrl: string | null;
  /** How long a lost leader's lock may go unnoticed before another instance takes over anchoring. */
  leaderLeaseMs: number;
  rpcUrl: string;
  registryAddress: string;
  anchorerKey: string;
  /** When set, the chain must report this id. */
  chainId: number | null;
  batchIntervalMs: number;
  batchMax: number;
  confirmations: number;
  maxAnchorDelaySeconds: number;
  explorerUrl: string | null;
  /** The RPC URL suggested to citizens in /api/v1/registry; defaults to rpcUrl. */
  publicRpcUrl: string | null;
  logLevel: LogLevel;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** Static page directory (web/dist); served when it holds an index.html. */
  webDir: string | null;
  /** The upper bound of the anchorer's exponential backoff. */
  anchorRetryMaxMs: number;
  /** How often the anchorer polls for receipts and confirmations. */
  pollIntervalMs: number;
  /** An anchor transaction still unmined after this long is replaced (same nonce, fees +25 %). */
  anchorReplaceAfterMs: number;
  /** Ceiling for maxFeePerGas when replacing, in wei; null for none. */
  anchorMaxFeeWei: bigint | null;
  /** Local chain only: the chain was reset, so every batch is anchored again from batch 1. */
  reanchorAll: boolean;
  /** External networks: run the ops deployment check (server/deployment-check.ts) when it exists. */
  checkDeployment: boolean;
  deploymentFile: string | null;
}

/** Everything the environment can set, for main.ts and start.ts. */
export interface EnvConfig extends Omit<ServerConfig, "rpcUrl" | "registryAddress" | "anchorerKey"> {
  chainPort: number;
  rpcUrl: string | null;
  registryAddress: string | null;
  anchorerKey: string | null;
  demo: boolean;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 3000,
  dataDir: "./data",
  chainPort: 8545,
  batchIntervalMs: 10_000,
  batchMax: 10_000,
  confirmations: 1,
  maxAnchorDelaySeconds: 3600,
  logLevel: "info" as LogLevel,
  rateLimitPerMinute: 600,
  bodyLimitBytes: 2 * 1024 * 1024,
  anchorRetryMaxMs: 30_000,
  pollIntervalMs: 500,
  anchorReplaceAfterMs: 180_000,
  leaderLeaseMs: 5_000,
} as const;

/** Fills a partial server config with the defaults (tests and start.ts use it). */
export function serverConfig(
  partial: Partial<ServerConfig> & Pick<ServerConfig, "rpcUrl" | "registryAddress" | "anchorerKey">,
): ServerConfig {
  return {
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    dataDir: DEFAULTS.dataDir,
    databaseUrl: null,
    leaderLeaseMs: DEFAULTS.leaderLeaseMs,
    chainId: null,
    batchIntervalMs: DEFAULTS.batchIntervalMs,
    batchMax: DEFAULTS.batchMax,
    confirmations: DEFAULTS.confirmations,
    maxAnchorDelaySeconds: DEFAULTS.maxAnchorDelaySeconds,
    explorerUrl: null,
    publicRpcUrl: null,
    logLevel: DEFAULTS.logLevel,
    rateLimitPerMinute: DEFAULTS.rateLimitPerMinute,
    bodyLimitBytes: DEFAULTS.bodyLimitBytes,
    webDir: defaultWebDir(),
    anchorRetryMaxMs: DEFAULTS.anchorRetryMaxMs,
    pollIntervalMs: DEFAULTS.pollIntervalMs,
    anchorReplaceAfterMs: DEFAULTS.anchorReplaceAfterMs,
    anchorMaxFeeWei: null,
    reanchorAll: false,
    checkDeployment: false,
    deploymentFile: null,
    ...partial,
  };
}

export function defaultWebDir(): string {
  return path.resolve(__dirname, "..", "web", "dist");
}

export type ConfigResult = { ok: true; config: EnvConfig } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** Reads and checks every setting; argv may carry --demo. */
export function loadConfig(env: Env = process.env, argv: readonly string[] = process.argv.slice(2)): ConfigResult {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? null : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === null) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
      return fallback;
    }
    return Number(value);
  };
  const url = (name: string): string | null => {
    const value = text(name);
    if (value === null) return null;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("protocol");
      return value;
    } catch {
      problems.push(`${name} must be an http(s) URL, not ${JSON.stringify(value)}`);
      return null;
    }
  };
  const bool = (name: string): boolean => {
    const value = text(name);
    if (value === null) return false;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    problems.push(`${name} must be 1/true or 0/false, not ${JSON.stringify(value)}`);
    return false;
  };

  const host = text("HOST") ?? DEFAULTS.host;
  const port = int("PORT", DEFAULTS.port, 0, 65535);
  const chainPort = int("CHAIN_PORT", DEFAULTS.chainPort, 0, 65535);
  const dataDir = path.resolve(text("DATA_DIR") ?? DEFAULTS.dataDir);
  const rpcUrl = url("RPC_URL");
  const databaseUrl = text("DATABASE_URL");
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must be a postgres:// or postgresql:// URL (the value is not shown)");
  }
  const registryAddress = text("REGISTRY_ADDRESS");
  if (registryAddress !== null && !/^0x[0-9a-fA-F]{40}$/.test(registryAddress)) {
    problems.push(`REGISTRY_ADDRESS must be a 0x-prefixed 20-byte address, not ${JSON.stringify(registryAddress)}`);
  }
  const anchorerKey = text("ANCHORER_KEY");
  if (anchorerKey !== null && !/^0x[0-9a-fA-F]{64}$/.test(anchorerKey)) {
    problems.push("ANCHORER_KEY must be a 0x-prefixed 32-byte private key (the value is not shown)");
  }
  const external = [rpcUrl ?? env.RPC_URL, registryAddress, anchorerKey].filter(
    (v) => v !== null && v !== undefined && v !== "",
  );
  if (external.length > 0 && external.length < 3) {
    problems.push(
      "RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY go together: set all three (an external network) or none (the local stack)",
    );
  }
  const chainIdText = text("CHAIN_ID");
  const chainId = chainIdText === null ? null : int("CHAIN_ID", 0, 1, Number.MAX_SAFE_INTEGER);
  const logLevel = (text("LOG_LEVEL") ?? DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(logLevel)}`);

  let bodyLimitBytes: number = DEFAULTS.bodyLimitBytes;
  const bodyLimit = text("BODY_LIMIT");
  if (bodyLimit !== null) {
    const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(bodyLimit);
    const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match?.[2] ?? "b").toLowerCase() as "b" | "kb" | "mb"];
    const bytes = match ? Number(match[1]) * unit : NaN;
    if (!Number.isFinite(bytes) || bytes < 1024 || bytes > 64 * 1024 * 1024) {
      problems.push(
        `BODY_LIMIT must be a size from 1kb to 64mb such as 2mb or 500kb, not ${JSON.stringify(bodyLimit)}`,
      );
    } else bodyLimitBytes = bytes;
  }
  const deploymentFile = text("DEPLOYMENT_FILE");
  if (deploymentFile !== null && !fs.existsSync(deploymentFile)) {
    problems.push(`DEPLOYMENT_FILE ${JSON.stringify(deploymentFile)} does not exist`);
  }

  const config: EnvConfig = {
    host,
    port,
    chainPort,
    dataDir,
    databaseUrl,
    leaderLeaseMs: int("LEADER_LEASE_MS", DEFAULTS.leaderLeaseMs, 100, 600_000),
    rpcUrl,
    registryAddress,
    anchorerKey,
    chainId,
    batchIntervalMs: int("BATCH_INTERVAL_MS", DEFAULTS.batchIntervalMs, 10, 24 * 3600 * 1000),
    batchMax: int("BATCH_MAX", DEFAULTS.batchMax, 1, 100_000),
    confirmations: int("CONFIRMATIONS", DEFAULTS.confirmations, 1, 1000),
    maxAnchorDelaySeconds: int("MAX_ANCHOR_DELAY_SECONDS", DEFAULTS.maxAnchorDelaySeconds, 1, 365 * 24 * 3600),
    explorerUrl: url("EXPLORER_URL"),
    publicRpcUrl: url("PUBLIC_RPC_URL"),
    logLevel,
    demo: bool("DEMO") || argv.includes("--demo"),
    rateLimitPerMinute: int("RATE_LIMIT_PER_MINUTE", DEFAULTS.rateLimitPerMinute, 1, 1_000_000),
    bodyLimitBytes,
    webDir: defaultWebDir(),
    anchorRetryMaxMs: int("ANCHOR_RETRY_MAX_MS", DEFAULTS.anchorRetryMaxMs, 10, 3600 * 1000),
    pollIntervalMs: int("ANCHOR_POLL_MS", DEFAULTS.pollIntervalMs, 10, 60_000),
    anchorReplaceAfterMs: int("ANCHOR_REPLACE_AFTER_MS", DEFAULTS.anchorReplaceAfterMs, 10, 24 * 3600 * 1000),
    anchorMaxFeeWei:
      env.ANCHOR_MAX_FEE_GWEI === undefined || env.ANCHOR_MAX_FEE_GWEI === ""
        ? null
        : BigInt(int("ANCHOR_MAX_FEE_GWEI", 0, 1, 1_000_000)) * 1_000_000_000n,
    reanchorAll: false,
    checkDeployment: true,
    deploymentFile,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
