#!/usr/bin/env node
// Thin launcher: the CLI is built by tsup into dist/cli.js (`npm run build`; `npm ci` builds it via `prepare`).

// `igmpkit decode big.pcap | head`: the reader went away; stop quietly as tcpdump does.
process.stdout.on("error", (err) => {
  if (err && err.code === "EPIPE") process.exit(0);
  throw err;
});

import("../dist/cli.js").then(
  async (cli) => {
    process.exitCode = await cli.runCli(process.argv.slice(2));
  },
  (err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      process.stderr.write("igmpkit: the CLI is not built yet; run `npm run build` (or `npm ci`, which builds it)\n");
      process.exit(2);
    }
    throw err;
  },
);
