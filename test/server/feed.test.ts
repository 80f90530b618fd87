// GET /api/v1/feed.atom on the real server: the newest records as Atom, labelled as the server's (unverified)
// list, newest first, each entry linking to its verify page, escaped, with ids stable per registry and seq, and
// links from PUBLIC_URL, never from a Host header, when it is set.
import { expect } from "chai";
import http from "node:http";
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

  /** GET with a Host header of the client's choosing (fetch may not set one). */
  const feedWithHost = (baseUrl: string, host: string) =>
    new Promise<{ vary: string; text: string }>((resolve, reject) => {
      const req = http.get(`${baseUrl}/api/v1/feed.atom`, { headers: { host } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ vary: String(res.headers.vary ?? ""), text }));
      });
      req.on("error", reject);
    });

  it("without PUBLIC_URL the links follow the Host header the client sent, and the answer varies by Host", async () => {
    const { vary, text } = await feedWithHost(stack.baseUrl, "evil.example");
    expect(vary).to.match(/\bHost\b/i);
    expect(text).to.contain(`href="http://evil.example/`);
  });

  it("with PUBLIC_URL every link names it, whatever Host the client sends", async () => {
    const pinned = await startTestStack({ server: { publicUrl: "https://aiqyn.example.kz" } });
    try {
      await postRecords(pinned, [sampleRecord()]);
      const { vary, text } = await feedWithHost(pinned.baseUrl, "evil.example");
      expect(text).to.contain(
        `<link rel="self" type="application/atom+xml" href="https://aiqyn.example.kz/api/v1/feed.atom"/>`,
      );
      expect(text).to.match(/href="https:\/\/aiqyn\.example\.kz\/verify\/\d+"/);
      expect(text).to.not.contain("evil.example");
      expect(vary).to.not.match(/\bHost\b/i);
    } finally {
      await pinned.stop();
    }
  });
});
