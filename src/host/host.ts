/**
 * One emulated IGMP host: a sans-IO state machine (RFC 1112 App. I, RFC 2236, RFC 9776, RFC 4604).
 *
 * Model (RFC 9776 §2–§3): a host has interfaces; sockets hold per-(interface, group) reception states
 * (filter mode + source list); each interface's state is the §3.2 merge of its sockets' states, and the
 * protocol runs per interface on that merged state.
 *
 * No I/O, no clock, no global randomness: every call takes `now` (milliseconds, any origin, never going
 * back); randomness comes from an injected seeded {@link Rng}. The host says when it next wants to run
 * ({@link Host.nextDeadline}) and hands out the frames it sends ({@link Host.drain}), each stamped with the
 * time its timer fired, which may be earlier than the `now` of the call that ran the timer.
 *
 * This file is the protocol; the sockets and their checks are src/host/sockets.ts, the state per interface
 * and group and the timers src/host/state.ts.
 */
import {
  decodeFrame,
  encodeIgmpFrame,
  isIPv4,
  isMulticast,
  isSsm,
  leave as leaveMessage,
  v1Report,
  v2Report,
  v3Report,
  type DecodedFrame,
  type IgmpMessage,
  type IgmpQuery,
  type RecordInit,
} from "../wire/index.js";
import { HostError, HostErrorCode } from "./errors.js";
import { filterToJson, isEmptyFilter, sameFilter, sortAddresses, type FilterMode, type SourceFilterJson } from "./filter.js";
import { MIN_REPORT_MTU, packRecords } from "./pack.js";
import { hostProfile, type HostOptions, type HostProfile, type IgmpVersion, type InterfaceConfig } from "./profile.js";
import { newGroupStats, newHostStats, type GroupStats, type HostStats } from "./stats.js";
import { mulberry32, type Rng } from "./rng.js";
import { SocketTable, type Socket } from "./sockets.js";
import { EMPTY, earliestTimer, hasState, isIdle, newGroupState, TimerKind, type GroupState, type IfaceState } from "./state.js";

/** All-systems: joined by every host, never reported (RFC 9776 §5, RFC 2236 §6). */
const ALL_SYSTEMS = "224.0.0.1";
const ANY = "0.0.0.0";

/** A frame the host sends. */
export interface HostFrame {
  /** When it is sent: the time its timer fired or the call that caused it. */
  timeMs: number;
  iface: string;
  /** An Ethernet frame (link type 1). */
  data: Uint8Array;
  message: IgmpMessage;
}

/** What the host hears: a captured frame of any link type `decodeFrame` knows. */
export interface HeardFrame {
  data: Uint8Array;
  linkType: number;
}

/** The host state machine. */
export class Host {
  readonly profile: HostProfile;
  readonly stats: HostStats = newHostStats();
  private readonly rng: Rng;
  private readonly ifaces = new Map<string, IfaceState>();
  private readonly sockets: SocketTable;
  private out: HostFrame[] = [];
  private clock = -Infinity;
  private readonly defaultRv: number;
  private readonly defaultQiMs: number;
  private readonly qriMs: number;
  private readonly uriMs: number;
  private readonly oldUriMs: number;
  private readonly marginMs: number;
  /**
   * Bumped by every method that may set or clear a timer; {@link nextEvent} keeps its last answer while it
   * is unchanged, so the O(groups) scan runs once per change instead of once per call (joins of many groups
   * and deliveries to many hosts call it several times each).
   */
  private timerGen = 0;
  private groupSeq = 0;
  private cacheGen = -1;
  private cacheEv: { at: number; fire: () => void } | null = null;

  constructor(opts: HostOptions) {
    this.profile = hostProfile(opts.profile);
    this.sockets = new SocketTable(this.profile, (code, message, errno) => this.err(code, message, errno));
    this.rng = opts.rng ?? mulberry32(opts.seed ?? 1);
    this.defaultRv = positiveInt(opts.robustness ?? 2, "robustness");
    this.defaultQiMs = positiveInt(opts.queryIntervalMs ?? 125_000, "queryIntervalMs");
    this.qriMs = positiveInt(opts.queryResponseIntervalMs ?? 10_000, "queryResponseIntervalMs");
    this.uriMs = positiveInt(opts.unsolicitedReportIntervalMs ?? 1_000, "unsolicitedReportIntervalMs");
    this.oldUriMs = positiveInt(opts.oldUnsolicitedReportIntervalMs ?? 10_000, "oldUnsolicitedReportIntervalMs");
    this.marginMs = opts.responseMarginMs ?? 0;
    if (!Number.isInteger(this.marginMs) || this.marginMs < 0) throw new HostError(HostErrorCode.badArgument, `responseMarginMs must be an integer >= 0, got ${this.marginMs}`);
    for (const i of opts.interfaces) this.addInterface(i);
  }

  /** This host's counters for one group, made on first use. */
  private gs(group: string): GroupStats {
    let g = this.stats.groups.get(group);
    if (g === undefined) this.stats.groups.set(group, (g = newGroupStats()));
    return g;
  }

  /** Add an interface (names are unique). */
  addInterface(cfg: InterfaceConfig): void {
    if (this.ifaces.has(cfg.name)) throw new HostError(HostErrorCode.badArgument, `interface ${cfg.name} exists`);
    if (!isIPv4(cfg.ip) || isMulticast(cfg.ip)) throw new HostError(HostErrorCode.badAddress, `interface address ${cfg.ip} is not a unicast IPv4 address`);
    const mtu = cfg.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < MIN_REPORT_MTU || mtu > 65535)
      throw new HostError(HostErrorCode.badArgument, `MTU ${mtu} is out of range ${MIN_REPORT_MTU}..65535`);
    const version = cfg.version ?? 3;
    if (version !== 1 && version !== 2 && version !== 3) throw new HostError(HostErrorCode.badArgument, `IGMP version ${String(version)}`);
    this.ifaces.set(cfg.name, {
      name: cfg.name,
      ip: cfg.ip,
      mac: cfg.mac,
      version,
      mtu,
      vlan: cfg.vlan ?? [],
      groups: new Map(),
      v1Until: -Infinity,
      v2Until: -Infinity,
      rv: this.defaultRv,
      qiMs: this.defaultQiMs,
      gqAt: null,
      scrAt: null,
      scrFresh: false,
      pending: new Set(),
    });
  }

  /** Interface names, in the order added. */
  interfaceNames(): string[] {
    return [...this.ifaces.keys()];
  }

  // ---------------------------------------------------------------------------------------------
  // Socket API (RFC 9776 §2, RFC 3678 names)

  /** Open a socket; returns its id. */
  openSocket(): number {
    return this.sockets.open();
  }

  /** Any-source join: the socket's state becomes EXCLUDE {} (IP_ADD_MEMBERSHIP). */
  join(now: number, socket: number, iface: string, group: string): void {
    this.sockets.join(this.begin(now, socket, iface, group), iface, group);
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Leave whatever the socket has for the group (IP_DROP_MEMBERSHIP). */
  leave(now: number, socket: number, iface: string, group: string): void {
    this.sockets.leave(this.begin(now, socket, iface, group), iface, group);
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Source-specific join: add `source` to an INCLUDE membership, creating it (IP_ADD_SOURCE_MEMBERSHIP). */
  joinSource(now: number, socket: number, iface: string, group: string, source: string): void {
    if (!this.sockets.joinSource(this.begin(now, socket, iface, group, source), iface, group, source)) return;
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Remove `source` from an INCLUDE membership; the last one leaves the group (IP_DROP_SOURCE_MEMBERSHIP). */
  leaveSource(now: number, socket: number, iface: string, group: string, source: string): void {
    this.sockets.leaveSource(this.begin(now, socket, iface, group, source), iface, group, source);
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Add `source` to an EXCLUDE membership's list (IP_BLOCK_SOURCE). */
  blockSource(now: number, socket: number, iface: string, group: string, source: string): void {
    if (!this.sockets.blockSource(this.begin(now, socket, iface, group, source), iface, group, source)) return;
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Remove `source` from an EXCLUDE membership's list (IP_UNBLOCK_SOURCE). */
  unblockSource(now: number, socket: number, iface: string, group: string, source: string): void {
    this.sockets.unblockSource(this.begin(now, socket, iface, group, source), iface, group, source);
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /**
   * Replace the socket's state for the group (RFC 9776 §2 IPMulticastListen, RFC 3678 setsourcefilter).
   * INCLUDE {} leaves the group; a call for a group not joined joins it.
   */
  setSourceFilter(now: number, socket: number, iface: string, group: string, mode: FilterMode, sources: readonly string[]): void {
    this.sockets.setSourceFilter(this.begin(now, socket, iface, group), iface, group, mode, sources);
    this.changed(now, iface, group);
    this.runUntil(now);
  }

  /** Socket memberships held, over all sockets (what the emulator's memory limit counts). */
  get membershipCount(): number {
    return this.sockets.membershipCount;
  }

  /** Close a socket: every membership it holds is dropped, as a kernel does on close(). */
  closeSocket(now: number, socket: number): void {
    this.runUntil(now);
    for (const m of this.sockets.close(socket)) this.changed(now, m.iface, m.group);
    this.runUntil(now);
  }

  /** Open socket ids. */
  socketIds(): number[] {
    return this.sockets.ids();
  }

  /** A socket's memberships, as JSON. */
  socketState(socket: number): { iface: string; group: string; mode: FilterMode; sources: string[] }[] {
    return this.sockets.state(socket);
  }

  /** An interface's reception state (§3.2 merge), groups in first-join order. */
  interfaceState(iface: string): ({ group: string } & SourceFilterJson)[] {
    const out: ({ group: string } & SourceFilterJson)[] = [];
    for (const g of this.checkIface(iface).groups.values()) if (hasState(g)) out.push({ group: g.group, ...filterToJson(g.filter) });
    return out;
  }

  /** Whether the interface has reception state for the group (cheap; drivers use it to skip deliveries). */
  hasGroup(iface: string, group: string): boolean {
    const g = this.checkIface(iface).groups.get(group);
    return g !== undefined && hasState(g);
  }

  /** Host Compatibility Mode of an interface at `now` (§7.2.1). */
  compatibilityMode(iface: string, now: number): IgmpVersion {
    return this.mode(this.checkIface(iface), now);
  }

  /** The Robustness Variable an interface uses now (learned from the last v3 query's QRV). */
  robustness(iface: string): number {
    return this.checkIface(iface).rv;
  }

  // ---------------------------------------------------------------------------------------------
  // Driving

  /** Run every timer due at or before `now`. */
  advance(now: number): void {
    this.runUntil(now);
  }

  /** The earliest time a timer is due, or null when nothing is pending. */
  nextDeadline(): number | null {
    const e = this.nextEvent();
    return e === null ? null : e.at;
  }

  /** Take the frames sent so far, in time order. */
  drain(): HostFrame[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /**
   * A frame heard on `iface` at `now`. Queries and other hosts' v1/v2 reports are acted on; frames with errors
   * (bad checksum, bad length, truncated) are counted in `stats.badPackets` and dropped; our own frames and
   * IGMP types a host does not act on are ignored. Returns the decoded frame (for statistics and drivers).
   */
  receive(now: number, iface: string, frame: HeardFrame): DecodedFrame {
    const d = decodeFrame(frame);
    this.receiveDecoded(now, iface, d);
    return d;
  }

  /** {@link receive} for a frame already decoded with `decodeFrame` (a driver feeding many hosts decodes once). */
  receiveDecoded(now: number, iface: string, d: DecodedFrame): DecodedFrame {
    this.runUntil(now);
    const ifc = this.checkIface(iface);
    if (d.igmp === null) {
      if (d.ipSrc !== null && d.other === undefined) this.stats.badPackets++;
      return d;
    }
    if (d.ipSrc === ifc.ip) return d;
    if (ifc.vlan.length > 0 && (d.vlan.length !== ifc.vlan.length || d.vlan.some((v, i) => v !== ifc.vlan[i]))) return d;
    if (d.errors.length > 0 || d.igmp.checksumValid !== true) {
      this.stats.badPackets++;
      return d;
    }
    const m = d.igmp;
    switch (m.kind) {
      case "query":
        this.onQuery(ifc, now, m);
        break;
      case "v1-report":
      case "v2-report":
        this.onReportHeard(ifc, now, m.group);
        break;
      default:
        this.stats.ignored++;
    }
    return d;
  }

  /**
   * Another host's v1/v2 report for `group` heard on `iface`, handed over as a value: what {@link receive}
   * does with a well-formed report from another address on the interface's VLANs, without the bytes (the
   * emulator's hosts share one LAN and hand each other their reports).
   */
  hearReport(now: number, iface: string, group: string): void {
    this.runUntil(now);
    this.onReportHeard(this.checkIface(iface), now, group);
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  private err(code: HostErrorCode, message: string, errno: string): HostError {
    return new HostError(code, message, this.profile.errnos ? errno : undefined);
  }

  private checkIface(name: string): IfaceState {
    const i = this.ifaces.get(name);
    if (i === undefined) throw this.err(HostErrorCode.noSuchInterface, `no interface ${name}`, "ENODEV");
    return i;
  }

  /**
   * The start of every socket call: run the clock up to `now`, then check the socket, interface, group and
   * (when given) source, in that order, throwing the first misuse found. Returns the socket.
   */
  private begin(now: number, socket: number, iface: string, group: string, source?: string): Socket {
    this.runUntil(now);
    const s = this.sockets.socket(socket);
    this.checkIface(iface);
    this.sockets.checkGroup(group);
    if (source !== undefined) this.sockets.checkSource(source);
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // Protocol

  private mode(ifc: IfaceState, now: number): IgmpVersion {
    const m: IgmpVersion = ifc.v1Until > now ? 1 : ifc.v2Until > now ? 2 : 3;
    return Math.min(m, ifc.version) as IgmpVersion;
  }

  /** Whether a group is ever reported in this mode: never 224.0.0.1; SSM not in v1/v2 unless the profile says so. */
  private reportable(group: string, mode: IgmpVersion): boolean {
    if (group === ALL_SYSTEMS) return false;
    if (mode < 3 && !this.profile.ssmOldVersionReports && isSsm(group)) return false;
    return true;
  }

  private groupState(ifc: IfaceState, group: string): GroupState {
    let g = ifc.groups.get(group);
    if (g === undefined) {
      g = newGroupState(group, this.groupSeq++);
      ifc.groups.set(group, g);
    }
    return g;
  }

  private dropIfIdle(ifc: IfaceState, g: GroupState): void {
    if (isIdle(g)) ifc.groups.delete(g.group);
  }

  /** The socket states for (iface, group) changed: recompute the interface state and act on the difference. */
  private changed(now: number, iface: string, group: string): void {
    this.timerGen++;
    const ifc = this.checkIface(iface);
    const next = this.sockets.merged(iface, group);
    const old = ifc.groups.get(group)?.filter ?? EMPTY;
    if (sameFilter(old, next)) return;
    const g = this.groupState(ifc, group);
    g.filter = next;
    const mode = this.mode(ifc, now);
    if (mode === 3) {
      if (group !== ALL_SYSTEMS) {
        // §5.1: a filter-mode change is reported by TO_IN/TO_EX for the next RV reports; a source-list change
        // gives each changed source RV retransmissions in ALLOW or BLOCK, decided at sending time.
        if (old.mode !== next.mode) {
          g.modeRetx = ifc.rv;
          g.srcRetx.clear();
        } else {
          for (const s of old.sources) if (!next.sources.has(s)) g.srcRetx.set(s, ifc.rv);
          for (const s of next.sources) if (!old.sources.has(s)) g.srcRetx.set(s, ifc.rv);
        }
        if (g.modeRetx > 0 || g.srcRetx.size > 0) ifc.pending.add(g);
        // Sent by the timer at `now`, so that every change made by one call goes into one report.
        ifc.scrAt = now;
        ifc.scrFresh = true;
      }
    } else {
      const was = !isEmptyFilter(old);
      const is = !isEmptyFilter(next);
      if (!was && is) {
        // RFC 2236 §3 / RFC 1112: report at once, repeat after random delays up to the Unsolicited Report Interval.
        if (this.reportable(group, mode)) {
          this.sendOld(ifc, now, g, mode);
          g.unsolicitedLeft = ifc.rv - 1;
          g.oldAt = g.unsolicitedLeft > 0 ? now + 1 + this.rng.below(this.oldUriMs) : null;
        }
      } else if (was && !is) {
        // RFC 2236 §6: leave only when this host was the last to report (v1 has no leave).
        if (mode === 2 && g.lastReporter && this.reportable(group, mode)) this.emit(ifc, now, leaveMessage(group));
        g.oldAt = null;
        g.lastReporter = false;
        g.unsolicitedLeft = 0;
      }
    }
    this.dropIfIdle(ifc, g);
  }

  private sourceChangeRecords(g: GroupState, records: RecordInit[]): void {
    if (g.srcRetx.size === 0) return;
    const allow: string[] = [];
    const block: string[] = [];
    for (const [s, n] of g.srcRetx) {
      const passes = g.filter.mode === "include" ? g.filter.sources.has(s) : !g.filter.sources.has(s);
      (passes ? allow : block).push(s);
      if (n <= 1) g.srcRetx.delete(s);
      else g.srcRetx.set(s, n - 1);
    }
    if (allow.length > 0) records.push({ type: "ALLOW_NEW_SOURCES", group: g.group, sources: sortAddresses(allow) });
    if (block.length > 0) records.push({ type: "BLOCK_OLD_SOURCES", group: g.group, sources: sortAddresses(block) });
  }

  /** Send the pending state-change report of an interface (first or retransmission) and schedule the next. */
  private sendStateChange(ifc: IfaceState, at: number, retransmission: boolean): void {
    this.timerGen++;
    const records: RecordInit[] = [];
    // Only groups with retransmissions left, in the group map's order (no scan of every group per change).
    for (const g of [...ifc.pending].sort((a, b) => a.seq - b.seq)) {
      if (g.modeRetx > 0) {
        records.push({
          type: g.filter.mode === "exclude" ? "CHANGE_TO_EXCLUDE_MODE" : "CHANGE_TO_INCLUDE_MODE",
          group: g.group,
          sources: sortAddresses(g.filter.sources),
        });
        g.modeRetx--;
        if (this.profile.sourceRecordsWithModeChange) this.sourceChangeRecords(g, records);
      } else {
        this.sourceChangeRecords(g, records);
      }
      if (g.modeRetx === 0 && g.srcRetx.size === 0) ifc.pending.delete(g);
      this.dropIfIdle(ifc, g);
    }
    if (records.length > 0) {
      if (retransmission) {
        this.stats.retransmissions++;
        for (const g of new Set(records.map((r) => r.group))) this.gs(g).retransmissions++;
      }
      this.sendRecords(ifc, at, records);
    }
    ifc.scrAt = ifc.pending.size > 0 ? at + 1 + this.rng.below(this.uriMs) : null;
  }

  private sendRecords(ifc: IfaceState, at: number, records: RecordInit[]): void {
    for (const r of packRecords(records, ifc.mtu)) this.emit(ifc, at, v3Report(r));
  }

  private sendOld(ifc: IfaceState, at: number, g: GroupState, mode: IgmpVersion): void {
    this.emit(ifc, at, mode === 1 ? v1Report(g.group) : v2Report(g.group));
    g.lastReporter = true;
  }

  private emit(ifc: IfaceState, at: number, message: IgmpMessage): void {
    const data = encodeIgmpFrame({ message, src: ifc.ip, macSrc: ifc.mac, vlan: ifc.vlan });
    this.out.push({ timeMs: at, iface: ifc.name, data, message });
    const st = this.stats;
    switch (message.kind) {
      case "v1-report":
        st.reportsSent.v1++;
        this.gs(message.group).reportsSent.v1++;
        break;
      case "v2-report":
        st.reportsSent.v2++;
        this.gs(message.group).reportsSent.v2++;
        break;
      case "leave":
        st.reportsSent.leave++;
        this.gs(message.group).reportsSent.leave++;
        break;
      case "v3-report":
        st.reportsSent.v3++;
        for (const r of message.records) {
          if (r.kind === "UNKNOWN") continue;
          st.recordsSent[r.kind]++;
          this.gs(r.group).recordsSent[r.kind]++;
        }
        break;
      default:
    }
  }

  private olderQuerierTimeout(ifc: IfaceState): number {
    return this.profile.olderQuerierPresentTimeoutMs ?? ifc.rv * ifc.qiMs + this.qriMs;
  }

  /** §7.2.1: leaving v3 for an older mode cancels every pending v3 response and retransmission. */
  private enterOldMode(ifc: IfaceState): void {
    this.timerGen++;
    ifc.gqAt = null;
    ifc.scrAt = null;
    ifc.scrFresh = false;
    ifc.pending.clear();
    for (const g of [...ifc.groups.values()]) {
      g.respAt = null;
      g.respSources = null;
      g.modeRetx = 0;
      g.srcRetx.clear();
      g.oldAt = null;
      g.lastReporter = false;
      g.unsolicitedLeft = 0;
      this.dropIfIdle(ifc, g);
    }
  }

  private onQuery(ifc: IfaceState, now: number, q: IgmpQuery): void {
    const st = this.stats.queriesHeard;
    if (q.version === null) {
      this.stats.badPackets++;
      return;
    }
    const general = q.group === ANY;
    if (!general && !isMulticast(q.group)) {
      this.stats.ignored++;
      return;
    }
    const before = this.mode(ifc, now);
    if (q.version === 1) {
      st.v1++;
      ifc.v1Until = now + this.olderQuerierTimeout(ifc);
    } else if (q.version === 2) {
      if (general) st.v2General++;
      else {
        st.v2Group++;
        if (ifc.groups.has(q.group)) this.gs(q.group).queriesHeard.group++;
      }
      if (general || this.profile.v2GroupQuerySetsCompat) ifc.v2Until = now + this.olderQuerierTimeout(ifc);
    } else {
      if (general) st.v3General++;
      else if (q.sources.length === 0) {
        st.v3Group++;
        if (ifc.groups.has(q.group)) this.gs(q.group).queriesHeard.group++;
      } else {
        st.v3GroupSource++;
        if (ifc.groups.has(q.group)) this.gs(q.group).queriesHeard.groupSource++;
      }
    }
    const mode = this.mode(ifc, now);
    if (before === 3 && mode < 3) this.enterOldMode(ifc);

    if (mode === 1) {
      // A v1 host treats every query as a general query with a 10 s Max Resp Time (RFC 1112, RFC 9776 §7.2.1).
      this.answerOld(ifc, now, null, 10_000, mode);
      return;
    }
    const maxMs = Math.round((q.maxRespTime ?? 10) * 1000);
    if (mode === 2) {
      // v3 queries in v2 mode: Max Resp Code read as the v3 float code, as Linux does (a v2 host would read it linearly).
      this.answerOld(ifc, now, general ? null : q.group, maxMs, mode);
      return;
    }
    if (q.version === 3) {
      ifc.rv = q.qrv === 0 ? this.defaultRv : q.qrv;
      ifc.qiMs = q.qqic === 0 ? this.defaultQiMs : q.qqi * 1000;
      if (general && q.sources.length > 0 && this.profile.generalQueryWithSources === "drop") {
        this.stats.ignored++;
        return;
      }
    }
    // A v2 group-specific query in v3 mode (it does not change the mode): answered as a v3 group-specific query.
    this.answerV3(ifc, now, general ? null : q.group, q.version === 3 && !general ? q.sources : [], maxMs);
  }

  /** A random delay in [0, maxMs], less the response margin (see {@link HostOptions.responseMarginMs}). */
  private responseDelay(maxMs: number): number {
    const margin = Math.min(this.marginMs, Math.floor(maxMs / 10));
    return this.rng.below(maxMs - margin + 1);
  }

  /** RFC 9776 §5.2, the five rules. */
  private answerV3(ifc: IfaceState, now: number, group: string | null, sources: readonly string[], maxMs: number): void {
    this.timerGen++;
    const delay = this.responseDelay(maxMs);
    const at = now + delay;
    // Rule 1: a general-query response pending sooner covers this one.
    const coveredByGeneral = ifc.gqAt !== null && ifc.gqAt <= at;
    if (group === null) {
      if (coveredByGeneral) return;
      // Rule 2: the interface timer; any pending general response is replaced.
      ifc.gqAt = at;
      this.stats.responseDelays.push({ maxMs, delayMs: delay });
      return;
    }
    if (coveredByGeneral && this.profile.rule1ForSpecificQueries) return;
    const g = ifc.groups.get(group);
    if (g === undefined || !hasState(g) || !this.reportable(group, 3)) return;
    this.stats.responseDelays.push({ maxMs, delayMs: delay });
    if (g.respAt === null) {
      // Rule 3: schedule on the group timer, recording the queried sources.
      g.respAt = at;
      g.respSources = sources.length > 0 ? new Set(sources) : null;
    } else if (sources.length === 0 || g.respSources === null) {
      // Rule 4: a group-specific query, or a pending group-specific response: one group response, earliest time.
      g.respSources = null;
      g.respAt = Math.min(g.respAt, at);
    } else {
      // Rule 5: both source-specific: the source list grows, earliest time.
      for (const s of sources) g.respSources.add(s);
      g.respAt = Math.min(g.respAt, at);
    }
  }

  /** RFC 2236 §3 / RFC 1112: start or shorten the per-group report timers. */
  private answerOld(ifc: IfaceState, now: number, group: string | null, maxMs: number, mode: IgmpVersion): void {
    this.timerGen++;
    for (const g of ifc.groups.values()) {
      if (group !== null && g.group !== group) continue;
      if (!hasState(g) || !this.reportable(g.group, mode)) continue;
      if (g.oldAt === null || g.oldAt - now > maxMs) {
        const delay = this.responseDelay(maxMs);
        g.oldAt = now + delay;
        this.stats.responseDelays.push({ maxMs, delayMs: delay });
      }
    }
  }

  private onReportHeard(ifc: IfaceState, now: number, group: string): void {
    this.timerGen++;
    if (this.mode(ifc, now) === 3) {
      this.stats.ignored++;
      return;
    }
    const g = ifc.groups.get(group);
    if (g === undefined || g.oldAt === null) return;
    // RFC 2236 §6: Delaying Member hears a report: stop the timer, clear the flag, go Idle.
    g.oldAt = null;
    g.lastReporter = false;
    g.unsolicitedLeft = 0;
    this.stats.suppressions++;
    this.gs(group).suppressions++;
  }

  private currentRecord(g: GroupState): RecordInit {
    return {
      type: g.filter.mode === "exclude" ? "MODE_IS_EXCLUDE" : "MODE_IS_INCLUDE",
      group: g.group,
      sources: sortAddresses(g.filter.sources),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /** The earliest timer: scans without allocating (this runs once per fired timer). */
  private nextEvent(): { at: number; fire: () => void } | null {
    if (this.cacheGen === this.timerGen) return this.cacheEv;
    this.cacheEv = this.scanEvents();
    this.cacheGen = this.timerGen;
    return this.cacheEv;
  }

  private scanEvents(): { at: number; fire: () => void } | null {
    const due = earliestTimer(this.ifaces.values());
    if (due === null) return null;
    const { at, ifc } = due;
    const g = due.g!;
    switch (due.kind) {
      case TimerKind.generalResponse:
        return { at, fire: () => this.fireGeneral(ifc) };
      case TimerKind.stateChange:
        return {
          at,
          fire: () => {
            this.timerGen++;
            const fresh = ifc.scrFresh;
            ifc.scrFresh = false;
            this.sendStateChange(ifc, at, !fresh);
          },
        };
      case TimerKind.groupResponse:
        return { at, fire: () => this.fireGroup(ifc, g) };
      default:
        return { at, fire: () => this.fireOld(ifc, g) };
    }
  }

  private runUntil(now: number): void {
    if (!Number.isFinite(now)) throw new HostError(HostErrorCode.badArgument, `time ${now} is not finite`);
    if (now < this.clock) throw new HostError(HostErrorCode.badArgument, `time went back from ${this.clock} to ${now}`);
    this.clock = now;
    for (;;) {
      const e = this.nextEvent();
      if (e === null || e.at > now) return;
      e.fire();
    }
  }

  private fireGeneral(ifc: IfaceState): void {
    this.timerGen++;
    const at = ifc.gqAt!;
    ifc.gqAt = null;
    const records: RecordInit[] = [];
    for (const g of ifc.groups.values()) if (hasState(g) && this.reportable(g.group, 3)) records.push(this.currentRecord(g));
    if (records.length > 0) this.sendRecords(ifc, at, records);
  }

  private fireGroup(ifc: IfaceState, g: GroupState): void {
    this.timerGen++;
    const at = g.respAt!;
    const queried = g.respSources;
    g.respAt = null;
    g.respSources = null;
    if (hasState(g)) {
      if (queried === null) {
        this.sendRecords(ifc, at, [this.currentRecord(g)]);
      } else {
        // §5.2: INCLUDE(A) answers IS_IN(A∩B); EXCLUDE(A) answers IS_IN(B−A); nothing when empty.
        const list = [...queried].filter((s) => (g.filter.mode === "include" ? g.filter.sources.has(s) : !g.filter.sources.has(s)));
        if (list.length > 0) this.sendRecords(ifc, at, [{ type: "MODE_IS_INCLUDE", group: g.group, sources: sortAddresses(list) }]);
      }
    }
    this.dropIfIdle(ifc, g);
  }

  private fireOld(ifc: IfaceState, g: GroupState): void {
    this.timerGen++;
    const at = g.oldAt!;
    g.oldAt = null;
    const mode = this.mode(ifc, at);
    if (mode !== 3 && hasState(g) && this.reportable(g.group, mode)) {
      if (g.unsolicitedLeft > 0) {
        this.stats.retransmissions++;
        this.gs(g.group).retransmissions++;
      }
      this.sendOld(ifc, at, g, mode);
      if (g.unsolicitedLeft > 0) {
        g.unsolicitedLeft--;
        if (g.unsolicitedLeft > 0) g.oldAt = at + 1 + this.rng.below(this.oldUriMs);
      }
    } else {
      g.unsolicitedLeft = 0;
    }
    this.dropIfIdle(ifc, g);
  }
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new HostError(HostErrorCode.badArgument, `${what} must be a positive integer, got ${v}`);
  return v;
}

