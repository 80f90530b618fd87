// The fund view's figures checked in real Chromium against the real server and chain: the page fetches every
// anchored batch, recomputes leaves and roots, reads batch(id) from the pinned registry and shows totals it
// computed itself, equal to the server's; a reload does not fetch checked batches again; a record changed in the
// SQLite store behind the server's back fails its batch, which is named, and its records are not counted.
// The batches are judged in Web Workers hashing with WebAssembly Keccak (web/src/batch-checker.ts), under the
// server's CSP and a static host's alike; with the worker's WebAssembly refused, or no worker at all, the check
// runs with core's JS Keccak and fails a tampered batch exactly as before.
import { expect } from "chai";
import Database from "better-sqlite3";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { leafHash, type BatchInfo, type RecordInput, type RecordV1, type Stats } from "../../core";
import { computeTotals } from "../../core/protocol/totals";
import { getJson } from "../helpers/http";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import {
  closeCheckedPage,
  exportMirror,
  launchBrowser,
  newPage,
  screenshot,
  startBakedHost,
  startBrowser,
  withCheckedPage,
  type Browser,
} from "./browser";

const DAY = 86_400;

function fundRecords(now: number): RecordInput[] {
  const at = (days: number) => now - days * DAY;
  return [
    sampleRecord({ kind: "INFLOW_SEIZURE", asset: "BTC", amount: "10", valueUsd: "600000.00", occurredAt: at(90) }),
    sampleRecord({ kind: "INFLOW_MINING", asset: "BTC", amount: "2.5", valueUsd: "150000.50", occurredAt: at(60) }),
    sampleRecord({ kind: "INFLOW_OTHER", asset: "KZT", amount: "1000", valueUsd: "2.10", occurredAt: at(50) }),
    sampleRecord({ kind: "GRANT", asset: "KZT", amount: "400", valueUsd: "0.84", occurredAt: at(40) }),
    sampleRecord({ kind: "EXPENSE", asset: "KZT", amount: "100", valueUsd: "0.21", occurredAt: at(35) }),
    sampleRecord({ kind: "INVESTMENT", asset: "IBIT", amount: "300", valueUsd: "12000.00", occurredAt: at(30) }),
    sampleRecord({ kind: "VALUATION", asset: "BTC", amount: "12.5", valueUsd: "800000.00", occurredAt: at(20) }),
    sampleRecord({ kind: "VALUATION", asset: "BTC", amount: "12.5", valueUsd: "812500.00", occurredAt: at(10) }),
    sampleRecord({ kind: "TRANSFER", asset: "BTC", amount: "1", valueUsd: "65000.00", occurredAt: at(5) }),
    sampleRecord({ kind: "DIVESTMENT", asset: "IBIT", amount: "50", valueUsd: "2100.00", occurredAt: at(3) }),
  ];
}

/** Every anchored record, read the way an auditor does: batch by batch, following a cursor if the server pages. */
async function anchoredRecords(baseUrl: string): Promise<RecordV1[]> {
  const list = await getJson<{ batches: BatchInfo[] }>(`${baseUrl}/api/v1/batches?limit=500`);
  const out: RecordV1[] = [];
  for (const batch of list.body.batches.filter((b) => b.status === "anchored")) {
    let cursor: string | null = null;
    do {
      const url: string = `${baseUrl}/api/v1/batches/${batch.id}/records${cursor ? `?cursor=${cursor}` : ""}`;
      const page = await getJson<{ records: { record: RecordV1 }[]; nextCursor?: string | null }>(url);
      out.push(...page.body.records.map((r) => r.record));
      cursor = page.body.nextCursor ?? null;
    } while (cursor);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * The server behind a proxy that pages every batch's records in two (the store branch's paginated answer:
 * `nextCursor` until null), passing everything else through; records every cursor asked for.
 */
async function startPagingProxy(
  upstream: string,
  options: { hideBatch?: number; callPending?: number } = {},
): Promise<{ url: string; cursors: string[]; close(): Promise<void> }> {
  const cursors: string[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const answer = await fetch(`${upstream}${url.pathname}`, { headers: { accept: req.headers.accept ?? "*/*" } });
    const type = answer.headers.get("content-type") ?? "application/octet-stream";
    let body = Buffer.from(await answer.arrayBuffer());
    if (url.pathname === "/api/v1/batches" && (options.hideBatch ?? options.callPending) !== undefined) {
      const json = JSON.parse(body.toString("utf8")) as { batches: BatchInfo[] };
      json.batches = json.batches.filter((b) => b.id !== options.hideBatch);
      for (const b of json.batches) if (b.id === options.callPending) b.status = "sealed";
      body = Buffer.from(JSON.stringify(json));
    }
    if (/^\/api\/v1\/batches\/\d+\/records$/.test(url.pathname) && answer.ok) {
      const json = JSON.parse(body.toString("utf8")) as { records: unknown[]; nextCursor?: string | null };
      const half = Math.ceil(json.records.length / 2);
      const cursor = url.searchParams.get("cursor");
      if (cursor) cursors.push(cursor);
      json.records = cursor === "second-half" ? json.records.slice(half) : json.records.slice(0, half);
      json.nextCursor = cursor === "second-half" ? null : "second-half";
      body = Buffer.from(JSON.stringify(json));
    }
    res.writeHead(answer.status, { "content-type": type });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cursors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function checkedPage(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/fund`);
  await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
}

/** Where the page judged the batches (data-checker: worker or main) and with which Keccak (wasm or js). */
async function checkedBy(page: Page): Promise<{ checker: string | null; keccak: string | null }> {
  const check = page.locator('#fund-check[data-done="true"]');
  return { checker: await check.getAttribute("data-checker"), keccak: await check.getAttribute("data-keccak") };
}

/** Every text #fund-check showed, in order (each replace() adds its text node; an observer sees them all). */
async function recordProgress(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const shown: string[] = [];
    (window as unknown as { __progress: string[] }).__progress = shown;
    new MutationObserver((records) => {
      for (const r of records)
        if ((r.target as Element).id === "fund-check")
          r.addedNodes.forEach((n) => void (n.textContent && shown.push(n.textContent)));
    }).observe(document, { subtree: true, childList: true });
  });
}

/**
 * How the page gets its worker: "missing" answers 404 for figures-worker.js (no worker runs), "no-wasm" serves
 * it under a CSP without 'wasm-unsafe-eval' (the worker cannot compile WebAssembly).
 */
async function breakWorker(page: Page, how: "missing" | "no-wasm"): Promise<void> {
  await page.route("**/figures-worker.js", async (route) => {
    if (how === "missing") return route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
    const answer = await route.fetch();
    await route.fulfill({
      response: answer,
      headers: { ...answer.headers(), "content-security-policy": "script-src 'self'" },
    });
  });
}

/** The counts the page shows per kind in its sources and uses cards. */
async function shownCounts(page: Page): Promise<Record<string, string>> {
  return page
    .locator("#fund-sources tbody tr, #fund-uses tbody tr")
    .evaluateAll((trs) =>
      Object.fromEntries(trs.map((tr) => [tr.getAttribute("data-kind"), tr.querySelector("td")?.textContent ?? ""])),
    );
}

describe("web: the fund's figures checked against the chain in the browser", function () {
  this.timeout(240_000);
  let stack: TestStack;
  let browser: Browser | null = null;
  let batches: BatchInfo[];

  before(async function () {
    stack = await startTestStack({ batchIntervalMs: 200, batchMax: 4 });
    const now = Math.floor(Date.now() / 1000);
    await postRecords(stack, fundRecords(now));
    const corrections = [
      // Seq 1 superseded by a larger seizure; the grant (seq 4) retracted.
      sampleRecord({
        kind: "INFLOW_SEIZURE",
        amount: "10",
        valueUsd: "612000.00",
        occurredAt: now - 90 * DAY,
        corrects: 1,
      }),
      sampleRecord({
        kind: "RETRACTION",
        asset: "KZT",
        amount: "0",
        valueUsd: "0",
        occurredAt: now - DAY,
        corrects: 4,
      }),
    ];
    const receipts = await postRecords(stack, corrections);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    batches = (await getJson<{ batches: BatchInfo[] }>(`${stack.baseUrl}/api/v1/batches?limit=500`)).body.batches;
    browser = await startBrowser();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("core's totals over the served batches equal the server's /api/v1/stats", async () => {
    const records = await anchoredRecords(stack.baseUrl);
    expect(records.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const server = (await getJson<Stats>(`${stack.baseUrl}/api/v1/stats`)).body;
    const mine = computeTotals(records, server.totals);
    expect(mine).to.deep.equal(server);
    expect(mine.byKind.find((k) => k.kind === "INFLOW_SEIZURE")!.valueUsd).to.equal("612000");
    expect(mine.byKind.find((k) => k.kind === "GRANT")).to.equal(undefined);
  });

  it("shows totals computed from checked batches, equal to the server's, with progress; a reload reuses them", async function () {
    if (!browser) return this.skip();
    expect(batches.length).to.be.greaterThan(2);
    await withCheckedPage(browser.context, async (page) => {
      await recordProgress(page);
      await checkedPage(page, stack.baseUrl);
      expect(await page.locator("#fund-check").textContent()).to.contain(
        `checked ${batches.length} of ${batches.length} batches`,
      );
      // Batch by batch as the workers answer, under the server's CSP (script-src 'self' 'wasm-unsafe-eval').
      expect(await checkedBy(page)).to.deep.equal({ checker: "worker", keccak: "wasm" });
      const progress = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
      const steps = progress.map((text) => /checked (\d+) of (\d+) batches/.exec(text)).filter((m) => m !== null);
      expect(steps.map((m) => Number(m[1]))).to.include.members([0, 1, batches.length]);
      expect(steps.every((m) => Number(m[2]) === batches.length)).to.equal(true);
      expect(await page.locator("#fund-checked").textContent()).to.contain("Checked against the chain");
      expect(await page.locator("#fund-checked").textContent()).to.contain(stack.registryAddress);
      expect(await page.locator("#fund-unchecked").count()).to.equal(0);
      expect(await page.locator("#fund-failed").count()).to.equal(0);
      const server = (await getJson<Stats>(`${stack.baseUrl}/api/v1/stats`)).body;
      const expected = Object.fromEntries(server.byKind.map((k) => [k.kind, String(k.count)]));
      const shown = await shownCounts(page);
      for (const [kind, count] of Object.entries(shown)) expect(count, kind).to.equal(expected[kind] ?? "0");
      expect(await page.locator('#fund-sources tr[data-kind="INFLOW_SEIZURE"]').textContent()).to.contain("612,000");
      expect(await page.locator('#holdings tr[data-asset="BTC"]').textContent()).to.contain("812,500");
      await page.locator('#investments-by-asset tr[data-asset="IBIT"]').waitFor();
      await screenshot(page, "fund-checked");

      const fetched: string[] = [];
      page.on("request", (request) => {
        if (/\/api\/v1\/batches\/\d+\/records/.test(request.url())) fetched.push(request.url());
      });
      await checkedPage(page, stack.baseUrl);
      expect(await page.locator("#fund-checked").textContent()).to.contain("Checked against the chain");
      expect(fetched, "a reload fetches no checked batch again").to.deep.equal([]);
    });
  });

  it("follows the cursor of a server that pages a batch's records", async function () {
    if (!browser) return this.skip();
    const proxy = await startPagingProxy(stack.baseUrl);
    try {
      await withCheckedPage(browser.context, async (page) => {
        await checkedPage(page, proxy.url);
        expect(await page.locator("#fund-checked").textContent()).to.contain("from 12 records");
        expect(await page.locator("#fund-failed").count()).to.equal(0);
        expect(proxy.cursors.length).to.equal(batches.length);
      });
    } finally {
      await proxy.close();
    }
  });

  it("names a batch anchored on the chain that the data source does not list", async function () {
    if (!browser) return this.skip();
    const hidden = batches.find((b) => b.id === 2)!;
    const proxy = await startPagingProxy(stack.baseUrl, { hideBatch: hidden.id });
    try {
      await withCheckedPage(browser.context, async (page) => {
        await checkedPage(page, proxy.url);
        const failed = page.locator("#fund-failed li");
        expect(await failed.count()).to.equal(1);
        expect(await failed.getAttribute("data-batch")).to.equal("2");
        expect(await failed.textContent()).to.contain("the data source does not list it");
        // No checked figures while a batch fails (issue #19 item 9): the hidden batch could hold a retraction.
        expect(await page.locator("#fund-checked").count()).to.equal(0);
        expect(await page.locator("#fund-incomplete").getAttribute("data-failed")).to.equal("1");
      });
    } finally {
      await proxy.close();
    }
  });

  it("checks a batch the chain holds even when the data source calls it pending", async function () {
    if (!browser) return this.skip();
    const proxy = await startPagingProxy(stack.baseUrl, { callPending: 2 });
    try {
      await withCheckedPage(browser.context, async (page) => {
        await checkedPage(page, proxy.url);
        expect(await page.locator("#fund-checked").textContent()).to.contain("from 12 records");
        expect(await page.locator("#fund-failed").count()).to.equal(0);
      });
    } finally {
      await proxy.close();
    }
  });

  it("without an RPC to read the chain, keeps the server's figures labelled unchecked and says why", async function () {
    if (!browser) return this.skip();
    const empty = fs.mkdtempSync(join(os.tmpdir(), "aiqyn-no-mirror-"));
    const host = await startBakedHost(empty, stack, []);
    try {
      await withCheckedPage(browser.context, async (page) => {
        await page.goto(`${host.url}/?api=${encodeURIComponent(stack.baseUrl)}#/fund`);
        await page.locator("#fund-sources").waitFor();
        await page.waitForFunction(() => document.querySelector("#fund-check")?.textContent !== "");
        expect(await page.locator("#fund-check").textContent()).to.contain("cannot be checked here: no RPC endpoint");
        expect(await page.locator("#fund-unchecked").textContent()).to.contain("not yet checked");
        expect(await page.locator("#fund-checked").count()).to.equal(0);
        await screenshot(page, "fund-unchecked-no-rpc");
      });
    } finally {
      await host.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("over a static mirror (no /stats), shows only the figures it checked", async function () {
    if (!browser) return this.skip();
    const dir = fs.mkdtempSync(join(os.tmpdir(), "aiqyn-figures-mirror-"));
    await exportMirror(stack.baseUrl, join(dir, "mirror"));
    const host = await startBakedHost(join(dir, "mirror"), stack);
    try {
      await withCheckedPage(browser.context, async (page) => {
        await page.goto(`${host.url}/?mirror=/mirror/#/fund`);
        await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
        expect(await page.locator("#fund-checked").textContent()).to.contain("from 12 records");
        expect(await page.locator("#fund-unchecked").count()).to.equal(0);
        expect(await page.locator('#fund-sources tr[data-kind="INFLOW_SEIZURE"]').textContent()).to.contain("612,000");
        // A static host sends no CSP header: the page's meta CSP allows the worker's WebAssembly as the server's does.
        expect(await checkedBy(page)).to.deep.equal({ checker: "worker", keccak: "wasm" });
      });
    } finally {
      await host.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("without the worker's WebAssembly, or without a worker", () => {
    for (const how of ["no-wasm", "missing"] as const) {
      it(`${how === "no-wasm" ? "hashes with core's JS Keccak in the worker" : "checks on the main thread"}, to the same figures`, async function () {
        if (!browser) return this.skip();
        const fresh = await launchBrowser();
        try {
          const { page, errors, hosts } = await newPage(fresh.context);
          await breakWorker(page, how);
          await checkedPage(page, stack.baseUrl);
          expect(await checkedBy(page)).to.deep.equal(
            how === "no-wasm" ? { checker: "worker", keccak: "js" } : { checker: "main", keccak: "js" },
          );
          expect(await page.locator("#fund-checked").textContent()).to.contain("from 12 records");
          expect(await page.locator("#fund-failed").count()).to.equal(0);
          // The refusal is this test's own CSP on the worker, not the page's: the only report allowed.
          const others = errors.filter((e) => !/WebAssembly|wasm-unsafe-eval|unsafe-eval/i.test(e));
          await closeCheckedPage(page, others, hosts);
        } finally {
          await fresh.close();
        }
      });
    }
  });

  describe("a mirror batch whose record and leaf were both changed (only the root can tell)", () => {
    let dir: string;
    let host: { url: string; close(): Promise<void> } | null = null;
    let tampered: BatchInfo;
    before(async function () {
      if (!browser) return this.skip();
      dir = fs.mkdtempSync(join(os.tmpdir(), "aiqyn-figures-root-"));
      await exportMirror(stack.baseUrl, join(dir, "mirror"));
      tampered = batches.find((b) => b.firstSeq <= 6 && 6 < b.firstSeq + b.leafCount)!;
      const index = JSON.parse(fs.readFileSync(join(dir, "mirror", "index.json"), "utf8")) as {
        batches: { id: number; file: string }[];
      };
      const file = join(dir, "mirror", index.batches.find((b) => b.id === tampered.id)!.file);
      const batch = JSON.parse(fs.readFileSync(file, "utf8")) as { records: { record: RecordV1; leaf: string }[] };
      const entry = batch.records.find((e) => e.record.seq === 6)!;
      entry.record = { ...entry.record, amount: "3000" };
      entry.leaf = leafHash(entry.record); // a consistent leaf: nothing but the anchored root differs
      fs.writeFileSync(file, JSON.stringify(batch));
      host = await startBakedHost(join(dir, "mirror"), stack);
    });
    after(async () => {
      await host?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const how of ["worker", "no-wasm", "missing"] as const) {
      it(`fails that batch on its root, checked ${how === "worker" ? "in the worker" : how === "no-wasm" ? "with JS Keccak in the worker" : "on the main thread"}`, async function () {
        if (!browser || !host) return this.skip();
        const fresh = await launchBrowser();
        try {
          const { page, errors, hosts } = await newPage(fresh.context);
          if (how !== "worker") await breakWorker(page, how);
          await page.goto(`${host.url}/?mirror=/mirror/#/fund`);
          await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
          expect((await checkedBy(page)).checker).to.equal(how === "missing" ? "main" : "worker");
          const failed = page.locator("#fund-failed li");
          expect(await failed.count()).to.equal(1);
          expect(await failed.getAttribute("data-batch")).to.equal(String(tampered.id));
          expect(await failed.getAttribute("data-problem")).to.equal("root");
          expect(await page.locator("#fund-checked").count()).to.equal(0);
          const others = errors.filter((e) => !/WebAssembly|wasm-unsafe-eval|unsafe-eval/i.test(e));
          await closeCheckedPage(page, others, hosts);
        } finally {
          await fresh.close();
        }
      });
    }
  });

  // Last: it edits the store behind the server's back.
  describe("a record changed in the store behind the server's back", () => {
    it("names the batch that fails, and leaves its records out of the checked figures", async function () {
      if (!browser) return this.skip();
      await stack.stop();
      const db = new Database(join(stack.dataDir, "aiqyn.sqlite"));
      try {
        expect(db.prepare("UPDATE records SET amount = ? WHERE seq = ?").run("150", 3).changes).to.equal(1);
      } finally {
        db.close();
      }
      await stack.restart();
      // A fresh profile: nothing cached from the honest visit.
      const fresh = await launchBrowser();
      try {
        await withCheckedPage(fresh.context, async (page) => {
          await checkedPage(page, stack.baseUrl);
          expect(await checkedBy(page)).to.deep.equal({ checker: "worker", keccak: "wasm" });
          const tampered = batches.find((b) => b.firstSeq <= 3 && 3 < b.firstSeq + b.leafCount)!;
          const failed = page.locator("#fund-failed li");
          expect(await failed.count()).to.equal(1);
          expect(await failed.getAttribute("data-batch")).to.equal(String(tampered.id));
          expect(await failed.getAttribute("data-problem")).to.be.oneOf(["leaf", "root"]);
          expect(await failed.textContent()).to.contain(`Batch ${tampered.id} failed the check`);
          expect(await page.locator("#fund-checked").count()).to.equal(0);
          expect(await page.locator("#fund-incomplete").textContent()).to.contain("No checked figures are shown");
          await screenshot(page, "fund-batch-failed");
        });
      } finally {
        await fresh.close();
      }
    });
  });
});
