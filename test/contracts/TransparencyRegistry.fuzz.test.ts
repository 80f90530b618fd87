/**
 * Stateful fuzzing of the registry: random sequences of anchor, pause, unpause, grant and revoke calls from
 * random accounts, run against the real contract next to a plain model. After every call the contract must
 * agree with the model: contiguity (batch ids 1..n, each batch starting where the last ended), the head hash
 * chain, immutability of every stored batch, and roles deciding who may anchor.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { ethers } from "hardhat";
import fc from "fast-check";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TransparencyRegistry } from "../../typechain-types";
import { nextHead } from "./helpers";

const ANCHORER_ROLE = id("ANCHORER_ROLE");
const PAUSER_ROLE = id("PAUSER_ROLE");

interface ModelBatch {
  root: string;
  firstSeq: bigint;
  leafCount: bigint;
  head: string;
}

interface Model {
  batches: ModelBatch[];
  paused: boolean;
  anchorers: Set<number>;
  pausers: Set<number>;
}

interface Real {
  registry: TransparencyRegistry;
  signers: HardhatEthersSigner[];
}

const nextSeqOf = (m: Model) =>
  m.batches.length === 0 ? 1n : m.batches.at(-1)!.firstSeq + m.batches.at(-1)!.leafCount;
const headOf = (m: Model) => (m.batches.length === 0 ? ZeroHash : m.batches.at(-1)!.head);

async function expectAgreement(m: Model, r: Real): Promise<void> {
  const { registry } = r;
  expect(await registry.batchCount()).to.equal(BigInt(m.batches.length));
  expect(await registry.nextSeq()).to.equal(nextSeqOf(m));
  expect(await registry.head()).to.equal(headOf(m));
  expect(await registry.paused()).to.equal(m.paused);
  // Immutability and contiguity: every batch ever anchored is still exactly as it was.
  let expectedFirst = 1n;
  for (const [i, b] of m.batches.entries()) {
    const stored = await registry.batch(i + 1);
    expect(stored.root).to.equal(b.root);
    expect(stored.firstSeq).to.equal(b.firstSeq).and.to.equal(expectedFirst);
    expect(stored.leafCount).to.equal(b.leafCount);
    expect(stored.head).to.equal(b.head);
    expectedFirst += b.leafCount;
  }
}

/** anchor(batchId, root, firstSeq, leafCount) from account `from`, valid or deliberately off by a little. */
class AnchorCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly from: number,
    readonly idDelta: number,
    readonly seqDelta: number,
    readonly leafCount: number,
    readonly rootSeed: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const batchId = BigInt(Math.max(0, m.batches.length + 1 + this.idDelta));
    const firstSeq = nextSeqOf(m) + BigInt(this.seqDelta);
    const root = this.rootSeed === 0 ? ZeroHash : keccak256(toUtf8Bytes(`root-${this.rootSeed}`));
    const call = r.registry
      .connect(r.signers[this.from]!)
      .anchor(batchId, root, firstSeq < 0n ? 0n : firstSeq, this.leafCount);
    const valid =
      m.anchorers.has(this.from) &&
      !m.paused &&
      batchId === BigInt(m.batches.length + 1) &&
      firstSeq === nextSeqOf(m) &&
      this.leafCount > 0 &&
      root !== ZeroHash;
    if (!valid) {
      await expect(call).to.be.reverted;
    } else {
      await call;
      const leafCount = BigInt(this.leafCount);
      m.batches.push({ root, firstSeq, leafCount, head: nextHead(headOf(m), batchId, root, firstSeq, leafCount) });
    }
    await expectAgreement(m, r);
  }
  toString = () =>
    `anchor(from=${this.from}, id+${this.idDelta}, seq+${this.seqDelta}, n=${this.leafCount}, root#${this.rootSeed})`;
}

class PauseCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly from: number,
    readonly pause: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const registry = r.registry.connect(r.signers[this.from]!);
    const call = this.pause ? registry.pause() : registry.unpause();
    if (!m.pausers.has(this.from) || m.paused === this.pause) {
      await expect(call).to.be.reverted;
    } else {
      await call;
      m.paused = this.pause;
    }
    await expectAgreement(m, r);
  }
  toString = () => `${this.pause ? "pause" : "unpause"}(from=${this.from})`;
}

/** The admin (account 0) grants or revokes a role; any other account is refused. */
class RoleCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly from: number,
    readonly grant: boolean,
    readonly anchorer: boolean,
    readonly account: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const role = this.anchorer ? ANCHORER_ROLE : PAUSER_ROLE;
    const holders = this.anchorer ? m.anchorers : m.pausers;
    const registry = r.registry.connect(r.signers[this.from]!);
    const target = r.signers[this.account]!.address;
    const call = this.grant ? registry.grantRole(role, target) : registry.revokeRole(role, target);
    if (this.from !== 0) {
      await expect(call).to.be.revertedWithCustomError(r.registry, "AccessControlUnauthorizedAccount");
    } else {
      await call;
      if (this.grant) holders.add(this.account);
      else holders.delete(this.account);
    }
    expect(await r.registry.hasRole(role, target)).to.equal(holders.has(this.account));
    await expectAgreement(m, r);
  }
  toString = () =>
    `${this.grant ? "grant" : "revoke"}(${this.anchorer ? "ANCHORER" : "PAUSER"}, ${this.account}, from=${this.from})`;
}

const MAX_DELAY = 3600;

describe("TransparencyRegistry under random call sequences", function () {
  async function deploy() {
    const signers = await ethers.getSigners();
    const factory = await ethers.getContractFactory("TransparencyRegistry");
    const registry = await factory.deploy(signers[0]!.address, signers[1]!.address, signers[2]!.address, MAX_DELAY);
    return { registry, signers: signers.slice(0, 5) };
  }

  it("keeps contiguity, the head chain, immutability and roles for every sequence", async function () {
    const account = fc.integer({ min: 0, max: 4 });
    const commands = [
      // Mostly well-formed anchors by the anchorer, so sequences grow long; the rest probe every refusal.
      fc
        .record({ leafCount: fc.integer({ min: 1, max: 5000 }), seed: fc.integer({ min: 1, max: 1_000_000 }) })
        .map(({ leafCount, seed }) => new AnchorCommand(1, 0, 0, leafCount, seed)),
      fc
        .tuple(
          account,
          fc.integer({ min: -2, max: 2 }),
          fc.integer({ min: -2, max: 2 }),
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 3 }),
        )
        .map(
          ([from, idDelta, seqDelta, leafCount, seed]) => new AnchorCommand(from, idDelta, seqDelta, leafCount, seed),
        ),
      fc.tuple(account, fc.boolean()).map(([from, pause]) => new PauseCommand(from, pause)),
      fc
        .tuple(fc.constantFrom(0, 0, 3), fc.boolean(), fc.boolean(), account)
        .map(([from, grant, anchorer, target]) => new RoleCommand(from, grant, anchorer, target)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const real = await loadFixture(deploy);
        const model: Model = { batches: [], paused: false, anchorers: new Set([1]), pausers: new Set([2]) };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 50 },
    );
  });
});
