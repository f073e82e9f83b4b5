/**
 * One error style for every command ("igmpkit <command>: message"), clean messages for the file-system
 * errors people meet (EISDIR, EACCES, ENOENT) and for a closed pipe (EPIPE, status 1), usage errors exit 2.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIgmpFrame, v2Report } from "../../src/wire/index.js";
import { cli, tempDir, writePcap } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/igmpkit.js");
const FIX = join(ROOT, "fixtures/kernel-igmpv2-host.pcap");
const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe("one error style", () => {
  it("igmpkit with no arguments: the help on standard error, exit 2", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Usage: igmpkit \[options\] \[command\]/);
    expect((await cli(["--help"])).code).toBe(0);
  });

  it("unknown options and commands, bad values: 'igmpkit <command>: ...', exit 2", async () => {
    for (const c of ["decode", "capture", "monitor", "lint", "host", "interfaces", "completion"]) {
      const r = await cli([c, "--nope"]);
      expect(r.code, c).toBe(2);
      expect(r.stderr, c).toMatch(new RegExp(`^igmpkit ${c}: unknown option '--nope'`));
    }
    const u = await cli(["nope"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^igmpkit: unknown command 'nope'/);
    const c0 = await cli(["decode", "-c", "0", FIX]);
    expect(c0.stderr).toMatch(/^igmpkit decode: -c "0": a whole number/);
    const h = await cli(["host", "--hosts", "2", "--join", "239.1.1.1"]);
    expect(h.stderr).toMatch(/^igmpkit host: host needs -i IFACE/);
    expect(h.code).toBe(2);
    expect((await cli(["lint", "--fail-on", "bad", FIX])).stderr).toMatch(/^igmpkit lint: option '--fail-on <severity>' argument 'bad' is invalid/);
  });

  it("a directory, a missing file: the same words from decode, lint and monitor, exit 1", async () => {
    for (const args of [["decode"], ["lint"], ["monitor", "--text", "-r"]]) {
      const name = args[0]!;
      const d = await cli([...args, dir]);
      expect(d.code, name).toBe(1);
      expect(d.stderr, name).toContain(`igmpkit ${name}: ${dir}: is a directory, not a capture file`);
      const m = await cli([...args, join(dir, "missing.pcap")]);
      expect(m.code, name).toBe(1);
      expect(m.stderr, name).toContain(`igmpkit ${name}: ${join(dir, "missing.pcap")}: no such file`);
    }
  });

  it("with --json, usage errors are JSON too: the commands' own checks and commander's, one object, exit 2", async () => {
    for (const [args, error] of [
      [["decode", "--json", FIX, "tcp port 80"], /^filter: "tcp" is pcap-filter\(7\) syntax .*\n  tcp port 80\n  \^\^\^$/],
      [["decode", "--json", "-c", "0", FIX], /^-c "0": a whole number/],
      [["lint", "--json", "--nope", FIX], /^unknown option '--nope'$/],
      [["stats", "--json"], /^missing required argument 'file'$/],
      [["host", "--json", "--hosts", "2", "--join", "239.1.1.1"], /^host needs -i IFACE/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines, args.join(" ")).toHaveLength(1);
      const o = JSON.parse(lines[0]!) as { error: string; code: string };
      expect(o.code).toBe("usage");
      expect(o.error, args.join(" ")).toMatch(error);
    }
    // after "--" nothing is an option
    expect((await cli(["decode", "-c", "0", "--", "--json"])).stderr).toMatch(/^igmpkit decode: /);
  });

  // report -o has its own test in report.test.ts
  it("an output that cannot be written: 'PATH: is a directory' / 'no such directory' from every command that writes one; inputs named", async () => {
    const nodir = join(dir, "no-such-dir", "out");
    for (const [args, path] of [
      [["decode", "-w", dir, FIX], dir],
      [["host", "--hosts", "2", "--join", "239.1.1.1", "-w", dir], dir],
      [["querier", "--hosts", "2", "--join", "239.1.1.1", "--duration", "1", "-w", dir], dir],
      [["conform", "--emulate", "--cases", "host.join-report", "--junit", dir], dir],
    ] as const) {
      for (const [target, words] of [
        [path, "is a directory"],
        [nodir, "no such directory"],
      ] as const) {
        const a = args.map((x) => (x === path ? target : x));
        const r = await cli(a);
        expect(r.code, a.join(" ")).toBe(1);
        expect(r.stderr, a.join(" ")).toContain(`igmpkit ${a[0]}: ${target}: ${words}\n`);
        expect(r.stderr, a.join(" ")).not.toMatch(/EISDIR|ENOENT|illegal operation/);
      }
    }
    for (const [args, text] of [
      [["host", "--scenario", dir, "-w", join(dir, "x.pcap")], `igmpkit host: --scenario ${dir}: is a directory\n`],
      [["querier", "--script", dir, "--duration", "1"], `igmpkit querier: --script ${dir}: is a directory\n`],
      [["querier", "--script", join(dir, "nope.json"), "--duration", "1"], `igmpkit querier: --script ${join(dir, "nope.json")}: no such file\n`],
      [["lint", "--config", dir, FIX], `igmpkit lint: ${dir}: is a directory\n`],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toBe(text);
    }
  });

  it.runIf(typeof process.getuid === "function" && process.getuid() === 0 && existsSync(join(ROOT, "dist/cli.js")))(
    "a file that cannot be read: 'permission denied' (run as nobody)",
    () => {
      const locked = join(dir, "locked");
      mkdirSync(locked);
      chmodSync(dir, 0o755);
      copyFileSync(FIX, join(locked, "x.pcap"));
      chmodSync(join(locked, "x.pcap"), 0o000);
      const r = spawnSync(process.execPath, [BIN, "decode", join(locked, "x.pcap")], { uid: 65534, gid: 65534, encoding: "utf8" });
      expect(r.stderr).toBe(`igmpkit decode: ${join(locked, "x.pcap")}: permission denied\n`);
      expect(r.status).toBe(1);
    },
  );

  it.runIf(existsSync(join(ROOT, "dist/cli.js")))("a reader that goes away (| head -1): one line on stderr, the partial summary, exit 1", () => {
    const f = encodeIgmpFrame({ message: v2Report("239.1.1.1"), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
    const big = writePcap(join(dir, "big.pcap"), Array.from({ length: 20_000 }, () => f));
    for (const opts of ["", "-v -x"]) {
      const r = spawnSync("bash", ["-c", `set -o pipefail; node ${BIN} decode ${opts} ${big} | head -1 >/dev/null`], { encoding: "utf8" });
      const lines = r.stderr.trim().split("\n");
      expect(lines[0], opts).toBe("igmpkit decode: cannot write to standard output: EPIPE (its reader closed the pipe); the output is incomplete");
      expect(lines[1], opts).toMatch(/^.*big\.pcap: \d+ frames, .* partial: standard output failed \(EPIPE\)$/);
      expect(lines, opts).toHaveLength(2);
      expect(r.status, opts).toBe(1);
    }
    const j = spawnSync("bash", ["-c", `set -o pipefail; node ${BIN} decode --json ${big} | head -1 >/dev/null`], { encoding: "utf8" });
    const [err, summary] = j.stderr.trim().split("\n").map((l) => JSON.parse(l));
    expect(err).toMatchObject({ code: "write-failed", errno: "EPIPE" });
    expect(summary).toMatchObject({ partial: true, stoppedBy: "standard output failed (EPIPE)" });
    expect(j.status).toBe(1);
  });
});
