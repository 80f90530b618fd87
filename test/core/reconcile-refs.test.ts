import { expect } from "chai";
import { getAddress, verifyMessage, Wallet } from "ethers";
import {
  controlMessage,
  parseAssetAtBlock,
  parseCaip10,
  parseCaip19,
  parseMovementRef,
  parseTrackingEnd,
  personalMessageHashOf,
  recoverAddress,
  toChecksumAddress,
  utf8Bytes,
  validateRecord,
  type Hex,
  type RecordV1,
} from "../../core";
import { validBatches, VECTOR_ACCOUNT, VECTOR_REGISTRY } from "../../scripts/gen-vectors";

const declaration = (): RecordV1 => validBatches()[4]!.leaves[0]!.record;
const codes = (record: Partial<RecordV1>) => {
  const result = validateRecord({ ...declaration(), ...record });
  return result.ok ? [] : result.errors.map((e) => `${e.field}:${e.code}`);
};

describe("reconciliation references (core/protocol/caip.ts, core/protocol/references.ts)", () => {
  it("checksums addresses exactly as ethers' getAddress does", () => {
    for (let i = 0; i < 20; i++) {
      const address = Wallet.createRandom().address.toLowerCase();
      expect(toChecksumAddress(address)).to.equal(getAddress(address));
    }
  });

  it("parses CAIP-10 accounts and CAIP-19 assets of eip155, refusing other spellings", () => {
    expect(parseCaip10(VECTOR_ACCOUNT).ok).to.equal(true);
    expect(parseCaip10(VECTOR_ACCOUNT.toLowerCase())).to.deep.include({ ok: false });
    expect(parseCaip10("eip155:056:0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).to.deep.include({ ok: false });
    const token = parseCaip19("eip155:56/erc20:0x55d398326f99059fF775485246999027B3197955");
    expect(token.ok && token.value.type).to.equal("erc20");
    const native = parseCaip19("eip155:56/slip44:714");
    expect(native.ok && native.value.type).to.equal("native");
    expect(parseCaip19("eip155:56/erc721:0x55d398326f99059fF775485246999027B3197955").ok).to.equal(false);
    const other = parseCaip19("cosmos:cosmoshub-4/slip44:118");
    expect(!other.ok && other.error.code).to.equal("CAIP_NAMESPACE_UNSUPPORTED");
  });

  it("parses movement references to one canonical key (lowercase hash)", () => {
    const hash = `0x${"Ab".repeat(32)}`;
    const log = parseMovementRef(`eip155:56/tx/${hash}/log/7`);
    expect(log.ok && log.value).to.deep.include({ txHash: hash.toLowerCase(), logIndex: 7 });
    expect(log.ok && log.value.key).to.equal(`eip155:56/tx/${hash.toLowerCase()}/log/7`);
    const native = parseMovementRef(`eip155:56/tx/${hash}`);
    expect(native.ok && native.value.logIndex).to.equal(null);
    expect(parseMovementRef(`eip155:56/tx/${hash}/log/07`).ok).to.equal(false);
    expect(parseMovementRef(`eip155:56/tx/${hash}/`).ok).to.equal(false);
  });

  it("parses snapshot points and a retraction's end of tracking", () => {
    const point = parseAssetAtBlock("eip155:56/slip44:714@1234");
    expect(point.ok && point.value.block).to.equal(1234);
    expect(parseAssetAtBlock("eip155:56/slip44:714@").ok).to.equal(false);
    expect(parseTrackingEnd("@99")).to.equal(99);
    expect(parseTrackingEnd("eip155:56/slip44:714@5")).to.equal(5);
    expect(parseTrackingEnd("@-1")).to.equal(null);
  });

  it("the vectors' declaration is valid and its memo is the account's signature of the control message", () => {
    const record = declaration();
    expect(record.kind).to.equal("WALLET_DECLARED");
    expect(validateRecord(record).ok).to.equal(true);
    const asset = record.reference.slice(0, record.reference.lastIndexOf("@"));
    const message = controlMessage(VECTOR_REGISTRY, record.counterparty, asset);
    const recovered = recoverAddress(personalMessageHashOf(utf8Bytes(message)), record.memo as Hex);
    expect(recovered).to.equal(record.counterparty.split(":")[2]!.toLowerCase());
    expect(verifyMessage(message, record.memo)).to.equal(getAddress(recovered));
  });

  it("a declaration of an empty account (amount 0) is valid", () => {
    expect(codes({ amount: "0" })).to.deep.equal([]);
  });

  it("refuses a declaration that names no account, no asset point and no signature, field by field", () => {
    expect(codes({ counterparty: "Binance", reference: "cold wallet", memo: "" })).to.have.members([
      "counterparty:CAIP10_FORMAT",
      "reference:REFERENCE_FORMAT",
      "memo:CONTROL_SIGNATURE_FORMAT",
    ]);
  });

  it("keeps free-text references free for movements, snapshots and retractions", () => {
    expect(codes({ kind: "INFLOW_SEIZURE", reference: "court order 2-17/2025", memo: "" })).to.deep.equal([]);
    expect(codes({ kind: "VALUATION", counterparty: "Custodian AG", reference: "Q3 statement" })).to.deep.equal([]);
    expect(codes({ kind: "RETRACTION", amount: "0", corrects: 3, reference: "@123", seq: 20 })).to.deep.equal([]);
    expect(codes({ kind: "RETRACTION", amount: "0", corrects: 3, reference: "@12x", seq: 20 })).to.deep.equal([
      "reference:REFERENCE_FORMAT",
    ]);
  });

  it("refuses a snapshot whose account and asset are on different chains", () => {
    const account = "eip155:1:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(codes({ kind: "VALUATION", counterparty: account, reference: "eip155:56/slip44:714@9" })).to.deep.equal([
      "reference:REFERENCE_CHAIN_MISMATCH",
    ]);
  });
});
