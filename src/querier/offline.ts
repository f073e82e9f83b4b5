/**
 * The querier offline, on a virtual clock: over the frames of a capture (the hosts in it answer nothing,
 * but the querier hears their reports and any other router's queries), together with emulated hosts on one
 * virtual link, or both. Deterministic: the same inputs and seed give the same frames, byte for byte.
 *
 * A thin loop around two sans-IO machines ({@link Querier}, {@link Emulator}): it steps the clock from
 * deadline to deadline, and hands each side's frames to the other at the time they go on the wire.
 * No file access here (src/capture reads and writes).
 */
import { Emulator } from "../host/emulator.js";
import { HostError, isHostError } from "../host/errors.js";
import type { Scenario, ScenarioEvent } from "../host/scenario.js";
import { Querier, type QuerierEvent, type QuerierOptions, type ScriptedQuery } from "../monitor/querier.js";
import type { Frame } from "../pcap/frame.js";

/** A frame of the merged output and who sent it. */
export interface LanFrame extends Frame {
  origin: "input" | "querier" | "host";
  /** The emulated host's index, for host frames. */
  host?: number;
}

/** Options of {@link QuerierLan}. */
export interface QuerierLanOptions {
  querier: QuerierOptions;
  /** Emulated hosts and their timeline (see `parseScenario`); none when absent. */
  hosts?: Scenario;
  /** Seed of the hosts (overrides the scenario's). The querier's own seed is in `querier.seed`. */
  seed?: number;
  /** Time zero of the run, ns since the epoch. Default: the first input frame's timestamp (0 without input). */
  startNs?: bigint;
  /** Queries to send at their times (see `parseQueryScript`), besides the querier's own. */
  script?: ScriptedQuery[];
}

/** The querier and, optionally, emulated hosts on one virtual link, pushed with captured frames. */
export class QuerierLan {
  readonly querier: Querier;
  readonly emulator: Emulator | null;
  private readonly timeline: ScenarioEvent[];
  private nextEvent = 0;
  private readonly script: ScriptedQuery[];
  private nextQuery = 0;
  private base: bigint | undefined;
  /** `base` in ms: the querier runs on the capture's clock (its events carry capture times), the hosts on ms since time zero. */
  private baseMs = 0;
  private nowMs = 0;
  private started = false;
  /** Events of the querier, in order, when `collectEvents` is on (default). */
  private events: QuerierEvent[] = [];

  constructor(
    opts: QuerierLanOptions,
    private readonly collectEvents = true,
  ) {
    this.querier = new Querier(opts.querier);
    const seed = opts.seed ?? opts.hosts?.seed;
    this.emulator = opts.hosts ? new Emulator({ ...opts.hosts.emulator, ...(seed !== undefined ? { seed } : {}) }) : null;
    this.timeline = opts.hosts?.timeline ?? [];
    this.script = opts.script ?? [];
    if (opts.startNs !== undefined) this.setBase(opts.startNs);
  }

  private setBase(ns: bigint): void {
    this.base = ns;
    this.baseMs = Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
  }

  /** Milliseconds since time zero. */
  time(): number {
    return this.nowMs;
  }

  /** One captured frame: everything due before it, the frame itself, and what it caused at once. */
  push(frame: Frame): LanFrame[] {
    if (this.base === undefined) this.setBase(frame.timestampNs);
    // Captures are not always monotonic; our clock never goes back.
    const t = Math.max(this.nowMs, Number(frame.timestampNs - (this.base ?? frame.timestampNs)) / 1e6);
    const out = this.run(t);
    out.push({ ...frame, origin: "input" });
    this.querier.receive(this.baseMs + t, frame);
    this.emulator?.receive(t, frame);
    this.exchange(out);
    return out;
  }

  /** Run both sides up to `untilMs` (ms since time zero); returns what was sent, in time order. */
  run(untilMs: number): LanFrame[] {
    if (this.base === undefined) this.setBase(0n);
    const out: LanFrame[] = [];
    if (!this.started) {
      this.started = true;
      this.querier.start(this.baseMs + this.nowMs);
      this.exchange(out);
    }
    for (;;) {
      const t = this.nextDeadline();
      if (t === null || t > untilMs) break;
      this.nowMs = Math.max(this.nowMs, t);
      this.runEvents(this.nowMs);
      this.emulator?.advance(this.nowMs);
      this.querier.advance(this.baseMs + this.nowMs);
      this.exchange(out);
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
    this.querier.advance(this.baseMs + this.nowMs);
    this.emulator?.advance(this.nowMs);
    this.exchange(out);
    return out;
  }

  /** Take the querier's events so far (state changes, queries sent, election). */
  drainEvents(): QuerierEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** When something is next due (ms since time zero): a timer of either side, a scenario event or a scripted query; null when nothing is. */
  nextDeadline(): number | null {
    let best: number | null = null;
    const q = this.querier.nextDeadline();
    const scripted = this.nextQuery < this.script.length ? this.script[this.nextQuery]!.atMs : null;
    for (const t of [q === null ? null : q - this.baseMs, this.emulator?.nextDeadline() ?? null, this.nextEvent < this.timeline.length ? this.timeline[this.nextEvent]!.atMs : null, scripted]) {
      if (t !== null && (best === null || t < best)) best = t;
    }
    return best;
  }

  private runEvents(now: number): void {
    while (this.nextQuery < this.script.length && this.script[this.nextQuery]!.atMs <= now) this.querier.query(this.baseMs + now, this.script[this.nextQuery++]!);
    const e = this.emulator;
    while (e !== null && this.nextEvent < this.timeline.length && this.timeline[this.nextEvent]!.atMs <= now) {
      const ev = this.timeline[this.nextEvent++]!;
      for (const i of ev.hosts) {
        try {
          e.op(now, i, ev.op);
        } catch (err) {
          if (!isHostError(err)) throw err;
          throw new HostError(err.code, `${ev.path} (${ev.op.op} on host ${e.configs[i]!.name} at ${ev.atMs / 1000} s): ${err.message}`, err.errno, err.details);
        }
      }
    }
  }

  /** Hand each side's frames to the other until both are quiet; append them to `out` in time order. */
  private exchange(out: LanFrame[]): void {
    const base = this.base ?? 0n;
    const stamp = (ms: number) => base + BigInt(Math.round(ms * 1e6));
    const rel = (abs: number) => Math.max(abs - this.baseMs, this.nowMs);
    for (;;) {
      const qf = this.querier.drain();
      const ef = this.emulator?.drain() ?? [];
      if (qf.length === 0 && ef.length === 0) break;
      const batch: LanFrame[] = [];
      for (const f of qf) {
        batch.push({ timestampNs: stamp(rel(f.timeMs)), wireLength: f.data.length, data: f.data, linkType: 1, interfaceId: 0, origin: "querier" });
        this.emulator?.receive(rel(f.timeMs), { data: f.data, linkType: 1 });
      }
      for (const f of ef) {
        batch.push({ timestampNs: stamp(f.timeMs), wireLength: f.data.length, data: f.data, linkType: 1, interfaceId: 0, origin: "host", host: f.host });
        if (f.kind === "igmp") this.querier.receive(this.baseMs + Math.max(f.timeMs, this.nowMs), { data: f.data, linkType: 1 });
      }
      batch.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
      for (const f of batch) out.push(f);
    }
    const ev = this.querier.drainEvents();
    if (this.collectEvents) for (const e of ev) this.events.push(e);
  }
}
