/** One wording for the file-system errors every reader and command meets (ENOENT, EISDIR, EACCES...). */

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory, not a capture file",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EMFILE: "too many open files",
  EPIPE: "the reader closed the pipe",
};

/** The words for an errno code ("EISDIR" -> "is a directory, not a capture file"), if it is one of those. */
export function errnoText(code: string): string | undefined {
  return ERRNO_TEXT[code];
}

/** A short message for an error: the errno's words when it is one (without Node's "ENOENT: ..., open 'x'"). */
export function fsErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && code in ERRNO_TEXT) return ERRNO_TEXT[code]!;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The words for an error writing an output file (a page, a capture): `fsErrorText`'s, but for the two
 * that speak of reading (ENOENT "no such file", EISDIR "... not a capture file").
 */
export function outputErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "EISDIR" ? "is a directory" : code === "ENOENT" ? "no such directory" : fsErrorText(e);
}
