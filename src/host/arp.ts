/**
 * ARP frames for the emulated addresses: read a request from a captured frame, build the reply. The ARP
 * packet itself (RFC 826) is the wire layer's codec (src/wire/arp.ts); this adds the link header.
 */
import { ArpOperation, arpEncodingLength, emitArp, parseArp, type ArpMessage } from "../wire/arp.js";
import { emitEthernet, ethernetHeaderLength, ETHERTYPE, parseLink } from "../wire/index.js";

export { ARP_OFFSETS, ArpOperation, type ArpMessage } from "../wire/arp.js";

/** An ARP packet for IPv4 over Ethernet, with the VLAN tags of the frame it came in. */
export interface ArpPacket extends ArpMessage {
  /** VLAN tags of the frame it came in. */
  vlan: number[];
}

/** Read the IPv4-over-Ethernet ARP packet of a captured frame; null for anything else or a cut one. */
export function parseArpFrame(frame: { data: Uint8Array; linkType: number }): ArpPacket | null {
  const l = parseLink(frame.data, frame.linkType);
  if (l.etherType !== ETHERTYPE.arp) return null;
  const { arp } = parseArp(frame.data, l.offset);
  return arp && { ...arp, vlan: l.vlan };
}

/** Build an Ethernet frame carrying an ARP packet (padded to 60 bytes). */
export function encodeArpFrame(p: ArpMessage & { vlan?: number[]; ethDst?: string }): Uint8Array {
  const eth = {
    src: p.senderMac,
    dst: p.ethDst ?? (p.operation === ArpOperation.request ? "ff:ff:ff:ff:ff:ff" : p.targetMac),
    vlan: p.vlan ?? [],
    etherType: ETHERTYPE.arp,
  };
  const h = ethernetHeaderLength(eth);
  const out = new Uint8Array(Math.max(60, h + arpEncodingLength()));
  emitEthernet(eth, out, 0);
  emitArp(p, out, h);
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
