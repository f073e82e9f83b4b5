/** A virtual clock and a hand-fed live capture, to test the real-time monitor driver without sleeping. */
import type { LiveCapture, LiveCaptureStats, TimestampSource } from "../../src/capture/live.js";
import type { MonitorClock } from "../../src/capture/watch.js";
import type { Frame } from "../../src/pcap/frame.js";
import { frameBytes, ms, timestampNs, type At } from "./helpers.js";

/** Let every pending promise callback run. */
export const settle = () => new Promise<void>((r) => setImmediate(r));

/** A clock that only moves when told to, firing due timers in order on the way. */
export class VirtualClock implements MonitorClock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  constructor(startS = 0) {
    this.t = ms(startS);
  }
  now(): number {
    return this.t;
  }
  /** How many timers have been set in all. */
  get set(): number {
    return this.seq;
  }
  setTimer(delay: number, fn: () => void): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + delay, fn });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Timers waiting. */
  get pending(): number {
    return this.timers.size;
  }
  /** Move to `s` seconds (the helpers' capture clock), firing each due timer at its own time. */
  async runTo(s: number): Promise<void> {
    const until = ms(s);
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= until && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = Math.max(this.t, until);
    await settle();
  }
}

/** A {@link LiveCapture} whose frames the test pushes; `stop()` ends the iteration, `fail()` ends it with an error. */
export class FakeCapture implements LiveCapture {
  readonly interfaceName: string;
  readonly linkType = 1;
  readonly filter = "igmp";
  readonly snaplen = 1522;
  readonly promiscuous = true;
  readonly ringSlots = 10486;
  readonly stats: LiveCaptureStats = { frames: 0, received: null, dropped: null, ifDropped: null };
  stopped = false;
  private queue: Frame[] = [];
  private waiter: (() => void) | undefined;
  private error: Error | undefined;

  /** `timestamps`: where the pushed frames' stamps say they come from (libpcap's, or delivery's). */
  constructor(
    iface = "eth9",
    readonly timestamps: TimestampSource = "libpcap-ns",
  ) {
    this.interfaceName = iface;
  }

  /** Deliver a crafted message stamped at its `t`. */
  push(a: At): void {
    const data = frameBytes(a);
    this.queue.push({ timestampNs: timestampNs(a.t), wireLength: data.length, data, linkType: 1, interfaceId: 0 });
    this.wake();
  }

  fail(e: Error): void {
    this.error = e;
    this.stopped = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
  }

  async send(): Promise<void> {}

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    for (;;) {
      while (this.queue.length > 0) {
        this.stats.frames++;
        yield this.queue.shift()!;
      }
      if (this.stopped) break;
      await new Promise<void>((r) => (this.waiter = r));
    }
    if (this.error) throw this.error;
  }
}
