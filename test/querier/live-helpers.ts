/** Live tests of the querier: a Querier run in real time on an interface inside a lab namespace. */
import { openLiveCapture, type LiveCapture } from "../../src/capture/live.js";
import { liveFilter, macForIp } from "../../src/host/index.js";
import { Querier, type QuerierEvent, type QuerierOptions } from "../../src/monitor/querier.js";
import { QuerierDriver } from "../../src/querier/index.js";
import { decodeFrame, type DecodedFrame } from "../../src/wire/index.js";

/** A running live querier. Times are performance.now() ms (the querier's own clock). */
export interface LiveQuerier {
  querier: Querier;
  driver: QuerierDriver;
  /** IGMP frames heard from others, decoded, with the time. */
  heard: { t: number; d: DecodedFrame }[];
  /** Frames the querier sent, decoded, with the time. */
  sent: { t: number; d: DecodedFrame }[];
  events: QuerierEvent[];
  stop(): Promise<void>;
}

/** Start a querier at `address` (MAC derived) on `iface` in `netns`. */
export async function startQuerier(netns: string, iface: string, opts: Omit<QuerierOptions, "mac"> & { mac?: string }): Promise<LiveQuerier> {
  const querier = new Querier({ mac: macForIp(opts.address), ...opts });
  const cap: LiveCapture = await openLiveCapture(iface, { netns, filter: liveFilter([opts.address]) });
  const sent: LiveQuerier["sent"] = [];
  const heard: LiveQuerier["heard"] = [];
  const events: QuerierEvent[] = [];
  const errors: unknown[] = [];
  const driver = new QuerierDriver(
    querier,
    {
      now: () => performance.now(),
      setTimer: (ms, fn) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
      send: (b) => {
        sent.push({ t: performance.now(), d: decodeFrame({ data: b, linkType: 1 }) });
        return cap.send(b);
      },
    },
    { onEvents: (e) => events.push(...e), onError: (e) => errors.push(e) },
  );
  driver.start();
  const reading = (async () => {
    for await (const f of cap) {
      const t = performance.now();
      driver.receive(f);
      const d = decodeFrame(f);
      if (d.igmp !== null && d.macSrc !== querier.mac) heard.push({ t, d });
    }
  })();
  let stopped = false;
  return {
    querier,
    driver,
    heard,
    sent,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      await driver.stop();
      await cap.stop();
      await reading;
      if (errors.length > 0) throw new Error(`live querier errors: ${errors.map(String).join("; ")}`);
    },
  };
}

/** A querier that is always stopped, even when the test body throws. */
export async function withQuerier<T>(netns: string, iface: string, opts: Parameters<typeof startQuerier>[2], fn: (q: LiveQuerier) => Promise<T>): Promise<T> {
  const q = await startQuerier(netns, iface, opts);
  try {
    return await fn(q);
  } finally {
    await q.stop().catch(() => undefined);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
