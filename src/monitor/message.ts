/**
 * One IGMP membership message as the router state and the linter take it: addresses as 32-bit numbers,
 * sources in one flat array, no strings. One object is reused from frame to frame, filled either from a
 * checked {@link FrameView} (the hot path: nothing allocated for a frame whose state changes nothing) or
 * from a {@link DecodedFrame} (the library path).
 *
 * Time is kept as the capture gave it (`seconds` + `nanos`, exact) and in milliseconds (`timeMs`, the
 * unit every timer inside src/monitor counts in).
 */
import {
  decodeFrame,
  FrameView,
  IGMP_OFFSETS,
  IPV4_OFFSETS,
  ipv4ToNumber,
  maxRespCodeToSeconds,
  qqicToSeconds,
  QUERY_FLAG_BITS,
  ViewStatus,
  type DecodedFrame,
} from "../wire/index.js";

/** The membership kinds the state machine takes, as small numbers (the JSON model's `kind` in comments). */
export const MessageKind = {
  /** Anything else: mtrace, MRD, DVMRP, unknown types. */
  other: 0,
  query: 1,
  v1Report: 2,
  v2Report: 3,
  leave: 4,
  v3Report: 5,
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** The JSON model's kind names, by {@link MessageKind}. */
export const MESSAGE_KIND_NAMES = ["other", "query", "v1-report", "v2-report", "leave", "v3-report"] as const;

/** 224.0.0.0/4 (RFC 5771) on a 32-bit address. */
export const isMulticastN = (a: number): boolean => a >>> 28 === 0xe;
/** 224.0.0.0/24, the link-local control block. */
export const isLinkLocalN = (a: number): boolean => a >>> 8 === 0xe00000;
/** 232.0.0.0/8, source-specific multicast (RFC 4607). */
export const isSsmN = (a: number): boolean => a >>> 24 === 232;
/** 224.0.0.1, all systems (as the signed form, see {@link addr32}). */
export const ALL_SYSTEMS_N = 0xe0000001 | 0;

/**
 * Addresses in a {@link MembershipMessage} are 32-bit numbers in their *signed* form (`x | 0`): V8 keeps
 * those as small integers, where 224.0.0.0 and up as unsigned would be boxed heap numbers, allocated
 * per frame and slow as map keys. Bit tests (`>>> 28`) and `numberToIPv4` work on either form; compare
 * addresses by value with {@link addrLess}.
 */
export function addr32(dottedQuad: string): number {
  return ipv4ToNumber(dottedQuad) | 0;
}

/** `a` is a lower address than `b` (signed forms compared as unsigned). */
export function addrLess(a: number, b: number): boolean {
  return a >>> 0 < b >>> 0;
}

/** Milliseconds from the capture's exact time. */
export function timeMsOf(seconds: number, nanos: number): number {
  return seconds * 1000 + nanos / 1e6;
}

/**
 * The one time representation of every igmpkit output: decimal seconds since the epoch with nine
 * digits, as a string ("1763700000.000099000"), as `decode --json` prints `time`.
 */
export function formatTime(seconds: number, nanos: number): string {
  if (seconds < 0 || nanos < 0) {
    const total = -(seconds * 1e9 + nanos);
    return `-${formatTime(Math.floor(total / 1e9), total % 1e9)}`;
  }
  return `${seconds}.${String(nanos).padStart(9, "0")}`;
}

/** A time in milliseconds (a timer's deadline) in the same form as {@link formatTime}, to the microsecond. */
export function formatTimeMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  const us = Math.round(ms * 1000);
  const neg = us < 0;
  const a = Math.abs(us);
  const s = Math.floor(a / 1e6);
  return `${neg ? "-" : ""}${s}.${String(a - s * 1e6).padStart(6, "0")}000`;
}

/** Parse the JSON model's exact "seconds.nanoseconds" time to milliseconds. */
export function frameTimeMs(time: string): number {
  const neg = time.startsWith("-");
  const [s = "0", f = "0"] = (neg ? time.slice(1) : time).split(".");
  const ms = Number(s) * 1000 + Number(f.padEnd(9, "0").slice(0, 9)) / 1e6;
  return neg ? -ms : ms;
}

const O = IGMP_OFFSETS;
const IP = IPV4_OFFSETS;

/** The big-endian 32-bit word at `b[i]`, signed (the messages' address form). */
export function i32(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/** Why a frame was not given to the state as a message. */
export const MessageStatus = {
  /** A membership message whose checksums verify: the state takes it. */
  ok: 0,
  /** No IGMP, or IGMP that is not a membership message. */
  ignored: 1,
  /** IP or IGMP checksum does not verify: a router drops it. */
  badChecksum: 2,
  /** Lengths or counts that cannot be right, or bytes missing: not applied (RFC 9776 §4: a router cannot trust it). */
  malformed: 3,
  /** The view could not vouch for the frame (truncated or malformed): decode it and use `fromDecoded`. */
  undecided: 4,
} as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];

/** A membership message, reusable (see the module comment). Fields not of the message's kind are stale. */
export class MembershipMessage {
  /** Frame number, 1-based, in capture order. */
  frame = 0;
  /** Capture time: whole seconds and nanoseconds (exact), and milliseconds. */
  seconds = 0;
  nanos = 0;
  timeMs = 0;
  /** The exact time text when the message came from a {@link DecodedFrame}. */
  private timeText: string | null = null;
  /** VLAN tag path as the JSON model's `vlan.join(".")`; "" untagged. */
  vlan = "";
  status: MessageStatus = MessageStatus.ignored;
  kind: MessageKind = MessageKind.other;
  /** 1, 2, 3 (0 for an invalid query length). */
  version = 0;
  src = 0;
  dst = 0;
  ttl = 0;
  tos = 0;
  routerAlert = false;
  /** Group of a query (0 for a general query), v1/v2 report or leave. */
  group = 0;
  /** Query: Max Resp Time in ms (a v1 query counts as 10 s). */
  maxRespMs = 0;
  /** v3 query: S flag, QRV (0 = default), QQI in seconds (0 = default). */
  sFlag = false;
  qrv = 0;
  qqi = 0;
  /** v3 query: its sources. */
  readonly querySources: number[] = [];
  /**
   * v3 report: number of records and, per record, type, group, aux data words and its sources in
   * `recordSources[recordStart[i], recordEnd[i])` (entries past the last record's end are left from earlier messages).
   * The records' sources follow each other: record 0's start at 0, each next record's start at the end of the
   * one before, so `recordEnd[recordCount - 1] === 0` says that no record has a source.
   */
  recordCount = 0;
  readonly recordType: number[] = [];
  readonly recordGroup: number[] = [];
  readonly recordAux: number[] = [];
  readonly recordStart: number[] = [];
  readonly recordEnd: number[] = [];
  readonly recordSources: number[] = [];

  /** The capture time in the one output form ({@link formatTime}). */
  time(): string {
    return this.timeText ?? formatTime(this.seconds, this.nanos);
  }

  /** The sources of record `i` (a new array). */
  sourcesOf(i: number): number[] {
    return this.recordSources.slice(this.recordStart[i], this.recordEnd[i]);
  }

  /**
   * Fill from a checked view of frame `frame` (after `view.wrap`), captured at `seconds` + `nanos`.
   * Returns (and sets) the status.
   */
  fromView(view: FrameView, frame: number, seconds: number, nanos: number): MessageStatus {
    this.frame = frame;
    this.seconds = seconds;
    this.nanos = nanos;
    this.timeMs = seconds * 1000 + nanos / 1e6;
    this.timeText = null;
    this.kind = MessageKind.other;
    const st = view.status;
    if (st === ViewStatus.notIgmp || st === ViewStatus.unsupportedLink) return (this.status = MessageStatus.ignored);
    // Truncated or malformed: the rare frame the decoder has to look at (`fromDecoded`).
    if (st !== ViewStatus.igmp) return (this.status = MessageStatus.undecided);
    const b = view.data;
    this.vlan = view.vlanCount === 0 ? "" : vlanKeyOf(view);
    const ip = view.ipOffset;
    const p = view.igmpOffset;
    const type = view.type;
    this.version = view.version;
    this.src = i32(b, ip + IP.src);
    this.dst = i32(b, ip + IP.dst);
    this.ttl = b[ip + IP.ttl]!;
    this.tos = b[ip + IP.tos]!;
    this.routerAlert = view.routerAlert;
    this.group = i32(b, p + O.group);
    switch (type) {
      case 0x11: {
        this.kind = MessageKind.query;
        const code = b[p + O.code]!;
        this.querySources.length = 0;
        this.sFlag = false;
        this.qrv = 0;
        this.qqi = 0;
        if (this.version === 1) this.maxRespMs = 10_000;
        else if (this.version === 2) this.maxRespMs = code * 100;
        else {
          this.maxRespMs = Math.round(maxRespCodeToSeconds(code) * 1000);
          const flags = b[p + O.queryFlags]!;
          this.sFlag = (flags & QUERY_FLAG_BITS.s) !== 0;
          this.qrv = flags & QUERY_FLAG_BITS.qrv;
          const qqic = b[p + O.qqic]!;
          this.qqi = qqic === 0 ? 0 : qqicToSeconds(qqic);
          const n = (b[p + O.queryNumSources]! << 8) | b[p + O.queryNumSources + 1]!;
          for (let k = 0, o = p + O.querySources; k < n; k++, o += 4) this.querySources.push(i32(b, o));
        }
        break;
      }
      case 0x12:
        this.kind = MessageKind.v1Report;
        break;
      case 0x16:
        this.kind = MessageKind.v2Report;
        break;
      case 0x17:
        this.kind = MessageKind.leave;
        break;
      case 0x22: {
        this.kind = MessageKind.v3Report;
        const m = (b[p + O.reportNumRecords]! << 8) | b[p + O.reportNumRecords + 1]!;
        this.recordCount = m;
        // written over from the start, never cut short: setting an array's length is a runtime call (about 5%
        // of every v3 frame's cost); what lies past the last record's end is an earlier message's
        const srcs = this.recordSources;
        let n = 0;
        let r = p + O.reportRecords;
        for (let k = 0; k < m; k++) {
          const ns = (b[r + O.recordNumSources]! << 8) | b[r + O.recordNumSources + 1]!;
          const aux = b[r + O.recordAuxLen]!;
          this.recordType[k] = b[r + O.recordType]!;
          this.recordGroup[k] = i32(b, r + O.recordGroup);
          this.recordAux[k] = aux;
          this.recordStart[k] = n;
          for (let j = 0, o = r + O.recordSources; j < ns; j++, o += 4, n++) {
            if (n < srcs.length) srcs[n] = i32(b, o);
            else srcs.push(i32(b, o));
          }
          this.recordEnd[k] = n;
          r += O.recordSources + 4 * ns + 4 * aux;
        }
        break;
      }
      default:
        return (this.status = MessageStatus.ignored);
    }
    if (!view.ipChecksumValid || !view.igmpChecksumValid) return (this.status = MessageStatus.badChecksum);
    return (this.status = MessageStatus.ok);
  }

  /** Fill from a decoded frame (the library path). Returns (and sets) the status. */
  fromDecoded(f: DecodedFrame, timeMs: number = frameTimeMs(f.time)): MessageStatus {
    this.frame = f.frame;
    this.timeMs = timeMs;
    this.timeText = f.time;
    this.kind = MessageKind.other;
    this.vlan = f.vlan.length === 0 ? "" : f.vlan.join(".");
    const m = f.igmp;
    if (m === null) {
      // IGMP whose header could not even be read (cut short, bad lengths)
      return (this.status = f.ipSrc !== null && f.errors.some((e) => e.layer === "igmp") ? MessageStatus.malformed : MessageStatus.ignored);
    }
    if (f.ipSrc === null) return (this.status = MessageStatus.ignored);
    this.src = addr32(f.ipSrc);
    this.dst = f.ipDst === null ? 0 : addr32(f.ipDst);
    this.ttl = f.ttl ?? 0;
    this.tos = f.tos ?? 0;
    this.routerAlert = f.routerAlert === true;
    this.version = 0;
    switch (m.kind) {
      case "query":
        this.kind = MessageKind.query;
        this.version = m.version ?? 0;
        this.group = addr32(m.group);
        this.maxRespMs = m.maxRespTime === null ? 0 : Math.round(m.maxRespTime * 1000);
        this.querySources.length = 0;
        this.sFlag = m.version === 3 && m.sFlag;
        this.qrv = m.version === 3 ? m.qrv : 0;
        this.qqi = m.version === 3 ? m.qqi : 0;
        if (m.version === 3) for (const s of m.sources) this.querySources.push(addr32(s));
        break;
      case "v1-report":
      case "v2-report":
      case "leave":
        this.kind = m.kind === "v1-report" ? MessageKind.v1Report : m.kind === "v2-report" ? MessageKind.v2Report : MessageKind.leave;
        this.version = m.version;
        this.group = addr32(m.group);
        break;
      case "v3-report": {
        this.kind = MessageKind.v3Report;
        this.version = 3;
        const srcs = this.recordSources;
        srcs.length = 0;
        this.recordCount = m.records.length;
        m.records.forEach((r, k) => {
          this.recordType[k] = r.type;
          this.recordGroup[k] = addr32(r.group);
          this.recordAux[k] = r.auxData.length / 8;
          this.recordStart[k] = srcs.length;
          for (const s of r.sources) srcs.push(addr32(s));
          this.recordEnd[k] = srcs.length;
        });
        break;
      }
      default:
        return (this.status = MessageStatus.ignored);
    }
    // Anything the decoder could not read to its end is not applied as if it were good. (A query of 9 to
    // 11 bytes is not malformed but invalid, RFC 9776 §7.1: version 0, which the state ignores.)
    const invalidQuery = m.kind === "query" && m.version === null;
    if (f.errors.some((e) => e.code !== "bad-ip-checksum" && !(invalidQuery && e.code === "bad-length"))) return (this.status = MessageStatus.malformed);
    if (m.checksumValid !== true || f.errors.some((e) => e.code === "bad-ip-checksum")) return (this.status = MessageStatus.badChecksum);
    return (this.status = MessageStatus.ok);
  }
}

/** The VLAN IDs in front of IPv4 as "outer.inner" (the view has checked they are there). */
function vlanKeyOf(view: FrameView): string {
  // Ethernet is the only link with tags here: TPID, TCI per tag after the MACs, then the EtherType, so the
  // first TCI is 4 bytes per tag before IPv4.
  const b = view.data;
  let o = view.ipOffset - 4 * view.vlanCount;
  let key = "";
  for (let k = 0; k < view.vlanCount; k++, o += 4) key += `${k === 0 ? "" : "."}${((b[o]! << 8) | b[o + 1]!) & 0xfff}`;
  return key;
}

/**
 * Frames' bytes to {@link MembershipMessage}s: the checked view for the common frame, the full decoder
 * for the rare one the view cannot vouch for (so that a malformed message is known as such, not applied).
 * One message object, reused: valid until the next `read`.
 */
export class MessageReader {
  private readonly view = new FrameView();
  readonly message = new MembershipMessage();

  /** Read frame `frame`, `bytes[start, end)`, captured at `seconds` + `nanos`. */
  read(bytes: Uint8Array, start: number, end: number, wireLength: number, linkType: number, frame: number, seconds: number, nanos: number): MembershipMessage {
    const m = this.message;
    const vs = this.view.wrap(bytes, linkType, start, end);
    if (vs === ViewStatus.notIgmp || vs === ViewStatus.unsupportedLink) {
      m.frame = frame;
      m.status = MessageStatus.ignored;
      return m;
    }
    if (m.fromView(this.view, frame, seconds, nanos) === MessageStatus.undecided) {
      m.fromDecoded(decodeFrame({ data: bytes.subarray(start, end), linkType, wireLength, timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos) }, frame));
    }
    return m;
  }
}
