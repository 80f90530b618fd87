/**
 * Through the real server: a publisher corrects or retracts only its own records unless an operator gave it
 * that right; a batch's records come in pages.
 */
import { expect } from "chai";
import type { Receipt, RecordV1 } from "../../core";
import { addPublisher } from "../../server/publishers";
import { getJson, postJson } from "../helpers/http";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

function retraction(seq: number) {
  return sampleRecord({ kind: "RETRACTION", corrects: seq, amount: "0", valueUsd: "0" });
}

describe("store: publisher rights and paged batch records", function () {
  this.timeout(120_000);
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 100 });
  });
  after(async () => stack?.stop());

  it("refuses another publisher's correction with 403 CORRECTION_NOT_OWN, unless it may correct others", async () => {
    const [original] = await postRecords(stack, [sampleRecord({ asset: "BTC" })]);
    const other = await addPublisher(stack.server.store, "regional-office");
    const editor = await addPublisher(stack.server.store, "audit-chamber", undefined, { mayCorrectOthers: true });
    const url = `${stack.baseUrl}/api/v1/records`;
    const before = await stack.server.store.maxSeq();

    const refused = await postJson(url, retraction(original!.seq), other.key);
    expect(refused.status).to.equal(403);
    expect(refused.type).to.match(/application\/problem\+json/);
    expect(refused.body.code).to.equal("CORRECTION_NOT_OWN");
    expect(String(refused.body.detail)).to.include("--may-correct-others");
    const bulk = { records: [sampleRecord(), sampleRecord({ corrects: original!.seq })] };
    expect((await postJson(url, bulk, other.key)).body.code).to.equal("CORRECTION_NOT_OWN");
    expect(await stack.server.store.maxSeq(), "nothing stored").to.equal(before);

    const own = await postJson(url, sampleRecord({ corrects: original!.seq }), stack.apiKey);
    expect(own.status).to.equal(201);
    const allowed = await postJson(url, retraction(original!.seq), editor.key);
    expect(allowed.status).to.equal(201);
    const item = await getJson<{ standing: string; correctedBy: number[] }>(`${url}/${original!.seq}`);
    const [correctionSeq, retractionSeq] = [own, allowed].map((a) => (a.body.receipts as Receipt[])[0]!.seq);
    expect(item.body).to.deep.include({ standing: "retracted", correctedBy: [correctionSeq, retractionSeq] });
  });

  it("pages a batch's records with limit and cursor", async () => {
    const receipts = await postRecords(
      stack,
      Array.from({ length: 7 }, () => sampleRecord()),
    );
    await stack.waitForAnchored(receipts[6]!.seq);
    const id = (await stack.server.store.getRecord(receipts[0]!.seq))!.batchId!;
    const batch = (await stack.server.store.getBatch(id))!;
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { records: { record: RecordV1 }[]; nextCursor: string | null } } =
        await getJson(`${stack.baseUrl}/api/v1/batches/${id}/records?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).to.equal(200);
      expect(page.body.records.length).to.be.at.most(3);
      seen.push(...page.body.records.map((r) => r.record.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(Array.from({ length: batch.leafCount }, (_, i) => batch.firstSeq + i));
    const bad = await getJson(`${stack.baseUrl}/api/v1/batches/${id}/records?limit=0`);
    expect(bad.body.code).to.equal("INVALID_PARAMETER");
  });
});
