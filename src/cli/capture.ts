/**
 * `igmpkit capture -i IFACE [BPF expression...]`: capture live through libpcap, print the IGMP as
 * `decode` does (same {@link FrameOutput}), and/or write a pcap/pcapng file with `-w`.
 */
import { Command } from "commander";
import { isCaptureWriteError, openCaptureWriter, type CaptureWriter } from "../capture/file.js";
import { CAPTURE_BUFFER_SIZE, DEFAULT_FILTER, isCaptureError, openLiveCapture, type LiveCaptureReader, type LiveCaptureStats } from "../capture/live.js";
import { textShape, timeFormat, validateTextOptions, withTextOptions, type TextOptions } from "./decode.js";
import { outputErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo, untilSignal } from "./io.js";
import { FrameOutput, formatSummary } from "./output.js";
import { safeText } from "./sanitize.js";
import type { RegisterCommand } from "./io.js";

export interface CaptureCliOptions extends TextOptions {
  interface?: string;
  write?: string;
  count?: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** With -w, also print the frames. */
  print?: boolean;
  all?: boolean;
  /** libpcap's ring in KiB (tcpdump's -B). */
  bufferSize?: number;
  /** Bytes kept of each packet (tcpdump's -s, commander's name for --snapshot-length). */
  snapshotLength?: number;
  /** commander's name for -p, --no-promiscuous-mode (false with -p). */
  promiscuousMode?: boolean;
}

/** The largest ring libpcap takes (an int number of bytes). */
export const MAX_RING_BYTES = 2 ** 31 - 1;

/** How often output (file and terminal) is flushed while capturing, in ms. */
export const CAPTURE_FLUSH_MS = 100;

const LINK_NAMES: Record<number, string> = { 0: "NULL (BSD loopback)", 1: "EN10MB (Ethernet)", 101: "RAW (Raw IPv4)", 113: "LINUX_SLL (Linux cooked v1)", 276: "LINUX_SLL2 (Linux cooked v2)" };

function parseKib(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 4 * 1024 * 1024) throw new UsageError(`-B ${JSON.stringify(v)}: the ring size in KiB, a whole number from 1 to 4194304`);
  return n;
}

/** tcpdump's -s: 0 means its default, 262144. */
function parseSnaplen(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 262144)) throw new UsageError(`-s ${JSON.stringify(v)}: the bytes kept of each packet, a whole number from 1 to 262144 (0: 262144, as in tcpdump)`);
  return n === 0 ? 262144 : n;
}

/** tcpdump's closing counts, from libpcap's counters (none where `cap` is unpatched). */
export function pcapStatsLines(s: LiveCaptureStats): string[] {
  if (s.dropped === null) return ["drops: not available (cap without igmpkit's patch passes no libpcap counters)"];
  return [`${s.received} packets received by filter`, `${s.dropped} packets dropped by kernel`, `${s.ifDropped} packets dropped by interface`];
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`-c ${JSON.stringify(v)}: a whole number of frames, at least 1`);
  return n;
}

/**
 * Run `capture`; resolves to the exit status. `signal` ends the capture cleanly (SIGINT/SIGTERM in the CLI):
 * every frame delivered before it is written and counted, the file is closed, and the status is 0.
 */
export async function runCapture(filterWords: string[], o: CaptureCliOptions, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (!o.interface) throw new UsageError("capture needs -i IFACE (list them with `igmpkit interfaces`)");
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1)) throw new UsageError("-c needs a whole number of frames, at least 1");
  validateTextOptions(o);
  // -q is tcpdump's (brief lines, as decode -q); with -w and no --print nothing is printed for it to shape
  if (o.json && o.quiet && (o.write === undefined || o.print === true)) throw new UsageError("-q shapes the text output; it does not combine with --json");
  const iface = o.interface;
  const filter = filterWords.length > 0 ? filterWords.join(" ") : undefined;
  // libpcap's pcap_set_buffer_size takes an int: -B 4194304 (4 GiB) asks for the most it can be given
  const bufferSize = o.bufferSize !== undefined ? Math.min(o.bufferSize * 1024, MAX_RING_BYTES) : CAPTURE_BUFFER_SIZE;
  const fail = (message: string, extra: Record<string, unknown> = {}): number => {
    if (o.json) io.stderr.write(`${JSON.stringify({ interface: iface, error: message, ...extra })}\n`);
    else io.stderr.write(`igmpkit capture: ${safeText(message)}\n`);
    return ExitCode.failure;
  };

  let cap: LiveCaptureReader;
  try {
    cap = await openLiveCapture(iface, { ...(filter !== undefined ? { filter } : {}), ...(o.snapshotLength !== undefined ? { snaplen: o.snapshotLength } : {}), promiscuous: o.promiscuousMode !== false, bufferSize });
  } catch (e) {
    if (isCaptureError(e)) return fail(e.message, { code: e.code });
    throw e;
  }
  const stop = () => void cap.stop();
  if (signal?.aborted) stop();
  signal?.addEventListener("abort", stop, { once: true });

  let writer: CaptureWriter | undefined;
  if (o.write !== undefined) {
    try {
      writer = openCaptureWriter(o.write, { linkType: cap.linkType, interfaceName: iface, snaplen: cap.snaplen, bufferSize: 64 * 1024 });
    } catch (e) {
      await cap.stop();
      return fail(`${o.write}: ${outputErrorText(e)}`, { code: "write-failed" });
    }
  }
  const printing = o.write === undefined || o.print === true;
  const text = textShape(o, o.quiet === true);
  const out = new FrameOutput({ json: o.json === true, verbose: o.verbose === true, all: o.all === true, time: timeFormat(o), quiet: !printing, ...(text ? { text } : {}) }, io);
  const link = LINK_NAMES[cap.linkType] ?? `DLT ${cap.linkType}`;
  const listening = { listening: iface, linkType: cap.linkType, snaplen: cap.snaplen, promiscuous: cap.promiscuous, timestamps: cap.timestamps, filter: cap.filter, ring: { bytes: bufferSize, packets: cap.ringSlots } };
  if (o.json) io.stderr.write(`${JSON.stringify(listening)}\n`);
  else io.stderr.write(`listening on ${safeText(iface)}, link-type ${link}, snapshot length ${cap.snaplen} bytes, filter "${safeText(cap.filter)}"\n`);
  if (o.promiscuousMode === false && cap.promiscuous) io.stderr.write(`igmpkit capture: -p not honoured: cap without igmpkit's patch is always promiscuous\n`);

  // Whole records reach the file at least every CAPTURE_FLUSH_MS, so a hard kill loses at most that much.
  // A write that fails (a full disk) ends the capture like any other failure: the file is cut back to its
  // last whole record, the summary printed, the status 1.
  let captured = 0;
  let failure: unknown;
  const timer = setInterval(() => {
    try {
      writer?.flush();
    } catch (e) {
      failure ??= e;
      stop();
    }
    void out.flush().then(() => {
      if (out.outputError !== undefined && printing) {
        failure ??= out.outputError;
        stop();
      }
    });
  }, CAPTURE_FLUSH_MS);
  const limit = o.count ?? Infinity;
  try {
    read: for await (const batch of cap.batches()) {
      for (const frame of batch) {
        writer?.write(frame);
        captured++;
        if (printing) out.push(frame);
        else out.count(frame); // not printing: the same counts, clean frames without decoding them
        if (captured >= limit) break read;
      }
      if (out.wantsFlush) await out.flush();
    }
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(timer);
    signal?.removeEventListener("abort", stop);
    await cap.stop();
    try {
      writer?.close();
    } catch (e) {
      failure ??= e;
    }
    await out.flush();
  }

  if (o.json) {
    const agent = cap.agentStats !== undefined ? { agent: cap.agentStats } : {};
    const s = cap.stats;
    const drops = s.dropped === null ? null : { kernel: s.dropped, interface: s.ifDropped };
    io.stderr.write(`${JSON.stringify({ interface: iface, captured, received: s.received, drops, summary: out.summary, ...(o.write !== undefined ? { file: o.write } : {}), ...agent })}\n`);
  } else {
    io.stderr.write(`${captured} frames captured\n`);
    io.stderr.write(`${formatSummary(iface, out.summary, pcapStatsLines(cap.stats))}\n`);
  }
  if (failure !== undefined) {
    if (isCaptureWriteError(failure)) return fail(failure.message, { code: "write-failed", errno: failure.code, framesOnDisk: failure.framesOnDisk });
    const msg = isCaptureError(failure) ? failure.message : (failure as Error).message;
    const code = isCaptureError(failure) ? failure.code : "failed";
    const onDisk = writer?.error === undefined ? writer?.framesOnDisk : undefined;
    return fail(`${msg}${o.write !== undefined && onDisk !== undefined ? ` (${o.write} closed intact with ${onDisk} frames)` : ""}`, { code });
  }
  return ExitCode.ok;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    withTextOptions(
      new Command("capture")
        .description("capture live on an interface through libpcap and decode the IGMP (needs root or CAP_NET_RAW+CAP_NET_ADMIN)")
        .argument("[expression...]", `BPF filter (pcap-filter(7)); default: ${DEFAULT_FILTER} (plain igmp on any)`)
        .option("-i, --interface <iface>", "interface to capture on (`igmpkit interfaces` lists them; any = all, Linux cooked v1)")
        .option("-w, --write <file>", "write the frames to FILE: pcapng if it ends in .pcapng, else pcap; - for standard output")
        .option("-c, --count <n>", "stop after N captured frames", parseCount)
        .option("-B, --buffer-size <KiB>", "libpcap's kernel ring in KiB (default 32768: 20,972 packets at the default snaplen, see README)", parseKib)
        .option("-s, --snapshot-length <bytes>", "bytes kept of each packet (default: the interface's MTU + 22, 1522 at MTU 1500: every IGMP message whole; 0: 262144, as in tcpdump)", parseSnaplen)
        .option("-p, --no-promiscuous-mode", "do not put the interface in promiscuous mode (IGMP to groups the host has not joined may then be missed)")
        .option("--json", "JSON Lines, one object per frame (the JSON model in the README)")
        .option("-v, --verbose", "every field, as decode -v")
        .option("-q, --quiet", "brief lines: the message's kind and version only (as decode -q)")
        .option("--print", "with -w, also print the frames")
        .option("--all", "also list frames that are not IGMP (with your own expression)"),
    )
      .addHelpText(
        "after",
        `\nCtrl-C or SIGTERM stops the capture, flushes and closes the file, prints "N frames captured" on
standard error with libpcap's counters (received by filter, dropped by kernel, dropped by interface),
and exits 0. Timestamps are libpcap's (the kernel's receive time, nanoseconds), as tcpdump's.

${EXIT_CODES_HELP}`,
      )
      .action(async (words: string[], opts: CaptureCliOptions) => {
        setExit(await untilSignal((signal) => runCapture(words, opts, io, signal)));
      }),
  );
};
