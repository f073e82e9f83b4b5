/** `igmpkit kernel` in-process over the fixture states: table on a terminal, JSON otherwise, --watch events. */
import { describe, expect, it } from "vitest";
import { runKernel } from "../../src/cli/kernel.js";
import { KernelReadError } from "../../src/io/kernel.js";
import type { KernelState } from "../../src/kernel/index.js";
import { captureIo } from "./helpers.js";
import { cli } from "./helpers.js";
import { fixtureState } from "../kernel/helpers.js";

describe("igmpkit kernel", () => {
  it("prints tables on a terminal: groups with counts and filters, VIFs, the cache, findings", async () => {
    const { io, out } = captureIo({ stdoutIsTTY: true });
    expect(await runKernel({}, io, { read: async () => fixtureState("router") })).toBe(0);
    expect(out.stdout).toMatch(/multicast routing: active \(a daemon holds the mroute socket\)/);
    expect(out.stdout).toMatch(/^1\s+rv\s+useIfindex/m);
    expect(out.stdout).toMatch(/^198\.18\.50\.2\s+239\.60\.6\.6\s+rs\s+rv\(1\)\s+\d+\s+\d+\s+8$/m);
    expect(out.stdout).toMatch(/^198\.18\.50\.2\s+239\.61\.0\.1\s+unresolved\s+-/m);
    expect(out.stdout).toMatch(/2 resolved, 3 unresolved/);
    expect(out.stdout).toMatch(/info rpf-failures-seen: \(198\.18\.50\.2, 239\.60\.6\.6\): 8 packets/);
    const host = captureIo({ stdoutIsTTY: true });
    await runKernel({}, host.io, { read: async () => fixtureState("host") });
    expect(host.out.stdout).toMatch(/^eth0\s+232\.60\.2\.2\s+2\s+include\s+198\.18\.60\.9 198\.18\.60\.10\s+no/m);
    expect(host.out.stdout).toMatch(/^eth2\s+4\s+V2\s+0\s+v2\s+/m);
    // The interface's link-layer addresses as /proc/net/dev_mcast lists them (IPv6's too); lo has none.
    expect(host.out.stdout).toMatch(/^eth0\s+2\s+V3\s+.*\s4\s+33:33:00:00:00:01 01:00:5e:00:00:01 01:00:5e:3c:01:01 01:00:5e:3c:02:02 01:00:5e:3c:03:03$/m);
    expect(host.out.stdout).toMatch(/^lo\s+1\s+V3\s+.*\s1\s+-$/m);
    const twice = captureIo({ stdoutIsTTY: true });
    await runKernel({}, twice.io, { read: async () => fixtureState("host", (n, t) => (n === "dev_mcast" ? t.replace("eth1            1     0     01005e3c0101", "eth1            2     0     01005e3c0101") : t)) });
    expect(twice.out.stdout).toMatch(/^eth1\s.*\s33:33:00:00:00:01 01:00:5e:00:00:01 01:00:5e:3c:01:01\(2\)$/m);
    expect(host.out.stdout).toMatch(/no findings/);
  });
  it("prints JSON on a terminal too with --json", async () => {
    const { io, out } = captureIo({ stdoutIsTTY: true });
    expect(await runKernel({ json: true }, io, { read: async () => fixtureState("router") })).toBe(0);
    expect((JSON.parse(out.stdout) as KernelState).router!.vifs.map((v) => v.device)).toEqual(["pimreg", "rv", "rs"]);
  });
  it("prints JSON when stdout is not a terminal: the state and its findings", async () => {
    const { io, out } = captureIo();
    expect(await runKernel({ netns: "x" }, io, { read: async (o) => (expect(o).toEqual({ netns: "x" }), fixtureState("host")) })).toBe(0);
    const j = JSON.parse(out.stdout) as KernelState & { findings: unknown[] };
    expect(j.interfaces.find((i) => i.name === "eth0")!.groups.find((g) => g.group === "239.60.1.1")!.users).toBe(2);
    expect(j.findings).toEqual([]);
  });
  it("exits 1 and lists the problem when a table could not be read", async () => {
    const { io, out } = captureIo();
    const st = fixtureState("host", (n, t) => (n === "igmp" ? t.replace("010000E0     1 0:00000000\t\t0\n2", "garbage\n2") : t));
    expect(await runKernel({}, io, { read: async () => st })).toBe(1);
    expect(JSON.parse(out.stdout).findings[0]).toMatchObject({ rule: "unreadable" });
  });
  it("a namespace that cannot be read: a specific error, exit 1 (JSON when not a terminal)", async () => {
    const { io, out } = captureIo();
    const code = await runKernel({ netns: "nope" }, io, {
      read: async () => {
        throw new KernelReadError("no-such-netns", 'no network namespace "nope"');
      },
    });
    expect(code).toBe(1);
    expect(JSON.parse(out.stderr)).toEqual({ error: 'no network namespace "nope"', code: "no-such-netns" });
  });
  it("--watch: a snapshot, then changes as JSON Lines until stopped", async () => {
    const states = [fixtureState("host"), fixtureState("host", (n, t) => (n === "igmp" ? t.replace("01013CEF     2", "01013CEF     1") : t))];
    const ac = new AbortController();
    let reads = 0;
    let t = 1_000;
    const { io, out } = captureIo();
    const code = await runKernel({ watch: true, interval: 50 }, io, {
      signal: ac.signal,
      now: () => (t += 1000),
      read: async () => {
        const s = states[Math.min(reads++, 1)]!;
        if (reads === 3) ac.abort();
        return s;
      },
    });
    expect(code).toBe(0);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    // Times in the one time form of every igmpkit output: decimal seconds with nine digits, as a string.
    expect(lines[0]).toMatchObject({ type: "snapshot", time: "2.000000000" });
    expect(lines.slice(1)).toEqual([{ time: "3.000000000", type: "users-changed", interface: "eth0", group: "239.60.1.1", from: 2, to: 1 }]);
  });
  it("--watch on a terminal: the tables, then one line per change", async () => {
    const states = [fixtureState("router"), fixtureState("router", (n, t) => (n === "ip_mr_cache" ? t.replace(/^01003DEF.*\n/m, "") : t))];
    const ac = new AbortController();
    let reads = 0;
    const { io, out } = captureIo({ stdoutIsTTY: true });
    const code = await runKernel({ watch: true, interval: 50 }, io, {
      signal: ac.signal,
      now: () => Date.UTC(2026, 0, 1),
      read: async () => {
        const s = states[Math.min(reads++, 1)]!;
        if (reads === 3) ac.abort();
        return s;
      },
    });
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^VIF\s+DEVICE/m);
    expect(out.stdout.trimEnd().split("\n").at(-1)).toBe("2026-01-01T00:00:00.000Z mfc-removed origin=198.18.50.2 group=239.61.0.1 unresolved=true");
  });
  it("is a registered command with its options in --help", async () => {
    const r = await cli(["kernel", "--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--netns", "--json", "--watch", "--interval"]) expect(r.stdout).toContain(o);
    expect((await cli(["kernel", "--watch", "--interval", "5"])).code).toBe(2);
    for (const bad of ["", "../x", ".."]) {
      const r = await cli(["kernel", "--netns", bad]);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `igmpkit kernel: option '--netns <name>' argument '${bad}' is invalid. a namespace name as ip netns list shows it (not empty, no "/", not "." or "..")\n`]);
    }
    const alone = await cli(["kernel", "--interval", "100"]);
    expect([alone.code, alone.stdout, alone.stderr]).toEqual([2, "", "igmpkit kernel: --interval goes with --watch only (one sample is taken without it)\n"]);
  });
});
