/**
 * ARP (RFC 826) for IPv4 over Ethernet: the 28-byte packet after the link header, as a plain value.
 * The emulated hosts and the querier answer ARP for their addresses (src/host/arp.ts builds the frames);
 * igmpkit/wire does not export it (its surface is IGMP's).
 *
 * ```
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Hardware Type (1)         |     Protocol Type (0x0800)    |
 * |  HLEN (6)     |   PLEN (4)    |  Operation (1 req, 2 reply)   |
 * |               Sender Hardware Address (6 bytes) ...           |
 * |  ... | Sender Protocol Address (4) | Target Hardware Address (6) ... |
 * |               Target Protocol Address (4)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
import { readIPv4 } from "./address.js";
import { checkUint, putIPv4 } from "./check.js";
import { WireError, WireErrorCode, issue, type WireIssue } from "./errors.js";
import { ETHERTYPE, parseMac } from "./link.js";

/** ARP field offsets (RFC 826) for IPv4 over Ethernet, and the packet's length. */
export const ARP_OFFSETS = Object.freeze({ htype: 0, ptype: 2, hlen: 4, plen: 5, oper: 6, sha: 8, spa: 14, tha: 18, tpa: 24, length: 28 });
/** ARP operation codes (RFC 826). */
export const ArpOperation = { request: 1, reply: 2 } as const;
const A = ARP_OFFSETS;
/** ar$hrd of Ethernet (RFC 826: 1). */
const HTYPE_ETHERNET = 1;

/** An ARP packet for IPv4 over Ethernet. */
export interface ArpMessage {
  /** ar$op: 1 request, 2 reply; other codes kept as numbers. */
  operation: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** What `parseArp` read: the packet, or null with the errors saying why. */
export interface ArpParseResult {
  arp: ArpMessage | null;
  errors: WireIssue[];
}

/** Bytes `emitArp` writes: always 28 (IPv4 over Ethernet). */
export function arpEncodingLength(): number {
  return A.length;
}

function macAt(b: Uint8Array, i: number): string {
  let s = "";
  for (let k = 0; k < 6; k++) s += (k ? ":" : "") + b[i + k]!.toString(16).padStart(2, "0");
  return s;
}

/**
 * Read the ARP packet at `offset`, of which `available` bytes were captured. Fewer than 28 bytes is
 * `truncated`; a packet for another hardware or protocol (not Ethernet and IPv4 with 6- and 4-byte
 * addresses) is `bad-version`. Bytes after the 28 (Ethernet padding) are not looked at.
 */
export function parseArp(buf: Uint8Array, offset = 0, available = buf.length - offset): ArpParseResult {
  const avail = Math.max(0, Math.min(available, buf.length - offset));
  if (avail < A.length) return { arp: null, errors: [issue("arp", WireErrorCode.truncated, offset + avail, `ARP packet needs ${A.length} bytes, ${avail} captured`)] };
  const u16 = (i: number): number => (buf[offset + i]! << 8) | buf[offset + i + 1]!;
  const htype = u16(A.htype);
  const ptype = u16(A.ptype);
  if (htype !== HTYPE_ETHERNET || ptype !== ETHERTYPE.ipv4 || buf[offset + A.hlen] !== 6 || buf[offset + A.plen] !== 4)
    return { arp: null, errors: [issue("arp", WireErrorCode.badVersion, offset, `not ARP for IPv4 over Ethernet (hardware ${htype}, protocol 0x${ptype.toString(16).padStart(4, "0")}, lengths ${buf[offset + A.hlen]}/${buf[offset + A.plen]})`)] };
  return {
    arp: {
      operation: u16(A.oper),
      senderMac: macAt(buf, offset + A.sha),
      senderIp: readIPv4(buf, offset + A.spa),
      targetMac: macAt(buf, offset + A.tha),
      targetIp: readIPv4(buf, offset + A.tpa),
    },
    errors: [],
  };
}

/** Write `m` as a 28-byte ARP packet at `offset`; returns 28. A field that does not fit throws `WireError` `bad-value`. */
export function emitArp(m: ArpMessage, buf: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + A.length > buf.length) throw new WireError("arp", WireErrorCode.bufferTooSmall, offset, `need ${A.length} bytes at offset ${offset}`);
  checkUint("arp", m.operation, "operation", 0xffff, A.oper);
  const macOf = (v: string, what: string, at: number): Uint8Array => {
    try {
      return parseMac(v);
    } catch {
      throw new WireError("arp", WireErrorCode.badValue, at, `${what} ${JSON.stringify(v) ?? String(v)} is not a MAC address`);
    }
  };
  const sha = macOf(m.senderMac, "senderMac", A.sha);
  const tha = macOf(m.targetMac, "targetMac", A.tha);
  putIPv4("arp", m.senderIp, "senderIp", buf, offset + A.spa, A.spa);
  putIPv4("arp", m.targetIp, "targetIp", buf, offset + A.tpa, A.tpa);
  buf[offset + A.htype] = 0;
  buf[offset + A.htype + 1] = HTYPE_ETHERNET;
  buf[offset + A.ptype] = ETHERTYPE.ipv4 >>> 8;
  buf[offset + A.ptype + 1] = ETHERTYPE.ipv4 & 0xff;
  buf[offset + A.hlen] = 6;
  buf[offset + A.plen] = 4;
  buf[offset + A.oper] = m.operation >>> 8;
  buf[offset + A.oper + 1] = m.operation & 0xff;
  buf.set(sha, offset + A.sha);
  buf.set(tha, offset + A.tha);
  return A.length;
}
