import { readFileSync } from "node:fs";
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
  // without indentation (names and line structure of stack traces kept): the tarball stays under 400 kB
  esbuildOptions: (o) => {
    o.minifyWhitespace = true;
  },
};
const library = { index: "src/index.ts", "wire/index": "src/wire/index.ts", "testing/index": "src/testing/index.ts" };

export default defineConfig([
  // ESM: the library, its subpaths and the CLI (loaded by bin/igmpkit.js) share their code in chunks
  {
    ...common,
    entry: { ...library, cli: "src/cli/main.ts" },
    format: ["esm"],
    splitting: true,
    dts: { entry: library },
    clean: ["*.js", "*.d.ts", "wire/*.js", "wire/*.d.ts", "testing/*.js", "testing/*.d.ts"],
  },
  // CommonJS: the library and its subpaths (no CLI), no source maps
  {
    ...common,
    entry: library,
    format: ["cjs"],
    // shared chunks between the entry points, as the ESM build has (tsup's CommonJS splitting): the three
    // CommonJS bundles no longer repeat the codec
    splitting: true,
    dts: true,
    // import.meta.url in CommonJS (capture/live.ts loads cap relative to itself)
    shims: true,
    clean: ["*.cjs", "*.d.cts", "wire/*.cjs", "wire/*.d.cts", "testing/*.cjs", "testing/*.d.cts"],
  },
]);
