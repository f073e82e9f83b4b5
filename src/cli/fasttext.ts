/**
 * The one-line text of a common frame (see `fastCheck` in wire/json.ts) written straight into a byte
 * buffer: exactly what `formatLine` prints for it, without decoding to objects. Checked against
 * `formatLine` by property and fixture tests.
 */
import { DOT, enc, ipBare, lit, nanos9, tenths, uint } from "../wire/ascii.js";
import { decodeFloatCode, FastKind, fastCheck, fastFrame, fastTimeOk } from "../wire/index.js";
import type { TimeFormat } from "./format.js";

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
  rec: ["", "IS_IN ", "IS_EX ", "TO_IN ", "TO_EX ", "ALLOW ", "BLOCK "].map(enc),
};

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;

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

/** Write the line (without newline) and return the position after it, or -1 when the frame is not a common one. */
export function emitFastText(
  b: Uint8Array,
  s0: number,
  e0: number,
  linkType: number,
  seconds: number,
  nanos: number,
  time: TimeFormat,
  out: Uint8Array,
  pos: number,
): number {
  if (fastCheck(b, s0, e0, linkType) === 0 || !fastTimeOk(seconds, nanos)) return -1;
  const f = fastFrame;
  let p = pos;
  if (time === "epoch") {
    p = uint(out, p, seconds);
    out[p++] = DOT;
    p = nanos9(out, p, nanos);
  } else {
    const day = seconds % 86400;
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
  if (f.tags > 0) {
    p = lit(out, p, T.vlan);
    for (let k = 0; k < f.tags; k++) {
      if (k) out[p++] = DOT;
      p = uint(out, p, u16(b, s0 + 14 + 4 * k) & 0xfff);
    }
  }
  out[p++] = 0x20;
  p = ipBare(out, p, b, f.ip + 12);
  p = lit(out, p, T.gt);
  p = ipBare(out, p, b, f.ip + 16);
  p = lit(out, p, T.colon);
  const s = f.igmp;
  const g = s + 4;
  const code = b[s + 1]!;
  const zeroGroup = (b[g]! | b[g + 1]! | b[g + 2]! | b[g + 3]!) === 0;
  switch (f.kind) {
    case FastKind.queryV1:
      return lit(out, p, T.v1q);
    case FastKind.queryV2:
      p = lit(out, p, T.v2q);
      if (zeroGroup) p = lit(out, p, T.general);
      else p = ipBare(out, lit(out, p, T.gs), b, g);
      p = lit(out, p, T.maxResp);
      p = tenths(out, p, code);
      out[p] = 0x73; // s
      return p + 1;
    case FastKind.queryV3: {
      const n = u16(b, s + 10);
      p = lit(out, p, T.v3q);
      if (zeroGroup) p = lit(out, p, T.general);
      else if (n > 0) {
        p = ipBare(out, lit(out, p, T.gss), b, g);
        out[p++] = 0x20;
        p = sourceSet(out, p, b, s + 12, n);
      } else p = ipBare(out, lit(out, p, T.gs), b, g);
      p = lit(out, p, T.maxResp);
      p = tenths(out, p, decodeFloatCode(code));
      const flags = b[s + 8]!;
      const qrv = flags & 7;
      if (qrv === 0) p = lit(out, p, T.qrvDefault);
      else p = uint(out, lit(out, p, T.qrv), qrv);
      const qqic = b[s + 9]!;
      if (qqic === 0) p = lit(out, p, T.qqiDefault);
      else {
        p = uint(out, lit(out, p, T.qqi), decodeFloatCode(qqic));
        out[p++] = 0x73;
      }
      if ((flags & 8) !== 0) p = lit(out, p, T.s);
      return p;
    }
    case FastKind.v1Report:
      return ipBare(out, lit(out, p, T.v1r), b, g);
    case FastKind.v2Report:
      return ipBare(out, lit(out, p, T.v2r), b, g);
    case FastKind.leave:
      return ipBare(out, lit(out, p, T.lv), b, g);
    default: {
      const m = u16(b, s + 6);
      p = lit(out, p, T.v3r);
      p = uint(out, p, m);
      p = lit(out, p, m === 1 ? T.record : T.records);
      let r = s + 8;
      for (let k = 0; k < m; k++) {
        if (k) p = lit(out, p, T.sep);
        const ns = u16(b, r + 2);
        p = lit(out, p, T.rec[b[r]!]!);
        p = ipBare(out, p, b, r + 4);
        out[p++] = 0x20;
        p = sourceSet(out, p, b, r + 8, ns);
        r += 8 + 4 * ns;
      }
      return p;
    }
  }
}

