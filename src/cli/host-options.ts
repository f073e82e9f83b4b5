/** The options of `igmpkit host`, and the scenario they describe (from a file or from the flags). */
import { readFileSync } from "node:fs";
import type { LiveCapture, LiveCaptureOptions } from "../capture/live.js";
import { MAX_MEMBERSHIPS, MEMBERSHIP_BYTES, parseScenario, parseScenarioText, type Clock, type Scenario } from "../host/index.js";
import { UsageError } from "./io.js";
import { fsErrorText } from "./errors.js";


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
  /** Live: the hosts' sockets driven over the conformance hook protocol on stdin/stdout (src/conform/hook.ts). */
  control?: "stdin";
  /** Flag form: the hosts' unsolicited report interval (v3 and v1/v2), seconds. */
  unsolicitedInterval?: number;
}

/** What `runHost` may be given instead of the real thing (tests): the live capture and the clock (ms, any origin). */
export interface HostDeps {
  openLive?: (iface: string, opts: LiveCaptureOptions) => Promise<LiveCapture>;
  clock?: Clock;
  /** Where `--control stdin` reads its commands (default: the process's standard input). */
  stdin?: NodeJS.ReadableStream;
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
  if (o.unsolicitedInterval !== undefined) {
    s.unsolicitedReportIntervalMs = Math.round(o.unsolicitedInterval * 1000);
    s.oldUnsolicitedReportIntervalMs = Math.round(o.unsolicitedInterval * 1000);
  }
  return s;
}

/** The hosts of a run: from --scenario FILE, or from the flags. Throws UsageError or HostError. */
export function loadScenario(o: HostCliOptions): Scenario {
  if (o.control !== undefined) {
    // The commands come in on stdin and their answers go out on stdout: nothing else may be written there.
    if (o.interface === undefined) throw new UsageError("--control drives the hosts live: it needs -i IFACE");
    if (o.json) throw new UsageError("--control stdin answers on stdout: drop --json (the summary goes to stderr)");
  }
  if (o.scenario !== undefined) {
    if (o.hosts !== undefined || o.firstIp !== undefined || (o.join ?? []).length > 0 || o.igmpVersion !== undefined || o.deaf || o.crashAfter !== undefined || o.unsolicitedInterval !== undefined)
      throw new UsageError("--scenario describes the hosts: drop --hosts, --first-ip, --join, --igmp-version, --unsolicited-interval, --deaf and --crash-after");
    let text: string;
    try {
      text = readFileSync(o.scenario, "utf8");
    } catch (e) {
      throw new UsageError(`--scenario ${o.scenario}: ${fsErrorText(e)}`);
    }
    return parseScenarioText(text, { ...(o.profile !== undefined ? { profile: o.profile } : {}), ...(o.pps !== undefined ? { ppsLimit: o.pps } : {}) });
  }
  if ((o.join ?? []).length === 0 && o.control === undefined) throw new UsageError("host needs --scenario FILE, at least one --join GROUP[@SOURCE], or --control stdin");
  const memberships = (o.hosts ?? 1) * (o.join ?? []).length;
  if (memberships > MAX_MEMBERSHIPS) {
    throw new UsageError(
      `--hosts ${o.hosts} with ${(o.join ?? []).length} --join make ${memberships} memberships: at most ${MAX_MEMBERSHIPS}, the emulator's limit (about ${MEMBERSHIP_BYTES} bytes of memory each)`,
    );
  }
  return parseScenario(scenarioFromFlags(o));
}

