import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "wire/index": "src/wire/index.ts",
    "testing/index": "src/testing/index.ts",
    cli: "src/cli/main.ts",
  },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", "wire/index": "src/wire/index.ts", "testing/index": "src/testing/index.ts" } },
  target: "node20",
  platform: "node",
  sourcemap: true,
  clean: true,
  splitting: false,
  external: ["cap"],
  // --version and SARIF read this (src/cli/version.ts)
  define: { __IGMPKIT_VERSION__: JSON.stringify(version) },
});
