/**
 * The one-line text of a clean frame (see `FrameView.clean`) written straight into a byte buffer from the
 * view: exactly what `formatLine` prints for it, without decoding to objects. Checked against
 * `formatLine` by property and fixture tests.
 */
import { decodeFloatCode, FrameView, groupRecordShortName, igmpKindOf, IgmpType } from "../wire/index.js";
import { DOT, enc, hexNumber, ipBare, LitTable, lit, micros6, nanos9, OutView, tenths, uint, type Lit } from "./ascii.js";
import { fastTimeOk } from "./fastjson.js";
import type { TimeFormat } from "./format.js";
import { LocalZone } from "./timestamps.js";

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
  rec: new LitTable((t) => `${groupRecordShortName(t)} `),
  mrdAdv: enc("MRD advertisement, interval "),
  queryInterval: enc("s, query interval "),
  robustness: enc("s, robustness "),
  mrdSol: enc("MRD solicitation"),
  mrdTerm: enc("MRD termination"),
  /** By type byte: `IGMP NAME type 0x` for the kinds printed raw. */
  raw: new LitTable((t) => `IGMP ${t >= IgmpType.rgmpLeave ? `rgmp-${["leave", "join", "bye", "hello"][t - IgmpType.rgmpLeave]}` : igmpKindOf(t)} type 0x`),
  code: enc(" code "),
  bytes: enc(" bytes"),
};

function sourceSet(d: DataView, p: number, b: Uint8Array, start: number, n: number): number {
  d.setUint8(p++, 0x7b);
  for (let k = 0; k < n; k++) {
    if (k) p = lit(d, p, T.srcSep);
    p = ipBare(d, p, b, start + 4 * k);
  }
  d.setUint8(p, 0x7d);
  return p + 1;
}

/** Bytes `emitFastText` may need for a frame of `caplen` captured bytes. */
export function fastTextBound(caplen: number): number {
  return 200 + 8 * caplen;
}

/**
 * Write the line (without newline) of the frame `v` wrapped, captured at `seconds` + `nanos`, and return
 * the position after it, or -1 when the frame is not clean, of a kind left to the general path, or the
 * time is not a plain time of day or epoch (`-t` family). `zone` caches the local offset. One line at a
 * time; a run of lines goes faster through one {@link FastText}.
 */
export function emitFastText(v: FrameView, seconds: number, nanos: number, time: TimeFormat, out: Uint8Array, pos: number, zone?: LocalZone): number {
  return new FastText(zone).write(v, seconds, nanos, time, out, pos);
}

/**
 * The one-line text writer of clean frames for one output. It remembers the text of the last second it
 * printed ("HH:MM:SS.", "SECONDS." or, with -tttt, the date too: it changes at most once a second of
 * capture) and the local zone's offset, nothing else.
 */
export class FastText {
  private lastSec = -1;
  private lastTime: TimeFormat = "epoch";
  /** The text of `lastSec` in `lastTime`'s format, through its dot: "HH:MM:SS.", "SECONDS.", "YYYY-MM-DD HH:MM:SS.". */
  private secText: Lit = enc("");
  private readonly outView = new OutView();

  constructor(private readonly zone = new LocalZone()) {}

  /** {@link emitFastText}, with this writer's caches. */
  write(v: FrameView, seconds: number, nanos: number, time: TimeFormat, out: Uint8Array, pos: number): number {
    if (!v.clean || !fastTimeOk(seconds, nanos)) return -1;
    const type = v.type;
    if (type === IgmpType.mtraceRequest || type === IgmpType.mtraceResponse) return -1;
    const d = this.outView.of(out);
    if (typeof time !== "object") {
      if (seconds !== this.lastSec || time !== this.lastTime) this.second(seconds, time);
      const p = lit(d, pos, this.secText);
      return emitLine(v, d, time === "epoch" ? nanos9(d, p, nanos) : micros6(d, p, Math.floor(nanos / 1000)));
    }
    if (time.mode === "unix" || time.mode === "date") {
      // -tt, -tttt: the stamp of a second and its microseconds, as the stamper words them
      if (seconds !== this.lastSec || time !== this.lastTime) {
        this.lastSec = seconds;
        this.lastTime = time;
        const whole = time.stamp(`${seconds}.000000000`);
        this.secText = enc(whole.slice(0, whole.length - 6));
      }
      return emitLine(v, d, micros6(d, lit(d, pos, this.secText), Math.floor(nanos / 1000)));
    }
    // the rest of the -t family: the stamper's text (stateful: called once per line, and from here nothing
    // gives up)
    const stamp = time.stamp(`${seconds}.${String(nanos).padStart(9, "0")}`);
    let p = pos;
    for (let k = 0; k < stamp.length; k++) out[p++] = stamp.charCodeAt(k);
    const end = emitLine(v, d, p);
    if (stamp !== "") return end;
    // -t: no time and no space before what follows, as formatLine
    out.copyWithin(pos, pos + 1, end);
    return end - 1;
  }

  /** The text of a second: "SECONDS." (epoch) or the time of day, "HH:MM:SS.", local or UTC. */
  private second(seconds: number, time: "local" | "utc" | "epoch"): void {
    this.lastSec = seconds;
    this.lastTime = time;
    if (time === "epoch") {
      this.secText = enc(`${seconds}.`);
      return;
    }
    const local = time === "local" ? seconds + this.zone.offsetAt(seconds) : seconds;
    const day = ((local % 86400) + 86400) % 86400;
    this.secText = enc(`${two(Math.floor(day / 3600))}:${two(Math.floor((day % 3600) / 60))}:${two(day % 60)}.`);
  }
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Everything after the time: VLAN tags, addresses and the message. */
function emitLine(v: FrameView, d: DataView, p: number): number {
  const b = v.data;
  const type = v.type;
  if (v.vlanCount > 0) {
    p = lit(d, p, T.vlan);
    for (let k = 0; k < v.vlanCount; k++) {
      if (k) d.setUint8(p++, DOT);
      p = uint(d, p, v.vlanId(k));
    }
  }
  d.setUint8(p++, 0x20);
  p = ipBare(d, p, b, v.ipOffset + 12);
  p = lit(d, p, T.gt);
  p = ipBare(d, p, b, v.ipOffset + 16);
  p = lit(d, p, T.colon);
  const s = v.igmpOffset;
  const g = s + 4;
  const code = v.code;
  switch (type) {
    case IgmpType.membershipQuery: {
      const zeroGroup = v.group === 0;
      if (v.version === 1) return lit(d, p, T.v1q);
      if (v.version === 2) {
        p = lit(d, p, T.v2q);
        if (zeroGroup) p = lit(d, p, T.general);
        else p = ipBare(d, lit(d, p, T.gs), b, g);
        p = lit(d, p, T.maxResp);
        p = tenths(d, p, code);
        d.setUint8(p, 0x73); // s
        return p + 1;
      }
      const n = v.sourceCount;
      p = lit(d, p, T.v3q);
      if (zeroGroup) p = lit(d, p, T.general);
      else if (n > 0) {
        p = ipBare(d, lit(d, p, T.gss), b, g);
        d.setUint8(p++, 0x20);
        p = sourceSet(d, p, b, v.sourcesOffset, n);
      } else p = ipBare(d, lit(d, p, T.gs), b, g);
      p = lit(d, p, T.maxResp);
      p = tenths(d, p, decodeFloatCode(code));
      const flags = v.queryFlags;
      const qrv = flags & 7;
      if (qrv === 0) p = lit(d, p, T.qrvDefault);
      else p = uint(d, lit(d, p, T.qrv), qrv);
      const qqic = v.qqic;
      if (qqic === 0) p = lit(d, p, T.qqiDefault);
      else {
        p = uint(d, lit(d, p, T.qqi), decodeFloatCode(qqic));
        d.setUint8(p++, 0x73);
      }
      if ((flags & 8) !== 0) p = lit(d, p, T.s);
      return p;
    }
    case IgmpType.v1MembershipReport:
      return ipBare(d, lit(d, p, T.v1r), b, g);
    case IgmpType.v2MembershipReport:
      return ipBare(d, lit(d, p, T.v2r), b, g);
    case IgmpType.v2LeaveGroup:
      return ipBare(d, lit(d, p, T.lv), b, g);
    case IgmpType.v3MembershipReport: {
      const m = v.recordCount;
      p = lit(d, p, T.v3r);
      p = uint(d, p, m);
      p = lit(d, p, m === 1 ? T.record : T.records);
      let r = v.firstRecord;
      for (let k = 0; k < m; k++) {
        if (k) p = lit(d, p, T.sep);
        p = lit(d, p, T.rec.at(v.recordType(r)));
        p = ipBare(d, p, b, v.recordGroupOffset(r));
        d.setUint8(p++, 0x20);
        p = sourceSet(d, p, b, v.recordSourcesOffset(r), v.recordSourceCount(r));
        r = v.nextRecord(r);
      }
      return p;
    }
    case IgmpType.mrdAdvertisement:
      p = uint(d, lit(d, p, T.mrdAdv), code);
      p = uint(d, lit(d, p, T.queryInterval), v.mrdQueryInterval);
      return uint(d, lit(d, p, T.robustness), v.mrdRobustness);
    case IgmpType.mrdSolicitation:
      return lit(d, p, T.mrdSol);
    case IgmpType.mrdTermination:
      return lit(d, p, T.mrdTerm);
    default:
      p = hexNumber(d, lit(d, p, T.raw.at(type)), type);
      p = uint(d, lit(d, p, T.code), code);
      d.setUint8(p++, 0x2c);
      d.setUint8(p++, 0x20);
      return lit(d, uint(d, p, v.igmpLength - 4), T.bytes);
  }
}
