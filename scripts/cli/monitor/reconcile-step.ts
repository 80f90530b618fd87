/**
 * Reconciliation, incrementally: core's reconcile() (called as it is, through its public options) over the
 * verified records that name a chain, with each asset chain's Transfer scan starting after the block the last
 * cycle judged (`scanFrom`), unless a new declaration or retraction reaches back (then from the start). A chain
 * is judged again only when its final block moved or new records arrived.
 */
import { createEvmChainReader, reconcile, type ChainTarget, type ReconcileReport } from "../../../core";
import type { BitcoinTarget } from "../../../core/reconcile/bitcoin";
import type { BitcoinChainReaderOption } from "../bitcoin-targets";
import { createHttpRpc } from "../rpc";
import { reconcileAlert, type AlertInput } from "./alerts";
import type { MonitorState } from "./state";

export interface ReconcileStepOptions {
  state: MonitorState;
  /** CAIP-2 chain → RPC URL (the registry's chain included, by --rpc, unless --chain-rpc names it). */
  chainRpcs: Map<string, string>;
  /** bip122 chains: their Esplora readers and confirmations (the whole history is read each time it moves). */
  bitcoin?: Map<string, BitcoinChainReaderOption>;
  confirmations: number;
  timeoutMs: number;
  logChunk: number;
  /** True when this cycle added records to state.reconcileRecords. */
  newRecords: boolean;
  /** The pinned registry as CAIP-10 (registryCaip10): the declarations' control message names it. */
  registry: string;
}

export interface ReconcileStepResult {
  alerts: AlertInput[];
  unchecked: ReconcileReport["unchecked"];
  ran: boolean;
}

export async function reconcileStep(options: ReconcileStepOptions): Promise<ReconcileStepResult> {
  const { state } = options;
  if (state.reconcileRecords.length === 0) return { alerts: [], unchecked: [], ran: false };
  const chains: Record<string, ChainTarget> = {};
  const scanFrom: Record<string, number> = {};
  let moved = options.newRecords;
  for (const [chain, url] of options.chainRpcs) {
    const reader = createEvmChainReader(createHttpRpc(url, { timeoutMs: options.timeoutMs }));
    const toBlock = Math.max(0, (await reader.latestBlock()) - options.confirmations);
    const last = state.chains[chain];
    if (!last || last.toBlock !== toBlock || last.rescan) moved = true;
    chains[chain] = { reader, toBlock };
    scanFrom[chain] = last && !last.rescan ? Math.min(last.toBlock + 1, toBlock) : 0;
  }
  const bitcoin: Record<string, BitcoinTarget> = {};
  for (const [chain, { reader, confirmations }] of options.bitcoin ?? []) {
    const toHeight = Math.max(0, (await reader.tipHeight()) - confirmations);
    const last = state.chains[chain];
    if (!last || last.toBlock !== toHeight || last.rescan) moved = true;
    bitcoin[chain] = { reader, toHeight };
  }
  if (!moved) return { alerts: [], unchecked: [], ran: false };
  const report = await reconcile({
    records: state.reconcileRecords,
    registry: options.registry,
    chains,
    bitcoin,
    scanFrom,
    logChunkSize: options.logChunk,
  });
  const finalBlocks = new Map<string, number>([
    ...Object.entries(chains).map(([chain, t]) => [chain, t.toBlock] as const),
    ...Object.entries(bitcoin).map(([chain, t]) => [chain, t.toHeight] as const),
  ]);
  for (const [chain, toBlock] of finalBlocks) state.chains[chain] = { toBlock, rescan: false };
  const alerts = report.findings.map((f) => reconcileAlert(f, finalBlocks.get(f.chain) ?? -1));
  return { alerts, unchecked: report.unchecked, ran: true };
}
