/**
 * Batches this browser already checked against the chain, so a reload does not fetch and hash them again:
 * in memory, and in IndexedDB under "chainId:registry:batchId:root", the trust root and the root the CHAIN holds
 * for that batch (read again on every visit, never the root a data source claims). The entries are as good as
 * the readers that confirmed them, so they are all dropped when the readers change (useReaders). Only the fields
 * the totals read are kept. IndexedDB failing (private mode, quota) only means the next visit checks again.
 */
import type { TotalsRecord } from "../../core/protocol/totals";

const DB_NAME = "aiqyn-figures";
const STORE = "checked-batches";
const META = "meta";
const memory = new Map<string, TotalsRecord[]>();

export function batchCacheKey(chainId: number, registry: string, batchId: number, root: string): string {
  return `${chainId}:${registry.toLowerCase()}:${batchId}:${root.toLowerCase()}`;
}

let opened: Promise<IDBDatabase | null> | null = null;
const READERS_KEY = "readers";
let readersInUse: string | null = null;

function openDb(): Promise<IDBDatabase | null> {
  opened ??= new Promise((resolve) => {
    try {
      // Version 2 adds the readers the entries rest on; version 1's entries (keyed by a root a source claimed) go.
      const request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (db.objectStoreNames.contains(STORE)) db.deleteObjectStore(STORE);
        db.createObjectStore(STORE);
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      };
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

/**
 * Declares the readers (RPC URLs) whose answers the next checks rest on: when they are not those the cache was
 * filled with, every entry is dropped, in memory and in IndexedDB (a lying RPC's confirmations do not outlive it).
 */
export async function useReaders(rpcUrls: readonly string[]): Promise<void> {
  const id = [...rpcUrls].sort().join(" ");
  if (readersInUse === id) return;
  const db = await openDb();
  const stored = db ? await readMeta(db) : readersInUse;
  if (stored !== id) {
    memory.clear();
    if (db) await clearStore(db, id);
  }
  readersInUse = id;
}

function readMeta(db: IDBDatabase): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      const get = db.transaction(META, "readonly").objectStore(META).get(READERS_KEY);
      get.onsuccess = () => resolve(typeof get.result === "string" ? get.result : null);
      get.onerror = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
}

function clearStore(db: IDBDatabase, readers: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      const tx = db.transaction([STORE, META], "readwrite");
      tx.objectStore(STORE).clear();
      tx.objectStore(META).put(readers, READERS_KEY);
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
      tx.onabort = () => resolve();
    } catch {
      resolve();
    }
  });
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
