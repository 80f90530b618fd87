import { expect } from "chai";
import fc from "fast-check";
import {
  AiqynError,
  BUNDLE_FORMAT,
  MAX_BUNDLE_BYTES,
  MAX_PROOF_ELEMENTS,
  parseBundle,
  parseBundleText,
  type FieldProblem,
  type ProofBundle,
} from "../../core";
import { asJson, makeBatch, makeBundle } from "./bundle-fixture";

/** Runs the parser and returns the error's code and problems as "field:CODE" (fails if it was accepted). */
function refusal(
  input: unknown,
  parse: (x: never) => ProofBundle = parseBundle as never,
): { code: string; problems: string[] } {
  try {
    parse(input as never);
  } catch (e) {
    expect(e).to.be.instanceOf(AiqynError);
    const err = e as AiqynError;
    const details = (err.details ?? []) as FieldProblem[];
    for (const p of details) expect(p.message, p.field).to.be.a("string").and.not.equal("");
    return { code: err.code, problems: details.map((p) => `${p.field}:${p.code}`) };
  }
  return expect.fail("the bundle was accepted");
}

/** A copy of `json` with the value at `path` (e.g. "/batch/root") replaced, or deleted when value is undefined. */
function edit(json: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  const keys = path.split("/").slice(1);
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

describe("core/protocol/bundle: parseBundle", () => {
  let json: Record<string, unknown>;
  before(async () => {
    json = asJson(await makeBundle(makeBatch(3, 11, 20), 6));
  });

  it("accepts a valid bundle and returns it as parsed", () => {
    expect(parseBundle(json)).to.deep.equal(json);
    expect(parseBundleText(JSON.stringify(json))).to.deep.equal(json);
  });

  it("accepts a bundle without a receipt (a receipt is optional)", () => {
    const without = edit(json, "/receipt", undefined);
    expect(parseBundle(without)).to.deep.equal(without);
  });

  it("refuses a receipt that is null or not an object", () => {
    expect(refusal(edit(json, "/receipt", null)).problems).to.deep.equal(["/receipt:WRONG_TYPE"]);
    expect(refusal(edit(json, "/receipt", "0x12")).problems).to.deep.equal(["/receipt:WRONG_TYPE"]);
  });

  it("refuses a non-object with INVALID_BUNDLE", () => {
    for (const value of [null, [], "bundle", 3, true]) expect(refusal(value).code).to.equal("INVALID_BUNDLE");
  });

  it("refuses another format with UNSUPPORTED_FORMAT", () => {
    for (const format of ["aiqyn-proof/2", "AIQYN-PROOF/1", "", 1]) {
      const r = refusal(edit(json, "/format", format));
      expect(r.code).to.equal("INVALID_BUNDLE");
      expect(r.problems).to.deep.equal(["/format:UNSUPPORTED_FORMAT"]);
    }
    expect(BUNDLE_FORMAT).to.equal("aiqyn-proof/1");
  });

  it("FIELD_REQUIRED for every missing field at every level", () => {
    const paths = [
      "/format",
      "/record",
      "/leaf",
      "/proof",
      "/batch",
      "/anchor",
      "/batch/id",
      "/batch/root",
      "/batch/firstSeq",
      "/batch/leafCount",
      "/anchor/chainId",
      "/anchor/registry",
      "/anchor/txHash",
      "/anchor/blockNumber",
      "/receipt/seq",
      "/receipt/leaf",
      "/receipt/publishedAt",
      "/receipt/signer",
      "/receipt/signature",
      "/record/seq",
      "/record/memo",
      "/record/publisher",
    ];
    for (const path of paths)
      expect(refusal(edit(json, path, undefined)).problems, path).to.deep.equal([`${path}:FIELD_REQUIRED`]);
  });

  it("FIELD_UNKNOWN for an unknown field at every level", () => {
    for (const at of ["", "/record", "/batch", "/anchor", "/receipt"]) {
      expect(refusal(edit(json, `${at}/surprise`, 1)).problems, at || "/").to.deep.equal([
        `${at}/surprise:FIELD_UNKNOWN`,
      ]);
    }
  });

  it("WRONG_TYPE for a wrong type or malformed value in every field", () => {
    const wrong: [string, unknown][] = [
      ["/leaf", "0x1234"],
      ["/leaf", 1],
      ["/leaf", `${"ab".repeat(32)}`],
      ["/proof", "0x"],
      ["/proof", {}],
      ["/proof/0", "0x12"],
      ["/proof/1", null],
      ["/batch", []],
      ["/batch/id", 0],
      ["/batch/id", "3"],
      ["/batch/id", 1.5],
      ["/batch/root", "0x"],
      ["/batch/firstSeq", 0],
      ["/batch/leafCount", 0],
      ["/batch/leafCount", 2 ** 32],
      ["/anchor", "x"],
      ["/anchor/chainId", 0],
      ["/anchor/chainId", "0x1"],
      ["/anchor/registry", "0x1234"],
      ["/anchor/registry", `0x${"g".repeat(40)}`],
      ["/anchor/txHash", "0x"],
      ["/anchor/blockNumber", -1],
      ["/anchor/blockNumber", 2 ** 53],
      ["/receipt/seq", 0],
      ["/receipt/leaf", "0x00"],
      ["/receipt/publishedAt", -1],
      ["/receipt/signer", "alice"],
      ["/receipt/signature", "0x1234"],
      ["/record", "{}"],
      ["/record/seq", "17"],
      ["/record/amount", 12],
    ];
    for (const [path, value] of wrong) {
      const r = refusal(edit(json, path, value));
      expect(r.code, path).to.equal("INVALID_BUNDLE");
      expect(r.problems, `${path} = ${JSON.stringify(value)}`).to.deep.equal([`${path}:WRONG_TYPE`]);
    }
  });

  it("refuses a record that breaks Record v1's rules, with the record's own codes under /record", () => {
    expect(refusal(edit(json, "/record/memo", "Cafe\u0301")).problems).to.deep.equal(["/record/memo:STRING_NOT_NFC"]);
    expect(refusal(edit(json, "/record/counterparty", "a\u0000")).problems).to.deep.equal([
      "/record/counterparty:STRING_CONTROL_CHAR",
    ]);
    expect(refusal(edit(json, "/record/amount", "1.5e3")).problems).to.deep.equal(["/record/amount:DECIMAL_SYNTAX"]);
    expect(refusal(edit(json, "/record/kind", "THEFT")).problems).to.deep.equal(["/record/kind:KIND_UNKNOWN"]);
    expect(refusal(edit(json, "/record/publisher", "Ministry")).problems).to.deep.equal([
      "/record/publisher:PUBLISHER_FORMAT",
    ]);
  });

  it("PROOF_TOO_LONG past 64 elements (64 is still parsed; verifyBundle judges it against the batch)", () => {
    const element = `0x${"11".repeat(32)}`;
    expect(() => parseBundle(edit(json, "/proof", Array(MAX_PROOF_ELEMENTS).fill(element)))).to.not.throw();
    expect(refusal(edit(json, "/proof", Array(MAX_PROOF_ELEMENTS + 1).fill(element))).problems).to.deep.equal([
      "/proof:PROOF_TOO_LONG",
    ]);
  });

  it("reports every problem at once and names the first in the message", () => {
    let bad = edit(json, "/leaf", 5);
    bad = edit(bad, "/batch/extra", true);
    bad = edit(bad, "/anchor/chainId", undefined);
    bad = edit(bad, "/record/memo", "\u0007");
    try {
      parseBundle(bad);
      expect.fail("accepted");
    } catch (e) {
      const err = e as AiqynError;
      expect(err.message).to.match(/^not a valid aiqyn-proof\/1 bundle: \//);
      expect(((err.details ?? []) as FieldProblem[]).map((p) => `${p.field}:${p.code}`)).to.have.members([
        "/leaf:WRONG_TYPE",
        "/batch/extra:FIELD_UNKNOWN",
        "/anchor/chainId:FIELD_REQUIRED",
        "/record/memo:STRING_CONTROL_CHAR",
      ]);
    }
  });

  it("parseBundleText: INVALID_JSON for text that is not JSON, BUNDLE_TOO_LARGE past the limit", () => {
    for (const text of ["", "{", "{'a':1}", "undefined", "0x12"])
      expect(refusal(text, parseBundleText as never).code).to.equal("INVALID_JSON");
    const huge = JSON.stringify({ ...json, padding: "x".repeat(MAX_BUNDLE_BYTES) });
    expect(refusal(huge, parseBundleText as never).code).to.equal("BUNDLE_TOO_LARGE");
    expect(refusal("[]", parseBundleText as never).code).to.equal("INVALID_BUNDLE");
  });

  it("throws only AiqynError (never a TypeError) for any JSON value, also one shaped like a bundle", () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(
          "/leaf",
          "/proof",
          "/batch",
          "/batch/root",
          "/anchor",
          "/record",
          "/record/seq",
          "/receipt",
          "/receipt/signature",
          "/format",
        ),
        fc.jsonValue(),
      )
      .map(([path, value]) => edit(json, path, value));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (value) => {
        try {
          parseBundle(value);
        } catch (e) {
          expect(e).to.be.instanceOf(AiqynError);
          expect((e as AiqynError).code).to.be.oneOf(["INVALID_BUNDLE"]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
