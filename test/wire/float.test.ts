import { describe, expect, it } from "vitest";
import {
  decodeFloatCode,
  encodeFloatCode,
  FLOAT_CODE_MAX_VALUE,
  maxRespCodeToSeconds,
  qqicToSeconds,
  secondsToMaxRespCode,
  secondsToQqic,
} from "../../src/wire/float.js";

describe("IGMPv3 8-bit float codes (RFC 9776 §4.1.1, §4.1.7)", () => {
  it("decodes hand-computed codes", () => {
    expect(maxRespCodeToSeconds(0x00)).toBe(0);
    expect(maxRespCodeToSeconds(0x64)).toBe(10); // linear below 128
    expect(maxRespCodeToSeconds(0x7f)).toBe(12.7);
    expect(maxRespCodeToSeconds(0x80)).toBe(12.8); // (0|0x10) << 3 = 128
    expect(maxRespCodeToSeconds(0x8f)).toBe(24.8); // (15|16) << 3 = 248
    expect(maxRespCodeToSeconds(0x90)).toBe(25.6); // (0|16) << 4 = 256
    expect(maxRespCodeToSeconds(0xfe)).toBe(3072); // (14|16) << 10 = 30720
    expect(maxRespCodeToSeconds(0xff)).toBe(3174.4); // (15|16) << 10 = 31744
    expect(qqicToSeconds(0xff)).toBe(31744);
    expect(qqicToSeconds(125)).toBe(125);
    expect(qqicToSeconds(0x81)).toBe(136);
  });

  it("all 256 codes decode to strictly increasing values and encode back to themselves", () => {
    let prev = -1;
    for (let code = 0; code < 256; code++) {
      const v = decodeFloatCode(code);
      expect(v).toBeGreaterThan(prev);
      prev = v;
      expect(encodeFloatCode(v)).toBe(code);
    }
    expect(prev).toBe(FLOAT_CODE_MAX_VALUE);
  });

  it("rounds down: the chosen code is the largest whose value does not exceed the input", () => {
    const values = Array.from({ length: 256 }, (_, c) => decodeFloatCode(c));
    for (let v = 0; v <= FLOAT_CODE_MAX_VALUE + 2000; v += 7) {
      const code = encodeFloatCode(v);
      expect(values[code]!).toBeLessThanOrEqual(v);
      if (code < 255) expect(values[code + 1]!).toBeGreaterThan(v);
    }
    expect(encodeFloatCode(249)).toBe(0x8f);
    expect(encodeFloatCode(255)).toBe(0x8f);
    expect(encodeFloatCode(256)).toBe(0x90);
    expect(encodeFloatCode(1e9)).toBe(0xff); // saturates
    expect(encodeFloatCode(127.9)).toBe(127);
  });

  it("converts times in seconds with the documented rounding", () => {
    expect(secondsToMaxRespCode(24.8)).toBe(0x8f);
    expect(secondsToMaxRespCode(10)).toBe(100);
    expect(secondsToMaxRespCode(0.29)).toBe(2);
    expect(secondsToMaxRespCode(3174.4)).toBe(0xff);
    expect(secondsToMaxRespCode(99999)).toBe(0xff);
    expect(secondsToQqic(125)).toBe(125);
    expect(secondsToQqic(136.5)).toBe(0x81);
    expect(secondsToQqic(135)).toBe(0x80); // 128 is the largest value <= 135
    expect(() => encodeFloatCode(-1)).toThrow(RangeError);
    expect(() => encodeFloatCode(Number.NaN)).toThrow(RangeError);
  });
});
