/**
 * The JSON model of a frame as UTF-8 text, written from a {@link FrameView} without building values:
 * exactly `JSON.stringify(decodeFrame(raw, n))` for every clean frame the view found (any IGMP kind but
 * mtrace and RFC 9279 extensions, any IPv4 options, any VLAN stack, any link type). Anything with an
 * error, a warning or a bad checksum goes to the general path. Held byte-equal to it by property and
 * fixture tests (test/cli/fastjson.test.ts).
 */
import { decodeFloatCode, decodeFrame, FrameView, groupRecordKind, igmpKindOf, IgmpType, type RawFrame } from "../wire/index.js";
import { bool, COMMA, enc, ip, LitTable, jsonHex, jsonSources, lit, mac, nanos9, OutView, tenths, uint, type Lit } from "./ascii.js";

const LINKS = ["raw", "ethernet", "linux-sll", "linux-sll2", "null"];

const L = {
  frame: enc('{"frame":'),
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
  /** The end of the `igmp` object and of the frame (no errors or warnings in a clean frame). */
  end: enc('},"errors":[],"warnings":[]}'),
  /** By type byte, with and without Router Alert: `,"routerAlert":RA,"igmp":{"kind":"KIND","type":N,"checksum":`. */
  raHead: new LitTable((t) => `,"routerAlert":true,"igmp":{"kind":"${igmpKindOf(t)}","type":${t},"checksum":`),
  noRaHead: new LitTable((t) => `,"routerAlert":false,"igmp":{"kind":"${igmpKindOf(t)}","type":${t},"checksum":`),
  /** After the checksum, by version, through `"group":` (queries, v1/v2 reports, leaves). */
  versionGroup: [0, 1, 2, 3].map((n) => enc(`,"checksumValid":true,"version":${n},"group":`)),
  v1qRest: enc(',"checksumValid":true,"version":1,"group":"0.0.0.0","maxRespCode":0,"maxRespTime":10,"extra":""},"errors":[],"warnings":[]}'),
  v3rHead: enc(',"checksumValid":true,"version":3,"reserved1":0,"reserved2":0,"eFlag":'),
  valid: enc(',"checksumValid":true'),
  mrc: enc(',"maxRespCode":'),
  mrt: enc(',"maxRespTime":'),
  extraEnd: enc(',"extra":""},"errors":[],"warnings":[]}'),
  eFlag: enc(',"eFlag":'),
  resvS: enc(',"resv":0,"sFlag":'),
  qrv: enc(',"qrv":'),
  qrvDefault: enc(',"qrvDefault":'),
  qqic: enc(',"qqic":'),
  qqi: enc(',"qqi":'),
  qqiDefault: enc(',"qqiDefault":'),
  sources: enc(',"sources":'),
  addEnd: enc(',"additionalData":""},"errors":[],"warnings":[]}'),
  unused: enc(',"unused":0,"extra":""},"errors":[],"warnings":[]}'),
  reserved12: enc(',"reserved1":0,"reserved2":0,"eFlag":'),
  records: enc(',"records":['),
  recordsEnd: enc("]"),
  /** By record type 0..255: `{"type":N,"kind":"NAME","group":`. */
  rec: new LitTable((t) => `{"type":${t},"kind":"${groupRecordKind(t)}","group":`),
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
  close: enc('"},"errors":[],"warnings":[]}'),
};

/** Bytes {@link FastJson.write} may need for a frame of `caplen` captured bytes (a generous bound). */
export function fastJsonBound(caplen: number): number {
  return 640 + 16 * caplen;
}

/** True for a time the fast writers print exactly (seconds since the epoch plus 0..999999999 ns). */
export function fastTimeOk(seconds: number, nanos: number): boolean {
  return seconds >= 0 && nanos >= 0 && nanos <= 999_999_999 && Number.isSafeInteger(seconds) && Number.isInteger(nanos);
}

/** The `igmp` member of a clean frame and the frame's end, or -1 for a kind this writer leaves to the general path. */
function igmpJson(v: FrameView, d: DataView, p: number): number {
  const b = v.data;
  const type = v.type;
  if (v.hasAdditional || type === IgmpType.mtraceRequest || type === IgmpType.mtraceResponse) return -1;
  const s = v.igmpOffset;
  const code = v.code;
  p = lit(d, p, (v.routerAlert ? L.raHead : L.noRaHead).at(type));
  p = uint(d, p, v.igmpChecksum);
  switch (type) {
    case IgmpType.membershipQuery: {
      if (v.version === 1) return lit(d, p, L.v1qRest);
      p = lit(d, p, L.versionGroup[v.version]!);
      p = ip(d, p, b, s + 4);
      p = lit(d, p, L.mrc);
      p = uint(d, p, code);
      p = lit(d, p, L.mrt);
      if (v.version === 2) return lit(d, tenths(d, p, code), L.extraEnd);
      p = tenths(d, p, decodeFloatCode(code));
      const flags = v.queryFlags;
      const qrv = flags & 7;
      const qqic = v.qqic;
      p = lit(d, p, L.eFlag);
      p = bool(d, p, (flags & 0x80) !== 0);
      p = lit(d, p, L.resvS);
      p = bool(d, p, (flags & 8) !== 0);
      p = lit(d, p, L.qrv);
      p = uint(d, p, qrv);
      p = lit(d, p, L.qrvDefault);
      p = bool(d, p, qrv === 0);
      p = lit(d, p, L.qqic);
      p = uint(d, p, qqic);
      p = lit(d, p, L.qqi);
      p = uint(d, p, decodeFloatCode(qqic));
      p = lit(d, p, L.qqiDefault);
      p = bool(d, p, qqic === 0);
      p = lit(d, p, L.sources);
      p = jsonSources(d, p, b, v.sourcesOffset, v.sourceCount);
      return lit(d, p, L.addEnd);
    }
    case IgmpType.v1MembershipReport:
      p = lit(d, p, L.versionGroup[1]!);
      p = ip(d, p, b, s + 4);
      return lit(d, p, L.unused);
    case IgmpType.v2MembershipReport:
    case IgmpType.v2LeaveGroup:
      p = lit(d, p, L.versionGroup[2]!);
      p = ip(d, p, b, s + 4);
      p = lit(d, p, L.mrc);
      p = uint(d, p, code);
      return lit(d, p, L.extraEnd);
    case IgmpType.v3MembershipReport: {
      p = lit(d, p, L.v3rHead);
      p = bool(d, p, (v.reportFlags & 0x8000) !== 0);
      p = lit(d, p, L.records);
      const m = v.recordCount;
      let r = v.firstRecord;
      for (let k = 0; k < m; k++) {
        if (k) d.setUint8(p++, COMMA);
        p = lit(d, p, L.rec.at(v.recordType(r)));
        p = ip(d, p, b, v.recordGroupOffset(r));
        p = lit(d, p, L.sources);
        p = jsonSources(d, p, b, v.recordSourcesOffset(r), v.recordSourceCount(r));
        p = lit(d, p, L.recEnd);
        r = v.nextRecord(r);
      }
      p = lit(d, p, L.recordsEnd);
      return lit(d, p, L.addEnd);
    }
    case IgmpType.mrdAdvertisement:
      p = lit(d, p, L.valid);
      p = lit(d, p, L.advInterval);
      p = uint(d, p, code);
      p = lit(d, p, L.queryInterval);
      p = uint(d, p, v.mrdQueryInterval);
      p = lit(d, p, L.robustness);
      p = uint(d, p, v.mrdRobustness);
      p = lit(d, p, L.extra);
      p = jsonHex(d, p, b, s + 8, s + v.igmpLength);
      return lit(d, p, L.end);
    case IgmpType.mrdSolicitation:
    case IgmpType.mrdTermination:
      p = lit(d, p, L.valid);
      p = lit(d, p, L.reserved);
      p = uint(d, p, code);
      p = lit(d, p, L.extra);
      p = jsonHex(d, p, b, s + 4, s + v.igmpLength);
      return lit(d, p, L.end);
    default:
      p = lit(d, p, L.valid);
      p = lit(d, p, L.code);
      p = uint(d, p, code);
      p = lit(d, p, L.body);
      p = jsonHex(d, p, b, s + 4, s + v.igmpLength);
      if (type >= IgmpType.rgmpLeave) {
        p = lit(d, p, L.name);
        p = lit(d, p, L.rgmp[type - IgmpType.rgmpLeave]!);
        return lit(d, p, L.close);
      }
      return lit(d, p, L.end);
  }
}

/**
 * A JSON Lines writer for clean frames. One per output: it remembers the text of the last second it
 * printed (it changes rarely) and a view of the output buffer, nothing else.
 */
export class FastJson {
  private lastSec = -1;
  /** `,"time":"SECONDS.` of `lastSec`. */
  private secText: Lit = enc("");
  private readonly outView = new OutView();

  /**
   * Write the JSON text (UTF-8, no newline) of the frame `view` wrapped, captured at `seconds` + `nanos`,
   * into `out` at `pos` ({@link fastJsonBound} bytes free); the position after it, or -1 (nothing useful
   * written) for a frame that is not clean or of a kind left to the general path.
   */
  write(v: FrameView, wireLength: number, seconds: number, nanos: number, frameNumber: number, out: Uint8Array, pos: number): number {
    if (!v.clean || !fastTimeOk(seconds, nanos)) return -1;
    const b = v.data;
    const d = this.outView.of(out);
    let p = lit(d, pos, L.frame);
    p = uint(d, p, frameNumber);
    if (seconds !== this.lastSec) {
      this.lastSec = seconds;
      this.secText = enc(`,"time":"${seconds}.`);
    }
    p = lit(d, p, this.secText);
    p = nanos9(d, p, nanos);
    p = lit(d, p, L.len);
    p = uint(d, p, wireLength);
    p = lit(d, p, L.caplen);
    p = uint(d, p, v.end - v.start);
    const tags = v.vlanCount;
    if (tags === 0) p = lit(d, p, L.linkUntagged[v.linkKind]!);
    else {
      p = lit(d, p, L.link[v.linkKind]!);
      d.setUint8(p++, 0x5b);
      for (let k = 0; k < tags; k++) {
        if (k) d.setUint8(p++, COMMA);
        p = uint(d, p, v.vlanId(k));
      }
      d.setUint8(p++, 0x5d);
      p = lit(d, p, L.macSrc);
    }
    if (v.macSrcOffset < 0) p = lit(d, p, L.noMacs);
    else {
      p = mac(d, p, b, v.macSrcOffset);
      if (v.macDstOffset < 0) p = lit(d, p, L.macDstNull);
      else {
        p = lit(d, p, L.macDst);
        p = mac(d, p, b, v.macDstOffset);
        p = lit(d, p, L.ipSrc);
      }
    }
    const o = v.ipOffset;
    p = ip(d, p, b, o + 12);
    p = lit(d, p, L.ipDst);
    p = ip(d, p, b, o + 16);
    p = lit(d, p, L.ttl);
    p = uint(d, p, v.ttl);
    p = lit(d, p, L.tos);
    p = uint(d, p, v.tos);
    return igmpJson(v, d, p);
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
