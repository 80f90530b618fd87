/**
 * Configuration from environment variables, checked all at once at start: one clear message per bad
 * value (main and start exit with code 2 when there is any).
 */
import fs from "node:fs";
import path from "node:path";
import { isAddress } from "../core/protocol/trust";

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
  /** Blocks an anchor must have before it counts; null: 1 on a local chain, SAFE_CONFIRMATIONS elsewhere. */
  confirmations: number | null;
  maxAnchorDelaySeconds: number;
  explorerUrl: string | null;
  /**
   * The page's public address (PUBLIC_URL, e.g. https://aiqyn.example.kz), used for the absolute links of the Atom
   * feed. Without it they come from the request's Host header, which the client chose: fine on a local stack, and
   * the answer then says `Vary: Host` so no shared cache hands one client's links to another.
   */
  publicUrl: string | null;
  /**
   * Independent public RPC endpoints baked into the page (PUBLIC_RPC_URLS); the first is the `rpcUrl` of
   * /api/v1/registry. Never the private RPC_URL.
   */
  publicRpcUrls: string[];
  /**
   * PUBLIC_RPC_URLS=none: the operator means the page to have no RPC of its own (citizens add one in the page's
   * settings). Without it, an empty PUBLIC_RPC_URLS off a local chain is refused at start-up (PUBLIC_RPC_MISSING).
   */
  publicRpcNone?: boolean;
  /**
   * Public Esplora endpoints per Bitcoin chain baked into the page (PUBLIC_ESPLORA_URLS: `bip122:<genesis>=<url>`
   * items, e.g. mempool.space's and blockstream.info's; the demo adds its regtest node's).
   */
  publicEsploraUrls: string[];
  /** Registries on the same chain replaced after a key theft (SUPERSEDED_REGISTRIES), named to the page. */
  supersededRegistries: string[];
  logLevel: LogLevel;
  /** Writes a minute per authenticated publisher. */
  rateLimitPerMinute: number;
  /** Requests a minute per client address that fail authentication (never counted against a publisher). */
  authFailuresPerMinute: number;
  /** Reads a minute per client address. */
  readRateLimitPerMinute: number;
  /** Express "trust proxy": false, a hop count, or addresses/subnets ("loopback", "10.0.0.0/8"). */
  trustProxy: boolean | number | string;
  /** When set, GET /metrics wants `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** How often the server reads its own ANCHORER_ROLE and the registry's paused() flag. */
  roleCheckMs: number;
  bodyLimitBytes: number;
  /** Static page directory (web/dist); served when it holds an index.html. */
  webDir: string | null;
  /** The first delay of the anchorer's exponential backoff (not an environment setting). */
  anchorRetryBaseMs: number;
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
  /** External networks: run the ops deployment check (server/anchoring/deployment-check.ts) when it exists. */
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
  maxAnchorDelaySeconds: 3600,
  logLevel: "info" as LogLevel,
  rateLimitPerMinute: 600,
  authFailuresPerMinute: 30,
  readRateLimitPerMinute: 1200,
  roleCheckMs: 3000,
  bodyLimitBytes: 2 * 1024 * 1024,
  anchorRetryBaseMs: 250,
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
    confirmations: null,
    maxAnchorDelaySeconds: DEFAULTS.maxAnchorDelaySeconds,
    explorerUrl: null,
    publicUrl: null,
    publicRpcUrls: [],
    publicEsploraUrls: [],
    supersededRegistries: [],
    logLevel: DEFAULTS.logLevel,
    rateLimitPerMinute: DEFAULTS.rateLimitPerMinute,
    authFailuresPerMinute: DEFAULTS.authFailuresPerMinute,
    readRateLimitPerMinute: DEFAULTS.readRateLimitPerMinute,
    trustProxy: false,
    metricsToken: null,
    roleCheckMs: DEFAULTS.roleCheckMs,
    bodyLimitBytes: DEFAULTS.bodyLimitBytes,
    webDir: defaultWebDir(),
    anchorRetryBaseMs: DEFAULTS.anchorRetryBaseMs,
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

/** Where the page is served from, and built to when missing: web/dist, or WEB_DIST_DIR (an image's own place). */
export function defaultWebDir(): string {
  return path.resolve(process.env.WEB_DIST_DIR || path.join(__dirname, "..", "web", "dist"));
}

export type ConfigResult = { ok: true; config: EnvConfig } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** Typed readers over the environment that collect one message per bad value into `problems`. */
function envReader(env: Env, problems: string[]) {
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
  const optionalInt = (name: string, min: number, max: number): number | null =>
    text(name) === null ? null : int(name, min, min, max);
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
  /** A comma-separated list; every item must pass `valid` (`what` names the expected form). */
  const list = (name: string, valid: (item: string) => boolean, what: string): string[] => {
    const items = (text(name) ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    const bad = items.filter((item) => !valid(item));
    if (bad.length > 0)
      problems.push(`${name} must be a comma-separated list of ${what}, not ${JSON.stringify(bad[0])}`);
    return items.filter(valid);
  };
  const isHttpUrl = (value: string) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value);
  const bool = (name: string): boolean => {
    const value = text(name);
    if (value === null) return false;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    problems.push(`${name} must be 1/true or 0/false, not ${JSON.stringify(value)}`);
    return false;
  };
  return { text, int, optionalInt, url, list, isHttpUrl, bool, problems };
}

type EnvReader = ReturnType<typeof envReader>;

/**
 * ANCHORER_KEY, or ANCHORER_KEY_FILE (a file only its owner may read: a key on a command line or in the
 * environment of a shell ends up in its history and in /proc). The key itself is never echoed.
 */
export function readAnchorerKey(r: EnvReader): string | null {
  const inline = r.text("ANCHORER_KEY");
  const file = r.text("ANCHORER_KEY_FILE");
  if (inline !== null && file !== null) {
    r.problems.push("set ANCHORER_KEY or ANCHORER_KEY_FILE, not both");
    return null;
  }
  const key = file === null ? inline : readKeyFile(file, r.problems);
  if (key !== null && !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    const source = file === null ? "ANCHORER_KEY" : `ANCHORER_KEY_FILE ${JSON.stringify(file)}`;
    r.problems.push(`${source} must hold a 0x-prefixed 32-byte private key (the value is not shown)`);
  }
  return key;
}

function readKeyFile(file: string, problems: string[]): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    problems.push(`ANCHORER_KEY_FILE ${JSON.stringify(file)} cannot be read`);
    return null;
  }
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, "0");
    problems.push(`ANCHORER_KEY_FILE ${JSON.stringify(file)} is readable by others (mode ${octal}): chmod 600 it`);
    return null;
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** TRUST_PROXY: unset/false, a hop count, or Express's address list ("loopback", "10.0.0.0/8, 127.0.0.1"). */
function readTrustProxy(r: EnvReader): boolean | number | string {
  const value = r.text("TRUST_PROXY");
  if (value === null || /^(0|false|no|off)$/i.test(value)) return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  if (/^(true|yes|on)$/i.test(value)) {
    r.problems.push("TRUST_PROXY must name the proxy (a hop count such as 1, or its address such as loopback)");
    return false;
  }
  if (!/^[0-9A-Za-z.:/,\s]+$/.test(value)) {
    r.problems.push(`TRUST_PROXY must be a hop count or addresses/subnets, not ${JSON.stringify(value)}`);
    return false;
  }
  return value;
}

function readBodyLimit(r: EnvReader): number {
  const bodyLimit = r.text("BODY_LIMIT");
  if (bodyLimit === null) return DEFAULTS.bodyLimitBytes;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(bodyLimit);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match?.[2] ?? "b").toLowerCase() as "b" | "kb" | "mb"];
  const bytes = match ? Number(match[1]) * unit : NaN;
  if (Number.isFinite(bytes) && bytes >= 1024 && bytes <= 64 * 1024 * 1024) return bytes;
  r.problems.push(`BODY_LIMIT must be a size from 1kb to 64mb such as 2mb or 500kb, not ${JSON.stringify(bodyLimit)}`);
  return DEFAULTS.bodyLimitBytes;
}

/** RPC_URL, REGISTRY_ADDRESS and the anchorer key: all three (an external network) or none (the local stack). */
function readNetwork(r: EnvReader, env: Env): Pick<EnvConfig, "rpcUrl" | "registryAddress" | "anchorerKey"> {
  const rpcUrl = r.url("RPC_URL");
  const registryAddress = r.text("REGISTRY_ADDRESS");
  if (registryAddress !== null && !isAddress(registryAddress)) {
    r.problems.push(`REGISTRY_ADDRESS must be a 0x-prefixed 20-byte address, not ${JSON.stringify(registryAddress)}`);
  }
  const anchorerKey = readAnchorerKey(r);
  const keyGiven = r.text("ANCHORER_KEY") ?? r.text("ANCHORER_KEY_FILE");
  const given = [rpcUrl ?? env.RPC_URL, registryAddress, keyGiven].filter(
    (v) => v !== null && v !== undefined && v !== "",
  );
  if (given.length > 0 && given.length < 3) {
    r.problems.push(
      "RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY (or ANCHORER_KEY_FILE) go together: set all three (an external network) or none (the local stack)",
    );
  }
  return { rpcUrl, registryAddress, anchorerKey };
}

function readLimits(r: EnvReader) {
  const metricsToken = r.text("METRICS_TOKEN");
  if (metricsToken !== null && !/^[\x21-\x7e]{16,200}$/.test(metricsToken)) {
    r.problems.push("METRICS_TOKEN must be 16 to 200 printable characters without spaces (the value is not shown)");
  }
  return {
    rateLimitPerMinute: r.int("RATE_LIMIT_PER_MINUTE", DEFAULTS.rateLimitPerMinute, 1, 1_000_000),
    authFailuresPerMinute: r.int("AUTH_FAILURES_PER_MINUTE", DEFAULTS.authFailuresPerMinute, 1, 1_000_000),
    readRateLimitPerMinute: r.int("READ_RATE_LIMIT_PER_MINUTE", DEFAULTS.readRateLimitPerMinute, 1, 10_000_000),
    trustProxy: readTrustProxy(r),
    metricsToken,
    bodyLimitBytes: readBodyLimit(r),
  };
}

function readAnchoring(r: EnvReader) {
  const maxFeeGwei = r.optionalInt("ANCHOR_MAX_FEE_GWEI", 1, 1_000_000);
  return {
    batchIntervalMs: r.int("BATCH_INTERVAL_MS", DEFAULTS.batchIntervalMs, 10, 24 * 3600 * 1000),
    batchMax: r.int("BATCH_MAX", DEFAULTS.batchMax, 1, 100_000),
    confirmations: r.optionalInt("CONFIRMATIONS", 1, 1000),
    maxAnchorDelaySeconds: r.int("MAX_ANCHOR_DELAY_SECONDS", DEFAULTS.maxAnchorDelaySeconds, 1, 365 * 24 * 3600),
    anchorRetryBaseMs: DEFAULTS.anchorRetryBaseMs,
    anchorRetryMaxMs: r.int("ANCHOR_RETRY_MAX_MS", DEFAULTS.anchorRetryMaxMs, 10, 3600 * 1000),
    pollIntervalMs: r.int("ANCHOR_POLL_MS", DEFAULTS.pollIntervalMs, 10, 60_000),
    anchorReplaceAfterMs: r.int("ANCHOR_REPLACE_AFTER_MS", DEFAULTS.anchorReplaceAfterMs, 10, 24 * 3600 * 1000),
    anchorMaxFeeWei: maxFeeGwei === null ? null : BigInt(maxFeeGwei) * 1_000_000_000n,
    roleCheckMs: r.int("ROLE_CHECK_MS", DEFAULTS.roleCheckMs, 100, 3600 * 1000),
  };
}

/** DATABASE_URL (PostgreSQL, several instances) and the leader's lease; unset: the embedded SQLite store. */
function readStoreSettings(r: EnvReader): Pick<EnvConfig, "databaseUrl" | "leaderLeaseMs"> {
  const databaseUrl = r.text("DATABASE_URL");
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push("DATABASE_URL must be a postgres:// or postgresql:// URL (the value is not shown)");
  }
  return { databaseUrl, leaderLeaseMs: r.int("LEADER_LEASE_MS", DEFAULTS.leaderLeaseMs, 100, 600_000) };
}

/** PUBLIC_RPC_URLS: http(s) URLs, or `none` on purpose (the page then has no RPC of its own). */
function readPublicRpcs(r: EnvReader): Pick<EnvConfig, "publicRpcUrls" | "publicRpcNone"> {
  if (r.text("PUBLIC_RPC_URLS")?.toLowerCase() === "none") return { publicRpcUrls: [], publicRpcNone: true };
  return { publicRpcUrls: r.list("PUBLIC_RPC_URLS", r.isHttpUrl, "http(s) URLs, or none") };
}

/** Reads and checks every setting; argv may carry --demo. */
export function loadConfig(env: Env = process.env, argv: readonly string[] = process.argv.slice(2)): ConfigResult {
  const r = envReader(env, []);
  const logLevel = (r.text("LOG_LEVEL") ?? DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(logLevel)}`);
  if (r.text("PUBLIC_RPC_URL") !== null)
    r.problems.push(
      "PUBLIC_RPC_URL is replaced by PUBLIC_RPC_URLS (a comma-separated list of independent public RPCs)",
    );
  const deploymentFile = r.text("DEPLOYMENT_FILE");
  if (deploymentFile !== null && !fs.existsSync(deploymentFile)) {
    r.problems.push(`DEPLOYMENT_FILE ${JSON.stringify(deploymentFile)} does not exist`);
  }
  const config: EnvConfig = {
    host: r.text("HOST") ?? DEFAULTS.host,
    port: r.int("PORT", DEFAULTS.port, 0, 65535),
    chainPort: r.int("CHAIN_PORT", DEFAULTS.chainPort, 0, 65535),
    dataDir: path.resolve(r.text("DATA_DIR") ?? DEFAULTS.dataDir),
    ...readNetwork(r, env),
    chainId: r.optionalInt("CHAIN_ID", 1, Number.MAX_SAFE_INTEGER),
    ...readAnchoring(r),
    ...readLimits(r),
    explorerUrl: r.url("EXPLORER_URL"),
    publicUrl: r.url("PUBLIC_URL")?.replace(/\/+$/, "") ?? null,
    ...readPublicRpcs(r),
    publicEsploraUrls: r.list(
      "PUBLIC_ESPLORA_URLS",
      (item) => /^bip122:[0-9a-f]{32}=/.test(item) && r.isHttpUrl(item.slice(item.indexOf("=") + 1)),
      "bip122:<genesis>=<http(s) Esplora URL> items",
    ),
    supersededRegistries: r.list("SUPERSEDED_REGISTRIES", isAddress, "0x-prefixed 20-byte addresses"),
    ...readStoreSettings(r),
    logLevel,
    demo: r.bool("DEMO") || argv.includes("--demo"),
    webDir: defaultWebDir(),
    reanchorAll: false,
    checkDeployment: true,
    deploymentFile,
  };
  return r.problems.length > 0 ? { ok: false, problems: r.problems } : { ok: true, config };
}
