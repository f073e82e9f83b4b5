import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, decodeIgmp, encodeIgmp, encodeIgmpFrame, isWireError, parseIgmp } from "../../src/wire/index.js";
import { igmpMessage, ipv4 } from "./arbitraries.js";
import { stripChecksum } from "./helpers.js";

describe("round trips (property)", () => {
  it("decode(encode(m)) equals m for generated valid messages", () => {
    fc.assert(
      fc.property(igmpMessage, (m) => {
        const r = decodeIgmp(encodeIgmp(m));
        expect(r.errors).toEqual([]);
        expect(r.message!.checksumValid).toBe(true);
        expect(stripChecksum(r.message!)).toEqual(m);
      }),
      { numRuns: 5000 },
    );
  });
  it("encode(decode(b)) equals b for valid bytes", () => {
    fc.assert(
      fc.property(igmpMessage, (m) => {
        const b = encodeIgmp(m);
        expect(encodeIgmp(decodeIgmp(b).message!)).toEqual(b);
      }),
      { numRuns: 3000 },
    );
  });
  it("whole frames round-trip through Ethernet and IPv4", () => {
    fc.assert(
      fc.property(igmpMessage, ipv4, fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 2 }), (m, src, vlan) => {
        const frame = encodeIgmpFrame({ message: m, src, dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", vlan });
        const d = decodeFrame({ data: frame, linkType: 1 });
        expect(d.errors).toEqual([]);
        expect(d.vlan).toEqual(vlan);
        expect(d.ipSrc).toBe(src);
        expect(stripChecksum(d.igmp!)).toEqual(m);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("fuzz: hostile bytes", () => {
  const mutate = (b: Uint8Array, rnd: () => number): Uint8Array => {
    const out = b.slice();
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n && out.length > 0; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    return out;
  };
  it("nothing but typed results escapes decode over 120k random and mutated inputs", () => {
    // A small deterministic PRNG (mulberry32) so that a failure can be replayed.
    let seed = 0x1234567;
    const rnd = (): number => {
      seed |= 0;
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const seeds = fc.sample(igmpMessage, { numRuns: 300, seed: 42 }).map((m) =>
      encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", vlan: rnd() < 0.3 ? [5] : [] }),
    );
    let decoded = 0;
    let withErrors = 0;
    for (let i = 0; i < 120_000; i++) {
      let data: Uint8Array;
      const pick = rnd();
      if (pick < 0.25) {
        data = new Uint8Array(Math.floor(rnd() * 120));
        for (let k = 0; k < data.length; k++) data[k] = Math.floor(rnd() * 256);
        if (data.length > 14 && rnd() < 0.7) {
          data[12] = 0x08;
          data[13] = 0x00;
          data[14] = 0x40 | (5 + Math.floor(rnd() * 11));
          data[14 + 9] = 2;
        }
      } else {
        const base = seeds[Math.floor(rnd() * seeds.length)]!;
        data = mutate(base, rnd);
        if (rnd() < 0.3) data = data.subarray(0, Math.floor(rnd() * data.length));
      }
      const linkType = [1, 1, 1, 113, 276, 101, 0][Math.floor(rnd() * 7)]!;
      try {
        const f = decodeFrame({ data, linkType });
        JSON.stringify(f);
        if (f.igmp) decoded++;
        if (f.errors.length) withErrors++;
        for (const e of f.errors) expect(typeof e.code).toBe("string");
        // the IGMP parser alone, with lying declared lengths
        parseIgmp(data, Math.floor(rnd() * 8), Math.floor(rnd() * 80), Math.floor(rnd() * 80));
      } catch (e) {
        throw new Error(`decode threw on ${Buffer.from(data).toString("hex")} (link ${linkType}): ${String(e)}`);
      }
    }
    expect(decoded).toBeGreaterThan(10_000);
    expect(withErrors).toBeGreaterThan(10_000);
  });
  it("encode rejects values that do not fit with a typed error", () => {
    const bad = [
      { kind: "query", type: 0x11, version: 3, group: "0.0.0.0", maxRespCode: 300, maxRespTime: 1, resv: 0, eFlag: false, sFlag: false, qrv: 2, qrvDefault: false, qqic: 1, qqi: 1, qqiDefault: false, sources: [], additionalData: "" },
      { kind: "v2-report", type: 0x16, version: 2, group: "239.1.1.1", maxRespCode: 0, extra: "abc" },
      { kind: "v3-report", type: 0x22, version: 3, reserved1: 0, reserved2: 0, eFlag: false, additionalData: "", records: [{ type: 1, kind: "MODE_IS_INCLUDE", group: "239.1.1.1", sources: [], auxData: "00" }] },
    ];
    for (const m of bad) {
      let caught: unknown;
      try {
        encodeIgmp(m as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeDefined();
      expect(isWireError(caught) && caught.code === "bad-value", String(caught)).toBe(true);
    }
  });
});
