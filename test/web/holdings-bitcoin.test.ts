// The Holdings view in real headless Chromium on Bitcoin: the demo's declared addresses (a bcoin regtest node
// served as Esplora, baked into the page as PUBLIC_ESPLORA_URLS) read by the browser itself — BTC matches —
// then after an undisclosed spend from the cold multisig, the change and the finding in plain words.
import { expect } from "chai";
import type { Page } from "playwright-core";
import { registryCaip10 } from "../../core";
import { REGTEST_CHAIN } from "../../server/demo/bitcoin-regtest";
import { runBitcoinFund, type BitcoinFund } from "../../server/demo/bitcoin";
import { startRegtestStack, type RegtestStack } from "../helpers/bitcoin";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { screenshot, startBrowser, withCheckedPage, type Browser } from "./browser";

const section = `section[data-chain="${REGTEST_CHAIN}"]`;

async function verdicts(page: Page): Promise<Record<string, string>> {
  const rows = page.locator(`${section} tbody tr`);
  await rows.nth(1).waitFor({ timeout: 60_000 });
  return rows.evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.getAttribute("data-account") ?? "", tr.getAttribute("data-verdict") ?? ""])),
  );
}

describe("web: the Holdings view on Bitcoin (a bcoin regtest node served as Esplora)", function () {
  this.timeout(300_000);
  let browser: Browser;
  let stack: TestStack;
  let regtest: RegtestStack;
  let fund: BitcoinFund;

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    regtest = await startRegtestStack();
    stack = await startTestStack({ server: { publicEsploraUrls: [`${REGTEST_CHAIN}=${regtest.url}`] } });
    fund = await runBitcoinFund(
      regtest.btc,
      regtest.miner,
      registryCaip10(31337, stack.registryAddress),
      Math.floor(Date.now() / 1000),
    );
    const receipts = await postRecords(stack, fund.records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await regtest?.close();
  });

  it("shows the mining address and the cold multisig matching the chain, read through the baked endpoint", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/holdings`);
      expect(await verdicts(page)).to.deep.equal({ [fund.mining.address]: "match", [fund.cold.address]: "match" });
      expect(await page.locator(`${section} input.rpc-input`).inputValue()).to.equal(regtest.url);
      const status = (await page.locator(`${section} .read-status`).textContent()) ?? "";
      expect(status)
        .to.contain(`Read at height ${regtest.btc.height - 6}`)
        .and.contain("trusted whole");
      expect(await page.locator(`${section} ul.movements li`).count()).to.equal(6);
      await page.locator(`${section} button.check-movements`).click();
      const result = page.locator(`[id="scan-result-${REGTEST_CHAIN}"]`);
      await result.waitFor({ timeout: 60_000 });
      expect(await result.textContent()).to.contain("is disclosed as the chain shows it");
      await screenshot(page, "holdings-bitcoin-match");
    });
  });

  it("after an undisclosed spend from the cold multisig, says so in plain words", async () => {
    await regtest.btc.send([fund.cold], [{ address: fund.grantee.address, value: 10_000_000n }]);
    await regtest.btc.mine(7, fund.exchange.address);
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/holdings`);
      expect((await verdicts(page))[fund.cold.address]).to.equal("changed");
      await page.locator(`${section} button.check-movements`).click();
      const finding = page.locator(`${section} li[data-code="UNDISCLOSED_TRANSFER"]`);
      await finding.waitFor({ timeout: 60_000 });
      expect(await finding.textContent())
        .to.contain("A transfer no record discloses")
        .and.contain(`out of ${REGTEST_CHAIN}:${fund.cold.address}`);
      await screenshot(page, "holdings-bitcoin-undisclosed");
    });
  });
});
