/**
 * IPv4 headers as IGMP uses them (RFC 791; Router Alert, RFC 2113).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
import { checkUint, hexLen, putHex, putIPv4 } from "./check.js";
import { internetChecksum } from "./checksum.js";
import { WireError, WireErrorCode, type WireIssue } from "./errors.js";

/** IPv4 header field offsets (RFC 791 §3.1). */
export const IPV4_OFFSETS = Object.freeze({
  versionIhl: 0,
  tos: 1,
  totalLength: 2,
  id: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  src: 12,
  dst: 16,
  options: 20,
  minHeaderLength: 20,
});
const O = IPV4_OFFSETS;

/** IP protocol number of IGMP. */
export const IPPROTO_IGMP = 2;

/** IPv4 option types igmpkit names. */
export const IPv4OptionType = { endOfList: 0, noOperation: 1, routerAlert: 0x94 } as const;

/** One decoded IPv4 option. */
export interface IPv4Option {
  type: number;
  /** The option's length byte; absent for single-byte options (EOL, NOP). */
  length?: number;
  /** Option data after the type and length bytes (hex). */
  data?: string;
}

/** A decoded IPv4 header. */
export interface IPv4Header {
  ihl: number;
  tos: number;
  totalLength: number;
  id: number;
  /** The 3 flag bits (0x4 DF, 0x2 MF... as a number 0..7). */
  flags: number;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  checksumValid: boolean;
  src: string;
  dst: string;
  /** Raw option bytes (hex), padding included, for exact re-encoding. */
  optionsRaw: string;
  options: IPv4Option[];
  /** A Router Alert option (RFC 2113) is present. */
  routerAlert: boolean;
}

/** What `parseIPv4` returns: the header (null when none could be read), where the payload is, and the errors. */
export interface IPv4ParseResult {
  header: IPv4Header | null;
  /** Absolute offset of the payload in the buffer. */
  payloadOffset: number;
  /** Payload bytes actually captured. */
  payloadAvailable: number;
  /** Payload length according to Total Length. */
  payloadLength: number;
  errors: WireIssue[];
}

/** The Router Alert option as Linux sends it with IGMP: type 0x94, length 4, value 0. */
export const ROUTER_ALERT_OPTION = "94040000";

/** What `emitIPv4` needs; defaults are what Linux puts on IGMP (TTL 1, TOS 0xc0, Router Alert, DF clear). */
export interface IPv4Init {
  src: string;
  dst: string;
  protocol?: number;
  ttl?: number;
  tos?: number;
  id?: number;
  flags?: number;
  fragmentOffset?: number;
  /** Raw option bytes (hex, a multiple of 4 bytes). Default: Router Alert. "" for none. */
  optionsRaw?: string;
  /** Write this checksum instead of computing it (to craft bad packets). */
  checksum?: number;
}

/** Bytes of the header `emitIPv4` writes for `init` (20 plus the options). Throws WireError `bad-value` for options that are not a multiple of 4 bytes or over 40. */
export function ipv4HeaderLength(init: IPv4Init): number {
  const optLen = hexLen("ipv4", init.optionsRaw ?? ROUTER_ALERT_OPTION, "optionsRaw", O.options);
  if (optLen % 4 !== 0 || optLen > 40)
    throw new WireError("ipv4", WireErrorCode.badValue, O.options, `IPv4 options of ${optLen} bytes (a multiple of 4, at most 40)`);
  return O.minHeaderLength + optLen;
}

/** Write an IPv4 header for a payload of `payloadLength` bytes at `offset`. Returns the header length. */
export function emitIPv4(init: IPv4Init, payloadLength: number, buf: Uint8Array, offset = 0): number {
  const hlen = ipv4HeaderLength(init);
  if (offset < 0 || offset + hlen > buf.length)
    throw new WireError("ipv4", WireErrorCode.bufferTooSmall, offset, `need ${hlen} bytes at offset ${offset}`);
  const total = hlen + payloadLength;
  if (total > 0xffff) throw new WireError("ipv4", WireErrorCode.badValue, offset, `IPv4 packet of ${total} bytes`);
  const p = offset;
  const u = (v: number | undefined, what: string, max: number, at: number): void => {
    if (v !== undefined) checkUint("ipv4", v, what, max, at);
  };
  u(init.tos, "tos", 0xff, O.tos);
  u(init.id, "id", 0xffff, O.id);
  u(init.flags, "flags", 7, O.flagsFragment);
  u(init.fragmentOffset, "fragmentOffset", 0x1fff, O.flagsFragment);
  u(init.ttl, "ttl", 0xff, O.ttl);
  u(init.protocol, "protocol", 0xff, O.protocol);
  u(init.checksum, "checksum", 0xffff, O.checksum);
  buf[p] = 0x40 | (hlen / 4);
  buf[p + O.tos] = init.tos ?? 0xc0;
  buf[p + O.totalLength] = total >>> 8;
  buf[p + O.totalLength + 1] = total & 0xff;
  const id = init.id ?? 0;
  buf[p + O.id] = (id >>> 8) & 0xff;
  buf[p + O.id + 1] = id & 0xff;
  const ff = ((init.flags ?? 0) << 13) | (init.fragmentOffset ?? 0);
  buf[p + O.flagsFragment] = (ff >>> 8) & 0xff;
  buf[p + O.flagsFragment + 1] = ff & 0xff;
  buf[p + O.ttl] = init.ttl ?? 1;
  buf[p + O.protocol] = init.protocol ?? IPPROTO_IGMP;
  buf[p + O.checksum] = 0;
  buf[p + O.checksum + 1] = 0;
  putIPv4("ipv4", init.src, "src", buf, p + O.src, O.src);
  putIPv4("ipv4", init.dst, "dst", buf, p + O.dst, O.dst);
  putHex("ipv4", init.optionsRaw ?? ROUTER_ALERT_OPTION, "optionsRaw", buf, p + O.options, O.options);
  const ck = init.checksum ?? internetChecksum(buf, p, p + hlen);
  buf[p + O.checksum] = ck >>> 8;
  buf[p + O.checksum + 1] = ck & 0xff;
  return hlen;
}
