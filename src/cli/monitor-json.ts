/**
 * `monitor --json`'s lines written directly: exactly `JSON.stringify(event)` for each {@link MonitorEvent}
 * and `JSON.stringify(group)` for each {@link GroupSnapshot}, without JSON.stringify's generic walk over each
 * object (at LAN scale 200,000 events and a 100,000-group snapshot, a third of the command's time). The
 * kinds a LAN sends by the thousand are written field by field in the order the state machine builds them;
 * the rest go to JSON.stringify. Held byte-equal to it by tests (test/cli/monitor-json.test.ts).
 *
 * Strings are written between quotes as they are: every string field of these kinds is a dotted quad, a time
 * of digits, or one of the model's fixed words, none of which JSON escapes.
 */
import type { GroupSnapshot, MonitorEvent } from "../monitor/state.js";

/** A number as JSON writes it (null when not finite). */
function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : "null";
}

function numOrNull(n: number | null): string {
  return n === null ? "null" : num(n);
}

function strOrNull(s: string | null): string {
  return s === null ? "null" : `"${s}"`;
}

/** One event as its JSON Lines line (without the newline). */
export function eventJson(e: MonitorEvent): string {
  const head = `{"time":"${e.time}","frame":${e.frame === null ? "null" : num(e.frame)},"type":"${e.type}","group":"`;
  switch (e.type) {
    case "join":
    case "leave":
      return `${head}${e.group}","reporter":${strOrNull(e.reporter)},"version":${num(e.version)}}`;
    case "mode-change":
      return `${head}${e.group}","from":"${e.from}","to":"${e.to}"}`;
    case "expiry":
      return `${head}${e.group}","reason":"${e.reason}"}`;
    case "compat-change":
      return `${head}${e.group}","from":${num(e.from)},"to":${num(e.to)}}`;
    case "source-added":
      return `${head}${e.group}","source":"${e.source}","forwarding":${e.forwarding}}`;
    case "source-removed":
      return `${head}${e.group}","source":"${e.source}","reason":"${e.reason}"}`;
    case "source-blocked":
      return `${head}${e.group}","source":"${e.source}"}`;
    default:
      return JSON.stringify(e);
  }
}

/** One group of the snapshot as JSON. */
export function groupJson(g: GroupSnapshot): string {
  let out = `{"group":"${g.group}","filterMode":"${g.filterMode}","groupTimer":${numOrNull(g.groupTimer)},"compatMode":${num(g.compatMode)},"v1HostTimer":${numOrNull(g.v1HostTimer)},"v2HostTimer":${numOrNull(g.v2HostTimer)},"lastReporter":${strOrNull(g.lastReporter)},"reporters":[`;
  const r = g.reporters;
  for (let i = 0; i < r.length; i++) out += i === 0 ? `"${r[i]}"` : `,"${r[i]}"`;
  out += `],"sources":[`;
  const s = g.sources;
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    out += `${i === 0 ? "" : ","}{"source":"${x.source}","timer":${num(x.timer)},"forwarding":${x.forwarding}}`;
  }
  return `${out}]}`;
}
