// Duplicate member names in a JSON body: found at any depth, after unescaping, and never in strings.
import { expect } from "chai";
import { findDuplicateKey } from "../../server/http/json-keys";

describe("server: duplicate JSON member names", () => {
  it("finds a repeated name in one object at any depth, compared after unescaping", () => {
    expect(findDuplicateKey('{"amount":"1","amount":"1000"}')).to.equal("amount");
    expect(findDuplicateKey('{"records":[{"a":1},{"b":2,"b":3}]}')).to.equal("b");
    expect(findDuplicateKey('{"a":{"x":1},"\\u0061":2}')).to.equal("a");
  });

  it("accepts the same name in different objects, and names inside strings or arrays", () => {
    expect(findDuplicateKey('{"records":[{"a":1},{"a":2}]}')).to.equal(null);
    expect(findDuplicateKey('{"a":"\\"a\\":1,","b":["a","a"],"c":{"a":{"a":1}}}')).to.equal(null);
    expect(findDuplicateKey("[1,2,3]")).to.equal(null);
  });
});
