/**
 * The layout's rules, read off the source itself (README "Layout"): core/ is pure and imports nothing of the
 * server, the page or the scripts; the page imports nothing of the server or the scripts; no module imports
 * itself back through others (an import circle); and no file's name repeats its folder's (reconcile/plan.ts,
 * not reconcile/reconcile-plan.ts). Imports are found by their specifiers (static, `export … from`, dynamic
 * `import()` and `require`), type-only ones included: a circle of types is still a circle to a reader.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
/** The code the rules judge. Imports may also reach the tests' helpers, Ignition's modules and typechain's types. */
const SOURCE_DIRS = ["core", "server", "web/src", "web/publish", "scripts"];
const ALSO_IMPORTED = ["test", "ignition", "typechain-types"];
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(rel);
    return /\.(ts|mjs)$/.test(entry.name) ? [rel] : [];
  });
}

/** Each source file and the source files it imports (repository-relative paths). */
function importGraph(): Map<string, string[]> {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  const known = new Set([
    ...files,
    ...ALSO_IMPORTED.filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap(sourceFiles),
  ]);
  const resolve = (from: string, specifier: string): string | undefined => {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
    return [base, `${base}.ts`, `${base}.mjs`, `${base}/index.ts`].find((candidate) => known.has(candidate));
  };
  return new Map(
    files.map((file) => {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      const targets = [...text.matchAll(SPECIFIER)].map((m) => resolve(file, m[1]!) ?? `${m[1]} (unresolved)`);
      return [file, [...new Set(targets)]];
    }),
  );
}

/** The import circles: Tarjan's strongly connected components with more than one module (or a self-import). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe("the layout's rules", () => {
  const graph = importGraph();

  it("finds the imports it judges (a broken reader would pass every rule)", () => {
    expect(graph.size).to.be.greaterThan(150);
    expect(graph.get("core/index.ts")).to.include("core/protocol/record.ts");
    expect(graph.get("server/index.ts")).to.include("server/http/app.ts");
    const unresolved = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.endsWith("(unresolved)")).map((t) => `${file} → ${t}`),
    );
    expect(unresolved, "relative imports that name no source file").to.deep.equal([]);
  });

  it("has no import circle", () => {
    expect(circles(graph)).to.deep.equal([]);
  });

  it("finds a circle when there is one (the check itself)", () => {
    const withCircle = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(circles(withCircle)).to.deep.equal([["a.ts", "b.ts", "c.ts"]]);
  });

  it("keeps core/ free of the server, the page and the scripts, and of Node's modules", () => {
    const offending = [...graph]
      .filter(([file]) => file.startsWith("core/"))
      .flatMap(([file, targets]) => targets.filter((t) => !t.startsWith("core/")).map((t) => `${file} → ${t}`));
    expect(offending).to.deep.equal([]);
    const nodeImports = [...graph.keys()]
      .filter((file) => file.startsWith("core/"))
      .filter((file) => /from\s*["']node:|require\(\s*["']node:/.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(nodeImports).to.deep.equal([]);
  });

  it("keeps the page (web/) free of the server and the scripts", () => {
    const offending = [...graph]
      .filter(([file]) => file.startsWith("web/"))
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith("server/") || t.startsWith("scripts/")).map((t) => `${file} → ${t}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it("names no file after its own folder", () => {
    const repeats = [...graph.keys()].filter((file) => {
      const folder = path.posix.basename(path.posix.dirname(file));
      const name = path.posix.basename(file).replace(/\.(ts|mjs)$/, "");
      const singular = folder.replace(/s$/, "");
      return [folder, singular].some((f) => name === f || name.startsWith(`${f}-`) || name.endsWith(`-${f}`));
    });
    expect(repeats).to.deep.equal([]);
  });
});
