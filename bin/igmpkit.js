#!/usr/bin/env node
// Thin launcher: the CLI is built by tsup into dist/cli.js (`npm run build`, run by `npm ci` via `prepare`).
import("../dist/cli.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    process.stderr.write("igmpkit: the CLI is not built yet; run `npm run build` (or `npm ci`, which builds it)\n");
    process.exit(2);
  }
  throw err;
});
