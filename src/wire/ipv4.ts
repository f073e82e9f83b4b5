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
import { readIPv4, writeIPv4 } from "./address.js";
import { expectedChecksum, internetChecksum } from "./checksum.js";
import { WireError, WireErrorCode, issue, type WireIssue } from "./errors.js";
import { hexLength, toHex, writeHex } from "./hex.js";

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

function parseOptions(buf: Uint8Array, start: number, end: number, errors: WireIssue[]): IPv4Option[] {
  const out: IPv4Option[] = [];
  let i = start;
  while (i < end) {
    const type = buf[i]!;
    if (type === IPv4OptionType.endOfList) {
      out.push({ type });
      break;
    }
    if (type === IPv4OptionType.noOperation) {
      out.push({ type });
      i++;
      continue;
    }
    if (i + 2 > end || buf[i + 1]! < 2 || i + buf[i + 1]! > end) {
      errors.push(issue("ipv4", WireErrorCode.badOption, i, `IPv4 option 0x${type.toString(16)} runs past the header`));
      break;
    }
    const length = buf[i + 1]!;
    out.push({ type, length, data: toHex(buf, i + 2, i + length) });
    i += length;
  }
  return out;
}

/**
 * Parse an IPv4 header at `offset`, with `available` bytes captured from there.
 * Errors: bad-version, truncated (fewer bytes captured than the header or Total Length says),
 * bad-length (IHL < 5, Total Length < header), bad-ip-checksum, bad-option, fragment.
 */
export function parseIPv4(buf: Uint8Array, offset = 0, available = buf.length - offset): IPv4ParseResult {
  const errors: WireIssue[] = [];
  const fail = (code: WireErrorCode, at: number, msg: string): IPv4ParseResult => {
    errors.push(issue("ipv4", code, at, msg));
    return { header: null, payloadOffset: offset, payloadAvailable: 0, payloadLength: 0, errors };
  };
  if (available < 1) return fail(WireErrorCode.truncated, offset, "no IPv4 header captured");
  const vi = buf[offset]!;
  if (vi >> 4 !== 4) return fail(WireErrorCode.badVersion, offset, `IP version ${vi >> 4}, not 4`);
  const ihl = vi & 0x0f;
  if (ihl < 5) return fail(WireErrorCode.badLength, offset, `IHL ${ihl} is below the minimum of 5`);
  const hlen = ihl * 4;
  if (available < hlen)
    return fail(WireErrorCode.truncated, offset + available, `capture cut at ${available} of ${hlen} IPv4 header bytes`);
  const totalLength = (buf[offset + O.totalLength]! << 8) | buf[offset + O.totalLength + 1]!;
  if (totalLength < hlen)
    return fail(WireErrorCode.badLength, offset + O.totalLength, `Total Length ${totalLength} is shorter than the ${hlen}-byte header`);
  const checksum = (buf[offset + O.checksum]! << 8) | buf[offset + O.checksum + 1]!;
  const expected = expectedChecksum(buf, offset, offset + hlen, offset + O.checksum);
  const ff = (buf[offset + O.flagsFragment]! << 8) | buf[offset + O.flagsFragment + 1]!;
  const options = hlen > O.minHeaderLength ? parseOptions(buf, offset + O.options, offset + hlen, errors) : [];
  const header: IPv4Header = {
    ihl,
    tos: buf[offset + O.tos]!,
    totalLength,
    id: (buf[offset + O.id]! << 8) | buf[offset + O.id + 1]!,
    flags: ff >> 13,
    fragmentOffset: ff & 0x1fff,
    ttl: buf[offset + O.ttl]!,
    protocol: buf[offset + O.protocol]!,
    checksum,
    checksumValid: expected === checksum,
    src: readIPv4(buf, offset + O.src),
    dst: readIPv4(buf, offset + O.dst),
    optionsRaw: hlen > O.minHeaderLength ? toHex(buf, offset + O.options, offset + hlen) : "",
    options,
    routerAlert: options.some((o) => o.type === IPv4OptionType.routerAlert),
  };
  if (!header.checksumValid)
    errors.push(
      issue(
        "ipv4",
        WireErrorCode.badIpChecksum,
        offset + O.checksum,
        `IPv4 header checksum 0x${checksum.toString(16).padStart(4, "0")}, expected 0x${expected.toString(16).padStart(4, "0")}`,
      ),
    );
  if ((header.flags & 0x1) !== 0 || header.fragmentOffset !== 0)
    errors.push(issue("ipv4", WireErrorCode.fragment, offset + O.flagsFragment, "IPv4 fragment: IGMP is never fragmented"));
  const payloadLength = totalLength - hlen;
  const payloadAvailable = Math.min(payloadLength, available - hlen);
  if (available < totalLength)
    errors.push(
      issue("ipv4", WireErrorCode.truncated, offset + available, `capture cut at ${available} of ${totalLength} IP bytes`),
    );
  return { header, payloadOffset: offset + hlen, payloadAvailable, payloadLength, errors };
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

export function ipv4HeaderLength(init: IPv4Init): number {
  const optLen = hexLength(init.optionsRaw ?? ROUTER_ALERT_OPTION);
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
  writeIPv4(init.src, buf, p + O.src);
  writeIPv4(init.dst, buf, p + O.dst);
  writeHex(init.optionsRaw ?? ROUTER_ALERT_OPTION, buf, p + O.options);
  const ck = init.checksum ?? internetChecksum(buf, p, p + hlen);
  buf[p + O.checksum] = ck >>> 8;
  buf[p + O.checksum + 1] = ck & 0xff;
  return hlen;
}
