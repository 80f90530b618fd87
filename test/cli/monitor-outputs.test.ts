// `aiqyn monitor` reconciling the demo's declared wallets incrementally on the real chain, and its outputs: an
// undisclosed transfer from a declared wallet is an alert once; the webhook's signature verifies with the
// recipe of docs/MONITORING.md (and a refused POST is retried); the filters; the Atom feed.
import { expect } from "chai";
import hre from "hardhat";
import { Contract, HDNodeWallet, Mnemonic, parseUnits } from "ethers";
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainDemoRecords, DEMO_ACCOUNTS } from "../../server/demo/chain";
import { postRecords, startTestStack, type TestStack } from "../helpers/stack";
import { chainArgs, jsonLines, runCli } from "./cli-helpers";

interface Alert {
  id: string;
  kind: string;
  severity: string;
  account?: string;
  asset?: string;
  chain?: string;
}

interface Posted {
  body: string;
  signature: string | undefined;
  status: number;
}

/** The documented recipe: HMAC-SHA256 of the exact body bytes under the shared secret, hex, after "sha256=". */
function signatureValid(secret: string, body: string, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith("sha256=")) return false;
  const expected = createHmac("sha256", secret).update(Buffer.from(body, "utf8")).digest();
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver that refuses the first POST with a 503, then accepts. */
async function startReceiver(): Promise<{ url: string; posted: Posted[]; close: () => Promise<void> }> {
  const posted: Posted[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString("utf8")));
    req.on("end", () => {
      const status = posted.length === 0 ? 503 : 204;
      posted.push({ body, signature: req.headers["x-aiqyn-signature"] as string | undefined, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, posted, close: () => new Promise((r) => server.close(() => r())) };
}

const alertsOf = (stdout: string) => jsonLines<Alert>(stdout);

describe("cli: aiqyn monitor reconciles declared wallets; webhook, filters, feed", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let work: string;
  let token: string;
  let cold: HDNodeWallet;

  const monitor = (dir: string, extra: string[] = []) =>
    runCli([
      "monitor",
      ...chainArgs(stack),
      "--server",
      stack.baseUrl,
      "--state",
      join(work, dir),
      "--confirmations",
      "0",
      "--once",
      ...extra,
    ]);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-monitor-out-"));
    stack = await startTestStack({ batchIntervalMs: 200 });
    const accounts = hre.network.config.accounts as { mnemonic: string; path: string };
    const records = await chainDemoRecords({
      rpcUrl: stack.rpcUrl,
      chainId: 31337,
      registry: stack.registryAddress,
      mnemonic: accounts.mnemonic,
      path: accounts.path,
      artifact: hre.artifacts.readArtifactSync("DemoStablecoin"),
      now: Math.floor(Date.now() / 1000),
    });
    const receipts = await postRecords(stack, records);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    token = /erc20:(0x[0-9a-fA-F]{40})@/.exec(records[0]!.reference)![1]!;
    const mnemonic = Mnemonic.fromPhrase(accounts.mnemonic);
    cold = HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/${DEMO_ACCOUNTS.coldWallet}`).connect(stack.provider);
  });

  after(async () => stack?.stop());

  it("the demo's truthful records: quiet; then an undisclosed transfer out of the cold wallet is one alert", async () => {
    const clean = await monitor("main");
    expect(clean.code, clean.stdout + clean.stderr).to.equal(0);
    const saved = JSON.parse(await readFile(join(work, "main", "state.json"), "utf8")) as {
      chains: Record<string, { toBlock: number }>;
      reconcileRecords: unknown[];
    };
    expect(saved.reconcileRecords.length).to.be.greaterThan(0);
    const judgedTo = saved.chains["eip155:31337"]!.toBlock;

    const erc20 = new Contract(token, ["function transfer(address,uint256) returns (bool)"], cold);
    const tx = (await (
      await erc20.getFunction("transfer")(stack.wallets.admin.address, parseUnits("2", 6))
    ).wait()) as {
      hash: string;
    };
    const run = await monitor("main");
    expect(run.code, run.stderr).to.equal(1);
    const alerts = alertsOf(run.stdout);
    // The transfer itself, the transaction the cold wallet sent (its nonce), and the gas it paid (its native balance).
    expect(alerts.map((a) => a.kind).sort()).to.deep.equal([
      "NATIVE_UNEXPLAINED",
      "UNDISCLOSED_TRANSFER",
      "UNDISCLOSED_TX",
    ]);
    const transfer = alerts.find((a) => a.kind === "UNDISCLOSED_TRANSFER")!;
    expect(transfer.id).to.contain(tx.hash);
    for (const alert of alerts) {
      expect(alert.account!.toLowerCase()).to.equal(`eip155:31337:${cold.address.toLowerCase()}`);
      expect(alert.severity).to.equal("critical");
    }
    const after = JSON.parse(await readFile(join(work, "main", "state.json"), "utf8")) as typeof saved;
    expect(after.chains["eip155:31337"]!.toBlock).to.be.greaterThan(judgedTo);

    // New blocks move the final block: the findings over a range to it keep their ids (raised once).
    await stack.provider.send("evm_mine", []);
    await stack.provider.send("evm_mine", []);
    const again = await monitor("main");
    expect(again.code, again.stderr).to.equal(0);
    expect(alertsOf(again.stdout)).to.deep.equal([]);
  });

  it("filters by kind, asset, account and severity decide what is shown (and the exit code)", async () => {
    const account = `eip155:31337:${cold.address}`;
    const shown = await monitor("by-account", ["--account", account, "--kind", "UNDISCLOSED_TRANSFER"]);
    expect(alertsOf(shown.stdout).map((a) => a.kind)).to.deep.equal(["UNDISCLOSED_TRANSFER"]);
    expect(shown.code).to.equal(1);
    const byAddress = await monitor("by-address", ["--account", cold.address]);
    expect(alertsOf(byAddress.stdout)).to.have.length(3);
    const otherAsset = await monitor("by-asset", ["--asset", "BTC"]);
    expect(otherAsset.code, otherAsset.stderr).to.equal(0);
    expect(alertsOf(otherAsset.stdout)).to.deep.equal([]);
    const infoToo = await monitor("info", ["--severity", "info", "--kind", "ADMIN_GRANTED"]);
    expect(alertsOf(infoToo.stdout).map((a) => [a.kind, a.severity])).to.deep.equal([["ADMIN_GRANTED", "info"]]);
    const bad = await monitor("bad", ["--severity", "loud"]);
    expect(bad.code).to.equal(2);
  });

  it("the webhook: each alert POSTed once accepted, retried after a refusal, its signature verifies", async () => {
    const receiver = await startReceiver();
    const secret = "a shared secret between the monitor and the newsroom";
    const secretFile = join(work, "secret");
    await writeFile(secretFile, `${secret}\n`);
    try {
      const run = await monitor("hook", [
        "--severity",
        "info",
        "--webhook",
        receiver.url,
        "--webhook-secret-file",
        secretFile,
      ]);
      expect(run.code, run.stderr).to.equal(1);
      const shown = alertsOf(run.stdout);
      const accepted = receiver.posted.filter((p) => p.status === 204);
      expect(receiver.posted[0]!.status).to.equal(503);
      expect(receiver.posted[1]!.body, "the refused alert is sent again").to.equal(receiver.posted[0]!.body);
      expect(accepted.map((p) => (JSON.parse(p.body) as Alert).id)).to.deep.equal(shown.map((a) => a.id));
      for (const p of receiver.posted) expect(signatureValid(secret, p.body, p.signature)).to.equal(true);
      expect(signatureValid("another secret", accepted[0]!.body, accepted[0]!.signature)).to.equal(false);
      const tampered = accepted[0]!.body.replace('"severity":"', '"severity":"x');
      expect(signatureValid(secret, tampered, accepted[0]!.signature)).to.equal(false);
      expect((JSON.parse(accepted[0]!.body) as { format: string }).format).to.equal("aiqyn-alert/1");
    } finally {
      await receiver.close();
    }
  });

  it("from a static mirror (aiqyn export) instead of the server: the same alerts", async () => {
    const mirror = join(work, "mirror");
    const exported = await runCli(["export", "--server", stack.baseUrl, "--out", mirror]);
    expect(exported.code, exported.stderr).to.equal(0);
    const run = await runCli([
      "monitor",
      ...chainArgs(stack),
      "--mirror",
      mirror,
      "--state",
      join(work, "from-mirror"),
      "--confirmations",
      "0",
      "--once",
    ]);
    expect(run.code, run.stderr).to.equal(1);
    const server = (await readFile(join(work, "main", "alerts.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as Alert).id)
      .filter((id) => !id.startsWith("BATCH_ANCHORED") && !/^(ROLE|ADMIN)_GRANTED/.test(id));
    expect(
      alertsOf(run.stdout)
        .map((a) => a.id)
        .sort(),
    ).to.deep.equal(server.sort());
  });

  it("the Atom feed names each shown alert once, with its id and severity", async () => {
    const atom = join(work, "feed.atom");
    await monitor("feed", ["--atom", atom]);
    const text = await readFile(atom, "utf8");
    expect(text).to.match(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    const entries = text.match(/<entry>/g) ?? [];
    expect(entries).to.have.length(3);
    expect(text).to.contain("UNDISCLOSED_TRANSFER");
    expect(text).to.contain('<category term="UNDISCLOSED_TRANSFER" label="critical"/>');
  });
});
