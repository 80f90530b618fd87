/**
 * A real Safe 1.4.1 (SafeL2 singleton, SafeProxyFactory, CompatibilityFallbackHandler, SignMessageLib from
 * `@safe-global/safe-contracts`' build artifacts, deployed with ethers) for the demo and the tests: a fund
 * treasury as a state fund would hold it. Owners sign with eth_sign (Safe's v + 4 form), so any ethers signer
 * works, Hardhat's and anvil's alike.
 */
import {
  AbiCoder,
  Contract,
  ContractFactory,
  getBytes,
  Interface,
  Signature,
  ZeroAddress,
  type ContractRunner,
  type Signer,
} from "ethers";

const ARTIFACTS = "@safe-global/safe-contracts/build/artifacts/contracts";

type Artifact = { abi: unknown[]; bytecode: string };
// The package ships JSON artifacts only; require reads them without adding them to Hardhat's compile.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const artifact = (path: string): Artifact => require(`${ARTIFACTS}/${path}`) as Artifact;

export const SAFE_ARTIFACTS = {
  singleton: () => artifact("SafeL2.sol/SafeL2.json"),
  factory: () => artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
  handler: () => artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
  signMessageLib: () => artifact("libraries/SignMessageLib.sol/SignMessageLib.json"),
  multiSendCallOnly: () => artifact("libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"),
};

/** The deployed Safe contracts one chain needs, shared by every Safe made there. */
export interface SafeInfrastructure {
  singleton: string;
  factory: string;
  handler: string;
  signMessageLib: string;
}

export interface DemoSafe {
  address: string;
  owners: Signer[];
  /** execTransaction signed by `signers` (default: the first `threshold` owners); resolves with the tx hash. */
  exec(to: string, value: bigint, data?: string, operation?: 0 | 1, signers?: Signer[]): Promise<string>;
  /** The owners' ERC-1271 signature (concatenated, ascending owner order) of a 32-byte hash. */
  signHash(hash: string, signers?: Signer[]): Promise<string>;
  /** Approves a 32-byte hash on chain through SignMessageLib: afterwards the empty signature is valid for it. */
  approveHash(hash: string): Promise<string>;
  changeThreshold(threshold: number): Promise<string>;
  threshold(): Promise<number>;
}

async function deploy(deployer: Signer, a: Artifact, args: unknown[] = []): Promise<string> {
  const contract = await new ContractFactory(a.abi as never, a.bytecode, deployer).deploy(...args);
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Deploys the singleton, factory, fallback handler and SignMessageLib. */
export async function deploySafeInfrastructure(deployer: Signer): Promise<SafeInfrastructure> {
  return {
    singleton: await deploy(deployer, SAFE_ARTIFACTS.singleton()),
    factory: await deploy(deployer, SAFE_ARTIFACTS.factory()),
    handler: await deploy(deployer, SAFE_ARTIFACTS.handler()),
    signMessageLib: await deploy(deployer, SAFE_ARTIFACTS.signMessageLib()),
  };
}

/** An owner's eth_sign signature of a 32-byte hash, in Safe's form (v + 4 marks eth_sign). */
async function ethSign(owner: Signer, hash: string): Promise<{ owner: string; signature: string }> {
  const sig = Signature.from(await owner.signMessage(getBytes(hash)));
  const v = (sig.v + 4).toString(16).padStart(2, "0");
  return { owner: (await owner.getAddress()).toLowerCase(), signature: `${sig.r}${sig.s.slice(2)}${v}` };
}

/** Signatures of `signers`, sorted by owner address as Safe's checkNSignatures requires, concatenated. */
async function concatenated(signers: Signer[], hash: string): Promise<string> {
  const parts = await Promise.all(signers.map((s) => ethSign(s, hash)));
  parts.sort((a, b) => (a.owner < b.owner ? -1 : 1));
  return `0x${parts.map((p) => p.signature.slice(2)).join("")}`;
}

/** Makes a Safe of `owners` with `threshold` through the factory (createProxyWithNonce). */
export async function createSafe(
  deployer: Signer,
  infra: SafeInfrastructure,
  owners: Signer[],
  threshold: number,
  salt = BigInt(Date.now()),
): Promise<DemoSafe> {
  const singleton = new Interface(SAFE_ARTIFACTS.singleton().abi as never);
  const addresses = await Promise.all(owners.map((o) => o.getAddress()));
  const setup = singleton.encodeFunctionData("setup", [
    addresses,
    threshold,
    ZeroAddress,
    "0x",
    infra.handler,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const factory = new Contract(infra.factory, SAFE_ARTIFACTS.factory().abi as never, deployer);
  const create = factory.getFunction("createProxyWithNonce");
  const address = (await create.staticCall(infra.singleton, setup, salt)) as string;
  await (await create(infra.singleton, setup, salt)).wait();
  return safeAt(address, infra, owners);
}

/** A DemoSafe over an existing Safe whose owners' signers are known. */
export function safeAt(address: string, infra: SafeInfrastructure, owners: Signer[]): DemoSafe {
  const safe = (runner: ContractRunner) => new Contract(address, SAFE_ARTIFACTS.singleton().abi as never, runner);
  const handler = new Contract(address, SAFE_ARTIFACTS.handler().abi as never, owners[0]!);
  const threshold = async () => Number(await safe(owners[0]!).getFunction("getThreshold")());
  const signers = async (given?: Signer[]) => given ?? owners.slice(0, await threshold());
  const exec: DemoSafe["exec"] = async (to, value, data = "0x", operation = 0, given) => {
    const contract = safe(owners[0]!);
    const nonce = await contract.getFunction("nonce")();
    const args = [to, value, data, operation, 0, 0, 0, ZeroAddress, ZeroAddress] as const;
    const hash = (await contract.getFunction("getTransactionHash")(...args, nonce)) as string;
    const signatures = await concatenated(await signers(given), hash);
    const tx = await contract.getFunction("execTransaction")(...args, signatures);
    const receipt = await tx.wait();
    return receipt!.hash as string;
  };
  const self = new Interface(SAFE_ARTIFACTS.singleton().abi as never);
  const lib = new Interface(SAFE_ARTIFACTS.signMessageLib().abi as never);
  return {
    address,
    owners,
    exec,
    threshold,
    async signHash(hash, given) {
      // CompatibilityFallbackHandler checks the owners' signatures of the Safe message hash of abi.encode(hash).
      const message = AbiCoder.defaultAbiCoder().encode(["bytes32"], [hash]);
      const safeHash = (await handler.getFunction("getMessageHash")(message)) as string;
      return concatenated(await signers(given), safeHash);
    },
    approveHash: (hash) => exec(infra.signMessageLib, 0n, lib.encodeFunctionData("signMessage", [hash]), 1),
    changeThreshold: (n) => exec(address, 0n, self.encodeFunctionData("changeThreshold", [n])),
  };
}
