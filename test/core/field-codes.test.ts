// The field problem codes (core/protocol/shape.ts FIELD_PROBLEM_CODES, the union every FieldProblem's code is typed by)
// against the documents an independent verifier or publisher reads: none undocumented, none documented that
// the code cannot produce.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIELD_PROBLEM_CODES } from "../../core/protocol/shape";

const doc = (name: string) => readFileSync(join(__dirname, "..", "..", "docs", name), "utf8");

/** The codes in the first column of PROTOCOL.md §1.4's table (`| code | meaning |`). */
function validationTableCodes(): string[] {
  const lines = doc("PROTOCOL.md").split("\n");
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*meaning\s*\|/.test(line));
  expect(header, "PROTOCOL.md has a `| code | meaning |` table").to.be.at.least(0);
  const codes: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    codes.push(...[...(line.split("|")[1] ?? "").matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!));
  }
  return codes;
}

describe("Field problem codes", () => {
  it("holds every code of PROTOCOL.md's validation table", () => {
    const codes = validationTableCodes();
    expect(codes.length).to.be.greaterThan(20);
    expect(FIELD_PROBLEM_CODES).to.include.members(codes);
  });

  it("names each of its codes somewhere in PROTOCOL.md or API.md", () => {
    const text = doc("PROTOCOL.md") + doc("API.md");
    const undocumented = FIELD_PROBLEM_CODES.filter(
      (code) => !text.includes(`\`${code}\``) && !text.includes(`| ${code} `),
    );
    expect(undocumented).to.deep.equal([]);
  });
});
