/**
 * PostgreSQL's group commit (server/store/postgres/index.ts): concurrent single writes go into one transaction, and
 * every request is answered only after the transaction holding it committed, or with the error that rolled it
 * back. Failures are provoked in the database itself (a row behind the store's back, a backend killed by a
 * trigger during the INSERT or during the COMMIT) and the store is then read from another connection.
 */
import { expect } from "chai";
import net from "node:net";
import pg from "pg";
import { AiqynError, type Hex, type RecordInput } from "../../core";
import { openPostgresStore, type PostgresStore } from "../../server/store/postgres";
import { IdempotencyKeyTaken, type IdempotencyClaim, type RecordFinisher } from "../../server/store/types";
import { freshDatabaseUrl } from "../helpers/postgres";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

const leafOf = (seq: number): Hex => `0x${seq.toString(16).padStart(64, "0")}`;
const finish: RecordFinisher = (record) => ({
  leaf: leafOf(record.seq),
  signature: `0x${"ab".repeat(65)}`,
  signer: "0x00000000000000000000000000000000000000a1",
});
const now = () => 1_761_955_300;

function claim(key: string): IdempotencyClaim {
  return {
    key,
    bodyHash: "b".repeat(64),
    at: now(),
    notBefore: now() - 3600,
    answer: (stored) => JSON.stringify(stored.map((s) => s.record.seq)),
  };
}

/** What another connection sees: the records (seq, memo), the seq counter, the keys. */
async function seen(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const records = (await client.query("SELECT seq::int, memo FROM records ORDER BY seq")).rows as {
      seq: number;
      memo: string;
    }[];
    const counter = Number((await client.query("SELECT value FROM counters WHERE name = 'seq'")).rows[0].value);
    const keys = Number((await client.query("SELECT COUNT(*) AS n FROM idempotency_keys")).rows[0].n);
    return { records, counter, keys };
  } finally {
    await client.end();
  }
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A trigger that kills the writing backend when a record's memo is 'kill' (during the INSERT or at COMMIT). */
async function killOnMemo(url: string, at: "insert" | "commit"): Promise<void> {
  await sql(
    url,
    `CREATE FUNCTION kill_writer() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.memo = 'kill' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
       RETURN NEW;
     END $$;
     ${
       at === "insert"
         ? "CREATE TRIGGER kill_writer BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION kill_writer()"
         : `CREATE CONSTRAINT TRIGGER kill_writer AFTER INSERT ON records DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION kill_writer()`
     }`,
  );
}

/**
 * A TCP proxy in front of the database that, once armed, forwards the next COMMIT, lets the database answer it,
 * and drops the connection before the answer reaches the store: the transaction committed, the store cannot know.
 */
async function commitAnswerLosingProxy(url: string) {
  const target = new URL(url);
  const state = { armed: false, cut: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    let cutting = false;
    client.on("data", (d: Buffer) => {
      upstream.write(d);
      if (state.armed && d.includes("COMMIT")) {
        state.armed = false;
        cutting = true;
      }
    });
    upstream.on("data", (d: Buffer) => {
      if (!cutting) return void client.write(d);
      state.cut += 1;
      client.destroy();
      upstream.destroy();
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((server.address() as net.AddressInfo).port);
  return { url: proxied.toString(), state, close: () => new Promise((resolve) => server.close(resolve)) };
}

const settle = (ps: Promise<unknown>[]) => Promise.allSettled(ps);
const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === "rejected" ? ((r.reason as AiqynError).code ?? (r.reason as { code?: string }).code) : "ok";

describe("PostgreSQL group commit", function () {
  this.timeout(60_000);
  let url: string;
  let store: PostgresStore;
  const append = (inputs: RecordInput[], idempotency?: IdempotencyClaim) =>
    store.appendRecords(inputs, "treasury", finish, now, idempotency);

  beforeEach(async () => {
    url = await freshDatabaseUrl();
    store = await openPostgresStore(url);
  });
  afterEach(async () => {
    await store.close();
  });

  it("puts 50 concurrent single writes into fewer transactions, with consecutive seqs, all durable when answered", async () => {
    const before = { ...store.commitStats };
    const answered = await Promise.all(Array.from({ length: 50 }, (_, i) => append([sampleRecord({ memo: `w${i}` })])));
    const seqs = answered.map((r) => r[0]!.record.seq);
    expect([...seqs].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(store.commitStats.commits - before.commits).to.be.within(1, 10);
    expect(store.commitStats.requests - before.requests).to.equal(50);
    // Seen from another connection once answered: committed, each with the content of its own request.
    const { records, counter } = await seen(url);
    expect(counter).to.equal(50);
    expect(records.map((r) => r.seq)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const [i, r] of answered.entries()) expect(records[r[0]!.record.seq - 1]!.memo).to.equal(`w${i}`);
  });

  it("writes once for retries of one Idempotency-Key arriving together, and the others of the burst still land", async () => {
    const results = await settle([
      ...Array.from({ length: 5 }, () => append([sampleRecord({ memo: "retried" })], claim("k-1"))),
      append([sampleRecord({ memo: "other" })]),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).to.have.length(2);
    const taken = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(taken).to.have.length(4);
    const first = results.slice(0, 5).find((r) => r.status === "fulfilled") as PromiseFulfilledResult<unknown[]>;
    const firstSeq = (first.value[0] as { record: { seq: number } }).record.seq;
    for (const reason of taken) {
      expect(reason).to.be.instanceOf(IdempotencyKeyTaken);
      expect((reason as IdempotencyKeyTaken).found.answer).to.equal(JSON.stringify([firstSeq]));
    }
    const { records, counter, keys } = await seen(url);
    expect(records.map((r) => r.memo).sort()).to.deep.equal(["other", "retried"]);
    expect(counter).to.equal(2);
    expect(keys).to.equal(1);
  });

  it("acknowledges none of a group whose backend is killed during the INSERT, and writes nothing of it", async () => {
    await killOnMemo(url, "insert");
    const results = await settle([
      append([sampleRecord({ memo: "a" })]),
      append([sampleRecord({ memo: "kill" })]),
      append([sampleRecord({ memo: "b" }), sampleRecord({ memo: "c" })]),
    ]);
    expect(results.map(codeOf)).to.deep.equal(Array(3).fill("STORE_UNAVAILABLE"));
    expect(await seen(url)).to.deep.include({ records: [], counter: 0 });
    // The next write takes seq 1: the rolled-back group consumed none.
    expect((await append([sampleRecord({ memo: "after" })]))[0]!.record.seq).to.equal(1);
  });

  it("acknowledges none of a group whose backend is killed during its COMMIT (asked: it did not commit)", async () => {
    await killOnMemo(url, "commit");
    const results = await settle([
      append([sampleRecord({ memo: "a" })]),
      append([sampleRecord({ memo: "kill" })]),
      append([sampleRecord({ memo: "b" })]),
    ]);
    expect(results.map(codeOf)).to.deep.equal(Array(3).fill("STORE_UNAVAILABLE"));
    expect(await seen(url)).to.deep.include({ records: [], counter: 0 });
    expect((await append([sampleRecord({ memo: "after" })]))[0]!.record.seq).to.equal(1);
  });

  it("answers a group whose COMMIT answer was lost once the database says it committed, and writes it once", async () => {
    const proxy = await commitAnswerLosingProxy(url);
    const through = await openPostgresStore(proxy.url);
    try {
      await through.appendRecords([sampleRecord({ memo: "warm" })], "treasury", finish, now);
      proxy.state.armed = true;
      const answered = await Promise.all(
        ["a", "b", "c"].map((memo) => through.appendRecords([sampleRecord({ memo })], "treasury", finish, now)),
      );
      expect(proxy.state.cut).to.equal(1);
      expect(answered.map((r) => r[0]!.record.seq).sort()).to.deep.equal([2, 3, 4]);
      const { records, counter } = await seen(url);
      expect(records.map((r) => r.memo)).to.deep.equal(["warm", ...answered.map((r) => r[0]!.record.memo)]);
      expect(counter).to.equal(4);
    } finally {
      await through.close();
      await proxy.close();
    }
  });

  it("acknowledges none of a group that hits a constraint, retried one by one, and leaves no partial write", async () => {
    // A row behind the store's back at the seq the counter hands out next: every insert collides.
    await sql(
      url,
      `INSERT INTO records (seq, kind, occurred_at, published_at, publisher, asset, amount, value_usd, counterparty,
         reference, document_hash, memo, corrects, leaf, signature, signer)
       VALUES (1, 'GRANT', 1, 1, 'x', 'KZT', '1', '1', '', '', '', 'intruder', 0, '0x', '0x', '0x')`,
    );
    const results = await settle([append([sampleRecord()]), append([sampleRecord(), sampleRecord()])]);
    expect(results.map(codeOf)).to.deep.equal(["23505", "23505"]);
    expect(await seen(url)).to.deep.include({ records: [{ seq: 1, memo: "intruder" }], counter: 0 });
  });
});

describe("PostgreSQL group commit over HTTP", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let url: string;
  before(async () => {
    url = await freshDatabaseUrl();
    stack = await startTestStack({ databaseUrl: url });
  });
  after(async () => {
    await stack.stop();
  });

  const post = (body: unknown, key?: string) =>
    fetch(`${stack.baseUrl}/api/v1/records`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${stack.apiKey}`,
        ...(key ? { "idempotency-key": key } : {}),
      },
      body: JSON.stringify(body),
    });

  it("refuses the one invalid POST among concurrent valid ones alone; the others land with consecutive seqs", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) =>
      i === 7 ? sampleRecord({ amount: "not a number" }) : sampleRecord({ memo: `p${i}` }),
    );
    const answers = await Promise.all(bodies.map((b) => post(b)));
    expect(answers.map((a) => a.status)).to.deep.equal(bodies.map((_, i) => (i === 7 ? 400 : 201)));
    const seqs: number[] = [];
    for (const a of answers)
      if (a.status === 201) seqs.push(((await a.json()) as { receipts: { seq: number }[] }).receipts[0]!.seq);
    expect([...seqs].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 19 }, (_, i) => i + 1));
    const { records } = await seen(url);
    expect(records.map((r) => r.memo)).to.not.include("");
    expect(records).to.have.length(19);
  });

  it("answers concurrent retries under one Idempotency-Key with one write and the same receipts", async () => {
    const before = (await seen(url)).counter;
    const body = { records: [sampleRecord({ memo: "once" })] };
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(body, "http-retry-1")));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(6).fill(201));
    const receipts = await Promise.all(
      answers.map(async (a) => JSON.stringify(((await a.json()) as { receipts: unknown }).receipts)),
    );
    expect(new Set(receipts).size).to.equal(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).to.have.length(5);
    const { records, counter } = await seen(url);
    expect(counter).to.equal(before + 1);
    expect(records.filter((r) => r.memo === "once")).to.have.length(1);
  });
});
