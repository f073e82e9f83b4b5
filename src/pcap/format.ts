/**
 * Constants of the two capture-file formats: classic pcap (draft-ietf-opsawg-pcap) and pcapng
 * (draft-ietf-opsawg-pcapng). Field offsets are relative to the start of the header, record or block.
 */

/** pcap magic numbers as read in the file's own byte order (draft-ietf-opsawg-pcap §4). */
export const PcapMagic = {
  /** Timestamps in seconds + microseconds. */
  micro: 0xa1b2c3d4,
  /** Timestamps in seconds + nanoseconds. */
  nano: 0xa1b23c4d,
} as const;

/** pcapng Section Header Block type; also the first 4 bytes of every pcapng file (palindromic). */
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
/** pcapng byte-order magic, at offset 8 of the SHB. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/**
 * pcap file header (draft-ietf-opsawg-pcap §4):
 * ```
 *                         1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  0 |                          Magic Number                         |
 *  4 |          Major Version        |         Minor Version         |
 *  8 |                           Reserved1                           |
 * 12 |                           Reserved2                           |
 * 16 |                            SnapLen                            |
 * 20 | FCS len |R|P|     Reserved3     |        Link-layer type        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 * "Reserved1/2" are the historical thiszone and sigfigs.
 */
export const PcapHeader = Object.freeze({
  magic: 0,
  versionMajor: 4,
  versionMinor: 6,
  thiszone: 8,
  sigfigs: 12,
  snaplen: 16,
  linkType: 20,
  length: 24,
});

/** Bits of the pcap header's link-type field (libpcap `LT_*` macros). */
export const PcapLinkTypeBits = Object.freeze({
  /** Link-layer type proper. */
  linkType: 0x0000ffff,
  /** P bit: the FCS length field is meaningful. */
  fcsPresent: 0x04000000,
  /** FCS length in 16-bit words, bits 28-31. */
  fcsShift: 28,
});

/**
 * pcap packet record (draft-ietf-opsawg-pcap §5):
 * ```
 *  0 |                      Timestamp (Seconds)                      |
 *  4 |            Timestamp (Microseconds or nanoseconds)            |
 *  8 |                    Captured Packet Length                     |
 * 12 |                    Original Packet Length                     |
 * 16 /                          Packet Data                          /
 * ```
 */
export const PcapRecord = Object.freeze({
  seconds: 0,
  fraction: 4,
  caplen: 8,
  origlen: 12,
  length: 16,
});

/** libpcap's largest snapshot length (MAXIMUM_SNAPLEN); a captured length above it is corruption. */
export const MAX_CAPLEN = 262144;
/** Largest pcapng block this reader accepts (Wireshark's limit is of the same order). */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

/**
 * pcapng generic block (draft-ietf-opsawg-pcapng §3.1):
 * ```
 *  0 |                          Block Type                           |
 *  4 |                      Block Total Length                       |
 *  8 /                          Block Body                           /
 *    |                      Block Total Length                       |
 * ```
 * Every block is at least 12 bytes and a multiple of 4.
 */
export const PcapngBlock = Object.freeze({
  type: 0,
  totalLength: 4,
  body: 8,
  /** Type + leading length + trailing length. */
  overhead: 12,
});

/** pcapng block types (draft-ietf-opsawg-pcapng §10.1). */
export const PcapngBlockType = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  /** Obsolete Packet Block. */
  packet: 0x00000002,
  simplePacket: 0x00000003,
  interfaceStatistics: 0x00000005,
  enhancedPacket: 0x00000006,
} as const;

/**
 * Section Header Block body (after type and length):
 * ```
 *  8 |                      Byte-Order Magic                         |
 * 12 |          Major Version        |         Minor Version         |
 * 16 |                                                               |
 *    |                          Section Length (64 bits)             |
 * 24 /                    Options (variable)                         /
 * ```
 */
export const PcapngShb = Object.freeze({
  byteOrderMagic: 8,
  versionMajor: 12,
  versionMinor: 14,
  sectionLength: 16,
  options: 24,
});

/**
 * Interface Description Block:
 * ```
 *  8 |           LinkType            |           Reserved            |
 * 12 |                            SnapLen                            |
 * 16 /                    Options (variable)                         /
 * ```
 */
export const PcapngIdb = Object.freeze({ linkType: 8, snaplen: 12, options: 16 });

/**
 * Enhanced Packet Block:
 * ```
 *  8 |                         Interface ID                          |
 * 12 |                        Timestamp (High)                       |
 * 16 |                        Timestamp (Low)                        |
 * 20 |                    Captured Packet Length                     |
 * 24 |                    Original Packet Length                     |
 * 28 /                Packet Data (padded to 32 bits)                /
 *    /                      Options (variable)                       /
 * ```
 */
export const PcapngEpb = Object.freeze({
  interfaceId: 8,
  timestampHigh: 12,
  timestampLow: 16,
  caplen: 20,
  origlen: 24,
  data: 28,
});

/**
 * Simple Packet Block: original length at 8, data at 12. The captured length is not stored: it is the
 * smaller of the original length and interface 0's snaplen (and what the block can hold).
 */
export const PcapngSpb = Object.freeze({ origlen: 8, data: 12 });

/**
 * Obsolete Packet Block (appendix A of the draft):
 * ```
 *  8 |         Interface ID          |          Drops Count          |
 * 12 |                        Timestamp (High)                       |
 * 16 |                        Timestamp (Low)                        |
 * 20 |                    Captured Packet Length                     |
 * 24 |                    Original Packet Length                     |
 * 28 /                          Packet Data                          /
 * ```
 */
export const PcapngPb = Object.freeze({
  interfaceId: 8,
  dropsCount: 10,
  timestampHigh: 12,
  timestampLow: 16,
  caplen: 20,
  origlen: 24,
  data: 28,
});

/** Interface Statistics Block: interface id at 8, timestamp high/low at 12/16, options at 20. */
export const PcapngIsb = Object.freeze({ interfaceId: 8, timestampHigh: 12, timestampLow: 16, options: 20 });

/** Option codes (draft-ietf-opsawg-pcapng §3.5, §4). */
export const PcapngOption = {
  endOfOpt: 0,
  comment: 1,
  shbHardware: 2,
  shbOs: 3,
  shbUserAppl: 4,
  ifName: 2,
  ifDescription: 3,
  ifTsresol: 9,
  ifFcslen: 13,
  ifTsoffset: 14,
  isbStartTime: 2,
  isbEndTime: 3,
  isbIfRecv: 4,
  isbIfDrop: 5,
  isbFilterAccept: 6,
  isbOsDrop: 7,
  isbUsrDeliv: 8,
} as const;
