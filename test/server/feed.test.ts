// GET /api/v1/feed.atom on the real server: the newest records as Atom, labelled as the server's (unverified)
// list, newest first, each entry linking to its verify page, escaped, with ids stable per registry and seq.
import { expect } from "chai";
import { postRecords, sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("server: the public feed of new records (/api/v1/feed.atom)", function () {
  this.timeout(120_000);
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({ batchIntervalMs: 200 });
  });
  after(async () => stack?.stop());

  const feed = async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/feed.atom`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^application\/atom\+xml/);
    return res.text();
  };

  it("an empty registry: a valid feed without entries, saying it is the server's list", async () => {
    const text = await feed();
    expect(text).to.match(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    expect(text).to.contain("as this server lists them (unverified");
    expect(text).to.not.contain("<entry>");
  });

  it("lists the newest records first, each linking to its verify page, escaped, with a stable id", async () => {
    const receipts = await postRecords(stack, [
      sampleRecord({ counterparty: "Court <Almaty> & Co" }),
      sampleRecord({ kind: "GRANT", asset: "KZT" }),
    ]);
    await stack.waitForAnchored(receipts.at(-1)!.seq);
    const [pending] = await postRecords(stack, [sampleRecord({ asset: "BNB" })]);
    const text = await feed();
    const ids = [...text.matchAll(/<id>urn:aiqyn-record:eip155:31337:(0x[0-9a-f]{40}):(\d+)<\/id>/g)];
    expect(ids.map((m) => Number(m[2]))).to.deep.equal([pending!.seq, receipts[1]!.seq, receipts[0]!.seq]);
    expect(ids.every((m) => m[1] === stack.registryAddress.toLowerCase())).to.equal(true);
    const origin = new URL(stack.baseUrl).origin;
    expect(text).to.contain(`<link rel="alternate" type="text/html" href="${origin}/verify/${pending!.seq}"/>`);
    expect(text).to.contain("Court &lt;Almaty&gt; &amp; Co");
    expect(text).to.not.contain("<Almaty>");
    expect(text).to.contain("Listed by the server, not verified");
    expect(text).to.contain("pending (not anchored yet)");
    const again = [...(await feed()).matchAll(/<id>(urn:aiqyn-record:[^<]+)<\/id>/g)].map((m) => m[1]);
    expect(again, "the same records keep their ids").to.deep.equal(ids.map((m) => m[0].slice(4, -5)));
  });
});
