// Builds the citizens' page into web/dist: index.html, app.js (ES module; the fund view and uPlot split into a
// chunk loaded on demand), app.css, static assets. Prints the gzipped size of the JavaScript.
//   node web/build.mjs                 served at "/" (the Aiqyn server, with its SPA fallback)
//   node web/build.mjs --base=/aiqyn/  served from a sub-path of another static host
//   node web/build.mjs --trust aiqyn-trust.json --rpc https://rpc-a… --rpc https://rpc-b…
//                                      bakes the trust root and public RPCs into index.html (static hosts,
//                                      mirrors); an Aiqyn server replaces them with its own configuration
//   node web/build.mjs --out DIR       builds into DIR instead of web/dist
/* global process, console, Buffer */
import { build } from "esbuild";
import { parseArgs } from "node:util";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const webDir = dirname(fileURLToPath(import.meta.url));
let outDir = join(webDir, "dist");
const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    trust: { type: "string" },
    rpc: { type: "string", multiple: true },
    explorer: { type: "string" },
    out: { type: "string" },
  },
});
if (args.out) outDir = args.out;
let base = args.base ?? "/";
if (!base.endsWith("/")) base += "/";
if (!/^\/[A-Za-z0-9._~/-]*$/.test(base)) {
  console.error(`--base must be an absolute path such as /aiqyn/ (got ${base})`);
  process.exit(2);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/**
 * core/ is pure (no module does anything on import), but esbuild cannot know it: without this, every module
 * core/index.ts re-exports (the reconciler among them) lands in the verify path's chunk though only the
 * Holdings view uses it. Marked side-effect free, a module goes where it is imported.
 */
const coreIsPure = {
  name: "core-is-pure",
  setup(b) {
    b.onResolve({ filter: /(^|\/)core\// }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      const resolved = await b.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        importer: args.importer,
        pluginData: { resolving: true },
      });
      return resolved.errors.length ? undefined : { ...resolved, sideEffects: false };
    });
  },
};

/**
 * A language's part (web/src/lang/<lang>-verify.ts, <lang>-later.ts) picks its messages from the whole dictionary
 * (web/src/lang/parts.ts): run here, at build time, so that its chunk carries the picked messages only, not the
 * whole dictionary it picks them from. What the chunk exports is what the module computes.
 */
const languageParts = {
  name: "language-parts",
  setup(b) {
    b.onLoad({ filter: /[\\/]web[\\/]src[\\/]lang[\\/]\w+-(verify|later)\.ts$/ }, async (args) => {
      const picked = await build({
        entryPoints: [args.path],
        bundle: true,
        write: false,
        format: "esm",
        platform: "neutral",
        logLevel: "warning",
      });
      const source = picked.outputFiles[0].text;
      const { messages } = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);
      return {
        contents: `export const messages = ${JSON.stringify(messages)};`,
        loader: "js",
        watchFiles: picked.metafile ? Object.keys(picked.metafile.inputs) : [],
      };
    });
  },
};

const js = await build({
  entryPoints: { app: join(webDir, "src/main.ts") },
  plugins: [coreIsPure, languageParts],
  metafile: true,
  bundle: true,
  format: "esm",
  splitting: true,
  target: "es2020",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  // Cyrillic as UTF-8, not \uXXXX escapes (three times the bytes; module scripts are always read as UTF-8).
  charset: "utf8",
  outdir: outDir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  platform: "browser",
  logLevel: "warning",
  // The page never needs Node's Buffer or process: fail the build if something drags them in.
  define: { "process.env.NODE_ENV": '"production"' },
});
// What the verify path loads: app.js and the chunks it imports statically (the fund view's chunk is dynamic).
const outputs = js.metafile.outputs;
const initialFiles = new Set();
const visit = (out) => {
  if (initialFiles.has(out) || !outputs[out]) return;
  initialFiles.add(out);
  for (const imp of outputs[out].imports) if (imp.kind === "import-statement") visit(imp.path);
};
visit(Object.keys(outputs).find((o) => o.endsWith("/app.js")));
await joinVerifyPath();
const initialNames = new Set([...initialFiles].map((o) => relative(outDir, o)));

/**
 * esbuild splits the verify path's code into app.js and a chunk per set of lazy views sharing a piece of it (ten
 * or more small files): all are loaded at once, but each is compressed alone, and the path weighed 3.6 KB more
 * gzipped as separate files than as one. So they are joined here into app.js, which exports what the lazy chunks
 * import from them: each lazy chunk's `import{a as x}from"./chunk-H.js"` becomes `import{_H4a as x}from"../app.js"`
 * (H4: the first four characters of that chunk's hash), a function of the chunk's own content, so a lazy chunk's
 * name (its content's hash) still names exactly one content. Afterwards app.js is the only file on the path.
 */
async function joinVerifyPath() {
  const root = join(outDir, "app.js");
  const chunks = [...initialFiles].map((o) => join(process.cwd(), o)).filter((file) => file !== root);
  if (chunks.length === 0) return;
  const exportName = (file, name) => {
    const hash = /-([A-Z0-9]{8})\.js$/.exec(file)?.[1];
    if (!hash) throw new Error(`joinVerifyPath: no hash in ${file}`);
    return `_${hash.slice(0, 4)}${name}`;
  };
  const names = new Set();
  const lines = ['import "./app.js";'];
  for (const file of chunks) {
    const { exports } = outputs[relative(process.cwd(), file)];
    for (const name of exports) {
      const as = exportName(file, name);
      if (names.has(as)) throw new Error(`joinVerifyPath: ${as} twice`);
      names.add(as);
    }
    if (exports.length)
      lines.push(
        `export { ${exports.map((n) => `${n} as ${exportName(file, n)}`).join(", ")} } from "./${relative(outDir, file)}";`,
      );
  }
  const onPath = new Set([root, ...chunks]);
  const joined = await build({
    stdin: { contents: lines.join("\n"), resolveDir: outDir, sourcefile: "verify-path.js", loader: "js" },
    plugins: [
      {
        name: "lazy-chunks-stay",
        setup(b) {
          b.onResolve({ filter: /^\./ }, (args) => {
            const file = join(args.resolveDir, args.path);
            if (onPath.has(file)) return { path: file };
            return { path: `./${relative(outDir, file)}`, external: true };
          });
        },
      },
    ],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2020",
    minify: true,
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  });
  writeFileSync(root, joined.outputFiles[0].contents);
  for (const file of chunks) rmSync(file);
  // The lazy chunks import from app.js now.
  const chunkDir = join(outDir, "chunks");
  for (const name of readdirSync(chunkDir)) {
    const file = join(chunkDir, name);
    const text = readFileSync(file, "utf8");
    const rewritten = text.replace(
      /import(?:\{([^}]*)\}from)?"\.\/(chunk-[A-Z0-9]{8}\.js)"/g,
      (whole, bindings, target) => {
        const targetFile = join(chunkDir, target);
        if (!onPath.has(targetFile)) return whole;
        if (bindings === undefined) return 'import"../app.js"';
        const renamed = bindings.split(",").map((binding) => {
          const [imported, local] = binding.split(" as ");
          return `${exportName(targetFile, imported)} as ${local ?? imported}`;
        });
        return `import{${renamed.join(",")}}from"../app.js"`;
      },
    );
    for (const gone of chunks) {
      if (rewritten.includes(relative(chunkDir, gone))) throw new Error(`joinVerifyPath: ${name} still names ${gone}`);
    }
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
  initialFiles.clear();
  initialFiles.add(relative(process.cwd(), root));
}

// The figure check's worker (web/src/batch-checker.ts starts it): its own self-contained file, so it shares no
// chunk with the page and stays off the verify path; hash-wasm's WebAssembly Keccak is inside it.
await build({
  entryPoints: { "figures-worker": join(webDir, "src/figures-worker.ts") },
  plugins: [coreIsPure],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  outdir: outDir,
  entryNames: "[name]",
  platform: "browser",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});
await build({
  entryPoints: { app: join(webDir, "src/app.css") },
  bundle: true,
  minify: true,
  outdir: outDir,
  logLevel: "warning",
});

// The publisher's desk (/publish): its own entry and folder, never part of the citizens' bundle.
await build({
  entryPoints: { publish: join(webDir, "publish/main.ts") },
  // csv-parse's browser build carries the Buffer it needs.
  alias: { "csv-parse/sync": "csv-parse/browser/esm/sync" },
  bundle: true,
  format: "esm",
  splitting: true,
  target: "es2020",
  minify: true,
  legalComments: "none",
  outdir: join(outDir, "publish"),
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  platform: "browser",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});
for (const name of ["index.html", "publish.css"]) cpSync(join(webDir, "publish", name), join(outDir, "publish", name));

cpSync(join(webDir, "public"), outDir, { recursive: true });
const indexPath = join(outDir, "index.html");
// Replacer functions: a replacement string would expand `$$`, `` $` `` and `$'` found in the base or the config.
// app.js's static chunks preloaded beside it (none once joinVerifyPath has joined them into app.js).
const preloads = [...initialNames]
  .filter((name) => name !== "app.js")
  .sort()
  .map((name) => `<link rel="modulepreload" href="%BASE%${name}" />`)
  .join("\n    ");
const html = readFileSync(indexPath, "utf8")
  .replace("%MODULEPRELOADS%", () => preloads)
  .replaceAll("%BASE%", () => base);
writeFileSync(
  indexPath,
  html.replace("%CONFIG%", () => bakedConfig()),
);

/** The page configuration (server/http/page-config.ts's shape), HTML-attribute escaped; empty without --trust. */
function bakedConfig() {
  if (!args.trust) return "";
  const trust = JSON.parse(readFileSync(args.trust, "utf8"));
  const rpcUrls = args.rpc ?? [];
  if (trust.format !== "aiqyn-trust/1" || rpcUrls.some((url) => !/^https?:\/\//.test(url))) {
    console.error("--trust must be an aiqyn-trust/1 file and every --rpc an http(s) URL");
    process.exit(2);
  }
  const config = { trust, rpcUrls, explorerUrl: args.explorer ?? null, superseded: [] };
  return JSON.stringify(config).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
// The page also loads one language's verify-path messages (web/src/lang/<lang>-verify.ts, its own chunk) before it
// renders anything; the rest of the language (<lang>-later.ts) comes with the other views.
const VERIFY_PART = /web\/src\/lang\/(\w+)-verify\.ts$/;
const langChunks = Object.entries(outputs)
  .filter(([, out]) => Object.keys(out.inputs).some((input) => VERIFY_PART.test(input)))
  .map(([path, out]) => ({
    name: relative(outDir, path),
    lang: VERIFY_PART.exec(Object.keys(out.inputs).find((input) => VERIFY_PART.test(input)))[1],
  }));
let initial = 0;
let total = 0;
const gzipped = new Map();
for (const path of files(outDir).filter((p) => p.endsWith(".js") || p.endsWith(".css"))) {
  const raw = readFileSync(path);
  const gz = gzipSync(raw, { level: 9 }).length;
  const name = relative(outDir, path);
  gzipped.set(name, gz);
  if (name.endsWith(".js")) total += gz;
  if (initialNames.has(name)) initial += gz;
  console.log(`  ${name.padEnd(36)} ${kb(raw.length).padStart(9)}  gzip ${kb(gz).padStart(8)}`);
}
const largest = langChunks.reduce((a, b) => ((gzipped.get(b.name) ?? 0) > (gzipped.get(a?.name) ?? 0) ? b : a), null);
const langGz = largest ? gzipped.get(largest.name) : 0;
console.log(
  `web/dist built (base ${base}): ${kb(initial + langGz)} of JS gzipped on the verify path` +
    ` (with the largest language pack, ${largest?.lang ?? "none"}: ${kb(langGz)});` +
    ` all JS ${kb(total)} gzipped`,
);
