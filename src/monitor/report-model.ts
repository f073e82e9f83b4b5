/**
 * What `igmpkit report` draws, as plain data: the statistics, the busiest groups' timelines (the rest
 * aggregated into one), the querier timeline, the response delays and the lint findings with the times
 * of their frames. Sizes are bounded whatever the capture (series decimated, lists cut, counts kept), so
 * the page stays small on 100,000 groups and a million frames. Sans-IO: values in, values out.
 */
import type { Finding } from "./lint-model.js";
import type { GroupTimeline, IgmpStats, QuerierTimeline, StatsCollector } from "./stats.js";

/** Limits of one report. */
export interface ReportLimits {
  /** Groups drawn one by one (busiest first); the rest are aggregated. Default 24. */
  groups: number;
  /** Points per series at most. Default 1500. */
  points: number;
  /** Rows of the group and host tables. Default 200. */
  rows: number;
  /** Findings listed (each with its first frames). Default 300. */
  findings: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = Object.freeze({ groups: 24, points: 1500, rows: 200, findings: 300 });

/** Times in the model are epoch seconds (numbers), as the charts take them. */
export interface ReportGroup {
  group: string;
  vlan: string;
  activity: number;
  /** Step series: times and member counts. */
  t: number[];
  members: number[];
  /** Markers: [time, ...] lists. */
  leaves: { t: number; frame: number }[];
  lastMemberQueries: { t: number; observed: boolean }[];
  expiries: number[];
  modes: { t: number; mode: "include" | "exclude" }[];
}

export interface ReportFinding {
  rule: string;
  severity: string;
  rfc: string;
  message: string;
  /** The first frames, with their times. */
  frames: { frame: number; t: number }[];
  frameCount: number;
}

export interface ReportModel {
  file: string;
  complete: boolean;
  error: string | null;
  stats: IgmpStats;
  /** Times of the first and last frame. */
  start: number | null;
  end: number | null;
  groups: ReportGroup[];
  /** Every other group: how many, and their members summed and groups with members, over time. */
  rest: { groups: number; t: number[]; members: number[]; active: number[] };
  queriers: { vlan: string; events: { t: number; type: string; querier: string }[]; general: { t: number[]; querier: string[]; interval: (number | null)[]; qqi: (number | null)[]; maxResp: number[] } }[];
  /** Answers: query time, delay s, Max Resp Time s, general or group-specific (sampled to the limit). */
  delays: { t: number[]; delay: number[]; maxResp: number[]; general: boolean[]; total: number };
  findings: ReportFinding[];
  findingsTotal: number;
  limits: ReportLimits;
}

const s = (ms: number): number => Math.round(ms * 1000) / 1e6;

/** Keep at most `max` of `n` indices, evenly spread, always the first and the last. */
function pick(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

/** A step series [t, v, t, v...] cut to `max` points keeping each bucket's largest value. */
function stepSeries(flat: readonly number[], max: number): { t: number[]; v: number[] } {
  const n = flat.length / 2;
  const t: number[] = [];
  const v: number[] = [];
  if (n <= max) {
    for (let i = 0; i < n; i++) {
      t.push(s(flat[2 * i]!));
      v.push(flat[2 * i + 1]!);
    }
    return { t, v };
  }
  const per = Math.ceil(n / max);
  for (let i = 0; i < n; i += per) {
    let best = flat[2 * i + 1]!;
    for (let j = i + 1; j < Math.min(n, i + per); j++) best = Math.max(best, flat[2 * j + 1]!);
    t.push(s(flat[2 * i]!));
    v.push(best);
  }
  // the last value stands to the end
  t.push(s(flat[2 * (n - 1)]!));
  v.push(flat[2 * n - 1]!);
  return { t, v };
}

function groupOf(g: GroupTimeline, limits: ReportLimits): ReportGroup {
  const m = stepSeries(g.members, limits.points);
  const cap = <T>(a: T[]): T[] => a.slice(0, limits.points);
  const pairs = <T>(flat: number[], f: (t: number, x: number) => T): T[] => {
    const out: T[] = [];
    for (let i = 0; i < flat.length && out.length < limits.points; i += 2) out.push(f(s(flat[i]!), flat[i + 1]!));
    return out;
  };
  return {
    group: g.group,
    vlan: g.vlan,
    activity: g.activity,
    t: m.t,
    members: m.v,
    leaves: pairs(g.leaves, (t, frame) => ({ t, frame })),
    lastMemberQueries: pairs(g.lastMemberQueries, (t, o) => ({ t, observed: o === 1 })),
    expiries: cap(g.expiries.map(s)),
    modes: pairs(g.modes, (t, x) => ({ t, mode: x === 1 ? ("exclude" as const) : ("include" as const) })),
  };
}

/** The sum of many groups' member counts over time (and how many have members), decimated. */
function aggregate(groups: readonly GroupTimeline[], max: number): ReportModel["rest"] {
  // every change as a delta, in time order
  const deltas: number[] = [];
  for (const g of groups) {
    let prev = 0;
    for (let i = 0; i < g.members.length; i += 2) {
      const v = g.members[i + 1]!;
      if (v !== prev) deltas.push(g.members[i]!, v - prev, (v > 0 ? 1 : 0) - (prev > 0 ? 1 : 0));
      prev = v;
    }
  }
  const n = deltas.length / 3;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => deltas[3 * a]! - deltas[3 * b]!);
  const flatM: number[] = [];
  const flatA: number[] = [];
  let members = 0;
  let active = 0;
  for (const i of order) {
    members += deltas[3 * i + 1]!;
    active += deltas[3 * i + 2]!;
    const t = deltas[3 * i]!;
    if (flatM.length >= 2 && flatM[flatM.length - 2] === t) {
      flatM[flatM.length - 1] = members;
      flatA[flatA.length - 1] = active;
    } else {
      flatM.push(t, members);
      flatA.push(t, active);
    }
  }
  const m = stepSeries(flatM, max);
  const a = stepSeries(flatA, max);
  return { groups: groups.length, t: m.t, members: m.v, active: a.t.length === m.t.length ? a.v : m.t.map(() => 0) };
}

function querierOf(q: QuerierTimeline, max: number): ReportModel["queriers"][number] {
  const n = q.generalQueries.length / 4;
  const idx = pick(n, max);
  const last = new Map<number, number>();
  const interval: (number | null)[] = new Array<number | null>(n).fill(null);
  for (let i = 0; i < n; i++) {
    const t = q.generalQueries[4 * i]!;
    const who = q.generalQueries[4 * i + 1]!;
    const prev = last.get(who);
    interval[i] = prev === undefined ? null : Math.round(t - prev) / 1000;
    last.set(who, t);
  }
  const addr = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  return {
    vlan: q.vlan,
    events: q.events.slice(0, max).map((e) => ({ t: s(e.timeMs), type: e.type, querier: e.querier })),
    general: {
      t: idx.map((i) => s(q.generalQueries[4 * i]!)),
      querier: idx.map((i) => addr(q.generalQueries[4 * i + 1]!)),
      interval: idx.map((i) => interval[i]!),
      qqi: idx.map((i) => q.generalQueries[4 * i + 3] || null),
      maxResp: idx.map((i) => q.generalQueries[4 * i + 2]! / 1000),
    },
  };
}

/**
 * The model of one capture's report. `frameTimeMs(n)` gives the capture time of frame `n` (for the
 * findings' markers); `findings` are the linter's.
 */
export function buildReportModel(
  file: string,
  collector: StatsCollector,
  findings: readonly Finding[],
  frameTimeMs: (frame: number) => number | undefined,
  error: string | null,
  limits: ReportLimits = DEFAULT_REPORT_LIMITS,
): ReportModel {
  const stats = collector.finish();
  const tl = collector.timelines();
  const shown = tl.groups.slice(0, limits.groups);
  const rest = tl.groups.slice(limits.groups);
  const dp = collector.delayPoints;
  const nd = dp.length / 4;
  // every late answer is kept (up to the limit), the rest sampled
  const late: number[] = [];
  for (let i = 0; i < nd && late.length < limits.points; i++) if (dp[4 * i + 1]! > dp[4 * i + 2]!) late.push(i);
  const sample = [...new Set([...pick(nd, limits.points * 2), ...late])].sort((a, b) => a - b);
  const list = findings.slice(0, limits.findings).map((f) => ({
    rule: f.rule,
    severity: f.severity,
    rfc: f.rfc,
    message: f.message,
    frames: f.frames.slice(0, 20).map((frame) => ({ frame, t: s(frameTimeMs(frame) ?? Number.NaN) })),
    frameCount: f.frameCount ?? f.frames.length,
  }));
  return {
    file,
    complete: error === null,
    error,
    stats: { ...stats, groups: stats.groups.slice(0, limits.rows), hosts: stats.hosts.slice(0, limits.rows) },
    start: stats.firstTime === null ? null : Number(stats.firstTime),
    end: stats.lastTime === null ? null : Number(stats.lastTime),
    groups: shown.map((g) => groupOf(g, limits)),
    rest: aggregate(rest, limits.points),
    queriers: tl.queriers.map((q) => querierOf(q, limits.points)),
    delays: {
      t: sample.map((i) => s(dp[4 * i]!)),
      delay: sample.map((i) => dp[4 * i + 1]! / 1000),
      maxResp: sample.map((i) => dp[4 * i + 2]! / 1000),
      general: sample.map((i) => dp[4 * i + 3] === 1),
      total: nd,
    },
    findings: list,
    findingsTotal: findings.length,
    limits,
  };
}
