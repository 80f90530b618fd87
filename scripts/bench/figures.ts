/**
 * The fund view's in-browser check on 100,000 records (issue #10 item 6, issue #23), standalone or in
 * `npm run bench`'s web section (runFiguresBench):
 *   npx ts-node --transpile-only scripts/bench/figures.ts [--records N] [--batch-size N] [--no-browser]
 * Builds N records in batches, anchors every batch's root on Hardhat's in-process chain (served over HTTP
 * JSON-RPC on 127.0.0.1), then times the page's algorithm in Node: every record validated and hashed to its
 * leaf, every root recomputed (core/verify/batch-check.ts, core/protocol/tree-levels.ts), batch(id) read through core's
 * batching JSON-RPC transport in rounds of 25, and the totals (core/protocol/totals.ts). Then, if Chromium is there,
 * the page itself: the fund view over a static mirror of the same batches, from opening to "checked N of N",
 * on a first visit (a fresh browser profile, nothing cached) and after a reload (checked batches cached in
 * IndexedDB), with the longest task the main thread ran meanwhile (PerformanceObserver "longtask"). The first
 * visit is timed three ways: as the page runs it (web/src/batch-checker.ts: Web Workers, WebAssembly Keccak),
 * with the worker's WebAssembly refused (its script served under a CSP without 'wasm-unsafe-eval': core's JS
 * Keccak in the workers), and with no worker at all (its script missing: core's JS Keccak on the main thread,
 * how the page checked before the workers). Numbers are reports only.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Contract } from "ethers";
import {
  createHttpRpc,
  leafHash,
  RECORD_KIND_NAMES,
  rpcChainReads,
  TRUST_FORMAT,
  type OnChainBatch,
  type RecordKind,
  type RecordV1,
  type TrustRoot,
} from "../../core";
import { batchVerdict } from "../../core/verify/batch-check";
import { computeTotals } from "../../core/protocol/totals";
import { batchRoot } from "../../core/protocol/tree-levels";
import { chainRpcUrl, deployTestRegistry, testProvider } from "../../test/helpers/chain";
import { fmt, msSince, table } from "./harness";

const ROUND = 25;

type Served = { record: RecordV1; leaf: string };

/** N valid records: varied kinds, assets and months; 2% correct an earlier record, 1% retract one. */
function makeRecords(count: number): RecordV1[] {
  const kinds = RECORD_KIND_NAMES.filter((k) => k !== "RETRACTION" && k !== "WALLET_DECLARED") as RecordKind[];
  const assets = ["BTC", "ETH", "IBIT", "KZT", "USDT"];
  return Array.from({ length: count }, (_, i) => {
    const seq = i + 1;
    const retract = seq > 10 && seq % 100 === 7;
    const correct = seq > 10 && seq % 50 === 3;
    return {
      seq,
      kind: retract ? "RETRACTION" : kinds[seq % kinds.length]!,
      occurredAt: 1_700_000_000 + ((seq * 7919) % 60_000_000),
      publishedAt: 1_761_955_300 + seq,
      publisher: "ministry-of-finance",
      asset: assets[seq % assets.length]!,
      amount: retract ? "0" : `${(seq % 997) + 1}.${seq % 1000}`,
      valueUsd: retract ? "0" : `${(seq * 31) % 1_000_000}.${seq % 100}`,
      counterparty: `counterparty ${seq % 311}`,
      reference: `ref-${seq}`,
      documentHash: `0x${(seq % 256).toString(16).padStart(2, "0").repeat(32)}`,
      memo: "",
      corrects: retract || correct ? seq - 5 : 0,
    } as RecordV1;
  });
}

async function anchorAll(batches: Served[][], trust: TrustRoot, anchorer: import("ethers").Wallet) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as typeof import("hardhat");
  const abi = hre.artifacts.readArtifactSync("TransparencyRegistry").abi;
  const registry = new Contract(trust.registry, abi, anchorer);
  let firstSeq = 1;
  for (const [i, batch] of batches.entries()) {
    const root = batchRoot(batch.map((e) => e.leaf as `0x${string}`));
    await (await registry.getFunction("anchor")(i + 1, root, firstSeq, batch.length)).wait();
    firstSeq += batch.length;
  }
}

/** The page's algorithm in Node, over JSON as a source serves it. */
async function nodeCheck(json: string[], trust: TrustRoot, rpcUrl: string) {
  let posts = 0;
  // Once more on a reset connection: Node's fetch may reuse a keep-alive socket the chain's server has just
  // closed after the seconds spent building the records (seen as ECONNRESET on the first read).
  const countingFetch: typeof fetch = (...a) => (posts++, fetch(...a).catch(() => fetch(...a)));
  const reads = rpcChainReads(createHttpRpc(rpcUrl, { fetch: countingFetch, timeoutMs: 60_000 }), trust);
  const times = { parse: 0, chain: 0, check: 0, totals: 0 };
  const records = [];
  for (let start = 0; start < json.length; start += ROUND) {
    let t = process.hrtime.bigint();
    const ids = json.slice(start, start + ROUND).map((_, k) => start + k + 1);
    const onChain: (OnChainBatch | null)[] = await Promise.all(ids.map((id) => reads.batch(id)));
    times.chain += msSince(t);
    for (const [k, id] of ids.entries()) {
      t = process.hrtime.bigint();
      const entries = (JSON.parse(json[id - 1]!) as { records: Served[] }).records;
      times.parse += msSince(t);
      t = process.hrtime.bigint();
      const check = batchVerdict(id, entries, onChain[k]!);
      times.check += msSince(t);
      if (!check.ok) throw new Error(`batch ${id} failed: ${check.problem}`);
      records.push(...check.records);
    }
  }
  const t = process.hrtime.bigint();
  const stats = computeTotals(records, { records: records.length, anchored: records.length, pending: 0, batches: 0 });
  times.totals = msSince(t);
  return { times, kinds: stats.byKind.length, posts };
}

function writeMirror(dir: string, batches: Served[][], json: string[], trust: TrustRoot, rpcUrl: string): void {
  fs.mkdirSync(path.join(dir, "batches"), { recursive: true });
  const index = {
    format: "aiqyn-mirror/1",
    exportedAt: Math.floor(Date.now() / 1000),
    registry: { ...trust, rpcUrl, explorerUrl: null, receiptSigner: "bench", maxAnchorDelaySeconds: 3600 },
    batches: batches.map((b, i) => ({ ...JSON.parse(json[i]!).batch, file: `batches/${i + 1}.json` })),
  };
  json.forEach((text, i) => fs.writeFileSync(path.join(dir, "batches", `${i + 1}.json`), text));
  fs.writeFileSync(path.join(dir, "index.json"), JSON.stringify(index));
}

/** How the page's check ran on one visit: time to "checked N of N", the main thread's long tasks. */
export interface FirstVisit {
  ms: number;
  /** #fund-check's data-checker and data-keccak: where the batches were judged, with which Keccak. */
  checker: string;
  keccak: string;
  /**
   * The longest main-thread task while the batches were checked, before the one that totals and renders the
   * figures (ms; 0 when none reached the 50 ms a long task needs).
   */
  longestTaskMs: number;
  /** Main-thread time in those long tasks beyond 50 ms each (total blocking time, during the check). */
  blockingMs: number;
  /** The task in which the check ended: core's totals over every record, then the figures drawn (0 if < 50 ms). */
  finalTaskMs: number;
  checked: string;
}

export interface PageFigures {
  firstVisit: FirstVisit;
  /** The worker's WebAssembly refused (CSP without 'wasm-unsafe-eval' on its script): JS Keccak in workers. */
  workersJs: FirstVisit;
  /** No worker (its script missing): core's JS Keccak on the main thread. */
  mainThread: FirstVisit;
  reloadMs: number;
}

type Variant = "page" | "no-wasm" | "no-worker";

/** The fund view in real Chromium over a static mirror: first visits (fresh profiles) and a reload. */
async function browserCheck(batches: Served[][], json: string[], trust: TrustRoot, rpcUrl: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const web = require("../../test/web/browser") as typeof import("../../test/web/browser");
  if (!web.chromiumAvailable()) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-figures-bench-"));
  writeMirror(path.join(dir, "mirror"), batches, json, trust, rpcUrl);
  const host = await web.startStaticHost(path.join(dir, "mirror"), web.buildBakedPage(trust, [rpcUrl]));
  try {
    const visit = async (variant: Variant, reload: boolean): Promise<{ first: FirstVisit; reloadMs: number }> => {
      const browser = await web.launchBrowser();
      try {
        if (variant !== "page")
          await browser.context.route("**/figures-worker.js", async (route) => {
            if (variant === "no-worker") return route.fulfill({ status: 404, body: "not found" });
            const answer = await route.fetch();
            await route.fulfill({
              response: answer,
              headers: { ...answer.headers(), "content-security-policy": "script-src 'self'" },
            });
          });
        // Every long task (≥ 50 ms) of the main thread, and when #fund-check said done (in the task that totals
        // and renders the figures, which the check's own tasks end before).
        await browser.context.addInitScript(() => {
          const w = window as unknown as { __tasks: [number, number][]; __doneAt: number | null };
          w.__tasks = [];
          w.__doneAt = null;
          new PerformanceObserver((list) =>
            list.getEntries().forEach((e) => w.__tasks.push([e.startTime, e.duration])),
          ).observe({ type: "longtask", buffered: true });
          new MutationObserver(() => {
            if (w.__doneAt === null && document.querySelector('#fund-check[data-done="true"]'))
              w.__doneAt = performance.now();
          }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-done"] });
        });
        const page = await browser.context.newPage();
        const open = async (again: boolean): Promise<FirstVisit> => {
          const start = process.hrtime.bigint();
          if (again) await page.reload();
          else await page.goto(`${host.url}/?mirror=/mirror/#/fund`);
          const done = page.locator('#fund-check[data-done="true"]');
          await done.waitFor({ timeout: 600_000 });
          const ms = msSince(start);
          const { tasks, doneAt } = await page.evaluate(() => {
            const w = window as unknown as { __tasks: [number, number][]; __doneAt: number | null };
            return { tasks: w.__tasks, doneAt: w.__doneAt ?? Infinity };
          });
          const during = tasks.filter(([at, d]) => at + d < doneAt).map(([, d]) => d);
          const final = tasks.find(([at, d]) => at <= doneAt && doneAt <= at + d);
          return {
            ms,
            checker: (await done.getAttribute("data-checker")) ?? "none",
            keccak: (await done.getAttribute("data-keccak")) ?? "none",
            longestTaskMs: Math.max(0, ...during),
            blockingMs: during.reduce((n, d) => n + Math.max(0, d - 50), 0),
            finalTaskMs: final ? final[1] : 0,
            checked: (await page.locator("#fund-checked").textContent()) ?? "",
          };
        };
        const first = await open(false);
        const reloadMs = reload ? (await open(true)).ms : NaN;
        return { first, reloadMs };
      } finally {
        await browser.close();
      }
    };
    const page = await visit("page", true);
    const workersJs = (await visit("no-wasm", false)).first;
    const mainThread = (await visit("no-worker", false)).first;
    return { firstVisit: page.first, workersJs, mainThread, reloadMs: page.reloadMs } satisfies PageFigures;
  } finally {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface FiguresBench {
  records: number;
  batches: number;
  node: { parseMs: number; chainMs: number; checkMs: number; totalsMs: number; totalMs: number; posts: number };
  page: PageFigures | null;
  rows: string[][];
}

/** N records in batches of `batchSize`, anchored, checked in Node and (unless `browser` is false) in Chromium. */
export async function runFiguresBench(
  options: { records?: number; batchSize?: number; browser?: boolean; log?: (line: string) => void } = {},
): Promise<FiguresBench> {
  const COUNT = options.records ?? 100_000;
  const BATCH = options.batchSize ?? 1_000;
  const log = options.log ?? console.log;
  const rpcUrl = await chainRpcUrl();
  const deployed = await deployTestRegistry(testProvider(rpcUrl));
  const trust: TrustRoot = {
    format: TRUST_FORMAT,
    chainId: 31337,
    registry: deployed.address,
    deploymentBlock: deployed.deploymentBlock,
  };
  let t = process.hrtime.bigint();
  const all = makeRecords(COUNT).map((record) => ({ record, leaf: leafHash(record) as string }));
  const batches: Served[][] = [];
  for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
  log(`built ${fmt(COUNT)} records in ${batches.length} batches of ${fmt(BATCH)} (${fmt(msSince(t))} ms)`);
  t = process.hrtime.bigint();
  await anchorAll(batches, trust, deployed.anchorer);
  log(`anchored ${batches.length} roots on the in-process chain (${fmt(msSince(t))} ms)`);
  const json = batches.map((b, i) => {
    const batch = { id: i + 1, root: batchRoot(b.map((e) => e.leaf as `0x${string}`)), firstSeq: b[0]!.record.seq };
    return JSON.stringify({
      format: "aiqyn-mirror-batch/1",
      batch: { ...batch, leafCount: b.length, status: "anchored" },
      records: b,
    });
  });
  const bytes = json.reduce((n, s) => n + s.length, 0);

  t = process.hrtime.bigint();
  const node = await nodeCheck(json, trust, rpcUrl);
  const total = msSince(t);
  const rows: string[][] = [
    ["JSON.parse of the served batches", `${fmt(node.times.parse)} ms`, `${fmt(bytes / 1e6)} MB`],
    [`batch(id) reads of ${batches.length} batches`, `${fmt(node.times.chain)} ms`, `${node.posts} HTTP requests`],
    [
      "validate + leafHash + root, every batch (core's JS Keccak)",
      `${fmt(node.times.check)} ms`,
      `${fmt((COUNT / node.times.check) * 1000)} records/s`,
    ],
    ["totals (standing, by kind/asset/month)", `${fmt(node.times.totals)} ms`, `${node.kinds} kinds`],
    ["all of it, in Node", `${fmt(total)} ms`, ""],
  ];
  let page: PageFigures | null = null;
  if (options.browser !== false) {
    page = await browserCheck(batches, json, trust, rpcUrl);
    if (page) {
      const row = (what: string, v: FirstVisit) => [
        what,
        `${fmt(v.ms)} ms`,
        `${v.checker}, ${v.keccak} keccak; main thread while checking: longest task ${fmt(v.longestTaskMs)} ms, ` +
          `blocking ${fmt(v.blockingMs)} ms; then totals + render ${fmt(v.finalTaskMs)} ms`,
      ];
      rows.push(row("the page in Chromium, first visit (fetch + check + totals + render)", page.firstVisit));
      rows.push(row("  the same, the worker's WebAssembly refused", page.workersJs));
      rows.push(row("  the same, no worker (the check before issue #23)", page.mainThread));
      rows.push([
        "the page in Chromium, reloaded (page.reload(): the IndexedDB cache)",
        `${fmt(page.reloadMs)} ms`,
        "",
      ]);
      log(page.firstVisit.checked);
    } else rows.push(["the page in Chromium", "skipped", "no Chromium"]);
  }
  const nodeFigures = {
    parseMs: node.times.parse,
    chainMs: node.times.chain,
    checkMs: node.times.check,
    totalsMs: node.times.totals,
    totalMs: total,
    posts: node.posts,
  };
  return { records: COUNT, batches: batches.length, node: nodeFigures, page, rows };
}

if (require.main === module) {
  const { values: args } = parseArgs({
    options: {
      records: { type: "string", default: "100000" },
      "batch-size": { type: "string", default: "1000" },
      "no-browser": { type: "boolean", default: false },
    },
  });
  runFiguresBench({
    records: Number(args.records),
    batchSize: Number(args["batch-size"]),
    browser: !args["no-browser"],
  }).then(
    (bench) => {
      console.log(table([["step", "time", "note"], ...bench.rows]));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
