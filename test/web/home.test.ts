// The landing (/ and /verify): the newest records under the form and how a check works, in real headless Chromium
// against the real server on the real (in-process) Hardhat chain, a pending server, and a static mirror.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import {
  closeCheckedPage,
  exportMirror,
  newPage,
  screenshot,
  startBakedHost,
  startBrowser,
  startTamperingProxy,
  verdictOf,
  type Browser,
  chooseLanguage,
} from "./browser";

const DAY = 86_400;

/** The seqs the landing lists, top to bottom, once the list has loaded. */
async function listedSeqs(page: Page): Promise<number[]> {
  await page.locator("#latest-table tbody tr").first().waitFor({ timeout: 30_000 });
  return page
    .locator("#latest-table tbody tr")
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-seq"))));
}

describe("web: the landing shows the newest records and how a check works", function () {
  this.timeout(180_000);
  let browser: Browser;
  let anchored: TestStack; // ten records, anchored within ~200 ms; 4 superseded by 10, 6 retracted by 9
  let pending: TestStack; // a batch interval of an hour: its record stays pending
  let mirrorDir: string;
  let host: { url: string; close(): Promise<void> };
  let page: Page;
  let errors: string[];
  let hosts: Set<string>;
  let failedAnswers: string[];

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    const now = Math.floor(Date.now() / 1000);
    anchored = await startTestStack({ batchIntervalMs: 200 });
    const first = await postRecords(anchored, [
      sampleRecord({ kind: "INFLOW_SEIZURE", asset: "BTC", amount: "10", occurredAt: now - 90 * DAY }),
      sampleRecord({ kind: "INFLOW_MINING", asset: "BTC", amount: "2.5", occurredAt: now - 80 * DAY }),
      sampleRecord({
        kind: "INVESTMENT",
        asset: "IBIT",
        amount: "1000",
        valueUsd: "50000",
        occurredAt: now - 70 * DAY,
      }),
      sampleRecord({
        kind: "EXPENSE",
        asset: "USDT",
        amount: "120.75",
        valueUsd: "120.75",
        occurredAt: now - 60 * DAY,
      }),
      sampleRecord({ kind: "INFLOW_OTHER", asset: "ETH", amount: "4", valueUsd: "12000", occurredAt: now - 50 * DAY }),
      sampleRecord({ kind: "GRANT", asset: "KZT", amount: "5000000", valueUsd: "10000", occurredAt: now - 40 * DAY }),
      sampleRecord({ kind: "TRANSFER", asset: "BTC", amount: "1", valueUsd: "60000", occurredAt: now - 30 * DAY }),
      sampleRecord({ kind: "VALUATION", asset: "BTC", amount: "11.5", valueUsd: "700000", occurredAt: now - 20 * DAY }),
    ]);
    // Corrections may only name records that exist: a second request. 9 retracts the grant (6); 10 corrects 4.
    const second = await postRecords(anchored, [
      sampleRecord({
        kind: "RETRACTION",
        asset: "KZT",
        amount: "0",
        valueUsd: "0",
        occurredAt: now - 5 * DAY,
        corrects: 6,
      }),
      sampleRecord({
        kind: "EXPENSE",
        asset: "USDT",
        amount: "125.75",
        valueUsd: "125.75",
        occurredAt: now - 60 * DAY,
        corrects: 4,
      }),
    ]);
    expect([...first, ...second].map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await anchored.waitForAnchored(10);
    pending = await startTestStack({ batchIntervalMs: 3_600_000 });
    await postRecords(pending, [sampleRecord({ asset: "BNB", amount: "42", valueUsd: "25000" })]);

    mirrorDir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-mirror-"));
    await exportMirror(anchored.baseUrl, mirrorDir);
    host = await startBakedHost(mirrorDir, anchored);
  });

  beforeEach(async function () {
    ({ page, errors, hosts } = await newPage(browser.context));
    failedAnswers = [];
    page.on("response", (response) => {
      if (response.status() >= 400) failedAnswers.push(`${response.status()} ${response.url()}`);
    });
  });

  afterEach(async function () {
    if (!page) return;
    await closeCheckedPage(page, errors, hosts);
  });

  after(async function () {
    await browser?.close();
    await host?.close();
    await anchored?.stop();
    await pending?.stop();
    if (mirrorDir) fs.rmSync(mirrorDir, { recursive: true, force: true });
  });

  it("lists the eight newest records, newest first, with status and standing badges; a click verifies one", async function () {
    await page.goto(`${anchored.baseUrl}/`);
    expect(await listedSeqs(page)).to.deep.equal([10, 9, 8, 7, 6, 5, 4, 3]);
    // Every API answer was a success: no unknown query parameter, no invented endpoint.
    expect(failedAnswers).to.deep.equal([]);

    const row = (seq: number) => page.locator(`#latest-table tr[data-seq="${seq}"]`);
    for (const seq of [10, 9, 8, 7, 6, 5, 4, 3]) {
      expect(await row(seq).getAttribute("data-status"), `#${seq}`).to.equal("anchored");
      expect(await row(seq).locator(".badge-ok").textContent(), `#${seq}`).to.equal("anchored");
    }
    expect(await row(4).getAttribute("data-standing")).to.equal("superseded");
    expect(await row(4).locator(".badge-muted").textContent()).to.equal("superseded");
    expect(await row(6).getAttribute("data-standing")).to.equal("retracted");
    expect(await row(6).locator(".badge-bad").textContent()).to.equal("retracted");
    expect(await row(10).locator(".badge").count()).to.equal(1); // a current record carries only its status
    expect(await row(9).locator("td").first().textContent()).to.equal("Retraction");
    expect(await row(3).locator("td").nth(1).textContent()).to.equal("1,000 IBIT");
    // The day in words, in UTC; the machine-readable date beside it.
    expect(await row(10).locator("time").getAttribute("datetime")).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(await row(10).locator("time").textContent()).to.match(/^[A-Z][a-z]+ \d{1,2}, \d{4}$/);
    expect(await page.locator("#latest-table caption").textContent()).to.equal("The newest records, newest first");
    expect(await page.locator("#latest-all").getAttribute("href")).to.match(/\/ledger$/);

    // How a check works: a heading and three steps.
    expect(await page.locator("#how-title").textContent()).to.equal("How this works");
    expect(await page.locator("#how .how-steps > li").count()).to.equal(3);
    expect(await page.locator("#how").textContent()).to.contain("never believed on its word");

    // The list was asked for only after the page had loaded: it never delays the verify path.
    const timing = await page.evaluate(() => {
      const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      const stats = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/v1/stats"));
      return { loadEnd: navigation.loadEventEnd, stats: stats?.startTime ?? -1 };
    });
    expect(timing.stats).to.be.at.least(timing.loadEnd);
    await screenshot(page, "home");

    await row(4).locator("a").click();
    await page.waitForURL(/\/verify\/4$/);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("[data-standing]").getAttribute("data-standing")).to.equal("superseded");
    // A record is shown now: no list below it.
    expect(await page.locator("#home").count()).to.equal(0);
  });

  it("is reachable by keyboard: a listed record opens with Enter and verifies", async function () {
    await page.goto(`${anchored.baseUrl}/verify`);
    await listedSeqs(page);
    const link = page.locator('#latest-table tr[data-seq="7"] a');
    expect(await link.getAttribute("aria-label")).to.equal("Verify #7");
    await link.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/verify\/7$/);
    expect(await verdictOf(page)).to.equal("anchored");
  });

  it("a pending record carries a pending badge", async function () {
    await page.goto(`${pending.baseUrl}/`);
    expect(await listedSeqs(page)).to.deep.equal([1]);
    const row = page.locator('#latest-table tr[data-seq="1"]');
    expect(await row.getAttribute("data-status")).to.equal("pending");
    expect(await row.locator(".badge-wait").textContent()).to.equal("pending");
  });

  it("speaks Kazakh and Russian, redrawing the list without asking again", async function () {
    await page.goto(`${anchored.baseUrl}/`);
    await listedSeqs(page);
    let asked = 0;
    page.on("request", (request) => {
      if (request.url().includes("/api/v1/")) asked += 1;
    });
    await chooseLanguage(page, "kk");
    expect(await page.locator("#latest-title").textContent()).to.equal("Соңғы жазбалар");
    expect(await page.locator("#how-title").textContent()).to.equal("Бұл қалай жұмыс істейді");
    expect(await page.locator('#latest-table tr[data-seq="4"] .badge-muted').textContent()).to.equal("ауыстырылған");
    await chooseLanguage(page, "ru");
    expect(await page.locator("#latest-title").textContent()).to.equal("Последние записи");
    expect(await page.locator('#latest-table tr[data-seq="3"] .badge-ok').textContent()).to.equal("закреплена");
    await screenshot(page, "home-ru");
    expect(asked, "API requests after a language switch").to.equal(0);
    await chooseLanguage(page, "en");
  });

  it("from a static mirror, lists the records of the mirror's last batch", async function () {
    const index = JSON.parse(fs.readFileSync(path.join(mirrorDir, "index.json"), "utf8")) as {
      batches: { firstSeq: number; leafCount: number }[];
    };
    const last = index.batches[index.batches.length - 1]!;
    const expected = Array.from(
      { length: Math.min(8, last.leafCount) },
      (_, i) => last.firstSeq + last.leafCount - 1 - i,
    );
    await page.goto(`${host.url}/?mirror=/mirror/#/`);
    expect(await listedSeqs(page)).to.deep.equal(expected);
    const link = page.locator(`#latest-table tr[data-seq="${expected[0]}"] a`);
    expect(await link.getAttribute("href")).to.equal(`/?mirror=/mirror/#/verify/${expected[0]}`);
    await link.click();
    expect(await verdictOf(page)).to.equal("bundle-missing"); // exported without proof files
  });

  it("when the list cannot be loaded, says so quietly and verification still works", async function () {
    const proxy = await startTamperingProxy(anchored.baseUrl, () => undefined, {
      fail: /^\/api\/v1\/(stats|batches)$/,
    });
    try {
      await page.goto(`${proxy.url}/`);
      await page.locator("#latest-failed").waitFor({ timeout: 30_000 });
      expect(await page.locator("#latest-table").count()).to.equal(0);
      await page.fill("#seq-input", "2");
      await page.press("#seq-input", "Enter");
      expect(await verdictOf(page)).to.equal("anchored");
    } finally {
      await proxy.close();
    }
  });

  it("a proof file checked from the landing replaces the list with its verdict", async function () {
    const bundle = await (await fetch(`${anchored.baseUrl}/api/v1/records/5/proof`)).text();
    await page.goto(`${anchored.baseUrl}/`);
    await listedSeqs(page);
    await page.click("#bundle-box summary");
    await page.fill("#bundle-text", bundle);
    await page.click("#bundle-text-submit");
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#home").count()).to.equal(0);
  });

  it("holds together at phone width (360 px) without sideways scrolling", async function () {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto(`${anchored.baseUrl}/`);
    await listedSeqs(page);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).to.be.at.most(0);
    await screenshot(page, "home-phone");
  });
});
