import { expect } from "chai";
import {
  bytesToHex,
  hexToBytes,
  leafHash,
  parseBundle,
  verifyBundle,
  type Check,
  type CheckId,
  type Hex,
  type OnChainBatch,
  type ProofBundle,
  type ReadBatch,
  type VerificationReport,
} from "../../core";
import { makeBatch, makeBundle, type BatchFixture } from "./bundle-fixture";
import { deployRegistry, rpc, type DeployedRegistry } from "./chain";
import { createRegistryReader } from "../../core";

const flip = (hex: string, bit = 0): Hex => {
  const bytes = hexToBytes(hex);
  bytes[bytes.length - 1 - (bit >> 3)]! ^= 1 << (bit & 7);
  return bytesToHex(bytes);
};

const outcome = (report: VerificationReport): Record<string, boolean | null> =>
  Object.fromEntries(report.checks.map((c: Check) => [c.id, c.ok]));

/** A readBatch that answers from a fixed table, as a chain would. */
const fixedChain =
  (batches: Record<number, OnChainBatch>): ReadBatch =>
  async (id) =>
    batches[id] ?? null;

const onChainOf = (b: BatchFixture): OnChainBatch => ({
  root: b.tree.root,
  firstSeq: b.firstSeq,
  leafCount: b.records.length,
  anchoredAt: 1_761_960_000,
  head: `0x${"00".repeat(32)}`,
});

describe("core/protocol/bundle: verifyBundle", () => {
  const b1 = makeBatch(1, 1, 5);
  const b2 = makeBatch(2, 6, 8);
  let bundle: ProofBundle;
  const table = () => fixedChain({ 1: onChainOf(b1), 2: onChainOf(b2) });

  before(async () => {
    bundle = await makeBundle(b2, 3);
  });

  it("unchecked: consistent, and no chain asked (offline)", async () => {
    const report = await verifyBundle(bundle);
    expect(report.verdict).to.equal("unchecked");
    expect(outcome(report)).to.deep.equal({
      leaf: true,
      "seq-in-batch": true,
      "proof-length": true,
      "proof-root": true,
      receipt: true,
      "chain-batch": null,
    });
    expect(report.leaf).to.equal(b2.leaves[3]);
    expect(report.computedRoot).to.equal(b2.tree.root);
    expect(report.onChain).to.equal(null);
  });

  it("anchored (fixed table): every check passes", async () => {
    const report = await verifyBundle(bundle, table());
    expect(report.verdict).to.equal("anchored");
    expect(report.checks.every((c) => c.ok === true)).to.equal(true);
    expect(report.checks.map((c) => c.id)).to.deep.equal([
      "leaf",
      "seq-in-batch",
      "proof-length",
      "proof-root",
      "receipt",
      "chain-batch",
      "chain-root",
      "chain-range",
    ]);
  });

  it("not-anchored: consistent, but the chain has no such batch", async () => {
    const report = await verifyBundle(bundle, fixedChain({ 1: onChainOf(b1) }));
    expect(report.verdict).to.equal("not-anchored");
    expect(outcome(report)["chain-batch"]).to.equal(false);
  });

  it("chain-unavailable: consistent, and the chain could not be read (the error is kept)", async () => {
    const down: ReadBatch = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
    };
    const report = await verifyBundle(bundle, down);
    expect(report.verdict).to.equal("chain-unavailable");
    expect(outcome(report)["chain-batch"]).to.equal(null);
    expect(report.chainError?.message).to.match(/ECONNREFUSED/);
  });

  /** Each broken bundle: what to change, and the checks that must fail (all others must still pass). */
  const broken: [string, (b: ProofBundle) => ProofBundle, CheckId[]][] = [
    [
      "a record field changed",
      (b) => ({ ...b, record: { ...b.record, amount: `${b.record.amount}1` } }),
      ["leaf", "proof-root", "receipt"],
    ],
    ["the leaf changed", (b) => ({ ...b, leaf: flip(b.leaf) }), ["leaf"]],
    [
      "a proof element flipped",
      (b) => ({ ...b, proof: [b.proof[0]!, flip(b.proof[1]!, 77), b.proof[2]!] }),
      ["proof-root"],
    ],
    ["the proof truncated", (b) => ({ ...b, proof: b.proof.slice(0, -1) }), ["proof-root"]],
    ["an extra proof element", (b) => ({ ...b, proof: [...b.proof, b.leaf] }), ["proof-length", "proof-root"]],
    ["the root flipped", (b) => ({ ...b, batch: { ...b.batch, root: flip(b.batch.root, 255) } }), ["proof-root"]],
    [
      "seq outside the batch",
      (b) => ({ ...b, batch: { ...b.batch, firstSeq: b.batch.firstSeq + 4 } }),
      ["seq-in-batch"],
    ],
    ["the receipt's seq differs", (b) => ({ ...b, receipt: { ...b.receipt!, seq: b.receipt!.seq + 1 } }), ["receipt"]],
    [
      "the receipt's leaf differs",
      (b) => ({ ...b, receipt: { ...b.receipt!, leaf: flip(b.receipt!.leaf) } }),
      ["receipt"],
    ],
    [
      "the receipt's publishedAt differs",
      (b) => ({ ...b, receipt: { ...b.receipt!, publishedAt: b.receipt!.publishedAt + 1 } }),
      ["receipt"],
    ],
    [
      "the receipt's signature is not the signer's",
      (b) => ({ ...b, receipt: { ...b.receipt!, signature: flip(b.receipt!.signature, 300) } }),
      ["receipt"],
    ],
    [
      "the receipt names another registry",
      (b) => ({ ...b, anchor: { ...b.anchor, registry: "0x0000000000000000000000000000000000000001" } }),
      ["receipt"],
    ],
  ];
  for (const [what, change, failing] of broken) {
    it(`mismatch when ${what}: fails ${failing.join(", ")}, offline and against the chain`, async () => {
      const bad = parseBundle(JSON.parse(JSON.stringify(change(bundle))));
      for (const readBatch of [undefined, table()]) {
        const report = await verifyBundle(bad, readBatch);
        expect(report.verdict, what).to.equal("mismatch");
        const failed = report.checks.filter((c) => c.ok === false).map((c) => c.id);
        // Against the chain, a root that differs locally also differs from the chain's.
        const expected = readBatch && failing.includes("proof-root") ? [...failing, "chain-root"] : failing;
        expect(failed, what).to.have.members(
          readBatch && what === "seq outside the batch" ? [...failing, "chain-range"] : expected,
        );
      }
    });
  }

  it("mismatch when the chain's batch differs: another root, firstSeq or leafCount", async () => {
    const chain = onChainOf(b2);
    const cases: [Partial<OnChainBatch>, CheckId][] = [
      [{ root: flip(chain.root) }, "chain-root"],
      [{ firstSeq: chain.firstSeq + 1 }, "chain-range"],
      [{ leafCount: chain.leafCount - 1 }, "chain-range"],
    ];
    for (const [change, failing] of cases) {
      const report = await verifyBundle(bundle, fixedChain({ 2: { ...chain, ...change } }));
      expect(report.verdict).to.equal("mismatch");
      expect(report.checks.filter((c) => c.ok === false).map((c) => c.id)).to.deep.equal([failing]);
    }
  });

  it("local failure wins over the chain: mismatch even when the chain is down or has no batch", async () => {
    const bad = { ...bundle, leaf: flip(bundle.leaf) };
    expect((await verifyBundle(bad, fixedChain({}))).verdict).to.equal("mismatch");
    expect((await verifyBundle(bad, async () => Promise.reject(new Error("down")))).verdict).to.equal("mismatch");
  });

  it("a bundle without a receipt has no receipt check and can still be anchored", async () => {
    const { receipt: _receipt, ...rest } = bundle;
    const report = await verifyBundle(rest as ProofBundle, table());
    expect(report.verdict).to.equal("anchored");
    expect(report.checks.map((c) => c.id)).to.not.include("receipt");
  });

  it("a one-leaf batch: empty proof, root = leaf", async () => {
    const single = makeBatch(7, 40, 1);
    const report = await verifyBundle(await makeBundle(single, 0), fixedChain({ 7: onChainOf(single) }));
    expect(report.verdict).to.equal("anchored");
    expect(report.computedRoot).to.equal(single.leaves[0]);
  });

  describe("against the real TransparencyRegistry on Hardhat's network", () => {
    let chain: DeployedRegistry;
    let anchoredBundle: ProofBundle;

    before(async () => {
      chain = await deployRegistry();
      await chain.anchor(1, b1.tree.root, 1, 5);
      await chain.anchor(2, b2.tree.root, 6, 8);
      anchoredBundle = await makeBundle(b2, 3, chain.chainId, chain.address);
    });

    it("anchored: every record of both batches, read with createRegistryReader over hre's provider", async () => {
      for (const b of [b1, b2]) {
        for (let i = 0; i < b.records.length; i++) {
          const report = await verifyBundle(await makeBundle(b, i, chain.chainId, chain.address), chain.reader.batch, {
            trusted: { chainId: chain.chainId, registry: chain.address },
          });
          expect(report.verdict, `batch ${b.id} record ${i}`).to.equal("anchored");
          expect(report.onChain?.root).to.equal(b.tree.root);
          expect(outcome(report)["chain-identity"]).to.equal(true);
        }
      }
    });

    it("not-anchored: a consistent bundle for batch 3, which the registry does not have yet", async () => {
      const b3 = makeBatch(3, 14, 3);
      const report = await verifyBundle(await makeBundle(b3, 1, chain.chainId, chain.address), chain.reader.batch);
      expect(report.verdict).to.equal("not-anchored");
    });

    it("mismatch: a self-consistent bundle whose root is not the one on chain", async () => {
      const forged = makeBatch(2, 6, 8, 99); // same id and range, other records
      const report = await verifyBundle(await makeBundle(forged, 2, chain.chainId, chain.address), chain.reader.batch);
      expect(report.verdict).to.equal("mismatch");
      expect(report.checks.filter((c) => c.ok === false).map((c) => c.id)).to.deep.equal(["chain-root"]);
    });

    it("mismatch: the chain-identity check fails when the bundle names another registry than the one read", async () => {
      const elsewhere = await makeBundle(b2, 3, chain.chainId, "0x000000000000000000000000000000000000dEaD");
      const report = await verifyBundle(elsewhere, chain.reader.batch, {
        trusted: { chainId: chain.chainId, registry: chain.address },
      });
      expect(report.verdict).to.equal("mismatch");
      expect(outcome(report)["chain-identity"]).to.equal(false);
    });

    it("chain-unavailable: the same reader over an RPC that fails", async () => {
      const broken = createRegistryReader(async () => {
        throw new Error("fetch failed");
      }, chain.address);
      expect((await verifyBundle(anchoredBundle, broken.batch)).verdict).to.equal("chain-unavailable");
    });

    it("an address without a registry gives chain-unavailable (no registry answered), never anchored", async () => {
      const nowhere = createRegistryReader(rpc, "0x000000000000000000000000000000000000dEaD");
      const report = await verifyBundle(anchoredBundle, nowhere.batch);
      expect(report.verdict).to.equal("chain-unavailable");
      expect(report.chainError?.message).to.match(/no registry/);
    });

    it("the recomputed leaf is core's leafHash of the record", async () => {
      const report = await verifyBundle(anchoredBundle, chain.reader.batch);
      expect(report.leaf).to.equal(leafHash(anchoredBundle.record));
    });
  });
});
