/**
 * ARP (RFC 826) for the emulated addresses: parse a request, build the reply. Built here, on top of the
 * wire layer's link parser, because the wire layer is IGMP-only.
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
import { emitEthernet, ethernetHeaderLength, ETHERTYPE, parseLink, parseMac, readIPv4, writeIPv4 } from "../wire/index.js";

export const ARP_OFFSETS = Object.freeze({ htype: 0, ptype: 2, hlen: 4, plen: 5, oper: 6, sha: 8, spa: 14, tha: 18, tpa: 24, length: 28 });
export const ArpOperation = { request: 1, reply: 2 } as const;
const A = ARP_OFFSETS;

/** An ARP packet for IPv4 over Ethernet. */
export interface ArpPacket {
  operation: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** VLAN tags of the frame it came in. */
  vlan: number[];
}

function mac(b: Uint8Array, i: number): string {
  return Array.from(b.subarray(i, i + 6), (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Parse an IPv4-over-Ethernet ARP packet from a captured frame; null for anything else. */
export function parseArp(frame: { data: Uint8Array; linkType: number }): ArpPacket | null {
  const l = parseLink(frame.data, frame.linkType);
  if (l.etherType !== ETHERTYPE.arp) return null;
  const b = frame.data;
  const p = l.offset;
  if (p + A.length > b.length) return null;
  const u16 = (i: number): number => (b[p + i]! << 8) | b[p + i + 1]!;
  if (u16(A.htype) !== 1 || u16(A.ptype) !== ETHERTYPE.ipv4 || b[p + A.hlen] !== 6 || b[p + A.plen] !== 4) return null;
  return {
    operation: u16(A.oper),
    senderMac: mac(b, p + A.sha),
    senderIp: readIPv4(b, p + A.spa),
    targetMac: mac(b, p + A.tha),
    targetIp: readIPv4(b, p + A.tpa),
    vlan: l.vlan,
  };
}

/** Build an Ethernet frame carrying an ARP packet (padded to 60 bytes). */
export function encodeArpFrame(p: Omit<ArpPacket, "vlan"> & { vlan?: number[]; ethDst?: string }): Uint8Array {
  const eth = {
    src: p.senderMac,
    dst: p.ethDst ?? (p.operation === ArpOperation.request ? "ff:ff:ff:ff:ff:ff" : p.targetMac),
    vlan: p.vlan ?? [],
    etherType: ETHERTYPE.arp,
  };
  const h = ethernetHeaderLength(eth);
  const out = new Uint8Array(Math.max(60, h + A.length));
  emitEthernet(eth, out, 0);
  const q = h;
  out.set([0, 1, ETHERTYPE.ipv4 >> 8, ETHERTYPE.ipv4 & 0xff, 6, 4, 0, p.operation], q);
  out.set(parseMac(p.senderMac), q + A.sha);
  writeIPv4(p.senderIp, out, q + A.spa);
  out.set(parseMac(p.targetMac), q + A.tha);
  writeIPv4(p.targetIp, out, q + A.tpa);
  return out;
}

/** The reply an owner of `ip`/`mac` gives to `req`. */
export function arpReply(req: ArpPacket, ip: string, myMac: string): Uint8Array {
  return encodeArpFrame({
    operation: ArpOperation.reply,
    senderMac: myMac,
    senderIp: ip,
    targetMac: req.senderMac,
    targetIp: req.senderIp,
    vlan: req.vlan,
  });
}
