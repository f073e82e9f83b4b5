/**
 * `igmpkit host`: emulated IGMP hosts. Live: `-i IFACE` runs the hosts in real time on an interface
 * (libpcap through src/capture: IGMP and ARP for the emulated addresses in, frames injected out) until
 * Ctrl-C, SIGTERM or `--duration`, then every host leaves its groups unless `--no-leave`. Offline: `--replay queries.pcap` runs the hosts on a virtual clock
 * driven by the capture's timestamps and writes (`-w`) the frames they would send, merged in time order with
 * the input. Hosts come from `--scenario s.json` or from flags (`--hosts 50 --first-ip 198.18.0.10
 * --join 239.1.1.1 --join 232.1.1.1@198.18.0.9 --igmp-version 3`).
 */
import { Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { isCaptureWriteError, openCaptureWriter, readCaptureFile, type CaptureWriter } from "../capture/file.js";
import { isCaptureError, openLiveCapture, type LiveCapture, type LiveCaptureOptions } from "../capture/live.js";
import {
  Emulator,
  isHostError,
  liveFilter,
  HOST_BYTES,
  MAX_HOSTS,
  MAX_MEMBERSHIPS,
  MEMBERSHIP_BYTES,
  OfflineReplay,
  parseScenario,
  parseScenarioText,
  RealtimeDriver,
  type GroupStats,
  type ReplayFrame,
  type Scenario,
} from "../host/index.js";
import type { Frame } from "../pcap/frame.js";
import type { RegisterCommand } from "./commands.js";
import { fsErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, untilSignal, type CliIo } from "./io.js";
import { safeText } from "./sanitize.js";
import { cutLine, HOME_CLEAR, REDRAW_MAX_MS, REDRAW_MIN_MS, SCREEN_OFF, SCREEN_ON, terminalColumns, terminalRows } from "./screen.js";

export interface HostCliOptions {
  interface?: string;
  replay?: string;
  scenario?: string;
  write?: string;
  seed?: number;
  hosts?: number;
  firstIp?: string;
  join?: string[];
  igmpVersion?: number;
  profile?: string;
  pps?: number;
  json?: boolean;
  /** Live: run inside this network namespace. */
  netns?: string;
  /** Live: stop after this many seconds. */
  duration?: number;
  /** Live: commander's `--no-leave` sets this to false. */
  leave?: boolean;
  /** Flag form: every host is deaf (joins, never answers a query). */
  deaf?: boolean;
  /** Flag form: every host crashes (falls silent without leaving) after this many seconds. */
  crashAfter?: number;
  /** Live: answer queries this many ms before the Max Resp Time ends (default 50; 0 = the RFC's whole range). */
  responseMargin?: number;
  /** Live: a stop signal for embedding and tests (SIGINT/SIGTERM also stop). */
  signal?: AbortSignal;
}

/** What `runHost` may be given instead of the real thing (tests): the live capture and the clock (ms, any origin). */
export interface HostDeps {
  openLive?: (iface: string, opts: LiveCaptureOptions) => Promise<LiveCapture>;
  clock?: { now(): number; setTimer(fn: () => void, ms: number): unknown; clearTimer(handle: unknown): void };
}

/** The scenario JSON of the flag form. */
export function scenarioFromFlags(o: HostCliOptions): unknown {
  const timeline = (o.join ?? []).map((j, i) => {
    const [group, source, more] = j.split("@");
    if (more !== undefined || group === "" || source === "") throw new UsageError(`--join ${JSON.stringify(j)}: GROUP or GROUP@SOURCE`);
    return source === undefined
      ? { at: 0, host: "*", op: "join", group, socket: `j${i}` }
      : { at: 0, host: "*", op: "joinSource", group, source, socket: `j${i}` };
  });
  if (o.crashAfter !== undefined) timeline.push({ at: o.crashAfter, host: "*", op: "crash" } as (typeof timeline)[number]);
  const s: Record<string, unknown> = {
    hosts: [{ firstIp: o.firstIp ?? "198.18.0.10", count: o.hosts ?? 1, ...(o.deaf ? { deaf: true } : {}) }],
    version: o.igmpVersion ?? 3,
    timeline,
  };
  if (o.profile !== undefined) s.profile = o.profile;
  if (o.pps !== undefined) s.ppsLimit = o.pps;
  return s;
}

function loadScenario(o: HostCliOptions): Scenario {
  if (o.scenario !== undefined) {
    if (o.hosts !== undefined || o.firstIp !== undefined || (o.join ?? []).length > 0 || o.igmpVersion !== undefined || o.deaf || o.crashAfter !== undefined)
      throw new UsageError("--scenario describes the hosts: drop --hosts, --first-ip, --join, --igmp-version, --deaf and --crash-after");
    let text: string;
    try {
      text = readFileSync(o.scenario, "utf8");
    } catch (e) {
      throw new UsageError(`--scenario ${o.scenario}: ${fsErrorText(e)}`);
    }
    const s = parseScenarioText(text);
    if (o.profile !== undefined || o.pps !== undefined)
      return parseScenario({ ...(JSON.parse(text) as object), ...(o.profile !== undefined ? { profile: o.profile } : {}), ...(o.pps !== undefined ? { ppsLimit: o.pps } : {}) });
    return s;
  }
  if ((o.join ?? []).length === 0) throw new UsageError("host needs --scenario FILE or at least one --join GROUP[@SOURCE]");
  const memberships = (o.hosts ?? 1) * (o.join ?? []).length;
  if (memberships > MAX_MEMBERSHIPS) {
    throw new UsageError(
      `--hosts ${o.hosts} with ${(o.join ?? []).length} --join make ${memberships} memberships: at most ${MAX_MEMBERSHIPS}, the emulator's limit (about ${MEMBERSHIP_BYTES} bytes of memory each)`,
    );
  }
  return parseScenario(scenarioFromFlags(o));
}

/** Run `host`; resolves to the exit status. */
export async function runHost(o: HostCliOptions, io: CliIo, deps: HostDeps = {}): Promise<number> {
  if (o.interface !== undefined && (o.replay !== undefined || o.write !== undefined))
    throw new UsageError("-i runs live; --replay and -w are for the offline mode: use one or the other");
  if (o.interface === undefined && (o.netns !== undefined || o.duration !== undefined || o.leave === false || o.responseMargin !== undefined))
    throw new UsageError("--netns, --duration, --no-leave and --response-margin are for the live mode (-i IFACE)");
  let scenario: Scenario;
  try {
    scenario = loadScenario(o);
  } catch (e) {
    if (isHostError(e)) {
      if (o.json) io.stderr.write(`${JSON.stringify({ error: e.message, code: e.code, details: e.details })}\n`);
      else io.stderr.write(`igmpkit host: ${safeText(e.message)}\n${e.details.length > 1 ? e.details.map((d) => `  ${safeText(d)}\n`).join("") : ""}`);
      return ExitCode.usage;
    }
    throw e;
  }
  if (o.interface !== undefined) return runLive(o, o.interface, scenario, io, deps);
  if (o.write === undefined) throw new UsageError("host needs -i IFACE (live) or -w FILE (offline: where the hosts' frames go)");
  return untilSignal((signal) => runOffline(o, scenario, io, o.signal ?? signal));
}

/**
 * The offline run: the capture's frames through the hosts, written as they come. A signal stops it
 * between two frames or steps (what was written stays, whole; the statistics are marked partial); a
 * damaged capture is replayed up to the damage; a write error ends the run with the file cut back to its
 * last whole record. All three exit 1 after the statistics.
 */
async function runOffline(o: HostCliOptions, scenario: Scenario, io: CliIo, signal: AbortSignal | undefined): Promise<number> {
  let replay: OfflineReplay;
  try {
    replay = new OfflineReplay(scenario, o.seed !== undefined ? { seed: o.seed } : {});
  } catch (e) {
    if (!isHostError(e)) throw e;
    report(io, o, e.message, { code: e.code });
    return e.code === "limit-exceeded" ? ExitCode.usage : ExitCode.failure;
  }
  let writer: CaptureWriter | undefined;
  let inputFrames = 0;
  let hostFrames = 0;
  const write = (fs: ReplayFrame[]): void => {
    for (const f of fs) {
      if (f.origin === "host") hostFrames++;
      if (o.write === undefined) continue;
      writer ??= openCaptureWriter(o.write, { linkType: f.linkType, nanosecond: true });
      writer.write({ timestampNs: f.timestampNs, wireLength: f.wireLength, data: f.data, linkType: f.linkType, ...(f.interfaceName !== undefined ? { interfaceName: f.interfaceName } : {}) });
    }
  };
  // A turn of the event loop every 50 ms of work, so that a signal is seen within a second.
  let lastTurn = performance.now();
  const turn = async (): Promise<void> => {
    if (performance.now() - lastTurn < 50) return;
    await new Promise((r) => setImmediate(r));
    lastTurn = performance.now();
  };
  let failure: string | undefined;
  let failureCode = "input-damaged";
  let stoppedBy: string | undefined;
  const stopped = (): boolean => {
    if (signal?.aborted === true) stoppedBy ??= String(signal.reason ?? "abort");
    return stoppedBy !== undefined;
  };
  try {
    if (o.replay !== undefined) {
      const reader = readCaptureFile(o.replay, { fatal: "keep", ...(signal ? { signal } : {}) });
      read: for await (const batch of reader.batches()) {
        for (const frame of batch) {
          inputFrames++;
          write(replay.push(frame));
          await turn();
          if (stopped()) break read;
        }
      }
      if (reader.fatal !== undefined) {
        const e = reader.fatal;
        failure = `${o.replay}: ${e.message} (offset ${e.offset}${e.frame !== undefined ? `, frame ${e.frame}` : ""}); replayed the ${inputFrames} frames before`;
      }
      stopped();
    }
    if (stoppedBy === undefined) {
      for (const fs of replay.finishing()) {
        write(fs);
        await turn();
        if (stopped()) break;
      }
    }
    if (o.write !== undefined && writer === undefined) writer = openCaptureWriter(o.write, { linkType: 1, nanosecond: true });
    writer?.close();
  } catch (e) {
    try {
      writer?.close();
    } catch {
      // the error below says what happened
    }
    const message = e instanceof Error ? e.message : String(e);
    if (!isCaptureWriteError(e)) {
      report(io, o, message, isHostError(e) ? { code: e.code } : {});
      return ExitCode.failure;
    }
    // the file ends on a whole record: report it with the statistics of what was run
    failure = message;
    failureCode = "write-failed";
  }
  if (failure !== undefined) report(io, o, failure, { code: failureCode });
  const partial = stoppedBy !== undefined ? { partial: true, stoppedBy } : {};
  const st = replay.emulator.stats();
  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({
        inputFrames,
        hostFrames,
        total: st.total,
        arpReplies: st.arpReplies,
        hosts: st.hosts.map((h) => ({ ip: h.ip, name: h.name, ...h.stats, responseDelays: undefined, groups: groupsJson(h.stats.groups) })),
        ...partial,
      })}\n`,
    );
  } else {
    const t = st.total;
    const recs = Object.entries(t.recordsSent)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    io.stderr.write(
      `${st.hosts.length} hosts, ${inputFrames} input frames, ${hostFrames} frames sent: v1 ${t.reportsSent.v1}, v2 ${t.reportsSent.v2}, leave ${t.reportsSent.leave}, v3 ${t.reportsSent.v3}` +
        `${recs ? ` (${recs})` : ""}; ${t.suppressions} suppressed, ${t.retransmissions} retransmissions, ${t.badPackets} bad packets heard` +
        `${stoppedBy !== undefined ? `; partial: stopped by ${stoppedBy}` : ""}\n`,
    );
  }
  return failure !== undefined || stoppedBy !== undefined ? ExitCode.failure : ExitCode.ok;
}

/** An error line: JSON in --json mode, else text (sanitised). */
function report(io: CliIo, o: HostCliOptions, message: string, extra: Record<string, unknown> = {}): void {
  if (o.json) io.stderr.write(`${JSON.stringify({ error: message, ...extra })}\n`);
  else io.stderr.write(`igmpkit host: ${safeText(message)}\n`);
}

/** Per-group totals as JSON. */
function groupsJson(groups: Map<string, GroupStats>): Record<string, GroupStats> {
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
export function liveStats(driver: RealtimeDriver, iface: string, stoppedBy: string, left: boolean): Record<string, unknown> {
  const e = driver.emulator;
  const st = e.stats();
  const c = driver.counters;
  return {
    interface: iface,
    durationMs: Math.round(driver.elapsedMs()),
    stoppedBy,
    left,
    framesHeard: c.framesHeard,
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

function statusLine(driver: RealtimeDriver, t = driver.emulator.stats().total): string {
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

/** The end-of-run tables: per host and per group (at most `limit` rows each). */
function summaryText(s: Record<string, unknown>, limit = 20): string {
  const hosts = s.hosts as HostRow[];
  const lines: string[] = [];
  const lag = s.sendLagMs as { max: number; mean: number };
  lines.push(
    `${hosts.length} hosts on ${String(s.interface)}, ${((s.durationMs as number) / 1000).toFixed(1)} s, stopped by ${String(s.stoppedBy)}${s.left ? ", every group left" : ", groups not left"}; ` +
      `${String(s.framesHeard)} frames heard, ${String(s.framesSent)} sent (${String(s.sendErrors)} send errors, lag max ${lag.max} ms)`,
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

/** Default `--response-margin`: covers the live send path (IPC to the capture agent, libpcap inject). */
export const LIVE_RESPONSE_MARGIN_MS = 50;

/** Live mode: the emulator in real time on `iface` until a signal, `--duration` or a capture failure. */
async function runLive(o: HostCliOptions, iface: string, scenario: Scenario, io: CliIo, deps: HostDeps): Promise<number> {
  const clock = deps.clock ?? { now: () => performance.now(), setTimer: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimer: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const seed = o.seed ?? scenario.seed;
  let emulator: Emulator;
  try {
    const hostOptions = { ...scenario.emulator.hostOptions, responseMarginMs: o.responseMargin ?? LIVE_RESPONSE_MARGIN_MS };
    emulator = new Emulator({ ...scenario.emulator, hostOptions, ...(seed !== undefined ? { seed } : {}) });
  } catch (e) {
    if (!isHostError(e)) throw e;
    io.stderr.write(o.json ? `${JSON.stringify({ error: e.message, code: e.code })}\n` : `igmpkit host: ${e.message}\n`);
    return ExitCode.usage;
  }
  const fail = (e: unknown): number => {
    const message = e instanceof Error ? e.message : String(e);
    const code = isCaptureError(e) || isHostError(e) ? (e as { code: string }).code : undefined;
    io.stderr.write(o.json ? `${JSON.stringify({ error: message, ...(code ? { code } : {}) })}\n` : `igmpkit host: ${message}\n`);
    return ExitCode.failure;
  };
  let cap;
  try {
    cap = await (deps.openLive ?? openLiveCapture)(iface, { filter: liveFilter(emulator.configs.map((c) => c.ip)), ...(o.netns !== undefined ? { netns: o.netns } : {}) });
  } catch (e) {
    return fail(e);
  }
  const live = cap;
  const driver = new RealtimeDriver(
    emulator,
    {
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(fn, ms),
      clearTimer: (h) => clock.clearTimer(h),
      send: (b) => live.send(b),
    },
    {
      timeline: scenario.timeline,
      onError: (e) => {
        if (!o.json) io.stderr.write(`igmpkit host: ${safeText(e instanceof Error ? e.message : String(e))}\n`);
      },
    },
  );
  let stoppedBy = "end of capture";
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const stop = (why: string) => () => {
    stoppedBy = why;
    wake();
  };
  const onInt = stop("SIGINT");
  const onTerm = stop("SIGTERM");
  const onHup = stop("SIGHUP");
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onTerm);
  process.once("SIGHUP", onHup);
  const onAbort = stop("abort");
  o.signal?.addEventListener("abort", onAbort);
  if (o.signal?.aborted) onAbort();
  const durationTimer = o.duration !== undefined ? clock.setTimer(stop("duration"), o.duration * 1000) : undefined;
  let failure: unknown;
  driver.start();
  const reading = (async () => {
    try {
      for await (const f of live) driver.receive(f);
    } catch (e) {
      failure = e;
      stoppedBy = "capture failed";
    }
    wake();
  })();
  // On a terminal (stderr, where the text goes): the tables redrawn in place on the alternate screen, when
  // frames came or went (at most every REDRAW_MIN_MS) and every REDRAW_MAX_MS for the clock. A draw
  // costs a pass over every membership (about 75 ms at 1000 hosts x 100 groups): the pace slows so
  // that drawing takes at most a tenth of the time.
  const screen = io.stderrIsTTY && !o.json;
  let redraw: unknown;
  if (screen) {
    let lastDraw = -Infinity;
    let lastFrames = -1;
    const draw = () => {
      lastDraw = clock.now();
      lastFrames = driver.counters.framesHeard + driver.counters.framesSent;
      const title = `igmpkit host on ${iface}  ${emulator.hosts.length} hosts  ${(driver.elapsedMs() / 1000).toFixed(1)} s  (Ctrl-C to stop${o.leave !== false ? ": every host leaves" : ""})`;
      io.stderr.write(HOME_CLEAR + formatHostLiveScreen(driver, title, terminalColumns(io.stderr), terminalRows(io.stderr)));
    };
    let pace = REDRAW_MIN_MS;
    const tick = () => {
      if (driver.counters.framesHeard + driver.counters.framesSent !== lastFrames || clock.now() - lastDraw >= REDRAW_MAX_MS) {
        draw();
        pace = Math.max(REDRAW_MIN_MS, Math.min(10 * REDRAW_MAX_MS, 10 * (clock.now() - lastDraw)));
      }
      redraw = clock.setTimer(tick, pace);
    };
    io.stderr.write(SCREEN_ON);
    redraw = clock.setTimer(tick, 0);
  }
  try {
    await stopped;
  } finally {
    process.removeListener("SIGINT", onInt);
    process.removeListener("SIGTERM", onTerm);
    process.removeListener("SIGHUP", onHup);
    o.signal?.removeEventListener("abort", onAbort);
    if (durationTimer !== undefined) clock.clearTimer(durationTimer);
    if (redraw !== undefined) clock.clearTimer(redraw);
    if (screen) io.stderr.write(SCREEN_OFF);
  }
  const leave = o.leave !== false && failure === undefined;
  try {
    await driver.stop(leave ? "leave" : "no-leave");
  } catch (e) {
    failure ??= e;
  }
  await live.stop();
  await reading;
  if (screen) io.stderr.write(`${statusLine(driver)}\n`);
  const s = liveStats(driver, iface, stoppedBy, leave);
  if (o.json) io.stdout.write(`${JSON.stringify(s)}\n`);
  else io.stderr.write(summaryText(s));
  if (failure !== undefined) return fail(failure);
  return ExitCode.ok;
}

function num(what: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`${what} ${JSON.stringify(v)}: a number, at least ${min}`);
    return n;
  };
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("host")
      .description("emulate IGMP hosts: RFC-exact state per host, many hosts on one link, live on an interface or offline over a capture")
      .option("--replay <file>", "run over the frames of this capture on its clock (offline)")
      .option("-i, --interface <iface>", "live on an interface, in real time (needs root and the native package cap)")
      .option("--netns <name>", "live: open the interface inside this network namespace")
      .option("--duration <seconds>", "live: stop after this long (default: until Ctrl-C or SIGTERM)", num("--duration", 0))
      .option("--no-leave", "live: on stop, exit without leaving (memberships stay until routers time them out)")
      .option("--response-margin <ms>", "live: answer queries this long before Max Resp Time ends, covering the send path (default 50; at most a tenth of it)", (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--response-margin ${JSON.stringify(v)}: a whole number of ms, at least 0`);
        return n;
      })
      .option("--deaf", "every host joins but hears no IGMP: never answers a query (flag form)")
      .option("--crash-after <seconds>", "every host falls silent after this long, without leaving (flag form)", num("--crash-after", 0))
      .option("--scenario <file>", "hosts, versions and a timeline of socket operations (JSON)")
      .option("-w, --write <file>", "write the input and the hosts' frames, merged in time order (pcap or .pcapng)")
      .option("--seed <n>", "random seed (same seed, same output)", (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed ${JSON.stringify(v)}: an integer 0..4294967295`);
        return n;
      })
      .option("--hosts <n>", "number of hosts (flag form)", (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--hosts ${JSON.stringify(v)}: a whole number, at least 1`);
        if (n > MAX_HOSTS) throw new UsageError(`--hosts ${n}: at most ${MAX_HOSTS}, the emulator's limit (about ${HOST_BYTES} bytes of memory a host)`);
        return n;
      })
      .option("--first-ip <addr>", "address of the first host; the others follow (default 198.18.0.10)")
      .option("--join <group[@source]>", "every host joins GROUP (any source) or GROUP@SOURCE (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .addOption(new Option("--igmp-version <v>", "IGMP version of the hosts").choices(["1", "2", "3"]).argParser((v) => Number(v)))
      .addOption(new Option("--profile <name>", "behaviour: RFC text or the Linux kernel's").choices(["rfc", "linux"]))
      .option("--pps <n>", "at most N frames per second from all hosts together", num("--pps", 0))
      .option("--json", "statistics as JSON on stdout (per host and group at the end of a live run); errors as JSON")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (opts: HostCliOptions) => {
        setExit(await runHost(opts, io));
      }),
  );
};
