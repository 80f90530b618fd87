/**
 * A server started with PUBLIC_RPC_URLS=none serves a page with no RPC of its own: in real Chromium it says
 * "Not checked: no RPC", the very words the server's start-up warning (and its PUBLIC_RPC_MISSING refusal) quote,
 * instead of "RPC unreachable" with an empty reason.
 */
import { expect } from "chai";
import { en } from "../../web/src/lang/en";
import { PAGE_NO_RPC_VERDICT } from "../../server/start-checks";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { screenshot, startBrowser, verdictOf, withCheckedPage, type Browser } from "../web/browser";

describe("ops: the page without any RPC says what the server said", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let browser: Browser | null;

  before(async function () {
    stack = await startTestStack({ server: { publicRpcUrls: [], publicRpcNone: true } });
    browser = await startBrowser();
  });
  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  it("an anchored record is 'Not checked: no RPC', in the server's words", async function () {
    if (!browser) return this.skip();
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await stack.waitForAnchored(receipt!.seq);
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/verify/${receipt!.seq}`);
      expect(await verdictOf(page)).to.equal("rpc-unreachable");
      expect(await page.locator(".verdict-title").textContent()).to.contain(PAGE_NO_RPC_VERDICT);
      expect(await page.locator(".verdict-text").textContent()).to.contain(`record ${receipt!.seq} is not checked`);
      await screenshot(page, "no-rpc");
    });
    expect(PAGE_NO_RPC_VERDICT).to.equal(en["verdict.noRpc"]);
  });
});
