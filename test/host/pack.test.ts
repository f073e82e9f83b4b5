import { describe, expect, it } from "vitest";
import { packRecords } from "../../src/host/index.js";
import { numberToIPv4, v3Query } from "../../src/wire/index.js";
import { decodeAll, frameOf, IFACE, mkHost, runIdle } from "./helpers.js";

const src = (n: number): string[] => Array.from({ length: n }, (_, i) => numberToIPv4(0x0a000001 + i));

describe("packing records into reports (RFC 9776 §4.2.16)", () => {
  it("fills reports up to the MTU, in order", () => {
    // MTU 100: 100 - 24 - 8 = 68 bytes of records: a record with 2 sources is 16 bytes, 4 fit.
    const recs = Array.from({ length: 9 }, (_, i) => ({ type: "MODE_IS_INCLUDE" as const, group: `239.0.0.${i + 1}`, sources: src(2) }));
    const r = packRecords(recs, 100);
    expect(r.map((x) => x.length)).toEqual([4, 4, 1]);
    expect(r.flat().map((x) => x.group)).toEqual(recs.map((x) => x.group));
  });

  it("splits long INCLUDE/ALLOW/BLOCK/TO_IN records, each part in its own report", () => {
    // 68 - 8 = 60 bytes: 15 sources per record
    for (const type of ["MODE_IS_INCLUDE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES", "CHANGE_TO_INCLUDE_MODE"] as const) {
      const r = packRecords([{ type, group: "239.1.1.1", sources: src(40) }], 100);
      expect(r.map((x) => x.map((y) => y.sources!.length))).toEqual([[15], [15], [10]]);
      expect(r.flat().flatMap((x) => x.sources)).toEqual(src(40));
      expect(r.flat().every((x) => x.type === type)).toBe(true);
    }
  });

  it("truncates IS_EX and TO_EX records to what fits", () => {
    for (const type of ["MODE_IS_EXCLUDE", "CHANGE_TO_EXCLUDE_MODE"] as const) {
      const r = packRecords([{ type, group: "239.1.1.1", sources: src(40) }, { type: "MODE_IS_INCLUDE", group: "239.2.2.2" }], 100);
      expect(r.map((x) => x.map((y) => y.sources?.length ?? 0))).toEqual([[15], [0]]);
      expect(r[0]![0]!.sources).toEqual(src(15));
    }
  });

  it("a record that fits an empty report moves to the next report whole", () => {
    const r = packRecords(
      [
        { type: "MODE_IS_INCLUDE", group: "239.0.0.1", sources: src(10) },
        { type: "MODE_IS_INCLUDE", group: "239.0.0.2", sources: src(10) },
      ],
      100,
    );
    expect(r.map((x) => x.map((y) => y.sources!.length))).toEqual([[10], [10]]);
  });

  it("the host answers a general query for 400 groups in as few 1500-byte reports as fit", () => {
    const h = mkHost();
    const s = h.openSocket();
    for (let i = 0; i < 400; i++) h.join(0, s, IFACE, numberToIPv4(0xef010000 + i));
    runIdle(h);
    h.drain();
    h.receive(100_000, IFACE, frameOf(v3Query({ maxRespTime: 1 })));
    runIdle(h, 100_000);
    const out = decodeAll(h.drain());
    // (1500 - 24 - 8) / 8 = 183 records per report
    expect(out.map(({ d }) => (d.igmp!.kind === "v3-report" ? d.igmp!.records.length : -1))).toEqual([183, 183, 34]);
    for (const { d } of out) {
      expect(d.len).toBeLessThanOrEqual(1514);
      expect(d.errors).toEqual([]);
    }
  });

  it("the MTU of the interface is used (split over reports) for a big INCLUDE set", () => {
    const h = mkHost({ mtu: 576 });
    const s = h.openSocket();
    h.setSourceFilter(0, s, IFACE, "239.1.1.1", "include", src(300));
    const out = decodeAll(h.drain());
    const per = Math.floor((576 - 24 - 8 - 8) / 4);
    expect(out.map(({ d }) => (d.igmp as { records: { sources: string[] }[] }).records[0]!.sources.length)).toEqual([per, per, 300 - 2 * per]);
  });
});

describe("determinism", () => {
  function script(seed: number): Uint8Array[] {
    const h = mkHost({ seed, version: 3 });
    const s = h.openSocket();
    const t = h.openSocket();
    h.join(0, s, IFACE, "239.1.1.1");
    h.setSourceFilter(10, t, IFACE, "239.2.2.2", "include", ["10.0.0.1", "10.0.0.2"]);
    h.receive(20, IFACE, frameOf(v3Query({ maxRespTime: 10 })));
    h.receive(30, IFACE, frameOf(v3Query({ group: "239.2.2.2", sources: ["10.0.0.2"], maxRespTime: 10 })));
    h.blockSource(500, s, IFACE, "239.1.1.1", "10.0.0.7");
    runIdle(h, 500);
    return h.drain().map((f) => {
      const b = new Uint8Array(f.data.length + 8);
      new DataView(b.buffer).setFloat64(0, f.timeMs);
      b.set(f.data, 8);
      return b;
    });
  }

  it("same seed and inputs give byte-identical output; another seed changes the timing", () => {
    const a = script(42);
    const b = script(42);
    expect(a.length).toBeGreaterThan(4);
    expect(Buffer.concat(a).equals(Buffer.concat(b))).toBe(true);
    expect(Buffer.concat(script(43)).equals(Buffer.concat(a))).toBe(false);
  });
});
