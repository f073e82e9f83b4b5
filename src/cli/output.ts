/**
 * The one decoding path of the CLI: frames in (from a file or a live interface, it does not know which),
 * filtered, printed as text or JSON Lines, counted for the summary.
 */
import type { Frame } from "../pcap/frame.js";
import { decodeFromView, FrameView, igmpKindOf, IgmpType, type DecodedFrame, type DecodedFrameDetail } from "../wire/index.js";
import { FastJson, fastJsonBound } from "./fastjson.js";
import type { Palette } from "./colour.js";
import { dumpText, linkLevelText, type DumpStyle } from "./dump.js";
import { FastText, fastTextBound } from "./fasttext.js";
import { formatLine, formatVerbose, type LineOptions, type TimeFormat } from "./format.js";
import type { CliIo } from "./io.js";
import { safeText } from "./sanitize.js";

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Print non-IGMP frames too. */
  all: boolean;
  /** Stop after this many printed frames. */
  count?: number;
  /** Only these kinds ("query", "report" = any report, "v1-report", "v2-report", "v3-report", "leave", ...). */
  types?: string[];
  /** Only messages about this group (query group, report group or any v3 record's group). */
  group?: string;
  /** Only frames from or to this address. */
  host?: string;
  time: TimeFormat;
  /** Print nothing per frame (the summary still counts). */
  quiet?: boolean;
  /** Add `"file"` to JSON objects (several input files). */
  fileName?: string;
  /**
   * A filter expression's predicate (src/cli/filter-expr.ts), on top of types, group and host; `onView`
   * judges a clean frame from the view alone (undefined: cannot tell), so the fast writers stay in use.
   */
  match?: ((d: DecodedFrameDetail) => boolean) & { onView?: (v: FrameView) => boolean | undefined };
  /** Called with each frame that passes the filters, before `-c` stops (decode -w). */
  onMatch?: (frame: Frame) => void;
  /** Colour of text lines on a terminal: leaves yellow, frames with errors or bad checksums red. */
  palette?: Palette;
  /** tcpdump's `-e` (link level), `-q` (brief) and `-x`/`-X`/`-A` dumps, in text mode. */
  text?: { link?: boolean; brief?: boolean; dump?: DumpStyle };
}

/** What the summary reports. */
export interface DecodeSummary {
  frames: number;
  igmp: number;
  byKind: Record<string, number>;
  badChecksums: number;
  malformed: number;
  skipped: number;
  printed: number;
}

export function emptySummary(): DecodeSummary {
  return { frames: 0, igmp: 0, byKind: {}, badChecksums: 0, malformed: 0, skipped: 0, printed: 0 };
}

const KIND_ALIASES: Record<string, string[]> = {
  report: ["v1-report", "v2-report", "v3-report"],
  mtrace: ["mtrace-request", "mtrace-response"],
  mrd: ["mrd-advertisement", "mrd-solicitation", "mrd-termination"],
};

export const FILTER_KINDS = [
  "query",
  "query-v1",
  "query-v2",
  "query-v3",
  "query-invalid",
  "report",
  "v1-report",
  "v2-report",
  "v3-report",
  "leave",
  "mtrace",
  "mtrace-request",
  "mtrace-response",
  "mrd",
  "mrd-advertisement",
  "mrd-solicitation",
  "mrd-termination",
  "dvmrp",
  "pim-v1",
  "rgmp",
  "unknown",
];

/** Expand `--type` values (comma lists and aliases); throws on an unknown kind. */
export function expandKinds(values: string[]): Set<string> {
  const out = new Set<string>();
  for (const v of values.flatMap((x) => x.split(","))) {
    const k = v.trim();
    if (!k) continue;
    if (!FILTER_KINDS.includes(k)) throw new Error(`unknown --type ${JSON.stringify(k)}; one of: ${FILTER_KINDS.join(", ")}`);
    for (const e of KIND_ALIASES[k] ?? [k]) out.add(e);
  }
  // `--type ""` would otherwise be no filter at all, or (with -c) a filter that matches nothing
  if (values.length > 0 && out.size === 0) throw new Error(`--type ${JSON.stringify(values.join(","))} names no kind; one of: ${FILTER_KINDS.join(", ")}`);
  return out;
}

const QUERY_KEYS = ["query-invalid", "query-v1", "query-v2", "query-v3"];

/** The key a message is counted under in the summary: "query-v3", "v3-report", "leave"... */
export function summaryKey(f: DecodedFrame): string | null {
  const m = f.igmp;
  if (!m) return null;
  if (m.kind === "query") return m.version === null ? "query-invalid" : `query-v${m.version}`;
  return m.kind;
}

/**
 * The `--type/--group/--host` test (`kinds` from {@link expandKinds}): a message of one of the kinds, about
 * the group (v3 records included), from or to the host. Undefined means no such filter.
 */
export function frameMatches(f: DecodedFrame, kinds: ReadonlySet<string> | undefined, group: string | undefined, host: string | undefined): boolean {
  if (kinds && (!f.igmp || !(kinds.has(f.igmp.kind) || kinds.has(summaryKey(f)!)))) return false;
  if (group !== undefined && !mentionsGroup(f, group)) return false;
  if (host !== undefined && f.ipSrc !== host && f.ipDst !== host) return false;
  return true;
}

export function mentionsGroup(f: DecodedFrame, group: string): boolean {
  const m = f.igmp;
  if (!m) return false;
  if ("group" in m && m.group === group) return true;
  if (m.kind === "v3-report") return m.records.some((r) => r.group === group);
  return false;
}

type Writable = {
  write(s: string | Uint8Array): unknown;
  once?: (ev: "drain" | "error" | "close", cb: (e?: Error) => void) => unknown;
  off?: (ev: "drain" | "error" | "close", cb: (e?: Error) => void) => unknown;
  /** Node streams: the error that broke the stream (ENOSPC, EIO, EBADF, EPIPE), set as it happens. */
  errored?: Error | null;
  destroyed?: boolean;
  /** Node streams: bytes taken but not yet written (0 once a write has completed synchronously). */
  writableLength?: number;
};

const FLUSH_AT = 256 * 1024;
const MAX_FAST_NS = BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
const OUT_SIZE = 512 * 1024;

/** The name of a message kind counted by index ({@link FrameOutput}): queries by version, then type bytes. */
function kindName(i: number): string {
  return i < QUERY_KEYS.length ? QUERY_KEYS[i]! : igmpKindOf(i - QUERY_KEYS.length);
}

export class FrameOutput {
  private readonly counts: DecodeSummary = emptySummary();
  /**
   * Messages per kind, by index: queries by version (0 invalid, 1..3), then 4 + the type byte of any
   * other message; the indexes in the order first seen, which is the order of `byKind`'s keys.
   */
  private readonly kindCounts = new Float64Array(QUERY_KEYS.length + 256);
  private readonly kindOrder: number[] = [];
  private readonly kinds: Set<string> | undefined;
  /** Output waiting to be written, as UTF-8 bytes (each line flattened once, straight into the buffer). */
  private out: Buffer = Buffer.allocUnsafe(OUT_SIZE);
  private outLen = 0;
  /** `{"file":"NAME"` when several files are decoded to JSON, else empty. */
  private readonly filePrefix: Uint8Array;
  private frameNo = 0;
  /** The one view every frame is read through. */
  private readonly view = new FrameView();
  private readonly fastJson = new FastJson();
  private readonly fastText = new FastText();

  constructor(
    private readonly opts: OutputOptions,
    private readonly io: CliIo,
  ) {
    this.kinds = opts.types && opts.types.length > 0 ? expandKinds(opts.types) : undefined;
    this.filePrefix = opts.fileName !== undefined ? Buffer.from(`{"file":${JSON.stringify(opts.fileName)}`, "utf8") : new Uint8Array(0);
  }

  /** True once `-c N` frames have been printed. */
  get done(): boolean {
    return this.opts.count !== undefined && this.counts.printed >= this.opts.count;
  }

  /** True when common frames are written straight from their bytes (JSON or one-line text, nothing filtered). */
  private get fastOutput(): boolean {
    const viewFilter = this.opts.match !== undefined && this.opts.match.onView !== undefined && this.kinds === undefined && this.opts.group === undefined && this.opts.host === undefined;
    return (!this.filtered || viewFilter) && !this.opts.quiet && !this.done && !this.decorated && (this.opts.json || !this.opts.verbose);
  }

  /** Anything the fast writers do not do: -t family, -e, -q, dumps, a -w sink. */
  private get decorated(): boolean {
    const t = this.opts.text;
    return this.opts.onMatch !== undefined || this.opts.palette?.on === true || (t !== undefined && (t.link === true || t.brief === true || t.dump !== undefined));
  }

  /** True when frames may come through {@link pushScanned} (every frame printed, no -c). */
  get takesScanned(): boolean {
    return this.fastOutput && this.opts.count === undefined;
  }

  /**
   * Write a clean frame straight from its bytes (JSON: fastjson.ts; text: fasttext.ts) through the view
   * (wrapped on it already), exactly as the general path would print it, and count it; false (nothing
   * written) for any other frame.
   */
  private emitFast(wireLength: number, seconds: number, nanos: number): boolean {
    const v = this.view;
    if (!v.clean) return false;
    const onView = this.opts.match?.onView;
    if (onView !== undefined) {
      const pass = onView(v);
      if (pass === undefined) return false;
      if (!pass) {
        // counted as the general path counts it, not printed
        this.countClean();
        return true;
      }
    }
    const json = this.opts.json;
    const caplen = v.end - v.start;
    this.reserve((json ? fastJsonBound(caplen) : fastTextBound(caplen)) + this.filePrefix.length + 1);
    const at = this.outLen + this.filePrefix.length;
    const stop = json
      ? this.fastJson.write(v, wireLength, seconds, nanos, this.frameNo, this.out, at)
      : this.fastText.write(v, seconds, nanos, this.opts.time, this.out, this.outLen);
    if (stop < 0) return false;
    if (json && this.filePrefix.length > 0) {
      this.out.set(this.filePrefix, this.outLen);
      this.out[at] = 0x2c; // {"file":"x" + ,"frame":...
    }
    this.out[stop] = 0x0a;
    this.outLen = stop + 1;
    this.countClean();
    this.counts.printed++;
    return true;
  }

  /** What was counted so far. */
  get summary(): DecodeSummary {
    const byKind: Record<string, number> = {};
    for (const i of this.kindOrder) {
      const key = kindName(i);
      byKind[key] = (byKind[key] ?? 0) + this.kindCounts[i]!;
    }
    this.counts.byKind = byKind;
    return this.counts;
  }

  /** Count a message of kind index `i` (see `kindCounts`). */
  private countKind(i: number): void {
    this.counts.igmp++;
    const n = this.kindCounts[i]!;
    this.kindCounts[i] = n + 1;
    if (n === 0) this.kindOrder.push(i);
  }

  /** Count the clean frame the view holds in the summary. */
  private countClean(): void {
    const v = this.view;
    this.countKind(v.type === IgmpType.membershipQuery ? v.version : QUERY_KEYS.length + v.type);
  }

  /**
   * Count a frame without printing it (when output goes elsewhere): clean frames through the view alone,
   * the rest through the full decoder, so the summary is the one `push` would give.
   */
  count(frame: Frame): void {
    if (this.view.wrap(frame.data, frame.linkType) === 0 && this.view.clean && !this.filtered) {
      this.counts.frames++;
      this.frameNo++;
      this.countClean();
      this.counts.printed++;
      return;
    }
    this.push(frame);
  }

  /**
   * `push` for a frame visited by `CaptureParser.scan` (`bytes[start, end)` at `seconds` + `nanos`): the
   * common frames are written without any object; the rest are made into a Frame and pushed.
   */
  pushScanned(bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, seconds: number, nanos: number): void {
    this.frameNo++;
    this.counts.frames++;
    this.view.wrap(bytes, linkType, start, end);
    if (this.emitFast(wireLength, seconds, nanos)) return;
    this.frameNo--;
    this.counts.frames--;
    this.push({
      data: bytes.subarray(start, end),
      wireLength,
      linkType,
      interfaceId: 0,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
    });
  }

  /** Decode, count, filter and print one frame. */
  push(frame: Frame): void {
    const s = this.counts;
    this.frameNo++;
    s.frames++;
    const v = this.view;
    v.wrap(frame.data, frame.linkType);
    // (the fast writers take seconds as a double: exact up to 2^53)
    if (this.fastOutput && frame.timestampNs >= 0n && frame.timestampNs < MAX_FAST_NS) {
      const sec = frame.timestampNs / 1_000_000_000n;
      const nanos = Number(frame.timestampNs - sec * 1_000_000_000n);
      if (this.emitFast(frame.wireLength, Number(sec), nanos)) return;
    }
    const d = decodeFromView(v, this.frameNo, frame.timestampNs, frame.wireLength);
    const f = d.frame;
    const m = f.igmp;
    if (m) {
      this.countKind(m.kind === "query" ? (m.version ?? 0) : QUERY_KEYS.length + m.type);
      if (f.igmp!.checksumValid === false) s.badChecksums++;
    }
    if (f.errors.length > 0 && (f.igmp || f.ipSrc !== null)) s.malformed++;
    if (!f.igmp && !this.opts.all) {
      s.skipped++;
      return;
    }
    if (this.done || !this.matches(d)) return;
    s.printed++;
    this.opts.onMatch?.(frame);
    if (this.opts.quiet) return;
    let line: string;
    if (this.opts.json) {
      line = JSON.stringify(this.opts.fileName !== undefined ? { file: this.opts.fileName, ...f } : f);
    } else {
      const t = this.opts.text;
      const lo: LineOptions | undefined = t && { brief: t.brief, ...(t.link ? { linkText: linkLevelText(frame.data, frame.linkType, d) } : {}) };
      line = this.opts.verbose ? formatVerbose(d, this.opts.time, lo) : formatLine(d, this.opts.time, lo);
      const p = this.opts.palette;
      if (p?.on) {
        const broken = f.errors.length > 0 || f.igmp?.checksumValid === false;
        if (broken || f.igmp?.kind === "leave") {
          const nl = line.indexOf("\n");
          const first = nl < 0 ? line : line.slice(0, nl);
          line = p.paint(broken ? "red" : "yellow", first) + (nl < 0 ? "" : line.slice(nl));
        }
      }
      if (t?.dump) line += dumpText(frame.data, d, t.dump);
    }
    this.append(line);
  }

  /** Make room for `need` more bytes. */
  private reserve(need: number): void {
    if (this.outLen + need > this.out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.outLen + need));
      this.out.copy(bigger, 0, 0, this.outLen);
      this.out = bigger;
    }
  }

  private append(line: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    this.reserve(line.length * 3 + 1);
    this.outLen += this.out.write(line, this.outLen, "utf8");
    this.out[this.outLen++] = 0x0a;
  }

  /** Any of --type, --group, --host given. */
  private get filtered(): boolean {
    return this.kinds !== undefined || this.opts.group !== undefined || this.opts.host !== undefined || this.opts.match !== undefined;
  }

  /** True when enough output is waiting that the caller should `await flush()`. */
  get wantsFlush(): boolean {
    return this.outLen >= FLUSH_AT;
  }

  private matches(d: DecodedFrameDetail): boolean {
    return frameMatches(d.frame, this.kinds, this.opts.group, this.opts.host) && (this.opts.match === undefined || this.opts.match(d));
  }

  /**
   * The error that broke standard output (a full disk, EIO, a closed descriptor), once one did: output is
   * then dropped, and the caller should stop and say the result is partial.
   */
  outputError: Error | undefined;

  /** Write what is waiting, honouring back-pressure. Never throws: a broken output sets {@link outputError}. */
  async flush(): Promise<void> {
    if (this.outLen === 0) return;
    const chunk = this.out.subarray(0, this.outLen);
    this.outLen = 0;
    if (this.outputError !== undefined) return;
    const out = this.io.stdout as Writable;
    let full: boolean;
    try {
      full = out.write(chunk) === false;
    } catch (e) {
      this.outputError = e as Error;
      return;
    } finally {
      // The stream may hold on to `chunk` until it is written: start a new buffer (of the capacity a chunk
      // of frames needed) unless the stream has taken all of it already (files, and pipes on Linux, are
      // written synchronously): then the buffer is reused, without a new allocation per flush.
      if (out.writableLength !== 0) this.out = Buffer.allocUnsafe(this.out.length);
    }
    if (this.broken(out)) return;
    if (full && typeof out.once === "function") {
      // drained, or broken while waiting (the error event, or the stream closing)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          for (const ev of ["drain", "error", "close"] as const) out.off?.(ev, done);
          resolve();
        };
        for (const ev of ["drain", "error", "close"] as const) out.once!(ev, done);
      });
      this.broken(out);
    }
  }

  private broken(out: Writable): boolean {
    const e = out.errored ?? (out.destroyed === true ? new Error("standard output was closed") : null);
    if (e) this.outputError ??= e;
    return this.outputError !== undefined;
  }
}

/** The summary as one line of text. */
export function formatSummary(name: string, s: DecodeSummary, extra: string[] = []): string {
  // the kinds are lowercase ASCII words with digits and hyphens, whose code point order is localeCompare's,
  // without the ICU collator that localeCompare loads (about 10 ms of CPU, a tenth of a small decode)
  const kinds = Object.entries(s.byKind)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const parts = [
    `${s.frames} frames`,
    `${s.igmp} IGMP${kinds ? ` (${kinds})` : ""}`,
    `${s.badChecksums} bad checksums`,
    `${s.malformed} malformed`,
    `${s.skipped} non-IGMP skipped`,
    ...extra,
  ];
  return `${safeText(name)}: ${parts.join(", ")}`;
}
