import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig, type Options } from "tsup";
import type { Plugin } from "esbuild";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
const common: Options = {
  target: "node20",
  platform: "node",
  external: ["cap"],
  // --version and SARIF read this (src/cli/version.ts)
  define: { __IGMPKIT_VERSION__: JSON.stringify(version) },
  // no logs: `npm pack --json` (which runs prepare) must print JSON alone
  silent: true,
  // without indentation and with shorter syntax, identifiers not renamed (stack traces keep their names)
  esbuildOptions: (o) => {
    o.minifyWhitespace = true;
    o.minifySyntax = true;
  },
};
const library = { index: "src/index.ts", "wire/index": "src/wire/index.ts", "testing/index": "src/testing/index.ts" };

/**
 * commander, bundled: its 127 kB of CommonJS source (comments and JSDoc) went through Node's CommonJS loader
 * and was parsed at every start, and it loaded node:child_process (which loads net and dgram) for the
 * executable subcommands igmpkit never uses. Bundled and minified, its builtins are taken from
 * `process.getBuiltinModule` and child_process only when called: a 12-frame decode runs about 35 M
 * fewer instructions (cachegrind), some 8 ms. Its MIT notice goes with it (a legal comment).
 */
const commanderBundled: Plugin = {
  name: "commander-bundled",
  setup(build) {
    build.onResolve({ filter: /^(node:)?(events|child_process|path|fs|process)$/ }, (a) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(a.importer) ? { path: a.path.replace(/^(node:)?/, "node:"), namespace: "builtin" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "builtin" }, (a) => ({
      loader: "js",
      contents:
        a.path === "node:child_process"
          ? 'let m; module.exports = { spawn: (...args) => (m ??= process.getBuiltinModule("node:child_process")).spawn(...args) };'
          : `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`,
    }));
    build.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]index\.js$/ }, (a) => {
      const license = readFileSync(`${dirname(a.path)}/LICENSE`, "utf8").trim();
      return { loader: "js", contents: `/*! commander, bundled from node_modules/commander\n${license}\n*/\n${readFileSync(a.path, "utf8")}` };
    });
  },
};

// One clean before both builds (tsup's `clean` per config runs in parallel with the other config's output and
// its declaration worker). The library is built once, as ES modules; its CommonJS entries load that build
// through require(esm) (Node >= 20.19, the package's engines), so a program that both imports and requires
// igmpkit holds one copy of it (one WireError class, one set of matchers) and the tarball carries the code once.
// The ESM declarations re-export the CommonJS ones (an ES module may import a CommonJS one, not the reverse): one
// bundle of declarations for both. Written here, before the builds, since nothing else writes these files.
rmSync("dist", { recursive: true, force: true });
for (const entry of Object.keys(library)) {
  const file = `dist/${entry}.d.ts`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'export * from "./index.cjs";\n');
  writeFileSync(`dist/${entry}.cjs`, '"use strict";\nmodule.exports = require("./index.js");\n');
}

export default defineConfig([
  // ESM: the library, its subpaths and the CLI (loaded by bin/igmpkit.js) share their code in chunks
  {
    ...common,
    entry: { ...library, cli: "src/cli/main.ts" },
    format: ["esm"],
    splitting: true,
    noExternal: ["commander"],
    // (tsup's own plugin would take commander's node: imports first, as externals)
    removeNodeProtocol: false,
    esbuildPlugins: [commanderBundled],
  },
  // CommonJS: the declarations only (the entries are the require(esm) files written above)
  {
    ...common,
    entry: library,
    format: ["cjs"],
    dts: { only: true },
  },
]);
