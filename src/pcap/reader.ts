/**
 * A push parser for capture files: pcap (draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng),
 * told apart by their first four bytes. Sans-IO: the caller pushes byte chunks of any size and pulls frames.
 *
 * ```ts
 * const p = new CaptureParser();
 * for await (const chunk of source) {
 *   p.push(chunk);
 *   for (let f = p.next(); f !== undefined; f = p.next()) use(f);
 * }
 * p.end();
 * for (let f = p.next(); f !== undefined; f = p.next()) use(f);   // nothing, or nothing new
 * if (p.fatal) report(p.fatal);                                    // truncated tail, bad length...
 * ```
 *
 * A frame's `data` is a view into the pushed chunk when its record lies inside one chunk; a record that
 * spans chunks is copied into a buffer of its own. Chunks are never written to, so frames stay valid
 * as long as the caller does not reuse the chunks it pushed.
 */
import type { Frame } from "./frame.js";
import type { ByteOrder, CaptureInfo, InterfaceStatistics, PcapFileInfo, PcapngFileInfo, PcapngInterface, PcapngSectionInfo } from "./info.js";
import { PcapError, PcapErrorCode } from "./errors.js";
import {
  MAX_BLOCK_LENGTH,
  MAX_CAPLEN,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_SHB_TYPE,
  PcapHeader,
  PcapLinkTypeBits,
  PcapMagic,
  PcapngBlock,
  PcapngBlockType,
  PcapngEpb,
  PcapngIdb,
  PcapngIsb,
  PcapngOption,
  PcapngPb,
  PcapngShb,
  PcapngSpb,
  PcapRecord,
} from "./format.js";

/** What `CaptureParser.scan` calls for each frame: the frame is `bytes[start, end)`, captured at `seconds` + `nanos`. */
export type FrameVisitor = (
  bytes: Uint8Array,
  start: number,
  end: number,
  wireLength: number,
  linkType: number,
  seconds: number,
  nanos: number,
) => void;

/**
 * Bounds on what a parser keeps, whatever the file (draft-ietf-opsawg-pcapng puts no limit on sections,
 * interfaces or option lengths; without these, a 146 kB gzip of 3 million IDBs took a gigabyte).
 */
/** Interfaces one section may declare; the IDB after the last one is a fatal `limit-exceeded` error. */
export const MAX_INTERFACES_PER_SECTION = 65_536;
/** Sections described in `info.sections`; later ones are read but not described. */
export const MAX_SECTIONS_KEPT = 1024;
/** Interfaces described in `info` over all sections; later ones are read but not described. */
export const MAX_INTERFACES_KEPT = 65_536;
/** Bytes kept of a string option (if_name, if_description, shb_hardware...); longer ones are cut, with "…". */
export const MAX_OPTION_STRING = 256;
/** Non-fatal errors kept in `errors` (all of them are counted in `errorCount` and given to `onError`). */
export const MAX_ERRORS_KEPT = 1000;

/** Options of a {@link CaptureParser}. */
export interface CaptureParserOptions {
  /** Called, in file order, with every non-fatal error as it is found (they also go to `errors`). */
  onError?: (e: PcapError) => void;
}

const enum Mode {
  Detect,
  PcapHeader,
  Pcap,
  Pcapng,
}

/** Enough bytes to learn any record's length: pcap record header 16, pcapng block start 12. */
const HEADER_SCRATCH = 32;
const TWO_32 = 4294967296;
const NS_PER_S = 1_000_000_000n;
const MAX_SAFE_SECONDS = BigInt(Number.MAX_SAFE_INTEGER);
const EMPTY = new Uint8Array(0);
const textDecoder = new TextDecoder("utf-8", { fatal: false });

/** Per-interface timestamp conversion state. */
interface IfaceState {
  info: PcapngInterface;
  /** ns per unit when a whole number (resolution 10^-r, r <= 9), else 0 for the bigint path. */
  mul: number;
  mulBig: bigint;
  offsetNs: bigint;
  lastHigh: number;
  lastHighNs: bigint;
}

/** The push parser. See the module comment for the calling pattern. */
export class CaptureParser {
  /** What the file header(s) said; undefined until the first header has been read. */
  info: CaptureInfo | undefined;
  /** Non-fatal errors so far, in file order (each skipped pcapng block). */
  readonly errors: PcapError[] = [];
  /** The error that stopped reading, if any. Set only after every good frame before it was handed out. */
  fatal: PcapError | undefined;
  /** Frames handed out so far. */
  frameCount = 0;
  /** Non-fatal errors found, also those past the {@link MAX_ERRORS_KEPT} kept in `errors`. */
  errorCount = 0;

  private readonly onError: ((e: PcapError) => void) | undefined;
  private mode = Mode.Detect;
  private ended = false;
  private totalBytes = 0;

  private readonly queue: Uint8Array[] = [];
  private buf: Uint8Array | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private pos = 0;
  private end_ = 0;
  /** File offset of `buf[0]`. */
  private base = 0;
  private nextBase = 0;

  private carry: Uint8Array = EMPTY;
  private carryLen = 0;
  /** Length of the record being carried; 0 while its header is incomplete. */
  private carryNeed = 0;
  private carryOffset = 0;

  private le = true;
  // pcap
  private nano = false;
  private snapLimit = MAX_CAPLEN;
  private linkType = 0;
  private lastSec = -1;
  private lastSecNs = 0n;
  // pcapng
  private section: PcapngSectionInfo | undefined;
  /** Interfaces of the current section; a hole where an IDB was skipped, so later ids keep their meaning. */
  private ifaces: (IfaceState | undefined)[] = [];
  /** Interfaces described in `info` so far (all sections). */
  private ifacesKept = 0;
  private warnedUnkept = false;
  private warnedSnaplen = false;

  constructor(opts: CaptureParserOptions = {}) {
    this.onError = opts.onError;
  }

  /** Give the parser the next bytes of the file. The chunk is kept (not copied) until parsed. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error("CaptureParser.push after end()");
    if (chunk.length === 0) return;
    this.totalBytes += chunk.length;
    this.queue.push(chunk);
  }

  /** Say that the input is complete; a record cut short then becomes a fatal truncation error. */
  end(): void {
    this.ended = true;
  }

  /** True when end() was called and everything has been read (or a fatal error stopped reading). */
  get done(): boolean {
    return this.fatal !== undefined || (this.ended && this.buf === null && this.queue.length === 0 && this.carryLen === 0);
  }

  /** The distinct link types seen in file headers so far. */
  linkTypes(): number[] {
    const info = this.info;
    if (info === undefined) return [];
    if (info.format === "pcap") return [info.linkType];
    const set = new Set<number>();
    for (const s of info.sections) for (const i of s.interfaces) set.add(i.linkType);
    return [...set];
  }

  /**
   * Visit every frame available from what was pushed, without creating Frame objects where the format
   * allows (pcap records inside one chunk): `visit(bytes, start, end, wireLength, linkType, seconds, nanos)`,
   * where the frame is `bytes[start, end)`, valid only during the call, and its time is `seconds` since
   * the epoch plus `nanos` (0..999999999) as plain numbers. Errors, chunk boundaries and pcapng go through `next()`, so the result (frames,
   * errors, `fatal`) is the same as calling `next()` until it returns undefined. A frame whose time is not a
   * whole number of seconds a double holds exactly (before 1970, or after 2^53 s: pcapng's if_tsoffset can
   * say so) goes to `visitFrame` instead, when given. Returns frames visited.
   */
  scan(visit: FrameVisitor, visitFrame?: (f: Frame) => void): number {
    let n = 0;
    for (;;) {
      if (this.mode === Mode.Pcap && this.buf !== null && this.carryLen === 0 && this.fatal === undefined) {
        const buf = this.buf;
        const dv = this.dv;
        const le = this.le;
        const end = this.end_;
        const limit = this.snapLimit;
        const linkType = this.linkType;
        const nano = this.nano;
        let pos = this.pos;
        let fast = 0;
        while (end - pos >= PcapRecord.length) {
          const caplen = dv.getUint32(pos + PcapRecord.caplen, le);
          const start = pos + PcapRecord.length;
          if (caplen > limit || start + caplen > end) break; // errors and records across chunks: next()
          const frac = dv.getUint32(pos + PcapRecord.fraction, le);
          visit(buf, start, start + caplen, dv.getUint32(pos + PcapRecord.origlen, le), linkType, dv.getUint32(pos, le), nano ? frac : frac * 1000);
          pos = start + caplen;
          fast++;
        }
        this.pos = pos;
        this.frameCount += fast;
        n += fast;
      }
      const f = this.next();
      if (f === undefined) return n;
      const ts = f.timestampNs;
      const sec = ts / NS_PER_S;
      if (visitFrame !== undefined && (ts < 0n || sec > MAX_SAFE_SECONDS)) visitFrame(f);
      else visit(f.data, 0, f.data.length, f.wireLength, f.linkType, Number(sec), Number(ts - sec * NS_PER_S));
      n++;
    }
  }

/**
   * The next frame, or undefined when more input is needed, the input is done, or a fatal error was found
   * (check `fatal`). Non-fatal errors met on the way are appended to `errors`.
   */
  next(): Frame | undefined {
    while (this.fatal === undefined) {
      const buf = this.buf;
      if (buf === null) {
        if (!this.advance()) {
          if (this.ended && this.carryLen > 0) this.truncatedTail();
          else if (this.ended && this.totalBytes === 0 && this.fatal === undefined) {
            this.fail(PcapErrorCode.truncatedHeader, 0, "empty input: no capture file header");
          }
          return undefined;
        }
        continue;
      }
      if (this.carryLen > 0) {
        if (!this.fillCarry(buf)) continue;
        const rec = this.carry;
        const len = this.carryNeed;
        const off = this.carryOffset;
        this.carry = EMPTY;
        this.carryLen = 0;
        this.carryNeed = 0;
        const f = this.handle(rec, new DataView(rec.buffer, rec.byteOffset, len), 0, len, off);
        if (f !== null) return f;
        continue;
      }
      const pos = this.pos;
      const avail = this.end_ - pos;
      if (avail === 0) {
        this.buf = null;
        continue;
      }
      const len = this.measure(this.dv, pos, avail, this.base + pos);
      if (len < 0) return undefined;
      if (len === 0 || len > avail) {
        this.startCarry(buf, pos, avail, len);
        continue;
      }
      this.pos = pos + len;
      const f = this.handle(buf, this.dv, pos, len, this.base + pos);
      if (f !== null) return f;
    }
    return undefined;
  }

  private advance(): boolean {
    const chunk = this.queue.shift();
    if (chunk === undefined) return false;
    this.buf = chunk;
    this.dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pos = 0;
    this.end_ = chunk.length;
    this.base = this.nextBase;
    this.nextBase += chunk.length;
    return true;
  }

  private startCarry(buf: Uint8Array, pos: number, avail: number, len: number): void {
    this.carry = new Uint8Array(len > 0 ? len : HEADER_SCRATCH);
    this.carry.set(buf.subarray(pos, pos + avail));
    this.carryLen = avail;
    this.carryNeed = len;
    this.carryOffset = this.base + pos;
    this.pos = this.end_;
    this.buf = null;
  }

  /** Move bytes from the current chunk into the carried record; true once the record is complete. */
  private fillCarry(buf: Uint8Array): boolean {
    let pos = this.pos;
    const avail = this.end_ - pos;
    if (this.carryNeed === 0) {
      // Header still incomplete: peek at up to HEADER_SCRATCH bytes without consuming them.
      const scratch = this.carry;
      const take = Math.min(HEADER_SCRATCH - this.carryLen, avail);
      scratch.set(buf.subarray(pos, pos + take), this.carryLen);
      const n = this.carryLen + take;
      const len = this.measure(new DataView(scratch.buffer, scratch.byteOffset, n), 0, n, this.carryOffset);
      if (len < 0) return false;
      if (len === 0) {
        this.carryLen = n;
        this.pos = pos + take;
        this.buf = null; // take === avail here: HEADER_SCRATCH is always enough to know a length
        return false;
      }
      const rec = new Uint8Array(len);
      rec.set(scratch.subarray(0, this.carryLen));
      this.carry = rec;
      this.carryNeed = len;
    }
    const take = Math.min(this.carryNeed - this.carryLen, avail);
    this.carry.set(buf.subarray(pos, pos + take), this.carryLen);
    this.carryLen += take;
    pos += take;
    this.pos = pos;
    if (pos === this.end_) this.buf = null;
    return this.carryLen === this.carryNeed;
  }

  private truncatedTail(): void {
    const off = this.carryOffset;
    const have = this.carryLen;
    switch (this.mode) {
      case Mode.Detect:
      case Mode.PcapHeader:
        this.fail(PcapErrorCode.truncatedHeader, off, `input ends inside the file header (${have} bytes)`);
        return;
      case Mode.Pcap:
        this.fail(
          PcapErrorCode.truncatedRecord,
          off,
          `input ends inside packet record ${this.frameCount + 1} at offset ${off} (${have} bytes of ${this.carryNeed || "a 16-byte header"})`,
          this.frameCount + 1,
        );
        return;
      case Mode.Pcapng: {
        let frame: number | undefined;
        if (have >= 4) {
          const t = new DataView(this.carry.buffer, this.carry.byteOffset, 4).getUint32(0, this.le);
          if (t === PcapngBlockType.enhancedPacket || t === PcapngBlockType.simplePacket || t === PcapngBlockType.packet) {
            frame = this.frameCount + 1;
          }
        }
        this.fail(
          PcapErrorCode.truncatedBlock,
          off,
          `input ends inside the block at offset ${off} (${have} bytes of ${this.carryNeed || "a 12-byte start"})`,
          frame,
        );
      }
    }
  }

  private fail(code: PcapErrorCode, offset: number, message: string, frame?: number): void {
    this.fatal = new PcapError(code, offset, message, frame, true);
    this.queue.length = 0;
    this.buf = null;
  }

  private warn(code: PcapErrorCode, offset: number, message: string, frame?: number): void {
    this.errorCount++;
    if (this.errors.length >= MAX_ERRORS_KEPT && this.onError === undefined) return;
    const e = new PcapError(code, offset, message, frame, false);
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push(e);
    this.onError?.(e);
  }

  /**
   * Length of the record starting at `pos`, 0 when `avail` bytes are not enough to know it, -1 after a
   * fatal error.
   */
  private measure(dv: DataView, pos: number, avail: number, offset: number): number {
    switch (this.mode) {
      case Mode.Pcap: {
        if (avail < PcapRecord.length) return 0;
        const caplen = dv.getUint32(pos + PcapRecord.caplen, this.le);
        if (caplen > this.snapLimit) {
          const frame = this.frameCount + 1;
          if (caplen > MAX_CAPLEN) {
            this.fail(PcapErrorCode.badCaplen, offset, `packet record ${frame} at offset ${offset}: captured length ${caplen} exceeds the 262144-byte maximum`, frame);
            return -1;
          }
          // tcpdump and Wireshark read such records (only libpcap's maximum is corruption); so do we,
          // saying so once. From here on the fast path takes them too.
          this.warn(
            PcapErrorCode.badCaplen,
            offset,
            `packet record ${frame} at offset ${offset}: captured length ${caplen} exceeds the snapshot length ${this.snapLimit} of the file header; read anyway (later ones are not reported)`,
            frame,
          );
          this.snapLimit = MAX_CAPLEN;
        }
        return PcapRecord.length + caplen;
      }
      case Mode.Pcapng:
        return this.measureBlock(dv, pos, avail, offset);
      case Mode.PcapHeader:
        return PcapHeader.length;
      case Mode.Detect: {
        if (avail < 4) return 0;
        const magic = dv.getUint32(pos, false);
        if (magic === PCAPNG_SHB_TYPE) {
          this.mode = Mode.Pcapng;
          return this.measureBlock(dv, pos, avail, offset);
        }
        const swapped = dv.getUint32(pos, true);
        if (magic === PcapMagic.micro || magic === PcapMagic.nano || swapped === PcapMagic.micro || swapped === PcapMagic.nano) {
          this.mode = Mode.PcapHeader;
          return PcapHeader.length;
        }
        this.fail(PcapErrorCode.badMagic, offset, `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, "0")})`);
        return -1;
      }
    }
  }

  private measureBlock(dv: DataView, pos: number, avail: number, offset: number): number {
    if (avail < PcapngBlock.overhead) return 0;
    const type = dv.getUint32(pos, this.le);
    if (type === PcapngBlockType.sectionHeader) {
      const bom = dv.getUint32(pos + PcapngShb.byteOrderMagic, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        this.fail(PcapErrorCode.badByteOrder, offset, `section header at offset ${offset}: bad byte-order magic 0x${bom.toString(16)}`);
        return -1;
      }
    }
    const len = dv.getUint32(pos + PcapngBlock.totalLength, this.le);
    if (len < PcapngBlock.overhead || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
      const isPacket =
        type === PcapngBlockType.enhancedPacket || type === PcapngBlockType.simplePacket || type === PcapngBlockType.packet;
      this.fail(
        PcapErrorCode.badBlockLength,
        offset,
        `block at offset ${offset} (type 0x${type.toString(16)}): impossible total length ${len}`,
        isPacket ? this.frameCount + 1 : undefined,
      );
      return -1;
    }
    return len;
  }

  /** Decode one complete record; a Frame, or null for headers, skipped blocks and non-packet blocks. */
  private handle(buf: Uint8Array, dv: DataView, pos: number, len: number, offset: number): Frame | null {
    if (this.mode === Mode.Pcap) {
      // pcap packet record; measure() checked caplen, so the record holds exactly the data.
      const le = this.le;
      const sec = dv.getUint32(pos, le);
      const frac = dv.getUint32(pos + PcapRecord.fraction, le);
      if (sec !== this.lastSec) {
        this.lastSec = sec;
        this.lastSecNs = BigInt(sec) * NS_PER_S;
      }
      this.frameCount++;
      return {
        timestampNs: this.lastSecNs + BigInt(this.nano ? frac : frac * 1000),
        wireLength: dv.getUint32(pos + PcapRecord.origlen, le),
        data: buf.subarray(pos + PcapRecord.length, pos + len),
        linkType: this.linkType,
        interfaceId: 0,
        interfaceName: undefined,
      };
    }
    if (this.mode === Mode.Pcapng) return this.block(buf, dv, pos, len, offset);
    this.pcapHeader(dv, pos, offset);
    return null;
  }

  private pcapHeader(dv: DataView, pos: number, offset: number): void {
    const be = dv.getUint32(pos, false);
    const le = !(be === PcapMagic.micro || be === PcapMagic.nano);
    const magic = dv.getUint32(pos, le);
    const versionMajor = dv.getUint16(pos + PcapHeader.versionMajor, le);
    if (versionMajor !== 2) {
      this.fail(PcapErrorCode.badVersion, offset, `pcap major version ${versionMajor}, expected 2`);
      return;
    }
    const snaplen = dv.getUint32(pos + PcapHeader.snaplen, le);
    const field = dv.getUint32(pos + PcapHeader.linkType, le);
    const info: PcapFileInfo = {
      format: "pcap",
      byteOrder: le ? "le" : "be",
      nanosecond: magic === PcapMagic.nano,
      versionMajor,
      versionMinor: dv.getUint16(pos + PcapHeader.versionMinor, le),
      thiszone: dv.getInt32(pos + PcapHeader.thiszone, le),
      sigfigs: dv.getUint32(pos + PcapHeader.sigfigs, le),
      snaplen,
      linkType: field & PcapLinkTypeBits.linkType,
      linkTypeField: field,
    };
    if ((field & PcapLinkTypeBits.fcsPresent) !== 0) info.fcsLength = (field >>> PcapLinkTypeBits.fcsShift) * 2;
    this.info = info;
    this.le = le;
    this.nano = info.nanosecond;
    this.linkType = info.linkType;
    // A snaplen of 0 (or above libpcap's maximum) is treated as "no limit" below the maximum.
    this.snapLimit = snaplen === 0 || snaplen > MAX_CAPLEN ? MAX_CAPLEN : snaplen;
    this.mode = Mode.Pcap;
  }

  // ---- pcapng ----

  private block(buf: Uint8Array, dv: DataView, pos: number, len: number, offset: number): Frame | null {
    const le = this.le;
    const type = dv.getUint32(pos, le);
    const isPacket =
      type === PcapngBlockType.enhancedPacket || type === PcapngBlockType.simplePacket || type === PcapngBlockType.packet;
    const trailer = dv.getUint32(pos + len - 4, le);
    if (trailer !== len) {
      if (type === PcapngBlockType.sectionHeader) {
        // Skipping a section header would read the next blocks with the wrong section's byte order.
        this.fail(PcapErrorCode.badBlockTrailer, offset, `section header at offset ${offset}: trailing length ${trailer} != ${len}`);
      } else {
        if (type === PcapngBlockType.interfaceDescription) this.ifaces.push(undefined);
        this.warn(
          PcapErrorCode.badBlockTrailer,
          offset,
          `block at offset ${offset} (type 0x${type.toString(16)}): trailing length ${trailer} != leading ${len}; block skipped`,
          isPacket ? this.frameCount + 1 : undefined,
        );
      }
      return null;
    }
    if (type === PcapngBlockType.enhancedPacket || type === PcapngBlockType.packet) {
      const epb = type === PcapngBlockType.enhancedPacket;
      if (len < PcapngEpb.data + 4) return this.badBody(offset, "packet block too short for its fixed fields");
      const id = epb ? dv.getUint32(pos + PcapngEpb.interfaceId, le) : dv.getUint16(pos + PcapngPb.interfaceId, le);
      const iface = this.ifaces[id];
      if (iface === undefined) {
        this.warn(PcapErrorCode.unknownInterface, offset, `packet block at offset ${offset} names undeclared interface ${id}; skipped`, this.frameCount + 1);
        return null;
      }
      const caplen = dv.getUint32(pos + PcapngEpb.caplen, le);
      if (caplen > len - PcapngEpb.data - 4) {
        return this.badBody(offset, `captured length ${caplen} does not fit in a ${len}-byte block`);
      }
      const snap = iface.info.snaplen;
      if (caplen > MAX_CAPLEN) {
        this.warn(PcapErrorCode.badCaplen, offset, `packet block at offset ${offset}: captured length ${caplen} exceeds 262144; skipped`, this.frameCount + 1);
        return null;
      }
      if (snap !== 0 && caplen > snap && !this.warnedSnaplen) {
        // Read, as Wireshark reads it, so that frame numbers stay Wireshark's; said once per file.
        this.warnedSnaplen = true;
        this.warn(
          PcapErrorCode.badCaplen,
          offset,
          `packet block at offset ${offset}: captured length ${caplen} exceeds the interface's snaplen ${snap}; read anyway (later ones are not reported)`,
          this.frameCount + 1,
        );
      }
      const start = pos + PcapngEpb.data;
      this.frameCount++;
      iface.info.packets++;
      return {
        timestampNs: this.ts(iface, dv.getUint32(pos + PcapngEpb.timestampHigh, le), dv.getUint32(pos + PcapngEpb.timestampLow, le)),
        wireLength: dv.getUint32(pos + PcapngEpb.origlen, le),
        data: buf.subarray(start, start + caplen),
        linkType: iface.info.linkType,
        interfaceId: id,
        interfaceName: iface.info.name,
      };
    }
    if (type === PcapngBlockType.simplePacket) {
      const iface = this.ifaces[0];
      if (iface === undefined) {
        this.warn(PcapErrorCode.unknownInterface, offset, `simple packet block at offset ${offset} before any interface; skipped`, this.frameCount + 1);
        return null;
      }
      if (len < PcapngSpb.data + 4) return this.badBody(offset, "simple packet block too short");
      const origlen = dv.getUint32(pos + PcapngSpb.origlen, le);
      const snap = iface.info.snaplen;
      const caplen = snap !== 0 && snap < origlen ? snap : origlen;
      if (caplen > len - PcapngSpb.data - 4) {
        return this.badBody(offset, `simple packet block: ${caplen} bytes do not fit in a ${len}-byte block`);
      }
      const start = pos + PcapngSpb.data;
      this.frameCount++;
      iface.info.packets++;
      return {
        // An SPB carries no timestamp.
        timestampNs: 0n,
        wireLength: origlen,
        data: buf.subarray(start, start + caplen),
        linkType: iface.info.linkType,
        interfaceId: 0,
        interfaceName: iface.info.name,
      };
    }
    switch (type) {
      case PcapngBlockType.sectionHeader:
        this.sectionHeader(dv, pos, len, offset);
        break;
      case PcapngBlockType.interfaceDescription:
        this.interfaceDescription(dv, pos, len, offset);
        break;
      case PcapngBlockType.interfaceStatistics:
        this.interfaceStatistics(dv, pos, len, offset);
        break;
      default:
      // Unknown, custom, name-resolution, journal... blocks: skipped by their length.
    }
    return null;
  }

  private badBody(offset: number, why: string): null {
    this.warn(PcapErrorCode.badBlockBody, offset, `block at offset ${offset}: ${why}; skipped`, this.frameCount + 1);
    return null;
  }

  /** Convert a pcapng timestamp (units of the interface's resolution) to ns since the epoch. */
  private ts(s: IfaceState, high: number, low: number): bigint {
    if (s.mul !== 0) {
      if (high !== s.lastHigh) {
        s.lastHigh = high;
        s.lastHighNs = BigInt(high) * 4294967296n * s.mulBig + s.offsetNs;
      }
      return s.lastHighNs + BigInt(low * s.mul);
    }
    const units = (BigInt(high) << 32n) | BigInt(low);
    // Floor: 2^-n and sub-nanosecond resolutions do not always give whole nanoseconds.
    return (units * NS_PER_S) / s.info.unitsPerSecond + s.offsetNs;
  }

  private sectionHeader(dv: DataView, pos: number, len: number, offset: number): void {
    const le = this.le;
    if (len < PcapngShb.options + 4) {
      this.fail(PcapErrorCode.badBlockBody, offset, `section header at offset ${offset} too short (${len} bytes)`);
      return;
    }
    const versionMajor = dv.getUint16(pos + PcapngShb.versionMajor, le);
    if (versionMajor !== 1) {
      this.fail(PcapErrorCode.badVersion, offset, `pcapng section at offset ${offset}: major version ${versionMajor}, expected 1`);
      return;
    }
    const section: PcapngSectionInfo = {
      offset,
      byteOrder: le ? "le" : "be",
      versionMajor,
      versionMinor: dv.getUint16(pos + PcapngShb.versionMinor, le),
      sectionLength: dv.getBigInt64(pos + PcapngShb.sectionLength, le),
      interfaces: [],
    };
    this.options(dv, pos + PcapngShb.options, pos + len - 4, offset, (code, vpos, vlen) => {
      if (code === PcapngOption.shbHardware) section.hardware = str(dv, vpos, vlen);
      else if (code === PcapngOption.shbOs) section.os = str(dv, vpos, vlen);
      else if (code === PcapngOption.shbUserAppl) section.userAppl = str(dv, vpos, vlen);
    });
    const info = this.info;
    if (info === undefined || info.format !== "pcapng") this.info = { format: "pcapng", sections: [section], sectionCount: 1 };
    else {
      info.sectionCount++;
      if (info.sections.length < MAX_SECTIONS_KEPT) info.sections.push(section);
      else this.unkept(offset, `more than ${MAX_SECTIONS_KEPT} sections`);
    }
    this.section = section;
    // The previous section's interfaces are freed here (those described in info stay there).
    this.ifaces = [];
  }

  private interfaceDescription(dv: DataView, pos: number, len: number, offset: number): void {
    const le = this.le;
    const section = this.section;
    if (section === undefined) return;
    if (this.ifaces.length >= MAX_INTERFACES_PER_SECTION) {
      this.fail(
        PcapErrorCode.limitExceeded,
        offset,
        `interface description block at offset ${offset}: more than ${MAX_INTERFACES_PER_SECTION} interfaces in one section (igmpkit's limit)`,
      );
      return;
    }
    if (len < PcapngIdb.options + 4) {
      this.ifaces.push(undefined);
      this.badBody(offset, "interface description block too short");
      return;
    }
    const info: PcapngInterface = {
      id: this.ifaces.length,
      linkType: dv.getUint16(pos + PcapngIdb.linkType, le),
      snaplen: dv.getUint32(pos + PcapngIdb.snaplen, le),
      name: undefined,
      tsresol: 6,
      unitsPerSecond: 1_000_000n,
      tsoffsetSeconds: 0n,
      packets: 0,
    };
    this.options(dv, pos + PcapngIdb.options, pos + len - 4, offset, (code, vpos, vlen) => {
      switch (code) {
        case PcapngOption.ifName:
          info.name = str(dv, vpos, vlen);
          return true;
        case PcapngOption.ifDescription:
          info.description = str(dv, vpos, vlen);
          return true;
        case PcapngOption.ifTsresol:
          if (vlen !== 1) return false;
          info.tsresol = dv.getUint8(vpos);
          return true;
        case PcapngOption.ifTsoffset:
          if (vlen !== 8) return false;
          info.tsoffsetSeconds = dv.getBigInt64(vpos, le);
          return true;
        case PcapngOption.ifFcslen:
          if (vlen !== 1) return false;
          info.fcsLength = dv.getUint8(vpos);
          return true;
      }
      return true;
    });
    const r = info.tsresol;
    info.unitsPerSecond = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
    // 10^-r with r <= 9: whole ns per unit. low * 10^(9-r) = low * 5^(9-r) * 2^(9-r) is exact in a double
    // because low * 5^9 < 2^53.
    const mul = (r & 0x80) === 0 && r <= 9 ? 10 ** (9 - r) : 0;
    this.ifaces.push({
      info,
      mul,
      mulBig: BigInt(mul),
      offsetNs: info.tsoffsetSeconds * NS_PER_S,
      lastHigh: -1,
      lastHighNs: 0n,
    });
    const info_ = this.info;
    const described = info_ !== undefined && info_.format === "pcapng" && info_.sections[info_.sections.length - 1] === section;
    if (described && this.ifacesKept < MAX_INTERFACES_KEPT) {
      section.interfaces.push(info);
      this.ifacesKept++;
    } else if (described) this.unkept(offset, `more than ${MAX_INTERFACES_KEPT} interfaces in all`);
  }

  /** Say once that the file describes more than `info` keeps (reading goes on). */
  private unkept(offset: number, what: string): void {
    if (this.warnedUnkept) return;
    this.warnedUnkept = true;
    this.warn(PcapErrorCode.limitExceeded, offset, `block at offset ${offset}: ${what}; read, but not described in the file info from here on`);
  }

  private interfaceStatistics(dv: DataView, pos: number, len: number, offset: number): void {
    const le = this.le;
    if (len < PcapngIsb.options + 4) {
      this.badBody(offset, "interface statistics block too short");
      return;
    }
    const id = dv.getUint32(pos + PcapngIsb.interfaceId, le);
    const iface = this.ifaces[id];
    if (iface === undefined) {
      this.warn(PcapErrorCode.unknownInterface, offset, `statistics block at offset ${offset} names undeclared interface ${id}; skipped`);
      return;
    }
    const stats: InterfaceStatistics = {
      timestampNs: this.ts(iface, dv.getUint32(pos + PcapngIsb.timestampHigh, le), dv.getUint32(pos + PcapngIsb.timestampLow, le)),
    };
    this.options(dv, pos + PcapngIsb.options, pos + len - 4, offset, (code, vpos, vlen) => {
      if (code < PcapngOption.isbStartTime || code > PcapngOption.isbUsrDeliv) return true;
      if (vlen !== 8) return false;
      // Timestamps are stored high word first; counters are plain u64 in the section's byte order.
      if (code === PcapngOption.isbStartTime || code === PcapngOption.isbEndTime) {
        const t = this.ts(iface, dv.getUint32(vpos, le), dv.getUint32(vpos + 4, le));
        if (code === PcapngOption.isbStartTime) stats.startTimeNs = t;
        else stats.endTimeNs = t;
        return true;
      }
      const v = dv.getBigUint64(vpos, le);
      if (code === PcapngOption.isbIfRecv) stats.ifRecv = v;
      else if (code === PcapngOption.isbIfDrop) stats.ifDrop = v;
      else if (code === PcapngOption.isbFilterAccept) stats.filterAccept = v;
      else if (code === PcapngOption.isbOsDrop) stats.osDrop = v;
      else stats.usrDeliv = v;
      return true;
    });
    iface.info.stats = stats;
  }

  /**
   * Walk the options in [from, to). `each` returns false for a value of the wrong length, which is
   * reported (non-fatal) and ignored; an option that runs past the block ends the walk.
   */
  private options(
    dv: DataView,
    from: number,
    to: number,
    blockOffset: number,
    each: (code: number, vpos: number, vlen: number) => boolean | void,
  ): void {
    const le = this.le;
    let p = from;
    while (p + 4 <= to) {
      const code = dv.getUint16(p, le);
      const vlen = dv.getUint16(p + 2, le);
      if (code === PcapngOption.endOfOpt) return;
      if (p + 4 + vlen > to) {
        this.warn(PcapErrorCode.badOption, blockOffset, `block at offset ${blockOffset}: option ${code} (${vlen} bytes) runs past the block; rest ignored`);
        return;
      }
      if (each(code, p + 4, vlen) === false) {
        this.warn(PcapErrorCode.badOption, blockOffset, `block at offset ${blockOffset}: option ${code} has a bad length ${vlen}; ignored`);
      }
      p += 4 + ((vlen + 3) & ~3);
    }
  }
}

/** A string option, at most {@link MAX_OPTION_STRING} bytes of it (cut ones end in "…"). */
function str(dv: DataView, pos: number, len: number): string {
  let n = len;
  // Some writers include the terminating NUL in the option length.
  while (n > 0 && dv.getUint8(pos + n - 1) === 0) n--;
  if (n > MAX_OPTION_STRING) return `${textDecoder.decode(new Uint8Array(dv.buffer, dv.byteOffset + pos, MAX_OPTION_STRING))}…`;
  return textDecoder.decode(new Uint8Array(dv.buffer, dv.byteOffset + pos, n));
}

/** Everything a whole-buffer parse yields. */
export interface ParsedCapture {
  frames: Frame[];
  info: CaptureInfo | undefined;
  errors: PcapError[];
  fatal: PcapError | undefined;
}

/**
 * Parse a capture held in memory (one buffer, or a sequence of chunks) in one call. For files of any size,
 * use a CaptureParser and push chunks.
 */
export function parseCapture(input: Uint8Array | Iterable<Uint8Array>): ParsedCapture {
  const p = new CaptureParser();
  const frames: Frame[] = [];
  const chunks = input instanceof Uint8Array ? [input] : input;
  for (const c of chunks) {
    p.push(c);
    for (let f = p.next(); f !== undefined; f = p.next()) frames.push(f);
  }
  p.end();
  for (let f = p.next(); f !== undefined; f = p.next()) frames.push(f);
  return { frames, info: p.info, errors: p.errors, fatal: p.fatal };
}
