/**
 * The JSON model of a frame as UTF-8 text, written from a {@link FrameView} without building values:
 * exactly `JSON.stringify(decodeFrame(raw, n))` for every clean frame the view found (any IGMP kind but
 * mtrace and RFC 9279 extensions, any IPv4 options, any VLAN stack, any link type). Anything with an
 * error, a warning or a bad checksum goes to the general path. Held byte-equal to it by property and
 * fixture tests (test/cli/fastjson.test.ts).
 */
import { decodeFloatCode, decodeFrame, FrameView, groupRecordKind, igmpKindOf, IgmpType, type RawFrame } from "../wire/index.js";
import { bool, COMMA, DOT, enc, hexNumber, ip, jsonHex, jsonSources, lit, mac, nanos9, tenths, uint } from "./ascii.js";

const LINKS = ["raw", "ethernet", "linux-sll", "linux-sll2", "null"];

const L = {
  frame: enc('{"frame":'),
  time: enc(',"time":"'),
  len: enc('","len":'),
  caplen: enc(',"caplen":'),
  /** By LinkKind (raw, ethernet, linux-sll, linux-sll2, null), up to the VLAN list; and untagged, through `"macSrc":`. */
  link: LINKS.map((n) => enc(`,"link":"${n}","vlan":`)),
  linkUntagged: LINKS.map((n) => enc(`,"link":"${n}","vlan":[],"macSrc":`)),
  macSrc: enc(',"macSrc":'),
  macDst: enc(',"macDst":'),
  /** No MAC addresses at all, through `"ipSrc":`. */
  noMacs: enc('null,"macDst":null,"ipSrc":'),
  macDstNull: enc(',"macDst":null,"ipSrc":'),
  ipSrc: enc(',"ipSrc":'),
  ipDst: enc(',"ipDst":'),
  ttl: enc(',"ttl":'),
  tos: enc(',"tos":'),
  raIgmp: enc(',"routerAlert":true,"igmp":'),
  noRaIgmp: enc(',"routerAlert":false,"igmp":'),
  tail: enc(',"errors":[],"warnings":[]}'),
  /** By type byte: `{"kind":"KIND","type":N,"checksum":`. */
  head: Array.from({ length: 256 }, (_, t) => enc(`{"kind":"${igmpKindOf(t)}","type":${t},"checksum":`)),
  /** After the checksum, by version, through `"group":` (queries, v1/v2 reports, leaves). */
  versionGroup: [0, 1, 2, 3].map((n) => enc(`,"checksumValid":true,"version":${n},"group":`)),
  v1qRest: enc(',"checksumValid":true,"version":1,"group":"0.0.0.0","maxRespCode":0,"maxRespTime":10,"extra":""}'),
  v3rHead: enc(',"checksumValid":true,"version":3,"reserved1":0,"reserved2":0,"eFlag":'),
  valid: enc(',"checksumValid":true'),
  mrc: enc(',"maxRespCode":'),
  mrt: enc(',"maxRespTime":'),
  extraEnd: enc(',"extra":""}'),
  eFlag: enc(',"eFlag":'),
  resvS: enc(',"resv":0,"sFlag":'),
  qrv: enc(',"qrv":'),
  qrvDefault: enc(',"qrvDefault":'),
  qqic: enc(',"qqic":'),
  qqi: enc(',"qqi":'),
  qqiDefault: enc(',"qqiDefault":'),
  sources: enc(',"sources":'),
  addEnd: enc(',"additionalData":""}'),
  unused: enc(',"unused":0,"extra":""}'),
  reserved12: enc(',"reserved1":0,"reserved2":0,"eFlag":'),
  records: enc(',"records":['),
  recordsEnd: enc("]"),
  /** By record type 0..255: `{"type":N,"kind":"NAME","group":`. */
  rec: Array.from({ length: 256 }, (_, t) => enc(`{"type":${t},"kind":"${groupRecordKind(t)}","group":`)),
  recEnd: enc(',"auxData":""}'),
  advInterval: enc(',"advertisementInterval":'),
  queryInterval: enc(',"queryInterval":'),
  robustness: enc(',"robustness":'),
  extra: enc(',"extra":'),
  reserved: enc(',"reserved":'),
  code: enc(',"code":'),
  body: enc(',"body":'),
  name: enc(',"name":"rgmp-'),
  rgmp: ["leave", "join", "bye", "hello"].map(enc),
  close: enc('"}'),
};

/** Bytes {@link FastJson.write} may need for a frame of `caplen` captured bytes (a generous bound). */
export function fastJsonBound(caplen: number): number {
  return 640 + 16 * caplen;
}

/** True for a time the fast writers print exactly (seconds since the epoch plus 0..999999999 ns). */
export function fastTimeOk(seconds: number, nanos: number): boolean {
  return seconds >= 0 && nanos >= 0 && nanos <= 999_999_999 && Number.isSafeInteger(seconds) && Number.isInteger(nanos);
}

/** The `igmp` member of a clean frame, or -1 for a kind this writer leaves to the general path. */
function igmpJson(v: FrameView, out: Uint8Array, p: number): number {
  const b = v.data;
  const type = v.type;
  if (v.hasAdditional || type === IgmpType.mtraceRequest || type === IgmpType.mtraceResponse) return -1;
  const s = v.igmpOffset;
  const code = v.code;
  p = lit(out, p, L.head[type]!);
  p = uint(out, p, v.igmpChecksum);
  switch (type) {
    case IgmpType.membershipQuery: {
      if (v.version === 1) return lit(out, p, L.v1qRest);
      p = lit(out, p, L.versionGroup[v.version]!);
      p = ip(out, p, b, s + 4);
      p = lit(out, p, L.mrc);
      p = uint(out, p, code);
      p = lit(out, p, L.mrt);
      if (v.version === 2) return lit(out, tenths(out, p, code), L.extraEnd);
      p = tenths(out, p, decodeFloatCode(code));
      const flags = v.queryFlags;
      const qrv = flags & 7;
      const qqic = v.qqic;
      p = lit(out, p, L.eFlag);
      p = bool(out, p, (flags & 0x80) !== 0);
      p = lit(out, p, L.resvS);
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
      p = lit(out, p, L.sources);
      p = jsonSources(out, p, b, v.sourcesOffset, v.sourceCount);
      return lit(out, p, L.addEnd);
    }
    case IgmpType.v1MembershipReport:
      p = lit(out, p, L.versionGroup[1]!);
      p = ip(out, p, b, s + 4);
      return lit(out, p, L.unused);
    case IgmpType.v2MembershipReport:
    case IgmpType.v2LeaveGroup:
      p = lit(out, p, L.versionGroup[2]!);
      p = ip(out, p, b, s + 4);
      p = lit(out, p, L.mrc);
      p = uint(out, p, code);
      return lit(out, p, L.extraEnd);
    case IgmpType.v3MembershipReport: {
      p = lit(out, p, L.v3rHead);
      p = bool(out, p, (v.reportFlags & 0x8000) !== 0);
      p = lit(out, p, L.records);
      const m = v.recordCount;
      let r = v.firstRecord;
      for (let k = 0; k < m; k++) {
        if (k) out[p++] = COMMA;
        p = lit(out, p, L.rec[v.recordType(r)]!);
        p = ip(out, p, b, v.recordGroupOffset(r));
        p = lit(out, p, L.sources);
        p = jsonSources(out, p, b, v.recordSourcesOffset(r), v.recordSourceCount(r));
        p = lit(out, p, L.recEnd);
        r = v.nextRecord(r);
      }
      p = lit(out, p, L.recordsEnd);
      return lit(out, p, L.addEnd);
    }
    case IgmpType.mrdAdvertisement:
      p = lit(out, p, L.valid);
      p = lit(out, p, L.advInterval);
      p = uint(out, p, code);
      p = lit(out, p, L.queryInterval);
      p = uint(out, p, v.mrdQueryInterval);
      p = lit(out, p, L.robustness);
      p = uint(out, p, v.mrdRobustness);
      p = lit(out, p, L.extra);
      p = jsonHex(out, p, b, s + 8, s + v.igmpLength);
      out[p] = 0x7d;
      return p + 1;
    case IgmpType.mrdSolicitation:
    case IgmpType.mrdTermination:
      p = lit(out, p, L.valid);
      p = lit(out, p, L.reserved);
      p = uint(out, p, code);
      p = lit(out, p, L.extra);
      p = jsonHex(out, p, b, s + 4, s + v.igmpLength);
      out[p] = 0x7d;
      return p + 1;
    default:
      p = lit(out, p, L.valid);
      p = lit(out, p, L.code);
      p = uint(out, p, code);
      p = lit(out, p, L.body);
      p = jsonHex(out, p, b, s + 4, s + v.igmpLength);
      if (type >= IgmpType.rgmpLeave) {
        p = lit(out, p, L.name);
        p = lit(out, p, L.rgmp[type - IgmpType.rgmpLeave]!);
        return lit(out, p, L.close);
      }
      out[p] = 0x7d;
      return p + 1;
  }
}

/**
 * A JSON Lines writer for clean frames. One per output: it remembers the digits of the last second it
 * printed (they change rarely), nothing else.
 */
export class FastJson {
  private lastSec = -1;
  private secDigits = enc("0");

  /**
   * Write the JSON text (UTF-8, no newline) of the frame `view` wrapped, captured at `seconds` + `nanos`,
   * into `out` at `pos` ({@link fastJsonBound} bytes free); the position after it, or -1 (nothing useful
   * written) for a frame that is not clean or of a kind left to the general path.
   */
  write(v: FrameView, wireLength: number, seconds: number, nanos: number, frameNumber: number, out: Uint8Array, pos: number): number {
    if (!v.clean || !fastTimeOk(seconds, nanos)) return -1;
    const b = v.data;
    let p = lit(out, pos, L.frame);
    p = uint(out, p, frameNumber);
    p = lit(out, p, L.time);
    if (seconds !== this.lastSec) {
      this.lastSec = seconds;
      this.secDigits = enc(String(seconds));
    }
    p = lit(out, p, this.secDigits);
    out[p++] = DOT;
    p = nanos9(out, p, nanos);
    p = lit(out, p, L.len);
    p = uint(out, p, wireLength);
    p = lit(out, p, L.caplen);
    p = uint(out, p, v.end - v.start);
    const tags = v.vlanCount;
    if (tags === 0) p = lit(out, p, L.linkUntagged[v.linkKind]!);
    else {
      p = lit(out, p, L.link[v.linkKind]!);
      out[p++] = 0x5b;
      for (let k = 0; k < tags; k++) {
        if (k) out[p++] = COMMA;
        p = uint(out, p, v.vlanId(k));
      }
      out[p++] = 0x5d;
      p = lit(out, p, L.macSrc);
    }
    if (v.macSrcOffset < 0) p = lit(out, p, L.noMacs);
    else {
      p = mac(out, p, b, v.macSrcOffset);
      if (v.macDstOffset < 0) p = lit(out, p, L.macDstNull);
      else {
        p = lit(out, p, L.macDst);
        p = mac(out, p, b, v.macDstOffset);
        p = lit(out, p, L.ipSrc);
      }
    }
    const o = v.ipOffset;
    p = ip(out, p, b, o + 12);
    p = lit(out, p, L.ipDst);
    p = ip(out, p, b, o + 16);
    p = lit(out, p, L.ttl);
    p = uint(out, p, v.ttl);
    p = lit(out, p, L.tos);
    p = uint(out, p, v.tos);
    p = lit(out, p, v.routerAlert ? L.raIgmp : L.noRaIgmp);
    p = igmpJson(v, out, p);
    return p < 0 ? -1 : lit(out, p, L.tail);
  }
}

/**
 * `JSON.stringify(decodeFrame(raw, frameNumber))`, written straight from the bytes when the frame is
 * clean (see {@link FastJson}).
 */
export function frameToJson(raw: RawFrame, frameNumber = 1): string {
  const ns = raw.timestampNs ?? 0n;
  const d = raw.data;
  if (ns >= 0n && ns < 1n << 62n) {
    const v = new FrameView();
    v.wrap(d, raw.linkType);
    const out = new Uint8Array(fastJsonBound(d.length));
    const sec = ns / 1_000_000_000n;
    const end = new FastJson().write(v, raw.wireLength ?? d.length, Number(sec), Number(ns - sec * 1_000_000_000n), frameNumber, out, 0);
    if (end >= 0) return Buffer.from(out.buffer, 0, end).toString("latin1");
  }
  return JSON.stringify(decodeFrame(raw, frameNumber));
}
