import { expect } from "chai";
import { AiqynError } from "../../core";
import {
  bareName,
  fields,
  integer,
  isPlainObject,
  object,
  optional,
  parseJson,
  pointer,
  type FieldProblem,
} from "../../core/protocol/shape";

const summary = (problems: FieldProblem[]) => problems.map((p) => `${p.field}:${p.code}`);

describe("core/protocol/shape: the object-shape validator of records, bundles and trust roots", () => {
  const shape = { a: integer(1), b: object({ c: integer(0) }), d: optional(integer(0)) };

  it("reports unknown fields first, then each field in the shape's order: missing or its check's problems", () => {
    const problems = fields(shape, pointer)({ z: 1, b: { c: -1, y: 2 }, d: "x" }, "");
    expect(summary(problems)).to.deep.equal([
      "/z:FIELD_UNKNOWN",
      "/a:FIELD_REQUIRED",
      "/b/y:FIELD_UNKNOWN",
      "/b/c:WRONG_TYPE",
      "/d:WRONG_TYPE",
    ]);
    expect(problems[1]!.message).to.equal("/a is required");
  });

  it("names fields by the join it is given: bare names for records, JSON pointers cut at 200 for bundles", () => {
    const long = "k".repeat(300);
    const [bare] = fields(shape, bareName)({ [long]: 1, a: 1, b: { c: 0 } }, "");
    const [pointed] = fields(shape, pointer)({ [long]: 1, a: 1, b: { c: 0 } }, "/x");
    expect(bare!.field).to.equal(long);
    expect(pointed!.field).to.equal(`/x/${long}`.slice(0, 200));
    expect(bare!.message).to.equal(`unknown field ${JSON.stringify(long).slice(0, 80)}`);
  });

  it("an optional field may be absent or undefined; a nested non-object is WRONG_TYPE", () => {
    expect(fields(shape, pointer)({ a: 1, b: { c: 0 }, d: undefined }, "")).to.deep.equal([]);
    expect(summary(fields(shape, pointer)({ a: 1, b: [] }, ""))).to.deep.equal(["/b:WRONG_TYPE"]);
  });

  it("counts __proto__ and constructor from JSON as unknown fields, and only plain objects as records", () => {
    const parsed = JSON.parse('{"__proto__":{"a":1},"constructor":1,"a":1,"b":{"c":0}}') as Record<string, unknown>;
    expect(summary(fields(shape, bareName)(parsed, ""))).to.deep.equal([
      "__proto__:FIELD_UNKNOWN",
      "constructor:FIELD_UNKNOWN",
    ]);
    expect([parsed, Object.create(null)].map(isPlainObject)).to.deep.equal([true, true]);
    expect([null, [], new Date(), new Map()].map(isPlainObject)).to.deep.equal([false, false, false, false]);
  });

  it("parseJson refuses text that is not JSON with the caller's code, the parse error as its cause", () => {
    expect(parseJson('{"a":1}', "INVALID_JSON", "no")).to.deep.equal({ a: 1 });
    try {
      parseJson("{", "TRUST_INVALID", "not JSON");
      expect.fail("accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(AiqynError);
      expect((error as AiqynError).code).to.equal("TRUST_INVALID");
      expect((error as AiqynError).cause).to.be.instanceOf(SyntaxError);
    }
  });
});
