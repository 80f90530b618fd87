/**
 * The alert desk: turns alert inputs into raised alerts exactly once (an id already in alerts.jsonl is never
 * raised again), and hands new ones to the outputs. Order, for a restart at any point: append (synced) →
 * state saved → `delivered` saved → outputs. A crash before `delivered` is saved delivers on the next start.
 */
import type { Io } from "../io";
import { passes, type Alert, type AlertFilter, type AlertInput } from "./alerts";
import { deliverWebhook, FEED_ENTRIES, writeAtomFeed, type WebhookOptions } from "./sinks";
import type { MonitorState, StateDir } from "./state";

export interface Outputs {
  io: Io;
  filter: AlertFilter;
  webhook: WebhookOptions | null;
  atomPath: string | null;
}

export class AlertDesk {
  private undelivered: Alert[] = [];
  private feed: Alert[] = [];
  /** Alerts that passed the filter and were output by this process. */
  shown = 0;

  private constructor(
    private readonly dir: StateDir,
    private readonly registry: string,
    private readonly outputs: Outputs,
  ) {}

  static async open(dir: StateDir, registry: string, outputs: Outputs, state: MonitorState): Promise<AlertDesk> {
    const desk = new AlertDesk(dir, registry, outputs);
    const all = await dir.readAlerts();
    desk.undelivered = all.slice(state.delivered);
    desk.feed = all
      .slice(0, state.delivered)
      .filter((a) => passes(a, outputs.filter))
      .slice(-FEED_ENTRIES);
    return desk;
  }

  /** Raises the inputs not raised before (by id); they are durable when this returns. */
  raise(inputs: readonly AlertInput[], now: Date = new Date()): void {
    const seen = new Set<string>();
    const fresh: Alert[] = [];
    for (const input of inputs) {
      if (seen.has(input.id) || this.dir.has(input.id)) continue;
      seen.add(input.id);
      fresh.push({ ...input, registry: this.registry, raisedAt: now.toISOString() });
    }
    this.dir.append(fresh);
    this.undelivered.push(...fresh);
  }

  /**
   * Hands out what was raised and not yet delivered: `delivered` is saved first (with the webhook's outbox), then
   * the feed and stdout are written, so a crash can cost a stdout line (the alert stays in alerts.jsonl and the
   * feed) but never shows one twice; the webhook retries from its outbox until accepted.
   */
  async deliver(state: MonitorState): Promise<void> {
    if (this.undelivered.length > 0) {
      const shown = this.undelivered.filter((a) => passes(a, this.outputs.filter));
      if (this.outputs.webhook) state.webhookOutbox.push(...shown);
      state.delivered += this.undelivered.length;
      this.undelivered = [];
      await this.dir.save(state);
      this.feed = [...this.feed, ...shown].slice(-FEED_ENTRIES);
      if (this.outputs.atomPath && shown.length > 0)
        await writeAtomFeed(this.outputs.atomPath, this.registry, this.feed);
      for (const alert of shown) this.outputs.io.out(JSON.stringify(alert) + "\n");
      this.shown += shown.length;
    }
    if (this.outputs.webhook && state.webhookOutbox.length > 0) {
      const left = await deliverWebhook(this.outputs.webhook, state.webhookOutbox);
      if (left.length > 0)
        this.outputs.io.err(`aiqyn monitor: the webhook did not accept ${left.length} alert(s); retried next cycle\n`);
      state.webhookOutbox = left;
      await this.dir.save(state);
    }
  }

  /** Writes the feed file even when empty, so a feed reader has something to subscribe to from the start. */
  async writeFeed(): Promise<void> {
    if (this.outputs.atomPath) await writeAtomFeed(this.outputs.atomPath, this.registry, this.feed);
  }
}
