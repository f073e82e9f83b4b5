/**
 * IGMP messages: values, parse, emit, length.
 *
 * IGMPv1 (RFC 1112 App. I), IGMPv2 (RFC 2236), IGMPv3 (RFC 9776, which obsoletes RFC 3376 with the same
 * wire format), the RFC 9279 message extension, multicast router discovery (RFC 4286), mtrace
 * (draft-ietf-idmr-traceroute-ipm / RFC 8487 layout for IPv4), and by name only DVMRP, PIMv1 and RGMP (RFC 3488).
 *
 * Parsing never throws for bad bytes: it returns what it could read with typed errors and warnings.
 * Every value keeps what is needed to emit the exact bytes again (reserved bits, raw codes, extra data).
 */
import { readIPv4 } from "./address.js";
import { checkUint, hexLen, putHex, putIPv4 } from "./check.js";
import { expectedChecksum, internetChecksum } from "./checksum.js";
import { WireError, WireErrorCode, issue, type WireIssue } from "./errors.js";
import { decodeFloatCode } from "./float.js";
import { toHex } from "./hex.js";

/** IGMP type codes (IANA "IGMP Type Numbers"). */
export const IgmpType = {
  membershipQuery: 0x11,
  v1MembershipReport: 0x12,
  dvmrp: 0x13,
  pimV1: 0x14,
  v2MembershipReport: 0x16,
  v2LeaveGroup: 0x17,
  mtraceResponse: 0x1e,
  mtraceRequest: 0x1f,
  v3MembershipReport: 0x22,
  mrdAdvertisement: 0x30,
  mrdSolicitation: 0x31,
  mrdTermination: 0x32,
  rgmpLeave: 0xfc,
  rgmpJoin: 0xfd,
  rgmpBye: 0xfe,
  rgmpHello: 0xff,
} as const;

/**
 * The IGMPv3 group record types (RFC 9776 §4.2.12): number, the RFC's name, and the short form tcpdump
 * and the CLI print. The one table every name of a record type comes from.
 */
export const GROUP_RECORD_TYPES = Object.freeze([
  { type: 1, name: "MODE_IS_INCLUDE", short: "IS_IN" },
  { type: 2, name: "MODE_IS_EXCLUDE", short: "IS_EX" },
  { type: 3, name: "CHANGE_TO_INCLUDE_MODE", short: "TO_IN" },
  { type: 4, name: "CHANGE_TO_EXCLUDE_MODE", short: "TO_EX" },
  { type: 5, name: "ALLOW_NEW_SOURCES", short: "ALLOW" },
  { type: 6, name: "BLOCK_OLD_SOURCES", short: "BLOCK" },
] as const);
type RecordRow = (typeof GROUP_RECORD_TYPES)[number];

/** IGMPv3 group record types by their RFC names. */
export const GroupRecordType = Object.freeze(Object.fromEntries(GROUP_RECORD_TYPES.map((r) => [r.name, r.type]))) as {
  readonly [R in RecordRow as R["name"]]: R["type"];
};
/** The RFC name of a group record type, "UNKNOWN" for types outside 1..6 (RFC 9776 §4.2.12). */
export type GroupRecordKind = RecordRow["name"] | "UNKNOWN";
/** The short names (IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK). */
export type GroupRecordShortName = RecordRow["short"];

/** The RFC name of a group record type, "UNKNOWN" for types outside 1..6. */
export function groupRecordKind(type: number): GroupRecordKind {
  return type >= 1 && type <= 6 ? GROUP_RECORD_TYPES[type - 1]!.name : "UNKNOWN";
}

/** The short name of a group record type (IS_IN...BLOCK), `type-N` for types outside 1..6. */
export function groupRecordShortName(type: number): string {
  return type >= 1 && type <= 6 ? GROUP_RECORD_TYPES[type - 1]!.short : `type-${type}`;
}

/** Warning codes: well-formed messages that a careful engineer should know about. */
export const IgmpWarningCode = {
  /** A general query (group 0.0.0.0) carrying sources; Linux drops these (RFC 9776 §4.1.9). */
  generalQueryWithSources: "general-query-with-sources",
  /** A group that is neither 0.0.0.0 (where allowed) nor a multicast address. */
  groupNotMulticast: "group-not-multicast",
  /** Reserved bits or fields that are not zero. */
  reservedBits: "reserved-bits",
  /** A v3 group record with auxiliary data: hosts must not send it (RFC 9776 §4.2.6). */
  auxData: "aux-data",
  /** A v1/v2 message longer than 8 bytes (RFC 2236 §2.5: accepted, extra bytes ignored). */
  longMessage: "long-message",
  /** A v1 query with a group address, or a v1 message whose unused field is not zero. */
  v1NonZeroField: "v1-non-zero-field",
  /** Additional data after the sources or records of a v3 message without the RFC 9279 E-bit. */
  additionalData: "additional-data",
} as const;
export type IgmpWarningCode = (typeof IgmpWarningCode)[keyof typeof IgmpWarningCode];

/**
 * Byte offsets of the fields, relative to the start of the IGMP message.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type = 0x11  | Max Resp Code |           Checksum            |   v1/v2/v3 query,
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   v1/v2 report, leave
 * |                         Group Address                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |E|Rsv|S| QRV |     QQIC      |     Number of Sources (N)     |   v3 query only (E: RFC 9279)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Source Address [1..N] ...                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type = 0x22  |    Reserved   |           Checksum            |   v3 report
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |E|          Reserved           |  Number of Group Records (M)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Record Type  |  Aux Data Len |     Number of Sources (N)     |   group record
 * |                       Multicast Address                       |
 * |                  Source Address [1..N] ...                    |
 * |                  Auxiliary Data (Aux Data Len 32-bit words)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
export const IGMP_OFFSETS = Object.freeze({
  type: 0,
  code: 1,
  checksum: 2,
  group: 4,
  headerLength: 8,
  queryFlags: 8,
  qqic: 9,
  queryNumSources: 10,
  querySources: 12,
  reportReserved2: 4,
  reportNumRecords: 6,
  reportRecords: 8,
  recordType: 0,
  recordAuxLen: 1,
  recordNumSources: 2,
  recordGroup: 4,
  recordSources: 8,
  mtraceGroup: 4,
  mtraceSource: 8,
  mtraceDestination: 12,
  mtraceResponseAddress: 16,
  mtraceResponseTtl: 20,
  mtraceQueryId: 21,
  mtraceHeaderLength: 24,
  mtraceBlockLength: 32,
  mrdQueryInterval: 4,
  mrdRobustness: 6,
  mrdAdvertisementLength: 8,
  mrdShortLength: 4,
  minimumLength: 4,
});
const O = IGMP_OFFSETS;

/** Bits of the v3 query's flags byte. The E bit is RFC 9279's extension flag (a formerly reserved bit). */
export const QUERY_FLAG_BITS = Object.freeze({ e: 0x80, resv: 0x60, s: 0x08, qrv: 0x07 });
/** RFC 9279's E bit in the v3 report's second reserved field (16 bits). */
export const REPORT_E_BIT = 0x8000;

// ---------------------------------------------------------------------------------------------
// Values (JSON-ready; the public JSON model of `decode --json`)

/** Checksum fields present on every decoded message. */
export interface ChecksumFields {
  /** The checksum field as found (or as computed on encode). */
  checksum: number;
  /** True when the checksum over the whole IGMP message (the IP payload) verifies; null when not all bytes were captured. */
  checksumValid: boolean | null;
  /** The value the checksum field should hold; present only when `checksumValid` is false. */
  checksumExpected?: number;
}

/** An RFC 9279 extension TLV. */
export interface IgmpExtension {
  type: number;
  /** Value as lowercase hex. */
  value: string;
}

interface QueryCommon extends ChecksumFields {
  kind: "query";
  type: 0x11;
  /** Group Address: 0.0.0.0 for a general query. */
  group: string;
  /** The raw Max Resp Code (v1: the unused byte, 0). */
  maxRespCode: number;
  /** Max Resp Time in seconds: v1 counts as 10 s; v2 code/10 (linear); v3 float code/10. */
  maxRespTime: number | null;
}

/** IGMPv1 query: 8 bytes, Max Resp Code 0 (RFC 9776 §7.1). */
export interface IgmpQueryV1 extends QueryCommon {
  version: 1;
  maxRespTime: 10;
  /** Bytes after the first 8 (hex); a v1 query longer than 8 bytes is never produced by the version rule, so this is "". */
  extra: string;
}

/** IGMPv2 query: 8 bytes, Max Resp Code non-zero, in tenths of a second (linear). */
export interface IgmpQueryV2 extends QueryCommon {
  version: 2;
  maxRespTime: number;
  extra: string;
}

/** IGMPv3 query: 12 bytes or more. */
export interface IgmpQueryV3 extends QueryCommon {
  version: 3;
  maxRespTime: number;
  /** RFC 9279 E bit: additional data is a list of extension TLVs. */
  eFlag: boolean;
  /** The reserved bits of the flags byte (mask 0x60), raw. */
  resv: number;
  /** S flag: suppress router-side processing. */
  sFlag: boolean;
  /** Querier's Robustness Variable, raw (0 = use the default). */
  qrv: number;
  /** True when qrv is 0, meaning "use the default robustness (2)". */
  qrvDefault: boolean;
  /** The raw QQIC code. */
  qqic: number;
  /** Querier's Query Interval in seconds, decoded from QQIC (0 when QQIC is 0). */
  qqi: number;
  /** True when QQIC is 0, meaning "use the default query interval (125 s)". */
  qqiDefault: boolean;
  sources: string[];
  /** Bytes after the source list (hex). */
  additionalData: string;
  /** With the E bit: the additional data decoded as RFC 9279 TLVs (omitted when they do not parse). */
  extensions?: IgmpExtension[];
}

/** A query of 9-11 bytes: invalid by RFC 9776 §7.1 and not guessed at. */
export interface IgmpQueryInvalid extends QueryCommon {
  version: null;
  maxRespTime: null;
  /** Bytes after the first 8 (hex). */
  extra: string;
}

/** A membership query of any version (RFC 9776 §7.1 tells them apart by length and Max Resp Code). */
export type IgmpQuery = IgmpQueryV1 | IgmpQueryV2 | IgmpQueryV3 | IgmpQueryInvalid;

/** IGMPv1 Host Membership Report (RFC 1112 App. I). */
export interface IgmpV1Report extends ChecksumFields {
  kind: "v1-report";
  type: 0x12;
  version: 1;
  group: string;
  /** The "unused" byte, raw. */
  unused: number;
  extra: string;
}

/** IGMPv2 Membership Report (RFC 2236 §2). */
export interface IgmpV2Report extends ChecksumFields {
  kind: "v2-report";
  type: 0x16;
  version: 2;
  group: string;
  /** Max Resp Time field, raw (senders set 0). */
  maxRespCode: number;
  extra: string;
}

/** IGMPv2 Leave Group (RFC 2236 §2). */
export interface IgmpLeave extends ChecksumFields {
  kind: "leave";
  type: 0x17;
  version: 2;
  group: string;
  maxRespCode: number;
  extra: string;
}

/** One IGMPv3 group record. */
export interface GroupRecord {
  /** Record Type, raw (1..6 are defined; others are kept). */
  type: number;
  kind: GroupRecordKind;
  group: string;
  sources: string[];
  /** Auxiliary data as hex (Aux Data Len is in 32-bit words). */
  auxData: string;
}

/** IGMPv3 Membership Report (RFC 9776 §4.2). */
export interface IgmpV3Report extends ChecksumFields {
  kind: "v3-report";
  type: 0x22;
  version: 3;
  /** The reserved byte after the type, raw. */
  reserved1: number;
  /** The 16-bit reserved field before the record count, without the E bit (mask 0x7fff), raw. */
  reserved2: number;
  /** RFC 9279 E bit. */
  eFlag: boolean;
  records: GroupRecord[];
  additionalData: string;
  extensions?: IgmpExtension[];
}

/** One mtrace response block (32 bytes). */
export interface MtraceBlock {
  queryArrivalTime: number;
  incomingInterface: string;
  outgoingInterface: string;
  previousHop: string;
  inputCount: number;
  outputCount: number;
  totalCount: number;
  rtgProtocol: number;
  fwdTtl: number;
  /** The MBZ bit, raw. */
  mbz: number;
  sBit: boolean;
  srcMask: number;
  forwardingCode: number;
}

/** Multicast traceroute query/request (0x1f) or response (0x1e). */
export interface IgmpMtrace extends ChecksumFields {
  kind: "mtrace-request" | "mtrace-response";
  type: 0x1e | 0x1f;
  /** "query" is a 0x1f without response blocks; "request" one with blocks. */
  phase: "query" | "request" | "response";
  hops: number;
  group: string;
  source: string;
  destination: string;
  responseAddress: string;
  responseTtl: number;
  queryId: number;
  blocks: MtraceBlock[];
  /** Bytes after the last whole block (hex). */
  extra: string;
}

/** Multicast Router Advertisement (RFC 4286 §2). */
export interface MrdAdvertisement extends ChecksumFields {
  kind: "mrd-advertisement";
  type: 0x30;
  /** Advertisement Interval in seconds. */
  advertisementInterval: number;
  /** Query Interval in seconds. */
  queryInterval: number;
  robustness: number;
  extra: string;
}

/** Multicast Router Solicitation (0x31) or Termination (0x32) (RFC 4286 §3, §4). */
export interface MrdShort extends ChecksumFields {
  kind: "mrd-solicitation" | "mrd-termination";
  type: 0x31 | 0x32;
  reserved: number;
  extra: string;
}

/** DVMRP, PIMv1, RGMP (recognised by name, raw body) and anything unknown. */
export interface IgmpRaw extends ChecksumFields {
  kind: "dvmrp" | "pim-v1" | "rgmp" | "unknown";
  type: number;
  /** Byte 1 (DVMRP/PIMv1 code, RGMP reserved). */
  code: number;
  /** For RGMP: "rgmp-leave", "rgmp-join", "rgmp-bye", "rgmp-hello". */
  name?: string;
  /** Bytes after the checksum (hex). */
  body: string;
}

/** Any decoded IGMP message: the `igmp` member of the JSON model, discriminated on `kind`. */
export type IgmpMessage =
  | IgmpQuery
  | IgmpV1Report
  | IgmpV2Report
  | IgmpLeave
  | IgmpV3Report
  | IgmpMtrace
  | MrdAdvertisement
  | MrdShort
  | IgmpRaw;

/** The `kind` of a message: "query", "v1-report", "v2-report", "leave", "v3-report", "mtrace-request"... */
export type IgmpKind = IgmpMessage["kind"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What `emitIgmp` accepts: any message, its checksum fields optional (they are computed). */
export type IgmpMessageInit = DistributiveOmit<IgmpMessage, "checksum" | "checksumValid" | "checksumExpected"> & {
  checksum?: number;
};

/** What `parseIgmp` and `decodeIgmp` return: the message (or null) with its errors and warnings. */
export interface IgmpParseResult {
  /** The message, or null when not even a header could be read. */
  message: IgmpMessage | null;
  errors: WireIssue[];
  warnings: WireIssue[];
}

// ---------------------------------------------------------------------------------------------
// Parse

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * A bounds tracker for one message: `avail` is how many bytes were captured, `declared` how many the IP
 * header says the message has. Reading past `declared` is malformed (count-overflow); past `avail` but
 * within `declared` is a truncated capture.
 */
class Bounds {
  constructor(
    readonly base: number,
    readonly avail: number,
    readonly declared: number,
    readonly errors: WireIssue[],
  ) {}
  /** Can `n` bytes be read at relative offset `rel`? Records the right error when not. */
  need(rel: number, n: number, what: string): boolean {
    if (rel + n <= this.avail) return true;
    if (rel + n > this.declared) {
      this.errors.push(
        issue(
          "igmp",
          WireErrorCode.countOverflow,
          this.base + rel,
          `${what} needs ${rel + n} bytes but the message is ${this.declared} bytes long`,
        ),
      );
    } else {
      this.errors.push(
        issue(
          "igmp",
          WireErrorCode.truncated,
          this.base + this.avail,
          `capture cut at ${this.avail} of ${this.declared} bytes while reading ${what}`,
        ),
      );
    }
    return false;
  }
}

function readAddresses(buf: Uint8Array, start: number, count: number): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = readIPv4(buf, start + 4 * i);
  return out;
}

function parseExtensions(buf: Uint8Array, start: number, end: number): IgmpExtension[] | null {
  const out: IgmpExtension[] = [];
  let i = start;
  while (i < end) {
    if (i + 4 > end) return null;
    const type = u16(buf, i);
    const len = u16(buf, i + 2);
    if (i + 4 + len > end) return null;
    out.push({ type, value: toHex(buf, i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out.length > 0 ? out : null;
}

/** Attach `checksumExpected` when the checksum is wrong, and wrap the result. */
function result(message: IgmpMessage, expected: number, errors: WireIssue[], warnings: WireIssue[]): IgmpParseResult {
  if (message.checksumValid === false) message.checksumExpected = expected;
  return { message, errors, warnings };
}

/** Warn when the group at buf[offset..] is not multicast (224/4), or not 0.0.0.0 where that is allowed. */
function warnGroup(warnings: WireIssue[], buf: Uint8Array, offset: number, group: string, allowZero: boolean): void {
  const first = buf[offset]!;
  if (first >= 224 && first <= 239) return;
  if (allowZero && first === 0 && buf[offset + 1] === 0 && buf[offset + 2] === 0 && buf[offset + 3] === 0) return;
  {
    warnings.push(
      issue("igmp", IgmpWarningCode.groupNotMulticast, offset, `group ${group} is not a multicast address`),
    );
  }
}

/**
 * Parse one IGMP message from `buf[offset, offset + available)`.
 *
 * @param declaredLength the IGMP length the IP header gives (Total Length - header length); it decides
 *   the query version (RFC 9776 §7.1) and the checksum span (RFC 2236 §2.5: all of the IP payload).
 *   Defaults to `available`.
 */
export function parseIgmp(
  buf: Uint8Array,
  offset = 0,
  available = buf.length - offset,
  declaredLength = available,
): IgmpParseResult {
  const errors: WireIssue[] = [];
  const warnings: WireIssue[] = [];
  const avail = Math.max(0, Math.min(available, declaredLength, buf.length - offset));
  const b = new Bounds(offset, avail, declaredLength, errors);
  if (!b.need(0, O.minimumLength, "the IGMP header")) return { message: null, errors, warnings };

  const type = buf[offset]!;
  const code = buf[offset + O.code]!;
  const checksum = u16(buf, offset + O.checksum);
  const complete = avail >= declaredLength;
  const expected = complete ? expectedChecksum(buf, offset, offset + declaredLength, offset + O.checksum) : checksum;
  const checksumValid: boolean | null = complete ? expected === checksum : null;
  const end = offset + avail;
  const dEnd = offset + declaredLength;

  switch (type) {
    case IgmpType.membershipQuery: {
      if (!b.need(0, O.headerLength, "the query header")) return { message: null, errors, warnings };
      const group = readIPv4(buf, offset + O.group);
      if (declaredLength === 8) {
        if (code === 0) {
          if (group !== "0.0.0.0")
            warnings.push(issue("igmp", IgmpWarningCode.v1NonZeroField, offset + O.group, `v1 query with group ${group}`));
          return result({ kind: "query", type: 0x11, checksum, checksumValid, version: 1, group, maxRespCode: code, maxRespTime: 10, extra: "" }, expected, errors, warnings);
        }
        warnGroup(warnings, buf, offset + O.group, group, true);
        return result({ kind: "query", type: 0x11, checksum, checksumValid, version: 2, group, maxRespCode: code, maxRespTime: code / 10, extra: "" }, expected, errors, warnings);
      }
      if (declaredLength < 12) {
        errors.push(
          issue(
            "igmp",
            WireErrorCode.badLength,
            offset,
            `query of ${declaredLength} bytes: RFC 9776 §7.1 allows 8 (v1/v2) or at least 12 (v3)`,
          ),
        );
        return result(
          { kind: "query", type: 0x11, checksum, checksumValid, version: null, group, maxRespCode: code, maxRespTime: null, extra: toHex(buf, offset + O.headerLength, end) },
          expected,
          errors,
          warnings,
        );
      }
      warnGroup(warnings, buf, offset + O.group, group, true);
      // v3 query
      if (!b.need(O.queryFlags, 4, "the v3 query header")) return { message: null, errors, warnings };
      const flags = buf[offset + O.queryFlags]!;
      const qqic = buf[offset + O.qqic]!;
      const n = u16(buf, offset + O.queryNumSources);
      const eFlag = (flags & QUERY_FLAG_BITS.e) !== 0;
      const resv = flags & QUERY_FLAG_BITS.resv;
      if (resv !== 0)
        warnings.push(issue("igmp", IgmpWarningCode.reservedBits, offset + O.queryFlags, `reserved query bits 0x${resv.toString(16)}`));
      let sources: string[] = [];
      let after: number = O.querySources;
      if (b.need(O.querySources, 4 * n, `${n} sources`)) {
        sources = readAddresses(buf, offset + O.querySources, n);
        after = O.querySources + 4 * n;
      } else {
        // keep the sources that are there
        const have = Math.max(0, Math.floor((Math.min(avail, declaredLength) - O.querySources) / 4));
        sources = readAddresses(buf, offset + O.querySources, Math.min(have, n));
        after = -1;
      }
      if (group === "0.0.0.0" && n > 0)
        warnings.push(
          issue("igmp", IgmpWarningCode.generalQueryWithSources, offset + O.queryNumSources, `general query with ${n} sources`),
        );
      const msg: IgmpQueryV3 = {
        kind: "query",
        type: 0x11,
        checksum,
        checksumValid,
        version: 3,
        group,
        maxRespCode: code,
        maxRespTime: decodeFloatCode(code) / 10,
        eFlag,
        resv,
        sFlag: (flags & QUERY_FLAG_BITS.s) !== 0,
        qrv: flags & QUERY_FLAG_BITS.qrv,
        qrvDefault: (flags & QUERY_FLAG_BITS.qrv) === 0,
        qqic,
        qqi: decodeFloatCode(qqic),
        qqiDefault: qqic === 0,
        sources,
        additionalData: after >= 0 ? toHex(buf, offset + after, end) : "",
      };
      if (after >= 0 && offset + after < dEnd) addAdditional(msg, buf, offset + after, end, dEnd, eFlag, warnings);
      return result(msg, expected, errors, warnings);
    }
    case IgmpType.v1MembershipReport:
    case IgmpType.v2MembershipReport:
    case IgmpType.v2LeaveGroup: {
      if (!b.need(0, O.headerLength, "the report header")) return { message: null, errors, warnings };
      const group = readIPv4(buf, offset + O.group);
      const extra = declaredLength > O.headerLength ? toHex(buf, offset + O.headerLength, end) : "";
      if (declaredLength > 8)
        warnings.push(
          issue("igmp", IgmpWarningCode.longMessage, offset + O.headerLength, `message of ${declaredLength} bytes (8 expected)`),
        );
      warnGroup(warnings, buf, offset + O.group, group, false);
      if (type === IgmpType.v1MembershipReport) {
        if (code !== 0)
          warnings.push(issue("igmp", IgmpWarningCode.v1NonZeroField, offset + O.code, `v1 report unused byte ${code}`));
        return result({ kind: "v1-report", type, checksum, checksumValid, version: 1, group, unused: code, extra }, expected, errors, warnings);
      }
      const kind = type === IgmpType.v2MembershipReport ? "v2-report" : "leave";
      return result({ kind, type, checksum, checksumValid, version: 2, group, maxRespCode: code, extra } as IgmpV2Report | IgmpLeave, expected, errors, warnings);
    }
    case IgmpType.v3MembershipReport: {
      if (!b.need(0, O.headerLength, "the v3 report header")) return { message: null, errors, warnings };
      const r2raw = u16(buf, offset + O.reportReserved2);
      const m = u16(buf, offset + O.reportNumRecords);
      const eFlag = (r2raw & REPORT_E_BIT) !== 0;
      const reserved2 = r2raw & ~REPORT_E_BIT & 0xffff;
      if (code !== 0 || reserved2 !== 0)
        warnings.push(issue("igmp", IgmpWarningCode.reservedBits, offset + O.code, "reserved report fields are not zero"));
      const records: GroupRecord[] = [];
      let rel: number = O.reportRecords;
      let ok = true;
      for (let r = 0; r < m; r++) {
        if (!b.need(rel, 8, `group record ${r + 1} of ${m}`)) {
          ok = false;
          break;
        }
        const rtype = buf[offset + rel + O.recordType]!;
        const auxWords = buf[offset + rel + O.recordAuxLen]!;
        const ns = u16(buf, offset + rel + O.recordNumSources);
        const group = readIPv4(buf, offset + rel + O.recordGroup);
        const srcStart = rel + O.recordSources;
        if (!b.need(srcStart, 4 * ns, `${ns} sources of group record ${r + 1}`)) {
          const have = Math.max(0, Math.floor((Math.min(avail, declaredLength) - srcStart) / 4));
          records.push({
            type: rtype,
            kind: groupRecordKind(rtype),
            group,
            sources: readAddresses(buf, offset + srcStart, Math.min(have, ns)),
            auxData: "",
          });
          ok = false;
          break;
        }
        const auxStart = srcStart + 4 * ns;
        if (!b.need(auxStart, 4 * auxWords, `aux data of group record ${r + 1}`)) {
          records.push({ type: rtype, kind: groupRecordKind(rtype), group, sources: readAddresses(buf, offset + srcStart, ns), auxData: "" });
          ok = false;
          break;
        }
        if (auxWords > 0)
          warnings.push(
            issue("igmp", IgmpWarningCode.auxData, offset + rel + O.recordAuxLen, `group record ${r + 1} carries ${auxWords * 4} bytes of aux data`),
          );
        warnGroup(warnings, buf, offset + rel + O.recordGroup, group, false);
        records.push({
          type: rtype,
          kind: groupRecordKind(rtype),
          group,
          sources: readAddresses(buf, offset + srcStart, ns),
          auxData: toHex(buf, offset + auxStart, offset + auxStart + 4 * auxWords),
        });
        rel = auxStart + 4 * auxWords;
      }
      const msg: IgmpV3Report = {
        kind: "v3-report",
        type,
        checksum,
        checksumValid,
        version: 3,
        reserved1: code,
        reserved2,
        eFlag,
        records,
        additionalData: ok ? toHex(buf, offset + rel, end) : "",
      };
      if (ok && offset + rel < dEnd) addAdditional(msg, buf, offset + rel, end, dEnd, eFlag, warnings);
      return result(msg, expected, errors, warnings);
    }
    case IgmpType.mtraceRequest:
    case IgmpType.mtraceResponse: {
      if (!b.need(0, O.mtraceHeaderLength, "the mtrace header")) return { message: null, errors, warnings };
      const blocks: MtraceBlock[] = [];
      let rel: number = O.mtraceHeaderLength;
      const within = Math.min(avail, declaredLength);
      while (rel + O.mtraceBlockLength <= within) {
        const p = offset + rel;
        const flags = buf[p + 30]!;
        blocks.push({
          queryArrivalTime: u32(buf, p),
          incomingInterface: readIPv4(buf, p + 4),
          outgoingInterface: readIPv4(buf, p + 8),
          previousHop: readIPv4(buf, p + 12),
          inputCount: u32(buf, p + 16),
          outputCount: u32(buf, p + 20),
          totalCount: u32(buf, p + 24),
          rtgProtocol: buf[p + 28]!,
          fwdTtl: buf[p + 29]!,
          mbz: flags >> 7,
          sBit: (flags & 0x40) !== 0,
          srcMask: flags & 0x3f,
          forwardingCode: buf[p + 31]!,
        });
        rel += O.mtraceBlockLength;
      }
      if (avail < declaredLength) b.need(rel, declaredLength - rel, "mtrace response blocks");
      const isResponse = type === IgmpType.mtraceResponse;
      const msg: IgmpMtrace = {
        kind: isResponse ? "mtrace-response" : "mtrace-request",
        type,
        checksum,
        checksumValid,
        phase: isResponse ? "response" : blocks.length === 0 ? "query" : "request",
        hops: code,
        group: readIPv4(buf, offset + O.mtraceGroup),
        source: readIPv4(buf, offset + O.mtraceSource),
        destination: readIPv4(buf, offset + O.mtraceDestination),
        responseAddress: readIPv4(buf, offset + O.mtraceResponseAddress),
        responseTtl: buf[offset + O.mtraceResponseTtl]!,
        queryId: (buf[offset + O.mtraceQueryId]! << 16) | u16(buf, offset + O.mtraceQueryId + 1),
        blocks,
        extra: toHex(buf, offset + rel, end),
      };
      if (rel < declaredLength && avail >= declaredLength)
        errors.push(issue("igmp", WireErrorCode.trailingBytes, offset + rel, `${declaredLength - rel} bytes after the last mtrace block`));
      return result(msg, expected, errors, warnings);
    }
    case IgmpType.mrdAdvertisement: {
      if (!b.need(0, O.mrdAdvertisementLength, "the MRD advertisement")) return { message: null, errors, warnings };
      return result(
        {
          kind: "mrd-advertisement",
          type,
          checksum,
          checksumValid,
          advertisementInterval: code,
          queryInterval: u16(buf, offset + O.mrdQueryInterval),
          robustness: u16(buf, offset + O.mrdRobustness),
          extra: toHex(buf, offset + O.mrdAdvertisementLength, end),
        },
        expected,
        errors,
        warnings,
      );
    }
    case IgmpType.mrdSolicitation:
    case IgmpType.mrdTermination:
      return result(
        {
          kind: type === IgmpType.mrdSolicitation ? "mrd-solicitation" : "mrd-termination",
          type,
          checksum,
          checksumValid,
          reserved: code,
          extra: toHex(buf, offset + O.mrdShortLength, end),
        },
        expected,
        errors,
        warnings,
      );
    default: {
      let kind: IgmpRaw["kind"] = "unknown";
      let name: string | undefined;
      if (type === IgmpType.dvmrp) kind = "dvmrp";
      else if (type === IgmpType.pimV1) kind = "pim-v1";
      else if (type >= IgmpType.rgmpLeave) {
        kind = "rgmp";
        name = ["rgmp-leave", "rgmp-join", "rgmp-bye", "rgmp-hello"][type - IgmpType.rgmpLeave];
      }
      const msg: IgmpRaw = { kind, type, checksum, checksumValid, code, body: toHex(buf, offset + O.minimumLength, end) };
      if (name !== undefined) msg.name = name;
      return result(msg, expected, errors, warnings);
    }
  }
}

function addAdditional(
  msg: IgmpQueryV3 | IgmpV3Report,
  buf: Uint8Array,
  start: number,
  end: number,
  declaredEnd: number,
  eFlag: boolean,
  warnings: WireIssue[],
): void {
  if (start >= declaredEnd) return;
  if (eFlag && end >= declaredEnd) {
    const ext = parseExtensions(buf, start, end);
    if (ext) {
      msg.extensions = ext;
      return;
    }
  }
  warnings.push(
    issue(
      "igmp",
      IgmpWarningCode.additionalData,
      start,
      eFlag
        ? `${declaredEnd - start} bytes of additional data that are not valid RFC 9279 TLVs`
        : `${declaredEnd - start} bytes of additional data after the ${msg.kind === "query" ? "sources" : "records"}`,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Emit

function extensionsLength(ext: readonly IgmpExtension[]): number {
  let n = 0;
  for (const e of ext) n += 4 + hexLen("igmp", e.value, "extension value");
  return n;
}

function additionalLength(m: { additionalData: string; extensions?: IgmpExtension[] | undefined }): number {
  return m.extensions ? extensionsLength(m.extensions) : hexLen("igmp", m.additionalData, "additionalData");
}

/** The number of bytes `emitIgmp` writes for `m`. */
export function igmpEncodingLength(m: IgmpMessageInit): number {
  switch (m.kind) {
    case "query":
      if (m.version === 3) return O.querySources + 4 * m.sources.length + additionalLength(m);
      return O.headerLength + hexLen("igmp", m.extra, "extra");
    case "v1-report":
    case "v2-report":
    case "leave":
      return O.headerLength + hexLen("igmp", m.extra, "extra");
    case "v3-report": {
      let n = O.reportRecords;
      for (const r of m.records) n += 8 + 4 * r.sources.length + hexLen("igmp", r.auxData, "auxData");
      return n + additionalLength(m);
    }
    case "mtrace-request":
    case "mtrace-response":
      return O.mtraceHeaderLength + O.mtraceBlockLength * m.blocks.length + hexLen("igmp", m.extra, "extra");
    case "mrd-advertisement":
      return O.mrdAdvertisementLength + hexLen("igmp", m.extra, "extra");
    case "mrd-solicitation":
    case "mrd-termination":
      return O.mrdShortLength + hexLen("igmp", m.extra, "extra");
    default:
      return O.minimumLength + hexLen("igmp", m.body, "body");
  }
}

function put16(buf: Uint8Array, i: number, v: number): void {
  buf[i] = (v >>> 8) & 0xff;
  buf[i + 1] = v & 0xff;
}
function put32(buf: Uint8Array, i: number, v: number): void {
  buf[i] = (v >>> 24) & 0xff;
  buf[i + 1] = (v >>> 16) & 0xff;
  buf[i + 2] = (v >>> 8) & 0xff;
  buf[i + 3] = v & 0xff;
}

function checkByte(v: number, what: string, max = 0xff): void {
  checkUint("igmp", v, what, max);
}
const addr = (v: string, what: string, buf: Uint8Array, i: number): void => putIPv4("igmp", v, what, buf, i);

function emitAdditional(m: { additionalData: string; extensions?: IgmpExtension[] | undefined }, buf: Uint8Array, i: number): number {
  if (!m.extensions) return i + putHex("igmp", m.additionalData, "additionalData", buf, i);
  for (const e of m.extensions) {
    checkByte(e.type, "extension type", 0xffff);
    const len = hexLen("igmp", e.value, "extension value");
    checkByte(len, "extension length", 0xffff);
    put16(buf, i, e.type);
    put16(buf, i + 2, len);
    i += 4 + putHex("igmp", e.value, "extension value", buf, i + 4);
  }
  return i;
}

/** Options of `emitIgmp` / `encodeIgmp`. */
export interface EmitOptions {
  /** "compute" (default) writes the correct checksum; "keep" writes `checksum` as given (to reproduce bad packets). */
  checksum?: "compute" | "keep";
}

/**
 * Write `m` into `buf` at `offset`. Returns the number of bytes written.
 * Throws WireError `buffer-too-small` or `bad-value` (a count that does not fit its field, a bad address).
 */
export function emitIgmp(m: IgmpMessageInit, buf: Uint8Array, offset = 0, options: EmitOptions = {}): number {
  const len = igmpEncodingLength(m);
  if (offset < 0 || offset + len > buf.length)
    throw new WireError("igmp", WireErrorCode.bufferTooSmall, offset, `need ${len} bytes at offset ${offset}, buffer has ${buf.length}`);
  const p = offset;
  buf.fill(0, p, p + len);
  checkByte(m.type, "type");
  buf[p] = m.type;
  switch (m.kind) {
    case "query": {
      checkByte(m.maxRespCode, "Max Resp Code");
      buf[p + O.code] = m.maxRespCode;
      addr(m.group, "group", buf, p + O.group);
      if (m.version === 3) {
        checkByte(m.qrv, "QRV", 7);
        checkByte(m.qqic, "QQIC");
        checkByte(m.resv & ~QUERY_FLAG_BITS.resv, "query reserved bits", 0);
        checkByte(m.sources.length, "number of sources", 0xffff);
        buf[p + O.queryFlags] = (m.eFlag ? QUERY_FLAG_BITS.e : 0) | m.resv | (m.sFlag ? QUERY_FLAG_BITS.s : 0) | m.qrv;
        buf[p + O.qqic] = m.qqic;
        put16(buf, p + O.queryNumSources, m.sources.length);
        let i = p + O.querySources;
        for (const s of m.sources) {
          addr(s, "source", buf, i);
          i += 4;
        }
        emitAdditional(m, buf, i);
      } else {
        putHex("igmp", m.extra, "extra", buf, p + O.headerLength);
      }
      break;
    }
    case "v1-report":
    case "v2-report":
    case "leave": {
      const code = m.kind === "v1-report" ? m.unused : m.maxRespCode;
      checkByte(code, "byte 1");
      buf[p + O.code] = code;
      addr(m.group, "group", buf, p + O.group);
      putHex("igmp", m.extra, "extra", buf, p + O.headerLength);
      break;
    }
    case "v3-report": {
      checkByte(m.reserved1, "reserved byte");
      checkByte(m.reserved2, "reserved field", 0x7fff);
      checkByte(m.records.length, "number of group records", 0xffff);
      buf[p + O.code] = m.reserved1;
      put16(buf, p + O.reportReserved2, m.reserved2 | (m.eFlag ? REPORT_E_BIT : 0));
      put16(buf, p + O.reportNumRecords, m.records.length);
      let i = p + O.reportRecords;
      for (const r of m.records) {
        checkByte(r.type, "record type");
        const auxLen = hexLen("igmp", r.auxData, "auxData");
        if (auxLen % 4 !== 0)
          throw new WireError("igmp", WireErrorCode.badValue, i - p, `aux data of ${auxLen} bytes is not a whole number of 32-bit words`);
        checkByte(auxLen / 4, "aux data words");
        checkByte(r.sources.length, "number of sources", 0xffff);
        buf[i] = r.type;
        buf[i + 1] = auxLen / 4;
        put16(buf, i + 2, r.sources.length);
        addr(r.group, "record group", buf, i + 4);
        i += 8;
        for (const s of r.sources) {
          addr(s, "record source", buf, i);
          i += 4;
        }
        i += putHex("igmp", r.auxData, "auxData", buf, i);
      }
      emitAdditional(m, buf, i);
      break;
    }
    case "mtrace-request":
    case "mtrace-response": {
      checkByte(m.hops, "hops");
      buf[p + O.code] = m.hops;
      addr(m.group, "group", buf, p + O.mtraceGroup);
      addr(m.source, "source", buf, p + O.mtraceSource);
      addr(m.destination, "destination", buf, p + O.mtraceDestination);
      addr(m.responseAddress, "responseAddress", buf, p + O.mtraceResponseAddress);
      checkByte(m.responseTtl, "responseTtl");
      buf[p + O.mtraceResponseTtl] = m.responseTtl;
      checkByte(m.queryId, "query id", 0xffffff);
      buf[p + O.mtraceQueryId] = m.queryId >>> 16;
      put16(buf, p + O.mtraceQueryId + 1, m.queryId & 0xffff);
      let i = p + O.mtraceHeaderLength;
      for (const bl of m.blocks) {
        checkByte(bl.queryArrivalTime, "queryArrivalTime", 0xffffffff);
        checkByte(bl.inputCount, "inputCount", 0xffffffff);
        checkByte(bl.outputCount, "outputCount", 0xffffffff);
        checkByte(bl.totalCount, "totalCount", 0xffffffff);
        checkByte(bl.rtgProtocol, "rtgProtocol");
        checkByte(bl.fwdTtl, "fwdTtl");
        checkByte(bl.mbz, "mbz", 1);
        checkByte(bl.srcMask, "srcMask", 0x3f);
        checkByte(bl.forwardingCode, "forwardingCode");
        put32(buf, i, bl.queryArrivalTime);
        addr(bl.incomingInterface, "incomingInterface", buf, i + 4);
        addr(bl.outgoingInterface, "outgoingInterface", buf, i + 8);
        addr(bl.previousHop, "previousHop", buf, i + 12);
        put32(buf, i + 16, bl.inputCount);
        put32(buf, i + 20, bl.outputCount);
        put32(buf, i + 24, bl.totalCount);
        buf[i + 28] = bl.rtgProtocol;
        buf[i + 29] = bl.fwdTtl;
        buf[i + 30] = ((bl.mbz & 1) << 7) | (bl.sBit ? 0x40 : 0) | (bl.srcMask & 0x3f);
        buf[i + 31] = bl.forwardingCode;
        i += O.mtraceBlockLength;
      }
      putHex("igmp", m.extra, "extra", buf, i);
      break;
    }
    case "mrd-advertisement":
      checkByte(m.advertisementInterval, "advertisement interval");
      buf[p + O.code] = m.advertisementInterval;
      checkByte(m.queryInterval, "queryInterval", 0xffff);
      checkByte(m.robustness, "robustness", 0xffff);
      put16(buf, p + O.mrdQueryInterval, m.queryInterval);
      put16(buf, p + O.mrdRobustness, m.robustness);
      putHex("igmp", m.extra, "extra", buf, p + O.mrdAdvertisementLength);
      break;
    case "mrd-solicitation":
    case "mrd-termination":
      checkByte(m.reserved, "reserved");
      buf[p + O.code] = m.reserved;
      putHex("igmp", m.extra, "extra", buf, p + O.mrdShortLength);
      break;
    default:
      checkByte(m.code, "code");
      buf[p + O.code] = m.code;
      putHex("igmp", m.body, "body", buf, p + O.minimumLength);
  }
  if (options.checksum === "keep") checkByte(m.checksum ?? 0, "checksum", 0xffff);
  const ck = options.checksum === "keep" ? (m.checksum ?? 0) : internetChecksum(buf, p, p + len);
  put16(buf, p + O.checksum, ck);
  return len;
}

/** Encode `m` to a new Uint8Array. */
export function encodeIgmp(m: IgmpMessageInit, options?: EmitOptions): Uint8Array {
  const out = new Uint8Array(igmpEncodingLength(m));
  emitIgmp(m, out, 0, options);
  return out;
}

/**
 * Decode a whole IGMP message (the IP payload). Never throws: errors and warnings are in the result.
 */
export function decodeIgmp(bytes: Uint8Array): IgmpParseResult {
  return parseIgmp(bytes, 0, bytes.length, bytes.length);
}
