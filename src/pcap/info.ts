/**
 * What a capture file's headers say, as `CaptureParser` (src/pcap/reader.ts) reports it in `info`: the pcap
 * file header, or the pcapng sections, their interfaces and the interfaces' statistics.
 */

/** The byte order a pcap file or pcapng section was written in (from its magic number or byte-order magic). */
export type ByteOrder = "le" | "be";

/** What a classic pcap file header says. */
export interface PcapFileInfo {
  format: "pcap";
  byteOrder: ByteOrder;
  /** Magic 0xA1B23C4D: the record's second timestamp field counts nanoseconds, not microseconds. */
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  /** Reserved1, historically `thiszone` (always 0 in practice). */
  thiszone: number;
  /** Reserved2, historically `sigfigs`. */
  sigfigs: number;
  snaplen: number;
  /** The link-layer type (low 16 bits of the link-type field). */
  linkType: number;
  /** The whole 32-bit link-type field as stored, FCS bits included. */
  linkTypeField: number;
  /** Length in bytes of the FCS at the end of every packet, when the header's P bit says it is known. */
  fcsLength?: number;
}

/** Counters of a pcapng Interface Statistics Block (the latest one seen for the interface). */
export interface InterfaceStatistics {
  /** The ISB's own timestamp, in ns since the epoch. */
  timestampNs: bigint;
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  /** Packets received by the interface (`isb_ifrecv`). Counters are u64 in the file, kept exact as bigint. */
  ifRecv?: bigint;
  /** Packets dropped by the interface for lack of resources (`isb_ifdrop`). */
  ifDrop?: bigint;
  /** Packets accepted by the capture filter (`isb_filteraccept`). */
  filterAccept?: bigint;
  /** Packets dropped by the operating system (`isb_osdrop`). */
  osDrop?: bigint;
  /** Packets delivered to the user (`isb_usrdeliv`). */
  usrDeliv?: bigint;
}

/** A pcapng Interface Description Block, with what the reader learnt about it. */
export interface PcapngInterface {
  /** Index within its section; the `interfaceId` of its frames. */
  id: number;
  linkType: number;
  /** 0 means no limit. */
  snaplen: number;
  name?: string;
  description?: string;
  /** The raw `if_tsresol` byte (default 6): bit 7 clear 10^-n s, set 2^-n s. */
  tsresol: number;
  /** Timestamp units per second that `if_tsresol` stands for. */
  unitsPerSecond: bigint;
  /** `if_tsoffset`: seconds added to every timestamp of the interface. */
  tsoffsetSeconds: bigint;
  /** `if_fcslen`, in bytes. */
  fcsLength?: number;
  /** Packets read from this interface so far. */
  packets: number;
  /** The latest Interface Statistics Block for it. */
  stats?: InterfaceStatistics;
}

/** A pcapng section (one Section Header Block and what follows it). */
export interface PcapngSectionInfo {
  /** File offset of the SHB. */
  offset: number;
  byteOrder: ByteOrder;
  versionMajor: number;
  versionMinor: number;
  /** Section length from the SHB; -1n when unspecified. */
  sectionLength: bigint;
  hardware?: string;
  os?: string;
  userAppl?: string;
  interfaces: PcapngInterface[];
}

/** What a pcapng file's header blocks say: its sections and their interfaces (`info` of a parsed pcapng file). */
export interface PcapngFileInfo {
  format: "pcapng";
  /**
   * The sections, at most `MAX_SECTIONS_KEPT`, describing at most `MAX_INTERFACES_KEPT`
   * interfaces in all: later sections and interfaces are still read, but not described here (a
   * `limit-exceeded` warning says so once).
   */
  sections: PcapngSectionInfo[];
  /** Sections read, described or not. */
  sectionCount: number;
}

/** What a capture file's headers say, for either format (`format` tells which). */
export type CaptureInfo = PcapFileInfo | PcapngFileInfo;
