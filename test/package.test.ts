// The built package as users load it: ESM and CJS entries, the wire subpath, and the CLI launcher.
// `npm test` builds with tsup before vitest runs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { encodeIgmpFrame, v2Report } from "../src/wire/index.js";
import { writePcap } from "./cli/helpers.js";

const require = createRequire(import.meta.url);

test("ESM and CJS builds export the same API, and igmpkit/wire alone", async () => {
  const esm = (await import("../dist/index.js")) as Record<string, unknown>;
  const cjs = require("../dist/index.cjs") as Record<string, unknown>;
  for (const name of ["decodeFrame", "encodeIgmp", "readCaptureFile", "openCaptureWriter", "lint", "monitor", "readCapture", "openLiveCapture", "frameToJson", "FrameView"]) {
    expect(typeof esm[name], name).toBe("function");
    expect(typeof cjs[name], name).toBe("function");
  }
  expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  const wire = require("../dist/wire/index.cjs") as Record<string, unknown>;
  expect(typeof wire.decodeFrame).toBe("function");
  expect(wire.readCaptureFile).toBeUndefined(); // the codec has no I/O
});

test("igmpkit/testing loads from the build (ESM and CJS) and reads a capture", async () => {
  const esm = (await import("../dist/testing/index.js")) as typeof import("../src/testing/index.js");
  const cjs = require("../dist/testing/index.cjs") as typeof import("../src/testing/index.js");
  for (const m of [esm, cjs]) {
    expect(Object.keys(m.igmpkitMatchers).sort()).toEqual(["toAnswerWithin", "toHaveMember", "toHaveNoFindings"]);
    const v = await m.membershipAt("fixtures/frr-pimd-igmpv3.pcap", 5, { excludeLinkLocal: true });
    expect(m.membersOf(v, "239.5.5.1")).toEqual(["198.18.15.2"]);
  }
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, unknown> };
  expect(pkg.exports["./testing"]).toEqual({
    import: { types: "./dist/testing/index.d.ts", default: "./dist/testing/index.js" },
    require: { types: "./dist/testing/index.d.cts", default: "./dist/testing/index.cjs" },
  });
});

test("the bin launcher runs the built CLI", () => {
  const out = execFileSync("node", ["bin/igmpkit.js", "decode", "-c", "1", "fixtures/kernel-igmpv3-host.pcap"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  expect(out).toMatch(/198\.18\.13\.2 > 224\.0\.0\.22: IGMPv3 report, 1 record: TO_EX 239\.3\.3\.1 \{\}/);
  expect(execFileSync("node", ["bin/igmpkit.js", "--help"], { encoding: "utf8" })).toContain("Exit status:");
});

test("decode starts without commander's files or node:child_process (commander is bundled, its spawn loaded on use)", () => {
  // what Node loaded, written as the process exits: its built-in modules, and the CommonJS files
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-loaded-"));
  const hook = join(dir, "loaded.cjs");
  writeFileSync(
    hook,
    `process.on("exit", () => process.stderr.write("\\n" + JSON.stringify({ builtins: process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)), files: Object.keys(require.cache) }) + "\\n"));`,
  );
  let out: string;
  try {
    const r = spawnSync("node", ["--require", hook, "bin/igmpkit.js", "decode", "fixtures/kernel-igmpv3-host.pcap"], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
    expect(r.status).toBe(0);
    out = r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loaded = JSON.parse(out.trim().split("\n").at(-1)!) as { builtins: string[]; files: string[] };
  expect(loaded.builtins).toContain("fs"); // (the list is read)
  expect(loaded.builtins).not.toContain("child_process");
  expect(loaded.files.filter((f) => f.includes("node_modules"))).toEqual([]);
  // the help still lists every command, which commander parses from the same bundle
  expect(execFileSync("node", ["bin/igmpkit.js", "--help"], { encoding: "utf8" })).toMatch(/decode[\s\S]*lint[\s\S]*monitor/);
});

test("a closed pipe (| head) ends the CLI with one line, no stack trace, status 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-pipe-"));
  try {
    // enough output (several MB) that the CLI is still writing when head has gone
    const f = encodeIgmpFrame({ message: v2Report("239.1.1.1"), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
    writePcap(join(dir, "big.pcap"), Array.from({ length: 30_000 }, () => f));
    // pipefail: the status is the CLI's own, not head's; stderr is kept apart to catch an EPIPE trace
    const out = execFileSync(
      "bash",
      ["-c", `set -o pipefail; node bin/igmpkit.js decode --json ${dir}/big.pcap 2>${dir}/err | head -c 100 >/dev/null; echo "status $?"; cat ${dir}/err`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const [status, ...err] = out.trim().split("\n");
    expect(status).toBe("status 1");
    expect(err[0]).toMatch(/"errno":"EPIPE"/);
    expect(out).not.toMatch(/\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("decode - reads standard input, plain or gzip", () => {
  const plain = readFileSync("fixtures/kernel-igmpv2-host.pcap");
  const a = execFileSync("node", ["bin/igmpkit.js", "decode", "-"], { input: plain, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  expect(a.trim().split("\n")).toHaveLength(12);
  const b = execFileSync("node", ["bin/igmpkit.js", "decode", "--json", "-"], { input: gzipSync(plain), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  expect(b.trim().split("\n").map((l) => JSON.parse(l).frame)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
});
