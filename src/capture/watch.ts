/**
 * The live driver of the router's-eye view: a {@link MonitorState} run in real time over a live capture.
 * Each frame goes in at its own timestamp; between frames the driver sleeps until the machine's next
 * deadline and tells it the time, so a membership expires on time even when the LAN is silent.
 *
 * It lives in src/capture because it owns a clock (injectable, see {@link MonitorClock}) and, in
 * {@link watchLive}, a libpcap capture; the state machine in src/monitor stays sans-IO.
 */
import { openLiveCapture, type LiveCapture, type LiveCaptureOptions } from "./live.js";
import type { Frame } from "../pcap/frame.js";
import { decodeFrame, type DecodedFrame } from "../wire/index.js";
import { MonitorState, type MonitorConfig, type MonitorEvent, type MonitorSnapshot } from "../monitor/state.js";
import type { Clock } from "../host/clock.js";
import { SYSTEM_CLOCKS, WallClockSteps, type ClockSources } from "./wall-steps.js";

/** Where the live driver gets the time and its timers: the one {@link Clock} of every driver, in milliseconds since the epoch (the clock of live capture timestamps). */
export type MonitorClock = Clock;

/**
 * The system clock as live capture stamps frames: the monotonic clock anchored once to wall time, so
 * that it never steps; a frame's kernel stamp is moved back by however far the wall clock has stepped
 * since (0 unless it has), so that frames and timers stay on one timeline. `sources`: for tests.
 */
export function systemClock(sources: ClockSources = SYSTEM_CLOCKS): MonitorClock {
  const anchor = sources.wallMs() - sources.monoMs();
  const steps = new WallClockSteps(sources);
  return {
    now: () => sources.monoMs() + anchor,
    setTimer: (ms, fn) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    fromWire: (ns) => {
      const step = steps.sinceStart();
      return step === 0 ? ns : ns - BigInt(Math.round(step * 1e6));
    },
  };
}

/**
 * How far behind the clock the driver runs the machine's timers, ms. A frame reaches us a little after
 * its timestamp (libpcap, the capture agent, a pipe); firing a deadline before an earlier-stamped frame
 * arrives would expire a group that frame refreshes.
 */
export const DEFAULT_TIMER_LAG_MS = 250;

/** Longest single sleep; the deadline is recomputed after it (setTimeout's limit is ~24.8 days). */
const MAX_SLEEP_MS = 60_000;

/** Options of {@link driveMonitor}. */
export interface DriveMonitorOptions {
  state?: MonitorState;
  clock?: MonitorClock;
  /** See {@link DEFAULT_TIMER_LAG_MS}. */
  timerLagMs?: number;
  /** Called with every batch of events, in time order, as they happen. */
  onEvents?: (events: MonitorEvent[], state: MonitorState) => void;
  /** Called after each frame (IGMP or not) has been taken. */
  onFrame?: (frameNumber: number) => void;
  /** Frames for which this returns false are counted but not given to the state (e.g. another VLAN's). */
  accept?: (frame: DecodedFrame) => boolean;
}

/** What {@link driveMonitor} resolves to. */
export interface DriveMonitorResult {
  /** The router's view when the frames ended (timers advanced to the clock's time then). */
  snapshot: MonitorSnapshot;
  state: MonitorState;
  frames: number;
  events: number;
}

/**
 * Run a {@link MonitorState} in real time over a stream of frames (a {@link LiveCapture}): each frame at
 * its own timestamp, and every timer at its deadline even when no frame comes. Resolves when the stream
 * ends (`stop()` the capture); rejects with the stream's error (an interface that went away) after
 * taking every frame before it.
 */
export async function driveMonitor(frames: AsyncIterable<Frame>, opts: DriveMonitorOptions = {}): Promise<DriveMonitorResult> {
  const state = opts.state ?? new MonitorState();
  const clock = opts.clock ?? systemClock();
  const lag = opts.timerLagMs ?? DEFAULT_TIMER_LAG_MS;
  // An unpatched `cap` stamps on delivery from the monotonic clock already: no wall-clock step applies.
  const fromWire = (frames as Partial<LiveCapture>).timestamps === "delivery" ? undefined : clock.fromWire?.bind(clock);
  let timer: unknown;
  let armedFor: number | null = null;
  let n = 0;
  let eventCount = 0;
  let done = false;
  const deliver = (events: MonitorEvent[]) => {
    if (events.length === 0) return;
    eventCount += events.length;
    opts.onEvents?.(events, state);
  };
  const arm = () => {
    if (done) return;
    const d = state.nextDeadlineMs();
    if (d === armedFor && timer !== undefined) return;
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    armedFor = d;
    if (d === null) return;
    const wait = Math.min(MAX_SLEEP_MS, Math.max(0, d + lag - clock.now()));
    timer = clock.setTimer(wait, () => {
      timer = undefined;
      armedFor = null;
      deliver(state.advance(clock.now() - lag));
      arm();
    });
  };
  // Finding the next deadline scans every group: do it once per burst of frames (they arrive together and
  // are taken in one turn of the event loop), not once per frame.
  let rearm: unknown;
  const armSoon = () => {
    if (rearm !== undefined || done) return;
    rearm = clock.setTimer(0, () => {
      rearm = undefined;
      arm();
    });
  };
  try {
    for await (const f of frames) {
      n++;
      const timestampNs = fromWire ? fromWire(f.timestampNs) : f.timestampNs;
      const decoded = decodeFrame({ data: f.data, linkType: f.linkType, timestampNs, wireLength: f.wireLength }, n);
      if (opts.accept === undefined || opts.accept(decoded)) deliver(state.receive(decoded));
      armSoon();
      opts.onFrame?.(n);
    }
  } finally {
    done = true;
    if (timer !== undefined) clock.clearTimer(timer);
    if (rearm !== undefined) clock.clearTimer(rearm);
  }
  // Every frame is in: the timers can run up to now.
  deliver(state.advance(clock.now()));
  return { snapshot: state.snapshot(), state, frames: n, events: eventCount };
}

/** Options of {@link watchLive}. */
export interface WatchLiveOptions extends Pick<LiveCaptureOptions, "filter" | "netns" | "openTimeoutMs"> {
  /** Protocol variables until a querier advertises its own. */
  config?: MonitorConfig;
  onEvents?: DriveMonitorOptions["onEvents"];
  clock?: MonitorClock;
}

/** A running {@link watchLive}. */
export interface LiveMonitor {
  readonly interfaceName: string;
  /** The machine; `state.snapshot()` is the view at any moment. */
  readonly state: MonitorState;
  /** Every event so far, in order. */
  readonly events: readonly MonitorEvent[];
  /** Stop capturing; resolves with the final view (rejects if the capture failed, e.g. the interface went away). */
  stop(): Promise<DriveMonitorResult>;
}

/**
 * Watch `iface` live (through libpcap; root or CAP_NET_RAW+CAP_NET_ADMIN) with a fresh {@link MonitorState}.
 * Resolves once capturing; throws the capture's `CaptureError` (cap-missing, not-permitted,
 * no-such-interface, bad-filter) like `openLiveCapture`.
 */
export async function watchLive(iface: string, opts: WatchLiveOptions = {}): Promise<LiveMonitor> {
  const capOpts: LiveCaptureOptions = {};
  if (opts.filter !== undefined) capOpts.filter = opts.filter;
  if (opts.netns !== undefined) capOpts.netns = opts.netns;
  if (opts.openTimeoutMs !== undefined) capOpts.openTimeoutMs = opts.openTimeoutMs;
  const cap = await openLiveCapture(iface, capOpts);
  const state = new MonitorState(opts.config);
  const events: MonitorEvent[] = [];
  const done = driveMonitor(cap, {
    state,
    ...(opts.clock ? { clock: opts.clock } : {}),
    onEvents: (e, s) => {
      events.push(...e);
      opts.onEvents?.(e, s);
    },
  });
  // Not awaited until stop(): keep an early failure from being an unhandled rejection meanwhile.
  done.catch(() => undefined);
  return {
    interfaceName: iface,
    state,
    events,
    async stop() {
      await cap.stop();
      return done;
    },
  };
}
