/**
 * The field rules: what breaks IPTV and snooping networks although every frame is well formed.
 * no-querier, query-from-unspecified, mac-alias, non-querier-specific-query and last-member-queries, as one
 * {@link LanCheck} per LAN (listed in `LAN_CHECKS`). Sans-IO; per-message cost independent of the number of
 * groups (maps keyed by address; the open last-member episodes are the few groups being left right now).
 */
import { multicastMac, numberToIPv4 } from "../wire/index.js";
import { MAX_FINDING_FRAMES, type LanCheck, type LanContext, type LintOptions } from "./lint-model.js";
import { addrLess, isLinkLocalN, isMulticastN, isSsmN, MessageKind, type MembershipMessage } from "./message.js";
import { LINT_RULES } from "./rules.js";
import type { GroupFilter, MonitorState } from "./state.js";

/** The rules this check judges. */
export const FIELD_RULES = Object.freeze([
  LINT_RULES.noQuerier,
  LINT_RULES.queryFromUnspecified,
  LINT_RULES.macAlias,
  LINT_RULES.nonQuerierSpecificQuery,
  LINT_RULES.lastMemberQueries,
]);

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")} s`;
}

/**
 * True for a group whose Ethernet address (01:00:5e + the low 23 bits, RFC 1112 §6.4) is that of a
 * 224.0.0.x group without being one: x.0.0.y and x.128.0.y for any first octet 224..239.
 */
export function aliasesLinkLocalMac(group: number): boolean {
  return isMulticastN(group) && !isLinkLocalN(group) && (group & 0x7fff00) === 0;
}

/**
 * A record's sources as findings name them: `{198.18.0.9, 198.18.0.10}`, `{}` for none (here, not in
 * lint-model.ts, whose exports are public).
 */
export function sourceList(sources: readonly number[]): string {
  return `{${sources.map(numberToIPv4).join(", ")}}`;
}

/**
 * A finding's message per sender, made again only when one of the two things it names besides the sender
 * changes. A rule that notes every frame of a sender (a non-querier's specific queries, a v2 host's reports
 * under a v3 querier) otherwise builds, and hashes, the same text hundreds of thousands of times.
 */
export class MessageMemo {
  private readonly bySender = new Map<number, { a: number; b: number | null; text: string }>();

  text(sender: number, a: number, b: number | null, make: () => string): string {
    const m = this.bySender.get(sender);
    if (m !== undefined && m.a === a && m.b === b) return m.text;
    const text = make();
    if (m === undefined) this.bySender.set(sender, { a, b, text });
    else {
      m.a = a;
      m.b = b;
      m.text = text;
    }
    return text;
  }
}

/** The specific queries the querier owes for one record: Q(G) and Q(G, sources). */
export interface OwedQueries {
  group: boolean;
  sources: number[];
}

/**
 * At most this many of a group's other sources are followed after a TO_IN (Q(G, A-B) of a group keeping
 * more sources): the first ones the group keeps. A group of a million sources would otherwise cost a million
 * steps and episodes per record.
 */
export const MAX_OWED_SOURCES = 1024;

/**
 * What the querier must send when a record meets the group as the router keeps it: the "Send Q(G)" and
 * "Send Q(G,S)" actions of RFC 9776 §6.4.2 (a v2 leave is TO_IN({}), §7.3.2). Null for none. The sources
 * come in the record's order (each once), or for TO_IN in the group's, at most {@link MAX_OWED_SOURCES};
 * the cost is the record's sources (and those), never the whole group.
 */
export function owedQueries(g: GroupFilter | null, op: "TO_IN" | "TO_EX" | "BLOCK", sources: readonly number[]): OwedQueries | null {
  if (g === null) return null;
  // Older-version hosts present: BLOCK is ignored and TO_EX carries no sources (§7.3.2).
  if (g.compat < 3 && op === "BLOCK") return null;
  const b = g.compat < 3 && op === "TO_EX" ? NO_SOURCES : sources;
  const group = g.mode === "exclude" && op === "TO_IN";
  let owed: number[];
  if (op === "TO_IN") {
    // INCLUDE(A) + TO_IN(B): Send Q(G, A-B); EXCLUDE(X, Y) + TO_IN(A): Send Q(G, X-A), Send Q(G).
    const inB = memberOf(b);
    owed = [];
    g.eachForwarding((s) => {
      if (!inB(s)) owed.push(s);
      return owed.length < MAX_OWED_SOURCES;
    });
  } else {
    // INCLUDE(A) + BLOCK(B) or TO_EX(B): Send Q(G, A*B); EXCLUDE(X, Y) + BLOCK(A) or TO_EX(A): Send Q(G, A-Y).
    const keep = g.mode === "include" ? (s: number) => g.sourceState(s) === 1 : (s: number) => g.sourceState(s) !== 2;
    owed = (b.length <= FEW ? b.filter((s, i) => b.indexOf(s) === i) : [...new Set(b)]).filter(keep);
  }
  return group || owed.length > 0 ? { group, sources: owed } : null;
}

/** Up to this many sources a list is looked through; past it (a hostile record) a Set. */
const FEW = 16;

/** Whether a source is in `list`: a record's sources, mostly a few, where a Set costs more than a look. */
function memberOf(list: readonly number[]): (s: number) => boolean {
  if (list.length <= FEW) return (s) => list.includes(s);
  const set = new Set(list);
  return (s) => set.has(s);
}

/** The last-member queries owed for one group (source -1) or one source of a group. */
interface Episode {
  group: number;
  source: number;
  querier: number;
  /** What set it off (the first trigger), for the message ({@link triggerDesc}; made only for a finding). */
  from: number;
  op: "TO_IN" | "TO_EX" | "BLOCK";
  sources: readonly number[];
  leave: boolean;
  triggers: { t: number; frame: number }[];
  /** Queries for exactly this group (or listing this source). */
  exact: { t: number; frame: number }[];
  /**
   * Queries asking the same question: the exact ones and broader ones (Q(G) for a source); general queries
   * are added from {@link FieldChecks.generalSeen} since {@link generalBase} when it is judged.
   */
  covering: number;
  /** The querier's general queries counted when the episode began. */
  generalBase: number;
}

/** What set an episode off: `leave from 198.18.0.2`, `BLOCK({198.18.0.9}) from 198.18.0.2`. */
function triggerDesc(e: Episode): string {
  const from = numberToIPv4(e.from);
  return e.leave ? `leave from ${from}` : `${e.op}(${sourceList(e.sources)}) from ${from}`;
}

const RECORD_OPS: Readonly<Record<number, "TO_IN" | "TO_EX" | "BLOCK">> = { 3: "TO_IN", 4: "TO_EX", 6: "BLOCK" };
const NO_GROUP = -1;
const NO_SOURCES: readonly number[] = Object.freeze([]);
/** An episode is judged and begun again after this many triggers (a host repeating a leave for ever). */
const MAX_EPISODE_EVENTS = 256;

/** The field rules' check for one LAN. */
export class FieldChecks implements LanCheck {
  private firstMs: number | null = null;
  // no-querier
  private lastGeneralMs: number | null = null;
  private lastGeneralFrame: number | null = null;
  private silence: { sinceMs: number; fromFrame: number | null; frames: number[]; groups: Set<number>; more: boolean; lastMs: number; gmiMs: number } | null = null;
  // last-member-queries, in the order of their last trigger (an episode
  // that takes a trigger goes to the end): the ones whose time is over are at the front, and a frame looks
  // only at those, not at every open episode
  private readonly episodes = new Set<Episode>();
  /** The open episodes by group, for the queries naming a group. */
  private readonly byGroup = new Map<number, Set<Episode>>();
  /** mac-alias messages by group (at most 16,384 groups alias a link-local MAC address). */
  private readonly aliasText = new Map<number, string>();
  /** General queries seen per querier (every open episode of that querier counts them). */
  private readonly generalSeen = new Map<number, number>();
  /** non-querier-specific-query messages by sender (the kind and the elected querier they name). */
  private readonly nonQuerierText = new MessageMemo();

  constructor(private readonly options: Readonly<Required<LintOptions>>) {}

  before(m: MembershipMessage, lan: LanContext): void {
    const t = m.timeMs;
    this.firstMs ??= t;
    this.closeEpisodes(t, lan);
    const q = lan.state.querierAddress();
    switch (m.kind) {
      case MessageKind.query:
        if (m.version !== 0) this.onQuery(m, q, lan);
        break;
      case MessageKind.v1Report:
      case MessageKind.v2Report:
        this.alias(m.group, m, lan);
        this.onReport(m, m.group, lan);
        break;
      case MessageKind.leave:
        this.alias(m.group, m, lan);
        if (q !== null && lan.state.querierVersion() !== 1) this.trigger(m, m.group, "TO_IN", NO_SOURCES, true, lan);
        break;
      case MessageKind.v3Report:
        for (let i = 0; i < m.recordCount; i++) {
          const type = m.recordType[i]!;
          const group = m.recordGroup[i]!;
          this.alias(group, m, lan);
          // Every record but a leave (IS_IN {} / TO_IN {}) says the host is a member.
          if (!((type === 1 || type === 3) && m.recordEnd[i] === m.recordStart[i])) this.onReport(m, group, lan);
          const op = RECORD_OPS[type];
          // A v1/v2 querier does not take IGMPv3 reports; routers ignore exclude records for SSM groups (RFC 4604 §2.2.3).
          if (op === undefined || lan.state.querierVersion() !== 3 || (op === "TO_EX" && isSsmN(group))) continue;
          this.trigger(m, group, op, m.sourcesOf(i), false, lan);
        }
        break;
      default:
        break;
    }
  }

  finish(endMs: number, lan: LanContext): void {
    this.closeEpisodes(endMs, lan);
    for (const e of this.episodes) this.judge(e, false, lan);
    this.episodes.clear();
    this.byGroup.clear();
    this.closeSilence(lan);
  }

  // -------------------------------------------------------------------------------------------------
  // mac-alias, query-from-unspecified, non-querier-specific-query

  private alias(group: number, m: MembershipMessage, lan: LanContext): void {
    if (!aliasesLinkLocalMac(group)) return;
    let text = this.aliasText.get(group);
    if (text === undefined) {
      const g = numberToIPv4(group);
      text = `${g} has the Ethernet address ${multicastMac(g)} of 224.0.0.${group & 0xff}: snooping switches flood it to every port`;
      this.aliasText.set(group, text);
    }
    lan.note(LINT_RULES.macAlias, m.frame, text, numberToIPv4(m.src));
  }

  /** Whether `querier` runs a last-member episode of `group` (its queries for it are owed, not a fault). */
  private runsEpisode(group: number, querier: number): boolean {
    const open = this.byGroup.get(group);
    if (open !== undefined) for (const e of open) if (e.querier === querier) return true;
    return false;
  }

  private onQuery(m: MembershipMessage, querier: string | null, lan: LanContext): void {
    const general = m.group === 0;
    if (m.src === 0) lan.note(LINT_RULES.queryFromUnspecified, m.frame, `${general ? "general" : "specific"} queries from 0.0.0.0`);
    if (general) {
      this.closeSilence(lan);
      this.lastGeneralMs = m.timeMs;
      this.lastGeneralFrame = m.frame;
    } else {
      this.alias(m.group, m, lan);
      // A router above the elected querier (a lower one would win the election now, and is no fault).
      // RFC 2236 §3: an IGMPv2 querier that loses the election while its last-member queries run keeps
      // sending them ("Any Querier to non-Querier transition is ignored during this time").
      const finishing = m.version === 2 && this.runsEpisode(m.group, m.src);
      const elected = lan.state.querierAddr();
      if (!finishing && querier !== null && elected !== null && elected !== m.src && addrLess(elected, m.src)) {
        const withSources = m.version === 3 && m.querySources.length > 0 ? 1 : 0;
        const text = this.nonQuerierText.text(m.src, withSources, elected, () => {
          const kind = withSources ? "group-and-source-specific" : "group-specific";
          return `${numberToIPv4(m.src)} sends ${kind} queries while ${querier} is the elected querier`;
        });
        lan.note(LINT_RULES.nonQuerierSpecificQuery, m.frame, text, numberToIPv4(m.src));
      }
    }
    if (general) this.generalSeen.set(m.src, (this.generalSeen.get(m.src) ?? 0) + 1);
    else this.countQuery(m);
  }

  // -------------------------------------------------------------------------------------------------
  // no-querier

  private onReport(m: MembershipMessage, group: number, lan: LanContext): void {
    if (!isMulticastN(group) || isLinkLocalN(group)) return;
    const t = m.timeMs;
    const since = this.lastGeneralMs ?? this.firstMs ?? t;
    const gmiMs = lan.state.timers().groupMembershipInterval * 1000;
    if (t - since <= gmiMs) return;
    if (this.silence === null) {
      const fromFrame = this.lastGeneralFrame;
      this.silence = { sinceMs: since, fromFrame, frames: fromFrame !== null ? [fromFrame] : [], groups: new Set(), more: false, lastMs: t, gmiMs };
    }
    const s = this.silence;
    if (s.frames.at(-1) !== m.frame && s.frames.length < MAX_FINDING_FRAMES) s.frames.push(m.frame);
    s.lastMs = t;
    s.gmiMs = gmiMs;
    // Three groups name the finding, the count says the rest (memory stays bounded).
    if (s.groups.size < 3) s.groups.add(group);
    else if (!s.groups.has(group)) s.more = true;
  }

  private closeSilence(lan: LanContext): void {
    const s = this.silence;
    if (s === null) return;
    this.silence = null;
    const shown = [...s.groups].map(numberToIPv4).join(", ") + (s.more ? " and other groups" : "");
    const from = s.fromFrame !== null ? `after the general query of frame ${s.fromFrame}` : "since the capture began";
    lan.report(
      LINT_RULES.noQuerier,
      s.frames,
      `members report ${shown} but no general query was seen for ${fmtS(s.lastMs - s.sinceMs)} ${from}, beyond the Group Membership Interval (${fmtS(s.gmiMs)}): routers and snooping switches time the memberships out`,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // last-member-queries

  /** A record (or, `leave`, an IGMPv2 leave) that may owe last-member queries. */
  private trigger(m: MembershipMessage, group: number, op: "TO_IN" | "TO_EX" | "BLOCK", sources: readonly number[], leave: boolean, lan: LanContext): void {
    const querier = lan.state.querierAddr();
    // Routers keep no IGMP state for the link-local groups; without a querier nobody owes the queries.
    if (querier === null || isLinkLocalN(group) || !isMulticastN(group)) return;
    const owed = owedQueries(lan.state.groupFilter(group), op, sources);
    if (owed === null) return;
    for (const source of owed.sources) this.episodeTrigger(m, group, source, querier, op, sources, leave, lan);
    if (owed.group) this.episodeTrigger(m, group, NO_GROUP, querier, op, sources, leave, lan);
  }

  /** One owed query's episode (`source` NO_GROUP for Q(G)): go on with the open one, or begin one. */
  private episodeTrigger(m: MembershipMessage, group: number, source: number, querier: number, op: Episode["op"], sources: readonly number[], leave: boolean, lan: LanContext): void {
    let set = this.byGroup.get(group);
    if (set !== undefined)
      for (const e of set) {
        if (e.source !== source) continue;
        // taken out and put back: the set stays in the order of last triggers
        this.episodes.delete(e);
        if (e.querier === querier && e.triggers.length < MAX_EPISODE_EVENTS) {
          e.triggers.push({ t: m.timeMs, frame: m.frame });
          this.episodes.add(e);
          return;
        }
        this.close(e, lan);
        break;
      }
    const fresh: Episode = { group, source, querier, from: m.src, op, sources, leave, triggers: [{ t: m.timeMs, frame: m.frame }], exact: [], covering: 0, generalBase: this.generalSeen.get(querier) ?? 0 };
    this.episodes.add(fresh);
    set = this.byGroup.get(group);
    if (set === undefined) this.byGroup.set(group, (set = new Set()));
    set.add(fresh);
  }

  /** A group- or source-specific query: count it in its group's episodes. */
  private countQuery(m: MembershipMessage): void {
    const open = this.byGroup.get(m.group);
    if (open === undefined) return;
    const at = { t: m.timeMs, frame: m.frame };
    for (const e of open) {
      if (e.querier !== m.src) continue;
      if (e.exact.length >= MAX_EPISODE_EVENTS) continue;
      if (m.querySources.length === 0) {
        // Q(G): exactly what a group episode waits for; for a source it asks the same question, broader.
        if (e.source === NO_GROUP) e.exact.push(at);
        e.covering++;
      } else if (e.source !== NO_GROUP && m.querySources.includes(e.source)) {
        e.exact.push(at);
        e.covering++;
      }
    }
  }

  private lmq(lan: LanContext): { count: number; intervalMs: number; tolMs: number } {
    const tm = lan.state.timers();
    const intervalMs = tm.lastMemberQueryInterval * 1000;
    return { count: tm.lastMemberQueryCount, intervalMs, tolMs: Math.max(this.options.lateGraceMs, intervalMs / 5) };
  }

  /**
   * Judge the episodes whose Last Member Query Time (after their last trigger, plus the tolerance) is over:
   * the first ones in the map, which is in the order of last triggers.
   */
  private closeEpisodes(t: number, lan: LanContext): void {
    if (this.episodes.size === 0) return;
    const { count, intervalMs, tolMs } = this.lmq(lan);
    for (const e of this.episodes) {
      if (t <= e.triggers.at(-1)!.t + count * intervalMs + tolMs) break;
      this.episodes.delete(e);
      this.close(e, lan);
    }
  }

  /** Judge an episode taken out of {@link episodes} as complete, and forget it. */
  private close(e: Episode, lan: LanContext): void {
    const set = this.byGroup.get(e.group)!;
    set.delete(e);
    if (set.size === 0) this.byGroup.delete(e.group);
    this.judge(e, true, lan);
  }

  /**
   * Judge one episode; `complete` when the capture covers its whole time (otherwise too few queries is no
   * verdict: the capture ended first).
   *
   * A host repeats its report Robustness times and each repeat may start the querier's count again, so up
   * to Last Member Query Count × triggers queries are fine, and a query is well placed when it follows a
   * trigger at once or comes one interval after a trigger or an earlier query. A general query, or a Q(G)
   * for a source, asks the same question: it counts towards the number, never as an extra. (The Linux bridge
   * answers an IGMPv2 leave with one Q(G) and then a general query at the Last Member Query Time.)
   */
  private judge(e: Episode, complete: boolean, lan: LanContext): void {
    const { count, intervalMs, tolMs } = this.lmq(lan);
    const g = numberToIPv4(e.group);
    const what = e.source === NO_GROUP ? `group-specific queries for ${g}` : `group-and-source-specific queries for ${g} listing ${numberToIPv4(e.source)}`;
    const problems: string[] = [];
    const covering = e.covering + (this.generalSeen.get(e.querier) ?? 0) - e.generalBase;
    if (complete && covering < count) problems.push(`${covering} sent, Last Member Query Count is ${count}`);
    const allowed = count * e.triggers.length;
    if (e.exact.length > allowed) problems.push(`${e.exact.length} sent for ${e.triggers.length} trigger${e.triggers.length === 1 ? "" : "s"}, at most ${allowed} expected`);
    const times = [...e.triggers.map((x) => x.t), ...e.exact.map((x) => x.t)];
    const near = (d: number, want: number) => Math.abs(d - want) <= tolMs;
    const misplaced = e.exact.some((q) => !e.triggers.some((x) => near(q.t - x.t, 0)) && !times.some((u) => u < q.t && near(q.t - u, intervalMs)));
    // The first is sent when the report is heard (RFC 2236 §3, RFC 9776 §6.6.3): one an interval late
    // shifts the train, whose last query then races the timer it was to protect (the Linux bridge's
    // group-and-source queries).
    const firstExact = e.exact[0];
    const late = firstExact !== undefined && !e.triggers.some((x) => x.t <= firstExact.t && near(firstExact.t - x.t, 0));
    if (misplaced || late) {
      const first = e.triggers[0]!.t;
      const at = `sent at +${e.exact.map((q) => fmtS(q.t - first).replace(" s", "")).join(", +")} s`;
      problems.push(misplaced ? `${at}, not ${fmtS(intervalMs)} apart` : `${at}: the first not at once`);
    }
    if (problems.length === 0) return;
    const frames = [...new Set([...e.triggers.map((x) => x.frame), ...e.exact.map((x) => x.frame)])].sort((a, b) => a - b);
    const q = numberToIPv4(e.querier);
    lan.report(LINT_RULES.lastMemberQueries, frames, `after ${triggerDesc(e)} (${g}), querier ${q}'s ${what}: ${problems.join("; ")}`, q);
  }
}

/** The {@link LanCheck} factory for `LAN_CHECKS`. */
export const fieldChecks = (options: Readonly<Required<LintOptions>>): LanCheck => new FieldChecks(options);
