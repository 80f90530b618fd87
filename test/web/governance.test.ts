// The governance view in real headless Chromium, reading the real (in-process) chain itself: the registry's
// admin handed to a real Safe 1.4.1 (2 of 3 owners), a new anchoring key, a pause and an unpause. The view
// shows every change with its transaction, who holds each role now (the Safe with its owners and threshold),
// who held them at a past time, in kk/ru/en; each verdict links to it.
import { expect } from "chai";
import { Contract, type Wallet } from "ethers";
import { ANCHORER_ROLE, ZERO_BYTES32 } from "../../core";
import { fundedWallet } from "../helpers/chain";
import { deploySafe } from "../helpers/safe-admin";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { screenshot, startBrowser, verdictOf, withCheckedPage, type Browser } from "./browser";

describe("web: the governance view (who holds the registry's keys, from the chain)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let stack: TestStack;
  let safe: string;
  let owners: string[];
  let newAnchorer: string;
  let beforeTransfer: number;
  const txs: Record<string, string> = {};

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200 });
    const deployer = await fundedWallet(stack.provider);
    owners = [
      (await fundedWallet(stack.provider)).address,
      (await fundedWallet(stack.provider)).address,
      (await fundedWallet(stack.provider)).address,
    ];
    safe = await (await deploySafe(deployer, owners, 2)).getAddress();
    const registry = new Contract(
      stack.registryAddress,
      [
        "function grantRole(bytes32,address)",
        "function renounceRole(bytes32,address)",
        "function pause()",
        "function unpause()",
      ],
      stack.provider,
    );
    const send = async (name: string, wallet: Wallet, fn: string, ...args: unknown[]) => {
      const tx = await (registry.connect(wallet) as Contract).getFunction(fn)(...args);
      txs[name] = ((await tx.wait()) as { hash: string }).hash;
    };
    beforeTransfer = (await stack.provider.getBlock("latest"))!.timestamp;
    await new Promise((r) => setTimeout(r, 1100)); // the changes below come in later seconds
    newAnchorer = (await fundedWallet(stack.provider)).address;
    await send("anchorer", stack.wallets.admin, "grantRole", ANCHORER_ROLE, newAnchorer);
    await send("safeAdmin", stack.wallets.admin, "grantRole", ZERO_BYTES32, safe);
    await send("renounce", stack.wallets.admin, "renounceRole", ZERO_BYTES32, stack.wallets.admin.address);
    await send("pause", stack.wallets.pauser, "pause");
    await send("unpause", stack.wallets.pauser, "unpause");
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("lists every role change and pause with its transaction, and who holds each role now (the Safe, 2 of 3)", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/governance`);
      const rows = page.locator("#gov-history tbody tr");
      await rows.first().waitFor({ timeout: 30_000 });
      const history = await rows.evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute("data-kind"), tr.getAttribute("data-tx")]),
      );
      // The deployment's three grants (one transaction), then each change in chain order.
      expect(history.map(([kind]) => kind)).to.deep.equal([
        ...["admin-granted", "anchorer-granted", "pauser-granted"],
        "anchorer-granted",
        "admin-granted",
        "admin-revoked",
        "paused",
        "unpaused",
      ]);
      expect(history.slice(3).map(([, tx]) => tx)).to.deep.equal([
        txs.anchorer,
        txs.safeAdmin,
        txs.renounce,
        txs.pause,
        txs.unpause,
      ]);
      const now = (role: string) =>
        page
          .locator(`#gov-now tr[data-role="${role}"] li[data-account]`)
          .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-account")));
      expect(await now("admin")).to.deep.equal([safe.toLowerCase()]);
      expect(await now("anchorer")).to.deep.equal([
        stack.wallets.anchorer.address.toLowerCase(),
        newAnchorer.toLowerCase(),
      ]);
      const note = page.locator(`#gov-now tr[data-role="admin"] .safe`);
      expect(await note.getAttribute("data-threshold")).to.equal("2");
      expect(await note.locator(".safe-owner").allTextContents()).to.deep.equal(owners.map((o) => o.toLowerCase()));
      expect(await page.locator("#gov-paused").getAttribute("data-paused")).to.equal("false");
      await screenshot(page, "governance-now");
    });
  });

  it("shows who held the keys at a past time: before the transfer, the first admin and one anchoring key", async () => {
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/governance/${beforeTransfer}`);
      const at = (role: string) =>
        page
          .locator(`#gov-at tr[data-role="${role}"] li[data-account]`)
          .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-account")));
      await page.locator("#gov-at").waitFor({ timeout: 30_000 });
      expect(await at("admin")).to.deep.equal([stack.wallets.admin.address.toLowerCase()]);
      expect(await at("anchorer")).to.deep.equal([stack.wallets.anchorer.address.toLowerCase()]);
    });
  });

  it("speaks Kazakh and Russian too, and each verdict links to the keys at the record's time", async () => {
    const [receipt] = await postRecords(stack, [sampleRecord()]);
    await stack.waitForAnchored(receipt!.seq);
    await withCheckedPage(browser.context, async (page) => {
      await page.goto(`${stack.baseUrl}/verify/${receipt!.seq}`);
      expect(await verdictOf(page)).to.equal("anchored");
      const link = page.locator("#governance-link");
      expect(await link.getAttribute("href")).to.match(new RegExp(`/governance/${receipt!.publishedAt}$`));
      await link.click();
      await page.locator("#gov-at").waitFor({ timeout: 30_000 });
      // The key that signed the receipt held the anchoring role then (the shared chain's clock may run ahead of the
      // server's, so how many others did is not fixed here).
      const anchorers = await page
        .locator(`#gov-at tr[data-role="anchorer"] li[data-account]`)
        .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-account")));
      expect(anchorers).to.include(receipt!.signer.toLowerCase());
      // A language pack loads on demand: the view is drawn again once it has come.
      await page.selectOption("#lang-select", "kk");
      await page.locator("h1", { hasText: "Тізілім кілттері кімде" }).waitFor({ timeout: 30_000 });
      await page.locator("#gov-history").waitFor({ timeout: 30_000 });
      expect(await page.locator("h1").textContent()).to.equal("Тізілім кілттері кімде");
      await page.selectOption("#lang-select", "ru");
      await page.locator("h1", { hasText: "У кого ключи реестра" }).waitFor({ timeout: 30_000 });
      await page.locator("#gov-history").waitFor({ timeout: 30_000 });
      expect(await page.locator("h1").textContent()).to.equal("У кого ключи реестра");
    });
  });
});
