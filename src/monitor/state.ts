/**
 * The router's-eye view of a LAN: the state a multicast router on that link would keep, built from
 * observed frames alone (RFC 9776 §6 for IGMPv3, RFC 2236 §7 for IGMPv2, RFC 9776 §7.3 for compatibility).
 *
 * Sans-IO: no clock, no timers, no randomness. Every call takes `nowMs` (milliseconds on the capture's
 * clock); {@link MonitorState.advance} fires every expiry up to a time, {@link MonitorState.nextDeadlineMs}
 * says when the machine next wants to run.
 *
 * The monitor is passive: it sends nothing. It lowers timers when it *sees* the querier's group-specific
 * and group-and-source-specific queries (RFC 9776 §6.6.1: "when a router sends or receives a query with a
 * clear S flag, it must update its timers"). While no querier is known, it acts as the querier would and
 * lowers those timers itself on the records that make a querier send them (the "Send Q(G,…)" actions of
 * RFC 9776 §6.4.2), so that a capture without a querier still ends with leaves honoured.
 */
import { numberToIPv4, type DecodedFrame } from "../wire/index.js";
import { DeadlineQueue, type TimerOwner } from "./deadlines.js";
import { GroupTable, NO_HOST, ROW, type RowOwner } from "./group-table.js";
import { addr32, addrLess, formatTimeMs, frameTimeMs, isMulticastN, isSsmN, MembershipMessage, MessageKind, MessageStatus } from "./message.js";

export { frameTimeMs };

/** Protocol variables (RFC 9776 §8). Seconds. Anything learned from the querier overrides these. */
export interface MonitorConfig {
  /** Robustness Variable (§8.1). Default 2. */
  robustness?: number;
  /** Query Interval (§8.2), seconds. Default 125. */
  queryInterval?: number;
  /** Query Response Interval (§8.3), seconds. Default 10. */
  queryResponseInterval?: number;
  /** Last Member Query Interval (§8.8), seconds. Default 1. */
  lastMemberQueryInterval?: number;
  /** Last Member Query Count (§8.9). Default: the Robustness Variable. */
  lastMemberQueryCount?: number;
  /**
   * The address of the router this state belongs to, when an active driver (the querier) sends queries
   * over it: its own queries are fed in as it sends them (they take part in the election like anyone's),
   * and while it is the querier the "Send Q(G)" / "Send Q(G,S)" actions are acted out (timers lowered, a
   * `last-member-query` event with `observed: false` telling the driver to send them).
   */
  self?: string;
  /**
   * False: build no events (`take`, `receive` and `advance` return none), for a driver that reads only the
   * state, as `lint`'s does: at LAN scale the events of 100,000 groups joining are most of what a run
   * allocates. Default true.
   */
  events?: boolean;
  /**
   * @internal False: build no source events (`source-added`, `source-removed`, `source-blocked`), the
   * others as {@link events} says, for a driver that does not read them (the statistics). Default true.
   */
  sourceEvents?: boolean;
}

/** The variables in force, seconds, with the derived intervals. */
export interface MonitorTimers {
  robustness: number;
  queryInterval: number;
  queryResponseInterval: number;
  lastMemberQueryInterval: number;
  lastMemberQueryCount: number;
  /** RV × QI + QRI (§8.4). */
  groupMembershipInterval: number;
  /** RV × QI + QRI / 2 (§8.5). */
  otherQuerierPresentInterval: number;
  /** LMQI × LMQC (§8.10). */
  lastMemberQueryTime: number;
  /** Same as the Group Membership Interval (§8.13). */
  olderHostPresentInterval: number;
}

/** A group's router filter mode (RFC 9776 §6.2): INCLUDE forwards the listed sources, EXCLUDE all but the excluded ones. */
export type FilterMode = "include" | "exclude";
/** A group's compatibility mode (RFC 9776 §7.3.2): the oldest IGMP version of a host heard for it lately. */
export type CompatMode = 1 | 2 | 3;

/**
 * Where an event came from: a frame, or a timer expiring (frame null). `time` is the one time form of every
 * igmpkit output (decimal seconds with nine digits, as a string): a frame's exact capture time, or a
 * timer's deadline on the capture clock (to the microsecond). {@link frameTimeMs} reads it as milliseconds.
 */
interface EventBase {
  time: string;
  frame: number | null;
}

/** What changed in the router's view. JSON-ready; `monitor --json` prints one per line. */
export type MonitorEvent = EventBase &
  (
    | { type: "join"; group: string; reporter: string | null; version: 1 | 2 | 3 }
    | { type: "leave"; group: string; reporter: string | null; version: 2 | 3 }
    | { type: "expiry"; group: string; reason: "group-timer" | "no-sources" }
    | { type: "source-added"; group: string; source: string; forwarding: boolean }
    | { type: "source-removed"; group: string; source: string; reason: "report" | "timer" | "mode-change" }
    | { type: "source-blocked"; group: string; source: string }
    | { type: "mode-change"; group: string; from: FilterMode; to: FilterMode }
    | { type: "compat-change"; group: string; from: CompatMode; to: CompatMode }
    | { type: "last-member-query"; group: string; sources: string[]; observed: boolean }
    | { type: "querier-elected"; querier: string; version: 1 | 2 | 3 }
    | { type: "querier-changed"; querier: string; previous: string; version: 1 | 2 | 3 }
    | { type: "querier-expired"; querier: string }
  );

/** The `type` of a {@link MonitorEvent} ("join", "leave", "expiry", "querier-elected"...). */
export type MonitorEventType = MonitorEvent["type"];

/**
 * @internal Where a {@link MonitorState} puts its events instead of returning them ({@link MonitorState.sinkTo}),
 * for a writer that formats them as they come (`monitor --json`): the two kinds a LAN makes by the
 * thousand, a group's join and its mode change, as numbers (no event object, no dotted quad: at 100,000
 * groups those were most of what the state allocated), every other event as its object. All in order.
 * `time` and `frame` are the event's {@link MonitorEvent} fields; addresses are 32-bit (signed or not).
 */
export interface EventSink {
  join(time: string, frame: number | null, group: number, reporter: number, version: 1 | 2 | 3): void;
  modeChange(time: string, frame: number | null, group: number, from: FilterMode, to: FilterMode): void;
  event(e: MonitorEvent): void;
}

/** One source record as the snapshot shows it. Timers are seconds, rounded to the millisecond. */
export interface SourceSnapshot {
  source: string;
  /** Seconds left on the source timer; 0 for an excluded source (EXCLUDE mode, "do not forward"). */
  timer: number;
  forwarding: boolean;
}

/** One group in a {@link MonitorSnapshot}: the router's state for it (RFC 9776 §6). Timers are seconds left. */
export interface GroupSnapshot {
  group: string;
  filterMode: FilterMode;
  /** Seconds left on the group timer (EXCLUDE mode), null in INCLUDE mode. */
  groupTimer: number | null;
  compatMode: CompatMode;
  /** Seconds left on the older-version host present timers, null when not running. */
  v1HostTimer: number | null;
  v2HostTimer: number | null;
  lastReporter: string | null;
  /** Hosts seen reporting this group and not seen leaving it since. */
  reporters: string[];
  sources: SourceSnapshot[];
}

/**
 * One group as {@link MonitorState.eachGroup} shows it: the fields of a {@link GroupSnapshot} as numbers,
 * addresses unsigned, timers as milliseconds left (rounded; -1 for a timer not running, null in the
 * snapshot). Lists are valid for their counts.
 */
export interface GroupView {
  addr: number;
  /** The address as a dotted quad. */
  name: string;
  exclude: boolean;
  groupLeftMs: number;
  compat: CompatMode;
  v1HostLeftMs: number;
  v2HostLeftMs: number;
  lastReporter: number | null;
  /** In address order. */
  reporters: Uint32Array;
  reporterCount: number;
  sourceCount: number;
  /** In address order. */
  sourceAddr: Uint32Array;
  /** 0 for an excluded source. */
  sourceLeftMs: Float64Array;
  /** 1: forwarding. */
  sourceForwarding: Uint8Array;
}

/**
 * One group's filter as the router keeps it, read in place ({@link MonitorState.groupFilter}): what a rule
 * asking on every record needs without a copy of the group's sources, which may be a million.
 */
export interface GroupFilter {
  readonly mode: FilterMode;
  readonly compat: CompatMode;
  /** 1: the source is forwarded (its timer runs); 2: blocked (EXCLUDE mode, timer 0); 0: not kept. */
  sourceState(source: number): 0 | 1 | 2;
  /** The forwarded sources (addresses as numbers) in the order kept, until `fn` returns false. */
  eachForwarding(fn: (source: number) => boolean): void;
}

/** The one {@link GroupFilter} a state hands out, pointed at the group asked for. */
class GroupFilterView implements GroupFilter {
  g!: GroupRec;
  get mode(): FilterMode {
    return this.g.mode;
  }
  get compat(): CompatMode {
    return this.g.compat;
  }
  sourceState(source: number): 0 | 1 | 2 {
    const s = this.g.sources.get(source);
    return s === undefined ? 0 : s.expiresMs === OFF ? 2 : 1;
  }
  eachForwarding(fn: (source: number) => boolean): void {
    for (const s of this.g.sources.values()) if (s.expiresMs !== OFF && !fn(s.addr)) return;
  }
}

/** A querier in a {@link MonitorSnapshot}: its address, version and other-querier-present timer. */
export interface QuerierSnapshot {
  address: string;
  version: 1 | 2 | 3;
  /** Seconds left on the other-querier-present timer. */
  timer: number;
}

/** The whole view at one time. JSON-ready. */
export interface MonitorSnapshot {
  /** The time the view is at (see the event's `time`). */
  time: string;
  /**
   * False when the view is not that of the whole capture: a file could not be read to its end, or the
   * run was stopped. Set by the driver (the state machine only knows what it was given).
   */
  complete: boolean;
  querier: QuerierSnapshot | null;
  timers: MonitorTimers;
  groups: GroupSnapshot[];
}


/**
 * A timer that is not running (an excluded source's timer 0, the group timer in INCLUDE mode, an
 * older-version host present timer that ran out): null at the API. Inside, timers are always numbers, so
 * that V8 keeps each record's timer fields as unboxed doubles written in place: with `number | null` every
 * refresh allocated a new heap number referenced from an old record, and the garbage collector paid for
 * each one (a fifth of the time at 100,000 groups).
 */
const OFF = Infinity;

/** A timer's absolute time as the API gives it: null when not running. */
function orNull(t: number): number | null {
  return t === OFF ? null : t;
}

/** A source record. */
interface SourceRec extends TimerOwner {
  addr: number;
  group: GroupRec;
  /** Absolute expiry (ms); {@link OFF} means timer 0: an excluded source in EXCLUDE mode. */
  expiresMs: number;
}

/**
 * A group record; its own timers (group timer, older-version host present timers) share one queue entry.
 * Its row of the {@link GroupTable} (`slot`) holds the earliest of them, the time its entry is queued at,
 * and whether an IS_EX({}) refresh may take the quick path.
 */
class GroupRec implements RowOwner {
  slot = 0;
  mode: FilterMode = "include";
  sources: Map<number, SourceRec> = NO_SOURCE_RECS;
  compat: CompatMode = 3;
  /**
   * The hosts reporting it: most groups have one (an IPTV channel per set-top box), held in `reporter`
   * without a set of its own (a set is two more cache misses per refresh at 100,000 groups); from the
   * second host on, all of them are in `reporters` and `reporter` is unused.
   */
  reporter: number | null = null;
  reporters: Set<number> | null = null;
  gone = false;
  private name: string | null = null;

  constructor(readonly addr: number) {}

  /** The address as a dotted quad, made when first asked for (events, snapshots; `lint` never asks). */
  get group(): string {
    return (this.name ??= numberToIPv4(this.addr));
  }

  /**
   * Older-version host present timers, absolute (ms), or {@link OFF}: in an object of their own, made for
   * the groups that have had an IGMPv1 or v2 host. (Number fields are boxed doubles in V8: two more objects
   * for each of 100,000 IGMPv3 groups, and a sixth of what creating one allocated.)
   */
  private older: { v1: number; v2: number } | null = null;

  get v1HostMs(): number {
    return this.older === null ? OFF : this.older.v1;
  }

  set v1HostMs(t: number) {
    if (this.older !== null) this.older.v1 = t;
    else if (t !== OFF) this.older = { v1: t, v2: OFF };
  }

  get v2HostMs(): number {
    return this.older === null ? OFF : this.older.v2;
  }

  set v2HostMs(t: number) {
    if (this.older !== null) this.older.v2 = t;
    else if (t !== OFF) this.older = { v1: OFF, v2: t };
  }
  /**
   * The group timer (absolute ms, EXCLUDE mode only, {@link OFF} otherwise), while the group is not marked
   * quick; while it is, the timer is its row's deadline (see {@link MonitorState.groupTimer}).
   */
  timerMs = OFF;
  lastReporter: number | null = null;
}

function addReporter(g: GroupRec, host: number): void {
  if (g.reporters !== null) g.reporters.add(host);
  else if (g.reporter === null) g.reporter = host;
  else if (g.reporter !== host) {
    g.reporters = new Set([g.reporter, host]);
    g.reporter = null;
  }
}

function deleteReporter(g: GroupRec, host: number): void {
  if (g.reporters !== null) g.reporters.delete(host);
  else if (g.reporter === host) g.reporter = null;
}

/** The reporters, sorted by address, as dotted quads. */
function reporterList(g: GroupRec): string[] {
  // Uint32Array: the signed forms as unsigned, sorted by value (address order)
  if (g.reporters !== null) return Array.from(Uint32Array.from(g.reporters).sort(), numberToIPv4);
  return g.reporter === null ? [] : [numberToIPv4(g.reporter)];
}

interface QuerierRec extends TimerOwner {
  addr: number;
  address: string;
  version: 1 | 2 | 3;
  expiresMs: number;
}

type Owner = GroupRec | SourceRec | QuerierRec;

/** In a row's `quick` field: the group has several reporters; a refresh from any of them is quick. */
const MANY = -(2 ** 33);
/**
 * What the timer wheel holds: a source or the querier, or a group's row in the {@link GroupTable} (its
 * first index; -1 once the group is gone and the table has grown). A group's entry coming due is judged
 * from its row alone ({@link rowDeadline}): at LAN scale that is one cache miss, not two.
 */
type Queued = SourceRec | QuerierRec | number;

/** When the group in row `r` next wants to run (ms), {@link OFF} for never. */
function rowDeadline(rows: Float64Array, r: number): number {
  return rows[r + ROW.deadline]!;
}

/** The record types, after compatibility-mode translation, that the state tables take. */
const IS_IN = 1;
const IS_EX = 2;
const TO_IN = 3;
const TO_EX = 4;
const ALLOW = 5;
const BLOCK = 6;

/** How many hosts' names {@link MonitorState} keeps for its events. */
const HOST_NAMES = 4096;

/** Returned when nothing happened: frozen, shared (callers must not push into a returned list). */
const NO_EVENTS = Object.freeze([]) as unknown as MonitorEvent[];

/** Seconds to the millisecond (timers print as 245.001, never 245.00010009765626). */
function roundSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * Router state for one LAN, fed with decoded frames. RFC 9776 §6 (group and source records, timers,
 * the state tables of §6.4), §6.6 (querier election, timer updates on queries), §7.3 (compatibility).
 *
 * The cost of a frame does not depend on how many groups and sources there are: groups are rows of a hash
 * table keyed by their 32-bit address (sources in maps so keyed), every timer is in one deadline queue,
 * and nothing scans all groups except {@link MonitorState.snapshot}.
 */
export class MonitorState {
  private readonly config: Required<Omit<MonitorConfig, "lastMemberQueryCount" | "self" | "events" | "sourceEvents">> & { lastMemberQueryCount: number | undefined };
  /** {@link MonitorConfig.events}. */
  private readonly recording: boolean;
  /** {@link MonitorConfig.sourceEvents} (and events). */
  private readonly recordingSources: boolean;
  private readonly filterView = new GroupFilterView();
  /** {@link MonitorConfig.self} as a message address (signed form), or null. */
  private readonly self: number | null;
  private learned: { robustness?: number; queryInterval?: number; queryResponseInterval?: number; lastMemberQueryInterval?: number } = {};
  private cachedTimers: MonitorTimers;
  /** What {@link GroupTable.touch} read (kept, so that the reads are not optimized away). */
  private touched = 0;
  private readonly table = new GroupTable<GroupRec>((newSlotOf) => this.queue.remap((e) => (typeof e === "number" ? newSlotOf(e) : e)));
  private readonly queue = new DeadlineQueue<Queued>();
  private querier: QuerierRec | null = null;
  private nowMs = Number.NEGATIVE_INFINITY;
  private events: MonitorEvent[] = [];
  /** {@link sinkTo}'s sink, or null: events are returned. */
  private sink: EventSink | null = null;
  /** The message being applied (its frame and time label the events), or null while timers fire. */
  private current: MembershipMessage | null = null;
  private currentTime: string | null = null;
  private readonly scratch = new MembershipMessage();
  /** {@link eachGroup}'s view, refilled for every group. */
  private readonly view: GroupView = {
    addr: 0,
    // made when asked for: the JSON writer reads the address, and a dotted quad per group was 100,000
    // strings at LAN scale, each kept in its group afterwards
    get name(): string {
      return numberToIPv4(this.addr);
    },
    exclude: false,
    groupLeftMs: -1,
    compat: 3,
    v1HostLeftMs: -1,
    v2HostLeftMs: -1,
    lastReporter: null,
    reporters: new Uint32Array(0),
    reporterCount: 0,
    sourceCount: 0,
    sourceAddr: new Uint32Array(0),
    sourceLeftMs: new Float64Array(0),
    sourceForwarding: new Uint8Array(0),
  };
  private readonly oneReporter = new Uint32Array(1);
  /** {@link hostName}'s cache. */
  private readonly hostNames = new Map<number, string>();
  /**
   * @internal A hint for whoever keeps numbers per group beside the monitor (the statistics): for record `i` of the
   * last v3 report taken, the slot (row number) its group had in the monitor's table when the record was
   * looked up, -1 when it had none. Only a hint: a record the monitor does not look up (not multicast, an
   * SSM exclude record) leaves an older value, and slots change when the table grows, so a reader checks
   * that the slot still names its group (see stats.ts).
   */
  recordSlots = new Int32Array(8);
  /** {@link hostName}'s last answer ({@link NO_HOST}: none yet). */
  private lastHost = NO_HOST;
  private lastHostName = "";
  /** Frames dropped because their checksum does not verify (a router discards them). */
  droppedFrames = 0;
  /** Membership frames not applied because they are malformed or cut short (RFC 9776 §4: not to be trusted). */
  malformedFrames = 0;

  constructor(config: MonitorConfig = {}) {
    this.config = {
      robustness: config.robustness ?? 2,
      queryInterval: config.queryInterval ?? 125,
      queryResponseInterval: config.queryResponseInterval ?? 10,
      lastMemberQueryInterval: config.lastMemberQueryInterval ?? 1,
      lastMemberQueryCount: config.lastMemberQueryCount,
    };
    this.self = config.self === undefined ? null : addr32(config.self);
    this.recording = config.events !== false;
    this.recordingSources = this.recording && config.sourceEvents !== false;
    this.cachedTimers = this.computeTimers();
  }

  /**
   * @internal Hand every event to `sink` as it happens instead of returning it (`take`, `receive` and
   * `advance` then return none); null: return them again. Nothing when events are off ({@link MonitorConfig.events}).
   */
  sinkTo(sink: EventSink | null): void {
    this.sink = sink;
  }

  private computeTimers(): MonitorTimers {
    const rv = this.learned.robustness ?? this.config.robustness;
    const qi = this.learned.queryInterval ?? this.config.queryInterval;
    const qri = this.learned.queryResponseInterval ?? this.config.queryResponseInterval;
    const lmqi = this.learned.lastMemberQueryInterval ?? this.config.lastMemberQueryInterval;
    const lmqc = this.config.lastMemberQueryCount ?? rv;
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return Object.freeze({
      robustness: rv,
      queryInterval: qi,
      queryResponseInterval: qri,
      lastMemberQueryInterval: lmqi,
      lastMemberQueryCount: lmqc,
      groupMembershipInterval: r(rv * qi + qri),
      otherQuerierPresentInterval: r(rv * qi + qri / 2),
      lastMemberQueryTime: r(lmqi * lmqc),
      olderHostPresentInterval: r(rv * qi + qri),
    });
  }

  private learn(k: keyof MonitorState["learned"], v: number): void {
    if (this.learned[k] === v) return;
    this.learned[k] = v;
    this.cachedTimers = this.computeTimers();
  }

  /** The protocol variables in force now (configured, overridden by what the querier advertises). */
  timers(): MonitorTimers {
    return this.cachedTimers;
  }

  /** The machine's time: the latest `nowMs` it was given (ms; -Infinity before the first). */
  time(): number {
    return this.nowMs;
  }

  /** The current querier's address, or null. */
  querierAddress(): string | null {
    return this.querier?.address ?? null;
  }

  /** The current querier's address as a number (the signed form {@link addr32} gives), or null. */
  querierAddr(): number | null {
    return this.querier?.addr ?? null;
  }

  /** The current querier's IGMP version, or null. */
  querierVersion(): 1 | 2 | 3 | null {
    return this.querier?.version ?? null;
  }

  /** How many groups the view holds. */
  groupCount(): number {
    return this.table.live;
  }

  /** One group's reporters (hosts seen reporting it and not leaving since), or null for a group it does not have. */
  groupReporters(group: string): { group: string; reporters: string[] } | null {
    const g = this.lookup(addr32(group));
    if (g === undefined) return null;
    return { group: g.group, reporters: reporterList(g) };
  }

  /**
   * One group as the router keeps it now: filter mode, compatibility mode, the sources it forwards
   * (running timers) and, in EXCLUDE mode, the ones it blocks (timer 0). Null for a group it does not have.
   * Costs the group's own sources, no more (see {@link groupFilter} for a look without the copy).
   */
  groupState(group: number): { mode: FilterMode; compat: CompatMode; forwarding: number[]; blocked: number[] } | null {
    const g = this.lookup(group);
    if (g === undefined) return null;
    const forwarding: number[] = [];
    const blocked: number[] = [];
    g.sources.forEach((s, a) => (s.expiresMs === OFF ? blocked : forwarding).push(a));
    return { mode: g.mode, compat: g.compat, forwarding, blocked };
  }

  /**
   * One group's filter read in place, or null for a group the router does not have: no copy, so a rule may
   * ask on every record whatever the group's size. The same object every call, valid until the next one.
   */
  groupFilter(group: number): GroupFilter | null {
    const g = this.lookup(group);
    if (g === undefined) return null;
    this.filterView.g = g;
    return this.filterView;
  }

  /**
   * Take one frame observed at `nowMs`: first fire every expiry up to `nowMs`, then apply the frame.
   * Frames without IGMP change nothing; those whose checksum does not verify are counted in
   * `droppedFrames`, malformed or cut-short ones in `malformedFrames`. Returns the events.
   */
  receive(frame: DecodedFrame, nowMs: number = frameTimeMs(frame.time)): MonitorEvent[] {
    this.scratch.fromDecoded(frame, nowMs);
    return this.take(this.scratch);
  }

  /**
   * Take one message (the hot path: fill a {@link MembershipMessage} from a `FrameView`). Fires every
   * expiry up to the message's time first. Returns the events (valid until the next call).
   */
  take(m: MembershipMessage): MonitorEvent[] {
    const out = this.advance(m.timeMs);
    if (m.status === MessageStatus.badChecksum) this.droppedFrames++;
    else if (m.status === MessageStatus.malformed) this.malformedFrames++;
    if (m.status !== MessageStatus.ok) return out;
    this.current = m;
    this.currentTime = null;
    const before = this.events.length;
    switch (m.kind) {
      case MessageKind.query:
        if (m.version !== 0) this.onQuery(m);
        break;
      case MessageKind.v1Report:
        this.onOldReport(m.src, m.group, 1);
        break;
      case MessageKind.v2Report:
        this.onOldReport(m.src, m.group, 2);
        break;
      case MessageKind.leave:
        this.onLeave(m.src, m.group);
        break;
      case MessageKind.v3Report:
        if (m.recordCount > 1) this.touched = this.table.touch(m.recordGroup, m.recordCount);
        if (m.recordCount > this.recordSlots.length) this.recordSlots = new Int32Array(2 * m.recordCount);
        for (let i = 0; i < m.recordCount; i++) this.onRecord(m, i);
        break;
      default:
        break;
    }
    this.current = null;
    if (this.events.length === before && out.length === 0) return NO_EVENTS;
    return out.length === 0 ? this.drain() : out.concat(this.drain());
  }

  /** Move the clock to `nowMs`, firing every expiry on the way in time order. Returns the events. */
  advance(nowMs: number): MonitorEvent[] {
    const q = this.queue;
    // Group rows are settled inside the queue (each group's entry comes due once per refresh at LAN scale,
    // to be queued again at its new deadline): what comes out is due, or a source or the querier to judge.
    for (let e = q.takeDueIndexed(nowMs, this.table.rows, ROW.queuedAt, ROW.deadline); e !== undefined; e = q.takeDueIndexed(nowMs, this.table.rows, ROW.queuedAt, ROW.deadline)) {
      let d: number;
      if (typeof e === "number") d = rowDeadline(this.table.rows, e);
      else {
        d = this.due(e, q.takenAt);
        if (d !== d) continue;
      }
      if (d > this.nowMs) this.nowMs = d;
      this.fire(typeof e === "number" ? this.owner(e) : e, d);
    }
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    return this.events.length === 0 ? NO_EVENTS : this.drain();
  }

  /**
   * One group's timers as absolute times (ms), for an active driver: the group timer (EXCLUDE mode; null
   * in INCLUDE mode) and each source's (null: an excluded source, timer 0). Null when the group has no record.
   */
  groupTimersMs(group: string): { filterMode: FilterMode; compatMode: CompatMode; groupTimerMs: number | null; sources: Map<string, number | null> } | null {
    const g = this.lookup(addr32(group));
    if (g === undefined) return null;
    const sources = new Map<string, number | null>();
    for (const [a, s] of g.sources) sources.set(numberToIPv4(a), orNull(s.expiresMs));
    return { filterMode: g.mode, compatMode: g.compat, groupTimerMs: g.mode === "exclude" ? orNull(this.groupTimer(g)) : null, sources };
  }

  /** The earliest time a timer expires, or null when no timer runs. */
  nextDeadlineMs(): number | null {
    const q = this.queue;
    for (;;) {
      const at = q.peekAt();
      if (at === Infinity) return null;
      // A live head due when it is queued stays where it is: taken and queued again, it would go behind
      // the later entries of its second, and the wheel would sort that second again on every look.
      if (this.dueAt(q.peek(), at)) return at;
      // Settle the head: drop stale entries, move ones whose timer went later.
      const e = q.take();
      const d = this.due(e, at);
      if (d !== d) continue;
      // due: queued again as it was
      if (typeof e === "number") this.scheduleRow(e, d);
      else q.schedule(e, d);
      return d;
    }
  }

  /** The whole view at `nowMs` (default: the latest time seen). Scans every group: not for the hot path. */
  snapshot(nowMs: number = this.nowMs): MonitorSnapshot {
    return { ...this.snapshotHead(nowMs), groups: [...this.snapshotGroups(nowMs)] };
  }

  /** {@link snapshot} without its groups (cheap). */
  snapshotHead(nowMs: number = this.nowMs): Omit<MonitorSnapshot, "groups"> {
    return {
      time: formatTimeMs(nowMs),
      complete: true,
      querier: this.querier
        ? { address: this.querier.address, version: this.querier.version, timer: roundSeconds(Math.max(0, this.querier.expiresMs - nowMs)) }
        : null,
      timers: { ...this.timers() },
    };
  }

  /** The groups of {@link snapshot}, in address order, one at a time (for views too large to hold twice). */
  *snapshotGroups(nowMs: number = this.nowMs): Generator<GroupSnapshot> {
    const secs = (ms: number) => (ms < 0 ? null : ms / 1000);
    const list: GroupSnapshot[] = [];
    // (eachGroup visits them all at once: taken in batches, so that a consumer that stops early stops the work)
    const batch = 1024;
    const keys = this.sortedGroupKeys();
    for (let from = 0; from < keys.length; from += batch) {
      this.eachGroup(
        (v) => {
          const sources: SourceSnapshot[] = [];
          for (let i = 0; i < v.sourceCount; i++) sources.push({ source: numberToIPv4(v.sourceAddr[i]!), timer: v.sourceLeftMs[i]! / 1000, forwarding: v.sourceForwarding[i] === 1 });
          const reporters: string[] = [];
          for (let i = 0; i < v.reporterCount; i++) reporters.push(numberToIPv4(v.reporters[i]!));
          list.push({
            group: v.name,
            filterMode: v.exclude ? "exclude" : "include",
            groupTimer: secs(v.groupLeftMs),
            compatMode: v.compat,
            v1HostTimer: secs(v.v1HostLeftMs),
            v2HostTimer: secs(v.v2HostLeftMs),
            lastReporter: v.lastReporter === null ? null : numberToIPv4(v.lastReporter),
            reporters,
            sources,
          });
        },
        nowMs,
        keys.subarray(from, from + batch),
      );
      yield* list;
      list.length = 0;
    }
  }

  /** The groups' addresses in address order (unsigned). */
  private sortedGroupKeys(): Uint32Array {
    // Uint32Array: the signed keys as unsigned, sorted by value (address order)
    return new Uint32Array(this.table.keys().buffer).sort();
  }

  /**
   * The groups of {@link snapshot} in address order (or those of `keys`, unsigned addresses in the view),
   * each through one {@link GroupView} refilled for every group: no object per group, for writers of views
   * too large to build (`monitor --json` at 100,000 groups). The view is valid during `visit` only.
   */
  eachGroup(visit: (g: GroupView) => void, nowMs: number = this.nowMs, keys: Uint32Array = this.sortedGroupKeys()): void {
    // times left, rounded to the millisecond; -1 for a timer not running
    const left = (t: number) => (t === OFF ? -1 : Math.round(Math.max(0, t - nowMs)));
    const v = this.view;
    // (indexed: a for-of over the keys went through the array iterator, one call per group)
    const rows = this.table.rows;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const r = this.table.find(k | 0);
      if (r < 0) continue;
      const g = this.table.ownerAt(r);
      v.addr = k;
      if (g === undefined) {
        // a row without its object ({@link joinQuick}): EXCLUDE, no sources, IGMPv3 hosts only, one reporter
        const host = rows[r + ROW.quick]!;
        v.exclude = true;
        v.groupLeftMs = left(rows[r + ROW.deadline]!);
        v.compat = 3;
        v.v1HostLeftMs = -1;
        v.v2HostLeftMs = -1;
        v.lastReporter = host >>> 0;
        v.reporters = this.oneReporter;
        v.reporterCount = 1;
        this.oneReporter[0] = host;
        v.sourceCount = 0;
        visit(v);
        continue;
      }
      v.exclude = g.mode === "exclude";
      v.groupLeftMs = v.exclude ? left(this.groupTimer(g)) : -1;
      v.compat = g.compat;
      v.v1HostLeftMs = left(g.v1HostMs);
      v.v2HostLeftMs = left(g.v2HostMs);
      v.lastReporter = g.lastReporter === null ? null : g.lastReporter >>> 0;
      if (g.reporters !== null) {
        v.reporters = Uint32Array.from(g.reporters).sort();
        v.reporterCount = v.reporters.length;
      } else {
        v.reporters = this.oneReporter;
        v.reporterCount = g.reporter === null ? 0 : 1;
        if (g.reporter !== null) this.oneReporter[0] = g.reporter;
      }
      v.sourceCount = g.sources.size;
      if (v.sourceCount > 0) {
        v.sourceAddr = Uint32Array.from(g.sources.keys()).sort();
        v.sourceLeftMs = new Float64Array(v.sourceCount);
        v.sourceForwarding = new Uint8Array(v.sourceCount);
        for (let i = 0; i < v.sourceCount; i++) {
          const src = g.sources.get(v.sourceAddr[i]! | 0)!;
          // an excluded source (timer 0) shows 0
          v.sourceLeftMs[i] = src.expiresMs === OFF ? 0 : left(src.expiresMs);
          v.sourceForwarding[i] = src.expiresMs !== OFF ? 1 : 0;
        }
      }
      visit(v);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Events and timers

  /** Record an event (callers whose event costs text to build check {@link recording} first). */
  private emit(e: DistributiveOmitBase<MonitorEvent>): void {
    if (!this.recording) return;
    const event = { time: this.eventTime(), frame: this.current?.frame ?? null, ...e } as MonitorEvent;
    if (this.sink !== null) this.sink.event(event);
    else this.events.push(event);
  }

  /**
   * A reporter's dotted quad for an event, from a cache: a LAN's few hundred hosts join thousands of
   * groups each, and formatting the address anew each time made a string and its pieces per join (at
   * 100,000 groups a quarter of what the run allocated). Bounded: emptied when full.
   */
  private hostName(a: number): string {
    // (the host of the last one first: a report's records name several groups, each joined in turn)
    if (a === this.lastHost) return this.lastHostName;
    let name = this.hostNames.get(a);
    if (name === undefined) {
      if (this.hostNames.size >= HOST_NAMES) this.hostNames.clear();
      name = numberToIPv4(a);
      this.hostNames.set(a, name);
    }
    this.lastHost = a;
    this.lastHostName = name;
    return name;
  }

  /** The time of an event now: the message's, or the clock's while timers fire. */
  private eventTime(): string {
    const m = this.current;
    return m !== null ? (this.currentTime ??= m.time()) : formatTimeMs(this.nowMs);
  }

  private drain(): MonitorEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /**
   * The wheel's entry `e`, queued at `at`, has been taken: its deadline if it is live and due then (it is
   * no longer queued), NaN if it was stale, or has moved later (then queued again at its new time).
   */
  private due(e: Queued, at: number): number {
    if (typeof e === "number") return this.rowTaken(e) ? rowDeadline(this.table.rows, e) : NaN;
    if (e.queuedAt !== at) return NaN;
    e.queuedAt = Infinity;
    const d = this.deadlineOf(e);
    if (d > at) {
      this.queue.schedule(e, d);
      return NaN;
    }
    return d;
  }

  /**
   * The group row `e`, just taken from the wheel (queued at its `takenAt`): true when it is live and due (its
   * deadline is the row's); false when stale, or moved later (then queued again at its deadline). Its times
   * stay in the row and the queue, not in arguments or a return value, which V8 would box on every entry
   * (see DeadlineQueue.pushAt).
   */
  private rowTaken(e: number): boolean {
    if (e < 0) return false;
    const rows = this.table.rows;
    const at = this.queue.takenAt;
    if (rows[e + ROW.queuedAt] !== at) return false;
    if (rows[e + ROW.deadline]! > at) {
      rows[e + ROW.queuedAt] = rows[e + ROW.deadline]!;
      this.queue.pushAt(rows, e + ROW.deadline, e);
      return false;
    }
    rows[e + ROW.queuedAt] = Infinity;
    return true;
  }

  /** Whether the wheel's entry `e`, queued at `at`, is live and due exactly then ({@link due} without taking it). */
  private dueAt(e: Queued, at: number): boolean {
    if (typeof e === "number") return e >= 0 && this.table.rows[e + ROW.queuedAt] === at && rowDeadline(this.table.rows, e) === at;
    return e.queuedAt === at && this.deadlineOf(e) === at;
  }

  /** Queue the group of row `r` no later than `deadline` (OFF: nothing to queue). */
  private scheduleRow(r: number, deadline: number): void {
    const rows = this.table.rows;
    if (deadline >= rows[r + ROW.queuedAt]!) return;
    rows[r + ROW.queuedAt] = deadline;
    this.queue.push(deadline, r);
  }

  private scheduleGroup(g: GroupRec): void {
    if (!g.gone) this.scheduleRow(g.slot, rowDeadline(this.table.rows, g.slot));
  }

  /** When `o` next wants to run (ms), {@link OFF} for never. */
  private deadlineOf(o: Owner): number {
    if (o instanceof GroupRec) return o.gone ? OFF : rowDeadline(this.table.rows, o.slot);
    if ("group" in o && typeof o.group === "object") {
      if (o.group.gone || o.group.sources.get(o.addr) !== o) return OFF;
      return o.expiresMs;
    }
    return this.querier === o ? o.expiresMs : OFF;
  }

  private fire(o: Owner, t: number): void {
    if (o instanceof GroupRec) this.fireGroup(o, t);
    else if ("group" in o && typeof o.group === "object") this.fireSource(o as SourceRec, t);
    else {
      const q = o as QuerierRec;
      this.emit({ type: "querier-expired", querier: q.address });
      this.querier = null;
    }
  }

  private removeGroup(g: GroupRec, reason: "group-timer" | "no-sources"): void {
    g.gone = true;
    this.table.remove(g);
    this.emit({ type: "expiry", group: g.group, reason });
  }

  /** A source timer ran out (RFC 9776 §6.3, §6.5). */
  private fireSource(s: SourceRec, t: number): void {
    const g = s.group;
    if (s.expiresMs > t) return;
    if (g.mode === "include") {
      g.sources.delete(s.addr);
      if (this.recordingSources) this.emit({ type: "source-removed", group: g.group, source: numberToIPv4(s.addr), reason: "timer" });
      if (g.sources.size === 0) this.removeGroup(g, "no-sources");
    } else {
      // EXCLUDE mode: the source stays, timer 0, and is no longer forwarded (§6.3).
      s.expiresMs = OFF;
      if (this.recordingSources) this.emit({ type: "source-blocked", group: g.group, source: numberToIPv4(s.addr) });
    }
  }

  /** The group timer or an older-version host present timer ran out (RFC 9776 §6.5, §7.3.2; RFC 2236 §7). */
  private fireGroup(g: GroupRec, t: number): void {
    this.unquick(g);
    if (g.v1HostMs <= t) g.v1HostMs = OFF;
    if (g.v2HostMs <= t) g.v2HostMs = OFF;
    this.setDeadline(g);
    this.updateCompat(g);
    if (g.mode === "exclude" && this.groupTimer(g) <= t) {
      // Sources due at the same instant go first (timer 0), then the group timer expiry (§6.5): sources
      // with running timers are kept, the excluded ones are deleted, and the group goes to INCLUDE (or away
      // when nothing is left). Scanning the sources here is once per group timer expiry, not per frame.
      for (const s of g.sources.values()) {
        if (s.expiresMs <= t) {
          s.expiresMs = OFF;
          if (this.recordingSources) this.emit({ type: "source-blocked", group: g.group, source: numberToIPv4(s.addr) });
        }
      }
      for (const [addr, s] of g.sources) {
        if (s.expiresMs === OFF) {
          g.sources.delete(addr);
          if (this.recordingSources) this.emit({ type: "source-removed", group: g.group, source: numberToIPv4(addr), reason: "mode-change" });
        }
      }
      g.timerMs = OFF;
      this.setDeadline(g);
      if (g.sources.size === 0) {
        this.removeGroup(g, "group-timer");
        return;
      }
      this.setMode(g, "include");
    }
    if (g.mode === "include" && g.sources.size === 0) {
      this.removeGroup(g, "no-sources");
      return;
    }
    this.scheduleGroup(g);
  }

  private updateCompat(g: GroupRec): void {
    const next: CompatMode = g.v1HostMs !== OFF ? 1 : g.v2HostMs !== OFF ? 2 : 3;
    if (next !== g.compat) {
      this.unquick(g);
      this.emit({ type: "compat-change", group: g.group, from: g.compat, to: next });
      g.compat = next;
    }
  }

  private setMode(g: GroupRec, mode: FilterMode): void {
    if (g.mode === mode) return;
    this.unquick(g);
    if (this.recording) this.modeChanged(g.addr, g, g.mode, mode);
    g.mode = mode;
    this.setDeadline(g);
  }

  /**
   * The group timer, absolute ms ({@link OFF} in INCLUDE mode). A group marked quick is in EXCLUDE mode
   * without older-version hosts: its row's deadline is its group timer, the one number a quick refresh writes.
   */
  private groupTimer(g: GroupRec): number {
    const rows = this.table.rows;
    return !g.gone && rows[g.slot + ROW.quick] !== NO_HOST ? rows[g.slot + ROW.deadline]! : g.timerMs;
  }

  /** The row's deadline from the group's timers (after any of them, or the mode, changed). */
  private setDeadline(g: GroupRec): void {
    if (!g.gone) this.table.rows[g.slot + ROW.deadline] = Math.min(g.mode === "exclude" ? g.timerMs : OFF, g.v1HostMs, g.v2HostMs);
  }

  /** The group's reporters, sources or modes are about to change: its refreshes take the full path. */
  private unquick(g: GroupRec): void {
    const rows = this.table.rows;
    if (g.gone || rows[g.slot + ROW.quick] === NO_HOST) return;
    g.timerMs = rows[g.slot + ROW.deadline]!;
    rows[g.slot + ROW.quick] = NO_HOST;
  }

  private setGroupTimer(g: GroupRec, t: number): void {
    this.unquick(g);
    g.timerMs = t;
    this.setDeadline(g);
    // The group's entry is queued no later than each of its timers; a timer set no earlier than the entry
    // (a refresh) leaves it where it is: a number written, nothing else read.
    if (t < this.table.rows[g.slot + ROW.queuedAt]!) this.scheduleGroup(g);
  }

  private setSourceTimer(s: SourceRec, t: number): void {
    s.expiresMs = t;
    this.queue.schedule(s, t);
  }

  // -------------------------------------------------------------------------------------------------
  // Queries: election (§6.6.2) and timer updates (§6.6.1, §4.1.6, §4.1.7)

  private onQuery(m: MembershipMessage): void {
    const src = m.src;
    const version = m.version as 1 | 2 | 3;
    const cur = this.querier;
    // Lowest address wins. A query from the current querier refreshes the other-querier-present timer.
    if (cur === null || src === cur.addr || addrLess(src, cur.addr)) {
      const address = cur !== null && cur.addr === src ? cur.address : numberToIPv4(src);
      if (cur === null) this.emit({ type: "querier-elected", querier: address, version });
      else if (cur.addr !== src) this.emit({ type: "querier-changed", querier: address, previous: cur.address, version });
      if (cur === null || cur.addr !== src) this.querier = { addr: src, address, version, expiresMs: 0, queuedAt: Infinity };
    }
    const q = this.querier!;
    if (q.addr === src) {
      // Non-queriers adopt the querier's QRV and QQI (§4.1.6, §4.1.7); QRI comes from the general
      // query's Max Resp Time, LMQI from the group-specific query's (as Linux and FRR do).
      q.version = version;
      if (version === 3) {
        if (m.qrv !== 0) this.learn("robustness", m.qrv);
        if (m.qqi !== 0) this.learn("queryInterval", m.qqi);
      }
      if (m.group === 0) this.learn("queryResponseInterval", m.maxRespMs / 1000);
      else this.learn("lastMemberQueryInterval", m.maxRespMs / 1000);
      q.expiresMs = this.nowMs + this.cachedTimers.otherQuerierPresentInterval * 1000;
      this.queue.schedule(q, q.expiresMs);
    }
    if (m.group === 0) return;
    // A group(-and-source)-specific query with a clear S flag lowers the timers it names (§6.6.1).
    const g = this.lookup(m.group);
    if (this.recording && src !== this.self) this.emit({ type: "last-member-query", group: numberToIPv4(m.group), sources: m.querySources.map(numberToIPv4), observed: true });
    if (g === undefined || m.sFlag) return;
    if (m.querySources.length === 0) this.lowerGroupTimer(g);
    else this.lowerSourceTimers(g, m.querySources);
  }

  private lmqtMs(): number {
    return this.cachedTimers.lastMemberQueryTime * 1000;
  }

  private lowerGroupTimer(g: GroupRec): void {
    const lmqt = this.nowMs + this.lmqtMs();
    const gt = this.groupTimer(g);
    if (g.mode === "exclude" && gt !== OFF && gt > lmqt) this.setGroupTimer(g, lmqt);
  }

  private lowerSourceTimers(g: GroupRec, sources: Iterable<number>): void {
    const lmqt = this.nowMs + this.lmqtMs();
    for (const a of sources) {
      const s = g.sources.get(a);
      if (s && s.expiresMs !== OFF && s.expiresMs > lmqt) this.setSourceTimer(s, lmqt);
    }
  }

  /** Whether "Send Q(G)" / "Send Q(G,S)" is acted out here: no querier is known, or it is us ({@link MonitorConfig.self}). */
  private acting(): boolean {
    return this.querier === null || this.querier.addr === this.self;
  }

  /**
   * "Send Q(G)" / "Send Q(G,S)": seen from the wire when another router is the querier, acted out when
   * there is none or it is us. `sources` is computed only then (it may mean looking at every source of the group).
   */
  private sendQuery(g: GroupRec, sources: (() => number[]) | null): void {
    if (!this.acting()) return;
    if (sources === null) {
      this.emit({ type: "last-member-query", group: g.group, sources: [], observed: false });
      this.lowerGroupTimer(g);
      return;
    }
    const list = sources();
    if (list.length > 0) {
      if (this.recording) this.emit({ type: "last-member-query", group: g.group, sources: list.map(numberToIPv4), observed: false });
      this.lowerSourceTimers(g, list);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Reports (§6.4, §7.3.2)

  private lookup(group: number): GroupRec | undefined {
    const r = this.table.find(group);
    return r < 0 ? undefined : this.owner(r);
  }

  /** The group of row `r` (its first index), its object made now when the row has none yet ({@link joinQuick}). */
  private owner(r: number): GroupRec {
    return this.table.ownerAt(r) ?? this.materialize(r);
  }

  /**
   * The object of a group {@link joinQuick} made without one: what the row says (EXCLUDE, no sources, IGMPv3
   * hosts only, the row's quick host its lone and last reporter, the group timer the row's deadline).
   */
  private materialize(r: number): GroupRec {
    const rows = this.table.rows;
    const g = new GroupRec(rows[r + ROW.key]!);
    const host = rows[r + ROW.quick]!;
    g.mode = "exclude";
    g.reporter = host;
    g.lastReporter = host;
    this.table.adopt(r, g);
    return g;
  }

  /**
   * A group's first record, an IS_EX({}) or TO_EX({}) from `host`, as the full path leaves it (its join and
   * mode change; EXCLUDE, no sources, the host its lone and last reporter, the group timer at GMI, quick for
   * the host) but with a row alone: no object until something asks for one ({@link owner}). At LAN scale most
   * groups never do (their members refresh them through the quick path), and 100,000 objects made at once
   * were most of what the garbage collector copied. False when not taken (the tests' full-path state).
   */
  private joinQuick(group: number, host: number): boolean {
    const r = this.table.insert(group, undefined);
    if (this.recording) {
      this.joined(group, null, host, 3);
      this.modeChanged(group, null, "include", "exclude");
    }
    const rows = this.table.rows;
    rows[r + ROW.deadline] = this.nowMs + this.cachedTimers.groupMembershipInterval * 1000;
    rows[r + ROW.queuedAt] = rows[r + ROW.deadline]!;
    this.queue.pushAt(rows, r + ROW.deadline, r);
    rows[r + ROW.quick] = host;
    return true;
  }

  private getGroup(group: number, reporter: number, version: 1 | 2 | 3): GroupRec {
    let g = this.lookup(group);
    if (g === undefined) {
      g = new GroupRec(group);
      this.table.insert(group, g);
      if (this.recording) this.joined(group, g, reporter, version);
    }
    return g;
  }

  /**
   * A group's join event, to the sink (addresses) or the list (dotted quads: the group's own name when it
   * has its object `g`, made here when it has not). A literal, not emit's spread: one of the two events of
   * every group at LAN scale.
   */
  private joined(group: number, g: GroupRec | null, reporter: number, version: 1 | 2 | 3): void {
    const frame = this.current?.frame ?? null;
    if (this.sink !== null) this.sink.join(this.eventTime(), frame, group, reporter, version);
    else this.events.push({ time: this.eventTime(), frame, type: "join", group: g?.group ?? numberToIPv4(group), reporter: this.hostName(reporter), version });
  }

  /** A group's mode change event, as {@link joined}. */
  private modeChanged(group: number, g: GroupRec | null, from: FilterMode, to: FilterMode): void {
    const frame = this.current?.frame ?? null;
    if (this.sink !== null) this.sink.modeChange(this.eventTime(), frame, group, from, to);
    else this.events.push({ time: this.eventTime(), frame, type: "mode-change", group: g?.group ?? numberToIPv4(group), from, to });
  }

  private onOldReport(src: number, group: number, version: 1 | 2): void {
    if (!isMulticastN(group)) return;
    const g = this.getGroup(group, src, version);
    const until = this.nowMs + this.cachedTimers.olderHostPresentInterval * 1000;
    if (version === 1) g.v1HostMs = until;
    else g.v2HostMs = until;
    this.setDeadline(g);
    this.scheduleGroup(g);
    this.updateCompat(g);
    g.lastReporter = src;
    this.unquick(g);
    addReporter(g, src);
    // An IGMPv1/v2 report is an IS_EX({}) (§7.3.2).
    this.apply(g, IS_EX, NO_SOURCES);
  }

  private onLeave(src: number, group: number): void {
    const g = this.lookup(group);
    if (g === undefined) return;
    // In IGMPv1 compatibility mode leaves are ignored (§7.3.2).
    if (g.compat === 1) return;
    this.unquick(g);
    deleteReporter(g, src);
    this.emit({ type: "leave", group: g.group, reporter: this.hostName(src), version: 2 });
    // A Leave is a TO_IN({}) (§7.3.2).
    this.apply(g, TO_IN, NO_SOURCES);
  }

  /**
   * @internal Take a v3 report from `src` of `n` records, each an IS_EX({}) or TO_EX({}) (the caller knows
   * this: it has taken the same report before), when every record would take {@link onRecord}'s quick
   * path: a refresh from a member of an EXCLUDE({}) group whose timer does not go down. Record `i`'s group
   * is `at[k]` and its row is not looked up but given, `at[k + 1]`, with k = `from` + `stride` * i: the slot
   * the group had when the report was last taken ({@link recordSlots}), checked against the group's
   * address (slots change when the table grows). The clock must have been {@link advance}d to the report.
   * Does what the full path would do for such records (group timers, last reporters) and returns true;
   * returns false when a record would not take the quick path, and then the report is to be {@link take}n
   * (the records before it, refreshed here, are refreshed the same again: a quick refresh done twice at one
   * time is done once). For the statistics, which keep a host's repeated reports and so know where their
   * groups are (see stats.ts).
   */
  refreshRepeat(src: number, n: number, at: Int32Array, from: number, stride: number): boolean {
    const rows = this.table.rows;
    const gmi = this.nowMs + this.cachedTimers.groupMembershipInterval * 1000;
    for (let i = 0; i < n; i++) {
      const k = from + stride * i;
      const group = at[k]!;
      if (!isMulticastN(group) || isSsmN(group)) return false;
      const r = this.table.rowAt(at[k + 1]!);
      if (r < 0 || r >= rows.length || rows[r + ROW.key] !== group || gmi < rows[r + ROW.deadline]!) return false;
      const q = rows[r + ROW.quick]!;
      if (q === src) rows[r + ROW.deadline] = gmi;
      else if (q === MANY) {
        const g = this.owner(r);
        if (!g.reporters!.has(src)) return false;
        rows[r + ROW.deadline] = gmi;
        g.lastReporter = src;
      } else return false;
    }
    return true;
  }

  private onRecord(m: MembershipMessage, i: number): void {
    const op = m.recordType[i]!;
    const group = m.recordGroup[i]!;
    const src = m.src;
    if (op < IS_IN || op > BLOCK || !isMulticastN(group)) return;
    // Routers ignore exclude-mode records for SSM groups (RFC 4604 §2.2.3).
    if (isSsmN(group) && (op === IS_EX || op === TO_EX)) return;
    const r = this.table.find(group);
    this.recordSlots[i] = this.table.slotOf(r); // (-1 stays -1)
    if (r >= 0 && (op === IS_EX || op === TO_EX) && m.recordStart[i] === m.recordEnd[i]) {
      // The quick path: a member refreshing an EXCLUDE({}) group it reports (see `quickAfter`), when the
      // group timer does not go down: only the timer and the last reporter change, no event, no queue entry
      // moved (the full path below does exactly that for this record).
      const rows = this.table.rows;
      const gmi = this.nowMs + this.cachedTimers.groupMembershipInterval * 1000;
      const q = rows[r + ROW.quick]!;
      // (a lone reporter is already the last one)
      if (q === src && gmi >= rows[r + ROW.deadline]!) {
        rows[r + ROW.deadline] = gmi;
        return;
      }
      if (q === MANY && gmi >= rows[r + ROW.deadline]!) {
        const g = this.owner(r);
        if (g.reporters!.has(src)) {
          rows[r + ROW.deadline] = gmi;
          g.lastReporter = src;
          return;
        }
      }
    }
    // a new group's first record, a member joining: the row alone (its object when first asked for)
    if (r < 0 && (op === IS_EX || op === TO_EX) && m.recordStart[i] === m.recordEnd[i] && this.joinQuick(group, src)) return;
    const existing = r >= 0 ? this.owner(r) : undefined;
    let sources = m.recordStart[i] === m.recordEnd[i] ? NO_SOURCES : m.sourcesOf(i);
    if (existing && existing.compat < 3) {
      // Older-version hosts present: BLOCK is ignored and TO_EX carries no sources (§7.3.2).
      if (op === BLOCK) return;
      if (op === TO_EX) sources = NO_SOURCES;
    }
    const leaving = (op === TO_IN || op === IS_IN) && sources.length === 0;
    if (existing === undefined && (leaving || op === BLOCK)) return;
    const g = existing ?? this.getGroup(group, src, 3);
    this.unquick(g);
    g.lastReporter = src;
    if (leaving) {
      if (op === TO_IN) {
        deleteReporter(g, src);
        this.emit({ type: "leave", group: g.group, reporter: this.hostName(src), version: 3 });
      }
    } else if (op !== BLOCK) addReporter(g, src);
    this.apply(g, op, sources);
    if (g.mode === "include" && g.sources.size === 0 && !g.gone) this.removeGroup(g, "no-sources");
    else this.quickAfter(g, src);
  }

  /**
   * After a record from `host`: the group's next IS_EX({}) / TO_EX({}) from one of its reporters may take
   * the quick path when such a record would change nothing but the group timer and the last reporter:
   * EXCLUDE mode with no sources, no older-version hosts. The row names the reporter when there is one
   * (`host`), or says {@link MANY} (then the group's set is asked). Anything that changes one of those
   * first clears it ({@link unquick}).
   */
  private quickAfter(g: GroupRec, host: number): void {
    if (g.gone || g.mode !== "exclude" || g.compat !== 3 || g.sources.size !== 0) return;
    if (g.reporters !== null) this.table.rows[g.slot + ROW.quick] = MANY;
    else if (g.reporter === host) this.table.rows[g.slot + ROW.quick] = host;
  }

  private addSource(g: GroupRec, a: number, expiresMs: number): void {
    this.unquick(g);
    const s: SourceRec = { addr: a, group: g, expiresMs, queuedAt: Infinity };
    if (g.sources === NO_SOURCE_RECS) g.sources = new Map();
    g.sources.set(a, s);
    this.queue.schedule(s, expiresMs);
    if (this.recordingSources) this.emit({ type: "source-added", group: g.group, source: numberToIPv4(a), forwarding: expiresMs !== OFF });
  }

  private deleteSource(g: GroupRec, a: number): void {
    if (g.sources.delete(a) && this.recordingSources) this.emit({ type: "source-removed", group: g.group, source: numberToIPv4(a), reason: "report" });
  }

  /** Set timers of `list` to GMI, adding the ones missing. */
  private setGmi(g: GroupRec, list: readonly number[]): void {
    const t = this.nowMs + this.cachedTimers.groupMembershipInterval * 1000;
    for (const a of list) {
      const s = g.sources.get(a);
      if (s) this.setSourceTimer(s, t);
      else this.addSource(g, a, t);
    }
  }

  /**
   * The state tables of RFC 9776 §6.4.1 and §6.4.2, without building the sets A, X, Y: every step looks up
   * the record's sources (B) or walks the group's sources only where the table deletes them, so a report is
   * not charged for the size of a group it leaves unchanged.
   */
  private apply(g: GroupRec, op: number, list: readonly number[]): void {
    const gmi = this.nowMs + this.cachedTimers.groupMembershipInterval * 1000;
    if (list.length === 0 && (op === IS_EX || op === TO_EX)) {
      // The common refresh, IS_EX({}) (and every v1/v2 report): both tables reduce to "delete every source,
      // EXCLUDE, Group Timer = GMI" (A*B, B-A, Y*A and the queries' source lists are all empty).
      if (g.sources.size > 0) for (const a of [...g.sources.keys()]) this.deleteSource(g, a);
      this.setMode(g, "exclude");
      this.setGroupTimer(g, gmi);
      return;
    }
    // (no closure or set for the common record without sources: nothing allocated per refresh)
    let B: Set<number> | null = null;
    const inB = (a: number) => (list.length <= 8 ? list.includes(a) : (B ??= new Set(list)).has(a));
    if (g.mode === "include") {
      switch (op) {
        case IS_IN:
        case ALLOW:
          this.setGmi(g, list);
          return;
        case TO_IN: {
          // INCLUDE (A+B); (B)=GMI; Send Q(G,A-B)
          const before = this.acting() ? [...g.sources.keys()] : [];
          this.setGmi(g, list);
          this.sendQuery(g, () => before.filter((a) => !inB(a)));
          return;
        }
        case BLOCK:
          this.sendQuery(g, () => list.filter((a) => g.sources.has(a)));
          return;
        case IS_EX:
        case TO_EX: {
          // EXCLUDE (A*B, B-A); (B-A)=0; Delete (A-B); Group Timer=GMI
          const inA = op === TO_EX && this.acting() ? list.filter((a) => g.sources.has(a)) : [];
          if (g.sources.size > 0) for (const a of [...g.sources.keys()]) if (!inB(a)) this.deleteSource(g, a);
          this.setMode(g, "exclude");
          for (const b of list) if (!g.sources.has(b)) this.addSource(g, b, OFF);
          this.setGroupTimer(g, gmi);
          if (op === TO_EX) this.sendQuery(g, () => inA);
          return;
        }
        default:
          return;
      }
    }
    // EXCLUDE (X, Y): X = sources with running timers, Y = excluded (timer 0).
    switch (op) {
      case IS_IN:
      case ALLOW:
        // EXCLUDE (X+A, Y-A); (A)=GMI
        this.setGmi(g, list);
        return;
      case TO_IN: {
        // EXCLUDE (X+A, Y-A); (A)=GMI; Send Q(G,X-A); Send Q(G)
        const X = this.acting() ? [...g.sources.values()].filter((s) => s.expiresMs !== OFF).map((s) => s.addr) : [];
        this.setGmi(g, list);
        this.sendQuery(g, () => X.filter((x) => !inB(x)));
        this.sendQuery(g, null);
        return;
      }
      case BLOCK: {
        // EXCLUDE (X+(A-Y), Y); (A-X-Y)=Group Timer; Send Q(G,A-Y)
        const notY = list.filter((a) => g.sources.get(a)?.expiresMs !== OFF);
        for (const a of list) if (!g.sources.has(a)) this.addSource(g, a, this.groupTimer(g));
        this.sendQuery(g, () => notY);
        return;
      }
      case IS_EX:
      case TO_EX: {
        // EXCLUDE (A-Y, Y*A); (A-X-Y)=GMI (IS_EX) or Group Timer (TO_EX); Delete (X-A); Delete (Y-A)
        const notY = op === TO_EX && this.acting() ? list.filter((a) => g.sources.get(a)?.expiresMs !== OFF) : [];
        if (g.sources.size > 0) for (const a of [...g.sources.keys()]) if (!inB(a)) this.deleteSource(g, a);
        const fresh = op === IS_EX ? gmi : this.groupTimer(g);
        for (const a of list) if (!g.sources.has(a)) this.addSource(g, a, fresh);
        if (op === TO_EX) this.sendQuery(g, () => notY);
        this.setGroupTimer(g, gmi);
        return;
      }
      default:
        return;
    }
  }
}

const NO_SOURCES: readonly number[] = Object.freeze([]);
/**
 * The source map of a group without sources (most groups: IS_EX({}) joins), shared: a group gets its own
 * map with its first source (only `addSource` writes to a group's map).
 */
const NO_SOURCE_RECS: Map<number, SourceRec> = new Map();

type DistributiveOmitBase<T> = T extends unknown ? Omit<T, "time" | "frame"> : never;

/** Run a whole stream of frames through a fresh {@link MonitorState}; events in order and the final snapshot. */
export function monitorFrames(
  frames: Iterable<DecodedFrame>,
  config: MonitorConfig = {},
): { events: MonitorEvent[]; snapshot: MonitorSnapshot; state: MonitorState } {
  const state = new MonitorState(config);
  const events: MonitorEvent[] = [];
  for (const f of frames) for (const e of state.receive(f)) events.push(e);
  return { events, snapshot: state.snapshot(), state };
}
