// The built page as plain static files (no Aiqyn server behind them, no fallback to index.html): pointed at a
// static mirror with ?mirror=, or at an Aiqyn server elsewhere with ?api=. Real Chromium, real chain.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { exportMirror, newPage, screenshot, startBakedHost, startBrowser, verdictOf, type Browser } from "./browser";

describe("web: the page as static files (mirror and remote server)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let stack: TestStack;
  let host: { url: string; close(): Promise<void> };
  let mirrorDir: string;
  let page: Page;
  let errors: string[];

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    const receipts = await postRecords(stack, [
      sampleRecord({ asset: "BTC", amount: "3" }),
      sampleRecord({ kind: "INVESTMENT", asset: "IBIT", amount: "100", valueUsd: "5000" }),
      sampleRecord({ kind: "GRANT", asset: "KZT", amount: "1000000", valueUsd: "2000" }),
    ]);
    await stack.waitForAnchored(receipts[2]!.seq);
    mirrorDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-mirror-"));
    await exportMirror(stack.baseUrl, mirrorDir, { bundles: true });
    // A mirror need not carry every proof file.
    fs.rmSync(path.join(mirrorDir, "bundles", "2.json"));
    // A static host has no server to bake the trust root in: the build does (web/build.mjs --trust --rpc).
    host = await startBakedHost(mirrorDir, stack);
  });

  beforeEach(async function () {
    ({ page, errors } = await newPage(browser.context));
  });

  afterEach(async function () {
    if (!page) return;
    expect(errors, errors.join("\n")).to.deep.equal([]);
    await page.close();
  });

  after(async function () {
    await browser?.close();
    await host?.close();
    await stack?.stop();
    if (mirrorDir) fs.rmSync(mirrorDir, { recursive: true, force: true });
  });

  it("verifies a record from a static mirror against the chain", async function () {
    await page.goto(`${host.url}/?mirror=/mirror/#/verify/3`);
    const failed = () =>
      page.locator('.steps li[data-ok="false"]').evaluateAll((lis) => lis.map((li) => li.textContent).join("; "));
    expect(await verdictOf(page), await failed()).to.equal("anchored");
    expect(await page.locator("#trusted-rpc").textContent()).to.equal(stack.rpcUrl);
    expect(await page.locator("#download-bundle").getAttribute("href")).to.equal(`${host.url}/mirror/bundles/3.json`);
    await screenshot(page, "mirror-anchored");
  });

  it("says when the mirror has no proof file, and offers the citizen's own", async function () {
    await page.goto(`${host.url}/?mirror=/mirror/#/verify/2`);
    expect(await verdictOf(page)).to.equal("bundle-missing");
    expect(await page.locator("#bundle-box").getAttribute("open")).to.equal("");
    const bundle = await (await fetch(`${stack.baseUrl}/api/v1/records/2/proof`)).text();
    await page.fill("#bundle-text", bundle);
    await page.click("#bundle-text-submit");
    await page.locator('#verify-result [data-verdict="anchored"]').waitFor();
    await screenshot(page, "mirror-bundle-missing");
  });

  it("browses the mirror's ledger with hash links that work without a server fallback", async function () {
    await page.goto(`${host.url}/?mirror=/mirror/#/ledger`);
    await page.locator("#records-table tbody tr").first().waitFor();
    expect(await page.locator("#records-table tbody tr").count()).to.equal(3);
    expect(await page.locator("#batches-table tbody tr").count()).to.be.greaterThan(0);
    const link = page.locator('#records-table tr[data-seq="1"] a').first();
    expect(await link.getAttribute("href")).to.equal("/?mirror=/mirror/#/verify/1");
    await link.click();
    expect(await verdictOf(page)).to.equal("anchored");
    await page.reload(); // a reload of a hash route still finds the page
    expect(await verdictOf(page)).to.equal("anchored");
    // A mirror carries no /stats: the fund view shows the figures it checked itself (test/web/figures.test.ts).
    await page.goto(`${host.url}/?mirror=/mirror/#/fund`);
    await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("#fund-checked").textContent()).to.contain("Checked against the chain");
  });

  it("reads from an Aiqyn server on another origin with ?api=", async function () {
    await page.goto(`${host.url}/?api=${encodeURIComponent(stack.baseUrl)}#/verify/1`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#download-bundle").getAttribute("href")).to.equal(
      `${stack.baseUrl}/api/v1/records/1/proof`,
    );
    await page.goto(`${host.url}/?api=${encodeURIComponent(stack.baseUrl)}#/fund`);
    await page.locator('#fund-uses tr[data-kind="INVESTMENT"]').waitFor();
  });
});
