/**
 * Convenience constructors for complete message values (checksum included), for tests, the host
 * emulator and users crafting traffic. Derived fields (maxRespTime, qqi, record kind) are filled in.
 */
import { decodeFloatCode, secondsToMaxRespCode, secondsToQqic } from "./float.js";
import {
  encodeIgmp,
  GroupRecordType,
  groupRecordKind,
  type GroupRecord,
  type GroupRecordKind,
  type IgmpExtension,
  type IgmpLeave,
  type IgmpMessage,
  type IgmpMessageInit,
  type IgmpQueryV1,
  type IgmpQueryV2,
  type IgmpQueryV3,
  type IgmpV1Report,
  type IgmpV2Report,
  type IgmpV3Report,
} from "./igmp.js";

/** Add the checksum fields to a message value by encoding it. */
export function withChecksum<T extends IgmpMessageInit>(m: T): T & { checksum: number; checksumValid: true } {
  const bytes = encodeIgmp(m);
  const checksum = (bytes[2]! << 8) | bytes[3]!;
  const out = { ...m, checksum, checksumValid: true as const };
  delete (out as { checksumExpected?: number }).checksumExpected;
  return out;
}

/** What the query builders take; every field has a default (a general query, 10 s, QRV 2, QQI 125 s). */
export interface QueryOptions {
  group?: string;
  /** Seconds. v2: linear tenths (max 25.5 s); v3: float code, rounded down. Default 10 s. */
  maxRespTime?: number;
  /** Raw code, overrides maxRespTime. */
  maxRespCode?: number;
  sFlag?: boolean;
  qrv?: number;
  /** Seconds, encoded to QQIC rounding down. Default 125 s. */
  qqi?: number;
  qqic?: number;
  sources?: string[];
  extensions?: IgmpExtension[];
}

/** An IGMPv1 general query (RFC 1112 App. I; RFC 9776 §7.1: 8 bytes, Max Resp Code 0). */
export function v1Query(): IgmpQueryV1 {
  return withChecksum({ kind: "query", type: 0x11, version: 1, group: "0.0.0.0", maxRespCode: 0, maxRespTime: 10, extra: "" });
}

/** An IGMPv2 query (RFC 2236 §2): general, or group-specific with `group`. Throws RangeError for a zero Max Resp Time. */
export function v2Query(o: QueryOptions = {}): IgmpQueryV2 {
  const code = o.maxRespCode ?? Math.min(255, Math.floor(Math.round((o.maxRespTime ?? 10) * 1e6) / 1e5));
  if (code === 0) throw new RangeError("a v2 query needs a non-zero Max Resp Time (0 makes it a v1 query)");
  return withChecksum({ kind: "query", type: 0x11, version: 2, group: o.group ?? "0.0.0.0", maxRespCode: code, maxRespTime: code / 10, extra: "" });
}

/** An IGMPv3 query (RFC 9776 §4.1): general, group-specific, or group-and-source-specific with `sources`. */
export function v3Query(o: QueryOptions = {}): IgmpQueryV3 {
  const code = o.maxRespCode ?? secondsToMaxRespCode(o.maxRespTime ?? 10);
  const qqic = o.qqic ?? secondsToQqic(o.qqi ?? 125);
  const qrv = o.qrv ?? 2;
  const m: IgmpQueryV3 = {
    kind: "query",
    type: 0x11,
    version: 3,
    checksum: 0,
    checksumValid: true,
    group: o.group ?? "0.0.0.0",
    maxRespCode: code,
    maxRespTime: decodeFloatCode(code) / 10,
    eFlag: o.extensions !== undefined,
    resv: 0,
    sFlag: o.sFlag ?? false,
    qrv,
    qrvDefault: qrv === 0,
    qqic,
    qqi: decodeFloatCode(qqic),
    qqiDefault: qqic === 0,
    sources: o.sources ?? [],
    additionalData: "",
  };
  if (o.extensions) m.extensions = o.extensions;
  return withChecksum(m);
}

/** An IGMPv1 membership report for `group` (RFC 1112 App. I). */
export function v1Report(group: string): IgmpV1Report {
  return withChecksum({ kind: "v1-report", type: 0x12, version: 1, group, unused: 0, extra: "" });
}

/** An IGMPv2 membership report for `group` (RFC 2236 §2). */
export function v2Report(group: string): IgmpV2Report {
  return withChecksum({ kind: "v2-report", type: 0x16, version: 2, group, maxRespCode: 0, extra: "" });
}

/** An IGMPv2 leave group message for `group` (RFC 2236 §2). */
export function leave(group: string): IgmpLeave {
  return withChecksum({ kind: "leave", type: 0x17, version: 2, group, maxRespCode: 0, extra: "" });
}

/** One IGMPv3 group record for {@link v3Report} (RFC 9776 §4.2.4). */
export interface RecordInit {
  /** Record type number, or its RFC name. */
  type: number | Exclude<GroupRecordKind, "UNKNOWN">;
  group: string;
  sources?: string[];
  auxData?: string;
}

/** A group record value from its init (the type by number or RFC name). */
export function groupRecord(r: RecordInit): GroupRecord {
  const type = typeof r.type === "number" ? r.type : GroupRecordType[r.type];
  return { type, kind: groupRecordKind(type), group: r.group, sources: r.sources ?? [], auxData: r.auxData ?? "" };
}

/** An IGMPv3 membership report (RFC 9776 §4.2) of these records, with RFC 9279 extensions when given. */
export function v3Report(records: RecordInit[], extensions?: IgmpExtension[]): IgmpV3Report {
  const m: IgmpV3Report = {
    kind: "v3-report",
    type: 0x22,
    version: 3,
    checksum: 0,
    checksumValid: true,
    reserved1: 0,
    reserved2: 0,
    eFlag: extensions !== undefined,
    records: records.map(groupRecord),
    additionalData: "",
  };
  if (extensions) m.extensions = extensions;
  return withChecksum(m);
}

/** Type guard helpers for the union. */
export function isQuery(m: IgmpMessage | null): m is Extract<IgmpMessage, { kind: "query" }> {
  return m !== null && m.kind === "query";
}
