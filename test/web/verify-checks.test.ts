// Issue #19's page attacks (items 7, 11, 10, 8, 9), in real Chromium against the real in-process chain: the
// page is built with the registry's trust root baked in, and the data comes from a dishonest operator's server.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { anchorForkedBatch, startOperatorServer, type ForkedBatch, type OperatorServer } from "../helpers/forked-batch";
import {
  buildBakedPage,
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
      const others = await page.locator('.step:not([data-step="leaf-position"])').evaluateAll((items) =>
        items.map((li) => li.getAttribute("data-ok")),
      );
      expect(others.every((ok) => ok === "true"), others.join()).to.equal(true);
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
