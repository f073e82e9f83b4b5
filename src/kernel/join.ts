/**
 * Wire and kernel side by side, for one LAN interface of a multicast router: per group, the membership a
 * router learns from IGMP on the wire (the monitor's snapshot) next to what the kernel forwards toward that
 * interface (the (S,G) entries with the interface's VIF among their outgoing VIFs, and their packets), with
 * the two disagreements users chase flagged:
 *
 * - `members-no-forwarding`: hosts on the LAN want (S,G), packets of (S,G) reach the router (the entry's
 *   count rises, or it waits unresolved), and the LAN's VIF is not among its outgoing VIFs;
 * - `forwarding-no-members`: packets of (S,G) go out toward the LAN while no host there wants them, after
 *   the membership left or expired (or was never seen in a whole membership interval of watching).
 *
 * Both hold only after `graceMs` (the daemon needs a moment to follow a join or a leave) and only while
 * packets flow. Pure and sans-IO: snapshots and times in, views and events out.
 */
import type { GroupSnapshot, MonitorSnapshot } from "../monitor/state.js";
import { ipv4ToNumber } from "../wire/address.js";
import type { KernelMfcEntry, KernelState } from "./state.js";

/** The two disagreements. */
export type SideBySideFlag = "members-no-forwarding" | "forwarding-no-members";

/** An (S,G) entry as it concerns the LAN. */
export interface SideBySideEntry {
  origin: string;
  iif: string | number;
  unresolved: boolean;
  /** The LAN's VIF is among the entry's outgoing VIFs. */
  towardLan: boolean;
  packets: number;
  /** Packets since the previous sample (null on the first). */
  packetsDelta: number | null;
  /** The wire's members want this source. */
  wanted: boolean;
  flag: SideBySideFlag | null;
}

/** One group, both halves. */
export interface SideBySideRow {
  group: string;
  /** The router's-eye membership from the wire; null when the LAN has no member. */
  wire: { mode: GroupSnapshot["filterMode"]; sources: { source: string; forwarding: boolean }[]; reporters: string[] } | null;
  /** The kernel's entries for the group (arriving from elsewhere, or going toward the LAN). */
  kernel: SideBySideEntry[];
}

/** The whole side-by-side view at one time. */
export interface SideBySide {
  interface: string;
  /** The interface's VIF; null when it is not a VIF (multicast routing does not use it). */
  vif: number | null;
  /** A daemon holds the mroute socket. */
  routingActive: boolean | null;
  rows: SideBySideRow[];
  /** Every flagged (S,G), for a quick look. */
  disagreements: { flag: SideBySideFlag; group: string; origin: string }[];
}

/** A flag rising or clearing. */
export interface SideBySideEvent {
  type: "kernel-disagreement" | "kernel-agreement";
  flag: SideBySideFlag;
  group: string;
  origin: string;
  /** ms, on the caller's clock. */
  timeMs: number;
}

const LINK_LOCAL = /^224\.0\.0\./;

/** Whether a membership forwards `source` (RFC 9776 §6.3: INCLUDE sources with timers; EXCLUDE all but blocked). */
export function wantsSource(g: Pick<GroupSnapshot, "filterMode" | "sources">, source: string): boolean {
  const s = g.sources.find((x) => x.source === source);
  return g.filterMode === "include" ? s?.forwarding === true : s === undefined || s.forwarding;
}

/**
 * The stateful part: it remembers since when each (S,G) has had members or none on the wire, and the
 * previous kernel sample for packet deltas. Feed it samples in time order with {@link update}.
 */
export class WireKernelJoin {
  private previous: KernelState | undefined;
  private startedMs: number | undefined;
  /** "origin group" -> since when the wire wanted it / did not. */
  private readonly wantedSince = new Map<string, { wanted: boolean; sinceMs: number; lostMs: number | null }>();
  private readonly raised = new Map<string, SideBySideFlag>();

  constructor(
    readonly iface: string,
    private readonly opts: { graceMs?: number } = {},
  ) {}

  /** One sample of both halves at `nowMs`: the view, and the flags that rose or cleared since the last one. */
  update(nowMs: number, wire: MonitorSnapshot, kernel: KernelState): { view: SideBySide; events: SideBySideEvent[] } {
    this.startedMs ??= nowMs;
    const grace = this.opts.graceMs ?? 3000;
    const gmiMs = wire.timers.groupMembershipInterval * 1000;
    const r = kernel.router;
    const vif = r?.vifs.find((v) => v.device === this.iface)?.vif ?? null;
    const prev = new Map([...(this.previous?.router?.mfc ?? []), ...(this.previous?.router?.unresolved ?? [])].map((e) => [`${e.origin} ${e.group}`, e]));
    const groups = new Map(wire.groups.filter((g) => !LINK_LOCAL.test(g.group)).map((g) => [g.group, g]));
    const entries = [...(r?.mfc ?? []), ...(r?.unresolved ?? [])].filter((e) => !LINK_LOCAL.test(e.group));
    const rows = new Map<string, SideBySideRow>();
    const row = (group: string): SideBySideRow => {
      let x = rows.get(group);
      if (!x) {
        const g = groups.get(group);
        x = { group, wire: g ? { mode: g.filterMode, sources: g.sources.map((s) => ({ source: s.source, forwarding: s.forwarding })), reporters: g.reporters } : null, kernel: [] };
        rows.set(group, x);
      }
      return x;
    };
    for (const g of groups.keys()) row(g);
    const disagreements: SideBySide["disagreements"] = [];
    const events: SideBySideEvent[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      const towardLan = vif !== null && e.oifs.some((o) => o.vif === vif);
      const fromLan = vif !== null && e.iif === vif;
      if (fromLan && !towardLan) continue; // a source on this LAN: its traffic is not the LAN's to receive
      const key = `${e.origin} ${e.group}`;
      const before = prev.get(key);
      const delta = before === undefined ? null : e.packets - before.packets;
      const g = groups.get(e.group);
      // A (*,G) entry stands for every source: wanted when anyone is a member.
      const wanted = g !== undefined && (e.origin === "0.0.0.0" || wantsSource(g, e.origin));
      const since = this.wantedSince.get(key);
      if (since === undefined) this.wantedSince.set(key, { wanted, sinceMs: nowMs, lostMs: null });
      else if (since.wanted !== wanted) this.wantedSince.set(key, { wanted, sinceMs: nowMs, lostMs: wanted ? null : nowMs });
      const w = this.wantedSince.get(key)!;
      const flowing = e.unresolved || (delta !== null && delta > 0);
      let flag: SideBySideFlag | null = null;
      if (e.origin !== "0.0.0.0" && flowing) {
        if (wanted && !towardLan && nowMs - w.sinceMs >= grace) flag = "members-no-forwarding";
        // No member after a leave or expiry seen on the wire, or after watching a whole membership interval.
        else if (!wanted && towardLan && ((w.lostMs !== null && nowMs - w.lostMs >= grace) || nowMs - this.startedMs >= gmiMs)) flag = "forwarding-no-members";
      }
      seen.add(key);
      if (flag) disagreements.push({ flag, group: e.group, origin: e.origin });
      const was = this.raised.get(key);
      if (was !== flag) {
        if (was) events.push({ type: "kernel-agreement", flag: was, group: e.group, origin: e.origin, timeMs: nowMs });
        if (flag) events.push({ type: "kernel-disagreement", flag, group: e.group, origin: e.origin, timeMs: nowMs });
        if (flag) this.raised.set(key, flag);
        else this.raised.delete(key);
      }
      if (towardLan || e.unresolved || (g !== undefined && !fromLan)) {
        row(e.group).kernel.push({ origin: e.origin, iif: entryIif(e), unresolved: e.unresolved, towardLan, packets: e.packets, packetsDelta: delta, wanted, flag });
      }
    }
    // An entry gone from the cache clears its flag.
    for (const [key, flag] of [...this.raised]) {
      if (seen.has(key)) continue;
      const [origin, group] = key.split(" ") as [string, string];
      events.push({ type: "kernel-agreement", flag, group, origin, timeMs: nowMs });
      this.raised.delete(key);
    }
    for (const key of [...this.wantedSince.keys()]) if (!seen.has(key)) this.wantedSince.delete(key);
    this.previous = kernel;
    const sorted = [...rows.values()].sort((a, b) => ipv4ToNumber(a.group) - ipv4ToNumber(b.group));
    return { view: { interface: this.iface, vif, routingActive: r?.active ?? null, rows: sorted, disagreements }, events };
  }
}

function entryIif(e: KernelMfcEntry): string | number {
  return e.unresolved ? "unresolved" : (e.iifDevice ?? e.iif);
}

