/**
 * The store's part of publishing, on SQLite and PostgreSQL alike: an Idempotency-Key is written in the
 * transaction of its records (both or neither), is per publisher, expires, and documents are stored once.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bytesToHex, keccak256, type Hex } from "../../core";
import { openPostgresStore } from "../../server/store/postgres";
import { SqliteStore } from "../../server/store/sqlite";
import {
  IdempotencyKeyTaken,
  type IdempotencyClaim,
  type RecordFinisher,
  type Store,
  type StoredRecord,
} from "../../server/store/types";
import { migrateStore } from "../../scripts/ops/migrate-store";
import { freshDatabaseUrl } from "../helpers/postgres";
import { sampleRecord } from "../helpers/stack";

const BACKENDS: { name: string; open(): Promise<{ store: Store; reopen(): Promise<Store> }> }[] = [
  {
    name: "SQLite",
    async open() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-pubstore-")), "aiqyn.sqlite");
      return { store: new SqliteStore(file), reopen: async () => new SqliteStore(file) };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      const url = await freshDatabaseUrl();
      return { store: await openPostgresStore(url), reopen: () => openPostgresStore(url) };
    },
  },
];

const finish: RecordFinisher = (record) => ({
  leaf: `0x${record.seq.toString(16).padStart(64, "0")}`,
  signature: `0x${"ab".repeat(65)}`,
  signer: "0x00000000000000000000000000000000000000a1",
});
const T = 1_761_955_300;
const WEEK = 7 * 24 * 3600;
const answerOf = (stored: readonly StoredRecord[]) => JSON.stringify({ seqs: stored.map((s) => s.record.seq) });
const claim = (key: string, bodyHash: string, at = T): IdempotencyClaim => ({
  key,
  bodyHash,
  at,
  notBefore: at - WEEK,
  answer: answerOf,
});

for (const backend of BACKENDS) {
  describe(`Publishing store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let reopen: () => Promise<Store>;
    const append = (key: string | null, hash = "h1", publisher = "treasury", at = T) =>
      store.appendRecords(
        [sampleRecord(), sampleRecord()],
        publisher,
        finish,
        () => at,
        key ? claim(key, hash, at) : undefined,
      );

    beforeEach(async () => ({ store, reopen } = await backend.open()));
    afterEach(async () => store.close());

    it("stores the key with the answer of its records, durable across a reopen", async () => {
      await append("k-1");
      const again = await reopen();
      try {
        const found = await again.idempotentAnswer("treasury", "k-1", T - WEEK);
        expect(found).to.deep.equal({ bodyHash: "h1", answer: JSON.stringify({ seqs: [1, 2] }), at: T });
      } finally {
        await again.close();
      }
    });

    it("refuses a second append under a live key: nothing stored, no seq used", async () => {
      await append("k-1");
      const error = await append("k-1", "h2").then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(IdempotencyKeyTaken);
      expect((error as IdempotencyKeyTaken).found.bodyHash).to.equal("h1");
      expect(await store.maxSeq()).to.equal(2);
      const [next] = await append(null);
      expect(next!.record.seq).to.equal(3);
    });

    it("lets exactly one of many concurrent appends under one key write", async () => {
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => append("same")));
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      const refused = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(refused.every((r) => r.reason instanceof IdempotencyKeyTaken)).to.equal(true);
      expect(await store.maxSeq()).to.equal(2);
    });

    it("keeps keys per publisher", async () => {
      await append("shared", "h1", "treasury");
      await append("shared", "h1", "mining-desk");
      expect(await store.maxSeq()).to.equal(4);
      expect(await store.idempotentAnswer("mining-desk", "shared", T - WEEK)).to.have.property(
        "answer",
        '{"seqs":[3,4]}',
      );
    });

    it("forgets a key after 7 days: it may then be used again", async () => {
      await append("old", "h1", "treasury", T);
      expect(await store.idempotentAnswer("treasury", "old", T + WEEK + 1 - WEEK)).to.equal(null);
      await append("old", "h2", "treasury", T + WEEK + 1);
      expect(await store.maxSeq()).to.equal(4);
      const found = await store.idempotentAnswer("treasury", "old", T + 1);
      expect(found!.bodyHash).to.equal("h2");
    });

    it("stores a document once under its hash", async () => {
      const body = new TextEncoder().encode("court order 2-1147/2025");
      const hash = bytesToHex(keccak256(body)) as Hex;
      const doc = { hash, contentType: "text/plain", size: body.length, publisher: "treasury", storedAt: T };
      expect(await store.putDocument(doc, body)).to.equal(true);
      expect(await store.putDocument({ ...doc, storedAt: T + 5 }, body)).to.equal(false);
      const got = await store.getDocument(hash);
      expect(Buffer.from(got!.body).equals(Buffer.from(body))).to.equal(true);
      expect(got!.doc).to.deep.equal(doc);
      expect(await store.getDocument(`0x${"11".repeat(32)}`)).to.equal(null);
    });
  });
}

describe("Publishing store: ops migrate-store keeps documents and Idempotency-Keys", function () {
  this.timeout(60_000);

  it("copies them from SQLite to PostgreSQL: the document is served and a retry is still answered", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-pubmigrate-")), "aiqyn.sqlite");
    const source = new SqliteStore(file);
    const body = new TextEncoder().encode("%PDF-1.7 a grant agreement");
    const hash = bytesToHex(keccak256(body)) as Hex;
    await source.putDocument(
      { hash, contentType: "application/pdf", size: body.length, publisher: "treasury", storedAt: T },
      body,
    );
    await source.appendRecords([sampleRecord()], "treasury", finish, () => T, claim("bulk-1", "h1"));
    await source.close();
    const url = await freshDatabaseUrl();
    await migrateStore({ from: file, to: url, chainRoot: async () => null, log: () => undefined });
    const target = await openPostgresStore(url);
    try {
      expect(Buffer.from((await target.getDocument(hash))!.body).equals(Buffer.from(body))).to.equal(true);
      expect(await target.idempotentAnswer("treasury", "bulk-1", T - WEEK)).to.have.property("bodyHash", "h1");
    } finally {
      await target.close();
    }
  });
});
