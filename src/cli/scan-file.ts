/** The CLI side of the read loop (src/capture/scan.ts): a progress bar on a terminal, and the text of files not read. */
import { scanCaptureFile as scan, type FileStatus, type FrameSink } from "../capture/scan.js";
import type { CliIo } from "./io.js";
import { Progress } from "./progress.js";

export type { FileStatus, FrameSink };

/**
 * {@link scan} with a progress bar on stderr when it is a terminal and the file is over 8 MiB. A command
 * that writes its output while it reads (`linesWhileReading`: monitor's events) gets no bar when standard
 * output is the same terminal, where the bar would be cut into the lines; the others print after the bar
 * is cleared.
 */
export async function scanCaptureFile(
  path: string,
  sink: FrameSink,
  opts: { io: CliIo; signal?: AbortSignal | undefined; progressLabel?: string; afterChunk?: () => unknown; linesWhileReading?: boolean },
): Promise<FileStatus> {
  let progress: Progress | undefined;
  const show = opts.progressLabel !== undefined && (opts.linesWhileReading === true ? Progress.allowed(opts.io) : opts.io.stderrIsTTY);
  try {
    return await scan(path, sink, {
      signal: opts.signal,
      ...(opts.afterChunk ? { afterChunk: opts.afterChunk } : {}),
      onProgress: (read, size, frames) => {
        if (!show || size <= 8 * 1024 * 1024) return;
        progress ??= new Progress(opts.io, opts.progressLabel!, size);
        progress.update(read, frames);
      },
    });
  } finally {
    progress?.clear();
  }
}

/** Stdout text for files not read to their end (one line each), "" when every file was. */
export function formatFileProblems(files: readonly FileStatus[]): string {
  return files
    .filter((f) => f.status !== "complete")
    .map((f) => `${f.file}: ${f.status === "partial" ? "partial" : "NOT READ TO ITS END"}: ${f.error ?? "unknown"} (${f.frames} frames judged)\n`)
    .join("");
}
