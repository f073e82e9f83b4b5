import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { enc, hexNumber, ip, ipBare, jsonHex, jsonSources, lit, mac, micros6, nanos9, OutView, tenths, uint } from "../../src/cli/ascii.js";

/** What a writer wrote at offset 3 of a buffer, as text (bytes past its end may be scribbled: the next write covers them). */
function written(write: (d: DataView, p: number) => number): string {
  const out = new Uint8Array(256);
  const end = write(new OutView().of(out), 3);
  return Buffer.from(out.subarray(3, end)).toString("latin1");
}

describe("the ASCII writers", () => {
  it("write numbers as String does", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 9, 10, 999, 1000, 999_999, 1_000_000, 999_999_999, 1e9, 2 ** 32, 2 ** 53 - 1)), (n) => {
        expect(written((d, p) => uint(d, p, n))).toBe(String(n));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), (n) => {
        expect(written((d, p) => nanos9(d, p, n))).toBe(String(n).padStart(9, "0"));
        expect(written((d, p) => micros6(d, p, Math.floor(n / 1000)))).toBe(String(Math.floor(n / 1000)).padStart(6, "0"));
        expect(written((d, p) => hexNumber(d, p, n))).toBe(n.toString(16));
      }),
      { numRuns: 2000 },
    );
    for (let t = 0; t <= 32_000; t += 7) expect(written((d, p) => tenths(d, p, t))).toBe(String(t / 10));
  });
  it("write addresses, bytes and text as their usual forms", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }), (b, s) => {
        const dotted = (i: number) => `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
        expect(written((d, p) => ipBare(d, p, b, 1))).toBe(dotted(1));
        expect(written((d, p) => ip(d, p, b, 5))).toBe(`"${dotted(5)}"`);
        expect(written((d, p) => mac(d, p, b, 2))).toBe(`"${[...b.subarray(2, 8)].map((x) => x.toString(16).padStart(2, "0")).join(":")}"`);
        expect(written((d, p) => jsonHex(d, p, b, 3, 20))).toBe(`"${Buffer.from(b.subarray(3, 20)).toString("hex")}"`);
        expect(written((d, p) => jsonSources(d, p, b, 0, 3))).toBe(`[${[0, 4, 8].map((i) => `"${dotted(i)}"`).join(",")}]`);
        expect(written((d, p) => lit(d, p, enc(s)))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
  it("store constant text 8 bytes at a time, ASCII only", () => {
    // every length from 0 to 24 (whole, and part of, 8-byte words), DEL and control bytes included
    for (let n = 0; n <= 24; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode((0x7f - i * 5) & 0x7f)).join("");
      expect(written((d, p) => lit(d, p, enc(s)))).toBe(s);
    }
    expect(() => enc("caf\u00e9")).toThrow(RangeError);
  });
});
