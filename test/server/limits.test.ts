// Rate limits: writes per authenticated publisher, failed authentications per client (never spending a
// publisher's budget), reads per client — behind a reverse proxy, the client X-Forwarded-For names when
// TRUST_PROXY names the proxy, and never otherwise.
import { expect } from "chai";
import { addPublisher } from "../../server/publishers";
import { getJson, postJson } from "../helpers/http";
import { sampleRecord, stackPerTest } from "../helpers/stack";

async function statuses(n: number, request: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request()).status);
  return out;
}

describe("server: rate limits", function () {
  this.timeout(60_000);
  const startStack = stackPerTest();

  it("keys write limits by publisher, and limits failed authentications apart from them", async () => {
    const stack = await startStack({ rateLimitPerMinute: 3, server: { authFailuresPerMinute: 2 } });
    const other = (await addPublisher(stack.server.store, "other-publisher")).key;
    const post = (key: string | null) => () => postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), key);

    const guesses = await statuses(3, post("aiq_guessed-key"));
    expect(guesses).to.deep.equal([401, 401, 429]);
    expect(await statuses(1, post(null))).to.deep.equal([429]);
    // The same client with a valid key is not held back by its failed attempts, and has its own budget.
    expect(await statuses(4, post(stack.apiKey))).to.deep.equal([201, 201, 201, 429]);
    const limited = await postJson(`${stack.baseUrl}/api/v1/records`, sampleRecord(), stack.apiKey);
    expect(limited.body).to.include({ code: "RATE_LIMITED" });
    expect(await statuses(1, post(other))).to.deep.equal([201]);
  });

  it("limits reads per client, telling clients apart behind a trusted proxy only", async () => {
    const stack = await startStack({ server: { readRateLimitPerMinute: 2, trustProxy: "loopback" } });
    const read = (client: string) => () =>
      getJson(`${stack.baseUrl}/api/v1/stats`, { headers: { "x-forwarded-for": client } });
    expect(await statuses(3, read("203.0.113.7"))).to.deep.equal([200, 200, 429]);
    expect(await statuses(1, read("203.0.113.8"))).to.deep.equal([200]);
    const answer = await read("203.0.113.7")();
    expect(answer.body).to.include({ code: "RATE_LIMITED" });
    expect((await getJson(`${stack.baseUrl}/healthz`)).status).to.equal(200);
  });

  it("ignores X-Forwarded-For when no proxy is trusted", async () => {
    const stack = await startStack({ server: { readRateLimitPerMinute: 2 } });
    const read = (client: string) => () =>
      getJson(`${stack.baseUrl}/api/v1/stats`, { headers: { "x-forwarded-for": client } });
    expect(await statuses(2, read("203.0.113.7"))).to.deep.equal([200, 200]);
    expect(await statuses(1, read("203.0.113.8"))).to.deep.equal([429]);
  });
});
