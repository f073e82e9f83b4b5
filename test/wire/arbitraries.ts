/** fast-check generators of valid IGMP message values (derived fields consistent with raw ones). */
import fc from "fast-check";
import {
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
