/**
 * The kernel's side of multicast, assembled from its /proc tables and sysctls: per interface the groups
 * held by sockets (with their reference counts and source filters) and the link-layer addresses; the IGMP
 * sysctls; the multicast routing table (VIFs, the forwarding cache and the unresolved queue). Sans-IO:
 * text in (see {@link KernelTexts}), values out; the I/O layer (src/io/kernel.ts) reads the files.
 */
import {
  MAXVIFS,
  parseProcNetDevMcast,
  parseProcNetIgmp,
  parseProcNetIpMrCache,
  parseProcNetIpMrVif,
  parseProcNetMcfilter,
  USER_HZ,
  type ByteOrder,
  type KernelProblem,
  type MfcOif,
  type ProcMcfilterRow,
  type ProcMfcEntry,
  type ProcVif,
} from "./proc.js";
import { ipv4ToNumber } from "../wire/address.js";

/** What the kernel showed, as read by the I/O layer: each file's text, or null when it could not be read. */
export interface KernelTexts {
  /** /proc/net/igmp */
  igmp: string | null;
  /** /proc/net/mcfilter */
  mcfilter: string | null;
  /** /proc/net/dev_mcast */
  devMcast: string | null;
  /** /proc/net/ip_mr_vif (absent without CONFIG_IP_MROUTE) */
  ipMrVif: string | null;
  /** /proc/net/ip_mr_cache */
  ipMrCache: string | null;
  /** Sysctls by dotted name (net.ipv4.igmp_qrv, net.ipv4.conf.eth0.force_igmp_version, ...). */
  sysctl: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** /proc/sys/kernel/osrelease, e.g. "6.18.44". */
  release?: string | null;
  /** The CPU byte order of the machine that printed the text. Default "LE". */
  byteOrder?: ByteOrder;
  /** Problems met while reading (a file missing or unreadable), carried into the state. */
  problems?: KernelProblem[];
}

/** One source of an interface's filter for a group, as /proc/net/mcfilter counts it. */
export interface KernelFilterSource {
  source: string;
  /** INCLUDE-mode sockets including it. */
  include: number;
  /** EXCLUDE-mode sockets blocking it. */
  exclude: number;
}

/** A group an interface holds. */
export interface KernelGroup {
  group: string;
  /** Sockets holding the group on this interface (the Users column; the kernel's own 224.0.0.1 counts 1). */
  users: number;
  /** This host sent the last v1/v2 report (so it sends the Leave). */
  reporter: boolean;
  /** Time left on the group's report timer, ms; null when none runs. */
  timerMs: number | null;
  /**
   * The interface's filter mode for the group (RFC 9776 §3.2 merge of its sockets): EXCLUDE as soon as one
   * socket is in EXCLUDE mode. The kernel does not print it: it is derived from the Users column and the
   * per-source counts, and "unknown" where those allow both (e.g. 2 users, sources A and B included once
   * each: two INCLUDE sockets, or one INCLUDE {A,B} and one EXCLUDE {}).
   */
  mode: "include" | "exclude" | "unknown";
  /**
   * The merged source list: the sources included (INCLUDE) or blocked by every EXCLUDE socket (EXCLUDE);
   * null where the counts do not tell.
   */
  sources: string[] | null;
  /** The per-source counts, as the kernel shows them (sources kept only for pending reports count 0 and 0). */
  filter: KernelFilterSource[];
  /** The Ethernet address the group maps to (01:00:5e + its low 23 bits). */
  linkAddress: string;
  /** Whether that address is in the interface's link-layer list (/proc/net/dev_mcast); null when not read. */
  linkAddressPresent: boolean | null;
}

/** How the kernel runs IGMP on one interface, and what it holds there. */
export interface KernelInterface {
  index: number;
  name: string;
  /** The version in force as the kernel shows it: "V1", "V2" or "V3". */
  version: string;
  /** force_igmp_version of the interface (0 automatic); null when not read. */
  forceIgmpVersion: number | null;
  /**
   * An older-version querier heard within the Older Version Querier Present Timeout, told from the shown
   * version and the forced one: "v1", "v2", "none", or "unknown" where forcing hides it.
   */
  querierPresent: "v1" | "v2" | "none" | "unknown";
  igmpv2UnsolicitedReportIntervalMs: number | null;
  igmpv3UnsolicitedReportIntervalMs: number | null;
  /** The interface is a VIF of the multicast routing table (conf.IF.mc_forwarding). */
  mcForwarding: boolean | null;
  groups: KernelGroup[];
  /** Link-layer multicast addresses (/proc/net/dev_mcast). */
  linkAddresses: { address: string; users: number; global: number }[];
}

/** An outgoing VIF with its device. */
export interface KernelOif extends MfcOif {
  device: string | null;
}

/** A forwarding cache entry with device names. */
export interface KernelMfcEntry extends Omit<ProcMfcEntry, "oifs"> {
  iifDevice: string | null;
  oifs: KernelOif[];
}

/** The multicast routing table. */
export interface KernelRouter {
  /**
   * A routing daemon holds the mroute socket (MRT_INIT): conf.all.mc_forwarding is non-zero exactly while
   * one does. null when the sysctl could not be read.
   */
  active: boolean | null;
  vifs: ProcVif[];
  /** Resolved entries (S,G) and (*,G). */
  mfc: KernelMfcEntry[];
  /** Entries waiting for the daemon (iif -1): packets arrived, no route yet. */
  unresolved: KernelMfcEntry[];
}

/** The IGMP sysctls of the namespace. */
export interface KernelSysctls {
  /** Groups one socket may join (ENOBUFS beyond). */
  igmpMaxMemberships: number | null;
  /** Sources one socket may filter per group (ENOBUFS beyond). */
  igmpMaxMsf: number | null;
  /** Robustness of unsolicited reports. */
  igmpQrv: number | null;
  /** Report 224.0.0.x groups (other than 224.0.0.1). */
  igmpLinkLocalMcastReports: boolean | null;
  /** net.ipv4.conf.all.force_igmp_version: applies to every interface. */
  forceIgmpVersionAll: number | null;
}

/** The limits the findings compare against. */
export interface KernelLimits {
  /** MAXVIFS, 32. */
  maxVifs: number;
  /**
   * Unresolved entries the kernel queues at once: 10 on kernels before 5.4; null (no count limit, only
   * memory and the 10 s expiry) after the 2019 change "ipmr: remove cache_resolve_queue_len" (the release
   * is inferred from the mailing-list date; a stable kernel may carry a backport). Linux 6.18 held 14 at
   * once in the lab (test/kernel/live-router.test.ts).
   */
  maxUnresolved: number | null;
}

/** Everything read from one namespace at one moment. */
export interface KernelState {
  release: string | null;
  interfaces: KernelInterface[];
  sysctl: KernelSysctls;
  /** null when the kernel has no multicast routing (no /proc/net/ip_mr_*). */
  router: KernelRouter | null;
  limits: KernelLimits;
  /** Everything that could not be read or understood; an empty list means the state is whole. */
  problems: KernelProblem[];
}

function get(s: KernelTexts["sysctl"], key: string): string | undefined {
  return s instanceof Map ? s.get(key) : (s as Record<string, string>)[key];
}

function num(s: KernelTexts["sysctl"], key: string): number | null {
  const v = get(s, key);
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return null;
  return Number(v);
}

/** The unresolved-queue limit of a kernel release ("6.18.44-..."): 10 before 5.4, none since. */
export function unresolvedLimitOf(release: string | null | undefined): number | null {
  const m = /^(\d+)\.(\d+)/.exec(release ?? "");
  if (!m) return null;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj < 5 || (maj === 5 && min < 4) ? 10 : null;
}

/** The Ethernet address of an IPv4 multicast group (RFC 1112 §6.4). */
export function groupLinkAddress(group: string): string {
  const [, b, c, d] = group.split(".").map(Number) as [number, number, number, number];
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `01:00:5e:${hex(b & 0x7f)}:${hex(c)}:${hex(d)}`;
}

/**
 * The merged filter of a group from its Users count and its mcfilter rows (see {@link KernelGroup.mode}).
 * Every INCLUDE socket includes at least one source (an empty INCLUDE leaves the group), so with n_inc
 * INCLUDE sockets: max(inc) <= n_inc <= sum(inc); and n_exc >= max(exc); n_inc + n_exc = users.
 */
export function mergedFilter(users: number, rows: readonly KernelFilterSource[]): Pick<KernelGroup, "mode" | "sources"> {
  const live = rows.filter((r) => r.include > 0 || r.exclude > 0);
  const maxInc = Math.max(0, ...live.map((r) => r.include));
  const sumInc = live.reduce((a, r) => a + r.include, 0);
  const maxExc = Math.max(0, ...live.map((r) => r.exclude));
  const incLo = maxInc;
  const incHi = Math.min(sumInc, users - maxExc);
  const sorted = (xs: string[]) => xs.sort((a, b) => ipv4ToNumber(a) - ipv4ToNumber(b));
  if (incLo === users) return { mode: "include", sources: sorted(live.filter((r) => r.include > 0).map((r) => r.source)) };
  if (maxExc > 0 || incHi < users) {
    // Some socket is in EXCLUDE mode. The blocked sources are those every EXCLUDE socket blocks and no
    // INCLUDE socket includes; that needs n_exc exactly.
    if (users - incHi !== users - incLo) {
      // n_exc is a range; the answer is still certain when no source could be blocked by all of them.
      return maxExc < users - incHi ? { mode: "exclude", sources: [] } : { mode: "exclude", sources: null };
    }
    const nExc = users - incLo;
    return { mode: "exclude", sources: sorted(live.filter((r) => r.include === 0 && r.exclude === nExc).map((r) => r.source)) };
  }
  return { mode: "unknown", sources: null };
}


/** Assemble a {@link KernelState} from the texts of one namespace. */
export function kernelState(t: KernelTexts): KernelState {
  const problems: KernelProblem[] = [...(t.problems ?? [])];
  const opts = { byteOrder: t.byteOrder ?? "LE" } as const;
  const igmp = t.igmp === null ? null : parseProcNetIgmp(t.igmp, opts);
  const mcf = t.mcfilter === null ? null : parseProcNetMcfilter(t.mcfilter);
  const dev = t.devMcast === null ? null : parseProcNetDevMcast(t.devMcast);
  for (const p of [igmp, mcf, dev]) if (p) problems.push(...p.problems);

  const forceAll = num(t.sysctl, "net.ipv4.conf.all.force_igmp_version");
  const sysctl: KernelSysctls = {
    igmpMaxMemberships: num(t.sysctl, "net.ipv4.igmp_max_memberships"),
    igmpMaxMsf: num(t.sysctl, "net.ipv4.igmp_max_msf"),
    igmpQrv: num(t.sysctl, "net.ipv4.igmp_qrv"),
    igmpLinkLocalMcastReports: ((v) => (v === null ? null : v !== 0))(num(t.sysctl, "net.ipv4.igmp_link_local_mcast_reports")),
    forceIgmpVersionAll: forceAll,
  };

  const filters = new Map<string, ProcMcfilterRow[]>();
  for (const r of mcf?.rows ?? []) {
    const k = `${r.index} ${r.group}`;
    filters.set(k, [...(filters.get(k) ?? []), r]);
  }
  const interfaces: KernelInterface[] = (igmp?.rows ?? []).map((i) => {
    const force = num(t.sysctl, `net.ipv4.conf.${i.device}.force_igmp_version`);
    const forced = forceAll === 1 || force === 1 ? 1 : forceAll === 2 || force === 2 ? 2 : 0;
    const querierPresent: KernelInterface["querierPresent"] =
      i.version === "V3" ? "none" : i.version === "V1" ? (forced === 1 ? "unknown" : "v1") : i.version === "V2" ? (forced === 0 ? "v2" : "unknown") : "unknown";
    const linkAddresses = (dev?.rows ?? []).filter((d) => d.index === i.index).map((d) => ({ address: d.address, users: d.users, global: d.global }));
    const mcf = num(t.sysctl, `net.ipv4.conf.${i.device}.mc_forwarding`);
    return {
      index: i.index,
      name: i.device,
      version: i.version,
      forceIgmpVersion: force,
      querierPresent,
      igmpv2UnsolicitedReportIntervalMs: num(t.sysctl, `net.ipv4.conf.${i.device}.igmpv2_unsolicited_report_interval`),
      igmpv3UnsolicitedReportIntervalMs: num(t.sysctl, `net.ipv4.conf.${i.device}.igmpv3_unsolicited_report_interval`),
      mcForwarding: mcf === null ? null : mcf !== 0,
      groups: i.groups.map((g) => {
        const filter = (filters.get(`${i.index} ${g.group}`) ?? []).map((r) => ({ source: r.source, include: r.include, exclude: r.exclude }));
        const linkAddress = groupLinkAddress(g.group);
        return {
          group: g.group,
          users: g.users,
          reporter: g.reporter,
          timerMs: g.timerRunning ? (g.timerTicks * 1000) / USER_HZ : null,
          ...mergedFilter(g.users, filter),
          filter,
          linkAddress,
          linkAddressPresent: dev === null ? null : linkAddresses.some((a) => a.address === linkAddress),
        };
      }),
      linkAddresses,
    };
  });
  // A filter row for a group no interface lists: the tables changed between the two reads.
  for (const r of mcf?.rows ?? []) {
    if (!interfaces.some((i) => i.index === r.index && i.groups.some((g) => g.group === r.group)))
      problems.push({ file: "/proc/net/mcfilter", line: 0, text: `${r.device} ${r.group} ${r.source}`, message: "filter row for a group /proc/net/igmp does not list (changed between reads)" });
  }

  let router: KernelRouter | null = null;
  if (t.ipMrVif !== null || t.ipMrCache !== null) {
    const vifs = t.ipMrVif === null ? null : parseProcNetIpMrVif(t.ipMrVif, opts);
    const mfc = t.ipMrCache === null ? null : parseProcNetIpMrCache(t.ipMrCache, opts);
    for (const p of [vifs, mfc]) if (p) problems.push(...p.problems);
    const byVif = new Map((vifs?.rows ?? []).map((v) => [v.vif, v.device]));
    const entries: KernelMfcEntry[] = (mfc?.rows ?? []).map((e) => ({
      ...e,
      iifDevice: byVif.get(e.iif) ?? null,
      oifs: e.oifs.map((o) => ({ ...o, device: byVif.get(o.vif) ?? null })),
    }));
    const all = num(t.sysctl, "net.ipv4.conf.all.mc_forwarding");
    router = {
      active: all === null ? null : all > 0,
      vifs: vifs?.rows ?? [],
      mfc: entries.filter((e) => !e.unresolved),
      unresolved: entries.filter((e) => e.unresolved),
    };
  }

  return {
    release: t.release ?? null,
    interfaces,
    sysctl,
    router,
    limits: { maxVifs: MAXVIFS, maxUnresolved: unresolvedLimitOf(t.release) },
    problems,
  };
}
