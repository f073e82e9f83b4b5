/** The counters an emulated host keeps, per host and per group, and their zeroed forms. */
import { GROUP_RECORD_TYPES, type GroupRecordKind } from "../wire/index.js";

/** A zero per record type (MODE_IS_INCLUDE ... BLOCK_OLD_SOURCES), from the one record-type table. */
export function zeroRecords(): Record<Exclude<GroupRecordKind, "UNKNOWN">, number> {
  return Object.fromEntries(GROUP_RECORD_TYPES.map((r) => [r.name, 0])) as Record<Exclude<GroupRecordKind, "UNKNOWN">, number>;
}

/** Counters, for the statistics of the emulator. */
export interface HostStats {
  queriesHeard: { v1: number; v2General: number; v2Group: number; v3General: number; v3Group: number; v3GroupSource: number };
  reportsSent: { v1: number; v2: number; leave: number; v3: number };
  recordsSent: Record<Exclude<GroupRecordKind, "UNKNOWN">, number>;
  /** v1/v2 reports not sent because another host's report was heard first. */
  suppressions: number;
  /** Repeated state-change reports (v3) and repeated unsolicited reports (v1/v2). */
  retransmissions: number;
  /** Frames with a bad checksum, bad length or truncation: counted and dropped. */
  badPackets: number;
  /** IGMP messages a host has nothing to do with (leaves, v3 reports, unknown types, dropped queries). */
  ignored: number;
  /** Max Resp Time of each answered query and the delay actually used, in ms (for delay statistics). */
  responseDelays: { maxMs: number; delayMs: number }[];
  /** The same facts per group (every group this host has reported; specific queries counted while it has the group). */
  groups: Map<string, GroupStats>;
}

/** Counters of one host for one group. */
export interface GroupStats {
  /** Group-specific (v2/v3) and group-and-source-specific (v3) queries heard for this group. */
  queriesHeard: { group: number; groupSource: number };
  /** v1/v2 reports and leaves for this group. */
  reportsSent: { v1: number; v2: number; leave: number };
  /** v3 records about this group, by type. */
  recordsSent: Record<Exclude<GroupRecordKind, "UNKNOWN">, number>;
  suppressions: number;
  /** Records or reports about this group that were repetitions of a state change. */
  retransmissions: number;
}

/** Zeroed {@link GroupStats}. */
export function newGroupStats(): GroupStats {
  return {
    queriesHeard: { group: 0, groupSource: 0 },
    reportsSent: { v1: 0, v2: 0, leave: 0 },
    recordsSent: zeroRecords(),
    suppressions: 0,
    retransmissions: 0,
  };
}

/** Zeroed {@link HostStats}. */
export function newHostStats(): HostStats {
  return {
    queriesHeard: { v1: 0, v2General: 0, v2Group: 0, v3General: 0, v3Group: 0, v3GroupSource: 0 },
    reportsSent: { v1: 0, v2: 0, leave: 0, v3: 0 },
    recordsSent: zeroRecords(),
    suppressions: 0,
    retransmissions: 0,
    badPackets: 0,
    ignored: 0,
    responseDelays: [],
    groups: new Map(),
  };
}
