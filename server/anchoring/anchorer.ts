/**
 * server/anchoring/: from accepted records to roots on chain: the batcher seals them (seal.ts), the anchorer
 * below sends each sealed batch, the leader lease picks the one instance that does both, the registry watch
 * notices role and pause changes, and chain.ts and deployment-check.ts connect to the registry and prove it is
 * the right one. crash-points.ts lets the crash tests stop a real server at each stage.
 *
 * The anchorer: takes sealed batches to the chain one at a time, in id order, through a state machine that
 * a restart resumes from the store alone:
 *
 *   sealed ──sign, store txHash+nonce+raw tx──▶ submitted ──receipt + CONFIRMATIONS──▶ anchored
 *
 * A transaction still unmined after `replaceAfterMs` (congestion: its fees are too low) is replaced: the
 * same call and nonce, re-signed with fees raised by a quarter (capped by `maxFeePerGas`), stored before it
 * is broadcast. Only one transaction of a nonce can land, and whichever does, the chain decides.
 *
 * ANCHOR_MAX_FEE_GWEI caps every transaction it signs, the first one too: while the chain's base fee is
 * above the cap nothing is sent (ANCHOR_FEE_ABOVE_CAP, retried).
 *
 * A reorganisation that drops an anchored batch is noticed on the next step (the registry's batchCount is
 * below a batch the store holds as anchored) and the batch is sent again, then the ones after it, in order.
 *
 * Before sending anything it asks the chain. A batch the chain already has with the same root is adopted
 * (its transaction found through the BatchAnchored log): a retry never anchors twice, and the contract
 * refuses a second anchor of an id anyway. The same id with a different root halts anchoring for good
 * (readyz reports it; nothing is ever overwritten). Chain outages, nonce trouble and reverts are retried
 * with exponential backoff; the records simply stay pending.
 *
 * A pause is checked where the transaction will land: `paused()` at the latest block and in the pending one.
 * An unpause still in the mempool is not enough (an anchor sent now could be mined before it, in the same block,
 * and revert), nor is a latest block that a pending pause will follow. While paused it re-checks every
 * second without growing the backoff, and `resume()` (the registry watch saw the unpause) starts afresh.
 */
import {
  Transaction,
  zeroPadValue,
  toBeHex,
  type ErrorCode as EthersErrorCode,
  type TransactionLike,
  type TransactionReceipt,
} from "ethers";
import type { Logger } from "pino";
import { AiqynError, type AiqynCode, type Hex, type OnChainBatch } from "../../core";
import { decodeRevert, isConnectionError, registryInterface, type ChainClient } from "./chain";
import { crashPoint } from "./crash-points";
import type { Store, StoredBatch } from "../store/types";

export interface AnchorerOptions {
  confirmations: number;
  pollIntervalMs: number;
  retryBaseMs?: number;
  retryMaxMs: number;
  /** Replace a transaction still unmined after this long (same nonce, higher fees). */
  replaceAfterMs?: number;
  /** Never offer more than this maxFeePerGas (wei) when replacing. */
  maxFeePerGas?: bigint | null;
  /** Block to search for BatchAnchored logs from (the registry's deployment block). */
  deploymentBlock: number;
  logger: Logger;
  onAnchored?: (batch: StoredBatch) => void;
  onError?: (code: AnchorErrorCode) => void;
}

export interface AnchorerStatus {
  /** Set when store and chain contradict each other: anchoring has stopped and needs a human. */
  halted: { code: AnchorErrorCode; message: string } | null;
  lastError: { code: AnchorErrorCode; message: string; at: number } | null;
  consecutiveFailures: number;
  inFlightBatch: number | null;
  lastAnchoredAt: number | null;
}

class Halt extends AiqynError {}

/** How often a paused registry is looked at again (the registry watch also wakes the anchorer on unpause). */
const PAUSED_RECHECK_MS = 1000;
class Stopping extends Error {}

/**
 * What a failed anchoring step is known by: our own code, ethers' code for an error ethers made (e.g.
 * INSUFFICIENT_FUNDS, which tells the operator what to do), STORE_FULL / STORE_UNAVAILABLE for the store's
 * own failures, or ANCHOR_FAILED for anything else (the log has the error itself).
 */
export type AnchorErrorCode = AiqynCode | EthersErrorCode | "ANCHOR_FAILED";

/** ethers' errors carry its ErrorCode and a shortMessage (ethers' makeError); no other error has both. */
function isEthersError(error: unknown): error is Error & { code: EthersErrorCode } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { shortMessage?: unknown }).shortMessage === "string"
  );
}

/**
 * A store's own failure (SQLite's or PostgreSQL's code, or the system's): STORE_FULL when the disk is full
 * (SQLITE_FULL, ENOSPC, PostgreSQL's 53100 disk_full), else STORE_UNAVAILABLE; null when it is not one.
 */
function storeFailure(error: unknown): "STORE_FULL" | "STORE_UNAVAILABLE" | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "53100") return "STORE_FULL";
  // SQLite's codes, PostgreSQL's five-character SQLSTATEs, and the system's errno names (EIO, EACCES…).
  return /^SQLITE_|^[0-9A-Z]{5}$|^E[A-Z]+$/.test(code) ? "STORE_UNAVAILABLE" : null;
}

/** The code a failed anchoring step is reported by (/readyz, aiqyn_anchor_errors_total). */
export function anchorErrorCode(error: unknown): AnchorErrorCode {
  if (error instanceof AiqynError) return error.code;
  if (isConnectionError(error)) return "CHAIN_UNAVAILABLE";
  if (isEthersError(error)) return error.code;
  return storeFailure(error) ?? "ANCHOR_FAILED";
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** anchor(batchId, root, firstSeq, leafCount) for a sealed batch. */
function anchorCalldata(batch: StoredBatch): string {
  return registryInterface.encodeFunctionData("anchor", [batch.id, batch.root, batch.firstSeq, batch.leafCount]);
}

export class Anchorer {
  private readonly status: AnchorerStatus = {
    halted: null,
    lastError: null,
    consecutiveFailures: 0,
    inFlightBatch: null,
    lastAnchoredAt: null,
  };
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly chain: ChainClient,
    private readonly options: AnchorerOptions,
  ) {}

  /** Blocks an anchor needs before it counts. */
  get confirmations(): number {
    return this.options.confirmations;
  }

  snapshot(): AnchorerStatus {
    return structuredClone(this.status);
  }

  start(): void {
    if (this.loopDone) return;
    this.loopDone = this.loop();
  }

  /** New work (a sealed batch): stop waiting. */
  wake(): void {
    this.wakeUp?.();
  }

  /** The registry was unpaused: forget the backoff the pause built up and try at once. */
  resume(): void {
    this.status.consecutiveFailures = 0;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    // Stopped, it may start again: an instance that loses and later regains leadership (server/anchoring/leader.ts).
    this.loopDone = null;
    this.stopping = false;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let delay: number;
      try {
        const worked = await this.step();
        if (this.status.lastError)
          this.options.logger.info({ batch: this.status.inFlightBatch }, "anchoring recovered");
        this.status.consecutiveFailures = 0;
        this.status.lastError = null;
        delay = worked ? 0 : 5000;
      } catch (error) {
        if (error instanceof Stopping) break;
        if (error instanceof Halt) {
          this.status.halted = { code: error.code, message: error.message };
          this.options.logger.fatal({ code: error.code }, `anchoring halted: ${error.message}`);
          this.options.onError?.(error.code);
          break;
        }
        const code = anchorErrorCode(error);
        this.status.consecutiveFailures += 1;
        this.status.lastError = { code, message: errorMessage(error), at: Math.floor(Date.now() / 1000) };
        this.options.onError?.(code);
        // A pause is a state, not a failure: look again soon, at the same pace however long it lasts.
        delay =
          code === "REGISTRY_PAUSED"
            ? Math.min(this.options.retryMaxMs, PAUSED_RECHECK_MS)
            : Math.min(
                this.options.retryMaxMs,
                (this.options.retryBaseMs ?? 250) * 2 ** (this.status.consecutiveFailures - 1),
              );
        this.options.logger.warn(
          { code, batch: this.status.inFlightBatch, retryInMs: delay, failures: this.status.consecutiveFailures },
          `anchoring failed, will retry: ${this.status.lastError.message}`,
        );
      }
      if (delay > 0) await this.sleep(delay);
    }
    this.status.inFlightBatch = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private checkStopping(): void {
    if (this.stopping) throw new Stopping();
  }

  /** Anchors the lowest batch a reorg dropped, else the lowest unanchored one; false when there is none. */
  private async step(): Promise<boolean> {
    const batch = (await this.droppedByReorg()) ?? (await this.store.nextUnanchoredBatch());
    if (!batch) {
      this.status.inFlightBatch = null;
      return false;
    }
    this.status.inFlightBatch = batch.id;
    await this.anchorOne(batch);
    return true;
  }

  /**
   * The store holds batch count+1 as anchored but the registry has only `count`: a reorg took it away. A node
   * whose head is still below the block the anchor landed in is merely behind (a load-balanced RPC): not that.
   */
  private async droppedByReorg(): Promise<StoredBatch | null> {
    const count = await this.chain.reader.batchCount();
    const next = await this.store.getBatch(count + 1);
    if (next?.status !== "anchored") return null;
    if ((await this.chain.provider.getBlockNumber()) < (next.blockNumber ?? 0)) return null;
    this.options.logger.warn(
      { batch: next.id, txHash: next.txHash, block: next.blockNumber },
      "an anchored batch is no longer on the chain (a reorg): sending it again",
    );
    this.options.onError?.("ANCHOR_REORGED");
    return next;
  }

  private async anchorOne(batch: StoredBatch): Promise<void> {
    const { reader } = this.chain;
    const count = await reader.batchCount();
    if (count >= batch.id) {
      const onChain = await reader.batch(batch.id);
      if (!onChain)
        throw new AiqynError("CHAIN_INCONSISTENT", `batchCount is ${count} but batch(${batch.id}) is missing`);
      return this.adopt(batch, onChain, null);
    }
    if (count < batch.id - 1) {
      throw new Halt(
        "REGISTRY_BEHIND_STORE",
        `the registry has ${count} batches but the store has anchored up to batch ${batch.id - 1}: wrong registry, or a chain that was reset`,
      );
    }
    const nextSeq = await reader.nextSeq();
    if (nextSeq !== batch.firstSeq) {
      throw new Halt(
        "REGISTRY_SEQ_MISMATCH",
        `the registry expects seq ${nextSeq} next but batch ${batch.id} starts at ${batch.firstSeq}`,
      );
    }

    let sent: { txHash: Hex; raw: Hex | null } | null = null;
    if (batch.status === "submitted" && batch.txHash) {
      const resumed = await this.resumeSubmitted(batch);
      if (resumed) sent = { txHash: resumed, raw: batch.rawTx };
    }
    this.checkStopping();
    sent ??= await this.send(batch);

    const { receipt, txHash } = await this.waitMined(batch, sent);
    if (receipt.status !== 1) {
      const reason = await this.simulate(batch).catch((e: unknown) => e);
      throw new AiqynError(
        "ANCHOR_REVERTED",
        `anchor(${batch.id}) reverted in ${txHash}${reason ? `: ${errorMessage(reason)}` : ""}`,
      );
    }
    const onChain = await reader.batch(batch.id);
    if (!onChain)
      throw new AiqynError("CHAIN_INCONSISTENT", `anchor(${batch.id}) succeeded but batch(${batch.id}) is missing`);
    return this.adopt(batch, onChain, { txHash, blockNumber: receipt.blockNumber });
  }

  /** A batch whose transaction was sent before: wait for it, re-broadcast it, or (null) send anew. */
  private async resumeSubmitted(batch: StoredBatch): Promise<Hex | null> {
    const { provider } = this.chain;
    const txHash = batch.txHash!;
    const receipt = await provider.getTransactionReceipt(txHash);
    if (receipt) {
      if (receipt.status === 1) {
        throw new AiqynError(
          "CHAIN_INCONSISTENT",
          `${txHash} succeeded but the registry does not show batch ${batch.id} yet`,
        );
      }
      this.options.logger.warn({ batch: batch.id, txHash }, "the earlier anchor transaction reverted; sending anew");
      return null;
    }
    if (await provider.getTransaction(txHash)) return txHash; // still in the mempool
    if (batch.rawTx) {
      try {
        await provider.broadcastTransaction(batch.rawTx);
        this.options.logger.info({ batch: batch.id, txHash }, "re-broadcast the stored anchor transaction");
        return txHash;
      } catch (error) {
        if (isConnectionError(error)) throw error;
        this.options.logger.warn(
          { batch: batch.id, err: errorMessage(error) },
          "stored anchor transaction refused; signing anew",
        );
      }
    }
    return null;
  }

  /** Estimates the call (which decodes a would-be revert), signs, stores the hash, then broadcasts. */
  private async send(batch: StoredBatch): Promise<{ txHash: Hex; raw: Hex }> {
    const { provider, wallet, registry } = this.chain;
    const data = anchorCalldata(batch);
    await this.refuseWhilePaused();
    let gas: bigint;
    try {
      gas = await provider.estimateGas({ from: wallet.address, to: registry, data });
    } catch (error) {
      throw this.explain(batch, error);
    }
    const nonce = await provider.getTransactionCount(wallet.address, "pending");
    const tx = await wallet.populateTransaction({ to: registry, data, nonce, gasLimit: (gas * 12n) / 10n + 10_000n });
    await this.applyFeeCap(tx);
    const raw = (await wallet.signTransaction(tx)) as Hex;
    const txHash = Transaction.from(raw).hash as Hex;
    // The hash is durable before the transaction exists anywhere: a crash from here on resumes it.
    await this.store.markSubmitted(batch.id, { txHash, nonce, rawTx: raw });
    crashPoint("before-send");
    try {
      await provider.broadcastTransaction(raw);
    } catch (error) {
      throw this.explain(batch, error);
    }
    crashPoint("after-send");
    this.options.logger.info({ batch: batch.id, txHash, nonce }, "anchor transaction sent");
    return { txHash, raw };
  }

  /**
   * REGISTRY_PAUSED unless the registry is unpaused both in the latest block and in the pending one: the
   * transaction lands after both. A node that cannot answer for the pending block is taken at its latest.
   */
  private async refuseWhilePaused(): Promise<void> {
    const { provider, registry } = this.chain;
    const data = registryInterface.encodeFunctionData("paused", []);
    const pausedAt = async (blockTag: "latest" | "pending") =>
      registryInterface.decodeFunctionResult("paused", await provider.call({ to: registry, data, blockTag }))[0];
    const latest = (await pausedAt("latest")) as boolean;
    const pending = latest
      ? true
      : ((await pausedAt("pending").catch((error: unknown) => {
          if (isConnectionError(error)) throw error;
          return false;
        })) as boolean);
    if (latest || pending) {
      const where = latest ? "the latest block" : "the pending block (a pause is about to be mined)";
      throw new AiqynError(
        "REGISTRY_PAUSED",
        `the registry is paused in ${where}: anchoring waits until an unpause is mined`,
      );
    }
  }

  /** Lowers the fees ethers chose to ANCHOR_MAX_FEE_GWEI; refuses to send while the base fee is above it. */
  private async applyFeeCap(tx: TransactionLike): Promise<void> {
    const cap = this.options.maxFeePerGas ?? null;
    if (cap === null) return;
    const baseFee = (await this.chain.provider.getBlock("latest"))?.baseFeePerGas ?? null;
    if (baseFee !== null && baseFee > cap) {
      throw new AiqynError(
        "ANCHOR_FEE_ABOVE_CAP",
        `the base fee (${baseFee} wei) is above ANCHOR_MAX_FEE_GWEI (${cap} wei): waiting for cheaper blocks`,
      );
    }
    const min = (a: bigint, b: bigint) => (a < b ? a : b);
    if (tx.maxFeePerGas != null) {
      tx.maxFeePerGas = min(BigInt(tx.maxFeePerGas), cap);
      tx.maxPriorityFeePerGas = min(BigInt(tx.maxPriorityFeePerGas ?? 0n), tx.maxFeePerGas);
    } else if (tx.gasPrice != null) {
      tx.gasPrice = min(BigInt(tx.gasPrice), cap);
    }
  }

  /**
   * Re-signs a stuck anchor transaction with the same nonce and fees raised by 25 % (nodes want at least
   * 10 % to accept a replacement), or at least what the network asks now; null when the fee cap forbids it.
   */
  private async replace(batch: StoredBatch, raw: Hex): Promise<{ txHash: Hex; raw: Hex } | null> {
    const { provider, wallet } = this.chain;
    const old = Transaction.from(raw);
    const bump = (fee: bigint | null) => ((fee ?? 0n) * 125n) / 100n;
    const feeData = await provider.getFeeData();
    let maxFee = [bump(old.maxFeePerGas ?? old.gasPrice), feeData.maxFeePerGas ?? 0n].reduce((a, b) => (a > b ? a : b));
    let tip = [bump(old.maxPriorityFeePerGas ?? old.gasPrice), feeData.maxPriorityFeePerGas ?? 0n].reduce((a, b) =>
      a > b ? a : b,
    );
    const cap = this.options.maxFeePerGas ?? null;
    if (cap !== null && maxFee > cap) maxFee = cap;
    if (tip > maxFee) tip = maxFee;
    const floor = ((old.maxFeePerGas ?? old.gasPrice ?? 0n) * 110n) / 100n;
    if (maxFee < floor) {
      this.options.logger.warn(
        { batch: batch.id, txHash: old.hash, capWei: String(cap) },
        "anchor transaction is stuck and the fee cap leaves no room to replace it",
      );
      return null;
    }
    const tx = await wallet.populateTransaction({
      to: old.to,
      data: old.data,
      nonce: old.nonce,
      gasLimit: old.gasLimit,
      type: 2,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
    });
    const replacement = (await wallet.signTransaction(tx)) as Hex;
    const txHash = Transaction.from(replacement).hash as Hex;
    await this.store.markSubmitted(batch.id, { txHash, nonce: old.nonce, rawTx: replacement });
    await provider.broadcastTransaction(replacement);
    this.options.logger.warn(
      { batch: batch.id, replaced: old.hash, txHash, nonce: old.nonce, maxFeePerGas: String(maxFee) },
      "anchor transaction was stuck: replaced it with higher fees",
    );
    return { txHash, raw: replacement };
  }

  private explain(batch: StoredBatch, error: unknown): unknown {
    const revert = decodeRevert(error);
    if (!revert) return error;
    if (revert.name === "EnforcedPause") {
      return new AiqynError("REGISTRY_PAUSED", "the registry is paused: anchoring waits until it is unpaused", {
        cause: error,
      });
    }
    if (revert.name === "AccessControlUnauthorizedAccount") {
      return new AiqynError(
        "ANCHORER_ROLE_MISSING",
        `${this.chain.wallet.address} lacks ANCHORER_ROLE on the registry`,
        { cause: error },
      );
    }
    return new AiqynError(
      "ANCHOR_WOULD_REVERT",
      `anchor(${batch.id}) would revert with ${revert.name}(${revert.args.join(", ")})`,
      {
        cause: error,
      },
    );
  }

  private async simulate(batch: StoredBatch): Promise<unknown> {
    const { provider, wallet, registry } = this.chain;
    const data = anchorCalldata(batch);
    try {
      await provider.call({ from: wallet.address, to: registry, data });
      return null;
    } catch (error) {
      return this.explain(batch, error);
    }
  }

  /**
   * Polls until the transaction has CONFIRMATIONS blocks, replacing it when it stays unmined too long;
   * throws ANCHOR_TX_DROPPED when the node forgot it (the next attempt asks the chain first).
   */
  private async waitMined(
    batch: StoredBatch,
    sent: { txHash: Hex; raw: Hex | null },
  ): Promise<{ receipt: TransactionReceipt; txHash: Hex }> {
    const { provider } = this.chain;
    let current = sent;
    let since = Date.now();
    for (;;) {
      this.checkStopping();
      const receipt = await provider.getTransactionReceipt(current.txHash);
      if (receipt) {
        if (receipt.status !== 1) return { receipt, txHash: current.txHash };
        const head = await provider.getBlockNumber();
        if (head - receipt.blockNumber + 1 >= this.options.confirmations) return { receipt, txHash: current.txHash };
      } else if (!(await provider.getTransaction(current.txHash))) {
        throw new AiqynError("ANCHOR_TX_DROPPED", `the node no longer knows transaction ${current.txHash}`);
      } else if (current.raw && Date.now() - since >= (this.options.replaceAfterMs ?? Infinity)) {
        current = (await this.replace(batch, current.raw)) ?? current;
        since = Date.now();
      }
      await this.sleep(this.options.pollIntervalMs);
    }
  }

  /** The chain has this batch: equal → record where it landed; different → halt, never overwrite. */
  private async adopt(
    batch: StoredBatch,
    onChain: OnChainBatch,
    landed: { txHash: Hex; blockNumber: number } | null,
  ): Promise<void> {
    if (
      onChain.root.toLowerCase() !== batch.root.toLowerCase() ||
      onChain.firstSeq !== batch.firstSeq ||
      onChain.leafCount !== batch.leafCount
    ) {
      throw new Halt(
        "REGISTRY_CONFLICT",
        `the registry holds batch ${batch.id} as root ${onChain.root} (seqs ${onChain.firstSeq}+${onChain.leafCount}) ` +
          `but the store sealed root ${batch.root} (seqs ${batch.firstSeq}+${batch.leafCount})`,
      );
    }
    const where = landed ?? (await this.findAnchorTransaction(batch));
    const head = await this.chain.provider.getBlockNumber();
    if (head - where.blockNumber + 1 < this.options.confirmations) {
      throw new AiqynError(
        "AWAITING_CONFIRMATIONS",
        `batch ${batch.id} has ${head - where.blockNumber + 1} of ${this.options.confirmations} confirmations`,
      );
    }
    crashPoint("before-mark-anchored");
    await this.store.markAnchored(batch.id, {
      txHash: where.txHash,
      blockNumber: where.blockNumber,
      head: onChain.head,
      anchoredAt: onChain.anchoredAt,
    });
    this.status.lastAnchoredAt = Math.floor(Date.now() / 1000);
    this.options.logger.info(
      { batch: batch.id, txHash: where.txHash, block: where.blockNumber, leaves: batch.leafCount },
      "batch anchored",
    );
    this.options.onAnchored?.(batch);
  }

  private async findAnchorTransaction(batch: StoredBatch): Promise<{ txHash: Hex; blockNumber: number }> {
    const { provider, registry } = this.chain;
    const topic = registryInterface.getEvent("BatchAnchored")!.topicHash;
    const logs = await provider.getLogs({
      address: registry,
      topics: [topic, zeroPadValue(toBeHex(batch.id), 32)],
      fromBlock: this.options.deploymentBlock,
      toBlock: "latest",
    });
    const log = logs[0];
    if (!log) throw new AiqynError("ANCHOR_LOG_MISSING", `no BatchAnchored log for batch ${batch.id} yet`);
    return { txHash: log.transactionHash as Hex, blockNumber: log.blockNumber };
  }
}
