// A fund on Hardhat's in-process chain for the reconciler's tests: a DemoStablecoin (6 decimals), declared
// accounts, real transfers, and the records that disclose them (built here, validated by core's rules).
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  createEvmChainReader,
  reconcile,
  registryCaip10,
  validateRecord,
  type RecordKind,
  type RecordV1,
  type ReconcileReport,
  type RpcRequest,
} from "../../core";
import { ledgerRecord, movementRef, signedDeclaration, snapshotFields } from "../../server/sample-records";
import { rpc } from "./chain";

export const CHAIN = "eip155:31337";
export const REGISTRY = registryCaip10(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
export { rpc };

export interface DemoToken {
  address: string;
  caip19: string;
  transfer(from: HardhatEthersSigner, to: string, units: bigint): Promise<string>;
}

/** Records in order, with seqs; every record is checked against Record v1 as it is added. */
export class Ledger {
  readonly records: RecordV1[] = [];

  /** An independent copy (a fixture's ledger is shared by every test that loads it). */
  copy(): Ledger {
    const copy = new Ledger();
    copy.records.push(...this.records.map((r) => ({ ...r })));
    return copy;
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

export async function runReconcile(records: RecordV1[], extra: { logChunkSize?: number; request?: RpcRequest } = {}) {
  const request = extra.request ?? rpc;
  const toBlock = await ethers.provider.getBlockNumber();
  return reconcile({
    records,
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
