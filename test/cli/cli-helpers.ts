// Running the real `aiqyn` binary as a child process (pinned to a test stack's registry), receipts signed for
// that registry, and a lying proxy in front of the real server.
import { spawn } from "node:child_process";
import { getBytes, type JsonRpcProvider, type Wallet } from "ethers";
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { receiptDigest, type Hex, type Receipt } from "../../core";
import type { TestStack } from "../helpers/stack";
import { startServer, type TestServer } from "./fixtures";

const BIN = path.resolve(__dirname, "../../bin/aiqyn");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/aiqyn ...args` asynchronously (the in-process chain must keep answering meanwhile). */
export function runCli(args: string[], timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`aiqyn ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The registry a test stack runs, as the CLI is pointed at it. */
type StackChain = Pick<TestStack, "rpcUrl" | "chainId" | "registryAddress">;

/** --chain-id and --registry pinning the stack's registry; `pin` names another chain id or address instead. */
/** A command's JSON-lines output (one object a line, e.g. the monitor's alerts), blank lines skipped. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

export function trustArgs(stack: StackChain, pin: { chainId?: number; registry?: string } = {}): string[] {
  return ["--chain-id", String(pin.chainId ?? stack.chainId), "--registry", pin.registry ?? stack.registryAddress];
}

/** --rpc to the stack's chain and the trust root of trustArgs: what every command that reads the chain takes. */
export function chainArgs(stack: StackChain, pin: { chainId?: number; registry?: string } = {}): string[] {
  return ["--rpc", stack.rpcUrl, ...trustArgs(stack, pin)];
}

/**
 * Runs `aiqyn audit ...args --json=FILE` (FILE a fresh name in `dir`) and reads the report it wrote; without one,
 * an Error carrying the exit code and output.
 */
export async function auditReport<R>(dir: string, args: string[]): Promise<{ run: CliRun; report: R }> {
  const jsonFile = path.join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(["audit", ...args, `--json=${jsonFile}`]);
  try {
    return { run, report: JSON.parse(await readFile(jsonFile, "utf8")) as R };
  } catch {
    throw new Error(`no JSON report (exit ${run.code})\n${run.stdout}\n${run.stderr}`);
  }
}

/** A receipt for (seq, leaf, publishedAt) on the stack's registry, signed by `wallet` (an anchorer or not). */
export async function signReceipt(
  stack: Pick<TestStack, "chainId" | "registryAddress">,
  wallet: Pick<Wallet, "address" | "signMessage">,
  seq: number,
  leaf: Hex,
  publishedAt: number,
): Promise<Receipt> {
  const digest = receiptDigest(stack.chainId, stack.registryAddress, seq, leaf, publishedAt);
  const signature = (await wallet.signMessage(getBytes(digest))) as Hex;
  return { seq, leaf, publishedAt, signer: wallet.address, signature };
}

/** What the proxy does with one upstream answer: pass it, replace it, stall, or send garbage. */
export type Tamper = (
  pathname: string,
  status: number,
  json: unknown,
) => { status: number; json: unknown } | "hang" | "garbage" | undefined;

/** A proxy in front of the real server that lets a test rewrite GET answers. */
export async function startLyingProxy(upstream: string, tamper: Tamper): Promise<TestServer> {
  return startServer(async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const answer = await fetch(`${upstream}${url.pathname}${url.search}`);
    const text = await answer.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const verdict = tamper(url.pathname, answer.status, json);
    if (verdict === "hang") return; // the connection stays open; the server's close() drops it
    if (verdict === "garbage") {
      res.writeHead(200, { "content-type": "application/json" }).end("<html><body>502 upstream error</body></html>");
      return;
    }
    const out = verdict ?? { status: answer.status, json };
    res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.json));
  });
}

/**
 * Hardhat stamps each block at least one second after the previous one, and keeps the lead, so a suite that
 * mines many blocks runs the chain's clock ahead of the wall clock the server stamps publishedAt with. Wait until
 * the wall clock has passed the latest block (the registry's deployment, when its roles were granted), or the
 * first receipts would predate their signer's role.
 */
export async function catchUpWithChainClock(provider: JsonRpcProvider): Promise<void> {
  const latest = await provider.getBlock("latest");
  const ahead = (latest?.timestamp ?? 0) + 1 - Date.now() / 1000;
  if (ahead > 150) throw new Error(`the chain's clock is ${Math.round(ahead)} s ahead of the wall clock`);
  if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead * 1000));
}
