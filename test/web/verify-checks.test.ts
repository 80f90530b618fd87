// Issue #19's page attacks (items 7, 11, 10, 8, 9), in real Chromium against the real in-process chain: the
// page is built with the registry's trust root baked in, and the data comes from a dishonest operator's server.
import { expect } from "chai";
import { id } from "ethers";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { readBody } from "../cli/fixtures";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { anchorForkedBatch, startOperatorServer, type ForkedBatch, type OperatorServer } from "../helpers/forked-batch";
import {
  buildBakedPage,
  launchBrowser,
  screenshot,
  startBrowser,
  startStaticHost,
  trustRootOf,
  verdictOf,
  withCheckedPage,
  type Browser,
} from "./browser";

describe("web: the verify page binds a record to its seq (two records with seq 2 in one anchored batch)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let fork: ForkedBatch;
  let operator: OperatorServer;
  let host: { url: string; close(): Promise<void> };

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    fork = await anchorForkedBatch();
    operator = await startOperatorServer(fork);
    const dist = buildBakedPage(trustRootOf(fork), [fork.rpcUrl]);
    host = await startStaticHost(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-no-mirror-")), dist);
  });

  after(async () => {
    await host?.close();
    await operator?.close();
    await browser?.close();
  });

  const open = (page: import("playwright-core").Page) =>
    page.goto(`${host.url}/?api=${encodeURIComponent(operator.url)}#/verify/2`);

  it("the doctored seq 2 is not anchored: its batch anchors no record at seq 2 (the leaf-position step fails)", async () => {
    operator.batchRecords("anchored");
    await withCheckedPage(browser.context, async (page) => {
      await open(page);
      expect(await verdictOf(page)).to.equal("mismatch");
      expect(await page.locator('[data-step="leaf-position"]').getAttribute("data-ok")).to.equal("false");
      // Every step before it passed: the proof alone could not tell.
      const others = await page
        .locator('.step:not([data-step="leaf-position"])')
        .evaluateAll((items) => items.map((li) => li.getAttribute("data-ok")));
      expect(
        others.every((ok) => ok === "true"),
        others.join(),
      ).to.equal(true);
      await screenshot(page, "verify-forked-batch");
    });
  });

  it("when the operator withholds the batch's records, the verdict says the place was not checked", async () => {
    operator.batchRecords("none");
    await withCheckedPage(browser.context, async (page) => {
      await open(page);
      expect(await verdictOf(page)).to.equal("position-unchecked");
      expect(await page.locator('[data-step="leaf-position"]').getAttribute("data-ok")).to.equal("null");
      expect(await page.locator("[data-core-verdict]").getAttribute("data-core-verdict")).to.equal(
        "position-unchecked",
      );
    });
    operator.batchRecords("anchored");
  });
});

/** A JSON-RPC proxy in front of `upstream` that rewrites the answers `lie` chooses (single and batch calls). */
async function startRewritingRpc(
  upstream: string,
  lie: (call: { method: string; params: { data?: string }[] }, result: unknown) => unknown,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type" };
    if (req.method === "OPTIONS") return void res.writeHead(204, cors).end();
    const body = await readBody(req);
    const answer = (await (
      await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body })
    ).json()) as { id: unknown; result?: unknown } | { id: unknown; result?: unknown }[];
    const calls = ([] as { id: unknown; method: string; params: { data?: string }[] }[]).concat(JSON.parse(body));
    const rewrite = (a: { id: unknown; result?: unknown }) => {
      const call = calls.find((c) => c.id === a.id);
      return call && "result" in a ? { ...a, result: lie(call, a.result) } : a;
    };
    const out = Array.isArray(answer) ? answer.map(rewrite) : rewrite(answer);
    res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A data source in front of the stack that rewrites JSON answers by path (CORS open for a baked page). */
async function startRewritingSource(
  upstream: string,
  rewrite: (path: string, json: unknown) => unknown,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const answer = await fetch(`${upstream}${req.url}`, { headers: { accept: req.headers.accept ?? "*/*" } });
    const type = answer.headers.get("content-type") ?? "application/octet-stream";
    let body = Buffer.from(await answer.arrayBuffer());
    if (type.includes("json") && answer.ok) {
      const changed = rewrite(path, JSON.parse(body.toString("utf8")));
      if (changed === "garbage") body = Buffer.from("{ not json");
      else if (changed !== undefined) body = Buffer.from(JSON.stringify(changed));
    }
    res.writeHead(answer.status, { "content-type": type, "access-control-allow-origin": "*" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("web: standing, figures and batchCount are checked, not taken from the source or the first RPC", function () {
  this.timeout(240_000);
  let browser: Browser;
  let stack: TestStack;
  let host: { url: string; close(): Promise<void> };
  const closers: (() => Promise<void>)[] = [];
  const via = (source: string, route: string) => `${host.url}/?api=${encodeURIComponent(source)}#/${route}`;
  /** A fresh profile per test: batches checked in an earlier test are cached, rightly, and would not be asked. */
  const freshPage = async (visit: (page: import("playwright-core").Page) => Promise<void>) => {
    const fresh = await launchBrowser();
    try {
      await withCheckedPage(fresh.context, visit);
    } finally {
      await fresh.close();
    }
  };

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    // Batch 1: a $100 M inflow and an expense; batch 2: the inflow retracted; batch 3: the expense superseded.
    await postRecords(stack, [
      sampleRecord({ kind: "INFLOW_OTHER", asset: "KZT", amount: "1", valueUsd: "100000000" }),
      sampleRecord({ kind: "EXPENSE", asset: "KZT", amount: "1", valueUsd: "5" }),
    ]);
    await stack.waitForAnchored(2);
    await postRecords(stack, [sampleRecord({ kind: "RETRACTION", amount: "0", valueUsd: "0", corrects: 1 })]);
    await stack.waitForAnchored(3);
    await postRecords(stack, [
      sampleRecord({ kind: "EXPENSE", asset: "KZT", amount: "1", valueUsd: "6", corrects: 2 }),
    ]);
    await stack.waitForAnchored(4);
    const dist = buildBakedPage(trustRootOf(stack), [stack.rpcUrl]);
    host = await startStaticHost(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-no-mirror-")), dist);
  });

  after(async () => {
    for (const close of closers) await close();
    await host?.close();
    await stack?.stop();
    await browser?.close();
  });

  it("item 11: a source that hides “superseded by #4” is overruled by the checked batches", async function () {
    const liar = await startRewritingSource(stack.baseUrl, (path, json) =>
      path === "/api/v1/records/2" ? { ...(json as object), standing: "current", correctedBy: [] } : undefined,
    );
    closers.push(liar.close);
    await freshPage(async (page) => {
      await page.goto(via(liar.url, "verify/2"));
      expect(await verdictOf(page)).to.equal("anchored");
      const box = page.locator('#standing-box[data-standing-checked="checked"]');
      await box.waitFor({ timeout: 60_000 });
      expect(await box.getAttribute("data-shown-standing")).to.equal("superseded");
      // The verdict itself then leads with the checked standing, not the source's "current".
      expect(await page.locator(".verdict").getAttribute("data-standing")).to.equal("superseded");
      expect(await page.locator(".verdict-title").textContent()).to.contain("Superseded");
      expect(await page.locator(".newer-link").first().getAttribute("href")).to.match(/verify\/4$/);
      expect(await page.locator("#standing-note").textContent()).to.contain("Checked here");
    });
  });

  it("item 11: when a later batch cannot be checked, the standing is labelled the source's word, not checked", async function () {
    const liar = await startRewritingSource(stack.baseUrl, (path, json) => {
      if (path === "/api/v1/records/2") return { ...(json as object), standing: "current", correctedBy: [] };
      return path === "/api/v1/batches/3/records" ? "garbage" : undefined;
    });
    closers.push(liar.close);
    await freshPage(async (page) => {
      await page.goto(via(liar.url, "verify/2"));
      const box = page.locator('#standing-box[data-standing-checked="unchecked"]');
      await box.waitFor({ timeout: 60_000 });
      expect(await box.getAttribute("data-shown-standing")).to.equal("current");
      expect(await page.locator("#standing-note").textContent()).to.contain("Not checked");
    });
  });

  it("item 9: a batch that fails takes no retraction with it: no checked figures while it fails", async function () {
    const liar = await startRewritingSource(stack.baseUrl, (path) =>
      path === "/api/v1/batches/2/records" ? "garbage" : undefined,
    );
    closers.push(liar.close);
    await freshPage(async (page) => {
      await page.goto(via(liar.url, "fund"));
      await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
      expect(await page.locator("#fund-checked").count()).to.equal(0);
      expect(await page.locator("#fund-incomplete").getAttribute("data-failed")).to.equal("1");
      expect(await page.locator('#fund-failed li[data-batch="2"]').count()).to.equal(1);
    });
  });

  it("item 10: the ledger names a non-default source and shows a forged divestment as contradicted, not anchored", async function () {
    const liar = await startRewritingSource(stack.baseUrl, (path, json) => {
      if (path !== "/api/v1/records") return undefined;
      const page = json as { records: { record: Record<string, unknown>; standing: string }[] };
      const records = page.records.map((item) =>
        item.record.seq === 2
          ? { ...item, standing: "current", record: { ...item.record, kind: "DIVESTMENT", valueUsd: "240000000" } }
          : item,
      );
      return { ...page, records };
    });
    closers.push(liar.close);
    await freshPage(async (page) => {
      await page.goto(via(liar.url, "ledger"));
      expect(await page.locator("#source-notice").getAttribute("data-source")).to.equal(liar.url);
      await page.locator("#records-check[data-checked]").waitFor({ timeout: 60_000 });
      const cell = (seq: number, which: string) => page.locator(`#records-table tr[data-seq="${seq}"] .${which}`);
      expect(await cell(2, "status-cell").getAttribute("data-checked")).to.equal("false");
      expect(await cell(2, "status-cell").textContent()).to.contain("not anchored as listed");
      expect(await cell(1, "status-cell").getAttribute("data-checked")).to.equal("true");
      expect(await cell(1, "standing-cell").getAttribute("data-standing")).to.equal("retracted");
      expect(await page.locator("#records-check").getAttribute("data-checked")).to.equal("3");
      await screenshot(page, "ledger-forged-row");
    });
  });

  it("item 10: on the default source no notice is shown, and every row shown is checked", async function () {
    await freshPage(async (page) => {
      await page.goto(`${stack.baseUrl}/ledger`);
      await page.locator("#records-check[data-checked]").waitFor({ timeout: 60_000 });
      expect(await page.locator("#source-notice").count()).to.equal(0);
      expect(await page.locator("#records-check").getAttribute("data-checked")).to.equal("4");
    });
  });

  it("item 13: checked batches are cached per readers: new readers check every batch again", async function () {
    const asked: string[] = [];
    const counting = await startRewritingSource(stack.baseUrl, (path) => {
      if (/^\/api\/v1\/batches\/\d+\/records$/.test(path)) asked.push(path);
      return undefined;
    });
    closers.push(counting.close);
    const other = await startRewritingRpc(stack.rpcUrl, (_call, result) => result);
    closers.push(other.close);
    const fresh = await launchBrowser();
    try {
      const visit = async () =>
        withCheckedPage(fresh.context, async (page) => {
          await page.goto(via(counting.url, "fund"));
          await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
          expect(await page.locator("#fund-checked").count()).to.equal(1);
        });
      await visit();
      expect(asked).to.have.length(3);
      await visit();
      expect(asked, "same readers: cached").to.have.length(3);
      // The citizen's own RPC (saved in the settings) goes first: other readers, so nothing cached counts.
      await withCheckedPage(fresh.context, async (page) => {
        await page.goto(via(counting.url, "fund"));
        await page.evaluate(
          (rpcUrl) => localStorage.setItem("aiqyn.settings.v2", JSON.stringify({ rpcUrl })),
          other.url,
        );
      });
      await visit();
      expect(asked, "new readers: every batch again").to.have.length(6);
    } finally {
      await fresh.close();
    }
  });

  it("item 13: a source that keeps paging a batch's records is refused, and the check ends", async function () {
    const endless = await startRewritingSource(stack.baseUrl, (path, json) =>
      path === "/api/v1/batches/1/records" ? { ...(json as object), nextCursor: "again" } : undefined,
    );
    closers.push(endless.close);
    await freshPage(async (page) => {
      await page.goto(via(endless.url, "fund"));
      await page.locator('#fund-check[data-done="true"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#fund-failed li[data-batch="1"]').getAttribute("data-problem")).to.equal("source");
    });
  });

  it("item 8: a first RPC that under-reports batchCount() cannot hide the newest batch", async function () {
    const batchCountSelector = id("batchCount()").slice(0, 10);
    const lying = await startRewritingRpc(stack.rpcUrl, (call, result) =>
      call.method === "eth_call" && call.params[0]?.data === batchCountSelector ? `0x${"0".repeat(63)}2` : result,
    );
    closers.push(lying.close);
    // The source leaves batch 3 (the newest) out of its list, and the operator's RPC is the page's first reader.
    const liar = await startRewritingSource(stack.baseUrl, (path, json) =>
      path === "/api/v1/batches"
        ? { ...(json as object), batches: (json as { batches: { id: number }[] }).batches.filter((b) => b.id !== 3) }
        : undefined,
    );
    closers.push(liar.close);
    // (One RPC is trusted whole, and the page says so: its batch(id) hides what its batchCount() hides.)
    for (const readers of [[lying.url, stack.rpcUrl]]) {
      const dist = buildBakedPage(trustRootOf(stack), readers);
      const baked = await startStaticHost(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-no-mirror-")), dist);
      closers.push(baked.close);
      await freshPage(async (page) => {
        await page.goto(`${baked.url}/?api=${encodeURIComponent(liar.url)}#/fund`);
        const progress = page.locator("#fund-check");
        await page
          .waitForFunction(
            () => /cannot|stopped/.test(document.getElementById("fund-check")?.textContent ?? ""),
            null,
            {
              timeout: 30_000,
            },
          )
          .catch(() => undefined);
        expect(await progress.textContent(), readers.join(" + ")).to.match(/batch 3 is anchored|differently/);
        expect(await page.locator("#fund-checked").count()).to.equal(0);
      });
    }
  });
});
