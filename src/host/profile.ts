/** What an emulated host is configured with: its IGMP version, the profile of how it departs from the RFCs, its interfaces and options. */
import { HostError, HostErrorCode } from "./errors.js";
import type { Rng } from "./rng.js";

/** The IGMP version an interface runs (its highest; compatibility mode may lower it). */
export type IgmpVersion = 1 | 2 | 3;


/**
 * Where an implementation may differ from the RFC text, and by how much. {@link RFC_PROFILE} follows the
 * RFCs; {@link LINUX_PROFILE} mirrors the Linux kernel (net/ipv4/igmp.c) so the two can be compared on the wire.
 */
export interface HostProfile {
  name: string;
  /** Older Version Querier Present Timeout in ms; null: the RFC 9776 §8.12 value RV × QI + QRI (260 s by default). */
  olderQuerierPresentTimeoutMs: number | null;
  /** Groups one socket may join (all interfaces together); null: no limit. Linux: igmp_max_memberships = 20. */
  maxGroupsPerSocket: number | null;
  /** Sources per socket and group; null: no limit. Linux: igmp_max_msf = 10. */
  maxSourcesPerSocketGroup: number | null;
  /** Put the kernel's errno on HostErrors. */
  errnos: boolean;
  /** Refuse EXCLUDE-mode (any-source) requests for SSM addresses (RFC 4604 §2.2.1). Linux does not. */
  refuseSsmExclude: boolean;
  /** Send v1/v2 reports and leaves for SSM addresses in an older-version mode. RFC 4604 §2.2.1 says not to; Linux does. */
  ssmOldVersionReports: boolean;
  /** Adding a source already in the list is an error (RFC profile) or silently nothing (Linux). */
  duplicateSourceIsError: boolean;
  /**
   * While filter-mode-change records are being retransmitted, also send ALLOW/BLOCK records for later source
   * changes in the same report (Linux); the RFC (§5.1) sends only the TO_IN/TO_EX record until the counter runs out.
   */
  sourceRecordsWithModeChange: boolean;
  /**
   * Apply rule 1 of §5.2 to group(-and-source)-specific queries: no separate response when a general-query
   * response is pending sooner. Linux does not: a general query gives exactly one burst, and specific queries
   * get their own responses on their own timers.
   */
  rule1ForSpecificQueries: boolean;
  /** A v2 group-specific query also sets the v2 Querier Present timer. RFC 9776 §7.2.1: no (general queries only); Linux: yes. */
  v2GroupQuerySetsCompat: boolean;
  /** A v3 general query that carries sources: "drop" it (Linux), or answer it as a general query ignoring the sources. */
  generalQueryWithSources: "drop" | "ignore-sources";
}

/** RFC 9776 / RFC 2236 / RFC 4604 behaviour. */
export const RFC_PROFILE: HostProfile = Object.freeze({
  name: "rfc",
  olderQuerierPresentTimeoutMs: null,
  maxGroupsPerSocket: null,
  maxSourcesPerSocketGroup: null,
  errnos: false,
  refuseSsmExclude: true,
  ssmOldVersionReports: false,
  duplicateSourceIsError: true,
  sourceRecordsWithModeChange: false,
  rule1ForSpecificQueries: true,
  v2GroupQuerySetsCompat: false,
  generalQueryWithSources: "ignore-sources",
});

/**
 * The Linux kernel's behaviour and limits (sysctl defaults).
 *
 * The fixed 400 s Older Version Querier Present Timeout is what igmp.c did before it adopted RV × QI + QRI
 * (IGMP_V1_Router_Present_Timeout); current kernels (the 6.x of the lab) compute mr_qrv * mr_qi + mr_qri,
 * 260 s by default. For a 6.x kernel use `{ ...LINUX_PROFILE, olderQuerierPresentTimeoutMs: null }`.
 */
export const LINUX_PROFILE: HostProfile = Object.freeze({
  name: "linux",
  olderQuerierPresentTimeoutMs: 400_000,
  maxGroupsPerSocket: 20,
  maxSourcesPerSocketGroup: 10,
  errnos: true,
  refuseSsmExclude: false,
  ssmOldVersionReports: true,
  duplicateSourceIsError: false,
  sourceRecordsWithModeChange: true,
  rule1ForSpecificQueries: false,
  v2GroupQuerySetsCompat: true,
  generalQueryWithSources: "drop",
});

/** A profile by name. */
export function hostProfile(p: "rfc" | "linux" | HostProfile | undefined): HostProfile {
  if (p === undefined || p === "rfc") return RFC_PROFILE;
  if (p === "linux") return LINUX_PROFILE;
  if (typeof p === "object") return p;
  throw new HostError(HostErrorCode.badArgument, `unknown host profile ${JSON.stringify(p)}`);
}

/** One network interface of a host. */
export interface InterfaceConfig {
  name: string;
  /** The interface's address: the IPv4 source of every report. */
  ip: string;
  mac: string;
  /** Highest IGMP version (like Linux force_igmp_version). Default 3. */
  version?: IgmpVersion;
  /** IP MTU for packing v3 reports. Default 1500. */
  mtu?: number;
  /** VLAN tags of the link, outermost first: sent on every frame, required on frames heard. */
  vlan?: number[];
}

export interface HostOptions {
  interfaces: InterfaceConfig[];
  /** Seed of the host's own mulberry32 generator. Default 1. Ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
  profile?: "rfc" | "linux" | HostProfile;
  /** Robustness Variable until a query teaches another (RFC 9776 §8.1). Default 2. */
  robustness?: number;
  /** Query Interval until a v3 query's QQIC teaches another (§8.2). Default 125 000 ms. */
  queryIntervalMs?: number;
  /** Query Response Interval used in the Older Version Querier Present Timeout (§8.3). Default 10 000 ms. */
  queryResponseIntervalMs?: number;
  /** v3 Unsolicited Report Interval (§8.11). Default 1 000 ms. */
  unsolicitedReportIntervalMs?: number;
  /** v1/v2 Unsolicited Report Interval (RFC 2236 §8.10). Default 10 000 ms. */
  oldUnsolicitedReportIntervalMs?: number;
  /**
   * Answer queries this much before the Max Resp Time runs out (at most a tenth of it). Default 0: delays
   * are drawn from [0, Max Resp Time] as RFC 9776 §5.2 and RFC 2236 §3 say. A live driver sets a few tens of
   * ms so that its own send path (IPC, libpcap) does not carry an answer drawn near the end past the
   * deadline at the querier; the Linux kernel likewise draws from [0, Max Resp Time) in jiffies.
   */
  responseMarginMs?: number;
}
