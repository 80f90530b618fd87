/**
 * /readyz: one check per part (store, chain, role, anchoring), each with a stable code and a short message
 * of our own, and who leads sealing and anchoring. Upstream error text (which may carry the RPC URL and its
 * provider key) goes to the log only.
 */
import type { Logger } from "pino";
import type { AnchorErrorCode, Anchorer } from "../anchoring/anchorer";
import type { ChainClient } from "../anchoring/chain";
import type { Leadership, LeaderStatus } from "../anchoring/leader";
import { ProblemError } from "./problem";
import type { RegistryWatch } from "../anchoring/registry-watch";
import type { Store } from "../store/types";

/** The codes a failing check reports: the part's own, or the anchorer's last error. */
export type ReadinessCode =
  "STORE_UNAVAILABLE" | "CHAIN_UNAVAILABLE" | "ANCHORER_ROLE_REVOKED" | "ANCHOR_OVERDUE" | AnchorErrorCode;

export interface ReadinessCheck {
  ok: boolean;
  /** Present when not ok: a stable code (docs/API.md). */
  code?: ReadinessCode;
  message: string;
  [extra: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
  /** The 503 NOT_READY problem naming the failing checks (when not ready). */
  problem: ProblemError;
}

export interface ReadinessDeps {
  store: Store;
  chain: ChainClient;
  anchorer: Anchorer;
  watch: RegistryWatch;
  maxAnchorDelaySeconds: number;
  logger: Logger;
  leadership?: Pick<Leadership, "status">;
  now?: () => number;
}

/** Short, fixed explanations of the anchorer's error codes; anything else points to the log. */
const ANCHORING_MESSAGES: Partial<Record<AnchorErrorCode, string>> = {
  CHAIN_UNAVAILABLE: "the chain does not answer; anchoring retries",
  REGISTRY_PAUSED: "the registry is paused: anchoring waits until it is unpaused",
  ANCHORER_ROLE_MISSING: "the anchorer key lacks ANCHORER_ROLE",
  ANCHOR_TX_DROPPED: "the anchor transaction was dropped (a reorg?); it is sent again",
  AWAITING_CONFIRMATIONS: "waiting for confirmations",
  REGISTRY_CONFLICT: "the registry holds another root for a batch of ours: anchoring halted, writes refused",
  REGISTRY_BEHIND_STORE: "the registry has fewer batches than the store anchored: anchoring halted",
  REGISTRY_SEQ_MISMATCH: "the registry expects other seqs than the store: anchoring halted",
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms).unref()),
  ]);

async function storeCheck(deps: ReadinessDeps): Promise<ReadinessCheck> {
  try {
    await withTimeout(deps.store.ping(), 3000);
    return { ok: true, message: "the store answers" };
  } catch (err) {
    deps.logger.warn({ err }, "readiness: the store does not answer");
    return { ok: false, code: "STORE_UNAVAILABLE", message: "the store does not answer" };
  }
}

async function chainCheck(deps: ReadinessDeps): Promise<ReadinessCheck> {
  try {
    const block = await withTimeout(deps.chain.provider.getBlockNumber(), 3000);
    return { ok: true, message: `the chain answers (block ${block})` };
  } catch (err) {
    deps.logger.warn({ err }, "readiness: the chain does not answer");
    return { ok: false, code: "CHAIN_UNAVAILABLE", message: "the chain does not answer" };
  }
}

function roleCheck(deps: ReadinessDeps): ReadinessCheck {
  const { roleHeld } = deps.watch.state();
  if (roleHeld === false) {
    return { ok: false, code: "ANCHORER_ROLE_REVOKED", message: "the anchorer key no longer holds ANCHORER_ROLE" };
  }
  return { ok: true, message: roleHeld ? "the anchorer key holds ANCHORER_ROLE" : "not checked yet" };
}

async function anchoringCheck(deps: ReadinessDeps): Promise<ReadinessCheck> {
  const status = deps.anchorer.snapshot();
  let counts = null;
  try {
    counts = await withTimeout(deps.store.counts(), 3000);
  } catch {
    /* storeCheck reports it */
  }
  const now = deps.now?.() ?? Math.floor(Date.now() / 1000);
  const oldest = counts?.oldestPendingPublishedAt;
  const oldestAge = oldest == null ? null : Math.max(0, now - oldest);
  // The registry watch reads paused() every few seconds: a pause is named even while nothing is pending.
  const paused = deps.watch.state().paused === true;
  const anchorerProblem = status.halted ?? status.lastError;
  const problem = anchorerProblem ?? (paused ? { code: "REGISTRY_PAUSED" as const } : null);
  const overdue = oldestAge !== null && oldestAge > deps.maxAnchorDelaySeconds;
  const code = problem?.code ?? (overdue ? "ANCHOR_OVERDUE" : undefined);
  const message = problem
    ? (ANCHORING_MESSAGES[problem.code] ?? `anchoring ${status.halted ? "halted" : "is retrying"}; see the server log`)
    : overdue
      ? `a record has waited ${oldestAge} s, more than the promised ${deps.maxAnchorDelaySeconds} s`
      : "anchoring normally";
  return {
    ok: code === undefined,
    ...(code ? { code } : {}),
    message,
    paused,
    halted: status.halted !== null,
    pendingRecords: counts?.pending ?? null,
    oldestPendingAgeSeconds: oldestAge,
    lastError: anchorerProblem ? { code: anchorerProblem.code } : null,
  };
}

/** Who seals and anchors: this instance or another one (informational: a follower is ready too). */
function leadershipCheck(status: LeaderStatus | undefined): ReadinessCheck {
  if (!status) return { ok: true, message: "this instance leads sealing and anchoring", leading: true };
  const message = status.leading
    ? "this instance leads sealing and anchoring"
    : `instance ${status.leader ?? "(none yet)"} leads sealing and anchoring; this one serves and accepts writes`;
  return { ok: true, message, leading: status.leading, instance: status.instance, leader: status.leader };
}

export async function readiness(deps: ReadinessDeps): Promise<Readiness> {
  const [store, chain, anchoring] = await Promise.all([storeCheck(deps), chainCheck(deps), anchoringCheck(deps)]);
  const checks: Record<string, ReadinessCheck> = {
    store,
    chain,
    role: roleCheck(deps),
    anchoring,
    leadership: leadershipCheck(deps.leadership?.status()),
  };
  const failing = Object.entries(checks).filter(([, c]) => !c.ok);
  const detail = `not ready: ${failing.map(([name, c]) => `${name} (${c.code})`).join(", ")}`;
  return { ready: failing.length === 0, checks, problem: new ProblemError(503, "NOT_READY", detail, { checks }) };
}
