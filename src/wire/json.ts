/**
 * The JSON model as text, straight from the bytes.
 *
 * `frameToJson(raw, n)` returns exactly `JSON.stringify(decodeFrame(raw, n))`. For the frames a LAN
 * carries all day (well-formed IGMPv1/v2/v3 queries, reports and leaves over Ethernet, VLAN, cooked or raw
 * IPv4, with at most a Router Alert option) it writes the text without building the value objects; anything
 * else (errors, warnings, other kinds, other options) takes the general path. Equality with the general
 * path is checked by property and fuzz tests.
 */
import { decodeFrame, formatTimestamp, type RawFrame } from "./frame.js";
import { onesComplementSum } from "./checksum.js";
import { decodeFloatCode } from "./float.js";
import { LinkType } from "./link.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const DEC = Array.from({ length: 256 }, (_, i) => String(i));

function ip(b: Uint8Array, i: number): string {
  return `${DEC[b[i]!]}.${DEC[b[i + 1]!]}.${DEC[b[i + 2]!]}.${DEC[b[i + 3]!]}`;
}
function mac(b: Uint8Array, i: number): string {
  return `"${HEX[b[i]!]}:${HEX[b[i + 1]!]}:${HEX[b[i + 2]!]}:${HEX[b[i + 3]!]}:${HEX[b[i + 4]!]}:${HEX[b[i + 5]!]}"`;
}
const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const isMcast = (b: Uint8Array, i: number): boolean => b[i]! >= 224 && b[i]! <= 239;
const isZero = (b: Uint8Array, i: number): boolean => (b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) === 0;


function sourcesJson(b: Uint8Array, start: number, n: number): string {
  if (n === 0) return "[]";
  let s = `["${ip(b, start)}"`;
  for (let k = 1; k < n; k++) s += `,"${ip(b, start + 4 * k)}"`;
  return `${s}]`;
}

const RECORD_KINDS = [
  "",
  "MODE_IS_INCLUDE",
  "MODE_IS_EXCLUDE",
  "CHANGE_TO_INCLUDE_MODE",
  "CHANGE_TO_EXCLUDE_MODE",
  "ALLOW_NEW_SOURCES",
  "BLOCK_OLD_SOURCES",
];

/** Set by igmpJson: the summary key of the message it wrote ("query-v3", "v3-report", ...). */
let lastKey = "";

/** The `igmp` member for the common well-formed cases, or null to take the general path. */
function igmpJson(b: Uint8Array, p: number, len: number): string | null {
  if (len < 8) return null;
  if (onesComplementSum(b, p, p + len) !== 0xffff) return null; // bad checksum: general path reports it
  const type = b[p]!;
  const code = b[p + 1]!;
  const ck = `"checksum":${u16(b, p + 2)},"checksumValid":true`;
  const g = p + 4;
  switch (type) {
    case 0x11: {
      if (len === 8) {
        if (code === 0) {
          if (!isZero(b, g)) return null;
          lastKey = "query-v1";
          return `{"kind":"query","type":17,${ck},"version":1,"group":"0.0.0.0","maxRespCode":0,"maxRespTime":10,"extra":""}`;
        }
        if (!isZero(b, g) && !isMcast(b, g)) return null;
        lastKey = "query-v2";
        return `{"kind":"query","type":17,${ck},"version":2,"group":"${ip(b, g)}","maxRespCode":${code},"maxRespTime":${code / 10},"extra":""}`;
      }
      if (len < 12) return null;
      const zero = isZero(b, g);
      if (!zero && !isMcast(b, g)) return null;
      const flags = b[p + 8]!;
      if ((flags & 0xe0) !== 0) return null; // E bit or reserved bits
      const n = u16(b, p + 10);
      if (len !== 12 + 4 * n || (zero && n > 0)) return null;
      const qqic = b[p + 9]!;
      const qrv = flags & 7;
      lastKey = "query-v3";
      return (
        `{"kind":"query","type":17,${ck},"version":3,"group":"${ip(b, g)}","maxRespCode":${code},"maxRespTime":${decodeFloatCode(code) / 10}` +
        `,"eFlag":false,"resv":0,"sFlag":${(flags & 8) !== 0},"qrv":${qrv},"qrvDefault":${qrv === 0},"qqic":${qqic},"qqi":${decodeFloatCode(qqic)}` +
        `,"qqiDefault":${qqic === 0},"sources":${sourcesJson(b, p + 12, n)},"additionalData":""}`
      );
    }
    case 0x12:
      if (len !== 8 || code !== 0 || !isMcast(b, g)) return null;
      lastKey = "v1-report";
      return `{"kind":"v1-report","type":18,${ck},"version":1,"group":"${ip(b, g)}","unused":0,"extra":""}`;
    case 0x16:
    case 0x17:
      if (len !== 8 || !isMcast(b, g)) return null;
      lastKey = type === 0x16 ? "v2-report" : "leave";
      return `{"kind":"${type === 0x16 ? "v2-report" : "leave"}","type":${type},${ck},"version":2,"group":"${ip(b, g)}","maxRespCode":${code},"extra":""}`;
    case 0x22: {
      if (code !== 0 || u16(b, p + 4) !== 0) return null;
      const m = u16(b, p + 6);
      let r = p + 8;
      const end = p + len;
      let recs = "";
      for (let k = 0; k < m; k++) {
        if (r + 8 > end) return null;
        const rt = b[r]!;
        const ns = u16(b, r + 2);
        if (rt < 1 || rt > 6 || b[r + 1] !== 0 || r + 8 + 4 * ns > end || !isMcast(b, r + 4)) return null;
        recs += `${k ? "," : ""}{"type":${rt},"kind":"${RECORD_KINDS[rt]}","group":"${ip(b, r + 4)}","sources":${sourcesJson(b, r + 8, ns)},"auxData":""}`;
        r += 8 + 4 * ns;
      }
      if (r !== end) return null;
      lastKey = "v3-report";
      return `{"kind":"v3-report","type":34,${ck},"version":3,"reserved1":0,"reserved2":0,"eFlag":false,"records":[${recs}],"additionalData":""}`;
    }
    default:
      return null;
  }
}

/** `JSON.stringify(decodeFrame(raw, frameNumber))`, faster for the common frames. */
export function frameToJson(raw: RawFrame, frameNumber = 1): string {
  return fastFrameJson(raw, frameNumber) ?? JSON.stringify(decodeFrame(raw, frameNumber));
}

/**
 * The fast path alone: the JSON text of a common, well-formed IGMP frame (no errors, no warnings, valid
 * checksums), or null for any other frame. Equal to `JSON.stringify(decodeFrame(raw, frameNumber))`.
 */
export function fastFrameJson(raw: RawFrame, frameNumber = 1): string | null {
  return fastFrame(raw, frameNumber)?.json ?? null;
}

/** The fast path with the message's summary key ("query-v1".."query-v3", "v1-report", "v2-report", "leave", "v3-report"). */
export interface FastFrame {
  json: string;
  key: string;
}

/** {@link fastFrameJson} and the summary key of the message, for counters that skip the value objects. */
export function fastFrame(raw: RawFrame, frameNumber = 1): FastFrame | null {
  const b = raw.data;
  const caplen = b.length;
  let link: string;
  let macs: string;
  let o: number;
  let et: number;
  let vlan = "[]";
  switch (raw.linkType) {
    case LinkType.ethernet: {
      if (caplen < 14) return null;
      link = "ethernet";
      macs = `"macSrc":${mac(b, 6)},"macDst":${mac(b, 0)}`;
      et = u16(b, 12);
      o = 14;
      if (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
        let ids = "";
        while (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
          if (o + 4 > caplen) return null;
          ids += `${ids ? "," : ""}${u16(b, o) & 0xfff}`;
          et = u16(b, o + 2);
          o += 4;
        }
        vlan = `[${ids}]`;
      }
      break;
    }
    case LinkType.linuxSll2:
      if (caplen < 20 || b[11] !== 6) return null;
      link = "linux-sll2";
      macs = `"macSrc":${mac(b, 12)},"macDst":null`;
      et = u16(b, 0);
      o = 20;
      break;
    case LinkType.linuxSll:
      if (caplen < 16 || u16(b, 4) !== 6) return null;
      link = "linux-sll";
      macs = `"macSrc":${mac(b, 6)},"macDst":null`;
      et = u16(b, 14);
      o = 16;
      break;
    case LinkType.raw:
    case LinkType.ipv4:
      link = "raw";
      macs = `"macSrc":null,"macDst":null`;
      et = 0x0800;
      o = 0;
      break;
    default:
      return null;
  }
  if (et !== 0x0800 || o + 20 > caplen) return null;
  const vi = b[o]!;
  const ihl = (vi & 15) * 4;
  if (vi >> 4 !== 4 || ihl < 20 || o + ihl > caplen) return null;
  const total = u16(b, o + 2);
  if (total < ihl || o + total > caplen || b[o + 9] !== 2 || (u16(b, o + 6) & 0x3fff) !== 0) return null;
  if (onesComplementSum(b, o, o + ihl) !== 0xffff) return null;
  let ra = false;
  if (ihl === 24) {
    if (b[o + 20] !== 0x94 || b[o + 21] !== 4) return null;
    ra = true;
  } else if (ihl !== 20) return null;
  const igmp = igmpJson(b, o + ihl, total - ihl);
  if (igmp === null) return null;
  return {
    key: lastKey,
    json:
    `{"frame":${frameNumber},"time":"${formatTimestamp(raw.timestampNs ?? 0n)}","len":${raw.wireLength ?? caplen},"caplen":${caplen},"link":"${link}","vlan":${vlan},${macs}` +
    `,"ipSrc":"${ip(b, o + 12)}","ipDst":"${ip(b, o + 16)}","ttl":${b[o + 8]},"tos":${b[o + 1]},"routerAlert":${ra},"igmp":${igmp},"errors":[],"warnings":[]}`,
  };
}
