/**
 * What the source says beyond the anchored batches, judged against the chain each cycle: a batch it lists as
 * anchored that the chain lacks (BATCH_NOT_ON_CHAIN), a sealed batch still unanchored past the contract's
 * maxAnchorDelay (BATCH_OVERDUE), and (from a server) a receipt it serves for a record still unanchored past
 * its deadline (RECEIPT_NOT_HONOURED): a receipt is judged when its signer held ANCHORER_ROLE at its
 * publishedAt (audit/receipts.ts), by the role history the monitor read from the chain.
 */
import { isObject } from "../../../core/protocol/shape";
import type { Receipt, RoleEvent } from "../../../core";
import type { FindingInput } from "../audit/findings";
import { ReceiptBook, type LoadedReceipt } from "../audit/receipts";
import type { AuditSource, ListedBatch } from "../audit/source";
import { fetchJson, joinUrl } from "../http";

export interface ListingContext {
  source: AuditSource;
  listed: Map<number, ListedBatch>;
  /** The chain's batchCount() at the latest block. */
  latestBatchCount: number;
  delay: number;
  now: number;
}

export async function checkListing(ctx: ListingContext): Promise<FindingInput[]> {
  const findings: FindingInput[] = [];
  for (const b of ctx.listed.values()) {
    if (b.id <= ctx.latestBatchCount) continue;
    if (b.status === "anchored") {
      findings.push({
        code: "BATCH_NOT_ON_CHAIN",
        batchId: b.id,
        message: `the source lists batch ${b.id} as anchored, but the chain has only ${ctx.latestBatchCount} batch(es)`,
        expected: `batch id ≤ ${ctx.latestBatchCount}`,
        actual: b.id,
      });
      continue;
    }
    const since = await oldestPublishedAt(ctx.source, b);
    if (since === null || ctx.now <= since + ctx.delay) continue;
    findings.push({
      code: "BATCH_OVERDUE",
      batchId: b.id,
      message: `batch ${b.id} is "${b.status}" and not anchored ${ctx.now - since} s after its oldest record was published; the registry promises ${ctx.delay} s`,
      expected: `anchored by ${since + ctx.delay}`,
      actual: `not anchored at ${ctx.now}`,
    });
  }
  return findings;
}

async function oldestPublishedAt(source: AuditSource, batch: ListedBatch): Promise<number | null> {
  if (typeof batch.sealedAt === "number" && typeof batch.leafCount !== "number") return batch.sealedAt;
  const served = await source.batchRecords(batch.id, typeof batch.leafCount === "number" ? batch.leafCount : 10_000);
  const times = served.ok
    ? served.value.items
        .map((i) => (i.record as { publishedAt?: unknown } | null)?.publishedAt)
        .filter((t): t is number => typeof t === "number")
    : [];
  if (times.length > 0) return Math.min(...times);
  return typeof batch.sealedAt === "number" ? batch.sealedAt : null;
}

export interface PendingContext {
  server: string;
  timeoutMs: number;
  chainId: number;
  registry: string;
  nextSeq: number;
  delay: number;
  now: number;
  anchorerRoles: readonly RoleEvent[];
}

/** Receipts judged per cycle at most (the oldest first: seqs are published in time order). */
const MAX_PENDING_RECEIPTS = 200;

/**
 * The receipts a server serves for the records from nextSeq on (GET /records/:seq, oldest first), as long as
 * their deadline has passed: past-due receipts from a server that withholds anchoring. Null when unreachable.
 */
export async function checkPendingReceipts(ctx: PendingContext): Promise<FindingInput[] | null> {
  const overdue: LoadedReceipt[] = [];
  for (let seq = ctx.nextSeq; seq < ctx.nextSeq + MAX_PENDING_RECEIPTS; seq++) {
    const result = await fetchJson(joinUrl(ctx.server, `/api/v1/records/${seq}`), {
      timeoutMs: ctx.timeoutMs,
      maxBytes: 1024 * 1024,
    });
    if (!result.ok) {
      if (result.kind === "http-status" && result.status === 404) break;
      return null;
    }
    const item = result.json;
    if (!isObject(item) || !isObject(item.receipt)) continue;
    const receipt = item.receipt as unknown as Receipt;
    if (typeof receipt.publishedAt !== "number" || ctx.now <= receipt.publishedAt + ctx.delay) break;
    overdue.push({ receipt, origin: `the server's receipt for seq ${seq}` });
  }
  return overdueReceipts(overdue, ctx);
}

/**
 * Receipts for seqs at or past nextSeq whose deadline has passed, judged as the audit judges them: a valid
 * signature by a key that held ANCHORER_ROLE at publishedAt binds the registry (RECEIPT_NOT_HONOURED).
 */
export function overdueReceipts(
  receipts: readonly LoadedReceipt[],
  ctx: Pick<PendingContext, "chainId" | "registry" | "nextSeq" | "delay" | "now" | "anchorerRoles">,
): FindingInput[] {
  const due = receipts.filter((r) => r.receipt.seq >= ctx.nextSeq && ctx.now > r.receipt.publishedAt + ctx.delay);
  const findings: FindingInput[] = [];
  const book = new ReceiptBook(ctx.delay, (f) => findings.push(f));
  book.admit(due, ctx.chainId, ctx.registry, ctx.anchorerRoles);
  book.checkUnanchored(ctx.nextSeq, ctx.now);
  return findings.filter((f) => f.code !== "RECEIPT_PENDING");
}
