#!/usr/bin/env node
// postinstall: apply patches/cap+0.2.1.patch to the optional native package `cap` and rebuild it, so live
// capture gets libpcap's timestamps, wire lengths, pcap_stats drop counters, snaplen and non-promiscuous
// mode (see the patch). `cap` is optional: where libpcap is missing its build fails, npm leaves it out,
// and this script says so and succeeds, because everything offline works without it. Where patch-package
// is absent (igmpkit installed as a dependency, without its devDependencies) the patch is skipped too;
// live capture then runs on the unpatched `cap` with delivery timestamps and no drop counters.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const say = (m) => process.stderr.write(`igmpkit postinstall: ${m}\n`);

let capDir;
try {
  capDir = dirname(require.resolve("cap/package.json"));
} catch {
  say("the optional package cap is not installed (libpcap missing?): live capture is unavailable, everything else works");
  process.exit(0);
}
let patchPackage;
try {
  const pkg = require.resolve("patch-package/package.json");
  patchPackage = join(dirname(pkg), "index.js");
} catch {
  say("patch-package is not installed (no devDependencies): cap left unpatched (delivery timestamps, no drop counters)");
  process.exit(0);
}

const r = spawnSync(process.execPath, [patchPackage], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  say("patch-package could not apply patches/cap+0.2.1.patch");
  process.exit(r.status ?? 1);
}

// Rebuild when the patched source is newer than the binary (cap's own install built the unpatched one).
const binary = join(capDir, "build", "Release", "cap.node");
const source = join(capDir, "src", "binding.cc");
const stale = !existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs;
if (stale) {
  say("rebuilding cap with the patch");
  const b = spawnSync("npm", ["rebuild", "cap"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) {
    say("npm rebuild cap failed after patching (is libpcap-dev still installed?)");
    process.exit(b.status ?? 1);
  }
}
