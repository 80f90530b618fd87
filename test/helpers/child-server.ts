/**
 * The real server as a child process (server/main.ts under ts-node), for tests that kill it. It prints
 * "aiqyn listening on URL" once it serves; stderr is kept for failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { addPublisher } from "../../server/publishers";
import { openSqliteStore } from "../../server/store/sqlite";
import { chainRpcUrl, deployTestRegistry, testProvider, type TestRegistry } from "./chain";

export interface ChildServer {
  url: Promise<string>;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  stdout(): string;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = path.resolve(__dirname, "..", "..");

export function spawnServer(env: Record<string, string>): ChildServer {
  const proc = spawn(
    process.execPath,
    ["--require", "ts-node/register/transpile-only", path.join(ROOT, "server", "main.ts")],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  let out = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /aiqyn listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before listening: ${err.slice(-2000)}`)),
    );
  });
  url.catch(() => {});
  return {
    url,
    proc,
    exited,
    stderr: () => err,
    stdout: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

export interface ChildServerSetup {
  rpcUrl: string;
  provider: JsonRpcProvider;
  registry: TestRegistry;
  dataDir: string;
  /** The bearer key of a publisher created in the fresh store. */
  key: string;
  /** RPC_URL, REGISTRY_ADDRESS, ANCHORER_KEY and DATA_DIR for spawnServer, plus `extraEnv`. */
  env: Record<string, string>;
}

/** A fresh registry on the in-process chain and a fresh store with one publisher, ready for spawnServer. */
export async function prepareChildServer(
  publisher: string,
  extraEnv: Record<string, string> = {},
): Promise<ChildServerSetup> {
  const rpcUrl = await chainRpcUrl();
  const provider = testProvider(rpcUrl);
  const registry = await deployTestRegistry(provider);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `aiqyn-${publisher}-`));
  const store = openSqliteStore(dataDir);
  const { key } = await addPublisher(store, publisher);
  await store.close();
  const env = {
    RPC_URL: rpcUrl,
    REGISTRY_ADDRESS: registry.address,
    ANCHORER_KEY: registry.anchorer.privateKey,
    DATA_DIR: dataDir,
    ...extraEnv,
  };
  return { rpcUrl, provider, registry, dataDir, key, env };
}
