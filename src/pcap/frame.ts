/**
 * The one frame type that every source of packets yields: pcap and pcapng readers, and live capture.
 * The CLI and everything above it never know which kind of source a frame came from.
 */
export interface Frame {
  /** Capture time in nanoseconds since the Unix epoch (exact; pcapng resolutions are converted). */
  timestampNs: bigint;
  /** Length of the packet on the wire ("original length"); may exceed `data.length`. */
  wireLength: number;
  /** The captured bytes. May be a view into a larger buffer: copy it to keep it past the next frame. */
  data: Uint8Array;
  /** The pcap LINKTYPE_* of `data` (1 Ethernet, 113 Linux cooked v1, 276 cooked v2, 101/228 raw IPv4, 0 null). */
  linkType: number;
  /** Interface index: pcapng Interface Description Block number (per section), 0 for pcap and live capture. */
  interfaceId: number;
  /** Interface name when the source knows it (pcapng `if_name`, the live device). */
  interfaceName?: string;
}

/** Format a nanosecond timestamp as the JSON model's exact decimal string "seconds.nnnnnnnnn". */
export { formatTimestamp } from "../wire/frame.js";
