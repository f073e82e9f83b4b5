import fc from "fast-check";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { decodeFrame, encodeIgmpFrame, encodeIgmpPacket, fastFrameJson, frameToJson } from "../../src/wire/index.js";
import { commonMessage, igmpMessage, ipv4 } from "./arbitraries.js";

const same = (data: Uint8Array, linkType: number, n = 7, ts = 1_763_700_000_123_456_789n): void => {
  const raw = { data, linkType, timestampNs: ts, wireLength: data.length + 4 };
  expect(frameToJson(raw, n)).toBe(JSON.stringify(decodeFrame(raw, n)));
};

describe("frameToJson is exactly JSON.stringify(decodeFrame())", () => {
  it("for generated messages over Ethernet (with VLAN tags), cooked and raw links", () => {
    fc.assert(
      fc.property(fc.oneof(igmpMessage, commonMessage), ipv4, fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 2 }), fc.boolean(), (m, src, vlan, ra) => {
        const ipOpts = ra ? {} : { optionsRaw: "" };
        const eth = encodeIgmpFrame({ message: m, src, dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", macDst: "01:00:5e:00:00:01", vlan, ip: ipOpts });
        same(eth, 1);
        const pkt = encodeIgmpPacket({ message: m, src, dst: "224.0.0.22", ip: ipOpts });
        same(pkt, 101);
        const sll2 = new Uint8Array(20 + pkt.length);
        sll2.set([8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 2, 6, 2, 0, 0, 0, 0, 2, 0, 0]);
        sll2.set(pkt, 20);
        same(sll2, 276);
      }),
      { numRuns: 3000 },
    );
  });
  it("for mutated frames (bad checksums, lengths, options, truncation)", () => {
    fc.assert(
      fc.property(igmpMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(), (m, muts, cut) => {
        const f = encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", macDst: "01:00:5e:00:00:01" });
        for (const [at, v] of muts) f[at % f.length] = v;
        same(f, 1);
        same(f.subarray(0, cut % (f.length + 1)), 1);
      }),
      { numRuns: 3000 },
    );
  });
  it("for every frame of every fixture", async () => {
    let n = 0;
    let fast = 0;
    for (const name of readdirSync("fixtures").filter((f) => /\.pcap(ng)?$/.test(f))) {
      for await (const fr of readCaptureFile(`fixtures/${name}`)) {
        same(fr.data, fr.linkType, ++n, fr.timestampNs);
        if (fastFrameJson(fr, n) !== null) fast++;
      }
    }
    expect(n).toBeGreaterThan(100);
    // real traffic takes the fast path (only the odd frame, e.g. a report for 224.0.0.106 from 0.0.0.0, does not)
    expect(fast / n).toBeGreaterThan(0.9);
  });
});

describe("emitFastJson over a window with numeric time", () => {
  it("writes the same text as the Frame form", async () => {
    const { emitFastJson, fastFrameJsonBound } = await import("../../src/wire/index.js");
    fc.assert(
      fc.property(igmpMessage, fc.nat(30), fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }), (m, before, sec, ns) => {
        const f = encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", macDst: "01:00:5e:00:00:01" });
        const big = new Uint8Array(before + f.length + 5).fill(0x5a);
        big.set(f, before);
        const out = new Uint8Array(fastFrameJsonBound(f.length));
        const end = emitFastJson(big, before, before + f.length, 1, f.length, sec, ns, 9, out, 0);
        const want = fastFrameJson({ data: f, linkType: 1, wireLength: f.length, timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(ns) }, 9);
        expect(end < 0 ? null : Buffer.from(out.subarray(0, end)).toString("latin1")).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });
});
