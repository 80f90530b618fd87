/**
 * Read coalescing for the PostgreSQL store's hot reads (every POST asks for maxSeq and its publisher): callers
 * that arrive while a read is in flight share the next one, which starts when that read ends. Each caller's answer
 * comes from a read that started after its call, so it is as fresh as a read of its own (a record committed, or a
 * key revoked, before the call is seen), and a burst of N callers costs two round trips instead of N.
 */
export class Coalesced<T> {
  private running: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.running === null) {
      const started = this.read();
      this.running = started;
      const clear = () => {
        if (this.running === started) this.running = null;
      };
      started.then(clear, clear);
      return started;
    }
    // The read in flight started before this call: wait for it to end, then share one that starts afterwards.
    this.next ??= this.running.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  }

  private startNext(): Promise<T> {
    this.next = null;
    return this.get();
  }
}

/** One Coalesced per key (a publisher's key hash); entries go once idle. */
export class CoalescedByKey<T> {
  private readonly byKey = new Map<string, { reads: Coalesced<T>; users: number }>();

  constructor(private readonly read: (key: string) => Promise<T>) {}

  async get(key: string): Promise<T> {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { reads: new Coalesced(() => this.read(key)), users: 0 };
      this.byKey.set(key, entry);
    }
    entry.users += 1;
    try {
      return await entry.reads.get();
    } finally {
      entry.users -= 1;
      if (entry.users === 0) this.byKey.delete(key);
    }
  }
}
