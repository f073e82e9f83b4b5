/** `igmpkit decode FILE...`: read pcap/pcapng files (plain or gzip, `-` for stdin) and print their IGMP. */
import { Command, Option } from "commander";
import { createReadStream, statSync } from "node:fs";
import { readCaptureFile } from "../capture/file.js";
import { isPcapError, type PcapError } from "../pcap/index.js";
import { dottedQuadProblem } from "../wire/index.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import { expandKinds, FILTER_KINDS, FrameOutput, formatSummary, type DecodeSummary } from "./output.js";
import { Progress } from "./progress.js";
import { safeText } from "./sanitize.js";
import type { RegisterCommand } from "./io.js";

export interface DecodeOptions {
  json?: boolean;
  verbose?: boolean;
  all?: boolean;
  count?: number;
  type?: string[];
  group?: string;
  host?: string;
  strict?: boolean;
  epoch?: boolean;
  progress?: boolean;
}

interface FileResult {
  summary: DecodeSummary;
  fileErrors: PcapError[];
  fatal: PcapError | undefined;
  drops: string[];
}

function validate(files: string[], o: DecodeOptions): void {
  if (files.length === 0) throw new UsageError("decode needs at least one FILE (or - for standard input)");
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
}

async function decodeOne(path: string, o: DecodeOptions, io: CliIo, fileName: string | undefined, remaining: number | undefined): Promise<FileResult> {
  const fileErrors: PcapError[] = [];
  let size = 0;
  let read = 0;
  let source: AsyncIterable<Uint8Array> | undefined;
  if (path !== "-") {
    size = statSync(path).size; // throws ENOENT etc. before anything is printed
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    source = (async function* () {
      for await (const c of stream) {
        read += (c as Buffer).length;
        yield c as Uint8Array;
      }
    })();
  }
  const reader = readCaptureFile(path, { fatal: "keep", onError: (e) => fileErrors.push(e), ...(source ? { source } : {}) });
  const out = new FrameOutput(
    {
      json: o.json === true,
      verbose: o.verbose === true,
      all: o.all === true,
      ...(remaining !== undefined ? { count: remaining } : {}),
      ...(o.type ? { types: o.type } : {}),
      ...(o.group !== undefined ? { group: o.group } : {}),
      ...(o.host !== undefined ? { host: o.host } : {}),
      time: o.epoch ? "epoch" : "utc",
      ...(fileName !== undefined ? { fileName } : {}),
    },
    io,
  );
  const showProgress = (o.progress ?? true) && io.stderrIsTTY && size > 8 * 1024 * 1024;
  const progress = showProgress ? new Progress(io, path, size) : undefined;
  try {
    if (out.takesScanned) {
      // JSON of every frame: the loop without Frame objects, flushing between chunks
      await reader.scan(
        (bytes, start, end, wireLength, linkType, seconds, nanos) => out.pushScanned(bytes, start, end, wireLength, linkType, seconds, nanos),
        async () => {
          if (out.wantsFlush) await out.flush();
          progress?.update(read, out.summary.frames);
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
        progress?.update(read, out.summary.frames);
      }
    }
  } finally {
    progress?.clear();
    await out.flush();
  }
  const drops: string[] = [];
  const info = reader.info;
  if (info?.format === "pcapng") {
    for (const sec of info.sections)
      for (const itf of sec.interfaces)
        if (itf.stats && (itf.stats.ifDrop !== undefined || itf.stats.osDrop !== undefined))
          drops.push(`${o.json ? (itf.name ?? `if${itf.id}`) : safeText(itf.name ?? `if${itf.id}`)} dropped ${(itf.stats.ifDrop ?? 0n) + (itf.stats.osDrop ?? 0n)}`);
  }
  return { summary: out.summary, fileErrors, fatal: reader.fatal, drops };
}

/** Run `decode`; resolves to the exit status. */
export async function runDecode(files: string[], o: DecodeOptions, io: CliIo): Promise<number> {
  validate(files, o);
  let exit: number = ExitCode.ok;
  let remaining = o.count;
  for (const path of files) {
    let r: FileResult;
    try {
      r = await decodeOne(path, o, io, files.length > 1 ? path : undefined, remaining);
    } catch (e) {
      const msg = isPcapError(e) ? `${e.message} (offset ${e.offset})` : (e as NodeJS.ErrnoException).code === "ENOENT" ? `no such file` : (e as Error).message;
      report(io, o, path, { error: msg });
      exit = ExitCode.failure;
      continue;
    }
    const s = r.summary;
    if (remaining !== undefined) remaining -= s.printed;
    const errorTexts = [...r.fileErrors, ...(r.fatal ? [r.fatal] : [])].map(
      (e) => `${e.fatal ? "error" : "skipped"}: ${e.message} (offset ${e.offset}${e.frame !== undefined ? `, frame ${e.frame}` : ""})`,
    );
    if (o.json) {
      report(io, o, path, {
        summary: s,
        fileErrors: [...r.fileErrors, ...(r.fatal ? [r.fatal] : [])].map((e) => e.toJSON()),
        drops: r.drops,
      });
    } else {
      io.stderr.write(`${formatSummary(path, s, [...(r.drops.length ? [`drops: ${r.drops.join(", ")}`] : []), `${errorTexts.length} file errors`])}\n`);
      for (const t of errorTexts) io.stderr.write(`${safeText(path)}: ${safeText(t)}\n`);
    }
    if (r.fatal) exit = ExitCode.failure;
    // --strict: a malformed frame, or anything the reader had to say (a skipped block, a record above the snaplen)
    if (o.strict && (s.malformed > 0 || r.fileErrors.length > 0) && exit === ExitCode.ok) exit = ExitCode.failure;
    if (remaining !== undefined && remaining <= 0) break;
  }
  return exit;
}

function report(io: CliIo, o: DecodeOptions, path: string, body: Record<string, unknown>): void {
  if (o.json) io.stderr.write(`${JSON.stringify({ file: path, ...body })}\n`);
  else if ("error" in body) io.stderr.write(`igmpkit decode: ${safeText(path)}: ${safeText(String(body.error))}\n`);
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`-c ${JSON.stringify(v)}: a whole number of frames, at least 1`);
  return n;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program
    .addCommand(
      new Command("decode")
        .description("decode the IGMP in pcap/pcapng files (plain or gzip; - reads standard input)")
        .argument("<file...>", "capture files")
        .option("--json", "JSON Lines, one object per frame (the JSON model in the README)")
        .option("-v, --verbose", "every field: records, sources, codes and times, checksums, IP options")
        .option("-c, --count <n>", "stop after N printed frames", parseCount)
        .option("--all", "also list frames that are not IGMP (default: skip and count them)")
        .addOption(
          new Option("--type <kinds>", `only these kinds, comma-separated or repeated (${FILTER_KINDS.join(", ")})`).argParser(
            (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
          ),
        )
        .option("--group <addr>", "only messages about this group (v3 records included)")
        .option("--host <addr>", "only frames from or to this address")
        .option("--strict", "exit 1 when any frame is malformed")
        .option("--epoch", "print times as seconds since the epoch (default: UTC time of day)")
        .option("--no-progress", "no progress bar (it shows only on a terminal, for large files)")
        .addHelpText("after", `\n${EXIT_CODES_HELP}`)
        .action(async (files: string[], opts: DecodeOptions) => {
          setExit(await runDecode(files, opts, io));
        }),
    );
};
