import { expect } from "chai";
import fc from "fast-check";
import { formatDecimal, parseDecimal, UINT256_MAX } from "../../core";

const MAX_AMOUNT = "115792089237316195423570985008687907853269984665640564039457.584007913129639935"; // (2^256 − 1) / 10^18
const MAX_USD = "1157920892373161954235709850086879078532699846656405640394575840079131296399.35"; // (2^256 − 1) / 100

describe("core/protocol/decimal: parseDecimal", () => {
  const accepted: [string, number, bigint][] = [
    ["0", 18, 0n],
    ["0.0", 18, 0n],
    ["12", 18, 12n * 10n ** 18n],
    ["0.5", 18, 5n * 10n ** 17n],
    ["1.50", 18, 15n * 10n ** 17n],
    ["1.5", 18, 15n * 10n ** 17n],
    ["10", 2, 1000n],
    ["0.01", 2, 1n],
    ["1375000.00", 2, 137_500_000n],
    ["0.000000000000000001", 18, 1n],
    ["1.000000000000000000", 18, 10n ** 18n],
    ["7", 0, 7n],
    [MAX_AMOUNT, 18, UINT256_MAX],
    [MAX_USD, 2, UINT256_MAX],
    [UINT256_MAX.toString(), 0, UINT256_MAX],
  ];
  for (const [text, scale, value] of accepted) {
    it(`accepts ${JSON.stringify(text)} at scale ${scale} as ${value}`, () => {
      expect(parseDecimal(text, scale)).to.deep.equal({ ok: true, value });
    });
  }

  const refused: [unknown, number, string][] = [
    [12, 18, "DECIMAL_NOT_STRING"],
    [null, 18, "DECIMAL_NOT_STRING"],
    [12n, 18, "DECIMAL_NOT_STRING"],
    ["", 18, "DECIMAL_SYNTAX"],
    ["1e3", 18, "DECIMAL_SYNTAX"],
    ["1E3", 18, "DECIMAL_SYNTAX"],
    ["1.5e-3", 18, "DECIMAL_SYNTAX"],
    ["+1", 18, "DECIMAL_SYNTAX"],
    ["-1", 18, "DECIMAL_SYNTAX"],
    ["-0", 18, "DECIMAL_SYNTAX"],
    [".5", 18, "DECIMAL_SYNTAX"],
    ["5.", 18, "DECIMAL_SYNTAX"],
    [".", 18, "DECIMAL_SYNTAX"],
    ["1..5", 18, "DECIMAL_SYNTAX"],
    ["1.2.3", 18, "DECIMAL_SYNTAX"],
    [" 1", 18, "DECIMAL_SYNTAX"],
    ["1 ", 18, "DECIMAL_SYNTAX"],
    ["1 000", 18, "DECIMAL_SYNTAX"],
    ["1,5", 18, "DECIMAL_SYNTAX"],
    ["1_000", 18, "DECIMAL_SYNTAX"],
    ["0x10", 18, "DECIMAL_SYNTAX"],
    ["Infinity", 18, "DECIMAL_SYNTAX"],
    ["NaN", 18, "DECIMAL_SYNTAX"],
    ["١٢", 18, "DECIMAL_SYNTAX"], // Arabic-Indic digits
    ["１２", 18, "DECIMAL_SYNTAX"], // full-width digits
    ["1\n", 18, "DECIMAL_SYNTAX"],
    ["1".repeat(101), 18, "DECIMAL_SYNTAX"],
    ["007", 18, "DECIMAL_LEADING_ZERO"],
    ["00", 18, "DECIMAL_LEADING_ZERO"],
    ["00.5", 18, "DECIMAL_LEADING_ZERO"],
    ["01.50", 2, "DECIMAL_LEADING_ZERO"],
    ["0.0000000000000000001", 18, "DECIMAL_TOO_PRECISE"],
    ["1.005", 2, "DECIMAL_TOO_PRECISE"],
    ["1.000", 2, "DECIMAL_TOO_PRECISE"], // even trailing zeros past the scale
    ["1.0", 0, "DECIMAL_TOO_PRECISE"],
    ["115792089237316195423570985008687907853269984665640564039457.584007913129639936", 18, "DECIMAL_OVERFLOW"],
    ["115792089237316195423570985008687907853269984665640564039458", 18, "DECIMAL_OVERFLOW"],
    ["1157920892373161954235709850086879078532699846656405640394575840079131296399.36", 2, "DECIMAL_OVERFLOW"],
    [(UINT256_MAX + 1n).toString(), 0, "DECIMAL_OVERFLOW"],
  ];
  for (const [text, scale, code] of refused) {
    it(`refuses ${typeof text === "string" ? JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}…` : text) : String(text)} at scale ${scale} with ${code}`, () => {
      const result = parseDecimal(text, scale);
      expect(result.ok).to.equal(false);
      if (!result.ok) {
        expect(result.code).to.equal(code);
        expect(result.message).to.be.a("string").and.not.equal("");
      }
    });
  }

  it("round-trips through formatDecimal for any uint256 at scales 0, 2 and 18", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: UINT256_MAX }), fc.constantFrom(0, 2, 18), (value, scale) => {
        const text = formatDecimal(value, scale);
        expect(parseDecimal(text, scale)).to.deep.equal({ ok: true, value });
        expect(text).to.not.match(/\.\d*0$/); // shortest form: no trailing zeros
      }),
      { numRuns: 300 },
    );
  });

  it("trailing zeros within the scale never change the value", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 1, max: 18 }), (value, zeros) => {
        const text = formatDecimal(value, 18);
        const padded = text.includes(".") ? text : `${text}.`;
        const withZeros =
          padded + "0".repeat(Math.max(0, Math.min(zeros, 18 - (padded.length - padded.indexOf(".") - 1))));
        if (withZeros.endsWith(".")) return;
        expect(parseDecimal(withZeros, 18)).to.deep.equal({ ok: true, value });
      }),
      { numRuns: 200 },
    );
  });

  it("formatDecimal refuses a negative value", () => {
    expect(() => formatDecimal(-1n, 2)).to.throw(RangeError);
  });
});
