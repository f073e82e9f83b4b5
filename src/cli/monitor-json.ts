/**
 * `monitor --json`'s lines written directly: exactly `JSON.stringify(event)` for each {@link MonitorEvent},
 * and the snapshot's groups exactly as `JSON.stringify` of each {@link GroupSnapshot}, without building
 * those objects or walking them (at LAN scale 200,000 events and a 100,000-group snapshot, 43 MB, were a
 * third of the command's time). Events of the kinds a LAN sends by the thousand are written field by field
 * in the order the state machine builds them, the rest go to JSON.stringify; the groups are written as
 * bytes from {@link MonitorState.eachGroup}'s numbers. Held byte-equal by tests (test/cli/monitor-json.test.ts).
 *
 * Event strings are written between quotes as they are: every string field of those kinds is a dotted quad,
 * a time of digits, or one of the model's fixed words, none of which JSON escapes.
 */
import type { GroupView, MonitorEvent, MonitorState } from "../monitor/state.js";
import { bool, COMMA, enc, ipOf, lit, millis, uint } from "./ascii.js";

/** A number as JSON writes it (null when not finite). */
function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : "null";
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

const G = {
  group: enc('{"group":'),
  include: enc(',"filterMode":"include","groupTimer":'),
  exclude: enc(',"filterMode":"exclude","groupTimer":'),
  compat: enc(',"compatMode":'),
  v1: enc(',"v1HostTimer":'),
  v2: enc(',"v2HostTimer":'),
  last: enc(',"lastReporter":'),
  reporters: enc(',"reporters":['),
  sources: enc('],"sources":['),
  source: enc('{"source":'),
  timer: enc(',"timer":'),
  forwarding: enc(',"forwarding":'),
  end: enc("]}"),
  null: enc("null"),
};

/** Output chunk size, and the room past it: a group up to its reporters (about 220 bytes), or one reporter or source entry. */
const CHUNK = 1 << 16;
const ROOM = 512;

/**
 * The snapshot's groups as JSON, `g1,g2,...` (each exactly `JSON.stringify` of its `GroupSnapshot`),
 * written from {@link MonitorState.eachGroup}'s views straight into byte chunks handed to `write` (each a
 * new buffer): no object or string per group. Groups with many reporters or sources are split over chunks.
 */
export function writeGroupsJson(state: MonitorState, nowMs: number, write: (chunk: Uint8Array) => void): void {
  let out = new Uint8Array(CHUNK + ROOM);
  let d = new DataView(out.buffer);
  let p = 0;
  let first = true;
  const room = () => {
    if (p < CHUNK) return;
    write(out.subarray(0, p));
    out = new Uint8Array(CHUNK + ROOM);
    d = new DataView(out.buffer);
    p = 0;
  };
  const timer = (ms: number) => (p = ms < 0 ? lit(d, p, G.null) : millis(d, p, ms));
  state.eachGroup((v: GroupView) => {
    room();
    if (!first) d.setUint8(p++, COMMA);
    first = false;
    p = lit(d, p, G.group);
    p = ipOf(d, p, v.addr);
    p = lit(d, p, v.exclude ? G.exclude : G.include);
    timer(v.groupLeftMs);
    p = lit(d, p, G.compat);
    p = uint(d, p, v.compat);
    p = lit(d, p, G.v1);
    timer(v.v1HostLeftMs);
    p = lit(d, p, G.v2);
    timer(v.v2HostLeftMs);
    p = lit(d, p, G.last);
    p = v.lastReporter === null ? lit(d, p, G.null) : ipOf(d, p, v.lastReporter);
    p = lit(d, p, G.reporters);
    for (let i = 0; i < v.reporterCount; i++) {
      room();
      if (i > 0) d.setUint8(p++, COMMA);
      p = ipOf(d, p, v.reporters[i]!);
    }
    p = lit(d, p, G.sources);
    for (let i = 0; i < v.sourceCount; i++) {
      room();
      if (i > 0) d.setUint8(p++, COMMA);
      p = lit(d, p, G.source);
      p = ipOf(d, p, v.sourceAddr[i]!);
      p = lit(d, p, G.timer);
      p = millis(d, p, v.sourceLeftMs[i]!);
      p = lit(d, p, G.forwarding);
      p = bool(d, p, v.sourceForwarding[i] === 1);
      d.setUint8(p++, 0x7d);
    }
    p = lit(d, p, G.end);
  }, nowMs);
  if (p > 0) write(out.subarray(0, p));
}
