/**
 * server/demo/: the local stack's demo (`npm start -- --demo`) and the tests' fixtures on real parts: this year
 * of disclosures, the local chain's token and transfers, a real Safe treasury, a bcoin regtest node with its
 * Esplora subset, the registry's deployment from the compiled artifact, and the sample records' building blocks.
 *
 * A realistic year of the fund's disclosures for the local stack and the tests (`npm start -- --demo`):
 * seizures with court references, state mining revenue, a BNB purchase, ETF (IBIT) and equity (COIN, MSTR)
 * purchases, grants to local projects, custody fees, monthly valuations, one superseding record and one
 * retraction. Loaded only into an empty store, so the corrections can name seqs: the groups are posted in
 * order, and the second group's `corrects` point into the first.
 */
import { bytesToHex, keccak256, utf8Bytes, type RecordInput } from "../../core";

const DAY = 86_400;
const ZERO_HASH = "0x" + "00".repeat(32);

function docHash(text: string): string {
  return bytesToHex(keccak256(utf8Bytes(text)));
}

/** The demo records in posting groups; the seqs of the first group are 1..n in an empty store. */
export function demoRecordGroups(now: number): RecordInput[][] {
  const start = now - 365 * DAY;
  const at = (day: number) => start + day * DAY + 10 * 3600;
  const base = (
    r: Partial<RecordInput> & Pick<RecordInput, "kind" | "occurredAt" | "asset" | "amount" | "valueUsd">,
  ): RecordInput => ({
    counterparty: "",
    reference: "",
    documentHash: ZERO_HASH,
    memo: "",
    corrects: 0,
    ...r,
  });
  const first: RecordInput[] = [];
  const btcPrices = [
    "61250.40",
    "63010.00",
    "58900.75",
    "64420.10",
    "67215.00",
    "70110.55",
    "68790.20",
    "72450.00",
    "76300.80",
    "81020.00",
    "86440.35",
    "92310.00",
  ];
  let btcHeld = 0;
  const add = (r: RecordInput) => first.push(r);

  add(
    base({
      kind: "INFLOW_SEIZURE",
      occurredAt: at(12),
      asset: "BTC",
      amount: "45.2",
      valueUsd: "2768518.08",
      counterparty: "Almaty City Court",
      reference: "court order 2-1147/2025",
      documentHash: docHash("court order 2-1147/2025"),
      memo: "Confiscated from an unlicensed exchange operator",
    }),
  );
  btcHeld += 45.2;
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(30),
      asset: "BTC",
      amount: "3.125",
      valueUsd: "196906.25",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-01",
      memo: "Monthly revenue of state-operated mining",
    }),
  );
  btcHeld += 3.125;
  add(
    base({
      kind: "INVESTMENT",
      occurredAt: at(41),
      asset: "BNB",
      amount: "1500",
      valueUsd: "862500.00",
      counterparty: "Binance",
      reference: "order 88123401",
      documentHash: docHash("bnb purchase confirmation"),
      memo: "BNB purchase",
    }),
  );
  add(
    base({
      kind: "INFLOW_SEIZURE",
      occurredAt: at(55),
      asset: "BTC",
      amount: "12.75",
      valueUsd: "750997.50",
      counterparty: "Astana Specialised Inter-District Court",
      reference: "court order 7-0392/2025",
      documentHash: docHash("court order 7-0392/2025"),
    }),
  );
  btcHeld += 12.75;
  add(
    base({
      kind: "INVESTMENT",
      occurredAt: at(63),
      asset: "IBIT",
      amount: "20000",
      valueUsd: "1085000.00",
      counterparty: "Freedom Broker",
      reference: "trade confirmation FB-2025-5521",
      documentHash: docHash("ibit trade 5521"),
      memo: "iShares Bitcoin Trust ETF units",
    }),
  );
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(90),
      asset: "BTC",
      amount: "2.98",
      valueUsd: "191971.50",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-03",
    }),
  );
  btcHeld += 2.98;
  add(
    base({
      kind: "GRANT",
      occurredAt: at(98),
      asset: "KZT",
      amount: "150000000",
      valueUsd: "290000.00",
      counterparty: "Qazaq Code School",
      reference: "grant agreement G-2025-014",
      documentHash: docHash("grant G-2025-014"),
      memo: "Developer education in Shymkent",
    }),
  );
  add(
    base({
      kind: "EXPENSE",
      occurredAt: at(104),
      asset: "BTC",
      amount: "0.05",
      valueUsd: "3360.75",
      counterparty: "Custody provider",
      reference: "invoice C-2025-04",
      memo: "Quarterly custody fee",
    }),
  );
  btcHeld -= 0.05;
  add(
    base({
      kind: "INVESTMENT",
      occurredAt: at(120),
      asset: "COIN",
      amount: "3000",
      valueUsd: "621000.00",
      counterparty: "Freedom Broker",
      reference: "trade confirmation FB-2025-6010",
      memo: "Coinbase Global shares",
    }),
  );
  add(
    base({
      kind: "INVESTMENT",
      occurredAt: at(128),
      asset: "MSTR",
      amount: "1200",
      valueUsd: "486000.00",
      counterparty: "Freedom Broker",
      reference: "trade confirmation FB-2025-6044",
      memo: "Strategy Inc. shares",
    }),
  );
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(150),
      asset: "BTC",
      amount: "3.41",
      valueUsd: "239075.10",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-05",
    }),
  );
  btcHeld += 3.41;
  add(
    base({
      kind: "INFLOW_SEIZURE",
      occurredAt: at(167),
      asset: "BTC",
      amount: "8.004",
      valueUsd: "551396.15",
      counterparty: "Shymkent City Court",
      reference: "court order 2-2210/2025",
      documentHash: docHash("court order 2-2210/2025"),
    }),
  );
  btcHeld += 8.004;
  add(
    base({
      kind: "GRANT",
      occurredAt: at(180),
      asset: "KZT",
      amount: "80000000",
      valueUsd: "152000.00",
      counterparty: "Steppe Robotics Lab",
      reference: "grant agreement G-2025-021",
      memo: "Agricultural robotics prototype",
    }),
  );
  add(
    base({
      kind: "INVESTMENT",
      occurredAt: at(195),
      asset: "IBIT",
      amount: "10000",
      valueUsd: "612000.00",
      counterparty: "Freedom Broker",
      reference: "trade confirmation FB-2025-7301",
    }),
  );
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(210),
      asset: "BTC",
      amount: "2.7",
      valueUsd: "205965.00",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-07",
    }),
  );
  btcHeld += 2.7;
  add(
    base({
      kind: "TRANSFER",
      occurredAt: at(222),
      asset: "BTC",
      amount: "20",
      valueUsd: "1526000.00",
      counterparty: "Fund cold storage",
      reference: "tx 5f2a…c01e",
      memo: "Hot wallet to cold storage",
    }),
  );
  add(
    base({
      kind: "EXPENSE",
      occurredAt: at(224),
      asset: "BTC",
      amount: "0.5",
      valueUsd: "38150.00",
      counterparty: "Custody provider",
      reference: "invoice C-2025-07-DUP",
      memo: "Entered twice by mistake",
    }),
  );
  add(
    base({
      kind: "GRANT",
      occurredAt: at(240),
      asset: "KZT",
      amount: "60000000",
      valueUsd: "115000.00",
      counterparty: "Aral Sea Water Monitoring Initiative",
      reference: "grant agreement G-2025-030",
    }),
  );
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(270),
      asset: "BTC",
      amount: "2.55",
      valueUsd: "220422.00",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-09",
    }),
  );
  btcHeld += 2.55;
  add(
    base({
      kind: "DIVESTMENT",
      occurredAt: at(300),
      asset: "COIN",
      amount: "1000",
      valueUsd: "265000.00",
      counterparty: "Freedom Broker",
      reference: "trade confirmation FB-2025-9120",
      memo: "Partial sale to rebalance",
    }),
  );
  add(
    base({
      kind: "INFLOW_MINING",
      occurredAt: at(330),
      asset: "BTC",
      amount: "2.4",
      valueUsd: "221544.00",
      counterparty: "State mining pool (Ekibastuz)",
      reference: "mining report 2025-11",
    }),
  );
  btcHeld += 2.4;
  add(
    base({
      kind: "INFLOW_OTHER",
      occurredAt: at(340),
      asset: "BTC",
      amount: "0.75",
      valueUsd: "69232.50",
      counterparty: "Ministry of Finance",
      reference: "transfer order MF-2025-88",
      memo: "Returned collateral",
    }),
  );
  btcHeld += 0.75;

  // Monthly BTC valuations, quarterly ETF and BNB ones (VALUATION: amount held, value at that moment).
  for (let month = 0; month < 12; month++) {
    const day = 30 * month + 29;
    const held = Math.round(btcHeld * (month + 1) * 1000) / 12 / 1000;
    const amount = held.toFixed(3).replace(/\.?0+$/, "");
    const value = (Number(amount) * Number(btcPrices[month]) || 0).toFixed(2);
    add(
      base({
        kind: "VALUATION",
        occurredAt: at(day),
        asset: "BTC",
        amount,
        valueUsd: value,
        counterparty: "Fund treasury",
        reference: `valuation ${month + 1}/12`,
      }),
    );
  }
  add(
    base({
      kind: "VALUATION",
      occurredAt: at(180),
      asset: "IBIT",
      amount: "20000",
      valueUsd: "1190000.00",
      reference: "valuation H1",
    }),
  );
  add(
    base({
      kind: "VALUATION",
      occurredAt: at(360),
      asset: "IBIT",
      amount: "30000",
      valueUsd: "1962000.00",
      reference: "valuation H2",
    }),
  );
  add(
    base({
      kind: "VALUATION",
      occurredAt: at(180),
      asset: "BNB",
      amount: "1500",
      valueUsd: "901500.00",
      reference: "valuation H1",
    }),
  );
  add(
    base({
      kind: "VALUATION",
      occurredAt: at(360),
      asset: "BNB",
      amount: "1500",
      valueUsd: "1014000.00",
      reference: "valuation H2",
    }),
  );

  const seqOf = (reference: string) => first.findIndex((r) => r.reference === reference) + 1;
  const second: RecordInput[] = [
    base({
      kind: "GRANT",
      occurredAt: at(180),
      asset: "KZT",
      amount: "85000000",
      valueUsd: "161500.00",
      counterparty: "Steppe Robotics Lab",
      reference: "grant agreement G-2025-021 (amended)",
      memo: "Corrected amount after the amended agreement",
      corrects: seqOf("grant agreement G-2025-021"),
    }),
    base({
      kind: "RETRACTION",
      occurredAt: at(225),
      asset: "BTC",
      amount: "0",
      valueUsd: "0",
      reference: "invoice C-2025-07-DUP",
      memo: "Duplicate entry: the custody fee was paid once",
      corrects: seqOf("invoice C-2025-07-DUP"),
    }),
  ];
  return [first, second];
}
