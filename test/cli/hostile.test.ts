/**
 * Hostile input through the CLI (issue 15): nothing from a file reaches the terminal raw, filters that
 * would match nothing are refused, times outside a Date print, gzip cut short keeps its frames.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { safeText } from "../../src/cli/sanitize.js";
import { cli, tempDir } from "./helpers.js";
import { ESCAPES, gzipCut, pcapAboveSnaplen, pcapngAboveSnaplen, pcapngEscapes, pcapngFarTimes, pcapOf } from "../fuzz/hostile.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const file = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** Any control character but the newline ending each line. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("one sanitiser for strings from input", () => {
  it("escapes C0/C1 controls, DEL, backslash and bidi marks; leaves other text alone", () => {
    expect(safeText(ESCAPES)).toBe("\\x1b]0;pwned\\x07\\x1b[2J\\x0dFAKE: all clean\\x1b[8m");
    expect(safeText("eth0 ünï 日本")).toBe("eth0 ünï 日本");
    expect(safeText("a\\x1b")).toBe("a\\\\x1b");
    expect(safeText("\u202egnp.exe\u0085\u007f")).toBe("\\u202egnp.exe\\x85\\x7f");
  });

  it("a pcapng if_name with terminal escapes: text output escaped, JSON exact", async () => {
    const f = file("evil.pcapng", pcapngEscapes());
    for (const args of [["decode", f], ["decode", "-v", "--all", f]]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr.replace(/\n/g, "")).not.toMatch(CONTROL);
      expect(r.stderr).toContain(`drops: ${safeText(ESCAPES)} dropped 7`);
    }
    const j = await cli(["decode", "--json", f]);
    expect(JSON.parse(j.stderr.trim()).drops).toEqual([`${ESCAPES} dropped 7`]);
  });

  it("a file name with escapes, and scenario keys and host names with escapes, come out escaped", async () => {
    const f = file("\x1b[2Jx.pcap", "not a capture at all");
    const r = await cli(["decode", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toContain("\\x1b[2Jx.pcap");

    const sc = file(
      "s.json",
      JSON.stringify({ hosts: [{ ip: "198.18.0.2", name: ESCAPES }, { ip: "198.18.0.3", name: ESCAPES }], timeline: [], [ESCAPES]: 1 }),
    );
    const h = await cli(["host", "--scenario", sc]);
    expect(h.code).toBe(2);
    expect(h.stderr.replace(/\n/g, "")).not.toMatch(CONTROL);
    expect(h.stderr).toContain("unknown key");
    expect(h.stderr).toContain("is already used by");
  });
});

describe("filters that would silently match nothing are usage errors", () => {
  it.each([
    [["--type", ""], /--type "" names no kind/],
    [["--type", ",,,"], /--type ",,," names no kind/],
    [["--group", "239.003.003.001"], /--group "239.003.003.001" has a leading zero in an octet; write 239.3.3.1/],
    [["--host", "198.018.013.002"], /--host "198.018.013.002" has a leading zero in an octet; write 198.18.13.2/],
    [["--group", "239.1.1"], /--group "239.1.1" is not an IPv4 address/],
  ])("decode %j", async (args, msg) => {
    const r = await cli(["decode", ...args, "fixtures/kernel-igmpv3-host.pcap"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe("");
  });

  it("host --first-ip and scenario addresses with leading zeros, a count of 1e999", async () => {
    const a = await cli(["host", "--first-ip", "198.018.0.10", "--join", "239.1.1.1"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/"198\.018\.0\.10" has a leading zero in an octet; write 198\.18\.0\.10/);
    const sc = file("big.json", '{"hosts":[{"firstIp":"198.18.0.10","count":1e999}],"timeline":[]}');
    const b = await cli(["host", "--scenario", sc]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("$.hosts[0].count: must be an integer in 1..");
    expect(b.stderr).toContain("got a number too large to be finite");
    expect(b.stderr).not.toContain("got null");
  });
});

describe("times outside a JavaScript Date", () => {
  it("if_tsoffset ±2^63 and if_tsresol 0: text, --epoch and --json exact, no NaN", async () => {
    const f = file("far.pcapng", pcapngFarTimes());
    const text = await cli(["decode", f]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain("NaN");
    const tod = (sec: bigint, us = 0) => {
      const s = Number(((sec % 86400n) + 86400n) % 86400n);
      const p = (n: number) => String(n).padStart(2, "0");
      return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}.${String(us).padStart(6, "0")}`;
    };
    // -2^63 s + 1 µs is 1 µs into the second -2^63
    expect(text.stdout.split("\n").slice(0, 3).map((l) => l.split(" ")[0])).toEqual([tod(2n ** 63n - 1n, 1), tod(-(2n ** 63n), 1), tod(2n ** 64n - 1n)]);
    const epoch = await cli(["decode", "--epoch", f]);
    expect(epoch.stdout.split("\n").slice(0, 3).map((l) => l.split(" ")[0])).toEqual([
      "9223372036854775807.000001000",
      "-9223372036854775807.999999000",
      "18446744073709551615.000000000",
    ]);
    const json = await cli(["decode", "--json", f]);
    expect(json.stdout.trim().split("\n").map((l) => JSON.parse(l).time)).toEqual([
      "9223372036854775807.000001000",
      "-9223372036854775807.999999000",
      "18446744073709551615.000000000",
    ]);
    // ifDrop 2^64-1 plus osDrop 2^53+1, summed exactly
    expect(JSON.parse(json.stderr).drops).toEqual([`if0 dropped ${2n ** 64n - 1n + 2n ** 53n + 1n}`]);
  });
});

describe("times outside a JavaScript Date in the monitor", () => {
  it("monitor -r on a terminal prints every event and the table (before: Invalid time value at the first)", async () => {
    const f = file("far-monitor.pcapng", pcapngFarTimes());
    const r = await cli(["monitor", "-r", f], { stdoutIsTTY: true });
    expect(r.stderr).not.toContain("Invalid time value");
    expect(r.code).toBe(0);
    // (the monitor keeps time in double milliseconds: seconds this large print rounded)
    expect(r.stdout).toMatch(/^92233720368547\d{5}\.000001000 s #1 join group=239\.1\.1\.1/m);
    expect(r.stdout).toContain("239.1.1.1  exclude");
  });
});

describe("damage the reader reads past", () => {
  it("records above the snaplen: decoded, numbered, warned; --strict exits 1", async () => {
    for (const [name, bytes, n] of [["snap.pcap", pcapAboveSnaplen(), 5], ["snap.pcapng", pcapngAboveSnaplen(), 4]] as const) {
      const f = file(name, bytes);
      const r = await cli(["decode", "--json", f]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).frame)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(JSON.parse(r.stderr).fileErrors).toMatchObject([{ code: "bad-caplen", fatal: false, frame: 1 }]);
      expect((await cli(["decode", "--strict", f])).code).toBe(1);
    }
  });

  it("gzip missing its last byte: every frame printed, then the summary and the error with its offset", async () => {
    const N = 3000;
    const f = file("cut.pcap.gz", gzipCut(pcapOf(N), 1));
    const r = await cli(["decode", f]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(N);
    expect(r.stderr).toContain(`cut.pcap.gz: ${N} frames, ${N} IGMP`);
    expect(r.stderr).toMatch(new RegExp(`error: the gzip stream ends early \\(unexpected end of file\\) after ${24 + N * 76} inflated bytes .*after frame ${N}; every frame before was read \\(offset ${24 + N * 76}\\)`));

    const h = await cli(["host", "--replay", f, "--join", "239.9.9.9", "-w", join(dir, "out.pcap")]);
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/gzip stream ends early/);
    expect(h.stderr).toMatch(new RegExp(`${N} input frames`));
  });
});
