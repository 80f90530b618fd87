// A full disk: the store's directory is a small tmpfs (as root; CI runs as root), or, where mounting is not
// permitted, SQLite's own page budget (AIQYN_SQLITE_MAX_PAGE_COUNT) makes SQLite raise SQLITE_FULL. Writes are
// then refused with a 503 STORE_FULL problem; nothing of a refused request is stored, the database stays
// intact (PRAGMA integrity_check), and once space returns writes succeed and everything is anchored.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { Receipt } from "../../core";
import type { SqliteStore } from "../../server/store/sqlite";
import { postJson } from "../helpers/http";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

/** Mounts a tmpfs of `size` at a fresh directory; null when this sandbox does not allow it. */
function tryTmpfs(size: string): string | null {
  if (process.env.AIQYN_FULL_DISK === "pages") return null; // to exercise the fallback by hand
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

function inspect(file: string): { integrity: string; rows: number; maxSeq: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma("integrity_check", { simple: true }) as string;
    const { rows, maxSeq } = db
      .prepare("SELECT COUNT(*) AS rows, COALESCE(MAX(seq), 0) AS maxSeq FROM records")
      .get() as {
      rows: number;
      maxSeq: number;
    };
    return { integrity, rows, maxSeq };
  } finally {
    db.close();
  }
}

describe("hardening: a full disk (SQLITE_FULL)", function () {
  this.timeout(180_000);
  let stack: TestStack | undefined;
  let mountDir: string | null = null;
  let method = "";

  after(async () => {
    await stack?.stop();
    if (mountDir) {
      execFileSync("umount", [mountDir], { stdio: "ignore" });
      fs.rmSync(mountDir, { recursive: true, force: true });
    }
  });

  it("refuses with 503 STORE_FULL, keeps the store intact and consistent, and recovers when space returns", async () => {
    mountDir = tryTmpfs("1m");
    if (mountDir) {
      method = "tmpfs of 1 MB";
      stack = await startTestStack({ dataDir: mountDir, batchIntervalMs: 200 });
    } else {
      method = "PRAGMA max_page_count";
      process.env.AIQYN_SQLITE_MAX_PAGE_COUNT = "150"; // 150 × 4 KB pages
      try {
        stack = await startTestStack({ batchIntervalMs: 200 });
      } finally {
        delete process.env.AIQYN_SQLITE_MAX_PAGE_COUNT;
      }
    }
    const file = path.join(stack.dataDir, "aiqyn.sqlite");
    const receipts: Receipt[] = [];
    const post = (n: number) =>
      postJson(
        `${stack!.baseUrl}/api/v1/records`,
        { records: Array.from({ length: n }, () => sampleRecord({ memo: "x".repeat(900) })) },
        stack!.apiKey,
      );

    // 1. Fill the disk: bulk writes until one is refused.
    let refusal: Awaited<ReturnType<typeof post>> | null = null;
    for (let i = 0; i < 400 && !refusal; i++) {
      const answer = await post(20);
      if (answer.status === 201) receipts.push(...(answer.body.receipts as Receipt[]));
      else refusal = answer;
    }
    expect(refusal, `the disk never filled up (${method})`).to.not.equal(null);
    expect(refusal!.status, JSON.stringify(refusal!.body)).to.equal(503);
    expect(refusal!.type).to.match(/^application\/problem\+json/);
    expect(refusal!.body.code).to.equal("STORE_FULL");
    expect(receipts.length).to.be.greaterThan(0);

    // 2. Still full: single records are refused too, the server stays up, reads still work.
    const again = await post(1);
    expect([201, 503]).to.include(again.status);
    if (again.status === 201) receipts.push(...(again.body.receipts as Receipt[]));
    else expect(again.body.code).to.equal("STORE_FULL");
    expect((await fetch(`${stack.baseUrl}/api/v1/records/${receipts[0]!.seq}`)).status).to.equal(200);
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).to.equal(200);

    // 3. Nothing partial: exactly the acknowledged records, seqs 1..n without gaps, an intact database.
    const full = inspect(file);
    expect(full.integrity).to.equal("ok");
    expect(full.rows).to.equal(receipts.length);
    expect(full.maxSeq).to.equal(receipts.length);
    expect(receipts.map((r) => r.seq)).to.deep.equal(Array.from({ length: receipts.length }, (_, i) => i + 1));

    // 4. Space returns: writes succeed again and every record gets anchored.
    if (mountDir) execFileSync("mount", ["-o", "remount,size=64m", mountDir], { stdio: "ignore" });
    else (stack.server.store as SqliteStore).setMaxPageCount(1_000_000_000);
    const after = await post(5);
    expect(after.status, JSON.stringify(after.body)).to.equal(201);
    receipts.push(...(after.body.receipts as Receipt[]));
    await stack.waitForAnchored(receipts[receipts.length - 1]!.seq, 60_000);
    for (const receipt of receipts) {
      const res = await fetch(`${stack.baseUrl}/api/v1/records/${receipt.seq}`);
      const item = (await res.json()) as { leaf: string; status: string };
      expect(item.leaf).to.equal(receipt.leaf);
      expect(item.status).to.equal("anchored");
    }
    const recovered = inspect(file);
    expect(recovered.integrity).to.equal("ok");
    expect(recovered.rows).to.equal(receipts.length);
    console.log(`      (full disk made with: ${method}; ${receipts.length} records)`);
  });
});
