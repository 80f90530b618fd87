import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, id, keccak256, toBeHex, ZeroAddress, ZeroHash, zeroPadValue } from "ethers";
import { ethers, network } from "hardhat";
import type { TransparencyRegistry } from "../../typechain-types";
import {
  fakeRoot,
  GENESIS_HEAD,
  hashPair,
  leafValues,
  makeRecord,
  makeRecords,
  nextHead,
  RECORD_TYPES,
  recordLeaf,
  TestTree,
  toStruct,
  type TestRecord,
} from "./helpers";

const UINT64_MAX = 2n ** 64n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;
const ANCHORER_ROLE = id("ANCHORER_ROLE");
const PAUSER_ROLE = id("PAUSER_ROLE");
const DEFAULT_ADMIN_ROLE = ZeroHash;
// AccessControl._roles is slot 0; Pausable._paused (bool, byte 0) shares slot 1 with the registry's uint64
// batchCount (bytes 1-8) and uint64 nextSeq (bytes 9-16). The test that writes the slot first checks that it reads
// what the getters say.
const COUNTERS_SLOT = 1n;
const packCounters = (batchCount: bigint, nextSeq: bigint) => (nextSeq << 72n) | (batchCount << 8n);

/** Sizes of the batches for the batchOfSeq tests: uneven, with singletons and one very large batch. */
const UNEVEN_SIZES: bigint[] = [
  1n,
  2n,
  3n,
  7n,
  100n,
  1n,
  1n,
  5n,
  64n,
  63n,
  65n,
  2n,
  1n,
  1000n,
  13n,
  1n,
  8n,
  9n,
  1n,
  31n,
  32n,
  33n,
  1n,
  2n,
  UINT32_MAX,
  1n,
  17n,
  4n,
  250n,
  1n,
  3n,
  1n,
  6n,
  11n,
  1n,
  128n,
  2n,
  19n,
  1n,
  77n,
];

interface Anchored {
  batchId: bigint;
  root: string;
  firstSeq: bigint;
  leafCount: bigint;
  head: string;
}

const MAX_DELAY = 3600;

describe("TransparencyRegistry", function () {
  async function deployFixture() {
    const [admin, anchorer, pauser, stranger] = await ethers.getSigners();
    if (!admin || !anchorer || !pauser || !stranger) throw new Error("need four signers");
    const factory = await ethers.getContractFactory("TransparencyRegistry");
    const registry = (await factory.deploy(
      admin.address,
      anchorer.address,
      pauser.address,
      MAX_DELAY,
    )) as TransparencyRegistry;
    await registry.waitForDeployment();
    const deployReceipt = await registry.deploymentTransaction()!.wait();
    return { registry, factory, admin, anchorer, pauser, stranger, deployBlock: BigInt(deployReceipt!.blockNumber) };
  }

  /** Anchors batches of the given sizes in order; returns what each anchor committed to. */
  async function anchorSizes(
    registry: TransparencyRegistry,
    anchorer: Awaited<ReturnType<typeof deployFixture>>["anchorer"],
    sizes: bigint[],
  ) {
    const anchored: Anchored[] = [];
    let head = await registry.head();
    let firstSeq = await registry.nextSeq();
    let batchId = (await registry.batchCount()) + 1n;
    for (const leafCount of sizes) {
      const root = fakeRoot(batchId);
      await registry.connect(anchorer).anchor(batchId, root, firstSeq, leafCount);
      head = nextHead(head, batchId, root, firstSeq, leafCount);
      anchored.push({ batchId, root, firstSeq, leafCount, head });
      firstSeq += leafCount;
      batchId += 1n;
    }
    return anchored;
  }

  async function threeBatchesFixture() {
    const base = await deployFixture();
    const anchored = await anchorSizes(base.registry, base.anchorer, [3n, 1n, 5n]);
    return { ...base, anchored };
  }

  async function unevenBatchesFixture() {
    const base = await deployFixture();
    const anchored = await anchorSizes(base.registry, base.anchorer, UNEVEN_SIZES);
    return { ...base, anchored };
  }

  /** Batch 1: seven real records. Batch 2: one record (root = leaf). */
  async function recordsFixture() {
    const base = await deployFixture();
    const { registry, anchorer } = base;
    const records1 = makeRecords(1, 7);
    const tree1 = TestTree.ofRecords(records1);
    await registry.connect(anchorer).anchor(1, tree1.root(), 1, records1.length);
    const single = makeRecord(8, { memo: "одна запись — one record", asset: "KZT" });
    await registry.connect(anchorer).anchor(2, recordLeaf(single), 8, 1);
    return { ...base, records1, tree1, single };
  }

  describe("deployment", function () {
    it("grants DEFAULT_ADMIN_ROLE, ANCHORER_ROLE and PAUSER_ROLE to the given accounts only", async function () {
      const { registry, admin, anchorer, pauser, stranger } = await loadFixture(deployFixture);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(ANCHORER_ROLE, anchorer.address)).to.equal(true);
      expect(await registry.hasRole(PAUSER_ROLE, pauser.address)).to.equal(true);
      for (const role of [DEFAULT_ADMIN_ROLE, ANCHORER_ROLE, PAUSER_ROLE]) {
        expect(await registry.hasRole(role, stranger.address)).to.equal(false);
      }
      expect(await registry.hasRole(ANCHORER_ROLE, admin.address)).to.equal(false);
      expect(await registry.hasRole(PAUSER_ROLE, admin.address)).to.equal(false);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, anchorer.address)).to.equal(false);
    });

    it("keeps DEFAULT_ADMIN_ROLE as the admin of every role", async function () {
      const { registry } = await loadFixture(deployFixture);
      for (const role of [DEFAULT_ADMIN_ROLE, ANCHORER_ROLE, PAUSER_ROLE]) {
        expect(await registry.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }
    });

    it("exposes ANCHORER_ROLE, PAUSER_ROLE and RECORD_VERSION as constants", async function () {
      const { registry } = await loadFixture(deployFixture);
      expect(await registry.ANCHORER_ROLE()).to.equal(ANCHORER_ROLE);
      expect(await registry.PAUSER_ROLE()).to.equal(PAUSER_ROLE);
      expect(await registry.RECORD_VERSION()).to.equal(1n);
    });

    it("records the deployment block", async function () {
      const { registry, deployBlock } = await loadFixture(deployFixture);
      expect(await registry.deploymentBlock()).to.equal(deployBlock);
    });

    it("starts with no batch: batchCount 0, nextSeq 1, head zero, not paused", async function () {
      const { registry } = await loadFixture(deployFixture);
      expect(await registry.batchCount()).to.equal(0n);
      expect(await registry.nextSeq()).to.equal(1n);
      expect(await registry.head()).to.equal(ZeroHash);
      expect(await registry.paused()).to.equal(false);
    });

    it("reverts with RegistryZeroAdmin when the admin is the zero address", async function () {
      const { factory, anchorer, pauser } = await loadFixture(deployFixture);
      await expect(
        factory.deploy(ZeroAddress, anchorer.address, pauser.address, MAX_DELAY),
      ).to.be.revertedWithCustomError(factory, "RegistryZeroAdmin");
    });

    it("reverts with RegistryZeroDelay when the maximum anchoring delay is zero", async function () {
      const { factory, admin, anchorer, pauser } = await loadFixture(deployFixture);
      await expect(factory.deploy(admin.address, anchorer.address, pauser.address, 0)).to.be.revertedWithCustomError(
        factory,
        "RegistryZeroDelay",
      );
    });

    it("promises the maximum anchoring delay it was deployed with, for ever", async function () {
      const { registry, factory, admin } = await loadFixture(deployFixture);
      expect(await registry.maxAnchorDelay()).to.equal(BigInt(MAX_DELAY));
      const other = await factory.deploy(admin.address, ZeroAddress, ZeroAddress, 86_400);
      expect(await other.maxAnchorDelay()).to.equal(86_400n);
      expect(registry.interface.getFunction("maxAnchorDelay")!.stateMutability).to.equal("view");
    });

    it("leaves ANCHORER_ROLE and PAUSER_ROLE unassigned when given the zero address", async function () {
      const { factory, admin } = await loadFixture(deployFixture);
      const registry = await factory.deploy(admin.address, ZeroAddress, ZeroAddress, MAX_DELAY);
      const tx = registry.deploymentTransaction()!;
      await expect(tx).to.emit(registry, "RoleGranted").withArgs(DEFAULT_ADMIN_ROLE, admin.address, admin.address);
      const receipt = await tx.wait();
      expect(receipt!.logs).to.have.length(1);
      expect(await registry.hasRole(ANCHORER_ROLE, ZeroAddress)).to.equal(false);
      expect(await registry.hasRole(PAUSER_ROLE, ZeroAddress)).to.equal(false);
    });

    it("supports the IAccessControl and ERC-165 interfaces", async function () {
      const { registry } = await loadFixture(deployFixture);
      expect(await registry.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await registry.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("roles", function () {
    it("lets the admin rotate the anchorer key", async function () {
      const { registry, admin, anchorer, stranger } = await loadFixture(deployFixture);
      await registry.connect(admin).grantRole(ANCHORER_ROLE, stranger.address);
      await registry.connect(admin).revokeRole(ANCHORER_ROLE, anchorer.address);
      await expect(registry.connect(anchorer).anchor(1, fakeRoot(1), 1, 1))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(anchorer.address, ANCHORER_ROLE);
      await expect(registry.connect(stranger).anchor(1, fakeRoot(1), 1, 1)).to.emit(registry, "BatchAnchored");
    });

    it("reverts with AccessControlUnauthorizedAccount when a non-admin grants a role", async function () {
      const { registry, anchorer, stranger } = await loadFixture(deployFixture);
      await expect(registry.connect(anchorer).grantRole(ANCHORER_ROLE, stranger.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(anchorer.address, DEFAULT_ADMIN_ROLE);
    });
  });

  describe("pause and unpause", function () {
    it("pauses when the pauser calls pause and emits Paused", async function () {
      const { registry, pauser } = await loadFixture(deployFixture);
      await expect(registry.connect(pauser).pause()).to.emit(registry, "Paused").withArgs(pauser.address);
      expect(await registry.paused()).to.equal(true);
    });

    it("unpauses when the pauser calls unpause and emits Unpaused", async function () {
      const { registry, pauser } = await loadFixture(deployFixture);
      await registry.connect(pauser).pause();
      await expect(registry.connect(pauser).unpause()).to.emit(registry, "Unpaused").withArgs(pauser.address);
      expect(await registry.paused()).to.equal(false);
    });

    it("reverts with AccessControlUnauthorizedAccount when an account without PAUSER_ROLE pauses", async function () {
      const { registry, admin, anchorer, stranger } = await loadFixture(deployFixture);
      for (const who of [admin, anchorer, stranger]) {
        await expect(registry.connect(who).pause())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, PAUSER_ROLE);
      }
    });

    it("reverts with AccessControlUnauthorizedAccount when an account without PAUSER_ROLE unpauses", async function () {
      const { registry, admin, anchorer, pauser, stranger } = await loadFixture(deployFixture);
      await registry.connect(pauser).pause();
      for (const who of [admin, anchorer, stranger]) {
        await expect(registry.connect(who).unpause())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, PAUSER_ROLE);
      }
    });

    it("reverts with EnforcedPause when pausing twice and ExpectedPause when unpausing while running", async function () {
      const { registry, pauser } = await loadFixture(deployFixture);
      await expect(registry.connect(pauser).unpause()).to.be.revertedWithCustomError(registry, "ExpectedPause");
      await registry.connect(pauser).pause();
      await expect(registry.connect(pauser).pause()).to.be.revertedWithCustomError(registry, "EnforcedPause");
    });

    it("stops anchor with EnforcedPause while paused", async function () {
      const { registry, anchorer, pauser } = await loadFixture(deployFixture);
      await registry.connect(pauser).pause();
      await expect(registry.connect(anchorer).anchor(1, fakeRoot(1), 1, 1)).to.be.revertedWithCustomError(
        registry,
        "EnforcedPause",
      );
      expect(await registry.batchCount()).to.equal(0n);
    });

    it("checks the anchorer's role before the pause", async function () {
      const { registry, pauser, stranger } = await loadFixture(deployFixture);
      await registry.connect(pauser).pause();
      await expect(registry.connect(stranger).anchor(1, fakeRoot(1), 1, 1))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ANCHORER_ROLE);
    });

    it("keeps every read and verification working while paused", async function () {
      const { registry, pauser, records1, tree1, single } = await loadFixture(recordsFixture);
      const before = {
        count: await registry.batchCount(),
        next: await registry.nextSeq(),
        head: await registry.head(),
        batch1: await registry.batch(1),
      };
      await registry.connect(pauser).pause();
      expect(await registry.batchCount()).to.equal(before.count);
      expect(await registry.nextSeq()).to.equal(before.next);
      expect(await registry.head()).to.equal(before.head);
      expect(await registry.batch(1)).to.deep.equal(before.batch1);
      expect(await registry.batchOfSeq(8)).to.equal(2n);
      expect(await registry.deploymentBlock()).to.be.greaterThan(0n);
      expect(await registry.verify(1, tree1.leaves[2]!, tree1.proof(2))).to.equal(true);
      expect(await registry.verifyRecord(1, toStruct(records1[2]!), tree1.proof(2))).to.equal(true);
      expect(await registry.verifyRecord(2, toStruct(single), [])).to.equal(true);
      expect(await registry.recordLeaf(toStruct(single))).to.equal(recordLeaf(single));
    });

    it("resumes anchoring after unpause", async function () {
      const { registry, anchorer, pauser } = await loadFixture(deployFixture);
      await registry.connect(pauser).pause();
      await registry.connect(pauser).unpause();
      await expect(registry.connect(anchorer).anchor(1, fakeRoot(1), 1, 4))
        .to.emit(registry, "BatchAnchored")
        .withArgs(1n, fakeRoot(1), 1n, 4n, nextHead(GENESIS_HEAD, 1n, fakeRoot(1), 1n, 4n));
      expect(await registry.batchCount()).to.equal(1n);
    });
  });

  describe("anchor", function () {
    it("stores the first batch with its root, range, timestamp and head", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const root = fakeRoot("first");
      const tx = await registry.connect(anchorer).anchor(1, root, 1, 3);
      const receipt = await tx.wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      const head = nextHead(ZeroHash, 1n, root, 1n, 3n);
      const stored = await registry.batch(1);
      expect(stored.root).to.equal(root);
      expect(stored.firstSeq).to.equal(1n);
      expect(stored.leafCount).to.equal(3n);
      expect(stored.anchoredAt).to.equal(BigInt(block!.timestamp));
      expect(stored.head).to.equal(head);
      expect(await registry.batchCount()).to.equal(1n);
      expect(await registry.nextSeq()).to.equal(4n);
      expect(await registry.head()).to.equal(head);
    });

    it("emits BatchAnchored with the batch and the new head", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const root = fakeRoot(1);
      await expect(registry.connect(anchorer).anchor(1, root, 1, 10))
        .to.emit(registry, "BatchAnchored")
        .withArgs(1n, root, 1n, 10n, nextHead(ZeroHash, 1n, root, 1n, 10n));
    });

    it("indexes BatchAnchored by batchId", async function () {
      const { registry, anchored } = await loadFixture(threeBatchesFixture);
      const logs = await registry.queryFilter(registry.filters.BatchAnchored(2n));
      expect(logs).to.have.length(1);
      const a = anchored[1]!;
      expect([...logs[0]!.args]).to.deep.equal([a.batchId, a.root, a.firstSeq, a.leafCount, a.head]);
    });

    it("chains the head over several batches", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      let head = ZeroHash;
      let firstSeq = 1n;
      for (let batchId = 1n; batchId <= 6n; batchId++) {
        const root = fakeRoot(`chain ${batchId}`);
        const leafCount = batchId * 3n - 1n;
        const expected = nextHead(head, batchId, root, firstSeq, leafCount);
        await expect(registry.connect(anchorer).anchor(batchId, root, firstSeq, leafCount))
          .to.emit(registry, "BatchAnchored")
          .withArgs(batchId, root, firstSeq, leafCount, expected);
        expect(await registry.head()).to.equal(expected);
        expect((await registry.batch(batchId)).head).to.equal(expected);
        expect(await registry.batchCount()).to.equal(batchId);
        head = expected;
        firstSeq += leafCount;
        expect(await registry.nextSeq()).to.equal(firstSeq);
      }
      // Every stored head still links to its predecessor.
      let prev = ZeroHash;
      for (let batchId = 1n; batchId <= 6n; batchId++) {
        const b = await registry.batch(batchId);
        expect(b.head).to.equal(nextHead(prev, batchId, b.root, b.firstSeq, b.leafCount));
        prev = b.head;
      }
    });

    it("stores the timestamp of the anchoring block in anchoredAt", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const at = (await time.latest()) + 1000;
      await time.setNextBlockTimestamp(at);
      await registry.connect(anchorer).anchor(1, fakeRoot(1), 1, 1);
      expect((await registry.batch(1)).anchoredAt).to.equal(BigInt(at));
    });

    it("accepts a batch of type(uint32).max leaves", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      await registry.connect(anchorer).anchor(1, fakeRoot(1), 1, UINT32_MAX);
      expect(await registry.nextSeq()).to.equal(1n + UINT32_MAX);
      expect((await registry.batch(1)).leafCount).to.equal(UINT32_MAX);
    });

    it("reverts with AccessControlUnauthorizedAccount when an account without ANCHORER_ROLE anchors", async function () {
      const { registry, admin, pauser, stranger } = await loadFixture(deployFixture);
      for (const who of [admin, pauser, stranger]) {
        await expect(registry.connect(who).anchor(1, fakeRoot(1), 1, 1))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, ANCHORER_ROLE);
      }
    });

    it("reverts with RegistryBatchAlreadyAnchored and the stored root when a retry already landed", async function () {
      const { registry, anchorer, anchored } = await loadFixture(threeBatchesFixture);
      const last = anchored[2]!;
      await expect(registry.connect(anchorer).anchor(last.batchId, last.root, last.firstSeq, last.leafCount))
        .to.be.revertedWithCustomError(registry, "RegistryBatchAlreadyAnchored")
        .withArgs(last.batchId, last.root);
    });

    it("reverts with RegistryBatchOutOfOrder when batchId is 0", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      await expect(registry.connect(anchorer).anchor(0, fakeRoot(0), 1, 1))
        .to.be.revertedWithCustomError(registry, "RegistryBatchOutOfOrder")
        .withArgs(0n, 1n);
    });

    it("reverts with RegistryBatchOutOfOrder when batchId is 0 after some batches", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      await expect(registry.connect(anchorer).anchor(0, fakeRoot(0), 10, 1))
        .to.be.revertedWithCustomError(registry, "RegistryBatchOutOfOrder")
        .withArgs(0n, 4n);
    });

    it("reverts with RegistryBatchOutOfOrder when batchId skips an id", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      for (const batchId of [5n, 6n, UINT64_MAX]) {
        await expect(registry.connect(anchorer).anchor(batchId, fakeRoot(batchId), 10, 1))
          .to.be.revertedWithCustomError(registry, "RegistryBatchOutOfOrder")
          .withArgs(batchId, 4n);
      }
    });

    it("reverts with RegistryZeroRoot when the root is zero", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      await expect(registry.connect(anchorer).anchor(4, ZeroHash, 10, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroRoot",
      );
    });

    it("reverts with RegistryEmptyBatch when leafCount is 0", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      await expect(registry.connect(anchorer).anchor(4, fakeRoot(4), 10, 0)).to.be.revertedWithCustomError(
        registry,
        "RegistryEmptyBatch",
      );
    });

    it("reverts with RegistrySeqGap when firstSeq skips a seq", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      await expect(registry.connect(anchorer).anchor(4, fakeRoot(4), 11, 1))
        .to.be.revertedWithCustomError(registry, "RegistrySeqGap")
        .withArgs(11n, 10n);
    });

    it("reverts with RegistrySeqGap when firstSeq overlaps the previous batch", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      for (const firstSeq of [9n, 1n, 0n]) {
        await expect(registry.connect(anchorer).anchor(4, fakeRoot(4), firstSeq, 1))
          .to.be.revertedWithCustomError(registry, "RegistrySeqGap")
          .withArgs(firstSeq, 10n);
      }
    });

    it("reverts with RegistrySeqGap when the first batch does not start at seq 1", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      for (const firstSeq of [0n, 2n]) {
        await expect(registry.connect(anchorer).anchor(1, fakeRoot(1), firstSeq, 1))
          .to.be.revertedWithCustomError(registry, "RegistrySeqGap")
          .withArgs(firstSeq, 1n);
      }
    });

    it("reverts with RegistrySeqOverflow when firstSeq + leafCount passes uint64", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      const address = await registry.getAddress();
      // Check the slot layout against the getters before writing it.
      const packed = BigInt(await ethers.provider.getStorage(address, COUNTERS_SLOT));
      expect(packed).to.equal(packCounters(3n, 10n));
      // 2^64 batches of records cannot be anchored in a test: move nextSeq close to the end of uint64 instead.
      const nearEnd = UINT64_MAX - 9n;
      await network.provider.send("hardhat_setStorageAt", [
        address,
        toBeHex(COUNTERS_SLOT),
        zeroPadValue(toBeHex(packCounters(3n, nearEnd)), 32),
      ]);
      expect(await registry.nextSeq()).to.equal(nearEnd);
      expect(await registry.batchCount()).to.equal(3n);
      for (const leafCount of [10n, 11n, UINT32_MAX]) {
        await expect(registry.connect(anchorer).anchor(4, fakeRoot(4), nearEnd, leafCount))
          .to.be.revertedWithCustomError(registry, "RegistrySeqOverflow")
          .withArgs(nearEnd, leafCount);
      }
      // The largest batch that still fits ends at nextSeq = type(uint64).max.
      await registry.connect(anchorer).anchor(4, fakeRoot(4), nearEnd, 9);
      expect(await registry.nextSeq()).to.equal(UINT64_MAX);
      expect(await registry.batchOfSeq(UINT64_MAX - 1n)).to.equal(4n);
      await expect(registry.connect(anchorer).anchor(5, fakeRoot(5), UINT64_MAX, 1))
        .to.be.revertedWithCustomError(registry, "RegistrySeqOverflow")
        .withArgs(UINT64_MAX, 1n);
    });

    it("checks batchId, root, leafCount, firstSeq and overflow in that order", async function () {
      const { registry, anchorer, anchored } = await loadFixture(threeBatchesFixture);
      const r = registry.connect(anchorer);
      // Everything wrong at once: the already-anchored id wins.
      await expect(r.anchor(2, ZeroHash, 0, 0))
        .to.be.revertedWithCustomError(registry, "RegistryBatchAlreadyAnchored")
        .withArgs(2n, anchored[1]!.root);
      await expect(r.anchor(9, ZeroHash, 0, 0))
        .to.be.revertedWithCustomError(registry, "RegistryBatchOutOfOrder")
        .withArgs(9n, 4n);
      await expect(r.anchor(4, ZeroHash, 0, 0)).to.be.revertedWithCustomError(registry, "RegistryZeroRoot");
      await expect(r.anchor(4, fakeRoot(4), 0, 0)).to.be.revertedWithCustomError(registry, "RegistryEmptyBatch");
      await expect(r.anchor(4, fakeRoot(4), UINT64_MAX, UINT32_MAX))
        .to.be.revertedWithCustomError(registry, "RegistrySeqGap")
        .withArgs(UINT64_MAX, 10n);
    });

    it("leaves the state unchanged when it reverts", async function () {
      const { registry, anchorer } = await loadFixture(threeBatchesFixture);
      const head = await registry.head();
      await expect(registry.connect(anchorer).anchor(4, fakeRoot(4), 11, 1)).to.be.reverted;
      expect(await registry.batchCount()).to.equal(3n);
      expect(await registry.nextSeq()).to.equal(10n);
      expect(await registry.head()).to.equal(head);
      await expect(registry.batch(4)).to.be.revertedWithCustomError(registry, "RegistryUnknownBatch").withArgs(4n);
    });

    it("logs the gas of a first and a later anchor and keeps a later one cheap", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const used: bigint[] = [];
      let firstSeq = 1n;
      for (let batchId = 1n; batchId <= 3n; batchId++) {
        const tx = await registry.connect(anchorer).anchor(batchId, fakeRoot(batchId), firstSeq, 1000);
        used.push((await tx.wait())!.gasUsed);
        firstSeq += 1000n;
      }
      console.log(`      anchor() gas: first ${used[0]}, second ${used[1]}, third ${used[2]}`);
      // Deterministic: three fresh storage slots per batch (3 × 22,100) plus the 21,000 base already cost 87,300,
      // so 90,000 is out of reach; the bound keeps the packing honest (one more slot would add at least 2,900).
      expect(used[1]).to.equal(used[2]);
      expect(used[1]!).to.be.lessThan(103_000n);
      expect(used[0]!).to.be.lessThan(103_000n);
    });
  });

  describe("immutability", function () {
    it("exposes no state-changing function but anchor, pause, unpause and the role functions", async function () {
      const { registry } = await loadFixture(deployFixture);
      const writers: string[] = [];
      registry.interface.forEachFunction((f) => {
        if (!f.constant) writers.push(f.name);
      });
      expect(writers.sort()).to.deep.equal(["anchor", "grantRole", "pause", "renounceRole", "revokeRole", "unpause"]);
    });

    it("rejects a rewrite of every existing batch with RegistryBatchAlreadyAnchored and keeps it unchanged", async function () {
      const { registry, admin, anchorer, anchored } = await loadFixture(threeBatchesFixture);
      const snapshot = await Promise.all(anchored.map((a) => registry.batch(a.batchId)));
      const head = await registry.head();
      // The role admin can make itself an anchorer; it still cannot rewrite a batch.
      await registry.connect(admin).grantRole(ANCHORER_ROLE, admin.address);
      for (const who of [anchorer, admin]) {
        for (const a of anchored) {
          const other = fakeRoot(`rewrite ${a.batchId}`);
          for (const [firstSeq, leafCount] of [
            [a.firstSeq, a.leafCount],
            [a.firstSeq, a.leafCount + 1n],
            [10n, 1n],
          ] as const) {
            await expect(registry.connect(who).anchor(a.batchId, other, firstSeq, leafCount))
              .to.be.revertedWithCustomError(registry, "RegistryBatchAlreadyAnchored")
              .withArgs(a.batchId, a.root);
          }
        }
      }
      for (const [i, a] of anchored.entries()) {
        expect(await registry.batch(a.batchId)).to.deep.equal(snapshot[i]);
        expect((await registry.batch(a.batchId)).root).to.equal(a.root);
      }
      expect(await registry.head()).to.equal(head);
      expect(await registry.batchCount()).to.equal(3n);
      expect(await registry.nextSeq()).to.equal(10n);
    });
  });

  describe("batch", function () {
    it("returns every stored batch", async function () {
      const { registry, anchored } = await loadFixture(threeBatchesFixture);
      for (const a of anchored) {
        const b = await registry.batch(a.batchId);
        expect([b.root, b.firstSeq, b.leafCount, b.head]).to.deep.equal([a.root, a.firstSeq, a.leafCount, a.head]);
        expect(b.anchoredAt).to.be.greaterThan(0n);
      }
    });

    it("reverts with RegistryUnknownBatch for batch 0 and for an id above batchCount", async function () {
      const { registry } = await loadFixture(threeBatchesFixture);
      for (const batchId of [0n, 4n, UINT64_MAX]) {
        await expect(registry.batch(batchId))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownBatch")
          .withArgs(batchId);
      }
    });

    it("reverts with RegistryUnknownBatch before any batch", async function () {
      const { registry } = await loadFixture(deployFixture);
      await expect(registry.batch(1)).to.be.revertedWithCustomError(registry, "RegistryUnknownBatch").withArgs(1n);
    });
  });

  describe("batchOfSeq", function () {
    it("finds the batch of the first and last seq of each of 40 uneven batches", async function () {
      const { registry, anchored } = await loadFixture(unevenBatchesFixture);
      expect(anchored).to.have.length(40);
      expect(await registry.batchCount()).to.equal(40n);
      for (const a of anchored) {
        const last = a.firstSeq + a.leafCount - 1n;
        const middle = a.firstSeq + a.leafCount / 2n;
        for (const seq of new Set([a.firstSeq, middle, last])) {
          expect(await registry.batchOfSeq(seq)).to.equal(a.batchId, `seq ${seq}`);
        }
      }
    });

    it("reverts with RegistrySeqNotAnchored for seq 0 and from nextSeq on", async function () {
      const { registry } = await loadFixture(unevenBatchesFixture);
      const next = await registry.nextSeq();
      for (const seq of [0n, next, next + 1n, UINT64_MAX]) {
        await expect(registry.batchOfSeq(seq))
          .to.be.revertedWithCustomError(registry, "RegistrySeqNotAnchored")
          .withArgs(seq);
      }
      expect(await registry.batchOfSeq(next - 1n)).to.equal(40n);
    });

    it("reverts with RegistrySeqNotAnchored before any batch", async function () {
      const { registry } = await loadFixture(deployFixture);
      for (const seq of [0n, 1n]) {
        await expect(registry.batchOfSeq(seq))
          .to.be.revertedWithCustomError(registry, "RegistrySeqNotAnchored")
          .withArgs(seq);
      }
    });

    it("finds the only batch when there is one", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      await registry.connect(anchorer).anchor(1, fakeRoot(1), 1, 1);
      expect(await registry.batchOfSeq(1)).to.equal(1n);
      await expect(registry.batchOfSeq(2))
        .to.be.revertedWithCustomError(registry, "RegistrySeqNotAnchored")
        .withArgs(2n);
    });
  });

  describe("verify", function () {
    it("accepts every leaf of a batch with its proof", async function () {
      const { registry, tree1 } = await loadFixture(recordsFixture);
      for (const [i, leaf] of tree1.leaves.entries()) {
        expect(await registry.verify(1, leaf, tree1.proof(i))).to.equal(true, `leaf ${i}`);
      }
    });

    it("rejects a wrong leaf, a wrong proof and another batch's root", async function () {
      const { registry, tree1 } = await loadFixture(recordsFixture);
      const proof = tree1.proof(3);
      expect(await registry.verify(1, tree1.leaves[4]!, proof)).to.equal(false);
      expect(await registry.verify(1, tree1.leaves[3]!, [...proof.slice(1), proof[0]!])).to.equal(false);
      expect(await registry.verify(1, tree1.leaves[3]!, [])).to.equal(false);
      expect(await registry.verify(2, tree1.leaves[3]!, proof)).to.equal(false);
    });

    it("accepts the root itself with an empty proof (a one-leaf batch)", async function () {
      const { registry, single } = await loadFixture(recordsFixture);
      expect(await registry.verify(2, recordLeaf(single), [])).to.equal(true);
    });

    it("reverts with RegistryUnknownBatch for an unknown batch", async function () {
      const { registry, tree1 } = await loadFixture(recordsFixture);
      for (const batchId of [0n, 3n]) {
        await expect(registry.verify(batchId, tree1.leaves[0]!, tree1.proof(0)))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownBatch")
          .withArgs(batchId);
      }
    });

    it("accepts an inner node with a shortened proof (the second-preimage trap) where verifyRecord does not", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const records = makeRecords(1, 4);
      const tree = TestTree.ofRecords(records);
      await registry.connect(anchorer).anchor(1, tree.root(), 1, 4);
      const [l0, l1, l2, l3] = tree.leaves as [string, string, string, string];
      const inner01 = hashPair(l0, l1);
      const inner23 = hashPair(l2, l3);
      expect(tree.layers()[1]).to.deep.equal([inner01, inner23]);
      expect(tree.proof(0)).to.deep.equal([l1, inner23]);
      // The trap: an inner node is no record, yet verify() says yes.
      expect(await registry.verify(1, inner01, [inner23])).to.equal(true);
      expect(await registry.verify(1, inner23, [inner01])).to.equal(true);
      // verifyRecord computes the leaf itself: no record with a shortened proof passes, every real one does.
      for (const [i, r] of records.entries()) {
        expect(await registry.verifyRecord(1, toStruct(r), tree.proof(i))).to.equal(true);
        expect(await registry.verifyRecord(1, toStruct(r), tree.proof(i).slice(1))).to.equal(false);
        expect(await registry.verifyRecord(1, toStruct(r), [i < 2 ? inner23 : inner01])).to.equal(false);
      }
    });
  });

  describe("recordLeaf", function () {
    const cases: [string, TestRecord][] = [
      ["a plain record", makeRecord(1)],
      [
        "Kazakh, Russian and accents",
        makeRecord(2, { counterparty: "Қазақстан Ұлттық Банкі", memo: "Конфискация — café" }),
      ],
      ["emoji and CJK", makeRecord(3, { memo: "🇰🇿 基金 💰 𝄞", reference: "№ 7/٣" })],
      [
        "empty strings and a zero hash",
        makeRecord(4, { counterparty: "", reference: "", memo: "", documentHash: ZeroHash }),
      ],
      [
        "the largest values",
        makeRecord(UINT64_MAX, {
          kind: 255,
          occurredAt: UINT64_MAX,
          publishedAt: UINT64_MAX,
          amount: 2n ** 256n - 1n,
          valueUsd: 2n ** 256n - 1n,
          corrects: UINT64_MAX,
        }),
      ],
      ["a retraction", makeRecord(9, { kind: 10, amount: 0n, valueUsd: 0n, corrects: 4n, memo: "x".repeat(1000) })],
    ];

    for (const [name, record] of cases) {
      it(`equals the TypeScript leaf for ${name}`, async function () {
        const { registry } = await loadFixture(deployFixture);
        expect(await registry.recordLeaf(toStruct(record))).to.equal(recordLeaf(record));
      });
    }

    it("equals OpenZeppelin's standard leaf hash and differs from encoding the struct whole", async function () {
      const { registry } = await loadFixture(deployFixture);
      const record = makeRecord(5, { memo: "ǅ" });
      const types = [...RECORD_TYPES];
      const tree = StandardMerkleTree.of([leafValues(record)], types);
      expect(await registry.recordLeaf(toStruct(record))).to.equal(tree.leafHash(leafValues(record)));
      const whole = keccak256(
        keccak256(AbiCoder.defaultAbiCoder().encode([`tuple(${types.join(",")})`], [leafValues(record)])),
      );
      expect(whole).to.not.equal(recordLeaf(record));
    });

    it("changes when any byte of a string changes (no normalisation)", async function () {
      const { registry } = await loadFixture(deployFixture);
      const composed = makeRecord(6, { counterparty: "\u00e9" }); // é, NFC
      const decomposed = makeRecord(6, { counterparty: "e\u0301" }); // e + combining acute, NFD
      expect(await registry.recordLeaf(toStruct(composed))).to.not.equal(
        await registry.recordLeaf(toStruct(decomposed)),
      );
    });
  });

  describe("verifyRecord", function () {
    it("accepts every record of a batch with its proof", async function () {
      const { registry, records1, tree1 } = await loadFixture(recordsFixture);
      for (const [i, r] of records1.entries()) {
        expect(await registry.verifyRecord(1, toStruct(r), tree1.proof(i))).to.equal(true, `seq ${r.seq}`);
      }
    });

    it("accepts a one-leaf batch with an empty proof", async function () {
      const { registry, single } = await loadFixture(recordsFixture);
      expect((await registry.batch(2)).root).to.equal(recordLeaf(single));
      expect(await registry.verifyRecord(2, toStruct(single), [])).to.equal(true);
    });

    it("accepts unicode records in a batch", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      const records = [
        makeRecord(1, { counterparty: "Алматы облысы соты", memo: "сот шешімі № 2-17/2025" }),
        makeRecord(2, { memo: "🇰🇿 基金 💰", reference: "0x" + "ab".repeat(32) }),
        makeRecord(3, { publisher: "ұлттық-қор", asset: "IBIT" }),
      ];
      const tree = TestTree.ofRecords(records);
      await registry.connect(anchorer).anchor(1, tree.root(), 1, 3);
      for (const [i, r] of records.entries()) {
        expect(await registry.verifyRecord(1, toStruct(r), tree.proof(i))).to.equal(true);
        expect(StandardMerkleTree.verify(tree.root(), [...RECORD_TYPES], leafValues(r), tree.proof(i))).to.equal(true);
      }
    });

    it("rejects a record with any field changed", async function () {
      const { registry, records1, tree1 } = await loadFixture(recordsFixture);
      const r = records1[4]!;
      const proof = tree1.proof(4);
      const changes: Partial<TestRecord>[] = [
        { kind: 2 },
        { occurredAt: r.occurredAt + 1n },
        { publishedAt: r.publishedAt + 1n },
        { publisher: r.publisher + " " },
        { asset: "ETH" },
        { amount: r.amount + 1n },
        { valueUsd: r.valueUsd - 1n },
        { counterparty: "binance" },
        { reference: r.reference + "." },
        { documentHash: ZeroHash },
        { memo: "x" },
        { corrects: 1n },
      ];
      for (const change of changes) {
        expect(await registry.verifyRecord(1, toStruct({ ...r, ...change }), proof)).to.equal(
          false,
          JSON.stringify(change, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
        );
      }
    });

    it("returns false for a seq outside the batch even when the proof leads to its root", async function () {
      const { registry, anchorer } = await loadFixture(deployFixture);
      // A dishonest tree: four records committed under a batch that claims seqs 1..2 only.
      const records = makeRecords(1, 4);
      const tree = TestTree.ofRecords(records);
      await registry.connect(anchorer).anchor(1, tree.root(), 1, 2);
      const r3 = records[2]!;
      expect(await registry.verify(1, recordLeaf(r3), tree.proof(2))).to.equal(true);
      expect(await registry.verifyRecord(1, toStruct(r3), tree.proof(2))).to.equal(false);
      expect(await registry.verifyRecord(1, toStruct(records[1]!), tree.proof(1))).to.equal(true);
    });

    it("returns false for a record presented against another batch", async function () {
      const { registry, records1, tree1, single } = await loadFixture(recordsFixture);
      expect(await registry.verifyRecord(2, toStruct(records1[0]!), tree1.proof(0))).to.equal(false);
      expect(await registry.verifyRecord(1, toStruct(single), [])).to.equal(false);
      // Same record with its seq moved just outside batch 1 (firstSeq 1, 7 leaves) on either side.
      expect(await registry.verifyRecord(1, toStruct({ ...records1[0]!, seq: 0n }), tree1.proof(0))).to.equal(false);
      expect(await registry.verifyRecord(1, toStruct({ ...records1[6]!, seq: 8n }), tree1.proof(6))).to.equal(false);
    });

    it("reverts with RegistryUnknownBatch for an unknown batch", async function () {
      const { registry, single } = await loadFixture(recordsFixture);
      for (const batchId of [0n, 3n]) {
        await expect(registry.verifyRecord(batchId, toStruct(single), []))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownBatch")
          .withArgs(batchId);
      }
    });
  });
});
