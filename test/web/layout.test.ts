// The page's layout in real headless Chromium: every view (verify anchored / pending / retracted, ledger, fund,
// holdings, settings) at 360, 768 and 1280 px in English, Kazakh and Russian, on the demo's records and the demo's
// declared accounts. Each state must hold: no sideways scrolling of the page, a table wider than the screen scrolls
// inside its own container (and none needs to at 1280 px), no word broken inside itself, the trusted box's labels beside (or, on a phone, right
// above) their values. Every state is screenshotted into test-artifacts/web/layout/ (git-ignored).
// One browser and one tab for all 63 states: each view is loaded once per language and measured at each width.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import type { Page } from "playwright-core";
import { chainDemoRecords } from "../../server/demo/chain";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { ARTIFACTS, closeCheckedPage, newPage, startBrowser, verdictOf, type Browser } from "./browser";

const WIDTHS = [360, 768, 1280] as const;
const LANGS = ["en", "kk", "ru"] as const;
const LAYOUT_ARTIFACTS = path.join(ARTIFACTS, "layout");

interface LayoutProblems {
  pageOverflow: number;
  tablesOverflowing: string[];
  brokenWords: string[];
  trustedPairs: string[];
}

/**
 * Measured inside the page. A word is letters and digits (so a line may still break at a hyphen or a slash);
 * it is broken when its glyphs sit on more than one line. Hashes, addresses and URLs (.mono, code) may break.
 */
function measure({ phone, wide }: { phone: boolean; wide: boolean }): LayoutProblems {
  const viewport = document.documentElement.clientWidth;
  const describe = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).split(" ")[0]}` : ""}`;

  const tablesOverflowing = Array.from(document.querySelectorAll("main table")).flatMap((table) => {
    const parent = table.parentElement!;
    if (table.getBoundingClientRect().width <= parent.clientWidth + 1) return [];
    const wrap = table.closest(".table-wrap");
    const scrolls = wrap && ["auto", "scroll"].includes(getComputedStyle(wrap).overflowX);
    const inside = wrap && wrap.getBoundingClientRect().right <= viewport + 1;
    if (wide) return [`${describe(table)} needs scrolling on a wide screen`];
    return scrolls && inside ? [] : [`${describe(table)} overflows outside a scroll box`];
  });

  // Text clipped out of sight for screen readers only (a 1 px box) wraps at every letter, and nobody sees it.
  const clipped = new Map<Element, boolean>();
  const isClipped = (el: Element | null): boolean => {
    if (!el || el === document.body) return false;
    if (!clipped.has(el)) clipped.set(el, getComputedStyle(el).clip !== "auto" || isClipped(el.parentElement));
    return clipped.get(el)!;
  };
  const brokenWords: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(".mono, code, .sr-only, script, style, [hidden], .uplot") || isClipped(parent))
      continue;
    for (const match of (node.textContent ?? "").matchAll(/[\p{L}\p{N}]+/gu)) {
      // A hash or an address in prose is not a word: it has to break on a phone.
      if (match[0].length < 2 || /^(0x)?[0-9a-f]{16,}$/i.test(match[0])) continue;
      const range = document.createRange();
      range.setStart(node, match.index!);
      range.setEnd(node, match.index! + match[0].length);
      const tops = new Set(
        Array.from(range.getClientRects())
          .filter((r) => r.width > 0)
          .map((r) => Math.round(r.top)),
      );
      if (tops.size > 1) brokenWords.push(`${match[0]} in ${describe(parent)}`);
    }
  }

  const trustedPairs: string[] = [];
  for (const dt of Array.from(document.querySelectorAll("#trusted dl > dt"))) {
    const dd = dt.nextElementSibling;
    const label = dt.textContent ?? "";
    if (!dd || dd.tagName !== "DD") {
      trustedPairs.push(`${label}: no value follows`);
      continue;
    }
    const a = dt.getBoundingClientRect();
    const b = dd.getBoundingClientRect();
    // Beside: on the same line, to the right. On a phone: right under its label, as wide as the box.
    const beside = Math.abs(a.top - b.top) < 4 && b.left >= a.right;
    const under = b.top >= a.bottom - 1 && b.top - a.bottom < 12 && Math.abs(a.left - b.left) < 2;
    if (!(phone ? under : beside)) trustedPairs.push(`${label}: value not ${phone ? "under" : "beside"} its label`);
    if (b.width < 120) trustedPairs.push(`${label}: value squeezed to ${Math.round(b.width)} px`);
  }
  if (document.querySelectorAll("#trusted dl > dd").length !== document.querySelectorAll("#trusted dl > dt").length)
    trustedPairs.push("as many values as labels");

  return {
    pageOverflow: Math.max(0, document.documentElement.scrollWidth - viewport),
    tablesOverflowing,
    brokenWords,
    trustedPairs,
  };
}

describe("web: the page's layout in every view, at 360, 768 and 1280 px, in en, kk and ru", function () {
  this.timeout(600_000);
  let browser: Browser;
  let stack: TestStack; // the demo's records and declared accounts, anchored
  let pending: TestStack; // a batch interval of an hour: its record stays pending
  const seqs = { anchored: 0, retracted: 0 };
  let signedAt = 0; // the pending receipt's publishedAt

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    stack = await startTestStack({ batchIntervalMs: 200, demo: true });
    const accounts = hre.network.config.accounts as { mnemonic: string; path: string };
    const chainRecords = await chainDemoRecords({
      rpcUrl: stack.rpcUrl,
      chainId: 31337,
      registry: stack.registryAddress,
      ...accounts,
      artifact: hre.artifacts.readArtifactSync("DemoStablecoin"),
      now: Math.floor(Date.now() / 1000),
    });
    const receipts = await postRecords(stack, chainRecords);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    const listed = (await (await fetch(`${stack.baseUrl}/api/v1/records?limit=500`)).json()) as {
      records: { record: { seq: number; kind: string }; standing: string }[];
    };
    seqs.retracted = listed.records.find((i) => i.standing === "retracted")!.record.seq;
    seqs.anchored = listed.records.find(
      (i) => i.standing === "current" && i.record.kind === "INFLOW_SEIZURE",
    )!.record.seq;
    pending = await startTestStack({ batchIntervalMs: 3_600_000 });
    const [pendingReceipt] = await postRecords(pending, [
      sampleRecord({ asset: "BNB", amount: "42", valueUsd: "25000" }),
    ]);
    signedAt = pendingReceipt!.publishedAt;
    fs.rmSync(LAYOUT_ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(LAYOUT_ARTIFACTS, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await stack?.stop();
    await pending?.stop();
  });

  /** Each view: where it is, and when it has finished drawing. */
  const VIEWS: { name: string; url: () => string; ready: (page: Page) => Promise<void> }[] = [
    {
      name: "verify-anchored",
      url: () => `${stack.baseUrl}/verify/${seqs.anchored}`,
      ready: async (page) => void expect(await verdictOf(page)).to.equal("anchored"),
    },
    {
      name: "verify-retracted",
      url: () => `${stack.baseUrl}/verify/${seqs.retracted}`,
      ready: async (page) => {
        expect(await verdictOf(page)).to.equal("anchored");
        expect(await page.locator(".verdict").getAttribute("data-standing")).to.equal("retracted");
      },
    },
    {
      name: "verify-pending",
      url: () => `${pending.baseUrl}/verify/1`,
      ready: async (page) => void expect(await verdictOf(page)).to.equal("pending"),
    },
    {
      name: "ledger",
      url: () => `${stack.baseUrl}/ledger`,
      ready: async (page) => {
        await page.locator("#records-table tbody tr").first().waitFor();
        await page.locator("#batches-table tbody tr").first().waitFor();
      },
    },
    {
      name: "fund",
      url: () => `${stack.baseUrl}/fund`,
      ready: async (page) => {
        await page.locator("#fund-check[data-done]").waitFor({ timeout: 60_000 });
        await page.locator("#chart-course .uplot").waitFor();
        await page.locator("#chart-holdings .uplot").waitFor();
      },
    },
    {
      name: "holdings",
      url: () => `${stack.baseUrl}/holdings`,
      ready: async (page) => {
        await page.locator("tbody tr[data-verdict]").first().waitFor({ timeout: 60_000 });
      },
    },
    {
      name: "settings",
      url: () => `${stack.baseUrl}/verify`,
      ready: async (page) => {
        await page.locator("#settings summary").click();
        await page.locator("#settings-save").waitFor();
      },
    },
  ];

  it("holds in every view, width and language, with a screenshot of each", async function () {
    const { page, errors, hosts } = await newPage(browser.context);
    // The test stack signs on the shared chain's clock, which other suites push ahead of the wall clock; the
    // citizen's clock reads just after the pending receipt (a receipt from the future is refused, rightly).
    await page.clock.setSystemTime((Math.max(signedAt, Date.now() / 1000) + 1) * 1000);
    const failures: string[] = [];
    for (const lang of LANGS) {
      for (const view of VIEWS) {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(view.url());
        // The language as a citizen's earlier choice (remembered per site): reload when this site had another.
        if ((await page.getAttribute("html", "lang")) !== lang) {
          await page.evaluate((choice) => localStorage.setItem("aiqyn.lang", choice), lang);
          await page.reload();
        }
        await view.ready(page);
        expect(await page.getAttribute("html", "lang")).to.equal(lang);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          // Two frames: the resize observed (charts redrawn), then laid out.
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const problems = await page.evaluate(measure, { phone: width < 480, wide: width >= 1280 });
          const where = `${view.name} ${lang} ${width}px`;
          if (problems.pageOverflow > 0)
            failures.push(`${where}: the page scrolls sideways by ${problems.pageOverflow}px`);
          for (const t of problems.tablesOverflowing) failures.push(`${where}: ${t}`);
          for (const w of problems.brokenWords) failures.push(`${where}: word broken: ${w}`);
          for (const p of problems.trustedPairs) failures.push(`${where}: trusted box: ${p}`);
          await page.screenshot({
            path: path.join(LAYOUT_ARTIFACTS, `${view.name}-${lang}-${width}.png`),
            fullPage: true,
          });
        }
      }
    }
    expect(failures, failures.join("\n")).to.deep.equal([]);
    await closeCheckedPage(page, errors, hosts);
  });
});
