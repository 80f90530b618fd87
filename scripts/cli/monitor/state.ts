/**
 * What the monitor keeps in --state DIR, so that a restart resumes where it stopped and raises nothing twice:
 *
 *   state.json    where each scan stopped (registry events, batches, each asset chain), the head chain so far,
 *                 the records the reconciler needs, and how many alerts were delivered; written atomically
 *   alerts.jsonl  every alert raised, one JSON line each, appended (and synced) before it is delivered: its
 *                 ids are the "raised once" set, its tail the Atom feed
 *   lock          the pid of the monitor using the directory (two monitors on one state would race)
 */
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { mkdir, readFile, truncate, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ZERO_BYTES32, type Hex, type RecordV1, type RoleEvent, type TrustRoot } from "../../../core";
import { UsageError } from "../args";
import { writeFileAtomic } from "../fs-atomic";
import type { AnchorLog } from "../audit/chain-facts";
import type { Alert } from "./alerts";

export const STATE_FORMAT = "aiqyn-monitor-state/1";

export interface MonitorState {
  format: typeof STATE_FORMAT;
  chainId: number;
  registry: string;
  /** The last registry-chain block whose events were read (deploymentBlock − 1 before the first scan). */
  scannedTo: number;
  /** BatchAnchored logs read but whose batch is not checked yet, in chain order. */
  queue: AnchorLog[];
  /** The chain's own sequence so far: what the next batch must continue. */
  nextBatchId: number;
  expectedFirstSeq: number;
  prevHead: Hex;
  prevLogHead: Hex;
  /** The last verified record's publishedAt and seq (publishedAt must not go backwards across batches). */
  lastPublishedAt: number;
  lastSeq: number;
  /** Anchored batches the source would not serve (404): asked again every cycle. */
  withheld: number[];
  /** Since when (unix s) the source has been unreachable, or null. */
  outageSince: number | null;
  /** The batch the source keeps failing to serve (not a 404), and since when. */
  stalled?: { batchId: number; since: number } | null;
  /** Who holds DEFAULT_ADMIN_ROLE (lower case), so that a Safe among them is watched for its own key changes. */
  admins?: string[];
  /** ANCHORER_ROLE's history, for judging the receipts a source serves for pending records. */
  anchorerRoles: RoleEvent[];
  /** Verified records that reconciliation reads (chain references, declarations, corrections), by seq order. */
  reconcileRecords: RecordV1[];
  /** Per asset chain (CAIP-2): the last block judged, and whether a declaration arrived since (rescan). */
  chains: Record<string, { toBlock: number; rescan: boolean }>;
  /** How many lines of alerts.jsonl have been handed to the outputs. */
  delivered: number;
  /** Alerts the webhook has not accepted yet (retried every cycle). */
  webhookOutbox: Alert[];
}

export function initialState(trust: TrustRoot, deploymentBlock: number): MonitorState {
  return {
    format: STATE_FORMAT,
    chainId: trust.chainId,
    registry: trust.registry.toLowerCase(),
    scannedTo: deploymentBlock - 1,
    queue: [],
    nextBatchId: 1,
    expectedFirstSeq: 1,
    prevHead: ZERO_BYTES32,
    prevLogHead: ZERO_BYTES32,
    lastPublishedAt: -1,
    lastSeq: 0,
    withheld: [],
    outageSince: null,
    stalled: null,
    admins: [],
    anchorerRoles: [],
    reconcileRecords: [],
    chains: {},
    delivered: 0,
    webhookOutbox: [],
  };
}

export class StateDir {
  private readonly raised = new Set<string>();
  private alertLines = 0;

  private constructor(readonly dir: string) {}

  /** Opens (creating) the directory and takes its lock; a live monitor holding it is a usage error. */
  static async open(dir: string): Promise<StateDir> {
    await mkdir(dir, { recursive: true });
    const state = new StateDir(dir);
    state.lock();
    await state.repairAlerts();
    for (const alert of await state.readAlerts()) state.raised.add(alert.id);
    return state;
  }

  private lock(): void {
    const path = join(this.dir, "lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") throw error;
        const pid = Number(readFileSync(path, "utf8"));
        if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
          throw new UsageError(`--state ${this.dir} is in use by the monitor with pid ${pid}`);
        rmSync(path, { force: true }); // a stale lock: its monitor is gone
      }
    }
    throw new UsageError(`--state ${this.dir}: could not take the lock`);
  }

  async release(): Promise<void> {
    await unlink(join(this.dir, "lock")).catch(() => undefined);
  }

  /** The saved state, or null before the first run; a state of another registry is refused. */
  async load(trust: TrustRoot): Promise<MonitorState | null> {
    let text: string;
    try {
      text = await readFile(join(this.dir, "state.json"), "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
    const state = JSON.parse(text) as MonitorState;
    if (state.format !== STATE_FORMAT) throw new UsageError(`--state ${this.dir}: not an ${STATE_FORMAT} state`);
    if (state.chainId !== trust.chainId || state.registry !== trust.registry.toLowerCase())
      throw new UsageError(
        `--state ${this.dir} watches registry ${state.registry} on chain ${state.chainId}, not the one pinned: use another directory`,
      );
    return state;
  }

  save(state: MonitorState): Promise<void> {
    return writeFileAtomic(join(this.dir, "state.json"), JSON.stringify(state));
  }

  has(id: string): boolean {
    return this.raised.has(id);
  }

  get raisedCount(): number {
    return this.alertLines;
  }

  /** Appends alerts to alerts.jsonl and syncs it: from then on they count as raised. */
  append(alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    const fd = openSync(join(this.dir, "alerts.jsonl"), "a");
    try {
      writeSync(fd, alerts.map((a) => JSON.stringify(a) + "\n").join(""));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const alert of alerts) this.raised.add(alert.id);
    this.alertLines += alerts.length;
  }

  /** A crash mid-append leaves a torn last line: cut it, or the next append would glue onto it. */
  private async repairAlerts(): Promise<void> {
    const path = join(this.dir, "alerts.jsonl");
    const text = await readFile(path, "utf8").catch(() => "");
    if (text === "" || text.endsWith("\n")) return;
    await truncate(path, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1), "utf8"));
  }

  /** Every alert raised so far, in order (a torn last line from a crash is dropped). */
  async readAlerts(): Promise<Alert[]> {
    let text = "";
    try {
      text = await readFile(join(this.dir, "alerts.jsonl"), "utf8");
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT") throw error;
    }
    const alerts: Alert[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        alerts.push(JSON.parse(line) as Alert);
      } catch {
        break;
      }
    }
    this.alertLines = alerts.length;
    return alerts;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
