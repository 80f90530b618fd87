/**
 * Issue #23: how long after navigation the verify page shows its verdict when its only public RPC is 150 ms away.
 * The real server on Hardhat's in-process chain, a JSON-RPC proxy in front of the chain that holds every request
 * for `delayMs` before forwarding it (so each round trip costs at least that), the page served by the server with
 * the proxy as its one public RPC, and real Chromium: from navigation start to the verdict, and the JSON-RPC
 * requests it took. A report only; the page's data source is local.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { launchBrowser, chromiumAvailable, ensurePageBuilt } from "../../test/web/browser";
import { chainRpcUrl } from "../../test/helpers/chain";
import { postRecords, sampleRecord, startTestStack } from "../../test/helpers/stack";

export interface VerdictLatency {
  delayMs: number;
  /** Milliseconds from navigation start to the verdict, each run (a fresh page each time). */
  runs: number[];
  /** JSON-RPC HTTP requests sent before the verdict was drawn (last run), and calls in them. */
  requests: number;
  calls: number;
  /** CORS preflights (OPTIONS, one round trip each) sent before the verdict was drawn (last run). */
  preflights: number;
  /** The scripts the page fetched before the verdict was drawn (last run), without their content hashes. */
  scripts: string[];
  verdict: string;
}

async function startDelayingProxy(upstream: string, delayMs: number) {
  const seen = { requests: 0, calls: 0, log: [] as { at: number; preflight: boolean; calls: number }[] };
  const server = http.createServer((req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type" };
    if (req.method === "OPTIONS") {
      seen.log.push({ at: Date.now(), preflight: true, calls: 0 });
      return void setTimeout(() => res.writeHead(204, cors).end(), delayMs);
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.requests += 1;
      const parsed = JSON.parse(body) as unknown;
      seen.calls += Array.isArray(parsed) ? parsed.length : 1;
      seen.log.push({ at: Date.now(), preflight: false, calls: Array.isArray(parsed) ? parsed.length : 1 });
      setTimeout(async () => {
        const answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
        res.writeHead(200, { ...cors, "content-type": "application/json" }).end(await answer.text());
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** null when there is no Chromium on this machine. */
export async function measureVerdictLatency(delayMs = 150, runs = 3): Promise<VerdictLatency | null> {
  if (!chromiumAvailable()) return null;
  ensurePageBuilt();
  const proxy = await startDelayingProxy(await chainRpcUrl(), delayMs);
  const stack = await startTestStack({ batchIntervalMs: 200, server: { publicRpcUrls: [proxy.url] } });
  const browser = await launchBrowser();
  try {
    await postRecords(stack, [sampleRecord(), sampleRecord({ asset: "BNB" }), sampleRecord()]);
    await stack.waitForAnchored(3);
    const times: number[] = [];
    let verdict = "";
    let perVerdict = { requests: 0, calls: 0, preflights: 0 };
    let scripts: string[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.context.newPage();
      // The moment the verdict is drawn, taken in the page itself, not when the driver next looks (which on a
      // loaded machine can be hundreds of milliseconds later).
      await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (!document.querySelector('#verify-result [data-verdict]:not([data-verdict="checking"])')) return;
          (window as unknown as { verdictAt: number }).verdictAt = performance.now();
          observer.disconnect();
        }).observe(document, { childList: true, subtree: true, attributes: true });
      });
      const from = proxy.seen.log.length;
      await page.goto(`${stack.baseUrl}/verify/2`);
      const shown = page.locator('#verify-result [data-verdict]:not([data-verdict="checking"])');
      await shown.waitFor({ timeout: 30_000 });
      const drawn = await page.evaluate(() => {
        const at = (window as unknown as { verdictAt: number }).verdictAt;
        // The scripts fetched before the verdict: what web/build.mjs's "verify path" line must count.
        const scripts = performance
          .getEntriesByType("resource")
          .filter((e) => e.name.endsWith(".js") && (e as PerformanceResourceTiming).responseEnd <= at)
          .map((e) => new URL(e.name).pathname.replace(/^\/(chunks\/)?/, "").replace(/-[A-Z0-9]{8}\.js$/, ""));
        return { at, origin: performance.timeOrigin, scripts };
      });
      scripts = drawn.scripts.sort();
      times.push(Math.round(drawn.at));
      verdict = (await shown.getAttribute("data-verdict")) ?? "";
      const before = proxy.seen.log.slice(from).filter((entry) => entry.at <= drawn.origin + drawn.at);
      perVerdict = {
        requests: before.filter((e) => !e.preflight).length,
        calls: before.reduce((n, e) => n + e.calls, 0),
        preflights: before.filter((e) => e.preflight).length,
      };
      await page.close();
    }
    return { delayMs, runs: times, verdict, ...perVerdict, scripts };
  } finally {
    await browser.close();
    await stack.stop();
    await proxy.close();
  }
}
