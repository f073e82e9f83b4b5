#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=8 --no-concurrent-recompilation
// Thin launcher: the CLI is built by tsup into dist/cli.js (`npm run build`; `npm ci` builds it via `prepare`).
// -u NODE_EXTRA_CA_CERTS: where it is set (proxies that inspect TLS, CI images: this machine), Node reads and
// parses that certificate bundle at every start, before any JavaScript: bare `node -e 0` 0.061 s of CPU with
// it, 0.024 s without. igmpkit makes no TLS connection, in this process or the ones it starts, so the bundle
// would only cost every command those 37 ms. (Running `node bin/igmpkit.js` skips this line and its flags.)
// --max-semi-space-size=8: a smaller young generation keeps peak memory of long decodes near 110 MB
// (measured: text decode of 1M frames 136 -> 109 MB, -v 153 -> 126 MB) at no cost in speed.
// --no-concurrent-recompilation: V8 optimizes a hot function on the main thread, at once, instead of queueing
// it for a compiler thread and running the interpreter's code meanwhile. The first ~10,000 frames of a decode
// ran in the interpreter at 15-20 us a frame while the big writers and the view waited 10-60 ms for a
// compiler thread (longer when the machine is busy); compiled at once they cost 25-35% less CPU up to the
// 30,000th frame (decode of 300,000 frames 4-12% less CPU, 1,000,000 frames 4-6%, lint 7-12%, median of 5,
// alternating). Same code, same output; the price is main-thread pauses (1-60 ms each, most under 5) while
// the hot functions compile in a command's first second. Runtime flags (v8.setFlagsFromString) cannot do
// this: the compiler thread is set up when V8 starts. Other flags measured without a gain: --maglev,
// --always-sparkplug, --no-lazy-feedback-allocation, smaller --interrupt-budget, other inlining budgets.

// Standard output that cannot be written is data, not a crash: the reader went away (EPIPE, `igmpkit
// decode big.pcap | head`), a full disk or /dev/full (ENOSPC), EIO, EBADF. One line on stderr says so,
// the command finishes (decode stops reading and prints its summary, marked partial, on stderr) and the
// status is 1, so a pipeline with pipefail knows the output was cut. Later writes fail silently.
let outputError;
// The one error style, "igmpkit <command>: message": the command is the first argument when it is a name.
const command = /^[a-z]+$/.test(process.argv[2] ?? "") ? process.argv[2] : undefined;
process.stdout.on("error", (err) => {
  if (outputError !== undefined) return;
  outputError = err ?? new Error("write failed");
  const detail = outputError.code === "EPIPE" ? "its reader closed the pipe" : String(outputError.message).replace(/^\w+: /, "").replace(/, write$/, "");
  const why = outputError.code ? `${outputError.code} (${detail})` : outputError.message;
  const text = `cannot write to standard output: ${why}; the output is incomplete`;
  // with --json, errors are JSON too
  if (process.argv.includes("--json")) process.stderr.write(`${JSON.stringify({ error: text, code: "write-failed", errno: outputError.code ?? null })}\n`);
  else process.stderr.write(`igmpkit${command ? ` ${command}` : ""}: ${text}\n`);
  process.exitCode = 1;
});

import("../dist/cli.js").then(
  async (cli) => {
    const code = await cli.runCli(process.argv.slice(2));
    process.exitCode = outputError !== undefined ? Math.max(code, 1) : code;
    // Stopped by a signal: leave as soon as standard output has taken what was written, even if a read
    // is still pending (decode of a FIFO that has no writer).
    if (cli.stoppedBySignal() !== undefined) process.stdout.write("", () => process.exit());
  },
  (err) => {
    if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist")) {
      process.stderr.write("igmpkit: the CLI is not built yet; run `npm run build` (or `npm ci`, which builds it)\n");
      process.exit(2);
    }
    throw err;
  },
);
