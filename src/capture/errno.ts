/** One wording for the file-system errors every reader and command meets (ENOENT, EISDIR, EACCES...). */

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EMFILE: "too many open files",
  EPIPE: "the reader closed the pipe",
};

/**
 * What the file was for: read (a scenario, a settings file), read as a capture, or written (`-w`, `-o`):
 * the same errno reads differently ("is a directory, not a capture file"; "no such directory").
 */
export type FileUse = "read" | "capture" | "write";

const USE_TEXT: Record<FileUse, Record<string, string>> = {
  read: {},
  capture: { EISDIR: "is a directory, not a capture file" },
  // opening a file for writing fails with ENOENT when its directory is missing
  write: { ENOENT: "no such directory" },
};

/** The words for an errno code ("EISDIR" -> "is a directory"), if it is one of those. */
export function errnoText(code: string, use: FileUse = "read"): string | undefined {
  return USE_TEXT[use][code] ?? ERRNO_TEXT[code];
}

/** A short message for an error: the errno's words when it is one (without Node's "ENOENT: ..., open 'x'"). */
export function fsErrorText(e: unknown, use: FileUse = "read"): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words = typeof code === "string" ? errnoText(code, use) : undefined;
  if (words !== undefined) return words;
  return e instanceof Error ? e.message : String(e);
}

/** The words for an error writing an output file (`-w`, `-o`, `--junit`): "is a directory", "no such directory". */
export function outputErrorText(e: unknown): string {
  return fsErrorText(e, "write");
}

/**
 * "PATH: words" for a file-system error that names its path (Node's own message otherwise carries the
 * path in its raw form: "EISDIR: illegal operation on a directory, open '/tmp'"); other errors' messages
 * unchanged. Without `use`, a directory refused at open is taken as an output (a directory opens for
 * reading, and fails at the read).
 */
export function fileErrorText(e: unknown, use?: FileUse): string {
  const err = e as NodeJS.ErrnoException | undefined;
  if (typeof err?.code !== "string" || errnoText(err.code) === undefined) return e instanceof Error ? e.message : String(e);
  if (typeof err.path !== "string") return fsErrorText(e, use);
  return `${err.path}: ${fsErrorText(e, use ?? (err.code === "EISDIR" && err.syscall === "open" ? "write" : "read"))}`;
}
