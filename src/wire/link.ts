/**
 * Link layers below IPv4: Ethernet II with 802.1Q / 802.1ad tags, Linux cooked capture v1 and v2,
 * raw IPv4, BSD null/loopback; and the RFC 1112 §6.4 group → MAC mapping.
 */
import { ipv4ToNumber, isIPv4 } from "./address.js";
import { checkUint } from "./check.js";
import { WireError, WireErrorCode, type WireIssue } from "./errors.js";

/** pcap LINKTYPE_* values this layer decodes. */
export const LinkType = {
  null: 0,
  ethernet: 1,
  rawOpenBsd: 12,
  rawBsd: 14,
  raw: 101,
  linuxSll: 113,
  loop: 108,
  ipv4: 228,
  linuxSll2: 276,
} as const;

/** The JSON model's name of a link type. */
export function linkName(linkType: number): string {
  switch (linkType) {
    case LinkType.ethernet:
      return "ethernet";
    case LinkType.linuxSll:
      return "linux-sll";
    case LinkType.linuxSll2:
      return "linux-sll2";
    case LinkType.raw:
    case LinkType.rawOpenBsd:
    case LinkType.rawBsd:
    case LinkType.ipv4:
      return "raw";
    case LinkType.null:
    case LinkType.loop:
      return "null";
    default:
      return `linktype-${linkType}`;
  }
}

/** EtherTypes the link layer knows: IPv4, ARP, IPv6 and the VLAN TPIDs (802.1Q, 802.1ad, the old 0x9100). */
export const ETHERTYPE = { ipv4: 0x0800, arp: 0x0806, vlan: 0x8100, qinq: 0x88a8, qinqOld: 0x9100, ipv6: 0x86dd } as const;

/** Ethernet II header field offsets (IEEE 802.3), and the length of one VLAN tag (IEEE 802.1Q). */
export const ETHERNET_OFFSETS = Object.freeze({ dst: 0, src: 6, etherType: 12, headerLength: 14, tagLength: 4 });
/** Linux cooked capture v1 header field offsets (LINKTYPE_LINUX_SLL, 113). */
export const SLL_OFFSETS = Object.freeze({ packetType: 0, arphrd: 2, addrLen: 4, addr: 6, protocol: 14, headerLength: 16 });
/** Linux cooked capture v2 header field offsets (LINKTYPE_LINUX_SLL2, 276). */
export const SLL2_OFFSETS = Object.freeze({ protocol: 0, reserved: 2, ifIndex: 4, arphrd: 8, packetType: 10, addrLen: 11, addr: 12, headerLength: 20 });

/** The link layer of a frame as `parseLink` finds it. */
export interface LinkParseResult {
  link: string;
  /** VLAN IDs from outermost to innermost. */
  vlan: number[];
  /** Ethernet / cooked source address as aa:bb:cc:dd:ee:ff when the link has one. */
  macSrc: string | null;
  /** Ethernet destination address (cooked captures have none). */
  macDst: string | null;
  /** The protocol of the payload (EtherType); 0x0800 for raw IPv4; null when not known. */
  etherType: number | null;
  /** Offset of the network-layer header. */
  offset: number;
  errors: WireIssue[];
}

/** RFC 1112 §6.4: the Ethernet address of an IPv4 multicast group (01:00:5e + low 23 bits). */
export function multicastMac(group: string): string {
  if (typeof group !== "string" || !isIPv4(group)) throw new WireError("link", WireErrorCode.badValue, 0, `group ${JSON.stringify(group) ?? String(group)} is not an IPv4 address`);
  const n = ipv4ToNumber(group);
  if (n >>> 28 !== 0xe) throw new WireError("link", WireErrorCode.badValue, 0, `${group} is not a multicast address`);
  const b = [0x01, 0x00, 0x5e, (n >>> 16) & 0x7f, (n >>> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Parse aa:bb:cc:dd:ee:ff (or with dashes) into 6 bytes. Throws TypeError otherwise (emitters turn it into a `WireError` `bad-value`). */
export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new TypeError(`not a MAC address: ${JSON.stringify(s)}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** What `emitEthernet` writes: addresses, VLAN tags, the EtherType. */
export interface EthernetInit {
  src: string;
  dst: string;
  /** VLAN tags, outermost first; the outer ones of a stack use 802.1ad (0x88a8) when `qinq` is set. */
  vlan?: number[];
  /** TPID of the outer tags of a stack (default 0x88a8); the innermost tag is always 0x8100. */
  outerTpid?: number;
  /** Priority code point for every tag (default 0). */
  pcp?: number;
  etherType?: number;
}

/** Bytes `emitEthernet` writes for `init`: 14 plus 4 per VLAN tag. */
export function ethernetHeaderLength(init: EthernetInit): number {
  return ETHERNET_OFFSETS.headerLength + ETHERNET_OFFSETS.tagLength * (init.vlan?.length ?? 0);
}

/** Write an Ethernet II header (with tags) at `offset`; returns its length. */
export function emitEthernet(init: EthernetInit, buf: Uint8Array, offset = 0): number {
  const len = ethernetHeaderLength(init);
  if (offset < 0 || offset + len > buf.length)
    throw new WireError("link", WireErrorCode.bufferTooSmall, offset, `need ${len} bytes at offset ${offset}`);
  const macOf = (v: string, what: string, at: number): Uint8Array => {
    try {
      return parseMac(v);
    } catch {
      throw new WireError("link", WireErrorCode.badValue, at, `${what} ${JSON.stringify(v) ?? String(v)} is not a MAC address`);
    }
  };
  if (init.pcp !== undefined) checkUint("link", init.pcp, "pcp", 7, ETHERNET_OFFSETS.etherType);
  if (init.outerTpid !== undefined) checkUint("link", init.outerTpid, "outerTpid", 0xffff, ETHERNET_OFFSETS.etherType);
  if (init.etherType !== undefined) checkUint("link", init.etherType, "etherType", 0xffff, len - 2);
  buf.set(macOf(init.dst, "dst", ETHERNET_OFFSETS.dst), offset + ETHERNET_OFFSETS.dst);
  buf.set(macOf(init.src, "src", ETHERNET_OFFSETS.src), offset + ETHERNET_OFFSETS.src);
  let i = offset + ETHERNET_OFFSETS.etherType;
  const tags = init.vlan ?? [];
  tags.forEach((vid, k) => {
    checkUint("link", vid, "VLAN id", 4095, i - offset);
    const tpid = k === tags.length - 1 ? ETHERTYPE.vlan : (init.outerTpid ?? ETHERTYPE.qinq);
    const tci = ((init.pcp ?? 0) << 13) | vid;
    buf[i] = tpid >>> 8;
    buf[i + 1] = tpid & 0xff;
    buf[i + 2] = tci >>> 8;
    buf[i + 3] = tci & 0xff;
    i += 4;
  });
  const et = init.etherType ?? ETHERTYPE.ipv4;
  buf[i] = et >>> 8;
  buf[i + 1] = et & 0xff;
  return len;
}
