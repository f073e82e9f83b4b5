/**
 * The real-time driver of `monitor -i` on a virtual clock: frames at their own timestamps, timers at their
 * deadlines with no traffic, the final snapshot when the capture stops. Never sleeps.
 */
import { frameTimeMs } from "../../src/monitor/state.js";
import { describe, expect, it, vi } from "vitest";
import { CaptureError } from "../../src/capture/live.js";
import { DEFAULT_TIMER_LAG_MS, driveMonitor, systemClock } from "../../src/capture/watch.js";
import { MonitorState, type MonitorEvent } from "../../src/monitor/state.js";
import { v3Query, v3Report } from "../../src/wire/index.js";
import { FakeCapture, VirtualClock } from "../monitor/fake-live.js";
import { ms, timestampNs, tx } from "../monitor/helpers.js";

const Q = "198.18.0.1";
const H1 = "198.18.0.2";
const G = "239.1.1.1";
const LAG_S = DEFAULT_TIMER_LAG_MS / 1000;
/** QRV 2, QQI 2 s, QRI 1 s: GMI = 2 × 2 + 1 = 5 s, other-querier-present = 4.5 s. */
const query = (t: number) => ({ t, src: Q, message: v3Query({ qrv: 2, qqi: 2, maxRespTime: 1 }) });
const toEx = (t: number) => ({ t, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) });

function start() {
  const clock = new VirtualClock(0);
  const cap = new FakeCapture();
  const events: MonitorEvent[] = [];
  const done = driveMonitor(cap, { clock, onEvents: (e) => events.push(...e) });
  return { clock, cap, events, done };
}

describe("driveMonitor (the live loop) on a virtual clock", () => {
  it("fires a membership expiry at its deadline with no frame arriving, stamped with the deadline", async () => {
    const { clock, cap, events, done } = start();
    cap.push(query(0));
    cap.push(toEx(0.1));
    await clock.runTo(0.1);
    expect(events.map((e) => e.type)).toEqual(["querier-elected", "join", "mode-change"]);
    // The querier goes silent too: other-querier-present expires at 4.5 s, the group at 0.1 + 5 s.
    await clock.runTo(5.1 + LAG_S - 0.001);
    expect(events.map((e) => e.type)).toEqual(["querier-elected", "join", "mode-change", "querier-expired"]);
    await clock.runTo(5.1 + LAG_S);
    expect(events.at(-1)).toEqual({ type: "expiry", group: G, reason: "group-timer", time: tx(5.1), frame: null });
    expect(clock.pending).toBe(0); // nothing left to wait for: no idle wake-ups
    await cap.stop();
    const r = await done;
    expect(r.snapshot.groups).toEqual([]);
    expect(r.frames).toBe(2);
    expect(r.events).toBe(5);
  });

  it("a report before the deadline moves it: the timer is re-armed, no early expiry", async () => {
    const { clock, cap, events, done } = start();
    cap.push(query(0));
    cap.push(toEx(0));
    await clock.runTo(3);
    cap.push({ t: 3, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
    await clock.runTo(7.9);
    expect(events.some((e) => e.type === "expiry")).toBe(false);
    await clock.runTo(8 + LAG_S);
    expect(events.filter((e) => e.type === "expiry")).toEqual([{ type: "expiry", group: G, reason: "group-timer", time: tx(8), frame: null }]);
    await cap.stop();
    await done;
  });

  it("a frame delivered late (stamped before a due deadline) is still applied before that deadline fires", async () => {
    const { clock, cap, events, done } = start();
    cap.push(query(0));
    cap.push(toEx(0));
    // At 5.1 s the group's 5 s deadline has passed, but the driver runs the timers DEFAULT_TIMER_LAG_MS behind.
    await clock.runTo(5 + LAG_S / 2);
    expect(events.some((e) => e.type === "expiry")).toBe(false);
    cap.push({ t: 4.99, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
    await clock.runTo(9.9);
    expect(events.some((e) => e.type === "expiry")).toBe(false);
    await cap.stop();
    const r = await done;
    expect(r.snapshot.groups.map((g) => g.group)).toEqual([G]);
  });

  it("a burst of frames costs one look for the next deadline, not one per frame", async () => {
    const clock = new VirtualClock(0);
    const cap = new FakeCapture();
    const state = new MonitorState();
    const events: MonitorEvent[] = [];
    const done = driveMonitor(cap, { clock, state, onEvents: (e) => events.push(...e) });
    const looks = vi.spyOn(state, "nextDeadlineMs");
    for (let i = 0; i < 200; i++) cap.push({ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: `239.1.${i >> 8}.${i & 255}` }]) });
    await clock.runTo(1);
    expect(events.filter((e) => e.type === "join")).toHaveLength(200);
    // the driver's one look after the burst (receive fires expiries from the deadline queue without it)
    expect(looks).toHaveBeenCalledTimes(1);
    expect(clock.set).toBe(2); // that re-arm, then the deadline itself
    await clock.runTo(261);
    expect(events.filter((e) => e.type === "expiry")).toHaveLength(200);
    await cap.stop();
    await done;
  });

  it("stop: the final snapshot has the timers run up to the clock's time", async () => {
    const { clock, cap, done } = start();
    cap.push(query(0));
    cap.push(toEx(0));
    await clock.runTo(2);
    await cap.stop();
    const r = await done;
    expect(frameTimeMs(r.snapshot.time)).toBe(ms(2));
    expect(r.snapshot.groups[0]).toMatchObject({ group: G, filterMode: "exclude", groupTimer: 3 });
    expect(r.snapshot.querier).toMatchObject({ address: Q, timer: 2.5 });
  });

  it("an interface that goes away: every frame before it is taken, then the error", async () => {
    const { clock, cap, events, done } = start();
    cap.push(query(0));
    cap.push(toEx(0));
    cap.fail(new CaptureError("interface-gone", "interface eth9 went away during the capture", "eth9"));
    await expect(done).rejects.toMatchObject({ code: "interface-gone" });
    expect(events.map((e) => e.type)).toContain("join");
    expect(clock.pending).toBe(0);
  });
});

describe("systemClock: frames and timers on one timeline across a wall-clock step", () => {
  /**
   * The kernel stamps with the wall clock; the driver's clock never steps. A host refreshes G 1 s after
   * joining, and between the two the wall clock is stepped by `stepS`: the refresh must land 1 s after the
   * join on the driver's clock, not an hour away (back: a refresh older than the join; forward: every
   * timer of the hour in between fired first, the group expired and joined again).
   */
  async function refreshAcrossStep(stepS: number) {
    const sources = { wall: ms(0), mono: 42_000, wallMs: () => Math.floor(sources.wall), monoMs: () => sources.mono };
    const clock = systemClock(sources);
    const cap = new FakeCapture();
    const events: MonitorEvent[] = [];
    const done = driveMonitor(cap, { clock, onEvents: (e) => events.push(...e) });
    cap.push(query(0));
    cap.push(toEx(0));
    await new Promise((r) => setImmediate(r));
    sources.wall += 1000 + stepS * 1000;
    sources.mono += 1000;
    // stamped by the kernel with the stepped wall clock
    cap.push({ t: 1 + stepS, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
    await new Promise((r) => setImmediate(r));
    await cap.stop();
    const r = await done;
    return { events, r };
  }

  for (const stepS of [-3600, 3600]) {
    it(`a step of ${stepS} s: the refresh is 1 s after the join, no expiry, the group timer a full GMI`, async () => {
      const { events, r } = await refreshAcrossStep(stepS);
      expect(events.map((e) => e.type)).toEqual(["querier-elected", "join", "mode-change"]);
      expect(r.snapshot.time).toBe(tx(1));
      expect(r.snapshot.groups.map((g) => [g.group, g.groupTimer])).toEqual([[G, 5]]);
    });
  }

  it("without a step, stamps are taken as they are (to the nanosecond)", () => {
    const sources = { wall: ms(0), mono: 42_000, wallMs: () => Math.floor(sources.wall), monoMs: () => sources.mono };
    const clock = systemClock(sources);
    sources.wall += 5000.7;
    sources.mono += 5000.7;
    expect(clock.fromWire!(timestampNs(5) + 123n)).toBe(timestampNs(5) + 123n);
    expect(clock.now()).toBeCloseTo(ms(5.0007), 6);
  });
});
