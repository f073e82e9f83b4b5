/**
 * Writing ASCII text straight into a byte buffer, for the hot output paths (JSON and text of common
 * frames, src/cli/fastjson.ts and fasttext.ts). Every writer takes the buffer and a position and returns the position after what it wrote.
 */

export const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HEX_HI = Uint8Array.from({ length: 256 }, (_, i) => "0123456789abcdef".charCodeAt(i >> 4));
const HEX_LO = Uint8Array.from({ length: 256 }, (_, i) => "0123456789abcdef".charCodeAt(i & 15));
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const DOT = 0x2e;

/** Copy constant bytes. */
export function lit(out: Uint8Array, p: number, s: Uint8Array): number {
  const n = s.length;
  if (n > 12) out.set(s, p); // measured: a native copy beats the loop above about 12 bytes
  else for (let i = 0; i < n; i++) out[p + i] = s[i]!;
  return p + n;
}

export function uint(out: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    out[p] = 48 + n;
    return p + 1;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    out[p + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + digits;
}

/** `tenths / 10` as JavaScript prints it: 10, 25.5, 0.1, 3174.4. */
export function tenths(out: Uint8Array, p: number, t: number): number {
  p = uint(out, p, Math.floor(t / 10));
  const d = t % 10;
  if (d !== 0) {
    out[p] = DOT;
    out[p + 1] = 48 + d;
    return p + 2;
  }
  return p;
}

export function byteDec(out: Uint8Array, p: number, v: number): number {
  if (v >= 100) {
    out[p] = 48 + Math.floor(v / 100);
    out[p + 1] = 48 + (Math.floor(v / 10) % 10);
    out[p + 2] = 48 + (v % 10);
    return p + 3;
  }
  if (v >= 10) {
    out[p] = 48 + Math.floor(v / 10);
    out[p + 1] = 48 + (v % 10);
    return p + 2;
  }
  out[p] = 48 + v;
  return p + 1;
}

/** "a.b.c.d" with its quotes. */
export function ip(out: Uint8Array, p: number, b: Uint8Array, i: number): number {
  out[p] = QUOTE;
  p = ipBare(out, p + 1, b, i);
  out[p] = QUOTE;
  return p + 1;
}

/** a.b.c.d from 4 bytes at b[i]. */
export function ipBare(out: Uint8Array, p: number, b: Uint8Array, i: number): number {
  p = byteDec(out, p, b[i]!);
  out[p++] = DOT;
  p = byteDec(out, p, b[i + 1]!);
  out[p++] = DOT;
  p = byteDec(out, p, b[i + 2]!);
  out[p++] = DOT;
  return byteDec(out, p, b[i + 3]!);
}

/** "aa:bb:cc:dd:ee:ff" with its quotes. */
export function mac(out: Uint8Array, p: number, b: Uint8Array, i: number): number {
  out[p++] = QUOTE;
  for (let k = 0; k < 6; k++) {
    if (k) out[p++] = 0x3a;
    out[p++] = HEX_HI[b[i + k]!]!;
    out[p++] = HEX_LO[b[i + k]!]!;
  }
  out[p] = QUOTE;
  return p + 1;
}

export function jsonSources(out: Uint8Array, p: number, b: Uint8Array, start: number, n: number): number {
  out[p++] = 0x5b;
  for (let k = 0; k < n; k++) {
    if (k) out[p++] = COMMA;
    p = ip(out, p, b, start + 4 * k);
  }
  out[p] = 0x5d;
  return p + 1;
}

const TRUE = enc("true");
const FALSE = enc("false");

export function bool(out: Uint8Array, p: number, v: boolean): number {
  return lit(out, p, v ? TRUE : FALSE);
}


/** Exactly 9 digits, zero-padded: the nanoseconds of a time. */
export function nanos9(out: Uint8Array, p: number, n: number): number {
  for (let k = 8; k >= 0; k--) {
    out[p + k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + 9;
}

/** `"hex"` of `b[start, end)`, with its quotes. */
export function jsonHex(out: Uint8Array, p: number, b: Uint8Array, start: number, end: number): number {
  out[p++] = QUOTE;
  for (let i = start; i < end; i++) {
    out[p++] = HEX_HI[b[i]!]!;
    out[p++] = HEX_LO[b[i]!]!;
  }
  out[p] = QUOTE;
  return p + 1;
}

/** Lowercase hex of a number, without padding. */
export function hexNumber(out: Uint8Array, p: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 16; x = Math.floor(x / 16)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    out[p + i] = HEX_LO[n & 15]!;
    n = Math.floor(n / 16);
  }
  return p + digits;
}
