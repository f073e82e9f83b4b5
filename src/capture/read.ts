/**
 * Reading capture files for the library API. `lintFile` and `monitorFile` stream any file size in
 * bounded memory (the way the CLI reads); `decodeCapture` streams decoded frames; `readCapture` loads a
 * whole file, a convenience for small captures. Lives in src/capture because it touches the file system;
 * src/monitor stays sans-IO.
 */
import { readCaptureFile } from "./file.js";
import { scanCaptureFile, type FileStatus } from "./scan.js";
import { decodeFrame, type DecodedFrame } from "../wire/index.js";
import { Linter, type Finding, type LintOptions } from "../monitor/lint.js";
import { MessageReader, MessageStatus } from "../monitor/message.js";
import { MonitorState, type MonitorConfig, type MonitorEvent, type MonitorSnapshot } from "../monitor/state.js";

export { scanCaptureFile, type FileStatus, type FrameSink, type ScanFileOptions } from "./scan.js";

/**
 * Decode every frame of a pcap/pcapng file (plain or gzip), numbered from 1 in file order. Frames without
 * IGMP are kept (with `igmp: null`) so that frame numbers match Wireshark's. Streams; throws the file's
 * error (missing, corrupt part-way) after the frames before it.
 */
export async function* decodeCapture(path: string): AsyncGenerator<DecodedFrame> {
  let n = 0;
  for await (const f of readCaptureFile(path)) {
    n++;
    yield decodeFrame({ data: f.data, linkType: f.linkType, timestampNs: f.timestampNs, wireLength: f.wireLength }, n);
  }
}

/**
 * Read a whole capture file into decoded frames (see {@link decodeCapture}): every frame in memory, for
 * small captures (tests of a few thousand frames). For files of any size use {@link lintFile} and
 * {@link monitorFile}, which stream.
 */
export async function readCapture(path: string): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  for await (const f of decodeCapture(path)) out.push(f);
  return out;
}

/** Options of {@link lintFile} and {@link monitorFile}. */
export interface FileRunOptions {
  /** Stops the read: the result is then what was judged so far, with `file.status` "partial". */
  signal?: AbortSignal;
}

/** What {@link lintFile} resolves to. */
export interface LintFileResult {
  findings: Finding[];
  /** Whether the file was read to its end; findings of a file that was not cover only what was read. */
  file: FileStatus;
}

/** Lint a capture file, streamed (any size, memory bounded by the LAN's state). Never throws for the file's faults. */
export async function lintFile(path: string, options: LintOptions = {}, run: FileRunOptions = {}): Promise<LintFileResult> {
  const linter = new Linter(options);
  const file = await scanCaptureFile(path, (b, s, e, w, l, n, sec, ns) => linter.pushBytes(b, s, e, w, l, n, sec, ns), run);
  return { findings: linter.finish().map((f) => ({ ...f, file: path })), file };
}

/** What {@link monitorFile} resolves to. */
export interface MonitorFileResult {
  /** The view after the last frame read; `complete` is false when the file was not read to its end. */
  snapshot: MonitorSnapshot;
  state: MonitorState;
  file: FileStatus;
}

/**
 * Run a capture file through a fresh {@link MonitorState}, streamed (any size; memory bounded by the
 * state). Events go to `onEvents` as they happen (they are not kept). Never throws for the file's faults.
 */
export async function monitorFile(
  path: string,
  config: MonitorConfig = {},
  run: FileRunOptions & { onEvents?: (events: readonly MonitorEvent[]) => void } = {},
): Promise<MonitorFileResult> {
  const state = new MonitorState(config);
  const reader = new MessageReader();
  const file = await scanCaptureFile(
    path,
    (b, s, e, w, l, n, sec, ns) => {
      const m = reader.read(b, s, e, w, l, n, sec, ns);
      if (m.status === MessageStatus.ignored) return;
      const ev = state.take(m);
      if (ev.length > 0) run.onEvents?.(ev);
    },
    run,
  );
  return { snapshot: { ...state.snapshot(), complete: file.status === "complete" }, state, file };
}
