// The monitor's pure parts: the webhook's signature against RFC 4231's HMAC-SHA256 vector, alert ids that stay
// stable while a range grows to the final block, the filters, the feed's escaping, and the state directory's lock
// and torn last line.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding } from "../../core";
import { UsageError } from "../../scripts/cli/args";
import { passes, reconcileAlert, type Alert, type AlertFilter } from "../../scripts/cli/monitor/alerts";
import { atomFeed, webhookBody, webhookSignature } from "../../scripts/cli/monitor/sinks";
import { StateDir } from "../../scripts/cli/monitor/state";

const alert = (fields: Partial<Alert>): Alert => ({
  id: "X:1",
  kind: "UNDISCLOSED_TRANSFER",
  severity: "critical",
  registry: "eip155:1:0x0000000000000000000000000000000000000001",
  message: "m",
  raisedAt: "2026-12-07T00:00:00.000Z",
  ...fields,
});

const undisclosedTx = (sent: number, to: number): Finding => ({
  code: "UNDISCLOSED_TX",
  seq: 4,
  chain: "eip155:56",
  account: "eip155:56:0xAbC0000000000000000000000000000000000001",
  asset: null,
  movement: `blocks 11-${to}`,
  expected: "0 transaction(s) sent, as records name",
  actual: `the nonce rose by ${sent}`,
  message: `eip155:56:0xAbC0000000000000000000000000000000000001 sent ${sent} transaction(s) in blocks 11-${to} that no record names`,
});

describe("cli: aiqyn monitor's parts", () => {
  it("signs the webhook body as HMAC-SHA256, hex (RFC 4231 test case 2)", () => {
    expect(webhookSignature("Jefe", "what do ya want for nothing?")).to.equal(
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    const body = webhookBody(alert({}));
    expect(JSON.parse(body)).to.include({ format: "aiqyn-alert/1", id: "X:1" });
    expect(webhookSignature("k", body)).to.not.equal(webhookSignature("k", body.replace("X:1", "X:2")));
  });

  it("keeps a ranged finding's id while its range grows to the final block, and changes it when more is hidden", () => {
    const at100 = reconcileAlert(undisclosedTx(1, 100), 100);
    const at250 = reconcileAlert(undisclosedTx(1, 250), 250);
    const more = reconcileAlert(undisclosedTx(2, 250), 250);
    expect(at250.id).to.equal(at100.id);
    expect(more.id).to.not.equal(at100.id);
    // A range that ends before the final block is a fact of its own.
    expect(reconcileAlert(undisclosedTx(1, 100), 250).id).to.not.equal(at250.id);
  });

  it("filters by severity, kind, asset and account (a CAIP-10 account also matches its bare address)", () => {
    const none: AlertFilter = { kinds: null, assets: null, accounts: null, minSeverity: "warning" };
    const account = "eip155:56:0xAbC0000000000000000000000000000000000001";
    const a = alert({ asset: "USDT", account });
    expect(passes(a, none)).to.equal(true);
    expect(passes(alert({ severity: "info" }), none)).to.equal(false);
    expect(passes(a, { ...none, minSeverity: "critical" })).to.equal(true);
    expect(passes(a, { ...none, kinds: new Set(["ROOT_MISMATCH"]) })).to.equal(false);
    expect(passes(a, { ...none, assets: new Set(["USDT"]) })).to.equal(true);
    expect(passes(alert({}), { ...none, assets: new Set(["USDT"]) })).to.equal(false);
    expect(passes(a, { ...none, accounts: new Set([account.toLowerCase()]) })).to.equal(true);
    expect(passes(a, { ...none, accounts: new Set(["0xabc0000000000000000000000000000000000001"]) })).to.equal(true);
    expect(passes(a, { ...none, accounts: new Set(["0xabc0000000000000000000000000000000000002"]) })).to.equal(false);
  });

  it("escapes what a hostile record or source puts in a message, in the Atom feed", () => {
    const feed = atomFeed("eip155:1:0x01", [alert({ message: '<script>alert("x")</script> & more' })], new Date(0));
    expect(feed).to.not.contain("<script>");
    expect(feed).to.contain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more");
    expect(feed.match(/<entry>/g)).to.have.length(1);
  });

  it("refuses a state directory a live monitor holds, takes over a dead one's, and drops a torn last alert line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiqyn-monitor-state-"));
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"]);
    try {
      await writeFile(join(dir, "lock"), String(sleeper.pid));
      let refused: unknown;
      await StateDir.open(dir).catch((e: unknown) => (refused = e));
      expect(refused).to.be.instanceOf(UsageError);
      expect((refused as Error).message).to.contain(`pid ${sleeper.pid}`);
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.once("exit", r));
    }
    await appendFile(join(dir, "alerts.jsonl"), JSON.stringify(alert({ id: "A:1" })) + "\n" + '{"id":"B:1","ki');
    const state = await StateDir.open(dir);
    try {
      expect(state.has("A:1")).to.equal(true);
      expect(state.has("B:1")).to.equal(false);
      expect(state.raisedCount).to.equal(1);
      state.append([alert({ id: "C:1" })]);
    } finally {
      await state.release();
    }
    const reopened = await StateDir.open(dir);
    try {
      expect((await reopened.readAlerts()).map((a) => a.id)).to.deep.equal(["A:1", "C:1"]);
    } finally {
      await reopened.release();
    }
  });
});
