import fc from "fast-check";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { emitFastText, FastText, fastTextBound } from "../../src/cli/fasttext.js";
import { formatLine, type TimeFormat } from "../../src/cli/format.js";
import { LocalZone, TIMESTAMP_MODES, Timestamper } from "../../src/cli/timestamps.js";
import { decodeFrameDetail, encodeIgmpFrame, FrameView, IgmpType, v2Report } from "../../src/wire/index.js";
import { anyFrame, commonMessage, igmpMessage, ipv4 } from "../wire/arbitraries.js";

const view = new FrameView();

function both(data: Uint8Array, linkType: number, sec: number, ns: number, time: TimeFormat, zone?: LocalZone): { fast: string | null; slow: string } {
  const out = new Uint8Array(fastTextBound(data.length));
  view.wrap(data, linkType);
  const end = emitFastText(view, sec, ns, time, out, 0, zone);
  const slow = formatLine(decodeFrameDetail({ data, linkType, timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(ns) }), time);
  // every clean frame but mtrace is written fast
  if (view.clean && view.type !== IgmpType.mtraceRequest && view.type !== IgmpType.mtraceResponse) expect(end, slow).toBeGreaterThan(0);
  return { fast: end < 0 ? null : Buffer.from(out.subarray(0, end)).toString("latin1"), slow };
}

describe("the fast text line is exactly formatLine's", () => {
  it("for generated messages (with VLAN tags), both time formats", () => {
    let fastCount = 0;
    fc.assert(
      fc.property(
        fc.oneof(igmpMessage, commonMessage),
        ipv4,
        fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 2 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.constantFrom<TimeFormat>("utc", "local", "epoch"),
        (m, src, vlan, sec, ns, time) => {
          const f = encodeIgmpFrame({ message: m, src, dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", macDst: "01:00:5e:00:00:01", vlan });
          const r = both(f, 1, sec, ns, time);
          if (r.fast !== null) {
            fastCount++;
            expect(r.fast).toBe(r.slow);
          }
        },
      ),
      { numRuns: 4000 },
    );
    expect(fastCount).toBeGreaterThan(1500);
  });
  it("for generated frames of every kind on every link type, mutated or not", () => {
    fc.assert(
      fc.property(anyFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }), fc.integer({ min: 0, max: 4_000_000_000 }), fc.constantFrom<TimeFormat>("utc", "local", "epoch"), (f, muts, sec, time) => {
        for (const [at, v] of muts) f.data[at % f.data.length] = v;
        const r = both(f.data, f.linkType, sec, 123_456_789, time);
        if (r.fast !== null) expect(r.fast).toBe(r.slow);
      }),
      { numRuns: 3000 },
    );
  });
  it("for every frame of every fixture, all of which take the fast path but the odd one", async () => {
    let n = 0;
    let fast = 0;
    for (const name of readdirSync("fixtures").filter((x) => /\.pcap(ng)?$/.test(x))) {
      for await (const fr of readCaptureFile(`fixtures/${name}`)) {
        const sec = Number(fr.timestampNs / 1_000_000_000n);
        const ns = Number(fr.timestampNs % 1_000_000_000n);
        const r = both(fr.data, fr.linkType, sec, ns, "utc");
        n++;
        if (r.fast !== null) {
          fast++;
          expect(r.fast).toBe(r.slow);
        }
      }
    }
    expect(fast / n).toBeGreaterThan(0.9);
  });

  it("through one writer over a run of frames: the text of a second it keeps, across seconds, days, time formats and -t modes", () => {
    const out = new Uint8Array(4096);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.array(fc.tuple(fc.oneof(igmpMessage, commonMessage), fc.constantFrom(0, 0, 0, 1, 2, 59, 3600, 86_399, 86_400), fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 2 + TIMESTAMP_MODES.length })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.boolean(),
        (start, frames, utc) => {
          const writer = new FastText();
          // the plain formats, and a stamper of each -t mode for each side (the delta modes keep state)
          const fastTimes: TimeFormat[] = ["utc", "local", "epoch", ...TIMESTAMP_MODES.map((m) => new Timestamper(m, utc))];
          const slowTimes: TimeFormat[] = ["utc", "local", "epoch", ...TIMESTAMP_MODES.map((m) => new Timestamper(m, utc))];
          let sec = start;
          for (const [m, step, ns, t] of frames) {
            sec += step;
            const f = encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01" });
            view.wrap(f, 1);
            const end = writer.write(view, sec, ns, fastTimes[t % fastTimes.length]!, out, 0);
            if (end < 0) continue;
            const slow = formatLine(decodeFrameDetail({ data: f, linkType: 1, timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(ns) }), slowTimes[t % slowTimes.length]!);
            expect(Buffer.from(out.subarray(0, end)).toString("latin1")).toBe(slow);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("local time of day in zones with DST, half- and quarter-hour offsets, across their changes, with the zone cache", () => {
    const frame = encodeIgmpFrame({ message: v2Report("239.1.1.1"), src: "198.18.0.2", macSrc: "02:00:00:00:00:01" });
    const before = process.env.TZ;
    try {
      for (const tz of ["America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "Europe/London"]) {
        process.env.TZ = tz;
        fc.assert(
          fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.array(fc.integer({ min: 0, max: 5_400 }), { minLength: 1, maxLength: 40 }), (start, steps) => {
            // a run of frames seconds to minutes apart through one cache, as a capture reads them
            const zone = new LocalZone();
            let sec = start;
            for (const step of steps) {
              sec += step;
              const r = both(frame, 1, sec, 123_456_789, "local", zone);
              expect(r.fast).toBe(r.slow);
            }
          }),
          { numRuns: 60 },
        );
        // the days around 2026's changes of the zones, every 7 minutes (all quarter-hour phases)
        const zone = new LocalZone();
        for (const day of [Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 28), Date.UTC(2026, 3, 4), Date.UTC(2026, 8, 26), Date.UTC(2026, 9, 3), Date.UTC(2026, 9, 31), Date.UTC(2026, 10, 1)]) {
          for (let m = 0; m < 3 * 24 * 60; m += 7) {
            const sec = day / 1000 + m * 60;
            const r = both(frame, 1, sec, 0, "local", zone);
            expect(r.fast).toBe(r.slow);
          }
        }
      }
    } finally {
      process.env.TZ = before;
    }
  });

  it("with tcpdump's -t family: the stamps of a run of frames, through one stamper each side", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIMESTAMP_MODES),
        fc.boolean(),
        fc.array(fc.tuple(fc.oneof(igmpMessage, commonMessage), fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 0, max: 999_999_999 })), { minLength: 1, maxLength: 12 }),
        (mode, utc, frames) => {
          const fast = new Timestamper(mode, utc);
          const slow = new Timestamper(mode, utc);
          let sec = 1_763_700_000;
          for (const [m, step, ns] of frames) {
            sec += step;
            const data = encodeIgmpFrame({ message: m, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:01" });
            const out = new Uint8Array(fastTextBound(data.length));
            view.wrap(data, 1);
            const end = emitFastText(view, sec, ns, fast, out, 0);
            const line = formatLine(decodeFrameDetail({ data, linkType: 1, timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(ns) }), slow);
            if (end < 0) fast.stamp(`${sec}.${String(ns).padStart(9, "0")}`); // the general path stamps it then
            else expect(Buffer.from(out.subarray(0, end)).toString("latin1")).toBe(line);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
