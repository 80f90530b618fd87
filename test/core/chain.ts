// The real TransparencyRegistry on Hardhat's in-process network, read through core's registry reader with an
// RpcRequest made from the network's EIP-1193 provider (no ethers in the read path).
import hre, { ethers } from "hardhat";
import { createRegistryReader, type RegistryReader, type RpcRequest } from "../../core";
import type { TransparencyRegistry } from "../../typechain-types";

export const rpc: RpcRequest = (method, params) => hre.network.provider.request({ method, params });

export interface DeployedRegistry {
  registry: TransparencyRegistry;
  address: string;
  chainId: number;
  reader: RegistryReader;
  /** anchor(id, root, firstSeq, leafCount) sent by the anchorer, mined. */
  anchor(batchId: number, root: string, firstSeq: number, leafCount: number): Promise<void>;
}

export async function deployRegistry(): Promise<DeployedRegistry> {
  const [admin, anchorer, pauser] = await ethers.getSigners();
  if (!admin || !anchorer || !pauser) throw new Error("need three signers");
  const factory = await ethers.getContractFactory("TransparencyRegistry");
  const registry = (await factory.deploy(
    admin.address,
    anchorer.address,
    pauser.address,
    3600,
  )) as unknown as TransparencyRegistry;
  await registry.waitForDeployment();
  const address = await registry.getAddress();
  const reader = createRegistryReader(rpc, address);
  return {
    registry,
    address,
    chainId: await reader.chainId(),
    reader,
    async anchor(batchId, root, firstSeq, leafCount) {
      await (await registry.connect(anchorer).anchor(batchId, root, firstSeq, leafCount)).wait();
    },
  };
}
