import { expect } from "chai";
import {
  AiqynError,
  ANCHORER_ROLE,
  formatTrustRoot,
  makeTrustRoot,
  parseTrustRoot,
  parseTrustRootText,
  roleHeldAt,
  roleHolders,
  sameRegistry,
  scanLogs,
  type ChainLog,
  type GetLogs,
  type RoleEvent,
} from "../../core";

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof AiqynError ? error.code : "not an AiqynError";
  }
  return undefined;
}

describe("core/protocol/trust: the aiqyn-trust/1 trust root", () => {
  it("round-trips through its canonical file text", () => {
    const trust = makeTrustRoot(11155111, REGISTRY, 123456);
    expect(parseTrustRootText(formatTrustRoot(trust))).to.deep.equal(trust);
    expect(formatTrustRoot(trust)).to.equal(
      `{\n  "format": "aiqyn-trust/1",\n  "chainId": 11155111,\n  "registry": "${REGISTRY}",\n  "deploymentBlock": 123456\n}\n`,
    );
  });

  it("refuses a wrong format, unknown fields, bad numbers and bad addresses with TRUST_INVALID", () => {
    const good = { format: "aiqyn-trust/1", chainId: 1, registry: REGISTRY, deploymentBlock: 0 };
    expect(codeOf(() => parseTrustRoot(good))).to.equal(undefined);
    for (const bad of [
      { ...good, format: "aiqyn-trust/2" },
      { ...good, rpcUrl: "http://x" },
      { ...good, chainId: 0 },
      { ...good, chainId: "1" },
      { ...good, registry: "0x1234" },
      { ...good, deploymentBlock: -1 },
      { ...good, deploymentBlock: 1.5 },
      null,
      [],
    ]) {
      expect(
        codeOf(() => parseTrustRoot(bad)),
        JSON.stringify(bad),
      ).to.equal("TRUST_INVALID");
    }
    expect(codeOf(() => parseTrustRootText("{"))).to.equal("TRUST_INVALID");
  });

  it("names the same registry only for the same chain and address (any case)", () => {
    const trust = makeTrustRoot(31337, REGISTRY, 0);
    expect(sameRegistry(trust, 31337, REGISTRY.toLowerCase())).to.equal(true);
    expect(sameRegistry(trust, 1, REGISTRY)).to.equal(false);
    expect(sameRegistry(trust, 31337, "0x" + "1".repeat(40))).to.equal(false);
  });
});

describe("core/chains/evm/log-scan: chunked eth_getLogs", () => {
  const logAt = (block: number): ChainLog => ({
    address: REGISTRY.toLowerCase(),
    topics: [],
    data: "0x",
    blockNumber: block,
    transactionHash: `0x${block.toString(16).padStart(64, "0")}`,
    logIndex: 0,
    blockHash: `0x${"0".repeat(64)}`,
  });

  /** An RPC that refuses ranges wider than `cap` blocks, with one log every 7 blocks. */
  function cappedRpc(cap: number) {
    const asked: [number, number][] = [];
    const getLogs: GetLogs = async ({ fromBlock, toBlock }) => {
      asked.push([fromBlock, toBlock]);
      if (toBlock - fromBlock + 1 > cap) throw new Error(`range too wide (max ${cap})`);
      const logs: ChainLog[] = [];
      for (let b = fromBlock; b <= toBlock; b++) if (b % 7 === 0) logs.push(logAt(b));
      return logs;
    };
    return { asked, getLogs };
  }

  it("halves a refused range and finds every log exactly once, in order", async () => {
    const { asked, getLogs } = cappedRpc(300);
    const progress: number[] = [];
    const logs = await scanLogs(getLogs, {}, 0, 5_000, {
      chunkSize: 2_000,
      onProgress: (p) => progress.push(p.scannedTo),
    });
    expect(logs.map((l) => l.blockNumber)).to.deep.equal(
      Array.from({ length: Math.floor(5_000 / 7) + 1 }, (_, i) => i * 7),
    );
    expect(asked.every(([from, to]) => to >= from)).to.equal(true);
    expect(progress.at(-1)).to.equal(5_000);
    expect(progress).to.deep.equal([...progress].sort((a, b) => a - b));
  });

  it("ends with LOG_SCAN_FAILED when even one block is refused, saying how far it got", async () => {
    const getLogs: GetLogs = async ({ fromBlock }) => {
      if (fromBlock >= 50) throw new Error("down");
      return [];
    };
    try {
      await scanLogs(getLogs, {}, 0, 100, { chunkSize: 10 });
      expect.fail("the scan should have failed");
    } catch (error) {
      expect(error).to.be.instanceOf(AiqynError);
      expect((error as AiqynError).code).to.equal("LOG_SCAN_FAILED");
      expect((error as AiqynError).details).to.deep.equal({ scannedTo: 49 });
    }
  });
});

describe("core/verify/roles: who held a role when", () => {
  const a = "0x" + "a".repeat(40);
  const b = "0x" + "b".repeat(40);
  const ev = (granted: boolean, account: string, blockNumber: number, timestamp: number): RoleEvent => ({
    granted,
    account,
    blockNumber,
    logIndex: 0,
    timestamp,
  });
  const history = [ev(true, a, 1, 100), ev(true, b, 5, 500), ev(false, a, 6, 600)];

  it("judges a role at a time, not today: a rotation never voids an earlier receipt", () => {
    expect(roleHeldAt(history, a, 99)).to.equal(false);
    expect(roleHeldAt(history, a, 100)).to.equal(true);
    expect(roleHeldAt(history, a, 599)).to.equal(true);
    expect(roleHeldAt(history, a.toUpperCase().replace("0X", "0x"), 599)).to.equal(true);
    expect(roleHeldAt(history, a, 600)).to.equal(false);
    expect(roleHeldAt(history, b, 499)).to.equal(false);
    expect(roleHeldAt(history, b, 10_000)).to.equal(true);
    expect(roleHolders(history)).to.deep.equal([b]);
  });

  it("applies events in chain order whatever order they arrive in", () => {
    const shuffled = [history[2]!, history[0]!, history[1]!];
    expect(roleHeldAt(shuffled, a, 650)).to.equal(false);
    expect(roleHeldAt(shuffled, a, 550)).to.equal(true);
    expect(ANCHORER_ROLE).to.match(/^0x[0-9a-f]{64}$/);
  });
});
