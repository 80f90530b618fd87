// Running the real `aiqyn` binary as a child process, and a lying proxy in front of the real server.
import { spawn } from "node:child_process";
import type { JsonRpcProvider } from "ethers";
import http from "node:http";
import path from "node:path";
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
