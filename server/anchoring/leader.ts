/**
 * Leadership of sealing and anchoring among instances that share one store. Every instance serves reads and
 * accepts writes; only the leader runs the batcher and the anchorer. The leader is whoever holds the store's
 * lock (PostgreSQL: a session advisory lock on a connection of its own; SQLite: the one process).
 *
 * Every half lease a follower tries to take the lock and the leader checks that its lock connection still
 * answers. A leader that cannot confirm within half a lease stops sealing and anchoring at once; the database
 * drops a dead leader's lock when its connection closes (at once for a killed process, within about a lease
 * through TCP keepalives for a vanished machine), so another instance leads within about LEADER_LEASE_MS.
 * A new leader resumes from the store: the anchorer's state (sealed / submitted with its raw transaction /
 * anchored) is all there. Two leaders for a moment are harmless: sealing is serialized by the store, the
 * store never keeps two roots for one batch, and the contract refuses a second anchor of a batch id.
 */
import type { Logger } from "pino";
import type { LeaderSession, Store } from "../store/types";

export interface LeaderStatus {
  /** This instance leads sealing and anchoring. */
  leading: boolean;
  instance: string;
  /** The instance that last took the lead (from the store), null before any did. */
  leader: string | null;
  since: number | null;
}

export interface LeadershipOptions {
  store: Store;
  leaseMs: number;
  instance: string;
  logger: Logger;
  /** Starts sealing and anchoring; resolves to the function that stops them. */
  lead(): Promise<() => Promise<void>>;
}

const LEADER_META = "leader";

export class Leadership {
  private session: LeaderSession | null = null;
  private stopLeading: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private turn: Promise<void> = Promise.resolve();
  private leader: string | null = null;
  private since: number | null = null;

  private readonly options: LeadershipOptions;

  constructor(options: LeadershipOptions) {
    this.options = { ...options };
  }

  /** The instance's name once its port is known (host:pid:port). */
  setInstance(instance: string): void {
    this.options.instance = instance;
  }

  status(): LeaderStatus {
    return { leading: this.session !== null, instance: this.options.instance, leader: this.leader, since: this.since };
  }

  /** Tries at once, then every half lease. */
  async start(): Promise<void> {
    await this.step();
    this.timer = setInterval(() => void this.step(), Math.max(50, this.options.leaseMs / 2));
    this.timer.unref();
  }

  /** Stops sealing and anchoring and lets go of the lock (another instance takes over). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.turn;
    await this.resign("shutting down");
  }

  private step(): Promise<void> {
    // One step at a time: a slow database must not pile up attempts.
    this.turn = this.turn
      .then(() => this.stepOnce())
      .catch((err: unknown) => {
        this.options.logger.warn({ err }, "leadership step failed");
      });
    return this.turn;
  }

  private async stepOnce(): Promise<void> {
    if (this.session) {
      if (!(await this.session.check())) await this.resign("lost the leader lock");
      return;
    }
    this.leader = await this.options.store.getMeta(LEADER_META).catch(() => this.leader);
    const session = await this.options.store.tryLead(this.options.leaseMs);
    if (!session) return;
    this.session = session;
    this.since = Math.floor(Date.now() / 1000);
    this.leader = this.options.instance;
    try {
      await this.options.store.setMeta(LEADER_META, this.options.instance);
      this.stopLeading = await this.options.lead();
    } catch (error) {
      await this.resign("could not start leading");
      throw error;
    }
    this.options.logger.info({ instance: this.options.instance }, "this instance leads sealing and anchoring");
  }

  private async resign(why: string): Promise<void> {
    const stop = this.stopLeading;
    const session = this.session;
    this.stopLeading = null;
    this.session = null;
    this.since = null;
    if (stop) await stop();
    if (session) {
      await session.release();
      this.options.logger.warn({ instance: this.options.instance, why }, "this instance no longer leads");
    }
  }
}
