import { describe, expect, it } from "vitest";
import { CaptureParser, parseCapture } from "../../src/pcap/reader.js";
import { PcapError, isPcapError } from "../../src/pcap/errors.js";
import {
  Bytes,
  concat,
  epb,
  idb,
  isb,
  opt,
  parseIn,
  payload,
  pb,
  pcapHeader,
  pcapRecord,
  shb,
  spb,
  summary,
  tsopt,
  u64opt,
  block,
} from "./helpers.js";

const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z

describe("pcap: magic and byte order", () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`${nano ? "ns" : "µs"} ${le ? "little" : "big"}-endian`, () => {
        const frac = nano ? 123_456_789 : 123_456;
        const bytes = concat(
          pcapHeader({ le, nano, snaplen: 65535, linkTypeField: 1 }),
          pcapRecord(le, T0, frac, payload(60), 64),
          pcapRecord(le, T0 + 1, 0, payload(42, 7)),
        );
        const { frames, fatal, parser } = parseIn(bytes);
        expect(fatal).toBeUndefined();
        expect(parser.info).toMatchObject({ format: "pcap", byteOrder: le ? "le" : "be", nanosecond: nano, snaplen: 65535, linkType: 1, versionMajor: 2, versionMinor: 4 });
        expect(frames.map(summary)).toEqual([
          { ts: nano ? "1700000000123456789" : "1700000000123456000", wire: 64, data: Buffer.from(payload(60)).toString("hex"), link: 1, ifid: 0 },
          { ts: "1700000001000000000", wire: 42, data: Buffer.from(payload(42, 7)).toString("hex"), link: 1, ifid: 0 },
        ]);
      });
    }
  }

  it("strips the FCS bits from the link type and reports the FCS length", () => {
    // LINKTYPE_ETHERNET with P bit and FCS len = 2 words (4 bytes): 0x2400_0001.
    const { frames, parser } = parseIn(concat(pcapHeader({ le: true, linkTypeField: 0x24000001 }), pcapRecord(true, T0, 0, payload(64))));
    expect(parser.info).toMatchObject({ linkType: 1, linkTypeField: 0x24000001, fcsLength: 4 });
    expect(frames[0]!.linkType).toBe(1);
    const plain = parseIn(pcapHeader({ le: true, linkTypeField: 0x00000071 }));
    expect(plain.parser.info).toMatchObject({ linkType: 113 });
    expect(plain.parser.info).not.toHaveProperty("fcsLength");
    // FCS length bits without the P bit mean nothing.
    const noP = parseIn(pcapHeader({ le: false, linkTypeField: 0x20000001 }));
    expect(noP.parser.info).toMatchObject({ linkType: 1 });
    expect(noP.parser.info).not.toHaveProperty("fcsLength");
  });

  it("rejects a bad magic and a bad major version", () => {
    const bad = parseIn(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, ...new Array(40).fill(0)));
    expect(bad.fatal?.code).toBe("bad-magic");
    expect(bad.fatal?.offset).toBe(0);
    const v = parseIn(pcapHeader({ le: true, major: 3 }));
    expect(v.fatal?.code).toBe("bad-version");
  });

  it("an empty input is a truncated header", () => {
    const r = parseIn(new Uint8Array(0));
    expect(r.fatal?.code).toBe("truncated-header");
    expect(r.frames).toEqual([]);
  });
});

describe("pcap: corruption", () => {
  const recs = [payload(30), payload(0), payload(17, 3), payload(60, 9)];
  const file = concat(pcapHeader({ le: true }), ...recs.map((d, i) => pcapRecord(true, T0 + i, i, d)));
  const starts: number[] = [];
  let o = 24;
  for (const d of recs) {
    starts.push(o);
    o += 16 + d.length;
  }

  for (const chunk of [0, 1, 5]) {
    it(`every truncation point gives the complete frames then the right error (chunks of ${chunk || "all"})`, () => {
      for (let cut = 0; cut <= file.length; cut++) {
        const r = parseIn(file.subarray(0, cut), chunk || undefined);
        const complete = starts.filter((s, i) => s + 16 + recs[i]!.length <= cut).length;
        expect(r.frames.length, `cut ${cut}`).toBe(complete);
        r.frames.forEach((f, i) => expect(f.data).toEqual(recs[i]));
        if (cut === file.length || (cut >= 24 && (starts.includes(cut) || cut === file.length))) {
          expect(r.fatal, `cut ${cut}`).toBeUndefined();
        } else if (cut < 24) {
          expect(r.fatal?.code, `cut ${cut}`).toBe("truncated-header");
          expect(r.fatal?.offset).toBe(0);
        } else {
          expect(r.fatal?.code, `cut ${cut}`).toBe("truncated-record");
          expect(r.fatal?.offset, `cut ${cut}`).toBe(starts[complete]);
          expect(r.fatal?.frame, `cut ${cut}`).toBe(complete + 1);
          expect(r.fatal?.fatal).toBe(true);
        }
      }
    });
  }

  it("caplen 300000 is bad-caplen, after the good frames", () => {
    const bytes = concat(
      pcapHeader({ le: true, snaplen: 262144 }),
      pcapRecord(true, T0, 0, payload(10)),
      new Bytes(true).u32(T0).u32(0).u32(300000).u32(300000).build(),
      payload(100),
    );
    for (const chunk of [bytes.length, 3]) {
      const r = parseIn(bytes, chunk);
      expect(r.frames.length).toBe(1);
      expect(r.fatal).toBeInstanceOf(PcapError);
      expect(r.fatal).toMatchObject({ code: "bad-caplen", offset: 24 + 26, frame: 2, fatal: true });
    }
  });

  it("caplen above the header's snaplen is read with one warning, as tcpdump and tshark do; above 262144 it is fatal; a zero snaplen means 262144", () => {
    const over = parseIn(concat(pcapHeader({ le: false, snaplen: 64 }), pcapRecord(false, T0, 0, payload(65)), pcapRecord(false, T0, 0, payload(70))));
    expect(over.fatal).toBeUndefined();
    expect(over.frames.map((f) => f.data.length)).toEqual([65, 70]);
    expect(over.errors).toHaveLength(1);
    expect(over.errors[0]).toMatchObject({ code: "bad-caplen", offset: 24, frame: 1, fatal: false });
    const huge = parseIn(concat(pcapHeader({ le: false, snaplen: 64 }), pcapRecord(false, T0, 0, payload(10)), pcapRecord(false, T0, 0, payload(10), 10, 262145)));
    expect(huge.frames).toHaveLength(1);
    expect(huge.fatal).toMatchObject({ code: "bad-caplen", offset: 24 + 26, frame: 2 });
    const zero = parseIn(concat(pcapHeader({ le: true, snaplen: 0 }), pcapRecord(true, T0, 0, payload(1500))));
    expect(zero.fatal).toBeUndefined();
    expect(zero.frames.length).toBe(1);
  });

  it("nothing after a fatal error", () => {
    const p = new CaptureParser();
    p.push(concat(pcapHeader({ le: true, snaplen: 10 }), pcapRecord(true, T0, 0, payload(11), 11, 300_000)));
    expect(p.next()).toBeUndefined();
    expect(p.fatal?.code).toBe("bad-caplen");
    p.push(pcapRecord(true, T0, 0, payload(5)));
    expect(p.next()).toBeUndefined();
    expect(p.done).toBe(true);
  });
});

describe("pcap: chunking", () => {
  it("frames are views of the pushed chunk when the record fits, copies when it spans", () => {
    const bytes = concat(pcapHeader({ le: true }), pcapRecord(true, T0, 0, payload(20)), pcapRecord(true, T0, 0, payload(20, 1)));
    const p = new CaptureParser();
    const a = bytes.slice(0, 24 + 36 + 10);
    const b = bytes.slice(24 + 36 + 10);
    p.push(a);
    const f1 = p.next()!;
    expect(f1.data.buffer).toBe(a.buffer);
    expect(f1.data.byteOffset).toBe(24 + 16);
    expect(p.next()).toBeUndefined();
    p.push(b);
    const f2 = p.next()!;
    expect(f2.data.buffer).not.toBe(a.buffer);
    expect(f2.data.buffer).not.toBe(b.buffer);
    expect(f2.data).toEqual(payload(20, 1));
    p.end();
    expect(p.next()).toBeUndefined();
    expect(p.fatal).toBeUndefined();
    expect(p.done).toBe(true);
    // The chunk the parser was given is untouched.
    expect(a).toEqual(bytes.slice(0, 70));
  });

  it("frames from spanning records stay valid after later pushes", () => {
    const recs = Array.from({ length: 50 }, (_, i) => payload(i * 3, i));
    const bytes = concat(pcapHeader({ le: true }), ...recs.map((d) => pcapRecord(true, T0, 0, d)));
    const p = new CaptureParser();
    const kept = [];
    for (let o = 0; o < bytes.length; o += 7) {
      p.push(bytes.slice(o, o + 7));
      for (let f = p.next(); f; f = p.next()) kept.push(f);
    }
    p.end();
    expect(p.next()).toBeUndefined();
    expect(kept.map((f) => Buffer.from(f.data).toString("hex"))).toEqual(recs.map((d) => Buffer.from(d).toString("hex")));
  });
});

// ---- pcapng ----

const IFNAME = 2;
const TSRESOL = 9;
const TSOFFSET = 14;
const FCSLEN = 13;

/** Two sections (LE then BE); section 1 has 3 interfaces with different resolutions. */
function twoSections(): { bytes: Uint8Array; expected: ReturnType<typeof summary>[] } {
  const le = true;
  const be = false;
  const s1 = concat(
    shb(le, [opt(4, "igmpkit-test"), opt(3, "Linux")]),
    // if 0: µs (default), if_tsoffset 100 s
    idb(le, 1, 262144, [opt(IFNAME, "eth0"), [TSOFFSET, new Bytes(le).u64(100n).build()]]),
    // if 1: ns
    idb(le, 113, 128, [opt(IFNAME, "any"), [TSRESOL, Uint8Array.of(9)], [FCSLEN, Uint8Array.of(4)]]),
    // if 2: 2^-10 s
    idb(le, 101, 0, [[TSRESOL, Uint8Array.of(0x80 | 10)]]),
    epb(le, 0, BigInt(T0) * 1_000_000n + 123_456n, payload(60), 60),
    epb(le, 1, BigInt(T0) * 1_000_000_000n + 123_456_789n, payload(61, 1), 1500),
    epb(le, 2, BigInt(T0) * 1024n + 512n, payload(20, 2)),
    epb(le, 2, BigInt(T0) * 1024n + 1n, payload(21, 3)),
    // unknown block type (0x0BAD): skipped
    block(le, 0x0bad, (b) => b.u32(1).u32(2).u32(3)),
    // custom block 0x40000BAD with odd content: skipped
    block(le, 0x40000bad, (b) => b.bytes([1, 2, 3])),
    spb(le, 100, payload(100, 4)),
    pb(le, 1, 0, BigInt(T0) * 1_000_000_000n + 5n, payload(30, 5), 31),
    isb(le, 0, BigInt(T0 + 10) * 1_000_000n, [
      tsopt(le, 2, BigInt(T0) * 1_000_000n),
      tsopt(le, 3, BigInt(T0 + 10) * 1_000_000n),
      u64opt(le, 4, 1000n),
      u64opt(le, 5, 7n),
      u64opt(le, 6, 900n),
      u64opt(le, 7, 3n),
      u64opt(le, 8, 890n),
    ]),
  );
  const s2 = concat(
    shb(be),
    idb(be, 1, 96, [opt(IFNAME, "wlan0")]),
    epb(be, 0, BigInt(T0) * 1_000_000n + 1n, payload(40, 6)),
    spb(be, 200, payload(96, 7)), // caplen = min(200, snaplen 96)
    isb(be, 0, BigInt(T0) * 1_000_000n, [u64opt(be, 5, 42n), u64opt(be, 7, 0x1_0000_0001n)]),
  );
  const hex = (d: Uint8Array) => Buffer.from(d).toString("hex");
  const expected = [
    { ts: "1700000100123456000", wire: 60, data: hex(payload(60)), link: 1, ifid: 0, name: "eth0" },
    { ts: "1700000000123456789", wire: 1500, data: hex(payload(61, 1)), link: 113, ifid: 1, name: "any" },
    { ts: "1700000000500000000", wire: 20, data: hex(payload(20, 2)), link: 101, ifid: 2 },
    // 1/1024 s = 976562.5 ns, floored.
    { ts: "1700000000000976562", wire: 21, data: hex(payload(21, 3)), link: 101, ifid: 2 },
    { ts: "0", wire: 100, data: hex(payload(100, 4)), link: 1, ifid: 0, name: "eth0" },
    { ts: "1700000000000000005", wire: 31, data: hex(payload(30, 5)), link: 113, ifid: 1, name: "any" },
    { ts: "1700000000000001000", wire: 40, data: hex(payload(40, 6)), link: 1, ifid: 0, name: "wlan0" },
    { ts: "0", wire: 200, data: hex(payload(96, 7)), link: 1, ifid: 0, name: "wlan0" },
  ];
  return { bytes: concat(s1, s2), expected };
}

describe("pcapng", () => {
  it("two sections of different byte order, interfaces with 10^-6, 10^-9, 2^-10 and if_tsoffset, SPB, PB, unknown blocks, ISB", () => {
    const { bytes, expected } = twoSections();
    const r = parseIn(bytes);
    expect(r.fatal).toBeUndefined();
    expect(r.errors).toEqual([]);
    expect(r.frames.map(summary)).toEqual(expected);
    const info = r.parser.info;
    if (info?.format !== "pcapng") throw new Error("not pcapng");
    expect(info.sections.length).toBe(2);
    const [a, b] = info.sections;
    expect(a).toMatchObject({ offset: 0, byteOrder: "le", versionMajor: 1, sectionLength: -1n, userAppl: "igmpkit-test", os: "Linux" });
    expect(b).toMatchObject({ byteOrder: "be" });
    expect(a!.interfaces.map((i) => [i.name, i.linkType, i.snaplen, i.tsresol, i.unitsPerSecond, i.tsoffsetSeconds, i.packets])).toEqual([
      ["eth0", 1, 262144, 6, 1_000_000n, 100n, 2],
      ["any", 113, 128, 9, 1_000_000_000n, 0n, 2],
      [undefined, 101, 0, 0x8a, 1024n, 0n, 2],
    ]);
    expect(a!.interfaces[1]!.fcsLength).toBe(4);
    expect(a!.interfaces[0]!.stats).toEqual({
      timestampNs: 1_700_000_110_000_000_000n,
      startTimeNs: 1_700_000_100_000_000_000n,
      endTimeNs: 1_700_000_110_000_000_000n,
      ifRecv: 1000n,
      ifDrop: 7n,
      filterAccept: 900n,
      osDrop: 3n,
      usrDeliv: 890n,
    });
    expect(b!.interfaces[0]!.stats).toEqual({ timestampNs: 1_700_000_000_000_000_000n, ifDrop: 42n, osDrop: 0x1_0000_0001n });
    expect(r.parser.linkTypes().sort((x, y) => x - y)).toEqual([1, 101, 113]);
    expect(r.parser.frameCount).toBe(8);
  });

  it("converts unusual resolutions exactly (10^0, 10^-2, 10^-12 with if_tsoffset, 2^-30), flooring sub-ns", () => {
    const le = false;
    const res = (r: number) => [TSRESOL, Uint8Array.of(r)] as [number, Uint8Array];
    const bytes = concat(
      shb(le),
      idb(le, 1, 0, [res(0)]),
      idb(le, 1, 0, [res(2)]),
      idb(le, 1, 0, [res(12), [TSOFFSET, new Bytes(le).u64(1_700_000_000n).build()]]),
      idb(le, 1, 0, [res(0x80 | 30)]),
      epb(le, 0, 1_700_000_000n, payload(1)),
      epb(le, 0, 4_294_967_295n, payload(1)),
      epb(le, 1, 170_000_000_012n, payload(1)),
      epb(le, 2, 123_456_789_999n, payload(1)),
      epb(le, 3, 1_700_000_000n * 2n ** 30n + 1n, payload(1)),
      epb(le, 3, 1_700_000_000n * 2n ** 30n + 3n, payload(1)),
    );
    const r = parseIn(bytes);
    expect(r.fatal).toBeUndefined();
    expect(r.frames.map((f) => f.timestampNs)).toEqual([
      1_700_000_000_000_000_000n,
      4_294_967_295_000_000_000n,
      1_700_000_000_120_000_000n,
      1_700_000_000_123_456_789n,
      1_700_000_000_000_000_000n,
      1_700_000_000_000_000_002n,
    ]);
  });

  it("gives the same frames and errors for every chunk size", () => {
    const { bytes, expected } = twoSections();
    for (const chunk of [1, 2, 3, 5, 11, 12, 13, 64, 100, 1000]) {
      const r = parseIn(bytes, chunk);
      expect(r.fatal, `chunk ${chunk}`).toBeUndefined();
      expect(r.frames.map(summary), `chunk ${chunk}`).toEqual(expected);
    }
  });

  it("every truncation point gives the frames before it then truncated-block at the block's offset", () => {
    const le = true;
    const blocks = [shb(le), idb(le, 1, 0), epb(le, 0, 1n, payload(10)), isb(le, 0, 2n, [u64opt(le, 5, 1n)]), epb(le, 0, 3n, payload(33))];
    const bytes = concat(...blocks);
    const starts: number[] = [];
    let o = 0;
    for (const b of blocks) {
      starts.push(o);
      o += b.length;
    }
    for (let cut = 0; cut < bytes.length; cut++) {
      for (const chunk of [undefined, 1]) {
        const r = parseIn(bytes.subarray(0, cut), chunk);
        const done = starts.filter((s, i) => s + blocks[i]!.length <= cut).length;
        const frames = [2, 4].filter((i) => i < done).length;
        expect(r.frames.length, `cut ${cut}`).toBe(frames);
        if (starts.includes(cut) && cut > 0) {
          expect(r.fatal, `cut ${cut}`).toBeUndefined();
          continue;
        }
        if (cut < 4) {
          expect(r.fatal?.code, `cut ${cut}`).toBe("truncated-header");
          continue;
        }
        expect(r.fatal?.code, `cut ${cut}`).toBe("truncated-block");
        expect(r.fatal?.offset, `cut ${cut}`).toBe(starts[done]);
        // The frame number is known once the block type (4 bytes) is.
        const typeKnown = cut - starts[done]! >= 4;
        expect(r.fatal?.frame, `cut ${cut}`).toBe((done === 2 || done === 4) && typeKnown ? frames + 1 : undefined);
      }
    }
  });

  it("a block whose trailer disagrees is skipped (non-fatal) and later blocks are still read", () => {
    const le = true;
    const bad = epb(le, 0, 2n, payload(12, 1), 12, 999);
    const bytes = concat(shb(le), idb(le, 1, 0), epb(le, 0, 1n, payload(10)), bad, epb(le, 0, 3n, payload(14, 2)));
    const seen: PcapError[] = [];
    const p = new CaptureParser({ onError: (e) => seen.push(e) });
    p.push(bytes);
    const frames = [];
    for (let f = p.next(); f; f = p.next()) frames.push(f);
    p.end();
    expect(p.next()).toBeUndefined();
    expect(p.fatal).toBeUndefined();
    expect(frames.map((f) => f.data.length)).toEqual([10, 14]);
    expect(p.errors.length).toBe(1);
    expect(seen).toEqual(p.errors);
    expect(p.errors[0]).toMatchObject({ code: "bad-block-trailer", fatal: false, frame: 2, offset: 28 + 20 + 44 });
  });

  it("a skipped interface description keeps the ids of the interfaces after it", () => {
    const le = true;
    const badIdb = idb(le, 113, 0, [opt(IFNAME, "bad")]);
    new DataView(badIdb.buffer).setUint32(badIdb.length - 4, 16, le);
    const bytes = concat(shb(le), idb(le, 1, 0, [opt(IFNAME, "a")]), badIdb, idb(le, 101, 0, [opt(IFNAME, "c")]), epb(le, 2, 1n, payload(4)), epb(le, 1, 2n, payload(4)));
    const r = parseIn(bytes);
    expect(r.frames.map((f) => [f.interfaceId, f.interfaceName, f.linkType])).toEqual([[2, "c", 101]]);
    expect(r.errors.map((e) => e.code)).toEqual(["bad-block-trailer", "unknown-interface"]);
  });

  it("a section header with a bad trailer is fatal", () => {
    const s = shb(true);
    new DataView(s.buffer).setUint32(s.length - 4, 12, true);
    const r = parseIn(concat(s, idb(true, 1, 0)));
    expect(r.fatal).toMatchObject({ code: "bad-block-trailer", offset: 0 });
  });

  it("impossible block lengths are fatal, after the good frames", () => {
    for (const len of [8, 13, 0x7ffffffc]) {
      const le = false;
      const bytes = concat(shb(le), idb(le, 1, 0), epb(le, 0, 1n, payload(4)), new Bytes(le).u32(6).u32(len).u32(0).u32(0).build());
      const r = parseIn(bytes, 5);
      expect(r.frames.length).toBe(1);
      expect(r.fatal, `len ${len}`).toMatchObject({ code: "bad-block-length", offset: 28 + 20 + 36, frame: 2 });
    }
  });

  it("packet blocks with bad bodies or unknown interfaces are skipped with non-fatal errors", () => {
    const le = true;
    // EPB claiming 50 captured bytes in a block that holds 8.
    const lying = block(le, 6, (b) => b.u32(0).u32(0).u32(1).u32(50).u32(50).bytes(payload(8)));
    const bytes = concat(
      shb(le),
      spb(le, 10, payload(10)), // no interface yet
      idb(le, 1, 16),
      epb(le, 3, 1n, payload(4)), // interface 3 not declared
      lying,
      epb(le, 0, 1n, payload(20)), // caplen 20 > snaplen 16: read, with a warning (as Wireshark reads it)
      spb(le, 60, payload(12)), // caplen = min(60, 16) = 16 > 12 bytes in the block
      block(le, 1, (b) => b.u16(1)), // IDB too short
      epb(le, 0, 2n, payload(16)),
    );
    const r = parseIn(bytes);
    expect(r.fatal).toBeUndefined();
    expect(r.frames.map((f) => f.data.length)).toEqual([20, 16]);
    expect(r.errors.map((e) => e.code)).toEqual(["unknown-interface", "unknown-interface", "bad-block-body", "bad-caplen", "bad-block-body", "bad-block-body"]);
    expect(r.errors.every((e) => !e.fatal && isPcapError(e))).toBe(true);
  });

  it("reports options that run past their block and keeps the interface", () => {
    const le = true;
    const badIdb = block(le, 1, (b) => b.u16(1).u16(0).u32(0).u16(2).u16(200).bytes([0x65, 0x74, 0x68, 0x30]));
    const r = parseIn(concat(shb(le), badIdb, epb(le, 0, 5n, payload(3))));
    expect(r.errors.map((e) => e.code)).toEqual(["bad-option"]);
    expect(r.frames.length).toBe(1);
    expect(r.frames[0]!.timestampNs).toBe(5000n);
  });

  it("rejects a section of an unknown major version and a bad byte-order magic", () => {
    const v2 = block(true, 0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(2).u16(0).u64(0n));
    expect(parseIn(v2).fatal?.code).toBe("bad-version");
    const bom = block(true, 0x0a0d0d0a, (b) => b.u32(0x11223344).u16(1).u16(0).u64(0n));
    expect(parseIn(bom).fatal?.code).toBe("bad-byte-order");
  });
});

describe("isPcapError", () => {
  it("recognises by name and known code only", () => {
    expect(isPcapError(new PcapError("truncated-record", 0, "x"))).toBe(true);
    expect(isPcapError({ name: "PcapError", code: "truncated-record" })).toBe(true);
    expect(isPcapError({ name: "PcapError", code: "no-such-code" })).toBe(false);
    expect(isPcapError({ name: "WireError", code: "truncated" })).toBe(false);
    expect(isPcapError(new Error("x"))).toBe(false);
    expect(isPcapError(null)).toBe(false);
    expect(new PcapError("bad-caplen", 40, "m", 2).toJSON()).toEqual({ code: "bad-caplen", offset: 40, frame: 2, fatal: true, message: "m" });
  });
});

describe("parseCapture", () => {
  it("parses a whole buffer or a sequence of chunks", () => {
    const { bytes, expected } = twoSections();
    expect(parseCapture(bytes).frames.map(summary)).toEqual(expected);
    const chunks = [bytes.subarray(0, 100), bytes.subarray(100, 101), bytes.subarray(101)];
    expect(parseCapture(chunks).frames.map(summary)).toEqual(expected);
  });
});
