/**
 * The querier: the active half of a multicast router on one LAN, over the same router state as the
 * passive monitor ({@link MonitorState}, one source of truth for groups, filter modes, group and source
 * timers, compatibility and the election). IGMPv3 per RFC 9776 §6, IGMPv2 per RFC 2236 §3 and §7, IGMPv1
 * per RFC 1112.
 *
 * What this adds to the state: the queries. Startup queries (Startup Query Count, Startup Query Interval,
 * §8.6, §8.7), general queries every Query Interval (§8.2), and the Last Member Query Count specific
 * queries, Last Member Query Interval apart, that the state tables of §6.4 ask for ("Send Q(G)",
 * "Send Q(G,S)"), with the S flag as §6.6.3 sets it. Its own queries are fed back into the state as any
 * router's are, so the election (§6.6.2, lowest address wins, the Other Querier Present timer) and the
 * timer updates of §6.6.1 happen in one place.
 *
 * Sans-IO, as the host emulator: every call takes `now` (ms, any origin, never going back); randomness
 * (the IPv4 identification) comes from an injected generator; {@link Querier.nextDeadline} says when it
 * next wants to run and {@link Querier.drain} hands out the frames to send, each stamped with its time.
 */
import {
  decodeFrame,
  encodeIgmpFrame,
  IGMP_ADDRESSES,
  ipv4ToNumber,
  isIPv4,
  isMulticast,
  secondsToMaxRespCode,
  secondsToQqic,
  v1Query,
  v2Query,
  v3Query,
  withChecksum,
  type DecodedFrame,
  type IgmpMessageInit,
  type IgmpQuery,
} from "../wire/index.js";
import { formatTimeMs } from "./message.js";
import { MonitorState, type MonitorEvent, type MonitorSnapshot, type MonitorTimers } from "./state.js";

/** What the querier needs of randomness (the host emulator's `mulberry32` fits). */
export interface QuerierRng {
  /** A float in [0, 1). */
  next(): number;
}

/** The closed set of querier error codes. */
export const QuerierErrorCode = {
  /** A protocol variable or option out of its range (a v2 Max Resp Time above 25.5 s, QRI >= QI...). */
  badConfig: "bad-config",
  /** A scripted query that cannot be built. */
  badQuery: "bad-query",
} as const;
export type QuerierErrorCode = (typeof QuerierErrorCode)[keyof typeof QuerierErrorCode];

/** Local misuse of the querier (its configuration or a scripted query). */
export class QuerierError extends Error {
  override readonly name = "QuerierError";
  constructor(
    readonly code: QuerierErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Recognise a QuerierError by name and code, safe across duplicate copies of this package. */
export function isQuerierError(e: unknown): e is QuerierError {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "QuerierError" && typeof (e as { code?: unknown }).code === "string";
}

/**
 * Deliberately odd queries, for negative tests of hosts and switches. Each field departs from the RFCs on
 * purpose; the state machine is fed the query as it should have been (a router judges its own intent).
 */
export interface OddQuery {
  /** Send a wrong IGMP checksum (the right one plus one). */
  badChecksum?: boolean;
  /** Send a 9, 10 or 11 byte query (invalid by RFC 9776 §7.1): the first 8 bytes and zero padding. */
  length?: 9 | 10 | 11;
  /** IPv4 TTL other than 1. */
  ttl?: number;
  /** false: no IPv4 Router Alert option (RFC 2113). */
  routerAlert?: boolean;
  /** IPv4 source other than our address, e.g. "0.0.0.0" as snooping switches' proxy queriers send. */
  source?: string;
  /** A unicast destination (IPv4 and MAC) instead of 224.0.0.1 or the group. */
  unicast?: { ip: string; mac: string };
  /** The raw Max Resp Code of every query (any of 0..255; v2: linear tenths). */
  maxRespCode?: number;
  /** Sources in a general query (RFC 9776 §4.1.8: a general query has none). */
  generalSources?: string[];
  /** The S flag on a general query (§4.1.5 defines it for specific queries). */
  generalSFlag?: boolean;
  /** Raw QRV (0: "use the default"). */
  qrv?: number;
  /** Raw QQIC (0: "use the default"). */
  qqic?: number;
}

/** The names of the odd fields set, for events and summaries. */
export function oddNames(o: OddQuery | undefined): string[] {
  if (o === undefined) return [];
  const out: string[] = [];
  if (o.badChecksum) out.push("bad-checksum");
  if (o.length !== undefined) out.push(`length-${o.length}`);
  if (o.ttl !== undefined) out.push(`ttl-${o.ttl}`);
  if (o.routerAlert === false) out.push("no-router-alert");
  if (o.source !== undefined) out.push(`source-${o.source}`);
  if (o.unicast !== undefined) out.push(`unicast-${o.unicast.ip}`);
  if (o.maxRespCode !== undefined) out.push(`max-resp-code-${o.maxRespCode}`);
  if (o.generalSources !== undefined) out.push("general-sources");
  if (o.generalSFlag) out.push("general-s-flag");
  if (o.qrv !== undefined) out.push(`qrv-${o.qrv}`);
  if (o.qqic !== undefined) out.push(`qqic-${o.qqic}`);
  return out;
}

/** Protocol variables (RFC 9776 §8, RFC 2236 §8) in seconds, and who we are. */
export interface QuerierOptions {
  /** Our IPv4 address: the source of our queries and our place in the election. */
  address: string;
  /** Our MAC address. */
  mac: string;
  /** The IGMP version we run (§7.3.1: set by the administrator). Default 3. */
  version?: 1 | 2 | 3;
  /** Robustness Variable (§8.1). Default 2. Advertised as QRV (0 above 7, §4.1.6). */
  robustness?: number;
  /** Query Interval (§8.2), seconds. Default 125. Advertised as QQIC (§4.1.7, rounded down to its code). */
  queryInterval?: number;
  /** Query Response Interval (§8.3), seconds: the general queries' Max Resp Time. Default 10. */
  queryResponseInterval?: number;
  /** Last Member Query Interval (§8.8), seconds: specific queries' spacing and Max Resp Time. Default 1. */
  lastMemberQueryInterval?: number;
  /** Last Member Query Count (§8.9). Default: the Robustness Variable. */
  lastMemberQueryCount?: number;
  /** Startup Query Count (§8.7). Default: the Robustness Variable. */
  startupQueryCount?: number;
  /** Startup Query Interval (§8.6), seconds. Default: a quarter of the Query Interval. */
  startupQueryInterval?: number;
  /** VLAN tags of the link, outermost first. */
  vlan?: number[];
  /** Seed of the generator for the IPv4 identification when `rng` is not given. Default 1. */
  seed?: number;
  rng?: QuerierRng;
  /** Oddities applied to every query sent (see {@link OddQuery}). */
  odd?: OddQuery;
}

/** A query to send now, for scripts and conformance cases ({@link Querier.query}). */
export interface QuerySpec {
  /** Default: 0.0.0.0 (a general query). */
  group?: string;
  sources?: string[];
  sFlag?: boolean;
  /** Default: the querier's version. */
  version?: 1 | 2 | 3;
  /** Seconds; default: the Query Response Interval for general queries, the LMQI for specific ones. */
  maxRespTime?: number;
  /** Raw code, overrides `maxRespTime`. */
  maxRespCode?: number;
  qrv?: number;
  qqic?: number;
  /** Oddities of this query only (added to the querier's own). */
  odd?: OddQuery;
}

/** What kind of query a frame carries. */
export type QueryKind = "general" | "group" | "group-source";

/** A frame the querier sends. */
export interface QuerierFrame {
  timeMs: number;
  /** An Ethernet frame (link type 1). */
  data: Uint8Array;
  /** The query as sent (oddities included). */
  message: IgmpQuery;
  kind: QueryKind;
}

/** As the state's events: `time` in the one output form (decimal seconds, nine digits) on the querier's clock. */
interface OwnEventBase {
  time: string;
  frame: null;
}

/** What the querier itself did. */
export type QuerierOwnEvent = OwnEventBase &
  (
    | {
        type: "query-sent";
        kind: QueryKind;
        version: 1 | 2 | 3 | null;
        group: string;
        sources: string[];
        sFlag: boolean;
        maxRespCode: number;
        /** One of the Startup Query Count general queries. */
        startup: boolean;
        /** A retransmission of a specific query (the 2nd..LMQC-th). */
        retransmission: boolean;
        /** Sent by {@link Querier.query}. */
        scripted: boolean;
        odd: string[];
      }
    | { type: "election-won"; reason: "startup" | "other-querier-expired"; previous: string | null }
    | { type: "election-lost"; querier: string }
  );

/** Every event: the router state's ({@link MonitorEvent}) and the querier's own. JSON-ready. */
export type QuerierEvent = MonitorEvent | QuerierOwnEvent;

/** Counters of what was sent. */
export interface QuerierCounters {
  general: number;
  group: number;
  groupSource: number;
  framesHeard: number;
  /** IGMP frames a router of our version does not take (v3 reports for a v2 querier, ...). */
  ignored: number;
}

/** The querier's view at one time (its role, pending queries and the router state). JSON-ready. */
export interface QuerierStatus {
  timeMs: number;
  address: string;
  version: 1 | 2 | 3;
  /** "idle" before {@link Querier.start}; after {@link Querier.stop} the role it had then (see `stopped`). */
  role: "querier" | "non-querier" | "idle";
  /** True after {@link Querier.stop}: nothing more is sent. */
  stopped: boolean;
  /** The elected querier as the state knows it (us, another router, or null). */
  querier: string | null;
  /** Seconds to the next general query (null as non-querier). */
  nextGeneralQuery: number | null;
  startupQueriesLeft: number;
  /** Specific queries still to send: per group, the group's retransmissions left and each source's. */
  pending: { group: string; groupLeft: number; sources: { source: string; left: number }[]; next: number }[];
  /** Our configured variables (what we advertise), seconds. */
  config: Required<Pick<QuerierOptions, "robustness" | "queryInterval" | "queryResponseInterval" | "lastMemberQueryInterval" | "lastMemberQueryCount" | "startupQueryCount" | "startupQueryInterval">>;
  sent: QuerierCounters;
  /** The router state (groups, modes, sources, timers, compatibility). */
  state: MonitorSnapshot;
}

interface Pending {
  groupLeft: number;
  sources: Map<string, number>;
  nextMs: number;
}

/** A frame the querier hears: any link type `decodeFrame` knows. */
export interface QuerierHeardFrame {
  data: Uint8Array;
  linkType: number;
}

/** The IGMP querier of one LAN: {@link MonitorState} plus the queries. */
export class Querier {
  readonly state: MonitorState;
  readonly address: string;
  readonly mac: string;
  readonly version: 1 | 2 | 3;
  private readonly cfg: QuerierStatus["config"];
  private readonly vlan: number[];
  private readonly rng: QuerierRng;
  private odd: OddQuery | undefined;
  private role: "querier" | "non-querier" | "idle" = "idle";
  private stopped = false;
  private started = false;
  private nowMs = Number.NEGATIVE_INFINITY;
  private nextGeneralMs: number | null = null;
  private startupLeft = 0;
  private readonly pending = new Map<string, Pending>();
  private frames: QuerierFrame[] = [];
  private events: QuerierEvent[] = [];
  private ipId: number;
  readonly counters: QuerierCounters = { general: 0, group: 0, groupSource: 0, framesHeard: 0, ignored: 0 };

  constructor(o: QuerierOptions) {
    const bad = (m: string): never => {
      throw new QuerierError(QuerierErrorCode.badConfig, m);
    };
    if (!isIPv4(o.address) || isMulticast(o.address)) bad(`querier address ${o.address}: a unicast IPv4 address`);
    this.address = o.address;
    this.mac = o.mac.toLowerCase();
    this.version = o.version ?? 3;
    if (![1, 2, 3].includes(this.version)) bad(`IGMP version ${String(o.version)}: 1, 2 or 3`);
    const rv = o.robustness ?? 2;
    if (!Number.isInteger(rv) || rv < 1) bad(`robustness ${rv}: a whole number, at least 1`);
    const qi = o.queryInterval ?? 125;
    const qri = o.queryResponseInterval ?? 10;
    const lmqi = o.lastMemberQueryInterval ?? 1;
    const positive = (name: string, v: number) => {
      if (!Number.isFinite(v) || v <= 0) bad(`${name} ${v}: a number of seconds above 0`);
    };
    positive("query interval", qi);
    positive("query response interval", qri);
    positive("last member query interval", lmqi);
    // RFC 9776 §8.3, RFC 2236 §8.3: the Query Response Interval must be less than the Query Interval.
    if (qri >= qi) bad(`query response interval ${qri} s must be less than the query interval ${qi} s`);
    if (this.version === 2) {
      // v2's Max Resp Time is a linear count of tenths in one byte (RFC 2236 §2.2).
      if (qri > 25.5) bad(`query response interval ${qri} s: IGMPv2 carries at most 25.5 s`);
      if (lmqi > 25.5) bad(`last member query interval ${lmqi} s: IGMPv2 carries at most 25.5 s`);
    }
    if (this.version === 3) {
      if (secondsToMaxRespCode(qri) === 0) bad(`query response interval ${qri} s: below the 0.1 s resolution of Max Resp Code`);
      if (secondsToMaxRespCode(lmqi) === 0) bad(`last member query interval ${lmqi} s: below the 0.1 s resolution of Max Resp Code`);
    }
    if (this.version === 2 && (Math.floor(Math.round(qri * 1e6) / 1e5) === 0 || Math.floor(Math.round(lmqi * 1e6) / 1e5) === 0)) bad("IGMPv2 Max Resp Time below 0.1 s");
    const lmqc = o.lastMemberQueryCount ?? rv;
    if (!Number.isInteger(lmqc) || lmqc < 1) bad(`last member query count ${lmqc}: a whole number, at least 1`);
    const sqc = o.startupQueryCount ?? rv;
    if (!Number.isInteger(sqc) || sqc < 1) bad(`startup query count ${sqc}: a whole number, at least 1`);
    const sqi = o.startupQueryInterval ?? qi / 4;
    positive("startup query interval", sqi);
    this.cfg = { robustness: rv, queryInterval: qi, queryResponseInterval: qri, lastMemberQueryInterval: lmqi, lastMemberQueryCount: lmqc, startupQueryCount: sqc, startupQueryInterval: sqi };
    this.vlan = o.vlan ?? [];
    this.odd = o.odd;
    if (o.odd !== undefined) checkOdd(o.odd);
    let seed = (o.seed ?? 1) >>> 0;
    this.rng = o.rng ?? {
      // mulberry32, as the host emulator's (kept here so that src/monitor imports only src/wire)
      next: () => {
        seed = (seed + 0x6d2b79f5) >>> 0;
        let t = seed;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      },
    };
    this.ipId = Math.floor(this.rng.next() * 0x10000);
    this.state = new MonitorState({
      self: this.address,
      robustness: rv,
      queryInterval: qi,
      queryResponseInterval: qri,
      lastMemberQueryInterval: lmqi,
      lastMemberQueryCount: lmqc,
    });
  }

  /** The configured variables (what we advertise), seconds. */
  config(): QuerierStatus["config"] {
    return { ...this.cfg };
  }

  /** The variables in force in the state (ours while we are the querier, the querier's otherwise). */
  timers(): MonitorTimers {
    return this.state.timers();
  }

  /** Whether we are the querier now. */
  isQuerier(): boolean {
    return this.role === "querier" && !this.stopped;
  }

  /** Replace the oddities applied to every query (undefined: none). */
  setOdd(odd: OddQuery | undefined): void {
    if (odd !== undefined) checkOdd(odd);
    this.odd = odd;
  }

  /**
   * Start at `now`: a router starts as the querier (RFC 9776 §6.6.2, RFC 2236 §7) and sends Startup Query
   * Count general queries, Startup Query Interval apart, then one every Query Interval.
   */
  start(now: number): void {
    if (this.started) return;
    this.started = true;
    this.nowMs = now;
    this.state.advance(now);
    this.role = "querier";
    this.ownEvent({ type: "election-won", reason: "startup", previous: null });
    this.startupLeft = this.cfg.startupQueryCount;
    this.nextGeneralMs = now;
    this.runDue(now);
  }

  /** A frame heard on the link at `now` (frames from our own MAC are ignored: we saw them when sending). */
  receive(now: number, frame: QuerierHeardFrame | DecodedFrame): void {
    this.advance(now);
    // Raw bytes are stamped with our clock, so that the state's events are all on it.
    const d = "data" in frame ? decodeFrame({ data: frame.data, linkType: frame.linkType, timestampNs: msToNs(now) }, this.counters.framesHeard + 1) : frame;
    this.counters.framesHeard++;
    if (d.igmp === null || (d.macSrc !== null && d.macSrc === this.mac)) return;
    if (!this.takes(d)) {
      this.counters.ignored++;
      return;
    }
    this.onStateEvents(this.state.receive(d, now));
    this.runDue(now);
  }

  /** Run every timer due at or before `now`, in time order. */
  advance(now: number): void {
    for (;;) {
      const d = this.nextDeadline();
      if (d === null || d > now) break;
      const t = Math.max(d, this.nowMs);
      this.nowMs = t;
      this.onStateEvents(this.state.advance(t));
      this.runDue(t);
    }
    if (now > this.nowMs) {
      this.nowMs = now;
      this.onStateEvents(this.state.advance(now));
    }
  }

  /** The earliest time something is due (a query to send or a timer of the state), or null. */
  nextDeadline(): number | null {
    let best = this.state.nextDeadlineMs();
    const consider = (t: number | null) => {
      if (t !== null && (best === null || t < best)) best = t;
    };
    if (this.role === "querier" && !this.stopped) consider(this.nextGeneralMs);
    // A v2 non-querier finishes the last-member queries it started as the querier (see onStateEvents).
    if (this.role !== "idle" && !this.stopped) for (const p of this.pending.values()) consider(p.nextMs);
    return best;
  }

  /** Take the frames sent so far, in time order. */
  drain(): QuerierFrame[] {
    const f = this.frames;
    this.frames = [];
    return f;
  }

  /** Take the events so far, in time order. */
  drainEvents(): QuerierEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Stop sending at `now` (RFC 9776 has no message for a querier leaving: the others time us out). */
  stop(now: number): void {
    this.advance(now);
    this.stopped = true;
    this.nextGeneralMs = null;
    this.pending.clear();
  }

  /**
   * Send one query now, as scripted (a conformance case, a negative test): any group, sources, S flag,
   * version, Max Resp Code, QRV, QQIC and oddities. It is fed to the state as our own query (unless it is
   * one a router would drop: bad checksum, 9–11 bytes). Sent whether or not we are the querier.
   */
  query(now: number, spec: QuerySpec = {}): QuerierFrame {
    this.advance(now);
    const group = spec.group ?? IGMP_ADDRESSES.any;
    if (!isIPv4(group) || (group !== IGMP_ADDRESSES.any && !isMulticast(group))) throw new QuerierError(QuerierErrorCode.badQuery, `query group ${group}: 0.0.0.0 or a multicast address`);
    for (const s of spec.sources ?? []) if (!isIPv4(s)) throw new QuerierError(QuerierErrorCode.badQuery, `query source ${s}: an IPv4 address`);
    if (spec.odd !== undefined) checkOdd(spec.odd);
    const general = group === IGMP_ADDRESSES.any;
    const f = this.send(now, {
      group,
      sources: spec.sources ?? [],
      sFlag: spec.sFlag ?? false,
      version: spec.version ?? this.version,
      maxRespTime: spec.maxRespTime ?? (general ? this.cfg.queryResponseInterval : this.cfg.lastMemberQueryInterval),
      ...(spec.maxRespCode !== undefined ? { maxRespCode: spec.maxRespCode } : {}),
      ...(spec.qrv !== undefined ? { qrv: spec.qrv } : {}),
      ...(spec.qqic !== undefined ? { qqic: spec.qqic } : {}),
      odd: { ...this.odd, ...spec.odd },
      startup: false,
      retransmission: false,
      scripted: true,
    });
    this.runDue(now);
    return f;
  }

  /** The querier's view at `now` (default: the latest time it was given). */
  snapshot(now: number = this.nowMs): QuerierStatus {
    const secs = (t: number | null) => (t === null ? null : Math.max(0, (t - now) / 1000));
    return {
      timeMs: now,
      address: this.address,
      version: this.version,
      role: this.role,
      stopped: this.stopped,
      querier: this.state.querierAddress(),
      nextGeneralQuery: this.role === "querier" ? secs(this.nextGeneralMs) : null,
      startupQueriesLeft: this.startupLeft,
      pending: [...this.pending]
        .sort(([a], [b]) => ipv4ToNumber(a) - ipv4ToNumber(b))
        .map(([group, p]) => ({ group, groupLeft: p.groupLeft, sources: [...p.sources].map(([source, left]) => ({ source, left })), next: secs(p.nextMs) ?? 0 })),
      config: this.config(),
      sent: { ...this.counters },
      state: this.state.snapshot(now),
    };
  }

  // -------------------------------------------------------------------------------------------------

  /** Which messages a router of our version takes: v1 only v1 reports, v2 also v2 reports and leaves (RFC 2236 §4), v3 all. */
  private takes(d: DecodedFrame): boolean {
    const m = d.igmp!;
    // RFC 2236 §2, RFC 9776 §4: every IGMP message is sent with TTL 1; one with another TTL is not from a
    // neighbour on the link (IxANVL's negative cases; FRR pimd drops them too).
    if (d.ttl !== null && d.ttl !== 1) return false;
    // A Leave goes to 224.0.0.2, or to the group for older hosts (RFC 2236 §3); one to a unicast address is not taken.
    if (m.kind === "leave" && d.ipDst !== null && d.ipDst !== IGMP_ADDRESSES.allRouters && d.ipDst !== m.group) return false;
    if (m.kind === "query") return true;
    if (this.version === 3) return true;
    if (this.version === 2) return m.kind === "v1-report" || m.kind === "v2-report" || m.kind === "leave";
    return m.kind === "v1-report";
  }

  private ownEvent(e: DistributiveOmit<QuerierOwnEvent, "time" | "frame">): void {
    this.events.push({ time: formatTimeMs(this.nowMs), frame: null, ...e } as QuerierOwnEvent);
  }

  /** Take the state's events: election changes, and the specific queries the state tables ask for. */
  private onStateEvents(events: MonitorEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      if (this.stopped || this.role === "idle") continue;
      if (e.type === "querier-changed" && e.previous === this.address && e.querier !== this.address) {
        // A lower address queries: we are a non-querier until its Other Querier Present timer runs out.
        this.role = "non-querier";
        this.nextGeneralMs = null;
        this.startupLeft = 0;
        // RFC 2236 §3: "Any Querier to non-Querier transition is ignored during this time; the same router
        // keeps sending the Group-Specific Queries". RFC 9776 has no such rule (§6.6.2: it ceases to query).
        if (this.version === 3) this.pending.clear();
        this.ownEvent({ type: "election-lost", querier: e.querier });
      } else if (e.type === "querier-expired" && e.querier !== this.address && this.role === "non-querier") {
        this.role = "querier";
        this.nextGeneralMs = this.nowMs;
        this.ownEvent({ type: "election-won", reason: "other-querier-expired", previous: e.querier });
      } else if (e.type === "last-member-query" && !e.observed && this.role === "querier" && this.version !== 1) {
        let p = this.pending.get(e.group);
        if (p === undefined) this.pending.set(e.group, (p = { groupLeft: 0, sources: new Map(), nextMs: this.nowMs }));
        const n = this.cfg.lastMemberQueryCount;
        if (e.sources.length === 0) {
          // A Send Q(G) while the group's queries run (several hosts leaving at once) restarts the count
          // rather than sending another query at once, as Linux does: the timer is at LMQT already.
          if (p.groupLeft === 0) p.nextMs = this.nowMs;
          p.groupLeft = n;
        } else if (this.version === 3) {
          // v2 has no group-and-source-specific queries (a v2 router never sees source lists anyway).
          if (e.sources.some((s) => !p.sources.has(s))) p.nextMs = this.nowMs;
          for (const s of e.sources) p.sources.set(s, n);
        }
      }
    }
  }

  /** Send what is due at `now`. */
  private runDue(now: number): void {
    if (this.role === "idle" || this.stopped) return;
    if (this.role === "querier" && this.nextGeneralMs !== null && this.nextGeneralMs <= now) {
      const startup = this.startupLeft > 0;
      this.send(now, { group: IGMP_ADDRESSES.any, sources: [], sFlag: false, version: this.version, maxRespTime: this.cfg.queryResponseInterval, odd: this.odd, startup, retransmission: false, scripted: false });
      if (startup) this.startupLeft--;
      this.nextGeneralMs = now + 1000 * (this.startupLeft > 0 ? this.cfg.startupQueryInterval : this.cfg.queryInterval);
    }
    for (const [group, p] of [...this.pending]) {
      if (p.nextMs > now) continue;
      this.sendSpecific(now, group, p);
    }
  }

  /** The queries of one group's retransmission state (RFC 9776 §6.6.3.1, §6.6.3.2; RFC 2236 §3). */
  private sendSpecific(now: number, group: string, p: Pending): void {
    const rec = this.state.groupTimersMs(group);
    const lmqtEnd = now + this.state.timers().lastMemberQueryTime * 1000;
    const common = { version: this.version, maxRespTime: this.cfg.lastMemberQueryInterval, odd: this.odd, startup: false, scripted: false } as const;
    if (p.groupLeft > 0) {
      if (rec === null || rec.groupTimerMs === null) p.groupLeft = 0;
      else {
        const sFlag = rec.groupTimerMs > lmqtEnd;
        if (sFlag && this.version === 2) p.groupLeft = 0; // RFC 2236 §7: a report ends "checking membership"
        else {
          this.send(now, { group, sources: [], sFlag: sFlag && this.version === 3, ...common, retransmission: p.groupLeft < this.cfg.lastMemberQueryCount });
          p.groupLeft--;
        }
      }
    }
    if (p.sources.size > 0) {
      const high: string[] = [];
      const low: string[] = [];
      // A query is a retransmission when every source in it was queried before.
      let highFresh = false;
      let lowFresh = false;
      for (const [s, left] of p.sources) {
        const t = rec?.sources.get(s);
        if (t === undefined) {
          p.sources.delete(s);
          continue;
        }
        const fresh = left === this.cfg.lastMemberQueryCount;
        if (t !== null && t > lmqtEnd) {
          high.push(s);
          highFresh ||= fresh;
        } else {
          low.push(s);
          lowFresh ||= fresh;
        }
        if (left <= 1) p.sources.delete(s);
        else p.sources.set(s, left - 1);
      }
      // §6.6.3.2: two queries, S set for sources whose timers are above LMQT, S clear for the rest; an
      // empty one is not sent.
      if (high.length > 0) this.send(now, { group, sources: high, sFlag: true, ...common, retransmission: !highFresh });
      if (low.length > 0) this.send(now, { group, sources: low, sFlag: false, ...common, retransmission: !lowFresh });
    }
    if (p.groupLeft > 0 || p.sources.size > 0) p.nextMs = now + 1000 * this.cfg.lastMemberQueryInterval;
    else this.pending.delete(group);
  }

  /** Build, record and feed back one query. */
  private send(
    now: number,
    q: {
      group: string;
      sources: string[];
      sFlag: boolean;
      version: 1 | 2 | 3;
      maxRespTime: number;
      maxRespCode?: number;
      qrv?: number;
      qqic?: number;
      odd: OddQuery | undefined;
      startup: boolean;
      retransmission: boolean;
      scripted: boolean;
    },
  ): QuerierFrame {
    const general = q.group === IGMP_ADDRESSES.any;
    const qrv = q.qrv ?? (this.cfg.robustness > 7 ? 0 : this.cfg.robustness);
    const qqic = q.qqic ?? secondsToQqic(this.cfg.queryInterval);
    // The query as intended, for our own state.
    let intended: IgmpQuery;
    if (q.version === 1) intended = general ? v1Query() : withChecksum({ ...v1Query(), group: q.group });
    else if (q.version === 2) intended = v2Query({ group: q.group, maxRespTime: q.maxRespTime, ...(q.maxRespCode !== undefined ? { maxRespCode: q.maxRespCode } : {}) });
    else intended = v3Query({ group: q.group, maxRespTime: q.maxRespTime, ...(q.maxRespCode !== undefined ? { maxRespCode: q.maxRespCode } : {}), qrv, qqic, sFlag: q.sFlag, sources: q.sources });
    const odd = q.odd ?? {};
    let sent: IgmpMessageInit = intended;
    let keep = false;
    if (odd.maxRespCode !== undefined || (general && (odd.generalSources !== undefined || odd.generalSFlag)) || odd.qrv !== undefined || odd.qqic !== undefined) {
      if (intended.version === 3) {
        const v3 = { ...intended };
        if (odd.maxRespCode !== undefined) v3.maxRespCode = odd.maxRespCode;
        if (general && odd.generalSources !== undefined) v3.sources = odd.generalSources;
        if (general && odd.generalSFlag) v3.sFlag = true;
        if (odd.qrv !== undefined) v3.qrv = odd.qrv;
        if (odd.qqic !== undefined) v3.qqic = odd.qqic;
        sent = withChecksum(v3);
      } else if (odd.maxRespCode !== undefined) sent = withChecksum({ ...intended, maxRespCode: odd.maxRespCode });
    }
    if (odd.length !== undefined) {
      sent = withChecksum({ kind: "query", type: 0x11, version: null, group: q.group, maxRespCode: (sent as IgmpQuery).maxRespCode, maxRespTime: null, extra: "00".repeat(odd.length - 8) });
    }
    if (odd.badChecksum) {
      const m = withChecksum(sent);
      sent = { ...m, checksum: (m.checksum + 1) & 0xffff } as IgmpMessageInit;
      keep = true;
    }
    this.ipId = (this.ipId + 1) & 0xffff;
    const ip: { ttl?: number; optionsRaw?: string; id: number } = { id: this.ipId };
    if (odd.ttl !== undefined) ip.ttl = odd.ttl;
    if (odd.routerAlert === false) ip.optionsRaw = "";
    const src = odd.source ?? this.address;
    const data = encodeIgmpFrame({
      message: sent,
      src,
      macSrc: this.mac,
      vlan: this.vlan,
      ip,
      ...(odd.unicast !== undefined ? { dst: odd.unicast.ip, macDst: odd.unicast.mac } : {}),
      ...(keep ? { igmp: { checksum: "keep" as const } } : {}),
    });
    const message = decodeFrame({ data, linkType: 1 }).igmp as IgmpQuery;
    const kind: QueryKind = general ? "general" : q.sources.length > 0 ? "group-source" : "group";
    if (kind === "general") this.counters.general++;
    else if (kind === "group") this.counters.group++;
    else this.counters.groupSource++;
    const frame: QuerierFrame = { timeMs: now, data, message, kind };
    this.frames.push(frame);
    this.ownEvent({
      type: "query-sent",
      kind,
      version: message.version,
      group: q.group,
      sources: message.version === 3 ? [...message.sources] : [],
      sFlag: message.version === 3 ? message.sFlag : false,
      maxRespCode: message.maxRespCode,
      startup: q.startup,
      retransmission: q.retransmission,
      scripted: q.scripted,
      odd: oddNames(odd),
    });
    // Our own query goes through the state as any router's would (election, §6.6.1 timer updates), as
    // intended: a router does not drop its own query for the oddities it put on the wire. A scripted query
    // a router would drop (bad checksum, 9–11 bytes) stays out; the querier's own are its role whatever
    // their oddities (else a querier sending bad checksums would not know it is the querier).
    if (!q.scripted || (!odd.badChecksum && odd.length === undefined)) {
      const own = decodeFrame({ data: encodeIgmpFrame({ message: intended, src: this.address, macSrc: this.mac }), linkType: 1, timestampNs: msToNs(now) }, 0);
      this.onStateEvents(this.state.receive(own, now).map((e) => (e.frame === 0 ? { ...e, frame: null } : e)));
    }
    return frame;
  }
}

/** A scripted query at a time: {@link QuerySpec} plus `atMs` from the start of the run. */
export interface ScriptedQuery extends QuerySpec {
  atMs: number;
}

const ODD_KEYS = new Set(["badChecksum", "length", "ttl", "routerAlert", "source", "unicast", "maxRespCode", "generalSources", "generalSFlag", "qrv", "qqic"]);
const SPEC_KEYS = new Set(["at", "group", "sources", "sFlag", "version", "maxRespTime", "maxRespCode", "qrv", "qqic", "odd"]);

/**
 * A query script: `{"queries": [{"at": 5, "group": "239.1.1.1", "sources": ["198.18.0.9"], "sFlag": true,
 * "version": 2, "maxRespCode": 200, "qrv": 0, "qqic": 0, "odd": {"ttl": 4, "routerAlert": false}}]}` (or the
 * bare list), `at` in seconds from the start. Every problem is reported with its JSON path in one
 * QuerierError `bad-query`. Sorted by time, stable.
 */
export function parseQueryScript(json: unknown): ScriptedQuery[] {
  const errs: string[] = [];
  const list = Array.isArray(json) ? json : typeof json === "object" && json !== null && Array.isArray((json as { queries?: unknown }).queries) ? (json as { queries: unknown[] }).queries : null;
  if (list === null) throw new QuerierError(QuerierErrorCode.badQuery, 'a query script is a list of queries or {"queries": [...]}');
  const out: ScriptedQuery[] = [];
  list.forEach((e, i) => {
    const p = `queries[${i}]`;
    if (typeof e !== "object" || e === null || Array.isArray(e)) return void errs.push(`${p}: must be an object`);
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!SPEC_KEYS.has(k)) errs.push(`${p}.${k}: unknown key`);
    if (typeof o.at !== "number" || !Number.isFinite(o.at) || o.at < 0) return void errs.push(`${p}.at: seconds from the start, a number >= 0`);
    const q: ScriptedQuery = { atMs: Math.round(o.at * 1e6) / 1e3 };
    if (o.group !== undefined) {
      if (typeof o.group !== "string" || !isIPv4(o.group) || (o.group !== IGMP_ADDRESSES.any && !isMulticast(o.group))) errs.push(`${p}.group: 0.0.0.0 or a multicast address`);
      else q.group = o.group;
    }
    if (o.sources !== undefined) {
      if (!Array.isArray(o.sources) || !o.sources.every((x) => typeof x === "string" && isIPv4(x))) errs.push(`${p}.sources: a list of IPv4 addresses`);
      else q.sources = o.sources as string[];
    }
    if (o.sFlag !== undefined) {
      if (typeof o.sFlag !== "boolean") errs.push(`${p}.sFlag: true or false`);
      else q.sFlag = o.sFlag;
    }
    if (o.version !== undefined) {
      if (o.version !== 1 && o.version !== 2 && o.version !== 3) errs.push(`${p}.version: 1, 2 or 3`);
      else q.version = o.version;
    }
    if (o.maxRespTime !== undefined) {
      if (typeof o.maxRespTime !== "number" || !(o.maxRespTime > 0)) errs.push(`${p}.maxRespTime: seconds above 0`);
      else q.maxRespTime = o.maxRespTime;
    }
    for (const [k, max] of [["maxRespCode", 255], ["qrv", 7], ["qqic", 255]] as const) {
      const v = o[k];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) errs.push(`${p}.${k}: a whole number 0..${max}`);
      else q[k] = v;
    }
    if (o.odd !== undefined) {
      if (typeof o.odd !== "object" || o.odd === null || Array.isArray(o.odd)) errs.push(`${p}.odd: an object`);
      else {
        for (const k of Object.keys(o.odd)) if (!ODD_KEYS.has(k)) errs.push(`${p}.odd.${k}: unknown key`);
        try {
          checkOdd(o.odd as OddQuery);
          q.odd = o.odd as OddQuery;
        } catch (err) {
          errs.push(`${p}.odd: ${(err as Error).message}`);
        }
      }
    }
    out.push(q);
  });
  if (errs.length > 0) throw new QuerierError(QuerierErrorCode.badQuery, `query script: ${errs.join("; ")}`);
  return out.map((q, i) => ({ q, i })).sort((a, b) => a.q.atMs - b.q.atMs || a.i - b.i).map((x) => x.q);
}

const msToNs = (ms: number): bigint => BigInt(Math.round(ms * 1e6));

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function checkOdd(o: OddQuery): void {
  const bad = (m: string): never => {
    throw new QuerierError(QuerierErrorCode.badConfig, m);
  };
  if (o.length !== undefined && ![9, 10, 11].includes(o.length)) bad(`odd query length ${o.length}: 9, 10 or 11`);
  if (o.ttl !== undefined && (!Number.isInteger(o.ttl) || o.ttl < 0 || o.ttl > 255)) bad(`TTL ${o.ttl}: 0..255`);
  for (const [k, v] of [["maxRespCode", o.maxRespCode], ["qqic", o.qqic]] as const) if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 255)) bad(`${k} ${v}: 0..255`);
  if (o.qrv !== undefined && (!Number.isInteger(o.qrv) || o.qrv < 0 || o.qrv > 7)) bad(`QRV ${o.qrv}: 0..7`);
  if (o.source !== undefined && !isIPv4(o.source)) bad(`source ${o.source}: an IPv4 address`);
  if (o.unicast !== undefined && (!isIPv4(o.unicast.ip) || isMulticast(o.unicast.ip))) bad(`unicast destination ${o.unicast.ip}: a unicast IPv4 address`);
  for (const s of o.generalSources ?? []) if (!isIPv4(s)) bad(`general query source ${s}: an IPv4 address`);
}
