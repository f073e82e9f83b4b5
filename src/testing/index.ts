/**
 * igmpkit/testing: assertions on captures for CI suites (vitest, jest). Everything streams: a capture file
 * path is read frame by frame (pcap/pcapng, plain or gzip), or give any (async) iterable of decoded frames;
 * memory follows the LAN's state, not the capture's length.
 *
 * - {@link membershipAt}: the router's view of the memberships at a time T.
 * - {@link queryResponses}: per query, who answered for which group, how late against Max Resp Time, and
 *   which members stayed silent.
 * - {@link lintCapture}: the lint findings.
 * - {@link selectFrames}: the frames `igmpkit decode --type/--group/--host` would print.
 * - {@link igmpkitMatchers}: `expect.extend(igmpkitMatchers)` adds toHaveMember, toHaveNoFindings,
 *   toAnswerWithin.
 * @packageDocumentation
 */
import { decodeCapture } from "../capture/read.js";
import { expandKinds, frameMatches } from "../cli/output.js";
import { hasFindingsAtOrAbove, Linter, SEVERITY_RANK, type Finding, type LintOptions, type Severity } from "../monitor/lint.js";
import { frameTimeMs } from "../monitor/message.js";
import { MonitorState, type GroupSnapshot, type MonitorConfig, type QuerierSnapshot } from "../monitor/state.js";
import { isLinkLocalMulticast, type DecodedFrame } from "../wire/index.js";

/** A capture: a file path, or decoded frames in capture order (e.g. `decodeCapture(path)`, `watchLive` frames). */
export type FrameSource = string | AsyncIterable<DecodedFrame> | Iterable<DecodedFrame>;

/** The CLI's `--type`, `--group`, `--host` (decode and capture), with the same meaning. */
export interface FrameFilter {
  /** Only these kinds: "query", "report" (any), "v1-report", "v2-report", "v3-report", "leave", ... */
  type?: string | string[];
  /** Only messages about this group (v3 records included). */
  group?: string;
  /** Only frames from or to this address. */
  host?: string;
}

/** What {@link membershipAt} and {@link queryResponses} look at, and how the router is configured. */
export interface AnalysisOptions extends FrameFilter {
  /** Leave out the link-local groups 224.0.0.x (routers' own joins, flooded by switches anyway). Default false. */
  excludeLinkLocal?: boolean;
  /** Protocol variables until the querier shows its own (as `monitor --robustness`...). */
  monitor?: MonitorConfig;
}

/**
 * A time in the capture: seconds after its first frame (a number), or an absolute time as `decode --json`
 * prints it (`"1763700000.250000000"`, seconds since the epoch).
 */
export type CaptureTime = number | string;

async function* framesOf(source: FrameSource): AsyncGenerator<DecodedFrame> {
  if (typeof source === "string") yield* decodeCapture(source);
  else yield* source as AsyncIterable<DecodedFrame>;
}

function kindsOf(filter: FrameFilter): Set<string> | undefined {
  if (filter.type === undefined) return undefined;
  return expandKinds(Array.isArray(filter.type) ? filter.type : [filter.type]);
}

/** The frames `igmpkit decode --type/--group/--host` would print, streaming. */
export async function* selectFrames(source: FrameSource, filter: FrameFilter = {}): AsyncGenerator<DecodedFrame> {
  const kinds = kindsOf(filter);
  for await (const f of framesOf(source)) if (frameMatches(f, kinds, filter.group, filter.host)) yield f;
}

/** The lint findings of a capture (see `lint`), streaming. */
export async function lintCapture(source: FrameSource, options: LintOptions = {}): Promise<Finding[]> {
  const l = new Linter(options);
  for await (const f of framesOf(source)) l.push(f);
  return l.finish();
}

// ---------------------------------------------------------------------------------------------------
// Membership at a time

/** The router's view of the memberships at one time. JSON-ready. */
export interface Membership {
  /** The time of the view (decode's form). */
  time: string;
  querier: QuerierSnapshot | null;
  /** The groups the router keeps, with filter mode, sources and the hosts reporting them (filtered). */
  groups: GroupSnapshot[];
}

/**
 * The memberships as a router on the LAN would hold them at `at` (default: the capture's last frame):
 * every frame up to that time goes through the monitor's state machine, its timers run to `at`, and
 * reading stops there. `group` keeps that group; `host` keeps the groups that host reports (and narrows
 * their `reporters` to it); `excludeLinkLocal` drops 224.0.0.x. `type` does not apply to a view and is
 * refused. The router always sees every frame: the filters narrow the answer, not the evidence.
 */
export async function membershipAt(source: FrameSource, at?: CaptureTime, options: AnalysisOptions = {}): Promise<Membership> {
  if (options.type !== undefined) throw new TypeError("membershipAt: `type` selects frames; a membership view takes `group`, `host` and `excludeLinkLocal`");
  const state = new MonitorState(options.monitor ?? {});
  let targetMs: number | null = typeof at === "string" ? frameTimeMs(at) : null;
  let lastMs = Number.NEGATIVE_INFINITY;
  for await (const f of framesOf(source)) {
    const t = frameTimeMs(f.time);
    if (targetMs === null && typeof at === "number") targetMs = t + at * 1000;
    if (targetMs !== null && t > targetMs) break;
    lastMs = Math.max(lastMs, t);
    state.receive(f, Math.max(t, state.time()));
  }
  const when = targetMs ?? lastMs;
  state.advance(when);
  const snap = state.snapshot(Math.max(when, state.time()));
  let groups = snap.groups;
  if (options.excludeLinkLocal) groups = groups.filter((g) => !isLinkLocalMulticast(g.group));
  if (options.group !== undefined) groups = groups.filter((g) => g.group === options.group);
  if (options.host !== undefined) {
    const h = options.host;
    groups = groups.filter((g) => g.reporters.includes(h)).map((g) => ({ ...g, reporters: [h] }));
  }
  return { time: snap.time, querier: snap.querier, groups };
}

/** The hosts reporting `group` in a membership view (empty when the router does not keep it). */
export function membersOf(m: Membership, group: string): string[] {
  return m.groups.find((g) => g.group === group)?.reporters ?? [];
}

// ---------------------------------------------------------------------------------------------------
// Responses to queries

/** One host's first answer for one group to a query. */
export interface QueryResponse {
  host: string;
  group: string;
  frame: number;
  time: string;
  /** From the query to this answer, ms. */
  delayMs: number;
  /** The answer came after the query's Max Resp Time. */
  late: boolean;
}

/** A query and what it got. JSON-ready. */
export interface QueryResponses {
  query: {
    frame: number;
    time: string;
    querier: string;
    version: 1 | 2 | 3;
    /** null for a general query. */
    group: string | null;
    sources: string[];
    maxRespTimeMs: number;
  };
  /** The first answer per host and group, in capture order (filtered). */
  responses: QueryResponse[];
  /**
   * Hosts the router held as members of a queried group when the query went out that did not answer
   * (none for a group-and-source-specific query: a router does not know which host listens to which source).
   */
  silent: { host: string; group: string }[];
  /** False when the capture ended before the query's Max Resp Time was over. */
  complete: boolean;
}

interface OpenQ {
  r: QueryResponses;
  tMs: number;
  /** "host group" answered. */
  answered: Set<string>;
  /** "host group" expected (members at query time). */
  expected: Map<string, { host: string; group: string }>;
  closed: boolean;
}

/**
 * Every query of the capture (or the one at frame `query`) with its answers: per host and group the first
 * report after it (a current-state record or a v1/v2 report for a group it asks about), its delay against
 * Max Resp Time, and the members that stayed silent. An answer belongs to the newest query that asks about
 * its group (a group-specific query newer than the general one, as a host would take it). `type`, `group`
 * and `host` filter the answers and the silent members with the CLI's meaning; `excludeLinkLocal` drops
 * 224.0.0.x. With `query` given, reading stops once that query's time is over.
 */
export async function queryResponses(source: FrameSource, options: AnalysisOptions & { query?: number } = {}): Promise<QueryResponses[]> {
  const kinds = kindsOf(options);
  const state = new MonitorState(options.monitor ?? {});
  const out: QueryResponses[] = [];
  let general: OpenQ | null = null;
  const specific = new Map<string, OpenQ>();
  const keep = (group: string) => !(options.excludeLinkLocal && isLinkLocalMulticast(group)) && (options.group === undefined || options.group === group);
  const close = (q: OpenQ, complete: boolean) => {
    if (q.closed) return;
    q.closed = true;
    q.r.complete = complete;
    for (const [k, e] of q.expected) if (!q.answered.has(k) && (options.host === undefined || options.host === e.host)) q.r.silent.push(e);
    if (options.query === undefined || q.r.query.frame === options.query) out.push(q.r);
  };
  let lastMs = Number.NEGATIVE_INFINITY;
  /** The query asked for, once seen: reading stops when a newer query of its scope takes over. */
  let selected: OpenQ | null = null;
  for await (const f of framesOf(source)) {
    const t = Math.max(frameTimeMs(f.time), lastMs);
    lastMs = t;
    const m = f.igmp;
    if (m !== null && f.ipSrc !== null && m.checksumValid !== false) {
      if (m.kind === "query" && m.version !== null) {
        const isGeneral = m.group === "0.0.0.0";
        const prev = isGeneral ? general : (specific.get(m.group) ?? null);
        if (prev !== null) close(prev, t >= prev.tMs + prev.r.query.maxRespTimeMs);
        if (prev !== null && prev === selected) {
          selected = null;
          break;
        }
        state.advance(t);
        // A group-and-source-specific query asks only the hosts listening to those sources, which a router
        // does not know per host: it has no silent members.
        const asked = isGeneral ? [...state.snapshotGroups(t)] : m.version === 3 && m.sources.length > 0 ? [] : [state.groupReporters(m.group)];
        const q = openQuery(f, m, t, asked, keep);
        if (isGeneral) general = q;
        else specific.set(m.group, q);
        if (f.frame === options.query) selected = q;
      } else {
        const groups: string[] = [];
        if (m.kind === "v1-report" || m.kind === "v2-report") groups.push(m.group);
        else if (m.kind === "v3-report") for (const r of m.records) if (r.type === 1 || r.type === 2) groups.push(r.group);
        for (const g of groups) {
          const sq = specific.get(g);
          const q = sq && (general === null || sq.tMs >= general.tMs) ? sq : general;
          if (q === null || !keep(g)) continue;
          const key = `${f.ipSrc} ${g}`;
          if (q.answered.has(key)) continue;
          q.answered.add(key);
          if (!frameMatches(f, kinds, undefined, options.host)) continue;
          const delayMs = Math.round((t - q.tMs) * 1000) / 1000;
          q.r.responses.push({ host: f.ipSrc, group: g, frame: f.frame, time: f.time, delayMs, late: delayMs > q.r.query.maxRespTimeMs });
        }
      }
    }
    state.receive(f, t);
  }
  // What is still open at the end is complete only when the capture covers its Max Resp Time.
  for (const q of [general, ...specific.values()]) if (q !== null) close(q, lastMs >= q.tMs + q.r.query.maxRespTimeMs);
  return out.sort((a, b) => a.query.frame - b.query.frame);
}

function openQuery(
  f: DecodedFrame,
  m: Extract<DecodedFrame["igmp"], { kind: "query" }> & { version: 1 | 2 | 3 },
  t: number,
  groups: Iterable<{ group: string; reporters: string[] } | null>,
  keep: (group: string) => boolean,
): OpenQ {
  const expected = new Map<string, { host: string; group: string }>();
  for (const g of groups) {
    if (g === null || !keep(g.group)) continue;
    for (const h of g.reporters) expected.set(`${h} ${g.group}`, { host: h, group: g.group });
  }
  return {
    r: {
      query: {
        frame: f.frame,
        time: f.time,
        querier: f.ipSrc!,
        version: m.version,
        group: m.group === "0.0.0.0" ? null : m.group,
        sources: m.version === 3 ? [...m.sources] : [],
        maxRespTimeMs: Math.round((m.maxRespTime ?? 10) * 1000),
      },
      responses: [],
      silent: [],
      complete: false,
    },
    tMs: t,
    answered: new Set(),
    expected,
    closed: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Matchers

interface MatcherContext {
  isNot?: boolean;
}
interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isMembership(x: unknown): x is Membership {
  return typeof x === "object" && x !== null && "groups" in x && Array.isArray((x as Membership).groups) && "time" in x;
}

function list<T>(items: T[], show: (x: T) => string, max = 10): string {
  const shown = items.slice(0, max).map((x) => `  ${show(x)}`);
  if (items.length > max) shown.push(`  … and ${items.length - max} more`);
  return shown.join("\n");
}

/**
 * Matchers for `expect.extend(igmpkitMatchers)` in vitest or jest:
 * - `expect(membership).toHaveMember(group, host?)`: the router holds `group` (with `host` reporting it);
 * - `expect(findings).toHaveNoFindings(severity?)`: no finding (or none at or above `severity`);
 * - `expect(responses).toAnswerWithin(graceMs?)`: every answer within Max Resp Time (+ grace), no member silent.
 */
export const igmpkitMatchers = {
  toHaveMember(this: MatcherContext, received: unknown, group: string, host?: string): MatcherResult {
    if (!isMembership(received)) throw new TypeError("toHaveMember expects a Membership (from membershipAt)");
    const g = received.groups.find((x) => x.group === group);
    const pass = g !== undefined && (host === undefined || g.reporters.includes(host));
    const who = host === undefined ? "" : ` reported by ${host}`;
    const held = received.groups.length === 0 ? "no groups" : list(received.groups, (x) => `${x.group} (${x.filterMode}) members ${x.reporters.join(", ") || "-"}`);
    return {
      pass,
      message: () =>
        pass
          ? `expected the router not to hold ${group}${who} at ${received.time}, but it does`
          : `expected the router to hold ${group}${who} at ${received.time}; it holds:\n${held}`,
    };
  },

  toHaveNoFindings(this: MatcherContext, received: unknown, atOrAbove: Severity = "info"): MatcherResult {
    if (!Array.isArray(received)) throw new TypeError("toHaveNoFindings expects the findings array (from lintCapture or lint)");
    if (!(atOrAbove in SEVERITY_RANK)) throw new TypeError(`toHaveNoFindings: unknown severity ${JSON.stringify(atOrAbove)}`);
    const found = (received as Finding[]).filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[atOrAbove]);
    const pass = !hasFindingsAtOrAbove(found, atOrAbove);
    return {
      pass,
      message: () =>
        pass
          ? `expected findings at or above ${atOrAbove}, found none`
          : `expected no findings at or above ${atOrAbove}, found ${found.length}:\n${list(found, (f) => `${f.severity} ${f.rule}: frame ${f.frames.slice(0, 5).join(", ")}: ${f.message}`)}`,
    };
  },

  toAnswerWithin(this: MatcherContext, received: unknown, graceMs = 0): MatcherResult {
    const all = (Array.isArray(received) ? received : [received]) as QueryResponses[];
    if (all.some((r) => typeof r !== "object" || r === null || !("responses" in r))) throw new TypeError("toAnswerWithin expects QueryResponses (from queryResponses)");
    const late = all.flatMap((r) => r.responses.filter((x) => x.delayMs > r.query.maxRespTimeMs + graceMs).map((x) => ({ q: r.query, x })));
    const silent = all.flatMap((r) => r.silent.map((x) => ({ q: r.query, x })));
    const pass = all.length > 0 && late.length === 0 && silent.length === 0;
    const problems = [
      ...late.map(({ q, x }) => `${x.host} answered the query of frame ${q.frame} for ${x.group} after ${x.delayMs} ms (Max Resp Time ${q.maxRespTimeMs} ms)`),
      ...silent.map(({ q, x }) => `${x.host}, a member of ${x.group}, did not answer the query of frame ${q.frame}`),
    ];
    return {
      pass,
      message: () =>
        pass
          ? `expected a late or missing answer among ${all.length} queries, every member answered within Max Resp Time${graceMs ? ` + ${graceMs} ms` : ""}`
          : all.length === 0
            ? "expected answers to queries, but there is no query"
            : `expected every member to answer within Max Resp Time${graceMs ? ` + ${graceMs} ms` : ""}:\n${list(problems, (p) => p)}`,
    };
  },
};

/** The matchers' types, for `declare module "vitest" { interface Assertion<T> extends IgmpkitMatchers<T> {} }`. */
export interface IgmpkitMatchers<R = unknown> {
  toHaveMember(group: string, host?: string): R;
  toHaveNoFindings(atOrAbove?: Severity): R;
  toAnswerWithin(graceMs?: number): R;
}
