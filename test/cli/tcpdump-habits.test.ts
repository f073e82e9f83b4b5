/**
 * decode's tcpdump habits held against tcpdump itself: timestamps in every -t mode and in another zone,
 * -e and the -x/-X/-A dumps byte for byte, filter expressions by the frames they select, -w files.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openCaptureWriter } from "../../src/capture/file.js";
import { encodeIgmpFrame, leave, v1Report, v2Query, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { describeLive } from "../lab/gate.js";
import { cli, tempDir, writePcap } from "./helpers.js";

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const FIX = join(import.meta.dirname, "../../fixtures");

const m1 = "02:00:00:00:00:01";
const m2 = "02:00:00:00:00:02";

/** An IPv4/UDP packet in an Ethernet frame: something that is not IGMP. */
function udpFrame(src: string, dst: string, vlan: number[] = []): Uint8Array {
  const tags = vlan.flatMap((id) => [0x81, 0x00, id >> 8, id & 0xff]);
  const ip = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, ...src.split(".").map(Number), ...dst.split(".").map(Number)];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  const frame = [1, 0, 0x5e, 1, 1, 1, 2, 0, 0, 0, 0, 2, ...tags, 0x08, 0x00, ...ip, 0x13, 0x88, 0x13, 0x88, 0, 8, 0, 0];
  while (frame.length < 60) frame.push(0);
  return Uint8Array.from(frame);
}

const arp = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 9, 0x08, 0x06, ...new Array(46).fill(0)]);

/** Untagged IGMP of every version and kind, and frames that are not IGMP. */
const untagged = writePcap(join(dir, "untagged.pcap"), [
  encodeIgmpFrame({ message: v2Query({ maxRespTime: 10 }), src: "198.18.0.1", macSrc: m1 }),
  encodeIgmpFrame({ message: v3Query({ group: "239.1.1.1", maxRespTime: 1 }), src: "198.18.0.1", macSrc: m1 }),
  encodeIgmpFrame({ message: v3Report([{ type: 4, group: "239.1.1.1" }]), src: "198.18.0.2", macSrc: m2 }),
  encodeIgmpFrame({ message: v2Report("239.2.2.2"), src: "198.18.0.4", macSrc: m2 }),
  encodeIgmpFrame({ message: leave("239.2.2.2"), src: "198.18.0.4", macSrc: m2 }),
  encodeIgmpFrame({ message: v1Report("239.3.3.3"), src: "198.18.1.5", macSrc: m2 }),
  udpFrame("198.18.0.2", "239.1.1.1"),
  arp,
  encodeIgmpFrame({ message: v3Report([{ type: 5, group: "232.1.1.1", sources: ["198.18.0.9"] }]), src: "198.18.3.3", macSrc: m1 }),
]);

/** VLAN-tagged frames (one and two tags) among untagged ones. */
const tagged = writePcap(join(dir, "tagged.pcap"), [
  encodeIgmpFrame({ message: v2Report("239.2.2.2"), src: "198.18.0.6", macSrc: m2, vlan: [10] }),
  encodeIgmpFrame({ message: v3Report([{ type: 4, group: "239.1.1.1" }]), src: "198.18.0.7", macSrc: m2, vlan: [20] }),
  encodeIgmpFrame({ message: v2Report("239.2.2.3"), src: "198.18.0.8", macSrc: m2, vlan: [100, 10] }),
  udpFrame("198.18.0.6", "239.1.1.1", [10]),
  encodeIgmpFrame({ message: v2Report("239.2.2.2"), src: "198.18.0.6", macSrc: m2 }),
]);

function tcpdump(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const out = execFileSync("tcpdump", ["-n", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "ignore"] }).toString();
  return out.split("\n").filter((l) => l !== "");
}

async function withTz<T>(tz: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return await fn();
  } finally {
    process.env.TZ = before;
  }
}

async function lines(args: string[]): Promise<string[]> {
  const r = await cli(["decode", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split("\n").filter((l) => l !== "");
}

/** The timestamp of a line: what precedes "IP " (tcpdump) or the source address (igmpkit). */
const tcpdumpTime = (l: string): string => l.slice(0, l.indexOf("IP ")).trimEnd();
const ourTime = (l: string): string => /^(.*?) ?\d+\.\d+\.\d+\.\d+ > /.exec(l)![1]!;

describeLive("decode against tcpdump", ["tcpdump"], () => {
  const fixtures = ["kernel-igmpv2-host.pcap", "frr-pimd-igmpv3.pcap", "kernel-igmpv3-host.pcapng"].map((f) => join(FIX, f));

  for (const tz of ["America/New_York", "Asia/Kolkata", "UTC"]) {
    it(`timestamps in every -t mode equal tcpdump's, TZ=${tz}`, async () => {
      for (const f of fixtures) {
        for (const t of ["", "-t", "-tt", "-ttt", "-tttt", "-ttttt"]) {
          const theirs = tcpdump(["-r", f, ...(t ? [t] : [])], { TZ: tz }).map(tcpdumpTime);
          const ours = (await withTz(tz, () => lines([...(t ? [t] : []), f]))).map(ourTime);
          expect(ours, `${f} ${t}`).toEqual(theirs);
        }
      }
    });
  }

  it("default is local time; --utc gives what TZ=UTC gives", async () => {
    const f = fixtures[0]!;
    const ny = await withTz("America/New_York", () => lines([f]));
    const nyUtc = await withTz("America/New_York", () => lines(["--utc", f]));
    expect(ny.map(ourTime)).toEqual(tcpdump(["-r", f], { TZ: "America/New_York" }).map(tcpdumpTime));
    expect(nyUtc.map(ourTime)).toEqual(tcpdump(["-r", f], { TZ: "UTC" }).map(tcpdumpTime));
    expect(nyUtc).not.toEqual(ny);
    const dated = await withTz("America/New_York", () => lines(["-tttt", "--utc", f]));
    expect(dated.map(ourTime)).toEqual(tcpdump(["-r", f, "-tttt"], { TZ: "UTC" }).map(tcpdumpTime));
  });

  it("-e prints the link level as tcpdump -e does (MACs, VLAN tags with priority, ethertypes, length)", async () => {
    for (const f of [join(FIX, "vlan-8021q-igmpv3.pcap"), join(FIX, "kernel-igmpv2-host.pcap"), tagged, untagged]) {
      const theirs = tcpdump(["-e", "-r", f]);
      const ours = await lines(["-e", "--all", f]);
      expect(ours).toHaveLength(theirs.length);
      ours.forEach((l, i) => {
        // everything up to the IP addresses (or, for ARP, up to the colon after the length) is tcpdump's
        const cut = (s: string): string => s.slice(0, /(\d+\.){3}\d+(\.\d+)? > |ARP|Request/.exec(s)?.index ?? s.length).replace(/ (IP|arp) ?$/, " ").trimEnd();
        expect(cut(l), `${f} frame ${i + 1}`).toBe(cut(theirs[i]!));
      });
    }
  });

  for (const flag of ["-x", "-xx", "-X", "-XX", "-A"]) {
    it(`${flag} dumps byte for byte as tcpdump ${flag} (Ethernet padding, VLAN tags, Linux cooked v2)`, async () => {
      for (const f of [untagged, tagged, join(FIX, "vlan-8021q-igmpv3.pcap"), join(FIX, "any-sll2-igmpv2.pcap")]) {
        // the lines that follow each packet's line are the dump
        const dumps = (ls: string[], isHead: (l: string) => boolean): string[][] => {
          const out: string[][] = [];
          for (const l of ls) if (isHead(l)) out.push([]);
          else out[out.length - 1]!.push(l);
          return out;
        };
        const theirs = dumps(tcpdump([flag, "-r", f]), (l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
        const ours = dumps(await lines([flag, "--all", f]), (l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
        expect(ours, f).toEqual(theirs);
      }
    });
  }

  // Expressions both understand, with the same meaning: counts of selected frames must be equal.
  const untaggedExpressions = [
    "igmp",
    "not igmp",
    "ip",
    "host 198.18.0.2",
    "src 198.18.0.4",
    "dst 224.0.0.22",
    "dst host 224.0.0.1 or dst host 224.0.0.2",
    "src or dst host 198.18.0.1",
    "src and dst host 198.18.0.1",
    "net 198.18.0.0/24",
    "src net 198.18.0.0/15 and not src net 198.18.1.0/24",
    "dst net 239.0.0.0 mask 255.0.0.0",
    "net 198.18",
    "host 198.18.0.4 or 198.18.1.5",
    "igmp or ip and not igmp",
    "igmp and (src 198.18.0.1 || dst 239.3.3.3)",
    "!igmp && ip",
    "ip proto 2",
    "ip proto 17",
    "ether src 02:00:00:00:00:01",
    "ether dst 01:00:5e:00:00:16 and igmp",
    "ether host 2:0:0:0:0:2",
    // IGMP words against tcpdump's byte tests
    ["query", "igmp[0] = 0x11"],
    ["report", "igmp[0] = 0x12 or igmp[0] = 0x16 or igmp[0] = 0x22"],
    ["leave", "igmp[0] = 0x17"],
    ["v1", "igmp[0] = 0x12 or (igmp[0] = 0x11 and igmp[1] = 0 and ip[2:2] - (ip[0] & 0xf) * 4 = 8)"],
    ["v2", "igmp[0] = 0x16 or igmp[0] = 0x17 or (igmp[0] = 0x11 and igmp[1] != 0 and ip[2:2] - (ip[0] & 0xf) * 4 = 8)"],
    ["v3", "igmp[0] = 0x22 or (igmp[0] = 0x11 and ip[2:2] - (ip[0] & 0xf) * 4 >= 12)"],
    ["group 239.2.2.2", "igmp and igmp[4:4] = 0xef020202"],
    ["report and not v3", "igmp[0] = 0x12 or igmp[0] = 0x16"],
  ];
  const taggedExpressions = ["vlan", "not vlan", "vlan 10", "vlan 20", "vlan and vlan", "vlan 100 and vlan 10", "vlan 10 and igmp", "vlan 10 and not igmp", "vlan and host 198.18.0.6", "vlan 10 and src 198.18.0.6 and dst 239.2.2.2"];

  it("filter expressions select the frames tcpdump selects", async () => {
    const check = async (f: string, ours: string, theirs: string): Promise<void> => {
      const expected = tcpdump(["-r", f, theirs]).length;
      const r = await cli(["decode", "--all", f, ours]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean).length, `${f}: ${ours}`).toBe(expected);
      expect(r.stderr).toContain(`, ${expected} matched`);
    };
    for (const e of untaggedExpressions) {
      const [ours, theirs] = Array.isArray(e) ? e : [e, e];
      await check(untagged, ours!, theirs!);
    }
    for (const e of taggedExpressions) await check(tagged, e, e);
    for (const f of ["kernel-igmpv3-host.pcap", "frr-pimd-igmpv2.pcap", "bridge-querier-igmpv3.pcap"]) {
      for (const e of untaggedExpressions.slice(0, 12)) await check(join(FIX, f), e as string, e as string);
    }
  });

  it("-w writes the selected frames with their timestamps and lengths (pcap and pcapng, µs and ns)", async () => {
    const nano = join(dir, "nano.pcap");
    const w = openCaptureWriter(nano, { linkType: 1, nanosecond: true });
    const frames = [encodeIgmpFrame({ message: v2Report("239.9.9.9"), src: "198.18.0.4", macSrc: m2 }), arp];
    frames.forEach((data, i) => w.write({ timestampNs: 1_763_700_000_123_456_789n + BigInt(i), wireLength: data.length + 4 * i, data }));
    w.close();
    for (const [input, expr, nanoFlag] of [
      [untagged, "host 198.18.0.4 or not ip", false],
      [nano, "host 198.18.0.4", true],
    ] as const) {
      for (const ext of ["pcap", "pcapng"]) {
        const out = join(dir, `out-${ext}-${String(nanoFlag)}.${ext}`);
        const r = await cli(["decode", "--all", "-w", out, input, expr]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe(""); // -w alone prints no frames, as tcpdump
        const fmt = nanoFlag ? ["--nano"] : [];
        const want = tcpdump([...fmt, "-tt", "-e", "-x", "-r", input, expr]);
        expect(tcpdump([...fmt, "-tt", "-e", "-x", "-r", out])).toEqual(want);
        expect(r.stderr).toContain(`${out}: ${want.filter((l) => !l.startsWith("\t")).length} frames written`);
        const magic = readFileSync(out).readUInt32LE(0);
        expect(magic).toBe(ext === "pcapng" ? 0x0a0d0d0a : nanoFlag ? 0xa1b23c4d : 0xa1b2c3d4);
      }
    }
  });
});

describe("decode arguments, tcpdump's way", () => {
  it("a trailing expression is the filter, not a file; with -r every positional argument that is not a file is", async () => {
    const a = await cli(["decode", untagged, "igmp", "and", "host", "198.18.0.4"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trim().split("\n")).toHaveLength(2);
    const b = await cli(["decode", "-r", untagged, "-r", tagged, "leave or vlan 20"]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.trim().split("\n")).toHaveLength(2);
    const c = await cli(["decode", untagged, "198.18.0.4"]); // a bare address is `host`, as in tcpdump
    expect(c.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("an expression that does not compile is a usage error pointing at the word, exit 2, nothing decoded", async () => {
    const r = await cli(["decode", untagged, "igmp and hots 198.18.0.4"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('igmpkit decode: filter: unknown word "hots"');
    expect(r.stderr).toContain("  igmp and hots 198.18.0.4\n           ^^^^\n");
    for (const [expr, word] of [
      ["host 198.18.0.300", '"198.18.0.300" is not an IPv4 address'],
      ["(igmp or leave", 'unclosed "("'],
      ["net 10.1.1.1/8", "non-network bits set"],
      ["vlan 5000", "greater than 4095"],
      ["host 198.18.0.04", "leading zero"],
      ["group foo", "host names are not resolved"],
      ["igmp and", "at the end of the expression"],
      ["igmp leave", 'unexpected "leave"'],
    ]) {
      const e = await cli(["decode", untagged, expr!]);
      expect(e.code, expr).toBe(2);
      expect(e.stderr, expr).toContain(word);
    }
  });

  it("-r beside positional files: the -r files first, then the positional ones, then the expression", async () => {
    const r = await cli(["decode", "-v", untagged, "-r", tagged, "leave or vlan 20"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("reading from file"))).toEqual([`reading from file ${tagged}`, `reading from file ${untagged}`]);
    expect(r.stderr).toContain(`${tagged}: 5 frames`);
    expect(r.stderr).toContain(`${untagged}: 9 frames`);
    const j = await cli(["decode", "--json", "-r", untagged, tagged, "vlan 20 or leave"]);
    expect(j.stdout.trim().split("\n").map((l) => JSON.parse(l).file)).toEqual([untagged, tagged]);
  });

  it("tcpdump syntax this filter does not evaluate (tcp, port, igmp[0]) is a usage error at the word, never a file name", async () => {
    for (const [args, word, at] of [
      [[untagged, "tcp port 80"], '"tcp" is pcap-filter(7) syntax this filter does not evaluate', 0],
      [[untagged, "tcp", "port", "80"], '"tcp" is pcap-filter(7) syntax', 0],
      [[untagged, "igmp and port 80"], '"port" is pcap-filter(7) syntax', 9],
      [[untagged, "udp"], '"udp" is pcap-filter(7) syntax', 0],
      [[untagged, "igmp[0] = 0x11"], '"igmp[0]": byte offsets are pcap-filter(7) syntax', 0],
      [["-r", untagged, "arp or igmp"], '"arp" is pcap-filter(7) syntax', 0],
    ] as const) {
      const r = await cli(["decode", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr, args.join(" ")).toContain(`igmpkit decode: filter: ${word}`);
      expect(r.stderr, args.join(" ")).not.toContain("no such file");
      expect(r.stderr.split("\n")[2], args.join(" ")).toMatch(new RegExp(`^  ${" ".repeat(at)}\\^`));
    }
  });

  it("a missing file is still a missing file (exit 1), not a filter", async () => {
    const r = await cli(["decode", untagged, join(dir, "nope.pcap")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nope.pcap: no such file");
  });

  it("addresses match through VLAN tags (a departure from tcpdump, documented)", async () => {
    const r = await cli(["decode", tagged, "host 198.18.0.6"]);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("--type takes the summary's kinds (query-v2, query-v3)", async () => {
    expect((await lines(["--type", "query-v2", untagged])).map((l) => l.slice(16))).toEqual(["198.18.0.1 > 224.0.0.1: IGMPv2 query, general, max resp 10s"]);
    expect(await lines(["--type", "query-v3,leave", untagged])).toHaveLength(2);
  });

  it("-q prints brief lines; -n and -nn are accepted; -c counts selected frames", async () => {
    const q = await lines(["-q", "-nn", "-c", "3", untagged, "igmp"]);
    expect(q.map((l) => l.slice(16))).toEqual([
      "198.18.0.1 > 224.0.0.1: IGMPv2 query",
      "198.18.0.1 > 239.1.1.1: IGMPv3 query",
      "198.18.0.2 > 224.0.0.22: IGMPv3 report",
    ]);
  });

  it("-v and several files: a header line names each file; --json names it in every object", async () => {
    const v = await lines(["-v", untagged, tagged, "leave or vlan 20"]);
    expect(v.filter((l) => l.startsWith("reading from file"))).toEqual([`reading from file ${untagged}`, `reading from file ${tagged}`]);
    const j = await lines(["--json", untagged, tagged, "leave or vlan 20"]);
    expect(j.map((l) => JSON.parse(l).file)).toEqual([untagged, tagged]);
  });

  it("text options do not combine with --json", async () => {
    expect((await cli(["decode", "--json", "-e", untagged])).code).toBe(2);
    expect((await cli(["decode", "-x", "-A", untagged])).code).toBe(2);
    expect((await cli(["decode", "-tttttt", untagged])).code).toBe(2);
    // --json's time is exact epoch seconds whatever the zone: --utc and --epoch would change nothing, so
    // they are refused as stats --json refuses --utc, not taken silently
    for (const opt of ["--utc", "--epoch"]) {
      const r = await cli(["decode", "--json", opt, untagged]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(JSON.parse(r.stderr).error).toContain("--utc and --epoch shape the text output");
    }
  });
});

describe("capture shares decode's text options", () => {
  it("accepts -e, -x, -t..., --utc, -n and rejects them with --json before opening anything", async () => {
    const r = await cli(["capture", "-i", "ik-none", "--json", "-e"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ error: "-e, -x, -X, -A, -t, --utc and --epoch shape the text output; they do not combine with --json", code: "usage" });
    expect((await cli(["capture", "-i", "ik-none", "-ttttttt"])).stderr).toContain("at most 5 times");
    // -q is tcpdump's brief lines (held live against decode -q in test/capture/cli-live.test.ts)
    const q = await cli(["capture", "-i", "ik-none", "--json", "-q"]);
    expect(q.code).toBe(2);
    expect(JSON.parse(q.stderr)).toEqual({ error: "-q shapes the text output; it does not combine with --json", code: "usage" });
  });
});
