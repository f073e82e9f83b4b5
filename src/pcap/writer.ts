/**
 * Capture-file writers, sans-IO: each call returns (or emits into a caller's buffer) the bytes of whole
 * records, so a file cut between two writes is still a valid capture.
 */
import type { Frame } from "./frame.js";
import { PcapError, PcapErrorCode } from "./errors.js";
import {
  MAX_CAPLEN,
  PCAPNG_BYTE_ORDER_MAGIC,
  PcapHeader,
  PcapLinkTypeBits,
  PcapMagic,
  PcapngBlock,
  PcapngBlockType,
  PcapngEpb,
  PcapngIdb,
  PcapngIsb,
  PcapngOption,
  PcapngShb,
  PcapRecord,
} from "./format.js";
import type { ByteOrder, InterfaceStatistics } from "./info.js";

type Counter = "ifRecv" | "ifDrop" | "filterAccept" | "osDrop" | "usrDeliv";
/** What {@link PcapngWriter.statistics} takes: the reader's counters, as bigint or (below 2^53) number. */
export type InterfaceStatisticsInput = Omit<InterfaceStatistics, Counter> & { [K in Counter]?: bigint | number };

/** The fields of a Frame a writer needs. */
export type WritableFrame = Pick<Frame, "timestampNs" | "wireLength" | "data"> &
  Partial<Pick<Frame, "linkType" | "interfaceId">> & {
    /** pcapng only: an `opt_comment` on the packet's block (Wireshark's `frame.comment`); pcap drops it. */
    comment?: string;
  };

/** Bytes of an EPB's options holding `comment` (opt_comment, padded, then opt_endofopt); 0 without one. */
function commentOptionLength(comment: string | undefined): number {
  if (comment === undefined) return 0;
  const n = textEncoder.encode(comment).length;
  if (n > 0xffff) throw new PcapError(PcapErrorCode.badValue, -1, "packet comment longer than 65535 bytes");
  return 4 + ((n + 3) & ~3) + 4;
}

const NS_PER_S = 1_000_000_000n;
const MAX_U32 = 0xffffffff;
const textEncoder = new TextEncoder();

function checkLinkType(linkType: number): void {
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
    throw new PcapError(PcapErrorCode.badValue, -1, `link type ${linkType} is not a 16-bit value`);
  }
}

function checkSnaplen(snaplen: number): void {
  if (!Number.isInteger(snaplen) || snaplen < 0 || snaplen > MAX_U32) {
    throw new PcapError(PcapErrorCode.badValue, -1, `snapshot length ${snaplen} is not a 32-bit value`);
  }
}

function checkFrame(frame: WritableFrame, snaplen: number): void {
  const caplen = frame.data.length;
  if (caplen > (snaplen === 0 ? MAX_CAPLEN : snaplen)) {
    throw new PcapError(PcapErrorCode.badCaplen, -1, `frame of ${caplen} bytes exceeds the snapshot length ${snaplen || MAX_CAPLEN}`);
  }
  if (!Number.isInteger(frame.wireLength) || frame.wireLength < 0 || frame.wireLength > MAX_U32) {
    throw new PcapError(PcapErrorCode.badValue, -1, `wire length ${frame.wireLength} is not a 32-bit value`);
  }
  if (frame.timestampNs < 0n) {
    throw new PcapError(PcapErrorCode.badValue, -1, `timestamp ${frame.timestampNs} ns is before 1970`);
  }
}

/** Options of `PcapWriter` (the pcap file header). */
export interface PcapWriterOptions {
  linkType: number;
  /** Default 262144. */
  snaplen?: number;
  /** Write the 0xA1B23C4D magic and nanosecond fractions. Default false (microseconds). */
  nanosecond?: boolean;
  /** Default "le". */
  byteOrder?: ByteOrder;
  /** FCS length in bytes (even, at most 30) to record in the header's link-type field. */
  fcsLength?: number;
}

/** Classic pcap writer (draft-ietf-opsawg-pcap): one link type, µs or ns timestamps. */
export class PcapWriter {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  private readonly le: boolean;
  private readonly fcsLength: number | undefined;

  constructor(opts: PcapWriterOptions) {
    checkLinkType(opts.linkType);
    this.linkType = opts.linkType;
    this.snaplen = opts.snaplen ?? MAX_CAPLEN;
    checkSnaplen(this.snaplen);
    this.nanosecond = opts.nanosecond ?? false;
    this.le = (opts.byteOrder ?? "le") === "le";
    const fcs = opts.fcsLength;
    if (fcs !== undefined && (!Number.isInteger(fcs) || fcs < 0 || fcs > 30 || fcs % 2 !== 0)) {
      throw new PcapError(PcapErrorCode.badValue, -1, `FCS length ${fcs} cannot be recorded (even, 0-30 bytes)`);
    }
    this.fcsLength = fcs;
  }

  /** The 24-byte file header. */
  header(): Uint8Array {
    const out = new Uint8Array(PcapHeader.length);
    const dv = new DataView(out.buffer);
    const le = this.le;
    dv.setUint32(PcapHeader.magic, this.nanosecond ? PcapMagic.nano : PcapMagic.micro, le);
    dv.setUint16(PcapHeader.versionMajor, 2, le);
    dv.setUint16(PcapHeader.versionMinor, 4, le);
    dv.setUint32(PcapHeader.snaplen, this.snaplen, le);
    let field = this.linkType;
    if (this.fcsLength !== undefined) field = (field | PcapLinkTypeBits.fcsPresent | ((this.fcsLength / 2) << PcapLinkTypeBits.fcsShift)) >>> 0;
    dv.setUint32(PcapHeader.linkType, field, le);
    return out;
  }

  /** Bytes `emitRecord` writes for this frame. */
  recordLength(frame: WritableFrame): number {
    return PcapRecord.length + frame.data.length;
  }

  /** Write one packet record into `buf` at `offset`; returns the bytes written. Throws PcapError on misuse. */
  emitRecord(frame: WritableFrame, buf: Uint8Array, offset: number): number {
    checkFrame(frame, this.snaplen);
    if (frame.linkType !== undefined && frame.linkType !== this.linkType) {
      throw new PcapError(PcapErrorCode.linkTypeMismatch, -1, `frame link type ${frame.linkType} in a pcap file of link type ${this.linkType}`);
    }
    const len = this.recordLength(frame);
    if (offset < 0 || offset + len > buf.length) {
      throw new PcapError(PcapErrorCode.badValue, -1, `buffer too small: ${len} bytes needed at offset ${offset}`);
    }
    const sec = frame.timestampNs / NS_PER_S;
    if (sec > BigInt(MAX_U32)) throw new PcapError(PcapErrorCode.badValue, -1, `timestamp ${frame.timestampNs} ns is past 2106`);
    const subNs = Number(frame.timestampNs % NS_PER_S);
    const dv = new DataView(buf.buffer, buf.byteOffset + offset, len);
    const le = this.le;
    dv.setUint32(PcapRecord.seconds, Number(sec), le);
    // Microsecond files truncate the sub-microsecond part, as libpcap does.
    dv.setUint32(PcapRecord.fraction, this.nanosecond ? subNs : Math.floor(subNs / 1000), le);
    dv.setUint32(PcapRecord.caplen, frame.data.length, le);
    dv.setUint32(PcapRecord.origlen, frame.wireLength, le);
    buf.set(frame.data, offset + PcapRecord.length);
    return len;
  }

  /** One packet record as its own buffer. */
  record(frame: WritableFrame): Uint8Array {
    const out = new Uint8Array(this.recordLength(frame));
    this.emitRecord(frame, out, 0);
    return out;
  }
}

/** An interface to declare in a pcapng file. */
export interface PcapngInterfaceDescription {
  linkType: number;
  /** Default 262144; 0 means no limit. */
  snaplen?: number;
  name?: string;
  description?: string;
  /** `if_fcslen`, bytes. */
  fcsLength?: number;
}

/** Options of `PcapngWriter` (the section header and first interfaces). */
export interface PcapngWriterOptions {
  /** Interfaces declared in the header (more can be added later with `addInterface`). */
  interfaces?: PcapngInterfaceDescription[];
  /** Timestamps in ns (`if_tsresol` = 9 on every interface). Default false: µs (no if_tsresol option). */
  nanosecond?: boolean;
  /** Default "le". */
  byteOrder?: ByteOrder;
  /** `shb_userappl`. */
  userAppl?: string;
  /** `shb_os`. */
  os?: string;
  /** `shb_hardware`. */
  hardware?: string;
}

/** Options laid out in a block body: code, length, value padded to 4, then opt_endofopt. */
class OptionList {
  private readonly items: { code: number; value: Uint8Array }[] = [];
  add(code: number, value: Uint8Array): void {
    if (value.length > 0xffff) throw new PcapError(PcapErrorCode.badValue, -1, `option ${code} longer than 65535 bytes`);
    this.items.push({ code, value });
  }
  addString(code: number, s: string | undefined): void {
    if (s !== undefined) this.add(code, textEncoder.encode(s));
  }
  get length(): number {
    if (this.items.length === 0) return 0;
    let n = 4;
    for (const it of this.items) n += 4 + ((it.value.length + 3) & ~3);
    return n;
  }
  emit(buf: Uint8Array, dv: DataView, p: number, le: boolean): number {
    if (this.items.length === 0) return p;
    for (const it of this.items) {
      dv.setUint16(p, it.code, le);
      dv.setUint16(p + 2, it.value.length, le);
      buf.set(it.value, p + 4);
      p += 4 + ((it.value.length + 3) & ~3);
    }
    dv.setUint32(p, 0, le); // opt_endofopt
    return p + 4;
  }
}

/** Build a block: fixed body of `fixed` bytes filled by `fill`, then options, then the trailing length. */
function buildBlock(type: number, fixed: number, opts: OptionList, le: boolean, fill: (dv: DataView) => void): Uint8Array {
  const len = PcapngBlock.overhead + fixed + opts.length;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(PcapngBlock.type, type, le);
  dv.setUint32(PcapngBlock.totalLength, len, le);
  fill(dv);
  opts.emit(out, dv, PcapngBlock.body + fixed, le);
  dv.setUint32(len - 4, len, le);
  return out;
}

/** pcapng writer (draft-ietf-opsawg-pcapng): one section, any number of interfaces, Enhanced Packet Blocks. */
export class PcapngWriter {
  readonly nanosecond: boolean;
  private readonly le: boolean;
  private readonly opts: PcapngWriterOptions;
  private readonly ifaces: { linkType: number; snaplen: number }[] = [];
  private headerBlocks: Uint8Array[] = [];
  private headerDone = false;

  constructor(opts: PcapngWriterOptions = {}) {
    this.opts = opts;
    this.nanosecond = opts.nanosecond ?? false;
    this.le = (opts.byteOrder ?? "le") === "le";
    for (const d of opts.interfaces ?? []) this.headerBlocks.push(this.declare(d).block);
  }

  /** Number of interfaces declared so far. */
  get interfaceCount(): number {
    return this.ifaces.length;
  }

  /**
   * The Section Header Block followed by the IDBs of the interfaces given to the constructor (and any
   * added before this call).
   */
  header(): Uint8Array {
    const opts = new OptionList();
    opts.addString(PcapngOption.shbHardware, this.opts.hardware);
    opts.addString(PcapngOption.shbOs, this.opts.os);
    opts.addString(PcapngOption.shbUserAppl, this.opts.userAppl);
    const le = this.le;
    const shb = buildBlock(PcapngBlockType.sectionHeader, PcapngShb.options - PcapngBlock.body, opts, le, (dv) => {
      dv.setUint32(PcapngShb.byteOrderMagic, PCAPNG_BYTE_ORDER_MAGIC, le);
      dv.setUint16(PcapngShb.versionMajor, 1, le);
      dv.setUint16(PcapngShb.versionMinor, 0, le);
      dv.setBigInt64(PcapngShb.sectionLength, -1n, le);
    });
    const parts = [shb, ...this.headerBlocks];
    this.headerBlocks = [];
    this.headerDone = true;
    return concat(parts);
  }

  /**
   * Declare one more interface. Returns its id and its IDB; before `header()` the IDB is also kept for
   * the header, after it the caller must write `block` before any packet of this interface.
   */
  addInterface(d: PcapngInterfaceDescription): { id: number; block: Uint8Array } {
    const r = this.declare(d);
    if (!this.headerDone) this.headerBlocks.push(r.block);
    return r;
  }

  private declare(d: PcapngInterfaceDescription): { id: number; block: Uint8Array } {
    checkLinkType(d.linkType);
    const snaplen = d.snaplen ?? MAX_CAPLEN;
    checkSnaplen(snaplen);
    const opts = new OptionList();
    opts.addString(PcapngOption.ifName, d.name);
    opts.addString(PcapngOption.ifDescription, d.description);
    if (this.nanosecond) opts.add(PcapngOption.ifTsresol, Uint8Array.of(9));
    if (d.fcsLength !== undefined) opts.add(PcapngOption.ifFcslen, Uint8Array.of(d.fcsLength));
    const le = this.le;
    const block = buildBlock(PcapngBlockType.interfaceDescription, PcapngIdb.options - PcapngBlock.body, opts, le, (dv) => {
      dv.setUint16(PcapngIdb.linkType, d.linkType, le);
      dv.setUint32(PcapngIdb.snaplen, snaplen, le);
    });
    const id = this.ifaces.length;
    this.ifaces.push({ linkType: d.linkType, snaplen });
    return { id, block };
  }

  private units(ns: bigint): bigint {
    if (ns < 0n) throw new PcapError(PcapErrorCode.badValue, -1, `timestamp ${ns} ns is before 1970`);
    return this.nanosecond ? ns : ns / 1000n;
  }

  /** Bytes `emitRecord` writes for this frame. */
  recordLength(frame: WritableFrame): number {
    return PcapngBlock.overhead + (PcapngEpb.data - PcapngBlock.body) + ((frame.data.length + 3) & ~3) + commentOptionLength(frame.comment);
  }

  /** Write one Enhanced Packet Block for `frame.interfaceId` (default 0) into `buf` at `offset`. */
  emitRecord(frame: WritableFrame, buf: Uint8Array, offset: number): number {
    const id = frame.interfaceId ?? 0;
    const iface = this.ifaces[id];
    if (iface === undefined) throw new PcapError(PcapErrorCode.unknownInterface, -1, `interface ${id} was never declared`);
    if (frame.linkType !== undefined && frame.linkType !== iface.linkType) {
      throw new PcapError(PcapErrorCode.linkTypeMismatch, -1, `frame link type ${frame.linkType} on interface ${id} of link type ${iface.linkType}`);
    }
    checkFrame(frame, iface.snaplen);
    const len = this.recordLength(frame);
    if (offset < 0 || offset + len > buf.length) {
      throw new PcapError(PcapErrorCode.badValue, -1, `buffer too small: ${len} bytes needed at offset ${offset}`);
    }
    const units = this.units(frame.timestampNs);
    if (units > 0xffffffffffffffffn) throw new PcapError(PcapErrorCode.badValue, -1, `timestamp ${frame.timestampNs} ns too large`);
    const le = this.le;
    const dv = new DataView(buf.buffer, buf.byteOffset + offset, len);
    dv.setUint32(PcapngBlock.type, PcapngBlockType.enhancedPacket, le);
    dv.setUint32(PcapngBlock.totalLength, len, le);
    dv.setUint32(PcapngEpb.interfaceId, id, le);
    dv.setUint32(PcapngEpb.timestampHigh, Number(units >> 32n), le);
    dv.setUint32(PcapngEpb.timestampLow, Number(units & 0xffffffffn), le);
    dv.setUint32(PcapngEpb.caplen, frame.data.length, le);
    dv.setUint32(PcapngEpb.origlen, frame.wireLength, le);
    buf.set(frame.data, offset + PcapngEpb.data);
    buf.fill(0, offset + PcapngEpb.data + frame.data.length, offset + len - 4);
    if (frame.comment !== undefined) {
      const opts = new OptionList();
      opts.addString(PcapngOption.comment, frame.comment);
      opts.emit(buf.subarray(offset, offset + len), dv, PcapngEpb.data + ((frame.data.length + 3) & ~3), le);
    }
    dv.setUint32(len - 4, len, le);
    return len;
  }

  /** One Enhanced Packet Block as its own buffer. */
  record(frame: WritableFrame): Uint8Array {
    const out = new Uint8Array(this.recordLength(frame));
    this.emitRecord(frame, out, 0);
    return out;
  }

  /** An Interface Statistics Block (drop counters...) for interface `id`. */
  statistics(id: number, stats: InterfaceStatisticsInput): Uint8Array {
    if (this.ifaces[id] === undefined) throw new PcapError(PcapErrorCode.unknownInterface, -1, `interface ${id} was never declared`);
    const le = this.le;
    const opts = new OptionList();
    const tsOpt = (code: number, ns: bigint | undefined) => {
      if (ns === undefined) return;
      const u = this.units(ns);
      const v = new Uint8Array(8);
      const dv = new DataView(v.buffer);
      dv.setUint32(0, Number(u >> 32n), le);
      dv.setUint32(4, Number(u & 0xffffffffn), le);
      opts.add(code, v);
    };
    const counter = (code: number, n: number | bigint | undefined) => {
      if (n === undefined) return;
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, BigInt(n), le);
      opts.add(code, v);
    };
    tsOpt(PcapngOption.isbStartTime, stats.startTimeNs);
    tsOpt(PcapngOption.isbEndTime, stats.endTimeNs);
    counter(PcapngOption.isbIfRecv, stats.ifRecv);
    counter(PcapngOption.isbIfDrop, stats.ifDrop);
    counter(PcapngOption.isbFilterAccept, stats.filterAccept);
    counter(PcapngOption.isbOsDrop, stats.osDrop);
    counter(PcapngOption.isbUsrDeliv, stats.usrDeliv);
    const u = this.units(stats.timestampNs);
    return buildBlock(PcapngBlockType.interfaceStatistics, PcapngIsb.options - PcapngBlock.body, opts, le, (dv) => {
      dv.setUint32(PcapngIsb.interfaceId, id, le);
      dv.setUint32(PcapngIsb.timestampHigh, Number(u >> 32n), le);
      dv.setUint32(PcapngIsb.timestampLow, Number(u & 0xffffffffn), le);
    });
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
