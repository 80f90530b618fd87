// The audit's correction checks on declarations (scripts/cli/audit/corrections.ts): voiding or restarting a
// declaration that was current since an earlier batch is an error; the same in its own batch, a retraction that
// names its end block and a correction of the amount at the same block are not.
import { expect } from "chai";
import type { RecordV1 } from "../../core";
import { ledgerRecord } from "../../server/demo/sample-records";
import { CorrectionsTracker } from "../../scripts/cli/audit/corrections";

const ACCOUNT = "eip155:1:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OTHER = "eip155:1:0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const ETH = "eip155:1/slip44:60";

const declaration = (seq: number, block: number, fields: Partial<RecordV1> = {}) =>
  ledgerRecord(seq, {
    kind: "WALLET_DECLARED",
    asset: "ETH",
    counterparty: ACCOUNT,
    reference: `${ETH}@${block}`,
    ...fields,
  });
const retraction = (seq: number, corrects: number, reference: string) =>
  ledgerRecord(seq, { kind: "RETRACTION", asset: "ETH", amount: "0", corrects, reference });

/** Feeds [record, batchId] pairs in order; returns the codes of the last record's findings. */
function codesAfter(...fed: [RecordV1, number][]): string[] {
  const tracker = new CorrectionsTracker();
  let codes: string[] = [];
  for (const [record, batch] of fed) codes = tracker.add(record, batch).map((f) => f.code);
  return codes;
}

describe("audit: corrections of wallet declarations", () => {
  it("a RETRACTION without @<block> of a declaration from an earlier batch is DECLARATION_VOIDED", () => {
    expect(codesAfter([declaration(1, 100), 1], [retraction(2, 1, "declared in error"), 2])).to.deep.equal([
      "DECLARATION_VOIDED",
    ]);
    expect(codesAfter([declaration(1, 100), 1], [retraction(2, 1, "@150"), 2])).to.deep.equal([]);
    expect(codesAfter([declaration(1, 100), 1], [retraction(2, 1, "declared in error"), 1])).to.deep.equal([]);
  });

  it("a correction to a later block, another account or another asset is DECLARATION_RESTARTED", () => {
    const restarted = (fields: Partial<RecordV1>) =>
      codesAfter([declaration(1, 100), 1], [declaration(2, 100, { corrects: 1, ...fields }), 2]);
    expect(restarted({ reference: `${ETH}@200` })).to.deep.equal(["DECLARATION_RESTARTED"]);
    expect(restarted({ counterparty: OTHER })).to.deep.equal(["DECLARATION_RESTARTED"]);
    expect(restarted({ reference: `eip155:1/erc20:0x55d398326f99059fF775485246999027B3197955@100` })).to.deep.equal([
      "DECLARATION_RESTARTED",
    ]);
    expect(restarted({ amount: "2" })).to.deep.equal([]); // the amount at the same block: what corrections are for
    expect(restarted({ reference: `${ETH}@50` })).to.deep.equal([]); // an earlier start tracks more, not less
  });
});
