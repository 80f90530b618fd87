/**
 * Watches the registry for what the server itself cannot see from its own calls: that its key lost
 * ANCHORER_ROLE (a rotation, or a revocation after a leak) and that a pause ended. A periodic read of
 * `hasRole` and `paused()` (every `intervalMs`, every second while paused) is enough: it needs no log
 * filters, survives RPC outages, and bounds how long a revoked key keeps signing receipts.
 */
import { id } from "ethers";
import type { Logger } from "pino";
import { registryInterface, type ChainClient } from "./chain";

export const ANCHORER_ROLE = id("ANCHORER_ROLE");

export interface WatchState {
  /** null until the first read answers. */
  roleHeld: boolean | null;
  paused: boolean | null;
}

export interface RegistryWatchOptions {
  intervalMs: number;
  logger: Logger;
  /** The registry was paused and no longer is: anchoring should go on at once. */
  onUnpaused?: () => void;
  onRoleLost?: () => void;
  /** True while the anchorer waits out a pause it ran into (polled every second then, too). */
  anchorerPaused?: () => boolean;
}

export class RegistryWatch {
  private current: WatchState = { roleHeld: null, paused: null };
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly chain: ChainClient,
    private readonly options: RegistryWatchOptions,
  ) {}

  state(): WatchState {
    return { ...this.current };
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One read of both facts; a failed read keeps the last known state (the chain check reports outages). */
  async check(): Promise<void> {
    const [roleHeld, paused] = await Promise.all([
      this.read("hasRole", [ANCHORER_ROLE, this.chain.wallet.address]),
      this.read("paused", []),
    ]);
    this.update({ roleHeld: roleHeld as boolean, paused: paused as boolean });
  }

  private async tick(): Promise<void> {
    try {
      await this.check();
    } catch (err) {
      this.options.logger.warn({ err }, "could not read the anchorer's role or the pause flag");
    }
    if (this.stopped) return;
    const delay = this.waitingOnPause() ? Math.min(this.options.intervalMs, 1000) : this.options.intervalMs;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private waitingOnPause(): boolean {
    return this.current.paused === true || (this.options.anchorerPaused?.() ?? false);
  }

  private async read(fn: "hasRole" | "paused", args: unknown[]): Promise<unknown> {
    const data = registryInterface.encodeFunctionData(fn, args);
    const result = await this.chain.provider.call({ to: this.chain.registry, data });
    return registryInterface.decodeFunctionResult(fn, result)[0];
  }

  private update(next: WatchState): void {
    const before = this.current;
    this.current = next;
    const { logger } = this.options;
    if (before.roleHeld !== false && next.roleHeld === false) {
      logger.fatal({ anchorer: this.chain.wallet.address }, "this server's key lost ANCHORER_ROLE: writes refused");
      this.options.onRoleLost?.();
    } else if (before.roleHeld === false && next.roleHeld) {
      logger.warn({ anchorer: this.chain.wallet.address }, "ANCHORER_ROLE is held again: writes accepted");
    }
    if (next.paused === false && (before.paused === true || this.options.anchorerPaused?.())) {
      logger.info("the registry was unpaused: anchoring resumes");
      this.options.onUnpaused?.();
    }
  }
}
