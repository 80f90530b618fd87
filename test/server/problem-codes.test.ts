import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROBLEM_CODES } from "../../server/http/problem";

/** The codes named in docs/API.md's problem table: the second column of every row under its header. */
function documentedProblemCodes(): string[] {
  const text = readFileSync(path.join(__dirname, "../../docs/API.md"), "utf8");
  const lines = text.split("\n");
  const header = lines.findIndex((line) => /^\|\s*status\s*\|\s*code\s*\|/.test(line));
  expect(header, "docs/API.md has a `| status | code |` table").to.be.at.least(0);
  const codes: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    codes.push(...(line.split("|")[2] ?? "").split(",").map((code) => code.trim()));
  }
  return codes;
}

describe("Problem codes", () => {
  it("lists in docs/API.md exactly the codes the server's ProblemCode union holds", () => {
    const documented = documentedProblemCodes();
    expect([...documented].sort()).to.deep.equal([...PROBLEM_CODES].sort());
  });
});
