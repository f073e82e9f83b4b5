/**
 * Conformance checks over a stream of frames: what a careful engineer reading the capture against
 * RFC 2236, RFC 9776 and RFC 4604 would point out. Sans-IO: frames in (with their capture times), findings out.
 *
 * Each finding names a stable rule id, a severity, the frames involved, the RFC section and one line of
 * explanation. Per-frame findings with the same rule and explanation are merged into one finding listing
 * every frame. The rule catalog is in rules.ts; rendering (text, SARIF) is the CLI's (src/cli/lint-format.ts).
 *
 * Two ways in, one engine: {@link Linter.push} takes a decoded frame (the library path), and
 * {@link Linter.pushBytes} takes a frame's bytes (the CLI's hot path): a checked `FrameView` vouches for the
 * common well-formed, conforming frame, which then costs no decoding and no allocation; any frame the view
 * cannot vouch for, or that a per-frame rule would flag, is decoded and judged exactly as `push` does.
 *
 * Time: the rules run on the capture's clock, which never goes backwards. A frame stamped earlier than one
 * before it is judged at the latest time seen (so no timer runs backwards and no delay is negative) and
 * listed in one `timestamps-out-of-order` finding with the largest step back.
 */
import { decodeFrame, destinationFor, FrameView, groupRecordKind, IGMP_ADDRESSES, isSsm, numberToIPv4, ViewStatus, type DecodedFrame, type IgmpMessage } from "../wire/index.js";
import { addrLess, ALL_SYSTEMS_N, isLinkLocalN, isSsmN, MembershipMessage, MessageKind, MessageStatus } from "./message.js";
import { LINT_RULES, LINT_RULES_BY_ID, SEVERITY_RANK, type LintRule, type LintRuleId, type Severity } from "./rules.js";
import { MonitorState, type MonitorEvent } from "./state.js";
import { fieldChecks, MessageMemo, sourceList } from "./field-checks.js";
import { applyRuleSettings, ruleSettingsProblem } from "./rule-settings.js";
import { MAX_FINDING_FRAMES, type Finding, type LanCheck, type LanCheckFactory, type LanContext, type LintOptions } from "./lint-model.js";

export * from "./rules.js";
export * from "./lint-model.js";

/** The stateful checks every {@link Linter} runs besides the built-in ones: add a new rule's check here. */
export const LAN_CHECKS: readonly LanCheckFactory[] = [fieldChecks];

function resolveOptions(options: LintOptions): Readonly<Required<LintOptions>> {
  return Object.freeze({
    lateGraceMs: options.lateGraceMs ?? 100,
    unsolicitedReportInterval: options.unsolicitedReportInterval ?? 1,
    querierGraceMs: options.querierGraceMs ?? 1000,
    leaveThreshold: options.leaveThreshold ?? 2,
    reorderToleranceMs: options.reorderToleranceMs ?? 10,
    rules: options.rules ?? {},
  });
}

const MEMBERSHIP_KINDS = new Set(["query", "v1-report", "v2-report", "leave", "v3-report"]);
const ALL_ROUTERS_N = 0xe0000002 | 0;
const ALL_V3_ROUTERS_N = 0xe0000016 | 0;

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")} s`;
}

/** The exact nanosecond timestamp of a frame, for decoding it when the view cannot vouch for it. */
function timestampNs(seconds: number, nanos: number): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/**
 * Streaming linter: {@link Linter.push} (or {@link Linter.pushBytes}) each frame in capture order, then
 * {@link Linter.finish}. Memory grows with the LAN's state (groups, hosts, queriers), not with the frames.
 *
 * Each VLAN (each 802.1Q/802.1ad tag path, and the untagged frames) is its own LAN with its own querier
 * and members: a trunk capture is judged per VLAN, and its findings say which VLAN (`vlan`, and the
 * message ends "on VLAN N"). One state for the whole trunk would take each VLAN's querier for a rival.
 */
export class Linter {
  private readonly lans = new Map<string, LanLinter>();
  private readonly opts: Readonly<Required<LintOptions>>;
  private readonly view = new FrameView();
  private readonly msg = new MembershipMessage();
  private latestMs = Number.NEGATIVE_INFINITY;
  private latestFrame = 0;
  private readonly outOfOrder: number[] = [];
  private outOfOrderCount = 0;
  private maxStepBackMs = 0;
  /** Frames taken so far (IGMP or not). */
  frames = 0;

  constructor(
    options: LintOptions = {},
    private readonly checks: readonly LanCheckFactory[] = LAN_CHECKS,
  ) {
    const problem = ruleSettingsProblem(options.rules ?? {}, LINT_RULES_BY_ID);
    if (problem !== null) throw new RangeError(problem);
    this.opts = resolveOptions(options);
  }

  private lan(key: string): LanLinter {
    let lan = this.lans.get(key);
    if (lan === undefined) {
      lan = new LanLinter(this.opts, this.checks);
      this.lans.set(key, lan);
    }
    return lan;
  }

  /** The capture's clock never goes backwards: an earlier stamp is noted and taken at the latest time. */
  private clock(frame: number, t: number): number {
    if (t >= this.latestMs) {
      this.latestMs = t;
      this.latestFrame = frame;
      return t;
    }
    if (this.latestMs - t <= this.opts.reorderToleranceMs) return this.latestMs;
    this.outOfOrderCount++;
    if (this.outOfOrder.length < MAX_FINDING_FRAMES) {
      if (this.outOfOrder.length === 0 || this.outOfOrder.at(-1) !== this.latestFrame) this.outOfOrder.push(this.latestFrame);
      this.outOfOrder.push(frame);
    }
    if (this.latestMs - t > this.maxStepBackMs) this.maxStepBackMs = this.latestMs - t;
    return this.latestMs;
  }

  /** Check one decoded frame (frames without IGMP are ignored). */
  push(f: DecodedFrame): void {
    this.frames++;
    const m = this.msg;
    m.fromDecoded(f);
    m.timeMs = this.clock(f.frame, m.timeMs);
    if (m.status === MessageStatus.ignored) return;
    this.lan(m.vlan).pushDecoded(f, m);
  }

  /**
   * Check one frame from its bytes, `bytes[start, end)`, frame number `frame`, captured at `seconds` +
   * `nanos` (what `readCaptureFile().scan` gives). Same findings as {@link push} of the decoded frame.
   */
  pushBytes(bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, frame: number, seconds: number, nanos: number): void {
    const st = this.view.wrap(bytes, linkType, start, end);
    if (st === ViewStatus.notIgmp || st === ViewStatus.unsupportedLink) {
      this.frames++;
      return;
    }
    const m = this.msg;
    const ms = m.fromView(this.view, frame, seconds, nanos);
    if (ms === MessageStatus.ignored) {
      this.frames++;
      this.clock(frame, m.timeMs);
      return;
    }
    if (ms !== MessageStatus.ok || !conforms(m)) {
      // The rare frame a per-frame rule may flag, or that the view could not vouch for: the full decode.
      this.push(decodeFrame({ data: bytes.subarray(start, end), linkType, wireLength, timestampNs: timestampNs(seconds, nanos) }, frame));
      return;
    }
    this.frames++;
    m.timeMs = this.clock(frame, m.timeMs);
    this.lan(m.vlan).take(m);
  }

  /** All findings, ordered by their first frame then rule id. */
  finish(): Finding[] {
    const all: Finding[] = [];
    for (const [key, lan] of this.lans) {
      for (const f of lan.finish()) all.push(key === "" ? f : { ...f, message: `${f.message} on VLAN ${key}`, vlan: key.split(".").map(Number) });
    }
    if (this.outOfOrderCount > 0) {
      const r = LINT_RULES.timestampsOutOfOrder;
      const n = this.outOfOrderCount;
      const f: Finding = {
        rule: r.id,
        severity: r.severity,
        rfc: r.rfc,
        frames: [...this.outOfOrder],
        message: `${n} frame${n === 1 ? " is" : "s are"} stamped earlier than a frame before ${n === 1 ? "it" : "them"} (up to ${fmtS(this.maxStepBackMs)} back); ${n === 1 ? "it was" : "they were"} judged at the latest time seen`,
      };
      if (this.outOfOrder.length >= MAX_FINDING_FRAMES) f.frameCount = n;
      all.push(f);
    }
    return applyRuleSettings(all, this.opts.rules).sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.rule.localeCompare(b.rule));
  }
}

/**
 * True when no per-frame rule can flag `m` (a well-formed message whose checksums verify): TTL 1, TOS 0xc0,
 * Router Alert (v2/v3), the right destination, no sources in a general query, no 224.0.0.1 report, no
 * aux data, no exclude record for an SSM group. Anything else goes the decoded way.
 */
function conforms(m: MembershipMessage): boolean {
  if (m.ttl !== 1 || m.tos !== 0xc0 || (!m.routerAlert && m.version !== 1)) return false;
  switch (m.kind) {
    case MessageKind.query:
      if (m.version === 0) return false;
      if (m.group === 0) return m.dst === ALL_SYSTEMS_N && m.querySources.length === 0;
      return m.dst === m.group;
    case MessageKind.v1Report:
    case MessageKind.v2Report:
      return m.dst === m.group && m.group !== ALL_SYSTEMS_N;
    case MessageKind.leave:
      return m.dst === ALL_ROUTERS_N && m.group !== ALL_SYSTEMS_N;
    case MessageKind.v3Report:
      if (m.dst !== ALL_V3_ROUTERS_N) return false;
      for (let i = 0; i < m.recordCount; i++) {
        const g = m.recordGroup[i]!;
        const t = m.recordType[i]!;
        if (m.recordAux[i] !== 0 || g === ALL_SYSTEMS_N || ((t === 2 || t === 4) && isSsmN(g))) return false;
      }
      return true;
    default:
      return false;
  }
}

interface OpenQuery {
  frame: number;
  tMs: number;
  deadlineMs: number;
  /** Hosts (v3, specific queries) that answered (made on the first answer: most queries are never answered here). */
  answered: Set<number> | null;
  /** "host group" keys of v1/v2 answers to a general query (one per group). */
  answeredGroups: Set<string> | null;
}

interface QuerierSeen {
  addr: number;
  version: number;
  qrv: number | null;
  qqi: number | null;
  /**
   * Its last {@link MAX_QUERY_HISTORY} general queries within the other-querier-present interval: times and
   * frames in rings, `count` of them from `head` (oldest first). Arrays shifted at the front grew a new store
   * on nearly every push.
   */
  times: Float64Array;
  frames: Float64Array;
  head: number;
  count: number;
  /** What was found between it, as the sender of a general query, and each other querier (by its place in `querierList`). */
  pairs: (QuerierPair | undefined)[];
}

/**
 * One sender's findings against one other querier, kept so that a general query costs no text and no string
 * key per other querier: the pairwise rules run for every other querier on every general query, and a capture
 * with dozens of queriers repeats the same findings hundreds of thousands of times.
 */
interface QuerierPair {
  /** The querier-version-mismatch finding of the two (its message names the pair only). */
  version: Finding | undefined;
  /** The querier-config-mismatch finding and the four values its message names, packed ({@link configKey}). */
  config: Finding | undefined;
  configKey: number;
  /** The contention of a higher sender with this lower querier, open until it lapses. */
  contention: Contention | undefined;
}

/** QRV (3 bits), QQI (15 bits) of both queriers in one exact number (36 bits). */
function configKey(qrv: number, qqi: number, otherQrv: number, otherQqi: number): number {
  return ((qrv * 0x8000 + qqi) * 8 + otherQrv) * 0x8000 + otherQqi;
}

interface Contention {
  lower: number;
  higher: number;
  firstMs: number;
  lastMs: number;
  frames: number[];
}

interface PendingChange {
  firstMs: number;
  count: number;
  frames: number[];
  robustness: number;
  /** The record, for the message (made only when a finding needs it). */
  type: number;
  group: number;
  sources: readonly number[];
  src: number;
}

/** Whether two records' source lists name the same sources, as many times each (in any order). */
function sameSources(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  if (a.length === 1) return a[0] === b[0];
  if (a.length <= 8) {
    // a few sources (the common case): count each one on both sides, nothing allocated
    for (const v of a) {
      let n = 0;
      for (const w of a) if (w === v) n++;
      for (const w of b) if (w === v) n--;
      if (n !== 0) return false;
    }
    return true;
  }
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, i) => v === y[i]);
}

/** What a pending state change was, for its finding: `ALLOW({198.18.0.9}) for 239.1.1.1 from 198.18.0.2`. */
function changeDesc(p: PendingChange): string {
  return `${groupRecordKind(p.type)}(${sourceList(p.sources)}) for ${numberToIPv4(p.group)} from ${numberToIPv4(p.src)}`;
}

/** Queries of one router kept for contention (a router sends a few per interval; startup queries a few more). */
const MAX_QUERY_HISTORY = 64;

/** Add `frame` to a merged finding (once; past {@link MAX_FINDING_FRAMES} frames only counted). */
function addFrame(f: Finding, frame: number): void {
  if (f.frames.at(-1) === frame) return;
  if (f.frames.length < MAX_FINDING_FRAMES) f.frames.push(frame);
  else f.frameCount = (f.frameCount ?? f.frames.length) + 1;
}

function pushFrame(list: number[], frame: number): void {
  if (list.length < MAX_FINDING_FRAMES && list.at(-1) !== frame) list.push(frame);
}

/** The checks for one LAN (one VLAN). */
class LanLinter implements LanContext {
  readonly state: MonitorState;
  /**
   * The merged findings by rule id, then message (a caller that keeps its message string hits the string's
   * cached hash, where one joined key was built and hashed again on every note), and in the order made.
   */
  private readonly merged = new Map<string, Map<string, Finding>>();
  private readonly mergedOrder: Finding[] = [];
  private readonly extra: Finding[] = [];
  private readonly checks: LanCheck[];
  private readonly hasBefore: boolean;
  private lastMs = Number.NEGATIVE_INFINITY;
  private firstMs: number | null = null;
  // late-report
  private general: OpenQuery | null = null;
  private readonly specific = new Map<number, OpenQuery>();
  /** group -> host -> when the host was first seen reporting it (since its last leave). */
  private readonly members = new Map<number, Map<number, number>>();
  // queriers
  private readonly queriers = new Map<number, QuerierSeen>();
  /** The same, in the order first seen: what a general query walks. */
  private readonly querierList: QuerierSeen[] = [];
  /** The pairs that have had a contention, in the order of their first (closed in that order at the end). */
  private readonly contended: QuerierPair[] = [];
  // state changes, in the order they were first seen
  /** by host, then group (no string key per record), and in the order first seen (for {@link flushPending}) */
  private readonly pendingByHost = new Map<number, Map<number, PendingChange>>();
  private readonly pending = new Set<PendingChange>();
  // leaves
  private readonly lastReporter = new Map<number, number>();
  /** old-version-report messages by sender (the version and the querier they name). */
  private readonly oldVersionText = new MessageMemo();
  private readonly strayLeaves = new Map<number, number[]>();

  constructor(
    readonly options: Readonly<Required<LintOptions>>,
    factories: readonly LanCheckFactory[],
  ) {
    this.checks = factories.map((f) => f(options));
    this.hasBefore = this.checks.some((c) => c.before !== undefined);
    // the state's events are for the checks that look at them (`after`) only: none, none built
    this.state = new MonitorState({ events: this.checks.some((c) => c.after !== undefined) });
  }

  /** A decoded frame: the per-frame rules, then the stateful ones when a router would take it. */
  pushDecoded(f: DecodedFrame, m: MembershipMessage): void {
    const igmp = f.igmp;
    if (m.status === MessageStatus.malformed) {
      const src = f.ipSrc ?? "?";
      const codes = [...new Set(f.errors.filter((e) => e.code !== "bad-ip-checksum").map((e) => e.code))].join(", ");
      this.note(LINT_RULES.malformedMessage, f.frame, `${src} sends a malformed ${igmp?.kind ?? "IGMP message"} (${codes}); it is not taken`, src);
      this.seen(m.timeMs);
      return;
    }
    if (igmp === null || !MEMBERSHIP_KINDS.has(igmp.kind)) return;
    this.perFrame(f, igmp);
    this.take(m);
  }

  private seen(t: number): void {
    if (t > this.lastMs) this.lastMs = t;
    this.firstMs ??= t;
  }

  /** A membership message whose per-frame rules are done: the stateful rules (on what a router takes). */
  take(m: MembershipMessage): void {
    const t = m.timeMs;
    this.seen(t);
    this.flushPending(t, false);
    // A router drops what does not verify: the stateful rules only see what a router would take.
    if (m.status !== MessageStatus.ok) {
      this.state.take(m);
      return;
    }
    if (this.hasBefore) for (const c of this.checks) c.before?.(m, this);
    const version = this.state.querierVersion();
    const events = this.state.take(m);
    switch (m.kind) {
      case MessageKind.query:
        if (m.version !== 0) this.onQuery(m, t);
        break;
      case MessageKind.v1Report:
      case MessageKind.v2Report:
        this.onOldReport(m, t, version);
        break;
      case MessageKind.leave:
        this.onLeave(m);
        break;
      case MessageKind.v3Report:
        this.onV3Report(m, t);
        break;
      default:
        break;
    }
    if (this.checks.length > 0) for (const c of this.checks) c.after?.(m, events, this);
  }

  /** All findings, ordered by their first frame then rule id. */
  finish(): Finding[] {
    this.flushPending(this.lastMs, true);
    const oqpi = this.state.timers().otherQuerierPresentInterval * 1000;
    for (const p of this.contended) this.closeContention(p.contention!, oqpi);
    for (const [host, frames] of this.strayLeaves) {
      if (frames.length < this.options.leaveThreshold) continue;
      const h = numberToIPv4(host);
      this.report(LINT_RULES.leaveNotLastReporter, frames, `${h} sent ${frames.length} leaves for groups another host reported last`, h);
    }
    for (const c of this.checks) c.finish?.(this.lastMs, this);
    const all = [...this.mergedOrder, ...this.extra];
    return all.sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.rule.localeCompare(b.rule));
  }

  // -------------------------------------------------------------------------------------------------

  private finding(r: LintRule, frames: number[], message: string, source?: string): Finding {
    const f: Finding = { rule: r.id as LintRuleId, severity: r.severity, rfc: r.rfc, frames, message };
    if (source !== undefined) f.source = source;
    return f;
  }

  report(r: LintRule, frames: number[], message: string, source?: string): void {
    const f = this.finding(r, frames.length > MAX_FINDING_FRAMES ? frames.slice(0, MAX_FINDING_FRAMES) : frames, message, source);
    if (frames.length > MAX_FINDING_FRAMES) f.frameCount = frames.length;
    this.extra.push(f);
  }

  /** Add `frame` to the finding with this rule and message (created on first use); the finding. */
  note(r: LintRule, frame: number, message: string, source?: string | null): Finding {
    let byMessage = this.merged.get(r.id);
    if (byMessage === undefined) {
      byMessage = new Map();
      this.merged.set(r.id, byMessage);
    }
    const found = byMessage.get(message);
    if (found) {
      addFrame(found, frame);
      return found;
    }
    const f = this.finding(r, [frame], message, source ?? undefined);
    byMessage.set(message, f);
    this.mergedOrder.push(f);
    return f;
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

  private onQuery(m: MembershipMessage, t: number): void {
    const open: OpenQuery = { frame: m.frame, tMs: t, deadlineMs: t + m.maxRespMs, answered: null, answeredGroups: null };
    if (m.group !== 0) {
      if (m.version !== 3 || m.querySources.length === 0) this.specific.set(m.group, open);
      return;
    }
    this.general = open;
    const src = m.src;
    const qrv = m.version === 3 ? m.qrv || 2 : null;
    const qqi = m.version === 3 ? (m.qqi === 0 ? 125 : m.qqi) : null;
    const oqpi = this.state.timers().otherQuerierPresentInterval * 1000;
    let me = this.queriers.get(src);
    if (me === undefined) {
      me = { addr: src, version: m.version, qrv, qqi, times: new Float64Array(MAX_QUERY_HISTORY), frames: new Float64Array(MAX_QUERY_HISTORY), head: 0, count: 0, pairs: [] };
      this.queriers.set(src, me);
      this.querierList.push(me);
    }
    const list = this.querierList;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (o === me) continue;
      const other = o.addr;
      // forget what is older than the other-querier-present interval
      while (o.count > 0 && o.times[o.head]! <= t - oqpi) {
        o.head = (o.head + 1) % MAX_QUERY_HISTORY;
        o.count--;
      }
      if (o.count === 0) continue;
      const oldestMs = o.times[o.head]!;
      let p = me.pairs[i];
      if (p === undefined) {
        p = { version: undefined, config: undefined, configKey: -1, contention: undefined };
        while (me.pairs.length < i) me.pairs.push(undefined);
        me.pairs[i] = p;
      }
      if (o.version !== m.version) {
        if (p.version !== undefined) addFrame(p.version, m.frame);
        else {
          const [lo, hi] = addrLess(other, src) ? [other, src] : [src, other];
          p.version = this.note(LINT_RULES.querierVersionMismatch, m.frame, `queriers ${numberToIPv4(lo)} and ${numberToIPv4(hi)} run different IGMP versions`);
        }
      } else if (qrv !== null && qqi !== null && (o.qrv !== qrv || o.qqi !== qqi)) {
        const key = configKey(qrv, qqi, o.qrv!, o.qqi!);
        if (p.config !== undefined && p.configKey === key) addFrame(p.config, m.frame);
        else {
          const s = numberToIPv4(src);
          p.config = this.note(LINT_RULES.querierConfigMismatch, m.frame, `querier ${s} advertises QRV ${qrv}, QQI ${qqi} s; ${numberToIPv4(other)} advertised QRV ${o.qrv}, QQI ${o.qqi} s`, s);
          p.configKey = key;
        }
      }
      // Contention: the sender is higher than a router it could have heard query within the
      // other-querier-present interval, more than the grace before now (a query in flight when the lower
      // one's first arrived is a race, not a fault). The lower router's whole recent history counts, not its
      // last query: at the same instant, or just after the higher one, the lower one's previous query is
      // what the higher one should have yielded to.
      if (addrLess(other, src) && oldestMs <= t - this.options.querierGraceMs) {
        const c = p.contention;
        if (c && t - c.lastMs < oqpi) {
          c.lastMs = t;
          pushFrame(c.frames, m.frame);
        } else {
          if (c) this.closeContention(c, oqpi);
          else this.contended.push(p);
          p.contention = { lower: other, higher: src, firstMs: oldestMs, lastMs: t, frames: [o.frames[o.head]!, m.frame] };
        }
      }
    }
    me.version = m.version;
    me.qrv = qrv;
    me.qqi = qqi;
    if (me.count === MAX_QUERY_HISTORY) {
      me.head = (me.head + 1) % MAX_QUERY_HISTORY;
      me.count--;
    }
    const at = (me.head + me.count) % MAX_QUERY_HISTORY;
    me.times[at] = t;
    me.frames[at] = m.frame;
    me.count++;
  }

  /** Two queriers overlapped: sustained beyond OQPI it is a duplicate querier, else a failure to yield. */
  private closeContention(c: Contention, oqpiMs: number): void {
    const span = c.lastMs - c.firstMs;
    const sustained = span >= oqpiMs;
    const r = sustained ? LINT_RULES.duplicateQuerier : LINT_RULES.querierNotLowest;
    const higher = numberToIPv4(c.higher);
    const lower = numberToIPv4(c.lower);
    const msg = sustained
      ? `${higher} and ${lower} both sent general queries for ${fmtS(span)}, beyond the other-querier-present interval (${fmtS(oqpiMs)}); ${higher} should have yielded`
      : `${higher} sent general queries while ${lower}, a lower address, was querier; it should have become a non-querier`;
    this.report(r, c.frames, msg, higher);
  }

  // -------------------------------------------------------------------------------------------------
  // Reports

  /**
   * The query an answer for `group` belongs to: a specific query for it newer than the general one, else the
   * general one (no object per call: this runs for every record).
   */
  private queryFor(group: number): OpenQuery | null {
    const sq = this.specific.size === 0 ? undefined : this.specific.get(group);
    if (sq && (this.general === null || sq.tMs >= this.general.tMs)) return sq;
    return this.general;
  }

  /** Judge the first answer of `host` (for `group` with v1/v2 to a general query) to query `q`. */
  private answer(q: OpenQuery, perGroup: boolean, host: number, group: number, t: number, frame: number): void {
    // Link-local groups (224.0.0.0/24) are never routed and snooping switches flood them (RFC 4541
    // §2.1.2): no router or switch keeps state a late answer could lose. And their reporters are often
    // the querier's own host side: the Linux bridge queries its own stack on a separate timer, and that
    // query never appears on a port, so its answer looked late against the port's query (seen live).
    if (isLinkLocalN(group)) return;
    if (q.tMs > t) return;
    if (perGroup) {
      const key = `${host} ${group}`;
      q.answeredGroups ??= new Set();
      if (q.answeredGroups.has(key)) return;
      q.answeredGroups.add(key);
    } else {
      q.answered ??= new Set();
      if (q.answered.has(host)) return;
      q.answered.add(host);
    }
    if (t > q.deadlineMs + this.options.lateGraceMs) {
      const h = numberToIPv4(host);
      this.report(
        LINT_RULES.lateReport,
        [q.frame, frame],
        `${h} answered the query of frame ${q.frame} for ${numberToIPv4(group)} after ${fmtS(t - q.tMs)}, Max Resp Time ${fmtS(q.deadlineMs - q.tMs)}`,
        h,
      );
    }
  }

  private onOldReport(m: MembershipMessage, t: number, querierVersion: number | null): void {
    const src = m.src;
    const group = m.group;
    if (querierVersion === 3) {
      const text = this.oldVersionText.text(
        src,
        m.version,
        this.state.querierAddr(),
        () =>
          `${numberToIPv4(src)} sends IGMPv${m.version} reports on a LAN whose querier ${this.state.querierAddress()} runs IGMPv3; the router falls back to v${m.version} compatibility for those groups`,
      );
      this.note(LINT_RULES.oldVersionReport, m.frame, text, numberToIPv4(src));
    }
    let members = this.members.get(group);
    if (members === undefined) {
      members = new Map<number, number>();
      this.members.set(group, members);
    }
    // v1/v2 reports cannot tell an answer from an unsolicited join: only the report of a host that was
    // already a member when the query went out counts as an answer. (A host that joins just after a
    // query repeats its unsolicited report; seen live, that repeat looked like a late answer.)
    const since = members.get(src);
    if (since !== undefined) {
      const q = this.queryFor(group);
      if (q && since < q.tMs) this.answer(q, q !== this.specific.get(group), src, group, t, m.frame);
    } else members.set(src, t);
    this.lastReporter.set(group, src);
  }

  private onLeave(m: MembershipMessage): void {
    const last = this.lastReporter.get(m.group);
    this.members.get(m.group)?.delete(m.src);
    if (last !== undefined && last !== m.src) {
      let list = this.strayLeaves.get(m.src);
      if (list === undefined) {
        list = [];
        this.strayLeaves.set(m.src, list);
      }
      pushFrame(list, m.frame);
    }
  }

  private onV3Report(m: MembershipMessage, t: number): void {
    for (let i = 0; i < m.recordCount; i++) {
      const type = m.recordType[i]!;
      const group = m.recordGroup[i]!;
      if (type === 1 || type === 2) {
        // Current-state records are answers to queries: one report per host for a general query.
        const q = isLinkLocalN(group) ? null : this.queryFor(group);
        if (q) this.answer(q, false, m.src, group, t, m.frame);
      } else if (type >= 3 && type <= 6) {
        this.onStateChange(m, i, t);
      }
    }
  }

  private onStateChange(m: MembershipMessage, i: number, t: number): void {
    // 0.0.0.0 is any host without an address yet (RFC 9776 §4.2.13): reports from it cannot be told apart.
    if (m.src === 0) return;
    const group = m.recordGroup[i]!;
    const type = m.recordType[i]!;
    const sources = m.sourcesOf(i);
    let byGroup = this.pendingByHost.get(m.src);
    if (byGroup === undefined) {
      byGroup = new Map();
      this.pendingByHost.set(m.src, byGroup);
    }
    const p = byGroup.get(group);
    if (p && p.type === type && sameSources(p.sources, sources)) {
      p.count++;
      pushFrame(p.frames, m.frame);
      return;
    }
    // A different change before the retransmissions ended supersedes the old one (RFC 9776 §5.1: the
    // retransmissions then carry the merged state), so the old one is not judged.
    if (p) this.pending.delete(p);
    const change: PendingChange = { firstMs: t, count: 1, frames: [m.frame], robustness: this.state.timers().robustness, type, group, sources, src: m.src };
    byGroup.set(group, change);
    this.pending.add(change);
  }

  /** A pending change judged or dropped: out of both indexes. */
  private unpend(p: PendingChange): void {
    this.pending.delete(p);
    const byGroup = this.pendingByHost.get(p.src)!;
    byGroup.delete(p.group);
    if (byGroup.size === 0) this.pendingByHost.delete(p.src);
  }

  /**
   * Judge the state changes whose retransmission window has passed (all of them at the end, if the capture
   * covers it). The map is in the order changes were first seen, so the walk stops at the first one still open.
   */
  private flushPending(t: number, end: boolean): void {
    if (this.pending.size === 0) return;
    for (const p of this.pending) {
      const window = p.robustness * this.options.unsolicitedReportInterval * 1000;
      if (t < p.firstMs + window) {
        if (!end) break;
        // The capture ends before the retransmissions could: no verdict.
        this.unpend(p);
        continue;
      }
      this.unpend(p);
      // Seen within a window of the capture's start, it may itself be a retransmission: no verdict.
      if (p.firstMs - (this.firstMs ?? p.firstMs) < window) continue;
      if (p.count < p.robustness)
        this.report(
          LINT_RULES.stateChangeNotRepeated,
          p.frames,
          `${changeDesc(p)} sent ${p.count} time${p.count === 1 ? "" : "s"}, Robustness Variable is ${p.robustness}`,
          numberToIPv4(p.src),
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

/** Lint a stream of decoded frames as it comes (e.g. `decodeCapture(path)`): memory bounded by the LAN's state. */
export async function lintStream(frames: AsyncIterable<DecodedFrame> | Iterable<DecodedFrame>, options: LintOptions = {}): Promise<Finding[]> {
  const l = new Linter(options);
  for await (const f of frames) l.push(f);
  return l.finish();
}

/** True when some finding is at or above `threshold`. */
export function hasFindingsAtOrAbove(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}
