// A fund on Hardhat's in-process chain for the reconciler's tests: a DemoStablecoin (6 decimals), declared
// accounts, real transfers, and the records that disclose them (built here, validated by core's rules).
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  createEvmChainReader,
  createRegistryReader,
  leafHash,
  reconcile,
  registryCaip10,
  validateRecord,
  type AnchoredBatch,
  type RecordKind,
  type RecordV1,
  type ReconcileReport,
  type RpcRequest,
} from "../../core";
import { batchRoot } from "../../core/protocol/tree-levels";
import { ledgerRecord, movementRef, signedDeclaration, snapshotFields } from "../../server/demo/sample-records";
import { rpc } from "./chain";

export const CHAIN = "eip155:31337";
export const REGISTRY = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
export { rpc };

export interface DemoToken {
  address: string;
  caip19: string;
  transfer(from: HardhatEthersSigner, to: string, units: bigint): Promise<string>;
}

/**
 * A real TransparencyRegistry on the in-process chain that anchors the ledger's batches. Its anchorer is the last
 * of Hardhat's accounts, which no test declares (its anchoring transactions must not touch a fund account).
 */
export interface AnchoringRegistry {
  /** Anchors the records as the next batch (their leaves' real root) and returns the chain's batch(id). */
  anchor(records: RecordV1[]): Promise<AnchoredBatch>;
}

export async function deployAnchoringRegistry(): Promise<AnchoringRegistry> {
  const signers = await ethers.getSigners();
  const anchorer = signers.at(-1)!;
  const factory = await ethers.getContractFactory("TransparencyRegistry");
  const registry = await factory.deploy(anchorer.address, anchorer.address, anchorer.address, 3600);
  await registry.waitForDeployment();
  const reader = createRegistryReader(rpc, await registry.getAddress());
  return {
    async anchor(records) {
      const id = (await reader.batchCount()) + 1;
      const root = batchRoot(records.map((r) => leafHash(r)));
      const anchor = registry.connect(anchorer).getFunction("anchor");
      await (await anchor(id, root, records[0]!.seq, records.length)).wait();
      const batch = (await reader.batch(id))!;
      return { firstSeq: batch.firstSeq, leafCount: batch.leafCount, anchoredAt: batch.anchoredAt };
    },
  };
}

/** Records in order, with seqs; every record is checked against Record v1 as it is added. */
export class Ledger {
  readonly records: RecordV1[] = [];
  /** The batches anchored so far, as the registry's chain records them. */
  readonly anchors: AnchoredBatch[] = [];

  constructor(private readonly registry?: AnchoringRegistry) {}

  /** An independent copy (a fixture's ledger is shared by every test that loads it). */
  copy(): Ledger {
    const copy = new Ledger(this.registry);
    copy.records.push(...this.records.map((r) => ({ ...r })));
    copy.anchors.push(...this.anchors.map((a) => ({ ...a })));
    return copy;
  }

  /** Anchors every record not yet anchored as one batch, in a block of its own (nothing when none is pending). */
  async anchor(): Promise<AnchoredBatch | null> {
    if (!this.registry) throw new Error("this ledger has no registry to anchor in");
    const anchored = this.anchors.reduce((n, a) => n + a.leafCount, 0);
    const pending = this.records.slice(anchored);
    if (pending.length === 0) return null;
    const batch = await this.registry.anchor(pending);
    this.anchors.push(batch);
    return batch;
  }

  add(fields: Partial<RecordV1> & { kind: RecordKind }): RecordV1 {
    const record = ledgerRecord(this.records.length + 1, fields);
    const checked = validateRecord(record);
    if (!checked.ok) throw new Error(`test record ${record.seq} is invalid: ${JSON.stringify(checked.errors)}`);
    this.records.push(record);
    return record;
  }

  /** A WALLET_DECLARED signed by `signer` (by default the account itself). */
  async declare(account: HardhatEthersSigner, asset: string, symbol: string, amount: string, signer = account) {
    const block = await ethers.provider.getBlockNumber();
    const holding = { account: `${CHAIN}:${account.address}`, asset, symbol, amount, block };
    return this.add(await signedDeclaration(REGISTRY, holding, signer));
  }

  move(kind: RecordKind, reference: string, amount: string, asset = "DUSDT", corrects = 0) {
    return this.add({ kind, reference, amount, asset, corrects });
  }

  async snapshot(account: string, asset: string, symbol: string, amount: string) {
    const block = await ethers.provider.getBlockNumber();
    return this.add(snapshotFields({ account: `${CHAIN}:${account}`, asset, symbol, amount, block }));
  }
}

export const logRef = (hash: string, index = 0) => movementRef(CHAIN, hash, index);
export const txRef = (hash: string) => movementRef(CHAIN, hash);
export const nativeAsset = `${CHAIN}/slip44:60`;

export async function deployDemoToken(holder: string, supply: bigint): Promise<DemoToken> {
  const factory = await ethers.getContractFactory("DemoStablecoin");
  const token = await factory.deploy(holder, supply);
  await token.waitForDeployment();
  const address = await token.getAddress();
  return {
    address,
    caip19: `${CHAIN}/erc20:${address}`,
    async transfer(from, to, units) {
      const tx = await token.connect(from).getFunction("transfer")(to, units);
      const receipt = await tx.wait();
      return receipt!.hash;
    },
  };
}

/** The Transfer log's index in its block for a transfer transaction (the reference names it). */
export async function transferLogIndex(hash: string): Promise<number> {
  const receipt = await ethers.provider.getTransactionReceipt(hash);
  return receipt!.logs[0]!.index;
}

/**
 * Reconciles up to the chain's head. Given a Ledger with a registry, its pending records are anchored first (as
 * before any real reconciliation) and the chain's batches say when each record took effect.
 */
export async function runReconcile(
  source: RecordV1[] | Ledger,
  extra: { logChunkSize?: number; request?: RpcRequest } = {},
) {
  const request = extra.request ?? rpc;
  if (source instanceof Ledger) await source.anchor();
  const records = source instanceof Ledger ? source.records : source;
  const anchors = source instanceof Ledger ? source.anchors : undefined;
  const toBlock = await ethers.provider.getBlockNumber();
  return reconcile({
    records,
    anchors,
    registry: REGISTRY,
    chains: { [CHAIN]: { reader: createEvmChainReader(request), toBlock } },
    logChunkSize: extra.logChunkSize,
  });
}

export function codesOf(report: ReconcileReport): string[] {
  return report.findings.map((f) => f.code);
}

export function expectClean(report: ReconcileReport) {
  expect(report.findings, JSON.stringify(report.findings, null, 1)).to.deep.equal([]);
  expect(report.unchecked).to.deep.equal([]);
}
