/** `igmpkit host -i IFACE`: the emulated hosts in real time on an interface, with the live screen. */
import { isCaptureError, openLiveCapture } from "../capture/live.js";
import { LanClock } from "../io/lan-clock.js";
import { Emulator, isHostError, liveFilter, RealtimeDriver, type Clock, type Scenario } from "../host/index.js";
import { ExitCode, type CliIo } from "./io.js";
import { safeText } from "./sanitize.js";
import { HOME_CLEAR, REDRAW_MAX_MS, REDRAW_MIN_MS, SCREEN_OFF, SCREEN_ON, terminalColumns, terminalRows } from "./screen.js";
import type { HostCliOptions, HostDeps } from "./host-options.js";
import { formatHostLiveScreen, liveStats, statusLine, summaryText } from "./host-render.js";
import { openHostControl } from "./host-control.js";

/** Default `--response-margin`: covers the live send path (IPC to the capture agent, libpcap inject). */
export const LIVE_RESPONSE_MARGIN_MS = 50;

/** Live mode: the emulator in real time on `iface` until a signal, `--duration` or a capture failure. */
export async function runLive(o: HostCliOptions, iface: string, scenario: Scenario, io: CliIo, deps: HostDeps, signal?: AbortSignal): Promise<number> {
  const clock: Clock = deps.clock ?? { now: () => performance.now(), setTimer: (ms, fn) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as NodeJS.Timeout) };
  const seed = o.seed ?? scenario.seed;
  let emulator: Emulator;
  try {
    const hostOptions = { ...scenario.emulator.hostOptions, responseMarginMs: o.responseMargin ?? LIVE_RESPONSE_MARGIN_MS };
    emulator = new Emulator({ ...scenario.emulator, hostOptions, ...(seed !== undefined ? { seed } : {}) });
  } catch (e) {
    if (!isHostError(e)) throw e;
    io.stderr.write(o.json ? `${JSON.stringify({ error: e.message, code: e.code })}\n` : `igmpkit host: ${e.message}\n`);
    return ExitCode.usage;
  }
  const fail = (e: unknown): number => {
    const message = e instanceof Error ? e.message : String(e);
    const code = isCaptureError(e) || isHostError(e) ? (e as { code: string }).code : undefined;
    io.stderr.write(o.json ? `${JSON.stringify({ error: message, ...(code ? { code } : {}) })}\n` : `igmpkit host: ${message}\n`);
    return ExitCode.failure;
  };
  let cap;
  try {
    cap = await (deps.openLive ?? openLiveCapture)(iface, { filter: liveFilter(emulator.configs.map((c) => c.ip)), ...(o.netns !== undefined ? { netns: o.netns } : {}) });
  } catch (e) {
    return fail(e);
  }
  const live = cap;
  const driver = new RealtimeDriver(
    emulator,
    {
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
      clearTimer: (h) => clock.clearTimer(h),
      send: (b) => live.send(b),
    },
    {
      timeline: scenario.timeline,
      onError: (e) => {
        if (!o.json) io.stderr.write(`igmpkit host: ${safeText(e instanceof Error ? e.message : String(e))}\n`);
      },
    },
  );
  let stoppedBy = "end of capture";
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const stop = (why: string) => () => {
    stoppedBy = why;
    wake();
  };
  // SIGINT, SIGTERM and SIGHUP come through `signal` (untilSignal), named by its reason.
  const onSignal = () => stop(String(signal?.reason ?? "signal"))();
  signal?.addEventListener("abort", onSignal);
  if (signal?.aborted) onSignal();
  const onAbort = stop("abort");
  o.signal?.addEventListener("abort", onAbort);
  if (o.signal?.aborted) onAbort();
  const durationTimer = o.duration !== undefined ? clock.setTimer(o.duration * 1000, stop("duration")) : undefined;
  let failure: unknown;
  driver.start();
  // Frames stamped by the kernel are taken at their stamp, moved onto the driver's clock (the system's,
  // monotonic; a wall-clock step taken out): a query's response timers start when it was on the wire.
  // With an injected clock (tests), at delivery.
  const wire = deps.clock === undefined ? new LanClock() : undefined;
  const heardAt = (f: { timestampNs: bigint }): number | undefined => (wire === undefined ? undefined : wire.fromWire(f.timestampNs, live.timestamps !== "delivery") - wire.now() + driver.elapsedMs());
  const control = o.control === "stdin" ? openHostControl(deps.stdin ?? process.stdin, io.stdout, driver, (why) => stop(why)()) : undefined;
  const reading = (async () => {
    try {
      for await (const f of live) driver.receive(f, heardAt(f));
    } catch (e) {
      failure = e;
      stoppedBy = "capture failed";
    }
    wake();
  })();
  // On a terminal (stderr, where the text goes): the tables redrawn in place on the alternate screen, when
  // frames came or went (at most every REDRAW_MIN_MS) and every REDRAW_MAX_MS for the clock. A draw
  // costs a pass over every membership (about 75 ms at 1000 hosts x 100 groups): the pace slows so
  // that drawing takes at most a tenth of the time.
  const screen = io.stderrIsTTY && !o.json && control === undefined;
  let redraw: unknown;
  if (screen) {
    let lastDraw = -Infinity;
    let lastFrames = -1;
    const draw = () => {
      lastDraw = clock.now();
      lastFrames = driver.counters.framesHeard + driver.counters.framesSent;
      const title = `igmpkit host on ${iface}  ${emulator.hosts.length} hosts  ${(driver.elapsedMs() / 1000).toFixed(1)} s  (Ctrl-C to stop${o.leave !== false ? ": every host leaves" : ""})`;
      io.stderr.write(HOME_CLEAR + formatHostLiveScreen(driver, title, terminalColumns(io.stderr), terminalRows(io.stderr)));
    };
    let pace = REDRAW_MIN_MS;
    const tick = () => {
      if (driver.counters.framesHeard + driver.counters.framesSent !== lastFrames || clock.now() - lastDraw >= REDRAW_MAX_MS) {
        draw();
        pace = Math.max(REDRAW_MIN_MS, Math.min(10 * REDRAW_MAX_MS, 10 * (clock.now() - lastDraw)));
      }
      redraw = clock.setTimer(pace, tick);
    };
    io.stderr.write(SCREEN_ON);
    redraw = clock.setTimer(0, tick);
  }
  try {
    await stopped;
  } finally {
    control?.stopping();
    signal?.removeEventListener("abort", onSignal);
    o.signal?.removeEventListener("abort", onAbort);
    if (durationTimer !== undefined) clock.clearTimer(durationTimer);
    if (redraw !== undefined) clock.clearTimer(redraw);
    if (screen) io.stderr.write(SCREEN_OFF);
  }
  const leave = o.leave !== false && failure === undefined;
  try {
    await driver.stop(leave ? "leave" : "no-leave");
  } catch (e) {
    failure ??= e;
  }
  control?.close();
  await live.stop();
  await reading;
  if (screen) io.stderr.write(`${statusLine(driver)}\n`);
  const s = liveStats(driver, iface, stoppedBy, leave, live.stats);
  if (o.json) io.stdout.write(`${JSON.stringify(s)}\n`);
  else io.stderr.write(summaryText(s));
  if (failure !== undefined) return fail(failure);
  return ExitCode.ok;
}

