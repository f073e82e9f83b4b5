/**
 * Statistics over a capture, in the spirit of `tshark -z`: per group, per host, per querier, and the
 * response delays against the Max Resp Time, plus the timelines `igmpkit report` draws. Built on the
 * monitor's state machine ({@link MonitorState}: joins, leaves, expiries, mode changes, last-member
 * queries and querier elections are its events, so the numbers are the router's view) and on the same
 * reusable {@link MembershipMessage} the linter reads, so a frame costs what it costs the monitor: work
 * per message and per record, never a scan over all groups or hosts.
 *
 * Sans-IO like the rest of src/monitor: frames (or their bytes) in, plain JSON-ready values out.
 *
 * Response delays: the time from a query to the first answer of each host. A general query is answered by
 * a v3 report with a current-state record (MODE_IS_INCLUDE/EXCLUDE, RFC 9776 §5.2) or by a v1/v2 report
 * for a group the host was a member of before the query (a report for a new group is a join, not an
 * answer); a group-specific query by such a report for that group from one of its members. Link-local
 * groups (224.0.0.x) are never reported for (RFC 9776 §5), so they are left out, as `lint` does.
 */
import { decodeFrame, FrameView, groupRecordKind, numberToIPv4, ViewStatus, ipv4ToNumber, type DecodedFrame } from "../wire/index.js";
import { addr32, formatTimeMs, frameTimeMs, isLinkLocalN, MembershipMessage, MessageKind, MessageStatus } from "./message.js";
import type { LanCheckFactory } from "./lint-model.js";
import { MonitorState, type MonitorConfig, type MonitorEvent, type MonitorTimers } from "./state.js";

/** Count, percentiles and maximum of a list of delays (ms in, seconds out). */
export interface DelaySummary {
  count: number;
  /** Seconds. null when `count` is 0. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** Answers later than the query's Max Resp Time. */
  late: number;
}

/** What groups and hosts share: when they were seen and the reports, records and leaves about or from them. */
export interface ReportCounts {
  /** VLAN tag path (outer first) when the capture was tagged. */
  vlan?: number[];
  firstSeen: string;
  lastSeen: string;
  /** Report messages (naming the group, or sent by the host), by IGMP version. */
  reports: { v1: number; v2: number; v3: number };
  /** IGMPv3 group records, by RFC record name. */
  records: Record<string, number>;
  /** v2 Leave messages. */
  leaveMessages: number;
}

/** Per group: what was said about it and what the router made of it. Times are the model's time strings. */
export interface GroupStats extends ReportCounts {
  group: string;
  /** Hosts seen reporting the group. */
  membersSeen: number;
  /** The monitor's events for the group. */
  joins: number;
  leaves: number;
  expiries: number;
  modeChanges: number;
  lastMemberQueries: number;
  /** Group-specific and group-and-source-specific queries seen. */
  groupQueries: number;
}

/** Per host (a source of reports or leaves). */
export interface HostStats extends ReportCounts {
  host: string;
  /** Distinct groups the host reported. */
  groups: number;
  /** Its answers to queries. */
  responses: DelaySummary;
}

/** Per querier (a source of queries). */
export interface QuerierStats {
  querier: string;
  vlan?: number[];
  firstSeen: string;
  lastSeen: string;
  queries: { generalV1: number; generalV2: number; generalV3: number; groupSpecific: number; groupAndSourceSpecific: number };
  /** Seconds between its consecutive general queries. */
  interval: { count: number; min: number | null; median: number | null; max: number | null };
  /** The Querier's Query Interval its v3 queries advertise (seconds; the last one seen), null without v3 queries. */
  advertisedQqi: number | null;
  /** QRV its v3 queries advertise (last seen). */
  advertisedQrv: number | null;
  /** Max Resp Times of its queries, seconds → count. */
  maxRespTime: Record<string, number>;
  /** Whether the monitor took it for the querier at some point. */
  elected: boolean;
}

/** Everything `igmpkit stats` prints for one capture. */
export interface IgmpStats {
  frames: number;
  /** Membership messages whose checksums verify (the ones counted below). */
  messages: number;
  badChecksums: number;
  malformed: number;
  firstTime: string | null;
  lastTime: string | null;
  /** Busiest first (messages naming the group). */
  groups: GroupStats[];
  /** Busiest first. */
  hosts: HostStats[];
  queriers: QuerierStats[];
  responseDelays: { general: DelaySummary; groupSpecific: DelaySummary };
  /** The protocol variables in force at the end (per LAN: the untagged one, or the first). */
  timers: MonitorTimers;
}

/** A group's life over time, for drawing. Times are ms on the capture clock. */
export interface GroupTimeline {
  group: string;
  vlan: string;
  /** Messages naming the group. */
  activity: number;
  /** [time, members] whenever the count of current members changes. */
  members: number[];
  /** [time, 0 include / 1 exclude] at each mode change. */
  modes: number[];
  expiries: number[];
  /** [time, frame] of each leave event. */
  leaves: number[];
  /** [time, observed 1/0] of each last-member query. */
  lastMemberQueries: number[];
}

/** The querier's life over time, for drawing. */
export interface QuerierTimeline {
  vlan: string;
  /** Monitor events: elected, changed, expired. */
  events: { timeMs: number; type: string; querier: string }[];
  /** [time, querier address as number, Max Resp Time ms, advertised QQI s (0 unknown)] per general query. */
  generalQueries: number[];
}

/** The response delays one by one, for drawing: [query time, delay ms, Max Resp Time ms, 1 general / 0 group]. */
export type DelayPoints = number[];

/** A host seen reporting a group. */
interface Member {
  /** Its address in signed 32-bit form. */
  host: number;
  /** Index of the group-specific query this member last answered. */
  answeredGsq: number;
  /** A member now (reported and not left or expired since). */
  current: boolean;
}

/**
 * A group and its first member: the host fields are those of the first host seen reporting it (none
 * while `seenCount` is 0), so at LAN scale, where most groups have one or a few members, a report's record reaches
 * its group and the member in one object.
 */
interface GroupRec extends Member {
  /** The address in signed 32-bit form (a small integer, not a boxed number: see {@link GroupIndex}). */
  n: number;
  /** Its place in the {@link GroupIndex} (where its last-seen time is kept). */
  i: number;
  firstMs: number;
  v1: number;
  v2: number;
  v3: number;
  /** Record counts by type (0 unknown, 1-6 the RFC's), in the object: at 100,000 groups an array of its own is one cache miss more per record. */
  r0: number;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
  r6: number;
  leaveMessages: number;
  /**
   * The hosts seen reporting the group after the first (those with `current` set are its members now),
   * made for the second: a Map per group is a bucket, an entry and a backing store to reach.
   */
  more: Map<number, Member> | null;
  /** How many hosts have been seen, how many of them are members now. */
  seenCount: number;
  currentCount: number;
  /** The member count the timeline ends with (-1 before its first point). */
  plotted: number;
  joins: number;
  leaves: number;
  expiries: number;
  modeChanges: number;
  lmq: number;
  groupQueries: number;
  gsq: { atMs: number; maxRespMs: number; idx: number } | null;
  timeline: GroupTimeline | null;
}

interface HostRec {
  n: number;
  firstMs: number;
  lastMs: number;
  v1: number;
  v2: number;
  v3: number;
  records: number[];
  leaveMessages: number;
  /** Groups it reported (each group's hosts are counted once, so this is their number). */
  groups: number;
  answered: number;
  delays: number[];
  late: number;
}

interface QuerierRec {
  n: number;
  firstMs: number;
  lastMs: number;
  g1: number;
  g2: number;
  g3: number;
  gs: number;
  gss: number;
  lastGeneralMs: number | null;
  intervals: number[];
  qqi: number | null;
  qrv: number | null;
  maxResp: Map<number, number>;
  elected: boolean;
}

/**
 * A LAN's groups by address: open addressing over the records themselves, each slot's key checked in its
 * record (which the caller reads next anyway). A Map of 100,000 groups cost a bucket, an entry and then
 * the record, three cache misses on every group record of every report; this costs the slot and the
 * record. Keys are the signed 32-bit form of the address, a small integer for every multicast group.
 */
class GroupIndex {
  private slots: (GroupRec | undefined)[] = new Array<GroupRec | undefined>(1024).fill(undefined);
  private mask = 1023;
  /** 32 - log2(slots): Fibonacci hashing, the top bits of the key times 2^32 / phi (lower bits cluster on consecutive groups, and every extra probe here is a record's cache miss). */
  private shift = 22;
  /** In the order they were added (what `values()` gives, as a Map's would). */
  private readonly list: GroupRec[] = [];
  /**
   * When each was last seen, by its place in `list`: a time in ms is no small integer, and in the record
   * it would be a boxed number of its own, one more cache miss on every record.
   */
  private last = new Float64Array(1024);

  get size(): number {
    return this.list.length;
  }

  get(n: number): GroupRec | undefined {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = Math.imul(n, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const g = slots[i];
      if (g === undefined || g.n === n) return g;
    }
  }

  /** `g` (of this index) seen at `t`. */
  seen(g: GroupRec, t: number): void {
    if (t > this.last[g.i]!) this.last[g.i] = t;
  }

  lastMs(g: GroupRec): number {
    return this.last[g.i]!;
  }

  /** Add `g`, whose address is not in the index and whose `i` is the index's size. */
  add(g: GroupRec): void {
    if (this.list.length === this.last.length) {
      const b = new Float64Array(this.last.length * 2);
      b.set(this.last);
      this.last = b;
    }
    this.last[this.list.length] = Number.NEGATIVE_INFINITY;
    if ((this.list.length + 1) * 2 > this.mask + 1) {
      this.mask = this.mask * 2 + 1;
      this.shift--;
      this.slots = new Array<GroupRec | undefined>(this.mask + 1).fill(undefined);
      for (const x of this.list) this.place(x);
    }
    this.place(g);
    this.list.push(g);
  }

  private place(g: GroupRec): void {
    const mask = this.mask;
    let i = Math.imul(g.n, 0x9e3779b1) >>> this.shift;
    while (this.slots[i] !== undefined) i = (i + 1) & mask;
    this.slots[i] = g;
  }

  values(): readonly GroupRec[] {
    return this.list;
  }
}

/** `host`'s entry in `g`, if it has reported the group. */
function memberOf(g: GroupRec, host: number): Member | undefined {
  const k = host | 0;
  if (g.host === k && g.seenCount > 0) return g;
  return g.more?.get(k);
}

/** Count a record of type `k` (0 unknown, 1-6). */
function countRecord(g: GroupRec, k: number): void {
  switch (k) {
    case 1:
      g.r1++;
      break;
    case 2:
      g.r2++;
      break;
    case 3:
      g.r3++;
      break;
    case 4:
      g.r4++;
      break;
    case 5:
      g.r5++;
      break;
    case 6:
      g.r6++;
      break;
    default:
      g.r0++;
  }
}

/** One LAN (one VLAN tag path): its router state (its own, or the linter's), as in `lint`. */
class LanStats {
  readonly groups = new GroupIndex();
  readonly hosts = new Map<number, HostRec>();
  readonly queriers = new Map<number, QuerierRec>();
  readonly querierEvents: QuerierTimeline["events"] = [];
  readonly generalQueries: number[] = [];
  general: { atMs: number; maxRespMs: number; idx: number } | null = null;
  private queryIdx = 0;
  /** The groups of the v3 report being counted, by record. */
  private readonly recs: GroupRec[] = [];

  constructor(
    readonly vlan: string,
    readonly state: MonitorState,
    private readonly out: StatsCollector,
  ) {}

  private group(n: number, t: number): GroupRec {
    let g = this.groups.get(n | 0);
    if (g === undefined) {
      // the fields a report's record touches first (they share the object's first cache lines)
      g = { n: n | 0, i: this.groups.size, host: 0, current: false, seenCount: 0, currentCount: 0, plotted: -1, v3: 0, r2: 0, r1: 0, r3: 0, r4: 0, r5: 0, r6: 0, r0: 0, v1: 0, v2: 0, answeredGsq: -1, timeline: null, more: null, gsq: null, leaveMessages: 0, joins: 0, leaves: 0, expiries: 0, modeChanges: 0, lmq: 0, groupQueries: 0, firstMs: t };
      if (this.out.keepTimelines) g.timeline = { group: numberToIPv4(n >>> 0), vlan: this.vlan, activity: 0, members: [], modes: [], expiries: [], leaves: [], lastMemberQueries: [] };
      this.groups.add(g);
    }
    this.groups.seen(g, t);
    return g;
  }

  private host(n: number, t: number): HostRec {
    let h = this.hosts.get(n | 0);
    if (h === undefined) {
      h = { n, firstMs: t, lastMs: t, v1: 0, v2: 0, v3: 0, records: [0, 0, 0, 0, 0, 0, 0], leaveMessages: 0, groups: 0, answered: -1, delays: [], late: 0 };
      this.hosts.set(n | 0, h);
    }
    if (t > h.lastMs) h.lastMs = t;
    return h;
  }

  private querier(n: number, t: number): QuerierRec {
    let q = this.queriers.get(n);
    if (q === undefined) {
      q = { n, firstMs: t, lastMs: t, g1: 0, g2: 0, g3: 0, gs: 0, gss: 0, lastGeneralMs: null, intervals: [], qqi: null, qrv: null, maxResp: new Map(), elected: false };
      this.queriers.set(n, q);
    }
    if (t > q.lastMs) q.lastMs = t;
    return q;
  }

  private setMembers(g: GroupRec, t: number): void {
    const tl = g.timeline;
    // unchanged since the last point: the timeline (an object of its own) is not touched
    if (tl === null || g.currentCount === g.plotted) return;
    const n = g.currentCount;
    g.plotted = n;
    const m = tl.members;
    if (m.length >= 2 && m[m.length - 1] === n) return;
    if (m.length >= 2 && m[m.length - 2] === t) m[m.length - 1] = n;
    else m.push(t, n);
  }

  /** Make `member` of `g` a member now, or not. */
  private setCurrent(g: GroupRec, member: Member, on: boolean): void {
    if (member.current === on) return;
    member.current = on;
    g.currentCount += on ? 1 : -1;
  }

  /**
   * A report from `h` for group `g` (not a leave): answers, membership; returns the host's entry in the
   * group. `current` says whether it is a current-state record.
   */
  private reported(h: HostRec, g: GroupRec, t: number, current: boolean, v12: boolean): Member {
    const linkLocal = isLinkLocalN(g.n);
    let member = memberOf(g, h.n);
    const wasMember = member !== undefined && member.current;
    if (!linkLocal) {
      // general query: a v3 current-state record, or a v1/v2 report from a member of before the query
      const q = this.general;
      if (q !== null && h.answered !== q.idx && (v12 ? wasMember : current)) {
        h.answered = q.idx;
        this.out.delay(h, t - q.atMs, q.maxRespMs, q.atMs, true);
      }
      const gq = g.gsq;
      if (gq !== null && member !== undefined && member.answeredGsq !== gq.idx && wasMember && (v12 || current)) {
        member.answeredGsq = gq.idx;
        this.out.delay(h, t - gq.atMs, gq.maxRespMs, gq.atMs, false);
      }
    }
    if (member === undefined) {
      if (g.seenCount === 0) {
        g.host = h.n | 0;
        member = g;
      } else {
        member = { host: h.n | 0, answeredGsq: -1, current: false };
        (g.more ??= new Map()).set(h.n | 0, member);
      }
      g.seenCount++;
      h.groups++;
    }
    return member;
  }

  /** A message the state has taken, and the events it (and the timers due before it) gave. */
  observe(m: MembershipMessage, events: readonly MonitorEvent[]): void {
    if (m.status === MessageStatus.ok) this.count(m, m.timeMs);
    if (events.length > 0) this.onEvents(events);
  }

  /** Fire the timers up to `t` (the end of the capture). */
  advance(t: number): void {
    const events = this.state.advance(t);
    if (events.length > 0) this.onEvents(events);
  }

  private count(m: MembershipMessage, t: number): void {
    this.out.messages++;
    switch (m.kind) {
      case MessageKind.query: {
        const q = this.querier(m.src, t);
        q.maxResp.set(m.maxRespMs, (q.maxResp.get(m.maxRespMs) ?? 0) + 1);
        if (m.group === 0) {
          if (m.version === 1) q.g1++;
          else if (m.version === 2) q.g2++;
          else if (m.version === 3) q.g3++;
          if (m.version === 3) {
            q.qqi = m.qqi === 0 ? 125 : m.qqi;
            q.qrv = m.qrv === 0 ? 2 : m.qrv;
          }
          if (q.lastGeneralMs !== null) q.intervals.push(t - q.lastGeneralMs);
          q.lastGeneralMs = t;
          this.general = { atMs: t, maxRespMs: m.maxRespMs, idx: this.queryIdx++ };
          if (this.out.keepTimelines) this.generalQueries.push(t, m.src, m.maxRespMs, m.version === 3 ? (m.qqi === 0 ? 125 : m.qqi) : 0);
        } else {
          if (m.querySources.length > 0) q.gss++;
          else q.gs++;
          const g = this.group(m.group, t);
          g.groupQueries++;
          if (m.querySources.length === 0) g.gsq = { atMs: t, maxRespMs: m.maxRespMs, idx: this.queryIdx++ };
        }
        break;
      }
      case MessageKind.v1Report:
      case MessageKind.v2Report: {
        const h = this.host(m.src, t);
        const g = this.group(m.group, t);
        if (m.kind === MessageKind.v1Report) {
          h.v1++;
          g.v1++;
        } else {
          h.v2++;
          g.v2++;
        }
        this.setCurrent(g, this.reported(h, g, t, true, true), true);
        this.setMembers(g, t);
        break;
      }
      case MessageKind.leave: {
        const h = this.host(m.src, t);
        const g = this.group(m.group, t);
        h.leaveMessages++;
        g.leaveMessages++;
        break;
      }
      case MessageKind.v3Report: {
        const h = this.host(m.src, t);
        h.v3++;
        let current = false;
        for (let i = 0; i < m.recordCount; i++) if (m.recordType[i] === 1 || m.recordType[i] === 2) current = true;
        // the records' groups first, one after another, so that at 100,000 groups their cache misses
        // overlap instead of each waiting behind the previous record's work (as the monitor's own rows)
        const recs = this.recs;
        for (let i = 0; i < m.recordCount; i++) recs[i] = this.group(m.recordGroup[i]!, t);
        for (let i = 0; i < m.recordCount; i++) {
          const type = m.recordType[i]!;
          const g = recs[i]!;
          const k = type >= 1 && type <= 6 ? type : 0;
          countRecord(g, k);
          h.records[k]!++;
          g.v3++;
          const member = this.reported(h, g, t, current, false);
          // INCLUDE {} (IS_IN or TO_IN without sources) is a leave; everything else keeps the host a member
          const empty = m.recordEnd[i] === m.recordStart[i];
          if ((type === 1 || type === 3) && empty) this.setCurrent(g, member, false);
          else if (type !== 6) this.setCurrent(g, member, true);
          this.setMembers(g, t);
        }
        break;
      }
      default:
        break;
    }
  }

  private onEvents(events: readonly MonitorEvent[]): void {
    for (const e of events) {
      const t = frameTimeMs(e.time);
      switch (e.type) {
        case "join":
          this.group(addr32(e.group), t).joins++;
          break;
        case "leave": {
          const g = this.group(addr32(e.group), t);
          g.leaves++;
          const member = e.reporter !== null ? memberOf(g, addr32(e.reporter)) : undefined;
          if (member !== undefined) this.setCurrent(g, member, false);
          this.setMembers(g, t);
          g.timeline?.leaves.push(t, e.frame ?? 0);
          break;
        }
        case "expiry": {
          const g = this.group(addr32(e.group), t);
          g.expiries++;
          g.current = false;
          if (g.more !== null) for (const member of g.more.values()) member.current = false;
          g.currentCount = 0;
          this.setMembers(g, t);
          g.timeline?.expiries.push(t);
          break;
        }
        case "mode-change": {
          const g = this.group(addr32(e.group), t);
          g.modeChanges++;
          g.timeline?.modes.push(t, e.to === "exclude" ? 1 : 0);
          break;
        }
        case "last-member-query": {
          const g = this.group(addr32(e.group), t);
          g.lmq++;
          g.timeline?.lastMemberQueries.push(t, e.observed ? 1 : 0);
          break;
        }
        case "querier-elected":
        case "querier-changed":
        case "querier-expired":
          if (e.type !== "querier-expired") this.querier(addr32(e.querier), t).elected = true;
          this.querierEvents.push({ timeMs: t, type: e.type, querier: e.querier });
          break;
        default:
          break;
      }
    }
  }
}

const RECORD_NAMES = [0, 1, 2, 3, 4, 5, 6].map(groupRecordKind);

function recordCounts(a: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  a.forEach((n, k) => {
    if (n > 0) out[RECORD_NAMES[k]!] = n;
  });
  return out;
}

/** The value at quantile `q` (0..1) of sorted `a`, nearest rank. */
function quantile(a: Float64Array, q: number): number {
  return a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))]!;
}

const sec = (ms: number): number => Math.round(ms) / 1000;

/** Percentiles of delays in ms (seconds out). */
export function summarizeDelays(delaysMs: readonly number[], late: number): DelaySummary {
  if (delaysMs.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, late };
  const a = Float64Array.from(delaysMs).sort();
  return { count: a.length, p50: sec(quantile(a, 0.5)), p90: sec(quantile(a, 0.9)), p99: sec(quantile(a, 0.99)), max: sec(a[a.length - 1]!), late };
}

const vlanOf = (key: string): { vlan?: number[] } => (key === "" ? {} : { vlan: key.split(".").map(Number) });

/**
 * Streaming statistics: {@link push} (or {@link pushBytes}) each frame in capture order, then
 * {@link finish}. Memory grows with groups, hosts and queriers (and the response delays), not with frames.
 */
export class StatsCollector {
  private readonly lans = new Map<string, LanStats>();
  private readonly view = new FrameView();
  private readonly msg = new MembershipMessage();
  private latestMs = Number.NEGATIVE_INFINITY;
  private firstMs = Number.POSITIVE_INFINITY;
  frames = 0;
  messages = 0;
  /** Delays of answers to general and to group-specific queries (ms), and how many were late. */
  private readonly general: number[] = [];
  private readonly groupSpecific: number[] = [];
  private lateGeneral = 0;
  private lateGroup = 0;
  /** [query time, delay, Max Resp Time, general 1/0] per answer, when timelines are kept. */
  readonly delayPoints: DelayPoints = [];

  constructor(
    private readonly config: MonitorConfig = {},
    /** Keep per-group timelines and per-answer points (for `igmpkit report`). */
    readonly keepTimelines = false,
  ) {}

  private lan(key: string, state?: MonitorState): LanStats {
    let lan = this.lans.get(key);
    if (lan === undefined) {
      lan = new LanStats(key, state ?? new MonitorState(this.config), this);
      this.lans.set(key, lan);
    }
    return lan;
  }

  private clock(t: number): void {
    if (t > this.latestMs) this.latestMs = t;
    if (t < this.firstMs) this.firstMs = t;
  }

  /**
   * The collector as a stateful check of a {@link Linter} (`new Linter({}, [...LAN_CHECKS,
   * collector.lanCheck()])`): statistics from the linter's own router state, in the same pass as the
   * findings, without a second state machine. Count frames yourself (`frames`) in this mode.
   */
  lanCheck(): LanCheckFactory {
    return () => {
      let lan: LanStats | undefined;
      return {
        after: (m, events, ctx) => {
          lan ??= this.lan(m.vlan, ctx.state);
          this.clock(m.timeMs);
          lan.observe(m, events);
        },
        finish: (endMs) => {
          if (Number.isFinite(endMs)) lan?.advance(endMs);
        },
      };
    };
  }

  /** @internal An answer of host `h`, `ms` after a query with Max Resp Time `maxRespMs`. */
  delay(h: { delays: number[]; late: number }, ms: number, maxRespMs: number, queryMs: number, general: boolean): void {
    const late = ms > maxRespMs;
    h.delays.push(ms);
    if (late) h.late++;
    if (general) {
      this.general.push(ms);
      if (late) this.lateGeneral++;
    } else {
      this.groupSpecific.push(ms);
      if (late) this.lateGroup++;
    }
    if (this.keepTimelines) this.delayPoints.push(queryMs, ms, maxRespMs, general ? 1 : 0);
  }

  private takeMessage(m: MembershipMessage): void {
    if (m.timeMs < this.latestMs) m.timeMs = this.latestMs; // the clock never goes back (as in lint)
    this.latestMs = m.timeMs;
    if (m.timeMs < this.firstMs) this.firstMs = m.timeMs;
    if (m.status === MessageStatus.ignored) return;
    const lan = this.lan(m.vlan);
    lan.observe(m, lan.state.take(m));
  }

  /** Take one decoded frame. */
  push(f: DecodedFrame): void {
    this.frames++;
    this.msg.fromDecoded(f);
    this.takeMessage(this.msg);
  }

  /** Take one frame from its bytes (what `readCaptureFile().scan` gives): the monitor's hot path. */
  pushBytes(bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, frame: number, seconds: number, nanos: number): void {
    const st = this.view.wrap(bytes, linkType, start, end);
    if (st === ViewStatus.notIgmp || st === ViewStatus.unsupportedLink) {
      this.frames++;
      this.clock(seconds * 1000 + nanos / 1e6);
      return;
    }
    const m = this.msg;
    if (m.fromView(this.view, frame, seconds, nanos) === MessageStatus.undecided) {
      this.push(decodeFrame({ data: bytes.subarray(start, end), linkType, wireLength, timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos) }, frame));
      return;
    }
    this.frames++;
    this.takeMessage(m);
  }

  /** The LANs seen, each with its state (for the report). */
  lanStates(): { vlan: string; state: MonitorState }[] {
    return [...this.lans.values()].map((l) => ({ vlan: l.vlan, state: l.state }));
  }

  /** Timelines of every group, busiest first, and of the querier per LAN (needs `keepTimelines`). */
  timelines(): { groups: GroupTimeline[]; queriers: QuerierTimeline[] } {
    const groups: GroupTimeline[] = [];
    const queriers: QuerierTimeline[] = [];
    for (const lan of this.lans.values()) {
      for (const g of lan.groups.values()) {
        if (g.timeline === null) continue;
        g.timeline.activity = g.v1 + g.v2 + g.v3 + g.leaveMessages + g.groupQueries; // messages naming the group
        groups.push(g.timeline);
      }
      queriers.push({ vlan: lan.vlan, events: lan.querierEvents, generalQueries: lan.generalQueries });
    }
    groups.sort((a, b) => b.activity - a.activity);
    return { groups, queriers };
  }

  /** Fire every timer up to the last frame's time, then summarize. */
  finish(): IgmpStats {
    const end = this.latestMs;
    const groups: (GroupStats & { activity: number })[] = [];
    const hosts: (HostStats & { activity: number })[] = [];
    const queriers: QuerierStats[] = [];
    let bad = 0;
    let malformed = 0;
    for (const lan of this.lans.values()) {
      if (Number.isFinite(end)) lan.advance(end);
      bad += lan.state.droppedFrames;
      malformed += lan.state.malformedFrames;
      const v = vlanOf(lan.vlan);
      for (const g of lan.groups.values()) {
        groups.push({
          group: numberToIPv4(g.n >>> 0),
          ...v,
          firstSeen: formatTimeMs(g.firstMs),
          lastSeen: formatTimeMs(lan.groups.lastMs(g)),
          reports: { v1: g.v1, v2: g.v2, v3: g.v3 },
          records: recordCounts([g.r0, g.r1, g.r2, g.r3, g.r4, g.r5, g.r6]),
          leaveMessages: g.leaveMessages,
          membersSeen: g.seenCount,
          joins: g.joins,
          leaves: g.leaves,
          expiries: g.expiries,
          modeChanges: g.modeChanges,
          lastMemberQueries: g.lmq,
          groupQueries: g.groupQueries,
          activity: g.v1 + g.v2 + g.v3 + g.leaveMessages + g.groupQueries,
        });
      }
      for (const h of lan.hosts.values()) {
        hosts.push({
          host: numberToIPv4(h.n),
          ...v,
          firstSeen: formatTimeMs(h.firstMs),
          lastSeen: formatTimeMs(h.lastMs),
          reports: { v1: h.v1, v2: h.v2, v3: h.v3 },
          records: recordCounts(h.records),
          leaveMessages: h.leaveMessages,
          groups: h.groups,
          responses: summarizeDelays(h.delays, h.late),
          activity: h.v1 + h.v2 + h.v3 + h.leaveMessages,
        });
      }
      for (const q of lan.queriers.values()) {
        const iv = Float64Array.from(q.intervals).sort();
        const maxRespTime: Record<string, number> = {};
        for (const [ms, n] of [...q.maxResp].sort((a, b) => a[0] - b[0])) maxRespTime[String(ms / 1000)] = n;
        queriers.push({
          querier: numberToIPv4(q.n),
          ...v,
          firstSeen: formatTimeMs(q.firstMs),
          lastSeen: formatTimeMs(q.lastMs),
          queries: { generalV1: q.g1, generalV2: q.g2, generalV3: q.g3, groupSpecific: q.gs, groupAndSourceSpecific: q.gss },
          interval: iv.length === 0 ? { count: 0, min: null, median: null, max: null } : { count: iv.length, min: sec(iv[0]!), median: sec(quantile(iv, 0.5)), max: sec(iv[iv.length - 1]!) },
          advertisedQqi: q.qqi,
          advertisedQrv: q.qrv,
          maxRespTime,
          elected: q.elected,
        });
      }
    }
    groups.sort((a, b) => b.activity - a.activity || ipv4ToNumber(a.group) - ipv4ToNumber(b.group));
    hosts.sort((a, b) => b.activity - a.activity || ipv4ToNumber(a.host) - ipv4ToNumber(b.host));
    queriers.sort((a, b) => ipv4ToNumber(a.querier) - ipv4ToNumber(b.querier));
    const first = [...this.lans.values()][0];
    return {
      frames: this.frames,
      messages: this.messages,
      badChecksums: bad,
      malformed,
      firstTime: Number.isFinite(this.firstMs) ? formatTimeMs(this.firstMs) : null,
      lastTime: Number.isFinite(end) ? formatTimeMs(end) : null,
      groups: groups.map(({ activity: _a, ...g }) => g),
      hosts: hosts.map(({ activity: _a, ...h }) => h),
      queriers,
      responseDelays: { general: summarizeDelays(this.general, this.lateGeneral), groupSpecific: summarizeDelays(this.groupSpecific, this.lateGroup) },
      timers: (this.lans.get("") ?? first)?.state.timers() ?? new MonitorState(this.config).timers(),
    };
  }
}

/** Statistics of a whole list of decoded frames. */
export function statsOf(frames: Iterable<DecodedFrame>, config: MonitorConfig = {}): IgmpStats {
  const s = new StatsCollector(config);
  for (const f of frames) s.push(f);
  return s.finish();
}
