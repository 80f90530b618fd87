/**
 * The audit's walk: pin a block, read the registry's state at it, then for every anchored batch (a small
 * window fetched ahead, processed strictly in order) check the chain's own consistency, the source's
 * records against the chain's root, the seqs, corrections and receipts. Only a bounded window of batches
 * is ever in memory. An unreachable chain is fatal (nothing to audit against); anything the source does
 * wrong is a finding.
 */
import {
  ANCHORER_ROLE,
  AiqynError,
  createRegistryReader,
  keccak256,
  ZERO_BYTES32,
  type Hex,
  type Keccak,
  type OnChainBatch,
  type RpcRequest,
} from "../../../core";
import { checkBatchRecords, checkChainBatch, checkListedBatch } from "./check-batch";
import { CorrectionsTracker } from "./corrections";
import { FindingCollector, type FindingInput } from "./findings";
import { Progress } from "./progress";
import { ReceiptBook, type LoadedReceipt } from "./receipts";
import type { AuditSource, ListedBatch, RegistryInfo, ServedItem, SourceResult } from "./source";

export interface AuditOptions {
  rpc: RpcRequest;
  registry: string;
  source: AuditSource;
  keccak?: Keccak;
  /** Batches fetched ahead of the one being checked (≥ 1). */
  concurrency: number;
  receipts?: LoadedReceipt[];
  receiptFindings?: FindingInput[];
  /** Overrides the source's maxAnchorDelaySeconds. */
  maxDelaySeconds?: number;
  now: number;
  progress?: (text: string) => void;
  keepPerCode?: number;
}

export interface AuditTotals {
  chainId: number;
  registry: string;
  blockNumber: number;
  batchesOnChain: number;
  nextSeq: number;
  head: Hex;
  batchesChecked: number;
  rootsMatched: number;
  recordsChecked: number;
  batchesListedBySource: number | null;
  receiptsChecked: number;
  maxAnchorDelaySeconds: number | null;
}

export interface AuditResult {
  totals: AuditTotals;
  findings: FindingCollector;
  sourceRegistry: RegistryInfo | null;
}

/** A chain read failed: the audit cannot go on (exit 2). */
export class ChainUnavailableError extends AiqynError {
  constructor(message: string, cause: unknown) {
    super("CHAIN_UNAVAILABLE", message, { cause });
  }
}

async function chainRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    throw new ChainUnavailableError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
}

export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const keccak = options.keccak ?? keccak256;
  const findings = new FindingCollector(options.keepPerCode);
  const add = (f: FindingInput) => findings.add(f);

  // Pin one block so every read sees the same registry state, even while new batches are being anchored.
  const blockHex = await chainRead("eth_blockNumber", () => options.rpc("eth_blockNumber", []));
  if (typeof blockHex !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(blockHex))
    throw new ChainUnavailableError("eth_blockNumber answered garbage", null);
  const reader = createRegistryReader(options.rpc, options.registry, blockHex);
  const chainId = await chainRead("eth_chainId", () => reader.chainId());
  const code = await chainRead("eth_getCode", () => reader.code());
  if (code === "0x") throw new ChainUnavailableError(`no contract at ${options.registry} on chain ${chainId}`, null);
  const [batchCount, nextSeq, head] = await chainRead("registry state", () =>
    Promise.all([reader.batchCount(), reader.nextSeq(), reader.head()]),
  );

  const info = await options.source.registryInfo();
  let sourceRegistry: RegistryInfo | null = null;
  if (!info.ok) {
    add({ code: "SOURCE_ERROR", message: `registry description: ${info.message}` });
  } else {
    sourceRegistry = info.value;
    if (info.value.chainId !== chainId || info.value.registry.toLowerCase() !== options.registry.toLowerCase()) {
      add({
        code: "REGISTRY_MISMATCH",
        message: `the source describes registry ${info.value.registry} on chain ${info.value.chainId}; the audit reads ${options.registry} on chain ${chainId}`,
        expected: { chainId, registry: options.registry },
        actual: { chainId: info.value.chainId, registry: info.value.registry },
      });
    }
  }
  const maxDelay = options.maxDelaySeconds ?? sourceRegistry?.maxAnchorDelaySeconds ?? null;

  let book: ReceiptBook | null = null;
  for (const f of options.receiptFindings ?? []) add(f);
  if (options.receipts) {
    if (maxDelay === null)
      throw new AiqynError("NO_MAX_DELAY", "the source states no maxAnchorDelaySeconds; pass --max-delay SECONDS");
    book = new ReceiptBook(maxDelay, add);
    await book.admit(options.receipts, chainId, options.registry, (signer) =>
      chainRead("hasRole", () => reader.hasRole(ANCHORER_ROLE, signer)),
    );
  }
  const receiptsChecked = book?.size ?? 0;

  const listing = await options.source.listBatches();
  let listed: Map<number, ListedBatch> | null = null;
  if (!listing.ok) add({ code: "SOURCE_ERROR", message: `batch list: ${listing.message}` });
  else listed = listing.value;
  if (listed) await checkExtraBatches(listed, batchCount, options, add);

  const totals: AuditTotals = {
    chainId,
    registry: options.registry,
    blockNumber: Number(BigInt(blockHex)),
    batchesOnChain: batchCount,
    nextSeq,
    head,
    batchesChecked: 0,
    rootsMatched: 0,
    recordsChecked: 0,
    batchesListedBySource: listed?.size ?? null,
    receiptsChecked,
    maxAnchorDelaySeconds: maxDelay,
  };

  const progress = new Progress(options.progress ?? null, batchCount);
  const corrections = new CorrectionsTracker();
  const fetchBatch = (
    id: number,
  ): Promise<{ chain: OnChainBatch; served: SourceResult<{ batch: unknown; items: ServedItem[] }> }> =>
    chainRead(`batch(${id})`, () => reader.batch(id)).then(async (chain) => {
      if (!chain) throw new ChainUnavailableError(`batch(${id}) is missing though batchCount() is ${batchCount}`, null);
      return { chain, served: await options.source.batchRecords(id, chain.leafCount) };
    });

  const window: Promise<Awaited<ReturnType<typeof fetchBatch>>>[] = [];
  let nextToFetch = 1;
  const fill = () => {
    while (nextToFetch <= batchCount && window.length < options.concurrency) {
      const pending = fetchBatch(nextToFetch++);
      pending.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
      window.push(pending);
    }
  };

  let expectedFirstSeq = 1;
  let prevHead: Hex = ZERO_BYTES32;
  try {
    for (let id = 1; id <= batchCount; id++) {
      fill();
      const { chain, served } = await window.shift()!;
      for (const f of checkChainBatch(id, chain, expectedFirstSeq, prevHead)) add(f);
      // Follow the chain's own values so one bad batch does not cascade into every later one.
      expectedFirstSeq = chain.firstSeq + chain.leafCount;
      prevHead = chain.head.toLowerCase() as Hex;
      book?.checkTiming(id, chain.firstSeq, chain.leafCount, chain.anchoredAt);

      const listedBatch = listed?.get(id);
      if (listed && !listedBatch) {
        add({
          code: "BATCH_MISSING",
          batchId: id,
          message: `batch ${id} is anchored on chain but the source does not list it`,
        });
      } else if (listedBatch) {
        for (const f of checkListedBatch(id, chain, listedBatch)) add(f);
      }

      if (!served.ok) {
        if (served.missing) {
          if (!listed || listedBatch)
            add({
              code: "BATCH_MISSING",
              batchId: id,
              message: `batch ${id} is anchored on chain but the source serves no records for it: ${served.message}`,
            });
        } else {
          add({ code: "SOURCE_ERROR", batchId: id, message: `batch ${id}'s records: ${served.message}` });
        }
        book?.markUnchecked(id, chain.firstSeq, chain.leafCount);
      } else {
        const result = checkBatchRecords(id, chain, served.value.items, keccak);
        for (const f of result.findings) add(f);
        for (const record of result.records) for (const f of corrections.add(record, id)) add(f);
        totals.recordsChecked += served.value.items.length;
        if (result.rootOk) {
          totals.rootsMatched++;
          book?.checkLeaves(id, chain.firstSeq, result.leaves);
        } else {
          book?.markUnchecked(id, chain.firstSeq, chain.leafCount);
        }
      }
      totals.batchesChecked++;
      progress.update(id, totals.recordsChecked, findings.total);
    }
  } finally {
    progress.update(totals.batchesChecked, totals.recordsChecked, findings.total, true);
    progress.finish();
  }

  if (nextSeq !== expectedFirstSeq) {
    add({
      code: "NEXT_SEQ_MISMATCH",
      message: `the contract's nextSeq() is ${nextSeq}; the last batch ends before ${expectedFirstSeq}`,
      expected: expectedFirstSeq,
      actual: nextSeq,
    });
  }
  if (head.toLowerCase() !== prevHead) {
    add({
      code: "HEAD_MISMATCH",
      message: "the contract's head() is not the last batch's head",
      expected: prevHead,
      actual: head,
    });
  }
  book?.checkUnanchored(nextSeq, options.now);
  return { totals, findings, sourceRegistry };
}

/**
 * Batches the source lists as anchored beyond the pinned batchCount: fine if the chain has them by now (anchored
 * during the audit), otherwise the source claims an anchoring that never happened.
 */
async function checkExtraBatches(
  listed: Map<number, ListedBatch>,
  batchCount: number,
  options: AuditOptions,
  add: (f: FindingInput) => void,
): Promise<void> {
  const extra = [...listed.values()].filter((b) => b.id > batchCount && b.status === "anchored");
  if (extra.length === 0) return;
  const latestCount = await chainRead("batchCount() at latest", () =>
    createRegistryReader(options.rpc, options.registry).batchCount(),
  );
  for (const b of extra) {
    if (b.id <= latestCount) continue;
    add({
      code: "BATCH_NOT_ON_CHAIN",
      batchId: b.id,
      message: `the source lists batch ${b.id} as anchored, but the chain has only ${latestCount} batch(es)`,
      expected: `batch id ≤ ${latestCount}`,
      actual: b.id,
    });
  }
}
