/**
 * Typed errors of the wire layer.
 *
 * Decoders never throw these for bad bytes: they return them as data beside whatever they could read,
 * so that a sniffer can still show a broken packet. `encode*` functions throw them for values that
 * cannot be put on the wire (a source list longer than 65535, a buffer that is too small).
 */

/** The closed set of wire error codes. Stable: tools may match on them. */
export const WireErrorCode = {
  /** The capture holds fewer bytes than the header or length field says are there (snaplen cut). */
  truncated: "truncated",
  /** A length field is impossible (IPv4 IHL < 5, total length < header, v3 query of 9-11 bytes...). */
  badLength: "bad-length",
  /** A count (sources, records, aux words) needs more bytes than the message holds: malformed. */
  countOverflow: "count-overflow",
  /** Bytes after the end of a message that has a fixed length. Kept, and reported. */
  trailingBytes: "trailing-bytes",
  /** IPv4 header checksum does not match. */
  badIpChecksum: "bad-ip-checksum",
  /** Not IPv4 (version field), or not the protocol expected. */
  badVersion: "bad-version",
  /** A fragment: IGMP is never fragmented, and a fragment cannot be decoded alone. */
  fragment: "fragment",
  /** An IPv4 option whose length runs past the header. */
  badOption: "bad-option",
  /** A caller's buffer is too small to encode into. */
  bufferTooSmall: "buffer-too-small",
  /** A value cannot be encoded (out of range). */
  badValue: "bad-value",
  /** A link type this decoder does not know. */
  unsupportedLink: "unsupported-link",
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** Protocol layer an error or warning belongs to ("arp" only from the ARP codec the emulated hosts use). */
export type WireLayer = "link" | "ipv4" | "igmp" | "arp";

/** An error found while decoding (or encoding) a frame. JSON-ready apart from `name`. */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    readonly layer: WireLayer,
    readonly code: WireErrorCode,
    /** Byte offset, relative to the start of the frame (or of the buffer given to the decoder). */
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }

  /** The JSON model's `{layer, code, offset, message}`. */
  toJSON(): WireIssue {
    return { layer: this.layer, code: this.code, offset: this.offset, message: this.message };
  }
}

/** A plain error or warning record, as it appears in the JSON model. */
export interface WireIssue {
  layer: WireLayer;
  code: string;
  offset: number;
  message: string;
}

/** Recognise a WireError by name and code, safe across duplicate copies of this package. */
export function isWireError(e: unknown): e is WireError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "WireError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}

/** Build an issue record (errors and warnings are both plain records in decoded values). */
export function issue(layer: WireLayer, code: string, offset: number, message: string): WireIssue {
  return { layer, code, offset, message };
}
