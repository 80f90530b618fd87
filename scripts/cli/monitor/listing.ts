/**
 * The source's description of the batches a cycle needs, not of the whole registry: a server is asked
 * GET /api/v1/batches/:id for each batch being checked and for the ids after the chain's batchCount (until its
 * first 404), so an idle cycle costs a few requests however many batches the registry holds. A mirror's index
 * is one file: its whole list is read. Null when the source could not say (then no listing finding is made).
 */
import { isObject } from "../../../core/protocol/shape";
import { parseListedBatch, type AuditSource, type ListedBatch } from "../audit/source";
import { fetchJson, joinUrl } from "../http";

/** Batches past the chain's count asked of a server per cycle at most. */
const MAX_BEYOND = 100;

export interface ListingRequest {
  source: AuditSource;
  /** The server's base URL, or null for a mirror. */
  server: string | null;
  timeoutMs: number;
  ids: readonly number[];
  /** Also every listed batch after this id (the chain's batchCount), or null. */
  after: number | null;
}

export async function readListing(req: ListingRequest): Promise<Map<number, ListedBatch> | null> {
  if (req.server === null) {
    const listing = await req.source.listBatches();
    return listing.ok ? listing.value : null;
  }
  const listed = new Map<number, ListedBatch>();
  const ask = async (id: number): Promise<"listed" | "absent" | "error"> => {
    const result = await fetchJson(joinUrl(req.server!, `/api/v1/batches/${id}`), {
      timeoutMs: req.timeoutMs,
      maxBytes: 1024 * 1024,
    });
    if (!result.ok) return result.kind === "http-status" && result.status === 404 ? "absent" : "error";
    const batch = isObject(result.json) ? parseListedBatch(result.json) : null;
    if (!batch || batch.id !== id) return "error";
    listed.set(id, batch);
    return "listed";
  };
  for (const id of new Set(req.ids)) if ((await ask(id)) === "error") return null;
  if (req.after !== null)
    for (let id = req.after + 1; id <= req.after + MAX_BEYOND; id++) {
      const answer = await ask(id);
      if (answer === "error") return null;
      if (answer === "absent") break;
    }
  return listed;
}
