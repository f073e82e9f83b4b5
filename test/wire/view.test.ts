import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeIgmpFrame, FrameView, ViewStatus } from "../../src/wire/index.js";
import { igmpMessage } from "./arbitraries.js";

const frameOf = (m: Parameters<typeof encodeIgmpFrame>[0]["message"], vlan: number[] = []): Uint8Array =>
  encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", macDst: "01:00:5e:00:00:01", vlan });

describe("FrameView (zero-copy checked view)", () => {
  const view = new FrameView();
  it("classifies every generated message as decodeFrame does", () => {
    fc.assert(
      fc.property(igmpMessage, fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 2 }), (m, vlan) => {
        const data = frameOf(m, vlan);
        const d = decodeFrame({ data, linkType: 1 });
        expect(view.wrap(data, 1)).toBe(ViewStatus.igmp);
        expect(view.type).toBe(d.igmp!.type);
        expect(view.igmpChecksumValid).toBe(d.igmp!.checksumValid);
        expect(view.ipChecksumValid).toBe(true);
        expect(view.vlanCount).toBe(vlan.length);
        const version = "version" in d.igmp! ? (d.igmp!.version ?? 0) : 0;
        expect(view.version).toBe(version);
        if (d.igmp!.kind === "v3-report") expect(view.recordCount).toBe(d.igmp!.records.length);
      }),
      { numRuns: 3000 },
    );
  });
  it("agrees with decodeFrame on mutated and truncated frames, and never throws", () => {
    fc.assert(
      fc.property(igmpMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (m, muts, cut) => {
        const f = frameOf(m);
        for (const [at, v] of muts) f[at % f.length] = v;
        const data = f.subarray(0, cut % (f.length + 1));
        const s = view.wrap(data, 1);
        const d = decodeFrame({ data, linkType: 1 });
        if (s === ViewStatus.igmp) {
          expect(d.igmp?.type).toBe(view.type);
          expect(d.igmp?.checksumValid).toBe(view.igmpChecksumValid);
          expect(d.errors.filter((e) => e.code === "truncated" || e.code === "count-overflow")).toEqual([]);
        }
        if (s === ViewStatus.truncated) expect(d.errors.some((e) => e.code === "truncated")).toBe(true);
        if (d.igmp && d.errors.length === 0) expect(s).toBe(ViewStatus.igmp);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("FrameView over a window of a larger buffer", () => {
  it("gives the same answer as over the frame alone", () => {
    const view = new FrameView();
    fc.assert(
      fc.property(igmpMessage, fc.nat(40), fc.nat(40), (m, before, after) => {
        const f = frameOf(m);
        const big = new Uint8Array(before + f.length + after).fill(0xa5);
        big.set(f, before);
        const alone = view.wrap(f, 1);
        const fields = [view.type, view.version, view.igmpChecksumValid, view.igmpLength, view.group];
        expect(view.wrap(big, 1, before, before + f.length)).toBe(alone);
        expect([view.type, view.version, view.igmpChecksumValid, view.igmpLength, view.group]).toEqual(fields);
      }),
      { numRuns: 1000 },
    );
  });
});
