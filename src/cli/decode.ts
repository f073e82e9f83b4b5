/**
 * `igmpkit decode FILE... [EXPRESSION]`: read pcap/pcapng files (plain or gzip, `-` for stdin) and print
 * their IGMP, with tcpdump's habits (-r, -n, -q, -v, -e, -x/-X/-A, -t..., -c, -w, a filter expression).
 */
import { Command, Option } from "commander";
import { statSync } from "node:fs";
import { openCaptureWriter, readCaptureFile, unblockFifo, type CaptureFileReader, type CaptureWriter } from "../capture/file.js";
import type { Frame } from "../pcap/frame.js";
import { isPcapError, MAX_ERRORS_KEPT, type PcapError } from "../pcap/index.js";
import { dottedQuadProblem } from "../wire/index.js";
import type { DumpStyle } from "./dump.js";
import { palette, writeError } from "./colour.js";
import { fsErrorText } from "./errors.js";
import { compileFilter, FILTER_WORDS, FilterSyntaxError, firstFilterWord, PCAP_ONLY_WORDS } from "./filter-expr.js";
import type { TimeFormat } from "./format.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, untilSignal, type CliIo } from "./io.js";
import { expandKinds, FILTER_KINDS, FrameOutput, formatSummary, type DecodeSummary, type OutputOptions } from "./output.js";
import { Progress } from "./progress.js";
import { safeText } from "./sanitize.js";
import { TIMESTAMP_MODES, Timestamper } from "./timestamps.js";
import type { RegisterCommand } from "./io.js";

export interface DecodeOptions extends TextOptions {
  /** -v (1) or -vv (2): every field. `true` is taken as 1. */
  verbose?: number | boolean;
  all?: boolean;
  count?: number;
  type?: string[];
  group?: string;
  host?: string;
  strict?: boolean;
  progress?: boolean;
  /** -r FILE, repeatable: files to read (before positional files); what follows the positional files is the filter expression. */
  read?: string[];
  /** -q: brief lines (the message's kind and version). */
  quiet?: boolean;
  /** -w FILE: write the frames that pass the filters (pcapng if FILE ends in .pcapng, else pcap). */
  write?: string;
  /** With -w, print the frames too. */
  print?: boolean;
}

/** How the positional arguments were split into files and a filter expression. */
export interface DecodeArguments {
  files: string[];
  expression: string | undefined;
}

/** `-` or a path that exists (any kind: a directory gets its own clear error later). */
function isInput(path: string): boolean {
  if (path === "-") return true;
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether an argument starts a filter expression by its first word (`host`, `igmp`, `(`, or `tcp`, which is refused). */
function startsFilter(arg: string): boolean {
  const w = firstFilterWord(arg);
  return FILTER_WORDS.has(w) || PCAP_ONLY_WORDS.has(w);
}

/**
 * Split the positional arguments, tcpdump's way. The leading arguments that are existing paths (or `-`)
 * and do not start with a filter word are files, read after the `-r` files. With `-r`, the rest is the
 * filter expression. Otherwise the rest joined by spaces is the expression when it starts with a filter
 * word (also pcap-filter words igmpkit does not evaluate, such as `tcp`, so they are refused as a filter,
 * never taken for a file) or compiles; else they are files (and a missing one is reported as such). An
 * expression that does not compile is a usage error pointing at the word.
 */
export function splitArguments(args: string[], read: string[] | undefined): DecodeArguments {
  const withRead = read !== undefined && read.length > 0;
  const k = args.findIndex((a) => !isInput(a) || startsFilter(a));
  const leading = k < 0 ? args : args.slice(0, k);
  const files = [...(read ?? []), ...leading];
  if (k < 0) return { files, expression: undefined };
  const rest = args.slice(k);
  const expression = rest.join(" ");
  if (withRead || startsFilter(rest[0]!)) return { files, expression };
  try {
    compileFilter(expression);
    return { files, expression };
  } catch {
    return { files: [...files, ...rest], expression: undefined };
  }
}

interface FileResult {
  summary: DecodeSummary;
  fileErrors: PcapError[];
  /** Non-fatal errors found, also those past the ones kept in `fileErrors`. */
  errorCount: number;
  fatal: PcapError | undefined;
  drops: string[];
  /** The signal that stopped the reading part way, if any. */
  stoppedBy: string | undefined;
}

function validate(files: string[], o: DecodeOptions): void {
  if (files.length === 0) throw new UsageError("decode needs at least one FILE (or - for standard input, or -r FILE)");
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1)) throw new UsageError("-c needs a whole number of frames, at least 1");
  for (const [name, v] of [["--group", o.group], ["--host", o.host]] as const) {
    const why = v !== undefined ? dottedQuadProblem(v) : undefined;
    if (why !== undefined) throw new UsageError(`${name} ${JSON.stringify(v)} ${why}`);
  }
  try {
    expandKinds(o.type ?? []);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  validateTextOptions(o);
  if (o.json && o.quiet) throw new UsageError("-q shapes the text output; it does not combine with --json");
}

/** tcpdump's options of the text output, shared by `decode` and `capture`. */
export interface TextOptions {
  json?: boolean;
  /** --epoch: exact seconds since the epoch. */
  epoch?: boolean;
  /** -e: the link level (MACs, VLAN tags, ethertypes). */
  link?: boolean;
  /** -x (1), -xx (2): hex dump of the network layer, or of the whole frame. */
  hex?: number;
  /** -X (1), -XX (2): hex and ASCII dump. */
  hexAscii?: number;
  /** -A: ASCII dump of the network layer. */
  ascii?: boolean;
  /** -t given 1..5 times: none, epoch, delta, date and time, delta from the first. */
  t?: number;
  /** Times of day in UTC instead of local time. */
  utc?: boolean;
  /** -n / -nn: accepted for tcpdump's habit; igmpkit never resolves names. */
  n?: boolean;
}

const increase = (_: unknown, previous: number | undefined): number => (previous ?? 0) + 1;

/** Add tcpdump's text options (-e, -x/-xx, -X/-XX, -A, -t..., --utc, --epoch, -n) to a command. */
export function withTextOptions(cmd: Command): Command {
  return cmd
    .option("-e, --link", "print the link level: MAC addresses, VLAN tags (with priority), ethertypes, frame length")
    .option("-x, --hex", "hex dump of the IP packet (-xx: of the whole frame)", increase)
    .option("-X, --hex-ascii", "hex and ASCII dump of the IP packet (-XX: of the whole frame)", increase)
    .option("-A, --ascii", "ASCII dump of the IP packet")
    .option("-t", "-t no time, -tt seconds since the epoch, -ttt delta from the previous line, -tttt date and time, -ttttt delta from the first line", increase)
    .option("--utc", "times of day in UTC (default: local time, as tcpdump; TZ applies)")
    .option("--epoch", "print times as exact seconds since the epoch (nanoseconds; -tt prints microseconds)")
    .option("-n", "accepted for tcpdump's habit (-n, -nn): igmpkit never resolves names");
}

/** Usage errors of the text options. */
export function validateTextOptions(o: TextOptions): void {
  if (o.json && (o.link || o.hex || o.hexAscii || o.ascii || o.t || o.utc || o.epoch))
    throw new UsageError("-e, -x, -X, -A, -t, --utc and --epoch shape the text output; they do not combine with --json");
  if (o.t !== undefined && o.t > TIMESTAMP_MODES.length - 1) throw new UsageError(`-t may be given at most ${TIMESTAMP_MODES.length - 1} times (-ttttt)`);
  if (o.t && o.epoch) throw new UsageError("--epoch and -t... both choose the timestamp; give one");
  if ([o.hex, o.hexAscii, o.ascii].filter((x) => x).length > 1) throw new UsageError("give one of -x, -X and -A");
  if ((o.hex ?? 0) > 2 || (o.hexAscii ?? 0) > 2) throw new UsageError("-x and -X may be doubled (-xx, -XX), no more");
}

/** The time format of the text lines: local time of day by default, as tcpdump. */
export function timeFormat(o: TextOptions): TimeFormat {
  if (o.epoch) return "epoch";
  if (o.t) return new Timestamper(TIMESTAMP_MODES[o.t]!, o.utc === true);
  return o.utc ? "utc" : "local";
}

function dumpStyle(o: TextOptions): DumpStyle | undefined {
  if (o.hex) return { kind: "hex", link: o.hex > 1 };
  if (o.hexAscii) return { kind: "hex-ascii", link: o.hexAscii > 1 };
  if (o.ascii) return { kind: "ascii", link: false };
  return undefined;
}

/** FrameOutput's `text` for the text options (and decode's -q), or undefined when none is given. */
export function textShape(o: TextOptions, brief = false): OutputOptions["text"] {
  const dump = dumpStyle(o);
  return o.link || brief || dump ? { link: o.link === true, brief, ...(dump ? { dump } : {}) } : undefined;
}

/** `-w`: the file is opened at the first frame that passes the filters (its link type is the file's). */
class FrameSink {
  private writer: CaptureWriter | undefined;
  /** Set by the reader of the file being decoded: its timestamps' resolution picks pcap's µs or ns. */
  nanosecond = false;

  constructor(readonly path: string) {}

  write(frame: Frame): void {
    this.writer ??= openCaptureWriter(this.path, { linkType: frame.linkType, nanosecond: this.nanosecond });
    this.writer.write(frame);
  }

  get written(): number {
    return this.writer?.framesWritten ?? 0;
  }

  close(): void {
    if (this.writer) this.writer.close();
    // no frame passed: still leave a valid, empty capture file, as tcpdump does
    else openCaptureWriter(this.path, { linkType: 1, nanosecond: this.nanosecond }).close();
  }
}

function hasNanoseconds(reader: CaptureFileReader): boolean {
  const info = reader.info;
  if (!info) return false;
  if (info.format === "pcap") return info.nanosecond;
  return info.sections.some((s) => s.interfaces.some((i) => i.unitsPerSecond > 1_000_000n));
}

interface Shared {
  time: TimeFormat;
  match: ((d: import("../wire/index.js").DecodedFrameDetail) => boolean) | undefined;
  sink: FrameSink | undefined;
}

async function decodeOne(
  path: string,
  o: DecodeOptions,
  io: CliIo,
  fileName: string | undefined,
  remaining: number | undefined,
  shared: Shared,
  signal: AbortSignal | undefined,
): Promise<FileResult> {
  const fileErrors: PcapError[] = [];
  // Reading stops on a signal, or when standard output breaks (nothing more could be shown).
  const stop = new AbortController();
  const onSignal = (): void => {
    stop.abort(signal!.reason);
    if (path !== "-") unblockFifo(path);
  };
  if (signal?.aborted) onSignal();
  signal?.addEventListener("abort", onSignal, { once: true });
  const outputBroken = (): boolean => {
    const e = out.outputError;
    if (e !== undefined && !stop.signal.aborted) stop.abort(`standard output failed (${(e as NodeJS.ErrnoException).code ?? e.message})`);
    return e !== undefined;
  };
  const size = path !== "-" ? statSync(path).size : 0; // throws ENOENT etc. before anything is printed
  const reader = readCaptureFile(path, {
    fatal: "keep",
    onError: (e) => {
      if (fileErrors.length < MAX_ERRORS_KEPT) fileErrors.push(e);
    },
    signal: stop.signal,
  });
  const text = textShape(o, o.quiet === true);
  const sink = shared.sink;
  const out = new FrameOutput(
    {
      json: o.json === true,
      verbose: Boolean(o.verbose),
      all: o.all === true,
      ...(remaining !== undefined ? { count: remaining } : {}),
      ...(o.type ? { types: o.type } : {}),
      ...(o.group !== undefined ? { group: o.group } : {}),
      ...(o.host !== undefined ? { host: o.host } : {}),
      time: shared.time,
      ...(fileName !== undefined ? { fileName } : {}),
      ...(shared.match ? { match: shared.match } : {}),
      ...(sink
        ? {
            onMatch: (frame: Frame) => {
              if (sink.written === 0) sink.nanosecond = hasNanoseconds(reader);
              sink.write(frame);
            },
            quiet: o.print !== true,
          }
        : {}),
      ...(text ? { text } : {}),
      ...(!o.json && palette(io, "stdout").on ? { palette: palette(io, "stdout") } : {}),
    },
    io,
  );
  // -v with several files: a header line before each file's frames (--json names the file in every object)
  if (fileName !== undefined && o.verbose && !o.json && !(sink && !o.print)) io.stdout.write(`reading from file ${fileName}\n`);
  const showProgress = (o.progress ?? true) && Progress.allowed(io) && size > 8 * 1024 * 1024;
  const progress = showProgress ? new Progress(io, path, size) : undefined;
  try {
    if (out.takesScanned) {
      // JSON of every frame: the loop without Frame objects, flushing between chunks
      await reader.scan(
        (bytes, start, end, wireLength, linkType, seconds, nanos) => out.pushScanned(bytes, start, end, wireLength, linkType, seconds, nanos),
        async () => {
          if (out.wantsFlush) await out.flush();
          outputBroken();
          progress?.update(reader.bytesRead, out.summary.frames);
        },
        (f) => out.push(f),
      );
    } else {
      // One await per chunk of frames, not per frame.
      outer: for await (const batch of reader.batches()) {
        for (const frame of batch) {
          out.push(frame);
          if (out.done) break outer;
        }
        if (out.wantsFlush) await out.flush();
        progress?.update(reader.bytesRead, out.summary.frames);
        if (outputBroken() || stop.signal.aborted) break;
      }
    }
  } finally {
    signal?.removeEventListener("abort", onSignal);
    progress?.clear();
    await out.flush();
  }
  outputBroken();
  const drops: string[] = [];
  const info = reader.info;
  if (info?.format === "pcapng") {
    for (const sec of info.sections)
      for (const itf of sec.interfaces)
        if (itf.stats && (itf.stats.ifDrop !== undefined || itf.stats.osDrop !== undefined))
          drops.push(`${o.json ? (itf.name ?? `if${itf.id}`) : safeText(itf.name ?? `if${itf.id}`)} dropped ${(itf.stats.ifDrop ?? 0n) + (itf.stats.osDrop ?? 0n)}`);
  }
  const stoppedBy = reader.stoppedBy ?? (stop.signal.aborted ? String(stop.signal.reason) : undefined);
  return { summary: out.summary, fileErrors, errorCount: reader.errorCount, fatal: reader.fatal, drops, stoppedBy };
}

/** Compile the filter expression, or a usage error pointing at the word. */
function compile(expression: string | undefined): Shared["match"] {
  if (expression === undefined) return undefined;
  try {
    return compileFilter(expression);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new UsageError(`filter: ${e.describe()}`);
    throw e;
  }
}

/**
 * Run `decode`; resolves to the exit status. `args` are the positional arguments: files, then optionally a
 * filter expression ({@link splitArguments}). `signal` (SIGINT, SIGTERM, SIGHUP in the CLI) stops it within
 * a chunk: what was decoded is printed, the summary is marked partial, and the status is 1.
 */
export async function runDecode(args: string[], o: DecodeOptions, io: CliIo, signal?: AbortSignal): Promise<number> {
  const { files, expression } = splitArguments(args, o.read);
  validate(files, o);
  const match = compile(expression);
  if (o.write !== undefined && files.includes(o.write)) throw new UsageError(`-w ${o.write} is also an input file`);
  const shared: Shared = { time: timeFormat(o), match, sink: o.write !== undefined ? new FrameSink(o.write) : undefined };
  let exit: number = ExitCode.ok;
  let remaining = o.count;
  for (const path of files) {
    let r: FileResult;
    try {
      r = await decodeOne(path, o, io, files.length > 1 ? path : undefined, remaining, shared, signal);
    } catch (e) {
      if (o.write !== undefined && !isPcapError(e) && (e as { path?: string }).path === o.write) {
        report(io, o, o.write, { error: fsErrorText(e, "write") });
        return ExitCode.failure;
      }
      const msg = isPcapError(e) ? `${e.message} (offset ${e.offset})` : fsErrorText(e, "capture");
      report(io, o, path, { error: msg });
      exit = ExitCode.failure;
      continue;
    }
    const s = r.summary;
    if (remaining !== undefined) remaining -= s.printed;
    const errorTexts = [...r.fileErrors, ...(r.fatal ? [r.fatal] : [])].map(
      (e) => `${e.fatal ? "error" : "skipped"}: ${e.message} (offset ${e.offset}${e.frame !== undefined ? `, frame ${e.frame}` : ""})`,
    );
    const unlisted = r.errorCount - r.fileErrors.length;
    if (unlisted > 0) errorTexts.push(`... ${unlisted} more file errors not listed`);
    const errorTotal = r.errorCount + (r.fatal ? 1 : 0);
    if (o.json) {
      report(io, o, path, {
        summary: s,
        fileErrors: [...r.fileErrors, ...(r.fatal ? [r.fatal] : [])].map((e) => e.toJSON()),
        ...(unlisted > 0 ? { fileErrorsNotListed: unlisted } : {}),
        drops: r.drops,
        ...(r.stoppedBy !== undefined ? { partial: true, stoppedBy: r.stoppedBy } : {}),
      });
    } else {
      const matched = match !== undefined || o.write !== undefined ? [`${s.printed} matched`] : [];
      const partial = r.stoppedBy !== undefined ? [`partial: ${r.stoppedBy.startsWith("SIG") ? `stopped by ${r.stoppedBy}` : r.stoppedBy}`] : [];
      io.stderr.write(`${formatSummary(path, s, [...matched, ...(r.drops.length ? [`drops: ${r.drops.join(", ")}`] : []), `${errorTotal} file errors`, ...partial])}\n`);
      for (const t of errorTexts) io.stderr.write(`${safeText(path)}: ${safeText(t)}\n`);
    }
    if (r.fatal) exit = ExitCode.failure;
    if (r.stoppedBy !== undefined) {
      // stopped part way: no further file (the -w file is still closed whole below)
      exit = ExitCode.failure;
      break;
    }
    // --strict: a malformed frame, or anything the reader had to say (a skipped block, a record above the snaplen)
    if (o.strict && (s.malformed > 0 || r.fileErrors.length > 0) && exit === ExitCode.ok) exit = ExitCode.failure;
    if (remaining !== undefined && remaining <= 0) break;
  }
  if (shared.sink) {
    try {
      shared.sink.close();
    } catch (e) {
      report(io, o, shared.sink.path, { error: fsErrorText(e, "write") });
      return ExitCode.failure;
    }
    if (o.json) io.stderr.write(`${JSON.stringify({ written: shared.sink.path, frames: shared.sink.written })}\n`);
    else io.stderr.write(`${shared.sink.path}: ${shared.sink.written} frames written\n`);
  }
  return exit;
}

function report(io: CliIo, o: DecodeOptions, path: string, body: Record<string, unknown>): void {
  if (o.json) io.stderr.write(`${JSON.stringify({ file: path, ...body })}\n`);
  else if ("error" in body) writeError(io, "igmpkit decode", `${path}: ${String(body.error)}`);
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`-c ${JSON.stringify(v)}: a whole number of frames, at least 1`);
  return n;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program
    .addCommand(
      withTextOptions(
        new Command("decode")
          .description("decode the IGMP in pcap/pcapng files (plain or gzip; - reads standard input)")
          .argument("[file-or-expression...]", "capture files, then optionally a filter expression (tcpdump's syntax, see below)")
          .addOption(new Option("-r, --read <file>", "read FILE (repeatable; positional files are read after); the positional arguments after the files are the filter").argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
          .option("--json", "JSON Lines, one object per frame (the JSON model in the README)")
          .option("-v, --verbose", "every field: records, sources, codes and times, checksums, IP options (-vv: the same)", increase)
          .option("-q, --quiet", "brief lines: the message's kind and version only")
      )
        .option("-c, --count <n>", "stop after N printed (or, with -w, written) frames", parseCount)
        .option("-w, --write <file>", "write the frames that pass the filters to FILE, with their original timestamps and lengths: pcapng if it ends in .pcapng, else pcap")
        .option("--print", "with -w, also print the frames")
        .option("--all", "also list frames that are not IGMP (default: skip and count them)")
        .addOption(
          new Option("--type <kinds>", `only these kinds, comma-separated or repeated (${FILTER_KINDS.join(", ")})`).argParser(
            (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
          ),
        )
        .option("--group <addr>", "only messages about this group (v3 records included)")
        .option("--host <addr>", "only frames from or to this address")
        .option("--strict", "exit 1 when any frame is malformed")
        .option("--no-progress", "no progress bar (it shows only on a terminal, for large files)")
        .addHelpText(
          "after",
          `\n${FILTER_HELP}\n\nCtrl-C, SIGTERM or SIGHUP stops within a second: what was decoded is printed, the summary says
"partial: stopped by SIGINT", and the status is 1. A damaged file is decoded up to the damage.\n\n${EXIT_CODES_HELP}`,
        )
        .action(async (files: string[], opts: DecodeOptions) => {
          setExit(await untilSignal((signal) => runDecode(files, opts, io, signal)));
        }),
    );
};

/** The filter expression's help, shared by `--help` and the man page. */
export const FILTER_HELP = `Filter expression (tcpdump's syntax, evaluated by igmpkit; no libpcap needed):
  host ADDR, src ADDR, dst ADDR, src and dst host ADDR, net NET/LEN, net NET mask MASK, ether host MAC,
  vlan [ID], ip, igmp, proto N, and IGMP words: query, report, leave, v1, v2, v3, group ADDR;
  combined with and/&&, or/||, not/!, parentheses (and/or: equal precedence, left to right).
  Quote it or not: decode f.pcap 'igmp and (leave or group 239.1.1.1)'.
  Arguments that are existing files come first (read after any -r FILE); from the first that is not, or
  that starts with a filter word, the rest is the expression when it starts with a filter word (pcap-filter
  words igmpkit does not evaluate, such as tcp or port, are refused as a filter) or compiles; otherwise it
  is a file, reported missing. With -r, all of the rest is the expression. Unlike tcpdump, addresses match
  through VLAN tags.`;
