/**
 * The server's entry for an existing chain: RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY must be set (the
 * local stack with its own chain is `npm start`, scripts/start.ts). Exit codes: 2 bad configuration,
 * 1 start-up failure, 0 after a graceful SIGTERM/SIGINT.
 */
import { loadConfig } from "./config";
import { startServer, type RunningServer } from "./index";

export function exitOnBadConfig(problems: readonly string[]): never {
  process.stderr.write(`aiqyn: bad configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(2);
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
      "server/main.ts serves an existing chain: set RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY (for the local stack run `npm start`)",
    ]);
  }
  let running: RunningServer;
  try {
    running = await startServer({
      ...config,
      rpcUrl: config.rpcUrl,
      registryAddress: config.registryAddress,
      anchorerKey: config.anchorerKey,
    });
  } catch (error) {
    process.stderr.write(`aiqyn: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  // One plain line for supervisors and tests, whatever the log level.
  process.stdout.write(`aiqyn listening on ${running.url}\n`);
  closeOnSignals(running);
}

if (require.main === module) void main();
