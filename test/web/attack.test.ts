// Issue #10's attack suite, as an attacker would try it, in real Chromium and through the real CLI against the
// real chain. The attacker runs their own Aiqyn server on their own TransparencyRegistry (same chain) with a
// forged record 1 anchored there, and a lying RPC that rewrites batch() answers. None of it may end in
// "anchored"; each verdict says what happened in plain words, and the honest record still verifies.
import { expect } from "chai";
import { Contract, id as selectorOf, NonceManager, Wallet } from "ethers";
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { ANCHORER_ROLE, leafHash, parseBundle, type ProofBundle, type RecordV1 } from "../../core/index";
import { runCli } from "../cli/cli-helpers";
import { readBody } from "../cli/fixtures";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import {
  closeCheckedPage,
  exportMirror,
  newPage,
  screenshot,
  startBakedHost,
  startBrowser,
  startStaticHost,
  startTamperingProxy,
  verdictOf,
  type Browser,
  chooseLanguage,
} from "./browser";

const BATCH_SELECTOR = selectorOf("batch(uint64)").slice(0, 10);

interface Served {
  url: string;
  close(): Promise<void>;
}

/**
 * A JSON-RPC proxy in front of the real chain that answers every batch(id) eth_call with `forged` words (or,
 * with `chainId`, claims to serve that chain).
 */
async function startLyingRpc(upstream: string, forged: string | null, chainId?: number): Promise<Served> {
  const lie = (call: { method?: string; params?: { data?: string }[] }, answer: { result?: unknown }) => {
    if (forged && call.method === "eth_call" && call.params?.[0]?.data?.startsWith(BATCH_SELECTOR))
      answer.result = forged;
    if (chainId !== undefined && call.method === "eth_chainId") answer.result = `0x${chainId.toString(16)}`;
    return answer;
  };
  const server = http.createServer(async (req, res) => {
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type" };
    if (req.method === "OPTIONS") return void res.writeHead(204, cors).end();
    const body = await readBody(req);
    const answer = await (
      await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body })
    ).json();
    const calls = JSON.parse(body) as unknown;
    const out = Array.isArray(calls)
      ? (answer as { id: unknown; result?: unknown }[]).map((a) =>
          lie(
            calls.find((c) => c.id === a.id),
            a,
          ),
        )
      : lie(calls as never, answer as never);
    res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** batch()'s ABI answer: root, firstSeq, leafCount, anchoredAt, head. */
function batchWords(root: string, firstSeq: number, leafCount: number): string {
  const word = (n: number) => n.toString(16).padStart(64, "0");
  return `0x${root.slice(2)}${word(firstSeq)}${word(leafCount)}${word(1_761_960_000)}${"00".repeat(32)}`;
}

describe("web + cli: the attack suite of issue #10 (no link, source, bundle or RPC picks the registry)", function () {
  this.timeout(240_000);
  let browser: Browser;
  let honest: TestStack;
  let forger: TestStack;
  let page: Page;
  let errors: string[];
  let hosts: Set<string>;
  let dir: string;
  let honestBundle: ProofBundle;
  let forgedBundle: ProofBundle;
  const forgedAmount = "999999";
  const cleanup: (() => Promise<void>)[] = [];

  const file = (name: string, content: unknown): string => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, JSON.stringify(content, null, 2));
    return target;
  };
  const ROLE_ABI = ["function grantRole(bytes32,address)", "function revokeRole(bytes32,address)"];
  const pin = () => ["--chain-id", String(honest.chainId), "--registry", honest.registryAddress];
  const title = () => page.locator(".verdict-title").textContent();
  const never = async (what: string) => {
    const verdict = await verdictOf(page);
    expect(verdict, what).to.not.equal("anchored");
    expect(await page.locator("[data-core-verdict]").getAttribute("data-core-verdict"), what).to.not.equal("anchored");
    return verdict;
  };

  before(async function () {
    browser = (await startBrowser()) ?? this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-attack-"));
    // The attacker: a real Aiqyn server on their own registry, with a forged record 1 anchored there.
    forger = await startTestStack({ batchIntervalMs: 200 });
    await postRecords(forger, [sampleRecord({ asset: "BTC", amount: forgedAmount, memo: "forged" })]);
    await forger.waitForAnchored(1);
    // The honest deployment names the attacker's registry as superseded (a registry replaced after a key theft).
    honest = await startTestStack({
      batchIntervalMs: 200,
      server: { supersededRegistries: [forger.registryAddress] },
    });
    await postRecords(honest, [sampleRecord({ asset: "BTC", amount: "2.5" }), sampleRecord({ asset: "BNB" })]);
    await honest.waitForAnchored(2);
    honestBundle = parseBundle(await (await fetch(`${honest.baseUrl}/api/v1/records/1/proof`)).json());
    forgedBundle = parseBundle(await (await fetch(`${forger.baseUrl}/api/v1/records/1/proof`)).json());
    expect(forgedBundle.anchor.registry).to.not.equal(honestBundle.anchor.registry);
  });

  beforeEach(async function () {
    ({ page, errors, hosts } = await newPage(browser.context));
  });

  afterEach(async function () {
    if (!page) return;
    // The browser context outlives a page: forget any trust root a test chose.
    await page.evaluate(() => localStorage.clear()).catch(() => undefined);
    await closeCheckedPage(page, errors, hosts);
  });

  after(async function () {
    for (const close of cleanup) await close();
    await browser?.close();
    await honest?.stop();
    await forger?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the honest record still verifies, against the registry the page was served with", async function () {
    await page.goto(`${honest.baseUrl}/verify/1`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#trusted").getAttribute("data-official")).to.equal("true");
    expect((await page.locator("#trusted-registry").textContent())!.toLowerCase()).to.equal(
      honest.registryAddress.toLowerCase(),
    );
    await screenshot(page, "attack-honest-anchored");
  });

  it("?api= the attacker's server: “proof for another registry”, naming the superseded one, in kk/ru/en", async function () {
    await page.goto(`${honest.baseUrl}/verify/1?api=${encodeURIComponent(forger.baseUrl)}`);
    expect(await never("?api=")).to.equal("other-registry");
    expect(await page.locator('[data-step="trust-root"]').getAttribute("data-ok")).to.equal("false");
    expect((await page.locator("#claimed-registry").textContent())!.toLowerCase()).to.contain(
      forger.registryAddress.toLowerCase(),
    );
    expect((await page.locator("#trusted-registry").textContent())!.toLowerCase()).to.equal(
      honest.registryAddress.toLowerCase(),
    );
    expect(await page.locator(".verdict-text").textContent()).to.contain("keys were stolen");
    expect(await page.locator(".verdict-text").textContent()).to.contain("NOT anchored");
    await screenshot(page, "attack-api-other-registry");
    await chooseLanguage(page, "kk");
    expect(await title()).to.contain("Басқа тізілімнің дәлелі");
    await screenshot(page, "attack-api-other-registry-kk");
    await chooseLanguage(page, "ru");
    expect(await title()).to.contain("Доказательство для другого реестра");
    await screenshot(page, "attack-api-other-registry-ru");
    await chooseLanguage(page, "en");
  });

  it("?mirror= the attacker's export, on the official page of a static host: another registry", async function () {
    const mirrorDir = path.join(dir, "mirror");
    await exportMirror(forger.baseUrl, mirrorDir, { bundles: true });
    const host = await startBakedHost(mirrorDir, honest);
    cleanup.push(host.close);
    await page.goto(`${host.url}/?mirror=/mirror/#/verify/1`);
    expect(await never("?mirror=")).to.equal("other-registry");
    expect(await page.locator(".verdict-text").textContent()).to.contain("NOT anchored");
    await screenshot(page, "attack-mirror-other-registry");
  });

  it("?registry= in a link: a banner, never applied; the settings name both registries before any change", async function () {
    const link = `${honest.baseUrl}/verify/1?api=${encodeURIComponent(forger.baseUrl)}&registry=${forger.registryAddress}`;
    await page.goto(link);
    expect(await never("?registry=")).to.equal("other-registry");
    expect(await page.locator("#link-registry").textContent()).to.contain(forger.registryAddress);
    expect((await page.locator("#trusted-registry").textContent())!.toLowerCase()).to.equal(
      honest.registryAddress.toLowerCase(),
    );
    await screenshot(page, "attack-registry-link-banner");
    await page.click("#link-registry-review");
    const warning = page.locator("#settings-trust-warning");
    await warning.waitFor();
    expect(await warning.textContent()).to.contain(honest.registryAddress);
    expect(await warning.textContent()).to.contain(forger.registryAddress);
    // Saving without the explicit confirmation changes nothing.
    await page.click("#settings-save");
    expect(await page.locator("#settings-status").textContent()).to.contain("Tick the box");
    await screenshot(page, "attack-registry-settings-warning");
    await page.goto(`${honest.baseUrl}/verify/1`);
    expect(await verdictOf(page)).to.equal("anchored");

    // Only the deliberate act changes the trust root, and every verdict then says it is not the official one.
    await page.goto(link);
    await verdictOf(page);
    await page.click("#link-registry-review");
    expect(await page.inputValue("#setting-deployment-block")).to.equal("0"); // scan the roles from genesis
    await page.check("#setting-trust-confirm");
    await page.click("#settings-save");
    await page.goto(`${honest.baseUrl}/verify/1?api=${encodeURIComponent(forger.baseUrl)}`);
    expect(await verdictOf(page)).to.equal("anchored");
    expect(await page.locator("#trusted").getAttribute("data-official")).to.equal("false");
    expect(await page.locator("#trusted-official").textContent()).to.contain(honest.registryAddress);
    await screenshot(page, "attack-registry-chosen-not-official");
  });

  it("?rpc= a lying RPC beside the honest one: “RPCs disagree”, never anchored", async function () {
    // A self-consistent forgery naming the HONEST registry: one leaf, root = its leaf.
    const record: RecordV1 = { ...honestBundle.record, amount: forgedAmount };
    const leaf = leafHash(record);
    const lying = await startLyingRpc(honest.rpcUrl, batchWords(leaf, 1, 1));
    cleanup.push(lying.close);
    const proxy = await startTamperingProxy(honest.baseUrl, (body) => {
      if ("format" in body) {
        Object.assign(body, { record, leaf, proof: [], batch: { id: 1, root: leaf, firstSeq: 1, leafCount: 1 } });
        delete body.receipt;
      } else Object.assign(body, { record, leaf });
    });
    cleanup.push(proxy.close);
    await page.goto(`${proxy.url}/verify/1?rpc=${encodeURIComponent(lying.url)}`);
    // Before the click the link's RPC is not asked: the honest chain refuses the forgery.
    expect(await never("forgery, honest RPC")).to.equal("mismatch");
    await page.click("#link-rpc-accept");
    expect(await never("?rpc= lying")).to.equal("rpcs-disagree");
    expect(await page.locator("#trusted-rpc").textContent()).to.equal(`${lying.url} + ${honest.rpcUrl}`);
    expect(await page.locator(".verdict-text").textContent()).to.contain("lying or broken");
    await screenshot(page, "attack-rpc-disagree");
  });

  it("an uploaded bundle for another registry, and one for another chain: never anchored", async function () {
    const otherChain = { ...honestBundle, anchor: { ...honestBundle.anchor, chainId: 1 } };
    await page.goto(`${honest.baseUrl}/verify`);
    await page.click("#bundle-box summary");
    await page.setInputFiles("#bundle-file", file("forged.json", forgedBundle));
    await page.locator('#verify-result [data-verdict="other-registry"]').waitFor();
    await never("uploaded forged bundle");
    await screenshot(page, "attack-upload-other-registry");
    await page.setInputFiles("#bundle-file", file("other-chain.json", otherChain));
    // The first upload's verdict is "other-registry" too: wait for the second one's own words, not for any verdict.
    await page.locator(".verdict-text", { hasText: "on Ethereum (chain id 1)" }).waitFor();
    await page.locator('#verify-result [data-verdict="other-registry"][data-checks]').waitFor();
    expect(await page.locator(".verdict-text").textContent()).to.contain("on Ethereum (chain id 1)");
    await never("bundle for another chain");
    await screenshot(page, "attack-upload-other-chain");
  });

  it("the CLI: MISMATCH for another registry or chain (exit 1), a usage error without a trust root (exit 2)", async function () {
    const forged = file("cli-forged.json", forgedBundle);
    const otherChain = file("cli-other-chain.json", {
      ...honestBundle,
      anchor: { ...honestBundle.anchor, chainId: 1 },
    });
    const run = await runCli(["verify", forged, otherChain, "--rpc", honest.rpcUrl, ...pin()]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.contain("MISMATCH: this proof is for another registry");
    expect(run.stdout).not.to.contain("ANCHORED");
    const bare = await runCli(["verify", forged, "--rpc", forger.rpcUrl]);
    expect(bare.code).to.equal(2);
    expect(bare.stderr).to.contain("a trust root is required");
    expect(bare.stdout).to.equal("");
  });

  it("the page and the CLI, fed the same bundles, reach the same verdict with the same check ids", async function () {
    const tampered = { ...honestBundle, record: { ...honestBundle.record, amount: "3.5" } };
    const unknownBatch = { ...honestBundle, batch: { ...honestBundle.batch, id: 77 } };
    const cases = {
      honest: honestBundle,
      forged: forgedBundle,
      "other-chain": { ...honestBundle, anchor: { ...honestBundle.anchor, chainId: 1 } },
      tampered,
      "unknown-batch": unknownBatch,
    };
    const files = Object.entries(cases).map(([name, bundle]) => file(`parity-${name}.json`, bundle));
    // The page reads each record's batch from its data source (this server): the CLI is given the same one.
    const cli = await runCli([
      "verify",
      ...files,
      "--rpc",
      honest.rpcUrl,
      ...pin(),
      "--server",
      honest.baseUrl,
      "--json",
    ]);
    const report = JSON.parse(cli.stdout) as { bundles: { verdict: string; checks: { id: string }[] }[] };
    await page.goto(`${honest.baseUrl}/verify`);
    await page.click("#bundle-box summary");
    const seen: string[] = [];
    for (const [i, target] of files.entries()) {
      await page.setInputFiles("#bundle-file", target);
      const expected = report.bundles[i]!;
      const verdict = page.locator(`#verify-result [data-core-verdict="${expected.verdict}"]`);
      await verdict.waitFor();
      expect(await verdict.getAttribute("data-checks"), target).to.equal(expected.checks.map((c) => c.id).join(" "));
      seen.push(expected.verdict);
      await screenshot(page, `parity-${Object.keys(cases)[i]}`);
      await page.setInputFiles("#bundle-file", []);
    }
    expect(seen).to.deep.equal(["anchored", "other-registry", "other-registry", "mismatch", "not-anchored"]);
  });

  it("after a key rotation (grant new, revoke old) the page and the CLI still accept an older receipt, alike", async function () {
    // The receipt's signer held ANCHORER_ROLE at its publishedAt: a later rotation never voids it (issue #12).
    const admin = new NonceManager(honest.wallets.admin.connect(honest.provider));
    const roles = new Contract(honest.registryAddress, ROLE_ABI, admin);
    const anchorer = honest.wallets.anchorer.address;
    await (await roles.getFunction("grantRole")(ANCHORER_ROLE, Wallet.createRandom().address)).wait();
    await (await roles.getFunction("revokeRole")(ANCHORER_ROLE, anchorer)).wait();
    try {
      expect(honestBundle.receipt?.signer.toLowerCase()).to.equal(anchorer.toLowerCase());
      const target = file("rotated.json", honestBundle);
      const cli = await runCli([
        "verify",
        target,
        "--rpc",
        honest.rpcUrl,
        ...pin(),
        "--server",
        honest.baseUrl,
        "--json",
      ]);
      const report = JSON.parse(cli.stdout) as {
        bundles: { verdict: string; checks: { id: string; ok: boolean }[] }[];
      };
      const [outcome] = report.bundles;
      expect(outcome!.verdict, cli.stdout).to.equal("anchored");
      expect(outcome!.checks.find((c) => c.id === "receipt-role")?.ok).to.equal(true);
      await page.goto(`${honest.baseUrl}/verify`);
      await page.click("#bundle-box summary");
      await page.setInputFiles("#bundle-file", target);
      const verdict = page.locator('#verify-result [data-core-verdict="anchored"]');
      await verdict.waitFor();
      expect(await verdict.getAttribute("data-checks")).to.equal(outcome!.checks.map((c) => c.id).join(" "));
      await screenshot(page, "parity-rotated-key");
    } finally {
      await (await roles.getFunction("grantRole")(ANCHORER_ROLE, anchorer)).wait();
    }
  });

  it("every other verdict, in plain words: no trust root, RPC on another chain, overdue, invalid file", async function () {
    const emptyMirror = fs.mkdtempSync(path.join(dir, "empty-"));
    // A page built without --trust and not served by an Aiqyn server trusts no registry, so it verifies nothing.
    const bare = await startStaticHost(emptyMirror);
    cleanup.push(bare.close);
    await page.goto(`${bare.url}/?api=${encodeURIComponent(honest.baseUrl)}#/verify/1`);
    expect(await verdictOf(page)).to.equal("no-trust-root");
    await screenshot(page, "verdict-no-trust-root");

    const otherChain = await startLyingRpc(honest.rpcUrl, null, 1);
    cleanup.push(otherChain.close);
    const liarHost = await startBakedHost(emptyMirror, honest, [otherChain.url]);
    cleanup.push(liarHost.close);
    await page.goto(`${liarHost.url}/?api=${encodeURIComponent(honest.baseUrl)}#/verify/1`);
    expect(await never("an RPC on another chain")).to.equal("wrong-chain");
    expect(await page.locator('[data-step="chain-id"]').getAttribute("data-ok")).to.equal("false");
    await screenshot(page, "verdict-wrong-chain");

    // A registry promising a 1-second delay, and a server that never seals: the receipt goes overdue.
    const late = await startTestStack({ batchIntervalMs: 3_600_000, server: { maxAnchorDelaySeconds: 1 } });
    cleanup.push(() => late.stop());
    const [receipt] = await postRecords(late, [sampleRecord()]);
    // The citizen's clock reads a few seconds past the registry's 1-second promise.
    await page.clock.setSystemTime((receipt!.publishedAt + 5) * 1000);
    await page.goto(`${late.baseUrl}/verify/1`);
    expect(await never("an overdue receipt")).to.equal("overdue");
    expect(await page.locator('[data-step="anchor-deadline"]').getAttribute("data-ok")).to.equal("false");
    await screenshot(page, "verdict-overdue");

    await page.goto(`${honest.baseUrl}/verify`);
    await page.click("#bundle-box summary");
    await page.fill("#bundle-text", '{ "format": "aiqyn-proof/1" }');
    await page.click("#bundle-text-submit");
    await page.locator('#verify-result [data-verdict="invalid-bundle"]').waitFor();
    await screenshot(page, "verdict-invalid-bundle");
  });
});
