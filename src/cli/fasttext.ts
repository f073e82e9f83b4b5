/**
 * The one-line text of a clean frame (see `FrameView.clean`) written straight into a byte buffer from the
 * view: exactly what `formatLine` prints for it, without decoding to objects. Checked against
 * `formatLine` by property and fixture tests.
 */
import { decodeFloatCode, FrameView, groupRecordShortName, igmpKindOf, IgmpType } from "../wire/index.js";
import { DOT, enc, hexNumber, ipBare, lit, nanos9, tenths, uint } from "./ascii.js";
import { fastTimeOk } from "./fastjson.js";
import type { TimeFormat } from "./format.js";
import { localOffset, type LocalZone } from "./timestamps.js";

const T = {
  vlan: enc(" vlan "),
  gt: enc(" > "),
  colon: enc(": "),
  v1q: enc("IGMPv1 query, general"),
  v2q: enc("IGMPv2 query, "),
  v3q: enc("IGMPv3 query, "),
  general: enc("general"),
  gs: enc("group-specific "),
  gss: enc("group-and-source-specific "),
  maxResp: enc(", max resp "),
  qrv: enc("s, qrv "),
  qrvDefault: enc("s, qrv default"),
  qqi: enc(", qqi "),
  qqiDefault: enc(", qqi default"),
  s: enc(", S"),
  v1r: enc("IGMPv1 report "),
  v2r: enc("IGMPv2 report "),
  lv: enc("IGMPv2 leave "),
  v3r: enc("IGMPv3 report, "),
  record: enc(" record: "),
  records: enc(" records: "),
  sep: enc("; "),
  srcSep: enc(", "),
  /** By record type: its short name and a space. */
  rec: Array.from({ length: 256 }, (_, t) => enc(`${groupRecordShortName(t)} `)),
  mrdAdv: enc("MRD advertisement, interval "),
  queryInterval: enc("s, query interval "),
  robustness: enc("s, robustness "),
  mrdSol: enc("MRD solicitation"),
  mrdTerm: enc("MRD termination"),
  /** By type byte: `IGMP NAME type 0x` for the kinds printed raw. */
  raw: Array.from({ length: 256 }, (_, t) =>
    enc(`IGMP ${t >= IgmpType.rgmpLeave ? `rgmp-${["leave", "join", "bye", "hello"][t - IgmpType.rgmpLeave]}` : igmpKindOf(t)} type 0x`),
  ),
  code: enc(" code "),
  bytes: enc(" bytes"),
};

function two(out: Uint8Array, p: number, n: number): number {
  out[p] = 48 + Math.floor(n / 10);
  out[p + 1] = 48 + (n % 10);
  return p + 2;
}

function sourceSet(out: Uint8Array, p: number, b: Uint8Array, start: number, n: number): number {
  out[p++] = 0x7b;
  for (let k = 0; k < n; k++) {
    if (k) p = lit(out, p, T.srcSep);
    p = ipBare(out, p, b, start + 4 * k);
  }
  out[p] = 0x7d;
  return p + 1;
}

/** Bytes `emitFastText` may need for a frame of `caplen` captured bytes. */
export function fastTextBound(caplen: number): number {
  return 200 + 8 * caplen;
}

/**
 * Write the line (without newline) of the frame `v` wrapped, captured at `seconds` + `nanos`, and return
 * the position after it, or -1 when the frame is not clean, of a kind left to the general path, or the
 * time is not a plain time of day or epoch (`-t` family). `zone` caches the local offset.
 */
export function emitFastText(v: FrameView, seconds: number, nanos: number, time: TimeFormat, out: Uint8Array, pos: number, zone?: LocalZone): number {
  if (!v.clean || !fastTimeOk(seconds, nanos)) return -1;
  const type = v.type;
  if (type === IgmpType.mtraceRequest || type === IgmpType.mtraceResponse) return -1;
  if (typeof time !== "object") return emitLine(v, seconds, nanos, time, undefined, out, pos, zone);
  // the -t family: the stamper's text (stateful: called once per line, and from here nothing gives up)
  const stamp = time.stamp(`${seconds}.${String(nanos).padStart(9, "0")}`);
  const end = emitLine(v, seconds, nanos, "epoch", stamp, out, pos, zone);
  if (stamp !== "") return end;
  // -t: no time and no space before what follows, as formatLine
  out.copyWithin(pos, pos + 1, end);
  return end - 1;
}

function emitLine(v: FrameView, seconds: number, nanos: number, time: "local" | "utc" | "epoch", stamp: string | undefined, out: Uint8Array, pos: number, zone?: LocalZone): number {
  const b = v.data;
  const type = v.type;
  let p = pos;
  if (stamp !== undefined) {
    for (let k = 0; k < stamp.length; k++) out[p++] = stamp.charCodeAt(k);
  } else if (time === "epoch") {
    p = uint(out, p, seconds);
    out[p++] = DOT;
    p = nanos9(out, p, nanos);
  } else {
    // local time: the caller's zone cache, or the offset looked up for this frame
    const local = time === "local" ? seconds + (zone ? zone.offsetAt(seconds) : localOffset(seconds)) : seconds;
    const day = ((local % 86400) + 86400) % 86400;
    p = two(out, p, Math.floor(day / 3600));
    out[p++] = 0x3a;
    p = two(out, p, Math.floor((day % 3600) / 60));
    out[p++] = 0x3a;
    p = two(out, p, day % 60);
    out[p++] = DOT;
    let us = Math.floor(nanos / 1000);
    for (let k = 5; k >= 0; k--) {
      out[p + k] = 48 + (us % 10);
      us = Math.floor(us / 10);
    }
    p += 6;
  }
  if (v.vlanCount > 0) {
    p = lit(out, p, T.vlan);
    for (let k = 0; k < v.vlanCount; k++) {
      if (k) out[p++] = DOT;
      p = uint(out, p, v.vlanId(k));
    }
  }
  out[p++] = 0x20;
  p = ipBare(out, p, b, v.ipOffset + 12);
  p = lit(out, p, T.gt);
  p = ipBare(out, p, b, v.ipOffset + 16);
  p = lit(out, p, T.colon);
  const s = v.igmpOffset;
  const g = s + 4;
  const code = v.code;
  switch (type) {
    case IgmpType.membershipQuery: {
      const zeroGroup = v.group === 0;
      if (v.version === 1) return lit(out, p, T.v1q);
      if (v.version === 2) {
        p = lit(out, p, T.v2q);
        if (zeroGroup) p = lit(out, p, T.general);
        else p = ipBare(out, lit(out, p, T.gs), b, g);
        p = lit(out, p, T.maxResp);
        p = tenths(out, p, code);
        out[p] = 0x73; // s
        return p + 1;
      }
      const n = v.sourceCount;
      p = lit(out, p, T.v3q);
      if (zeroGroup) p = lit(out, p, T.general);
      else if (n > 0) {
        p = ipBare(out, lit(out, p, T.gss), b, g);
        out[p++] = 0x20;
        p = sourceSet(out, p, b, v.sourcesOffset, n);
      } else p = ipBare(out, lit(out, p, T.gs), b, g);
      p = lit(out, p, T.maxResp);
      p = tenths(out, p, decodeFloatCode(code));
      const flags = v.queryFlags;
      const qrv = flags & 7;
      if (qrv === 0) p = lit(out, p, T.qrvDefault);
      else p = uint(out, lit(out, p, T.qrv), qrv);
      const qqic = v.qqic;
      if (qqic === 0) p = lit(out, p, T.qqiDefault);
      else {
        p = uint(out, lit(out, p, T.qqi), decodeFloatCode(qqic));
        out[p++] = 0x73;
      }
      if ((flags & 8) !== 0) p = lit(out, p, T.s);
      return p;
    }
    case IgmpType.v1MembershipReport:
      return ipBare(out, lit(out, p, T.v1r), b, g);
    case IgmpType.v2MembershipReport:
      return ipBare(out, lit(out, p, T.v2r), b, g);
    case IgmpType.v2LeaveGroup:
      return ipBare(out, lit(out, p, T.lv), b, g);
    case IgmpType.v3MembershipReport: {
      const m = v.recordCount;
      p = lit(out, p, T.v3r);
      p = uint(out, p, m);
      p = lit(out, p, m === 1 ? T.record : T.records);
      let r = v.firstRecord;
      for (let k = 0; k < m; k++) {
        if (k) p = lit(out, p, T.sep);
        p = lit(out, p, T.rec[v.recordType(r)]!);
        p = ipBare(out, p, b, v.recordGroupOffset(r));
        out[p++] = 0x20;
        p = sourceSet(out, p, b, v.recordSourcesOffset(r), v.recordSourceCount(r));
        r = v.nextRecord(r);
      }
      return p;
    }
    case IgmpType.mrdAdvertisement:
      p = uint(out, lit(out, p, T.mrdAdv), code);
      p = uint(out, lit(out, p, T.queryInterval), v.mrdQueryInterval);
      return uint(out, lit(out, p, T.robustness), v.mrdRobustness);
    case IgmpType.mrdSolicitation:
      return lit(out, p, T.mrdSol);
    case IgmpType.mrdTermination:
      return lit(out, p, T.mrdTerm);
    default:
      p = hexNumber(out, lit(out, p, T.raw[type]!), type);
      p = uint(out, lit(out, p, T.code), code);
      out[p++] = 0x2c;
      out[p++] = 0x20;
      return lit(out, uint(out, p, v.igmpLength - 4), T.bytes);
  }
}
