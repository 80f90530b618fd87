// `aiqyn monitor` end to end: the real binary against the real server on the in-process chain. Each alert is
// provoked for real (role changes, a pause, a receipt past its deadline, a withheld batch, a listed batch the
// chain lacks, a source outage, a store edited after anchoring), and each is raised once across runs.
import { expect } from "chai";
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { Contract, type Wallet } from "ethers";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ANCHORER_ROLE, ZERO_BYTES32 } from "../../core";
import { fundedWallet } from "../helpers/chain";
import { deploySafe, execSafeSelfCall } from "../helpers/safe-admin";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { catchUpWithChainClock, chainArgs, jsonLines, runCli, startLyingProxy, trustArgs } from "./cli-helpers";

/** The registry's promise in this stack (seconds): short, so a receipt can go past it while paused. */
const DELAY = 8;

interface Alert {
  id: string;
  kind: string;
  severity: string;
  batchId?: number;
  seq?: number;
  account?: string;
  txHash?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alertsOf = (stdout: string) => jsonLines<Alert>(stdout);
const kinds = (alerts: Alert[]) => [...new Set(alerts.map((a) => a.kind))].sort();

async function raisedIds(state: string): Promise<string[]> {
  const text = await readFile(join(state, "alerts.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as Alert).id);
}

describe("cli: aiqyn monitor (real server, real chain)", function () {
  this.timeout(300_000);
  let stack: TestStack;
  let work: string;
  let state: string;
  let registry: Contract;
  /** The registry's admin after the admin transfer below (an EOA; later a Safe). */
  let newAdmin: Wallet;

  const monitorArgs = (server: string, dir = state, extra: string[] = []) => [
    "monitor",
    ...chainArgs(stack),
    "--server",
    server,
    "--state",
    dir,
    "--confirmations",
    "0",
    "--grace",
    "5",
    ...extra,
  ];
  const once = async (server = stack.baseUrl, dir = state, extra: string[] = []) => {
    const run = await runCli([...monitorArgs(server, dir, extra), "--once"]);
    return { ...run, alerts: alertsOf(run.stdout) };
  };
  const send = async (wallet: keyof TestStack["wallets"], fn: string, ...args: unknown[]) => {
    const tx = await (registry.connect(stack.wallets[wallet]) as Contract).getFunction(fn)(...args);
    return (await tx.wait()) as { hash: string };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "aiqyn-monitor-"));
    state = join(work, "state");
    stack = await startTestStack({ batchIntervalMs: 200, server: { maxAnchorDelaySeconds: DELAY } });
    await catchUpWithChainClock(stack.provider);
    registry = new Contract(
      stack.registryAddress,
      [
        "function pause()",
        "function unpause()",
        "function grantRole(bytes32 role, address account)",
        "function renounceRole(bytes32 role, address account)",
      ],
      stack.provider,
    );
    const receipts = await postRecords(stack, [sampleRecord(), sampleRecord({ asset: "BNB" })]);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
  });

  after(async () => stack?.stop());

  it("a clean registry: --once exits 0, quiet; the deployment's grants and the batch are kept as info", async () => {
    const run = await once();
    expect(run.code, run.stderr).to.equal(0);
    expect(run.alerts).to.deep.equal([]);
    const ids = await raisedIds(state);
    expect(ids.filter((id) => id.startsWith("ADMIN_GRANTED:"))).to.have.length(1);
    expect(ids.filter((id) => id.startsWith("ROLE_GRANTED:"))).to.have.length(2); // anchorer and pauser
    expect(ids).to.include("BATCH_ANCHORED:batch:1");
  });

  it("refuses to run without a trust root or a state directory, and cannot run without its chain (exit 2)", async () => {
    const noTrust = await runCli([
      "monitor",
      "--rpc",
      stack.rpcUrl,
      "--server",
      stack.baseUrl,
      "--state",
      state,
      "--once",
    ]);
    expect(noTrust.code).to.equal(2);
    expect(noTrust.stderr).to.contain("trust root is required");
    const noState = await runCli(["monitor", ...chainArgs(stack), "--server", stack.baseUrl, "--once"]);
    expect(noState.code).to.equal(2);
    expect(noState.stderr).to.contain("--state DIR is required");
    const noChain = await runCli([
      "monitor",
      "--rpc",
      "http://127.0.0.1:9",
      ...trustArgs(stack),
      "--server",
      stack.baseUrl,
      "--state",
      join(work, "no-chain"),
      "--once",
    ]);
    expect(noChain.code, "an unreachable registry chain: could not run").to.equal(2);
    expect(noChain.stderr).to.contain("CHAIN_UNAVAILABLE");
  });

  it("a role grant, an admin transfer and a pause: each raised once with its transaction (exit 1, then 0)", async () => {
    const newAnchorer = await fundedWallet(stack.provider);
    newAdmin = await fundedWallet(stack.provider);
    const grant = await send("admin", "grantRole", ANCHORER_ROLE, newAnchorer.address);
    await send("admin", "grantRole", ZERO_BYTES32, newAdmin.address);
    await send("admin", "renounceRole", ZERO_BYTES32, stack.wallets.admin.address);
    const pause = await send("pauser", "pause");
    const run = await once();
    expect(run.code, run.stderr).to.equal(1);
    expect(kinds(run.alerts)).to.deep.equal(["ADMIN_GRANTED", "ADMIN_REVOKED", "PAUSED", "ROLE_GRANTED"]);
    const granted = run.alerts.find((a) => a.kind === "ROLE_GRANTED")!;
    expect(granted.account).to.equal(newAnchorer.address.toLowerCase());
    expect(granted.txHash).to.equal(grant.hash);
    expect(run.alerts.find((a) => a.kind === "ADMIN_GRANTED")!.account).to.equal(newAdmin.address.toLowerCase());
    expect(run.alerts.find((a) => a.kind === "PAUSED")!.txHash).to.equal(pause.hash);
    const again = await once();
    expect(again.code, again.stderr).to.equal(0);
    expect(again.alerts).to.deep.equal([]);
  });

  it("the admin handed to a Safe, then the Safe's own key changes: an owner added, the threshold raised", async () => {
    const owner = await fundedWallet(stack.provider);
    const safe = await deploySafe(owner, [owner.address], 1);
    const safeAddress = (await safe.getAddress()).toLowerCase();
    await (await (registry.connect(newAdmin) as Contract).getFunction("grantRole")(ZERO_BYTES32, safeAddress)).wait();
    const second = await fundedWallet(stack.provider);
    const data = safe.interface.encodeFunctionData("addOwnerWithThreshold", [second.address, 2]);
    const tx = await execSafeSelfCall(safe, owner, data);
    const run = await once();
    expect(run.code, run.stderr).to.equal(1);
    expect(kinds(run.alerts)).to.deep.equal(["ADMIN_GRANTED", "SAFE_OWNER_ADDED", "SAFE_THRESHOLD_CHANGED"]);
    const added = run.alerts.find((a) => a.kind === "SAFE_OWNER_ADDED")!;
    expect([added.account, added.txHash]).to.deep.equal([safeAddress, tx]);
    expect(run.alerts.find((a) => a.kind === "ADMIN_GRANTED")!.account).to.equal(safeAddress);
    expect((await once()).alerts).to.deep.equal([]);
  });

  it("a receipt past its deadline while the registry is paused: RECEIPT_NOT_HONOURED and BATCH_OVERDUE", async () => {
    const [late] = await postRecords(stack, [sampleRecord({ asset: "ETH" })]);
    await sleep((late!.publishedAt + DELAY + 2) * 1000 - Date.now());
    const run = await once();
    expect(run.code, run.stderr).to.equal(1);
    expect(kinds(run.alerts)).to.deep.equal(["BATCH_OVERDUE", "RECEIPT_NOT_HONOURED"]);
    expect(run.alerts.find((a) => a.kind === "RECEIPT_NOT_HONOURED")!.seq).to.equal(late!.seq);
    await send("pauser", "unpause");
    await stack.waitForAnchored(late!.seq);
    const after = await once();
    expect(kinds(after.alerts), after.stderr).to.deep.equal(["LATE_ANCHOR"]);
    expect(after.alerts[0]!.seq).to.equal(late!.seq);
    // The receipt an auditor kept, given with --receipts to a fresh monitor: honoured, but late.
    const receiptFile = join(work, "late-receipt.json");
    await writeFile(receiptFile, JSON.stringify(late));
    const withReceipt = await once(stack.baseUrl, join(work, "with-receipt"), ["--receipts", receiptFile]);
    const lateOnes = withReceipt.alerts.filter((a) => a.seq === late!.seq).map((a) => a.kind);
    expect(lateOnes.sort(), withReceipt.stderr).to.deep.equal(["LATE_ANCHOR", "RECEIPT_LATE"]);
  });

  it("a withheld batch and a listed batch the chain lacks: BATCH_MISSING, BATCH_NOT_ON_CHAIN", async () => {
    const [withheld] = await postRecords(stack, [sampleRecord({ asset: "USDT" })]);
    await stack.waitForAnchored(withheld!.seq);
    const batchId = (
      (await (await fetch(`${stack.baseUrl}/api/v1/records/${withheld!.seq}`)).json()) as { batchId: number }
    ).batchId;
    // The newest batch's records are withheld (404), and a batch the chain lacks is described as anchored.
    const fake = { id: batchId + 1, status: "anchored", root: `0x${"ab".repeat(32)}`, firstSeq: 900, leafCount: 1 };
    const proxy = await startLyingProxy(stack.baseUrl, (path) => {
      if (path === `/api/v1/batches/${batchId}/records`) return { status: 404, json: { code: "BATCH_NOT_FOUND" } };
      if (path === `/api/v1/batches/${batchId + 1}`) return { status: 200, json: fake };
      return undefined;
    });
    try {
      const run = await once(proxy.url);
      expect(run.code, run.stderr).to.equal(1);
      expect(kinds(run.alerts)).to.deep.equal(["BATCH_MISSING", "BATCH_NOT_ON_CHAIN"]);
      expect(run.alerts.find((a) => a.kind === "BATCH_MISSING")!.batchId).to.equal(batchId);
      expect(run.alerts.find((a) => a.kind === "BATCH_NOT_ON_CHAIN")!.batchId).to.equal(batchId + 1);
    } finally {
      await proxy.close();
    }
    // The real server serves it: checked then, nothing new raised.
    const served = await once();
    expect(served.code, served.stderr).to.equal(0);
    const saved = JSON.parse(await readFile(join(state, "state.json"), "utf8")) as { withheld: number[] };
    expect(saved.withheld).to.deep.equal([]);
  });

  it("a source that keeps failing an anchored batch (HTTP 500): SOURCE_ERROR once the grace is over, then checked", async () => {
    const [failing] = await postRecords(stack, [sampleRecord({ asset: "SOL" })]);
    await stack.waitForAnchored(failing!.seq);
    const item = (await (await fetch(`${stack.baseUrl}/api/v1/records/${failing!.seq}`)).json()) as { batchId: number };
    const proxy = await startLyingProxy(stack.baseUrl, (path) =>
      path === `/api/v1/batches/${item.batchId}/records` ? { status: 500, json: { code: "INTERNAL" } } : undefined,
    );
    try {
      const first = await once(proxy.url);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stderr).to.contain(`batch ${item.batchId}'s records`);
      await sleep(5500); // --grace 5
      const later = await once(proxy.url);
      expect(later.code, later.stderr).to.equal(1);
      expect(later.alerts.map((a) => [a.kind, a.batchId])).to.deep.equal([["SOURCE_ERROR", item.batchId]]);
    } finally {
      await proxy.close();
    }
    const served = await once();
    expect(served.code, served.stderr).to.equal(0);
    const saved = JSON.parse(await readFile(join(state, "state.json"), "utf8")) as { expectedFirstSeq: number };
    expect(saved.expectedFirstSeq).to.equal(failing!.seq + 1);
  });

  it("a source outage and its recovery, while running: one alert each, and the batch anchored meanwhile checked", async () => {
    const server = new URL(stack.baseUrl);
    const tcp: TcpProxy = await startTcpProxy(server.hostname, Number(server.port));
    const child = spawn(
      process.execPath,
      [
        resolve(__dirname, "../../bin/aiqyn"),
        ...monitorArgs(tcp.url, state, ["--interval", "0.3", "--severity", "info"]),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    const waitFor = async (kind: string) => {
      for (let i = 0; i < 600 && !alertsOf(stdout).some((a) => a.kind === kind); i++) await sleep(50);
      expect(kinds(alertsOf(stdout)), stdout).to.include(kind);
    };
    try {
      await sleep(1500);
      await tcp.cut();
      await waitFor("SOURCE_UNAVAILABLE");
      const [during] = await postRecords(stack, [sampleRecord({ asset: "KZT" })]);
      await stack.waitForAnchored(during!.seq);
      await sleep(1000);
      await tcp.restore();
      await waitFor("SOURCE_RECOVERED");
      const saved = async () =>
        JSON.parse(await readFile(join(state, "state.json"), "utf8")) as { expectedFirstSeq: number };
      for (let i = 0; i < 200 && (await saved()).expectedFirstSeq <= during!.seq; i++) await sleep(50);
      expect((await saved()).expectedFirstSeq).to.equal(during!.seq + 1);
      const all = alertsOf(stdout);
      expect(all.filter((a) => a.kind === "SOURCE_UNAVAILABLE")).to.have.length(1);
      expect(all.filter((a) => a.kind === "SOURCE_RECOVERED")).to.have.length(1);
      expect(all.filter((a) => a.severity !== "info").map((a) => a.kind)).to.deep.equal(["SOURCE_UNAVAILABLE"]);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
      await tcp.close();
    }
  });

  it("killed mid-scan, a monitor resumes and raises no alert twice (the same alerts as one uninterrupted run)", async () => {
    const killed = join(work, "killed");
    const args = monitorArgs(stack.baseUrl, killed, ["--severity", "info", "--log-chunk", "1"]);
    const child = spawn(process.execPath, [resolve(__dirname, "../../bin/aiqyn"), ...args, "--once"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let first = "";
    child.stdout.on("data", (d: Buffer) => {
      first += d.toString("utf8");
      if (alertsOf(first.slice(0, first.lastIndexOf("\n") + 1)).length >= 3) child.kill("SIGKILL");
    });
    await new Promise((r) => child.once("close", r));
    const partial = JSON.parse(await readFile(join(killed, "state.json"), "utf8")) as { nextBatchId: number };
    const rest = await runCli([...args, "--once"]);
    expect(rest.code, rest.stderr).to.equal(1);
    const shown = [...alertsOf(first.slice(0, first.lastIndexOf("\n") + 1)), ...alertsOf(rest.stdout)].map((a) => a.id);
    expect(new Set(shown).size, "an alert shown twice").to.equal(shown.length);
    const whole = join(work, "whole");
    const uninterrupted = await runCli([...monitorArgs(stack.baseUrl, whole, ["--severity", "info"]), "--once"]);
    expect(uninterrupted.code).to.equal(1);
    const ids = await raisedIds(killed);
    expect(new Set(ids).size).to.equal(ids.length);
    expect([...ids].sort()).to.deep.equal([...(await raisedIds(whole))].sort());
    expect(partial.nextBatchId, "killed before the end of the scan").to.be.lessThan(
      (JSON.parse(await readFile(join(killed, "state.json"), "utf8")) as { nextBatchId: number }).nextBatchId,
    );
  });

  // Last: it edits the store behind the server's back.
  it("a batch whose records were changed in the store after anchoring: ROOT_MISMATCH", async () => {
    const [changed] = await postRecords(stack, [sampleRecord({ asset: "IBIT", amount: "10" })]);
    await stack.waitForAnchored(changed!.seq);
    await stack.stop();
    const db = new Database(join(stack.dataDir, "aiqyn.sqlite"));
    try {
      expect(db.prepare("UPDATE records SET amount = ? WHERE seq = ?").run("1000", changed!.seq).changes).to.equal(1);
    } finally {
      db.close();
    }
    await stack.restart();
    const run = await once();
    expect(run.code, run.stderr).to.equal(1);
    const root = run.alerts.find((a) => a.kind === "ROOT_MISMATCH");
    expect(root, JSON.stringify(run.alerts)).to.not.equal(undefined);
    const again = await once();
    expect(again.alerts.map((a) => a.kind)).to.not.include("ROOT_MISMATCH");
  });
});
