/**
 * The demo's on-chain half (`npm start -- --demo`): a DemoStablecoin on the local chain, real transfers between
 * some of Hardhat's default accounts, and the records that disclose them truthfully — declarations with real
 * control signatures, movements naming their logs and transactions, snapshots — so that `aiqyn reconcile` and
 * the page's Holdings view find the records and the chain in agreement; then the multisig treasury, a real
 * 2-of-3 Safe (server/demo/treasury.ts). docs/RECONCILIATION.md lists the accounts (their keys are public:
 * local use only).
 */
import { ContractFactory, formatEther, HDNodeWallet, JsonRpcProvider, Mnemonic, parseUnits, type Wallet } from "ethers";
import { registryCaip10, type RecordInput } from "../../core";
import { treasuryDemoRecords, TREASURY_OWNERS } from "./treasury";
import { EMPTY_FIELDS, movementRef, signedDeclaration, snapshotFields, type Holding } from "./sample-records";

/** Hardhat's default accounts the demo uses, by index of the default mnemonic's path. */
export const DEMO_ACCOUNTS = { coldWallet: 2, operationsWallet: 3, exchange: 4, grantee: 5, custodian: 6 } as const;

export interface ChainDemoOptions {
  rpcUrl: string;
  chainId: number;
  registry: string;
  mnemonic: string;
  /** The HD path prefix, e.g. m/44'/60'/0'/0. */
  path: string;
  /** DemoStablecoin's compiled artifact. */
  artifact: { abi: unknown[]; bytecode: string };
  now: number;
}

type Signer = HDNodeWallet | Wallet;

interface DemoContext {
  chain: string;
  registry: string;
  provider: JsonRpcProvider;
  wallets: Record<keyof typeof DEMO_ACCOUNTS, Signer>;
  token: { address: string; transfer: (from: Signer, to: string, amount: string) => Promise<string> };
  records: RecordInput[];
  now: number;
}

const base = (now: number, r: Partial<RecordInput> & Pick<RecordInput, "kind" | "asset" | "amount">): RecordInput => ({
  occurredAt: now - 3600,
  ...EMPTY_FIELDS,
  ...r,
});

/** `wallet`'s holding of `asset` (CAIP-19) at the chain's latest block. */
async function holding(ctx: DemoContext, wallet: Signer, asset: string, symbol: string, amount: string) {
  const block = await ctx.provider.getBlockNumber();
  return { account: `${ctx.chain}:${wallet.address}`, asset, symbol, amount, block } satisfies Holding;
}

async function declare(ctx: DemoContext, wallet: Signer, asset: string, symbol: string, amount: string) {
  const declared = await holding(ctx, wallet, asset, symbol, amount);
  ctx.records.push(base(ctx.now, await signedDeclaration(ctx.registry, declared, wallet)));
}

async function deployToken(ctx: Omit<DemoContext, "token">, artifact: ChainDemoOptions["artifact"]) {
  const exchange = ctx.wallets.exchange;
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, exchange);
  const contract = await factory.deploy(exchange.address, parseUnits("10000000", 6));
  await contract.waitForDeployment();
  const address = await contract.getAddress();
  const transfer = async (from: Signer, to: string, amount: string) => {
    const tx = await (contract.connect(from) as typeof contract).getFunction("transfer")(to, parseUnits(amount, 6));
    const receipt = await tx.wait();
    return movementRef(ctx.chain, receipt!.hash, receipt!.logs[0]!.index);
  };
  return { address, transfer };
}

async function moveAndDisclose(ctx: DemoContext) {
  const { coldWallet, operationsWallet, exchange, grantee, custodian } = ctx.wallets;
  const add = (r: Parameters<typeof base>[1]) => ctx.records.push(base(ctx.now, r));
  const seized = await ctx.token.transfer(exchange, coldWallet.address, "250000");
  add({
    kind: "INFLOW_SEIZURE",
    asset: "DUSDT",
    amount: "250000",
    valueUsd: "250000",
    counterparty: "Demo exchange (frozen account)",
    reference: seized,
    memo: "Seized stablecoins handed over by court order",
  });
  const toOps = await ctx.token.transfer(coldWallet, operationsWallet.address, "40000");
  add({
    kind: "TRANSFER",
    asset: "DUSDT",
    amount: "40000",
    valueUsd: "40000",
    counterparty: "operations wallet",
    reference: toOps,
  });
  const grant = await ctx.token.transfer(operationsWallet, grantee.address, "12500.5");
  add({
    kind: "GRANT",
    asset: "DUSDT",
    amount: "12500.5",
    valueUsd: "12500.50",
    counterparty: "Demo school grant",
    reference: grant,
  });
  const fee = await coldWallet.sendTransaction({ to: custodian.address, value: parseUnits("0.25", 18) });
  add({
    kind: "EXPENSE",
    asset: "ETH",
    amount: "0.25",
    valueUsd: "800",
    counterparty: "Demo custodian",
    reference: movementRef(ctx.chain, (await fee.wait())!.hash),
  });
}

async function snapshot(ctx: DemoContext, wallet: Signer, asset: string, symbol: string, amount: string) {
  ctx.records.push(base(ctx.now, snapshotFields(await holding(ctx, wallet, asset, symbol, amount))));
}

/** Makes the demo's transfers on the local chain and returns the records that disclose them, in order. */
export async function chainDemoRecords(options: ChainDemoOptions): Promise<RecordInput[]> {
  const provider = new JsonRpcProvider(options.rpcUrl, options.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const mnemonic = Mnemonic.fromPhrase(options.mnemonic);
  const wallet = (index: number) => HDNodeWallet.fromMnemonic(mnemonic, `${options.path}/${index}`).connect(provider);
  const wallets = Object.fromEntries(
    Object.entries(DEMO_ACCOUNTS).map(([name, i]) => [name, wallet(i)]),
  ) as DemoContext["wallets"];
  const partial = {
    chain: `eip155:${options.chainId}`,
    registry: registryCaip10(options.chainId, options.registry),
    provider,
    wallets,
    records: [],
    now: options.now,
  };
  try {
    const token = await deployToken(partial, options.artifact);
    const ctx: DemoContext = { ...partial, token };
    const usd = `${ctx.chain}/erc20:${token.address}`;
    const eth = `${ctx.chain}/slip44:60`;
    const coldEther = async () => formatEther(await provider.getBalance(wallets.coldWallet.address));
    await declare(ctx, wallets.coldWallet, usd, "DUSDT", "0");
    await declare(ctx, wallets.operationsWallet, usd, "DUSDT", "0");
    await declare(ctx, wallets.coldWallet, eth, "ETH", await coldEther());
    await moveAndDisclose(ctx);
    await snapshot(ctx, wallets.coldWallet, usd, "DUSDT", "210000");
    await snapshot(ctx, wallets.operationsWallet, usd, "DUSDT", "27499.5");
    await snapshot(ctx, wallets.coldWallet, eth, "ETH", await coldEther());
    const treasury = await treasuryDemoRecords({
      chain: ctx.chain,
      registry: ctx.registry,
      token: token.address,
      owners: TREASURY_OWNERS.map(wallet),
      exchange: wallets.exchange,
      grantee: wallets.grantee.address,
      custodian: wallets.custodian.address,
      blockNumber: () => provider.getBlockNumber(),
      balance: (address) => provider.getBalance(address),
      now: options.now,
    });
    return [...ctx.records, ...treasury];
  } finally {
    provider.destroy();
  }
}
