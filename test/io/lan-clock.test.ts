/**
 * The live conformance LAN judges a query it stamped (monotonic clock) against an answer the kernel stamped
 * (wall clock). A step of the wall clock between the two must not show as the DUT's delay: a fake capture
 * delivers an answer stamped after a 4 s step, and the frame lands on the runner's timeline where it was.
 */
import { describe, expect, it } from "vitest";
import type { LiveCaptureReader, TimestampSource } from "../../src/capture/live.js";
import { LiveLan } from "../../src/io/conform-live.js";
import { LanClock } from "../../src/io/lan-clock.js";
import { encodeIgmpFrame, v2Query, v2Report } from "../../src/wire/index.js";
import { FakeCapture, settle } from "../monitor/fake-live.js";
import { ms, timestampNs } from "../monitor/helpers.js";

/** Two clocks the test moves (wall on the helpers' capture clock, `ms(0)` at the start): `pass` moves both, `step` only the wall clock. */
class Clocks {
  wall = ms(0) + 0.4;
  mono = 52_000.25;
  wallMs = () => Math.floor(this.wall);
  monoMs = () => this.mono;
  pass(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  step(ms: number): void {
    this.wall += ms;
  }
  /** What the kernel stamps a frame received now with, as the helpers' seconds. */
  kernelS(): number {
    return (this.wall - ms(0)) / 1000;
  }
  kernelStamp(): bigint {
    return timestampNs(this.kernelS());
  }
}

const QUERY = encodeIgmpFrame({ message: v2Query({ maxRespTime: 1 }), src: "198.18.0.1", dst: "224.0.0.1", macSrc: "02:00:c6:12:00:01" });

async function answerAfterStep(stepMs: number, timestamps: TimestampSource = "libpcap-ns"): Promise<number> {
  const clocks = new Clocks();
  const capture = new FakeCapture("veth-test", timestamps);
  const lan = new LiveLan(capture as unknown as LiveCaptureReader, null, null, { iface: "veth-test", address: "198.18.0.1", clocks });
  clocks.pass(100);
  const query = await lan.send(QUERY);
  clocks.pass(300);
  clocks.step(stepMs);
  clocks.pass(200);
  // An unpatched `cap` stamps on delivery from the monotonic clock anchored to wall time at the start.
  const t = timestamps === "delivery" ? 0.6004 : clocks.kernelS();
  capture.push({ t, src: "198.18.0.2", message: v2Report("239.1.2.3") });
  await settle();
  expect(lan.frames).toHaveLength(2);
  const answer = lan.frames[1]!;
  expect(answer.sent).toBe(false);
  await lan.close();
  return answer.timeMs - query.timeMs;
}

describe("LiveLan's one timeline", () => {
  it("an answer 500 ms after the query is 500 ms after it, across a wall-clock step forward or back", async () => {
    for (const step of [0, 4000, -4000, 3]) {
      const gap = await answerAfterStep(step);
      expect(Math.abs(gap - 500), `step ${step} ms`).toBeLessThanOrEqual(1);
    }
  });

  it("delivery stamps (an unpatched cap) are on the monotonic clock already: no step applies", async () => {
    const gap = await answerAfterStep(4000, "delivery");
    expect(Math.abs(gap - 500)).toBeLessThanOrEqual(1);
  });
});

describe("LanClock", () => {
  it("maps kernel stamps onto the monotonic timeline, and the timeline back to wall stamps for evidence", () => {
    const clocks = new Clocks();
    const clock = new LanClock(clocks);
    clocks.pass(1000);
    expect(clock.now()).toBe(1000);
    expect(Math.abs(clock.fromWire(clocks.kernelStamp()) - 1000)).toBeLessThanOrEqual(1);
    // Evidence stamps: the wall time at the start plus the timeline.
    expect(clock.toWire(1000) - clock.toWire(0)).toBe(1_000_000_000n);
    clocks.step(-60_000);
    clocks.pass(10);
    expect(Math.abs(clock.fromWire(clocks.kernelStamp()) - 1010)).toBeLessThanOrEqual(1);
    // A frame stamped before a step and read after it is placed by the offset at reading: the step's size off.
    const before = clocks.kernelStamp();
    clocks.step(5000);
    expect(clock.fromWire(before)).toBeLessThan(1010 - 4000);
  });
});
