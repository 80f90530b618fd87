/**
 * Gas on Hardhat's in-process network (the compiled contracts, the same EVM settings as the tests):
 * TransparencyRegistry.anchor() for batches of 1, 100, 10 k and 1 M records, next to storing every record's
 * leaf in its own slot (contracts/bench/NaivePerRecordStore.sol), measured for 1 and 100 leaves in one
 * transaction and extrapolated linearly beyond that (a 10 k-leaf store no longer fits one transaction).
 */
import { ethers as ethersLib } from "ethers";

export interface AnchorGas {
  leafCount: number;
  gasUsed: number;
  gasPerRecord: number;
}

export interface GasResult {
  /** The registry's very first anchor (its counters go from zero to non-zero: colder slots). */
  firstAnchorGas: number;
  anchors: AnchorGas[];
  naive: {
    oneLeafGas: number;
    hundredLeavesGas: number;
    /** Marginal gas per extra leaf, from the two measurements. */
    perRecordGas: number;
    /** Linear extrapolation base + n × perRecord, for the same sizes as `anchors`. */
    extrapolated: { leafCount: number; gas: number; measured: boolean; transactionsAtTxCap: number }[];
  };
  txGasCap: number;
}

const TX_GAS_CAP = 16_777_216; // Osaka's per-transaction cap (EIP-7825), Hardhat 2.29's default fork

function fakeRoot(i: number): string {
  return ethersLib.keccak256(ethersLib.toUtf8Bytes(`bench root ${i}`));
}

export async function runGasBench(sizes: readonly number[] = [1, 100, 10_000, 1_000_000]): Promise<GasResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as typeof import("hardhat");
  const [admin] = await hre.ethers.getSigners();
  const registry = await (
    await hre.ethers.getContractFactory("TransparencyRegistry")
  ).deploy(admin!, admin!, admin!, 3600);
  await registry.waitForDeployment();
  const naive = await (await hre.ethers.getContractFactory("NaivePerRecordStore")).deploy();
  await naive.waitForDeployment();

  const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
    Number((await (await tx).wait())!.gasUsed);

  let batchId = 1;
  let nextSeq = 1;
  const anchor = async (leafCount: number) => {
    const gas = await gasOf(registry.getFunction("anchor")(batchId, fakeRoot(batchId), nextSeq, leafCount));
    batchId += 1;
    nextSeq += leafCount;
    return gas;
  };
  const firstAnchorGas = await anchor(1);
  const anchors: AnchorGas[] = [];
  for (const leafCount of sizes) {
    const gasUsed = await anchor(leafCount);
    anchors.push({ leafCount, gasUsed, gasPerRecord: gasUsed / leafCount });
  }

  const leaves = (n: number, from: number) => Array.from({ length: n }, (_, i) => fakeRoot(1_000_000 + from + i));
  await gasOf(naive.getFunction("store")(leaves(1, 0))); // first write: the counter slot goes zero → non-zero
  const oneLeafGas = await gasOf(naive.getFunction("store")(leaves(1, 1)));
  const hundredLeavesGas = await gasOf(naive.getFunction("store")(leaves(100, 2)));
  const perRecordGas = (hundredLeavesGas - oneLeafGas) / 99;
  const base = oneLeafGas - perRecordGas;
  return {
    firstAnchorGas,
    anchors,
    naive: {
      oneLeafGas,
      hundredLeavesGas,
      perRecordGas,
      extrapolated: sizes.map((n) => {
        const gas = n === 1 ? oneLeafGas : n === 100 ? hundredLeavesGas : Math.round(base + n * perRecordGas);
        return {
          leafCount: n,
          gas,
          measured: n === 1 || n === 100,
          transactionsAtTxCap: Math.ceil(gas / TX_GAS_CAP),
        };
      }),
    },
    txGasCap: TX_GAS_CAP,
  };
}
