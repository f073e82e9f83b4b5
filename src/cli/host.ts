/**
 * `igmpkit host`: emulated IGMP hosts. Live: `-i IFACE` runs the hosts in real time on an interface
 * (libpcap through src/capture: IGMP and ARP for the emulated addresses in, frames injected out) until
 * Ctrl-C, SIGTERM or `--duration`, then every host leaves its groups unless `--no-leave`. Offline: `--replay queries.pcap` runs the hosts on a virtual clock
 * driven by the capture's timestamps and writes (`-w`) the frames they would send, merged in time order with
 * the input. Hosts come from `--scenario s.json` or from flags (`--hosts 50 --first-ip 198.18.0.10
 * --join 239.1.1.1 --join 232.1.1.1@198.18.0.9 --igmp-version 3`).
 */
import { Command, Option } from "commander";
import { isCaptureWriteError, openCaptureWriter, readCaptureFile, type CaptureWriter } from "../capture/file.js";
import { HOST_BYTES, isHostError, MAX_HOSTS, OfflineReplay, type ReplayFrame, type Scenario } from "../host/index.js";
import type { Frame } from "../pcap/frame.js";
import { isPcapError, PcapErrorCode } from "../pcap/errors.js";
import { fileErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, OfflinePace, UsageError, untilSignal, type CliIo, type RegisterCommand } from "./io.js";
import { safeText } from "./sanitize.js";
import { loadScenario, type HostCliOptions, type HostDeps } from "./host-options.js";
import { runLive } from "./host-live.js";
export { scenarioFromFlags, type HostCliOptions, type HostDeps } from "./host-options.js";
export { formatHostLiveScreen, liveStats } from "./host-render.js";
import { groupsJson } from "./host-render.js";
export { LIVE_RESPONSE_MARGIN_MS } from "./host-live.js";

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
  const iface = o.interface;
  if (iface !== undefined) return untilSignal((signal) => runLive(o, iface, scenario, io, deps, signal));
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
  // A signal is seen within a second (see OfflinePace).
  const pace = new OfflinePace(signal);
  let failure: string | undefined;
  let failureCode = "input-damaged";
  try {
    if (o.replay !== undefined) {
      const reader = readCaptureFile(o.replay, { fatal: "keep", ...(signal ? { signal } : {}) });
      read: for await (const batch of reader.batches()) {
        for (const frame of batch) {
          inputFrames++;
          write(replay.push(frame));
          await pace.turn();
          if (pace.stopped()) break read;
        }
      }
      if (reader.fatal !== undefined) {
        const e = reader.fatal;
        failure = `${o.replay}: ${e.message} (offset ${e.offset}${e.frame !== undefined ? `, frame ${e.frame}` : ""}); replayed the ${inputFrames} frames before`;
      }
      pace.stopped();
    }
    if (pace.stoppedBy === undefined) {
      for (const fs of replay.finishing()) {
        write(fs);
        await pace.turn();
        if (pace.stopped()) break;
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
    let message = fileErrorText(e, (e as { path?: unknown }).path === o.write ? "write" : undefined);
    if (isPcapError(e) && e.code === PcapErrorCode.linkTypeMismatch) message += linkTypeHint(o.write ?? "");
    if (!isCaptureWriteError(e)) {
      report(io, o, message, isHostError(e) || isPcapError(e) ? { code: e.code } : {});
      return ExitCode.failure;
    }
    // the file ends on a whole record: report it with the statistics of what was run
    failure = message;
    failureCode = "write-failed";
  }
  if (failure !== undefined) report(io, o, failure, { code: failureCode });
  const stoppedBy = pace.stoppedBy;
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

/** What to do when a capture of another link type meets the frames sent (Ethernet) in a .pcap output. */
export function linkTypeHint(write: string, sender = "the hosts send"): string {
  return `: a pcap file holds one link type and ${sender} Ethernet; write ${write.replace(/\.pcap$/, "")}.pcapng to keep the capture's frames beside theirs`;
}

/** An error line: JSON in --json mode, else text (sanitised). */
function report(io: CliIo, o: HostCliOptions, message: string, extra: Record<string, unknown> = {}): void {
  if (o.json) io.stderr.write(`${JSON.stringify({ error: message, ...extra })}\n`);
  else io.stderr.write(`igmpkit host: ${safeText(message)}\n`);
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
      .addOption(new Option("--control <channel>", "live: drive the hosts' sockets over conform's hook protocol (join G, leave G, joinsrc G S... answered ok / err MSG)").choices(["stdin"]))
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
      .option("--unsolicited-interval <seconds>", "the hosts' unsolicited report interval, v3 and v1/v2 (flag form; default 1 s for v3, 10 s for v1/v2)", (v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0.001 || n > 3600) throw new UsageError(`--unsolicited-interval ${JSON.stringify(v)}: seconds, 0.001 to 3600`);
        return n;
      })
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

