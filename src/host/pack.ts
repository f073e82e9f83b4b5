/**
 * Packing group records into as few v3 Membership Reports as fit the interface MTU (RFC 9776 §4.2.16).
 */
import { GroupRecordType, type RecordInit } from "../wire/index.js";

/** IPv4 header with the Router Alert option, as every report is sent (RFC 9776 §4). */
export const IPV4_HEADER_WITH_ROUTER_ALERT = 24;
/** The v3 report header before the first record. */
export const V3_REPORT_HEADER = 8;
/** A group record without sources or aux data. */
export const GROUP_RECORD_HEADER = 8;
const ADDRESS = 4;

/** The smallest MTU that carries one record with one source. */
export const MIN_REPORT_MTU = IPV4_HEADER_WITH_ROUTER_ALERT + V3_REPORT_HEADER + GROUP_RECORD_HEADER + ADDRESS;

function recordType(r: RecordInit): number {
  return typeof r.type === "number" ? r.type : GroupRecordType[r.type];
}

/**
 * Split `records` into reports of at most `mtu` bytes of IP packet, in order, greedily.
 *
 * A record that fits an empty report is never split. One that does not: MODE_IS_EXCLUDE and
 * CHANGE_TO_EXCLUDE_MODE are sent once with as many sources as fit (the rest are not reported); every other
 * type is split into records of the same type, each in its own report (RFC 9776 §4.2.16).
 */
export function packRecords(records: readonly RecordInit[], mtu: number): RecordInit[][] {
  const cap = mtu - IPV4_HEADER_WITH_ROUTER_ALERT - V3_REPORT_HEADER;
  const perRecord = Math.floor((cap - GROUP_RECORD_HEADER) / ADDRESS);
  if (perRecord < 1) throw new RangeError(`MTU ${mtu} cannot carry a group record with one source (minimum ${MIN_REPORT_MTU})`);
  const reports: RecordInit[][] = [];
  let cur: RecordInit[] = [];
  let used = 0;
  const flush = (): void => {
    if (cur.length > 0) reports.push(cur);
    cur = [];
    used = 0;
  };
  for (const r of records) {
    const sources = r.sources ?? [];
    const size = GROUP_RECORD_HEADER + ADDRESS * sources.length;
    if (used + size <= cap) {
      cur.push(r);
      used += size;
      continue;
    }
    flush();
    if (size <= cap) {
      cur.push(r);
      used = size;
      continue;
    }
    const t = recordType(r);
    if (t === GroupRecordType.MODE_IS_EXCLUDE || t === GroupRecordType.CHANGE_TO_EXCLUDE_MODE) {
      reports.push([{ ...r, sources: sources.slice(0, perRecord) }]);
      continue;
    }
    for (let i = 0; i < sources.length; i += perRecord) {
      const chunk = sources.slice(i, i + perRecord);
      flush();
      cur.push({ ...r, sources: chunk });
      used = GROUP_RECORD_HEADER + ADDRESS * chunk.length;
    }
  }
  flush();
  return reports;
}
