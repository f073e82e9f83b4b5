/**
 * The lint rule catalog: every rule's stable id, severity, RFC section, one line of what it checks, and a
 * one-line fix hint. The checks themselves are in lint.ts (per-frame rules and the built-in stateful
 * ones) or are a {@link LanCheck} listed in `LAN_CHECKS`; a new rule is an entry here plus its check.
 */

/** How bad a lint finding is; `--fail-on` picks the lowest that fails the run. */
export type Severity = "error" | "warning" | "info";

/** Rank for `--fail-on`: a finding counts when its rank is at least the threshold's. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({ info: 0, warning: 1, error: 2 });

/** A lint rule of the catalog: its stable id, severity, RFC section, what it checks and how to fix it. */
export interface LintRule {
  id: string;
  severity: Severity;
  /** RFC and section(s). */
  rfc: string;
  /** One-line statement of what the rule checks. */
  summary: string;
  /** One line: what to change so the finding goes away. */
  hint: string;
}

function rule(id: string, severity: Severity, rfc: string, summary: string, hint: string): LintRule {
  return Object.freeze({ id, severity, rfc, summary, hint });
}

/** Every rule, by stable id. */
export const LINT_RULES = Object.freeze({
  igmpChecksum: rule(
    "igmp-checksum",
    "error",
    "RFC 2236 §2.3, RFC 9776 §4.1.2",
    "The IGMP checksum must verify; routers and hosts drop the message.",
    "Compute the checksum over the whole IGMP message (all records and sources), with the field zeroed; if only the capture host's frames fail, suspect checksum offload.",
  ),
  ipChecksum: rule(
    "ip-checksum",
    "error",
    "RFC 791 §3.1",
    "The IPv4 header checksum must verify; the packet is dropped before IGMP sees it.",
    "Recompute the IPv4 header checksum after setting TTL and options; on the capturing host itself, suspect checksum offload.",
  ),
  ttlNot1: rule("ttl-not-1", "error", "RFC 2236 §2, RFC 9776 §4", "IGMP messages are sent with IP TTL 1.", "Send IGMP with IP TTL 1 (IP_MULTICAST_TTL 1 on a raw socket)."),
  routerAlertMissing: rule(
    "router-alert-missing",
    "warning",
    "RFC 2236 §2, RFC 9776 §4",
    "IGMPv2/v3 messages carry the IP Router Alert option.",
    "Add the IP Router Alert option (94 04 00 00) to every IGMPv2/v3 message.",
  ),
  tosNot0xc0: rule(
    "tos-not-0xc0",
    "info",
    "RFC 9776 §4",
    "IGMP messages are sent with IP precedence Internetwork Control (TOS 0xc0).",
    "Send IGMP with TOS 0xc0 (precedence Internetwork Control).",
  ),
  wrongDestination: rule(
    "wrong-destination",
    "error",
    "RFC 2236 §9, RFC 9776 §4.1.12, §4.2.14",
    "Reports and leaves have a fixed destination (v1/v2 report: the group; leave: 224.0.0.2; v3 report: 224.0.0.22); snooping switches and routers act on it.",
    "Send v1/v2 reports to the group, leaves to 224.0.0.2 and v3 reports to 224.0.0.22.",
  ),
  queryDestination: rule(
    "query-destination",
    "warning",
    "RFC 2236 §9, RFC 9776 §4.1.12",
    "A general query goes to 224.0.0.1 and a specific query to its group; hosts must still accept a query to any of their addresses (the Linux bridge sends specific queries to 224.0.0.1).",
    "Send general queries to 224.0.0.1 and group-specific queries to the group itself.",
  ),
  queryInvalidLength: rule(
    "query-invalid-length",
    "error",
    "RFC 9776 §7.1",
    "A query of 9 to 11 bytes is neither v2 (8) nor v3 (12 or more) and must be ignored.",
    "Send queries of exactly 8 bytes (v1/v2) or 12 bytes plus sources (v3).",
  ),
  generalQueryWithSources: rule(
    "general-query-with-sources",
    "error",
    "RFC 9776 §4.1.9",
    "A general query has no sources; Linux drops one that has.",
    "Leave the source list of a general query empty; list sources only in group-and-source-specific queries.",
  ),
  reportAllSystems: rule(
    "report-all-systems",
    "error",
    "RFC 2236 §6, RFC 9776 §5",
    "No host reports membership of 224.0.0.1 (all-systems).",
    "Never report 224.0.0.1: every host is a member without reporting.",
  ),
  lateReport: rule(
    "late-report",
    "warning",
    "RFC 2236 §3, RFC 9776 §5.2",
    "A host answers a query within the query's Max Resp Time.",
    "Answer within Max Resp Time (a random delay in [0, Max Resp Time]); check the host's timer resolution and load.",
  ),
  stateChangeNotRepeated: rule(
    "state-change-not-repeated",
    "warning",
    "RFC 9776 §5.1",
    "A State-Change Report is sent Robustness Variable times in all.",
    "Retransmit each State-Change Report [Robustness Variable] times, Unsolicited Report Interval apart.",
  ),
  leaveNotLastReporter: rule(
    "leave-not-last-reporter",
    "warning",
    "RFC 2236 §3, §6",
    "An IGMPv2 host sends a Leave when it was the last host to report the group; this one keeps sending leaves for groups others reported last.",
    "Send a Leave only when this host was the last to report the group (its flag is set), or always (allowed, but it costs queries).",
  ),
  recordAuxData: rule(
    "record-aux-data",
    "error",
    "RFC 9776 §4.2.6",
    "IGMPv3 hosts must not put auxiliary data in group records.",
    "Set Aux Data Len to 0 in every group record.",
  ),
  ssmExcludeRecord: rule(
    "ssm-exclude-record",
    "error",
    "RFC 4604 §2.2.1, §2.2.3",
    "Hosts must not send IS_EX or TO_EX records for SSM groups (232/8); routers ignore them.",
    "Join SSM groups (232/8) source-specifically: INCLUDE/ALLOW records with the sources.",
  ),
  querierNotLowest: rule(
    "querier-not-lowest",
    "warning",
    "RFC 2236 §3, RFC 9776 §6.6.2",
    "The router with the lowest address is querier; a higher-address router that hears its query stops querying.",
    "Make the higher-address router hear the lower one's queries (same VLAN, IGMP not filtered) so it stops querying.",
  ),
  duplicateQuerier: rule(
    "duplicate-querier",
    "error",
    "RFC 2236 §3, RFC 9776 §6.6.2",
    "Two routers kept sending general queries at once for longer than the Other Querier Present Interval.",
    "Check that both routers see each other's queries (VLAN, ACLs, snooping switch forwarding queries) and run the same IGMP version.",
  ),
  querierConfigMismatch: rule(
    "querier-config-mismatch",
    "warning",
    "RFC 9776 §4.1.6, §4.1.7, §8.1",
    "Queriers on one LAN advertise the same Robustness Variable and Query Interval.",
    "Configure the same robustness and query interval on every router of the LAN.",
  ),
  querierVersionMismatch: rule(
    "querier-version-mismatch",
    "warning",
    "RFC 9776 §7.3.1",
    "Every querier on a LAN runs the same IGMP version.",
    "Configure the same IGMP version on every router of the LAN.",
  ),
  oldVersionReport: rule(
    "old-version-report",
    "warning",
    "RFC 9776 §7.3.2",
    "IGMPv1/v2 reports on an IGMPv3 LAN force the router into older-version compatibility for the group.",
    "Let the host run IGMPv3 (Linux: force_igmp_version 0 or 3), or run the LAN in IGMPv2 on purpose.",
  ),
  malformedMessage: rule(
    "malformed-message",
    "error",
    "RFC 9776 §4, RFC 2236 §2, RFC 791 §3.1",
    "An IGMP message whose lengths or counts do not fit the packet (records or sources past its end, IP length beyond the frame) cannot be trusted and is not taken.",
    "Fix the sender's encoder (counts and lengths); if frames were cut by the capture's snap length, capture whole frames (tcpdump -s 0).",
  ),
  timestampsOutOfOrder: rule(
    "timestamps-out-of-order",
    "warning",
    "RFC 9776 §8 (timers run on the capture's clock)",
    "Frames are stamped in capture order; a frame stamped earlier than one before it makes every timer judged around it doubtful.",
    "Sort the capture by time (reordercap, or mergecap without -a for merged interfaces); for live captures, check the capture host's clock.",
  ),
  // What breaks IPTV and snooping networks in the field (checked in field-checks.ts). RFC 4541 is
  // informational: its sections are snooping switches' practice, not a MUST.
  noQuerier: rule(
    "no-querier",
    "error",
    "RFC 2236 §3, §8.4, RFC 9776 §6.6.2, §8.4, RFC 4541 §2.1.1",
    "Members keep reporting but no general query is seen for longer than the Group Membership Interval; routers and snooping switches time the memberships out.",
    "Enable a querier on the LAN (ip igmp on the router, or mcast_querier 1 / the switch's IGMP snooping querier).",
  ),
  queryFromUnspecified: rule(
    "query-from-unspecified",
    "info",
    "RFC 4541 §2.1.1, RFC 9776 §6.6.2",
    "Queries are sourced from 0.0.0.0, as snooping switches' proxy queriers send them; some hosts and switches ignore them, and 0.0.0.0 wins every querier election.",
    "Give the querying switch an address on the LAN (Linux bridge: an address on the bridge and mcast_query_use_ifaddr 1).",
  ),
  macAlias: rule(
    "mac-alias",
    "warning",
    "RFC 4541 §2.1.2, RFC 1112 §6.4",
    "The group's Ethernet address is that of a 224.0.0.x group (only the low 23 bits map), so snooping switches flood it to every port.",
    "Use a group whose low 23 bits differ from 224.0.0.x (not x.0.0.y or x.128.0.y).",
  ),
  nonQuerierSpecificQuery: rule(
    "non-querier-specific-query",
    "warning",
    "RFC 2236 §3, §7, RFC 9776 §6.4.2, §6.6.3",
    "Only the elected querier sends group-specific and group-and-source-specific queries; a non-querier router sends none (but an IGMPv2 querier that loses the election finishes the last-member queries it started).",
    "Fix the router's querier election: it must stop querying, specific queries included, when it hears a lower-address querier.",
  ),
  lastMemberQueries: rule(
    "last-member-queries",
    "warning",
    "RFC 2236 §3, §7, RFC 9776 §6.4, §6.6.3",
    "After a leave, a TO_IN or a BLOCK of listened sources, the querier sends Last Member Query Count specific queries, Last Member Query Interval apart.",
    "Set the querier's last-member query count to its robustness (QRV) and send them one Last Member Query Interval (the specific queries' Max Resp Time) apart.",
  ),
} satisfies Record<string, LintRule>);

/** The stable id of a rule in {@link LINT_RULES} ("igmp-checksum", "ip-checksum"...). */
export type LintRuleId = (typeof LINT_RULES)[keyof typeof LINT_RULES]["id"];

/** Rules by id. */
export const LINT_RULES_BY_ID: ReadonlyMap<string, LintRule> = new Map(Object.values(LINT_RULES).map((r) => [r.id, r]));
