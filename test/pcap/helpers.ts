/**
 * Hand-written capture-file bytes for tests: what no writer of ours produces (big-endian pcap, obsolete
 * Packet Blocks, Simple Packet Blocks, unknown blocks, odd resolutions, corrupt lengths).
 */
import { CaptureParser } from "../../src/pcap/reader.js";
import type { Frame } from "../../src/pcap/frame.js";
import type { PcapError } from "../../src/pcap/errors.js";

/** A little-or-big-endian byte builder. */
export class Bytes {
  private readonly out: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.out.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.out.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u64(v: bigint): this {
    const hi = Number((v >> 32n) & 0xffffffffn);
    const lo = Number(v & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  /** A pcapng timestamp: high word then low word, each in the section's byte order. */
  ts(units: bigint): this {
    return this.u32(Number(units >> 32n)).u32(Number(units & 0xffffffffn));
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]!);
    return this;
  }
  pad4(): this {
    while (this.out.length % 4 !== 0) this.out.push(0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Packet bytes 0, 1, 2... of length n, offset by `seed` so frames differ. */
export function payload(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i + seed) & 0xff);
}

// ---- classic pcap ----

export function pcapHeader(o: { le: boolean; nano?: boolean; snaplen?: number; linkTypeField?: number; major?: number }): Uint8Array {
  return new Bytes(o.le)
    .u32(o.nano ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(o.major ?? 2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(o.snaplen ?? 65535)
    .u32(o.linkTypeField ?? 1)
    .build();
}

export function pcapRecord(le: boolean, sec: number, frac: number, data: Uint8Array, origlen = data.length, caplen = data.length): Uint8Array {
  return new Bytes(le).u32(sec).u32(frac).u32(caplen).u32(origlen).bytes(data).build();
}

// ---- pcapng ----

export type Option = [code: number, value: Uint8Array];

export function opt(code: number, value: Uint8Array | string): Option {
  return [code, typeof value === "string" ? new TextEncoder().encode(value) : value];
}

function options(b: Bytes, opts: Option[]): void {
  if (opts.length === 0) return;
  for (const [code, v] of opts) b.u16(code).u16(v.length).bytes(v).pad4();
  b.u16(0).u16(0);
}

/** A block with the given body; `trailer` overrides the trailing length. */
export function block(le: boolean, type: number, body: (b: Bytes) => void, trailer?: number): Uint8Array {
  const inner = new Bytes(le);
  body(inner);
  inner.pad4();
  const len = 12 + inner.length;
  return new Bytes(le).u32(type).u32(len).bytes(inner.build()).u32(trailer ?? len).build();
}

export function shb(le: boolean, opts: Option[] = []): Uint8Array {
  return block(le, 0x0a0d0d0a, (b) => {
    b.u32(0x1a2b3c4d).u16(1).u16(0).u64(-1n & 0xffffffffffffffffn);
    options(b, opts);
  });
}

export function idb(le: boolean, linkType: number, snaplen: number, opts: Option[] = []): Uint8Array {
  return block(le, 1, (b) => {
    b.u16(linkType).u16(0).u32(snaplen);
    options(b, opts);
  });
}

export function epb(le: boolean, ifid: number, units: bigint, data: Uint8Array, origlen = data.length, trailer?: number): Uint8Array {
  return block(
    le,
    6,
    (b) => {
      b.u32(ifid).ts(units).u32(data.length).u32(origlen).bytes(data).pad4();
    },
    trailer,
  );
}

export function spb(le: boolean, origlen: number, data: Uint8Array): Uint8Array {
  return block(le, 3, (b) => {
    b.u32(origlen).bytes(data).pad4();
  });
}

export function pb(le: boolean, ifid: number, drops: number, units: bigint, data: Uint8Array, origlen = data.length): Uint8Array {
  return block(le, 2, (b) => {
    b.u16(ifid).u16(drops).ts(units).u32(data.length).u32(origlen).bytes(data).pad4();
  });
}

export function isb(le: boolean, ifid: number, units: bigint, opts: Option[]): Uint8Array {
  return block(le, 5, (b) => {
    b.u32(ifid).ts(units);
    options(b, opts);
  });
}

export function u64opt(le: boolean, code: number, v: bigint): Option {
  return [code, new Bytes(le).u64(v).build()];
}

export function tsopt(le: boolean, code: number, units: bigint): Option {
  return [code, new Bytes(le).ts(units).build()];
}

// ---- parsing ----

export interface Parsed {
  frames: Frame[];
  errors: PcapError[];
  fatal: PcapError | undefined;
  parser: CaptureParser;
}

/** Parse `bytes` pushed in chunks of `chunk` bytes (all at once by default); frames' data are copied. */
export function parseIn(bytes: Uint8Array, chunk = bytes.length || 1): Parsed {
  const parser = new CaptureParser();
  const frames: Frame[] = [];
  const take = () => {
    for (let f = parser.next(); f !== undefined; f = parser.next()) frames.push({ ...f, data: f.data.slice() });
  };
  for (let o = 0; o < bytes.length; o += chunk) {
    parser.push(bytes.slice(o, o + chunk));
    take();
  }
  parser.end();
  take();
  return { frames, errors: parser.errors, fatal: parser.fatal, parser };
}

/** A frame as a plain comparable record. */
export function summary(f: Frame): { ts: string; wire: number; data: string; link: number; ifid: number; name?: string } {
  const s: { ts: string; wire: number; data: string; link: number; ifid: number; name?: string } = {
    ts: f.timestampNs.toString(),
    wire: f.wireLength,
    data: Buffer.from(f.data).toString("hex"),
    link: f.linkType,
    ifid: f.interfaceId,
  };
  if (f.interfaceName !== undefined) s.name = f.interfaceName;
  return s;
}
