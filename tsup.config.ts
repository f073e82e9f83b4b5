import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig, type Options } from "tsup";

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
  },
  // CommonJS: the declarations only (the entries are the require(esm) files written above)
  {
    ...common,
    entry: library,
    format: ["cjs"],
    dts: { only: true },
  },
]);
