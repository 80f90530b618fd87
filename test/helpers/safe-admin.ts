/**
 * A real Safe 1.4.1 (SafeL2 singleton, proxy factory, fallback handler, from @safe-global/safe-contracts'
 * artifacts) for tests that hand a registry's keys to a multisig, and one owner-signed Safe transaction.
 */
import { Contract, ContractFactory, Signature, ZeroAddress, type Wallet } from "ethers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const artifact = (path: string) => require(`@safe-global/safe-contracts/build/artifacts/contracts/${path}`);

/** Deploys a Safe proxy with these owners and threshold; returns it as a Contract (SafeL2's ABI) on `deployer`. */
export async function deploySafe(deployer: Wallet, owners: string[], threshold: number): Promise<Contract> {
  const deploy = async (a: { abi: unknown[]; bytecode: string }) => {
    const contract = await new ContractFactory(a.abi as never[], a.bytecode, deployer).deploy();
    await contract.waitForDeployment();
    return contract;
  };
  const singleton = await deploy(artifact("SafeL2.sol/SafeL2.json"));
  const factory = await deploy(artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"));
  const handler = await deploy(artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"));
  const setup = singleton.interface.encodeFunctionData("setup", [
    owners,
    threshold,
    ZeroAddress,
    "0x",
    await handler.getAddress(),
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const create = factory.getFunction("createProxyWithNonce");
  const receipt = (await (await create(await singleton.getAddress(), setup, Date.now())).wait()) as {
    logs: { topics: string[]; data: string }[];
  };
  const created = receipt.logs.map((l) => factory.interface.parseLog(l)).find((l) => l?.name === "ProxyCreation");
  return new Contract(created!.args[0] as string, artifact("SafeL2.sol/SafeL2.json").abi, deployer);
}

/** Executes a call from the Safe to itself, signed by one owner (a threshold-1 Safe); returns the tx hash. */
export async function execSafeSelfCall(safe: Contract, owner: Wallet, data: string): Promise<string> {
  const to = await safe.getAddress();
  const nonce = (await safe.getFunction("nonce")()) as bigint;
  const args = [to, 0, data, 0, 0, 0, 0, ZeroAddress, ZeroAddress] as const;
  const hash = (await safe.getFunction("getTransactionHash")(...args, nonce)) as string;
  const signature = Signature.from(owner.signingKey.sign(hash)).serialized; // r, s, v 27/28: a plain ECDSA owner
  const tx = await (safe.connect(owner) as Contract).getFunction("execTransaction")(...args, signature);
  return ((await tx.wait()) as { hash: string }).hash;
}
