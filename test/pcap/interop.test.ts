/**
 * Interop with the reference tools: files from our writers read by tshark and tcpdump, and files from
 * editcap, mergecap and text2pcap read by our reader. Skipped (visibly) when the tools are absent,
 * unless IGMPKIT_REQUIRE_LIVE=1.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatTimestamp, type Frame } from "../../src/pcap/frame.js";
import { PcapWriter, PcapngWriter } from "../../src/pcap/writer.js";
import { concat, epb, idb, parseIn, payload, pb, shb, spb, Bytes } from "./helpers.js";

function has(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const TOOLS = ["tshark", "tcpdump", "editcap", "mergecap", "text2pcap"] as const;
const missing = TOOLS.filter((t) => !has(t));
const requireLive = process.env.IGMPKIT_REQUIRE_LIVE === "1";
const reason = missing.length > 0 ? ` (SKIPPED: ${missing.join(", ")} not installed)` : "";
if (missing.length > 0 && !requireLive) console.warn(`test/pcap/interop: skipping, ${missing.join(", ")} not installed`);

const dir = mkdtempSync(join(tmpdir(), "igmpkit-pcap-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] });
}

interface ToolFrame {
  ts: string;
  len: number;
  caplen: number;
  hex: string;
}

/**
 * What tshark sees: epoch time with 9 decimals and lengths (`-T fields`), and every frame's bytes from its
 * `-x` hex dump.
 */
function tsharkFrames(path: string): ToolFrame[] {
  const fields = run("tshark", ["-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"])
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  const dumps = run("tshark", ["-r", path, "-x"])
    .split(/\n\s*\n/)
    .filter((d) => d.trim() !== "")
    .map((d) =>
      d
        .split("\n")
        .map((line) => /^[0-9a-f]{4,}  ((?:[0-9a-f]{2} ?)+)/.exec(line)?.[1] ?? "")
        .join("")
        .replace(/ /g, ""),
    );
  expect(dumps.length).toBe(fields.length);
  return fields.map(([ts, len, caplen], i) => ({ ts: ts!, len: Number(len), caplen: Number(caplen), hex: dumps[i]! }));
}

function ours(f: Frame): ToolFrame {
  return { ts: formatTimestamp(f.timestampNs), len: f.wireLength, caplen: f.data.length, hex: Buffer.from(f.data).toString("hex") };
}

/** Ethernet frames carrying an IGMPv2 query, of different lengths and timestamps. */
const frames: Frame[] = Array.from({ length: 12 }, (_, i) => {
  const head = Uint8Array.from(Buffer.from("01005e000001020000000001080046c000200000000001024eea0a000001e0000001940400001164ee9b00000000", "hex"));
  const data = concat(head, payload(i * 7, i));
  // IPv4 total length covers the payload, so tshark shows raw-IP frames (derived below) whole.
  new DataView(data.buffer).setUint16(16, data.length - 14);
  return {
    timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_234_567_891n + (i === 3 ? 999n : 0n),
    wireLength: data.length + (i % 4 === 0 ? 10 : 0),
    data,
    linkType: 1,
    interfaceId: 0,
  };
});
const usFrames = frames.map((f) => ({ ...f, timestampNs: (f.timestampNs / 1000n) * 1000n }));

function writeFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function readOurs(path: string) {
  const r = parseIn(new Uint8Array(readFileSync(path)), 4096);
  expect(r.fatal).toBeUndefined();
  expect(r.errors).toEqual([]);
  return r;
}

describe.skipIf(missing.length > 0 && !requireLive)(`interop with tshark, tcpdump, editcap, mergecap, text2pcap${reason}`, () => {
  it("the tools are installed", () => {
    expect(missing).toEqual([]);
  });

  const variants = [
    { name: "pcap-us.pcap", nano: false, ng: false },
    { name: "pcap-ns.pcap", nano: true, ng: false },
    { name: "ng-us.pcapng", nano: false, ng: true },
    { name: "ng-ns.pcapng", nano: true, ng: true },
  ];
  for (const v of variants) {
    it(`tshark and tcpdump read our ${v.name} with the same frames, times and bytes`, () => {
      const w = v.ng
        ? new PcapngWriter({ nanosecond: v.nano, interfaces: [{ linkType: 1, name: "eth0" }] })
        : new PcapWriter({ linkType: 1, nanosecond: v.nano });
      const path = writeFile(v.name, concat(w.header(), ...frames.map((f) => w.record(f))));
      const expected = (v.nano ? frames : usFrames).map(ours);
      expect(tsharkFrames(path)).toEqual(expected);
      // tcpdump: rewrite through libpcap at ns precision, then compare what we read back.
      const out = join(dir, `tcpdump-${v.name}.pcap`);
      execFileSync("tcpdump", ["--time-stamp-precision=nano", "-r", path, "-w", out], { stdio: "ignore" });
      const back = readOurs(out);
      expect(back.parser.info).toMatchObject({ format: "pcap", nanosecond: true });
      expect(back.frames.map(ours)).toEqual(expected);
      const lines = run("tcpdump", ["--nano", "-tt", "-n", "-r", path]).trim().split("\n");
      expect(lines.map((l) => l.split(" ")[0])).toEqual(expected.map((f) => f.ts));
    });
  }

  it("tshark agrees on a pcapng with two interfaces of different link types, and an ISB", () => {
    const w = new PcapngWriter({ nanosecond: true, interfaces: [{ linkType: 1, name: "eth0" }, { linkType: 101, name: "tun0" }] });
    const raw = frames.slice(0, 4).map((f) => ({ ...f, data: f.data.subarray(14), wireLength: f.wireLength - 14, linkType: 101, interfaceId: 1 }));
    const all = [frames[0]!, raw[0]!, frames[1]!, raw[1]!, raw[2]!];
    const path = writeFile("two-if.pcapng", concat(w.header(), ...all.map((f) => w.record(f)), w.statistics(0, { timestampNs: 1_700_000_100_000_000_000n, ifDrop: 5, osDrop: 6 })));
    expect(tsharkFrames(path)).toEqual(all.map(ours));
    const ids = run("tshark", ["-r", path, "-T", "fields", "-e", "frame.interface_id", "-e", "frame.interface_name", "-e", "frame.encap_type"]);
    expect(ids.trim().split("\n")).toEqual(["0\teth0\t1", "1\ttun0\t7", "0\teth0\t1", "1\ttun0\t7", "1\ttun0\t7"]);
    const r = readOurs(path);
    expect(r.frames.map(ours)).toEqual(all.map(ours));
  });

  it("our reader agrees with tshark on hand-made pcapng: 2^-10 and 10^-9 resolutions, if_tsoffset, PB, big-endian section", () => {
    const le = true;
    const be = false;
    const bytes = concat(
      shb(le),
      idb(le, 1, 0, [[9, Uint8Array.of(0x80 | 10)]]),
      idb(le, 1, 0, [[9, Uint8Array.of(9)], [14, new Bytes(le).u64(3600n).build()]]),
      epb(le, 0, 1_700_000_000n * 1024n + 3n, frames[0]!.data),
      epb(le, 1, 1_700_000_000_123_456_789n, frames[1]!.data),
      pb(le, 1, 0, 1_700_000_000_000_000_001n, frames[2]!.data),
      shb(be),
      idb(be, 1, 0, [[9, Uint8Array.of(3)]]),
      epb(be, 0, 1_700_000_000_123n, frames[3]!.data),
    );
    const path = writeFile("handmade.pcapng", bytes);
    const r = readOurs(path);
    expect(r.frames.map(ours)).toEqual(tsharkFrames(path));
    expect(r.frames.map((f) => formatTimestamp(f.timestampNs))).toEqual([
      "1700000000.002929687",
      "1700003600.123456789",
      "1700003600.000000001",
      "1700000000.123000000",
    ]);
  });

  it("tshark agrees on Simple Packet Block lengths and bytes", () => {
    const bytes = concat(shb(true), idb(true, 1, 64), spb(true, frames[5]!.data.length, frames[5]!.data.subarray(0, 64)), spb(true, 50, frames[6]!.data.subarray(0, 50)));
    const path = writeFile("spb.pcapng", bytes);
    const r = readOurs(path);
    const theirs = tsharkFrames(path).map(({ len, caplen, hex }) => ({ len, caplen, hex }));
    expect(r.frames.map(ours).map(({ len, caplen, hex }) => ({ len, caplen, hex }))).toEqual(theirs);
    expect(r.frames.map((f) => f.data.length)).toEqual([64, 50]);
  });

  it("reads files written by editcap -F pcapng and -F nsecpcap", () => {
    const w = new PcapWriter({ linkType: 1, nanosecond: true });
    const src = writeFile("src-ns.pcap", concat(w.header(), ...frames.map((f) => w.record(f))));
    const ng = join(dir, "editcap.pcapng");
    execFileSync("editcap", ["-F", "pcapng", src, ng], { stdio: "ignore" });
    const a = readOurs(ng);
    expect(a.parser.info?.format).toBe("pcapng");
    expect(a.frames.map(ours)).toEqual(frames.map(ours));

    const wu = new PcapWriter({ linkType: 1 });
    const srcUs = writeFile("src-us.pcap", concat(wu.header(), ...frames.map((f) => wu.record(f))));
    const ns = join(dir, "editcap-ns.pcap");
    execFileSync("editcap", ["-F", "nsecpcap", srcUs, ns], { stdio: "ignore" });
    const b = readOurs(ns);
    expect(b.parser.info).toMatchObject({ format: "pcap", nanosecond: true });
    expect(b.frames.map(ours)).toEqual(usFrames.map(ours));
    // And a snaplen cut by editcap -s: caplen < wire length.
    const cut = join(dir, "editcap-s.pcapng");
    execFileSync("editcap", ["-F", "pcapng", "-s", "40", src, cut], { stdio: "ignore" });
    const c = readOurs(cut);
    expect(c.frames.map((f) => [f.data.length, f.wireLength])).toEqual(frames.map((f) => [40, f.wireLength]));
    expect(c.frames.map(ours)).toEqual(tsharkFrames(cut));
  });

  it("reads mergecap output (one pcapng section, an interface per input)", () => {
    const w1 = new PcapngWriter({ nanosecond: true, interfaces: [{ linkType: 1, name: "a" }] });
    const w2 = new PcapWriter({ linkType: 101 });
    const f1 = frames.filter((_, i) => i % 2 === 0);
    const f2 = usFrames.filter((_, i) => i % 2 === 1).map((f) => ({ ...f, data: f.data.subarray(14), wireLength: f.wireLength - 14, linkType: 101 }));
    const p1 = writeFile("m1.pcapng", concat(w1.header(), ...f1.map((f) => w1.record(f))));
    const p2 = writeFile("m2.pcap", concat(w2.header(), ...f2.map((f) => w2.record(f))));
    const out = join(dir, "merged.pcapng");
    execFileSync("mergecap", ["-w", out, p1, p2], { stdio: "ignore" });
    const r = readOurs(out);
    expect(r.frames.length).toBe(frames.length);
    expect(r.frames.map(ours)).toEqual(tsharkFrames(out));
    expect(new Set(r.frames.map((f) => f.linkType))).toEqual(new Set([1, 101]));
  });

  it("agrees with tshark on every real capture in fixtures/", () => {
    const fixtures = existsSync("fixtures") ? readdirSync("fixtures").filter((n) => /\.pcap(ng)?$/.test(n)) : [];
    for (const name of fixtures) {
      const path = join("fixtures", name);
      const r = readOurs(path);
      expect(r.frames.length, name).toBeGreaterThan(0);
      expect(r.frames.map(ours), name).toEqual(tsharkFrames(path));
    }
  });

  it("reads text2pcap output, pcapng and pcap", () => {
    const dump = frames
      .slice(0, 3)
      .map((f) => {
        const hex = Buffer.from(f.data).toString("hex");
        const lines: string[] = [];
        for (let o = 0; o < f.data.length; o += 16) {
          const bytes = hex.slice(o * 2, (o + 16) * 2).match(/../g)!.join(" ");
          lines.push(`${o.toString(16).padStart(6, "0")} ${bytes}`);
        }
        return lines.join("\n");
      })
      .join("\n");
    const txt = writeFile("dump.txt", new TextEncoder().encode(dump + "\n"));
    for (const fmt of ["pcapng", "pcap"]) {
      const out = join(dir, `t2p.${fmt}`);
      execFileSync("text2pcap", ["-q", "-F", fmt, txt, out], { stdio: "ignore" });
      const r = readOurs(out);
      expect(r.parser.info?.format).toBe(fmt);
      expect(r.frames.map((f) => Buffer.from(f.data).toString("hex"))).toEqual(frames.slice(0, 3).map((f) => Buffer.from(f.data).toString("hex")));
      expect(r.frames.map(ours)).toEqual(tsharkFrames(out));
    }
  });
});
