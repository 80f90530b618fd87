/**
 * What the ops tests share: a real `hardhat node` child process on a free port (optionally with another chain
 * id than 31337, to stand in for a testnet), the node's well-known keys, and the real commands run as child
 * processes with their exit code and output.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import path from "node:path";
import { getAddress, HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";

export const ROOT = path.resolve(__dirname, "../..");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Asserts a command exited 0, showing its output when it did not. */
/** A child in its own process group (npm → sh → node), so the whole chain it starts is stopped as one. */
export function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/** A settings template with each `NAME=` line given a value; every other line kept as written. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template
    .split("\n")
    .map((line) => {
      const name = /^([A-Z_]+)=/.exec(line)?.[1];
      return name && name in values ? `${name}=${values[name]}` : line;
    })
    .join("\n");
}

export function expectOk(r: Run, what: string): void {
  expect(r.code, `${what} failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
}

/**
 * `ops status --strict` off a local chain with a plain key as admin: exit 3 with that one warning (hand the admin
 * role to a Safe) and no other, i.e. everything else is consistent.
 */
export function expectStrictBarKeyAdmin(r: Run, what: string): void {
  const warnings = r.stdout.split("\n").filter((line) => line.startsWith("WARNING "));
  expect(r.code, `${what}: exit\n${r.stdout}\n${r.stderr}`).to.equal(3);
  expect(warnings, `${what}: warnings`).to.have.length(1);
  expect(warnings[0]).to.match(/^WARNING admin 0x[0-9a-fA-F]{40} is a plain key: hand the admin role to a Safe/);
}

/** `npm run ops -- <args> --network localhost` with `env` (the node's, and where the deployment files go). */
export function runOps(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return run("npm", ["run", "--silent", "ops", "--", ...args, "--network", "localhost"], env);
}

/** `ops deploy` of a registry with these roles as Ignition deployment `id`, confirmed (--yes) for a testnet. */
export function deployWithRoles(
  env: Record<string, string>,
  roles: { admin: string; anchorer: string; pauser: string },
  id: string,
  ...extra: string[]
): Promise<Run> {
  const roleArgs = ["--admin", roles.admin, "--anchorer", roles.anchorer, "--pauser", roles.pauser];
  return runOps(env, "deploy", ...roleArgs, "--deployment-id", id, "--yes", ...extra);
}

/**
 * Removes what Ignition journalled of these deployments into the repository. Not the folder, even when empty:
 * another test file may be deploying into it at this moment (git keeps no empty folder anyway).
 */
export async function removeIgnitionDeployments(...ids: string[]): Promise<void> {
  const deployments = path.join(ROOT, "ignition", "deployments");
  for (const id of ids) await rm(path.join(deployments, id), { recursive: true, force: true });
}

export interface LocalNode {
  rpcUrl: string;
  chainId: number;
  provider: JsonRpcProvider;
  /** The node's accounts #0… (unlocked on the node) and their well-known private keys. */
  accounts: string[];
  keys: string[];
  /** Environment for the ops commands: LOCAL_RPC_URL / LOCAL_CHAIN_ID point at this node. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** anvil's binary, shipped by the npm package @foundry-rs/anvil (a second EVM node implementation). */
export const ANVIL = path.join(ROOT, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

/**
 * anvil on a free port with this chain id (its accounts are Hardhat's: the same mnemonic); `blockTime` seconds
 * between blocks makes it behave like a testnet node (nothing is mined at once). Environment for
 * `--network custom`: CUSTOM_RPC_URL, CUSTOM_CHAIN_ID and the deployer key (account #0).
 */
export async function startAnvil(logFile: string, chainId: number, blockTime?: number): Promise<LocalNode> {
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)];
  if (blockTime !== undefined) args.push("--block-time", String(blockTime));
  const child = spawn(ANVIL, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const node = await nodeProcess(child, `http://127.0.0.1:${port}`, chainId, logFile);
  return {
    ...node,
    env: {
      CI: "true",
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
      REPORT_GAS: "false",
      CUSTOM_RPC_URL: node.rpcUrl,
      CUSTOM_CHAIN_ID: String(chainId),
      CUSTOM_DEPLOYER_KEY: node.keys[0]!,
    },
  };
}

/** `hardhat node` on a free port; chainId other than 31337 makes it a testnet stand-in for the ops commands. */
export async function startNode(logFile: string, chainId = 31337): Promise<LocalNode> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node: ChildProcess = spawn(
    path.join(ROOT, "node_modules/.bin/hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HARDHAT_NODE_CHAIN_ID: String(chainId) } },
  );
  const base = await nodeProcess(node, rpcUrl, chainId, logFile);
  return {
    ...base,
    env: {
      CI: "true",
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
      LOCAL_RPC_URL: rpcUrl,
      LOCAL_CHAIN_ID: String(chainId),
      REPORT_GAS: "false",
    },
  };
}

/** A node child process: its log, its RPC once it answers, its accounts and keys, and how to stop it. */
async function nodeProcess(
  node: ChildProcess,
  rpcUrl: string,
  chainId: number,
  logFile: string,
): Promise<Omit<LocalNode, "env">> {
  const log = createWriteStream(logFile);
  node.stdout!.pipe(log);
  node.stderr!.pipe(log);
  const provider = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1 });
  for (let i = 0; ; i++) {
    try {
      await provider.send("eth_chainId", []);
      break;
    } catch (error) {
      if (i > 160 || node.exitCode !== null) throw new Error(`the node did not answer: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
  const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
  const keys = accounts.map((_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).privateKey);
  return {
    rpcUrl,
    chainId,
    provider,
    accounts,
    keys,
    async stop() {
      provider.destroy();
      if (node.exitCode !== null) return;
      const exited = new Promise((r) => node.once("exit", r));
      node.kill("SIGTERM");
      await exited;
    },
  };
}
