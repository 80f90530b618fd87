// The page's hand-built verifyRecord calldata and its fetch transport, checked against the real contract on the
// in-process Hardhat chain (served over a real JSON-RPC port, as the browser reaches it).
import { expect } from "chai";
import { ethers } from "hardhat";
import { leafHash, createRegistryReader, type RecordV1, type Hex } from "../../core/index";
import { buildBatchTree } from "../../core/protocol/tree";
import { numberedRecord } from "../core/fixtures";
import { chainRpcUrl } from "../helpers/chain";
import { createFetchTransport } from "../../web/src/rpc";
import {
  recordTupleBody,
  verifyRecordCalldata,
  verifyRecordOnChain,
  VERIFY_RECORD_SIGNATURE,
} from "../../web/src/verify-record-call";

/** Numbered records with non-ASCII, repeated and long strings, so the calldata's string tails vary. */
function sample(seq: number): RecordV1 {
  return numberedRecord(seq, {
    valueUsd: "12345.67",
    counterparty: "Алматы сотының шешімі №" + seq,
    reference: "court order 2-" + seq + " — ü".repeat(seq % 3),
    documentHash: `0x${seq.toString(16).padStart(64, "a")}`,
    memo: "x".repeat(seq * 7),
  });
}

describe("web: verifyRecord calldata and fetch transport (real contract)", function () {
  let rpcUrl: string;
  let registryAddress: string;
  const records = Array.from({ length: 5 }, (_, i) => sample(i + 1));
  const tree = buildBatchTree(records.map((r) => leafHash(r)));

  before(async function () {
    rpcUrl = await chainRpcUrl();
    const [admin, anchorer, pauser] = await ethers.getSigners();
    const registry = await ethers.deployContract("TransparencyRegistry", [
      admin!.address,
      anchorer!.address,
      pauser!.address,
      3600,
    ]);
    await registry.waitForDeployment();
    registryAddress = await registry.getAddress();
    await (await registry.connect(anchorer!).getFunction("anchor")(1, tree.root, 1, records.length)).wait();
  });

  it("encodes the record tuple exactly as ethers' ABI coder does", function () {
    const iface = new ethers.Interface([`function ${VERIFY_RECORD_SIGNATURE.replace("verifyRecord", "verifyRecord")}`]);
    for (const r of records) {
      const proof = tree.proof(r.seq - 1);
      const expected = iface.encodeFunctionData("verifyRecord", [
        3,
        [
          r.seq,
          1,
          r.occurredAt,
          r.publishedAt,
          r.publisher,
          r.asset,
          ethers.parseUnits(r.amount, 18),
          ethers.parseUnits(r.valueUsd, 2),
          r.counterparty,
          r.reference,
          r.documentHash,
          r.memo,
          r.corrects,
        ],
        proof,
      ]);
      expect(verifyRecordCalldata(3, r, proof)).to.equal(expected);
    }
    expect(recordTupleBody(records[0]!).length % 32).to.equal(0);
  });

  it("the contract says true for every anchored record, false for an altered one", async function () {
    const request = createFetchTransport(rpcUrl);
    for (const r of records) {
      expect(await verifyRecordOnChain(request, registryAddress, 1, r, tree.proof(r.seq - 1))).to.equal(true);
    }
    const altered = { ...records[1]!, memo: records[1]!.memo + "!" };
    expect(await verifyRecordOnChain(request, registryAddress, 1, altered, tree.proof(1))).to.equal(false);
    // A proof of another record does not prove this one.
    expect(await verifyRecordOnChain(request, registryAddress, 1, records[1]!, tree.proof(2) as Hex[])).to.equal(false);
  });

  it("reports an unknown batch as the contract's revert (RPC_ERROR), not as true or false", async function () {
    const request = createFetchTransport(rpcUrl);
    try {
      await verifyRecordOnChain(request, registryAddress, 9, records[0]!, tree.proof(0));
      expect.fail("expected a revert");
    } catch (error) {
      expect((error as { code?: string }).code).to.equal("RPC_ERROR");
    }
  });

  it("the transport reads the batch through core's registry reader, and a closed port is RPC_UNREACHABLE", async function () {
    const reader = createRegistryReader(createFetchTransport(rpcUrl), registryAddress);
    const batch = await reader.batch(1);
    expect(batch?.root).to.equal(tree.root);
    expect(batch?.leafCount).to.equal(records.length);
    const dead = createRegistryReader(createFetchTransport("http://127.0.0.1:9", { timeoutMs: 2000 }), registryAddress);
    try {
      await dead.chainId();
      expect.fail("expected RPC_UNREACHABLE");
    } catch (error) {
      expect((error as { code?: string }).code).to.equal("RPC_UNREACHABLE");
    }
  });
});
