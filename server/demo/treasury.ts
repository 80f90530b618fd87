/**
 * The demo's multisig treasury: a real Safe 1.4.1, 2-of-3 of Hardhat's accounts #7–#9 (server/demo/safe.ts),
 * declared for dUSDT and ETH by two owners' signatures, receiving seized coin and paying a grant and an expense
 * through execTransaction — the treasury setup a state fund would use — with the records that disclose it all.
 * docs/RECONCILIATION.md "The demo" lists the accounts.
 */
import { formatEther, Interface, parseEther, parseUnits, type Signer } from "ethers";
import { controlHash, type RecordInput } from "../../core";
import { createSafe, deploySafeInfrastructure, type DemoSafe } from "./safe";
import { declarationFields, EMPTY_FIELDS, movementRef, snapshotFields, type Holding } from "./sample-records";

/** Hardhat's default accounts that own the demo Safe (2 of them must sign). */
export const TREASURY_OWNERS = [7, 8, 9] as const;

export interface TreasuryDemo {
  chain: string;
  registry: string;
  token: string;
  owners: Signer[];
  /** Undeclared: an exchange handing over seized coin, a grantee, a custodian. */
  exchange: Signer;
  grantee: string;
  custodian: string;
  blockNumber: () => Promise<number>;
  balance: (address: string) => Promise<bigint>;
  now: number;
}

const erc20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);

function record(now: number, r: Partial<RecordInput> & Pick<RecordInput, "kind" | "asset" | "amount">): RecordInput {
  return { occurredAt: now - 3600, ...EMPTY_FIELDS, ...r };
}

/** The Transfer log of `token` in transaction `hash`, as a movement reference. */
async function tokenLogRef(demo: TreasuryDemo, hash: string): Promise<string> {
  const receipt = await demo.exchange.provider!.getTransactionReceipt(hash);
  const log = receipt!.logs.find((l) => l.address.toLowerCase() === demo.token.toLowerCase());
  return movementRef(demo.chain, hash, log!.index);
}

async function declareSafe(demo: TreasuryDemo, safe: DemoSafe, asset: string, symbol: string): Promise<RecordInput> {
  const account = `${demo.chain}:${safe.address}`;
  const holding: Holding = { account, asset, symbol, amount: "0", block: await demo.blockNumber() };
  const hash = controlHash({ registry: demo.registry, account: { text: account, address: safe.address }, asset });
  return record(demo.now, declarationFields(holding, await safe.signHash(hash)));
}

/** Deploys and runs the treasury; returns the records that disclose it, in order. */
export async function treasuryDemoRecords(demo: TreasuryDemo): Promise<RecordInput[]> {
  const [first] = demo.owners;
  const safe = await createSafe(first!, await deploySafeInfrastructure(first!), demo.owners, 2, 1n);
  const usd = `${demo.chain}/erc20:${demo.token}`;
  const eth = `${demo.chain}/slip44:60`;
  const records = [await declareSafe(demo, safe, usd, "DUSDT"), await declareSafe(demo, safe, eth, "ETH")];
  const add = (r: Parameters<typeof record>[1]) => records.push(record(demo.now, r));
  const seized = await demo.exchange.sendTransaction({
    to: demo.token,
    data: erc20.encodeFunctionData("transfer", [safe.address, parseUnits("100000", 6)]),
  });
  const seizedHash = (await seized.wait())!.hash;
  add({
    kind: "INFLOW_SEIZURE",
    asset: "DUSDT",
    amount: "100000",
    valueUsd: "100000",
    counterparty: "Demo exchange (frozen account)",
    reference: await tokenLogRef(demo, seizedHash),
    memo: "Seized stablecoins into the multisig treasury",
  });
  const ether = await demo.exchange.sendTransaction({ to: safe.address, value: parseEther("5") });
  add({
    kind: "INFLOW_SEIZURE",
    asset: "ETH",
    amount: "5",
    valueUsd: "16000",
    counterparty: "Demo exchange (frozen account)",
    reference: movementRef(demo.chain, (await ether.wait())!.hash),
  });
  // Paid out by two of the three owners through execTransaction: the ETH leaves by an internal call.
  const grant = await safe.exec(
    demo.token,
    0n,
    erc20.encodeFunctionData("transfer", [demo.grantee, parseUnits("15000", 6)]),
  );
  add({
    kind: "GRANT",
    asset: "DUSDT",
    amount: "15000",
    valueUsd: "15000",
    counterparty: "Demo school grant (from the treasury Safe)",
    reference: await tokenLogRef(demo, grant),
  });
  const fee = await safe.exec(demo.custodian, parseEther("1.5"));
  add({
    kind: "EXPENSE",
    asset: "ETH",
    amount: "1.5",
    valueUsd: "4800",
    counterparty: "Demo custodian (from the treasury Safe)",
    reference: movementRef(demo.chain, fee),
  });
  const block = await demo.blockNumber();
  const account = `${demo.chain}:${safe.address}`;
  records.push(record(demo.now, snapshotFields({ account, asset: usd, symbol: "DUSDT", amount: "85000", block })));
  const ethNow = formatEther(await demo.balance(safe.address));
  records.push(record(demo.now, snapshotFields({ account, asset: eth, symbol: "ETH", amount: ethNow, block })));
  return records;
}
