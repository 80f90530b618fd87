// The Holdings view in real headless Chromium: the demo's declared accounts against the real (in-process) chain,
// read by the browser itself — matches, a clean movement scan — then after an undisclosed transfer, the mismatch
// in plain words.
import { expect } from "chai";
import hre from "hardhat";
import { Contract, HDNodeWallet, Mnemonic, parseUnits } from "ethers";
import type { Page } from "playwright-core";
import { chainDemoRecords, DEMO_ACCOUNTS } from "../../server/demo/chain";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { screenshot, startBrowser, withCheckedPage, type Browser } from "./browser";

const CHAIN = "eip155:31337";

async function verdicts(page: Page): Promise<Record<string, string>> {
  const rows = page.locator(`section[data-chain="${CHAIN}"] tbody tr`);
  await rows.nth(2).waitFor({ timeout: 30_000 });
  return rows.evaluateAll((trs) =>
    Object.fromEntries(
      trs.map((tr) => [
        `${tr.getAttribute("data-account")}/${tr.getAttribute("data-asset")}`,
        tr.getAttribute("data-verdict") ?? "",
      ]),
    ),
  );
}

async function checkMovements(page: Page): Promise<string> {
  await page.locator(`section[data-chain="${CHAIN}"] button.check-movements`).click();
  const result = page.locator(`[id="scan-result-${CHAIN}"]`);
  await result.waitFor({ timeout: 60_000 });
  return (await result.textContent()) ?? "";
}

describe("web: the Holdings view against the demo's transfers", function () {
  this.timeout(180_000);
  let browser: Browser;
  let stack: TestStack;
  let token: string;
  let treasury: string;
  const accounts = () => hre.network.config.accounts as { mnemonic: string; path: string };
  const wallet = (index: number) =>
    HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(accounts().mnemonic), `${accounts().path}/${index}`);

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    const records = await chainDemoRecords({
      rpcUrl: stack.rpcUrl,
      chainId: 31337,
      registry: stack.registryAddress,
      ...accounts(),
      artifact: hre.artifacts.readArtifactSync("DemoStablecoin"),
      now: Math.floor(Date.now() / 1000),
    });
    const receipts = await postRecords(stack, records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    token = /erc20:(0x[0-9a-fA-F]{40})@/.exec(records[0]!.reference)![1]!;
    // The demo's multisig treasury (a real 2-of-3 Safe): the declarations after the three of the plain keys.
    treasury = records.filter((r) => r.kind === "WALLET_DECLARED")[3]!.counterparty.split(":")[2]!;
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("shows every declared holding matching the chain, and a clean movement scan", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/holdings`);
      const cold = wallet(DEMO_ACCOUNTS.coldWallet).address;
      const ops = wallet(DEMO_ACCOUNTS.operationsWallet).address;
      expect(await verdicts(page)).to.deep.equal({
        [`${cold}/DUSDT`]: "match",
        [`${ops}/DUSDT`]: "match",
        [`${cold}/ETH`]: "match",
        [`${treasury}/DUSDT`]: "match",
        [`${treasury}/ETH`]: "match",
      });
      expect(await page.locator("#holdings-offchain").textContent()).to.contain("cannot be checked");
      expect(await page.locator("ul.movements li").count()).to.equal(8);
      expect(await checkMovements(page)).to.contain("every transfer in and out of the declared accounts is disclosed");
      // Hardhat offers no call trace: the page says plainly what the net check of the Safe's ETH cannot see.
      const netOnly = page.locator('.scan-result ul.notes li[data-code="NATIVE_NET_ONLY"]');
      expect(await netOnly.textContent()).to.contain("cancel out");
      expect(await page.locator('.scan-result ul.notes li[data-code="NATIVE_PER_TX_UNVERIFIED"]').count()).to.equal(1);
      await screenshot(page, "holdings-match");
    });
  });

  it("after an undisclosed transfer out of the operations wallet, says so in plain words", async () => {
    const ops = wallet(DEMO_ACCOUNTS.operationsWallet).connect(stack.provider);
    const erc20 = new Contract(token, ["function transfer(address,uint256) returns (bool)"], ops);
    await (await erc20.getFunction("transfer")(wallet(9).address, parseUnits("1", 6))).wait();
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/holdings`);
      expect((await verdicts(page))[`${ops.address}/DUSDT`]).to.equal("changed");
      const row = page.locator(`tr[data-account="${ops.address}"][data-asset="DUSDT"] td.holding-verdict`);
      expect(await row.textContent()).to.contain("Changed by −1 DUSDT");
      expect(await checkMovements(page)).to.match(/\d+ problems? found/);
      const finding = page.locator('li[data-code="UNDISCLOSED_TRANSFER"]');
      expect(await finding.textContent()).to.contain("A transfer no record discloses: 1 DUSDT out of");
      await screenshot(page, "holdings-undisclosed");
    });
  });

  it("never builds an explorer link from the data source's explorerUrl (a javascript: one stays text)", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.route(/\/api\/v1\/registry$/, async (route) => {
        const answer = await route.fetch();
        const body = (await answer.json()) as Record<string, unknown>;
        await route.fulfill({
          response: answer,
          json: { ...body, explorerUrl: "javascript:alert(document.domain)//" },
        });
      });
      await page.goto(`${stack.baseUrl}/holdings`);
      await verdicts(page);
      expect(await page.locator("ul.movements li").count()).to.equal(8);
      expect(await page.locator('ul.movements a[href^="javascript:"]').count()).to.equal(0);
    });
  });

  it("refuses to judge when the data source leaves out the operations wallet's records", async () => {
    const ops = wallet(DEMO_ACCOUNTS.operationsWallet).address.toLowerCase();
    await withCheckedPage(browser.context, async (page) => {
      // A hostile server: every list of records it serves silently omits those naming the operations wallet.
      await page.route(/\/api\/v1\/(records|batches\/\d+\/records)/, async (route) => {
        const answer = await route.fetch();
        const body = (await answer.json()) as { records: unknown[] };
        body.records = body.records.filter((r) => !JSON.stringify(r).toLowerCase().includes(ops.slice(2)));
        await route.fulfill({ response: answer, json: body });
      });
      await page.goto(`${stack.baseUrl}/holdings`);
      const alert = page.locator(".holdings-unverified");
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).to.contain("do not all match the registry this page trusts");
      expect(await page.locator("td.holding-verdict").count()).to.equal(0);
    });
  });
});
