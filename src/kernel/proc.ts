/**
 * Parsers of the Linux kernel's multicast tables in /proc/net: pure functions, text in, values out.
 *
 * Each parser keeps every row it can read and lists the lines it cannot as {@link KernelProblem}s (with the
 * file, line number and text), so a damaged or unexpected file loses nothing already read and never looks
 * clean. The formats are the kernel's `seq_printf` formats (net/ipv4/igmp.c, net/ipv4/ipmr.c,
 * net/core/dev_addr_lists.c), stable since Linux 2.6:
 *
 * ```
 * /proc/net/igmp       "%d\t%-10s: %5d %7s\n" ifindex, name, mc_count, "V1"|"V2"|"V3"   (once per interface)
 *                      "\t\t\t\t%08X %5d %d:%08lX\t\t%d\n" group, users, timer running, ticks, reporter
 * /proc/net/mcfilter   "%3d %6.6s 0x%08x 0x%08x %6lu %6lu\n" ifindex, name, group, source, INC, EXC
 * /proc/net/dev_mcast  "%-4d %-15s %-5d %-5d %*phN\n" ifindex, name, refcount, global_use, address
 * /proc/net/ip_mr_vif  "%2td %-10s %8ld %7ld  %8ld %7ld %05X %08X %08X\n" vif, name, bytes/pkts in/out,
 *                      flags, local, remote
 * /proc/net/ip_mr_cache "%08X %08X %-3hd" group, origin, iif; " %8lu %8lu %8lu" pkts, bytes, wrong_if;
 *                      " %2d:%-3d" per outgoing VIF and its TTL threshold
 * ```
 *
 * Byte order: igmp, ip_mr_vif and ip_mr_cache print the network-order address word with `%08X` as the CPU
 * holds it, so the hex reads reversed on little-endian machines (x86, arm64): `010000E0` is 224.0.0.1.
 * mcfilter converts with `ntohl` first and reads in network order everywhere. The parsers take the
 * machine's byte order as an option (the I/O layer passes `os.endianness()`), little-endian by default.
 */

/** The CPU byte order of the kernel that printed the text. */
export type ByteOrder = "LE" | "BE";

/** Options of the parsers that read host-order address words. */
export interface ProcParseOptions {
  /** Default "LE". */
  byteOrder?: ByteOrder;
}

/** A line a parser could not read: kept, with where it was and why. */
export interface KernelProblem {
  /** The file, e.g. "/proc/net/igmp". */
  file: string;
  /** 1-based line number; 0 for a problem with the whole file (missing, unreadable). */
  line: number;
  text: string;
  message: string;
}

/** What every parser returns: the rows it read and the lines it could not. */
export interface Parsed<T> {
  rows: T[];
  problems: KernelProblem[];
}

/** Kernel clock ticks as seen from user space (USER_HZ, 100 on every Linux architecture's ABI). */
export const USER_HZ = 100;

/** The kernel's MAXVIFS: VIF indexes 0..31 (include/uapi/linux/mroute.h). */
export const MAXVIFS = 32;

/** VIF flags (include/uapi/linux/mroute.h), by name. */
export const VifFlag = {
  tunnel: 0x1,
  srcrt: 0x2,
  register: 0x4,
  useIfindex: 0x8,
} as const;
export type VifFlagName = keyof typeof VifFlag;

const HEX8 = /^[0-9A-Fa-f]{8}$/;

/** An address word printed with `%08X` in the given CPU byte order, as a dotted quad. */
export function hostHexToIPv4(hex: string, byteOrder: ByteOrder = "LE"): string {
  const n = parseInt(hex, 16);
  const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return (byteOrder === "LE" ? b.reverse() : b).join(".");
}

/** A network-order `0x%08x` word (mcfilter) as a dotted quad. */
export function netHexToIPv4(hex: string): string {
  const n = parseInt(hex.replace(/^0x/i, ""), 16);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function lines(text: string): string[] {
  const out = text.split("\n");
  if (out.at(-1) === "") out.pop();
  return out;
}

function problem(file: string, line: number, text: string, message: string): KernelProblem {
  return { file, line, text, message };
}

/** Check the header line; a wrong one is a problem, but the rows are still read. */
function header(file: string, all: string[], want: RegExp, problems: KernelProblem[]): void {
  const first = all[0];
  if (first === undefined) problems.push(problem(file, 0, "", "empty file: no header line"));
  else if (!want.test(first)) problems.push(problem(file, 1, first, "unexpected header line: columns may differ from this kernel's format"));
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/igmp

/** One interface block of /proc/net/igmp. */
export interface ProcIgmpInterface {
  index: number;
  device: string;
  /** mc_count: how many groups the interface holds. */
  count: number;
  /**
   * The IGMP version the interface runs now: "V1" when forced to 1 or a v1 querier was heard within the
   * Older Version Querier Present Timeout, "V2" likewise for v2, else "V3" ("NONE" without
   * CONFIG_IP_MULTICAST).
   */
  version: string;
  groups: ProcIgmpGroup[];
}

/** One group row of /proc/net/igmp. */
export interface ProcIgmpGroup {
  group: string;
  /** Sockets (and kernel users, such as the interface's own 224.0.0.1) holding the group. */
  users: number;
  /** A report timer is running (a delayed answer to a query, or a v1/v2 unsolicited repeat). */
  timerRunning: boolean;
  /** Time left on it in clock ticks (1/100 s); 0 when not running. */
  timerTicks: number;
  /** This host sent the last v1/v2 report for the group (so it sends the v2 Leave). */
  reporter: boolean;
}

const IGMP_HEADER = /^Idx\s+Device\s*:\s*Count\s+Querier\s+Group\s+Users\s+Timer\s+Reporter\s*$/;
const IGMP_IFACE = /^(\d+)\t(\S+)\s*:\s*(\d+)\s+(\S+)\s*$/;
const IGMP_GROUP = /^\t+([0-9A-Fa-f]{8})\s+(\d+)\s+([01]):([0-9A-Fa-f]+)\s+(\d+)\s*$/;

/** Parse /proc/net/igmp. */
export function parseProcNetIgmp(text: string, opts: ProcParseOptions = {}): Parsed<ProcIgmpInterface> {
  const file = "/proc/net/igmp";
  const all = lines(text);
  const problems: KernelProblem[] = [];
  header(file, all, IGMP_HEADER, problems);
  const rows: ProcIgmpInterface[] = [];
  let cur: ProcIgmpInterface | undefined;
  all.forEach((l, i) => {
    if (i === 0) return;
    const d = IGMP_IFACE.exec(l);
    if (d) {
      cur = { index: Number(d[1]), device: d[2]!, count: Number(d[3]), version: d[4]!, groups: [] };
      rows.push(cur);
      return;
    }
    const g = IGMP_GROUP.exec(l);
    if (g && cur) {
      cur.groups.push({
        group: hostHexToIPv4(g[1]!, opts.byteOrder),
        users: Number(g[2]),
        timerRunning: g[3] === "1",
        timerTicks: parseInt(g[4]!, 16),
        reporter: g[5] !== "0",
      });
      return;
    }
    problems.push(problem(file, i + 1, l, g ? "group row before any interface line" : "not an interface line nor a group row"));
  });
  for (const r of rows) {
    if (r.count !== r.groups.length)
      problems.push(problem(file, 0, "", `${r.device}: Count says ${r.count} groups, ${r.groups.length} rows follow (the table changed while it was read)`));
  }
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/mcfilter

/** One row of /proc/net/mcfilter: a source in an interface's filter for a group. */
export interface ProcMcfilterRow {
  index: number;
  /** At most 6 characters: the kernel prints the name with %6.6s. */
  device: string;
  group: string;
  source: string;
  /** Sockets in INCLUDE mode for the group that include this source. */
  include: number;
  /** Sockets in EXCLUDE mode for the group that exclude (block) this source. */
  exclude: number;
}

const MCF_HEADER = /^Idx\s+Device\s+MCA\s+SRC\s+INC\s+EXC\s*$/;
const MCF_ROW = /^\s*(\d+)\s+(\S{1,6})\s+(0x[0-9a-fA-F]{8})\s+(0x[0-9a-fA-F]{8})\s+(\d+)\s+(\d+)\s*$/;

/** Parse /proc/net/mcfilter. */
export function parseProcNetMcfilter(text: string): Parsed<ProcMcfilterRow> {
  const file = "/proc/net/mcfilter";
  const all = lines(text);
  const problems: KernelProblem[] = [];
  header(file, all, MCF_HEADER, problems);
  const rows: ProcMcfilterRow[] = [];
  all.forEach((l, i) => {
    if (i === 0) return;
    const m = MCF_ROW.exec(l);
    if (!m) {
      problems.push(problem(file, i + 1, l, "not a filter row (ifindex device group source inc exc)"));
      return;
    }
    rows.push({
      index: Number(m[1]),
      device: m[2]!,
      group: netHexToIPv4(m[3]!),
      source: netHexToIPv4(m[4]!),
      include: Number(m[5]),
      exclude: Number(m[6]),
    });
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/dev_mcast

/** One link-layer multicast address of an interface. */
export interface ProcDevMcastRow {
  index: number;
  device: string;
  /** How many times the address was added (refcount). */
  users: number;
  /** Added through the global (dev_mc_add_global) path. */
  global: number;
  /** Colon-separated lowercase hex, e.g. "01:00:5e:3c:01:01". */
  address: string;
}

const DEVMC_ROW = /^(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+([0-9a-fA-F]*)\s*$/;

/** Parse /proc/net/dev_mcast (it has no header line). */
export function parseProcNetDevMcast(text: string): Parsed<ProcDevMcastRow> {
  const file = "/proc/net/dev_mcast";
  const problems: KernelProblem[] = [];
  const rows: ProcDevMcastRow[] = [];
  lines(text).forEach((l, i) => {
    const m = DEVMC_ROW.exec(l);
    if (!m || m[5]!.length % 2 !== 0) {
      problems.push(problem(file, i + 1, l, "not an address row (ifindex device refcount global address)"));
      return;
    }
    rows.push({
      index: Number(m[1]),
      device: m[2]!,
      users: Number(m[3]),
      global: Number(m[4]),
      address: (m[5]!.toLowerCase().match(/../g) ?? []).join(":"),
    });
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/ip_mr_vif

/** One virtual interface of the multicast routing table. */
export interface ProcVif {
  vif: number;
  device: string;
  bytesIn: number;
  packetsIn: number;
  bytesOut: number;
  packetsOut: number;
  flags: number;
  /** Names of the flags set (`register` is the PIM register VIF, `useIfindex` a VIF bound by ifindex). */
  flagNames: VifFlagName[];
  /** The local address; null when the VIF is bound by ifindex (then {@link localIfindex}). */
  local: string | null;
  /** With VIFF_USE_IFINDEX the Local column holds the interface index, not an address. */
  localIfindex: number | null;
  /** Tunnel remote end (0.0.0.0 for other VIFs). */
  remote: string;
}

const VIF_HEADER = /^Interface\s+BytesIn\s+PktsIn\s+BytesOut\s+PktsOut\s+Flags\s+Local\s+Remote\s*$/;
const VIF_ROW = /^\s*(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9A-Fa-f]{5,})\s+([0-9A-Fa-f]{8})\s+([0-9A-Fa-f]{8})\s*$/;

/** Parse /proc/net/ip_mr_vif. */
export function parseProcNetIpMrVif(text: string, opts: ProcParseOptions = {}): Parsed<ProcVif> {
  const file = "/proc/net/ip_mr_vif";
  const all = lines(text);
  const problems: KernelProblem[] = [];
  header(file, all, VIF_HEADER, problems);
  const rows: ProcVif[] = [];
  all.forEach((l, i) => {
    if (i === 0) return;
    const m = VIF_ROW.exec(l);
    if (!m) {
      problems.push(problem(file, i + 1, l, "not a VIF row (vif device bytes/packets in/out flags local remote)"));
      return;
    }
    const flags = parseInt(m[7]!, 16);
    const byIfindex = (flags & VifFlag.useIfindex) !== 0;
    rows.push({
      vif: Number(m[1]),
      device: m[2]!,
      bytesIn: Number(m[3]),
      packetsIn: Number(m[4]),
      bytesOut: Number(m[5]),
      packetsOut: Number(m[6]),
      flags,
      flagNames: (Object.keys(VifFlag) as VifFlagName[]).filter((k) => (flags & VifFlag[k]) !== 0),
      // vifc_lcl_ifindex shares a union with the local address; as an int it prints in plain hex.
      local: byIfindex ? null : hostHexToIPv4(m[8]!, opts.byteOrder),
      localIfindex: byIfindex ? parseInt(m[8]!, 16) : null,
      remote: hostHexToIPv4(m[9]!, opts.byteOrder),
    });
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// /proc/net/ip_mr_cache

/** An outgoing VIF of a forwarding cache entry and its TTL threshold. */
export interface MfcOif {
  vif: number;
  /** Packets leave on this VIF only with an IP TTL above this (1 for every VIF pimd adds). */
  ttl: number;
}

/** One row of the multicast forwarding cache. */
export interface ProcMfcEntry {
  group: string;
  /** The source; 0.0.0.0 for a (*,G) entry. */
  origin: string;
  /** The incoming VIF; -1 for an unresolved entry (waiting for the routing daemon). */
  iif: number;
  /** Still in the unresolved queue: no route yet, packets queued (at most a few) until it is resolved or expires. */
  unresolved: boolean;
  packets: number;
  bytes: number;
  /** Packets of this (S,G) that arrived on another VIF than {@link iif}: RPF failures. */
  wrongIf: number;
  oifs: MfcOif[];
}

const MFC_HEADER = /^Group\s+Origin\s+Iif\s+Pkts\s+Bytes\s+Wrong\s+Oifs\s*$/;
const MFC_ROW = /^([0-9A-Fa-f]{8})\s+([0-9A-Fa-f]{8})\s+(-?\d+)\s+(\d+)\s+(\d+)\s+(\d+)((?:\s+\d+:\d+)*)\s*$/;

/** Parse /proc/net/ip_mr_cache (resolved entries first, then the unresolved queue, as the kernel lists them). */
export function parseProcNetIpMrCache(text: string, opts: ProcParseOptions = {}): Parsed<ProcMfcEntry> {
  const file = "/proc/net/ip_mr_cache";
  const all = lines(text);
  const problems: KernelProblem[] = [];
  header(file, all, MFC_HEADER, problems);
  const rows: ProcMfcEntry[] = [];
  all.forEach((l, i) => {
    if (i === 0) return;
    const m = MFC_ROW.exec(l);
    if (!m || !HEX8.test(m[1]!)) {
      problems.push(problem(file, i + 1, l, "not a cache row (group origin iif packets bytes wrong oifs)"));
      return;
    }
    const iif = Number(m[3]);
    rows.push({
      group: hostHexToIPv4(m[1]!, opts.byteOrder),
      origin: hostHexToIPv4(m[2]!, opts.byteOrder),
      iif,
      // A resolved entry's parent is a VIF index (MRT_ADD_MFC refuses >= MAXVIFS); the kernel sets the
      // unresolved ones' to -1 and prints zero counters and no oifs for them.
      unresolved: iif < 0,
      packets: Number(m[4]),
      bytes: Number(m[5]),
      wrongIf: Number(m[6]),
      oifs: (m[7]!.match(/\d+:\d+/g) ?? []).map((p) => {
        const [v, t] = p.split(":");
        return { vif: Number(v), ttl: Number(t) };
      }),
    });
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------------
// sysctl

/**
 * `sysctl` output ("net.ipv4.igmp_qrv = 2" lines) as a map of dotted keys; lines that are not
 * "key = value" are problems. The I/O layer reads /proc/sys directly into the same map.
 */
export function parseSysctlText(text: string): { values: Map<string, string>; problems: KernelProblem[] } {
  const values = new Map<string, string>();
  const problems: KernelProblem[] = [];
  lines(text).forEach((l, i) => {
    const m = /^([\w.-]+)\s*=\s*(.*)$/.exec(l);
    if (m) values.set(m[1]!, m[2]!.trim());
    else if (l.trim() !== "") problems.push(problem("sysctl", i + 1, l, "not a key = value line"));
  });
  return { values, problems };
}
