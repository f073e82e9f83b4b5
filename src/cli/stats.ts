/**
 * `igmpkit stats FILE...`: statistics in the spirit of `tshark -z` (per group, per host, per querier,
 * response delays against Max Resp Time). Tables on a terminal, one JSON object per file otherwise.
 */
import { Command } from "commander";
import { newGroupFields, StatsCollector, type DelaySummary, type GroupFields, type IgmpStats, type StatsSummary } from "../monitor/stats.js";
import { formatTimeMs } from "../monitor/message.js";
import { formatTime } from "./format.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import { scanCaptureFile } from "./scan-file.js";
import { GROUP_RECORD_TYPES, groupRecordKind } from "../wire/index.js";
import { ByteChunks, COMMA, DOT, enc, ipOf, lit, micros6, uint, type Lit } from "./ascii.js";
import type { RegisterCommand } from "./io.js";

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

/** Output chunk size for the groups' JSON, and the room past it (a group is about 400 bytes). */
const CHUNK = 1 << 16;
const ROOM = 1024;

const F = {
  group: enc('{"group":'),
  vlan: enc(',"vlan":['),
  firstSeen: enc(',"firstSeen":"'),
  lastSeen: enc('","lastSeen":"'),
  v1: enc('","reports":{"v1":'),
  v2: enc(',"v2":'),
  v3: enc(',"v3":'),
  records: enc('},"records":{'),
  leaveMessages: enc('},"leaveMessages":'),
  membersSeen: enc(',"membersSeen":'),
  joins: enc(',"joins":'),
  leaves: enc(',"leaves":'),
  expiries: enc(',"expiries":'),
  modeChanges: enc(',"modeChanges":'),
  lastMemberQueries: enc(',"lastMemberQueries":'),
  groupQueries: enc(',"groupQueries":'),
  nanos: enc("000"),
};
/** The record names as JSON keys with their colon, by type (0 unknown, 1-6). */
const RECORD_KEYS = [0, 1, 2, 3, 4, 5, 6].map((k) => enc(`${JSON.stringify(groupRecordKind(k))}:`));

/** A field's name (with what comes before it) and its count. */
function field(d: DataView, p: number, name: Lit, n: number): number {
  return uint(d, lit(d, p, name), n);
}

/** {@link formatTimeMs}'s text of `ms` (without quotes). */
function timeMs(d: DataView, p: number, ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < 2 ** 53)) {
    // (no capture has such times; written as the model writes them)
    const t = formatTimeMs(ms);
    for (let i = 0; i < t.length; i++) d.setUint8(p + i, t.charCodeAt(i));
    return p + t.length;
  }
  const sec = Math.floor(us / 1e6);
  p = uint(d, p, sec);
  d.setUint8(p, DOT);
  p = micros6(d, p + 1, us - sec * 1e6);
  return lit(d, p, F.nanos);
}

/**
 * The groups' JSON, each exactly `JSON.stringify(groupStatsOf(f))` (the fields in the same order), written
 * as bytes from their numbers into chunks handed to `write`: at 100,000 groups no string per group, no
 * string of the whole list (joining the groups' strings was a tenth of the command's instructions).
 */
class GroupsJson extends ByteChunks {
  constructor(write: (chunk: Uint8Array) => void) {
    super(write, CHUNK + ROOM);
  }

  /** `[`, `,` or `]` */
  byte(c: number): void {
    this.room(8);
    this.d.setUint8(this.p++, c);
  }

  group(f: GroupFields): void {
    // (a VLAN tag path is a tag or two: 8 bytes a tag is room for any)
    if (this.p >= CHUNK || f.vlan !== undefined) this.room(ROOM + (f.vlan === undefined ? 0 : 8 * f.vlan.length));
    const dd = this.d;
    let p = this.p;
    p = lit(dd, p, F.group);
    p = ipOf(dd, p, f.address | 0);
    if (f.vlan !== undefined) {
      p = lit(dd, p, F.vlan);
      for (let i = 0; i < f.vlan.length; i++) {
        if (i > 0) dd.setUint8(p++, COMMA);
        p = uint(dd, p, f.vlan[i]!);
      }
      dd.setUint8(p++, 0x5d);
    }
    p = lit(dd, p, F.firstSeen);
    p = timeMs(dd, p, f.firstMs);
    p = lit(dd, p, F.lastSeen);
    p = timeMs(dd, p, f.lastMs);
    p = field(dd, p, F.v1, f.v1);
    p = field(dd, p, F.v2, f.v2);
    p = field(dd, p, F.v3, f.v3);
    p = lit(dd, p, F.records);
    let first = true;
    for (let k = 0; k < 7; k++) {
      const n = f.records[k]!;
      if (n <= 0) continue;
      if (!first) dd.setUint8(p++, COMMA);
      first = false;
      p = field(dd, p, RECORD_KEYS[k]!, n);
    }
    p = field(dd, p, F.leaveMessages, f.leaveMessages);
    p = field(dd, p, F.membersSeen, f.membersSeen);
    p = field(dd, p, F.joins, f.joins);
    p = field(dd, p, F.leaves, f.leaves);
    p = field(dd, p, F.expiries, f.expiries);
    p = field(dd, p, F.modeChanges, f.modeChanges);
    p = field(dd, p, F.lastMemberQueries, f.lastMemberQueries);
    p = field(dd, p, F.groupQueries, f.groupQueries);
    dd.setUint8(p++, 0x7d);
    this.p = p;
  }
}

/** Stand-ins for the lists in the JSON text while its other fields are written. */
const GROUPS = "\u0000groups";
const HOSTS = "\u0000hosts";

/**
 * One file's statistics as one line of JSON, the same text as `JSON.stringify({ ...head, ...stats })` of
 * the finished statistics, written in pieces of about 1,000 entries: 100,000 groups are never all made
 * at once, nor one string of 30 MB.
 */
export function writeStatsJson(head: Record<string, unknown>, s: StatsSummary, write: (chunk: string | Uint8Array) => void): void {
  const text = JSON.stringify({ ...head, ...s, groups: GROUPS, hosts: HOSTS });
  // the last ones: only addresses, numbers and fixed words follow them, never a file name or message
  const g = text.lastIndexOf(JSON.stringify(GROUPS));
  const h = text.lastIndexOf(JSON.stringify(HOSTS));
  write(text.slice(0, g));
  const f = newGroupFields();
  const groups = new GroupsJson(write);
  groups.byte(0x5b);
  for (let k = 0; k < s.groups.length; k++) {
    if (k > 0) groups.byte(COMMA);
    groups.group(s.groups.read(k, f));
  }
  groups.byte(0x5d);
  groups.flush();
  write(text.slice(g + JSON.stringify(GROUPS).length, h));
  writeList(s.hosts.length, (k) => JSON.stringify(s.hosts.at(k)), write);
  write(`${text.slice(h + JSON.stringify(HOSTS).length)}\n`);
}

/** A JSON array of `n` entries, the k-th `json(k)`, in pieces. */
function writeList(n: number, json: (k: number) => string, write: (chunk: string | Uint8Array) => void): void {
  let chunk = "[";
  for (let k = 0; k < n; k++) {
    chunk += (k === 0 ? "" : ",") + json(k);
    if (chunk.length >= 1 << 16) {
      write(chunk);
      chunk = "";
    }
  }
  write(`${chunk}]`);
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
