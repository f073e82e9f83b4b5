/**
 * The real-time driver: runs an {@link Emulator} against a live link. Still no I/O of its own: the clock,
 * the timer and the frame sink come in through {@link RealtimeIo}, so the loop is tested with a fake clock
 * and the CLI wires it to `openLiveCapture` and the system clock.
 *
 * The loop: every frame heard is fed with the current time; after every input and every timer the
 * emulator's frames are handed to `send`; one timer is kept armed for the emulator's next deadline or the
 * next timeline event, whichever is first.
 */
import type { Clock } from "./clock.js";
import type { Emulator, EmulatorFrame, HostOp } from "./emulator.js";
import { isHostError } from "./errors.js";
import type { HeardFrame } from "./host.js";
import type { ScenarioEvent } from "./scenario.js";

/** What the driver needs from the outside world: a clock (monotonic, any origin) and a way to send. */
export interface RealtimeIo extends Clock {
  /** Put a whole Ethernet frame on the link. A rejection is counted, never thrown. */
  send(frame: Uint8Array): Promise<void> | void;
}

export interface RealtimeOptions {
  /** Socket operations at times relative to {@link RealtimeDriver.start}. */
  timeline?: readonly ScenarioEvent[];
  /** Told about send failures and timeline operations a host refused (the run goes on). */
  onError?: (e: unknown) => void;
}

/** How the driver stops. */
export type StopMode =
  /** Close every socket, so every host leaves its groups (TO_IN {} / Leave), and send the retransmissions. */
  | "leave"
  /** Stop at once: nothing more is sent, memberships stay until routers time them out. */
  | "no-leave";

/** Response delay statistics: how late answers went out compared with the Max Resp Time asked for. */
export interface DelayStats {
  /** Queries answered (one per general query per host, one per specific query per group). */
  answers: number;
  /** Largest delay chosen, ms. */
  maxDelayMs: number;
  /** Mean of delay / Max Resp Time over the answers (about 0.5 for uniform random delays). */
  meanRatio: number;
  /** Largest delay / Max Resp Time (at most 1; the driver's own lateness is `sendLagMaxMs`). */
  maxRatio: number;
}

/** Live counters of the driver itself (the hosts' protocol counters are in `emulator.stats()`). */
export interface RealtimeCounters {
  framesHeard: number;
  framesSent: number;
  sendErrors: number;
  /** ms between a frame's due time and the moment it was handed to `send`: the driver's own lateness. */
  sendLagMaxMs: number;
  sendLagSumMs: number;
  /** Timeline operations a host refused (HostError). */
  opErrors: number;
}

/** Runs emulated hosts in real time. */
export class RealtimeDriver {
  readonly counters: RealtimeCounters = { framesHeard: 0, framesSent: 0, sendErrors: 0, sendLagMaxMs: 0, sendLagSumMs: 0, opErrors: 0 };
  private t0 = 0;
  private started = false;
  private stopped = false;
  private timer: unknown = undefined;
  private timerAt = Infinity;
  /** The latest time the hosts were run to: a frame heard earlier is taken at this time. */
  private ranTo = 0;
  private next = 0;
  private readonly timeline: readonly ScenarioEvent[];
  private readonly inflight = new Set<Promise<void>>();
  /** Per host: the delays chosen for answers vs the Max Resp Time asked for, folded into a summary. */
  private readonly delays: { answers: number; maxDelayMs: number; ratioSum: number; maxRatio: number }[];
  private readonly seenDelays: number[];

  constructor(
    readonly emulator: Emulator,
    private readonly io: RealtimeIo,
    private readonly opts: RealtimeOptions = {},
  ) {
    this.timeline = opts.timeline ?? [];
    const n = emulator.hosts.length;
    this.delays = Array.from({ length: n }, () => ({ answers: 0, maxDelayMs: 0, ratioSum: 0, maxRatio: 0 }));
    this.seenDelays = new Array<number>(n).fill(0);
  }

  /** Milliseconds since {@link start}. */
  elapsedMs(): number {
    return this.started ? this.io.now() - this.t0 : 0;
  }

  /** Start the clock (timeline time 0) and run what is due. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.t0 = this.io.now();
    this.tick();
  }

  /**
   * A frame captured on the link. `heardAtMs` (on {@link elapsedMs}'s clock): when it was on the wire, where
   * the capture stamps frames; the hosts take it at that time (a query's response timers start then, not
   * when the capture delivered it), but never before what they already ran nor after now. Without it, now.
   */
  receive(frame: HeardFrame, heardAtMs?: number): void {
    if (!this.started || this.stopped) return;
    this.counters.framesHeard++;
    const now = this.elapsedMs();
    const at = heardAtMs === undefined ? now : Math.min(now, Math.max(this.ranTo, heardAtMs));
    this.runEvents(at);
    this.emulator.receive(at, frame);
    if (at < now) {
      // what came due while the frame was on its way goes out now (its lateness counted in sendLag)
      this.runEvents(now);
      this.emulator.advance(now);
    }
    this.ranTo = now;
    this.flush(now);
    this.arm();
  }

  /** Run a socket operation on host `i` now (HostErrors propagate) and send what it causes. */
  op(i: number, o: HostOp): void {
    if (!this.started) this.start();
    const now = this.elapsedMs();
    this.ranTo = now;
    this.runEvents(now);
    try {
      this.emulator.op(now, i, o);
    } finally {
      this.flush(now);
      this.arm();
    }
  }

  /**
   * Stop. "leave" closes every socket at once (each host leaves like a kernel whose process exits) and runs
   * the hosts until their state-change retransmissions are out, at most `maxWaitMs`; "no-leave" sends
   * nothing more. Resolves when every frame handed to `send` has been sent.
   */
  async stop(mode: StopMode = "leave", maxWaitMs = 10_000): Promise<void> {
    if (!this.started) this.start();
    if (this.stopped) return this.settle();
    if (this.timer !== undefined) this.io.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    if (mode === "leave") {
      const now = this.elapsedMs();
      this.runEvents(now);
      this.emulator.advance(now);
      this.emulator.closeAll(now);
      this.flush(now);
      // Nothing is heard any more (a closing host answers no queries): only timers run from here.
      this.stopped = true;
      const until = now + maxWaitMs;
      for (;;) {
        const d = this.emulator.nextDeadline();
        if (d === null || d > until) break;
        await new Promise<void>((r) => {
          this.timer = this.io.setTimer(Math.max(0, d - this.elapsedMs()), r);
        });
        this.timer = undefined;
        const t = Math.max(d, this.elapsedMs());
        this.emulator.advance(t);
        this.flush(t);
      }
    }
    this.stopped = true;
    return this.settle();
  }

  /** Statistics of response delays per host (index as in the emulator). */
  delayStats(i: number): DelayStats {
    this.collectDelays(i);
    const d = this.delays[i]!;
    return { answers: d.answers, maxDelayMs: d.maxDelayMs, meanRatio: d.answers > 0 ? d.ratioSum / d.answers : 0, maxRatio: d.maxRatio };
  }

  // ---------------------------------------------------------------------------------------------

  private async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.elapsedMs();
    this.ranTo = now;
    this.runEvents(now);
    this.emulator.advance(now);
    this.flush(now);
    this.arm();
  }

  private runEvents(now: number): void {
    while (this.next < this.timeline.length && this.timeline[this.next]!.atMs <= now) {
      const ev = this.timeline[this.next++]!;
      for (const i of ev.hosts) {
        try {
          this.emulator.op(now, i, ev.op);
        } catch (e) {
          if (!isHostError(e)) throw e;
          this.counters.opErrors++;
          this.opts.onError?.(e);
        }
      }
    }
  }

  /** Keep one timer armed for the earliest of the next deadline and the next timeline event. */
  private arm(): void {
    if (this.stopped) return;
    const d = this.emulator.nextDeadline();
    const ev = this.next < this.timeline.length ? this.timeline[this.next]!.atMs : null;
    const at = Math.min(d ?? Infinity, ev ?? Infinity);
    if (at === Infinity || at >= this.timerAt) {
      if (at === Infinity && this.timer !== undefined) {
        this.io.clearTimer(this.timer);
        this.timer = undefined;
        this.timerAt = Infinity;
      }
      return;
    }
    if (this.timer !== undefined) this.io.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.io.setTimer(Math.max(0, at - this.elapsedMs()), () => this.tick());
  }

  private flush(now: number): void {
    const frames = this.emulator.drain();
    for (const f of frames) this.sendOne(now, f);
  }

  private sendOne(now: number, f: EmulatorFrame): void {
    const lag = Math.max(0, now - f.timeMs);
    const c = this.counters;
    c.framesSent++;
    c.sendLagSumMs += lag;
    if (lag > c.sendLagMaxMs) c.sendLagMaxMs = lag;
    if (f.kind === "igmp") this.collectDelays(f.host);
    let p: Promise<void> | void;
    try {
      p = this.io.send(f.data);
    } catch (e) {
      c.sendErrors++;
      this.opts.onError?.(e);
      return;
    }
    if (p === undefined) return;
    const tracked: Promise<void> = p.then(
      () => {
        this.inflight.delete(tracked);
      },
      (e: unknown) => {
        this.inflight.delete(tracked);
        c.sendErrors++;
        this.opts.onError?.(e);
      },
    );
    this.inflight.add(tracked);
  }

  private collectDelays(i: number): void {
    const list = this.emulator.hosts[i]!.stats.responseDelays;
    const d = this.delays[i]!;
    for (let k = this.seenDelays[i]!; k < list.length; k++) {
      const { maxMs, delayMs } = list[k]!;
      d.answers++;
      if (delayMs > d.maxDelayMs) d.maxDelayMs = delayMs;
      const ratio = maxMs > 0 ? delayMs / maxMs : 0;
      d.ratioSum += ratio;
      if (ratio > d.maxRatio) d.maxRatio = ratio;
    }
    this.seenDelays[i] = list.length;
    // Keep the host's list from growing without bound over a long run.
    if (list.length > 4096) {
      list.splice(0, list.length);
      this.seenDelays[i] = 0;
    }
  }
}

/** IPv4 address to the 32-bit number BPF compares with. */
function ipHex(ip: string): string {
  const n = ip.split(".").reduce((a, p) => a * 256 + Number(p), 0);
  return `0x${n.toString(16).padStart(8, "0")}`;
}

/**
 * The BPF filter of a live emulation: IGMP, and ARP requests for the emulated addresses, untagged or
 * under one or two VLAN tags (each `vlan` shifts the offsets after it, so the tagged cases nest).
 * Up to 32 addresses are listed one by one; more are matched as the range from the lowest to the highest.
 */
export function liveFilter(ips: readonly string[]): string {
  const nums = ips.map(ipHex);
  let target: string;
  if (nums.length === 0) target = "";
  else if (nums.length <= 32) target = nums.map((n) => `arp[24:4] = ${n}`).join(" or ");
  else {
    const sorted = ips.map((ip) => ip.split(".").reduce((a, p) => a * 256 + Number(p), 0)).sort((a, b) => a - b);
    const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
    target = `arp[24:4] >= ${hex(sorted[0]!)} and arp[24:4] <= ${hex(sorted[sorted.length - 1]!)}`;
  }
  const one = target === "" ? "igmp" : `igmp or (arp and arp[6:2] = 1 and (${target}))`;
  return `${one} or (vlan and (${one} or (vlan and (${one}))))`;
}
