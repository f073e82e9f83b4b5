/**
 * The statistics in two threads: `igmpkit stats` on a big capture reads its frames and runs the router state
 * (the monitor's work, {@link StatsFeeder}) in one thread and counts in another ({@link StatsFeedReader}, fed
 * a {@link StatsCollector}), so that it takes about the monitor's time: the counting's code and data then
 * have a core and its caches of their own, where in one thread they and the monitor's crowded each other out
 * of the first-level caches (the cost README's `stats` section measures).
 *
 * What crosses is what the counting reads: per message its kind, addresses, time, query fields and per record
 * its type, group, source count and the slot the router state found its group at; per event its code, time
 * and addresses ({@link EventNumbers}). As 32-bit words, in chunks of a ring of shared memory
 * ({@link SharedFeedRing}): the reading thread never waits for a chunk to be passed on, only when the ring is
 * full. A chunk's entries are applied in the order they were written, which is the order one thread applies
 * them in ({@link LanStats.observe}): a message's counts, then the events its state gave.
 *
 * Sans-IO but for the ring's waits: {@link FeedRing} is the writer's side of any transport
 * ({@link LoopbackRing} applies each chunk at once, in the same thread, for tests).
 */
import { MembershipMessage, MessageKind, MessageStatus } from "./message.js";
import { EV_JOIN, EV_TO_EXCLUDE, EV_TO_INCLUDE, EventNumbers, MessageIntake, PendingEvents, PENDING_EVENT, PENDING_JOIN, PENDING_TO_EXCLUDE, type LanState, type StatsCollector } from "./stats.js";
import { MonitorState, type MonitorConfig, type MonitorEvent, type MonitorTimers } from "./state.js";

/** Entry tags: the end of a chunk's entries, a new LAN, a message, an event, the end of the feed. */
const T_END = 0;
const T_LAN = 1;
const T_MSG = 2;
const T_EVENT = 3;
const T_FINISH = 4;

/** Words of a message entry before its records, and per record. */
const MSG_HEAD = 13;
const MSG_RECORD = 4;
/** Words of an event entry. */
const EVENT_WORDS = 9;

/** A double as two words (little or big end alike: written and read through the same views). */
const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);

/**
 * The writer's side of a feed: `w[p]` on is free up to `end` (one word past is kept for the end tag).
 * {@link room} makes room for an entry, handing the chunk written so far on ({@link seal}) when it has not.
 */
export abstract class FeedRing {
  w: Int32Array<ArrayBufferLike> = new Int32Array(0);
  p = 0;
  end = 0;

  /** Room for `n` words. */
  room(n: number): void {
    if (this.p + n < this.end) return;
    this.w[this.p] = T_END;
    this.seal(false);
    if (this.p + n >= this.end) throw new RangeError(`an entry of ${n} words is larger than a chunk of the statistics' feed`);
  }

  /** The end of the feed: its last chunk handed on. */
  finish(): void {
    this.w[this.p] = T_FINISH;
    this.seal(true);
  }

  /** Hand the chunk written on (its entries end with an end tag) and set {@link w}, {@link p}, {@link end} to the next. */
  protected abstract seal(last: boolean): void;
}

/** A LAN of the feeder: its router state and the events the state hands over. */
interface FeedLan {
  readonly index: number;
  readonly vlan: string;
  readonly state: MonitorState;
  readonly pending: PendingEvents;
}

/** What the counting thread needs at the end of a feed, besides its entries (structured-clone safe). */
export interface FeedEnd {
  frames: number;
  firstMs: number;
  latestMs: number;
  /** Per LAN, in the feed's order: what its router state counted and its timers. */
  lans: { droppedFrames: number; malformedFrames: number; timers: MonitorTimers }[];
}

/**
 * The reading side: frames to messages, each taken by its LAN's router state, and what the counting reads
 * of them and of the state's events written to `ring` ({@link finish} at the end of the capture).
 */
export class StatsFeeder extends MessageIntake {
  private readonly lans = new Map<string, FeedLan>();
  private lastLan: FeedLan | null = null;
  private readonly ev = new EventNumbers();

  constructor(
    private readonly ring: FeedRing,
    private readonly config: MonitorConfig = {},
  ) {
    super();
  }

  private lan(key: string): FeedLan {
    if (this.lastLan !== null && this.lastLan.vlan === key) return this.lastLan;
    let lan = this.lans.get(key);
    if (lan === undefined) {
      lan = { index: this.lans.size, vlan: key, state: new MonitorState(this.config), pending: new PendingEvents() };
      lan.state.sinkTo(lan.pending);
      this.lans.set(key, lan);
      const r = this.ring;
      r.room(2 + key.length);
      r.w[r.p] = T_LAN;
      r.w[r.p + 1] = key.length;
      for (let i = 0; i < key.length; i++) r.w[r.p + 2 + i] = key.charCodeAt(i);
      r.p += 2 + key.length;
    }
    this.lastLan = lan;
    return lan;
  }

  protected observe(m: MembershipMessage): void {
    const lan = this.lan(m.vlan);
    const events = lan.state.take(m);
    if (m.status === MessageStatus.ok) this.message(lan.index, m, lan.state.recordSlots);
    this.events(lan, events);
  }

  private message(lan: number, m: MembershipMessage, slots: Int32Array): void {
    const n = m.kind === MessageKind.v3Report ? m.recordCount : 0;
    const r = this.ring;
    r.room(MSG_HEAD + MSG_RECORD * n);
    const w = r.w;
    let p = r.p;
    f64[0] = m.timeMs;
    w[p] = T_MSG;
    w[p + 1] = lan;
    w[p + 2] = m.kind;
    w[p + 3] = m.version;
    w[p + 4] = m.src;
    w[p + 5] = m.group;
    w[p + 6] = f64w[0]!;
    w[p + 7] = f64w[1]!;
    w[p + 8] = m.maxRespMs;
    w[p + 9] = m.qqi;
    w[p + 10] = m.qrv;
    w[p + 11] = m.querySources.length;
    w[p + 12] = n;
    p += MSG_HEAD;
    for (let i = 0; i < n; i++, p += MSG_RECORD) {
      w[p] = m.recordType[i]!;
      w[p + 1] = m.recordGroup[i]!;
      w[p + 2] = slots[i]!;
      w[p + 3] = m.recordEnd[i]! - m.recordStart[i]!;
    }
    r.p = p;
  }

  /** The events `lan`'s state returned, then those it handed over. */
  private events(lan: FeedLan, events: readonly MonitorEvent[]): void {
    for (let i = 0; i < events.length; i++) this.eventObject(lan.index, events[i]!);
    const q = lan.pending;
    for (let i = 0; i < q.n; i++) {
      const kind = q.kinds[i]!;
      if (kind === PENDING_EVENT) this.eventObject(lan.index, q.objects[q.groups[i]!]!);
      else this.event(lan.index, kind === PENDING_JOIN ? EV_JOIN : kind === PENDING_TO_EXCLUDE ? EV_TO_EXCLUDE : EV_TO_INCLUDE, q.times[i]!, q.groups[i]!, false, 0, 0);
    }
    q.clear();
  }

  private eventObject(lan: number, e: MonitorEvent): void {
    const ev = this.ev;
    if (ev.of(e) !== 0) this.event(lan, ev.code, ev.ms, ev.addr, ev.hasReporter, ev.reporter, ev.frame);
  }

  private event(lan: number, code: number, t: number, addr: number, hasReporter: boolean, reporter: number, frame: number): void {
    const r = this.ring;
    r.room(EVENT_WORDS);
    const w = r.w;
    const p = r.p;
    f64[0] = t;
    w[p] = T_EVENT;
    w[p + 1] = lan;
    w[p + 2] = code;
    w[p + 3] = f64w[0]!;
    w[p + 4] = f64w[1]!;
    w[p + 5] = addr;
    w[p + 6] = reporter;
    w[p + 7] = hasReporter ? 1 : 0;
    w[p + 8] = frame;
    r.p = p + EVENT_WORDS;
  }

  /** Fire every LAN's timers up to the last frame's time (as {@link StatsCollector.summary} does), end the feed and say what it does not carry. */
  finish(): FeedEnd {
    const end = this.latestMs;
    for (const lan of this.lans.values()) if (Number.isFinite(end)) this.events(lan, lan.state.advance(end));
    this.ring.finish();
    return {
      frames: this.frames,
      firstMs: this.firstMs,
      latestMs: this.latestMs,
      lans: [...this.lans.values()].map((l) => ({ droppedFrames: l.state.droppedFrames, malformedFrames: l.state.malformedFrames, timers: l.state.timers() })),
    };
  }
}

/** A LAN's router state as the counting thread sees it: the record slots of the message being counted, and at the end what the state counted. */
class MirroredState implements LanState {
  recordSlots = new Int32Array(8);
  droppedFrames = 0;
  malformedFrames = 0;
  private end: MonitorTimers | null = null;

  setEnd(e: FeedEnd["lans"][number]): void {
    this.droppedFrames = e.droppedFrames;
    this.malformedFrames = e.malformedFrames;
    this.end = e.timers;
  }

  timers(): MonitorTimers {
    if (this.end === null) throw new Error("the statistics' feed has not ended");
    return this.end;
  }

  take(): MonitorEvent[] {
    throw new Error("a mirrored router state takes no messages");
  }

  /** (The feeder fired the timers and fed their events.) */
  advance(): MonitorEvent[] {
    return [];
  }
}

/** The counting side: the entries of each chunk applied to a {@link StatsCollector}, then {@link end}. */
export class StatsFeedReader {
  private readonly m = new MembershipMessage();
  private readonly states: MirroredState[] = [];

  constructor(readonly collector: StatsCollector) {
    this.m.status = MessageStatus.ok;
  }

  /** Apply the entries from `w[p]` on; returns whether the feed ended there (else its chunk did). */
  read(w: Int32Array, p: number): boolean {
    const c = this.collector;
    for (;;) {
      const tag = w[p]!;
      if (tag === T_MSG) p = this.message(w, p);
      else if (tag === T_EVENT) {
        f64w[0] = w[p + 3]!;
        f64w[1] = w[p + 4]!;
        c.feedEvent(w[p + 1]!, w[p + 2]!, f64[0]!, w[p + 5]!, w[p + 7] === 1, w[p + 6]!, w[p + 8]!);
        p += EVENT_WORDS;
      } else if (tag === T_LAN) {
        const n = w[p + 1]!;
        let key = "";
        for (let i = 0; i < n; i++) key += String.fromCharCode(w[p + 2 + i]!);
        const state = new MirroredState();
        this.states.push(state);
        c.feedLan(key, state);
        p += 2 + n;
      } else if (tag === T_END) return false;
      else if (tag === T_FINISH) return true;
      else throw new Error(`the statistics' feed is corrupt: tag ${tag} at word ${p}`);
    }
  }

  private message(w: Int32Array, p: number): number {
    const m = this.m;
    const lan = w[p + 1]!;
    m.kind = w[p + 2]! as MessageKind;
    m.version = w[p + 3]!;
    m.src = w[p + 4]!;
    m.group = w[p + 5]!;
    f64w[0] = w[p + 6]!;
    f64w[1] = w[p + 7]!;
    m.timeMs = f64[0]!;
    m.maxRespMs = w[p + 8]!;
    m.qqi = w[p + 9]!;
    m.qrv = w[p + 10]!;
    const qs = w[p + 11]!;
    // (only their count is read)
    if (m.querySources.length !== qs) {
      m.querySources.length = 0;
      for (let i = 0; i < qs; i++) m.querySources.push(0);
    }
    const n = w[p + 12]!;
    m.recordCount = n;
    const state = this.states[lan]!;
    if (n > state.recordSlots.length) state.recordSlots = new Int32Array(2 * n);
    const slots = state.recordSlots;
    p += MSG_HEAD;
    // sources as the message keeps them: each record's after the one before's, from 0
    let at = 0;
    for (let i = 0; i < n; i++, p += MSG_RECORD) {
      m.recordType[i] = w[p]!;
      m.recordGroup[i] = w[p + 1]!;
      slots[i] = w[p + 2]!;
      m.recordStart[i] = at;
      at += w[p + 3]!;
      m.recordEnd[i] = at;
    }
    this.collector.feedMessage(lan, m);
    return p;
  }

  /** What the feed does not carry, once it has ended. */
  end(e: FeedEnd): void {
    e.lans.forEach((l, i) => this.states[i]!.setEnd(l));
    this.collector.feedEnd(e.frames, e.firstMs, e.latestMs);
  }
}

/** A feed applied as it is written, chunk by chunk, in the same thread (for tests). */
export class LoopbackRing extends FeedRing {
  ended = false;

  constructor(
    private readonly reader: StatsFeedReader,
    private readonly words = 1 << 12,
  ) {
    super();
    this.w = new Int32Array(words);
    this.end = words - 1;
  }

  protected seal(last: boolean): void {
    const ended = this.reader.read(this.w, 0);
    if (ended !== last) throw new Error("the statistics' feed ended where it did not");
    this.ended = ended;
    this.w.fill(-1); // (a reader that went past the end tag would see a bad tag)
    this.p = 0;
  }
}

/** The shared ring's control words: per chunk its state, then the counting thread's progress and state. */
const EMPTY = 0;
const FULL = 1;
/** Word of the ring's control: chunks the counting thread has applied (a heartbeat). */
const C_DONE = 0;
/** Word of the ring's control: the counting thread is running (1), failed (2); the writer gave up (3). */
const C_STATE = 1;
const RUNNING = 1;
const FAILED = 2;
const ABORTED = 3;
const C_CHUNKS = 2;

/** How long the writer waits for a chunk to be free before it takes the counting thread for stuck. */
const STARTUP_MS = 60_000;
const STALL_MS = 120_000;

/**
 * A ring of `chunks` chunks of `chunkWords` words in shared memory: the writer fills a chunk and marks it
 * full, the counting thread applies it and marks it empty. Each waits only when it must (the writer on a
 * full ring, the counter on an empty one), with `Atomics.wait`.
 */
export class SharedFeedRing extends FeedRing {
  readonly buffer: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly data: Int32Array;
  private chunk = 0;

  constructor(
    readonly chunks = 8,
    readonly chunkWords = 1 << 17,
  ) {
    super();
    this.buffer = new SharedArrayBuffer(4 * (C_CHUNKS + chunks + chunks * chunkWords));
    this.ctl = new Int32Array(this.buffer, 0, C_CHUNKS + chunks);
    this.data = new Int32Array(this.buffer, 4 * (C_CHUNKS + chunks));
    this.w = this.data;
    this.p = 0;
    this.end = chunkWords - 1;
  }

  protected seal(last: boolean): void {
    const ctl = this.ctl;
    Atomics.store(ctl, C_CHUNKS + this.chunk, FULL);
    Atomics.notify(ctl, C_CHUNKS + this.chunk);
    if (last) return;
    this.chunk = (this.chunk + 1) % this.chunks;
    this.waitEmpty(this.chunk);
    this.p = this.chunk * this.chunkWords;
    this.end = this.p + this.chunkWords - 1;
  }

  private waitEmpty(k: number): void {
    const ctl = this.ctl;
    let seen = Atomics.load(ctl, C_DONE);
    let since = Date.now();
    while (Atomics.load(ctl, C_CHUNKS + k) !== EMPTY) {
      Atomics.wait(ctl, C_CHUNKS + k, FULL, 1000);
      const state = Atomics.load(ctl, C_STATE);
      if (state === FAILED) throw new Error("the statistics' counting thread failed");
      const done = Atomics.load(ctl, C_DONE);
      if (done !== seen) {
        seen = done;
        since = Date.now();
      } else if (Date.now() - since > (state === RUNNING ? STALL_MS : STARTUP_MS)) throw new Error("the statistics' counting thread stopped answering");
    }
  }

  /** The writer gives up (its capture could not be read, or it failed): a counting thread waiting for a chunk stops. */
  abort(): void {
    Atomics.store(this.ctl, C_STATE, ABORTED);
    for (let k = 0; k < this.chunks; k++) Atomics.notify(this.ctl, C_CHUNKS + k);
  }
}

/**
 * The counting thread's loop over the ring in `buffer` (made by a {@link SharedFeedRing} of `chunks` chunks
 * of `chunkWords`): each chunk applied by `reader` as it fills, until the feed ends. Returns false when the
 * writer gave up. A failure marks the ring failed (the writer stops waiting) and is thrown.
 */
export function readSharedFeed(buffer: SharedArrayBuffer, chunks: number, chunkWords: number, reader: StatsFeedReader): boolean {
  const ctl = new Int32Array(buffer, 0, C_CHUNKS + chunks);
  const data = new Int32Array(buffer, 4 * (C_CHUNKS + chunks));
  Atomics.store(ctl, C_STATE, RUNNING);
  try {
    for (let k = 0; ; k = (k + 1) % chunks) {
      while (Atomics.load(ctl, C_CHUNKS + k) !== FULL) {
        if (Atomics.load(ctl, C_STATE) === ABORTED) return false;
        Atomics.wait(ctl, C_CHUNKS + k, EMPTY, 1000);
      }
      const ended = reader.read(data, k * chunkWords);
      Atomics.store(ctl, C_CHUNKS + k, EMPTY);
      Atomics.add(ctl, C_DONE, 1);
      Atomics.notify(ctl, C_CHUNKS + k);
      if (ended) return true;
    }
  } catch (e) {
    Atomics.store(ctl, C_STATE, FAILED);
    for (let k = 0; k < chunks; k++) Atomics.notify(ctl, C_CHUNKS + k);
    throw e;
  }
}
