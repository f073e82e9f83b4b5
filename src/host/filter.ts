/**
 * Source filters: the per-socket and per-interface reception state of RFC 9776 §3, and the merge of §3.2.
 */
import { ipv4ToNumber } from "../wire/index.js";

/** Filter mode of a reception state (RFC 9776 §3.1). */
export type FilterMode = "include" | "exclude";

/** A reception state: a filter mode and a source list. INCLUDE {} means "no reception state". */
export interface SourceFilter {
  mode: FilterMode;
  sources: ReadonlySet<string>;
}

/** A source filter as plain JSON, sources in numeric order. */
export interface SourceFilterJson {
  mode: FilterMode;
  sources: string[];
}

/** Sort addresses numerically (the order every record and JSON view uses). */
export function sortAddresses(a: Iterable<string>): string[] {
  return [...a].sort((x, y) => ipv4ToNumber(x) - ipv4ToNumber(y));
}

export function filterToJson(f: SourceFilter): SourceFilterJson {
  return { mode: f.mode, sources: sortAddresses(f.sources) };
}

/** True when the filter is INCLUDE {}: no reception state. */
export function isEmptyFilter(f: SourceFilter): boolean {
  return f.mode === "include" && f.sources.size === 0;
}

export function sameFilter(a: SourceFilter, b: SourceFilter): boolean {
  if (a.mode !== b.mode || a.sources.size !== b.sources.size) return false;
  for (const s of a.sources) if (!b.sources.has(s)) return false;
  return true;
}

/** Whether traffic from `source` passes the filter. */
export function passes(f: SourceFilter, source: string): boolean {
  return f.mode === "include" ? f.sources.has(source) : !f.sources.has(source);
}

/**
 * The interface state from the socket states (RFC 9776 §3.2): EXCLUDE if any socket excludes, with the
 * intersection of the EXCLUDE lists minus the union of the INCLUDE lists; otherwise INCLUDE with the union.
 */
export function mergeFilters(states: Iterable<SourceFilter>): SourceFilter {
  let excl: Set<string> | null = null;
  const incl = new Set<string>();
  for (const s of states) {
    if (s.mode === "exclude") {
      if (excl === null) excl = new Set(s.sources);
      else for (const x of excl) if (!s.sources.has(x)) excl.delete(x);
    } else {
      for (const x of s.sources) incl.add(x);
    }
  }
  if (excl !== null) {
    for (const x of incl) excl.delete(x);
    return { mode: "exclude", sources: excl };
  }
  return { mode: "include", sources: incl };
}
