/** Timestamps of text lines: any exact time has a time of day and a date, in UTC and local time. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTime } from "../../src/cli/format.js";
import { Timestamper } from "../../src/cli/timestamps.js";
import { formatTimestamp } from "../../src/wire/index.js";

const withTz = <T>(tz: string, fn: () => T): T => {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    process.env.TZ = before;
  }
};

describe("time of day and date of an exact time", () => {
  it("before the epoch and beyond a Date's range (pcapng if_tsoffset ±2^63 s)", () => {
    expect(formatTime("-5.300000000", "utc")).toBe("23:59:54.700000");
    expect(formatTime("-86400.000000000", "utc")).toBe("00:00:00.000000");
    expect(formatTime("9223372036854775807.999999999", "utc")).toBe("15:30:07.999999");
    expect(formatTime("-9223372036854775808.000000000", "utc")).toBe("08:29:52.000000");
    expect(withTz("America/New_York", () => formatTime("9223372036854775807.000000000", "local"))).toBe("15:30:07.000000"); // no zone known there: UTC
    expect(new Timestamper("date", true).stamp("-5.300000000")).toBe("1969-12-31 23:59:54.700000");
    expect(new Timestamper("date", true).stamp("9223372036854775807.000000000")).toBe("292277026596-12-04 15:30:07.000000");
    expect(new Timestamper("unix", true).stamp("1763700000.123456789")).toBe("1763700000.123456");
  });

  it("date and time equal what a Date says, in UTC and in a zone with DST", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_000_000_000_000, max: 8_000_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }), (sec, ns) => {
        const time = formatTimestamp(BigInt(sec) * 1_000_000_000n + BigInt(ns)); // sec + ns/1e9, as the JSON model writes it
        const d = new Date(sec * 1000);
        const y = d.getUTCFullYear();
        const iso = `${y < 0 ? "-" : ""}${String(Math.abs(y)).padStart(4, "0")}-${d.toISOString().slice(-19, -14)} ${d.toISOString().slice(-13, -5)}.${String(Math.floor(ns / 1000)).padStart(6, "0")}`;
        expect(new Timestamper("date", true).stamp(time)).toBe(iso);
        // (local times from 1970 on: before standard time, zones had LMT offsets in seconds that Date rounds)
        if (sec >= 0) withTz("Europe/Berlin", () => {
          const local = new Date(sec * 1000);
          const hms = [local.getHours(), local.getMinutes(), local.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
          expect(formatTime(time, "local")).toBe(`${hms}.${String(Math.floor(ns / 1000)).padStart(6, "0")}`);
        });
      }),
      { numRuns: 500 },
    );
  });
});
