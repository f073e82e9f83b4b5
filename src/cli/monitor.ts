/** `igmpkit monitor -r FILE`: the router's view of a LAN from a capture, on the capture's clock. */
import { Command } from "commander";
import { isPcapError } from "../pcap/index.js";
import { decodeCapture } from "../monitor/read.js";
import { MonitorState, type MonitorEvent, type MonitorSnapshot } from "../monitor/state.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import type { RegisterCommand } from "./commands.js";

export interface MonitorCliOptions {
  read?: string;
  interface?: string;
  json?: boolean;
}

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "-";
}

/** One event as a line of text. */
export function formatEvent(e: MonitorEvent): string {
  const at = `${isoTime(e.timeMs)}${e.frame !== null ? ` #${e.frame}` : ""}`;
  const { type, timeMs: _t, frame: _f, ...rest } = e;
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `{${v.join(",")}}` : String(v)}`)
    .join(" ");
  return `${at} ${type} ${detail}`;
}

/** The snapshot as a table: group, mode, sources, members, timer, version, querier. */
export function formatSnapshotTable(s: MonitorSnapshot): string {
  const q = s.querier ? `${s.querier.address} (v${s.querier.version}, ${s.querier.timer.toFixed(1)} s)` : "none";
  const rows: string[][] = [["GROUP", "MODE", "SOURCES", "MEMBERS", "TIMER", "VERSION"]];
  for (const g of s.groups) {
    const sources = g.sources.map((x) => `${x.source}${x.forwarding ? `(${x.timer.toFixed(0)}s)` : "(blocked)"}`).join(" ") || "-";
    rows.push([g.group, g.filterMode, sources, g.reporters.join(" ") || "-", g.groupTimer === null ? "-" : `${g.groupTimer.toFixed(1)} s`, `v${g.compatMode}`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
  return `querier: ${q}\n${lines.join("\n")}\n${s.groups.length} groups\n`;
}

/** Run `monitor`; resolves to the exit status. */
export async function runMonitor(o: MonitorCliOptions, io: CliIo): Promise<number> {
  if (o.interface !== undefined) throw new UsageError("monitor -i (live) is not available yet; capture with `igmpkit capture` or tcpdump and use -r FILE");
  if (o.read === undefined) throw new UsageError("monitor needs -r FILE");
  const json = o.json === true || !io.stdoutIsTTY;
  const state = new MonitorState();
  const emit = (events: MonitorEvent[]) => {
    for (const e of events) io.stdout.write(json ? `${JSON.stringify(e)}\n` : `${formatEvent(e)}\n`);
  };
  let exit: number = ExitCode.ok;
  try {
    for await (const f of decodeCapture(o.read)) emit(state.receive(f));
  } catch (e) {
    const msg = isPcapError(e) ? `${e.message} (offset ${e.offset})` : (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    io.stderr.write(json ? `${JSON.stringify({ file: o.read, error: msg })}\n` : `igmpkit monitor: ${o.read}: ${msg}\n`);
    exit = ExitCode.failure;
  }
  const snap = state.snapshot();
  if (json) io.stdout.write(`${JSON.stringify({ type: "snapshot", ...snap })}\n`);
  else io.stdout.write(`\n${formatSnapshotTable(snap)}`);
  return exit;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("monitor")
      .description("the multicast router's view of a LAN: groups, modes, sources, timers, querier (RFC 9776 §6)")
      .option("-r, --read <file>", "read a capture file (offline, on the capture's clock)")
      .option("-i, --interface <iface>", "watch an interface live (not available yet)")
      .option("--json", "JSON Lines of events then a final snapshot (the default when stdout is not a terminal)")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (opts: MonitorCliOptions) => {
        setExit(await runMonitor(opts, io));
      }),
  );
};
