/**
 * Structure-aware mutations of capture files: pcap records, pcapng blocks and options, gzip streams and
 * the IGMP inside frames. Each mutation knows the structure it damages (a record count, a length field,
 * an option, a block type, a timestamp) instead of flipping random bits, so that the damage reaches the
 * code past the first length check. Deterministic for a given {@link Rng}.
 */
import { gzipSync } from "node:zlib";

/** A small seeded generator (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** Values that sit on the edges of the checks: zero, around the snaplen and 262144, the top of 16/32 bits. */
const EDGE32 = [0, 1, 3, 4, 11, 12, 15, 16, 28, 32, 63, 64, 65, 65535, 65536, 262143, 262144, 262145, 16 * 1024 * 1024, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];
const EDGE16 = [0, 1, 2, 3, 4, 8, 9, 13, 14, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff];

function edge32(r: Rng): number {
  return r.next() < 0.7 ? r.pick(EDGE32) : r.below(0x100000000);
}

type Format = "pcap" | "pcapng" | "other";

function formatOf(b: Uint8Array): Format {
  if (b.length < 4) return "other";
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const m = dv.getUint32(0, false);
  if (m === 0x0a0d0d0a) return "pcapng";
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return "pcap";
  return "other";
}

/** Record or block boundaries: [start, end) of the file header and of each record or block. */
export function units(b: Uint8Array): { le: boolean; parts: [number, number][] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const parts: [number, number][] = [];
  const f = formatOf(b);
  if (f === "pcap") {
    const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
    if (b.length < 24) return { le, parts: [[0, b.length]] };
    parts.push([0, 24]);
    let p = 24;
    while (p + 16 <= b.length) {
      const cap = dv.getUint32(p + 8, le);
      const end = p + 16 + cap;
      if (end > b.length) break;
      parts.push([p, end]);
      p = end;
    }
    return { le, parts };
  }
  if (f === "pcapng") {
    let le = true;
    let p = 0;
    while (p + 12 <= b.length) {
      if (dv.getUint32(p, false) === 0x0a0d0d0a && p + 12 <= b.length) le = dv.getUint32(p + 8, true) === 0x1a2b3c4d;
      const len = dv.getUint32(p + 4, le);
      if (len < 12 || len % 4 !== 0 || p + len > b.length) break;
      parts.push([p, p + len]);
      p += len;
    }
    return { le, parts };
  }
  return { le: true, parts: [[0, b.length]] };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The offset of the IGMP message in an untagged Ethernet frame, or -1. */
function igmpOffset(frame: Uint8Array, start: number): number {
  if (frame.length < start + 14 + 20) return -1;
  if (frame[start + 12] !== 0x08 || frame[start + 13] !== 0x00) return -1;
  const ihl = (frame[start + 14]! & 0x0f) * 4;
  if (frame[start + 14 + 9] !== 2) return -1;
  const o = start + 14 + ihl;
  return o < frame.length ? o : -1;
}

/** The mutations, each a function of (bytes, rng) returning new bytes; named for the failure report. */
export const MUTATIONS: Record<string, (b: Uint8Array, r: Rng) => Uint8Array> = {
  /** Cut anywhere (what a truncated download or a full disk leaves). */
  truncate: (b, r) => b.slice(0, r.below(b.length + 1)),
  /** Drop, duplicate or swap whole records/blocks (record counts, IDB tables, section order). */
  records: (b, r) => {
    const { parts } = units(b);
    if (parts.length < 2) return b; // not a capture's structure (gzip, garbage): nothing to count
    const list = parts.map(([s, e]) => b.subarray(s, e));
    const tail = b.subarray(parts.length ? parts[parts.length - 1]![1] : 0);
    const i = 1 + r.below(Math.max(1, list.length - 1));
    const what = r.below(3);
    if (what === 0 && list.length > 1) list.splice(i, 1);
    else if (what === 1) for (let k = r.below(20) + 1; k > 0; k--) list.splice(i, 0, list[Math.min(i, list.length - 1)]!);
    else if (list.length > 2) [list[i], list[1]] = [list[1]!, list[i]!];
    return concat([...list, tail]);
  },
  /** A length field of a record or block set to an edge value (caplen, origlen, block total length, trailer). */
  lengths: (b, r) => {
    const out = b.slice();
    const { le, parts } = units(out);
    if (parts.length < 2) return out;
    const [s, e] = r.pick(parts.slice(1));
    const dv = new DataView(out.buffer);
    const pcap = formatOf(out) === "pcap";
    const at = pcap ? s + r.pick([8, 12]) : r.pick([s + 4, e - 4, s + 20, s + 24].filter((x) => x + 4 <= e));
    if (at + 4 <= out.length) dv.setUint32(at, edge32(r), le);
    return out;
  },
  /** The file header: snaplen, link type, version, byte-order magic. */
  header: (b, r) => {
    const out = b.slice();
    const dv = new DataView(out.buffer);
    const { le } = units(out);
    if (formatOf(out) === "pcap" && out.length >= 24) dv.setUint32(r.pick([4, 16, 20]), r.next() < 0.5 ? edge32(r) : r.pick([1, 101, 113, 228, 276, 0]), le);
    else if (out.length >= 24) dv.setUint32(r.pick([8, 12, 16, 20]), edge32(r), le);
    return out;
  },
  /** pcapng: a block's type changed (to another known type, a custom or unknown one). */
  blockType: (b, r) => {
    const out = b.slice();
    const { le, parts } = units(out);
    if (formatOf(out) !== "pcapng" || parts.length < 2) return out;
    const [s] = r.pick(parts.slice(1));
    new DataView(out.buffer).setUint32(s, r.pick([1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0xbad, 0x40000bad, 0x80000001]), le);
    return out;
  },
  /** pcapng: an option appended to an SHB/IDB/ISB/EPB: if_tsresol, if_tsoffset, if_name... with edge values. */
  options: (b, r) => {
    const { le, parts } = units(b);
    if (formatOf(b) !== "pcapng" || parts.length < 1) return b;
    const [s, e] = r.pick(parts);
    const code = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 0xbac, 2988, 2989]);
    const vlen = r.next() < 0.2 ? r.pick(EDGE16.slice(0, 10)) : r.pick([0, 1, 4, 8, 16, 300]);
    const value = new Uint8Array(vlen);
    for (let i = 0; i < vlen; i++) value[i] = r.next() < 0.5 ? r.pick([0x00, 0x1b, 0x07, 0x0d, 0x80, 0xff, 0x7f]) : r.below(256);
    const opt = new Uint8Array(4 + ((vlen + 3) & ~3));
    const odv = new DataView(opt.buffer);
    odv.setUint16(0, code, le);
    odv.setUint16(2, r.next() < 0.1 ? edge32(r) & 0xffff : vlen, le);
    opt.set(value, 4);
    // insert just before the trailing length, and fix both lengths so the block still frames
    const block = concat([b.subarray(s, e - 4), opt, b.subarray(e - 4, e)]);
    const bdv = new DataView(block.buffer);
    bdv.setUint32(4, block.length, le);
    bdv.setUint32(block.length - 4, block.length, le);
    return concat([b.subarray(0, s), block, b.subarray(e)]);
  },
  /** Timestamps: pcap seconds/fraction, pcapng high/low words, to edge values. */
  timestamps: (b, r) => {
    const out = b.slice();
    const { le, parts } = units(out);
    if (parts.length < 2) return out;
    const [s, e] = r.pick(parts.slice(1));
    const dv = new DataView(out.buffer);
    const at = formatOf(out) === "pcap" ? s + r.pick([0, 4]) : s + r.pick([12, 16]);
    if (at + 4 <= e) dv.setUint32(at, edge32(r), le);
    return out;
  },
  /** IGMP inside a frame: type, max resp code, number of records/sources, aux length, IP total length, IHL. */
  igmp: (b, r) => {
    const out = b.slice();
    const { parts } = units(out);
    if (parts.length < 2) return out;
    const [s, e] = r.pick(parts.slice(1));
    const data = formatOf(out) === "pcap" ? s + 16 : s + 28;
    const o = igmpOffset(out.subarray(0, e), data);
    if (o < 0) return out;
    const field = r.below(7);
    if (field === 0) out[o] = r.pick([0x11, 0x12, 0x16, 0x17, 0x22, 0x1e, 0x1f, 0x30, 0x31, 0x32, 0x13, 0x14, 0x00, 0xff]);
    else if (field === 1) out[o + 1] = r.pick([0, 1, 0x7f, 0x80, 0x8f, 0xff]);
    else if (field === 2 && o + 8 <= e) new DataView(out.buffer).setUint16(o + 6, r.pick(EDGE16), false); // v3: records / sources
    else if (field === 3 && o + 13 <= e) out[o + 9] = r.pick([0, 1, 0x3f, 0xff]); // first record's aux data length
    else if (field === 4) new DataView(out.buffer).setUint16(data + 14 + 2, r.pick(EDGE16), false); // IP total length
    else if (field === 5) out[data + 14] = (out[data + 14]! & 0xf0) | r.pick([0, 4, 5, 6, 15]); // IHL
    else out[o + r.below(Math.max(1, e - o))] = r.below(256);
    return out;
  },
  /** A few random bytes anywhere (the unstructured baseline). */
  bytes: (b, r) => {
    const out = b.slice();
    for (let k = 1 + r.below(4); k > 0 && out.length > 0; k--) out[r.below(out.length)] = r.below(256);
    return out;
  },
  /** gzip the (possibly already damaged) file; then maybe cut it, damage it, or add a second member. */
  gzip: (b, r) => {
    const z = gzipSync(b, { level: r.pick([1, 6, 9]) });
    const what = r.below(4);
    if (what === 0) return z.slice(0, r.below(z.length + 1));
    if (what === 1) {
      const out = z.slice();
      const i = Math.min(out.length - 1, 10 + r.below(Math.max(1, out.length - 10)));
      if (i >= 0) out[i] = out[i]! ^ (1 << r.below(8));
      return out;
    }
    if (what === 2) return concat([z, gzipSync(b.subarray(0, r.below(b.length + 1)))]);
    return z;
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** One to three mutations in a row; returns the bytes and the names applied. */
export function mutate(b: Uint8Array, r: Rng): { bytes: Uint8Array; applied: string[] } {
  let out = b;
  const applied: string[] = [];
  const n = 1 + r.below(3);
  for (let i = 0; i < n; i++) {
    // gzip last, if at all: a structural mutation of gzip bytes is just a random one
    const name = i === n - 1 ? r.pick(MUTATION_NAMES) : r.pick(MUTATION_NAMES.filter((m) => m !== "gzip"));
    out = MUTATIONS[name]!(out, r);
    applied.push(name);
    if (name === "gzip") break;
  }
  return { bytes: out, applied };
}
