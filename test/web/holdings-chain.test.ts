// The Holdings view's RPC box in real headless Chromium (issue #19, item 6): an RPC the citizen types in must say
// (eth_chainId) that it serves the chain it is used for; one of another chain is refused, with no verdicts shown.
import { expect } from "chai";
import hre from "hardhat";
import { chainDemoRecords } from "../../server/demo/chain";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { closedPort, startBrowser, withCheckedPage, type Browser } from "./browser";

const CHAIN = "eip155:31337";

describe("web: the Holdings view checks the RPC's chain id", function () {
  this.timeout(180_000);
  let browser: Browser;
  let stack: TestStack;
  /** An RPC address no server listens on: the browser's requests to it are answered by the test (page.route). */
  let otherChainRpc: string;

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    otherChainRpc = `http://127.0.0.1:${await closedPort()}/`;
    stack = await startTestStack({ batchIntervalMs: 200 });
    const accounts = hre.network.config.accounts as { mnemonic: string; path: string };
    const records = await chainDemoRecords({
      rpcUrl: stack.rpcUrl,
      chainId: 31337,
      registry: stack.registryAddress,
      ...accounts,
      artifact: hre.artifacts.readArtifactSync("DemoStablecoin"),
      now: Math.floor(Date.now() / 1000),
    });
    const receipts = await postRecords(stack, records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("an RPC answering every read of the real chain but eth_chainId 56 is refused for eip155:31337", async () => {
    await withCheckedPage(browser.context, async (page) => {
      // The real chain's answers, except that it says it is BNB Smart Chain (56).
      await page.route(`${otherChainRpc}**`, async (route) => {
        const call = route.request().postDataJSON() as { id: number; method: string };
        if (call.method === "eth_chainId")
          return route.fulfill({ json: { jsonrpc: "2.0", id: call.id, result: "0x38" } });
        const answer = await fetch(stack.rpcUrl, { method: "POST", body: route.request().postData() ?? "" });
        return route.fulfill({ json: await answer.json(), headers: { "access-control-allow-origin": "*" } });
      });
      await page.goto(`${stack.baseUrl}/holdings`);
      const section = page.locator(`section[data-chain="${CHAIN}"]`);
      await section.locator("tbody tr").nth(2).waitFor({ timeout: 30_000 });
      await section.locator("input.rpc-input").fill(otherChainRpc);
      await section.locator(".rpc-choice button").click();
      const status = section.locator(".read-status");
      await status.filter({ hasText: "56" }).waitFor({ timeout: 30_000 });
      expect(await status.textContent()).to.contain("serves chain 56");
      expect(await section.locator("tbody tr").count()).to.equal(0);
    });
  });
});
