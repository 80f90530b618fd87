// Configuration: defaults with no environment, and one clear message per bad value.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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

describe("server: configuration of keys, proxies, tokens and confirmations", () => {
  const network = { RPC_URL: "http://127.0.0.1:8545", REGISTRY_ADDRESS: "0x" + "11".repeat(20) };
  const key = "0x" + "ab".repeat(32);
  const keyFile = (mode: number, text = `${key}\n`) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-cfg-")), "anchorer.key");
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
    return file;
  };
  const problems = (env: Record<string, string>) => {
    const r = loadConfig(env, []);
    return r.ok ? [] : r.problems;
  };

  it("reads ANCHORER_KEY_FILE of mode 0600 or 0400, and refuses one others may read, or both settings", () => {
    for (const mode of [0o600, 0o400]) {
      const r = loadConfig({ ...network, ANCHORER_KEY_FILE: keyFile(mode) }, []);
      expect(r.ok && r.config.anchorerKey).to.equal(key);
    }
    expect(problems({ ...network, ANCHORER_KEY_FILE: keyFile(0o640) }).join()).to.include("mode 0640");
    expect(problems({ ...network, ANCHORER_KEY_FILE: keyFile(0o600), ANCHORER_KEY: key }).join()).to.include(
      "not both",
    );
    const bad = problems({ ...network, ANCHORER_KEY_FILE: keyFile(0o600, "0xsecret-but-wrong\n") }).join();
    expect(bad).to.include("32-byte private key").and.not.include("secret-but-wrong");
  });

  it("reads TRUST_PROXY as a hop count or addresses, refusing a bare true", () => {
    const proxy = (value: string) => {
      const r = loadConfig({ TRUST_PROXY: value }, []);
      return r.ok ? r.config.trustProxy : r.problems.join();
    };
    expect(proxy("1")).to.equal(1);
    expect(proxy("loopback, 10.0.0.0/8")).to.equal("loopback, 10.0.0.0/8");
    expect(proxy("false")).to.equal(false);
    expect(proxy("true")).to.include("must name the proxy");
  });

  it("leaves CONFIRMATIONS to the chain unless set, and wants a METRICS_TOKEN of 16+ characters", () => {
    const r = loadConfig({}, []);
    expect(r.ok && [r.config.confirmations, r.config.metricsToken]).to.deep.equal([null, null]);
    expect(problems({ METRICS_TOKEN: "short" }).join()).to.include("METRICS_TOKEN");
    const t = loadConfig({ METRICS_TOKEN: "a-long-enough-token" }, []);
    expect(t.ok && t.config.metricsToken).to.equal("a-long-enough-token");
  });
});
