/**
 * Statistics over a capture, in the spirit of `tshark -z`: per group, per host, per querier, and the
 * response delays against the Max Resp Time, plus the timelines `igmpkit report` draws. Built on the
 * monitor's state machine ({@link MonitorState}: joins, leaves, expiries, mode changes, last-member
 * queries and querier elections are its events, so the numbers are the router's view) and on the same
 * reusable {@link MembershipMessage} the linter reads: work per message and per record (the monitor's,
 * then a few numbers of the record's group and host), never a scan over all groups or hosts.
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
import { onesComplementSum } from "../wire/checksum.js";
import { ETHERTYPE, LinkType } from "../wire/link.js";
import { addr32, formatTimeMs, frameTimeMs, i32, isLinkLocalN, MembershipMessage, MessageKind, MessageStatus } from "./message.js";
import type { LanCheckFactory } from "./lint-model.js";
import { MonitorState, type EventSink, type FilterMode, type MonitorConfig, type MonitorEvent, type MonitorTimers } from "./state.js";
import { G_STRIDE, G_EPOCH, G_FIRST, G_FIRST_CURRENT, G_CURRENT, G_SEEN, G_GSQ, G_KEY, G_LAST, G_F64, C_STRIDE, C_V1, C_V2, C_R0, C_LEAVE_MESSAGES, C_JOINS, C_LEAVES, C_EXPIRIES, C_MODE_CHANGES, C_LMQ, C_GROUP_QUERIES, C_FIRST_ANSWERED, C_PLOTTED, T_STRIDE, T_FIRST, T_GSQ_AT, T_GSQ_MAX_RESP, H_STRIDE, H_F64, H_V1, H_V2, H_V3, H_R0, H_LEAVE_MESSAGES, H_GROUPS, H_ANSWERED, H_LATE, H_KEY, H_LAST_F64, H_FIRST_F64, NO_MEMBER, FIRST_MEMBER, E_STRIDE, E_HOST, E_SRC, E_N, E_CHANGES, E_REPEATS, E_ANSWERS, E_MS_F64, E_RECORDS, E_RECORD, MEMO_RECORDS, FRAME_ROOM, F_LENGTH, F_IP, F_SUM, F_BYTES } from "./stats-layout.js";
import { AddressIds, KeyedSets, KeyedWholeMs, WholeMsCounts, type Ranked } from "./stats-tables.js";

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

/*
 * Groups and hosts are small integers (their order of first sight in the LAN: {@link AddressIds}) and their
 * numbers live in typed arrays indexed by them, nothing allocated per group or per frame. A report's record
 * reads and writes one 64-byte row of its group (the counts a record changes, when it was last seen, and its
 * first member) and its host's row: at LAN scale most groups have one member, kept in the group's row; the
 * hosts after the first are in the host's set of groups ({@link KeyedSets}).
 *
 * A member is current (reported and not left or expired since) when its `current` field equals its group's
 * expiry epoch: an expiry makes every member of the group not current by counting the epoch up, without
 * visiting them.
 */

/** `a` with room for `n` elements (a new array of twice the length when it has not). */
function room<T extends Int32Array | Float64Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const b = make(Math.max(n, a.length * 2));
  b.set(a);
  return b;
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
  intervals: WholeMsCounts;
  qqi: number | null;
  qrv: number | null;
  maxResp: Map<number, number>;
  elected: boolean;
}

/** Index pairs a memo is looked for in, from its home pair on. */
const MEMO_PROBES = 8;
/** Memos kept at the most (of 96 bytes): then every memo's counts are added and they start again. */
const MEMO_MAX = 1 << 17;

/** {@link PendingEvents}' kinds of entry: a join, a mode change (to each mode), an event object. */
const PENDING_JOIN = 0;
const PENDING_TO_INCLUDE = 1;
const PENDING_TO_EXCLUDE = 2;
const PENDING_EVENT = 3;

/**
 * The events a {@link MonitorState} of the statistics' own hands over as it makes them ({@link EventSink}),
 * kept until the message that made them has been counted (the statistics count a message, then its events,
 * the expiries on the way to it first). Joins and mode changes, a LAN's events by the thousand, stay numbers:
 * no event object, no dotted quad to make and parse again. Times are the events' own, parsed from their text.
 */
class PendingEvents implements EventSink {
  n = 0;
  kinds = new Int32Array(64);
  /** The group's address, or for an event object its index in {@link objects}. */
  groups = new Int32Array(64);
  times = new Float64Array(64);
  readonly objects: MonitorEvent[] = [];
  private lastTime = "";
  private lastMs = 0;

  join(time: string, _frame: number | null, group: number): void {
    this.push(PENDING_JOIN, time, group);
  }

  modeChange(time: string, _frame: number | null, group: number, _from: FilterMode, to: FilterMode): void {
    this.push(to === "exclude" ? PENDING_TO_EXCLUDE : PENDING_TO_INCLUDE, time, group);
  }

  event(e: MonitorEvent): void {
    this.push(PENDING_EVENT, "", this.objects.length);
    this.objects.push(e);
  }

  private push(kind: number, time: string, group: number): void {
    if (this.n === this.kinds.length) {
      this.kinds = room(this.kinds, this.n + 1, (k) => new Int32Array(k));
      this.groups = room(this.groups, this.n + 1, (k) => new Int32Array(k));
      this.times = room(this.times, this.n + 1, (k) => new Float64Array(k));
    }
    if (kind !== PENDING_EVENT && time !== this.lastTime) {
      // (a message's events share its time's text)
      this.lastTime = time;
      this.lastMs = frameTimeMs(time);
    }
    this.kinds[this.n] = kind;
    this.groups[this.n] = group | 0; // (the signed form, as the ids are keyed)
    this.times[this.n] = this.lastMs;
    this.n++;
  }

  clear(): void {
    this.n = 0;
    this.objects.length = 0;
  }
}

/** One LAN (one VLAN tag path): its router state (its own, or the linter's), as in `lint`. */
class LanStats {
  readonly groupIds = new AddressIds();
  /** Group rows (see {@link G_STRIDE}); `ghf` the same bytes as Float64. */
  private gh = new Int32Array(G_STRIDE * 64);
  private ghf = new Float64Array(this.gh.buffer);
  private gc = new Int32Array(C_STRIDE * 64);
  private gt = new Float64Array(T_STRIDE * 64);
  /** Per group when timelines are kept. */
  readonly groupTimelines: GroupTimeline[] = [];
  readonly hostIds = new AddressIds();
  /** Host rows (see {@link H_STRIDE}); `hcf` the same bytes as Float64. */
  private hc = new Int32Array(H_STRIDE * 16);
  private hcf = new Float64Array(this.hc.buffer);
  /** Each host's answers' delays. */
  private readonly hostDelays = new KeyedWholeMs();
  /** Each host's groups, but those it was the first member of. */
  private readonly members = new KeyedSets();
  readonly queriers = new Map<number, QuerierRec>();
  readonly querierEvents: QuerierTimeline["events"] = [];
  readonly generalQueries: number[] = [];
  /** The last general query: its index (-1: none yet), time and Max Resp Time. */
  private generalIdx = -1;
  private generalAtMs = 0;
  private generalMaxRespMs = 0;
  private queryIdx = 0;
  /** The group ids of the v3 report being counted, by record. */
  private recs = new Int32Array(64);

  /** Its VLAN tags as a number ({@link tagsKey}). */
  readonly tags: number;

  constructor(
    readonly vlan: string,
    readonly state: MonitorState,
    private readonly out: StatsCollector,
  ) {
    const ids = vlan === "" ? [] : vlan.split(".").map(Number);
    this.tags = tagsKey(ids.length, ids[0] ?? 0, ids[1] ?? 0);
    this.keepTimelines = out.keepTimelines;
    this.general = out.general;
  }

  /** The collector's delays of answers to general queries. */
  private readonly general: WholeMsCounts;

  /** The collector's: keep timelines (for `igmpkit report`). */
  private readonly keepTimelines: boolean;

  /** The id of group `n` (added when new), seen at `t`. */
  private group(n: number, t: number): number {
    let id = this.groupIds.get(n);
    if (id < 0) id = this.addGroup(n, t);
    if (t > this.ghf[id * G_F64 + G_LAST]!) this.ghf[id * G_F64 + G_LAST] = t;
    return id;
  }

  /**
   * Group ids by the slot their group has in the monitor's table ({@link MonitorState.recordSlots}), + 1
   * (0: none known). A cache, checked against the id's own address: slots change when the monitor's table
   * grows and are reused after a group is removed; an entry that no longer names its group is looked up
   * again and rewritten.
   */
  private bySlot = new Int32Array(64);

  /**
   * A v3 record's group when {@link bySlot} does not name it at the slot the monitor found it at (`slot`, -1:
   * not found): looked up (or added) and noted there. (At LAN scale the slot names it: an array read and a
   * comparison instead of a second hash lookup of the same address, in {@link v3Report}.) Seen {@link now}.
   */
  private groupNotAt(n: number, slot: number): number {
    const t = this.now;
    let id = this.groupIds.get(n);
    if (id < 0) id = this.addGroup(n, t);
    if (slot >= 0) {
      if (slot >= this.bySlot.length) this.bySlot = room(this.bySlot, slot + 1, (k) => new Int32Array(k));
      this.bySlot[slot] = id + 1;
    }
    return id;
  }

  private addGroup(n: number, t: number): number {
    const id = this.groupIds.add(n);
    if ((id + 1) * G_STRIDE > this.gh.length) {
      this.gh = room(this.gh, (id + 1) * G_STRIDE, (k) => new Int32Array(k));
      this.ghf = new Float64Array(this.gh.buffer);
      this.gc = room(this.gc, (id + 1) * C_STRIDE, (k) => new Int32Array(k));
      this.gt = room(this.gt, (id + 1) * T_STRIDE, (k) => new Float64Array(k));
    }
    const r = id * G_STRIDE;
    this.gh[r + G_EPOCH] = 1;
    this.gh[r + G_KEY] = n;
    this.ghf[id * G_F64 + G_LAST] = Number.NEGATIVE_INFINITY;
    this.gt[id * T_STRIDE + T_FIRST] = t;
    if (this.keepTimelines) this.groupTimelines.push({ group: numberToIPv4(n >>> 0), vlan: this.vlan, activity: 0, members: [], modes: [], expiries: [], leaves: [], lastMemberQueries: [] });
    return id;
  }

  /** The id of host `n` (added when new), seen now ({@link now}). */
  private host(n: number): number {
    const t = this.now;
    let id = this.hostIds.get(n);
    if (id < 0) {
      id = this.hostIds.add(n);
      if ((id + 1) * H_STRIDE > this.hc.length) {
        this.hc = room(this.hc, (id + 1) * H_STRIDE, (k) => new Int32Array(k));
        this.hcf = new Float64Array(this.hc.buffer);
      }
      this.hc[id * H_STRIDE + H_KEY] = n;
      this.hcf[id * H_F64 + H_FIRST_F64] = t;
      this.hostDelays.addKey();
    }
    // (messages come in time order: a host's last is the latest; a test here, false for as long as every
    // message is its host's first, made the engine's optimized code give up when hosts came back)
    this.hcf[id * H_F64 + H_LAST_F64] = t;
    return id;
  }

  private querier(n: number, t: number): QuerierRec {
    let q = this.queriers.get(n);
    if (q === undefined) {
      q = { n, firstMs: t, lastMs: t, g1: 0, g2: 0, g3: 0, gs: 0, gss: 0, lastGeneralMs: null, intervals: new WholeMsCounts(), qqi: null, qrv: null, maxResp: new Map(), elected: false };
      this.queriers.set(n, q);
    }
    if (t > q.lastMs) q.lastMs = t;
    return q;
  }

  /** Host `h` in group `g`: {@link FIRST_MEMBER}, its slot in {@link KeyedSets} + 1, or {@link NO_MEMBER}. */
  private memberOf(g: number, h: number): number {
    const r = g * G_STRIDE;
    if (this.gh[r + G_FIRST] === h + 1) return FIRST_MEMBER;
    if (this.gh[r + G_SEEN]! < 2) return NO_MEMBER;
    const p = this.members.find(h, g);
    return p < 0 ? NO_MEMBER : p + 1;
  }

  /** Whether `member` (not {@link NO_MEMBER}) of `g` is a member now. */
  private isCurrent(g: number, member: number): boolean {
    const r = g * G_STRIDE;
    const c = member === FIRST_MEMBER ? this.gh[r + G_FIRST_CURRENT] : this.members.slots[2 * member - 1];
    return c === this.gh[r + G_EPOCH];
  }

  /** Make `member` of `g` a member now, or not. */
  private setCurrent(g: number, member: number, on: boolean): void {
    if (this.isCurrent(g, member) === on) return;
    this.changes++;
    const r = g * G_STRIDE;
    const c = on ? this.gh[r + G_EPOCH]! : 0;
    if (member === FIRST_MEMBER) this.gh[r + G_FIRST_CURRENT] = c;
    else this.members.slots[2 * member - 1] = c;
    this.gh[r + G_CURRENT]! += on ? 1 : -1;
  }

  private setMembers(g: number, t: number): void {
    if (!this.keepTimelines) return;
    const n = this.gh[g * G_STRIDE + G_CURRENT]!;
    // unchanged since the last point: the timeline (an object of its own) is not touched
    if (n + 1 === this.gc[g * C_STRIDE + C_PLOTTED]) return;
    this.gc[g * C_STRIDE + C_PLOTTED] = n + 1;
    const m = this.groupTimelines[g]!.members;
    if (m.length >= 2 && m[m.length - 1] === n) return;
    if (m.length >= 2 && m[m.length - 2] === t) m[m.length - 1] = n;
    else m.push(t, n);
  }

  /** Host `h` answers the last general query at {@link now}, if there was one it has not answered yet. */
  private answerGeneral(h: number): void {
    const t = this.now;
    const q = this.generalIdx;
    const hr = h * H_STRIDE;
    const hc = this.hc;
    if (q < 0 || hc[hr + H_ANSWERED] === q + 1) return;
    hc[hr + H_ANSWERED] = q + 1;
    // (nearly every report at LAN scale answers one: the counting is written out here, no call with
    // the times as arguments)
    const ms = t - this.generalAtMs;
    const whole = Math.round(ms);
    this.hostDelays.add(h, whole);
    this.general.add(whole);
    if (ms > this.generalMaxRespMs) {
      hc[hr + H_LATE]!++;
      this.out.lateGeneral++;
    }
    if (this.keepTimelines) this.out.delayPoints.push(this.generalAtMs, ms, this.generalMaxRespMs, 1);
  }

  /**
   * A report from host `h` for group `g` (not a leave): membership, and answers (to the general query
   * here for v1/v2 only: a v3 report's answer is taken once per report); returns the host's entry in the
   * group. `current` says whether it is a current-state record.
   */
  private reported(h: number, g: number, t: number, current: boolean, v12: boolean): number {
    const gh = this.gh;
    const r = g * G_STRIDE;
    let member = this.memberOf(g, h);
    const wasMember = member !== NO_MEMBER && this.isCurrent(g, member);
    if (wasMember && !isLinkLocalN(gh[r + G_KEY]!)) {
      // general query: a v1/v2 report from a member of before the query; group-specific: a report of a member
      if (v12) this.answerGeneral(h);
      const gq = gh[r + G_GSQ]!;
      if (gq !== 0 && (v12 || current)) {
        const answered = member === FIRST_MEMBER ? this.gc[g * C_STRIDE + C_FIRST_ANSWERED] : this.members.answered[member - 1];
        if (answered !== gq) {
          if (member === FIRST_MEMBER) this.gc[g * C_STRIDE + C_FIRST_ANSWERED] = gq;
          else this.members.answered[member - 1] = gq;
          const at = this.gt[g * T_STRIDE + T_GSQ_AT]!;
          this.delay(h, t - at, this.gt[g * T_STRIDE + T_GSQ_MAX_RESP]!, at, false);
        }
      }
    }
    if (member === NO_MEMBER) {
      if (gh[r + G_SEEN] === 0) {
        gh[r + G_FIRST] = h + 1;
        member = FIRST_MEMBER;
      } else member = this.members.add(h, g) + 1;
      gh[r + G_SEEN]!++;
      this.hc[h * H_STRIDE + H_GROUPS]!++;
      this.changes++;
    }
    return member;
  }

  private delay(h: number, ms: number, maxRespMs: number, queryMs: number, general: boolean): void {
    const late = ms > maxRespMs;
    const whole = Math.round(ms);
    this.hostDelays.add(h, whole);
    if (late) this.hc[h * H_STRIDE + H_LATE]!++;
    this.out.delay(ms, whole, late, maxRespMs, queryMs, general);
  }

  /**
   * A message the state has taken, and the events it (and the timers due before it) gave: returned
   * (`events`), or handed to {@link pending} while the state took it (a state of the statistics' own).
   * The message is counted first, then its events, in either case.
   */
  observe(m: MembershipMessage, events: readonly MonitorEvent[]): void {
    if (m.status === MessageStatus.ok) this.count(m);
    if (events.length > 0) this.onEvents(events);
    if (this.pending.n > 0) this.onPending();
  }

  /**
   * Take v3 report `m` into the state and count it, as {@link observe} after the state's `take`, when it
   * repeats one of its host's memos with nothing changed since (what {@link v3Report} counts in the memo)
   * and the state can refresh its groups through the rows the memo names ({@link MonitorState.refreshRepeat}):
   * neither the statistics nor the state then look its groups up. False, with only the state's clock
   * moved to the message (its events kept in {@link pending}), when it does not: then take and observe it.
   */
  repeated(m: MembershipMessage): boolean {
    if (!this.repeatable()) return false;
    const e = this.memoFor(m);
    if (e < 0 || !this.takable(e) || !this.sameAsMemo(m, e)) return false;
    return this.repeatedAt(e, m.src, m.recordCount, m.timeMs);
  }

  /**
   * {@link repeated} for a frame not read yet, `b[start, end)` (Ethernet), at the collector's
   * {@link StatsCollector.frameMs}, its IPv4 header at `ip` (as {@link StatsCollector.pushBytes} found it):
   * true when it is the frame a memo of refreshes alone was kept from, byte for
   * byte but for its IPv4 header's identification and checksum (which verifies), and the state takes it
   * through the memo. Then it is the same message as that frame's, bar its time: neither the view nor the
   * message need read it. False when it is not (or the state refuses it, as in {@link repeated}): read it.
   */
  repeatedFrame(b: Uint8Array, start: number, end: number, ip: number): boolean {
    if (!this.repeatable()) return false;
    // where that frame would have its record count, source and first group (the comparison below says
    // whether they are that frame's)
    const p = ip + 4 * (b[ip]! & 0x0f);
    if (p + 16 > end) return false;
    const n = (b[p + 6]! << 8) | b[p + 7]!;
    if (n < 1 || n > MEMO_RECORDS) return false;
    const src = i32(b, ip + 12);
    const group = i32(b, p + 12);
    const mm = this.memo;
    // the memo after the one taken last, or the index's: a host whose groups take several reports sends
    // them in the same order each time (and the LAN's hosts may too), so the guess is often right and saves
    // the index's cache line; a wrong one costs a look at an entry read a moment ago
    let e = this.nextMemo;
    if (e >= this.memoTop * E_STRIDE || mm[e + E_SRC] !== src || mm[e + E_RECORDS] !== group || mm[e + E_N] !== n) {
      e = this.memoOf(src, group, n);
      if (e < 0) return false;
    }
    if (!this.takable(e)) return false;
    const f = this.memoFrames;
    const at = 4 * e;
    const len = end - start;
    if (f[at + F_LENGTH] !== len || f[at + F_IP] !== ip - start) return false;
    // every byte the same but the IPv4 header's identification (2 bytes at 4) and checksum (2 at 10): 32
    // bits a load (the frame's in memory order, as the memo's aligned words hold them); the header starts
    // 2 bytes past a word (14 + 4 per tag into the frame), so the identification is the high half of one
    // word and the checksum the low half of the word after next
    if (this.dvOf !== b) {
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.dvOf = b;
    }
    const dv = this.dv!;
    const w = this.memoWords;
    const w0 = (at + F_BYTES) >> 2;
    const idWord = (ip + 4 - start) >> 2;
    const words = len >> 2;
    for (let j = 0; j < words; j++) {
      let x = dv.getInt32(start + 4 * j, LITTLE_ENDIAN) ^ w[w0 + j]!;
      if (x !== 0) {
        if (j === idWord) x &= LITTLE_ENDIAN ? 0x0000ffff : 0xffff0000;
        else if (j === idWord + 2) x &= LITTLE_ENDIAN ? 0xffff0000 : 0x0000ffff;
        if (x !== 0) return false;
      }
    }
    for (let i = start + 4 * words; i < end; i++) if (b[i] !== f[at + F_BYTES + i - start]) return false;
    // its checksum: what FrameView expects from the sum of the rest of the header (the memo's, plus this
    // identification: the header is never all zero, so no special case); one fold, as two sums of 16 bits
    // fold to 16 bits at once
    let sum = ((f[at + F_SUM]! << 8) | f[at + F_SUM + 1]!) + ((b[ip + 4]! << 8) | b[ip + 5]!);
    sum = (sum & 0xffff) + (sum >>> 16);
    if ((~sum & 0xffff) !== ((b[ip + 10]! << 8) | b[ip + 11]!)) return false;
    if (!this.repeatedAt(e, src, n, this.out.frameMs)) return false;
    this.nextMemo = e + E_STRIDE;
    return true;
  }

  /**
   * Whether a memo of refreshes may be taken now: one was kept since the last change ({@link refreshAt}).
   * (On a LAN whose changes come faster than its hosts repeat themselves, as on the mixed bench capture,
   * a frame is then not looked at twice for nothing.)
   */
  repeatable(): boolean {
    return this.refreshAt === this.changes;
  }

  /** Whether the memo at `e` may be taken by the state ({@link repeatedAt}): its records are refreshes alone, nothing changed since. */
  private takable(e: number): boolean {
    return (this.memo[e + E_ANSWERS]! & 2) !== 0 && this.memo[e + E_CHANGES] === this.changes;
  }

  /** The {@link changes} count at which the last memo of refreshes alone was kept (-1: none yet). */
  private refreshAt = -1;

  /** A DataView over the array {@link repeatedFrame} read last (a capture's chunk, which its frames share). */
  private dv: DataView | null = null;
  private dvOf: Uint8Array | null = null;
  /** The entry after the memo {@link repeatedFrame} took last: its guess at the next. */
  private nextMemo = 0;

  /**
   * A report from `src` at `t` of the `n` records of the memo at `e`, nothing changed since it was kept: the
   * state takes it through the memo's slots, and it is counted in the memo. False when the state refuses.
   */
  private repeatedAt(e: number, src: number, n: number, t: number): boolean {
    // expiries due first: any event (counted after the message, as observe does) and the full path is taken
    this.state.advance(t);
    if (this.pending.n > 0 || !this.state.refreshRepeat(src, n, this.memo, e + E_RECORDS, E_RECORD)) return false;
    // (what count does for it)
    this.now = t;
    this.out.messages++;
    this.repeat(e, t);
    return true;
  }

  /** Fire the timers up to `t` (the end of the capture). */
  advance(t: number): void {
    const events = this.state.advance(t);
    if (events.length > 0) this.onEvents(events);
    if (this.pending.n > 0) this.onPending();
  }

  /** The events the state handed over ({@link MonitorState.sinkTo}) since they were last applied. */
  readonly pending = new PendingEvents();

  /** Apply {@link pending}'s events in order, and empty it. */
  private onPending(): void {
    const p = this.pending;
    for (let i = 0; i < p.n; i++) {
      const kind = p.kinds[i]!;
      if (kind === PENDING_EVENT) {
        this.onEvent(p.objects[p.groups[i]!]!);
        continue;
      }
      if (kind === PENDING_JOIN) this.joinAt(p.groups[i]!, p.times[i]!);
      else this.modeChangeAt(p.groups[i]!, p.times[i]!, kind === PENDING_TO_EXCLUDE);
    }
    p.clear();
  }

  /** Group `n` (its address) joined at `t`: as a sunk join or a join event. */
  private joinAt(n: number, t: number): void {
    this.gc[this.group(n, t) * C_STRIDE + C_JOINS]!++;
  }

  /** Group `n` changed its filter mode at `t`: as a sunk mode change or a mode change event. */
  private modeChangeAt(n: number, t: number, toExclude: boolean): void {
    const g = this.group(n, t);
    this.gc[g * C_STRIDE + C_MODE_CHANGES]!++;
    if (this.keepTimelines) this.groupTimelines[g]!.modes.push(t, toExclude ? 1 : 0);
  }

  /** Count message `m` (its time is read here and kept in {@link now}, not passed: see there). */
  private count(m: MembershipMessage): void {
    const t = m.timeMs;
    this.now = t;
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
          if (q.lastGeneralMs !== null) q.intervals.add(Math.round(t - q.lastGeneralMs));
          q.lastGeneralMs = t;
          this.generalIdx = this.queryIdx++;
          this.generalAtMs = t;
          this.generalMaxRespMs = m.maxRespMs;
          if (this.keepTimelines) this.generalQueries.push(t, m.src, m.maxRespMs, m.version === 3 ? (m.qqi === 0 ? 125 : m.qqi) : 0);
        } else {
          if (m.querySources.length > 0) q.gss++;
          else q.gs++;
          const g = this.group(m.group, t);
          this.gc[g * C_STRIDE + C_GROUP_QUERIES]!++;
          if (m.querySources.length === 0) {
            this.gh[g * G_STRIDE + G_GSQ] = ++this.queryIdx;
            this.changes++;
            this.gt[g * T_STRIDE + T_GSQ_AT] = t;
            this.gt[g * T_STRIDE + T_GSQ_MAX_RESP] = m.maxRespMs;
          }
        }
        break;
      }
      case MessageKind.v1Report:
      case MessageKind.v2Report: {
        const h = this.host(m.src);
        const g = this.group(m.group, t);
        const v1 = m.kind === MessageKind.v1Report;
        this.hc[h * H_STRIDE + (v1 ? H_V1 : H_V2)]!++;
        this.gc[g * C_STRIDE + (v1 ? C_V1 : C_V2)]!++;
        this.setCurrent(g, this.reported(h, g, t, true, true), true);
        this.setMembers(g, t);
        break;
      }
      case MessageKind.leave: {
        const h = this.host(m.src);
        const g = this.group(m.group, t);
        this.hc[h * H_STRIDE + H_LEAVE_MESSAGES]!++;
        this.gc[g * C_STRIDE + C_LEAVE_MESSAGES]!++;
        break;
      }
      case MessageKind.v3Report:
        this.v3Report(m);
        break;
      default:
        break;
    }
  }

  /**
   * A v3 report: per record, the counts in its group's row and its host's, and the host's membership.
   * The common record at LAN scale (a member refreshing a group it is in) reads and writes those two rows
   * and, for a group's second member on, one slot of the host's set; nothing else.
   */
  private v3Report(m: MembershipMessage): void {
    const t = m.timeMs;
    const n = m.recordCount;
    const types = m.recordType;
    const groups = m.recordGroup;
    const e = this.memoFor(m);
    if (e >= 0 && this.memo[e + E_CHANGES] === this.changes && this.sameAsMemo(m, e)) {
      this.repeat(e, t);
      return;
    }
    const h = this.host(m.src);
    const hr = h * H_STRIDE;
    // (the host's row: the same array to the end, as no host is added on the way)
    const hc = this.hc;
    hc[hr + H_V3]!++;
    if (n > this.recs.length) this.recs = new Int32Array(Math.max(n, 2 * this.recs.length));
    const recs = this.recs;
    const slots = this.state.recordSlots;
    const keepTimelines = this.keepTimelines;
    // the quiet records at the head of the report (none when timelines are kept: each record then adds its point)
    let i = keepTimelines ? 0 : this.quietHead(m, h);
    let current = i > 0 && (this.headFlags & 1) !== 0;
    let routable = i > 0 && (this.headFlags & 2) !== 0;
    const first = i;
    if (first < n) {
      // the rest as each comes: their groups first, one after another, so that at 100,000 groups their
      // cache misses overlap instead of each waiting behind the previous record's work
      let bySlot = this.bySlot;
      let gh = this.gh;
      let ghf = this.ghf;
      for (; i < n; i++) {
        const group = groups[i]!;
        const slot = slots[i]!;
        let g = slot >= 0 && slot < bySlot.length ? bySlot[slot]! - 1 : -1;
        if (g < 0 || gh[g * G_STRIDE + G_KEY] !== group) {
          g = this.groupNotAt(group, slot);
          bySlot = this.bySlot;
          gh = this.gh;
          ghf = this.ghf;
        }
        if (t > ghf[g * G_F64 + G_LAST]!) ghf[g * G_F64 + G_LAST] = t;
        recs[i] = g;
        const type = types[i]!;
        if (type === 1 || type === 2) current = true;
        if (!isLinkLocalN(group)) routable = true;
      }
    }
    // a v3 current-state record answers a general query (once per report: records of link-local groups never do)
    if (current && routable) this.answerGeneral(h);
    // (the report can be kept as the host's memo when every record of it is a quiet one)
    let quiet = n <= MEMO_RECORDS && !keepTimelines;
    for (i = first; i < n; i++) {
      const type = types[i]!;
      const g = recs[i]!;
      const r = g * G_STRIDE;
      const gh = this.gh;
      // (the group's v3 records are these counts' sum)
      if (type >= 1 && type <= 6) {
        gh[r + type]!++;
        hc[hr + H_R0 + type]!++;
      } else {
        this.gc[g * C_STRIDE + C_R0]!++;
        hc[hr + H_R0]!++;
      }
      // (quiet or not as in quietHead, which stopped before this record or was not asked)
      const on = !((type === 1 || type === 3) && m.recordEnd[i] === m.recordStart[i]);
      if (gh[r + G_GSQ] === 0) {
        let c = -1;
        if (gh[r + G_FIRST] === h + 1) c = gh[r + G_FIRST_CURRENT]!;
        else if (gh[r + G_SEEN]! >= 2) {
          const p = this.members.find(h, g);
          if (p >= 0) c = this.members.slots[2 * p + 1]!;
        }
        if (c !== -1 && (on ? type === 6 || c === gh[r + G_EPOCH] : c !== gh[r + G_EPOCH])) {
          // a member staying as it is (current, or not), no group-specific query to answer: nothing changes
          if (keepTimelines) this.setMembers(g, t);
          continue;
        }
      }
      quiet = false;
      this.record(h, g, current, !on ? 0 : type === 6 ? -1 : 1);
    }
    if (quiet && n >= 1) this.keepMemo(m, h, current && routable, e);
  }

  /**
   * A report of its host's again at `t`, memo `e`'s, nothing changed since: its counts wait in the memo,
   * which names the host (no lookup of its address: what host() does for a known host is done here).
   */
  private repeat(e: number, t: number): void {
    const mh = this.memo[e + E_HOST]! - 1;
    this.hcf[mh * H_F64 + H_LAST_F64] = t;
    this.hc[mh * H_STRIDE + H_V3]!++;
    this.memo[e + E_REPEATS]!++;
    this.memof[(e >> 1) + E_MS_F64] = t;
    if ((this.memo[e + E_ANSWERS]! & 1) !== 0) this.answerGeneral(mh);
  }

  /** Whether the records {@link quietHead} counted were current-state (1) and routable (2). */
  private headFlags = 0;

  /**
   * Count the quiet records at the head of `m` from host `h` (not keeping timelines), up to the first that is
   * not: a member staying as it is, in a group where the monitor found it, no group-specific query to answer.
   * Nothing changes but counts. One pass where {@link v3Report}'s rest takes two: a record's group row is
   * reached once, nothing is noted for a second pass, and the loop calls nothing, so the engine keeps its
   * arrays and counters in registers (it still checks every array access: about 230 instructions a record
   * here against 390 in the two passes). Returns how many it counted; their flags are left in
   * {@link headFlags}. (A method of its own: compiled apart from
   * {@link v3Report}, whose other paths then do not make the engine compile this again, nor the other way.)
   */
  private quietHead(m: MembershipMessage, h: number): number {
    const n = m.recordCount;
    const types = m.recordType;
    const groups = m.recordGroup;
    const t = m.timeMs;
    const hr = h * H_STRIDE;
    const hc = this.hc;
    const recs = this.recs;
    const slots = this.state.recordSlots;
    const bySlot = this.bySlot;
    const gh = this.gh;
    const ghf = this.ghf;
    const members = this.members;
    let flags = 0;
    let i = 0;
    for (; i < n; i++) {
      const slot = slots[i]!;
      if (slot < 0 || slot >= bySlot.length) break;
      const g = bySlot[slot]! - 1;
      const group = groups[i]!;
      const r = g * G_STRIDE;
      if (g < 0 || gh[r + G_KEY] !== group) break;
      const type = types[i]!;
      if (type < 1 || type > 6 || gh[r + G_GSQ] !== 0) break;
      // the host's `current` field in the group (as memberOf and isCurrent, read once), -1: not a member
      let c = -1;
      if (gh[r + G_FIRST] === h + 1) c = gh[r + G_FIRST_CURRENT]!;
      else if (gh[r + G_SEEN]! >= 2) {
        const p = members.find(h, g);
        if (p >= 0) c = members.slots[2 * p + 1]!;
      }
      if (c === -1) break;
      // INCLUDE {} (IS_IN or TO_IN without sources) is a leave; everything else but BLOCK makes the host a member
      const on = !((type === 1 || type === 3) && m.recordEnd[i] === m.recordStart[i]);
      if (!(on ? type === 6 || c === gh[r + G_EPOCH] : c !== gh[r + G_EPOCH])) break;
      if (t > ghf[g * G_F64 + G_LAST]!) ghf[g * G_F64 + G_LAST] = t;
      gh[r + type]!++;
      hc[hr + H_R0 + type]!++;
      recs[i] = g;
      if (type === 1 || type === 2) flags |= 1;
      if (!isLinkLocalN(group)) flags |= 2;
    }
    this.headFlags = flags;
    return i;
  }

  /**
   * Counts every change to what makes a record quiet: members, current members, expiries, group-specific
   * queries. A memo ({@link memo}) is a host's report whose every record was a quiet one (a member staying
   * as it is, no group-specific query pending, no sources), with this count of then. The same report again,
   * with no change since, would be quiet again record for record: it is counted in the memo
   * ({@link E_REPEATS}, the time at {@link E_MS_F64}) and its records' counts are added when the memo is
   * replaced or read ({@link flushMemo}). A LAN's hosts answer every general query with the same reports: a
   * host in one group or a few sends one report again, a host that sends a report per group (or more groups
   * than one report holds) sends several in turn, each a memo of its own.
   */
  private changes = 0;

  /**
   * The time of the message being counted ({@link count}), for the calls on its way that need it and are
   * not always inlined: a double passed as an argument to such a call is a heap number made per frame.
   */
  private now = Number.NEGATIVE_INFINITY;

  /**
   * The memos: entries of {@link E_STRIDE} elements in the order they were kept, found through an index of
   * [key, entry + 1] pairs (open addressing by the host's address and the first record's group, up to
   * {@link MEMO_PROBES} pairs from the home one). A LAN's hosts send their reports in much the same order
   * at every query, so their repeats read the entries forward, as counting them read the groups' rows:
   * entries placed by their hash instead were a cache miss a report at 100,000 groups, and took more time
   * than they saved.
   */
  private memo = new Int32Array(E_STRIDE * 64);
  private memof = new Float64Array(this.memo.buffer);
  /** Entries kept. */
  private memoTop = 0;
  /** The frames the memos were kept from, when known: {@link FRAME_ROOM} bytes per memo, at 4 × its entry. */
  private memoFrames = new Uint8Array(4 * this.memo.length);
  private memoWords = new Int32Array(this.memoFrames.buffer);
  private memoIndex = new Int32Array(2 * 256);
  private memoBits = 8;

  /** The index key of the reports from address `src` whose first record names `group`. */
  private memoKey(src: number, group: number): number {
    return Math.imul(group ^ Math.imul(src, 0x85ebca6b), 0x9e3779b1);
  }

  /** The entry of the memo of v3 report `m` (its host and records), or -1: none, or `m` cannot be one. */
  private memoFor(m: MembershipMessage): number {
    const n = m.recordCount;
    // (a memo's records have no sources, and records' sources follow each other: one look for all)
    return n >= 1 && n <= MEMO_RECORDS && m.recordEnd[n - 1] === 0 && this.memoTop > 0 ? this.memoOf(m.src, m.recordGroup[0]!, n) : -1;
  }

  /** The entry (its first index) of the memo of `n` records from address `src` whose first names `group`, or -1. */
  private memoOf(src: number, group: number, n: number): number {
    const idx = this.memoIndex;
    const mm = this.memo;
    const key = this.memoKey(src, group);
    const mask = (idx.length >> 1) - 1;
    let i = key >>> (32 - this.memoBits);
    for (let k = 0; k < MEMO_PROBES; k++) {
      const at = idx[2 * i + 1]!;
      if (at === 0) return -1;
      if (idx[2 * i] === key) {
        const e = (at - 1) * E_STRIDE;
        if (mm[e + E_SRC] === src && mm[e + E_RECORDS] === group && mm[e + E_N] === n) return e;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Whether `m`'s records are those of the memo at `e` (the same count already checked). */
  private sameAsMemo(m: MembershipMessage, e: number): boolean {
    const mm = this.memo;
    for (let i = 0; i < m.recordCount; i++) {
      const k = e + E_RECORDS + E_RECORD * i;
      if (m.recordGroup[i] !== mm[k] || m.recordType[i] !== mm[k + 2]) return false;
    }
    return true;
  }

  /**
   * Keep `m` (whose records, in {@link recs}, were all quiet) as a memo of host `h`: in `e`, its entry found
   * by {@link memoOf} (its repeats added first), or in a new one (-1). Not kept when the index has no free
   * pair among the key's probes.
   */
  private keepMemo(m: MembershipMessage, h: number, answers: boolean, e: number): void {
    const n = m.recordCount;
    // (no sources: one look for all, as in v3Report)
    if (m.recordEnd[n - 1] !== 0) return;
    // (a memo of refreshes alone, IS_EX({}) and TO_EX({}), may be taken by the state through its groups'
    // slots when it comes again: MonitorState.refreshRepeat)
    let refresh = true;
    for (let i = 0; i < n; i++) {
      const type = m.recordType[i]!;
      if (type < 1 || type > 6) return;
      if (type !== 2 && type !== 4) refresh = false;
    }
    if (e >= 0) this.flushMemo(e);
    else {
      e = this.newMemo(m.src, m.recordGroup[0]!);
      if (e < 0) return;
    }
    const mm = this.memo;
    mm[e + E_HOST] = h + 1;
    mm[e + E_SRC] = m.src;
    mm[e + E_N] = n;
    mm[e + E_CHANGES] = this.changes;
    mm[e + E_REPEATS] = 0;
    mm[e + E_ANSWERS] = (answers ? 1 : 0) | (refresh ? 2 : 0);
    if (refresh) this.refreshAt = this.changes;
    for (let i = 0; i < n; i++) {
      const k = e + E_RECORDS + E_RECORD * i;
      mm[k] = m.recordGroup[i]!;
      mm[k + 1] = this.state.recordSlots[i]!;
      mm[k + 2] = m.recordType[i]!;
      mm[k + 3] = this.recs[i]!;
    }
    // the frame it came in, when the collector read it from its bytes (Ethernet): to know it again unread
    // (a memo of refreshes alone: the others are never taken unread, repeatedFrame)
    const out = this.out;
    const fb = out.frameBytes;
    const f = this.memoFrames;
    const at = 4 * e;
    const len = out.frameEnd - out.frameStart;
    f[at + F_LENGTH] = 0;
    if (!refresh || fb === null || len > FRAME_ROOM - F_BYTES) return;
    // (the frame's IPv4 header starts 2 bytes past a word: 14 bytes into it, 4 more per VLAN tag)
    if ((out.frameIp & 3) !== 2) return;
    f[at + F_LENGTH] = len;
    f[at + F_IP] = out.frameIp;
    for (let i = 0; i < len; i++) f[at + F_BYTES + i] = fb[out.frameStart + i]!;
    // the header's one's-complement sum but the identification and checksum (RFC 1071)
    // (each part's folded sum carried into the next: the same one's-complement sum)
    const ip = at + F_BYTES + out.frameIp;
    const sum = onesComplementSum(f, ip + 12, ip + 4 * (f[ip]! & 0x0f), onesComplementSum(f, ip + 6, ip + 10, onesComplementSum(f, ip, ip + 4)));
    f[at + F_SUM] = sum >> 8;
    f[at + F_SUM + 1] = sum & 0xff;
  }

  /**
   * A new entry, in the index, for the memo of a report from address `src` whose first record names
   * `group` (its first index; -1: no free pair). At {@link MEMO_MAX} entries, every memo's repeats are
   * added and the memos start again.
   */
  private newMemo(src: number, group: number): number {
    if (this.memoTop === MEMO_MAX) {
      this.flushMemos();
      this.memoTop = 0;
      this.memoIndex.fill(0);
    }
    // (the index at most 3/8 full: a new memo finds a free pair among its probes)
    if ((this.memoTop + 1) * 8 > 3 * (this.memoIndex.length >> 1)) this.growMemoIndex();
    const i = this.freePair(this.memoKey(src, group));
    if (i < 0) return -1;
    const top = this.memoTop++;
    if ((top + 1) * E_STRIDE > this.memo.length) {
      this.memo = room(this.memo, (top + 1) * E_STRIDE, (k) => new Int32Array(k));
      this.memof = new Float64Array(this.memo.buffer);
      const f = new Uint8Array(4 * this.memo.length);
      f.set(this.memoFrames);
      this.memoFrames = f;
      this.memoWords = new Int32Array(f.buffer);
    }
    this.memoIndex[2 * i + 1] = top + 1;
    return top * E_STRIDE;
  }

  /** A free pair of the index for `key`, its key set (-1: none among the probes). */
  private freePair(key: number): number {
    const idx = this.memoIndex;
    const mask = (idx.length >> 1) - 1;
    let i = key >>> (32 - this.memoBits);
    for (let k = 0; k < MEMO_PROBES; k++) {
      if (idx[2 * i + 1] === 0) {
        idx[2 * i] = key;
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Twice the index, the entries indexed again (one that finds no free pair stays unindexed: its repeats are still added). */
  private growMemoIndex(): void {
    this.memoBits++;
    this.memoIndex = new Int32Array(2 << this.memoBits);
    const mm = this.memo;
    for (let j = 0; j < this.memoTop; j++) {
      const e = j * E_STRIDE;
      const i = this.freePair(this.memoKey(mm[e + E_SRC]!, mm[e + E_RECORDS]!));
      if (i >= 0) this.memoIndex[2 * i + 1] = j + 1;
    }
  }

  /** Add the counts of the repeats of the memo at `e`. */
  private flushMemo(e: number): void {
    const mm = this.memo;
    const k = mm[e + E_REPEATS]!;
    if (k === 0) return;
    const hr = (mm[e + E_HOST]! - 1) * H_STRIDE;
    const t = this.memof[(e >> 1) + E_MS_F64]!;
    const hc = this.hc;
    for (let i = 0; i < mm[e + E_N]!; i++) {
      const r = e + E_RECORDS + E_RECORD * i;
      const type = mm[r + 2]!;
      const g = mm[r + 3]!;
      this.gh[g * G_STRIDE + type]! += k;
      hc[hr + H_R0 + type]! += k;
      if (t > this.ghf[g * G_F64 + G_LAST]!) this.ghf[g * G_F64 + G_LAST] = t;
    }
    mm[e + E_REPEATS] = 0;
  }

  /** Add every memo's repeats (before the counts are read). */
  flushMemos(): void {
    const mm = this.memo;
    for (let e = 0; e < this.memoTop * E_STRIDE; e += E_STRIDE) if (mm[e + E_REPEATS]! > 0) this.flushMemo(e);
  }

  /**
   * The rest of {@link v3Report}'s work on a record: answers and membership. `member`: the record makes the
   * host a member (1) or not (0), or says nothing of it (-1: BLOCK). At {@link now}.
   */
  private record(h: number, g: number, current: boolean, member: number): void {
    const t = this.now;
    const entry = this.reported(h, g, t, current, false);
    if (member >= 0) this.setCurrent(g, entry, member === 1);
    this.setMembers(g, t);
  }

  /** The last event's time and group, parsed (a message's events share its time; a join and its mode change their group). */
  private eventTime = "";
  private eventMs = 0;
  private eventGroup = "";
  private eventGroupN = 0;

  private onEvents(events: readonly MonitorEvent[]): void {
    for (const e of events) this.onEvent(e);
  }

  private onEvent(e: MonitorEvent): void {
    if (e.time !== this.eventTime) {
      this.eventTime = e.time;
      this.eventMs = frameTimeMs(e.time);
    }
    const t = this.eventMs;
    if ("group" in e && e.group !== this.eventGroup) {
      this.eventGroup = e.group;
      this.eventGroupN = addr32(e.group);
    }
    switch (e.type) {
      case "join":
        this.joinAt(this.eventGroupN, t);
        break;
      case "leave": {
        const g = this.group(this.eventGroupN, t);
        this.gc[g * C_STRIDE + C_LEAVES]!++;
        const h = e.reporter !== null ? this.hostIds.get(addr32(e.reporter)) : -1;
        const member = h < 0 ? NO_MEMBER : this.memberOf(g, h);
        if (member !== NO_MEMBER) this.setCurrent(g, member, false);
        this.setMembers(g, t);
        if (this.keepTimelines) this.groupTimelines[g]!.leaves.push(t, e.frame ?? 0);
        break;
      }
      case "expiry": {
        const g = this.group(this.eventGroupN, t);
        this.gc[g * C_STRIDE + C_EXPIRIES]!++;
        this.gh[g * G_STRIDE + G_EPOCH]!++;
        this.gh[g * G_STRIDE + G_CURRENT] = 0;
        this.changes++;
        this.setMembers(g, t);
        if (this.keepTimelines) this.groupTimelines[g]!.expiries.push(t);
        break;
      }
      case "mode-change":
        this.modeChangeAt(this.eventGroupN, t, e.to === "exclude");
        break;
      case "last-member-query": {
        const g = this.group(this.eventGroupN, t);
        this.gc[g * C_STRIDE + C_LMQ]!++;
        if (this.keepTimelines) this.groupTimelines[g]!.lastMemberQueries.push(t, e.observed ? 1 : 0);
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

  /** Messages naming group `g`: the busiest first. */
  groupActivity(g: number): number {
    const c = g * C_STRIDE;
    return this.gc[c + C_V1]! + this.gc[c + C_V2]! + this.v3Records(g) + this.gc[c + C_LEAVE_MESSAGES]! + this.gc[c + C_GROUP_QUERIES]!;
  }

  /** v3 records naming group `g`: its records of every type. */
  private v3Records(g: number): number {
    const r = g * G_STRIDE;
    let n = this.gc[g * C_STRIDE + C_R0]!;
    for (let k = 1; k <= 6; k++) n += this.gh[r + k]!;
    return n;
  }

  groupAddress(g: number): number {
    return this.gh[g * G_STRIDE + G_KEY]!;
  }

  /** Group `g`'s numbers into `f` (of this LAN, whose `vlan` it is). */
  readGroup(g: number, vlan: number[] | undefined, f: GroupFields): GroupFields {
    const r = g * G_STRIDE;
    const c = g * C_STRIDE;
    const gh = this.gh;
    const gc = this.gc;
    f.address = gh[r + G_KEY]! >>> 0;
    f.vlan = vlan;
    f.firstMs = this.gt[g * T_STRIDE + T_FIRST]!;
    f.lastMs = this.ghf[g * G_F64 + G_LAST]!;
    f.v1 = gc[c + C_V1]!;
    f.v2 = gc[c + C_V2]!;
    f.v3 = this.v3Records(g);
    f.records[0] = gc[c + C_R0]!;
    for (let k = 1; k < 7; k++) f.records[k] = gh[r + k]!;
    f.leaveMessages = gc[c + C_LEAVE_MESSAGES]!;
    f.membersSeen = gh[r + G_SEEN]!;
    f.joins = gc[c + C_JOINS]!;
    f.leaves = gc[c + C_LEAVES]!;
    f.expiries = gc[c + C_EXPIRIES]!;
    f.modeChanges = gc[c + C_MODE_CHANGES]!;
    f.lastMemberQueries = gc[c + C_LMQ]!;
    f.groupQueries = gc[c + C_GROUP_QUERIES]!;
    return f;
  }

  /** Messages from host `h`. */
  hostActivity(h: number): number {
    const r = h * H_STRIDE;
    return this.hc[r + H_V1]! + this.hc[r + H_V2]! + this.hc[r + H_V3]! + this.hc[r + H_LEAVE_MESSAGES]!;
  }

  hostAddress(h: number): number {
    return this.hc[h * H_STRIDE + H_KEY]!;
  }

  hostStats(h: number, v: { vlan?: number[] }): HostStats {
    const r = h * H_STRIDE;
    const hc = this.hc;
    return {
      host: numberToIPv4(hc[r + H_KEY]!),
      ...v,
      firstSeen: formatTimeMs(this.hcf[h * H_F64 + H_FIRST_F64]!),
      lastSeen: formatTimeMs(this.hcf[h * H_F64 + H_LAST_F64]!),
      reports: { v1: hc[r + H_V1]!, v2: hc[r + H_V2]!, v3: hc[r + H_V3]! },
      records: recordCounts(hc.subarray(r + H_R0, r + H_R0 + 7)),
      leaveMessages: hc[r + H_LEAVE_MESSAGES]!,
      groups: hc[r + H_GROUPS]!,
      responses: summarizeCounts(this.hostDelays.of(h), hc[r + H_LATE]!),
    };
  }

  /** Each group's timeline with its activity (needs `keepTimelines`). */
  timelines(): GroupTimeline[] {
    this.groupTimelines.forEach((tl, g) => (tl.activity = this.groupActivity(g)));
    return this.groupTimelines;
  }
}

const RECORD_NAMES = [0, 1, 2, 3, 4, 5, 6].map(groupRecordKind);

/** Records by name, from their counts by type (0 unknown, 1-6). */
function recordCounts(byType: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 0; k < 7; k++) if (byType[k]! > 0) out[RECORD_NAMES[k]!] = byType[k]!;
  return out;
}

/**
 * A group's numbers as the statistics hold them, filled by {@link StatsSummary.groups}' `read`: for a
 * writer that prints 100,000 groups without making a {@link GroupStats} of each ({@link groupStatsOf}).
 */
export interface GroupFields extends Pick<GroupStats, "leaveMessages" | "membersSeen" | "joins" | "leaves" | "expiries" | "modeChanges" | "lastMemberQueries" | "groupQueries"> {
  /** Unsigned 32-bit. */
  address: number;
  vlan: number[] | undefined;
  firstMs: number;
  lastMs: number;
  v1: number;
  v2: number;
  v3: number;
  /** Records by type: 0 (unknown) and 1-6, the RFC's. */
  records: Int32Array;
}

/** Room for a group's numbers. */
export function newGroupFields(): GroupFields {
  return { address: 0, vlan: undefined, firstMs: 0, lastMs: 0, v1: 0, v2: 0, v3: 0, records: new Int32Array(7), leaveMessages: 0, membersSeen: 0, joins: 0, leaves: 0, expiries: 0, modeChanges: 0, lastMemberQueries: 0, groupQueries: 0 };
}

/** The {@link GroupStats} of a group's numbers. */
export function groupStatsOf(f: GroupFields): GroupStats {
  return {
    group: numberToIPv4(f.address),
    ...(f.vlan === undefined ? {} : { vlan: f.vlan }),
    firstSeen: formatTimeMs(f.firstMs),
    lastSeen: formatTimeMs(f.lastMs),
    reports: { v1: f.v1, v2: f.v2, v3: f.v3 },
    records: recordCounts(f.records),
    leaveMessages: f.leaveMessages,
    membersSeen: f.membersSeen,
    joins: f.joins,
    leaves: f.leaves,
    expiries: f.expiries,
    modeChanges: f.modeChanges,
    lastMemberQueries: f.lastMemberQueries,
    groupQueries: f.groupQueries,
  };
}

/** The 0-based rank of quantile `q` (0..1) among `n` sorted values, nearest rank. */
function rank(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
}

const sec = (ms: number): number => Math.round(ms) / 1000;

/** Percentiles of delays in ms (seconds out). */
export function summarizeDelays(delaysMs: readonly number[], late: number): DelaySummary {
  const c = new WholeMsCounts();
  for (const ms of delaysMs) c.add(Math.round(ms));
  return summarizeCounts(c, late);
}

/** {@link summarizeDelays} of delays counted as whole milliseconds. */
function summarizeCounts(c: Ranked, late: number): DelaySummary {
  const n = c.count;
  if (n === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, late };
  const [p50, p90, p99, max] = c.atRanks([rank(n, 0.5), rank(n, 0.9), rank(n, 0.99), n - 1]).map(sec);
  return { count: n, p50: p50!, p90: p90!, p99: p99!, max: max!, late };
}

const vlanOf = (key: string): { vlan?: number[] } => (key === "" ? {} : { vlan: key.split(".").map(Number) });

/** Up to this many whole milliseconds (about 17 minutes) are counted by index in the delays of all hosts. */
const DENSE_DELAYS = 1 << 20;

/** Whether this machine keeps numbers' low bytes first (an Int32Array's words then read as `getInt32(i, true)`). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `count` VLAN IDs as a number: 0 none, 1 + the ID for one, 4097 + 4096 × outer + inner for two; -2 for
 * more (such LANs share it: a wrong one only misses a repeat, as its memos' frames have other tags).
 */
function tagsKey(count: number, outer: number, inner: number): number {
  return count === 0 ? 0 : count === 1 ? 1 + outer : count === 2 ? 4097 + 4096 * outer + inner : -2;
}

/**
 * Streaming statistics: {@link push} (or {@link pushBytes}) each frame in capture order, then
 * {@link finish}. Memory grows with groups, hosts, queriers and (group, host) pairs, not with frames: a
 * host's answers are listed until 65,536 of them, then counted by value (the distinct delays in whole
 * milliseconds), and so are all hosts' answers and the queriers' intervals. (With `keepTimelines`, the
 * timelines and the per-answer points grow with the events and answers, as drawing needs.)
 */
export class StatsCollector {
  private readonly lans = new Map<string, LanStats>();
  /** The same by their VLAN tags' number (`LanStats.tags`). */
  private readonly lanByTags = new Map<number, LanStats>();
  private readonly view = new FrameView();
  private readonly msg = new MembershipMessage();
  private latestMs = Number.NEGATIVE_INFINITY;
  private firstMs = Number.POSITIVE_INFINITY;
  frames = 0;
  messages = 0;
  /** @internal Delays of answers to general and to group-specific queries (whole ms), and how many were late. */
  readonly general = new WholeMsCounts(DENSE_DELAYS);
  private readonly groupSpecific = new WholeMsCounts(DENSE_DELAYS);
  /** @internal */
  lateGeneral = 0;
  private lateGroup = 0;
  /** [query time, delay, Max Resp Time, general 1/0] per answer, when timelines are kept. */
  readonly delayPoints: DelayPoints = [];

  constructor(
    private readonly config: MonitorConfig = {},
    /** Keep per-group timelines and per-answer points (for `igmpkit report`). */
    readonly keepTimelines = false,
  ) {}

  /** The last LAN asked for (a capture is mostly one). */
  private lastLan: LanStats | null = null;

  private lan(key: string, state?: MonitorState): LanStats {
    if (this.lastLan !== null && this.lastLan.vlan === key) return this.lastLan;
    let lan = this.lans.get(key);
    if (lan === undefined) {
      // (a state of its own builds no source events: nothing here reads them)
      lan = new LanStats(key, state ?? new MonitorState({ ...this.config, sourceEvents: false }), this);
      // a state of its own hands its events over as it makes them (another's, the linter's, returns them)
      if (state === undefined) lan.state.sinkTo(lan.pending);
      this.lans.set(key, lan);
      this.lanByTags.set(lan.tags, lan);
    }
    this.lastLan = lan;
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

  /** @internal An answer `ms` (`whole`: rounded) after a query with Max Resp Time `maxRespMs` (the host has counted it). */
  delay(ms: number, whole: number, late: boolean, maxRespMs: number, queryMs: number, general: boolean): void {
    if (general) {
      this.general.add(whole);
      if (late) this.lateGeneral++;
    } else {
      this.groupSpecific.add(whole);
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
    if (m.kind === MessageKind.v3Report && m.status === MessageStatus.ok && lan.repeated(m)) return;
    lan.observe(m, lan.state.take(m));
  }

  /**
   * @internal The frame being counted, when read from its bytes (Ethernet): its array, its span there and its
   * IPv4 header's offset in it, for a memo kept from it (`LanStats.keepMemo`); `frameBytes` null otherwise.
   */
  frameBytes: Uint8Array | null = null;
  frameStart = 0;
  frameEnd = 0;
  frameIp = 0;
  /** @internal The time of the frame {@link pushBytes} has, as its message would have it (not a call's argument: see `LanStats.now`). */
  frameMs = 0;

  /** Take one decoded frame. */
  push(f: DecodedFrame): void {
    this.frameBytes = null;
    this.frames++;
    this.msg.fromDecoded(f);
    this.takeMessage(this.msg);
  }

  /** Take one frame from its bytes (what `readCaptureFile().scan` gives): the monitor's hot path. */
  pushBytes(bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, frame: number, seconds: number, nanos: number): void {
    // a host's report again, byte for byte, taken and counted through its memo unread: in the LAN of its
    // VLAN tags (the memo's frame has the same), found by the tags' number, not the key text
    if (linkType === LinkType.ethernet && this.lastLan !== null && (this.lastLan.repeatable() || this.lans.size > 1)) {
      // (the VLAN stack as FrameView's walkLink reads it)
      let ip = start + 14;
      let et = ip <= end ? (bytes[ip - 2]! << 8) | bytes[ip - 1]! : 0;
      let count = 0;
      let outer = 0;
      let inner = 0;
      while ((et === ETHERTYPE.vlan || et === ETHERTYPE.qinq || et === ETHERTYPE.qinqOld) && ip + 4 <= end) {
        const vid = ((bytes[ip]! << 8) | bytes[ip + 1]!) & 0xfff;
        if (count++ === 0) outer = vid;
        else inner = vid;
        ip += 4;
        et = (bytes[ip - 2]! << 8) | bytes[ip - 1]!;
      }
      const tags = tagsKey(count, outer, inner);
      let lan: LanStats | null | undefined = this.lastLan;
      if (lan.tags !== tags) lan = this.lanByTags.get(tags);
      if (et === ETHERTYPE.ipv4 && ip + 20 <= end && lan !== undefined) {
        let t = seconds * 1000 + nanos / 1e6;
        if (t < this.latestMs) t = this.latestMs; // (as takeMessage)
        this.frameMs = t;
        if (lan.repeatedFrame(bytes, start, end, ip)) {
          this.frames++;
          this.latestMs = t;
          if (t < this.firstMs) this.firstMs = t;
          this.lastLan = lan;
          return;
        }
      }
    }
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
    if (linkType === LinkType.ethernet) {
      this.frameBytes = bytes;
      this.frameStart = start;
      this.frameEnd = end;
      this.frameIp = this.view.ipOffset - start;
    } else this.frameBytes = null;
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
      groups.push(...lan.timelines());
      queriers.push({ vlan: lan.vlan, events: lan.querierEvents, generalQueries: lan.generalQueries });
    }
    groups.sort((a, b) => b.activity - a.activity);
    return { groups, queriers };
  }

  /**
   * Fire every timer up to the last frame's time, then summarize. The groups and hosts come as lists that
   * make each entry when asked for it ({@link StatsList}), busiest first: a writer can print 100,000
   * groups without holding them all.
   */
  summary(): StatsSummary {
    const end = this.latestMs;
    const queriers: QuerierStats[] = [];
    let bad = 0;
    let malformed = 0;
    const lans = [...this.lans.values()];
    let groupCount = 0;
    let hostCount = 0;
    for (const lan of lans) {
      if (Number.isFinite(end)) lan.advance(end);
      lan.flushMemos();
      bad += lan.state.droppedFrames;
      malformed += lan.state.malformedFrames;
      groupCount += lan.groupIds.size;
      hostCount += lan.hostIds.size;
      const v = vlanOf(lan.vlan);
      for (const q of lan.queriers.values()) {
        const iv = q.intervals;
        const n = iv.count;
        const [min, median, max] = n === 0 ? [] : iv.atRanks([0, rank(n, 0.5), n - 1]).map(sec);
        const maxRespTime: Record<string, number> = {};
        for (const [ms, k] of [...q.maxResp].sort((a, b) => a[0] - b[0])) maxRespTime[String(ms / 1000)] = k;
        queriers.push({
          querier: numberToIPv4(q.n),
          ...v,
          firstSeen: formatTimeMs(q.firstMs),
          lastSeen: formatTimeMs(q.lastMs),
          queries: { generalV1: q.g1, generalV2: q.g2, generalV3: q.g3, groupSpecific: q.gs, groupAndSourceSpecific: q.gss },
          interval: n === 0 ? { count: 0, min: null, median: null, max: null } : { count: n, min: min!, median: median!, max: max! },
          advertisedQqi: q.qqi,
          advertisedQrv: q.qrv,
          maxRespTime,
          elected: q.elected,
        });
      }
    }
    queriers.sort((a, b) => ipv4ToNumber(a.querier) - ipv4ToNumber(b.querier));
    const vlans = lans.map((l) => vlanOf(l.vlan));
    const groups = busiestFirst(lans, groupCount, (l) => l.groupIds.size, (l, i) => l.groupActivity(i), (l, i) => l.groupAddress(i));
    const hosts = busiestFirst(lans, hostCount, (l) => l.hostIds.size, (l, i) => l.hostActivity(i), (l, i) => l.hostAddress(i));
    const first = lans[0];
    return {
      frames: this.frames,
      messages: this.messages,
      badChecksums: bad,
      malformed,
      firstTime: Number.isFinite(this.firstMs) ? formatTimeMs(this.firstMs) : null,
      lastTime: Number.isFinite(end) ? formatTimeMs(end) : null,
      groups: {
        length: groupCount,
        read: (k, f) => lans[groups.lan[k]!]!.readGroup(groups.id[k]!, vlans[groups.lan[k]!]!.vlan, f),
        at: (k) => groupStatsOf(lans[groups.lan[k]!]!.readGroup(groups.id[k]!, vlans[groups.lan[k]!]!.vlan, newGroupFields())),
      },
      hosts: { length: hostCount, at: (k) => lans[hosts.lan[k]!]!.hostStats(hosts.id[k]!, vlans[hosts.lan[k]!]!) },
      queriers,
      responseDelays: { general: summarizeCounts(this.general, this.lateGeneral), groupSpecific: summarizeCounts(this.groupSpecific, this.lateGroup) },
      timers: (this.lans.get("") ?? first)?.state.timers() ?? new MonitorState(this.config).timers(),
    };
  }

  /** Fire every timer up to the last frame's time, then summarize. */
  finish(): IgmpStats {
    const s = this.summary();
    const all = <T>(l: StatsList<T>): T[] => Array.from({ length: l.length }, (_, k) => l.at(k));
    return { ...s, groups: all(s.groups), hosts: all(s.hosts) };
  }
}

/** Entries made one at a time: `at(k)` for k below `length`. */
export interface StatsList<T> {
  length: number;
  at(k: number): T;
}

/** {@link IgmpStats} with its groups and hosts as {@link StatsList}s (same fields, same order). */
export type StatsSummary = Omit<IgmpStats, "groups" | "hosts"> & {
  /** `read(k, f)`: the k-th group's numbers into `f` (see {@link GroupFields}). */
  groups: StatsList<GroupStats> & { read(k: number, f: GroupFields): GroupFields };
  hosts: StatsList<HostStats>;
}

/**
 * Every LAN's entries (groups or hosts), busiest first, then by address, then LAN by LAN in the order they
 * were seen: as (LAN index, id) pairs.
 */
function busiestFirst(
  lans: readonly LanStats[],
  total: number,
  size: (l: LanStats) => number,
  activity: (l: LanStats, id: number) => number,
  address: (l: LanStats, id: number) => number,
): { lan: Int32Array; id: Int32Array } {
  const lan = new Int32Array(total);
  const id = new Int32Array(total);
  const act = new Float64Array(total);
  const addr = new Float64Array(total);
  let k = 0;
  lans.forEach((l, li) => {
    for (let i = 0; i < size(l); i++, k++) {
      lan[k] = li;
      id[k] = i;
      act[k] = activity(l, i);
      addr[k] = address(l, i) >>> 0;
    }
  });
  // (filled by a loop, not Array.from of an array-like, which reads each index of it as a named property:
  // 240 M instructions at 100,000 groups, 2 % of the command's)
  const order: number[] = new Array<number>(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => act[b]! - act[a]! || addr[a]! - addr[b]! || a - b);
  const byLan = new Int32Array(total);
  const byId = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    byLan[i] = lan[order[i]!]!;
    byId[i] = id[order[i]!]!;
  }
  return { lan: byLan, id: byId };
}

/** Statistics of a whole list of decoded frames. */
export function statsOf(frames: Iterable<DecodedFrame>, config: MonitorConfig = {}): IgmpStats {
  const s = new StatsCollector(config);
  for (const f of frames) s.push(f);
  return s.finish();
}
