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
  // without indentation and with shorter syntax, identifiers not renamed (stack traces keep their names): the
  // tarball stays under 400 kB
  esbuildOptions: (o) => {
    o.minifyWhitespace = true;
    o.minifySyntax = true;
  },
};
const library = { index: "src/index.ts", "wire/index": "src/wire/index.ts", "testing/index": "src/testing/index.ts" };

// One clean before both builds (tsup's `clean` per config runs in parallel with the other config's output and
// its declaration worker). The ESM declarations then re-export the CommonJS ones (an ES module may import a
// CommonJS one, not the reverse): the API is the same in both formats, and one bundle of declarations instead
// of two keeps the tarball under 400 kB. Written here, before the builds, since nothing else writes .d.ts.
rmSync("dist", { recursive: true, force: true });
for (const entry of Object.keys(library)) {
  const file = `dist/${entry}.d.ts`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'export * from "./index.cjs";\n');
}

export default defineConfig([
  // ESM: the library, its subpaths and the CLI (loaded by bin/igmpkit.js) share their code in chunks
  {
    ...common,
    entry: { ...library, cli: "src/cli/main.ts" },
    format: ["esm"],
    splitting: true,
  },
  // CommonJS: the library and its subpaths (no CLI), no source maps
  {
    ...common,
    entry: library,
    format: ["cjs"],
    // shared chunks between the entry points, as the ESM build has: the three CommonJS bundles do not repeat
    // the codec. treeshake: rollup splits them (tsup's own CommonJS splitting runs sucrase, which rewrites
    // every `?.` and `??` into helper calls: a larger and slower bundle)
    splitting: true,
    treeshake: true,
    dts: true,
    // import.meta.url in CommonJS (capture/live.ts loads cap relative to itself)
    shims: true,
  },
]);
