/**
 * One monitoring cycle: pin the registry chain's final block (latest − confirmations); read the registry's
 * events since the last cycle in windows (each window's governance events raised, its BatchAnchored logs
 * queued, the position saved); check the queued batches in order while the source answers; ask again for
 * withheld batches; judge the source's listing and its pending receipts; reconcile the declared wallets from
 * where the last cycle stopped. A chain that does not answer ends the cycle (ChainUnavailableError: the
 * caller backs off); a source that does not answer is an alert once, and the batches wait for it.
 */
import {
  ANCHORER_ROLE,
  AiqynError,
  readRoleHistory,
  createRegistryReader,
  registryCaip10,
  type Keccak,
  type RpcRequest,
  type TrustRoot,
} from "../../../core";
import { chainRead, ChainUnavailableError } from "../audit/chain-facts";
import type { FindingInput } from "../audit/findings";
import { ReceiptBook, type LoadedReceipt } from "../audit/receipts";
import type { AuditSource, ListedBatch } from "../audit/source";
import { auditAlert, type AlertInput } from "./alerts";
import { checkNextBatch, recheckWithheld, type BatchContext } from "./batches";
import type { AlertDesk } from "./desk";
import { readRegistryEvents, readSafeEvents } from "./events";
import { readListing } from "./listing";
import { reconcileStep } from "./reconcile-step";
import { checkListing, checkPendingReceipts, overdueReceipts } from "./source-checks";
import type { BitcoinChainReaderOption } from "../bitcoin-targets";
import { initialState, type MonitorState, type StateDir } from "./state";

export interface MonitorOptions {
  trust: TrustRoot;
  rpc: RpcRequest;
  /** A fresh view of the source each cycle (a mirror's index is read again). */
  source: () => AuditSource;
  server: string | null;
  mirrorBundles: ((seq: number) => Promise<unknown>) | null;
  chainRpcs: Map<string, string>;
  /** Bitcoin chains (bip122) and their Esplora readers, reconciled beside the EVM ones. */
  bitcoin: Map<string, BitcoinChainReaderOption>;
  confirmations: number;
  timeoutMs: number;
  keccak: Keccak;
  receipts: LoadedReceipt[];
  viewSample: number;
  graceSeconds: number;
  /** Blocks of registry events read per window (the state is saved after each). */
  windowBlocks: number;
  logChunk: number;
  now: () => number;
  log: (text: string) => void;
}

export interface CycleResult {
  finalBlock: number;
  batchesChecked: number;
  recordsChecked: number;
  sourceUp: boolean;
}

export class Monitor {
  private delay: number | null = null;
  private deploymentBlock = 0;
  private book: ReceiptBook | null = null;
  /** What the book of --receipts found while batches were checked (raised with the batch). */
  private readonly receiptFindings: FindingInput[] = [];

  constructor(
    private readonly options: MonitorOptions,
    private readonly dir: StateDir,
    private readonly desk: AlertDesk,
    public state: MonitorState,
  ) {}

  /** The saved state, or a fresh one from the registry's deployment block (the trust root's, else the contract's). */
  static async loadState(options: MonitorOptions, dir: StateDir): Promise<MonitorState> {
    const saved = await dir.load(options.trust);
    if (saved) return saved;
    const reader = createRegistryReader(options.rpc, options.trust.registry);
    const deployed =
      options.trust.deploymentBlock || (await chainRead("deploymentBlock()", () => reader.deploymentBlock()));
    return initialState(options.trust, deployed);
  }

  /** Once per process: the chain is the pinned one, the registry is there, and its promise (maxAnchorDelay). */
  private async pin(): Promise<number> {
    const { rpc, trust } = this.options;
    const reader = createRegistryReader(rpc, trust.registry);
    const chainId = await chainRead("eth_chainId", () => reader.chainId());
    if (chainId !== trust.chainId)
      throw new AiqynError(
        "CHAIN_ID_MISMATCH",
        `the RPC serves chain ${chainId}; the trust root pins chain ${trust.chainId}`,
      );
    if ((await chainRead("eth_getCode", () => reader.code())) === "0x")
      throw new AiqynError("REGISTRY_NOT_FOUND", `no contract at ${trust.registry} on chain ${chainId}`);
    const [delay, deploymentBlock] = await chainRead("maxAnchorDelay()", () =>
      Promise.all([reader.maxAnchorDelay(), reader.deploymentBlock()]),
    );
    this.deploymentBlock = trust.deploymentBlock || deploymentBlock;
    if (this.options.receipts.length > 0) await this.admitReceipts(delay);
    return delay;
  }

  /** The --receipts, admitted by the anchoring role's history up to now (signature and role at publishedAt). */
  private async admitReceipts(delay: number): Promise<void> {
    const { rpc, trust } = this.options;
    const latest = Number(BigInt((await chainRead("eth_blockNumber", () => rpc("eth_blockNumber", []))) as string));
    const roles = await chainRead("role history", () =>
      readRoleHistory(rpc, {
        registry: trust.registry,
        role: ANCHORER_ROLE,
        fromBlock: this.deploymentBlock,
        toBlock: latest,
      }),
    );
    this.book = new ReceiptBook(delay, (f) => this.receiptFindings.push(f));
    this.book.admit(this.options.receipts, trust.chainId, trust.registry, roles);
  }

  async cycle(): Promise<CycleResult> {
    this.delay ??= await this.pin();
    const { rpc, confirmations } = this.options;
    const latestHex = await chainRead("eth_blockNumber", () => rpc("eth_blockNumber", []));
    if (typeof latestHex !== "string") throw new ChainUnavailableError("eth_blockNumber answered garbage", null);
    const finalBlock = Math.max(0, Number(BigInt(latestHex)) - confirmations);
    const source = this.options.source();
    const result: CycleResult = {
      finalBlock,
      batchesChecked: 0,
      recordsChecked: 0,
      sourceUp: await this.checkSource(source),
    };
    const newRecordsBefore = this.state.reconcileRecords.length;
    // Asked after the events were read: a batch anchored by the final block is listed by then.
    const listing = (ids: number[], after: number | null) =>
      readListing({ source, server: this.options.server, timeoutMs: this.options.timeoutMs, ids, after });
    let waiting = false;
    const drain = async () => {
      if (!result.sourceUp || waiting || this.state.queue.length === 0) return;
      const listed = await listing(
        this.state.queue.map((l) => l.batchId),
        null,
      );
      const status = await this.drainQueue(source, listed, finalBlock, result);
      result.sourceUp = status !== "down";
      waiting = status === "wait";
    };
    while (this.state.scannedTo < finalBlock) {
      const from = this.state.scannedTo + 1;
      const to = Math.min(finalBlock, from + this.options.windowBlocks - 1);
      await this.scanWindow(from, to);
      await drain();
    }
    await drain();
    if (result.sourceUp) await this.sourceChecks(source, listing);
    await this.reconcile(this.state.reconcileRecords.length !== newRecordsBefore);
    await this.dir.save(this.state);
    return result;
  }

  private async raise(alerts: AlertInput[]): Promise<void> {
    this.desk.raise(alerts);
    await this.dir.save(this.state);
    await this.desk.deliver(this.state);
  }

  private async scanWindow(from: number, to: number): Promise<void> {
    const { rpc, trust, logChunk } = this.options;
    const events = await chainRead(`registry events in blocks ${from}-${to}`, () =>
      readRegistryEvents(rpc, trust.registry, from, to, this.deploymentBlock, logChunk),
    );
    // A Safe's key changes in the window, for the accounts that held the admin role in it.
    const admins = new Set([...(this.state.admins ?? []), ...events.adminChanges.map((c) => c.account)]);
    const safeEvents = await chainRead(`admin Safe events in blocks ${from}-${to}`, () =>
      readSafeEvents(rpc, [...admins], from, to, logChunk),
    );
    for (const change of events.adminChanges)
      if (change.granted) admins.add(change.account);
      else admins.delete(change.account);
    this.state.admins = [...admins];
    this.state.queue.push(...events.anchors);
    this.state.anchorerRoles.push(...events.anchorerRoles);
    this.state.scannedTo = to;
    const anchored: AlertInput[] = events.anchors.map((a) => ({
      id: `BATCH_ANCHORED:batch:${a.batchId}`,
      kind: "BATCH_ANCHORED",
      severity: "info",
      message: `batch ${a.batchId} (seqs ${a.firstSeq}–${a.firstSeq + a.leafCount - 1}) anchored in block ${a.blockNumber}`,
      batchId: a.batchId,
      txHash: a.transactionHash,
      blockNumber: a.blockNumber,
    }));
    await this.raise([...events.governance, ...safeEvents, ...anchored]);
  }

  /** The source's registry description, compared with the pinned trust root; its failure is an outage. */
  private async checkSource(source: AuditSource): Promise<boolean> {
    const info = await source.registryInfo();
    const now = this.options.now();
    if (!info.ok) {
      if (this.state.outageSince === null) {
        this.state.outageSince = now;
        await this.raise([
          {
            id: `SOURCE_UNAVAILABLE:${now}`,
            kind: "SOURCE_UNAVAILABLE",
            severity: "warning",
            message: `${source.description} does not answer (${info.message}); its batches are checked when it is back`,
          },
        ]);
      }
      return false;
    }
    const alerts: AlertInput[] = [];
    if (this.state.outageSince !== null) {
      alerts.push({
        id: `SOURCE_RECOVERED:${this.state.outageSince}`,
        kind: "SOURCE_RECOVERED",
        severity: "info",
        message: `${source.description} answers again after ${now - this.state.outageSince} s`,
      });
      this.state.outageSince = null;
    }
    const { chainId, registry, maxAnchorDelaySeconds } = info.value;
    const { trust } = this.options;
    if (chainId !== trust.chainId || registry.toLowerCase() !== trust.registry.toLowerCase())
      alerts.push(
        auditAlert({
          code: "REGISTRY_MISMATCH",
          message: `the source describes registry ${registry} on chain ${chainId}; the trust root pins ${trust.registry} on chain ${trust.chainId}`,
        }),
      );
    if (maxAnchorDelaySeconds !== this.delay)
      alerts.push(
        auditAlert({
          code: "DELAY_MISMATCH",
          message: `the source states maxAnchorDelaySeconds ${String(maxAnchorDelaySeconds)}; the contract's maxAnchorDelay() is ${this.delay}`,
        }),
      );
    await this.raise(alerts);
    return true;
  }

  private batchContext(source: AuditSource, listed: Map<number, ListedBatch> | null): BatchContext {
    const o = this.options;
    return {
      state: this.state,
      source,
      listed,
      delay: this.delay!,
      keccak: o.keccak,
      book: this.book,
      server: o.server,
      mirrorBundles: o.mirrorBundles,
      timeoutMs: o.timeoutMs,
      viewSample: o.viewSample,
      graceSeconds: o.graceSeconds,
      now: o.now(),
    };
  }

  /** Checks queued batches in order: "down" when the source stopped answering, "wait" when one must wait. */
  private async drainQueue(
    source: AuditSource,
    listed: Map<number, ListedBatch> | null,
    finalBlock: number,
    result: CycleResult,
  ): Promise<"ok" | "wait" | "down"> {
    const reader = createRegistryReader(this.options.rpc, this.options.trust.registry, `0x${finalBlock.toString(16)}`);
    const ctx = this.batchContext(source, listed);
    while (this.state.queue.length > 0) {
      const id = this.state.nextBatchId;
      const stale = this.state.queue.filter((l) => l.batchId < id);
      if (stale.length > 0) {
        this.state.queue = this.state.queue.filter((l) => l.batchId >= id);
        await this.raise(
          stale.map((l) =>
            auditAlert({
              code: "BATCH_LOG_MISMATCH",
              batchId: l.batchId,
              message: `another BatchAnchored log names batch ${l.batchId} (transaction ${l.transactionHash})`,
            }),
          ),
        );
        continue;
      }
      const chain = await chainRead(`batch(${id})`, () => reader.batch(id));
      if (!chain) throw new ChainUnavailableError(`batch(${id}) is missing though a BatchAnchored log names it`, null);
      const outcome = await checkNextBatch(
        ctx,
        id,
        chain,
        this.state.queue.filter((l) => l.batchId === id),
      );
      if (!outcome.done) {
        this.options.log(`aiqyn monitor: ${outcome.reason}; checked again next cycle\n`);
        await this.stalled(id, outcome.reason, ctx.now);
        return outcome.sourceDown ? "down" : "wait";
      }
      this.state.stalled = null;
      this.state.queue = this.state.queue.filter((l) => l.batchId > id);
      result.batchesChecked++;
      result.recordsChecked += chain.leafCount;
      await this.raise(this.alertsOf([...outcome.findings, ...this.receiptFindings.splice(0)], outcome.assets));
    }
    return "ok";
  }

  /**
   * A batch the source keeps failing (an error that is not a 404, or "not anchored" for a batch the chain has)
   * past the grace period is itself withholding: one SOURCE_ERROR, and the batch is asked again every cycle.
   */
  private async stalled(id: number, reason: string, now: number): Promise<void> {
    if (this.state.stalled?.batchId !== id) this.state.stalled = { batchId: id, since: now };
    if (now - this.state.stalled.since < this.options.graceSeconds) return;
    await this.raise([
      auditAlert({
        code: "SOURCE_ERROR",
        batchId: id,
        message: `batch ${id} is anchored on chain, and for ${now - this.state.stalled.since} s the source has answered: ${reason}`,
      }),
    ]);
  }

  private alertsOf(findings: FindingInput[], assets: Map<number, string>): AlertInput[] {
    return findings.map((f) => auditAlert(f, f.seq !== undefined ? assets.get(f.seq) : undefined));
  }

  private async sourceChecks(
    source: AuditSource,
    listing: (ids: number[], after: number | null) => Promise<Map<number, ListedBatch> | null>,
  ): Promise<void> {
    const { rpc, trust, server, timeoutMs } = this.options;
    const latest = createRegistryReader(rpc, trust.registry);
    const [batchCount, nextSeq] = await chainRead("batchCount() at latest", () =>
      Promise.all([latest.batchCount(), latest.nextSeq()]),
    );
    const listed = await listing([], batchCount);
    const ctx = this.batchContext(source, listed);
    const findings: FindingInput[] = [];
    let assets = new Map<number, string>();
    for (const id of [...this.state.withheld]) {
      const chain = await chainRead(`batch(${id})`, () => createRegistryReader(rpc, trust.registry).batch(id));
      if (!chain) continue;
      const again = await recheckWithheld(ctx, id, chain);
      if (!again.served) continue;
      this.state.withheld = this.state.withheld.filter((w) => w !== id);
      findings.push(...again.findings);
      assets = new Map([...assets, ...again.assets]);
    }
    if (listed)
      findings.push(
        ...(await checkListing({ source, listed, latestBatchCount: batchCount, delay: this.delay!, now: ctx.now })),
      );
    const judged = { chainId: trust.chainId, registry: trust.registry, nextSeq, delay: this.delay!, now: ctx.now };
    findings.push(...this.receiptFindings.splice(0));
    findings.push(...overdueReceipts(this.options.receipts, { ...judged, anchorerRoles: this.state.anchorerRoles }));
    if (server !== null) {
      const receipts = await checkPendingReceipts({
        server,
        timeoutMs,
        chainId: trust.chainId,
        registry: trust.registry,
        nextSeq,
        delay: this.delay!,
        now: ctx.now,
        anchorerRoles: this.state.anchorerRoles,
      });
      findings.push(...(receipts ?? []));
    }
    await this.raise(this.alertsOf(findings, assets));
  }

  private async reconcile(newRecords: boolean): Promise<void> {
    if (this.options.chainRpcs.size === 0) return;
    try {
      const step = await reconcileStep({
        state: this.state,
        chainRpcs: this.options.chainRpcs,
        bitcoin: this.options.bitcoin,
        confirmations: this.options.confirmations,
        timeoutMs: this.options.timeoutMs,
        logChunk: this.options.logChunk,
        newRecords,
        registry: registryCaip10(this.options.trust.chainId, this.options.trust.registry),
      });
      await this.raise(step.alerts);
    } catch (cause) {
      throw new ChainUnavailableError(
        `reconciliation: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause,
      );
    }
  }
}
