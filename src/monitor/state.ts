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
import { IGMP_ADDRESSES, ipv4ToNumber, isMulticast, isSsm, type DecodedFrame, type GroupRecord } from "../wire/index.js";

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

export type FilterMode = "include" | "exclude";
export type CompatMode = 1 | 2 | 3;

/** Where an event came from: a frame, or a timer expiring (frame null). */
interface EventBase {
  timeMs: number;
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

export type MonitorEventType = MonitorEvent["type"];

/** One source record as the snapshot shows it. */
export interface SourceSnapshot {
  source: string;
  /** Seconds left on the source timer; 0 for an excluded source (EXCLUDE mode, "do not forward"). */
  timer: number;
  forwarding: boolean;
}

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

export interface QuerierSnapshot {
  address: string;
  version: 1 | 2 | 3;
  /** Seconds left on the other-querier-present timer. */
  timer: number;
}

/** The whole view at one time. JSON-ready. */
export interface MonitorSnapshot {
  timeMs: number;
  querier: QuerierSnapshot | null;
  timers: MonitorTimers;
  groups: GroupSnapshot[];
}

interface SourceRec {
  /** Absolute expiry (ms); null means timer 0: an excluded source in EXCLUDE mode. */
  expiresMs: number | null;
}

interface GroupRec {
  group: string;
  mode: FilterMode;
  /** Absolute expiry (ms), EXCLUDE mode only. */
  groupTimerMs: number | null;
  sources: Map<string, SourceRec>;
  compat: CompatMode;
  v1HostMs: number | null;
  v2HostMs: number | null;
  lastReporter: string | null;
  reporters: Set<string>;
}

interface QuerierRec {
  address: string;
  version: 1 | 2 | 3;
  expiresMs: number;
}

/** The record types, after compatibility-mode translation, that the state tables take. */
type RecordOp = "IS_IN" | "IS_EX" | "TO_IN" | "TO_EX" | "ALLOW" | "BLOCK";

const OPS: Record<number, RecordOp> = { 1: "IS_IN", 2: "IS_EX", 3: "TO_IN", 4: "TO_EX", 5: "ALLOW", 6: "BLOCK" };

/** Parse the JSON model's exact "seconds.nanoseconds" time to milliseconds. */
export function frameTimeMs(time: string): number {
  const neg = time.startsWith("-");
  const [s = "0", f = "0"] = (neg ? time.slice(1) : time).split(".");
  const ms = Number(s) * 1000 + Number(f.padEnd(9, "0").slice(0, 9)) / 1e6;
  return neg ? -ms : ms;
}

function byAddress(a: string, b: string): number {
  return ipv4ToNumber(a) - ipv4ToNumber(b);
}

/**
 * Router state for one LAN, fed with decoded frames. RFC 9776 §6 (group and source records, timers,
 * the state tables of §6.4), §6.6 (querier election, timer updates on queries), §7.3 (compatibility).
 */
export class MonitorState {
  private readonly config: Required<Omit<MonitorConfig, "lastMemberQueryCount">> & { lastMemberQueryCount: number | undefined };
  private learned: { robustness?: number; queryInterval?: number; queryResponseInterval?: number; lastMemberQueryInterval?: number } = {};
  private readonly groups = new Map<string, GroupRec>();
  private querier: QuerierRec | null = null;
  private nowMs = Number.NEGATIVE_INFINITY;
  private events: MonitorEvent[] = [];
  private frameNo: number | null = null;
  /** Frames dropped because their checksum does not verify (a router discards them). */
  droppedFrames = 0;

  constructor(config: MonitorConfig = {}) {
    this.config = {
      robustness: config.robustness ?? 2,
      queryInterval: config.queryInterval ?? 125,
      queryResponseInterval: config.queryResponseInterval ?? 10,
      lastMemberQueryInterval: config.lastMemberQueryInterval ?? 1,
      lastMemberQueryCount: config.lastMemberQueryCount,
    };
  }

  /** The protocol variables in force now (configured, overridden by what the querier advertises). */
  timers(): MonitorTimers {
    const rv = this.learned.robustness ?? this.config.robustness;
    const qi = this.learned.queryInterval ?? this.config.queryInterval;
    const qri = this.learned.queryResponseInterval ?? this.config.queryResponseInterval;
    const lmqi = this.learned.lastMemberQueryInterval ?? this.config.lastMemberQueryInterval;
    const lmqc = this.config.lastMemberQueryCount ?? rv;
    return {
      robustness: rv,
      queryInterval: qi,
      queryResponseInterval: qri,
      lastMemberQueryInterval: lmqi,
      lastMemberQueryCount: lmqc,
      groupMembershipInterval: rv * qi + qri,
      otherQuerierPresentInterval: rv * qi + qri / 2,
      lastMemberQueryTime: lmqi * lmqc,
      olderHostPresentInterval: rv * qi + qri,
    };
  }

  /** The machine's time: the latest `nowMs` it was given (ms; -Infinity before the first). */
  time(): number {
    return this.nowMs;
  }

  /** The current querier's address, or null. */
  querierAddress(): string | null {
    return this.querier?.address ?? null;
  }

  /**
   * Take one frame observed at `nowMs`: first fire every expiry up to `nowMs`, then apply the frame.
   * Frames without IGMP, or whose IGMP checksum does not verify, change nothing. Returns the events.
   */
  receive(frame: DecodedFrame, nowMs: number = frameTimeMs(frame.time)): MonitorEvent[] {
    const out = this.advance(nowMs);
    const m = frame.igmp;
    if (m === null || frame.ipSrc === null) return out;
    if (m.checksumValid === false || frame.errors.some((e) => e.code === "bad-ip-checksum")) {
      this.droppedFrames++;
      return out;
    }
    this.frameNo = frame.frame;
    const src = frame.ipSrc;
    switch (m.kind) {
      case "query":
        if (m.version !== null) this.onQuery(src, m.version, m);
        break;
      case "v1-report":
        this.onOldReport(src, m.group, 1);
        break;
      case "v2-report":
        this.onOldReport(src, m.group, 2);
        break;
      case "leave":
        this.onLeave(src, m.group);
        break;
      case "v3-report":
        for (const r of m.records) this.onRecord(src, r);
        break;
      default:
        break;
    }
    this.frameNo = null;
    return out.concat(this.drain());
  }

  /** Move the clock to `nowMs`, firing every expiry on the way in time order. Returns the events. */
  advance(nowMs: number): MonitorEvent[] {
    for (;;) {
      const d = this.nextDeadlineMs();
      if (d === null || d > nowMs) break;
      this.nowMs = Math.max(this.nowMs, d);
      this.fire(d);
    }
    this.nowMs = Math.max(this.nowMs, nowMs);
    return this.drain();
  }

  /** The earliest time a timer expires, or null when no timer runs. */
  nextDeadlineMs(): number | null {
    let best: number | null = null;
    const consider = (t: number | null) => {
      if (t !== null && (best === null || t < best)) best = t;
    };
    if (this.querier) consider(this.querier.expiresMs);
    for (const g of this.groups.values()) {
      consider(g.groupTimerMs);
      consider(g.v1HostMs);
      consider(g.v2HostMs);
      for (const s of g.sources.values()) consider(s.expiresMs);
    }
    return best;
  }

  /** The whole view at `nowMs` (default: the latest time seen). */
  snapshot(nowMs: number = this.nowMs): MonitorSnapshot {
    const left = (t: number | null) => (t === null ? null : Math.max(0, (t - nowMs) / 1000));
    const groups = [...this.groups.values()].sort((a, b) => byAddress(a.group, b.group));
    return {
      timeMs: nowMs,
      querier: this.querier
        ? { address: this.querier.address, version: this.querier.version, timer: left(this.querier.expiresMs) ?? 0 }
        : null,
      timers: this.timers(),
      groups: groups.map((g) => ({
        group: g.group,
        filterMode: g.mode,
        groupTimer: g.mode === "exclude" ? left(g.groupTimerMs) : null,
        compatMode: g.compat,
        v1HostTimer: left(g.v1HostMs),
        v2HostTimer: left(g.v2HostMs),
        lastReporter: g.lastReporter,
        reporters: [...g.reporters].sort(byAddress),
        sources: [...g.sources.entries()]
          .sort(([a], [b]) => byAddress(a, b))
          .map(([source, s]) => ({ source, timer: left(s.expiresMs) ?? 0, forwarding: s.expiresMs !== null })),
      })),
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Events and timers

  private emit(e: DistributiveOmitBase<MonitorEvent>): void {
    this.events.push({ timeMs: this.nowMs, frame: this.frameNo, ...e } as MonitorEvent);
  }

  private drain(): MonitorEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private gmiMs(): number {
    return this.timers().groupMembershipInterval * 1000;
  }

  private lmqtMs(): number {
    return this.timers().lastMemberQueryTime * 1000;
  }

  /** Handle every timer that expires at exactly `t` (RFC 9776 §6.5, §7.3.2; RFC 2236 §7). */
  private fire(t: number): void {
    if (this.querier && this.querier.expiresMs <= t) {
      this.emit({ type: "querier-expired", querier: this.querier.address });
      this.querier = null;
    }
    for (const g of [...this.groups.values()]) {
      if (g.v1HostMs !== null && g.v1HostMs <= t) g.v1HostMs = null;
      if (g.v2HostMs !== null && g.v2HostMs <= t) g.v2HostMs = null;
      this.updateCompat(g);
      for (const [addr, s] of [...g.sources]) {
        if (s.expiresMs === null || s.expiresMs > t) continue;
        if (g.mode === "include") {
          g.sources.delete(addr);
          this.emit({ type: "source-removed", group: g.group, source: addr, reason: "timer" });
        } else {
          // EXCLUDE mode: the source stays, timer 0, and is no longer forwarded (§6.3).
          s.expiresMs = null;
          this.emit({ type: "source-blocked", group: g.group, source: addr });
        }
      }
      if (g.mode === "exclude" && g.groupTimerMs !== null && g.groupTimerMs <= t) {
        // Group timer expiry in EXCLUDE mode (§6.5): sources with running timers are kept, the
        // excluded ones are deleted, and the group goes to INCLUDE (or away when nothing is left).
        for (const [addr, s] of [...g.sources]) {
          if (s.expiresMs === null) {
            g.sources.delete(addr);
            this.emit({ type: "source-removed", group: g.group, source: addr, reason: "mode-change" });
          }
        }
        g.groupTimerMs = null;
        if (g.sources.size === 0) {
          this.groups.delete(g.group);
          this.emit({ type: "expiry", group: g.group, reason: "group-timer" });
          continue;
        }
        this.setMode(g, "include");
      }
      if (g.mode === "include" && g.sources.size === 0) {
        this.groups.delete(g.group);
        this.emit({ type: "expiry", group: g.group, reason: "no-sources" });
      }
    }
  }

  private updateCompat(g: GroupRec): void {
    const next: CompatMode = g.v1HostMs !== null ? 1 : g.v2HostMs !== null ? 2 : 3;
    if (next !== g.compat) {
      this.emit({ type: "compat-change", group: g.group, from: g.compat, to: next });
      g.compat = next;
    }
  }

  private setMode(g: GroupRec, mode: FilterMode): void {
    if (g.mode === mode) return;
    this.emit({ type: "mode-change", group: g.group, from: g.mode, to: mode });
    g.mode = mode;
  }

  // -------------------------------------------------------------------------------------------------
  // Queries: election (§6.6.2) and timer updates (§6.6.1, §4.1.6, §4.1.7)

  private onQuery(src: string, version: 1 | 2 | 3, m: Extract<DecodedFrame["igmp"], { kind: "query" }>): void {
    const cur = this.querier;
    // Lowest address wins. A query from the current querier refreshes the other-querier-present timer.
    if (cur === null || byAddress(src, cur.address) <= 0) {
      if (cur === null) this.emit({ type: "querier-elected", querier: src, version });
      else if (cur.address !== src) this.emit({ type: "querier-changed", querier: src, previous: cur.address, version });
      this.querier = { address: src, version, expiresMs: 0 };
    }
    const isQuerier = this.querier!.address === src;
    if (isQuerier) {
      // Non-queriers adopt the querier's QRV and QQI (§4.1.6, §4.1.7); QRI comes from the general
      // query's Max Resp Time, LMQI from the group-specific query's (as Linux and FRR do).
      this.querier!.version = version;
      if (m.version === 3) {
        if (m.qrv !== 0) this.learned.robustness = m.qrv;
        if (m.qqic !== 0) this.learned.queryInterval = m.qqi;
      }
      if (m.maxRespTime !== null) {
        if (m.group === IGMP_ADDRESSES.any) this.learned.queryResponseInterval = m.maxRespTime;
        else this.learned.lastMemberQueryInterval = m.maxRespTime;
      }
      this.querier!.expiresMs = this.nowMs + this.timers().otherQuerierPresentInterval * 1000;
    }
    if (m.group === IGMP_ADDRESSES.any) return;
    // A group(-and-source)-specific query with a clear S flag lowers the timers it names (§6.6.1).
    const sFlag = m.version === 3 && m.sFlag;
    const sources = m.version === 3 ? m.sources : [];
    const g = this.groups.get(m.group);
    this.emit({ type: "last-member-query", group: m.group, sources: [...sources], observed: true });
    if (g === undefined || sFlag) return;
    if (sources.length === 0) this.lowerGroupTimer(g);
    else this.lowerSourceTimers(g, sources);
  }

  private lowerGroupTimer(g: GroupRec): void {
    const lmqt = this.nowMs + this.lmqtMs();
    if (g.mode === "exclude" && g.groupTimerMs !== null && g.groupTimerMs > lmqt) g.groupTimerMs = lmqt;
  }

  private lowerSourceTimers(g: GroupRec, sources: Iterable<string>): void {
    const lmqt = this.nowMs + this.lmqtMs();
    for (const a of sources) {
      const s = g.sources.get(a);
      if (s && s.expiresMs !== null && s.expiresMs > lmqt) s.expiresMs = lmqt;
    }
  }

  /** "Send Q(G)" / "Send Q(G,S)": seen from the wire when there is a querier, acted out when there is none. */
  private sendQuery(g: GroupRec, sources: string[] | null): void {
    if (this.querier !== null) return;
    if (sources === null) {
      this.emit({ type: "last-member-query", group: g.group, sources: [], observed: false });
      this.lowerGroupTimer(g);
    } else if (sources.length > 0) {
      this.emit({ type: "last-member-query", group: g.group, sources: [...sources], observed: false });
      this.lowerSourceTimers(g, sources);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Reports (§6.4, §7.3.2)

  private getGroup(group: string, reporter: string, version: 1 | 2 | 3): GroupRec {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = {
        group,
        mode: "include",
        groupTimerMs: null,
        sources: new Map(),
        compat: 3,
        v1HostMs: null,
        v2HostMs: null,
        lastReporter: null,
        reporters: new Set(),
      };
      this.groups.set(group, g);
      this.emit({ type: "join", group, reporter, version });
    }
    return g;
  }

  private onOldReport(src: string, group: string, version: 1 | 2): void {
    if (!isMulticast(group)) return;
    const g = this.getGroup(group, src, version);
    const until = this.nowMs + this.timers().olderHostPresentInterval * 1000;
    if (version === 1) g.v1HostMs = until;
    else g.v2HostMs = until;
    this.updateCompat(g);
    g.lastReporter = src;
    g.reporters.add(src);
    // An IGMPv1/v2 report is an IS_EX({}) (§7.3.2).
    this.apply(g, "IS_EX", []);
  }

  private onLeave(src: string, group: string): void {
    const g = this.groups.get(group);
    if (g === undefined) return;
    // In IGMPv1 compatibility mode leaves are ignored (§7.3.2).
    if (g.compat === 1) return;
    g.reporters.delete(src);
    this.emit({ type: "leave", group, reporter: src, version: 2 });
    // A Leave is a TO_IN({}) (§7.3.2).
    this.apply(g, "TO_IN", []);
  }

  private onRecord(src: string, r: GroupRecord): void {
    let op = OPS[r.type];
    if (op === undefined || !isMulticast(r.group)) return;
    // Routers ignore exclude-mode records for SSM groups (RFC 4604 §2.2.3).
    if (isSsm(r.group) && (op === "IS_EX" || op === "TO_EX")) return;
    const existing = this.groups.get(r.group);
    let sources = r.sources;
    if (existing && existing.compat < 3) {
      // Older-version hosts present: BLOCK is ignored and TO_EX carries no sources (§7.3.2).
      if (op === "BLOCK") return;
      if (op === "TO_EX") sources = [];
    }
    const leaving = (op === "TO_IN" || op === "IS_IN") && sources.length === 0;
    if (existing === undefined && (leaving || op === "BLOCK")) return;
    const g = existing ?? this.getGroup(r.group, src, 3);
    g.lastReporter = src;
    if (leaving) {
      if (op === "TO_IN") {
        g.reporters.delete(src);
        this.emit({ type: "leave", group: r.group, reporter: src, version: 3 });
      }
    } else if (op !== "BLOCK") g.reporters.add(src);
    this.apply(g, op, sources);
    if (g.mode === "include" && g.sources.size === 0 && this.groups.get(g.group) === g) {
      this.groups.delete(g.group);
      this.emit({ type: "expiry", group: g.group, reason: "no-sources" });
    }
  }

  private addSource(g: GroupRec, a: string, expiresMs: number | null): void {
    g.sources.set(a, { expiresMs });
    this.emit({ type: "source-added", group: g.group, source: a, forwarding: expiresMs !== null });
  }

  private deleteSource(g: GroupRec, a: string): void {
    if (g.sources.delete(a)) this.emit({ type: "source-removed", group: g.group, source: a, reason: "report" });
  }

  /** Set timers of `list` to GMI, adding the ones missing. */
  private setGmi(g: GroupRec, list: Iterable<string>): void {
    const t = this.nowMs + this.gmiMs();
    for (const a of list) {
      const s = g.sources.get(a);
      if (s) s.expiresMs = t;
      else this.addSource(g, a, t);
    }
  }

  /** The state tables of RFC 9776 §6.4.1 and §6.4.2. */
  private apply(g: GroupRec, op: RecordOp, list: string[]): void {
    const B = new Set(list);
    const gmi = this.nowMs + this.gmiMs();
    if (g.mode === "include") {
      const A = new Set(g.sources.keys());
      switch (op) {
        case "IS_IN":
        case "ALLOW":
          this.setGmi(g, B);
          return;
        case "TO_IN":
          this.setGmi(g, B);
          this.sendQuery(g, [...A].filter((a) => !B.has(a)));
          return;
        case "BLOCK":
          this.sendQuery(g, [...A].filter((a) => B.has(a)));
          return;
        case "IS_EX":
        case "TO_EX": {
          // EXCLUDE (A*B, B-A); (B-A)=0; Delete (A-B); Group Timer=GMI
          for (const a of A) if (!B.has(a)) this.deleteSource(g, a);
          this.setMode(g, "exclude");
          for (const b of B) if (!A.has(b)) this.addSource(g, b, null);
          g.groupTimerMs = gmi;
          if (op === "TO_EX") this.sendQuery(g, [...A].filter((a) => B.has(a)));
          return;
        }
      }
    }
    // EXCLUDE (X, Y): X = sources with running timers, Y = excluded (timer 0).
    const X = new Set([...g.sources].filter(([, s]) => s.expiresMs !== null).map(([a]) => a));
    const Y = new Set([...g.sources].filter(([, s]) => s.expiresMs === null).map(([a]) => a));
    switch (op) {
      case "IS_IN":
      case "ALLOW":
        // EXCLUDE (X+A, Y-A); (A)=GMI
        this.setGmi(g, B);
        return;
      case "TO_IN":
        this.setGmi(g, B);
        this.sendQuery(g, [...X].filter((x) => !B.has(x)));
        this.sendQuery(g, null);
        return;
      case "BLOCK": {
        // EXCLUDE (X+(A-Y), Y); (A-X-Y)=Group Timer; Send Q(G,A-Y)
        for (const a of B) if (!X.has(a) && !Y.has(a)) this.addSource(g, a, g.groupTimerMs);
        this.sendQuery(g, [...B].filter((a) => !Y.has(a)));
        return;
      }
      case "IS_EX":
      case "TO_EX": {
        // EXCLUDE (A-Y, Y*A); (A-X-Y)=GMI (IS_EX) or Group Timer (TO_EX); Delete (X-A); Delete (Y-A)
        for (const a of [...X, ...Y]) if (!B.has(a)) this.deleteSource(g, a);
        const fresh = op === "IS_EX" ? gmi : g.groupTimerMs;
        for (const a of B) if (!X.has(a) && !Y.has(a)) this.addSource(g, a, fresh);
        if (op === "TO_EX") this.sendQuery(g, [...B].filter((a) => !Y.has(a)));
        g.groupTimerMs = gmi;
        return;
      }
    }
  }
}

type DistributiveOmitBase<T> = T extends unknown ? Omit<T, "timeMs" | "frame"> : never;

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
