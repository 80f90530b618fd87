/**
 * Real headless Chromium for the page's tests (playwright-core driving Debian's /usr/bin/chromium), the built
 * page, screenshots into test-artifacts/web/, a plain static host, and a tampering stand-in for the server.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { makeTrustRoot, type TrustRoot } from "../../core/protocol/trust";
import { runExport } from "../../scripts/cli/export";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = path.resolve(__dirname, "..", "..");
export const ARTIFACTS = path.join(ROOT, "test-artifacts", "web");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Nothing but 127.0.0.1 resolves: the page must never reach another host.
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/**
 * Fails (never skips) in CI when Chromium is missing; skips with a note on a developer machine without it.
 * Returns false when the caller should skip.
 */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true" || process.env.CI === "1") {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests must run in CI. Install it with scripts/ensure-chromium.sh.`,
    );
  }
  console.warn(`    (browser tests skipped: no Chromium at ${CHROMIUM}; run scripts/ensure-chromium.sh)`);
  return false;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than web/src, web/public, core or the build script. */
export function ensurePageBuilt(): void {
  const index = path.join(ROOT, "web", "dist", "index.html");
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(path.join(ROOT, "web", "src")),
    newestMtime(path.join(ROOT, "web", "public")),
    newestMtime(path.join(ROOT, "core")),
    fs.statSync(path.join(ROOT, "web", "build.mjs")).mtimeMs,
  );
  if (built < sources)
    execFileSync(process.execPath, [path.join(ROOT, "web", "build.mjs")], { cwd: ROOT, stdio: "pipe" });
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    locale: "en-US",
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium on the built page (built first when stale), or null where there is no Chromium and the caller should
 * skip (in CI a missing Chromium fails instead, see chromiumAvailable).
 */
export async function startBrowser(): Promise<Browser | null> {
  if (!chromiumAvailable()) return null;
  ensurePageBuilt();
  return launchBrowser();
}

/** A fresh page that records page errors, CSP violations and every request host, for the "no other host" check. */
export async function newPage(context: BrowserContext): Promise<{ page: Page; errors: string[]; hosts: Set<string> }> {
  const page = await context.newPage();
  const errors: string[] = [];
  const hosts = new Set<string>();
  page.on("pageerror", (error) => errors.push(String(error)));
  // The page's Content-Security-Policy must never have to block anything the page itself does.
  page.on("console", (m) => void (/Content Security Policy/i.test(m.text()) && errors.push(m.text())));
  page.on("request", (request) => hosts.add(new URL(request.url()).host));
  return { page, errors, hosts };
}

/**
 * After each test: the page threw nothing, and no request ever left for another host than the page's servers
 * and the chosen RPC (all on 127.0.0.1). Then closes the page.
 */
export async function closeCheckedPage(page: Page, errors: string[], hosts: Set<string>): Promise<void> {
  expect(errors, `page errors: ${errors.join("\n")}`).to.deep.equal([]);
  for (const host of hosts) expect(host).to.match(/^127\.0\.0\.1:\d+$/);
  await page.close();
}

/** Runs `visit` on a fresh page, then checks and closes it as closeCheckedPage does. */
export async function withCheckedPage(
  context: BrowserContext,
  visit: (page: Page, errors: string[]) => Promise<void>,
): Promise<void> {
  const { page, errors, hosts } = await newPage(context);
  await visit(page, errors);
  await closeCheckedPage(page, errors, hosts);
}

/** Waits until the verify view shows a verdict (not the "checking" placeholder) and returns it. */
export async function verdictOf(page: Page): Promise<string> {
  const locator = page.locator('#verify-result [data-verdict]:not([data-verdict="checking"])');
  await locator.waitFor({ timeout: 30_000 });
  return (await locator.getAttribute("data-verdict")) ?? "";
}

/**
 * Picks a language in the page's own selector and waits until the page shows it: each language is its own chunk,
 * loaded on demand, and the page redraws once it has arrived.
 */
export async function chooseLanguage(page: Page, lang: "en" | "kk" | "ru"): Promise<void> {
  await page.selectOption("#lang-select", lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const DIST = path.join(ROOT, "web", "dist");
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/**
 * The page built for a static host with its trust root and public RPCs baked in (web/build.mjs --trust --rpc),
 * into a fresh temporary directory; returns that directory.
 */
export function buildBakedPage(trust: object, rpcUrls: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-page-"));
  const trustFile = path.join(dir, "aiqyn-trust.json");
  fs.writeFileSync(trustFile, JSON.stringify(trust));
  const out = path.join(dir, "dist");
  const rpcArgs = rpcUrls.flatMap((url) => ["--rpc", url]);
  execFileSync(
    process.execPath,
    [path.join(ROOT, "web", "build.mjs"), "--out", out, "--trust", trustFile, ...rpcArgs],
    {
      cwd: ROOT,
      stdio: "pipe",
    },
  );
  return out;
}

/** Where a test stack's registry is: the trust root a page is built with (deployed at block 0 of the test chain). */
export interface StackChain {
  chainId: number;
  registryAddress: string;
  rpcUrl: string;
}

export function trustRootOf(stack: StackChain): TrustRoot {
  return makeTrustRoot(stack.chainId, stack.registryAddress, 0);
}

/** `aiqyn export` of a server into `outDir`, quietly, with its proof bundles when asked; it must succeed. */
export async function exportMirror(serverUrl: string, outDir: string, options: { bundles?: boolean } = {}) {
  const io = { out: () => undefined, err: () => undefined, errIsTty: false, now: () => Math.floor(Date.now() / 1000) };
  const args = ["--server", serverUrl, "--out", outDir, ...(options.bundles ? ["--bundles"] : [])];
  expect(await runExport(args, io)).to.equal(0);
}

/**
 * A static host of `mirrorDir` under the page built with the stack's trust root and `rpcUrls` (the stack's own RPC
 * unless told) baked in.
 */
export function startBakedHost(mirrorDir: string, stack: StackChain, rpcUrls = [stack.rpcUrl]) {
  return startStaticHost(mirrorDir, buildBakedPage(trustRootOf(stack), rpcUrls));
}

/** A plain static host: / is the built page (web/dist by default), /mirror/ is an exported mirror; else 404. */
export async function startStaticHost(
  mirrorDir: string,
  dist: string = DIST,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    const [root, rest] = urlPath.startsWith("/mirror/")
      ? [mirrorDir, urlPath.slice("/mirror/".length)]
      : [dist, urlPath.slice(1) || "index.html"];
    const file = path.resolve(root, rest);
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("not found");
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for the server: passes everything through to `upstream` but rewrites the JSON of record and proof
 * answers with `tamper` (the chain behind it stays real), and answers 503 for paths that match `fail`.
 */
export async function startTamperingProxy(
  upstream: string,
  tamper: (body: Record<string, unknown>) => void,
  options: { fail?: RegExp } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      if (options.fail?.test((req.url ?? "").split("?")[0]!)) {
        res.writeHead(503, { "content-type": "text/plain" });
        return void res.end("unavailable");
      }
      const answer = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers: { accept: req.headers.accept ?? "*/*" },
      });
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!["content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"].includes(name))
          headers[name] = value;
      });
      let body = Buffer.from(await answer.arrayBuffer());
      if (/^\/api\/v1\/records\/\d+(\/proof)?$/.test((req.url ?? "").split("?")[0]!) && answer.ok) {
        const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        tamper(json);
        body = Buffer.from(JSON.stringify(json));
      }
      res.writeHead(answer.status, headers);
      res.end(body);
    } catch (error) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
