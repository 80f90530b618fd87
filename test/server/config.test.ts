// Configuration: defaults with no environment, and one clear message per bad value.
import { expect } from "chai";
import { DEFAULTS, loadConfig } from "../../server/config";

describe("server: configuration", () => {
  it("needs nothing: the local stack's defaults", () => {
    const result = loadConfig({}, []);
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.config).to.deep.include({
      host: "127.0.0.1",
      port: 3000,
      chainPort: 8545,
      rpcUrl: null,
      demo: false,
    });
    expect(result.config.batchIntervalMs).to.equal(DEFAULTS.batchIntervalMs);
    expect(result.config.bodyLimitBytes).to.equal(2 * 1024 * 1024);
  });

  it("reads --demo, DEMO and sizes", () => {
    expect((loadConfig({}, ["--demo"]) as { config: { demo: boolean } }).config.demo).to.equal(true);
    const r = loadConfig({ DEMO: "1", BODY_LIMIT: "500kb", CONFIRMATIONS: "3" }, []);
    expect(r.ok && [r.config.demo, r.config.bodyLimitBytes, r.config.confirmations]).to.deep.equal([
      true,
      500 * 1024,
      3,
    ]);
  });

  it("names every bad value once", () => {
    const result = loadConfig(
      {
        PORT: "70000",
        BATCH_INTERVAL_MS: "soon",
        REGISTRY_ADDRESS: "0x12",
        ANCHORER_KEY: "secret",
        RPC_URL: "http://127.0.0.1:8545",
        BODY_LIMIT: "1tb",
        DEMO: "maybe",
      },
      [],
    );
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.problems.length).to.equal(6);
    expect(result.problems.join("\n"))
      .to.include("PORT")
      .and.include("BATCH_INTERVAL_MS")
      .and.include("REGISTRY_ADDRESS")
      .and.include("BODY_LIMIT")
      .and.include("DEMO");
    expect(result.problems.join("\n")).not.to.include("secret"); // a key is never echoed
  });

  it("wants RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY together", () => {
    const result = loadConfig({ RPC_URL: "http://127.0.0.1:8545" }, []);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems[0]).to.include("go together");
  });
});
