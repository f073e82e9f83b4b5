import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectedChecksum, expectedChecksumOfView, internetChecksum, onesComplementSum } from "../../src/wire/checksum.js";

/** RFC 1071 §1 as written: 16-bit big-endian words one at a time, an odd last byte padded, carries folded. */
function reference(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) {
    sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

describe("the Internet checksum", () => {
  it("is RFC 1071's example sum (§3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2)", () => {
    const b = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(onesComplementSum(b, 0, 8)).toBe(0xddf2);
    expect(internetChecksum(b, 0, 8)).toBe(0x220d);
  });
  it("sums any window, odd or even in start and length, with any initial value, as the word-at-a-time reference", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (b, x, y, initial) => {
        const start = b.length === 0 ? 0 : x % (b.length + 1);
        const end = start + (y % (b.length - start + 1));
        expect(onesComplementSum(b, start, end, initial)).toBe(reference(b, start, end, initial));
      }),
      { numRuns: 3000 },
    );
  });
  it("gives 0xffff for bytes that are all zero besides the field, as internetChecksum does", () => {
    // one's-complement zero has two forms: a field of 0 over all-zero bytes sums to 0, which does not verify
    for (const stored of [0, 0x1234, 0xffff]) {
      const b = new Uint8Array(8);
      b[2] = stored >> 8;
      b[3] = stored & 0xff;
      expect(expectedChecksum(b, 0, 8, 2)).toBe(0xffff);
      expect(internetChecksum(new Uint8Array(8), 0, 8)).toBe(0xffff);
    }
    // bytes summing to 0xffff: a field of 0 verifies
    expect(expectedChecksum(Uint8Array.of(0xff, 0xff, 0, 0), 0, 4, 2)).toBe(0);
    expect(expectedChecksum(Uint8Array.of(0xff, 0xff, 0x12, 0x34), 0, 4, 2)).toBe(0);
  });
  it("reads the same through a DataView (FrameView's form), at any offset and length", () => {
    const same = (b: Uint8Array, start: number, end: number, field: number) =>
      expect(expectedChecksumOfView(new DataView(b.buffer, b.byteOffset, b.byteLength), b, start, end, field)).toBe(expectedChecksum(b, start, end, field));
    same(new Uint8Array(12), 2, 10, 4);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 100 }), fc.nat(), fc.nat(), (b, s, l) => {
        const start = s % (b.length - 3);
        const end = start + 4 + (l % (b.length - start - 3));
        same(b, start, end, start + 2);
      }),
      { numRuns: 1000 },
    );
  });
  it("gives the field value that makes a message verify", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 100 }), (b) => {
        const fixed = Uint8Array.from(b);
        const e = expectedChecksum(fixed, 0, fixed.length, 2);
        fixed[2] = e >> 8;
        fixed[3] = e & 0xff;
        expect(onesComplementSum(fixed, 0, fixed.length)).toBe(0xffff);
      }),
      { numRuns: 1000 },
    );
  });
});
