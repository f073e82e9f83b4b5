/** What `igmpkit host` prints: per-host and per-group tables, the live screen, the JSON and text summaries. */
import { RealtimeDriver, type GroupStats } from "../host/index.js";
import type { LiveCaptureStats } from "../capture/live.js";
import { pcapStatsLines } from "./capture.js";
import { cutLine } from "./screen.js";


/** Per-group totals as JSON. */
export function groupsJson(groups: Map<string, GroupStats>): Record<string, GroupStats> {
  const out: Record<string, GroupStats> = {};
  for (const g of [...groups.keys()].sort(compareIp)) out[g] = groups.get(g)!;
  return out;
}

function compareIp(a: string, b: string): number {
  const n = (x: string) => x.split(".").reduce((s, p) => s * 256 + Number(p), 0);
  return n(a) - n(b);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The live statistics of a run: what `--json` prints and the terminal table is made from. */
export function liveStats(driver: RealtimeDriver, iface: string, stoppedBy: string, left: boolean, pcap: LiveCaptureStats): Record<string, unknown> {
  const e = driver.emulator;
  const st = e.stats();
  const c = driver.counters;
  return {
    interface: iface,
    durationMs: Math.round(driver.elapsedMs()),
    stoppedBy,
    left,
    framesHeard: c.framesHeard,
    received: pcap.received,
    drops: pcap.dropped === null ? null : { kernel: pcap.dropped, interface: pcap.ifDropped },
    framesSent: c.framesSent,
    sendErrors: c.sendErrors,
    sendLagMs: { max: Math.round(c.sendLagMaxMs * 10) / 10, mean: c.framesSent > 0 ? Math.round((c.sendLagSumMs / c.framesSent) * 10) / 10 : 0 },
    opErrors: c.opErrors,
    arpReplies: st.arpReplies,
    total: st.total,
    groups: groupsJson(st.groups),
    hosts: st.hosts.map((h, i) => {
      const { responseDelays: _d, groups, ...rest } = h.stats;
      return {
        ip: h.ip,
        name: h.name,
        ...(e.configs[i]!.deaf ? { deaf: true } : {}),
        ...(e.isCrashed(i) ? { crashed: true } : {}),
        ...rest,
        responseDelay: driver.delayStats(i),
        groups: groupsJson(groups),
      };
    }),
  };
}

export function statusLine(driver: RealtimeDriver, t = driver.emulator.stats().total): string {
  const q = t.queriesHeard;
  const r = t.recordsSent;
  return (
    `${(driver.elapsedMs() / 1000).toFixed(1)} s  queries heard: gen ${q.v1 + q.v2General + q.v3General} grp ${q.v2Group + q.v3Group} g+s ${q.v3GroupSource}` +
    `  sent: v2 ${t.reportsSent.v2} leave ${t.reportsSent.leave} v3 ${t.reportsSent.v3} (IS_IN ${r.MODE_IS_INCLUDE} IS_EX ${r.MODE_IS_EXCLUDE} TO_IN ${r.CHANGE_TO_INCLUDE_MODE} TO_EX ${r.CHANGE_TO_EXCLUDE_MODE} ALLOW ${r.ALLOW_NEW_SOURCES} BLOCK ${r.BLOCK_OLD_SOURCES})` +
    `  suppressed ${t.suppressions}  retx ${t.retransmissions}  lag max ${driver.counters.sendLagMaxMs.toFixed(0)} ms`
  );
}

/** A host row of the tables (end of run and live). */
interface HostRow {
  ip: string;
  queriesHeard: Record<string, number>;
  reportsSent: Record<string, number>;
  recordsSent: Record<string, number>;
  suppressions: number;
  retransmissions: number;
  responseDelay: { answers: number; maxDelayMs: number; meanRatio: number; maxRatio: number };
  deaf?: boolean;
  crashed?: boolean;
}

const HOST_HEADER = `host              queries(g/grp/gs)  reports(v2/leave/v3)  records(IS_IN IS_EX TO_IN TO_EX ALLOW BLOCK)  supp  retx  answers  delay max/MRT`;
const GROUP_HEADER = `group             queries(grp/gs)  reports(v1/v2/leave)  records(IS_IN IS_EX TO_IN TO_EX ALLOW BLOCK)  supp  retx`;

function hostLine(h: HostRow): string {
  const q = h.queriesHeard;
  const r = h.recordsSent;
  return `${(h.ip + (h.deaf ? " deaf" : h.crashed ? " crash" : "")).padEnd(17)} ${pad(`${q.v1! + q.v2General! + q.v3General!}/${q.v2Group! + q.v3Group!}/${q.v3GroupSource}`, 18)}  ${pad(`${h.reportsSent.v2}/${h.reportsSent.leave}/${h.reportsSent.v3}`, 20)}  ${pad([r.MODE_IS_INCLUDE, r.MODE_IS_EXCLUDE, r.CHANGE_TO_INCLUDE_MODE, r.CHANGE_TO_EXCLUDE_MODE, r.ALLOW_NEW_SOURCES, r.BLOCK_OLD_SOURCES].join(" "), 44)}  ${pad(h.suppressions, 4)}  ${pad(h.retransmissions, 4)}  ${pad(h.responseDelay.answers, 7)}  ${pad(h.responseDelay.maxRatio.toFixed(2), 13)}`;
}

function groupLine(g: string, x: GroupStats): string {
  const r = x.recordsSent;
  return `${g.padEnd(17)} ${pad(`${x.queriesHeard.group}/${x.queriesHeard.groupSource}`, 15)}  ${pad(`${x.reportsSent.v1}/${x.reportsSent.v2}/${x.reportsSent.leave}`, 20)}  ${pad([r.MODE_IS_INCLUDE, r.MODE_IS_EXCLUDE, r.CHANGE_TO_INCLUDE_MODE, r.CHANGE_TO_EXCLUDE_MODE, r.ALLOW_NEW_SOURCES, r.BLOCK_OLD_SOURCES].join(" "), 44)}  ${pad(x.suppressions, 4)}  ${pad(x.retransmissions, 4)}`;
}

/** libpcap's counters back from {@link liveStats}'s JSON form. */
function pcapOf(s: Record<string, unknown>): LiveCaptureStats {
  const d = s.drops as { kernel: number; interface: number | null } | null;
  return { frames: s.framesHeard as number, received: s.received as number | null, dropped: d?.kernel ?? null, ifDropped: d?.interface ?? null };
}

/** The end-of-run tables: per host and per group (at most `limit` rows each). */
export function summaryText(s: Record<string, unknown>, limit = 20): string {
  const hosts = s.hosts as HostRow[];
  const lines: string[] = [];
  const lag = s.sendLagMs as { max: number; mean: number };
  lines.push(
    `${hosts.length} hosts on ${String(s.interface)}, ${((s.durationMs as number) / 1000).toFixed(1)} s, stopped by ${String(s.stoppedBy)}${s.left ? ", every group left" : ", groups not left"}; ` +
      `${String(s.framesHeard)} frames heard, ${String(s.framesSent)} sent (${String(s.sendErrors)} send errors, lag max ${lag.max} ms)` +
      (s.received !== undefined ? `; ${pcapStatsLines(pcapOf(s)).join(", ")}` : ""),
  );
  lines.push(HOST_HEADER);
  for (const h of hosts.slice(0, limit)) lines.push(hostLine(h));
  if (hosts.length > limit) lines.push(`... ${hosts.length - limit} more hosts (--json has them all)`);
  const groups = Object.entries(s.groups as Record<string, GroupStats>);
  lines.push(GROUP_HEADER);
  for (const [g, x] of groups.slice(0, limit)) lines.push(groupLine(g, x));
  if (groups.length > limit) lines.push(`... ${groups.length - limit} more groups (--json has them all)`);
  return lines.join("\n") + "\n";
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

/**
 * The live screen of `host -i`: a title, the totals, then the per-host and per-group tables of the end of
 * the run, most active rows first (reports and queries; then by address), each line cut to `columns`.
 * With `rows`, the tables share the height so that nothing scrolls (the rows left out counted on a
 * "… N more" line); without it, at most 20 rows each.
 */
export function formatHostLiveScreen(driver: RealtimeDriver, title: string, columns: number, rows?: number): string {
  const e = driver.emulator;
  const st = e.stats();
  const hosts = st.hosts.map((h, i) => ({ i, ip: h.ip, stats: h.stats, activity: sum(h.stats.reportsSent) + sum(h.stats.queriesHeard) }));
  hosts.sort((a, b) => b.activity - a.activity || compareIp(a.ip, b.ip));
  const groups = [...st.groups].map(([g, x]) => ({ g, x, activity: sum(x.queriesHeard) + sum(x.reportsSent) + sum(x.recordsSent) }));
  groups.sort((a, b) => b.activity - a.activity || compareIp(a.g, b.g));
  // title, totals, two headers; one line spare so that the last newline does not scroll
  const room = rows === undefined ? undefined : Math.max(2, rows - 4 - 1);
  let hb = 20;
  let gb = 20;
  if (room !== undefined) {
    hb = Math.min(hosts.length, Math.max(1, Math.ceil(room / 2)));
    gb = Math.min(groups.length, room - hb);
    hb = Math.max(1, room - gb);
  }
  // Rows of a section that fit its lines: all of them, or one line fewer and a line counting the rest.
  const fit = <T>(list: T[], budget: number, what: string, line: (x: T) => string): string[] => {
    if (list.length <= budget) return list.map(line);
    const kept = Math.max(0, budget - 1);
    return [...list.slice(0, kept).map(line), `… ${list.length - kept} more ${what}`];
  };
  const hostRow = (h: (typeof hosts)[number]): string =>
    hostLine({ ip: h.ip, ...h.stats, responseDelay: driver.delayStats(h.i), ...(e.configs[h.i]!.deaf ? { deaf: true } : {}), ...(e.isCrashed(h.i) ? { crashed: true } : {}) });
  const lines = [title, statusLine(driver, st.total), HOST_HEADER, ...fit(hosts, hb, "hosts", hostRow), GROUP_HEADER, ...fit(groups, gb, "groups", (g) => groupLine(g.g, g.x))];
  return lines.map((l) => cutLine(l, columns)).join("\n") + "\n";
}

