/**
 * The querier in real time on a live link. As the host emulator's {@link RealtimeDriver}, no I/O of its
 * own: the clock, the timer and the frame sink come in through {@link RealtimeIo}; the CLI wires them to
 * `openLiveCapture` and the system clock, tests to a fake clock.
 *
 * The querier runs on `io.now()` itself (give it a clock anchored to the epoch, and its events carry wall
 * times as capture timestamps do). The loop: every frame heard is fed with the current time (ARP requests for our address are answered);
 * after every input and every timer the querier's frames go to `send`; one timer is kept armed for the
 * querier's next deadline.
 */
import { arpReply, ArpOperation, parseArpFrame } from "../host/arp.js";
import type { RealtimeIo } from "../host/realtime.js";
import type { Querier, QuerierEvent, QuerierFrame, ScriptedQuery } from "../monitor/querier.js";
import type { Frame } from "../pcap/frame.js";

/** Options of {@link QuerierDriver}. */
export interface QuerierDriverOptions {
  /** Told about every event (state changes, queries sent, election) as it happens. */
  onEvents?: (events: QuerierEvent[]) => void;
  /** Told about send failures (the run goes on). */
  onError?: (e: unknown) => void;
  /** Answer ARP requests for the querier's address. Default true. */
  answerArp?: boolean;
  /** Queries to send at their times from {@link QuerierDriver.start} (see `parseQueryScript`). */
  script?: readonly ScriptedQuery[];
}

/** Counters of the driver itself. */
export interface QuerierDriverCounters {
  framesHeard: number;
  framesSent: number;
  sendErrors: number;
  arpReplies: number;
  /** ms between a query's due time and the moment it was handed to `send`. */
  sendLagMaxMs: number;
}

/** Runs a {@link Querier} in real time. */
export class QuerierDriver {
  readonly counters: QuerierDriverCounters = { framesHeard: 0, framesSent: 0, sendErrors: 0, arpReplies: 0, sendLagMaxMs: 0 };
  private t0 = 0;
  private started = false;
  private stopped = false;
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private readonly inflight = new Set<Promise<void>>();
  private nextQuery = 0;

  constructor(
    readonly querier: Querier,
    private readonly io: RealtimeIo,
    private readonly opts: QuerierDriverOptions = {},
  ) {}

  /** Milliseconds since {@link start}. */
  elapsedMs(): number {
    return this.started ? this.io.now() - this.t0 : 0;
  }

  /** Start the clock and the querier (its first startup query goes out at once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.t0 = this.io.now();
    this.querier.start(this.t0);
    this.runScript(this.t0);
    this.flush(this.t0);
    this.arm();
  }

  /** A frame captured on the link, fed at the current time. */
  receive(frame: Pick<Frame, "data" | "linkType">): void {
    if (!this.started || this.stopped) return;
    this.counters.framesHeard++;
    const now = this.io.now();
    if (this.opts.answerArp !== false) {
      const arp = parseArpFrame(frame);
      if (arp !== null) {
        if (arp.operation === ArpOperation.request && arp.targetIp === this.querier.address && arp.senderMac !== this.querier.mac) {
          this.counters.arpReplies++;
          this.sendBytes(arpReply(arp, this.querier.address, this.querier.mac));
        }
        return;
      }
    }
    this.querier.receive(now, frame);
    this.flush(now);
    this.arm();
  }

  /** Send a scripted query now (see {@link Querier.query}). */
  query(spec: Parameters<Querier["query"]>[1]): QuerierFrame {
    const now = this.io.now();
    const f = this.querier.query(now, spec);
    this.flush(now);
    this.arm();
    return f;
  }

  /** Stop: no more queries; resolves when everything handed to `send` has gone. */
  async stop(): Promise<void> {
    if (!this.started) this.start();
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer !== undefined) this.io.clearTimer(this.timer);
      this.timer = undefined;
      const now = this.io.now();
      this.querier.advance(now);
      this.flush(now);
      this.querier.stop(now);
      this.deliver();
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  // ---------------------------------------------------------------------------------------------

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.io.now();
    this.querier.advance(now);
    this.runScript(now);
    this.flush(now);
    this.arm();
  }

  private runScript(now: number): void {
    const script = this.opts.script ?? [];
    while (this.nextQuery < script.length && this.t0 + script[this.nextQuery]!.atMs <= now) {
      try {
        this.querier.query(now, script[this.nextQuery++]!);
      } catch (e) {
        this.opts.onError?.(e);
      }
    }
  }

  private arm(): void {
    if (this.stopped) return;
    const script = this.opts.script ?? [];
    const at = Math.min(this.querier.nextDeadline() ?? Infinity, this.nextQuery < script.length ? this.t0 + script[this.nextQuery]!.atMs : Infinity);
    if (at === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) this.io.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    // setTimeout's limit is about 24.8 days; a minute at most, then the deadline is looked at again.
    this.timer = this.io.setTimer(Math.min(60_000, Math.max(0, at - this.io.now())), () => this.tick());
  }

  private flush(now: number): void {
    for (const f of this.querier.drain()) {
      this.counters.sendLagMaxMs = Math.max(this.counters.sendLagMaxMs, now - f.timeMs);
      this.sendBytes(f.data);
    }
    this.deliver();
  }

  private deliver(): void {
    const ev = this.querier.drainEvents();
    if (ev.length > 0) this.opts.onEvents?.(ev);
  }

  private sendBytes(data: Uint8Array): void {
    this.counters.framesSent++;
    let p: Promise<void> | void;
    try {
      p = this.io.send(data);
    } catch (e) {
      this.counters.sendErrors++;
      this.opts.onError?.(e);
      return;
    }
    if (p === undefined) return;
    const tracked: Promise<void> = p.then(
      () => void this.inflight.delete(tracked),
      (e: unknown) => {
        this.inflight.delete(tracked);
        this.counters.sendErrors++;
        this.opts.onError?.(e);
      },
    );
    this.inflight.add(tracked);
  }
}
