// Hostile bundles: random mutations of a valid aiqyn-proof/1 bundle (as a value and as text). parseBundle either
// refuses with an AiqynError that carries a code, or returns a bundle that verifyBundle then handles: it answers
// with a verdict (whatever the chain says, or when the chain cannot be asked) and never throws.
import { expect } from "chai";
import fc from "fast-check";
import {
  AiqynError,
  parseBundle,
  parseBundleText,
  verifyBundle,
  type OnChainBatch,
  type ProofBundle,
  type ReadBatch,
} from "../../core";
import { asJson, makeBatch, makeBundle } from "../core/bundle-fixture";

type Json = unknown;

/** JSON paths of every node of `value` ("" is the root). */
function paths(value: Json, at: string[] = []): string[][] {
  const out = [at];
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value as object))
      out.push(...paths((value as Record<string, Json>)[key], [...at, key]));
  }
  return out;
}

function getAt(value: Json, path: readonly string[]): Json {
  return path.reduce<Json>((node, key) => (node as Record<string, Json>)[key], value);
}

/** A copy with the node at `path` replaced by `replacement` (deleted when `remove`). */
function setAt(value: Json, path: readonly string[], replacement: Json, remove = false): Json {
  if (path.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, Json>;
  const parent = getAt(copy, path.slice(0, -1)) as Record<string, Json>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

/** Small changes that keep the shape plausible: they reach the checks behind the parser. */
function nudge(node: Json, pick: number): Json {
  if (typeof node === "string") {
    if (node.length === 0) return "0";
    const i = pick % node.length;
    const c = node[i] === "0" ? "1" : node[i] === "f" ? "e" : "0";
    return node.slice(0, i) + c + node.slice(i + 1);
  }
  if (typeof node === "number")
    return [node + 1, node - 1, -node, node * 2 ** 40, 0, 1.5, Number.MAX_SAFE_INTEGER][pick % 7];
  if (Array.isArray(node)) return pick % 2 === 0 ? node.slice(0, -1) : [...node, node[0] ?? "0x00"];
  if (typeof node === "boolean") return !node;
  return node;
}

const chainAnswers = (bundle: ProofBundle): ReadBatch[] => {
  const honest: OnChainBatch = {
    root: bundle.batch.root,
    firstSeq: bundle.batch.firstSeq,
    leafCount: bundle.batch.leafCount,
    anchoredAt: 1_761_955_400,
    head: `0x${"11".repeat(32)}`,
  };
  return [
    async () => honest,
    async () => null,
    async () => ({ ...honest, root: `0x${"22".repeat(32)}` }),
    async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
    },
  ];
};

/** The property: refusal with a coded AiqynError, or a bundle every verification of which returns a verdict. */
async function parseThenVerify(parse: () => ProofBundle): Promise<void> {
  let bundle: ProofBundle;
  try {
    bundle = parse();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(AiqynError);
    expect((error as AiqynError).code)
      .to.be.a("string")
      .and.match(/^[A-Z][A-Z0-9_]+$/);
    return;
  }
  for (const readBatch of [undefined, ...chainAnswers(bundle)]) {
    const report = await verifyBundle(bundle, readBatch, {
      trusted: { chainId: bundle.anchor.chainId, registry: bundle.anchor.registry },
    });
    expect(["anchored", "mismatch", "not-anchored", "unchecked", "chain-unavailable"]).to.include(report.verdict);
    expect(report.checks.length).to.be.greaterThan(0);
  }
}

describe("hardening: bundle parser and verifier under random mutations (fast-check)", function () {
  this.timeout(120_000);
  let valid: Record<string, unknown>;
  let nodePaths: string[][];

  before(async () => {
    valid = asJson(await makeBundle(makeBatch(3, 41, 20), 7));
    nodePaths = paths(valid);
  });

  it("the unmutated bundle verifies as anchored (the fixture is sound)", async () => {
    const bundle = parseBundle(valid);
    const [honest] = chainAnswers(bundle);
    expect((await verifyBundle(bundle, honest)).verdict).to.equal("anchored");
  });

  it("any value anywhere: refused with a code, or verified without throwing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.oneof(
          fc.anything({ maxDepth: 3 }),
          fc.string({ maxLength: 200 }),
          fc.integer(),
          fc.double(),
          fc.constantFrom(null, "", "0x", `0x${"0".repeat(64)}`, -1, 2 ** 53, [], {}, "__proto__"),
        ),
        fc.boolean(),
        async (which, replacement, remove) => {
          const path = nodePaths[which % nodePaths.length]!;
          await parseThenVerify(() => parseBundle(setAt(valid, path, replacement, remove && path.length > 0)));
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it("small nudges (a hex digit, ±1, one sibling more or less), several at once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }), async (edits) => {
        let mutated: Json = valid;
        for (const [which, pick] of edits) {
          const path = nodePaths[which % nodePaths.length]!;
          mutated = setAt(mutated, path, nudge(getAt(mutated, path), pick));
        }
        await parseThenVerify(() => parseBundle(mutated));
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it("as text: truncated, spliced, padded, or not JSON at all", async () => {
    const text = JSON.stringify(valid);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: text.length }),
        fc.nat({ max: text.length }),
        fc.string({ maxLength: 50 }),
        fc.constantFrom("cut", "splice", "pad", "random", "huge", "deep"),
        async (a, b, insert, how) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const input =
            how === "cut"
              ? text.slice(0, from)
              : how === "splice"
                ? text.slice(0, from) + insert + text.slice(to)
                : how === "pad"
                  ? `${" ".repeat(from % 100)}${text}${insert}`
                  : how === "huge"
                    ? text.replace('"memo":"', `"memo":"${"x".repeat(300_000)}`)
                    : how === "deep"
                      ? `${"[".repeat(100_000)}${"]".repeat(100_000)}`
                      : insert;
          await parseThenVerify(() => parseBundleText(input));
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });
});
