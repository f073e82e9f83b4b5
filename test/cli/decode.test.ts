import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIgmpFrame, leave, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { cli, tempDir, writePcap } from "./helpers.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const mac = "02:00:00:00:00:02";
const frames = [
  encodeIgmpFrame({ message: v3Query({ maxRespTime: 10 }), src: "198.18.0.1", macSrc: "02:00:00:00:00:01" }),
  encodeIgmpFrame({ message: v3Report([{ type: 4, group: "239.1.1.1" }]), src: "198.18.0.2", macSrc: mac }),
  encodeIgmpFrame({ message: v3Report([{ type: 5, group: "232.1.1.1", sources: ["198.18.0.9"] }]), src: "198.18.0.3", macSrc: mac }),
  encodeIgmpFrame({ message: v2Report("239.2.2.2"), src: "198.18.0.4", macSrc: mac }),
  encodeIgmpFrame({ message: leave("239.2.2.2"), src: "198.18.0.4", macSrc: mac }),
];
const arp = new Uint8Array(60);
arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 9, 0x08, 0x06]);
const file = writePcap(join(dir, "mixed.pcap"), [...frames, arp]);

describe("igmpkit decode", () => {
  it("prints one line per IGMP message, skips and counts the rest, summary on stderr", async () => {
    const r = await cli(["decode", file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{6} 198\.18\.0\.1 > 224\.0\.0\.1: IGMPv3 query, general, max resp 10s, qrv 2, qqi 125s$/);
    expect(lines[2]).toContain("198.18.0.3 > 224.0.0.22: IGMPv3 report, 1 record: ALLOW 232.1.1.1 {198.18.0.9}");
    expect(lines[4]).toContain("198.18.0.4 > 224.0.0.2: IGMPv2 leave 239.2.2.2");
    expect(r.stderr).toContain("6 frames, 5 IGMP (leave 1, query-v3 1, v2-report 1, v3-report 2), 0 bad checksums, 0 malformed, 1 non-IGMP skipped");
  });

  it("--json prints the JSON model, one object per line; --all includes non-IGMP frames", async () => {
    const r = await cli(["decode", "--json", "--all", file]);
    const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(objs).toHaveLength(6);
    expect(objs[1]).toMatchObject({ frame: 2, time: "1763700000.001000000", link: "ethernet", ipSrc: "198.18.0.2", igmp: { kind: "v3-report" } });
    expect(objs[5]).toMatchObject({ frame: 6, igmp: null, other: "arp" });
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ file, summary: { frames: 6, igmp: 5, skipped: 0 } });
  });

  it("filters by type, group and host, and stops after -c N", async () => {
    expect((await cli(["decode", "--type", "report", file])).stdout.trim().split("\n")).toHaveLength(3);
    expect((await cli(["decode", "--type", "leave,query", file])).stdout.trim().split("\n")).toHaveLength(2);
    expect((await cli(["decode", "--type", "leave", "--type", "v2-report", file])).stdout.trim().split("\n")).toHaveLength(2);
    expect((await cli(["decode", "--group", "232.1.1.1", file])).stdout).toContain("ALLOW 232.1.1.1");
    expect((await cli(["decode", "--group", "232.1.1.1", file])).stdout.trim().split("\n")).toHaveLength(1);
    expect((await cli(["decode", "--host", "198.18.0.4", file])).stdout.trim().split("\n")).toHaveLength(2);
    expect((await cli(["decode", "-c", "2", file])).stdout.trim().split("\n")).toHaveLength(2);
  });

  it("-v shows every field", async () => {
    const r = await cli(["decode", "-v", "--group", "232.1.1.1", file]);
    expect(r.stdout).toContain("record 1: ALLOW_NEW_SOURCES (5) group 232.1.1.1, 1 source(s)");
    expect(r.stdout).toContain("      source 198.18.0.9");
    expect(r.stdout).toMatch(/IPv4 tos 0xc0, ttl 1, .* options \(RA\)/);
    expect(r.stdout).toMatch(/IGMP type 0x22 \(v3-report\), cksum 0x[0-9a-f]{4} \(correct\)/);
  });

  it("reads gzip input recognised by its magic, whatever the name", async () => {
    const gz = join(dir, "mixed.cap"); // no .gz in the name on purpose
    writeFileSync(gz, gzipSync(readFileSync(file)));
    const r = await cli(["decode", gz]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(5);
  });

  it("a truncated file: prints everything before, reports offset and frame, exits 1", async () => {
    const bytes = readFileSync(file);
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20)); // the ARP record (16 + 60) loses its end
    const r = await cli(["decode", cut]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(5);
    expect(r.stderr).toMatch(/error: .*\(offset \d+, frame 6\)/);
  });

  it("--strict exits 1 on a malformed frame; bad checksums are shown, not fatal", async () => {
    const bad = encodeIgmpFrame({ message: { ...v2Report("239.3.3.3"), checksum: 0xbeef }, src: "198.18.0.5", macSrc: mac, igmp: { checksum: "keep" } });
    const malformed = encodeIgmpFrame({ message: v3Report([{ type: 1, group: "239.1.1.1", sources: ["198.18.0.1"] }]), src: "198.18.0.6", macSrc: mac, pad: false });
    malformed[14 + 24 + 8 + 3] = 9; // 9 sources claimed, 1 present
    const f = writePcap(join(dir, "bad.pcap"), [bad, malformed]);
    const r = await cli(["decode", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bad igmp cksum 0xbeef, expected 0x[0-9a-f]{4}/);
    expect(r.stdout).toContain("igmp/count-overflow");
    expect(r.stderr).toContain("2 bad checksums, 1 malformed"); // the overrun count also breaks the checksum
    expect((await cli(["decode", "--strict", f])).code).toBe(1);
  });

  it("usage errors exit 2; a missing file exits 1 with its name", async () => {
    expect((await cli(["decode"])).code).toBe(2);
    expect((await cli(["decode", "--type", "bogus", file])).code).toBe(2);
    expect((await cli(["decode", "-c", "0", file])).code).toBe(2);
    expect((await cli(["decode", "--group", "not-an-ip", file])).code).toBe(2);
    expect((await cli(["decode", "--nope", file])).code).toBe(2);
    const r = await cli(["decode", join(dir, "missing.pcap"), file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing.pcap: no such file");
    expect(r.stdout.trim().split("\n")).toHaveLength(5); // the good file is still decoded
  });

  it("a file that is not a capture says so", async () => {
    const junk = join(dir, "junk.pcap");
    writeFileSync(junk, "this is not a capture file at all");
    const r = await cli(["decode", junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/junk\.pcap: .*(magic|not a)/i);
  });
});

describe("decode --json of several files", () => {
  it("names the file in every object, on the fast path and the general one", async () => {
    const r = await cli(["decode", "--json", "--all", file, file]);
    const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(objs).toHaveLength(12);
    expect(objs[0]).toMatchObject({ file, frame: 1, igmp: { kind: "query" } });
    expect(Object.keys(objs[0])[0]).toBe("file");
    expect(objs[11]).toMatchObject({ file, frame: 6, other: "arp" });
    expect(Object.keys(objs[11])[0]).toBe("file");
  });
});

describe("progress bar", () => {
  it("draws on a terminal for a large file, never when stderr is not a terminal", async () => {
    const f = encodeIgmpFrame({ message: v3Report([{ type: 2, group: "239.9.9.9" }]), src: "198.18.0.7", macSrc: mac });
    const big = writePcap(join(dir, "big.pcap"), Array.from({ length: 160_000 }, () => f)); // ~12 MB
    const slow = async (tty: boolean) => cli(["decode", "-c", "150000", big], { stderrIsTTY: tty });
    const onTty = await slow(true);
    expect(onTty.code).toBe(0);
    expect(onTty.stderr).toMatch(/\r.*big\.pcap \[[#-]{30}\] \d+\.\d% \d+ frames/);
    expect(onTty.stderr).toContain("\r\x1b[K"); // cleared before the summary
    const piped = await slow(false);
    expect(piped.stderr).not.toContain("\r");
    // stdout and stderr on one terminal: no bar to interleave with the lines
    const both = await cli(["decode", "-c", "150000", big], { stderrIsTTY: true, stdoutIsTTY: true });
    expect(both.stderr).not.toContain("\r");
    expect(both.stdout.split("\n")).toHaveLength(150_001);
  });
});
