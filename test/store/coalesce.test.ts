// Coalesced reads (server/store/postgres/coalesce.ts): callers share reads, and every caller's answer comes from a read
// that started after its call (so a write committed before the call is always seen).
import { expect } from "chai";
import { Coalesced, CoalescedByKey } from "../../server/store/postgres/coalesce";

/** A read whose answers are released by hand; `value` is what the store holds when a read starts. */
function controlledRead() {
  const started: { at: number; release: () => void }[] = [];
  let value = 0;
  const read = () =>
    new Promise<number>((resolve) => {
      const at = value;
      started.push({ at, release: () => resolve(at) });
    });
  return { read, started, set: (v: number) => (value = v) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("store: coalesced reads", () => {
  it("a caller arriving during a read waits for the next one, which sees what was written before its call", async () => {
    const c = controlledRead();
    const reads = new Coalesced(c.read);
    const first = reads.get();
    c.set(1); // committed while the first read is in flight, before the next two calls
    const second = reads.get();
    const third = reads.get();
    expect(c.started).to.have.length(1);
    c.started[0]!.release();
    expect(await first).to.equal(0);
    await tick();
    expect(c.started).to.have.length(2); // one read for both later callers
    c.started[1]!.release();
    expect([await second, await third]).to.deep.equal([1, 1]);
  });

  it("a failed read fails its callers only; the next read is tried afresh", async () => {
    let n = 0;
    const reads = new Coalesced(async () => {
      n += 1;
      if (n === 1) throw new Error("down");
      return n;
    });
    const failed = reads.get();
    const after = reads.get();
    await failed.then(
      () => expect.fail("the first read failed"),
      (error: Error) => expect(error.message).to.equal("down"),
    );
    expect(await after).to.equal(2);
    expect(await reads.get()).to.equal(3);
  });

  it("keys are read apart and forgotten when idle", async () => {
    const asked: string[] = [];
    const reads = new CoalescedByKey(async (key: string) => {
      asked.push(key);
      return key.toUpperCase();
    });
    expect(await Promise.all([reads.get("a"), reads.get("b")])).to.deep.equal(["A", "B"]);
    expect(await reads.get("a")).to.equal("A");
    expect(asked).to.deep.equal(["a", "b", "a"]);
  });
});
