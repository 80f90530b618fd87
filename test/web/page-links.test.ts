// What a link may choose: ?mirror= takes a path on the page's own host or an http(s) URL, never a
// protocol-relative `//host/` or a backslash path (`/\host/`), which browsers resolve to another host while it
// looks like a local path. Real Chromium, real server; the "other host" is a plain HTTP server counting visits.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { startBrowser, withCheckedPage, type Browser } from "./browser";

describe("web: the sources a link may choose", function () {
  this.timeout(120_000);
  let browser: Browser;
  let stack: TestStack;
  let other: http.Server;
  let visits = 0;

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    await postRecords(stack, [sampleRecord()]);
    other = http.createServer((_req, res) => {
      visits++;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  });

  after(async () => {
    await browser?.close();
    other?.close();
    await stack?.stop();
  });

  it("the page carries a Content-Security-Policy (scripts only from itself) and every view runs under it", async () => {
    const html = await (await fetch(`${stack.baseUrl}/`)).text();
    const csp = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1] ?? "";
    expect(csp).to.contain("script-src 'self'").and.to.contain("connect-src 'self' http: https:");
    expect(csp).to.not.contain("unsafe-inline");
    await withCheckedPage(browser.context, async (page, errors) => {
      await page.goto(`${stack.baseUrl}/`);
      await page.locator("#latest-table tbody tr").first().waitFor({ timeout: 30_000 });
      const blocked = await page.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.head.append(script);
        return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
      });
      expect(blocked, "an inline script ran").to.equal(false);
      errors.length = 0; // that refusal is the point; the views below must cause none
      for (const route of ["/fund", "/holdings", "/ledger", "/verify/1"]) {
        await page.goto(`${stack.baseUrl}${route}`);
        await page.locator("main h1").first().waitFor({ timeout: 30_000 });
      }
    });
  });

  for (const prefix of ["//", "/\\", "\\\\"]) {
    it(`?mirror=${prefix}host/ is refused: the page keeps reading its own server`, async () => {
      const port = (other.address() as AddressInfo).port;
      await withCheckedPage(browser.context, async (page) => {
        visits = 0;
        await page.goto(`${stack.baseUrl}/?mirror=${encodeURIComponent(`${prefix}127.0.0.1:${port}/`)}#/`);
        await page.locator("#latest-table tbody tr, #latest-failed").first().waitFor({ timeout: 30_000 });
        expect(await page.locator("#latest-failed").count()).to.equal(0);
        expect(visits).to.equal(0);
      });
    });
  }
});
