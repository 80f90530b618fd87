/**
 * The audit's walk: read the chain's facts at one pinned block (chain-facts.ts), then for every anchored batch
 * (a small window fetched ahead, processed strictly in order) check the chain against its own logs, the
 * source's records against the chain's root, seqs, timing, corrections and receipts; then the public views
 * and the fund's totals against the verified records. An unreachable chain is fatal (nothing to audit
 * against); anything the source does wrong is a finding.
 */
import {
  createRegistryReader,
  keccak256,
  effectiveCorrectors,
  recordStandings,
  ZERO_BYTES32,
  type Hex,
  type Keccak,
  type OnChainBatch,
  type RecordStanding,
  type RecordV1,
  type RpcRequest,
  type TrustRoot,
} from "../../../core";
import { checkBatchRecords } from "../../../core/verify/batch-check";
import { readChainFacts, chainRead, ChainUnavailableError, type ChainFacts } from "./chain-facts";
import { checkAnchorLog, checkChainBatch, checkListedBatch } from "./check-batch";
import type { CompiledRegistry } from "./code-check";
import { correctionReport, CorrectionsTracker, type CorrectionChain } from "./corrections";
import { FindingCollector, type FindingInput } from "./findings";
import { Progress } from "./progress";
import { ReceiptBook, type LoadedReceipt } from "./receipts";
import type { AuditSource, ListedBatch, RegistryInfo, ServedItem, SourceResult } from "./source";
import { TimingChecks, type LagRow } from "./timing";
import { fundFigures, type FundFigures } from "../../../core/protocol/totals";
import { auditMirrorBundles, auditServerViews, type VerifiedState } from "./views";

export { ChainUnavailableError };

export interface AuditOptions {
  rpc: RpcRequest;
  trust: TrustRoot;
  source: AuditSource;
  /** Where the public views live: a server's base URL, or a mirror directory (its bundles/). */
  views: { server: string; timeoutMs: number; sample: number; seed: string } | { mirror: string } | null;
  compiled: CompiledRegistry;
  keccak?: Keccak;
  /** Batches fetched ahead of the one being checked (≥ 1). */
  concurrency: number;
  receipts?: LoadedReceipt[];
  receiptFindings?: FindingInput[];
  /** A stricter deadline than the contract's maxAnchorDelay() (never a looser one). */
  stricterDelaySeconds?: number;
  /** Audit as of this block (default: the latest). */
  block?: number;
  /** Corrections and totals from the records published by this unix time (default: all verified records). */
  publishedBy?: number;
  /** Wall-clock unix seconds (for sealed batches the source lists now). */
  now: number;
  progress?: (text: string) => void;
  keepPerCode?: number;
}

export interface AuditTotals {
  chainId: number;
  registry: string;
  blockNumber: number;
  blockTimestamp: number;
  batchesOnChain: number;
  nextSeq: number;
  head: Hex;
  batchesChecked: number;
  rootsMatched: number;
  recordsChecked: number;
  batchesListedBySource: number | null;
  receiptsChecked: number;
  viewsChecked: number;
  /** The seed of the /records/:seq sample (null: no server views), so the same sample can be drawn again. */
  viewSeed: string | null;
  /** The deadline the audit judged by, and where it came from. */
  maxAnchorDelaySeconds: number;
  delaySource: "contract" | "stricter override (--max-delay)";
  contractMaxAnchorDelay: number;
  codeHash: Hex;
  codeMatches: boolean;
  immutables: Record<string, string>;
}

/** One row of the per-batch table. */
export interface BatchRow {
  id: number;
  firstSeq: number;
  leafCount: number;
  root: Hex;
  head: Hex;
  anchoredAt: number;
  anchorBlock: number | null;
  txHash: Hex | null;
  /** verified: the served records hash to the root; else why not. */
  records: "verified" | "mismatch" | "missing" | "source-error";
  lateRecords: number;
}

export interface AuditResult {
  totals: AuditTotals;
  findings: FindingCollector;
  sourceRegistry: RegistryInfo | null;
  batches: BatchRow[];
  lag: LagRow[];
  corrections: CorrectionChain[];
  fund: FundFigures;
  /** Every verified record, by seq (for the CSV export). */
  records: Map<number, RecordV1>;
  standings: Map<number, RecordStanding>;
  /** The --as-of time the corrections and totals were limited to, if any. */
  publishedBy?: number;
}

type Add = (f: FindingInput) => void;

export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const findings = new FindingCollector(options.keepPerCode);
  const add: Add = (f) => findings.add(f);
  const facts = await readChainFacts(options.rpc, options.trust, options.compiled, options.block);
  if (!facts.code.ok)
    add({
      code: "REGISTRY_CODE_MISMATCH",
      message: `the code at ${options.trust.registry} is not the compiled TransparencyRegistry: ${facts.code.problems.join("; ")}`,
      expected: `${options.compiled.artifactHash} (immutables zeroed)`,
      actual: facts.code.codeHash,
    });
  const delay = Math.min(facts.maxAnchorDelay, options.stricterDelaySeconds ?? Infinity);
  const sourceRegistry = await compareSourceRegistry(options.source, facts, options.trust, add);
  const book = admitReceipts(options, facts, delay, add);
  const listed = await listSourceBatches(options, facts, delay, add);
  const totals = initialTotals(options, facts, delay, listed, book);
  const walk = await walkBatches(options, facts, { delay, add, book, listed, totals, findings });
  book?.checkUnanchored(facts.nextSeq, facts.blockTimestamp);
  const standings = recordStandings(walk.records.values());
  const report = correctionsAndTotals(walk.records, standings, options.publishedBy, add);
  const state: VerifiedState = {
    ...walk,
    standings,
    correctedBy: effectiveCorrectors(walk.records.values(), standings),
    totals: fundFigures(walk.records.values(), standings),
    chainId: facts.chainId,
    registry: options.trust.registry,
    complete: totals.rootsMatched === facts.batchCount,
  };
  totals.viewsChecked = await auditViews(options, state, add);
  const lag = walk.timing.lagTable();
  const asOf = options.publishedBy !== undefined ? { publishedBy: options.publishedBy } : {};
  return {
    totals,
    findings,
    sourceRegistry,
    batches: walk.rows,
    lag,
    ...report,
    records: walk.records,
    standings,
    ...asOf,
  };
}

/**
 * The corrections report and the fund's totals, from the verified records published by `publishedBy` (all
 * when undefined): "as of a date". The views are always compared with the standings of every verified record.
 */
function correctionsAndTotals(
  records: Map<number, RecordV1>,
  allStandings: Map<number, RecordStanding>,
  publishedBy: number | undefined,
  add: Add,
): Pick<AuditResult, "corrections" | "fund"> {
  const scoped =
    publishedBy === undefined ? records : new Map([...records].filter(([, r]) => r.publishedAt <= publishedBy));
  const standings = publishedBy === undefined ? allStandings : recordStandings(scoped.values());
  return { corrections: correctionReport(scoped, standings, add), fund: fundFigures(scoped.values(), standings) };
}

/** The source's description against the pinned trust root and the contract's promise: compared, never adopted. */
async function compareSourceRegistry(
  source: AuditSource,
  facts: ChainFacts,
  trust: TrustRoot,
  add: Add,
): Promise<RegistryInfo | null> {
  const info = await source.registryInfo();
  if (!info.ok) {
    add({ code: "SOURCE_ERROR", message: `registry description: ${info.message}` });
    return null;
  }
  const { chainId, registry, maxAnchorDelaySeconds } = info.value;
  if (chainId !== trust.chainId || registry.toLowerCase() !== trust.registry.toLowerCase())
    add({
      code: "REGISTRY_MISMATCH",
      message: `the source describes registry ${registry} on chain ${chainId}; the trust root pins ${trust.registry} on chain ${trust.chainId}`,
      expected: { chainId: trust.chainId, registry: trust.registry },
      actual: { chainId, registry },
    });
  if (maxAnchorDelaySeconds !== facts.maxAnchorDelay)
    add({
      code: "DELAY_MISMATCH",
      message: `the source states maxAnchorDelaySeconds ${String(maxAnchorDelaySeconds)}; the contract's maxAnchorDelay() is ${facts.maxAnchorDelay} (the audit uses the contract's)`,
      expected: facts.maxAnchorDelay,
      actual: maxAnchorDelaySeconds,
    });
  return info.value;
}

function admitReceipts(options: AuditOptions, facts: ChainFacts, delay: number, add: Add): ReceiptBook | null {
  for (const f of options.receiptFindings ?? []) add(f);
  if (!options.receipts) return null;
  const book = new ReceiptBook(delay, add);
  book.admit(options.receipts, facts.chainId, options.trust.registry, facts.roles);
  return book;
}

/** The source's batch list; anchored batches the chain lacks, and sealed batches past the deadline, are findings. */
async function listSourceBatches(
  options: AuditOptions,
  facts: ChainFacts,
  delay: number,
  add: Add,
): Promise<Map<number, ListedBatch> | null> {
  const listing = await options.source.listBatches();
  if (!listing.ok) {
    add({ code: "SOURCE_ERROR", message: `batch list: ${listing.message}` });
    return null;
  }
  await checkExtraBatches(listing.value, facts, options, add);
  await checkOverdueBatches(listing.value, facts, options, delay, add);
  return listing.value;
}

function initialTotals(
  options: AuditOptions,
  facts: ChainFacts,
  delay: number,
  listed: Map<number, ListedBatch> | null,
  book: ReceiptBook | null,
): AuditTotals {
  return {
    chainId: facts.chainId,
    registry: options.trust.registry,
    blockNumber: facts.blockNumber,
    blockTimestamp: facts.blockTimestamp,
    batchesOnChain: facts.batchCount,
    nextSeq: facts.nextSeq,
    head: facts.head,
    batchesChecked: 0,
    rootsMatched: 0,
    recordsChecked: 0,
    batchesListedBySource: listed?.size ?? null,
    receiptsChecked: book?.size ?? 0,
    viewsChecked: 0,
    viewSeed: options.views && "server" in options.views ? options.views.seed : null,
    maxAnchorDelaySeconds: delay,
    delaySource: delay < facts.maxAnchorDelay ? "stricter override (--max-delay)" : "contract",
    contractMaxAnchorDelay: facts.maxAnchorDelay,
    codeHash: facts.code.codeHash,
    codeMatches: facts.code.ok,
    immutables: facts.code.immutables,
  };
}

interface WalkContext {
  delay: number;
  add: Add;
  book: ReceiptBook | null;
  listed: Map<number, ListedBatch> | null;
  totals: AuditTotals;
  findings: FindingCollector;
}

interface Fetched {
  chain: OnChainBatch;
  served: SourceResult<{ batch: unknown; items: ServedItem[] }>;
}

interface WalkResult {
  records: Map<number, RecordV1>;
  leaves: Map<number, Hex>;
  batchOf: Map<number, { id: number; root: Hex; firstSeq: number; leafCount: number }>;
  rows: BatchRow[];
  timing: TimingChecks;
}

/** Fetches batches ahead in a bounded window and checks them strictly in order. */
async function walkBatches(options: AuditOptions, facts: ChainFacts, ctx: WalkContext): Promise<WalkResult> {
  const fetchBatch = async (id: number): Promise<Fetched> => {
    const chain = await chainRead(`batch(${id})`, () => facts.reader.batch(id));
    if (!chain)
      throw new ChainUnavailableError(`batch(${id}) is missing though batchCount() is ${facts.batchCount}`, null);
    return { chain, served: await options.source.batchRecords(id, chain.leafCount) };
  };
  const window: Promise<Fetched>[] = [];
  let nextToFetch = 1;
  const fill = () => {
    while (nextToFetch <= facts.batchCount && window.length < options.concurrency) {
      const pending = fetchBatch(nextToFetch++);
      pending.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
      window.push(pending);
    }
  };
  const walker = new BatchWalker(options, facts, ctx);
  const progress = new Progress(options.progress ?? null, facts.batchCount);
  try {
    for (let id = 1; id <= facts.batchCount; id++) {
      fill();
      walker.check(id, await window.shift()!);
      progress.update(id, ctx.totals.recordsChecked, ctx.findings.total);
    }
  } finally {
    progress.update(ctx.totals.batchesChecked, ctx.totals.recordsChecked, ctx.findings.total, true);
    progress.finish();
  }
  walker.finish();
  return walker.result;
}

/** The per-batch checks, with the state that runs across batches (seqs, heads, corrections, timing). */
class BatchWalker {
  private expectedFirstSeq = 1;
  private prevHead: Hex = ZERO_BYTES32;
  private prevLogHead: Hex = ZERO_BYTES32;
  private readonly corrections = new CorrectionsTracker();
  private readonly keccak: Keccak;
  readonly result: WalkResult;

  constructor(
    private readonly options: AuditOptions,
    private readonly facts: ChainFacts,
    private readonly ctx: WalkContext,
  ) {
    this.keccak = options.keccak ?? keccak256;
    this.result = {
      records: new Map(),
      leaves: new Map(),
      batchOf: new Map(),
      rows: [],
      timing: new TimingChecks(ctx.delay, ctx.add),
    };
  }

  check(id: number, { chain, served }: Fetched): void {
    const { add, book } = this.ctx;
    const early: FindingInput[] = checkChainBatch(id, chain, this.expectedFirstSeq, this.prevHead);
    this.prevLogHead = checkAnchorLog(id, chain, this.facts.anchors.get(id), this.prevLogHead, early);
    early.forEach(add);
    // Follow the chain's own values so one bad batch does not cascade into every later one.
    this.expectedFirstSeq = chain.firstSeq + chain.leafCount;
    this.prevHead = chain.head.toLowerCase() as Hex;
    book?.checkTiming(id, chain.firstSeq, chain.leafCount, chain.anchoredAt);
    this.checkListing(id, chain, served);
    const row = this.row(id, chain);
    row.records = served.ok
      ? this.checkRecords(id, chain, served.value.items, row)
      : served.missing
        ? "missing"
        : "source-error";
    if (row.records !== "verified") book?.markUnchecked(id, chain.firstSeq, chain.leafCount);
    this.result.rows.push(row);
    this.ctx.totals.batchesChecked++;
  }

  private checkListing(id: number, chain: OnChainBatch, served: Fetched["served"]): void {
    const { listed, add } = this.ctx;
    const listedBatch = listed?.get(id);
    if (listed && !listedBatch)
      add({
        code: "BATCH_MISSING",
        batchId: id,
        message: `batch ${id} is anchored on chain but the source does not list it`,
      });
    else if (listedBatch) checkListedBatch(id, chain, listedBatch).forEach(add);
    if (served.ok) return;
    if (!served.missing)
      add({ code: "SOURCE_ERROR", batchId: id, message: `batch ${id}'s records: ${served.message}` });
    else if (!listed || listedBatch)
      add({
        code: "BATCH_MISSING",
        batchId: id,
        message: `batch ${id} is anchored on chain but the source serves no records for it: ${served.message}`,
      });
  }

  private row(id: number, chain: OnChainBatch): BatchRow {
    const log = this.facts.anchors.get(id)?.[0];
    const { firstSeq, leafCount, root, head, anchoredAt } = chain;
    return {
      id,
      firstSeq,
      leafCount,
      root,
      head,
      anchoredAt,
      anchorBlock: log?.blockNumber ?? null,
      txHash: log?.transactionHash ?? null,
      records: "mismatch",
      lateRecords: 0,
    };
  }

  private checkRecords(id: number, chain: OnChainBatch, items: ServedItem[], row: BatchRow): BatchRow["records"] {
    const { add, totals, book } = this.ctx;
    const result = checkBatchRecords(id, chain, items, { keccak: this.keccak, skipCorrectsNotEarlier: true });
    result.findings.forEach(add);
    for (const record of result.records) this.corrections.add(record, id).forEach(add);
    totals.recordsChecked += items.length;
    if (!result.rootOk) return "mismatch";
    totals.rootsMatched++;
    book?.checkLeaves(id, chain.firstSeq, result.leaves);
    row.lateRecords = this.result.timing.batch(id, result.records, chain.anchoredAt);
    const batch = { id, root: chain.root, firstSeq: chain.firstSeq, leafCount: chain.leafCount };
    result.records.forEach((record, i) => {
      this.result.records.set(record.seq, record);
      this.result.leaves.set(record.seq, result.leaves[i]!);
      this.result.batchOf.set(record.seq, batch);
    });
    return "verified";
  }

  finish(): void {
    const { add } = this.ctx;
    const { nextSeq, head } = this.facts;
    if (nextSeq !== this.expectedFirstSeq)
      add({
        code: "NEXT_SEQ_MISMATCH",
        message: `the contract's nextSeq() is ${nextSeq}; the last batch ends before ${this.expectedFirstSeq}`,
        expected: this.expectedFirstSeq,
        actual: nextSeq,
      });
    if (head.toLowerCase() !== this.prevHead)
      add({
        code: "HEAD_MISMATCH",
        message: "the contract's head() is not the last batch's head",
        expected: this.prevHead,
        actual: head,
      });
    for (const id of this.facts.anchors.keys())
      if (id > this.facts.batchCount)
        add({
          code: "BATCH_LOG_MISMATCH",
          batchId: id,
          message: `a BatchAnchored log names batch ${id}, past batchCount() ${this.facts.batchCount}`,
        });
  }
}

/**
 * Batches the source lists as anchored beyond the pinned batchCount: fine if the chain has them by now (anchored
 * during the audit, or after --block), otherwise the source claims an anchoring that never happened.
 */
async function checkExtraBatches(
  listed: Map<number, ListedBatch>,
  facts: ChainFacts,
  options: AuditOptions,
  add: Add,
): Promise<void> {
  const extra = [...listed.values()].filter((b) => b.id > facts.batchCount && b.status === "anchored");
  if (extra.length === 0) return;
  const latestCount = await chainRead("batchCount() at latest", () =>
    createRegistryReader(options.rpc, options.trust.registry).batchCount(),
  );
  for (const b of extra.filter((x) => x.id > latestCount))
    add({
      code: "BATCH_NOT_ON_CHAIN",
      batchId: b.id,
      message: `the source lists batch ${b.id} as anchored, but the chain has only ${latestCount} batch(es)`,
      expected: `batch id ≤ ${latestCount}`,
      actual: b.id,
    });
}

/**
 * Sealed batches the chain does not have yet: once their oldest record (or, failing that, the sealing) is older
 * than the deadline, they are overdue (withholding, or a registry paused with records waiting).
 */
async function checkOverdueBatches(
  listed: Map<number, ListedBatch>,
  facts: ChainFacts,
  options: AuditOptions,
  delay: number,
  add: Add,
): Promise<void> {
  const waiting = [...listed.values()].filter((b) => b.id > facts.batchCount && b.status !== "anchored");
  for (const b of waiting) {
    const since = await oldestPublishedAt(options.source, b);
    if (since === null || options.now <= since + delay) continue;
    add({
      code: "BATCH_OVERDUE",
      batchId: b.id,
      message: `batch ${b.id} is "${b.status}" and not anchored ${options.now - since} s after its oldest record was published; the registry promises ${delay} s`,
      expected: `anchored by ${since + delay}`,
      actual: `not anchored at ${options.now}`,
    });
  }
}

async function oldestPublishedAt(source: AuditSource, batch: ListedBatch): Promise<number | null> {
  const leafCount = typeof batch.leafCount === "number" ? batch.leafCount : 10_000;
  const served = await source.batchRecords(batch.id, leafCount);
  const times = served.ok
    ? served.value.items
        .map((i) => (i.record as { publishedAt?: unknown })?.publishedAt)
        .filter((t): t is number => typeof t === "number")
    : [];
  if (times.length > 0) return Math.min(...times);
  return typeof batch.sealedAt === "number" ? batch.sealedAt : null;
}

async function auditViews(options: AuditOptions, state: VerifiedState, add: Add): Promise<number> {
  if (!options.views) return 0;
  if ("mirror" in options.views) return auditMirrorBundles(options.views.mirror, state, add);
  return auditServerViews(
    {
      baseUrl: options.views.server,
      timeoutMs: options.views.timeoutMs,
      sample: options.views.sample,
      seed: options.views.seed,
    },
    state,
    add,
  );
}
