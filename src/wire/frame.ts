/**
 * Whole frames: link layer + IPv4 + IGMP, decoded to the public JSON model and built from values.
 */
import { IGMP_ADDRESSES } from "./address.js";
import { WireError, WireErrorCode, type WireIssue } from "./errors.js";
import { emitIgmp, igmpEncodingLength, parseIgmp, type EmitOptions, type IgmpMessage, type IgmpMessageInit } from "./igmp.js";
import { emitIPv4, IPPROTO_IGMP, ipv4HeaderLength, type IPv4Header, type IPv4Init } from "./ipv4.js";
import { emitEthernet, ETHERTYPE, ethernetHeaderLength, multicastMac, type LinkParseResult } from "./link.js";
import { FrameView, ipv4HeaderOf, linkResult } from "./view.js";

/** What a frame decoder needs: the captured bytes and how they were captured. */
export interface RawFrame {
  data: Uint8Array;
  linkType: number;
  /** Length on the wire; defaults to data.length. */
  wireLength?: number;
  /** Nanoseconds since the epoch; defaults to 0. */
  timestampNs?: bigint;
}

/**
 * One frame in the public JSON model (`igmpkit decode --json` prints one per line).
 * `igmp` is null for a frame without IGMP; `errors` and `warnings` are `{layer, code, offset, message}`.
 */
export interface DecodedFrame {
  frame: number;
  /** Capture time, exact: "seconds.nanoseconds". */
  time: string;
  len: number;
  caplen: number;
  link: string;
  vlan: number[];
  macSrc: string | null;
  macDst: string | null;
  ipSrc: string | null;
  ipDst: string | null;
  ttl: number | null;
  tos: number | null;
  routerAlert: boolean | null;
  igmp: IgmpMessage | null;
  /** When `igmp` is null and nothing is wrong: what the frame is instead ("arp", "ipv6", "ipv4-proto-17"...). */
  other?: string;
  errors: WireIssue[];
  warnings: WireIssue[];
}

/** The decoded frame plus the layers' full detail (for verbose printing). */
export interface DecodedFrameDetail {
  frame: DecodedFrame;
  link: LinkParseResult;
  ip: IPv4Header | null;
}

/** A nanosecond timestamp as the JSON model's exact decimal string "seconds.nnnnnnnnn". */
export function formatTimestamp(ns: bigint): string {
  // One BigInt-to-string and two slices: cheaper than BigInt division, and this runs once per frame.
  const neg = ns < 0n;
  let d = (neg ? -ns : ns).toString();
  if (d.length < 10) d = "0000000000".slice(d.length) + d;
  return `${neg ? "-" : ""}${d.slice(0, -9)}.${d.slice(-9)}`;
}

function etherTypeName(et: number): string {
  if (et === ETHERTYPE.arp) return "arp";
  if (et === ETHERTYPE.ipv6) return "ipv6";
  return `ethertype-0x${et.toString(16).padStart(4, "0")}`;
}

/** Decode one captured frame, with every layer's detail. Never throws for any bytes. */
export function decodeFrameDetail(raw: RawFrame, frameNumber = 1): DecodedFrameDetail {
  const data = raw.data;
  const view = new FrameView();
  view.wrap(data, raw.linkType);
  return decodeFromView(view, frameNumber, raw.timestampNs ?? 0n, raw.wireLength ?? data.length);
}

/**
 * The values of a frame a view has wrapped (the frame must start at offset 0 of `view.data`, as in a
 * `RawFrame`): the view walked the headers, this builds the JSON model from what it found, and
 * `parseIgmp` the message.
 */
export function decodeFromView(view: FrameView, frameNumber: number, timestampNs: bigint, wireLength: number): DecodedFrameDetail {
  const data = view.data;
  const link = linkResult(view);
  const out: DecodedFrame = {
    frame: frameNumber,
    time: formatTimestamp(timestampNs),
    len: wireLength,
    caplen: view.end - view.start,
    link: link.link,
    vlan: link.vlan,
    macSrc: link.macSrc,
    macDst: link.macDst,
    ipSrc: null,
    ipDst: null,
    ttl: null,
    tos: null,
    routerAlert: null,
    igmp: null,
    errors: link.errors,
    warnings: [],
  };
  if (link.etherType !== ETHERTYPE.ipv4) {
    if (link.etherType !== null) out.other = etherTypeName(link.etherType);
    return { frame: out, link, ip: null };
  }
  for (const e of view.headerIssues()) if (e.layer === "ipv4") out.errors.push(e);
  if (view.ipOffset < 0) return { frame: out, link, ip: null };
  const h = ipv4HeaderOf(view);
  out.ipSrc = h.src;
  out.ipDst = h.dst;
  out.ttl = h.ttl;
  out.tos = h.tos;
  out.routerAlert = h.routerAlert;
  if (h.protocol !== IPPROTO_IGMP) {
    out.other = `ipv4-proto-${h.protocol}`;
    return { frame: out, link, ip: h };
  }
  if (h.fragmentOffset !== 0) return { frame: out, link, ip: h };
  const r = parseIgmp(data, view.igmpOffset, view.igmpAvailable, view.igmpLength);
  out.igmp = r.message;
  const s = view.start;
  for (const e of r.errors) out.errors.push(s === 0 ? e : { ...e, offset: e.offset - s });
  out.warnings = s === 0 ? r.warnings : r.warnings.map((w) => ({ ...w, offset: w.offset - s }));
  return { frame: out, link, ip: h };
}

/** Decode one captured frame to the JSON model. Never throws for any bytes. */
export function decodeFrame(raw: RawFrame, frameNumber = 1): DecodedFrame {
  return decodeFrameDetail(raw, frameNumber).frame;
}

/**
 * The IPv4 destination a message is sent to (RFC 2236 §9, RFC 9776 §4.2.14, RFC 4286, RFC 3488):
 * v1/v2 report → the group, leave → 224.0.0.2 (all routers), v3 report → 224.0.0.22, general query →
 * 224.0.0.1, group(-and-source)-specific query → the group, MRD advertisement and termination →
 * 224.0.0.106 (all snoopers), MRD solicitation → 224.0.0.2, DVMRP → 224.0.0.4, PIMv1 → 224.0.0.2,
 * RGMP → 224.0.0.25. Null for mtrace and unknown types, which have no fixed destination.
 */
export function destinationFor(m: IgmpMessageInit): string | null {
  switch (m.kind) {
    case "v1-report":
    case "v2-report":
      return m.group;
    case "leave":
      return IGMP_ADDRESSES.allRouters;
    case "v3-report":
      return IGMP_ADDRESSES.allIgmpv3Routers;
    case "query":
      return m.group === IGMP_ADDRESSES.any ? IGMP_ADDRESSES.allSystems : m.group;
    case "mrd-advertisement":
    case "mrd-termination":
      return "224.0.0.106";
    case "mrd-solicitation":
    case "pim-v1":
      return IGMP_ADDRESSES.allRouters;
    case "dvmrp":
      return "224.0.0.4";
    case "rgmp":
      return "224.0.0.25";
    default:
      return null;
  }
}

function destinationOf(init: IgmpPacketInit): string {
  const dst = init.dst ?? destinationFor(init.message);
  if (dst === null) throw new WireError("ipv4", WireErrorCode.badValue, 0, `a ${init.message.kind} message has no fixed destination: pass dst`);
  return dst;
}

/** Options for building a whole IGMP packet. IPv4 defaults are Linux's: TTL 1, TOS 0xc0, Router Alert. */
export interface IgmpPacketInit {
  message: IgmpMessageInit;
  src: string;
  /** Default: {@link destinationFor} the message (required for mtrace and unknown types). */
  dst?: string;
  ip?: Omit<IPv4Init, "src" | "dst" | "protocol">;
  igmp?: EmitOptions;
}

/** Byte length of an IPv4 packet carrying `init.message`. */
export function igmpPacketLength(init: IgmpPacketInit): number {
  return ipv4HeaderLength({ src: init.src, dst: init.dst ?? "0.0.0.0", ...init.ip }) + igmpEncodingLength(init.message);
}

/** Write IPv4 + IGMP at `offset`; returns bytes written. */
export function emitIgmpPacket(init: IgmpPacketInit, buf: Uint8Array, offset = 0): number {
  const dst = destinationOf(init);
  const ipInit: IPv4Init = { ...init.ip, src: init.src, dst, protocol: IPPROTO_IGMP };
  const len = igmpEncodingLength(init.message);
  const h = emitIPv4(ipInit, len, buf, offset);
  emitIgmp(init.message, buf, offset + h, init.igmp);
  return h + len;
}

/** IPv4 + IGMP as a new buffer (link type raw IPv4, 228). */
export function encodeIgmpPacket(init: IgmpPacketInit): Uint8Array {
  const out = new Uint8Array(igmpPacketLength(init));
  emitIgmpPacket(init, out, 0);
  return out;
}

/** What `encodeIgmpFrame` needs: the packet, plus Ethernet addresses and VLAN tags. */
export interface IgmpFrameInit extends IgmpPacketInit {
  macSrc: string;
  /** Default: the RFC 1112 mapping of the IPv4 destination. */
  macDst?: string;
  vlan?: number[];
  /** Pad the frame to Ethernet's 60-byte minimum (as a NIC sends it). Default true. */
  pad?: boolean;
}

/** A whole Ethernet frame carrying an IGMP message (link type 1). */
export function encodeIgmpFrame(init: IgmpFrameInit): Uint8Array {
  const dst = destinationOf(init);
  const eth = { src: init.macSrc, dst: init.macDst ?? multicastMac(dst), vlan: init.vlan ?? [] };
  const eh = ethernetHeaderLength(eth);
  const pl = igmpPacketLength({ ...init, dst });
  const total = Math.max(eh + pl, init.pad === false ? 0 : 60);
  const out = new Uint8Array(total);
  emitEthernet(eth, out, 0);
  emitIgmpPacket({ ...init, dst }, out, eh);
  return out;
}
