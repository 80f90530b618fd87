/**
 * The options of the commands that judge the registry's records (audit, reconcile): the pinned trust root, the
 * auditor's --rpc for the registry's chain, --timeout, and where the records come from (--server URL or
 * --mirror DIR, trusted for nothing). One definition, so every command takes and checks them alike.
 */
import type { RpcRequest, TrustRoot } from "../../core";
import {
  COMMON_OPTIONS,
  httpUrlOption,
  integerOption,
  secondsOption,
  stringOption,
  TRUST_OPTIONS,
  trustOption,
  UsageError,
  type Options,
  type Parsed,
} from "./args";
import { mirrorSource, serverSource, type AuditSource } from "./audit/source";
import { createHttpRpc } from "./rpc";

/** Trust root, --rpc, --server | --mirror, --chain-rpc (repeatable), --timeout and --help. */
export const RECORDS_OPTIONS = {
  ...TRUST_OPTIONS,
  rpc: { type: "string" },
  server: { type: "string" },
  mirror: { type: "string" },
  "page-size": { type: "string" },
  "chain-rpc": { type: "string", multiple: true },
  ...COMMON_OPTIONS,
} as const satisfies Options;

/** The registry's chain as the auditor pinned it and chose to read it. */
export interface PinnedChain {
  trust: TrustRoot;
  rpcUrl: string;
  rpc: RpcRequest;
  /** --timeout SECONDS (default 30), in milliseconds. */
  timeoutMs: number;
}

/** The trust root (UsageError, exit 2, without one), --rpc URL (required) and --timeout. */
export function pinnedChainOptions(parsed: Parsed): PinnedChain {
  const trust = trustOption(parsed);
  const rpcUrl = httpUrlOption(parsed, "rpc", true);
  const timeoutMs = secondsOption(parsed, "timeout", 30);
  return { trust, rpcUrl, rpc: createHttpRpc(rpcUrl, { timeoutMs }), timeoutMs };
}

/** Where the records come from, and the same choice as arguments (to hand on, e.g. audit → reconcile). */
export type RecordsSource = { source: AuditSource; args: string[] } & (
  { server: string; mirror?: undefined } | { mirror: string; server?: undefined }
);

/** A batch's records per page asked of a server (--page-size N), or its own default when not given. */
export function batchPageSizeOption(parsed: Parsed): number | undefined {
  return stringOption(parsed, "page-size") === undefined ? undefined : integerOption(parsed, "page-size", 0, 1, 10_000);
}

/** Exactly one of --server URL (fetched with timeoutMs and retries, --page-size) and --mirror DIR. */
export function recordsSourceOption(parsed: Parsed, timeoutMs: number, retries: number): RecordsSource {
  const server = httpUrlOption(parsed, "server", false);
  const batchPageSize = batchPageSizeOption(parsed);
  const mirror = stringOption(parsed, "mirror");
  if (server !== undefined && mirror === undefined)
    return { source: serverSource(server, { timeoutMs, retries, batchPageSize }), server, args: ["--server", server] };
  if (mirror !== undefined && server === undefined)
    return { source: mirrorSource(mirror), mirror, args: ["--mirror", mirror] };
  throw new UsageError("give exactly one of --server URL and --mirror DIR");
}
