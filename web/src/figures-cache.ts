/**
 * Batches this browser already checked against the chain, so a reload does not fetch and hash them again:
 * in memory, and in IndexedDB under "chainId:registry:batchId:root" (the root the chain holds, which is the one
 * the records were checked against). Only the fields the totals read are kept. IndexedDB failing (private mode,
 * quota) only means the next visit checks again.
 */
import type { TotalsRecord } from "../../core/totals";

const DB_NAME = "aiqyn-figures";
const STORE = "checked-batches";
const memory = new Map<string, TotalsRecord[]>();

export function batchCacheKey(chainId: number, registry: string, batchId: number, root: string): string {
  return `${chainId}:${registry.toLowerCase()}:${batchId}:${root.toLowerCase()}`;
}

let opened: Promise<IDBDatabase | null> | null = null;

function openDb(): Promise<IDBDatabase | null> {
  opened ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return opened;
}

/** The cached records of each key found (memory first, then IndexedDB in one transaction). */
export async function cachedBatches(keys: string[]): Promise<Map<string, TotalsRecord[]>> {
  const found = new Map<string, TotalsRecord[]>();
  const missing = keys.filter((key) => {
    const hit = memory.get(key);
    if (hit) found.set(key, hit);
    return !hit;
  });
  const db = missing.length > 0 ? await openDb() : null;
  if (!db) return found;
  await new Promise<void>((resolve) => {
    const tx = db.transaction(STORE, "readonly");
    const store = tx.objectStore(STORE);
    for (const key of missing) {
      const get = store.get(key);
      get.onsuccess = () => {
        if (Array.isArray(get.result)) {
          memory.set(key, get.result as TotalsRecord[]);
          found.set(key, get.result as TotalsRecord[]);
        }
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => resolve();
    tx.onabort = () => resolve();
  });
  return found;
}

export async function rememberBatch(key: string, records: TotalsRecord[]): Promise<void> {
  memory.set(key, records);
  const db = await openDb();
  if (!db) return;
  try {
    db.transaction(STORE, "readwrite").objectStore(STORE).put(records, key);
  } catch {
    // A full or closed store: this batch is checked again next visit.
  }
}
