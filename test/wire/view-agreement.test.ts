// The view and decodeFrame agree on every field and every error, for random and mutated frames on every
// link type, with and without VLAN tags, IPv4 options and fragment bits: decodeFrame builds its values
// from the view, and the fast writers read only the view, so a disagreement here is a wrong output there.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeIgmpPacket, FrameView, numberToIPv4, v3Report, ViewStatus, type DecodedFrame } from "../../src/wire/index.js";
import { anyFrame as frameArb } from "./arbitraries.js";

const mac = (b: Uint8Array, i: number): string => Array.from(b.subarray(i, i + 6), (x) => x.toString(16).padStart(2, "0")).join(":");

function agree(view: FrameView, data: Uint8Array, linkType: number, before = 0): void {
  const big = new Uint8Array(before + data.length + 3).fill(0xee);
  big.set(data, before);
  const status = view.wrap(big, linkType, before, before + data.length);
  const d: DecodedFrame = decodeFrame({ data, linkType });
  // every error, in order: layer, code, offset
  expect(Array.from({ length: view.errorCount }, (_, k) => [view.errorLayer(k), view.errorCode(k), view.errorOffset(k)])).toEqual(
    d.errors.map((e) => [e.layer, e.code, e.offset]),
  );
  expect(view.warned).toBe(d.warnings.length > 0);
  const codes = d.errors.map((e) => e.code);
  const want =
    linkType !== 1 && linkType !== 113 && linkType !== 276 && ![0, 108, 101, 228, 12, 14].includes(linkType)
      ? ViewStatus.unsupportedLink
      : codes.includes("truncated")
        ? ViewStatus.truncated
        : codes.some((c) => c !== "bad-ip-checksum")
          ? ViewStatus.malformed
          : d.igmp
            ? ViewStatus.igmp
            : ViewStatus.notIgmp;
  expect(status).toBe(want);
  // link
  expect(Array.from({ length: view.vlanCount }, (_, k) => view.vlanId(k))).toEqual(d.vlan);
  expect(view.macSrcOffset >= 0 ? mac(big, view.macSrcOffset) : null).toBe(d.macSrc);
  expect(view.macDstOffset >= 0 ? mac(big, view.macDstOffset) : null).toBe(d.macDst);
  // IPv4
  if (d.ipSrc === null) expect(view.ipOffset).toBe(-1);
  else {
    expect([numberToIPv4(view.ipSrc), numberToIPv4(view.ipDst), view.ttl, view.tos, view.routerAlert]).toEqual([d.ipSrc, d.ipDst, d.ttl, d.tos, d.routerAlert]);
  }
  // IGMP
  expect(view.hasIgmp).toBe(d.igmp !== null);
  const m = d.igmp;
  if (!m) return;
  expect([view.type, view.kind, view.igmpChecksum]).toEqual([m.type, m.kind, m.checksum]);
  expect(view.igmpChecksumValid).toBe(m.checksumValid === true);
  if (m.checksumValid === false) expect(view.igmpChecksumExpected).toBe(m.checksumExpected);
  expect(view.version).toBe("version" in m ? (m.version ?? 0) : 0);
  if ("group" in m && m.kind !== "mtrace-request" && m.kind !== "mtrace-response") expect(numberToIPv4(view.group)).toBe(m.group);
  if (m.kind === "query" && m.version === 3 && codes.length === 0) {
    expect([view.qqic, view.queryFlags & 7, (view.queryFlags & 8) !== 0, view.sourceCount]).toEqual([m.qqic, m.qrv, m.sFlag, m.sources.length]);
    expect(view.hasAdditional).toBe(m.additionalData !== "");
  }
  if (m.kind === "v3-report" && codes.length === 0) {
    expect(view.recordCount).toBe(m.records.length);
    let r = view.firstRecord;
    for (const rec of m.records) {
      expect([view.recordType(r), numberToIPv4(new DataView(big.buffer).getUint32(view.recordGroupOffset(r))), view.recordSourceCount(r), view.recordAuxWords(r) * 8]).toEqual([
        rec.type,
        rec.group,
        rec.sources.length,
        rec.auxData.length,
      ]);
      r = view.nextRecord(r);
    }
    expect(view.hasAdditional).toBe(m.additionalData !== "");
  }
  if (m.kind === "mrd-advertisement") expect([view.code, view.mrdQueryInterval, view.mrdRobustness]).toEqual([m.advertisementInterval, m.queryInterval, m.robustness]);
}

describe("FrameView and decodeFrame agree on every field and every error", () => {
  const view = new FrameView();
  it("for generated frames on every link type, with VLAN stacks, options and fragment bits", () => {
    fc.assert(
      fc.property(frameArb, fc.nat(9), ({ linkType, data }, before) => agree(view, data, linkType, before)),
      { numRuns: 4000 },
    );
  });
  it("for the same frames mutated and cut", () => {
    fc.assert(
      fc.property(frameArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(), (f, muts, cut, doCut) => {
        const data = f.data;
        for (const [at, v] of muts) data[at % data.length] = v;
        agree(view, doCut ? data.subarray(0, cut % (data.length + 1)) : data, f.linkType, cut % 5);
      }),
      { numRuns: 6000 },
    );
  });
  it("for random bytes and unknown link types", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(1, 113, 276, 101, 0, 108, 147), (data, lt) => agree(view, data, lt)),
      { numRuns: 2000 },
    );
  });
  it("a first fragment (MF set, offset 0) is IGMP with a fragment error in both", () => {
    const ip = encodeIgmpPacket({ message: { kind: "v2-report", type: 0x16, version: 2, group: "239.1.1.1", maxRespCode: 0, extra: "" }, src: "198.18.0.2", ip: { flags: 1 } });
    const d = decodeFrame({ data: ip, linkType: 101 });
    expect(d.igmp?.kind).toBe("v2-report");
    expect(d.errors.map((e) => e.code)).toEqual(["fragment"]);
    expect(view.wrap(ip, 101)).toBe(ViewStatus.malformed);
    expect([view.hasIgmp, view.errorCode(0), view.clean]).toEqual([true, "fragment", false]);
  });
  it("for v3 reports whose records run past the declared length in every way, the whole message captured", () => {
    // the view reads a fully captured report's records with one bounds check each; a record that does not
    // fit goes to the careful loop, which must say exactly what decodeFrame says
    const report = v3Report([
      { type: 1, group: "239.1.1.1", sources: ["198.18.0.9"] },
      { type: 2, group: "239.1.1.2", sources: ["198.18.0.7", "198.18.0.8"] },
      { type: 5, group: "232.1.1.3" },
    ]);
    const ip = encodeIgmpPacket({ message: report, src: "198.18.0.2" });
    const igmp = (ip[0]! & 15) * 4;
    // record starts: 8, 8 + 12 = 20, 20 + 16 = 36; the message is 44 bytes
    const cases: [string, (b: Uint8Array) => void][] = [
      ["as built", () => {}],
      ["one record more than there are", (b) => (b[igmp + 7] = 4)],
      ["many more records", (b) => (b[igmp + 7] = 200)],
      ["fewer records (the rest is additional data)", (b) => (b[igmp + 7] = 2)],
      ["the second record's sources past the end", (b) => (b[igmp + 20 + 3] = 9)],
      ["the last record's sources past the end", (b) => (b[igmp + 36 + 3] = 1)],
      ["aux data that fits", (b) => ((b[igmp + 36 + 1] = 0), (b[igmp + 7] = 2), (b[igmp + 20 + 1] = 2))],
      ["aux data past the end", (b) => (b[igmp + 20 + 1] = 3)],
      ["a group that is not multicast", (b) => (b[igmp + 20 + 4] = 10)],
    ];
    for (const [what, mutate] of cases) {
      const data = ip.slice();
      mutate(data);
      for (const before of [0, 3]) expect(() => agree(view, data, 101, before), what).not.toThrow();
    }
    // and the same reports cut short of their declared length (the careful loop from the first record)
    for (const [, mutate] of cases) {
      const data = ip.slice();
      mutate(data);
      for (let cut = igmp; cut < data.length; cut += 5) agree(view, data.subarray(0, cut), 101);
    }
  });
});
