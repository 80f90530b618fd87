/**
 * Prometheus metrics on a registry of the server's own (several servers can share one process in tests).
 * Gauges read the store when scraped, so they never drift from it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Store } from "../store/types";

export function createMetrics(store: Store) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "aiqyn_process_" });
  // While the database is away (PostgreSQL) the store gauges keep their last values; /metrics still answers.
  let last: Awaited<ReturnType<Store["counts"]>> | null = null;
  const counts = async () => (last = await store.counts().catch(() => last));
  new Gauge({
    name: "aiqyn_records",
    help: "Records accepted, all time",
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) this.set(c.records);
    },
  });
  new Gauge({
    name: "aiqyn_records_pending",
    help: "Accepted records whose batch is not anchored yet",
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) this.set(c.pending);
    },
  });
  new Gauge({
    name: "aiqyn_batches",
    help: "Batches by status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries((await counts())?.batchesByStatus ?? {})) this.set({ status }, n);
    },
  });
  const recordsAccepted = new Counter({
    name: "aiqyn_records_accepted_total",
    help: "Records accepted by this process",
    registers: [registry],
  });
  const anchorErrors = new Counter({
    name: "aiqyn_anchor_errors_total",
    help: "Failed anchoring attempts, by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  const batchesAnchored = new Counter({
    name: "aiqyn_batches_anchored_total",
    help: "Batches anchored by this process",
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "aiqyn_http_request_duration_seconds",
    help: "HTTP request durations",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, recordsAccepted, anchorErrors, batchesAnchored, httpDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;
