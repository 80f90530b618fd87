// The OpenAPI document the server serves (server/http/openapi.ts): whole (every $ref names a schema it defines, every
// required property is described) and its code lists are the one tables the code is typed by.
import { expect } from "chai";
import { FIELD_PROBLEM_CODES } from "../../core/protocol/shape";
import { openApiDocument } from "../../server/http/openapi";
import { PROBLEM_CODES } from "../../server/http/problem";

interface Schema {
  required?: string[];
  properties?: Record<string, { enum?: string[] }>;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (typeof value === "object" && value !== null)
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") found.push(v);
      else refsIn(v, found);
    }
  return found;
}

describe("server: the OpenAPI document", () => {
  const schemas = openApiDocument.components.schemas as unknown as Record<string, Schema>;

  it("defines every schema it refers to", () => {
    const refs = refsIn(openApiDocument);
    expect(refs.length).to.be.greaterThan(10);
    const missing = refs.filter((r) => !schemas[r.replace("#/components/schemas/", "")]);
    expect([...new Set(missing)]).to.deep.equal([]);
  });

  it("describes every property a schema requires", () => {
    for (const [name, schema] of Object.entries(schemas)) {
      for (const field of schema.required ?? [])
        expect(schema.properties ?? {}, `${name}.${field}`).to.have.property(field);
    }
  });

  it("lists exactly the field problem codes and the problem codes the code is typed by", () => {
    expect(schemas.FieldProblem!.properties!.code!.enum).to.deep.equal([...FIELD_PROBLEM_CODES]);
    expect(schemas.Problem!.properties!.code!.enum).to.deep.equal([...PROBLEM_CODES]);
  });
});
