/**
 * Findings from the kernel's multicast state: limits that show elsewhere only as an errno, and RPF failures.
 * Pure: one {@link KernelState} (and, for what rises between samples, the one before it) in, findings out.
 */
import type { KernelState } from "./state.js";

/** How much a finding matters: errors are failures now, warnings are close to one, info is context. */
export type KernelSeverity = "error" | "warning" | "info";

/** The rule ids, stable for scripts. */
export const KernelRule = {
  /** The VIF table holds MAXVIFS (32) VIFs: the daemon cannot add another interface (ENFILE). */
  vifTableFull: "vif-table-full",
  /** The VIF table holds 28 or more of 32. */
  vifsNearLimit: "vifs-near-limit",
  /** The unresolved queue is at the kernel's limit: packets of new (S,G) are dropped (ENOBUFS). */
  unresolvedFull: "unresolved-full",
  /** The unresolved queue is at 80% of the limit, or (kernels without a count limit) holds 10 or more entries. */
  unresolvedNearLimit: "unresolved-near-limit",
  /** An entry's wrong-interface count rose between two samples: packets arriving on another VIF than its iif. */
  rpfFailures: "rpf-failures",
  /** An entry has a non-zero wrong-interface count (one sample: when is not known). */
  rpfFailuresSeen: "rpf-failures-seen",
  /** A socket provably holds igmp_max_msf sources for a group: its next source fails with ENOBUFS. */
  sourceLimitReached: "source-limit-reached",
  /** Sockets hold at least igmp_max_memberships memberships in all: one socket may be at its limit. */
  membershipLimitPossible: "membership-limit-possible",
  /** VIFs exist but no daemon holds the mroute socket (or the reverse with no VIFs). */
  routingInactive: "routing-inactive",
  /** Something could not be read: the state is partial. */
  unreadable: "unreadable",
} as const;
export type KernelRuleId = (typeof KernelRule)[keyof typeof KernelRule];

/** One finding. */
export interface KernelFinding {
  rule: KernelRuleId;
  severity: KernelSeverity;
  message: string;
  interface?: string;
  group?: string;
  origin?: string;
  /** The value that triggered it and the limit it is compared against. */
  value?: number;
  limit?: number | null;
}

/** VIFs from this many up are "near" MAXVIFS. */
export const VIFS_NEAR = 28;
/** Unresolved entries from this many up are worth a warning on kernels without a count limit. */
export const UNRESOLVED_MANY = 10;

/**
 * Findings of one sample, and of what rose since `previous` (the sample before, from the same namespace).
 */
export function kernelFindings(state: KernelState, previous?: KernelState): KernelFinding[] {
  const out: KernelFinding[] = [];
  for (const p of state.problems) {
    out.push({ rule: KernelRule.unreadable, severity: "warning", message: `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}${p.text ? ` (${JSON.stringify(p.text)})` : ""}` });
  }

  const r = state.router;
  if (r) {
    const n = r.vifs.length;
    const max = state.limits.maxVifs;
    if (n >= max) out.push({ rule: KernelRule.vifTableFull, severity: "error", message: `the VIF table is full (${n} of ${max}): no further interface can be added to multicast routing`, value: n, limit: max });
    else if (n >= VIFS_NEAR) out.push({ rule: KernelRule.vifsNearLimit, severity: "warning", message: `${n} of ${max} VIFs in use`, value: n, limit: max });

    const u = r.unresolved.length;
    const umax = state.limits.maxUnresolved;
    if (umax !== null && u >= umax)
      out.push({ rule: KernelRule.unresolvedFull, severity: "error", message: `${u} unresolved entries, the kernel's limit: packets of any new (S,G) are dropped until one resolves or expires (10 s)`, value: u, limit: umax });
    else if (umax !== null && u >= Math.ceil(umax * 0.8))
      out.push({ rule: KernelRule.unresolvedNearLimit, severity: "warning", message: `${u} of ${umax} unresolved entries: the routing daemon is not resolving new (S,G)`, value: u, limit: umax });
    else if (umax === null && u >= UNRESOLVED_MANY)
      out.push({ rule: KernelRule.unresolvedNearLimit, severity: "warning", message: `${u} unresolved entries (this kernel has no count limit; before Linux 5.4 the limit was 10): the routing daemon is not resolving new (S,G)`, value: u, limit: null });

    if (r.active === false && n > 0)
      out.push({ rule: KernelRule.routingInactive, severity: "warning", message: `${n} VIFs but no routing daemon holds the mroute socket (conf.all.mc_forwarding is 0)`, value: n });

    const before = new Map((previous?.router?.mfc ?? []).map((e) => [`${e.origin} ${e.group}`, e]));
    for (const e of r.mfc) {
      if (e.wrongIf === 0) continue;
      const prev = before.get(`${e.origin} ${e.group}`);
      const where = `(${e.origin}, ${e.group})`;
      if (previous && prev && e.wrongIf > prev.wrongIf)
        out.push({ rule: KernelRule.rpfFailures, severity: "warning", origin: e.origin, group: e.group, message: `${where}: ${e.wrongIf - prev.wrongIf} packets on the wrong interface since the last sample (iif ${e.iifDevice ?? e.iif}): RPF failures`, value: e.wrongIf - prev.wrongIf });
      else if (!previous)
        out.push({ rule: KernelRule.rpfFailuresSeen, severity: "info", origin: e.origin, group: e.group, message: `${where}: ${e.wrongIf} packets arrived on the wrong interface (iif ${e.iifDevice ?? e.iif}) since the entry was made; --watch tells whether it rises`, value: e.wrongIf });
    }
  }

  const msf = state.sysctl.igmpMaxMsf;
  let memberships = 0;
  for (const i of state.interfaces) {
    for (const g of i.groups) {
      // The kernel holds 224.0.0.1 on every interface itself; everything else is a socket's.
      memberships += g.group === "224.0.0.1" ? Math.max(0, g.users - 1) : g.users;
      if (msf === null || g.filter.length === 0) continue;
      const refs = g.filter.reduce((a, s) => a + s.include + s.exclude, 0);
      // Pigeonhole: one of the `users` sockets holds at least ceil(refs / users) of the sources.
      const busiest = Math.ceil(refs / Math.max(1, g.users));
      if (busiest >= msf)
        out.push({ rule: KernelRule.sourceLimitReached, severity: "warning", interface: i.name, group: g.group, message: `${i.name} ${g.group}: a socket holds ${busiest} sources, igmp_max_msf is ${msf}: its next source fails with ENOBUFS`, value: busiest, limit: msf });
    }
  }
  const maxM = state.sysctl.igmpMaxMemberships;
  if (maxM !== null && memberships >= maxM)
    out.push({ rule: KernelRule.membershipLimitPossible, severity: "info", message: `sockets hold ${memberships} group memberships and igmp_max_memberships is ${maxM} per socket: a socket holding that many gets ENOBUFS on its next join (the kernel does not show which socket holds which group)`, value: memberships, limit: maxM });
  return out;
}
