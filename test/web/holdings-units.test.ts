// Issue #19 item 12 in real Chromium: a token with 24 decimals. The wallet declared 1000 WIDE, then 999.999 WIDE
// left it undisclosed, so 0.001 WIDE (10^21 units) remains: the number a record writes for 1000 (× 10^18). The
// Holdings view once cut the chain's units to 18 decimals and said "✓ Matches"; it now compares in the token's
// own units (core's sameAmount) and shows the change.
import { expect } from "chai";
import hre from "hardhat";
import { ContractFactory, parseUnits } from "ethers";
import { registryCaip10 } from "../../core";
import { EMPTY_FIELDS, signedDeclaration } from "../../server/demo/sample-records";
import { fundedWallet } from "../helpers/chain";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { screenshot, startBrowser, withCheckedPage, type Browser } from "./browser";

describe("web: Holdings compares a balance in the token's own units (24 decimals)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let stack: TestStack;
  let holder: string;

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    const wallet = await fundedWallet(stack.provider);
    holder = wallet.address;
    const artifact = hre.artifacts.readArtifactSync("WideDecimalsToken");
    const token = await new ContractFactory(artifact.abi, artifact.bytecode, wallet).deploy(
      wallet.address,
      parseUnits("1000", 24),
    );
    await token.waitForDeployment();
    const asset = `eip155:31337/erc20:${await token.getAddress()}`;
    const block = await stack.provider.getBlockNumber();
    const declaration = await signedDeclaration(
      registryCaip10(31337, stack.registryAddress),
      { account: `eip155:31337:${wallet.address}`, asset, symbol: "WIDE", amount: "1000", block },
      wallet,
    );
    const now = Math.floor(Date.now() / 1000);
    const receipts = await postRecords(stack, [{ ...EMPTY_FIELDS, occurredAt: now - 60, ...declaration }]);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    // The undisclosed drain: all but 10^21 units.
    const drain = await token.getFunction("transfer")(`0x${"5e".repeat(20)}`, parseUnits("999.999", 24));
    await drain.wait();
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("the drained wallet is not “✓ Matches”: it shows the balance and the change in WIDE's 24 decimals", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/holdings`);
      const row = page.locator(`tr[data-account="${holder}"][data-asset="WIDE"]`);
      await row.waitFor({ timeout: 60_000 });
      expect(await row.getAttribute("data-verdict")).to.not.equal("match");
      // The page writes a change with the typographic minus sign (U+2212).
      expect(await row.textContent()).to.contain("−999.999");
      await screenshot(page, "holdings-24-decimals");
    });
  });
});
