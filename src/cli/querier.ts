/**
 * `igmpkit querier`: the router side of IGMP, RFC-exact. Live: `-i IFACE` queries an interface in real
 * time (libpcap through src/capture: IGMP and ARP for its address in, queries out) until Ctrl-C, SIGTERM
 * or `--duration`. Offline: `--replay FILE` runs on the capture's clock against the hosts in it, and/or
 * emulated hosts (`--hosts N --join G` or `--scenario FILE`, as `igmpkit host`) on one virtual link;
 * `-w OUT` writes the input and every frame sent, merged in time order, the same bytes for the same seed.
 */
import { Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { isCaptureWriteError, openCaptureWriter, readCaptureFile, type CaptureWriter } from "../capture/file.js";
import { isPcapError, PcapErrorCode } from "../pcap/errors.js";
import { readErrorText } from "../capture/scan.js";
import { systemClock } from "../capture/watch.js";
import { isCaptureError, openLiveCapture, type LiveCapture, type LiveCaptureOptions } from "../capture/live.js";
import { fsErrorText, outputErrorText } from "./errors.js";
import { safeText } from "./sanitize.js";
import { pcapStatsLines } from "./capture.js";
import { isHostError, liveFilter, macForIp, parseScenario, parseScenarioText, type Clock, type Scenario } from "../host/index.js";
import type { MonitorEvent } from "../monitor/state.js";
import { isQuerierError, oddNames, parseQueryScript, Querier, type ScriptedQuery, type OddQuery, type QuerierEvent, type QuerierOptions, type QuerierStatus } from "../monitor/querier.js";
import type { Frame } from "../pcap/frame.js";
import { QuerierDriver, QuerierLan, type LanFrame } from "../querier/index.js";
import { isIPv4, isMulticast } from "../wire/index.js";
import type { RegisterCommand } from "./io.js";
import { linkTypeHint, scenarioFromFlags } from "./host.js";
import { EXIT_CODES_HELP, ExitCode, OfflinePace, UsageError, untilSignal, type CliIo } from "./io.js";
import { formatEvent, formatSnapshotTable } from "./monitor.js";
import { cutLine, HOME_CLEAR, REDRAW_MAX_MS, SCREEN_OFF, SCREEN_ON, terminalColumns, terminalRows } from "./screen.js";

export interface QuerierCliOptions {
  interface?: string;
  netns?: string;
  address?: string;
  igmpVersion?: number;
  queryInterval?: number;
  queryResponseInterval?: number;
  lastMemberInterval?: number;
  lastMemberCount?: number;
  robustness?: number;
  startupCount?: number;
  startupInterval?: number;
  duration?: number;
  json?: boolean;
  seed?: number;
  replay?: string;
  write?: string;
  /** Emulated hosts (flag form, as `igmpkit host`). */
  hosts?: number;
  firstIp?: string;
  join?: string[];
  hostVersion?: number;
  scenario?: string;
  /** Odd queries: a comma list (see {@link parseOdd}). */
  odd?: string;
  /** A query script file (JSON, see `parseQueryScript`). */
  script?: string;
}

/** What `runQuerier` may be given instead of the real thing (tests). */
export interface QuerierDeps {
  openLive?: (iface: string, opts: LiveCaptureOptions) => Promise<LiveCapture>;
  clock?: Clock;
}

/** The default address offline (a lab address, below the emulated hosts' default 198.18.0.10). */
export const OFFLINE_QUERIER_ADDRESS = "198.18.0.1";

/**
 * `--odd` words to an {@link OddQuery}: bad-checksum, length=9|10|11, ttl=N, no-router-alert,
 * source=A (e.g. 0.0.0.0), unicast=A (MAC derived as the emulator's: 02:00 + the address), max-resp-code=N,
 * general-sources=A+B, general-s-flag, qrv=N, qqic=N.
 */
export function parseOdd(text: string): OddQuery {
  const o: OddQuery = {};
  const int = (k: string, v: string | undefined, max: number): number => {
    const n = Number(v);
    if (v === undefined || v === "" || !Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--odd ${k}=${v ?? ""}: a whole number 0..${max}`);
    return n;
  };
  const addr = (k: string, v: string | undefined): string => {
    if (v === undefined || !isIPv4(v)) throw new UsageError(`--odd ${k}=${v ?? ""}: an IPv4 address`);
    return v;
  };
  for (const word of text.split(",").map((w) => w.trim()).filter((w) => w !== "")) {
    const [k, v] = word.split("=", 2) as [string, string | undefined];
    switch (k) {
      case "bad-checksum":
        o.badChecksum = true;
        break;
      case "length": {
        const n = int(k, v, 11);
        if (n < 9) throw new UsageError(`--odd length=${n}: 9, 10 or 11`);
        o.length = n as 9 | 10 | 11;
        break;
      }
      case "ttl":
        o.ttl = int(k, v, 255);
        break;
      case "no-router-alert":
        o.routerAlert = false;
        break;
      case "source":
        o.source = addr(k, v);
        break;
      case "unicast": {
        const ip = addr(k, v);
        if (isMulticast(ip)) throw new UsageError(`--odd unicast=${ip}: a unicast address`);
        o.unicast = { ip, mac: macForIp(ip) };
        break;
      }
      case "max-resp-code":
        o.maxRespCode = int(k, v, 255);
        break;
      case "general-sources":
        o.generalSources = (v ?? "").split("+").map((a) => addr(k, a));
        break;
      case "general-s-flag":
        o.generalSFlag = true;
        break;
      case "qrv":
        o.qrv = int(k, v, 7);
        break;
      case "qqic":
        o.qqic = int(k, v, 255);
        break;
      default:
        throw new UsageError(
          `--odd ${JSON.stringify(word)}: one of bad-checksum, length=9|10|11, ttl=N, no-router-alert, source=A, unicast=A, max-resp-code=N, general-sources=A+B, general-s-flag, qrv=N, qqic=N`,
        );
    }
  }
  return o;
}

function querierOptions(o: QuerierCliOptions, address: string): QuerierOptions {
  const q: QuerierOptions = { address, mac: macForIp(address) };
  if (o.igmpVersion !== undefined) q.version = o.igmpVersion as 1 | 2 | 3;
  if (o.robustness !== undefined) q.robustness = o.robustness;
  if (o.queryInterval !== undefined) q.queryInterval = o.queryInterval;
  if (o.queryResponseInterval !== undefined) q.queryResponseInterval = o.queryResponseInterval;
  if (o.lastMemberInterval !== undefined) q.lastMemberQueryInterval = o.lastMemberInterval;
  if (o.lastMemberCount !== undefined) q.lastMemberQueryCount = o.lastMemberCount;
  if (o.startupCount !== undefined) q.startupQueryCount = o.startupCount;
  if (o.startupInterval !== undefined) q.startupQueryInterval = o.startupInterval;
  if (o.seed !== undefined) q.seed = o.seed;
  if (o.odd !== undefined) q.odd = parseOdd(o.odd);
  return q;
}

function hostScenario(o: QuerierCliOptions): Scenario | undefined {
  const flags = o.hosts !== undefined || o.firstIp !== undefined || (o.join ?? []).length > 0 || o.hostVersion !== undefined;
  if (o.scenario !== undefined) {
    if (flags) throw new UsageError("--scenario describes the hosts: drop --hosts, --first-ip, --join and --host-version");
    return parseScenarioText(readOptionFile("--scenario", o.scenario));
  }
  if (!flags) return undefined;
  if ((o.join ?? []).length === 0) throw new UsageError("emulated hosts need at least one --join GROUP[@SOURCE]");
  return parseScenario(scenarioFromFlags({ hosts: o.hosts ?? 1, ...(o.firstIp !== undefined ? { firstIp: o.firstIp } : {}), join: o.join ?? [], ...(o.hostVersion !== undefined ? { igmpVersion: o.hostVersion } : {}) }));
}

/** The text of a file named by an option; a file that cannot be read is a usage error naming both. */
function readOptionFile(option: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`${option} ${path}: ${fsErrorText(e)}`);
  }
}

function errorOut(o: QuerierCliOptions, io: CliIo, e: unknown, extra: { code?: string } = {}): void {
  const message = e instanceof Error ? e.message : String(e);
  const code = extra.code ?? (isQuerierError(e) || isHostError(e) || isCaptureError(e) ? (e as { code: string }).code : undefined);
  // a scenario's every problem, as `igmpkit host` lists them
  const details = isHostError(e) && e.details.length > 1 ? e.details : [];
  if (o.json) io.stderr.write(`${JSON.stringify({ error: message, ...(code ? { code } : {}), ...(details.length > 0 ? { details } : {}) })}\n`);
  else io.stderr.write(`igmpkit querier: ${safeText(message)}\n${details.map((d) => `  ${safeText(d)}\n`).join("")}`);
}

/** One line of the querier's own state: role, elected querier, next query, what was sent. */
export function formatQuerierStatus(s: QuerierStatus): string {
  const next = s.nextGeneralQuery === null ? "-" : `${s.nextGeneralQuery.toFixed(1)} s`;
  const c = s.config;
  const pend = s.pending.map((p) => `${p.group}${p.groupLeft > 0 ? ` G×${p.groupLeft}` : ""}${p.sources.length > 0 ? ` S{${p.sources.map((x) => `${x.source}×${x.left}`).join(",")}}` : ""}`).join("; ");
  return (
    `querier ${s.address} v${s.version}: ${s.role}${s.querier !== null && s.querier !== s.address ? ` (querier ${s.querier})` : ""}, next general query ${next}` +
    `${s.startupQueriesLeft > 0 ? `, ${s.startupQueriesLeft} startup left` : ""}; QRV ${c.robustness} QI ${c.queryInterval} s QRI ${c.queryResponseInterval} s LMQI ${c.lastMemberQueryInterval} s LMQC ${c.lastMemberQueryCount}` +
    `; sent general ${s.sent.general}, group ${s.sent.group}, group-source ${s.sent.groupSource}${pend ? `; pending ${pend}` : ""}`
  );
}

/** The final text summary: the querier's line and the groups table. */
function summaryText(s: QuerierStatus): string {
  return `${formatQuerierStatus(s)}\n${formatSnapshotTable(s.state)}`;
}

/** Run `querier`; resolves to the exit status. */
export async function runQuerier(o: QuerierCliOptions, io: CliIo, signal?: AbortSignal, deps: QuerierDeps = {}): Promise<number> {
  if (o.interface !== undefined && (o.replay !== undefined || o.write !== undefined || o.hosts !== undefined || o.scenario !== undefined || (o.join ?? []).length > 0))
    throw new UsageError("-i runs live; --replay, -w, --hosts, --join and --scenario are for the offline mode");
  if (o.interface === undefined && o.netns !== undefined) throw new UsageError("--netns is for the live mode (-i IFACE)");
  if (o.interface !== undefined && o.address === undefined) throw new UsageError("-i needs --address A (the querier's own IPv4 address)");
  const address = o.address ?? OFFLINE_QUERIER_ADDRESS;
  if (!isIPv4(address) || isMulticast(address) || address === "0.0.0.0") throw new UsageError(`--address ${address}: a unicast IPv4 address`);
  let qopts: QuerierOptions;
  let hosts: Scenario | undefined;
  let script: ScriptedQuery[] | undefined;
  try {
    qopts = querierOptions(o, address);
    if (o.script !== undefined) {
      const text = readOptionFile("--script", o.script);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`--script ${o.script}: not valid JSON: ${(e as Error).message}`);
      }
      script = parseQueryScript(json);
    }
    new Querier(qopts); // validate now: a bad variable is a usage error
    hosts = o.interface === undefined ? hostScenario(o) : undefined;
  } catch (e) {
    if (isQuerierError(e) || isHostError(e)) {
      errorOut(o, io, e);
      return ExitCode.usage;
    }
    throw e;
  }
  if (o.interface !== undefined) return runLive(o, o.interface, qopts, script, io, signal, deps);
  if (o.replay === undefined && hosts === undefined && script === undefined)
    throw new UsageError("querier needs -i IFACE (live), --replay FILE, emulated hosts (--hosts N --join G, or --scenario FILE), or a --script");
  if (o.replay === undefined && o.duration === undefined) throw new UsageError("a simulated LAN runs for --duration S");
  return runOffline(o, qopts, hosts, script, io, signal);
}

/** Virtual time run at once past the next deadline: the frames of about a second are held before they are written. */
const OFFLINE_STEP_MS = 1000;

async function runOffline(o: QuerierCliOptions, qopts: QuerierOptions, hosts: Scenario | undefined, script: ScriptedQuery[] | undefined, io: CliIo, signal: AbortSignal | undefined): Promise<number> {
  const lan = new QuerierLan({ querier: qopts, ...(hosts ? { hosts } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(script ? { script } : {}) });
  let writer: CaptureWriter | undefined;
  const counts = { input: 0, querier: 0, host: 0 };
  const write = (fs: LanFrame[]): void => {
    for (const f of fs) {
      counts[f.origin]++;
      if (o.write === undefined) continue;
      writer ??= openOutput(o.write, f.linkType);
      writer.write({ timestampNs: f.timestampNs, wireLength: f.wireLength, data: f.data, linkType: f.linkType, ...(f.interfaceName !== undefined ? { interfaceName: f.interfaceName } : {}) });
    }
    for (const e of lan.drainEvents()) if (o.json) io.stdout.write(`${JSON.stringify(e)}\n`);
  };
  const end = o.duration !== undefined ? o.duration * 1000 : undefined;
  /** What went wrong, said once: the input that could not be read to its end, or the output. */
  let failure: { message: string; code: string; output: boolean } | undefined;
  const fail = (e: unknown): void => {
    failure ??= describeOfflineFailure(e, o, counts.input);
  };
  // Ctrl-C or SIGTERM is heard within a second (see OfflinePace).
  const pace = new OfflinePace(signal);
  try {
    if (o.replay !== undefined) {
      const reader = readCaptureFile(o.replay, { fatal: "keep", ...(signal ? { signal } : {}) });
      for await (const frame of reader as AsyncIterable<Frame>) {
        if (end !== undefined && lan.time() > end) break;
        write(lan.push(frame));
        await pace.turn();
        if (pace.stopped()) break;
      }
      if (reader.fatal !== undefined) fail(reader.fatal);
    }
    if (failure === undefined && !pace.stopped()) {
      // Step by step, so that the frames are written as they come (a long simulation does not pile them
      // up) and a signal is heard; the steps change nothing in what is sent.
      const until = end ?? lan.time();
      for (;;) {
        const next = lan.nextDeadline();
        write(lan.run(next === null ? until : Math.min(until, Math.max(next, lan.time()) + OFFLINE_STEP_MS)));
        if (lan.time() >= until) break;
        await pace.turn();
        if (pace.stopped()) break;
      }
    } else if (failure !== undefined && counts.input > 0) {
      // After damaged input the capture's hosts fall silent: running on would only time out their groups;
      // an input unreadable from its first byte runs nothing.
      write(lan.run(lan.time()));
    }
  } catch (e) {
    fail(e);
  }
  if (failure !== undefined && counts.input === 0 && (failure.code === "input-unreadable" || failure.code === "input-damaged")) {
    // The input could not be read at all: nothing ran, nothing to write or summarise.
    errorOut(o, io, failure.message, { code: failure.code });
    return ExitCode.failure;
  }
  try {
    if (o.write !== undefined) (writer ?? openOutput(o.write, 1)).close();
  } catch (e) {
    fail(e);
  }
  const stoppedBy = pace.stoppedBy;
  const snap = lan.querier.snapshot();
  // An output that does not look whole when it is not: the summary says what is missing.
  const partial = failure !== undefined ? { partial: true, error: failure.message } : stoppedBy !== undefined ? { partial: true, stoppedBy } : {};
  if (o.json) io.stdout.write(`${JSON.stringify({ type: "snapshot", inputFrames: counts.input, querierFrames: counts.querier, hostFrames: counts.host, ...partial, ...snap })}\n`);
  else {
    const to = o.write === undefined ? "" : failure?.output ? `; ${o.write} NOT WRITTEN WHOLE (see below)` : ` written to ${o.write}`;
    const cut =
      failure === undefined || failure.output
        ? stoppedBy !== undefined
          ? `; partial: stopped by ${stoppedBy}`
          : ""
        : failure.code.startsWith("input-")
          ? "; THE INPUT WAS NOT READ TO ITS END (see below)"
          : "; STOPPED BY THE ERROR BELOW";
    io.stderr.write(`${(lan.time() / 1000).toFixed(1)} s simulated: ${counts.input} input frames, ${counts.querier} querier frames, ${counts.host} host frames${to}${cut}\n`);
    io.stdout.write(summaryText(snap));
  }
  if (failure !== undefined) {
    errorOut(o, io, failure.message, { code: failure.code });
    return ExitCode.failure;
  }
  // stopped before its end (as `host --replay` and `decode`): what was written is whole, but not all
  return stoppedBy !== undefined ? ExitCode.failure : ExitCode.ok;
}

/** A capture file to write; one that cannot be created is an error naming it. */
function openOutput(path: string, linkType: number): CaptureWriter {
  try {
    return openCaptureWriter(path, { linkType, nanosecond: true });
  } catch (e) {
    throw new OutputError(`${path}: ${outputErrorText(e)}`);
  }
}

class OutputError extends Error {
  override readonly name = "OutputError";
}

/** The one line for what stopped an offline run, as `igmpkit host` words it, and whether it was the output. */
function describeOfflineFailure(e: unknown, o: QuerierCliOptions, inputFrames: number): { message: string; code: string; output: boolean } {
  if (e instanceof OutputError) return { message: e.message, code: "write-failed", output: true };
  if (isCaptureWriteError(e)) return { message: e.message, code: "write-failed", output: true };
  if (isPcapError(e) && e.code === PcapErrorCode.linkTypeMismatch)
    return { message: `${e.message}${linkTypeHint(o.write ?? "", "the querier sends")}`, code: e.code, output: true };
  if (isPcapError(e)) return { message: `${o.replay}: ${readErrorText(e)}; replayed the ${inputFrames} frames before`, code: "input-damaged", output: false };
  // a system error reading the input (ENOENT, EISDIR, EACCES...), not a HostError's or QuerierError's code
  if (o.replay !== undefined && typeof (e as NodeJS.ErrnoException)?.syscall === "string") return { message: `${o.replay}: ${readErrorText(e)}`, code: "input-unreadable", output: false };
  return { message: e instanceof Error ? e.message : String(e), code: isQuerierError(e) || isHostError(e) ? (e as { code: string }).code : "failed", output: false };
}

/** Live: the querier in real time on `iface` until a signal, `--duration` or a capture failure. */
async function runLive(o: QuerierCliOptions, iface: string, qopts: QuerierOptions, script: ScriptedQuery[] | undefined, io: CliIo, signal: AbortSignal | undefined, deps: QuerierDeps): Promise<number> {
  // The system clock as live capture stamps frames (epoch-anchored, monotonic): events carry wall times.
  const clock = deps.clock ?? systemClock();
  let cap: LiveCapture;
  try {
    cap = await (deps.openLive ?? openLiveCapture)(iface, { filter: liveFilter([qopts.address]), ...(o.netns !== undefined ? { netns: o.netns } : {}) });
  } catch (e) {
    errorOut(o, io, e);
    return ExitCode.failure;
  }
  const live = cap;
  const querier = new Querier(qopts);
  const recent: QuerierEvent[] = [];
  const screen = io.stdoutIsTTY && !o.json;
  const driver = new QuerierDriver(
    querier,
    { now: () => clock.now(), setTimer: (ms, fn) => clock.setTimer(ms, fn), clearTimer: (h) => clock.clearTimer(h), send: (b) => live.send(b) },
    {
      onEvents: (events) => {
        if (o.json) io.stdout.write(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
        else if (screen) {
          recent.push(...events);
          recent.splice(0, Math.max(0, recent.length - 8));
        } else io.stdout.write(events.map((e) => `${formatEvent(e as MonitorEvent)}\n`).join(""));
      },
      onError: (e) => {
        if (!o.json) io.stderr.write(`igmpkit querier: ${e instanceof Error ? e.message : String(e)}\n`);
      },
      ...(script ? { script } : {}),
    },
  );
  if (o.json) io.stderr.write(`${JSON.stringify({ listening: iface, address: qopts.address, mac: qopts.mac, filter: live.filter, odd: oddNames(qopts.odd) })}\n`);
  else if (!screen) io.stderr.write(`querier ${qopts.address} on ${iface}; Ctrl-C to stop\n`);
  let stoppedBy = "end of capture";
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  const stop = (why: string) => () => {
    stoppedBy = why;
    wake();
  };
  const onAbort = stop("signal");
  signal?.addEventListener("abort", onAbort);
  if (signal?.aborted) onAbort();
  const durationTimer = o.duration !== undefined ? clock.setTimer(o.duration * 1000, stop("duration")) : undefined;
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
  let redraw: unknown;
  if (screen) {
    const draw = () => {
      const title = `igmpkit querier on ${iface}  ${(driver.elapsedMs() / 1000).toFixed(1)} s  (Ctrl-C to stop)`;
      const s = querier.snapshot(Math.max(clock.now(), querier.state.time()));
      const table = formatSnapshotTable(s.state).trimEnd().split("\n");
      const rows = terminalRows(io.stdout);
      const events = recent.length > 0 ? ["", "latest events:", ...recent.map((e) => formatEvent(e as MonitorEvent))] : [];
      const room = rows === undefined ? table.length : Math.max(2, rows - 3 - events.length);
      const lines = [title, formatQuerierStatus(s), ...table.slice(0, room), ...events];
      io.stdout.write(HOME_CLEAR + lines.map((l) => cutLine(l, terminalColumns(io.stdout))).join("\n") + "\n");
      redraw = clock.setTimer(REDRAW_MAX_MS / 2, draw);
    };
    io.stdout.write(SCREEN_ON);
    redraw = clock.setTimer(0, draw);
  }
  try {
    await stopped;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (durationTimer !== undefined) clock.clearTimer(durationTimer);
    if (redraw !== undefined) clock.clearTimer(redraw);
    if (screen) io.stdout.write(SCREEN_OFF);
  }
  await driver.stop();
  await live.stop();
  await reading;
  const snap = querier.snapshot();
  const c = driver.counters;
  const ps = live.stats;
  const pcap = { received: ps.received, drops: ps.dropped === null ? null : { kernel: ps.dropped, interface: ps.ifDropped } };
  if (o.json) io.stdout.write(`${JSON.stringify({ type: "snapshot", interface: iface, stoppedBy, durationMs: Math.round(driver.elapsedMs()), ...c, ...pcap, ...snap })}\n`);
  else {
    io.stdout.write(summaryText(snap));
    io.stderr.write(`${(driver.elapsedMs() / 1000).toFixed(1)} s on ${iface}, stopped by ${stoppedBy}; ${c.framesHeard} frames heard, ${c.framesSent} sent (${c.arpReplies} ARP replies, ${c.sendErrors} send errors); ${pcapStatsLines(ps).join(", ")}\n`);
  }
  if (failure !== undefined) {
    errorOut(o, io, failure);
    return ExitCode.failure;
  }
  return ExitCode.ok;
}

function num(what: string, min: number, integer = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new UsageError(`${what} ${JSON.stringify(v)}: a${integer ? " whole" : ""} number, at least ${min}`);
    return n;
  };
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("querier")
      .description("the router side: an RFC-exact IGMP querier (v1/v2/v3, any timers, odd queries on purpose), live on an interface or offline")
      .option("-i, --interface <iface>", "live on an interface, in real time (needs root and the native package cap)")
      .option("--netns <name>", "live: open the interface inside this network namespace")
      .option("--address <addr>", `the querier's IPv4 address (its MAC is 02:00 + the address); live: required; offline default ${OFFLINE_QUERIER_ADDRESS}`)
      .addOption(new Option("--igmp-version <v>", "IGMP version of the querier (default 3)").choices(["1", "2", "3"]).argParser((v) => Number(v)))
      .option("--query-interval <s>", "Query Interval, seconds (default 125), advertised as QQIC", num("--query-interval", 0.1))
      .option("--query-response-interval <s>", "Query Response Interval, seconds (default 10): general queries' Max Resp Time", num("--query-response-interval", 0.1))
      .option("--last-member-interval <s>", "Last Member Query Interval, seconds (default 1)", num("--last-member-interval", 0.1))
      .option("--last-member-count <n>", "Last Member Query Count (default: the robustness)", num("--last-member-count", 1, true))
      .option("--robustness <n>", "Robustness Variable (default 2), advertised as QRV (0 above 7)", num("--robustness", 1, true))
      .option("--startup-count <n>", "Startup Query Count (default: the robustness)", num("--startup-count", 1, true))
      .option("--startup-interval <s>", "Startup Query Interval, seconds (default: a quarter of the query interval)", num("--startup-interval", 0.1))
      .option("--odd <list>", "odd queries on purpose, comma list: bad-checksum, length=9|10|11, ttl=N, no-router-alert, source=A, unicast=A, max-resp-code=N, general-sources=A+B, general-s-flag, qrv=N, qqic=N")
      .option("--script <file>", 'queries to send at given times besides the querier\'s own (JSON: {"queries": [{"at": 5, "group": "239.1.1.1", "sources": [...], "sFlag": true, "version": 2, "maxRespCode": 200, "odd": {"ttl": 4}}]})')
      .option("--duration <seconds>", "stop after this long (live: default until Ctrl-C or SIGTERM; a simulated LAN needs it)", num("--duration", 0))
      .option("--json", "JSON Lines: every event (query sent, election won or lost, group or source added or expired, compatibility change), then the final state")
      .option("--replay <file>", "offline: run on this capture's clock, hearing its hosts")
      .option("-w, --write <file>", "offline: write the input and every frame sent, merged in time order (pcap or .pcapng)")
      .option("--seed <n>", "random seed (same seed, same bytes)", num("--seed", 0, true))
      .option("--hosts <n>", "offline: emulated hosts on the same virtual link (flag form, as igmpkit host)", num("--hosts", 1, true))
      .option("--first-ip <addr>", "address of the first emulated host (default 198.18.0.10)")
      .option("--join <group[@source]>", "every emulated host joins GROUP or GROUP@SOURCE at 0 s (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .addOption(new Option("--host-version <v>", "IGMP version of the emulated hosts (default 3)").choices(["1", "2", "3"]).argParser((v) => Number(v)))
      .option("--scenario <file>", "offline: emulated hosts and a timeline of socket operations (the JSON of igmpkit host)")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (opts: QuerierCliOptions) => {
        setExit(await untilSignal((signal) => runQuerier(opts, io, signal)));
      }),
  );
};
