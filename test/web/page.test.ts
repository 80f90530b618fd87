// The citizens' page in real headless Chromium, against the real server on the real (in-process) Hardhat chain.
// Every state is screenshotted into test-artifacts/web/.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { createRegistryReader, type RecordInput } from "../../core/index";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { createFetchTransport } from "../../web/src/rpc";
import { formatUtc } from "../../web/src/format";
import {
  closeCheckedPage,
  closedPort,
  newPage,
  startBrowser,
  screenshot,
  startTamperingProxy,
  verdictOf,
  type Browser,
  chooseLanguage,
} from "./browser";

const DAY = 86_400;
const EXPLORER = "https://explorer.example.org";

/** The fund's story: two inflows, an investment, a grant, a valuation, a correction and a retraction. */
function fundRecords(now: number): RecordInput[] {
  return [
    sampleRecord({
      kind: "INFLOW_SEIZURE",
      asset: "BTC",
      amount: "10",
      valueUsd: "600000",
      occurredAt: now - 90 * DAY,
      memo: "seized wallet",
    }),
    sampleRecord({
      kind: "INFLOW_MINING",
      asset: "BTC",
      amount: "2.5",
      valueUsd: "150000.50",
      occurredAt: now - 60 * DAY,
    }),
    sampleRecord({
      kind: "INVESTMENT",
      asset: "IBIT",
      amount: "1000",
      valueUsd: "50000",
      occurredAt: now - 30 * DAY,
      counterparty: "Broker LLP",
    }),
    sampleRecord({
      kind: "GRANT",
      asset: "KZT",
      amount: "5000000",
      valueUsd: "10000.25",
      occurredAt: now - 20 * DAY,
      counterparty: "Школа №5, Алматы",
    }),
    sampleRecord({ kind: "VALUATION", asset: "BTC", amount: "12.5", valueUsd: "812500", occurredAt: now - 10 * DAY }),
    // 6 supersedes 1 (a corrected amount); 7 retracts the grant (4).
    sampleRecord({
      kind: "INFLOW_SEIZURE",
      asset: "BTC",
      amount: "10.2",
      valueUsd: "612000",
      occurredAt: now - 90 * DAY,
      corrects: 1,
      memo: "corrected amount",
    }),
    sampleRecord({
      kind: "RETRACTION",
      asset: "KZT",
      amount: "0",
      valueUsd: "0",
      occurredAt: now - 5 * DAY,
      corrects: 4,
      memo: "grant cancelled",
    }),
  ];
}

describe("web: the citizens' page in Chromium", function () {
  this.timeout(180_000);
  let browser: Browser;
  let anchored: TestStack; // batches anchored within ~200 ms
  let pending: TestStack; // a batch interval of an hour: records stay pending
  let page: Page;
  let errors: string[];
  let hosts: Set<string>;

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    const now = Math.floor(Date.now() / 1000);
    anchored = await startTestStack({ batchIntervalMs: 200, server: { explorerUrl: EXPLORER } });
    // Corrections may only name records that exist: post them in a second request.
    const records = fundRecords(now);
    const receipts = [
      ...(await postRecords(anchored, records.slice(0, 5))),
      ...(await postRecords(anchored, records.slice(5))),
    ];
    expect(receipts.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    await anchored.waitForAnchored(7);
    pending = await startTestStack({ batchIntervalMs: 3_600_000 });
    await postRecords(pending, [sampleRecord({ asset: "BNB", amount: "42", valueUsd: "25000" })]);
  });

  beforeEach(async function () {
    ({ page, errors, hosts } = await newPage(browser.context));
  });

  afterEach(async function () {
    if (!page) return;
    await closeCheckedPage(page, errors, hosts);
  });

  after(async function () {
    await browser?.close();
    await anchored?.stop();
    await pending?.stop();
  });

  async function chainBatch(stack: TestStack, batchId: number) {
    return createRegistryReader(createFetchTransport(stack.rpcUrl), stack.registryAddress).batch(batchId);
  }

  it("an anchored record shows “anchored” with the chain's root and the anchoring block", async function () {
    await page.goto(`${anchored.baseUrl}/verify/2`);
    expect(await verdictOf(page)).to.equal("anchored");
    const item = (await (await fetch(`${anchored.baseUrl}/api/v1/records/2`)).json()) as { batchId: number };
    const onChain = await chainBatch(anchored, item.batchId);
    expect(onChain).to.not.equal(null);
    expect(await page.locator("#fact-root").textContent()).to.equal(onChain!.root);
    // The block comes from the chain's own receipt of the anchoring transaction.
    const batch = (await (await fetch(`${anchored.baseUrl}/api/v1/batches/${item.batchId}`)).json()) as {
      txHash: string;
    };
    const receipt = await anchored.provider.getTransactionReceipt(batch.txHash);
    expect(await page.locator("#fact-block").textContent()).to.equal(String(receipt!.blockNumber));
    expect(await page.locator(".verdict-text").textContent()).to.contain(`block ${receipt!.blockNumber}`);
    // Every step passed, and the page names what it trusted.
    const steps = await page
      .locator(".steps li")
      .evaluateAll((lis) => lis.map((li) => [li.getAttribute("data-step"), li.getAttribute("data-ok")]));
    expect(steps.map(([id]) => id)).to.include.members([
      "trust-root",
      "receipt",
      "receipt-role",
      "chain-id",
      "leaf",
      "api-leaf",
      "api-record",
      "proof-root",
      "chain-batch",
      "chain-root",
      "chain-range",
      "anchor-tx",
    ]);
    expect(steps.filter(([, ok]) => ok !== "true")).to.deep.equal([]);
    expect(await page.locator("#trusted-rpc").textContent()).to.equal(anchored.rpcUrl);
    // One RPC is trusted whole: the page says so, and how to have it cross-checked.
    expect(await page.locator("#trusted-one-rpc").textContent()).to.include("one RPC");
    // A chain core's network table does not name (a local Hardhat chain) is shown by its id, in words.
    expect(await page.locator("#trusted-chain").textContent()).to.equal("chain id 31337");
    // The one-RPC warning sits inside the RPC's own value: every label stays beside its value.
    const pairs = await page
      .locator("#trusted dl")
      .evaluate((dl) =>
        Array.from(dl.querySelectorAll("dt")).map((dt) => [dt.textContent, dt.nextElementSibling?.tagName]),
      );
    expect(pairs.map(([, next]) => next)).to.deep.equal(pairs.map(() => "DD"));
    expect(await page.locator("#trusted dl > dd").count()).to.equal(pairs.length);
    // The record table names the kind in words only.
    expect(await page.locator('.record-table tr[data-field="kind"] td').textContent()).to.equal("Mining (inflow)");
    expect(await page.locator("#trusted").getAttribute("data-official")).to.equal("true");
    const trustFile = decodeURIComponent(
      (await page.locator("#download-trust").getAttribute("href"))!.replace(
        /^data:application\/json;charset=utf-8,/,
        "",
      ),
    );
    expect(JSON.parse(trustFile)).to.deep.include({ format: "aiqyn-trust/1", chainId: 31337 });
    expect((await page.locator("#trusted-registry").textContent())!.toLowerCase()).to.equal(
      anchored.registryAddress.toLowerCase(),
    );
    expect(await page.locator("#chain-facts a").getAttribute("href")).to.equal(`${EXPLORER}/tx/${batch.txHash}`);
    expect(await page.locator("#verify-announce").textContent()).to.contain("Anchored");
    await screenshot(page, "anchored");
  });

  it("“verify on chain” asks the contract's verifyRecord(), which says true", async function () {
    await page.goto(`${anchored.baseUrl}/verify/3`);
    expect(await verdictOf(page)).to.equal("anchored");
    await page.click("#verify-on-chain");
    await page.locator("#second-opinion[data-result]").waitFor();
    expect(await page.locator("#second-opinion").getAttribute("data-result")).to.equal("true");
    await screenshot(page, "second-opinion");
  });

  it("a superseded record leads with its correction; a retracted one says “retracted — void” before anything else", async function () {
    await page.goto(`${anchored.baseUrl}/verify/1`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("[data-standing]").getAttribute("data-standing")).to.equal("superseded");
    expect(await page.locator(".verdict-title").textContent()).to.match(/Superseded — see record 6$/);
    const newer = page.locator(".newer-link");
    expect(await newer.getAttribute("href")).to.match(/\/verify\/6$/);
    await screenshot(page, "superseded");
    await newer.click();
    await page.waitForURL(/\/verify\/6$/);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator(".corrects-notice").textContent()).to.contain("1");

    await page.goto(`${anchored.baseUrl}/verify/4`);
    expect(await verdictOf(page)).to.equal("anchored");
    const verdict = page.locator("#verify-result .verdict");
    expect(await verdict.getAttribute("data-standing")).to.equal("retracted");
    // The first words a citizen (or a screen reader) meets say void; nothing green, no check mark.
    expect(await verdict.getAttribute("class")).to.equal("verdict verdict-retracted");
    expect(await page.locator(".verdict-title").textContent()).to.match(/Retracted — void$/);
    expect(await page.locator(".verdict-icon").textContent()).to.equal("✗");
    expect(await page.locator(".verdict-text").textContent()).to.match(/^Record 4 was retracted/);
    expect(await page.locator("#verify-announce").textContent()).to.match(/^Verification result: Retracted — void\./);
    // The anchoring of the voided record stays visible, below, as a fact.
    expect(await page.locator("#verdict-fact").textContent()).to.contain("anchored on the blockchain in batch");
    expect(await page.locator(".newer-link").getAttribute("href")).to.match(/\/verify\/7$/);
    await screenshot(page, "retracted");
  });

  it("a pending record shows “pending” with its checked receipt and the promised time", async function () {
    const item = (await (await fetch(`${pending.baseUrl}/api/v1/records/1`)).json()) as {
      receipt: { publishedAt: number; signer: string };
    };
    // The test stack signs on the shared chain's clock, which other suites push ahead of the wall clock; the
    // citizen's clock reads just after the receipt (a receipt from the future is refused, rightly).
    await page.clock.setSystemTime((Math.max(item.receipt.publishedAt, Date.now() / 1000) + 1) * 1000);
    await page.goto(`${pending.baseUrl}/verify/1`);
    expect(await verdictOf(page)).to.equal("pending");
    const info = (await (await fetch(`${pending.baseUrl}/api/v1/registry`)).json()) as {
      maxAnchorDelaySeconds: number;
    };
    expect(await page.locator("#promised-by").textContent()).to.equal(
      formatUtc(item.receipt.publishedAt + info.maxAnchorDelaySeconds),
    );
    expect(await page.locator('[data-step="receipt"]').getAttribute("data-ok")).to.equal("true");
    // The signer's right to anchor is read from the chain, not taken from the server.
    expect(await page.locator('[data-step="receipt-role"]').getAttribute("data-ok")).to.equal("true");
    expect(await page.locator(".receipt").textContent()).to.contain(item.receipt.signer);
    await screenshot(page, "pending");
  });

  it("an API that serves a tampered record (in both answers) shows “mismatch” with what differs", async function () {
    const proxy = await startTamperingProxy(anchored.baseUrl, (body) => {
      const record = body.record as Record<string, unknown> | undefined;
      if (record) record.amount = "20.5"; // record 2 is 2.5 BTC on chain
    });
    try {
      await page.goto(`${proxy.url}/verify/2`);
      expect(await verdictOf(page)).to.equal("mismatch");
      expect(await page.locator('[data-step="leaf"]').getAttribute("data-ok")).to.equal("false");
      expect(await page.locator('[data-step="chain-root"]').getAttribute("data-ok")).to.equal("false");
      const diff = await page.locator("#differences").textContent();
      const real = (await (await fetch(`${anchored.baseUrl}/api/v1/records/2`)).json()) as { leaf: string };
      expect(diff).to.contain(real.leaf); // the leaf the bundle states, beside the one recomputed
      expect(await page.locator('tr[data-field="amount"] td').textContent()).to.contain("20.5");
      await screenshot(page, "mismatch");
    } finally {
      await proxy.close();
    }
  });

  it("a proof file given by the citizen is checked against the chain (and a doctored one is refused)", async function () {
    const text = await (await fetch(`${anchored.baseUrl}/api/v1/records/3/proof`)).text();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-bundle-"));
    const good = path.join(dir, "aiqyn-proof-3.json");
    fs.writeFileSync(good, text);
    const doctored = JSON.parse(text) as { record: { counterparty: string } };
    doctored.record.counterparty = "Someone Else LLP";
    const bad = path.join(dir, "doctored.json");
    fs.writeFileSync(bad, JSON.stringify(doctored));

    await page.goto(`${anchored.baseUrl}/verify`);
    await page.click("#bundle-box summary");
    await page.setInputFiles("#bundle-file", good);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator(".verdict-text").textContent()).to.contain("Record 3");
    await screenshot(page, "bundle-upload");

    await page.setInputFiles("#bundle-file", bad);
    await page.locator('#verify-result [data-verdict="mismatch"]').waitFor();
    expect(await page.locator('[data-step="leaf"]').getAttribute("data-ok")).to.equal("false");
    await screenshot(page, "bundle-upload-doctored");

    await page.fill("#bundle-text", "{ not json");
    await page.click("#bundle-text-submit");
    await page.locator('#verify-result [data-verdict="invalid-bundle"]').waitFor();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("an unreachable RPC set by the citizen shows “RPC unreachable” and names that RPC", async function () {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await page.goto(`${anchored.baseUrl}/verify`);
    await page.click("#settings summary");
    await page.fill("#setting-rpc", dead);
    await page.click("#settings-save");
    await page.locator("#settings-status:not(:empty)").waitFor();
    await page.fill("#seq-input", "2");
    await page.press("#seq-input", "Enter");
    expect(await verdictOf(page)).to.equal("rpc-unreachable");
    // The citizen's RPC is asked first, beside the deployment's public one (the two must agree).
    expect(await page.locator("#trusted-rpc").textContent()).to.equal(`${dead} + ${anchored.rpcUrl}`);
    expect(await page.locator("#trusted-one-rpc").count()).to.equal(0);
    // Local checks still ran: the record hash and the proof are fine; the chain was not confirmed.
    expect(await page.locator('[data-step="leaf"]').getAttribute("data-ok")).to.equal("true");
    await screenshot(page, "rpc-unreachable");

    // The choice is remembered across a reload, and "Use defaults" restores the suggested RPC.
    await page.reload();
    expect(await verdictOf(page)).to.equal("rpc-unreachable");
    await page.click("#settings summary");
    await page.click("#settings-reset");
    await page.reload();
    expect(await verdictOf(page)).to.equal("anchored");
  });

  it("a link's ?rpc= is only a request: a banner, applied for this visit after a click, never saved", async function () {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await page.goto(`${anchored.baseUrl}/verify/5?rpc=${encodeURIComponent(dead)}`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#link-request").textContent()).to.contain(dead);
    expect(await page.locator("#trusted-rpc").textContent()).to.equal(anchored.rpcUrl);
    await screenshot(page, "link-rpc-banner");
    await page.click("#link-rpc-accept");
    expect(await verdictOf(page)).to.equal("rpc-unreachable");
    expect(await page.locator("#share-link").getAttribute("href")).to.contain(
      `/verify/5?rpc=${encodeURIComponent(dead)}`,
    );
    await page.goto(`${anchored.baseUrl}/verify/5`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#link-request").count()).to.equal(0);
  });

  it("a record that does not exist shows “not found”", async function () {
    await page.goto(`${anchored.baseUrl}/verify/999`);
    expect(await verdictOf(page)).to.equal("not-found");
    await screenshot(page, "not-found");
  });

  it("switches to Kazakh and Russian, and remembers the choice after a reload", async function () {
    await page.goto(`${anchored.baseUrl}/verify/2`);
    expect(await verdictOf(page)).to.equal("anchored");
    await chooseLanguage(page, "kk");
    expect(await page.getAttribute("html", "lang")).to.equal("kk");
    expect(await page.locator("h1").textContent()).to.equal("Жазбаны тексеру");
    expect(await page.locator(".verdict-title").textContent()).to.contain("Бекітілген");
    await screenshot(page, "lang-kk");
    await page.reload();
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.getAttribute("html", "lang")).to.equal("kk");
    expect(await page.locator(".verdict-title").textContent()).to.contain("Бекітілген");
    await chooseLanguage(page, "ru");
    expect(await page.locator("h1").textContent()).to.equal("Проверить запись");
    await screenshot(page, "lang-ru");
    await chooseLanguage(page, "en");
    expect(await page.locator("h1").textContent()).to.equal("Verify a record");
  });

  it("the ledger lists batches and filters records, each linking to its verification and proof file", async function () {
    await page.goto(`${anchored.baseUrl}/ledger`);
    await page.locator("#batches-table tbody tr").first().waitFor();
    await page.locator("#records-table tbody tr").first().waitFor();
    expect(await page.locator("#records-table tbody tr").count()).to.equal(7);
    const row = page.locator('#records-table tr[data-seq="3"]');
    expect(await row.locator("a").first().getAttribute("href")).to.match(/\/verify\/3$/);
    expect(await row.locator("a[download]").getAttribute("href")).to.match(/\/api\/v1\/records\/3\/proof$/);
    expect(await page.locator('#records-table tr[data-seq="1"]').textContent()).to.contain("superseded");
    await screenshot(page, "ledger");

    await page.selectOption("#filter-kind", "INVESTMENT");
    await page.click("#filter-apply");
    await page.waitForFunction(() => document.querySelectorAll("#records-table tbody tr").length === 1);
    expect(await page.locator("#records-table tbody tr").getAttribute("data-seq")).to.equal("3");

    await row.count(); // the old table is gone; follow a verify link from the filtered one
    await page.locator('#records-table tr[data-seq="3"] a').first().click();
    await page.waitForURL(/\/verify\/3$/);
    expect(await verdictOf(page)).to.equal("anchored");
  });

  it("the fund view shows sources, uses, holdings and charts from the stats", async function () {
    await page.goto(`${anchored.baseUrl}/fund`);
    await page.locator("#fund-sources").waitFor();
    // Current records only: the superseded seizure (600000) is replaced by its correction (612000).
    expect(await page.locator('#fund-sources tr[data-kind="INFLOW_SEIZURE"]').textContent()).to.contain("612,000");
    expect(await page.locator('#fund-sources tr[data-kind="INFLOW_MINING"]').textContent()).to.contain("150,000.5");
    // The retracted grant counts for nothing.
    expect(await page.locator('#fund-uses tr[data-kind="GRANT"]').textContent()).to.contain("$0");
    expect(await page.locator('#holdings tr[data-asset="BTC"]').textContent()).to.contain("812,500");
    await page.locator('#investments-by-asset tr[data-asset="IBIT"]').waitFor();
    await page.locator("#chart-course canvas").waitFor();
    await page.locator("#chart-holdings canvas").waitFor();
    // The server's own totals were labelled as unchecked; the page's own, once checked, say so (figures.test.ts).
    await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("#fund-checked").textContent()).to.contain("Checked against the chain");
    await screenshot(page, "fund");
  });

  it("holds together at phone width (360 px) without sideways scrolling", async function () {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto(`${anchored.baseUrl}/verify/2`);
    expect(await verdictOf(page)).to.equal("anchored");
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.at.most(0);
    await screenshot(page, "phone-verify");
    await page.goto(`${anchored.baseUrl}/fund`);
    await page.locator("#chart-course canvas").waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).to.be.at.most(0);
    await screenshot(page, "phone-fund");
  });

  it("is usable by keyboard: skip link, labelled form, focus moves to the verdict", async function () {
    await page.goto(`${anchored.baseUrl}/verify`);
    // The page draws itself once its language pack has arrived (loaded on demand).
    await page.locator("#seq-input").waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).to.equal("skip-link");
    await page.focus("#seq-input");
    await page.keyboard.type("2");
    await page.keyboard.press("Enter");
    expect(await verdictOf(page)).to.equal("anchored");
    await page.waitForFunction(() => document.activeElement?.classList.contains("verdict-title"));
    expect(await page.locator('label[for="seq-input"]').count()).to.equal(1);
    expect(await page.locator(".verdict-title .sr-only").textContent()).to.contain("Verification result");
  });

  it("end to end: records posted through the API get anchored and verify in the page", async function () {
    const receipts = await postRecords(anchored, [
      sampleRecord({
        kind: "EXPENSE",
        asset: "USDT",
        amount: "120.75",
        valueUsd: "120.75",
        counterparty: "Custodian AG",
        memo: "custody fee — Q3",
      }),
      sampleRecord({ kind: "DIVESTMENT", asset: "BNB", amount: "3", valueUsd: "1800", memo: "sold «BNB» units" }),
    ]);
    for (const receipt of receipts) {
      await anchored.waitForAnchored(receipt.seq);
      await page.goto(`${anchored.baseUrl}/verify/${receipt.seq}`);
      expect(await verdictOf(page)).to.equal("anchored");
      expect(await page.locator('[data-step="leaf"] .step-text').textContent()).to.contain(receipt.leaf);
    }
    await screenshot(page, "e2e");
  });
});
