/**
 * What changed between two samples of the kernel's state, as events (`igmpkit kernel --watch`). Pure.
 */
import { kernelFindings, type KernelFinding } from "./findings.js";
import type { KernelGroup, KernelMfcEntry, KernelState } from "./state.js";

/** One change. `type` names it; the other fields say where and what. */
export type KernelEvent =
  | { type: "group-joined"; interface: string; group: string; users: number; mode: KernelGroup["mode"]; sources: string[] | null }
  | { type: "group-left"; interface: string; group: string }
  | { type: "users-changed"; interface: string; group: string; from: number; to: number }
  | { type: "filter-changed"; interface: string; group: string; mode: KernelGroup["mode"]; sources: string[] | null; filter: KernelGroup["filter"] }
  | { type: "version-changed"; interface: string; from: string; to: string; querierPresent: string }
  | { type: "interface-added"; interface: string }
  | { type: "interface-removed"; interface: string }
  | { type: "routing-changed"; active: boolean | null }
  | { type: "vif-added"; vif: number; device: string }
  | { type: "vif-removed"; vif: number; device: string }
  | { type: "mfc-added"; origin: string; group: string; iif: string | number; oifs: string[]; unresolved: boolean }
  | { type: "mfc-removed"; origin: string; group: string; unresolved: boolean }
  | { type: "mfc-resolved"; origin: string; group: string; iif: string | number; oifs: string[] }
  | { type: "mfc-changed"; origin: string; group: string; iif: string | number; oifs: string[]; fromIif: string | number; fromOifs: string[] }
  | { type: "forwarding-started"; origin: string; group: string; packets: number }
  | { type: "forwarding-stopped"; origin: string; group: string; packets: number }
  | { type: "wrong-if-rising"; origin: string; group: string; delta: number; wrongIf: number }
  | { type: "finding-raised"; finding: KernelFinding }
  | { type: "finding-cleared"; finding: KernelFinding };

const oifNames = (e: KernelMfcEntry) => e.oifs.map((o) => o.device ?? String(o.vif));
const iifName = (e: KernelMfcEntry) => e.iifDevice ?? e.iif;
const sameList = (a: readonly unknown[] | null, b: readonly unknown[] | null) => JSON.stringify(a) === JSON.stringify(b);
const findingKey = (f: KernelFinding) => `${f.rule} ${f.interface ?? ""} ${f.group ?? ""} ${f.origin ?? ""}`;

/**
 * The events that lead from `before` to `after`. `forwarding-started` / `-stopped` compare the packet
 * counts of an entry across this pair and the pair before (`wasForwarding`: the entries whose count rose
 * then, keyed "origin group"), so a steady flow gives one event, not one per sample.
 */
export function kernelDiff(before: KernelState, after: KernelState, wasForwarding: ReadonlySet<string> = new Set()): { events: KernelEvent[]; forwarding: Set<string> } {
  const events: KernelEvent[] = [];
  const ifBefore = new Map(before.interfaces.map((i) => [i.name, i]));
  const ifAfter = new Map(after.interfaces.map((i) => [i.name, i]));
  for (const [name, a] of ifAfter) {
    const b = ifBefore.get(name);
    if (!b) events.push({ type: "interface-added", interface: name });
    if (b && b.version !== a.version) events.push({ type: "version-changed", interface: name, from: b.version, to: a.version, querierPresent: a.querierPresent });
    const gb = new Map((b?.groups ?? []).map((g) => [g.group, g]));
    for (const g of a.groups) {
      const old = gb.get(g.group);
      if (!old) {
        events.push({ type: "group-joined", interface: name, group: g.group, users: g.users, mode: g.mode, sources: g.sources });
        continue;
      }
      if (old.users !== g.users) events.push({ type: "users-changed", interface: name, group: g.group, from: old.users, to: g.users });
      if (old.mode !== g.mode || !sameList(old.sources, g.sources) || !sameList(old.filter, g.filter))
        events.push({ type: "filter-changed", interface: name, group: g.group, mode: g.mode, sources: g.sources, filter: g.filter });
    }
    const ga = new Set(a.groups.map((g) => g.group));
    for (const g of b?.groups ?? []) if (!ga.has(g.group)) events.push({ type: "group-left", interface: name, group: g.group });
  }
  for (const name of ifBefore.keys()) if (!ifAfter.has(name)) events.push({ type: "interface-removed", interface: name });

  const rb = before.router;
  const ra = after.router;
  if ((rb?.active ?? null) !== (ra?.active ?? null)) events.push({ type: "routing-changed", active: ra?.active ?? null });
  const vb = new Map((rb?.vifs ?? []).map((v) => [`${v.vif} ${v.device}`, v]));
  const va = new Map((ra?.vifs ?? []).map((v) => [`${v.vif} ${v.device}`, v]));
  for (const [k, v] of va) if (!vb.has(k)) events.push({ type: "vif-added", vif: v.vif, device: v.device });
  for (const [k, v] of vb) if (!va.has(k)) events.push({ type: "vif-removed", vif: v.vif, device: v.device });

  const forwarding = new Set<string>();
  const eb = new Map([...(rb?.mfc ?? []), ...(rb?.unresolved ?? [])].map((e) => [`${e.origin} ${e.group}`, e]));
  const ea = new Map([...(ra?.mfc ?? []), ...(ra?.unresolved ?? [])].map((e) => [`${e.origin} ${e.group}`, e]));
  for (const [k, e] of ea) {
    const old = eb.get(k);
    if (!old) {
      events.push({ type: "mfc-added", origin: e.origin, group: e.group, iif: iifName(e), oifs: oifNames(e), unresolved: e.unresolved });
      if (e.packets > 0) forwarding.add(k);
      continue;
    }
    if (old.unresolved && !e.unresolved) events.push({ type: "mfc-resolved", origin: e.origin, group: e.group, iif: iifName(e), oifs: oifNames(e) });
    else if (old.iif !== e.iif || !sameList(oifNames(old), oifNames(e)))
      events.push({ type: "mfc-changed", origin: e.origin, group: e.group, iif: iifName(e), oifs: oifNames(e), fromIif: iifName(old), fromOifs: oifNames(old) });
    if (e.packets > old.packets) forwarding.add(k);
    if (e.wrongIf > old.wrongIf) events.push({ type: "wrong-if-rising", origin: e.origin, group: e.group, delta: e.wrongIf - old.wrongIf, wrongIf: e.wrongIf });
  }
  for (const [k, e] of eb) if (!ea.has(k)) events.push({ type: "mfc-removed", origin: e.origin, group: e.group, unresolved: e.unresolved });
  for (const k of forwarding) {
    if (wasForwarding.has(k)) continue;
    const e = ea.get(k)!;
    events.push({ type: "forwarding-started", origin: e.origin, group: e.group, packets: e.packets });
  }
  for (const k of wasForwarding) {
    const e = ea.get(k);
    if (e && !forwarding.has(k)) events.push({ type: "forwarding-stopped", origin: e.origin, group: e.group, packets: e.packets });
  }

  // Standing conditions (limits, unreadable files) rise and clear; RPF failures are the wrong-if-rising events.
  const standing = (s: KernelState) => new Map(kernelFindings(s).filter((f) => !f.rule.startsWith("rpf-")).map((f) => [findingKey(f), f]));
  const fb = standing(before);
  const fa = standing(after);
  for (const [k, f] of fa) if (!fb.has(k)) events.push({ type: "finding-raised", finding: f });
  for (const [k, f] of fb) if (!fa.has(k)) events.push({ type: "finding-cleared", finding: f });
  return { events, forwarding };
}
