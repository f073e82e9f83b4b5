/**
 * `igmpkit host`: emulated IGMP hosts. Offline: `--replay queries.pcap` runs the hosts on a virtual clock
 * driven by the capture's timestamps and writes (`-w`) the frames they would send, merged in time order with
 * the input. Hosts come from `--scenario s.json` or from flags (`--hosts 50 --first-ip 198.18.0.10
 * --join 239.1.1.1 --join 232.1.1.1@198.18.0.9 --igmp-version 3`).
 */
import { Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { openCaptureWriter, readCaptureFile, type CaptureWriter } from "../capture/file.js";
import { isHostError, OfflineReplay, parseScenario, parseScenarioText, type ReplayFrame, type Scenario } from "../host/index.js";
import type { Frame } from "../pcap/frame.js";
import type { RegisterCommand } from "./commands.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";

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
  const s: Record<string, unknown> = {
    hosts: [{ firstIp: o.firstIp ?? "198.18.0.10", count: o.hosts ?? 1 }],
    version: o.igmpVersion ?? 3,
    timeline,
  };
  if (o.profile !== undefined) s.profile = o.profile;
  if (o.pps !== undefined) s.ppsLimit = o.pps;
  return s;
}

function loadScenario(o: HostCliOptions): Scenario {
  if (o.scenario !== undefined) {
    if (o.hosts !== undefined || o.firstIp !== undefined || (o.join ?? []).length > 0 || o.igmpVersion !== undefined)
      throw new UsageError("--scenario describes the hosts: drop --hosts, --first-ip, --join and --igmp-version");
    let text: string;
    try {
      text = readFileSync(o.scenario, "utf8");
    } catch (e) {
      throw new UsageError(`--scenario ${o.scenario}: ${(e as Error).message}`);
    }
    const s = parseScenarioText(text);
    if (o.profile !== undefined || o.pps !== undefined)
      return parseScenario({ ...(JSON.parse(text) as object), ...(o.profile !== undefined ? { profile: o.profile } : {}), ...(o.pps !== undefined ? { ppsLimit: o.pps } : {}) });
    return s;
  }
  if ((o.join ?? []).length === 0) throw new UsageError("host needs --scenario FILE or at least one --join GROUP[@SOURCE]");
  return parseScenario(scenarioFromFlags(o));
}

/** Run `host`; resolves to the exit status. */
export async function runHost(o: HostCliOptions, io: CliIo): Promise<number> {
  if (o.interface !== undefined)
    throw new UsageError("live emulation (-i) needs the live driver, which is not written yet: use --replay FILE (a capture of the queries)");
  let scenario: Scenario;
  try {
    scenario = loadScenario(o);
  } catch (e) {
    if (isHostError(e)) {
      if (o.json) io.stderr.write(`${JSON.stringify({ error: e.message, code: e.code, details: e.details })}\n`);
      else io.stderr.write(`igmpkit host: ${e.message}\n${e.details.length > 1 ? e.details.map((d) => `  ${d}\n`).join("") : ""}`);
      return ExitCode.usage;
    }
    throw e;
  }
  const replay = new OfflineReplay(scenario, o.seed !== undefined ? { seed: o.seed } : {});
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
  try {
    if (o.replay !== undefined) {
      const reader = readCaptureFile(o.replay);
      for await (const frame of reader as AsyncIterable<Frame>) {
        inputFrames++;
        write(replay.push(frame));
      }
    }
    write(replay.finish());
    if (o.write !== undefined && writer === undefined) writer = openCaptureWriter(o.write, { linkType: 1, nanosecond: true });
    writer?.close();
  } catch (e) {
    writer?.close();
    const message = e instanceof Error ? e.message : String(e);
    if (o.json) io.stderr.write(`${JSON.stringify({ error: message, ...(isHostError(e) ? { code: e.code } : {}) })}\n`);
    else io.stderr.write(`igmpkit host: ${message}\n`);
    return ExitCode.failure;
  }
  const st = replay.emulator.stats();
  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({
        inputFrames,
        hostFrames,
        total: st.total,
        arpReplies: st.arpReplies,
        hosts: st.hosts.map((h) => ({ ip: h.ip, name: h.name, ...h.stats, responseDelays: undefined })),
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
        `${recs ? ` (${recs})` : ""}; ${t.suppressions} suppressed, ${t.retransmissions} retransmissions, ${t.badPackets} bad packets heard\n`,
    );
  }
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
      .description("emulate IGMP hosts: RFC-exact state per host, many hosts on one link, offline over a capture")
      .option("--replay <file>", "run over the frames of this capture on its clock (offline)")
      .option("-i, --interface <iface>", "live on an interface (not available yet)")
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
        return n;
      })
      .option("--first-ip <addr>", "address of the first host; the others follow (default 198.18.0.10)")
      .option("--join <group[@source]>", "every host joins GROUP (any source) or GROUP@SOURCE (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .addOption(new Option("--igmp-version <v>", "IGMP version of the hosts").choices(["1", "2", "3"]).argParser((v) => Number(v)))
      .addOption(new Option("--profile <name>", "behaviour: RFC text or the Linux kernel's").choices(["rfc", "linux"]))
      .option("--pps <n>", "at most N frames per second from all hosts together", num("--pps", 0))
      .option("--json", "statistics as JSON on stdout; errors as JSON")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (opts: HostCliOptions) => {
        setExit(await runHost(opts, io));
      }),
  );
};
