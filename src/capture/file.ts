/**
 * Capture files on disk (or stdin/stdout): the fs side of src/pcap. Reading streams the file in chunks
 * (memory stays constant whatever its size), inflating gzip on the fly; writing appends whole records.
 */
import { constants as fsConstants, createReadStream, closeSync, ftruncateSync, openSync, statSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { CaptureParser, PcapError, PcapErrorCode, PcapWriter, PcapngWriter, type CaptureInfo, type FrameVisitor } from "../pcap/index.js";
import type { Frame } from "../pcap/frame.js";
import type { WritableFrame } from "../pcap/writer.js";

/** Options of `readCaptureFile`. */
export interface ReadCaptureOptions {
  /** Read size in bytes. Default 256 KiB. */
  chunkSize?: number;
  /** Called, in file order, with each non-fatal error (a skipped pcapng block). */
  onError?: (e: PcapError) => void;
  /**
   * What to do with the error that stops reading (truncated tail, bad length...), after the good frames:
   * "throw" it from the iteration (default), or "keep" it in `fatal` and end the iteration normally.
   */
  fatal?: "throw" | "keep";
  /** The byte stream to read instead of opening `path` (tests; `-` uses process.stdin). */
  source?: AsyncIterable<Uint8Array>;
  /**
   * Stop reading when this fires (SIGINT in the CLI), also while a read is pending (a FIFO with no
   * writer): the iteration ends after the frames already read, `stoppedBy` says why, and the unread
   * rest is not an error.
   */
  signal?: AbortSignal;
  /** The decompression limit for gzip input (default {@link GZIP_MAX_RATIO} times past {@link GZIP_RATIO_FROM} bytes). */
  gzipLimit?: { ratio: number; from: number };
}

/** An async iterable of frames, with what was learnt about the file along the way. */
export interface CaptureFileReader extends AsyncIterable<Frame> {
  readonly path: string;
  /** File header(s); complete once iteration has ended. */
  readonly info: CaptureInfo | undefined;
  /** Whether the bytes were gzip-compressed. Known after the first frame. */
  readonly gzip: boolean;
  /** Distinct link types declared by the file header(s). */
  linkTypes(): number[];
  /** Non-fatal errors so far. */
  readonly errors: readonly PcapError[];
  /** The error that stopped reading, if any (also thrown by the iteration unless `fatal: "keep"`). */
  readonly fatal: PcapError | undefined;
  /** Non-fatal errors found, also those past the ones kept in `errors`. */
  readonly errorCount: number;
  /** Set when `signal` stopped the reading before the end: its reason (the signal's name in the CLI). */
  readonly stoppedBy: string | undefined;
  readonly frameCount: number;
  /** Bytes read from the file or stream so far (compressed bytes for gzip input). */
  readonly bytesRead: number;
  /**
   * The same frames, one array per read chunk: several times faster than frame-by-frame `for await` on
   * files of small packets. Use either this or the frame iteration, once.
   */
  batches(): AsyncIterable<Frame[]>;
  /**
   * The fastest loop: `visit(bytes, start, end, wireLength, linkType)` for every frame, without Frame
   * objects or BigInt timestamps where the format allows (see `CaptureParser.scan`); `afterChunk` is
   * awaited after each chunk read (to flush output, draw progress). Resolves to the frame count. The
   * bytes given to `visit`, and the `data` of the frames given to `visitFrame`, are valid only during the
   * call: a file is read into the same two buffers in turn.
   */
  scan(visit: FrameVisitor, afterChunk?: () => unknown, visitFrame?: (f: Frame) => void): Promise<number>;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** Compressed bytes handed to zlib at a time: what one write may inflate to is at most ~1032 times this. */
const GZIP_PIECE = 32 * 1024;
/** Inflated bytes waiting for the parser before the feeding pauses. */
const GZIP_READY_MAX = 4 * 1024 * 1024;
/**
 * Decompression limit: beyond {@link GZIP_RATIO_FROM} inflated bytes, an input that inflates more than
 * this many times its compressed size is refused as a decompression bomb (deflate's own maximum is 1032;
 * captures, with their varying timestamps, stay far below). Memory never depends on the ratio.
 */
export const GZIP_MAX_RATIO = 1000;
export const GZIP_RATIO_FROM = 1024 * 1024 * 1024;

/** What an inflating input learnt: bytes in and out, and the zlib error that ended it, if any. */
interface GzipState {
  inBytes: number;
  outBytes: number;
  error: Error | undefined;
  limit: { ratio: number; from: number };
}

/**
 * Inflate a gzip byte stream. Never throws for bad or cut-short input: it ends and leaves the error in
 * `st.error`, after handing out every byte zlib could inflate before it (a sync flush before the final
 * Z_FINISH, and output taken as it comes, so nothing zlib made is lost with the error: `gzip -dc` keeps
 * the same bytes). Memory stays bounded: input goes in {@link GZIP_PIECE}s, and no more is fed while
 * {@link GZIP_READY_MAX} inflated bytes wait.
 */
async function* inflate(src: AsyncIterable<Uint8Array>, chunkSize: number, st: GzipState): AsyncGenerator<Uint8Array> {
  // loaded for gzip input only: node:zlib costs every other read about 3 ms of start-up
  const { constants: zlibConstants, createGunzip } = await import("node:zlib");
  const z = createGunzip({ chunkSize });
  const ready: Uint8Array[] = [];
  let readyBytes = 0;
  let done = false;
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  z.on("data", (c: Buffer) => {
    st.outBytes += c.length;
    ready.push(asBytes(c));
    readyBytes += c.length;
    if (st.outBytes > st.limit.from && st.outBytes > st.inBytes * st.limit.ratio && st.error === undefined) {
      st.error = new Error(`inflates more than ${st.limit.ratio} times its size (a decompression bomb?)`);
      z.destroy();
      done = true;
    }
    poke();
  });
  z.on("end", () => {
    done = true;
    poke();
  });
  // A write's callback may never come once zlib has failed: the error, or the stream closing, releases it.
  let release: (() => void) | undefined;
  const broken = (): void => {
    done = true;
    poke();
    room?.();
    release?.();
  };
  z.on("error", (e) => {
    st.error ??= e;
    broken();
  });
  z.on("close", broken);
  const write = (piece: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      release = resolve;
      z.write(piece, () => resolve());
    });
  const feeding = (async () => {
    try {
      for await (const c of src) {
        for (let o = 0; o < c.length && !done; o += GZIP_PIECE) {
          const piece = c.subarray(o, Math.min(c.length, o + GZIP_PIECE));
          st.inBytes += piece.length;
          await write(piece);
          while (readyBytes > GZIP_READY_MAX && !done) await new Promise<void>((r) => (room = r));
        }
        if (done) return;
      }
      if (done) return;
      await new Promise<void>((r) => {
        release = r;
        z.flush(zlibConstants.Z_SYNC_FLUSH, () => r());
      });
      if (!done) z.end();
    } catch (e) {
      st.error ??= e as Error;
      done = true;
      poke();
    }
  })();
  let finished = false;
  try {
    for (;;) {
      const c = ready.shift();
      if (c !== undefined) {
        readyBytes -= c.length;
        if (readyBytes <= GZIP_READY_MAX) {
          const r = room;
          room = undefined;
          r?.();
        }
        yield c;
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => (wake = r));
    }
    finished = true;
  } finally {
    if (!finished) {
      // the reader stopped early (a fatal parse error, -c, a signal): stop feeding and close the source
      done = true;
      room?.();
      z.destroy();
    }
    await feeding;
  }
}

function asBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  const c = chunk as Uint8Array;
  // Plain Uint8Array views, so frames look the same whatever the source (Buffer is a subclass).
  return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
}

async function* prepend(head: Uint8Array[], rest: AsyncIterator<unknown>, signal?: AbortSignal, onRead?: (n: number) => void): AsyncGenerator<Uint8Array> {
  for (const h of head) yield h;
  for (;;) {
    const r = await nextOrAbort(rest, signal);
    if (r.done === true) return;
    const b = asBytes(r.value);
    onRead?.(b.length);
    yield b;
  }
}

/**
 * A file's bytes read into two buffers in turn, the next read running while the caller works on the last
 * chunk: a chunk is valid until the caller asks for the one after it. Reusing the buffers spares the page
 * faults and zeroing of a fresh 256 KiB buffer per chunk (about 35 ms of CPU per 80 MB read).
 */
async function* reusedChunks(path: string, size: number): AsyncGenerator<Uint8Array> {
  const fh = await open(path, "r");
  const bufs = [new Uint8Array(size), new Uint8Array(size)];
  const read = (k: number) => {
    const p = fh.read(bufs[k]!, 0, size, null);
    p.catch(() => undefined); // its error is thrown where it is awaited, or dropped when the reading stopped
    return p;
  };
  let k = 0;
  let next = read(0);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const chunk = bufs[k]!.subarray(0, bytesRead);
      k ^= 1;
      next = read(k);
      yield chunk;
    }
  } finally {
    await next.catch(() => undefined);
    await fh.close();
  }
}

/** Copies of the chunks of `it` (a source that reuses its buffers, handed to a consumer that keeps them). */
async function* copies(it: AsyncIterator<unknown>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done === true) {
        done = true;
        return;
      }
      yield asBytes(r.value).slice();
    }
  } finally {
    if (!done) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

/**
 * Release an open() of `path` blocked because it is a FIFO with no writer: a reader's open waits in a
 * libuv thread that even process.exit() would wait for. Opening the write end without blocking (which
 * succeeds because that reader is there) and closing it lets the reader's open return, at end of file.
 * Does nothing for anything but a FIFO.
 */
export function unblockFifo(path: string): void {
  try {
    if (!statSync(path).isFIFO()) return;
    closeSync(openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
  } catch {
    // no reader waiting (ENXIO), or gone: nothing to release
  }
}

/** `it.next()`, or done as soon as `signal` fires (the pending read is left behind and the source closed). */
function nextOrAbort<T>(it: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  if (signal === undefined) return it.next();
  const done = { done: true, value: undefined } as IteratorResult<T>;
  if (signal.aborted) return Promise.resolve(done);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      resolve(done);
      void Promise.resolve(it.return?.()).catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    it.next().then(
      (r) => {
        signal.removeEventListener("abort", onAbort);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Read a pcap or pcapng file, plain or gzip-compressed (recognised by its 1F 8B magic, not its name);
 * `-` reads standard input. Frames' `data` are views into read chunks: copy what you keep.
 */
export function readCaptureFile(path: string | "-", opts: ReadCaptureOptions = {}): CaptureFileReader {
  const parser = new CaptureParser({ onError: opts.onError });
  let gzip = false;
  let started = false;
  const gz: GzipState = { inBytes: 0, outBytes: 0, error: undefined, limit: opts.gzipLimit ?? { ratio: GZIP_MAX_RATIO, from: GZIP_RATIO_FROM } };
  /** The error that ended reading when it is the gzip layer's (the parser's own is `parser.fatal`). */
  let gzipFatal: PcapError | undefined;

  let bytesRead = 0;
  const counted = (n: number): void => {
    bytesRead += n;
  };

  /**
   * The file's bytes, inflated when gzip. With `reuse` (the caller is done with a chunk when it asks for
   * the next), a file named by `path` is read into two buffers in turn ({@link reusedChunks}).
   */
  async function* input(reuse = false): AsyncGenerator<Uint8Array> {
    if (started) throw new Error(`readCaptureFile(${path}) can be iterated only once`);
    started = true;
    const own = opts.source === undefined && path !== "-";
    reuse &&= own;
    const source: AsyncIterable<unknown> =
      opts.source ??
      (path === "-" ? process.stdin : reuse ? reusedChunks(path, opts.chunkSize ?? 256 * 1024) : createReadStream(path, { highWaterMark: opts.chunkSize ?? 256 * 1024 }));
    if (own) opts.signal?.addEventListener("abort", () => unblockFifo(path), { once: true });
    const it = source[Symbol.asyncIterator]();
    try {
      // Look at the first two bytes to decide on gzip.
      const head: Uint8Array[] = [];
      let headLen = 0;
      while (headLen < 2) {
        const r = await nextOrAbort(it, opts.signal);
        if (r.done === true) break;
        // (a reused buffer would be read into again before the second piece of a 1-byte first read)
        const b = reuse ? asBytes(r.value).slice() : asBytes(r.value);
        counted(b.length);
        head.push(b);
        headLen += b.length;
      }
      if (headLen >= 2 && firstBytes(head, 0) === GZIP_MAGIC_0 && firstBytes(head, 1) === GZIP_MAGIC_1) {
        gzip = true;
        // zlib holds on to what it is given: copies when the buffers are reused
        yield* inflate(prepend(head, reuse ? copies(it) : it, opts.signal, counted), opts.chunkSize ?? 256 * 1024, gz);
      } else {
        yield* prepend(head, it, opts.signal, counted);
      }
    } finally {
      // stopped early (a fatal parse error, a signal) or done: close the file now
      if (reuse) void Promise.resolve(it.return?.()).catch(() => undefined);
    }
  }

  /**
   * After the parser has had every inflated byte: a gzip error becomes the fatal error, joined to the
   * parser's own when the inflated bytes end inside a record (offsets count inflated bytes).
   */
  const gzipEnd = (): void => {
    const e = gz.error;
    if (e === undefined || gzipFatal !== undefined) return;
    const cut = /unexpected end of file/i.test(e.message);
    const what = cut ? "the gzip stream ends early (unexpected end of file)" : `the gzip stream is damaged: ${e.message}`;
    const pf = parser.fatal;
    gzipFatal = pf
      ? // cut short inside a record: the record is what was lost; damaged or a bomb: the gzip is
        new PcapError(cut ? pf.code : PcapErrorCode.badGzip, pf.offset, `${pf.message}; ${what}`, pf.frame)
      : new PcapError(
          cut ? PcapErrorCode.truncatedGzip : PcapErrorCode.badGzip,
          gz.outBytes,
          `${what} after ${gz.outBytes} inflated bytes (${gz.inBytes} compressed), after frame ${parser.frameCount}; every frame before was read`,
        );
  };
  const fatal = (): PcapError | undefined => gzipFatal ?? parser.fatal;
  const throwFatal = () => {
    gzipEnd();
    const f = fatal();
    if (f !== undefined && (opts.fatal ?? "throw") === "throw") throw f;
  };

  // Frames are pulled one by one so that onError calls interleave with them in file order.
  /** True (and `stoppedBy` set) once the signal has fired: the reading ends without ending the parser. */
  const stopped = (): boolean => {
    if (opts.signal?.aborted !== true) return false;
    stoppedBy ??= String(opts.signal.reason ?? "abort");
    return true;
  };
  let stoppedBy: string | undefined;

  async function* frames(): AsyncGenerator<Frame> {
    for await (const chunk of input()) {
      parser.push(chunk);
      for (let f = parser.next(); f !== undefined; f = parser.next()) yield f;
      if (parser.fatal !== undefined || stopped()) break;
    }
    if (stopped()) return;
    parser.end();
    for (let f = parser.next(); f !== undefined; f = parser.next()) yield f;
    throwFatal();
  }

  async function* batches(): AsyncGenerator<Frame[]> {
    for await (const chunk of input()) {
      parser.push(chunk);
      const batch: Frame[] = [];
      for (let f = parser.next(); f !== undefined; f = parser.next()) batch.push(f);
      if (batch.length > 0) yield batch;
      if (parser.fatal !== undefined || stopped()) break;
    }
    if (stopped()) return;
    parser.end();
    const tail: Frame[] = [];
    for (let f = parser.next(); f !== undefined; f = parser.next()) tail.push(f);
    if (tail.length > 0) yield tail;
    throwFatal();
  }

  async function scan(visit: FrameVisitor, afterChunk?: () => unknown, visitFrame?: (f: Frame) => void): Promise<number> {
    let n = 0;
    // every frame of a chunk is visited before the next chunk is asked for
    for await (const chunk of input(true)) {
      parser.push(chunk);
      n += parser.scan(visit, visitFrame);
      if (parser.fatal !== undefined || stopped()) break;
      if (afterChunk) await afterChunk();
    }
    if (stopped()) return n;
    parser.end();
    n += parser.scan(visit, visitFrame);
    throwFatal();
    return n;
  }

  return {
    path,
    [Symbol.asyncIterator]: frames,
    batches,
    scan,
    get info() {
      return parser.info;
    },
    get gzip() {
      return gzip;
    },
    linkTypes: () => parser.linkTypes(),
    get errors() {
      return parser.errors;
    },
    get fatal() {
      return fatal();
    },
    get frameCount() {
      return parser.frameCount;
    },
    get bytesRead() {
      return bytesRead;
    },
    get errorCount() {
      return parser.errorCount;
    },
    get stoppedBy() {
      return stoppedBy;
    },
  };
}

function firstBytes(parts: Uint8Array[], i: number): number | undefined {
  for (const p of parts) {
    if (i < p.length) return p[i];
    i -= p.length;
  }
  return undefined;
}

/** The two capture file formats igmpkit reads and writes. */
export type CaptureFormat = "pcap" | "pcapng";

/** Options of `openCaptureWriter`. */
export interface CaptureWriterOptions {
  /** Default: "pcapng" for names ending in .pcapng or .ntar, else "pcap" (also for `-`). */
  format?: CaptureFormat;
  /** Nanosecond timestamps (pcap magic A1B23C4D; pcapng if_tsresol 9). Default false. */
  nanosecond?: boolean;
  /** Link type of the file (pcap) or of the first interface (pcapng). */
  linkType: number;
  /** Default 262144. */
  snaplen?: number;
  /** pcapng `if_name` of the first interface. */
  interfaceName?: string;
  /** pcapng `shb_userappl`. Default "igmpkit". */
  userAppl?: string;
  /** Bytes buffered before a write to the file; whole records only. Default 64 KiB; 0 writes each record. */
  bufferSize?: number;
}

/**
 * A write to a capture file that failed (ENOSPC, EIO, EPIPE, EBADF...). The file was cut back to its last
 * whole record (a regular file; a pipe keeps what it got), and every later write or flush throws this
 * same error. `code` is the system's; `framesOnDisk` the frames before the cut.
 */
export class CaptureWriteError extends Error {
  override readonly name = "CaptureWriteError";
  constructor(
    readonly path: string,
    readonly code: string,
    readonly framesOnDisk: number,
    override readonly cause: Error,
  ) {
    const what = path === "-" ? "standard output" : path;
    const why = cause.message.replace(/^\w+: /, "").replace(/, write$/, "");
    super(`cannot write ${what}: ${code} (${why}); ${path === "-" ? "it" : "the file"} ends with its last whole record, ${framesOnDisk} frames`);
  }
}

/** Recognise a CaptureWriteError by name, safe across duplicate copies of this package. */
export function isCaptureWriteError(e: unknown): e is CaptureWriteError {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "CaptureWriteError";
}

/** A capture file open for writing. Records are whole on disk after every `flush()`, also after a failed one. */
export interface CaptureWriter {
  readonly path: string;
  readonly format: CaptureFormat;
  /** Frames accepted by `write`. */
  readonly framesWritten: number;
  /** Frames whole in the file (or written to standard output) so far. */
  readonly framesOnDisk: number;
  /** The write error that broke the file, once one did (see {@link CaptureWriteError}). */
  readonly error: CaptureWriteError | undefined;
  /**
   * Append one frame. pcap files hold one link type (a different one throws `link-type-mismatch`);
   * pcapng files get one interface per distinct (linkType, interfaceName), declared on first use.
   */
  write(frame: WritableFrame & { interfaceName?: string }): void;
  /** Write buffered records to the file. */
  flush(): void;
  /** Flush and close (stdout is flushed, not closed). After a write error: close, without throwing again. */
  close(): void;
}

/** Infer the format from a file name. */
export function captureFormatForPath(path: string): CaptureFormat {
  return /\.(pcapng|ntar)$/i.test(path) ? "pcapng" : "pcap";
}

/** Create (truncate) a capture file and write its header; `-` writes to standard output. */
export function openCaptureWriter(path: string | "-", opts: CaptureWriterOptions): CaptureWriter {
  const format = opts.format ?? (path === "-" ? "pcap" : captureFormatForPath(path));
  const fd = path === "-" ? 1 : openSync(path, "w");
  const bufferSize = opts.bufferSize ?? 64 * 1024;
  let buf = new Uint8Array(Math.max(bufferSize, 1));
  let used = 0;
  let closed = false;
  let framesWritten = 0;
  let framesOnDisk = 0;
  /** Frames in `buf`. */
  let framesBuffered = 0;
  /** Bytes of whole records in the file. */
  let committed = 0;
  let error: CaptureWriteError | undefined;

  const writeAll = (bytes: Uint8Array) => {
    if (error !== undefined) throw error;
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        // A non-blocking stdout pipe that is full: wait a little and retry.
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        // Cut a partly written record off, so that the file ends on a whole one (tshark then reads it
        // cleanly); a pipe or terminal cannot be cut.
        if (fd !== 1) {
          try {
            ftruncateSync(fd, committed);
          } catch {
            // the file stays as it is
          }
        }
        error = new CaptureWriteError(path, (e as NodeJS.ErrnoException).code ?? "EIO", framesOnDisk, e as Error);
        throw error;
      }
    }
    committed += bytes.length;
  };
  const flush = () => {
    if (used > 0) {
      writeAll(buf.subarray(0, used));
      used = 0;
      framesOnDisk += framesBuffered;
      framesBuffered = 0;
    }
  };
  const append = (len: number, emit: (b: Uint8Array, o: number) => number) => {
    if (used + len > buf.length) {
      flush();
      if (len > buf.length) buf = new Uint8Array(len);
    }
    used += emit(buf, used);
  };

  let write: (frame: WritableFrame & { interfaceName?: string }) => void;
  try {
    if (format === "pcap") {
      const w = new PcapWriter({ linkType: opts.linkType, snaplen: opts.snaplen, nanosecond: opts.nanosecond });
      writeAll(w.header());
      write = (frame) => append(w.recordLength(frame), (b, o) => w.emitRecord(frame, b, o));
    } else {
      const w = new PcapngWriter({
        nanosecond: opts.nanosecond,
        userAppl: opts.userAppl ?? "igmpkit",
        interfaces: [{ linkType: opts.linkType, snaplen: opts.snaplen, name: opts.interfaceName }],
      });
      const ids = new Map<string, number>([[`${opts.linkType}\0${opts.interfaceName ?? ""}`, 0]]);
      writeAll(w.header());
      write = (frame) => {
        const linkType = frame.linkType ?? opts.linkType;
        const name = frame.interfaceName ?? opts.interfaceName;
        const key = `${linkType}\0${name ?? ""}`;
        let id = ids.get(key);
        if (id === undefined) {
          const added = w.addInterface({ linkType, snaplen: opts.snaplen, name });
          id = added.id;
          ids.set(key, id);
          append(added.block.length, (b, o) => (b.set(added.block, o), added.block.length));
        }
        const f = { timestampNs: frame.timestampNs, wireLength: frame.wireLength, data: frame.data, interfaceId: id, ...(frame.comment !== undefined ? { comment: frame.comment } : {}) };
        append(w.recordLength(f), (b, o) => w.emitRecord(f, b, o));
      };
    }
  } catch (e) {
    if (fd !== 1) closeSync(fd);
    throw e;
  }

  return {
    path,
    format,
    get framesWritten() {
      return framesWritten;
    },
    get framesOnDisk() {
      return framesOnDisk;
    },
    get error() {
      return error;
    },
    write(frame) {
      if (closed) throw new Error(`capture writer ${path} is closed`);
      if (error !== undefined) throw error;
      write(frame);
      framesWritten++;
      framesBuffered++;
      if (bufferSize === 0) flush();
    },
    flush,
    close() {
      if (closed) return;
      try {
        if (error === undefined) flush();
      } finally {
        closed = true;
        if (fd !== 1) closeSync(fd);
      }
    },
  };
}
