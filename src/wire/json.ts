/**
 * The JSON model as text, straight from the bytes.
 *
 * `frameToJson(raw, n)` returns exactly `JSON.stringify(decodeFrame(raw, n))`. For the frames a LAN
 * carries all day (well-formed IGMPv1/v2/v3 queries, reports and leaves over Ethernet, VLAN, cooked or raw
 * IPv4, with at most a Router Alert option) `emitFastFrameJson` writes the UTF-8 text into a caller's
 * buffer without building value objects or strings; anything else (errors, warnings, other kinds, other
 * options) takes the general path. Equality with the general path is checked by property, fuzz and
 * fixture tests.
 */
import { decodeFrame, type RawFrame } from "./frame.js";
import { onesComplementSum } from "./checksum.js";
import { decodeFloatCode } from "./float.js";
import { LinkType } from "./link.js";
import { bool, COMMA, DOT, enc, ip, jsonSources, lit, mac, nanos9, tenths, uint } from "./ascii.js";

const L = {
  frame: enc('{"frame":'),
  time: enc(',"time":"'),
  len: enc('","len":'),
  caplen: enc(',"caplen":'),
  linkEth: enc(',"link":"ethernet","vlan":'),
  /** By macKind (raw, ethernet, sll, sll2), untagged: up to the first MAC, or through both null MACs. */
  linkUntagged: [
    ',"link":"raw","vlan":[],"macSrc":null,"macDst":null',
    ',"link":"ethernet","vlan":[],"macSrc":',
    ',"link":"linux-sll","vlan":[],"macSrc":',
    ',"link":"linux-sll2","vlan":[],"macSrc":',
  ].map(enc),
  macSrc: enc(',"macSrc":'),
  macDst: enc(',"macDst":'),
  macDstNull: enc(',"macDst":null'),
  ipSrc: enc(',"ipSrc":'),
  ipDst: enc(',"ipDst":'),
  ttl: enc(',"ttl":'),
  tos: enc(',"tos":'),
  raIgmp: enc(',"routerAlert":true,"igmp":'),
  noRaIgmp: enc(',"routerAlert":false,"igmp":'),
  tail: enc(',"errors":[],"warnings":[]}'),
  q: enc('{"kind":"query","type":17,"checksum":'),
  v1q: enc(',"checksumValid":true,"version":1,"group":"0.0.0.0","maxRespCode":0,"maxRespTime":10,"extra":""}'),
  v2q: enc(',"checksumValid":true,"version":2,"group":'),
  v3q: enc(',"checksumValid":true,"version":3,"group":'),
  mrc: enc(',"maxRespCode":'),
  mrt: enc(',"maxRespTime":'),
  extraEnd: enc(',"extra":""}'),
  v3qFlags: enc(',"eFlag":false,"resv":0,"sFlag":'),
  qrv: enc(',"qrv":'),
  qrvDefault: enc(',"qrvDefault":'),
  qqic: enc(',"qqic":'),
  qqi: enc(',"qqi":'),
  qqiDefault: enc(',"qqiDefault":'),
  qSources: enc(',"sources":'),
  qEnd: enc(',"additionalData":""}'),
  v1r: enc('{"kind":"v1-report","type":18,"checksum":'),
  v1rMid: enc(',"checksumValid":true,"version":1,"group":'),
  v1rEnd: enc(',"unused":0,"extra":""}'),
  v2r: enc('{"kind":"v2-report","type":22,"checksum":'),
  lv: enc('{"kind":"leave","type":23,"checksum":'),
  v2rMid: enc(',"checksumValid":true,"version":2,"group":'),
  v3r: enc('{"kind":"v3-report","type":34,"checksum":'),
  v3rMid: enc(',"checksumValid":true,"version":3,"reserved1":0,"reserved2":0,"eFlag":false,"records":['),
  v3rEnd: enc('],"additionalData":""}'),
  recKinds: ["", "MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"].map(
    (k, t) => enc(`{"type":${t},"kind":"${k}","group":`),
  ),
  recSources: enc(',"sources":'),
  recEnd: enc(',"auxData":""}'),
};

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const isMcast = (b: Uint8Array, i: number): boolean => b[i]! >= 224 && b[i]! <= 239;
const isZero = (b: Uint8Array, i: number): boolean => (b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) === 0;

const NS_PER_S = 1_000_000_000n;
let lastSec = -1;
let lastSecDigits = enc("0");



/** Kinds of common frames {@link fastCheck} accepts (0: not one of them). */
export const FastKind = { queryV1: 1, queryV2: 2, queryV3: 3, v1Report: 4, v2Report: 5, leave: 6, v3Report: 7 } as const;
/** Summary keys by {@link FastKind}. */
export const FAST_KEYS: readonly string[] = ["", "query-v1", "query-v2", "query-v3", "v1-report", "v2-report", "leave", "v3-report"];

/** What the last {@link fastCheck} found; one shared object, overwritten by every call. */
export const fastFrame = {
  kind: 0,
  /** Offset of the IPv4 header, its length, whether its one option is Router Alert. */
  ip: 0,
  ihl: 0,
  ra: false,
  /** Offset and length of the IGMP message. */
  igmp: 0,
  igmpLen: 0,
  /** 0 no MACs (raw), 1 Ethernet, 2 Linux cooked v1, 3 Linux cooked v2. */
  macKind: 0,
  /** Number of VLAN tags (Ethernet). */
  tags: 0,
};

/**
 * Is `b[s0, e0)` one of the frames a LAN carries all day, with nothing to report: a well-formed IGMPv1/v2/v3
 * query, report or leave with valid checksums, no warnings, at most a Router Alert option, on Ethernet
 * (VLAN tags allowed), Linux cooked or raw IPv4? Returns its {@link FastKind} (0 when not) and fills
 * {@link fastFrame}. For such frames `decodeFrame` would give no errors and no warnings.
 */
export function fastCheck(b: Uint8Array, s0: number, e0: number, linkType: number): number {
  const f = fastFrame;
  f.kind = 0;
  let o: number;
  let et: number;
  f.tags = 0;
  switch (linkType) {
    case LinkType.ethernet:
      if (e0 - s0 < 14) return 0;
      f.macKind = 1;
      et = u16(b, s0 + 12);
      o = s0 + 14;
      while (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
        if (o + 4 > e0) return 0;
        et = u16(b, o + 2);
        o += 4;
        f.tags++;
      }
      break;
    case LinkType.linuxSll2:
      if (e0 - s0 < 20 || b[s0 + 11] !== 6) return 0;
      f.macKind = 3;
      et = u16(b, s0);
      o = s0 + 20;
      break;
    case LinkType.linuxSll:
      if (e0 - s0 < 16 || u16(b, s0 + 4) !== 6) return 0;
      f.macKind = 2;
      et = u16(b, s0 + 14);
      o = s0 + 16;
      break;
    case LinkType.raw:
    case LinkType.ipv4:
      f.macKind = 0;
      et = 0x0800;
      o = s0;
      break;
    default:
      return 0;
  }
  if (et !== 0x0800 || o + 20 > e0) return 0;
  const vi = b[o]!;
  const ihl = (vi & 15) * 4;
  if (vi >> 4 !== 4 || ihl < 20 || o + ihl > e0) return 0;
  const total = u16(b, o + 2);
  if (total < ihl || o + total > e0 || b[o + 9] !== 2 || (u16(b, o + 6) & 0x3fff) !== 0) return 0;
  if (onesComplementSum(b, o, o + ihl) !== 0xffff) return 0;
  if (ihl === 24) {
    if (b[o + 20] !== 0x94 || b[o + 21] !== 4) return 0;
    f.ra = true;
  } else if (ihl === 20) f.ra = false;
  else return 0;
  f.ip = o;
  f.ihl = ihl;
  const s = o + ihl;
  const len = total - ihl;
  f.igmp = s;
  f.igmpLen = len;
  if (len < 8 || onesComplementSum(b, s, s + len) !== 0xffff) return 0; // a bad checksum is for the general path
  const type = b[s]!;
  const code = b[s + 1]!;
  const g = s + 4;
  switch (type) {
    case 0x11: {
      if (len === 8) {
        if (code === 0) return isZero(b, g) ? (f.kind = FastKind.queryV1) : 0;
        return isZero(b, g) || isMcast(b, g) ? (f.kind = FastKind.queryV2) : 0;
      }
      if (len < 12) return 0;
      const zero = isZero(b, g);
      if (!zero && !isMcast(b, g)) return 0;
      if ((b[s + 8]! & 0xe0) !== 0) return 0; // E bit or reserved bits
      const n = u16(b, s + 10);
      if (len !== 12 + 4 * n || (zero && n > 0)) return 0;
      return (f.kind = FastKind.queryV3);
    }
    case 0x12:
      return len === 8 && code === 0 && isMcast(b, g) ? (f.kind = FastKind.v1Report) : 0;
    case 0x16:
      return len === 8 && isMcast(b, g) ? (f.kind = FastKind.v2Report) : 0;
    case 0x17:
      return len === 8 && isMcast(b, g) ? (f.kind = FastKind.leave) : 0;
    case 0x22: {
      if (code !== 0 || u16(b, s + 4) !== 0) return 0;
      const m = u16(b, s + 6);
      const end = s + len;
      let r = s + 8;
      for (let k = 0; k < m; k++) {
        if (r + 8 > end) return 0;
        const rt = b[r]!;
        const ns = u16(b, r + 2);
        if (rt < 1 || rt > 6 || b[r + 1] !== 0 || r + 8 + 4 * ns > end || !isMcast(b, r + 4)) return 0;
        r += 8 + 4 * ns;
      }
      return r === end ? (f.kind = FastKind.v3Report) : 0;
    }
    default:
      return 0;
  }
}

/** The summary key of the last frame `emitFastJson` wrote: "query-v1".."query-v3", "v1-report", "v2-report", "leave", "v3-report". */
export let lastFastKey = "";

/** `{"kind":...,"type":N,"checksum":N,"checksumValid":true` and what follows it up to the next value (`tail`). */
function head(out: Uint8Array, p: number, lead: Uint8Array, b: Uint8Array, s: number, tail: Uint8Array): number {
  p = lit(out, p, lead);
  p = uint(out, p, u16(b, s + 2));
  return lit(out, p, tail);
}

/** The `igmp` member of a frame {@link fastCheck} accepted. */
function igmpJson(out: Uint8Array, p: number, b: Uint8Array): number {
  const s = fastFrame.igmp;
  const code = b[s + 1]!;
  const g = s + 4;
  switch (fastFrame.kind) {
    case FastKind.queryV1:
      return head(out, p, L.q, b, s, L.v1q);
    case FastKind.queryV2:
      p = head(out, p, L.q, b, s, L.v2q);
      p = ip(out, p, b, g);
      p = lit(out, p, L.mrc);
      p = uint(out, p, code);
      p = lit(out, p, L.mrt);
      p = tenths(out, p, code);
      return lit(out, p, L.extraEnd);
    case FastKind.queryV3: {
      const flags = b[s + 8]!;
      const qqic = b[s + 9]!;
      const qrv = flags & 7;
      p = head(out, p, L.q, b, s, L.v3q);
      p = ip(out, p, b, g);
      p = lit(out, p, L.mrc);
      p = uint(out, p, code);
      p = lit(out, p, L.mrt);
      p = tenths(out, p, decodeFloatCode(code));
      p = lit(out, p, L.v3qFlags);
      p = bool(out, p, (flags & 8) !== 0);
      p = lit(out, p, L.qrv);
      p = uint(out, p, qrv);
      p = lit(out, p, L.qrvDefault);
      p = bool(out, p, qrv === 0);
      p = lit(out, p, L.qqic);
      p = uint(out, p, qqic);
      p = lit(out, p, L.qqi);
      p = uint(out, p, decodeFloatCode(qqic));
      p = lit(out, p, L.qqiDefault);
      p = bool(out, p, qqic === 0);
      p = lit(out, p, L.qSources);
      p = jsonSources(out, p, b, s + 12, u16(b, s + 10));
      return lit(out, p, L.qEnd);
    }
    case FastKind.v1Report:
      p = head(out, p, L.v1r, b, s, L.v1rMid);
      p = ip(out, p, b, g);
      return lit(out, p, L.v1rEnd);
    case FastKind.v2Report:
    case FastKind.leave:
      p = head(out, p, fastFrame.kind === FastKind.v2Report ? L.v2r : L.lv, b, s, L.v2rMid);
      p = ip(out, p, b, g);
      p = lit(out, p, L.mrc);
      p = uint(out, p, code);
      return lit(out, p, L.extraEnd);
    default: {
      const m = u16(b, s + 6);
      p = head(out, p, L.v3r, b, s, L.v3rMid);
      let r = s + 8;
      for (let k = 0; k < m; k++) {
        if (k) out[p++] = COMMA;
        const rt = b[r]!;
        const ns = u16(b, r + 2);
        p = lit(out, p, L.recKinds[rt]!);
        p = ip(out, p, b, r + 4);
        p = lit(out, p, L.recSources);
        p = jsonSources(out, p, b, r + 8, ns);
        p = lit(out, p, L.recEnd);
        r += 8 + 4 * ns;
      }
      return lit(out, p, L.v3rEnd);
    }
  }
}

/** Bytes `emitFastFrameJson` may need for a frame of `caplen` captured bytes (a generous bound). */
export function fastFrameJsonBound(caplen: number): number {
  return 640 + 16 * caplen;
}

/**
 * Write the JSON text (UTF-8, without a newline) of a common, well-formed IGMP frame into `out` at `pos`
 * and return the position after it, or -1 for any other frame (nothing useful is written then). `out` must
 * have {@link fastFrameJsonBound} bytes free. The text equals `JSON.stringify(decodeFrame(raw, frameNumber))`.
 */
export function emitFastFrameJson(raw: RawFrame, frameNumber: number, out: Uint8Array, pos: number): number {
  const ns = raw.timestampNs ?? 0n;
  if (ns < 0n) return -1;
  const sec = ns / NS_PER_S;
  const d = raw.data;
  return emitFastJson(d, 0, d.length, raw.linkType, raw.wireLength ?? d.length, Number(sec), Number(ns - sec * NS_PER_S), frameNumber, out, pos);
}

/** True for a time `emitFastJson` can print exactly (seconds since the epoch plus 0..999999999 ns). */
export function fastTimeOk(seconds: number, nanos: number): boolean {
  return seconds >= 0 && nanos >= 0 && nanos <= 999_999_999 && Number.isSafeInteger(seconds) && Number.isInteger(nanos);
}

/**
 * {@link emitFastFrameJson} for the frame `b[s0, e0)` captured at `seconds` + `nanos` (the form
 * `CaptureParser.scan` visits frames in: no Frame object, no BigInt).
 */
export function emitFastJson(
  b: Uint8Array,
  s0: number,
  e0: number,
  linkType: number,
  wireLength: number,
  seconds: number,
  nanos: number,
  frameNumber: number,
  out: Uint8Array,
  pos: number,
): number {
  if (fastCheck(b, s0, e0, linkType) === 0 || !fastTimeOk(seconds, nanos)) return -1;
  const f = fastFrame;
  lastFastKey = FAST_KEYS[f.kind]!;
  let p = lit(out, pos, L.frame);
  p = uint(out, p, frameNumber);
  p = lit(out, p, L.time);
  // the exact decimal time: seconds (their digits cached: they change rarely) and 9 digits of ns
  if (seconds !== lastSec) {
    lastSec = seconds;
    lastSecDigits = enc(String(seconds));
  }
  p = lit(out, p, lastSecDigits);
  out[p++] = DOT;
  p = nanos9(out, p, nanos);
  p = lit(out, p, L.len);
  p = uint(out, p, wireLength);
  p = lit(out, p, L.caplen);
  p = uint(out, p, e0 - s0);
  if (f.tags === 0) {
    // the usual untagged frame: link, empty VLAN list and the next key in one constant
    p = lit(out, p, L.linkUntagged[f.macKind]!);
  } else {
    p = lit(out, p, L.linkEth);
    out[p++] = 0x5b;
    for (let k = 0; k < f.tags; k++) {
      if (k) out[p++] = COMMA;
      p = uint(out, p, u16(b, s0 + 14 + 4 * k) & 0xfff);
    }
    out[p++] = 0x5d;
    p = lit(out, p, L.macSrc);
  }
  if (f.macKind !== 0) {
    p = mac(out, p, b, s0 + (f.macKind === 3 ? 12 : 6));
    if (f.macKind === 1) {
      p = lit(out, p, L.macDst);
      p = mac(out, p, b, s0);
    } else p = lit(out, p, L.macDstNull);
  }
  const o = f.ip;
  p = lit(out, p, L.ipSrc);
  p = ip(out, p, b, o + 12);
  p = lit(out, p, L.ipDst);
  p = ip(out, p, b, o + 16);
  p = lit(out, p, L.ttl);
  p = uint(out, p, b[o + 8]!);
  p = lit(out, p, L.tos);
  p = uint(out, p, b[o + 1]!);
  p = lit(out, p, f.ra ? L.raIgmp : L.noRaIgmp);
  p = igmpJson(out, p, b);
  return lit(out, p, L.tail);
}

let scratch = new Uint8Array(4096);
const latin1 = new TextDecoder("latin1");

/**
 * The fast path alone as a string: the JSON text of a common, well-formed IGMP frame (no errors, no
 * warnings, valid checksums), or null for any other frame. Equal to `JSON.stringify(decodeFrame(raw, n))`.
 */
export function fastFrameJson(raw: RawFrame, frameNumber = 1): string | null {
  const need = fastFrameJsonBound(raw.data.length);
  if (scratch.length < need) scratch = new Uint8Array(need);
  const end = emitFastFrameJson(raw, frameNumber, scratch, 0);
  return end < 0 ? null : latin1.decode(scratch.subarray(0, end));
}

/** `JSON.stringify(decodeFrame(raw, frameNumber))`, faster for the common frames. */
export function frameToJson(raw: RawFrame, frameNumber = 1): string {
  return fastFrameJson(raw, frameNumber) ?? JSON.stringify(decodeFrame(raw, frameNumber));
}
