/**
 * Conformance checks over a stream of decoded frames: what a careful engineer reading the capture against
 * RFC 2236, RFC 9776 and RFC 4604 would point out. Sans-IO: frames in (with their capture times), findings out.
 *
 * Each finding names a stable rule id, a severity, the frames involved, the RFC section and one line of
 * explanation. Per-frame findings with the same rule and explanation are merged into one finding listing
 * every frame.
 */
import {
  destinationFor,
  IGMP_ADDRESSES,
  ipv4ToNumber,
  isLinkLocalMulticast,
  isSsm,
  type DecodedFrame,
  type IgmpMessage,
} from "../wire/index.js";
import { frameTimeMs, MonitorState } from "./state.js";

export type Severity = "error" | "warning" | "info";

/** Rank for `--fail-on`: a finding counts when its rank is at least the threshold's. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({ info: 0, warning: 1, error: 2 });

export interface LintRule {
  id: string;
  severity: Severity;
  /** RFC and section(s). */
  rfc: string;
  /** One-line statement of what the rule checks. */
  summary: string;
}

function rule(id: string, severity: Severity, rfc: string, summary: string): LintRule {
  return { id, severity, rfc, summary };
}

/** Every rule, by stable id. */
export const LINT_RULES = Object.freeze({
  igmpChecksum: rule("igmp-checksum", "error", "RFC 2236 §2.3, RFC 9776 §4.1.2", "The IGMP checksum must verify; routers and hosts drop the message."),
  ipChecksum: rule("ip-checksum", "error", "RFC 791 §3.1", "The IPv4 header checksum must verify; the packet is dropped before IGMP sees it."),
  ttlNot1: rule("ttl-not-1", "error", "RFC 2236 §2, RFC 9776 §4", "IGMP messages are sent with IP TTL 1."),
  routerAlertMissing: rule("router-alert-missing", "warning", "RFC 2236 §2, RFC 9776 §4", "IGMPv2/v3 messages carry the IP Router Alert option."),
  tosNot0xc0: rule("tos-not-0xc0", "info", "RFC 9776 §4", "IGMP messages are sent with IP precedence Internetwork Control (TOS 0xc0)."),
  wrongDestination: rule(
    "wrong-destination",
    "error",
    "RFC 2236 §9, RFC 9776 §4.1.12, §4.2.14",
    "Reports and leaves have a fixed destination (v1/v2 report: the group; leave: 224.0.0.2; v3 report: 224.0.0.22); snooping switches and routers act on it.",
  ),
  queryDestination: rule(
    "query-destination",
    "warning",
    "RFC 2236 §9, RFC 9776 §4.1.12",
    "A general query goes to 224.0.0.1 and a specific query to its group; hosts must still accept a query to any of their addresses (the Linux bridge sends specific queries to 224.0.0.1).",
  ),
  queryInvalidLength: rule("query-invalid-length", "error", "RFC 9776 §7.1", "A query of 9 to 11 bytes is neither v2 (8) nor v3 (12 or more) and must be ignored."),
  generalQueryWithSources: rule("general-query-with-sources", "error", "RFC 9776 §4.1.9", "A general query has no sources; Linux drops one that has."),
  reportAllSystems: rule("report-all-systems", "error", "RFC 2236 §6, RFC 9776 §5", "No host reports membership of 224.0.0.1 (all-systems)."),
  lateReport: rule("late-report", "warning", "RFC 2236 §3, RFC 9776 §5.2", "A host answers a query within the query's Max Resp Time."),
  stateChangeNotRepeated: rule("state-change-not-repeated", "warning", "RFC 9776 §5.1", "A State-Change Report is sent Robustness Variable times in all."),
  leaveNotLastReporter: rule(
    "leave-not-last-reporter",
    "warning",
    "RFC 2236 §3, §6",
    "An IGMPv2 host sends a Leave when it was the last host to report the group; this one keeps sending leaves for groups others reported last.",
  ),
  recordAuxData: rule("record-aux-data", "error", "RFC 9776 §4.2.6", "IGMPv3 hosts must not put auxiliary data in group records."),
  ssmExcludeRecord: rule("ssm-exclude-record", "error", "RFC 4604 §2.2.1, §2.2.3", "Hosts must not send IS_EX or TO_EX records for SSM groups (232/8); routers ignore them."),
  querierNotLowest: rule(
    "querier-not-lowest",
    "warning",
    "RFC 2236 §3, RFC 9776 §6.6.2",
    "The router with the lowest address is querier; a higher-address router that hears its query stops querying.",
  ),
  duplicateQuerier: rule(
    "duplicate-querier",
    "error",
    "RFC 2236 §3, RFC 9776 §6.6.2",
    "Two routers kept sending general queries at once for longer than the Other Querier Present Interval.",
  ),
  querierConfigMismatch: rule(
    "querier-config-mismatch",
    "warning",
    "RFC 9776 §4.1.6, §4.1.7, §8.1",
    "Queriers on one LAN advertise the same Robustness Variable and Query Interval.",
  ),
  querierVersionMismatch: rule("querier-version-mismatch", "warning", "RFC 9776 §7.3.1", "Every querier on a LAN runs the same IGMP version."),
  oldVersionReport: rule(
    "old-version-report",
    "warning",
    "RFC 9776 §7.3.2",
    "IGMPv1/v2 reports on an IGMPv3 LAN force the router into older-version compatibility for the group.",
  ),
} satisfies Record<string, LintRule>);

export type LintRuleId = (typeof LINT_RULES)[keyof typeof LINT_RULES]["id"];

/** Rules by id. */
export const LINT_RULES_BY_ID: ReadonlyMap<string, LintRule> = new Map(Object.values(LINT_RULES).map((r) => [r.id, r]));

/** One conformance finding. JSON-ready. */
export interface Finding {
  rule: LintRuleId;
  severity: Severity;
  rfc: string;
  /** Frame numbers (1-based, in capture order) the finding is about. */
  frames: number[];
  message: string;
  /** The IPv4 source the finding is about, where there is one. */
  source?: string;
  /** The VLAN tags (outer first) of the LAN the finding is about; absent for untagged frames. */
  vlan?: number[];
  /** The capture file, when the caller names it. */
  file?: string;
}

export interface LintOptions {
  /** Extra time allowed after Max Resp Time before a report is late, ms (capture timestamps jitter). Default 100. */
  lateGraceMs?: number;
  /** Unsolicited Report Interval for IGMPv3 state changes, seconds (RFC 9776 §8.11). Default 1. */
  unsolicitedReportInterval?: number;
  /** A higher-address querier may still send a query this long after the lower one's, ms (races). Default 1000. */
  querierGraceMs?: number;
  /** Leaves without having reported last before `leave-not-last-reporter` fires. Default 2. */
  leaveThreshold?: number;
}

const MEMBERSHIP_KINDS = new Set(["query", "v1-report", "v2-report", "leave", "v3-report"]);

type Query = Extract<IgmpMessage, { kind: "query" }>;

interface OpenQuery {
  frame: number;
  tMs: number;
  deadlineMs: number;
  answered: Set<string>;
}

interface QuerierSeen {
  version: 1 | 2 | 3;
  lastMs: number;
  qrv: number | null;
  qqi: number | null;
  frame: number;
}

interface Contention {
  lower: string;
  higher: string;
  firstMs: number;
  lastMs: number;
  frames: number[];
}

interface PendingChange {
  key: string;
  firstMs: number;
  count: number;
  frames: number[];
  robustness: number;
  desc: string;
}

function cmp(a: string, b: string): number {
  return ipv4ToNumber(a) - ipv4ToNumber(b);
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")} s`;
}

/**
 * Streaming linter: {@link Linter.push} each decoded frame in capture order, then {@link Linter.finish}.
 *
 * Each VLAN (each 802.1Q/802.1ad tag path, and the untagged frames) is its own LAN with its own querier
 * and members: a trunk capture is judged per VLAN, and its findings say which VLAN (`vlan`, and the
 * message ends "on VLAN N"). One state for the whole trunk would take each VLAN's querier for a rival.
 */
export class Linter {
  private readonly lans = new Map<string, LanLinter>();

  constructor(private readonly options: LintOptions = {}) {}

  /** Check one frame (frames without IGMP are ignored). */
  push(f: DecodedFrame): void {
    const key = f.vlan.join(".");
    let lan = this.lans.get(key);
    if (lan === undefined) {
      lan = new LanLinter(this.options);
      this.lans.set(key, lan);
    }
    lan.push(f);
  }

  /** All findings, ordered by their first frame then rule id. */
  finish(): Finding[] {
    const all: Finding[] = [];
    for (const [key, lan] of this.lans) {
      for (const f of lan.finish()) all.push(key === "" ? f : { ...f, message: `${f.message} on VLAN ${key}`, vlan: key.split(".").map(Number) });
    }
    return all.sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.rule.localeCompare(b.rule));
  }
}

/** The checks for one LAN (one VLAN). */
class LanLinter {
  private readonly opts: Required<LintOptions>;
  private readonly state = new MonitorState();
  private readonly merged = new Map<string, Finding>();
  private readonly extra: Finding[] = [];
  private lastMs = Number.NEGATIVE_INFINITY;
  private firstMs: number | null = null;
  // late-report
  private general: OpenQuery | null = null;
  private readonly specific = new Map<string, OpenQuery>();
  /** group -> host -> when the host was first seen reporting it (since its last leave). */
  private readonly members = new Map<string, Map<string, number>>();
  // queriers
  private readonly queriers = new Map<string, QuerierSeen>();
  private readonly contentions = new Map<string, Contention>();
  // state changes
  private readonly pending = new Map<string, PendingChange>();
  // leaves
  private readonly lastReporter = new Map<string, string>();
  private readonly strayLeaves = new Map<string, number[]>();

  constructor(options: LintOptions = {}) {
    this.opts = {
      lateGraceMs: options.lateGraceMs ?? 100,
      unsolicitedReportInterval: options.unsolicitedReportInterval ?? 1,
      querierGraceMs: options.querierGraceMs ?? 1000,
      leaveThreshold: options.leaveThreshold ?? 2,
    };
  }

  /** Check one frame (frames without IGMP are ignored). */
  push(f: DecodedFrame): void {
    const m = f.igmp;
    if (m === null || !MEMBERSHIP_KINDS.has(m.kind)) return;
    const t = frameTimeMs(f.time);
    this.lastMs = Math.max(this.lastMs, t);
    this.firstMs ??= t;
    this.flushPending(t, false);
    this.perFrame(f, m);
    // A router drops what does not verify: the stateful rules only see what a router would take.
    if (m.checksumValid === false || f.errors.some((e) => e.code === "bad-ip-checksum") || f.ipSrc === null) return;
    const src = f.ipSrc;
    this.state.receive(f, t);
    switch (m.kind) {
      case "query":
        if (m.version !== null) this.onQuery(f, src, t, m);
        break;
      case "v1-report":
      case "v2-report":
        this.onOldReport(f, src, t, m.group, m.version);
        break;
      case "leave":
        this.onLeave(f, src, m.group);
        break;
      case "v3-report":
        this.onV3Report(f, src, t, m);
        break;
      default:
        break;
    }
  }

  /** All findings, ordered by their first frame then rule id. */
  finish(): Finding[] {
    this.flushPending(this.lastMs, true);
    const oqpi = this.state.timers().otherQuerierPresentInterval * 1000;
    for (const c of this.contentions.values()) this.closeContention(c, oqpi);
    for (const [host, frames] of this.strayLeaves) {
      if (frames.length < this.opts.leaveThreshold) continue;
      this.extra.push(
        this.finding(LINT_RULES.leaveNotLastReporter, frames, `${host} sent ${frames.length} leaves for groups another host reported last`, host),
      );
    }
    const all = [...this.merged.values(), ...this.extra];
    return all.sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.rule.localeCompare(b.rule));
  }

  // -------------------------------------------------------------------------------------------------

  private finding(r: LintRule, frames: number[], message: string, source?: string): Finding {
    const f: Finding = { rule: r.id as LintRuleId, severity: r.severity, rfc: r.rfc, frames, message };
    if (source !== undefined) f.source = source;
    return f;
  }

  /** Add a frame to the finding with this rule and message, creating it. */
  private note(r: LintRule, frame: number, message: string, source?: string | null): void {
    const key = `${r.id}\u0000${message}`;
    const found = this.merged.get(key);
    if (found) {
      if (found.frames.at(-1) !== frame) found.frames.push(frame);
    } else this.merged.set(key, this.finding(r, [frame], message, source ?? undefined));
  }

  private perFrame(f: DecodedFrame, m: IgmpMessage): void {
    const src = f.ipSrc ?? "?";
    const n = f.frame;
    const version = "version" in m ? m.version : null;
    if (f.errors.some((e) => e.code === "bad-ip-checksum")) this.note(LINT_RULES.ipChecksum, n, `IPv4 header checksum from ${src} does not verify`, src);
    if (m.checksumValid === false) {
      const exp = m.checksumExpected !== undefined ? ` (expected 0x${m.checksumExpected.toString(16).padStart(4, "0")})` : "";
      this.note(LINT_RULES.igmpChecksum, n, `${m.kind} from ${src}: IGMP checksum 0x${m.checksum.toString(16).padStart(4, "0")} does not verify${exp}`, src);
    }
    if (f.ttl !== null && f.ttl !== 1) this.note(LINT_RULES.ttlNot1, n, `${src} sends ${m.kind} with TTL ${f.ttl}`, src);
    // RFC 1112 (IGMPv1) predates the Router Alert option: only v2/v3 messages must carry it.
    if (f.routerAlert === false && version !== 1) this.note(LINT_RULES.routerAlertMissing, n, `${src} sends ${m.kind} without Router Alert`, src);
    if (f.tos !== null && f.tos !== 0xc0) this.note(LINT_RULES.tosNot0xc0, n, `${src} sends ${m.kind} with TOS 0x${f.tos.toString(16).padStart(2, "0")}`, src);
    if (f.ipDst !== null && !(m.kind === "query" && m.version === null)) {
      const want = destinationFor(m);
      // A v1 general query goes to 224.0.0.1 like the others; specific queries to the group. Mtrace and
      // unknown types have no fixed destination (null).
      if (want !== null && f.ipDst !== want) this.note(m.kind === "query" ? LINT_RULES.queryDestination : LINT_RULES.wrongDestination, n, `${src} sends ${m.kind}${"group" in m && m.group !== IGMP_ADDRESSES.any ? ` for ${m.group}` : ""} to ${f.ipDst}, not ${want}`, src);
    }
    switch (m.kind) {
      case "query":
        if (m.version === null) this.note(LINT_RULES.queryInvalidLength, n, `query from ${src} of ${8 + m.extra.length / 2} bytes`, src);
        else if (m.version === 3 && m.group === IGMP_ADDRESSES.any && m.sources.length > 0)
          this.note(LINT_RULES.generalQueryWithSources, n, `general query from ${src} lists ${m.sources.length} sources`, src);
        break;
      case "v1-report":
      case "v2-report":
      case "leave":
        if (m.group === IGMP_ADDRESSES.allSystems) this.note(LINT_RULES.reportAllSystems, n, `${src} sends ${m.kind} for 224.0.0.1`, src);
        break;
      case "v3-report":
        for (const r of m.records) {
          if (r.group === IGMP_ADDRESSES.allSystems) this.note(LINT_RULES.reportAllSystems, n, `${src} sends a ${r.kind} record for 224.0.0.1`, src);
          if (r.auxData !== "") this.note(LINT_RULES.recordAuxData, n, `${src} sends a ${r.kind} record for ${r.group} with ${r.auxData.length / 2} bytes of aux data`, src);
          if ((r.type === 2 || r.type === 4) && isSsmSafe(r.group))
            this.note(LINT_RULES.ssmExcludeRecord, n, `${src} sends ${r.kind} for SSM group ${r.group}`, src);
        }
        break;
      default:
        break;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Queries

  private onQuery(f: DecodedFrame, src: string, t: number, m: Query & { version: 1 | 2 | 3 }): void {
    const maxResp = (m.maxRespTime ?? 10) * 1000;
    const open: OpenQuery = { frame: f.frame, tMs: t, deadlineMs: t + maxResp, answered: new Set() };
    if (m.group !== IGMP_ADDRESSES.any) {
      if (m.version !== 3 || m.sources.length === 0) this.specific.set(m.group, open);
      return;
    }
    this.general = open;
    const qrv = m.version === 3 ? m.qrv || 2 : null;
    const qqi = m.version === 3 ? (m.qqic === 0 ? 125 : m.qqi) : null;
    const oqpi = this.state.timers().otherQuerierPresentInterval * 1000;
    for (const [other, o] of this.queriers) {
      if (other === src) continue;
      const pair = [src, other].sort(cmp).join(" ");
      if (o.version !== m.version)
        this.note(LINT_RULES.querierVersionMismatch, f.frame, `queriers ${pair.replace(" ", " and ")} run different IGMP versions`, undefined);
      else if (qrv !== null && (o.qrv !== qrv || o.qqi !== qqi))
        this.note(
          LINT_RULES.querierConfigMismatch,
          f.frame,
          `querier ${src} advertises QRV ${qrv}, QQI ${qqi} s; ${other} advertised QRV ${o.qrv}, QQI ${o.qqi} s`,
          src,
        );
      // The sender is higher than a querier heard within the other-querier-present interval.
      if (cmp(other, src) < 0 && t - o.lastMs < oqpi && t - o.lastMs > this.opts.querierGraceMs) {
        const key = `${other} ${src}`;
        const c = this.contentions.get(key);
        if (c && t - c.lastMs < oqpi) {
          c.lastMs = t;
          c.frames.push(f.frame);
        } else {
          if (c) this.closeContention(c, oqpi);
          this.contentions.set(key, { lower: other, higher: src, firstMs: o.lastMs, lastMs: t, frames: [o.frame, f.frame] });
        }
      }
    }
    this.queriers.set(src, { version: m.version, lastMs: t, qrv, qqi, frame: f.frame });
  }

  /** Two queriers overlapped: sustained beyond OQPI it is a duplicate querier, else a failure to yield. */
  private closeContention(c: Contention, oqpiMs: number): void {
    const span = c.lastMs - c.firstMs;
    const sustained = span >= oqpiMs;
    const r = sustained ? LINT_RULES.duplicateQuerier : LINT_RULES.querierNotLowest;
    const msg = sustained
      ? `${c.higher} and ${c.lower} both sent general queries for ${fmtS(span)}, beyond the other-querier-present interval (${fmtS(oqpiMs)}); ${c.higher} should have yielded`
      : `${c.higher} sent general queries while ${c.lower}, a lower address, was querier; it should have become a non-querier`;
    this.extra.push(this.finding(r, c.frames, msg, c.higher));
  }

  // -------------------------------------------------------------------------------------------------
  // Reports

  /** The query an answer for `group` belongs to: a specific query for it newer than the general one, else the general one. */
  private queryFor(group: string): { q: OpenQuery; specific: boolean } | null {
    const sq = this.specific.get(group);
    if (sq && (this.general === null || sq.tMs >= this.general.tMs)) return { q: sq, specific: true };
    return this.general ? { q: this.general, specific: false } : null;
  }

  /** Judge the first answer (per `key`) to query `q`. */
  private answer(q: OpenQuery, key: string, host: string, group: string, t: number, frame: number): void {
    // Link-local groups (224.0.0.0/24) are never routed and snooping switches flood them (RFC 4541
    // §2.1.2): no router or switch keeps state a late answer could lose. And their reporters are often
    // the querier's own host side: the Linux bridge queries its own stack on a separate timer, and that
    // query never appears on a port, so its answer looked late against the port's query (seen live).
    if (isLinkLocalMulticast(group)) return;
    if (q.tMs > t || q.answered.has(key)) return;
    q.answered.add(key);
    if (t > q.deadlineMs + this.opts.lateGraceMs)
      this.extra.push(
        this.finding(
          LINT_RULES.lateReport,
          [q.frame, frame],
          `${host} answered the query of frame ${q.frame} for ${group} after ${fmtS(t - q.tMs)}, Max Resp Time ${fmtS(q.deadlineMs - q.tMs)}`,
          host,
        ),
      );
  }

  private onOldReport(f: DecodedFrame, src: string, t: number, group: string, version: 1 | 2): void {
    const q = this.state.snapshot().querier;
    if (q !== null && q.version === 3)
      this.note(
        LINT_RULES.oldVersionReport,
        f.frame,
        `${src} sends IGMPv${version} reports on a LAN whose querier ${q.address} runs IGMPv3; the router falls back to v${version} compatibility for those groups`,
        src,
      );
    const members = this.members.get(group) ?? new Map<string, number>();
    // v1/v2 reports cannot tell an answer from an unsolicited join: only the report of a host that was
    // already a member when the query went out counts as an answer. (A host that joins just after a
    // query repeats its unsolicited report; seen live, that repeat looked like a late answer.)
    const since = members.get(src);
    const qf = since !== undefined ? this.queryFor(group) : null;
    if (qf && since! < qf.q.tMs) this.answer(qf.q, `${src} ${group}`, src, group, t, f.frame);
    if (since === undefined) members.set(src, t);
    this.members.set(group, members);
    this.lastReporter.set(group, src);
  }

  private onLeave(f: DecodedFrame, src: string, group: string): void {
    const last = this.lastReporter.get(group);
    this.members.get(group)?.delete(src);
    if (last !== undefined && last !== src) {
      const list = this.strayLeaves.get(src) ?? [];
      list.push(f.frame);
      this.strayLeaves.set(src, list);
    }
  }

  private onV3Report(f: DecodedFrame, src: string, t: number, m: Extract<IgmpMessage, { kind: "v3-report" }>): void {
    for (const r of m.records) {
      if (r.type === 1 || r.type === 2) {
        // Current-state records are answers to queries: one report per host for a general query.
        const qf = isLinkLocalMulticast(r.group) ? null : this.queryFor(r.group);
        if (qf) this.answer(qf.q, qf.specific ? `${src} ${r.group}` : src, src, r.group, t, f.frame);
      } else if (r.type >= 3 && r.type <= 6) {
        this.onStateChange(f, src, t, r.group, r.kind, r.sources);
      }
    }
  }

  private onStateChange(f: DecodedFrame, src: string, t: number, group: string, kind: string, sources: string[]): void {
    // 0.0.0.0 is any host without an address yet (RFC 9776 §4.2.13): reports from it cannot be told apart.
    if (src === IGMP_ADDRESSES.any) return;
    const id = `${src} ${group}`;
    const key = `${kind} ${[...sources].sort(cmp).join(",")}`;
    const p = this.pending.get(id);
    if (p && p.key === key) {
      p.count++;
      p.frames.push(f.frame);
      return;
    }
    // A different change before the retransmissions ended supersedes the old one (RFC 9776 §5.1: the
    // retransmissions then carry the merged state), so the old one is not judged.
    const desc = `${kind}(${sources.length === 0 ? "{}" : `{${sources.join(", ")}}`}) for ${group} from ${src}`;
    this.pending.set(id, { key, firstMs: t, count: 1, frames: [f.frame], robustness: this.state.timers().robustness, desc });
  }

  /** Judge the state changes whose retransmission window has passed (all of them at the end, if the capture covers it). */
  private flushPending(t: number, end: boolean): void {
    for (const [id, p] of this.pending) {
      const window = p.robustness * this.opts.unsolicitedReportInterval * 1000;
      if (t < p.firstMs + window) {
        if (!end) continue;
        // The capture ends before the retransmissions could: no verdict.
        this.pending.delete(id);
        continue;
      }
      this.pending.delete(id);
      // Seen within a window of the capture's start, it may itself be a retransmission: no verdict.
      if (p.firstMs - (this.firstMs ?? p.firstMs) < window) continue;
      if (p.count < p.robustness)
        this.extra.push(
          this.finding(
            LINT_RULES.stateChangeNotRepeated,
            p.frames,
            `${p.desc} sent ${p.count} time${p.count === 1 ? "" : "s"}, Robustness Variable is ${p.robustness}`,
            id.split(" ")[0],
          ),
        );
    }
  }
}

function isSsmSafe(group: string): boolean {
  try {
    return isSsm(group);
  } catch {
    return false;
  }
}

/** Lint a whole stream of decoded frames. */
export function lintFrames(frames: Iterable<DecodedFrame>, options: LintOptions = {}): Finding[] {
  const l = new Linter(options);
  for (const f of frames) l.push(f);
  return l.finish();
}

/** True when some finding is at or above `threshold`. */
export function hasFindingsAtOrAbove(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}

// ---------------------------------------------------------------------------------------------------
// Output

function frameList(frames: number[]): string {
  const shown = frames.slice(0, 20).join(", ");
  return frames.length > 20 ? `${shown}, … (${frames.length} frames)` : shown;
}

/** Text grouped by rule, most severe rules first; a summary line last. */
export function formatFindingsText(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings\n";
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const rules = [...byRule.keys()].sort((a, b) => {
    const ra = LINT_RULES_BY_ID.get(a)!;
    const rb = LINT_RULES_BY_ID.get(b)!;
    return SEVERITY_RANK[rb.severity] - SEVERITY_RANK[ra.severity] || a.localeCompare(b);
  });
  const lines: string[] = [];
  for (const id of rules) {
    const r = LINT_RULES_BY_ID.get(id)!;
    const list = byRule.get(id)!;
    lines.push(`${r.severity} ${id} (${r.rfc}): ${r.summary}`);
    for (const f of list) lines.push(`  ${f.file !== undefined ? `${f.file}: ` : ""}frame ${frameList(f.frames)}: ${f.message}`);
  }
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  lines.push(`${count("error")} errors, ${count("warning")} warnings, ${count("info")} info`);
  return lines.join("\n") + "\n";
}

const SARIF_LEVEL: Readonly<Record<Severity, string>> = { error: "error", warning: "warning", info: "note" };

/** A SARIF 2.1.0 log of the findings (one run, every rule described, one result per finding). */
export function findingsToSarif(findings: readonly Finding[], toolVersion = "0.0.0"): object {
  const rules = Object.values(LINT_RULES);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "igmpkit",
            version: toolVersion,
            informationUri: "https://github.com/igmpkit/igmpkit",
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              helpUri: rfcUri(r.rfc),
              properties: { rfc: r.rfc },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              ...(f.file !== undefined ? { physicalLocation: { artifactLocation: { uri: f.file } } } : {}),
              logicalLocations: f.frames.map((n) => ({ name: `frame ${n}`, kind: "object" })),
            },
          ],
          properties: { frames: f.frames, rfc: f.rfc, ...(f.source !== undefined ? { source: f.source } : {}), ...(f.vlan !== undefined ? { vlan: f.vlan } : {}) },
        })),
      },
    ],
  };
}

function rfcUri(rfc: string): string {
  const m = /RFC (\d+)/.exec(rfc);
  return m ? `https://www.rfc-editor.org/rfc/rfc${m[1]}` : "https://www.rfc-editor.org/";
}
