/**
 * `igmpkit stats FILE...`: statistics in the spirit of `tshark -z` (per group, per host, per querier,
 * response delays against Max Resp Time). Tables on a terminal, one JSON object per file otherwise.
 */
import { Command } from "commander";
import { StatsCollector, type DelaySummary, type IgmpStats } from "../monitor/stats.js";
import { writeStatsJson } from "./stats-json.js";
import { formatTime } from "./format.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import { scanCaptureFile } from "./scan-file.js";
import { GROUP_RECORD_TYPES } from "../wire/index.js";
import type { RegisterCommand } from "./io.js";

export { writeStatsJson };

export interface StatsCliOptions {
  json?: boolean;
  /** Tables even when stdout is not a terminal. */
  text?: boolean;
  /** Rows per table in text (0: all). */
  top?: number;
  /** Times of day in UTC instead of local time (text only; JSON's times are exact epoch seconds). */
  utc?: boolean;
}

/**
 * Read `path` through a {@link StatsCollector} with the shared read loop (frames from their bytes, a
 * progress bar on a terminal). Never throws for the file's faults: `error` says why it was not read to
 * its end (what came before is counted).
 */
export async function collectFile(path: string, io: CliIo): Promise<{ collector: StatsCollector; error: string | null }> {
  const collector = new StatsCollector();
  const st = await scanCaptureFile(path, (b, start, end, wireLength, linkType, frame, seconds, nanos) => collector.pushBytes(b, start, end, wireLength, linkType, frame, seconds, nanos), {
    io,
    progressLabel: path,
  });
  return { collector, error: st.status === "complete" ? null : (st.error ?? "not read to its end") };
}

function table(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

const recs = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, n]) => `${SHORT[k] ?? k} ${n}`)
    .join(" ") || "-";
const SHORT: Readonly<Record<string, string>> = Object.fromEntries(GROUP_RECORD_TYPES.map((r) => [r.name, r.short]));
const s = (x: number | null): string => (x === null ? "-" : `${x} s`);
const delays = (d: DelaySummary): string =>
  d.count === 0 ? "none" : `${d.count} answers: p50 ${s(d.p50)}, p90 ${s(d.p90)}, p99 ${s(d.p99)}, max ${s(d.max)}; ${d.late} later than Max Resp Time`;
const vlan = (v?: number[]): string => (v ? ` (VLAN ${v.join(".")})` : "");

/** The text tables of one file's statistics; `top` rows per table (0: all); times of day in local time, as decode's, or UTC. */
export function formatStatsText(name: string, st: IgmpStats, top = 0, utc = false): string {
  const time = (t: string): string => formatTime(t, utc ? "utc" : "local");
  const out: string[] = [];
  const cut = <T>(a: T[]): T[] => (top > 0 ? a.slice(0, top) : a);
  const more = (a: unknown[], what: string): string[] => (top > 0 && a.length > top ? [`... ${a.length - top} more ${what} (--top 0 for all, --json for everything)`] : []);
  out.push(`${name}: ${st.frames} frames, ${st.messages} membership messages, ${st.badChecksums} bad checksums, ${st.malformed} malformed; ${st.firstTime ? `${time(st.firstTime)} to ${time(st.lastTime!)}` : "no frames"}`);
  out.push("", `QUERIERS (${st.queriers.length})`);
  if (st.queriers.length > 0) {
    const rows = [["QUERIER", "GENERAL v1/v2/v3", "GROUP", "G+S", "INTERVAL min/median/max", "QQI", "QRV", "MAX RESP (s: n)", "ELECTED", "FIRST", "LAST"]];
    for (const q of st.queriers) {
      const iv = q.interval.count === 0 ? "-" : `${q.interval.min}/${q.interval.median}/${q.interval.max} s`;
      rows.push([
        q.querier + vlan(q.vlan),
        `${q.queries.generalV1}/${q.queries.generalV2}/${q.queries.generalV3}`,
        String(q.queries.groupSpecific),
        String(q.queries.groupAndSourceSpecific),
        iv,
        q.advertisedQqi === null ? "-" : `${q.advertisedQqi} s`,
        q.advertisedQrv === null ? "-" : String(q.advertisedQrv),
        Object.entries(q.maxRespTime)
          .map(([k, n]) => `${k}: ${n}`)
          .join(", "),
        q.elected ? "yes" : "no",
        time(q.firstSeen),
        time(q.lastSeen),
      ]);
    }
    out.push(table(rows, new Set([2, 3])));
  }
  out.push("", `GROUPS (${st.groups.length}, busiest first)`);
  if (st.groups.length > 0) {
    const rows = [["GROUP", "REPORTS v1/v2/v3", "RECORDS", "LEAVES", "MEMBERS", "JOINS", "EXPIRIES", "LMQ", "FIRST", "LAST"]];
    for (const g of cut(st.groups)) {
      rows.push([
        g.group + vlan(g.vlan),
        `${g.reports.v1}/${g.reports.v2}/${g.reports.v3}`,
        recs(g.records),
        `${g.leaveMessages}/${g.leaves}`,
        String(g.membersSeen),
        String(g.joins),
        String(g.expiries),
        String(g.lastMemberQueries),
        time(g.firstSeen),
        time(g.lastSeen),
      ]);
    }
    out.push(table(rows, new Set([4, 5, 6, 7])), ...more(st.groups, "groups"));
    out.push("(LEAVES: v2 Leave messages / leaves the router honoured; MEMBERS: hosts seen reporting; LMQ: last-member queries)");
  }
  out.push("", `HOSTS (${st.hosts.length}, busiest first)`);
  if (st.hosts.length > 0) {
    const rows = [["HOST", "REPORTS v1/v2/v3", "RECORDS", "LEAVES", "GROUPS", "ANSWERS", "p50", "MAX", "LATE", "FIRST", "LAST"]];
    for (const h of cut(st.hosts)) {
      rows.push([
        h.host + vlan(h.vlan),
        `${h.reports.v1}/${h.reports.v2}/${h.reports.v3}`,
        recs(h.records),
        String(h.leaveMessages),
        String(h.groups),
        String(h.responses.count),
        s(h.responses.p50),
        s(h.responses.max),
        String(h.responses.late),
        time(h.firstSeen),
        time(h.lastSeen),
      ]);
    }
    out.push(table(rows, new Set([3, 4, 5, 8])), ...more(st.hosts, "hosts"));
  }
  out.push("", "RESPONSE DELAYS (query to each host's first answer)");
  out.push(`general queries:        ${delays(st.responseDelays.general)}`);
  out.push(`group-specific queries: ${delays(st.responseDelays.groupSpecific)}`);
  return `${out.join("\n")}\n`;
}

/** Run `stats`; resolves to the exit status (1 when a file could not be read to its end). */
export async function runStats(files: string[], o: StatsCliOptions, io: CliIo): Promise<number> {
  if (files.length === 0) throw new UsageError("stats needs at least one FILE");
  if (o.json && o.text) throw new UsageError("--json and --text cannot be used together");
  if (o.json && o.utc) throw new UsageError("--utc shapes the text tables; --json gives exact epoch seconds");
  const json = o.json === true || (!o.text && !io.stdoutIsTTY);
  const top = o.top ?? (io.stdoutIsTTY ? 20 : 0);
  let exit: number = ExitCode.ok;
  for (const [i, path] of files.entries()) {
    const r = await collectFile(path, io);
    if (r.error !== null) {
      exit = ExitCode.failure;
      if (json) io.stderr.write(`${JSON.stringify({ file: path, error: r.error })}\n`);
      else io.stderr.write(`igmpkit stats: ${path}: ${r.error} (statistics up to there follow)\n`);
    }
    if (json) writeStatsJson({ file: path, ...(r.error !== null ? { complete: false, error: r.error } : { complete: true }) }, r.collector.summary(), (s) => io.stdout.write(s));
    else io.stdout.write(`${i > 0 ? "\n" : ""}${formatStatsText(path, r.collector.finish(), top, o.utc === true)}${r.error !== null ? `INCOMPLETE: ${r.error}\n` : ""}`);
  }
  return exit;
}

function parseTop(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--top ${JSON.stringify(v)}: a whole number of rows (0 for all)`);
  return n;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("stats")
      .description("statistics like tshark -z: per group, per host, per querier, response delays against Max Resp Time")
      .argument("<file...>", "capture files (pcap/pcapng, plain or gzip); each its own LAN")
      .option("--json", "one JSON object per file (the default when stdout is not a terminal)")
      .option("--text", "tables even when stdout is not a terminal")
      .option("--top <n>", "rows per table in text (default 20 on a terminal; 0 for all)", parseTop)
      .option("--utc", "times of day in UTC (default: local time, as decode; TZ applies)")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (files: string[], opts: StatsCliOptions) => {
        setExit(await runStats(files, opts, io));
      }),
  );
};
