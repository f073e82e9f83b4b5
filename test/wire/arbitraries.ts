/** fast-check generators of valid IGMP message values (derived fields consistent with raw ones). */
import fc from "fast-check";
import {
  encodeIgmpPacket,
  internetChecksum,
  leave,
  v1Query,
  v1Report,
  v2Query,
  v2Report,
  v3Query,
  v3Report,
  decodeFloatCode,
  groupRecordKind,
  numberToIPv4,
  type GroupRecord,
  type IgmpExtension,
  type IgmpMessageInit,
} from "../../src/wire/index.js";

export const ipv4 = fc.integer({ min: 0, max: 0xffffffff }).map(numberToIPv4);
export const mcast = fc.integer({ min: 0xe0000000, max: 0xefffffff }).map(numberToIPv4);
const hexBytes = (max: number, multiple = 1): fc.Arbitrary<string> =>
  fc
    .uint8Array({ maxLength: max })
    .map((b) => Buffer.from(b.subarray(0, b.length - (b.length % multiple))).toString("hex"));
const sources = fc.array(ipv4, { maxLength: 6 });

const extensions: fc.Arbitrary<IgmpExtension[]> = fc.array(
  fc.record({ type: fc.integer({ min: 0, max: 0xffff }), value: hexBytes(6) }),
  { minLength: 1, maxLength: 3 },
);

/** Additional data without the E bit must not be empty-free TLVs; with the E bit use extensions. */
const additional = fc.oneof(
  fc.record({ eFlag: fc.constant(false), additionalData: hexBytes(8) }),
  // With the E bit the decoded value carries both the TLVs and their raw bytes.
  extensions.map((ext) => ({
    eFlag: true,
    additionalData: ext.map((e) => e.type.toString(16).padStart(4, "0") + (e.value.length / 2).toString(16).padStart(4, "0") + e.value).join(""),
    extensions: ext,
  })),
);

const record: fc.Arbitrary<GroupRecord> = fc
  .record({ type: fc.integer({ min: 0, max: 255 }), group: ipv4, sources, auxData: hexBytes(12, 4) })
  .map((r) => ({ ...r, kind: groupRecordKind(r.type) }));

export const igmpMessage: fc.Arbitrary<IgmpMessageInit> = fc.oneof(
  fc.record({ group: ipv4 }).map((r) => ({ kind: "query" as const, type: 0x11 as const, version: 1 as const, group: r.group, maxRespCode: 0, maxRespTime: 10 as const, extra: "" })),
  fc.record({ group: ipv4, code: fc.integer({ min: 1, max: 255 }) }).map((r) => ({
    kind: "query" as const,
    type: 0x11 as const,
    version: 2 as const,
    group: r.group,
    maxRespCode: r.code,
    maxRespTime: r.code / 10,
    extra: "",
  })),
  fc
    .record({
      group: ipv4,
      code: fc.integer({ min: 0, max: 255 }),
      s: fc.boolean(),
      qrv: fc.integer({ min: 0, max: 7 }),
      qqic: fc.integer({ min: 0, max: 255 }),
      resv: fc.constantFrom(0, 0x20, 0x40, 0x60),
      sources,
      add: additional,
    })
    .map((r) => ({
      kind: "query" as const,
      type: 0x11 as const,
      version: 3 as const,
      group: r.group,
      maxRespCode: r.code,
      maxRespTime: decodeFloatCode(r.code) / 10,
      resv: r.resv,
      sFlag: r.s,
      qrv: r.qrv,
      qrvDefault: r.qrv === 0,
      qqic: r.qqic,
      qqi: decodeFloatCode(r.qqic),
      qqiDefault: r.qqic === 0,
      sources: r.sources,
      ...r.add,
    })),
  fc.record({ group: ipv4, unused: fc.integer({ min: 0, max: 255 }), extra: hexBytes(8) }).map((r) => ({ kind: "v1-report" as const, type: 0x12 as const, version: 1 as const, ...r })),
  fc.record({ group: ipv4, maxRespCode: fc.integer({ min: 0, max: 255 }), extra: hexBytes(8) }).map((r) => ({ kind: "v2-report" as const, type: 0x16 as const, version: 2 as const, ...r })),
  fc.record({ group: ipv4, maxRespCode: fc.integer({ min: 0, max: 255 }), extra: hexBytes(8) }).map((r) => ({ kind: "leave" as const, type: 0x17 as const, version: 2 as const, ...r })),
  fc
    .record({ reserved1: fc.integer({ min: 0, max: 255 }), reserved2: fc.integer({ min: 0, max: 0x7fff }), records: fc.array(record, { maxLength: 5 }), add: additional })
    .map((r) => ({ kind: "v3-report" as const, type: 0x22 as const, version: 3 as const, reserved1: r.reserved1, reserved2: r.reserved2, records: r.records, ...r.add })),
  fc
    .record({ interval: fc.integer({ min: 0, max: 255 }), qi: fc.integer({ min: 0, max: 0xffff }), rv: fc.integer({ min: 0, max: 0xffff }), extra: hexBytes(4) })
    .map((r) => ({ kind: "mrd-advertisement" as const, type: 0x30 as const, advertisementInterval: r.interval, queryInterval: r.qi, robustness: r.rv, extra: r.extra })),
  fc.record({ t: fc.constantFrom(0x31 as const, 0x32 as const), reserved: fc.integer({ min: 0, max: 255 }), extra: hexBytes(4) }).map((r) => ({
    kind: r.t === 0x31 ? ("mrd-solicitation" as const) : ("mrd-termination" as const),
    type: r.t,
    reserved: r.reserved,
    extra: r.extra,
  })),
  fc
    .record({ t: fc.constantFrom(0x13, 0x14, 0xfc, 0xfd, 0xfe, 0xff, 0x01, 0x42, 0x99), code: fc.integer({ min: 0, max: 255 }), body: hexBytes(12) })
    .map((r) => {
      const kind = r.t === 0x13 ? "dvmrp" : r.t === 0x14 ? "pim-v1" : r.t >= 0xfc ? "rgmp" : "unknown";
      const m: IgmpMessageInit = { kind, type: r.t, code: r.code, body: r.body } as IgmpMessageInit;
      if (kind === "rgmp") (m as { name?: string }).name = ["rgmp-leave", "rgmp-join", "rgmp-bye", "rgmp-hello"][r.t - 0xfc];
      return m;
    }),
);

/** Messages of the kinds a LAN carries all day, well-formed (the JSON and text fast paths take them). */
export const commonMessage: fc.Arbitrary<IgmpMessageInit> = fc.oneof(
  fc.constant(null).map(() => v1Query()),
  fc.record({ g: fc.oneof(fc.constant("0.0.0.0"), mcast), t: fc.integer({ min: 1, max: 255 }) }).map((r) => v2Query({ group: r.g, maxRespCode: r.t })),
  fc
    .record({ g: mcast, code: fc.integer({ min: 0, max: 255 }), qqic: fc.integer({ min: 0, max: 255 }), qrv: fc.integer({ min: 0, max: 7 }), s: fc.boolean(), src: fc.array(ipv4, { maxLength: 4 }) })
    .map((r) => v3Query({ group: r.g, maxRespCode: r.code, qqic: r.qqic, qrv: r.qrv, sFlag: r.s, sources: r.src })),
  fc.record({ code: fc.integer({ min: 0, max: 255 }), qqic: fc.integer({ min: 0, max: 255 }), qrv: fc.integer({ min: 0, max: 7 }) }).map((r) => v3Query({ maxRespCode: r.code, qqic: r.qqic, qrv: r.qrv })),
  mcast.map(v1Report),
  mcast.map(v2Report),
  mcast.map(leave),
  fc
    .array(fc.record({ type: fc.integer({ min: 1, max: 6 }), group: mcast, sources: fc.array(ipv4, { maxLength: 4 }) }), { maxLength: 5 })
    .map((recs) => v3Report(recs)),
);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Multicast traceroute queries, requests and responses (0-2 response blocks). */
export const mtraceMessage: fc.Arbitrary<IgmpMessageInit> = fc
  .record({
    response: fc.boolean(),
    hops: fc.integer({ min: 0, max: 255 }),
    group: ipv4,
    source: ipv4,
    destination: ipv4,
    responseAddress: ipv4,
    responseTtl: fc.integer({ min: 0, max: 255 }),
    queryId: fc.integer({ min: 0, max: 0xffffff }),
    blocks: fc.array(
      fc.record({
        queryArrivalTime: u32,
        incomingInterface: ipv4,
        outgoingInterface: ipv4,
        previousHop: ipv4,
        inputCount: u32,
        outputCount: u32,
        totalCount: u32,
        rtgProtocol: fc.integer({ min: 0, max: 255 }),
        fwdTtl: fc.integer({ min: 0, max: 255 }),
        mbz: fc.integer({ min: 0, max: 1 }),
        sBit: fc.boolean(),
        srcMask: fc.integer({ min: 0, max: 63 }),
        forwardingCode: fc.integer({ min: 0, max: 255 }),
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ response, ...r }) => ({
    kind: response ? ("mtrace-response" as const) : ("mtrace-request" as const),
    type: response ? (0x1e as const) : (0x1f as const),
    phase: response ? ("response" as const) : r.blocks.length === 0 ? ("query" as const) : ("request" as const),
    ...r,
    extra: "",
  }));

/** Link types with how to put an IPv4 packet in them: [linkType, wrap]. */
type Framing = [number, (ip: Uint8Array) => Uint8Array];
export const linkFraming: fc.Arbitrary<Framing> = fc.oneof<fc.Arbitrary<Framing>[]>(
  fc
    .record({ tags: fc.array(fc.tuple(fc.constantFrom(0x8100, 0x88a8, 0x9100), fc.integer({ min: 0, max: 0xffff })), { maxLength: 3 }) })
    .map(({ tags }): Framing => [
      1,
      (ip: Uint8Array) => {
        const out = new Uint8Array(14 + 4 * tags.length + ip.length);
        out.set([1, 0, 0x5e, 0, 0, 0x16, 2, 0, 0, 0, 0, 1]);
        let i = 12;
        for (const [tpid, tci] of tags) {
          out.set([tpid >> 8, tpid & 255, tci >> 8, tci & 255], i);
          i += 4;
        }
        out.set([8, 0], i);
        out.set(ip, i + 2);
        return out;
      },
    ]),
  fc.record({ addrLen: fc.constantFrom(6, 6, 0, 8), tag: fc.boolean() }).map(({ addrLen, tag }): Framing => [
    113,
    (ip: Uint8Array) => {
      const out = new Uint8Array(16 + (tag ? 4 : 0) + ip.length);
      out.set([0, 2, 0, 1, 0, addrLen, 2, 0, 0, 0, 0, 7, 0, 0]);
      out.set(tag ? [0x81, 0, 0, 9, 8, 0] : [8, 0], 14);
      out.set(ip, tag ? 20 : 16);
      return out;
    },
  ]),
  fc.record({ addrLen: fc.constantFrom(6, 0) }).map(({ addrLen }): Framing => [
    276,
    (ip: Uint8Array) => {
      const out = new Uint8Array(20 + ip.length);
      out.set([8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 2, addrLen, 2, 0, 0, 0, 0, 2, 0, 0]);
      out.set(ip, 20);
      return out;
    },
  ]),
  fc.constantFrom(101, 228, 12, 14).map((lt): Framing => [lt, (ip: Uint8Array) => ip.slice()]),
  fc.record({ lt: fc.constantFrom(0, 108), le: fc.boolean() }).map(({ lt, le }): Framing => [
    lt,
    (ip: Uint8Array) => {
      const out = new Uint8Array(4 + ip.length);
      out.set(le ? [2, 0, 0, 0] : [0, 0, 0, 2]);
      out.set(ip, 4);
      return out;
    },
  ]),
);

/** IPv4 options (hex, a multiple of 4 bytes): none, Router Alert, and others around it. */
export const ipOptions = fc.constantFrom("", "", "94040000", "94040000", "0101940400000000", "0194040000000000", "070704000000000194040000", "8604000094040000", "00000000", "94050000", "01940300");

/**
 * Whole frames of every kind on every link type: any message (mtrace too), VLAN stacks, IPv4 options,
 * fragment bits, now and then another protocol.
 */
export const anyFrame = fc
  .record({
    m: fc.oneof({ weight: 6, arbitrary: igmpMessage }, { weight: 1, arbitrary: mtraceMessage }),
    framing: linkFraming,
    optionsRaw: ipOptions,
    flags: fc.constantFrom(0, 0, 0, 2, 1, 3),
    fragmentOffset: fc.constantFrom(0, 0, 0, 0, 1, 185),
    protocol: fc.constantFrom(2, 2, 2, 2, 17),
  })
  .map(({ m, framing: [linkType, wrap], optionsRaw, flags, fragmentOffset, protocol }) => {
    const ip = encodeIgmpPacket({ message: m, src: "198.18.0.2", dst: "224.0.0.22", ip: { optionsRaw, flags, fragmentOffset } });
    if (protocol !== 2) {
      ip[9] = protocol;
      ip[10] = ip[11] = 0;
      const ck = internetChecksum(ip, 0, (ip[0]! & 15) * 4);
      ip[10] = ck >> 8;
      ip[11] = ck & 255;
    }
    return { linkType, data: wrap(ip) };
  });

