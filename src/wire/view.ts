/**
 * A zero-copy checked view over a captured frame: finds the IPv4 and IGMP layers, checks lengths, both
 * checksums and the v3 record/source counts, and classifies the message, without allocating. For loops
 * over millions of frames that only need to count, select or route messages; `decodeFrame` gives the
 * full value when one is wanted.
 */
import { onesComplementSum } from "./checksum.js";
import { LinkType } from "./link.js";

/** What `FrameView.wrap` found. */
export const ViewStatus = {
  /** A complete, well-formed IGMP message (its checksum may still be bad: see `igmpChecksumValid`). */
  igmp: 0,
  /** Not IPv4, or IPv4 carrying another protocol. */
  notIgmp: 1,
  /** The capture holds fewer bytes than the headers say. */
  truncated: 2,
  /** Lengths or counts that cannot be right (malformed). */
  malformed: 3,
  /** A link type the view does not know. */
  unsupportedLink: 4,
} as const;
export type ViewStatus = (typeof ViewStatus)[keyof typeof ViewStatus];

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;

/** Reusable: call `wrap` for each frame; fields describe the last frame wrapped. */
export class FrameView {
  data: Uint8Array = new Uint8Array(0);
  status: ViewStatus = ViewStatus.notIgmp;
  /** Offset of the IPv4 header. */
  ipOffset = 0;
  /** Offset and length (from IPv4 Total Length) of the IGMP message. */
  igmpOffset = 0;
  igmpLength = 0;
  ipChecksumValid = false;
  igmpChecksumValid = false;
  /** IGMP type byte. */
  type = 0;
  /** Query/report version (1, 2, 3), 0 for other types or an invalid query length. */
  version = 0;
  /** Number of VLAN tags in front of IPv4. */
  vlanCount = 0;

  /** IGMP group address as a 32-bit number (queries, v1/v2 reports, leaves). */
  get group(): number {
    const b = this.data;
    const i = this.igmpOffset + 4;
    return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }
  /** Source address of the IPv4 header as a 32-bit number. */
  get ipSrc(): number {
    const b = this.data;
    const i = this.ipOffset + 12;
    return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }
  /** Number of group records of a v3 report. */
  get recordCount(): number {
    return this.type === 0x22 ? u16(this.data, this.igmpOffset + 6) : 0;
  }

  /** Look at one frame, `data[start, end)` (default: all of it). Returns `status`. Never throws. */
  wrap(data: Uint8Array, linkType: number, start = 0, end = data.length): ViewStatus {
    this.data = data;
    this.type = 0;
    this.version = 0;
    this.vlanCount = 0;
    const n = end;
    const s = start;
    let o: number;
    let et: number;
    switch (linkType) {
      case LinkType.ethernet:
        if (n - s < 14) return (this.status = ViewStatus.truncated);
        et = u16(data, s + 12);
        o = s + 14;
        while (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
          if (o + 4 > n) return (this.status = ViewStatus.truncated);
          et = u16(data, o + 2);
          o += 4;
          this.vlanCount++;
        }
        break;
      case LinkType.linuxSll:
        if (n - s < 16) return (this.status = ViewStatus.truncated);
        et = u16(data, s + 14);
        o = s + 16;
        break;
      case LinkType.linuxSll2:
        if (n - s < 20) return (this.status = ViewStatus.truncated);
        et = u16(data, s);
        o = s + 20;
        break;
      case LinkType.raw:
      case LinkType.ipv4:
      case LinkType.rawBsd:
      case LinkType.rawOpenBsd:
        et = 0x0800;
        o = s;
        break;
      case LinkType.null:
      case LinkType.loop:
        if (n - s < 4) return (this.status = ViewStatus.truncated);
        et = data[s] === 2 || data[s + 3] === 2 ? 0x0800 : 0;
        o = s + 4;
        break;
      default:
        return (this.status = ViewStatus.unsupportedLink);
    }
    if (et !== 0x0800) return (this.status = ViewStatus.notIgmp);
    if (o >= n) return (this.status = ViewStatus.truncated);
    const vi = data[o]!;
    if (vi >> 4 !== 4) return (this.status = ViewStatus.notIgmp);
    const ihl = (vi & 15) * 4;
    if (ihl < 20) return (this.status = ViewStatus.malformed);
    if (o + ihl > n) return (this.status = ViewStatus.truncated);
    const total = u16(data, o + 2);
    if (total < ihl) return (this.status = ViewStatus.malformed);
    // another protocol, or a non-first fragment (which carries no IGMP header)
    if (data[o + 9] !== 2 || (u16(data, o + 6) & 0x1fff) !== 0) return (this.status = ViewStatus.notIgmp);
    this.ipOffset = o;
    if (o + total > n) return (this.status = ViewStatus.truncated);
    this.ipChecksumValid = onesComplementSum(data, o, o + ihl) === 0xffff;
    const p = o + ihl;
    const len = total - ihl;
    this.igmpOffset = p;
    this.igmpLength = len;
    if (len < 4) return (this.status = ViewStatus.malformed);
    this.igmpChecksumValid = onesComplementSum(data, p, p + len) === 0xffff;
    const type = data[p]!;
    this.type = type;
    switch (type) {
      case 0x11:
        if (len === 8) this.version = data[p + 1] === 0 ? 1 : 2;
        else if (len >= 12) {
          if (12 + 4 * u16(data, p + 10) > len) return (this.status = ViewStatus.malformed);
          this.version = 3;
        } else return (this.status = ViewStatus.malformed);
        break;
      case 0x12:
        this.version = 1;
        if (len < 8) return (this.status = ViewStatus.malformed);
        break;
      case 0x16:
      case 0x17:
        this.version = 2;
        if (len < 8) return (this.status = ViewStatus.malformed);
        break;
      case 0x22: {
        this.version = 3;
        if (len < 8) return (this.status = ViewStatus.malformed);
        const m = u16(data, p + 6);
        const end = p + len;
        let r = p + 8;
        for (let k = 0; k < m; k++) {
          if (r + 8 > end) return (this.status = ViewStatus.malformed);
          r += 8 + 4 * u16(data, r + 2) + 4 * data[r + 1]!;
        }
        if (r > end) return (this.status = ViewStatus.malformed);
        break;
      }
      case 0x1e:
      case 0x1f:
        if (len < 24) return (this.status = ViewStatus.malformed);
        break;
      case 0x30:
        if (len < 8) return (this.status = ViewStatus.malformed);
        break;
      default:
        break;
    }
    return (this.status = ViewStatus.igmp);
  }
}
