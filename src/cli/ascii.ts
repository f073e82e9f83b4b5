/**
 * Writing ASCII text straight into a byte buffer, for the hot output paths (JSON and text of common
 * frames, src/cli/fastjson.ts and fasttext.ts). Every writer takes a DataView over the output and a
 * position and returns the position after what it wrote.
 *
 * Text is stored several bytes at a time: constant text ({@link Lit}) 8 bytes a store, the digits of
 * small numbers 4, all precomputed, so a literal of 40 bytes is 5 stores, not 40. A writer may therefore
 * scribble up to 7 bytes past the position it returns; what comes next overwrites them, and the caller
 * leaves at least 8 bytes of room past the end of a line.
 */

/**
 * Constant ASCII text, 8 bytes to a 64-bit float whose IEEE 754 bits, big-endian, are those bytes (the
 * last one padded with zero bytes): `DataView.setFloat64` stores them unchanged. ASCII bytes are below
 * 0x80, so no such float is a NaN (whose bits V8 might canonicalize).
 */
export interface Lit {
  /** Its length in bytes. */
  readonly length: number;
  readonly words: Float64Array;
}

/** An ASCII string as a {@link Lit}; throws a RangeError for any other character. */
export function enc(s: string): Lit {
  const bytes = new DataView(new ArrayBuffer(8 * Math.ceil(s.length / 8)));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) throw new RangeError(`not ASCII: ${JSON.stringify(s)}`);
    bytes.setUint8(i, c);
  }
  const words = new Float64Array(bytes.byteLength / 8);
  for (let i = 0; i < words.length; i++) words[i] = bytes.getFloat64(8 * i);
  return { length: s.length, words };
}

/** Copy constant text. */
export function lit(d: DataView, p: number, s: Lit): number {
  const w = s.words;
  for (let i = 0; i < w.length; i++) d.setFloat64(p + 8 * i, w[i]!);
  return p + s.length;
}

export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const DOT = 0x2e;

// The tables below are built with arithmetic, not strings: they are built at every start of the CLI, in
// the interpreter, and a string per entry costs a few milliseconds there.
const ZERO = 0x30;
/** Decimal digits of 0..999 without padding, as a word, and their number. */
const DEC_W = new Uint32Array(1000);
const DEC_N = new Uint8Array(1000);
/** "000".."999", zero-padded. */
const DEC3_W = new Uint32Array(1000);
/** "0.".."255.": an address octet and its dot. */
const OCTET_DOT_W = new Uint32Array(256);
for (let n = 0; n < 1000; n++) {
  const h = Math.floor(n / 100);
  const t = Math.floor(n / 10) % 10;
  const u = n % 10;
  const padded = (((ZERO + h) << 24) | ((ZERO + t) << 16) | ((ZERO + u) << 8)) >>> 0;
  DEC3_W[n] = padded;
  // without the leading zeros: shift them out
  const len = n < 10 ? 1 : n < 100 ? 2 : 3;
  DEC_N[n] = len;
  DEC_W[n] = (padded << (8 * (3 - len))) >>> 0;
  if (n < 256) OCTET_DOT_W[n] = (DEC_W[n]! | (DOT << (8 * (3 - len)))) >>> 0;
}
const HEX_DIGIT = (n: number): number => (n < 10 ? ZERO + n : 0x61 + n - 10);
/** "00:".."ff:": a MAC address octet and its colon; "00".."ff" (2 bytes, as 16 bits). */
const HEX_COLON_W = new Uint32Array(256);
const HEX16 = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  HEX16[n] = (HEX_DIGIT(n >> 4) << 8) | HEX_DIGIT(n & 15);
  HEX_COLON_W[n] = ((HEX16[n]! << 16) | (0x3a << 8)) >>> 0;
}

/**
 * A table of constant texts by a byte value (a type or kind code), each made on first use: the JSON and
 * text writers have several 256-entry ones, and a file uses a handful of their entries.
 */
export class LitTable {
  private readonly lits: (Lit | undefined)[] = [];

  constructor(private readonly text: (n: number) => string) {}

  /** The text for `n`. */
  at(n: number): Lit {
    return this.lits[n] ?? this.make(n);
  }

  private make(n: number): Lit {
    const l = enc(this.text(n));
    this.lits[n] = l;
    return l;
  }
}

/** Exactly 3 digits, zero-padded (0 ≤ n ≤ 999). */
export function digits3(d: DataView, p: number, n: number): number {
  d.setUint32(p, DEC3_W[n]!);
  return p + 3;
}

/** A non-negative integer in decimal (exact up to 2^53). */
export function uint(d: DataView, p: number, n: number): number {
  if (n < 1000) {
    d.setUint32(p, DEC_W[n]!);
    return p + DEC_N[n]!;
  }
  // checksums, lengths, frame numbers: groups of three digits from the tables
  if (n < 1_000_000) {
    const hi = Math.floor(n / 1000);
    d.setUint32(p, DEC_W[hi]!);
    p += DEC_N[hi]!;
    d.setUint32(p, DEC3_W[n - hi * 1000]!);
    return p + 3;
  }
  if (n < 1_000_000_000) {
    const hi = Math.floor(n / 1_000_000);
    const rest = n - hi * 1_000_000;
    const mid = Math.floor(rest / 1000);
    d.setUint32(p, DEC_W[hi]!);
    p += DEC_N[hi]!;
    d.setUint32(p, DEC3_W[mid]!);
    d.setUint32(p + 3, DEC3_W[rest - mid * 1000]!);
    return p + 6;
  }
  let digits = 10;
  for (let x = n; x >= 1e10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    d.setUint8(p + i, 48 + (n % 10));
    n = Math.floor(n / 10);
  }
  return p + digits;
}

/** `tenths / 10` as JavaScript prints it: 10, 25.5, 0.1, 3174.4. */
export function tenths(d: DataView, p: number, t: number): number {
  const whole = Math.floor(t / 10);
  p = uint(d, p, whole);
  const r = t - whole * 10;
  if (r !== 0) {
    d.setUint8(p, DOT);
    d.setUint8(p + 1, 48 + r);
    return p + 2;
  }
  return p;
}

/** "a.b.c.d" with its quotes. */
export function ip(d: DataView, p: number, b: Uint8Array, i: number): number {
  d.setUint8(p, QUOTE);
  p = ipBare(d, p + 1, b, i);
  d.setUint8(p, QUOTE);
  return p + 1;
}

/** a.b.c.d from 4 bytes at b[i]. */
export function ipBare(d: DataView, p: number, b: Uint8Array, i: number): number {
  let v = b[i]!;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = b[i + 1]!;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = b[i + 2]!;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = b[i + 3]!;
  d.setUint32(p, DEC_W[v]!);
  return p + DEC_N[v]!;
}

/** "aa:bb:cc:dd:ee:ff" with its quotes. */
export function mac(d: DataView, p: number, b: Uint8Array, i: number): number {
  d.setUint8(p, QUOTE);
  for (let k = 0; k < 6; k++) d.setUint32(p + 1 + 3 * k, HEX_COLON_W[b[i + k]!]!);
  d.setUint8(p + 18, QUOTE); // over the last colon
  return p + 19;
}

/** `[` the addresses `]` of `n` sources from b[start]. */
export function jsonSources(d: DataView, p: number, b: Uint8Array, start: number, n: number): number {
  d.setUint8(p++, 0x5b);
  for (let k = 0; k < n; k++) {
    if (k) d.setUint8(p++, COMMA);
    p = ip(d, p, b, start + 4 * k);
  }
  d.setUint8(p, 0x5d);
  return p + 1;
}

/** "a.b.c.d" with its quotes, from a 32-bit address (either sign). */
export function ipOf(d: DataView, p: number, n: number): number {
  d.setUint8(p++, QUOTE);
  let v = (n >>> 24) & 255;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = (n >>> 16) & 255;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = (n >>> 8) & 255;
  d.setUint32(p, OCTET_DOT_W[v]!);
  p += DEC_N[v]! + 1;
  v = n & 255;
  d.setUint32(p, DEC_W[v]!);
  p += DEC_N[v]!;
  d.setUint8(p, QUOTE);
  return p + 1;
}

/** `ms / 1000` as JavaScript prints it, for a whole number of milliseconds ms ≥ 0: 245.001, 0.5, 260. */
export function millis(d: DataView, p: number, ms: number): number {
  const whole = Math.floor(ms / 1000);
  p = uint(d, p, whole);
  const r = ms - whole * 1000;
  if (r === 0) return p;
  d.setUint8(p, DOT);
  d.setUint32(p + 1, DEC3_W[r]!);
  return p + (r % 100 === 0 ? 2 : r % 10 === 0 ? 3 : 4);
}

const TRUE = enc("true");
const FALSE = enc("false");

export function bool(d: DataView, p: number, v: boolean): number {
  return lit(d, p, v ? TRUE : FALSE);
}

/** Exactly 9 digits, zero-padded: the nanoseconds of a time (0 ≤ n ≤ 999999999). */
export function nanos9(d: DataView, p: number, n: number): number {
  const hi = Math.floor(n / 1_000_000);
  const rest = n - hi * 1_000_000;
  const mid = Math.floor(rest / 1000);
  d.setUint32(p, DEC3_W[hi]!);
  d.setUint32(p + 3, DEC3_W[mid]!);
  d.setUint32(p + 6, DEC3_W[rest - mid * 1000]!);
  return p + 9;
}

/** Exactly 6 digits, zero-padded: the microseconds of a time (0 ≤ n ≤ 999999). */
export function micros6(d: DataView, p: number, n: number): number {
  const hi = Math.floor(n / 1000);
  d.setUint32(p, DEC3_W[hi]!);
  d.setUint32(p + 3, DEC3_W[n - hi * 1000]!);
  return p + 6;
}

/** `"hex"` of `b[start, end)`, with its quotes. */
export function jsonHex(d: DataView, p: number, b: Uint8Array, start: number, end: number): number {
  d.setUint8(p++, QUOTE);
  for (let i = start; i < end; i++, p += 2) d.setUint16(p, HEX16[b[i]!]!);
  d.setUint8(p, QUOTE);
  return p + 1;
}

/** Lowercase hex of a number, without padding. */
export function hexNumber(d: DataView, p: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 16; x = Math.floor(x / 16)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    d.setUint8(p + i, "0123456789abcdef".charCodeAt(n & 15));
    n = Math.floor(n / 16);
  }
  return p + digits;
}

/** A DataView on exactly the bytes of `out`, kept while `out` is the same buffer. */
export class OutView {
  private buf: Uint8Array | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));

  of(out: Uint8Array): DataView {
    if (out !== this.buf) {
      this.buf = out;
      this.view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    }
    return this.view;
  }
}

/**
 * Bytes written into chunks handed to `sink`: each a new buffer of `size` bytes, not zeroed (only the bytes
 * written, `out[0, p)`, are handed over), with `d` a view on exactly its bytes. The base of the `--json`
 * writers that write a long output a piece at a time (`monitor`'s events, `stats`'s groups).
 */
export class ByteChunks {
  protected out: Uint8Array;
  protected d: DataView;
  protected p = 0;

  constructor(
    protected readonly sink: (chunk: Uint8Array) => void,
    private readonly size: number,
  ) {
    this.out = Buffer.allocUnsafe(size);
    this.d = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
  }

  /** Room for `n` more bytes: what is written goes out first when they do not fit, in a larger chunk if need be. */
  protected room(n: number): void {
    if (this.p + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) this.fresh(n);
  }

  /** Hand over what is written. */
  flush(): void {
    if (this.p === 0) return;
    this.sink(this.out.subarray(0, this.p));
    this.fresh(this.size);
    this.p = 0;
  }

  private fresh(n: number): void {
    this.out = Buffer.allocUnsafe(n);
    this.d = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
  }
}
