/**
 * GET /readyz's checks: the store answers, the chain answers, anchoring keeps its promise, and who leads.
 */
import type { Anchorer } from "./anchorer";
import type { ChainClient } from "./chain";
import type { ServerConfig } from "./config";
import type { Leadership, LeaderStatus } from "./leader";
import type { Store } from "./store/types";

export interface ReadinessCheck {
  ok: boolean;
  message: string;
  [extra: string]: unknown;
}

export interface ReadinessDeps {
  store: Store;
  chain: ChainClient;
  config: ServerConfig;
  anchorer: Anchorer;
  leadership?: Pick<Leadership, "status">;
  now: () => number;
}

export interface Readiness {
  readiness(): Promise<{ ready: boolean; checks: Record<string, ReadinessCheck> }>;
}

/** Who seals and anchors: this instance or another one (informational: a follower is ready too). */
function leadershipCheck(status: LeaderStatus | undefined): ReadinessCheck {
  if (!status) return { ok: true, message: "this instance leads sealing and anchoring", leading: true };
  const message = status.leading
    ? "this instance leads sealing and anchoring"
    : `instance ${status.leader ?? "(none yet)"} leads sealing and anchoring; this one serves and accepts writes`;
  return { ok: true, message, leading: status.leading, instance: status.instance, leader: status.leader };
}

export function createReadiness(deps: ReadinessDeps): Readiness {
  const { store, chain, config, now } = deps;
  return {
    async readiness(): Promise<{ ready: boolean; checks: Record<string, ReadinessCheck> }> {
      const checks: Record<string, ReadinessCheck> = {};
      try {
        await store.ping();
        checks.store = { ok: true, message: "the store answers" };
      } catch (error) {
        checks.store = { ok: false, message: `the store does not answer: ${(error as Error).message}` };
      }
      try {
        const block = await Promise.race([
          chain.provider.getBlockNumber(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 3 s")), 3000).unref()),
        ]);
        checks.chain = { ok: true, message: `the chain answers (block ${block})` };
      } catch (error) {
        checks.chain = { ok: false, message: `the chain does not answer: ${(error as Error).message.slice(0, 200)}` };
      }
      const status = deps.anchorer.snapshot();
      let counts;
      try {
        counts = await store.counts();
      } catch {
        counts = null;
      }
      const oldestAge =
        counts?.oldestPendingPublishedAt == null ? null : Math.max(0, now() - counts.oldestPendingPublishedAt);
      const overdue = oldestAge !== null && oldestAge > config.maxAnchorDelaySeconds;
      const message = status.halted
        ? `anchoring halted: ${status.halted.message}`
        : status.lastError
          ? `anchoring is retrying after ${status.consecutiveFailures} failure(s): ${status.lastError.code}: ${status.lastError.message}`
          : overdue
            ? `a record has waited ${oldestAge} s, more than the promised ${config.maxAnchorDelaySeconds} s`
            : "anchoring normally";
      checks.anchoring = {
        ok: !status.halted && !status.lastError && !overdue,
        message,
        pendingRecords: counts?.pending ?? null,
        oldestPendingAgeSeconds: oldestAge,
        lastError: status.halted ?? status.lastError,
      };
      checks.leadership = leadershipCheck(deps.leadership?.status());
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    },
  };
}
