/**
 * `igmpkit kernel`: the Linux kernel's multicast state (groups held by sockets with their counts and
 * source filters, IGMP sysctls, the multicast routing table) with findings; `--watch` prints changes.
 */
import { Command, InvalidArgumentError } from "commander";
import { kernelDiff, kernelFindings, type KernelEvent, type KernelFinding, type KernelState } from "../kernel/index.js";
import { isKernelReadError, readKernelState, type ReadKernelOptions } from "../io/kernel.js";
import { formatTimeMs } from "../monitor/message.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, untilSignal, type CliIo } from "./io.js";
import type { RegisterCommand } from "./io.js";

export interface KernelCliOptions {
  netns?: string;
  json?: boolean;
  watch?: boolean;
  /** Sampling interval of --watch, ms. */
  interval?: number;
}

/** What {@link runKernel} needs from outside; tests pass fakes. */
export interface KernelCliDeps {
  read?: (opts: ReadKernelOptions) => Promise<KernelState>;
  /** Ends --watch. */
  signal?: AbortSignal;
  now?: () => number;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

const onOff = (b: boolean | null) => (b === null ? "?" : b ? "on" : "off");
const n = (x: number | null) => (x === null ? "?" : String(x));

/** The state and its findings as text tables. */
export function formatKernelText(s: KernelState, findings: readonly KernelFinding[]): string {
  const out: string[] = [];
  const y = s.sysctl;
  const routing = s.router === null ? "not in this kernel" : s.router.active === null ? "?" : s.router.active ? "active (a daemon holds the mroute socket)" : "inactive";
  out.push(`kernel ${s.release ?? "?"}  igmp_max_memberships ${n(y.igmpMaxMemberships)}  igmp_max_msf ${n(y.igmpMaxMsf)}  igmp_qrv ${n(y.igmpQrv)}  link-local reports ${onOff(y.igmpLinkLocalMcastReports)}  multicast routing: ${routing}`);
  out.push("");
  const ifs = [["INTERFACE", "IDX", "VERSION", "FORCED", "OLDER QUERIER", "UNSOL. REPORT v2/v3", "GROUPS", "LINK ADDRESSES"]];
  for (const i of s.interfaces) {
    // /proc/net/dev_mcast, every protocol's (IPv6's 33:33:... too); a refcount above 1 in parentheses.
    const links = i.linkAddresses.map((a) => (a.users > 1 ? `${a.address}(${a.users})` : a.address)).join(" ") || "-";
    ifs.push([i.name, String(i.index), i.version, n(i.forceIgmpVersion), i.querierPresent, `${n(i.igmpv2UnsolicitedReportIntervalMs)}/${n(i.igmpv3UnsolicitedReportIntervalMs)} ms`, String(i.groups.length), links]);
  }
  out.push(...formatColumns(ifs));
  out.push("");
  const gs = [["INTERFACE", "GROUP", "USERS", "MODE", "SOURCES", "REPORTER", "TIMER", "LINK ADDRESS"]];
  for (const i of s.interfaces) {
    for (const g of i.groups) {
      const counted = g.filter.map((f) => `${f.source}(in ${f.include}, ex ${f.exclude})`).join(" ");
      const sources = g.sources === null ? `? ${counted}` : g.sources.join(" ") || (g.mode === "exclude" ? "{}" : "-");
      gs.push([i.name, g.group, String(g.users), g.mode, sources, g.reporter ? "yes" : "no", g.timerMs === null ? "-" : `${(g.timerMs / 1000).toFixed(2)} s`, `${g.linkAddress}${g.linkAddressPresent === false && i.linkAddresses.length > 0 ? " (missing)" : ""}`]);
    }
  }
  out.push(...formatColumns(gs));
  if (s.router) {
    out.push("");
    const vifs = [["VIF", "DEVICE", "FLAGS", "PKTS IN", "BYTES IN", "PKTS OUT", "BYTES OUT"]];
    for (const v of s.router.vifs) vifs.push([String(v.vif), v.device, v.flagNames.join(",") || "-", String(v.packetsIn), String(v.bytesIn), String(v.packetsOut), String(v.bytesOut)]);
    out.push(...formatColumns(vifs), `${s.router.vifs.length} of ${s.limits.maxVifs} VIFs`, "");
    const mfc = [["ORIGIN", "GROUP", "IIF", "OIFS (TTL)", "PACKETS", "BYTES", "WRONG IF"]];
    for (const e of [...s.router.mfc, ...s.router.unresolved]) {
      mfc.push([
        e.origin,
        e.group,
        e.unresolved ? "unresolved" : (e.iifDevice ?? String(e.iif)),
        e.oifs.map((o) => `${o.device ?? o.vif}(${o.ttl})`).join(" ") || "-",
        String(e.packets),
        String(e.bytes),
        String(e.wrongIf),
      ]);
    }
    out.push(...formatColumns(mfc), `${s.router.mfc.length} resolved, ${s.router.unresolved.length} unresolved${s.limits.maxUnresolved !== null ? ` (limit ${s.limits.maxUnresolved})` : ""}`);
  }
  out.push("");
  if (findings.length === 0) out.push("no findings");
  for (const f of findings) out.push(`${f.severity} ${f.rule}: ${f.message}`);
  return `${out.join("\n")}\n`;
}

/** One --watch event as a line of text. */
export function formatKernelEvent(e: KernelEvent, timeMs: number): string {
  const at = new Date(timeMs).toISOString();
  if (e.type === "finding-raised" || e.type === "finding-cleared") return `${at} ${e.type} ${e.finding.severity} ${e.finding.rule}: ${e.finding.message}`;
  const { type, ...rest } = e;
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `{${v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(",")}}` : String(v)}`)
    .join(" ");
  return `${at} ${type} ${detail}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done);
  });
}

function errorOut(e: unknown, json: boolean, io: CliIo): number {
  const msg = e instanceof Error ? e.message : String(e);
  const code = isKernelReadError(e) ? e.code : "failed";
  io.stderr.write(json ? `${JSON.stringify({ error: msg, code })}\n` : `igmpkit kernel: ${msg}\n`);
  return ExitCode.failure;
}

/**
 * Run `kernel`: one sample (table on a terminal, JSON otherwise), or with `watch` a first sample and then
 * changes as events until the signal. Exit 1 when the namespace cannot be read or something in it could
 * not (the output then lists what), 0 otherwise. Throws {@link UsageError} for --interval without --watch.
 */
export async function runKernel(o: KernelCliOptions, io: CliIo, deps: KernelCliDeps = {}): Promise<number> {
  if (o.interval !== undefined && !o.watch) throw new UsageError("--interval goes with --watch only (one sample is taken without it)");
  const read = deps.read ?? readKernelState;
  const now = deps.now ?? Date.now;
  const json = o.json === true || !io.stdoutIsTTY;
  const opts: ReadKernelOptions = o.netns !== undefined ? { netns: o.netns } : {};
  let state: KernelState;
  try {
    state = await read(opts);
  } catch (e) {
    return errorOut(e, json, io);
  }
  const findings = kernelFindings(state);
  if (!o.watch) {
    io.stdout.write(json ? `${JSON.stringify({ ...state, findings })}\n` : formatKernelText(state, findings));
    return state.problems.length > 0 ? ExitCode.failure : ExitCode.ok;
  }
  io.stdout.write(json ? `${JSON.stringify({ type: "snapshot", time: formatTimeMs(now()), ...state, findings })}\n` : formatKernelText(state, findings));
  let forwarding = new Set<string>();
  let partial = state.problems.length > 0;
  while (!deps.signal?.aborted) {
    await sleep(o.interval ?? 1000, deps.signal);
    if (deps.signal?.aborted) break;
    let next: KernelState;
    try {
      next = await read(opts);
    } catch (e) {
      return errorOut(e, json, io);
    }
    const d = kernelDiff(state, next, forwarding);
    forwarding = d.forwarding;
    const t = now();
    for (const e of d.events) io.stdout.write(json ? `${JSON.stringify({ time: formatTimeMs(t), ...e })}\n` : `${formatKernelEvent(e, t)}\n`);
    partial ||= next.problems.length > 0;
    state = next;
  }
  return partial ? ExitCode.failure : ExitCode.ok;
}

function interval(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 50) throw new InvalidArgumentError("an interval in milliseconds, at least 50");
  return x;
}

/** A name `ip netns` accepts (iproute2's netns_name_valid): not empty, no "/", not "." or "..". */
function netnsName(v: string): string {
  if (v === "" || v === "." || v === ".." || v.includes("/")) throw new InvalidArgumentError('a namespace name as ip netns list shows it (not empty, no "/", not "." or "..")');
  return v;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("kernel")
      .description("the Linux kernel's multicast state: groups per interface with socket counts and source filters, IGMP sysctls, VIFs and the forwarding cache, with findings")
      .option("--netns <name>", "read this network namespace (ip netns; needs root)", netnsName)
      .option("--json", "JSON even on a terminal (the default when stdout is not one)")
      .option("--watch", "keep sampling and print changes as events (JSON Lines when not on a terminal) until Ctrl-C")
      .option("--interval <ms>", "--watch sampling interval (default 1000)", interval)
      .addHelpText("after", `\n${EXIT_CODES_HELP}\n  (kernel: 1 also when a table could not be read; the output says which)`)
      .action(async (opts: KernelCliOptions) => {
        setExit(opts.watch ? await untilSignal((signal) => runKernel(opts, io, { signal })) : await runKernel(opts, io));
      }),
  );
};
