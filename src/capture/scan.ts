/**
 * The read loop of `lintFile`, `monitorFile`, `lint` and `monitor -r`: one capture file streamed in chunks
 * (memory bounded whatever its size), every frame handed over as bytes (no Frame objects where the format
 * allows), progress reported between chunks, and a stop within a second on an AbortSignal, also while
 * blocked opening or reading a FIFO that has no writer. What happened to the file is data (a
 * {@link FileStatus}) that every output shows: a file that could not be read to its end never looks clean.
 */
import { statSync } from "node:fs";
import { readCaptureFile, unblockFifo } from "./file.js";
import { isPcapError } from "../pcap/index.js";
import { errnoText, fsErrorText } from "./errno.js";

/** How far a file was read: to its end, stopped by a signal, or not (missing, unreadable, corrupt part-way). */
export type FileState = "complete" | "partial" | "failed";

/** One input file's outcome, JSON-ready (`lint --json` lists them in `files`, `monitor` in its snapshot). */
export interface FileStatus {
  file: string;
  status: FileState;
  /** Frames read (and judged) before the end, the stop or the error. */
  frames: number;
  /** Why the file was not read to its end. */
  error?: string;
}

/** Called for each frame: `bytes[start, end)`, numbered from 1, captured at `seconds` + `nanos`. */
export type FrameSink = (bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, frame: number, seconds: number, nanos: number) => void;

/** Options of {@link scanCaptureFile}. */
export interface ScanFileOptions {
  /** Stops the read (the status is then "partial"); its `reason`, when a string, names the cause ("SIGINT"). */
  signal?: AbortSignal | undefined;
  /** Called between chunks with the bytes read so far, the file's size (0 when unknown) and the frames. */
  onProgress?: (bytesRead: number, size: number, frames: number) => void;
  /** Called between chunks (e.g. to flush output). */
  afterChunk?: () => unknown;
}

class Stopped extends Error {}

/** The one-line reason for an error reading a capture. */
export function readErrorText(e: unknown): string {
  if (isPcapError(e)) return `${e.message} (offset ${e.offset}${e.frame !== undefined ? `, frame ${e.frame}` : ""})`;
  return fsErrorText(e, "capture");
}

/** The signal's name for "stopped by ..." (the AbortSignal's reason when it is one, else "a signal"). */
function stopReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "a signal";
}

/** Read `path` to its end (or to the stop), giving every frame to `sink`. Never throws for the file's faults. */
export async function scanCaptureFile(path: string, sink: FrameSink, opts: ScanFileOptions): Promise<FileStatus> {
  const { signal } = opts;
  let frames = 0;
  const status = (s: FileState, error?: string): FileStatus => ({ file: path, status: s, frames, ...(error !== undefined ? { error } : {}) });
  if (signal?.aborted) return status("partial", `stopped by ${stopReason(signal)} before reading`);
  let size = 0;
  if (path !== "-") {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return status("failed", errnoText("EISDIR", "capture")!);
      size = st.isFile() ? st.size : 0;
    } catch (e) {
      return status("failed", readErrorText(e));
    }
  }
  const reader = readCaptureFile(path, { fatal: "keep" });
  const visit = (bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, seconds: number, nanos: number) => {
    frames++;
    sink(bytes, start, end, wireLength, linkType, frames, seconds, nanos);
  };
  const scan = reader.scan(visit, async () => {
    if (signal?.aborted) throw new Stopped();
    await opts.afterChunk?.();
    opts.onProgress?.(reader.bytesRead, size, frames);
  });
  // A signal wins the race even while the read is blocked (a FIFO with no writer never yields a chunk).
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => {
      resolve("aborted");
      // a blocked open of a FIFO would keep even process.exit() waiting for its thread
      if (path !== "-") unblockFifo(path);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const r = await Promise.race([scan, aborted]);
    if (r === "aborted") {
      scan.catch(() => undefined);
      return status("partial", `stopped by ${stopReason(signal!)} after ${frames} frames`);
    }
  } catch (e) {
    if (e instanceof Stopped) return status("partial", `stopped by ${stopReason(signal!)} after ${frames} frames`);
    return status("failed", readErrorText(e));
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  if (reader.fatal !== undefined) return status("failed", readErrorText(reader.fatal));
  return status("complete");
}

