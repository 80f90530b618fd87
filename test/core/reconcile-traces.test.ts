// The call-trace path on anvil (a real node that answers debug_traceTransaction and trace_transaction): a 2-of-3
// Safe 1.4.1 pays ETH by internal calls, and the reconciler attributes each amount to its named transaction —
// and finds what a net balance check cannot (#19 item 3: an undisclosed inflow cancelling an internal outflow).
import { expect } from "chai";
import hre from "hardhat";
import { ContractFactory, Interface, parseEther, parseUnits } from "ethers";
import {
  createEvmChainReader,
  movesFromCallTracer,
  movesFromParityTraces,
  reconcile,
  validateRecord,
  type RecordV1,
  type RpcRequest,
} from "../../core";
import { createHttpRpc } from "../../scripts/cli/rpc";
import { movementRef } from "../../server/demo/sample-records";
import { SAFE_ARTIFACTS } from "../../server/demo/safe";
import { startAnvil, type Anvil } from "../helpers/anvil";
import {
  createSafe,
  deploySafeInfrastructure,
  recordOf,
  REGISTRY_7777,
  safeDeclaration,
  type DemoSafe,
} from "./safe-fixture";

const CHAIN = "eip155:7777";
const ETH = `${CHAIN}/slip44:60`;
const erc20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);

/** Records in order, each checked against Record v1. */
class Records {
  readonly list: RecordV1[] = [];
  add(fields: Parameters<typeof recordOf>[1]) {
    const record = recordOf(this.list.length + 1, fields);
    const checked = validateRecord(record);
    if (!checked.ok) throw new Error(`record ${record.seq} is invalid: ${JSON.stringify(checked.errors)}`);
    this.list.push(record);
    return record;
  }
}

/** Refuses one method as a node without it does (a JSON-RPC error), passing the rest on. */
const without =
  (method: string, request: RpcRequest): RpcRequest =>
  (m, params) =>
    m === method ? Promise.reject(Object.assign(new Error(`${m} not offered`), { code: -32601 })) : request(m, params);

describe("native value moved by internal calls, read from call traces (Safe 1.4.1 on anvil)", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let safe: DemoSafe;
  let records: Records;
  let rpc: RpcRequest;
  let token: string;
  const payee = () => anvil.address(8);

  const run = async (request: RpcRequest = rpc, list = records.list) =>
    reconcile({
      records: list,
      registry: REGISTRY_7777,
      chains: { [CHAIN]: { reader: createEvmChainReader(request), toBlock: await anvil.provider.getBlockNumber() } },
    });

  before(async () => {
    anvil = await startAnvil(7777);
    rpc = createHttpRpc(anvil.url);
  });
  after(async () => anvil?.stop());

  beforeEach(async () => {
    const deployer = anvil.signer(0);
    const infra = await deploySafeInfrastructure(deployer);
    safe = await createSafe(deployer, infra, [anvil.signer(1), anvil.signer(2), anvil.signer(3)], 2);
    const artifact = await hre.artifacts.readArtifact("DemoStablecoin");
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
    const contract = await factory.deploy(anvil.address(0), parseUnits("1000000", 6));
    await contract.waitForDeployment();
    token = await contract.getAddress();
    await (await contract.getFunction("transfer")(safe.address, parseUnits("1000", 6))).wait();
    await (await deployer.sendTransaction({ to: safe.address, value: parseEther("100") })).wait();
    const block = await anvil.provider.getBlockNumber();
    records = new Records();
    const h = { chain: CHAIN, registry: REGISTRY_7777, safe, block };
    records.add(await safeDeclaration({ ...h, asset: ETH, symbol: "ETH", amount: "100" }));
    records.add(await safeDeclaration({ ...h, asset: `${CHAIN}/erc20:${token}`, symbol: "DUSDT", amount: "1000" }));
  });

  it("a disclosed ETH payment through execTransaction is attributed to its transaction: clean, nothing left unverified", async () => {
    const paid = await safe.exec(payee(), parseEther("2.5"));
    records.add({ kind: "EXPENSE", asset: "ETH", amount: "2.5", reference: movementRef(CHAIN, paid) });
    const report = await run();
    expect(report.findings).to.deep.equal([]);
    expect(report.unchecked).to.deep.equal([]);
    expect(report.notes).to.deep.equal([]);
  });

  it("a record that overstates an internal payment is TRANSFER_MISMATCH for that transaction", async () => {
    const paid = await safe.exec(payee(), parseEther("2.5"));
    records.add({ kind: "EXPENSE", asset: "ETH", amount: "3", reference: movementRef(CHAIN, paid) });
    const report = await run();
    const mismatch = report.findings.filter((f) => f.code === "TRANSFER_MISMATCH");
    expect(mismatch.map((f) => [f.seq, f.actual])).to.deep.equal([[3, `out of ${CHAIN}:${safe.address}: 2.5 ETH`]]);
  });

  it("an undisclosed inflow and an undisclosed internal outflow of the same amount are each found (#19 item 3)", async () => {
    const seized = await (await anvil.signer(9).sendTransaction({ to: safe.address, value: parseEther("50") })).wait();
    const drained = await safe.exec(anvil.address(7), parseEther("50"));
    for (const request of [rpc, without("debug_traceTransaction", rpc)]) {
      const report = await run(request);
      expect(report.findings.map((f) => [f.code, f.movement])).to.deep.equal([
        ["NATIVE_UNEXPLAINED", `${CHAIN}/tx/${seized!.hash}`],
        ["NATIVE_UNEXPLAINED", `${CHAIN}/tx/${drained}`],
      ]);
      expect(report.findings[1]!.actual).to.include(`50 ETH out of ${CHAIN}:${safe.address}`);
      expect(report.notes).to.deep.equal([]);
    }
  });

  it("an extra internal payment hidden inside a disclosed transaction (a delegatecall'd batch) is found", async () => {
    // The Safe pays two recipients in one transaction through a contract it calls; the record names only one.
    const batchArtifact = SAFE_ARTIFACTS.multiSendCallOnly();
    const multiSend = await new ContractFactory(
      batchArtifact.abi as never,
      batchArtifact.bytecode,
      anvil.signer(0),
    ).deploy();
    await multiSend.waitForDeployment();
    const encode = (to: string, value: bigint) =>
      `00${to.slice(2)}${value.toString(16).padStart(64, "0")}${"0".repeat(64)}`;
    const packed = `0x${encode(payee(), parseEther("1"))}${encode(anvil.address(7), parseEther("40"))}`;
    const data = multiSend.interface.encodeFunctionData("multiSend", [packed]);
    const paid = await safe.exec(await multiSend.getAddress(), 0n, data, 1);
    records.add({ kind: "EXPENSE", asset: "ETH", amount: "1", reference: movementRef(CHAIN, paid) });
    const report = await run();
    expect(report.findings.map((f) => [f.code, f.movement])).to.deep.include.members([
      ["NATIVE_UNEXPLAINED", `${CHAIN}/tx/${paid}`],
    ]);
    expect(report.findings.some((f) => f.actual.startsWith("40 ETH out of"))).to.equal(true);
  });

  it("token payments through execTransaction: disclosed clean, undisclosed found", async () => {
    const paid = await safe.exec(token, 0n, erc20.encodeFunctionData("transfer", [payee(), parseUnits("75", 6)]));
    const hidden = await safe.exec(token, 0n, erc20.encodeFunctionData("transfer", [payee(), parseUnits("5", 6)]));
    const logOf = async (hash: string) =>
      (await anvil.provider.getTransactionReceipt(hash))!.logs.find((l) => l.address === token)!.index;
    records.add({
      kind: "GRANT",
      asset: "DUSDT",
      amount: "75",
      reference: movementRef(CHAIN, paid, await logOf(paid)),
    });
    const report = await run();
    expect(report.findings.map((f) => [f.code, f.movement])).to.deep.equal([
      ["UNDISCLOSED_TRANSFER", `${CHAIN}/tx/${hidden}/log/${await logOf(hidden)}`],
    ]);
  });

  it("the trace_transaction path gives the same moves as the call tracer for a Safe payment", async () => {
    const paid = await safe.exec(payee(), parseEther("2.5"));
    const debug = movesFromCallTracer(await rpc("debug_traceTransaction", [paid, { tracer: "callTracer" }]));
    const parity = movesFromParityTraces(await rpc("trace_transaction", [paid]));
    const expected = { from: safe.address.toLowerCase(), to: payee().toLowerCase(), value: parseEther("2.5") };
    expect(debug).to.deep.equal([expected]);
    expect(parity).to.deep.equal([expected]);
  });
});

describe("call trace parsing (core/chains/evm/call-trace.ts)", () => {
  const a = `0x${"a".repeat(40)}`;
  const b = `0x${"b".repeat(40)}`;
  const c = `0x${"c".repeat(40)}`;

  it("keeps CALL value moves, drops reverted frames with their children, and DELEGATECALL/STATICCALL values", () => {
    const frame = {
      type: "CALL",
      from: a,
      to: b,
      value: "0x0",
      calls: [
        { type: "CALL", from: b, to: c, value: "0x5" },
        { type: "DELEGATECALL", from: b, to: c, value: "0x7" },
        {
          type: "CALL",
          from: b,
          to: c,
          value: "0x9",
          error: "execution reverted",
          calls: [{ type: "CALL", from: c, to: a, value: "0x1" }],
        },
        { type: "SELFDESTRUCT", from: b, to: a, value: "0x3" },
      ],
    };
    expect(movesFromCallTracer(frame)).to.deep.equal([
      { from: b, to: c, value: 5n },
      { from: b, to: a, value: 3n },
    ]);
  });

  it("trace_transaction: drops what a failed trace (or its descendants) moved, keeps creates and self-destructs", () => {
    const traces = [
      { type: "call", action: { callType: "call", from: a, to: b, value: "0x0" }, traceAddress: [] },
      {
        type: "call",
        action: { callType: "call", from: b, to: c, value: "0x4" },
        traceAddress: [0],
        error: "Reverted",
      },
      { type: "call", action: { callType: "call", from: c, to: a, value: "0x2" }, traceAddress: [0, 0] },
      { type: "create", action: { from: b, value: "0x6" }, result: { address: c }, traceAddress: [1] },
      { type: "suicide", action: { address: c, refundAddress: a, balance: "0x6" }, traceAddress: [2] },
      { type: "call", action: { callType: "delegatecall", from: b, to: c, value: "0x8" }, traceAddress: [3] },
    ];
    expect(movesFromParityTraces(traces)).to.deep.equal([
      { from: b, to: c, value: 6n },
      { from: c, to: a, value: 6n },
    ]);
  });

  it("refuses what is not a trace (a hostile RPC cannot make a move vanish by answering nonsense)", () => {
    expect(() => movesFromCallTracer("no")).to.throw(/not an object/);
    expect(() => movesFromCallTracer({ type: "CALL", from: a, to: "x", value: "0x1" })).to.throw(/not an address/);
    expect(() => movesFromParityTraces({})).to.throw(/not answer a list/);
    expect(() => movesFromCallTracer({ type: "CALL", from: a, to: b, value: 5 })).to.throw(/hex quantity/);
  });
});
