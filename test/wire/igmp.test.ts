import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  decodeIgmp,
  emitIgmp,
  encodeIgmp,
  encodeIgmpFrame,
  igmpEncodingLength,
  leave,
  parseIgmp,
  v1Query,
  v1Report,
  v2Query,
  v2Report,
  v3Query,
  v3Report,
  type IgmpMessage,
} from "../../src/wire/index.js";
import { hex, toHexString } from "./helpers.js";

// Real frames captured from a Linux 6.x kernel host in a network namespace (tcpdump -w on the peer veth).
// tcpdump -nv:  198.18.0.2 > 224.0.0.22: igmp v3 report, 2 group record(s)
//               [gaddr 232.1.1.1 allow, 1 source(s)] [gaddr 239.1.2.3 to_ex, 0 source(s)]
const KERNEL_V3_REPORT = hex(`
  01 00 5e 00 00 16 ee 20 c0 47 71 aa 08 00 46 c0  00 34 00 00 40 00 01 02 3d d9 c6 12 00 02 e0 00
  00 16 94 04 00 00 22 00 34 d9 00 00 00 02 05 00  00 01 e8 01 01 01 c6 12 00 09 04 00 00 00 ef 01
  02 03`);
// 198.18.0.2 > 239.1.2.3: igmp v1 report 239.1.2.3   (force_igmp_version=1)
const KERNEL_V1_REPORT = hex(`01 00 5e 01 02 03 0e b9 46 99 cb 65 08 00 46 c0 00 20 00 00 40 00 01 02 2c ff c6 12
  00 02 ef 01 02 03 94 04 00 00 12 00 fc fa ef 01 02 03`);
// 198.18.0.2 > 239.1.2.3: igmp v2 report 239.1.2.3   (force_igmp_version=2)
const KERNEL_V2_REPORT = hex(`01 00 5e 01 02 03 ea ae 4b 42 3a 8f 08 00 46 c0 00 20 00 00 40 00 01 02 2c ff c6 12
  00 02 ef 01 02 03 94 04 00 00 16 00 f8 fa ef 01 02 03`);
// 198.18.0.2 > 224.0.0.2: igmp leave 239.1.2.3
const KERNEL_LEAVE = hex(`01 00 5e 00 00 02 ea ae 4b 42 3a 8f 08 00 46 c0 00 20 00 00 40 00 01 02 3e 01 c6 12
  00 02 e0 00 00 02 94 04 00 00 17 00 f7 fa ef 01 02 03`);

const igmpOf = (frame: Uint8Array): Uint8Array => frame.subarray(14 + 24);

describe("real kernel frames", () => {
  it("decodes a v3 report with ALLOW and TO_EX records", () => {
    const f = decodeFrame({ data: KERNEL_V3_REPORT, linkType: 1 });
    expect(f.errors).toEqual([]);
    expect(f).toMatchObject({ link: "ethernet", vlan: [], ipSrc: "198.18.0.2", ipDst: "224.0.0.22", ttl: 1, tos: 0xc0, routerAlert: true });
    expect(f.igmp).toEqual({
      kind: "v3-report",
      type: 0x22,
      version: 3,
      checksum: 0x34d9,
      checksumValid: true,
      reserved1: 0,
      reserved2: 0,
      eFlag: false,
      records: [
        { type: 5, kind: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.0.9"], auxData: "" },
        { type: 4, kind: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.2.3", sources: [], auxData: "" },
      ],
      additionalData: "",
    });
    expect(encodeIgmp(f.igmp!)).toEqual(igmpOf(KERNEL_V3_REPORT));
  });

  it("decodes v1 and v2 reports and a leave, and re-encodes them byte for byte", () => {
    const cases: Array<[Uint8Array, Partial<IgmpMessage>]> = [
      [KERNEL_V1_REPORT, { kind: "v1-report", version: 1, group: "239.1.2.3", checksumValid: true }],
      [KERNEL_V2_REPORT, { kind: "v2-report", version: 2, group: "239.1.2.3", checksumValid: true }],
      [KERNEL_LEAVE, { kind: "leave", version: 2, group: "239.1.2.3", checksumValid: true }],
    ];
    for (const [bytes, want] of cases) {
      const f = decodeFrame({ data: bytes, linkType: 1 });
      expect(f.igmp).toMatchObject(want);
      expect(f.errors).toEqual([]);
      expect(f.warnings).toEqual([]);
      expect(encodeIgmp(f.igmp!)).toEqual(igmpOf(bytes));
      // The frame builder reproduces the kernel's IPv4 header too (apart from DF and the MAC source).
      const macSrc = Array.from(bytes.subarray(6, 12), (b) => b.toString(16).padStart(2, "0")).join(":");
      const built = encodeIgmpFrame({ message: f.igmp!, src: "198.18.0.2", macSrc, ip: { flags: 2 }, pad: false });
      expect(toHexString(built)).toBe(toHexString(bytes));
    }
  });
});

describe("query version selection (RFC 9776 §7.1)", () => {
  const q = (code: number, len: number): Uint8Array => {
    const b = new Uint8Array(len);
    b[0] = 0x11;
    b[1] = code;
    return b;
  };
  it("8 bytes with code 0 is v1 (10 s), with code != 0 v2 (linear)", () => {
    expect(decodeIgmp(encodeIgmp(v1Query())).message).toMatchObject({ version: 1, maxRespTime: 10, checksumValid: true });
    const v2 = decodeIgmp(encodeIgmp(v2Query({ maxRespTime: 25.5, group: "239.1.1.1" }))).message;
    expect(v2).toMatchObject({ version: 2, maxRespCode: 255, maxRespTime: 25.5, group: "239.1.1.1" });
  });
  it("a v2 Max Resp Time is linear, never float-decoded", () => {
    const b = encodeIgmp(v2Query({ maxRespCode: 0x8f }));
    expect(decodeIgmp(b).message).toMatchObject({ version: 2, maxRespTime: 14.3 });
  });
  it("9, 10 and 11 bytes are invalid, reported, not guessed", () => {
    for (const len of [9, 10, 11]) {
      const r = decodeIgmp(q(100, len));
      expect(r.message).toMatchObject({ kind: "query", version: null, maxRespTime: null });
      expect(r.errors.map((e) => e.code)).toEqual(["bad-length"]);
    }
  });
  it("12 bytes or more is v3 with the float code", () => {
    const m = decodeIgmp(encodeIgmp(v3Query({ maxRespCode: 0x8f, qrv: 0, qqic: 0 }))).message;
    expect(m).toMatchObject({ version: 3, maxRespTime: 24.8, qrv: 0, qrvDefault: true, qqic: 0, qqi: 0, qqiDefault: true });
  });
});

describe("v3 queries", () => {
  it("decodes a group-and-source-specific query with S flag, QRV and QQIC in seconds", () => {
    const bytes = encodeIgmp(
      v3Query({ group: "232.1.1.1", sources: ["198.18.0.9", "198.18.0.10"], sFlag: true, qrv: 3, qqi: 136, maxRespTime: 1 }),
    );
    expect(toHexString(bytes.subarray(8, 12))).toBe("0b810002");
    const m = decodeIgmp(bytes).message;
    expect(m).toMatchObject({ version: 3, group: "232.1.1.1", sFlag: true, qrv: 3, qqic: 0x81, qqi: 136, sources: ["198.18.0.9", "198.18.0.10"] });
  });
  it("warns about a general query carrying sources", () => {
    const r = decodeIgmp(encodeIgmp(v3Query({ sources: ["198.18.0.9"] })));
    expect(r.warnings.map((w) => w.code)).toEqual(["general-query-with-sources"]);
  });
  it("tells a truncated capture from a source count that overruns the message", () => {
    const bytes = encodeIgmp(v3Query({ group: "239.1.1.1", sources: ["198.18.0.9", "198.18.0.10"] }));
    const cut = parseIgmp(bytes, 0, 16, 20);
    expect(cut.errors.map((e) => e.code)).toEqual(["truncated"]);
    expect(cut.message).toMatchObject({ sources: ["198.18.0.9"], checksumValid: null });
    const lying = bytes.slice(0, 16); // says 2 sources, holds 1
    const r = decodeIgmp(lying);
    expect(r.errors.map((e) => e.code)).toEqual(["count-overflow"]);
    expect(r.errors[0]!.offset).toBe(12);
  });
});

describe("v3 reports", () => {
  it("skips and keeps aux data (in 32-bit words) and reads the next record correctly", () => {
    const m = v3Report([
      { type: "MODE_IS_INCLUDE", group: "239.1.1.1", sources: ["198.18.0.9"], auxData: "deadbeefcafef00d" },
      { type: "MODE_IS_EXCLUDE", group: "239.2.2.2" },
    ]);
    const bytes = encodeIgmp(m);
    expect(bytes[8 + 1]).toBe(2); // Aux Data Len counts words
    const r = decodeIgmp(bytes);
    expect(r.message).toEqual(m);
    expect(r.warnings.map((w) => w.code)).toEqual(["aux-data"]);
  });
  it("keeps and skips unknown record types", () => {
    const m = v3Report([
      { type: 9, group: "239.1.1.1", sources: ["198.18.0.9"] },
      { type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: ["198.18.0.8"] },
    ]);
    const r = decodeIgmp(encodeIgmp(m));
    expect(r.message).toEqual(m);
    expect((r.message as { records: { kind: string }[] }).records[0]!.kind).toBe("UNKNOWN");
  });
  it("keeps additional data after the records, and decodes RFC 9279 extension TLVs with the E bit", () => {
    const plain = encodeIgmp({ ...v3Report([{ type: 4, group: "239.1.1.1" }]), additionalData: "01020304" });
    const r = decodeIgmp(plain);
    expect(r.message).toMatchObject({ additionalData: "01020304", eFlag: false });
    expect(r.warnings.map((w) => w.code)).toEqual(["additional-data"]);
    expect(encodeIgmp(r.message!)).toEqual(plain);

    const ext = v3Report([{ type: 4, group: "239.1.1.1" }], [{ type: 1, value: "aabb" }, { type: 7, value: "" }]);
    const eb = encodeIgmp(ext);
    expect(toHexString(eb.subarray(4, 6))).toBe("8000");
    const d = decodeIgmp(eb).message!;
    expect(d).toMatchObject({ eFlag: true, extensions: [{ type: 1, value: "aabb" }, { type: 7, value: "" }], additionalData: "0001000" + "2aabb00070000" });
    expect(encodeIgmp(d)).toEqual(eb);
  });
  it("reports a record count that overruns the message, keeping the records read", () => {
    const bytes = encodeIgmp(v3Report([{ type: 4, group: "239.1.1.1" }]));
    bytes[7] = 2; // claims 2 records
    const r = decodeIgmp(bytes);
    expect(r.errors.map((e) => e.code)).toEqual(["count-overflow"]);
    expect((r.message as { records: unknown[] }).records).toHaveLength(1);
    expect(r.message!.checksumValid).toBe(false);
  });
});

describe("checksums", () => {
  it("verifies over the whole IP payload: a v2 report with trailing bytes (RFC 2236 §2.5)", () => {
    const withTail = encodeIgmp({ ...v2Report("239.1.1.1"), extra: "00000001" });
    const r = decodeIgmp(withTail);
    expect(r.message).toMatchObject({ checksumValid: true, extra: "00000001" });
    expect(r.warnings.map((w) => w.code)).toEqual(["long-message"]);
    // The checksum of the first 8 bytes alone (what Wireshark checks) is not this one.
    const short = encodeIgmp(v2Report("239.1.1.1"));
    expect(short[2]! * 256 + short[3]!).not.toBe(r.message!.checksum);
  });
  it("flags a bad checksum with the expected value, never throws", () => {
    const b = encodeIgmp(leave("239.1.1.1"));
    const good = b[2]! * 256 + b[3]!;
    b[3] = b[3]! ^ 0xff;
    const m = decodeIgmp(b).message!;
    expect(m.checksumValid).toBe(false);
    expect(m.checksumExpected).toBe(good);
    expect(encodeIgmp(m, { checksum: "keep" })).toEqual(b);
  });
});

describe("other IGMP types", () => {
  it("decodes MRD advertisement, solicitation, termination (RFC 4286)", () => {
    const adv = decodeIgmp(encodeIgmp({ kind: "mrd-advertisement", type: 0x30, advertisementInterval: 20, queryInterval: 125, robustness: 2, extra: "" }));
    expect(adv.message).toMatchObject({ kind: "mrd-advertisement", advertisementInterval: 20, queryInterval: 125, robustness: 2, checksumValid: true });
    const sol = decodeIgmp(encodeIgmp({ kind: "mrd-solicitation", type: 0x31, reserved: 0, extra: "" }));
    expect(sol.message).toMatchObject({ kind: "mrd-solicitation", checksumValid: true });
    expect(decodeIgmp(encodeIgmp({ kind: "mrd-termination", type: 0x32, reserved: 0, extra: "" })).message!.kind).toBe("mrd-termination");
  });
  it("decodes mtrace query, request and response blocks field by field", () => {
    const block = {
      queryArrivalTime: 0x12345678,
      incomingInterface: "198.18.1.1",
      outgoingInterface: "198.18.2.1",
      previousHop: "198.18.1.2",
      inputCount: 10,
      outputCount: 20,
      totalCount: 30,
      rtgProtocol: 3,
      fwdTtl: 1,
      mbz: 0,
      sBit: true,
      srcMask: 24,
      forwardingCode: 0,
    };
    const base = { hops: 8, group: "239.1.1.1", source: "198.18.0.9", destination: "198.18.0.2", responseAddress: "198.18.0.2", responseTtl: 64, queryId: 0xabcdef, extra: "" };
    const q = decodeIgmp(encodeIgmp({ kind: "mtrace-request", type: 0x1f, phase: "query", blocks: [], ...base }));
    expect(q.message).toMatchObject({ kind: "mtrace-request", phase: "query", queryId: 0xabcdef, hops: 8 });
    const resp = { kind: "mtrace-response" as const, type: 0x1e as const, phase: "response" as const, blocks: [block, { ...block, sBit: false }], ...base };
    const r = decodeIgmp(encodeIgmp(resp));
    expect(r.errors).toEqual([]);
    expect(r.message).toMatchObject({ ...resp, checksumValid: true });
  });
  it("names DVMRP, PIMv1 and RGMP with their raw body, and keeps unknown types", () => {
    for (const [type, kind] of [[0x13, "dvmrp"], [0x14, "pim-v1"], [0xff, "rgmp"], [0x42, "unknown"]] as const) {
      const b = encodeIgmp({ kind, type, code: 3, body: "0102030405" });
      expect(decodeIgmp(b).message).toMatchObject({ kind, type, code: 3, body: "0102030405", checksumValid: true });
    }
    expect(decodeIgmp(encodeIgmp({ kind: "rgmp", type: 0xfd, code: 0, body: "ef010101" })).message).toMatchObject({ name: "rgmp-join" });
  });
});

describe("warnings", () => {
  it("group that is not multicast, reserved bits, v1 unused byte", () => {
    expect(decodeIgmp(encodeIgmp(v2Report("10.0.0.1"))).warnings.map((w) => w.code)).toEqual(["group-not-multicast"]);
    const r = decodeIgmp(encodeIgmp({ ...v3Query(), resv: 0x20 }));
    expect(r.warnings.map((w) => w.code)).toEqual(["reserved-bits"]);
    expect(decodeIgmp(encodeIgmp({ ...v1Report("239.1.1.1"), unused: 1 })).warnings.map((w) => w.code)).toEqual(["v1-non-zero-field"]);
  });
});

describe("encoding contract", () => {
  const samples: IgmpMessage[] = [
    v1Query(),
    v2Query({ group: "239.1.1.1", maxRespTime: 1 }),
    v3Query({ group: "232.1.1.1", sources: ["198.18.0.1"] }),
    v1Report("239.1.1.1"),
    v2Report("239.1.1.1"),
    leave("239.1.1.1"),
    v3Report([{ type: 1, group: "239.1.1.1", sources: ["198.18.0.1", "198.18.0.2"], auxData: "00000000" }, { type: 6, group: "232.1.1.1", sources: ["198.18.0.3"] }]),
  ];
  it("length agrees with bytes written; emit at an offset; parse(emit(x)) is x", () => {
    for (const m of samples) {
      const len = igmpEncodingLength(m);
      const buf = new Uint8Array(len + 13).fill(0xee);
      expect(emitIgmp(m, buf, 7)).toBe(len);
      expect(buf[6]).toBe(0xee);
      expect(buf[7 + len]).toBe(0xee);
      expect(parseIgmp(buf, 7, len, len).message).toEqual(m);
      expect(() => emitIgmp(m, new Uint8Array(len - 1))).toThrow(expect.objectContaining({ name: "WireError", code: "buffer-too-small" }));
    }
  });
  it("every prefix parses or fails with the typed truncation error", () => {
    for (const m of samples) {
      const bytes = encodeIgmp(m);
      for (let n = 0; n < bytes.length; n++) {
        const r = parseIgmp(bytes, 0, n, bytes.length);
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) expect(e.code).toBe("truncated");
      }
    }
  });
});
