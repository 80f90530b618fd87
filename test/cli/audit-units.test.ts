// The audit's pure parts: totals by the standing rule, the code check against the compiled registry (on a real
// deployment), the --json convention, --as-of, view sampling, CSV cells and the report diff.
import { expect } from "chai";
import { createRegistryReader, hexToBytes, bytesToHex, type Hex, type RecordV1 } from "../../core";
import { asOfOption } from "../../scripts/cli/audit/command";
import { checkRegistryCode, loadCompiledRegistry } from "../../scripts/cli/audit/code-check";
import { csvCell } from "../../scripts/cli/audit/csv";
import { fundFigures } from "../../core/protocol/totals";
import { sampleSeqs } from "../../scripts/cli/audit/views";
import { recordStandings } from "../../core/protocol/standing";
import { diffReports } from "../../scripts/cli/diff";
import { takeJsonFlag } from "../../scripts/cli/io";
import { chainRpcUrl, deployTestRegistry, testProvider } from "../helpers/chain";

const record = (seq: number, overrides: Partial<RecordV1> = {}): RecordV1 => ({
  seq,
  kind: "INFLOW_MINING",
  occurredAt: 1_767_225_600,
  asset: "SOL",
  amount: "1.5",
  valueUsd: "100",
  counterparty: "",
  reference: `r-${seq}`,
  documentHash: `0x${"00".repeat(32)}`,
  memo: "",
  corrects: 0,
  publishedAt: 1_767_312_000 + seq,
  publisher: "p",
  ...overrides,
});

describe("cli audit units", () => {
  it("totals follow the standing rule: a retracted correction restores the original", () => {
    const records = [
      record(10),
      record(11, { amount: "9", valueUsd: "900", corrects: 10 }),
      record(12, { kind: "RETRACTION", amount: "0", valueUsd: "0", corrects: 11 }),
    ];
    const totals = fundFigures(records, recordStandings(records));
    expect(totals.byKind).to.deep.equal([{ kind: "INFLOW_MINING", count: 1, valueUsd: "100" }]);
    expect(totals.byAsset).to.deep.equal([{ asset: "SOL", inflow: "1.5", outflow: "0", count: 1 }]);
    const withoutRetraction = records.slice(0, 2);
    expect(fundFigures(withoutRetraction, recordStandings(withoutRetraction)).byAsset[0]!.inflow).to.equal("9");
  });

  it("the code check accepts a real deployment and refuses changed code or an unexpected immutable", async function () {
    this.timeout(60_000);
    const provider = testProvider(await chainRpcUrl());
    const registry = await deployTestRegistry(provider, 1234);
    const reader = createRegistryReader((m, p) => provider.send(m, p), registry.address);
    const code = await reader.code();
    const compiled = await loadCompiledRegistry();
    const block = BigInt(await reader.deploymentBlock());
    const good = checkRegistryCode(code, compiled, { _maxAnchorDelay: 1234n, _deploymentBlock: block });
    expect(good).to.deep.include({ ok: true, problems: [] });
    expect(good.immutables).to.deep.equal({ _deploymentBlock: String(block), _maxAnchorDelay: "1234" });
    expect(checkRegistryCode(code, compiled, { _maxAnchorDelay: 3600n }).problems).to.deep.equal([
      "the code's _maxAnchorDelay is 1234; expected 3600",
    ]);
    const bytes = hexToBytes(code);
    bytes[10] = bytes[10]! ^ 0xff;
    expect(checkRegistryCode(bytesToHex(bytes), compiled, {}).problems).to.deep.equal([
      "the code differs from the compiled TransparencyRegistry",
    ]);
    const slot = compiled.immutables.find((i) => i.name === "_maxAnchorDelay")!.ranges[0]!;
    bytes[10] = bytes[10]! ^ 0xff;
    bytes[slot.start + slot.length - 1] = 7; // an immutable filled in with another value still "matches" the layout
    expect(checkRegistryCode(bytesToHex(bytes) as Hex, compiled, { _maxAnchorDelay: 1234n }).ok).to.equal(false);
  });

  it("--json alone means stdout, --json=FILE a file; nothing else is taken", () => {
    expect(takeJsonFlag(["a", "--json", "b"])).to.deep.equal({ argv: ["a", "b"], json: { stdout: true } });
    expect(takeJsonFlag(["--json=r.json", "x"])).to.deep.equal({ argv: ["x"], json: { file: "r.json" } });
    expect(takeJsonFlag(["--jsonx", "--json="])).to.deep.equal({ argv: ["--jsonx", "--json="], json: null });
  });

  it("--as-of takes a UTC day through its last second, or unix seconds", () => {
    expect(asOfOption("2026-01-31")).to.deep.equal({ publishedBy: Date.parse("2026-02-01T00:00:00Z") / 1000 - 1 });
    expect(asOfOption("1767225600")).to.deep.equal({ publishedBy: 1_767_225_600 });
    expect(asOfOption(undefined)).to.deep.equal({});
    expect(() => asOfOption("yesterday")).to.throw("--as-of must be");
  });

  it("views are sampled from a seed: the same seed draws the same seqs, fresh seeds reach every seq", () => {
    const seqs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(sampleSeqs(seqs, 0, "00")).to.have.length(100);
    expect(sampleSeqs([1, 2], 5, "00")).to.deep.equal([1, 2]);
    const drawn = sampleSeqs(seqs, 5, "a1b2c3d4");
    expect(drawn).to.have.length(5);
    expect(new Set(drawn).size).to.equal(5);
    expect(sampleSeqs(seqs, 5, "a1b2c3d4")).to.deep.equal(drawn);
    expect(sampleSeqs(seqs, 5, "a1b2c3d5")).to.not.deep.equal(drawn);
    const reached = new Set<number>();
    for (let i = 0; i < 400; i++) for (const seq of sampleSeqs(seqs, 5, `seed-${i}`)) reached.add(seq);
    expect(reached.size).to.equal(100);
  });

  it("CSV cells are quoted when needed and formulas defused", () => {
    expect(csvCell('a,"b"')).to.equal('"a,""b"""');
    expect(csvCell("=HYPERLINK(1)")).to.equal("'=HYPERLINK(1)");
    expect(csvCell("-1.5")).to.equal("-1.5");
    expect(csvCell(null)).to.equal("");
  });

  it("diff: new batches extend, the same count with another head is a rewritten history", () => {
    const view = (heads: string[]) => ({
      file: "f",
      chainId: 1,
      registry: "0x",
      blockNumber: heads.length,
      batchesOnChain: heads.length,
      head: heads[heads.length - 1]!,
      verdict: "CLEAN",
      batches: new Map(
        heads.map((head, i) => [i + 1, { id: i + 1, root: `r${i}`, head, firstSeq: i + 1, leafCount: 1 }]),
      ),
    });
    expect(diffReports(view(["a"]), view(["a", "b"]))).to.deep.include({ verdict: "EXTENDED", newBatches: [2] });
    expect(diffReports(view(["a", "b"]), view(["a", "b"])).verdict).to.equal("UNCHANGED");
    const rewritten = diffReports(view(["a", "b"]), view(["a", "c"]));
    expect(rewritten).to.deep.include({ verdict: "REWRITTEN", headRewritten: true });
    expect(rewritten.changedBatches).to.deep.equal([{ id: 2, fields: ["head"] }]);
  });
});
