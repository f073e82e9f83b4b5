import { describe, expect, it } from "vitest";
import { CaptureParser, PcapWriter, PcapngWriter } from "../../src/pcap/index.js";

function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 20 + (i % 50) }, (_, k) => (i * 7 + k) & 255));
}

function file(kind: "pcap" | "pcapng", data: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  if (kind === "pcap") {
    const w = new PcapWriter({ linkType: 1 });
    parts.push(w.header());
    data.forEach((d, i) => parts.push(w.record({ timestampNs: BigInt(i) * 1000n, wireLength: d.length + 3, data: d })));
  } else {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1 }] });
    parts.push(w.header());
    data.forEach((d, i) => parts.push(w.record({ timestampNs: BigInt(i) * 1000n, wireLength: d.length + 3, data: d, interfaceId: 0 })));
  }
  return Buffer.concat(parts);
}

function chunks(b: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

function viaNext(parts: Uint8Array[]): { got: string[]; fatal?: string } {
  const p = new CaptureParser();
  const got: string[] = [];
  for (const c of parts) {
    p.push(c);
    for (let f = p.next(); f; f = p.next()) got.push(`${Buffer.from(f.data).toString("hex")}/${f.wireLength}/${f.linkType}`);
  }
  p.end();
  for (let f = p.next(); f; f = p.next()) got.push(`${Buffer.from(f.data).toString("hex")}/${f.wireLength}/${f.linkType}`);
  return { got, ...(p.fatal ? { fatal: `${p.fatal.code}@${p.fatal.offset}#${p.fatal.frame}` } : {}) };
}

function viaScan(parts: Uint8Array[]): { got: string[]; fatal?: string; count: number } {
  const p = new CaptureParser();
  const got: string[] = [];
  const visit = (b: Uint8Array, s: number, e: number, wl: number, lt: number): void => {
    got.push(`${Buffer.from(b.subarray(s, e)).toString("hex")}/${wl}/${lt}`);
  };
  let count = 0;
  for (const c of parts) {
    p.push(c);
    count += p.scan(visit);
  }
  p.end();
  count += p.scan(visit);
  expect(p.frameCount).toBe(got.length);
  return { got, count, ...(p.fatal ? { fatal: `${p.fatal.code}@${p.fatal.offset}#${p.fatal.frame}` } : {}) };
}

describe("CaptureParser.scan", () => {
  for (const kind of ["pcap", "pcapng"] as const) {
    it(`${kind}: visits exactly the frames next() gives, whatever the chunking`, () => {
      const bytes = file(kind, frames(300));
      for (const size of [1, 7, 100, 4096, bytes.length]) {
        const a = viaNext(chunks(bytes, size));
        const b = viaScan(chunks(bytes, size));
        expect(b.got).toEqual(a.got);
        expect(b.count).toBe(300);
      }
    });
    it(`${kind}: a truncated file gives the same frames and the same fatal error`, () => {
      const bytes = file(kind, frames(40));
      for (const cut of [bytes.length - 1, bytes.length - 30, 101, 31]) {
        const a = viaNext(chunks(bytes.subarray(0, cut), 64));
        const b = viaScan(chunks(bytes.subarray(0, cut), 64));
        expect(b.got).toEqual(a.got);
        expect(b.fatal).toEqual(a.fatal);
        expect(a.fatal).toBeDefined();
      }
    });
  }
  it("pcap: an impossible caplen stops at the same frame with the same error", () => {
    const bytes = file("pcap", frames(10));
    const bad = Uint8Array.from(bytes); // a copy with its own ArrayBuffer (Buffer.concat may use the pool)
    // 6th record's caplen: header 24, records 16 + len
    let off = 24;
    for (let i = 0; i < 5; i++) off += 16 + (20 + i);
    new DataView(bad.buffer).setUint32(off + 8, 300_000, true);
    const a = viaNext([bad]);
    const b = viaScan([bad]);
    expect(b.got).toEqual(a.got);
    expect(a.got).toHaveLength(5);
    expect(b.fatal).toEqual(a.fatal);
  });
});
