/**
 * The domain functions behind the HTTP routes, composed from one module per concern: ingest (writes) and
 * queries (reads, one pagination rule); readiness lives in ./http/readiness. Each takes already-extracted input and
 * returns the answer's body or throws a ProblemError. No Express in here.
 */
import type { Keccak } from "../core";
import type { Anchorer } from "./anchoring/anchorer";
import type { Batcher } from "./anchoring/batcher";
import type { ChainClient } from "./anchoring/chain";
import type { ServerConfig } from "./config";
import type { ReceiptSigner } from "./crypto";
import { createControlCheck } from "./control-check";
import { createDocuments, type Documents } from "./documents";
import { createIngest, type Ingest } from "./ingest";
import type { Leadership } from "./anchoring/leader";
import { storeProblem } from "./http/store-problem";
import { createQueries, type Queries } from "./queries";
import type { Store } from "./store/types";

export { MAX_BULK_RECORDS } from "./ingest";
export { DEFAULT_PAGE, MAX_BATCH_PAGE, MAX_PAGE, parseIntParam } from "./http/params";
export type { ReadinessCheck } from "./http/readiness";

export interface ServiceDeps {
  store: Store;
  keccak: Keccak;
  signer: ReceiptSigner;
  chain: ChainClient;
  config: ServerConfig;
  deploymentBlock: number;
  /** See QueryDeps.receiptsFromSeq. */
  receiptsFromSeq?: number;
  batcher: Batcher;
  anchorer: Anchorer;
  leadership?: Pick<Leadership, "status">;
  now?: () => number;
  onAccepted?: (count: number) => void;
  onStoreError?: (error: unknown) => void;
}

export type Service = Ingest & Queries & Documents;

export function createService(deps: ServiceDeps): Service {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  return guardStore({
    ...createIngest({
      ...deps,
      now,
      checkControl: createControlCheck(deps.chain.chainId, deps.chain.registry, (method, params) =>
        deps.chain.provider.send(method, params),
      ),
    }),
    ...createQueries(deps),
    ...createDocuments({ ...deps, now }),
  });
}

const STORE_METHODS = [
  "ingest",
  "dryRun",
  "putDocument",
  "getDocument",
  "getRecord",
  "listRecords",
  "proofBundleJson",
  "proofBundle",
  "listBatches",
  "getBatch",
  "batchRecords",
  "stats",
] as const;

/** The methods that read or write the store answer 503 STORE_UNAVAILABLE while the database is away. */
function guardStore(service: Service): Service {
  for (const name of STORE_METHODS) {
    const method = service[name] as (...args: unknown[]) => Promise<unknown>;
    (service as unknown as Record<string, unknown>)[name] = async function (this: Service, ...args: unknown[]) {
      try {
        return await method.apply(this, args);
      } catch (error) {
        throw storeProblem(error);
      }
    };
  }
  return service;
}
