import { expect } from "chai";
import fc from "fast-check";
import { RECORD_KIND_NAMES, validateRecord, validateRecordInput, type FieldProblem } from "../../core";
import { recordArb, SAMPLE_DECLARATION, sampleInput, sampleRecord } from "./fixtures";

const NOW = 1_762_000_000;
const input = (over: Record<string, unknown> = {}) => validateRecordInput(sampleInput(over), { now: NOW });

/** The problems of a refused validation, as "field:CODE" strings (fails the test if it was accepted). */
function problems(result: { ok: true } | { ok: false; errors: FieldProblem[] }): string[] {
  expect(result.ok, "expected the record to be refused").to.equal(false);
  return result.ok ? [] : result.errors.map((p) => `${p.field}:${p.code}`);
}

/** Every problem has a non-empty message, and the field is named. */
function wellFormed(result: { ok: true } | { ok: false; errors: FieldProblem[] }) {
  if (result.ok) return;
  for (const p of result.errors) {
    expect(p.message, `${p.field}:${p.code}`).to.be.a("string").and.not.equal("");
    expect(p.code).to.match(/^[A-Z_]+$/);
  }
}

describe("core/protocol/record: validateRecordInput", () => {
  it("accepts a valid input and returns exactly its ten fields", () => {
    const result = input();
    expect(result.ok).to.equal(true);
    if (result.ok) expect(result.value).to.deep.equal(sampleInput());
  });

  it("accepts every kind (with the amount and corrects each kind needs)", () => {
    for (const kind of RECORD_KIND_NAMES) {
      const over =
        kind === "RETRACTION"
          ? { kind, amount: "0", corrects: 3 }
          : kind === "WALLET_DECLARED"
            ? { kind, ...SAMPLE_DECLARATION }
            : { kind };
      expect(input(over).ok, kind).to.equal(true);
    }
  });

  it("refuses a non-object with WRONG_TYPE on the whole record", () => {
    for (const value of [null, 1, "record", [], [sampleInput()], new Date()]) {
      expect(problems(validateRecordInput(value, { now: NOW }))).to.deep.equal([":WRONG_TYPE"]);
    }
  });

  it("FIELD_REQUIRED for each missing field, and no other problem for that field", () => {
    for (const field of Object.keys(sampleInput())) {
      const without: Record<string, unknown> = sampleInput();
      delete without[field];
      expect(problems(validateRecordInput(without, { now: NOW })), field).to.deep.equal([`${field}:FIELD_REQUIRED`]);
    }
  });

  it("FIELD_UNKNOWN for an unknown field, including __proto__ and constructor from JSON", () => {
    expect(problems(input({ colour: "red" }))).to.deep.equal(["colour:FIELD_UNKNOWN"]);
    const parsed: unknown = JSON.parse(
      JSON.stringify(sampleInput()).replace("{", '{"__proto__":{"x":1},"constructor":1,'),
    );
    expect(problems(validateRecordInput(parsed, { now: NOW }))).to.have.members([
      "__proto__:FIELD_UNKNOWN",
      "constructor:FIELD_UNKNOWN",
    ]);
  });

  it("FIELD_SERVER_SET for seq, publishedAt and publisher (each once, not also FIELD_UNKNOWN)", () => {
    expect(problems(input({ seq: 1, publishedAt: NOW, publisher: "x" }))).to.deep.equal([
      "seq:FIELD_SERVER_SET",
      "publishedAt:FIELD_SERVER_SET",
      "publisher:FIELD_SERVER_SET",
    ]);
  });

  it("WRONG_TYPE for each field given a value of the wrong JSON type", () => {
    const wrong: Record<string, unknown> = {
      kind: 1,
      occurredAt: "1761955200",
      asset: 5,
      amount: 12.5,
      valueUsd: 100,
      counterparty: null,
      reference: ["x"],
      documentHash: 0,
      memo: {},
      corrects: "0",
    };
    for (const [field, value] of Object.entries(wrong)) {
      expect(problems(input({ [field]: value })), field).to.deep.equal([`${field}:WRONG_TYPE`]);
    }
    expect(problems(input({ occurredAt: 1.5 }))).to.deep.equal(["occurredAt:WRONG_TYPE"]);
    expect(problems(input({ corrects: Number.NaN }))).to.deep.equal(["corrects:WRONG_TYPE"]);
  });

  it("KIND_UNKNOWN for an unknown kind name (names are case-sensitive)", () => {
    for (const kind of ["THEFT", "inflow_seizure", "", "__proto__", "toString"]) {
      expect(problems(input({ kind })), kind).to.deep.equal(["kind:KIND_UNKNOWN"]);
    }
  });

  it("INTEGER_OUT_OF_RANGE for negative or unsafe integers", () => {
    expect(problems(input({ occurredAt: -1 }))).to.deep.equal(["occurredAt:INTEGER_OUT_OF_RANGE"]);
    expect(problems(input({ corrects: -5 }))).to.deep.equal(["corrects:INTEGER_OUT_OF_RANGE"]);
    expect(problems(input({ corrects: 2 ** 53 }))).to.deep.equal(["corrects:INTEGER_OUT_OF_RANGE"]);
    expect(input({ corrects: Number.MAX_SAFE_INTEGER }).ok).to.equal(true);
  });

  it("OCCURRED_IN_FUTURE past now + the tolerated skew (300 s by default, configurable)", () => {
    expect(input({ occurredAt: NOW + 300 }).ok).to.equal(true);
    expect(problems(input({ occurredAt: NOW + 301 }))).to.deep.equal(["occurredAt:OCCURRED_IN_FUTURE"]);
    expect(validateRecordInput(sampleInput({ occurredAt: NOW + 1 }), { now: NOW, maxClockSkewSeconds: 0 }).ok).to.equal(
      false,
    );
    expect(validateRecordInput(sampleInput({ occurredAt: NOW }), { now: NOW, maxClockSkewSeconds: 0 }).ok).to.equal(
      true,
    );
  });

  it("ASSET_FORMAT for anything but 1–16 of [A-Z0-9.-]", () => {
    for (const asset of ["ETH.W", "A-1", "0123456789ABCDEF", "X"]) expect(input({ asset }).ok, asset).to.equal(true);
    for (const asset of ["", "btc", "BTC ", " BTC", "0123456789ABCDEFG", "BT_C", "ВТС", "BTC\n", "Ｂ"]) {
      expect(problems(input({ asset })), JSON.stringify(asset)).to.deep.equal(["asset:ASSET_FORMAT"]);
    }
  });

  it("decimal codes pass through for amount and valueUsd", () => {
    expect(problems(input({ amount: "1e3" }))).to.deep.equal(["amount:DECIMAL_SYNTAX"]);
    expect(problems(input({ amount: "007" }))).to.deep.equal(["amount:DECIMAL_LEADING_ZERO"]);
    expect(problems(input({ amount: `1.${"1".repeat(19)}` }))).to.deep.equal(["amount:DECIMAL_TOO_PRECISE"]);
    expect(problems(input({ amount: "2".repeat(60) }))).to.deep.equal(["amount:DECIMAL_OVERFLOW"]);
    expect(problems(input({ valueUsd: "1.005" }))).to.deep.equal(["valueUsd:DECIMAL_TOO_PRECISE"]);
    expect(problems(input({ valueUsd: "-1" }))).to.deep.equal(["valueUsd:DECIMAL_SYNTAX"]);
    expect(problems(input({ valueUsd: "01.00" }))).to.deep.equal(["valueUsd:DECIMAL_LEADING_ZERO"]);
    expect(problems(input({ valueUsd: "1".repeat(77) }))).to.deep.equal(["valueUsd:DECIMAL_OVERFLOW"]);
    expect(input({ valueUsd: "0" }).ok).to.equal(true);
  });

  it("AMOUNT_NOT_POSITIVE: amount 0 is refused except for VALUATION, RETRACTION and WALLET_DECLARED", () => {
    const zeroAllowed = ["VALUATION", "RETRACTION", "WALLET_DECLARED"];
    for (const kind of RECORD_KIND_NAMES.filter((k) => !zeroAllowed.includes(k))) {
      expect(problems(input({ kind, amount: "0" })), kind).to.deep.equal(["amount:AMOUNT_NOT_POSITIVE"]);
      expect(problems(input({ kind, amount: "0.000" })), kind).to.deep.equal(["amount:AMOUNT_NOT_POSITIVE"]);
    }
    expect(input({ kind: "VALUATION", amount: "0" }).ok).to.equal(true);
    expect(input({ kind: "WALLET_DECLARED", amount: "0", ...SAMPLE_DECLARATION }).ok).to.equal(true);
    expect(input({ amount: "0.000000000000000001" }).ok).to.equal(true);
  });

  it("AMOUNT_NOT_ZERO and CORRECTS_REQUIRED for a RETRACTION", () => {
    expect(input({ kind: "RETRACTION", amount: "0", corrects: 4 }).ok).to.equal(true);
    expect(problems(input({ kind: "RETRACTION", amount: "1", corrects: 4 }))).to.deep.equal(["amount:AMOUNT_NOT_ZERO"]);
    expect(problems(input({ kind: "RETRACTION", amount: "0", corrects: 0 }))).to.deep.equal([
      "corrects:CORRECTS_REQUIRED",
    ]);
  });

  for (const field of ["counterparty", "reference", "memo"] as const) {
    const max = field === "memo" ? 1000 : 200;
    it(`${field}: STRING_NOT_NFC, STRING_CONTROL_CHAR, STRING_ILL_FORMED, STRING_TOO_LONG (max ${max} code points)`, () => {
      expect(problems(input({ [field]: "Cafe\u0301" }))).to.deep.equal([`${field}:STRING_NOT_NFC`]);
      expect(problems(input({ [field]: "\u212b" }))).to.deep.equal([`${field}:STRING_NOT_NFC`]); // Angstrom sign → Å
      for (const control of ["\u0000", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u009f"]) {
        expect(problems(input({ [field]: `a${control}b` })), JSON.stringify(control)).to.deep.equal([
          `${field}:STRING_CONTROL_CHAR`,
        ]);
      }
      for (const bidi of ["\u202a", "\u202e", "\u2066", "\u2069"]) {
        expect(problems(input({ [field]: `1${bidi}000` })), JSON.stringify(bidi)).to.deep.equal([
          `${field}:STRING_BIDI_CONTROL`,
        ]);
      }
      // Marks that only hint direction (LRM, RLM) reorder nothing and stay allowed.
      expect(input({ [field]: "a\u200eb\u200f" }).ok).to.equal(true);
      for (const lone of ["\ud800", "a\udc00", "\udbff\u0041", "😀".slice(1)]) {
        expect(problems(input({ [field]: lone })), JSON.stringify(lone)).to.deep.equal([`${field}:STRING_ILL_FORMED`]);
      }
      // Length counts code points: the maximum in astral characters (2 UTF-16 units each) is fine.
      expect(input({ [field]: "a".repeat(max) }).ok).to.equal(true);
      expect(input({ [field]: "😀".repeat(max) }).ok).to.equal(true);
      expect(input({ [field]: "Қ".repeat(max) }).ok).to.equal(true);
      expect(problems(input({ [field]: "a".repeat(max + 1) }))).to.deep.equal([`${field}:STRING_TOO_LONG`]);
      expect(problems(input({ [field]: "😀".repeat(max + 1) }))).to.deep.equal([`${field}:STRING_TOO_LONG`]);
      expect(problems(input({ [field]: "x".repeat(10_000_000) }))).to.deep.equal([`${field}:STRING_TOO_LONG`]);
      // Several problems of one string are all reported.
      expect(problems(input({ [field]: `e\u0301\u0007${"a".repeat(max)}` }))).to.have.members([
        `${field}:STRING_NOT_NFC`,
        `${field}:STRING_CONTROL_CHAR`,
        `${field}:STRING_TOO_LONG`,
      ]);
    });
  }

  it("accepts unicode that is NFC and free of control characters (Kazakh, emoji, CJK, combining in NFC)", () => {
    expect(
      input({ counterparty: "Қазақстан Республикасы", memo: "🚀 東京 ÅÉ 🇰🇿", reference: "№ 2-17/2025" }).ok,
    ).to.equal(true);
  });

  it("DOCUMENT_HASH_FORMAT for anything but 0x + 64 hex digits (either case)", () => {
    expect(input({ documentHash: `0x${"0".repeat(64)}` }).ok).to.equal(true);
    expect(input({ documentHash: `0x${"AB".repeat(32)}` }).ok).to.equal(true);
    for (const documentHash of [
      "",
      "0x",
      `0x${"0".repeat(63)}`,
      `0x${"0".repeat(65)}`,
      `${"0".repeat(64)}`,
      `0X${"0".repeat(64)}`,
      `0x${"g".repeat(64)}`,
    ]) {
      expect(problems(input({ documentHash })), documentHash).to.deep.equal(["documentHash:DOCUMENT_HASH_FORMAT"]);
    }
  });

  it("reports all problems at once, each well formed", () => {
    const result = validateRecordInput(
      {
        kind: "THEFT",
        occurredAt: NOW + 10_000,
        asset: "btc",
        amount: "-1",
        valueUsd: "1.234",
        counterparty: "e\u0301",
        reference: "\u0000",
        documentHash: "0x12",
        memo: "\ud800",
        seq: 3,
        extra: true,
      },
      { now: NOW },
    );
    wellFormed(result);
    expect(problems(result)).to.have.members([
      "seq:FIELD_SERVER_SET",
      "extra:FIELD_UNKNOWN",
      "corrects:FIELD_REQUIRED",
      "kind:KIND_UNKNOWN",
      "asset:ASSET_FORMAT",
      "amount:DECIMAL_SYNTAX",
      "valueUsd:DECIMAL_TOO_PRECISE",
      "counterparty:STRING_NOT_NFC",
      "reference:STRING_CONTROL_CHAR",
      "memo:STRING_ILL_FORMED",
      "documentHash:DOCUMENT_HASH_FORMAT",
      "occurredAt:OCCURRED_IN_FUTURE",
    ]);
  });

  it("never rewrites what was sent: the accepted value is the input, field by field", () => {
    const sent = sampleInput({ amount: "1.50", valueUsd: "0.10", documentHash: `0x${"AB".repeat(32)}` });
    const result = validateRecordInput(sent, { now: NOW });
    expect(result.ok && result.value).to.deep.equal(sent);
  });
});

describe("core/protocol/record: validateRecord (a whole record, as in a bundle)", () => {
  it("accepts a valid record", () => {
    const result = validateRecord(sampleRecord());
    expect(result.ok && result.value).to.deep.equal(sampleRecord());
  });

  it("requires the server's fields and refuses unknown ones", () => {
    const record: Record<string, unknown> = { ...sampleRecord({ extra: 1 }) };
    delete record.seq;
    delete record.publisher;
    expect(problems(validateRecord(record))).to.have.members([
      "extra:FIELD_UNKNOWN",
      "seq:FIELD_REQUIRED",
      "publisher:FIELD_REQUIRED",
    ]);
  });

  it("seq starts at 1; publishedAt is a non-negative integer", () => {
    expect(problems(validateRecord(sampleRecord({ seq: 0 })))).to.deep.equal(["seq:INTEGER_OUT_OF_RANGE"]);
    expect(problems(validateRecord(sampleRecord({ publishedAt: -1 })))).to.deep.equal([
      "publishedAt:INTEGER_OUT_OF_RANGE",
    ]);
    expect(problems(validateRecord(sampleRecord({ publishedAt: "1" })))).to.deep.equal(["publishedAt:WRONG_TYPE"]);
  });

  it("PUBLISHER_FORMAT for anything but 1–64 of [a-z0-9._-] starting with a letter or digit", () => {
    for (const publisher of ["a", "ministry-of-finance", "x.y_z-1", "a".repeat(64)]) {
      expect(validateRecord(sampleRecord({ publisher })).ok, publisher).to.equal(true);
    }
    for (const publisher of ["", "-a", ".a", "A", "a b", "a".repeat(65), "қ"]) {
      expect(problems(validateRecord(sampleRecord({ publisher }))), publisher).to.deep.equal([
        "publisher:PUBLISHER_FORMAT",
      ]);
    }
    expect(problems(validateRecord(sampleRecord({ publisher: 7 })))).to.deep.equal(["publisher:WRONG_TYPE"]);
  });

  it("CORRECTS_NOT_EARLIER when corrects ≥ seq", () => {
    expect(validateRecord(sampleRecord({ seq: 5, corrects: 4 })).ok).to.equal(true);
    expect(problems(validateRecord(sampleRecord({ seq: 5, corrects: 5 })))).to.deep.equal([
      "corrects:CORRECTS_NOT_EARLIER",
    ]);
    expect(problems(validateRecord(sampleRecord({ seq: 5, corrects: 9 })))).to.deep.equal([
      "corrects:CORRECTS_NOT_EARLIER",
    ]);
  });

  it("does not judge time: an occurredAt far in the future is still a valid record", () => {
    expect(validateRecord(sampleRecord({ occurredAt: 4_000_000_000 })).ok).to.equal(true);
  });

  it("applies the text, decimal and kind rules too", () => {
    expect(
      problems(validateRecord(sampleRecord({ memo: "A\u030a", amount: "1.", kind: "RETRACTION", corrects: 0 }))),
    ).to.have.members(["memo:STRING_NOT_NFC", "amount:DECIMAL_SYNTAX", "corrects:CORRECTS_REQUIRED"]);
  });

  it("accepts every record of the test arbitrary (unicode, emoji, maximum lengths and values)", () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const result = validateRecord(r);
        expect(result.ok ? [] : result.errors).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("core/protocol/record: never throws, whatever JSON arrives", () => {
  it("validateRecordInput and validateRecord return problems (never throw) for any JSON value", () => {
    const loose = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom(...Object.keys(sampleRecord()), "extra", "__proto__"), fc.jsonValue()),
    );
    fc.assert(
      fc.property(loose, (value) => {
        for (const result of [validateRecordInput(value, { now: NOW }), validateRecord(value)]) {
          if (!result.ok) {
            expect(result.errors.length).to.be.greaterThan(0);
            wellFormed(result);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
