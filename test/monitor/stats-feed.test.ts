// The statistics in two threads (src/monitor/stats-feed.ts) count what one thread counts: the feed's entries,
// applied chunk by chunk in the same thread here (LoopbackRing), give the same statistics and the same JSON
// text as a StatsCollector that takes the frames itself, on every fixture and on made captures with every
// kind of message, several LANs, bad checksums and time going back. (The threads themselves: built-cli.test.ts.)
import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCapture } from "../../src/capture/read.js";
import { writeStatsJson } from "../../src/cli/stats-json.js";
import { LoopbackRing, StatsFeeder, StatsFeedReader } from "../../src/monitor/stats-feed.js";
import { StatsCollector } from "../../src/monitor/stats.js";
import { decodeFrame, encodeIgmpFrame, leave, v1Report, v2Query, v2Report, v3Query, v3Report, type DecodedFrame } from "../../src/wire/index.js";

function json(c: StatsCollector): string {
  let text = "";
  writeStatsJson({ file: "f" }, c.summary(), (s) => (text += typeof s === "string" ? s : Buffer.from(s).toString("latin1")));
  return text;
}

/** The statistics of `frames` taken directly, and through the feed in chunks of `words` words. */
function both(frames: readonly DecodedFrame[], words: number): { direct: string; fed: string; ended: boolean } {
  const direct = new StatsCollector();
  for (const f of frames) direct.push(f);
  const reader = new StatsFeedReader(new StatsCollector());
  const ring = new LoopbackRing(reader, words);
  const feeder = new StatsFeeder(ring);
  for (const f of frames) feeder.push(f);
  reader.end(feeder.finish());
  return { direct: json(direct), fed: json(reader.collector), ended: ring.ended };
}

describe("the statistics through the feed", () => {
  const files = readdirSync("fixtures").filter((f) => /\.pcap(ng)?$/.test(f));

  it("count every fixture as one thread does, in chunks small and large", async () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const frames = await readCapture(`fixtures/${f}`);
      for (const words of [64, 1 << 16]) {
        const r = both(frames, words);
        expect(r.ended, f).toBe(true);
        expect(r.fed, `${f} in chunks of ${words} words`).toBe(r.direct);
        expect(JSON.parse(r.fed).messages, f).toBeGreaterThan(0);
      }
    }
  });

  it("count made LANs alike: every message kind, two VLANs, bad checksums, expiries, the clock going back", () => {
    const group = fc.integer({ min: 0, max: 5 }).map((k) => `239.1.0.${k}`);
    const host = fc.integer({ min: 2, max: 4 }).map((k) => `198.18.0.${k}`);
    const record = fc.record({ type: fc.integer({ min: 1, max: 7 }), group, sources: fc.array(fc.constantFrom("198.51.100.1", "198.51.100.2"), { maxLength: 2 }) });
    const message = fc.oneof(
      fc.record({ k: fc.constant("v3"), src: host, records: fc.array(record, { minLength: 1, maxLength: 6 }) }),
      fc.record({ k: fc.constantFrom("v1", "v2", "leave"), src: host, group }),
      fc.record({ k: fc.constant("q2"), src: fc.constantFrom("198.18.0.1", "198.18.0.100"), group: fc.oneof(fc.constant("0.0.0.0"), group) }),
      fc.record({ k: fc.constant("q3"), src: fc.constantFrom("198.18.0.1", "198.18.0.100"), group: fc.oneof(fc.constant("0.0.0.0"), group), sources: fc.array(fc.constant("198.51.100.1"), { maxLength: 1 }) }),
    );
    const frame = fc.record({ m: message, vlan: fc.boolean(), dt: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3_000 }), weight: 20 }, fc.integer({ min: -2_000, max: 300_000 })), bad: fc.integer({ min: 0, max: 19 }) });
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 200 }), fc.constantFrom(40, 64, 4096), (spec, words) => {
        let ms = 1_800_000_000_000;
        const frames = spec.map((s, i) => {
          const m = s.m;
          const msg =
            m.k === "v3"
              ? v3Report(m.records)
              : m.k === "v1"
                ? v1Report(m.group)
                : m.k === "v2"
                  ? v2Report(m.group)
                  : m.k === "leave"
                    ? leave(m.group)
                    : m.k === "q2"
                      ? v2Query({ group: m.group, maxRespCode: 100 })
                      : v3Query({ group: m.group, sources: "sources" in m ? m.sources : [], maxRespCode: 100, qqic: 60 });
          // (one in twenty with a bad checksum)
          const message = s.bad === 0 ? { ...msg, checksum: msg.checksum ^ 0x5a } : msg;
          const data = encodeIgmpFrame({ message, src: m.src, macSrc: "02:00:00:00:00:02", ...(s.vlan ? { vlan: [7] } : {}) });
          ms += s.dt;
          return decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: BigInt(ms) * 1_000_000n }, i + 1);
        });
        const r = both(frames, words);
        expect(r.ended).toBe(true);
        expect(r.fed).toBe(r.direct);
      }),
      { numRuns: 300 },
    );
  });

  it("carry what decides an answer: a record's sources after another's, and the host a leave names", () => {
    const at = (s: number, message: Parameters<typeof encodeIgmpFrame>[0]["message"], src: string, i: number): DecodedFrame => {
      const data = encodeIgmpFrame({ message, src, macSrc: "02:00:00:00:00:02" });
      return decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: BigInt(1_800_000_000_000 + 1000 * s) * 1_000_000n }, i);
    };
    const [h, q, s1] = ["198.18.0.2", "198.18.0.1", "198.51.100.1"];
    // IS_IN {} after a record with a source: the host leaves 239.1.1.2, so its v2 report there is a join, not an answer
    const records = [
      at(0, v3Report([{ type: 5, group: "239.1.1.1", sources: [s1] }, { type: 2, group: "239.1.1.2", sources: [] }]), h, 1),
      at(1, v3Query({ maxRespCode: 100 }), q, 2),
      at(2, v3Report([{ type: 1, group: "239.1.1.1", sources: [s1] }, { type: 1, group: "239.1.1.2", sources: [] }]), h, 3),
      at(3, v3Query({ maxRespCode: 100 }), q, 4),
      at(4, v2Report("239.1.1.2"), h, 5),
    ];
    // a leave the router honours makes its host no member: its report after the last-member query is a join again
    const g = "239.1.1.3";
    const leaves = [at(0, v2Report(g), h, 1), at(10, v2Query({ maxRespCode: 100 }), q, 2), at(11, v2Report(g), h, 3), at(12, leave(g), h, 4), at(12.5, v2Query({ group: g, maxRespCode: 10 }), q, 5), at(12.8, v2Report(g), h, 6)];
    for (const [frames, general, groupSpecific] of [
      [records, 1, 0],
      [leaves, 1, 0],
    ] as const) {
      const r = both(frames, 64);
      expect(r.fed).toBe(r.direct);
      const d = JSON.parse(r.fed).responseDelays;
      expect([d.general.count, d.groupSpecific.count]).toEqual([general, groupSpecific]);
    }
  });

  it("refuses an entry larger than a chunk, and a feed that ends where its chunk did not say so", () => {
    const reader = new StatsFeedReader(new StatsCollector());
    const feeder = new StatsFeeder(new LoopbackRing(reader, 16));
    const records = Array.from({ length: 8 }, (_, k) => ({ type: 2, group: `239.2.0.${k}`, sources: [] }));
    const data = encodeIgmpFrame({ message: v3Report(records), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
    expect(() => feeder.push(decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: 0n }, 1))).toThrow(/an entry of 45 words is larger than a chunk/);
    const bad = new Int32Array([99]);
    expect(() => reader.read(bad, 0)).toThrow(/feed is corrupt: tag 99 at word 0/);
  });
});
