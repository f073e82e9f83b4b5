/**
 * The checked view over a captured frame: the one place that walks a frame's headers.
 *
 * Link layer (every link type igmpkit knows, the VLAN stack), IPv4 (lengths, options and Router Alert,
 * fragments, the header checksum) and IGMP (lengths, counts, the checksum, what `parseIgmp` would warn
 * about), without allocating. `parseLink`, `parseIPv4` and `decodeFrame` build their values from what it
 * finds, and the fast JSON and text writers of the CLI read the bytes through its accessors, so every
 * path agrees on what a frame is (a property test holds them to it).
 *
 * A view is reusable: `wrap` one frame, read its fields, `wrap` the next. Offsets it gives are absolute
 * (into `data`); offsets in its issues are relative to the frame's start, as in the JSON model.
 */
import { expectedChecksumOfView } from "./checksum.js";
import { WireErrorCode, issue, type WireIssue } from "./errors.js";
import { toHex } from "./hex.js";
import { IGMP_OFFSETS as IO, IgmpType, QUERY_FLAG_BITS, REPORT_E_BIT, type IgmpKind } from "./igmp.js";
import { IPV4_OFFSETS as IP, IPv4OptionType, type IPv4Header, type IPv4Option, type IPv4ParseResult } from "./ipv4.js";
import { ETHERNET_OFFSETS as EO, ETHERTYPE, LinkType, SLL2_OFFSETS, SLL_OFFSETS, linkName, type LinkParseResult } from "./link.js";
import { readIPv4 } from "./address.js";

/** What `FrameView.wrap` found. */
export const ViewStatus = {
  /**
   * An IGMP message that `decodeFrame` reads whole: no error at any layer except, possibly, a bad IPv4
   * header checksum (see `ipChecksumValid`); the IGMP checksum may be bad too (see `igmpChecksumValid`).
   */
  igmp: 0,
  /** Not IPv4, or IPv4 carrying another protocol, with nothing wrong. */
  notIgmp: 1,
  /** The capture holds fewer bytes than a header or length says (a `truncated` error). */
  truncated: 2,
  /** Any other error: impossible lengths or counts, a bad option, a fragment, trailing bytes... */
  malformed: 3,
  /** A link type the view does not know. */
  unsupportedLink: 4,
} as const;
export type ViewStatus = (typeof ViewStatus)[keyof typeof ViewStatus];

/** The link layer a view found, by how its addresses are laid out. */
export const LinkKind = { raw: 0, ethernet: 1, linuxSll: 2, linuxSll2: 3, null: 4, unsupported: 5 } as const;
export type LinkKind = (typeof LinkKind)[keyof typeof LinkKind];

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const isMcast = (b: Uint8Array, i: number): boolean => b[i]! >= 224 && b[i]! <= 239;
const isZero4 = (b: Uint8Array, i: number): boolean => (b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) === 0;
const hex4 = (n: number): string => n.toString(16).padStart(4, "0");

/**
 * One IPv4 option at `buf[i]`, the header ending at `end`: its length (1 for NOP), 0 for End of List
 * (stop), -1 when its length byte runs past the header (RFC 791 §3.1).
 */
export function ipv4OptionLength(buf: Uint8Array, i: number, end: number): number {
  const type = buf[i]!;
  if (type === IPv4OptionType.endOfList) return 0;
  if (type === IPv4OptionType.noOperation) return 1;
  if (i + 2 > end || buf[i + 1]! < 2 || i + buf[i + 1]! > end) return -1;
  return buf[i + 1]!;
}

// What each recorded issue says: layer, code and message template (arguments a and b).
const enum T {
  linkShort,
  vlanCut,
  unsupportedLink,
  noIp,
  ipVersion,
  ihl,
  ipHeaderCut,
  totalShort,
  option,
  ipChecksum,
  fragment,
  ipCut,
  igmp,
}
const LINK_WHAT = ["raw IP", "Ethernet", "Linux cooked", "Linux cooked v2", "loopback", ""];
const MAX_ISSUES = 8;

/**
 * A zero-copy checked view over one frame. Reusable: call {@link FrameView.wrap} for each frame; fields
 * and accessors describe the last frame wrapped.
 *
 * ```ts
 * const view = new FrameView();
 * if (view.wrap(bytes, LinkType.ethernet) === ViewStatus.igmp && view.type === IgmpType.v3MembershipReport)
 *   console.log(view.recordCount);
 * ```
 */
export class FrameView {
  data: Uint8Array = new Uint8Array(0);
  /** A DataView over {@link data} for the checksums (made again when `data` is another array). */
  private dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private dvData: Uint8Array | null = null;
  /** The frame is `data[start, end)`. */
  start = 0;
  end = 0;
  linkType = 0;
  status: ViewStatus = ViewStatus.notIgmp;

  // ---- link layer
  linkKind: LinkKind = LinkKind.raw;
  /** Offsets of the source and destination MAC addresses, -1 when the link has none. */
  macSrcOffset = -1;
  macDstOffset = -1;
  /** Offset of the first VLAN tag, and the number of tags (outermost first). */
  tagsOffset = 0;
  /** Number of VLAN tags in front of the network layer. */
  vlanCount = 0;
  /** The network layer's protocol (EtherType; 0x0800 for raw IPv4), -1 when not known. */
  etherType = -1;
  /** Offset of the network-layer header. */
  netOffset = 0;

  // ---- IPv4
  /** Offset of the IPv4 header, -1 when there is none that could be read. */
  ipOffset = -1;
  ipHeaderLength = 0;
  ipTotalLength = 0;
  ipChecksumValid = false;
  /** The header checksum that would verify. */
  ipChecksumExpected = 0;
  /** A complete Router Alert option (RFC 2113) is in the header. */
  routerAlert = false;

  // ---- IGMP
  /** Offset of the IGMP message, and its length from the IPv4 Total Length. */
  igmpOffset = 0;
  igmpLength = 0;
  /** IGMP bytes captured (at most `igmpLength`). */
  igmpAvailable = 0;
  /** The IGMP checksum verifies (false too when not all of the message was captured). */
  igmpChecksumValid = false;
  /** The IGMP checksum that would verify (when the message was captured whole). */
  igmpChecksumExpected = 0;
  /** IGMP type byte (0 when there is no IGMP message). */
  type = 0;
  /** Query/report version (1, 2, 3), 0 for other types or an invalid query length. */
  version = 0;
  /** `decodeFrame` gives an IGMP message for this frame. */
  hasIgmp = false;
  /** `parseIgmp` would give warnings for the message. */
  warned = false;
  /** The message carries data after its sources or records (the RFC 9279 TLVs, or a warned-of tail). */
  hasAdditional = false;

  // ---- issues: layer/code/offset/message arguments, in decodeFrame's order
  /** Number of errors `decodeFrame` reports for this frame. */
  errorCount = 0;
  private readonly iT = new Uint8Array(MAX_ISSUES);
  /** Offset, then the message's two arguments, per issue. */
  private readonly iN = new Float64Array(3 * MAX_ISSUES);
  private igmpCode: WireErrorCode = WireErrorCode.truncated;

  /**
   * True when the frame is an IGMP message with nothing to report: no error, no warning, both
   * checksums valid. Writers that read the view alone handle these.
   */
  get clean(): boolean {
    return this.status === ViewStatus.igmp && this.errorCount === 0 && !this.warned && this.igmpChecksumValid;
  }

  /** The JSON model's `kind` of the IGMP message. */
  get kind(): IgmpKind {
    return igmpKindOf(this.type);
  }

  /** The VLAN ID of tag `k` (0: outermost). */
  vlanId(k: number): number {
    return u16(this.data, this.tagsOffset + EO.tagLength * k) & 0x0fff;
  }

  // IPv4 fields (valid when ipOffset >= 0)
  get tos(): number {
    return this.data[this.ipOffset + IP.tos]!;
  }
  get ttl(): number {
    return this.data[this.ipOffset + IP.ttl]!;
  }
  get protocol(): number {
    return this.data[this.ipOffset + IP.protocol]!;
  }
  get ipId(): number {
    return u16(this.data, this.ipOffset + IP.id);
  }
  /** The 3 flag bits (0x4 DF, 0x1 MF... as a number 0..7). */
  get ipFlags(): number {
    return this.data[this.ipOffset + IP.flagsFragment]! >> 5;
  }
  get fragmentOffset(): number {
    return u16(this.data, this.ipOffset + IP.flagsFragment) & 0x1fff;
  }
  get ipChecksum(): number {
    return u16(this.data, this.ipOffset + IP.checksum);
  }
  /** Source address of the IPv4 header as a 32-bit number. */
  get ipSrc(): number {
    return u32(this.data, this.ipOffset + IP.src);
  }
  /** Destination address of the IPv4 header as a 32-bit number. */
  get ipDst(): number {
    return u32(this.data, this.ipOffset + IP.dst);
  }

  // IGMP fields (valid when hasIgmp)
  /** Byte 1: Max Resp Code (queries), reserved/unused byte (reports), hops (mtrace), code. */
  get code(): number {
    return this.data[this.igmpOffset + IO.code]!;
  }
  get igmpChecksum(): number {
    return u16(this.data, this.igmpOffset + IO.checksum);
  }
  /** Group address as a 32-bit number (queries, v1/v2 reports, leaves). */
  get group(): number {
    return u32(this.data, this.igmpOffset + IO.group);
  }
  /** The v3 query's flags byte (E, Resv, S, QRV). */
  get queryFlags(): number {
    return this.data[this.igmpOffset + IO.queryFlags]!;
  }
  get qqic(): number {
    return this.data[this.igmpOffset + IO.qqic]!;
  }
  /** Number of sources of a v3 query. */
  get sourceCount(): number {
    return u16(this.data, this.igmpOffset + IO.queryNumSources);
  }
  /** Offset of a v3 query's first source. */
  get sourcesOffset(): number {
    return this.igmpOffset + IO.querySources;
  }
  /** The v3 report's 16-bit field before the record count (E bit included). */
  get reportFlags(): number {
    return u16(this.data, this.igmpOffset + IO.reportReserved2);
  }
  /** Number of group records of a v3 report (0 for other messages). */
  get recordCount(): number {
    return this.type === IgmpType.v3MembershipReport ? u16(this.data, this.igmpOffset + IO.reportNumRecords) : 0;
  }
  /** Offset of a v3 report's first group record; step with {@link nextRecord}. */
  get firstRecord(): number {
    return this.igmpOffset + IO.reportRecords;
  }
  recordType(r: number): number {
    return this.data[r + IO.recordType]!;
  }
  recordAuxWords(r: number): number {
    return this.data[r + IO.recordAuxLen]!;
  }
  recordSourceCount(r: number): number {
    return u16(this.data, r + IO.recordNumSources);
  }
  /** Offset of the record's group address (its sources follow it). */
  recordGroupOffset(r: number): number {
    return r + IO.recordGroup;
  }
  recordSourcesOffset(r: number): number {
    return r + IO.recordSources;
  }
  nextRecord(r: number): number {
    return r + IO.recordSources + 4 * u16(this.data, r + IO.recordNumSources) + 4 * this.data[r + IO.recordAuxLen]!;
  }
  /** MRD advertisement fields (RFC 4286 §2). */
  get mrdQueryInterval(): number {
    return u16(this.data, this.igmpOffset + IO.mrdQueryInterval);
  }
  get mrdRobustness(): number {
    return u16(this.data, this.igmpOffset + IO.mrdRobustness);
  }

  /** The layer, code and offset (relative to the frame) of error `k` (0 ≤ k < errorCount). */
  errorLayer(k: number): "link" | "ipv4" | "igmp" {
    const t = this.iT[k]!;
    return t <= T.unsupportedLink ? "link" : t === T.igmp ? "igmp" : "ipv4";
  }
  errorCode(k: number): WireErrorCode {
    switch (this.iT[k]! as T) {
      case T.linkShort:
      case T.vlanCut:
      case T.noIp:
      case T.ipHeaderCut:
      case T.ipCut:
        return WireErrorCode.truncated;
      case T.unsupportedLink:
        return WireErrorCode.unsupportedLink;
      case T.ipVersion:
        return WireErrorCode.badVersion;
      case T.ihl:
      case T.totalShort:
        return WireErrorCode.badLength;
      case T.option:
        return WireErrorCode.badOption;
      case T.ipChecksum:
        return WireErrorCode.badIpChecksum;
      case T.fragment:
        return WireErrorCode.fragment;
      default:
        return this.igmpCode;
    }
  }
  errorOffset(k: number): number {
    return this.iN[3 * k]! - this.start;
  }

  /**
   * The link and IPv4 errors as the JSON model's records (allocates: for the slow path). IGMP errors are
   * left to `parseIgmp`, which words them with the message's detail.
   */
  headerIssues(base = this.start): WireIssue[] {
    const out: WireIssue[] = [];
    for (let k = 0; k < this.errorCount; k++) {
      const t = this.iT[k]! as T;
      if (t === T.igmp) continue;
      out.push(issue(this.errorLayer(k), this.errorCode(k), this.iN[3 * k]! - base, this.message(t, this.iN[3 * k + 1]!, this.iN[3 * k + 2]!)));
    }
    return out;
  }

  private message(t: T, a: number, b: number): string {
    switch (t) {
      case T.linkShort:
        return `capture cut inside the ${LINK_WHAT[this.linkKind]} header (${a} of ${b} bytes)`;
      case T.vlanCut:
        return "capture cut inside a VLAN tag";
      case T.unsupportedLink:
        return `link type ${a} is not decoded`;
      case T.noIp:
        return "no IPv4 header captured";
      case T.ipVersion:
        return `IP version ${a}, not 4`;
      case T.ihl:
        return `IHL ${a} is below the minimum of 5`;
      case T.ipHeaderCut:
        return `capture cut at ${a} of ${b} IPv4 header bytes`;
      case T.totalShort:
        return `Total Length ${a} is shorter than the ${b}-byte header`;
      case T.option:
        return `IPv4 option 0x${a.toString(16)} runs past the header`;
      case T.ipChecksum:
        return `IPv4 header checksum 0x${hex4(a)}, expected 0x${hex4(b)}`;
      case T.fragment:
        return "IPv4 fragment: IGMP is never fragmented";
      case T.ipCut:
        return `capture cut at ${a} of ${b} IP bytes`;
      default:
        return "";
    }
  }

  private fail(t: T, at: number, a = 0, b = 0): void {
    const k = this.errorCount++;
    this.iT[k] = t;
    this.iN[3 * k] = at;
    this.iN[3 * k + 1] = a;
    this.iN[3 * k + 2] = b;
  }

  /** Look at one frame, `data[start, end)` (default: all of it). Returns `status`. Never throws. */
  wrap(data: Uint8Array, linkType: number, start = 0, end = data.length): ViewStatus {
    // frames of one chunk share their array: no store (and no write barrier, the array being younger than
    // the view) per frame
    if (data !== this.data) this.data = data;
    this.start = start;
    this.end = end;
    this.linkType = linkType;
    this.type = 0;
    this.version = 0;
    this.hasIgmp = false;
    this.warned = false;
    this.hasAdditional = false;
    this.errorCount = 0;
    this.ipOffset = -1;
    this.routerAlert = false;
    this.ipChecksumValid = false;
    this.igmpChecksumValid = false;
    if (!this.walkLink(data, linkType, start, end)) return (this.status = ViewStatus.unsupportedLink);
    if (this.etherType === ETHERTYPE.ipv4) {
      const o = this.netOffset;
      const avail = end - o;
      if (this.walkIPv4(o, avail) && this.protocol === 2 && this.fragmentOffset === 0) {
        const hlen = this.ipHeaderLength;
        const declared = this.ipTotalLength - hlen;
        this.walkIgmp(o + hlen, Math.min(declared, avail - hlen), declared);
      }
    }
    return (this.status = this.classify());
  }

  private classify(): ViewStatus {
    let other = false;
    for (let k = 0; k < this.errorCount; k++) {
      const c = this.errorCode(k);
      if (c === WireErrorCode.truncated) return ViewStatus.truncated;
      if (c !== WireErrorCode.badIpChecksum) other = true;
    }
    if (other) return ViewStatus.malformed;
    return this.hasIgmp ? ViewStatus.igmp : ViewStatus.notIgmp;
  }

  /** Find the network layer (parseLink's rules). False for an unknown link type. */
  private walkLink(b: Uint8Array, linkType: number, s: number, n: number): boolean {
    this.macSrcOffset = -1;
    this.macDstOffset = -1;
    this.vlanCount = 0;
    this.etherType = -1;
    this.netOffset = s;
    this.tagsOffset = s;
    let et: number;
    let hl: number;
    switch (linkType) {
      case LinkType.ethernet:
        this.linkKind = LinkKind.ethernet;
        hl = EO.headerLength;
        if (n - s < hl) return this.linkShort(s, n, hl);
        this.macDstOffset = s + EO.dst;
        this.macSrcOffset = s + EO.src;
        et = u16(b, s + EO.etherType);
        break;
      case LinkType.linuxSll:
        this.linkKind = LinkKind.linuxSll;
        hl = SLL_OFFSETS.headerLength;
        if (n - s < hl) return this.linkShort(s, n, hl);
        if (u16(b, s + SLL_OFFSETS.addrLen) === 6) this.macSrcOffset = s + SLL_OFFSETS.addr;
        et = u16(b, s + SLL_OFFSETS.protocol);
        break;
      case LinkType.linuxSll2:
        this.linkKind = LinkKind.linuxSll2;
        hl = SLL2_OFFSETS.headerLength;
        if (n - s < hl) return this.linkShort(s, n, hl);
        if (b[s + SLL2_OFFSETS.addrLen] === 6) this.macSrcOffset = s + SLL2_OFFSETS.addr;
        et = u16(b, s + SLL2_OFFSETS.protocol);
        break;
      case LinkType.raw:
      case LinkType.rawOpenBsd:
      case LinkType.rawBsd:
      case LinkType.ipv4: {
        this.linkKind = LinkKind.raw;
        if (n - s < 1) return this.linkShort(s, n, 1);
        const v = b[s]! >> 4;
        this.etherType = v === 4 ? ETHERTYPE.ipv4 : v === 6 ? ETHERTYPE.ipv6 : -1;
        return true;
      }
      case LinkType.null:
      case LinkType.loop: {
        this.linkKind = LinkKind.null;
        if (n - s < 4) return this.linkShort(s, n, 4);
        // DLT_NULL: AF_ value in the capturing host's byte order; DLT_LOOP: network order. AF_INET is 2 everywhere.
        const be = u32(b, s);
        const le = ((b[s + 3]! << 24) | (b[s + 2]! << 16) | (b[s + 1]! << 8) | b[s]!) >>> 0;
        this.etherType = be === 2 || le === 2 ? ETHERTYPE.ipv4 : -1;
        this.netOffset = s + 4;
        return true;
      }
      default:
        this.linkKind = LinkKind.unsupported;
        this.fail(T.unsupportedLink, s, linkType);
        return false;
    }
    // the VLAN stack (802.1Q, 802.1ad, and the old 0x9100 TPID)
    let i = s + hl;
    this.tagsOffset = i;
    while (et === ETHERTYPE.vlan || et === ETHERTYPE.qinq || et === ETHERTYPE.qinqOld) {
      if (i + EO.tagLength > n) {
        this.fail(T.vlanCut, i);
        this.netOffset = n;
        return true;
      }
      this.vlanCount++;
      et = u16(b, i + 2);
      i += EO.tagLength;
    }
    this.etherType = et;
    this.netOffset = i;
    return true;
  }

  private linkShort(s: number, n: number, need: number): boolean {
    this.fail(T.linkShort, n, n - s, need);
    this.netOffset = n;
    return true;
  }

  /**
   * The IPv4 header at `o` with `avail` bytes captured from there (parseIPv4's rules). True when a
   * header was read (its errors, if any, recorded).
   */
  walkIPv4(o: number, avail: number): boolean {
    const b = this.data;
    if (avail < 1) return this.fail(T.noIp, o), false;
    const vi = b[o]!;
    if (vi >> 4 !== 4) return this.fail(T.ipVersion, o, vi >> 4), false;
    const ihl = vi & 0x0f;
    if (ihl < 5) return this.fail(T.ihl, o, ihl), false;
    const hlen = ihl * 4;
    if (avail < hlen) return this.fail(T.ipHeaderCut, o + avail, avail, hlen), false;
    const total = u16(b, o + IP.totalLength);
    if (total < hlen) return this.fail(T.totalShort, o + IP.totalLength, total, hlen), false;
    this.ipOffset = o;
    this.ipHeaderLength = hlen;
    this.ipTotalLength = total;
    // options (RFC 791 §3.1), Router Alert (RFC 2113)
    const hend = o + hlen;
    for (let i = o + IP.options; i < hend; ) {
      const len = ipv4OptionLength(b, i, hend);
      if (len === 0) break;
      if (len < 0) {
        this.fail(T.option, i, b[i]!);
        break;
      }
      if (b[i] === IPv4OptionType.routerAlert) this.routerAlert = true;
      i += len;
    }
    const expected = this.expectedChecksum(o, hend, o + IP.checksum);
    this.ipChecksumExpected = expected;
    this.ipChecksumValid = expected === u16(b, o + IP.checksum);
    if (!this.ipChecksumValid) this.fail(T.ipChecksum, o + IP.checksum, u16(b, o + IP.checksum), expected);
    // IGMP is never fragmented: a first fragment (MF set, offset 0) is decoded but reported
    if ((b[o + IP.flagsFragment]! & 0x20) !== 0 || this.fragmentOffset !== 0) this.fail(T.fragment, o + IP.flagsFragment);
    if (avail < total) this.fail(T.ipCut, o + avail, avail, total);
    return true;
  }

  /** checksum.ts's `expectedChecksum` over `data[start, end)`, read 32 bits a load through a DataView over it. */
  private expectedChecksum(start: number, end: number, fieldOffset: number): number {
    const b = this.data;
    if (this.dvData !== b) {
      this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.dvData = b;
    }
    return expectedChecksumOfView(this.dv, b, start, end, fieldOffset);
  }

  private igmpFail(code: WireErrorCode, at: number): void {
    this.igmpCode = code;
    this.fail(T.igmp, at);
  }

  /** parseIgmp's bounds rule: reading past `declared` is count-overflow, past `avail` truncated. */
  private need(rel: number, n: number): boolean {
    if (rel + n <= this.igmpAvailable) return true;
    if (rel + n > this.igmpLength) this.igmpFail(WireErrorCode.countOverflow, this.igmpOffset + rel);
    else this.igmpFail(WireErrorCode.truncated, this.igmpOffset + this.igmpAvailable);
    return false;
  }

  /** Warn (as parseIgmp does) when the group at `i` is not multicast, or not 0.0.0.0 where allowed. */
  private warnGroup(i: number, allowZero: boolean): void {
    if (isMcast(this.data, i) || (allowZero && isZero4(this.data, i))) return;
    this.warned = true;
  }

  /** Data after the sources or records from `start` (absolute) to the declared end. */
  private additional(start: number, eFlag: boolean): void {
    const dEnd = this.igmpOffset + this.igmpLength;
    if (start >= dEnd) return;
    this.hasAdditional = true;
    if (eFlag && this.igmpAvailable >= this.igmpLength && extensionsValid(this.data, start, dEnd)) return;
    this.warned = true;
  }

  /** The IGMP message at `p` (parseIgmp's rules for errors and warnings; RFC 9776 §7.1 for versions). */
  private walkIgmp(p: number, available: number, declared: number): void {
    const b = this.data;
    const avail = Math.max(0, Math.min(available, declared));
    this.igmpOffset = p;
    this.igmpLength = declared;
    this.igmpAvailable = avail;
    if (!this.need(0, IO.minimumLength)) return;
    const type = b[p]!;
    const code = b[p + IO.code]!;
    this.type = type;
    if (avail >= declared) {
      const expected = this.expectedChecksum(p, p + declared, p + IO.checksum);
      this.igmpChecksumExpected = expected;
      this.igmpChecksumValid = expected === u16(b, p + IO.checksum);
    }
    switch (type) {
      case IgmpType.membershipQuery: {
        if (!this.need(0, IO.headerLength)) return;
        this.hasIgmp = true;
        const g = p + IO.group;
        if (declared === 8) {
          if (code === 0) {
            this.version = 1;
            if (!isZero4(b, g)) this.warned = true;
          } else {
            this.version = 2;
            this.warnGroup(g, true);
          }
          return;
        }
        if (declared < 12) {
          this.igmpFail(WireErrorCode.badLength, p);
          return;
        }
        this.warnGroup(g, true);
        if (!this.need(IO.queryFlags, 4)) {
          this.hasIgmp = false;
          return;
        }
        this.version = 3;
        const flags = b[p + IO.queryFlags]!;
        const n = u16(b, p + IO.queryNumSources);
        if ((flags & QUERY_FLAG_BITS.resv) !== 0) this.warned = true;
        const ok = this.need(IO.querySources, 4 * n);
        if (isZero4(b, g) && n > 0) this.warned = true;
        if (ok) this.additional(p + IO.querySources + 4 * n, (flags & QUERY_FLAG_BITS.e) !== 0);
        return;
      }
      case IgmpType.v1MembershipReport:
      case IgmpType.v2MembershipReport:
      case IgmpType.v2LeaveGroup:
        if (!this.need(0, IO.headerLength)) return;
        this.hasIgmp = true;
        this.version = type === IgmpType.v1MembershipReport ? 1 : 2;
        if (declared > IO.headerLength) this.warned = true;
        this.warnGroup(p + IO.group, false);
        if (type === IgmpType.v1MembershipReport && code !== 0) this.warned = true;
        return;
      case IgmpType.v3MembershipReport: {
        if (!this.need(0, IO.headerLength)) return;
        this.hasIgmp = true;
        this.version = 3;
        const r2 = u16(b, p + IO.reportReserved2);
        let m = u16(b, p + IO.reportNumRecords);
        if (code !== 0 || (r2 & ~REPORT_E_BIT) !== 0) this.warned = true;
        let rel: number = IO.reportRecords;
        // every byte declared captured (the common case): a record that fits the message needs no further
        // bounds checks; the first that does not goes to the general loop below, which says why
        if (avail >= declared) {
          let k = 0;
          for (; k < m; k++) {
            if (rel + IO.recordSources > declared) break;
            const aux = b[p + rel + IO.recordAuxLen]!;
            const end = rel + IO.recordSources + 4 * u16(b, p + rel + IO.recordNumSources) + 4 * aux;
            if (end > declared) break;
            // the same warnings as the general loop's
            if (aux > 0) this.warned = true;
            this.warnGroup(p + rel + IO.recordGroup, false);
            rel = end;
          }
          if (k === m) {
            this.additional(p + rel, (r2 & REPORT_E_BIT) !== 0);
            return;
          }
          m -= k;
        }
        for (let k = 0; k < m; k++) {
          if (!this.need(rel, 8)) return;
          const ns = u16(b, p + rel + IO.recordNumSources);
          const aux = b[p + rel + IO.recordAuxLen]!;
          const src = rel + IO.recordSources;
          if (!this.need(src, 4 * ns)) return;
          if (!this.need(src + 4 * ns, 4 * aux)) return;
          if (aux > 0) this.warned = true;
          this.warnGroup(p + rel + IO.recordGroup, false);
          rel = src + 4 * ns + 4 * aux;
        }
        this.additional(p + rel, (r2 & REPORT_E_BIT) !== 0);
        return;
      }
      case IgmpType.mtraceRequest:
      case IgmpType.mtraceResponse: {
        if (!this.need(0, IO.mtraceHeaderLength)) return;
        this.hasIgmp = true;
        const within = Math.min(avail, declared);
        let rel: number = IO.mtraceHeaderLength;
        while (rel + IO.mtraceBlockLength <= within) rel += IO.mtraceBlockLength;
        if (avail < declared) this.need(rel, declared - rel);
        else if (rel < declared) this.igmpFail(WireErrorCode.trailingBytes, p + rel);
        return;
      }
      case IgmpType.mrdAdvertisement:
        if (!this.need(0, IO.mrdAdvertisementLength)) return;
        this.hasIgmp = true;
        return;
      default:
        this.hasIgmp = true;
        return;
    }
  }
}

/** RFC 9279 TLVs filling `buf[start, end)` exactly (at least one). */
export function extensionsValid(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    if (i + 4 > end) return false;
    i += 4 + u16(buf, i + 2);
    if (i > end) return false;
  }
  return i > start;
}

/** The JSON model's `kind` of an IGMP type byte. */
export function igmpKindOf(type: number): IgmpKind {
  switch (type) {
    case IgmpType.membershipQuery:
      return "query";
    case IgmpType.v1MembershipReport:
      return "v1-report";
    case IgmpType.v2MembershipReport:
      return "v2-report";
    case IgmpType.v2LeaveGroup:
      return "leave";
    case IgmpType.v3MembershipReport:
      return "v3-report";
    case IgmpType.mtraceRequest:
      return "mtrace-request";
    case IgmpType.mtraceResponse:
      return "mtrace-response";
    case IgmpType.mrdAdvertisement:
      return "mrd-advertisement";
    case IgmpType.mrdSolicitation:
      return "mrd-solicitation";
    case IgmpType.mrdTermination:
      return "mrd-termination";
    case IgmpType.dvmrp:
      return "dvmrp";
    case IgmpType.pimV1:
      return "pim-v1";
    default:
      return type >= IgmpType.rgmpLeave ? "rgmp" : "unknown";
  }
}

function mac(buf: Uint8Array, i: number): string {
  let s = "";
  for (let k = 0; k < 6; k++) s += (k ? ":" : "") + buf[i + k]!.toString(16).padStart(2, "0");
  return s;
}

/** Find the network layer in a captured frame of the given link type (built on {@link FrameView}). */
export function parseLink(buf: Uint8Array, linkType: number): LinkParseResult {
  const v = new FrameView();
  v.wrap(buf, linkType, 0, buf.length);
  return linkResult(v);
}

/** The link layer of a wrapped view as a value. */
export function linkResult(v: FrameView): LinkParseResult {
  const b = v.data;
  const vlan: number[] = [];
  for (let k = 0; k < v.vlanCount; k++) vlan.push(v.vlanId(k));
  const errors = v.headerIssues().filter((e) => e.layer === "link");
  return {
    link: linkName(v.linkType),
    vlan,
    macSrc: v.macSrcOffset >= 0 ? mac(b, v.macSrcOffset) : null,
    macDst: v.macDstOffset >= 0 ? mac(b, v.macDstOffset) : null,
    etherType: v.etherType < 0 ? null : v.etherType,
    offset: v.netOffset - v.start,
    errors,
  };
}

/** The IPv4 header of a view (its `ipOffset` ≥ 0) as a value. */
export function ipv4HeaderOf(v: FrameView): IPv4Header {
  const b = v.data;
  const o = v.ipOffset;
  const hend = o + v.ipHeaderLength;
  const options: IPv4Option[] = [];
  for (let i = o + IP.options; i < hend; ) {
    const len = ipv4OptionLength(b, i, hend);
    const type = b[i]!;
    if (len < 0) break;
    if (len <= 1) {
      options.push({ type });
      if (len === 0) break;
      i++;
      continue;
    }
    options.push({ type, length: len, data: toHex(b, i + 2, i + len) });
    i += len;
  }
  return {
    ihl: v.ipHeaderLength / 4,
    tos: v.tos,
    totalLength: v.ipTotalLength,
    id: v.ipId,
    flags: v.ipFlags,
    fragmentOffset: v.fragmentOffset,
    ttl: v.ttl,
    protocol: v.protocol,
    checksum: v.ipChecksum,
    checksumValid: v.ipChecksumValid,
    src: readIPv4(b, o + IP.src),
    dst: readIPv4(b, o + IP.dst),
    optionsRaw: v.ipHeaderLength > IP.minHeaderLength ? toHex(b, o + IP.options, hend) : "",
    options,
    routerAlert: v.routerAlert,
  };
}

/**
 * Parse an IPv4 header at `offset`, with `available` bytes captured from there (built on {@link FrameView}).
 * Errors: bad-version, truncated (fewer bytes captured than the header or Total Length says),
 * bad-length (IHL < 5, Total Length < header), bad-ip-checksum, bad-option, fragment.
 */
export function parseIPv4(buf: Uint8Array, offset = 0, available = buf.length - offset): IPv4ParseResult {
  const v = new FrameView();
  v.data = buf;
  v.start = 0;
  v.errorCount = 0;
  v.ipOffset = -1;
  v.routerAlert = false;
  const ok = v.walkIPv4(offset, available);
  const errors = v.headerIssues(0);
  if (!ok) return { header: null, payloadOffset: offset, payloadAvailable: 0, payloadLength: 0, errors };
  const hlen = v.ipHeaderLength;
  const payloadLength = v.ipTotalLength - hlen;
  return { header: ipv4HeaderOf(v), payloadOffset: offset + hlen, payloadAvailable: Math.min(payloadLength, available - hlen), payloadLength, errors };
}
