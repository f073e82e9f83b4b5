/**
 * Typed errors of the capture-file layer (pcap, pcapng).
 *
 * The readers never throw these for bad bytes: they hand out every good frame first, then report the error
 * as data (`CaptureParser.fatal`, `CaptureParser.errors`). The writers throw them for frames that cannot be
 * written (a frame longer than the snapshot length, an interface that was never declared).
 */

/** The closed set of capture-file error codes. Stable: tools may match on them. */
export const PcapErrorCode = {
  /** Input ended inside the file header (pcap) or before the 4 magic bytes; an empty input too. */
  truncatedHeader: "truncated-header",
  /** The first 4 bytes are not a pcap (µs or ns, either byte order) or pcapng magic. */
  badMagic: "bad-magic",
  /** pcap major version is not 2, or pcapng section major version is not 1. */
  badVersion: "bad-version",
  /** Input ended inside a pcap packet record. */
  truncatedRecord: "truncated-record",
  /** A captured length above the snapshot length or above 262144 bytes. */
  badCaplen: "bad-caplen",
  /** A pcapng block length below 12, not a multiple of 4, or above 16 MiB: no way to find the next block. */
  badBlockLength: "bad-block-length",
  /** A pcapng block's trailing length differs from its leading length. The block is skipped. */
  badBlockTrailer: "bad-block-trailer",
  /** Input ended inside a pcapng block. */
  truncatedBlock: "truncated-block",
  /** A pcapng block's fixed fields or data do not fit inside the block. The block is skipped. */
  badBlockBody: "bad-block-body",
  /** A pcapng option runs past the end of its block, or has an impossible length for its code. */
  badOption: "bad-option",
  /** A Section Header Block whose byte-order magic is neither 0x1A2B3C4D nor its byte swap. */
  badByteOrder: "bad-byte-order",
  /** A packet that names an interface (IDB) the section never declared; a writer given such a frame. */
  unknownInterface: "unknown-interface",
  /** A writer given a frame whose link type differs from the file's (pcap has one link type per file). */
  linkTypeMismatch: "link-type-mismatch",
  /** A writer given a value the format cannot hold (negative timestamp, link type above 65535...). */
  badValue: "bad-value",
  /**
   * The file asks for more than the reader keeps (see the MAX_* limits of the reader): fatal for more
   * interfaces in one section than it can hold, a warning when sections or interfaces are read but no
   * longer described in the file info.
   */
  limitExceeded: "limit-exceeded",
  /** gzip input that ends before its end (the frames before are kept); offsets are in the inflated bytes. */
  truncatedGzip: "truncated-gzip",
  /** gzip input that is not valid deflate data, or inflates beyond the decompression limit. */
  badGzip: "bad-gzip",
} as const;
export type PcapErrorCode = (typeof PcapErrorCode)[keyof typeof PcapErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(PcapErrorCode));

/** An error found in a capture file (or a writer's misuse). JSON-ready apart from `name`. */
export class PcapError extends Error {
  override readonly name = "PcapError";
  constructor(
    readonly code: PcapErrorCode,
    /** Absolute byte offset in the file of the record or block (or header) in error; -1 for writers. */
    readonly offset: number,
    message: string,
    /** 1-based number of the frame being read, when the bad record is a packet. */
    readonly frame?: number,
    /** True when reading went on after this error (a pcapng block skipped); false when reading stopped. */
    readonly fatal: boolean = true,
  ) {
    super(message);
  }

  /** The JSON model's `{code, offset, frame, fatal, message}`. */
  toJSON(): PcapIssue {
    const out: PcapIssue = { code: this.code, offset: this.offset, fatal: this.fatal, message: this.message };
    if (this.frame !== undefined) out.frame = this.frame;
    return out;
  }
}

/** A plain error record, as it appears in the JSON model. */
export interface PcapIssue {
  code: string;
  offset: number;
  frame?: number;
  fatal: boolean;
  message: string;
}

/** Recognise a PcapError by name and code, safe across duplicate copies of this package. */
export function isPcapError(e: unknown): e is PcapError {
  if (typeof e !== "object" || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === "PcapError" && typeof code === "string" && CODES.has(code);
}
