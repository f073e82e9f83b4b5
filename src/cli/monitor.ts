/**
 * `igmpkit monitor`: the router's view of a LAN, from a capture file (`-r`, on the capture's clock) or live
 * from an interface (`-i`, in real time).
 *
 * The state machine ({@link MonitorState}) is sans-IO; live, {@link driveMonitor} (src/capture/watch.ts) runs
 * it on the clock. This file is the command: options, the terminal view, JSON Lines, errors.
 */
import { Command, InvalidArgumentError } from "commander";
import { isCaptureError, openLiveCapture, type LiveCapture, type LiveCaptureOptions } from "../capture/live.js";
import { DEFAULT_TIMER_LAG_MS, driveMonitor, systemClock, type DriveMonitorResult, type MonitorClock } from "../capture/watch.js";
import { frameTimeMs, MonitorState, type MonitorConfig, type MonitorEvent, type MonitorSnapshot } from "../monitor/state.js";
import { MessageReader, MessageStatus } from "../monitor/message.js";
import { EXIT_CODES_HELP, ExitCode, exitSoonIfStopped, UsageError, type CliIo, untilSignal } from "./io.js";
import { formatFileProblems, scanCaptureFile } from "./scan-file.js";
import { writeError } from "./colour.js";
import type { RegisterCommand } from "./io.js";
import { monitorKernelHook } from "./monitor-kernel.js";
import { EventLines, writeGroupsJson } from "./monitor-json.js";
import { pcapStatsLines } from "./capture.js";
import { cutLine, HOME_CLEAR, REDRAW_MAX_MS, REDRAW_MIN_MS, SCREEN_OFF, SCREEN_ON, terminalColumns, terminalRows } from "./screen.js";

export interface MonitorCliOptions extends MonitorConfig {
  read?: string;
  interface?: string;
  json?: boolean;
  /** Text (events, the table) even when stdout is not a terminal. */
  text?: boolean;
  /** Only this VLAN: "10", "20.30" (outer.inner), or "none" for untagged frames. */
  vlan?: string;
  /** With -i: the kernel's forwarding toward the interface beside the wire's membership (src/cli/monitor-kernel.ts). */
  kernel?: boolean;
}

/** `--vlan` to the tag path it selects ("" for untagged). */
function parseVlan(v: string): string {
  if (v === "none" || v === "untagged") return "";
  if (!/^\d{1,4}(\.\d{1,4})*$/.test(v) || v.split(".").some((x) => Number(x) > 4095)) {
    throw new InvalidArgumentError('a VLAN ID 0-4095, outer.inner for double tags (20.30), or "none" for untagged frames');
  }
  return v.split(".").map(Number).join(".");
}

/**
 * One router state is one LAN. With `--vlan`, frames of other VLANs are left out; without it, the first
 * frame from a second VLAN (or tagged next to untagged) brings a warning, once.
 */
class VlanGate {
  private readonly seen = new Set<string>();
  private warned = false;
  constructor(
    private readonly want: string | undefined,
    private readonly warn: (vlans: string[]) => void,
  ) {}
  accept(m: { vlan: string }): boolean {
    const key = m.vlan;
    if (this.want !== undefined) return key === this.want;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    if (this.seen.size > 1 && !this.warned) {
      this.warned = true;
      this.warn([...this.seen].map((k) => (k === "" ? "untagged" : k)));
    }
    return true;
  }
}

function vlanWarning(json: boolean, io: CliIo): (vlans: string[]) => void {
  return (vlans) => {
    const text = `IGMP from more than one VLAN (${vlans.join(", ")}) is merged into one router view; choose one with --vlan`;
    io.stderr.write(json ? `${JSON.stringify({ warning: text, vlans })}\n` : `igmpkit monitor: ${text}\n`);
  };
}

/** The largest |ms| a Date holds (ECMA-262 §21.4.1.1). */
const DATE_LIMIT_MS = 8.64e15;

function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= DATE_LIMIT_MS ? new Date(ms).toISOString() : "-";
}

/** One event as a line of text (a capture's time beyond a Date's range as its seconds). */
export function formatEvent(e: MonitorEvent): string {
  const ms = frameTimeMs(e.time);
  const when = Math.abs(ms) <= DATE_LIMIT_MS ? isoTime(ms) : `${e.time} s`;
  const at = `${when}${e.frame !== null ? ` #${e.frame}` : ""}`;
  const { type, time: _t, frame: _f, ...rest } = e;
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `{${v.join(",")}}` : String(v)}`)
    .join(" ");
  return `${at} ${type} ${detail}`;
}

function secs(s: number): string {
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** The querier and the protocol variables in force, one line. */
export function formatQuerierLine(s: MonitorSnapshot): string {
  const q = s.querier ? `${s.querier.address} (v${s.querier.version}, ${s.querier.timer.toFixed(1)} s)` : "none";
  const t = s.timers;
  return `querier: ${q}  QRV ${t.robustness}, QQI ${secs(t.queryInterval)}, QRI ${secs(t.queryResponseInterval)}, GMI ${secs(t.groupMembershipInterval)}, LMQT ${secs(t.lastMemberQueryTime)}`;
}

/**
 * The snapshot as a table: group, filter mode, sources (with their timers, or "blocked"), members (hosts
 * seen reporting and not leaving), group timer, compatibility mode, last reporter.
 */
export function formatSnapshotTable(s: MonitorSnapshot): string {
  const rows: string[][] = [["GROUP", "MODE", "SOURCES", "MEMBERS", "TIMER", "VERSION", "LAST REPORTER"]];
  for (const g of s.groups) {
    const sources = g.sources.map((x) => `${x.source}${x.forwarding ? `(${x.timer.toFixed(x.timer < 10 ? 1 : 0)}s)` : "(blocked)"}`).join(" ") || "-";
    const older = g.v1HostTimer !== null ? ` (v1 host ${g.v1HostTimer.toFixed(0)}s)` : g.v2HostTimer !== null ? ` (v2 host ${g.v2HostTimer.toFixed(0)}s)` : "";
    rows.push([
      g.group,
      g.filterMode,
      sources,
      g.reporters.join(" ") || "-",
      g.groupTimer === null ? "-" : `${g.groupTimer.toFixed(1)} s`,
      `v${g.compatMode}${older}`,
      g.lastReporter ?? "-",
    ]);
  }
  // (a loop, not Math.max(...rows): spreading one argument per row overflows the stack past ~120,000 groups)
  const widths = rows[0]!.map(() => 0);
  for (const r of rows) for (let i = 0; i < r.length; i++) if (r[i]!.length > widths[i]!) widths[i] = r[i]!.length;
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
  return `${formatQuerierLine(s)}\n${lines.join("\n")}\n${s.groups.length} group${s.groups.length === 1 ? "" : "s"}\n`;
}

// ---------------------------------------------------------------------------------------------------
// The live terminal view

/** How often the live table is redrawn at most, and at least (timers count down), ms (from ./screen.js). */
export { REDRAW_MAX_MS, REDRAW_MIN_MS };
const RECENT_EVENTS = 8;

/**
 * The whole live screen: a title, the table and the latest events, each line cut to `columns`. With
 * `rows`, the table keeps as many group rows as fit (the rest counted on one line) so that nothing scrolls.
 */
export function formatLiveScreen(title: string, s: MonitorSnapshot, recent: readonly MonitorEvent[], columns: number, rows?: number): string {
  const table = formatSnapshotTable(s).trimEnd().split("\n");
  const events = recent.length > 0 ? ["", "latest events:", ...recent.map(formatEvent)] : [];
  // title, blank, querier, header ... groups ..., count line
  const groupRows = table.length - 3;
  const room = rows === undefined ? groupRows : Math.max(1, rows - 2 - 3 - events.length - 1);
  if (groupRows > room) {
    const kept = table.slice(0, 2 + room - 1);
    kept.push(`… ${groupRows - (room - 1)} more groups`, table.at(-1)!);
    table.splice(0, table.length, ...kept);
  }
  const lines = [title, "", ...table, ...events];
  return lines.map((l) => cutLine(l, columns)).join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------------
// The command

/** What `runMonitor` may be given instead of the real thing (tests). */
export interface MonitorDeps {
  openLive?: (iface: string, opts: LiveCaptureOptions) => Promise<LiveCapture>;
  clock?: MonitorClock;
  /** Options of the --kernel sampling (a fake kernel reader in tests). */
  kernel?: Parameters<typeof monitorKernelHook>[5];
}

function stateConfig(o: MonitorCliOptions): MonitorConfig {
  const c: MonitorConfig = {};
  for (const k of ["robustness", "queryInterval", "queryResponseInterval", "lastMemberQueryInterval", "lastMemberQueryCount"] as const) {
    if (o[k] !== undefined) c[k] = o[k];
  }
  return c;
}

/**
 * Run `monitor`; resolves to the exit status. With `-i`, `signal` (SIGINT/SIGTERM in the CLI) ends the
 * watch: the final snapshot is printed and the status is 0.
 */
/** JSON Lines with --json, or by default when stdout is not a terminal; --text forces the text. */
function jsonOutput(o: MonitorCliOptions, io: CliIo): boolean {
  if (o.json && o.text) throw new UsageError("--json and --text: give one");
  return o.json === true || (!io.stdoutIsTTY && o.text !== true);
}

export async function runMonitor(o: MonitorCliOptions, io: CliIo, signal?: AbortSignal, deps: MonitorDeps = {}, filterWords: string[] = []): Promise<number> {
  if (o.interface !== undefined && o.read !== undefined) throw new UsageError("monitor takes -r FILE or -i IFACE, not both");
  if (o.interface === undefined && o.read === undefined) throw new UsageError("monitor needs -r FILE (a capture) or -i IFACE (live)");
  if (o.read !== undefined && filterWords.length > 0) throw new UsageError("a filter expression goes with -i only");
  if (o.read !== undefined && o.kernel) throw new UsageError("--kernel goes with -i only (the kernel's tables are live)");
  if (o.interface !== undefined) return runLive(o.interface, o, io, signal, deps, filterWords);
  const file = o.read!;
  const json = jsonOutput(o, io);
  const state = new MonitorState(stateConfig(o));
  const gate = new VlanGate(o.vlan, vlanWarning(json, io));
  const reader = new MessageReader();
  // Events are written in chunks, not one write per event.
  let pending = "";
  const lines = json ? new EventLines((chunk) => io.stdout.write(chunk)) : null;
  // (JSON: the state hands its events to the writer as it makes them, joins and mode changes as numbers)
  if (lines !== null) state.sinkTo(lines);
  const emit = (events: readonly MonitorEvent[]) => {
    if (lines !== null) {
      for (const e of events) lines.add(e);
      return;
    }
    for (const e of events) pending += `${formatEvent(e)}\n`;
    if (pending.length > 1 << 16) {
      io.stdout.write(pending);
      pending = "";
    }
  };
  const st = await scanCaptureFile(
    file,
    (bytes, start, end, wireLength, linkType, frame, seconds, nanos) => {
      const msg = reader.read(bytes, start, end, wireLength, linkType, frame, seconds, nanos);
      if (msg.status === MessageStatus.ignored || !gate.accept(msg)) return;
      // (most frames have no event, and with --json none come back: the state hands them to `lines`)
      const events = state.take(msg);
      if (events.length > 0) emit(events);
    },
    { io, signal, progressLabel: file, linesWhileReading: true },
  );
  lines?.flush();
  if (pending !== "") io.stdout.write(pending);
  if (st.status !== "complete") {
    if (json) io.stderr.write(`${JSON.stringify({ file, status: st.status, frames: st.frames, error: st.error })}\n`);
    else writeError(io, "igmpkit monitor", `${file}: ${st.error}`);
  }
  const complete = st.status === "complete";
  const counts = { droppedFrames: state.droppedFrames, malformedFrames: state.malformedFrames };
  if (json) writeSnapshotJson(io, state, { complete, file: st, ...counts });
  else {
    io.stdout.write(`\n${formatSnapshotTable({ ...state.snapshot(), complete })}`);
    if (!complete) io.stdout.write(`INCOMPLETE VIEW: ${formatFileProblems([st])}`);
  }
  return complete ? ExitCode.ok : ExitCode.failure;
}

/**
 * The final snapshot as one JSON line, `{"type":"snapshot",...}`, written a group at a time so that a view of
 * a million groups is never one string. `extra` goes after the view's own fields.
 */
function writeSnapshotJson(io: CliIo, state: MonitorState, extra: Record<string, unknown>, nowMs?: number): void {
  const at = nowMs ?? state.time();
  const head = state.snapshotHead(at);
  const top = JSON.stringify({ type: "snapshot", ...head, ...extra });
  io.stdout.write(`${top.slice(0, -1)},"groups":[`);
  writeGroupsJson(state, at, (chunk) => io.stdout.write(chunk));
  io.stdout.write("]}\n");
}

async function runLive(iface: string, o: MonitorCliOptions, io: CliIo, signal: AbortSignal | undefined, deps: MonitorDeps, filterWords: string[]): Promise<number> {
  const json = jsonOutput(o, io);
  const filter = filterWords.length > 0 ? filterWords.join(" ") : undefined;
  const fail = (message: string, extra: Record<string, unknown> = {}): number => {
    if (json) io.stderr.write(`${JSON.stringify({ interface: iface, error: message, ...extra })}\n`);
    else io.stderr.write(`igmpkit monitor: ${message}\n`);
    return ExitCode.failure;
  };
  let cap: LiveCapture;
  try {
    cap = await (deps.openLive ?? openLiveCapture)(iface, filter !== undefined ? { filter } : {});
  } catch (e) {
    if (isCaptureError(e)) return fail(e.message, { code: e.code });
    throw e;
  }
  const stop = () => void cap.stop();
  if (signal?.aborted) stop();
  signal?.addEventListener("abort", stop, { once: true });
  if (json) io.stderr.write(`${JSON.stringify({ listening: iface, linkType: cap.linkType, filter: cap.filter })}\n`);
  else io.stderr.write(`monitoring ${iface}, filter "${cap.filter}"; Ctrl-C to stop\n`);

  const clock = deps.clock ?? systemClock();
  const state = new MonitorState(stateConfig(o));
  const gate = new VlanGate(o.vlan, vlanWarning(json, io));
  const liveSnapshot = () => state.snapshot(Math.max(clock.now() - DEFAULT_TIMER_LAG_MS, state.time()));
  const kernel = o.kernel ? monitorKernelHook(iface, liveSnapshot, () => clock.now(), json, io, deps.kernel) : undefined;
  const recent: MonitorEvent[] = [];
  const lines = new EventLines((chunk) => io.stdout.write(chunk));
  let frames = 0;
  let draw: (() => void) | undefined;
  let drawFailure: unknown;
  let redraw: NodeJS.Timeout | undefined;
  let dirty = true;
  let lastDraw = 0;
  if (!json) {
    const columns = () => terminalColumns(io.stdout);
    const rows = () => terminalRows(io.stdout);
    draw = () => {
      dirty = false;
      lastDraw = clock.now();
      const lost = cap.stats.dropped ? `, ${cap.stats.dropped} DROPPED (view incomplete)` : "";
      const title = `igmpkit monitor on ${iface}  ${isoTime(clock.now())}  ${frames} frames${lost}  (Ctrl-C to stop)`;
      io.stdout.write(HOME_CLEAR + formatLiveScreen(title, liveSnapshot(), recent, columns(), rows()) + (kernel?.screenLines().map((l) => cutLine(l, columns())).join("\n") ?? ""));
    };
    io.stdout.write(SCREEN_ON);
    try {
      draw();
    } catch (e) {
      drawFailure = e;
      stop();
    }
    // Redraw when something changed (at most every REDRAW_MIN_MS) and every REDRAW_MAX_MS for the timers.
    redraw = setInterval(() => {
      // A draw that throws must not escape from the timer: that would end the process with the terminal
      // left on the alternate screen. It ends the watch instead, and the screen is restored below.
      try {
        if (dirty || clock.now() - lastDraw >= REDRAW_MAX_MS) draw!();
      } catch (e) {
        drawFailure ??= e;
        stop();
      }
    }, REDRAW_MIN_MS);
  }
  let result: DriveMonitorResult | undefined;
  let failure: unknown;
  try {
    result = await driveMonitor(cap, {
      state,
      clock,
      accept: (f) => f.igmp === null || gate.accept({ vlan: f.vlan.join(".") }),
      onFrame: (n) => {
        frames = n;
      },
      onEvents: (events) => {
        if (json) {
          for (const e of events) lines.add(e);
          lines.flush();
          return;
        }
        // only the last few are shown: never spread a burst (of any size) into one call
        for (const e of events.length > RECENT_EVENTS ? events.slice(-RECENT_EVENTS) : events) recent.push(e);
        recent.splice(0, Math.max(0, recent.length - RECENT_EVENTS));
        dirty = true;
      },
    });
  } catch (e) {
    failure = e;
  } finally {
    if (redraw !== undefined) clearInterval(redraw);
    signal?.removeEventListener("abort", stop);
    // the normal screen first, whatever happens next
    if (!json) io.stdout.write(SCREEN_OFF);
    try {
      await cap.stop();
    } catch (e) {
      failure ??= e;
    }
  }
  await kernel?.finish();
  failure ??= drawFailure;
  const at = result !== undefined ? frameTimeMs(result.snapshot.time) : Math.max(clock.now(), state.time());
  // Packets the kernel dropped after they passed the filter were IGMP the state never saw: the view is
  // incomplete, as a file not read to its end is.
  const st = cap.stats;
  const drops = st.dropped === null ? null : { kernel: st.dropped, interface: st.ifDropped };
  const complete = st.dropped === null || st.dropped === 0;
  if (json) writeSnapshotJson(io, state, { complete, received: st.received, drops }, at);
  else {
    io.stdout.write(formatSnapshotTable({ ...(result?.snapshot ?? state.snapshot(at)), complete }));
    if (!complete) io.stdout.write(`INCOMPLETE VIEW: the kernel dropped ${st.dropped} packets that passed the filter (a full capture ring)\n`);
  }
  const n = result?.frames ?? frames;
  if (json) io.stderr.write(`${JSON.stringify({ interface: iface, frames: n, events: result?.events ?? null, received: st.received, drops })}\n`);
  else io.stderr.write(`${n} frames seen on ${iface}; ${pcapStatsLines(st).join(", ")}\n`);
  if (failure !== undefined) {
    if (isCaptureError(failure)) return fail(failure.message, { code: failure.code });
    return fail((failure as Error).message, { code: "failed" });
  }
  return complete ? ExitCode.ok : ExitCode.failure;
}


function positiveNumber(name: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} needs a ${integer ? "whole " : ""}number above 0`);
    return n;
  };
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("monitor")
      .description("the multicast router's view of a LAN: groups, modes, sources, timers, querier (RFC 9776 §6)")
      .argument("[expression...]", "with -i: BPF filter (default: IGMP, also under one or two VLAN tags)")
      .option("-r, --read <file>", "read a capture file (offline, on the capture's clock)")
      .option("-i, --interface <iface>", "watch an interface live through libpcap (needs root or CAP_NET_RAW+CAP_NET_ADMIN)")
      .option("--json", "JSON Lines of events then a final snapshot (the default when stdout is not a terminal)")
      .option("--text", "text events and the table even when stdout is not a terminal")
      .option("--kernel", "with -i: the kernel's forwarding toward IFACE ((S,G) entries, packets) beside the wire's membership, with disagreements flagged")
      .option("--vlan <id>", 'only this VLAN (one router view is one LAN): 10, 20.30 for outer.inner tags, or "none" for untagged', parseVlan)
      .option("--robustness <n>", "Robustness Variable until a querier advertises one (default 2)", positiveNumber("--robustness", true))
      .option("--query-interval <s>", "Query Interval, seconds, until a querier advertises one (default 125)", positiveNumber("--query-interval", false))
      .option("--query-response-interval <s>", "Query Response Interval, seconds, until a general query shows one (default 10)", positiveNumber("--query-response-interval", false))
      .option("--last-member-query-interval <s>", "Last Member Query Interval, seconds, until a specific query shows one (default 1)", positiveNumber("--last-member-query-interval", false))
      .option("--last-member-query-count <n>", "Last Member Query Count (default: the Robustness Variable)", positiveNumber("--last-member-query-count", true))
      .addHelpText(
        "after",
        `\nFrom a file (-r), the capture is streamed (any size; memory grows with the groups, not the frames). A
file not read to its end (missing, corrupt part-way) or a stop by Ctrl-C, SIGTERM or SIGHUP (within a
second) prints the view so far marked incomplete ("complete":false and the file's status), status 1.

Live (-i), on a terminal the table is redrawn in place (at most ${1000 / REDRAW_MIN_MS} times a second); otherwise, or with
--json, events are printed as JSON Lines as they happen. Timers run on the clock, so groups expire on
time on a silent LAN. Ctrl-C or SIGTERM stops and prints the final snapshot (a table, or one JSON object
{"type":"snapshot",...}); the status is then 0. Errors (no \`cap\`, not permitted, no such interface,
bad filter, interface gone) are reported as \`igmpkit capture\` reports them, with status 1.

${EXIT_CODES_HELP}`,
      )
      .action(async (words: string[], opts: MonitorCliOptions) => {
        await untilSignal(async (signal) => {
          const code = await runMonitor(opts, io, signal, {}, words);
          setExit(code);
          if (opts.read !== undefined) exitSoonIfStopped(signal, code);
          return code;
        });
      }),
  );
};
