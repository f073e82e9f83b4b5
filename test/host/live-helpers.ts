/** Live tests of the emulator: run an Emulator in real time on an interface inside a lab namespace. */
import { openLiveCapture, type LiveCapture } from "../../src/capture/live.js";
import { Emulator, liveFilter, RealtimeDriver, type EmulatorOptions, type StopMode } from "../../src/host/index.js";
import { decodeFrame, type DecodedFrame } from "../../src/wire/index.js";

/** A running live emulation. */
export interface LiveEmulation {
  driver: RealtimeDriver;
  emulator: Emulator;
  /** Every IGMP frame heard from other nodes (queries), decoded, with the elapsed time. */
  heard: { t: number; d: DecodedFrame }[];
  /** Every frame the emulated hosts sent, decoded, with the elapsed time. */
  sent: { t: number; d: DecodedFrame }[];
  stop(mode?: StopMode): Promise<void>;
}

/** Start emulated hosts on `iface` in namespace `netns`; stop them with `stop()` (the lab's teardown kills nothing of ours). */
export async function startEmulation(netns: string, iface: string, opts: EmulatorOptions): Promise<LiveEmulation> {
  const emulator = new Emulator(opts);
  const cap: LiveCapture = await openLiveCapture(iface, { netns, filter: liveFilter(emulator.configs.map((c) => c.ip)) });
  const errors: unknown[] = [];
  const sent: LiveEmulation["sent"] = [];
  const driver = new RealtimeDriver(
    emulator,
    {
      now: () => performance.now(),
      setTimer: (ms, fn) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
      send: (b) => {
        sent.push({ t: driver.elapsedMs(), d: decodeFrame({ data: b, linkType: 1 }) });
        return cap.send(b);
      },
    },
    { onError: (e) => errors.push(e) },
  );
  const macs = new Set(emulator.configs.map((c) => c.mac));
  const heard: LiveEmulation["heard"] = [];
  driver.start();
  const reading = (async () => {
    for await (const f of cap) {
      driver.receive(f);
      const d = decodeFrame(f);
      if (d.igmp !== null && !macs.has(d.macSrc ?? "")) heard.push({ t: driver.elapsedMs(), d });
    }
  })();
  let stopped = false;
  return {
    driver,
    emulator,
    heard,
    sent,
    async stop(mode: StopMode = "leave") {
      if (stopped) return;
      stopped = true;
      await driver.stop(mode);
      await cap.stop();
      await reading;
      if (errors.length > 0) throw new Error(`live emulation errors: ${errors.map(String).join("; ")}`);
    },
  };
}

/** Emulation that is always stopped, even when the test body throws. */
export async function withEmulation<T>(netns: string, iface: string, opts: EmulatorOptions, fn: (e: LiveEmulation) => Promise<T>): Promise<T> {
  const e = await startEmulation(netns, iface, opts);
  try {
    return await fn(e);
  } finally {
    await e.stop("no-leave").catch(() => undefined);
  }
}
