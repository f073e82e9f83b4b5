/**
 * The 8-bit floating-point codes of IGMPv3 (RFC 9776 §4.1.1 Max Resp Code, §4.1.7 QQIC; same as RFC 3376).
 *
 * ```
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * |1| exp | mant  |      value = (mant | 0x10) << (exp + 3)
 * +-+-+-+-+-+-+-+-+
 * ```
 * Codes below 128 are the value itself. Max Resp Code counts tenths of a second; QQIC counts seconds.
 */

/** The largest value a code can carry: 0xFF = (0x1F << 10) = 31744 units. */
export const FLOAT_CODE_MAX_VALUE = 31744;

/** Decode an 8-bit code (0..255) to its value in units (tenths of a second for Max Resp Code, seconds for QQIC). */
export function decodeFloatCode(code: number): number {
  if (code < 0x80) return code;
  const exp = (code >> 4) & 0x07;
  const mant = code & 0x0f;
  return (mant | 0x10) << (exp + 3);
}

/**
 * Encode a value in units to the code a querier would send.
 *
 * Rounding rule: the code chosen is the largest whose decoded value is not more than `value` (round down),
 * so that a host never waits longer than the querier asked; values above 31744 saturate at 0xFF.
 * Negative or non-finite values are a RangeError.
 */
export function encodeFloatCode(value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`cannot encode ${value} as an IGMP float code`);
  const v = Math.floor(value);
  if (v < 0x80) return v;
  if (v >= FLOAT_CODE_MAX_VALUE) return 0xff;
  // v >= 128 = 0x10 << 3: find exp so that v >> (exp + 3) is in 16..31.
  let exp = 0;
  while (v >> (exp + 3) > 0x1f) exp++;
  const mant = (v >> (exp + 3)) & 0x0f;
  return 0x80 | (exp << 4) | mant;
}

/** Max Resp Code (v3 float, tenths of a second) to seconds. */
export function maxRespCodeToSeconds(code: number): number {
  return decodeFloatCode(code) / 10;
}

/**
 * Seconds to a v3 Max Resp Code, rounding down to the code's resolution (see {@link encodeFloatCode}).
 * The time is first rounded to the microsecond so that 24.8 s gives 248 tenths despite binary floating point.
 */
export function secondsToMaxRespCode(seconds: number): number {
  return encodeFloatCode(Math.floor(Math.round(seconds * 1e6) / 1e5));
}

/** QQIC (v3 float, seconds) to seconds. */
export function qqicToSeconds(code: number): number {
  return decodeFloatCode(code);
}

/** Seconds to QQIC, rounding down (see {@link encodeFloatCode}). */
export function secondsToQqic(seconds: number): number {
  return encodeFloatCode(Math.floor(Math.round(seconds * 1e6) / 1e6));
}
