/**
 * The server's entry for an existing chain: RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY must be set (the
 * local stack with its own chain is `npm start`, scripts/start.ts). Exit codes: 2 bad configuration,
 * 1 start-up failure, 0 after a graceful SIGTERM/SIGINT.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { AiqynError } from "../core";
import { defaultWebDir, loadConfig } from "./config";
import { startServer, type RunningServer } from "./index";

export function exitOnBadConfig(problems: readonly string[]): never {
  process.stderr.write(`aiqyn: bad configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(2);
}

/** The one error line a supervisor shows: the refusal's stable code first (docs/OPERATIONS.md lists them). */
export function startFailureLine(error: unknown): string {
  const code = error instanceof AiqynError ? error.code : "START_FAILED";
  const message = error instanceof Error ? error.message : String(error);
  return `aiqyn: could not start: ${code}: ${message}\n`;
}

/**
 * The page is part of the server: a checkout or image without web/dist (never committed) gets it built
 * here, once, before listening (`node web/build.mjs`, a few seconds). A failed build is reported and the
 * API is served without the page.
 */
export function ensurePage(webDir: string): void {
  if (fs.existsSync(path.join(webDir, "index.html")) || webDir !== defaultWebDir()) return;
  process.stderr.write(
    `aiqyn: ${path.relative(process.cwd(), webDir) || webDir} is missing: building the page (node web/build.mjs)\n`,
  );
  try {
    execFileSync(process.execPath, [path.join(__dirname, "..", "web", "build.mjs"), "--out", webDir], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  } catch {
    process.stderr.write("aiqyn: PAGE_BUILD_FAILED: the page could not be built; serving the API only\n");
  }
}

/** SIGTERM/SIGINT: close gracefully once; a second signal exits at once. */
export function closeOnSignals(running: { close(): Promise<void> }, extra: () => Promise<void> = async () => {}): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`aiqyn: ${signal}, shutting down\n`);
    running
      .close()
      .then(extra)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`aiqyn: shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}

async function main(): Promise<void> {
  const result = loadConfig();
  if (!result.ok) exitOnBadConfig(result.problems);
  const config = result.config;
  if (!config.rpcUrl || !config.registryAddress || !config.anchorerKey) {
    exitOnBadConfig([
      "server/main.ts serves an existing chain: set RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY or ANCHORER_KEY_FILE (for the local stack run `npm start`)",
    ]);
  }
  ensurePage(config.webDir ?? defaultWebDir());
  let running: RunningServer;
  try {
    running = await startServer({
      ...config,
      rpcUrl: config.rpcUrl,
      registryAddress: config.registryAddress,
      anchorerKey: config.anchorerKey,
    });
  } catch (error) {
    process.stderr.write(startFailureLine(error));
    process.exit(1);
  }
  // One plain line for supervisors and tests, whatever the log level.
  process.stdout.write(`aiqyn listening on ${running.url}\n`);
  closeOnSignals(running);
}

if (require.main === module) void main();
