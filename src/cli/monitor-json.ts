/**
 * `monitor --json`'s output written as bytes: each event exactly `JSON.stringify(event)` and a newline, and
 * the snapshot's groups exactly as `JSON.stringify` of each {@link GroupSnapshot}, without JSON.stringify's
 * walk over each object or a string per line (at LAN scale 200,000 events and a 100,000-group snapshot,
 * 43 MB, were a third of the command's time). Events are written from their fields, the groups from
 * {@link MonitorState.eachGroup}'s numbers. Held byte-equal by tests (test/cli/monitor-json.test.ts).
 */
import type { EventSink, FilterMode, GroupSnapshot, GroupView, MonitorEvent, MonitorState } from "../monitor/state.js";
import { bool, ByteChunks, COMMA, enc, ipOf, lit, millis, QUOTE, uint } from "./ascii.js";
import { numberToIPv4 } from "../wire/index.js";

/** Output chunk size, and the room past it: a group up to its reporters (about 220 bytes), one reporter or source entry, or an event line. */
const CHUNK = 1 << 16;
const ROOM = 512;

const E = {
  time: enc('{"time":"'),
  frame: enc('","frame":'),
  type: enc(',"type":"'),
  group: enc('","group":"'),
  reporter: enc('","reporter":'),
  version: enc(',"version":'),
  from: enc('","from":'),
  to: enc(',"to":'),
  reason: enc('","reason":"'),
  source: enc('","source":"'),
  forwarding: enc('","forwarding":'),
  null: enc("null"),
  include: enc('"include"'),
  exclude: enc('"exclude"'),
  // the type and the key after it, for the kinds a LAN sends by the thousand
  join: enc(',"type":"join","group":"'),
  leave: enc(',"type":"leave","group":"'),
  modeChange: enc(',"type":"mode-change","group":"'),
  // the ends of the sink's lines (EventSink), from the group's closing quote on: one literal each
  toExclude: enc('","from":"include","to":"exclude"}\n'),
  toInclude: enc('","from":"exclude","to":"include"}\n'),
  versions: [1, 2, 3].map((v) => enc(`,"version":${v}}\n`)),
};

/** Longer strings than this go to JSON.stringify (every string of the written kinds is far shorter). */
const MAX_STRING = 64;

/**
 * `s` as it is (no quotes): -1 when it is longer than {@link MAX_STRING} or has a character JSON would
 * escape or that is not ASCII (then the event goes to JSON.stringify).
 */
function ascii(d: DataView, p: number, s: string): number {
  const n = s.length;
  if (n > MAX_STRING) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    d.setUint8(p + i, c);
  }
  return p + n;
}

/** `"s"`, or -1 as {@link ascii}. */
function quoted(d: DataView, p: number, s: string): number {
  d.setUint8(p, QUOTE);
  p = ascii(d, p + 1, s);
  if (p < 0) return -1;
  d.setUint8(p, QUOTE);
  return p + 1;
}

/**
 * The last string written in one field and its bytes as 8-byte words: the same string again (the time of
 * every event of a frame, a group's join and mode change, a host's joins) is copied a word at a time, not
 * checked and stored a character at a time.
 */
class Recent {
  private s: string | null = null;
  private n = 0;
  private readonly words = new Float64Array(MAX_STRING / 8);

  /** `s` at `p` as {@link ascii} writes it: the position after it, or -1. */
  put(d: DataView, p: number, s: string): number {
    if (s === this.s) {
      const w = this.words;
      const k = (this.n + 7) >> 3;
      for (let i = 0; i < k; i++) d.setFloat64(p + 8 * i, w[i]!);
      return p + this.n;
    }
    const end = ascii(d, p, s);
    if (end < 0) return -1;
    // Read back as written: each word starts with a character of `s` (below 0x7f), so none is a NaN,
    // whose bits V8 might change; the bytes past `s` in the last word are overwritten by what follows.
    const k = (s.length + 7) >> 3;
    for (let i = 0; i < k; i++) this.words[i] = d.getFloat64(p + 8 * i);
    this.s = s;
    this.n = s.length;
    return end;
  }
}

/** `"include"` or `"exclude"` as literals, anything else as {@link quoted}. */
function filterMode(d: DataView, p: number, m: string): number {
  return m === "exclude" ? lit(d, p, E.exclude) : m === "include" ? lit(d, p, E.include) : quoted(d, p, m);
}

/** `}` and a newline at `p`: the position after them. */
function end(d: DataView, p: number): number {
  d.setUint8(p, 0x7d);
  d.setUint8(p + 1, 0x0a);
  return p + 2;
}

function smallUint(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * Events as JSON Lines, each exactly `JSON.stringify(event)` and a newline, written into byte chunks handed
 * to `sink` (each a new buffer; {@link flush} hands over the last one). The kinds a LAN sends by the
 * thousand are written field by field from the event, in the order the state machine builds them; the
 * rest, and anything unexpected in a field, go to JSON.stringify.
 */
export class EventLines extends ByteChunks implements EventSink {
  constructor(sink: (chunk: Uint8Array) => void) {
    super(sink, CHUNK + ROOM);
  }

  add(e: MonitorEvent): void {
    if (this.p >= CHUNK) this.flush();
    const p = this.direct(e, this.p);
    if (p >= 0) this.p = p;
    else this.addStringified(e);
  }

  event(e: MonitorEvent): void {
    this.add(e);
  }

  /** A join as {@link MonitorState} hands it over ({@link EventSink}): the line `direct` writes for its event. */
  join(time: string, frame: number | null, group: number, reporter: number, version: 1 | 2 | 3): void {
    if (this.p >= CHUNK) this.flush();
    const d = this.d;
    let p = this.head(d, this.p, time, frame);
    if (p < 0 || !(version >= 1 && version <= 3)) {
      this.addStringified({ time, frame, type: "join", group: numberToIPv4(group), reporter: numberToIPv4(reporter), version });
      return;
    }
    p = lit(d, p, E.join);
    p = ipOf(d, p - 1, group);
    p = lit(d, p - 1, E.reporter);
    p = ipOf(d, p, reporter);
    this.p = lit(d, p, E.versions[version - 1]!);
  }

  /** A mode change as {@link MonitorState} hands it over ({@link EventSink}). */
  modeChange(time: string, frame: number | null, group: number, from: FilterMode, to: FilterMode): void {
    if (this.p >= CHUNK) this.flush();
    const d = this.d;
    const p = this.head(d, this.p, time, frame);
    if (p < 0 || from === to) {
      this.addStringified({ time, frame, type: "mode-change", group: numberToIPv4(group), from, to });
      return;
    }
    this.p = lit(d, ipOf(d, lit(d, p, E.modeChange) - 1, group) - 1, to === "exclude" ? E.toExclude : E.toInclude);
  }

  /** `{"time":"…","frame":N` at `p`: the position after it, or -1 (as {@link direct}). */
  private head(d: DataView, p: number, time: string, frame: number | null): number {
    if (frame !== null && !smallUint(frame)) return -1;
    p = lit(d, p, E.time);
    if ((p = this.time.put(d, p, time)) < 0) return -1;
    p = lit(d, p, E.frame);
    return frame === null ? lit(d, p, E.null) : uint(d, p, frame);
  }

  private addStringified(e: MonitorEvent): void {
    const b = Buffer.from(`${JSON.stringify(e)}\n`);
    if (this.p + b.length > this.out.length) this.flush();
    if (b.length > CHUNK) this.sink(b);
    else {
      this.out.set(b, this.p);
      this.p += b.length;
    }
  }

  private readonly time = new Recent();
  private readonly group = new Recent();
  private readonly reporter = new Recent();

  /** The line of `e` at `p`: the position after it, or -1 when `e` is for JSON.stringify. */
  private direct(e: MonitorEvent, p: number): number {
    const d = this.d;
    if ((p = this.head(d, p, e.time, e.frame)) < 0) return -1;
    switch (e.type) {
      case "join":
      case "leave":
        if (!smallUint(e.version)) return -1;
        p = lit(d, p, e.type === "join" ? E.join : E.leave);
        if ((p = this.group.put(d, p, e.group)) < 0) return -1;
        p = lit(d, p, E.reporter);
        if (e.reporter === null) p = lit(d, p, E.null);
        else {
          d.setUint8(p, QUOTE);
          if ((p = this.reporter.put(d, p + 1, e.reporter)) < 0) return -1;
          d.setUint8(p++, QUOTE);
        }
        p = lit(d, p, E.version);
        p = uint(d, p, e.version);
        break;
      case "mode-change":
        p = lit(d, p, E.modeChange);
        if ((p = this.group.put(d, p, e.group)) < 0) return -1;
        p = lit(d, p, E.from);
        if ((p = filterMode(d, p, e.from)) < 0) return -1;
        p = lit(d, p, E.to);
        if ((p = filterMode(d, p, e.to)) < 0) return -1;
        break;
      default:
        p = lit(d, p, E.type);
        if ((p = ascii(d, p, e.type)) < 0) return -1;
        return this.rare(e, d, p);
    }
    return end(d, p);
  }

  /** The rest of the line of an event of the other kinds {@link direct} writes, from its group on. */
  private rare(e: MonitorEvent, d: DataView, p: number): number {
    switch (e.type) {
      case "compat-change":
        if (!smallUint(e.from) || !smallUint(e.to)) return -1;
        p = lit(d, p, E.group);
        if ((p = ascii(d, p, e.group)) < 0) return -1;
        p = lit(d, p, E.from);
        p = uint(d, p, e.from);
        p = lit(d, p, E.to);
        p = uint(d, p, e.to);
        break;
      case "expiry":
        p = lit(d, p, E.group);
        if ((p = ascii(d, p, e.group)) < 0) return -1;
        p = lit(d, p, E.reason);
        if ((p = ascii(d, p, e.reason)) < 0) return -1;
        d.setUint8(p++, QUOTE);
        break;
      case "source-added":
      case "source-removed":
      case "source-blocked":
        p = lit(d, p, E.group);
        if ((p = ascii(d, p, e.group)) < 0) return -1;
        p = lit(d, p, E.source);
        if ((p = ascii(d, p, e.source)) < 0) return -1;
        if (e.type === "source-added") {
          p = lit(d, p, E.forwarding);
          p = bool(d, p, e.forwarding);
        } else if (e.type === "source-removed") {
          p = lit(d, p, E.reason);
          if ((p = ascii(d, p, e.reason)) < 0) return -1;
          d.setUint8(p++, QUOTE);
        } else d.setUint8(p++, QUOTE);
        break;
      default:
        return -1;
    }
    return end(d, p);
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
  // what most groups of a LAN have, in one literal each: IGMPv3 hosts only, no sources
  v3Only: enc(',"compatMode":3,"v1HostTimer":null,"v2HostTimer":null,"lastReporter":'),
  noSources: enc('],"sources":[]}'),
};

/**
 * A chunk to write into: not zeroed (only the bytes written are handed over; at 100,000 groups the chunks of
 * 43 MB of output were zeroed for nothing), as {@link ByteChunks}' are. (The snapshot's writer keeps its
 * chunk in a closure rather than in a ByteChunks: as a class it took about a tenth more CPU at 100,000 groups.)
 */
function newChunk(): Uint8Array {
  return Buffer.allocUnsafe(CHUNK + ROOM);
}

/**
 * The snapshot's groups as JSON, `g1,g2,...` (each exactly `JSON.stringify` of its {@link GroupSnapshot}),
 * written from {@link MonitorState.eachGroup}'s views straight into byte chunks handed to `write` (each a
 * new buffer): no object or string per group. Groups with many reporters or sources are split over chunks.
 */
export function writeGroupsJson(state: MonitorState, nowMs: number, write: (chunk: Uint8Array) => void): void {
  let out = newChunk();
  let d = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let p = 0;
  let first = true;
  const room = () => {
    if (p < CHUNK) return;
    write(out.subarray(0, p));
    out = newChunk();
    d = new DataView(out.buffer, out.byteOffset, out.byteLength);
    p = 0;
  };
  const timer = (ms: number) => (p = ms < 0 ? lit(d, p, G.null) : millis(d, p, ms));
  // (addresses as signed 32-bit numbers, small integers to the engine, as the event lines' are: unsigned,
  // those above 2^31 are doubles, and ipOf compiled for one form went back to the interpreter for the other)
  state.eachGroup((v: GroupView) => {
    room();
    if (!first) d.setUint8(p++, COMMA);
    first = false;
    p = lit(d, p, G.group);
    p = ipOf(d, p, v.addr | 0);
    p = lit(d, p, v.exclude ? G.exclude : G.include);
    timer(v.groupLeftMs);
    if (v.compat === 3 && v.v1HostLeftMs < 0 && v.v2HostLeftMs < 0) p = lit(d, p, G.v3Only);
    else {
      p = lit(d, p, G.compat);
      p = uint(d, p, v.compat);
      p = lit(d, p, G.v1);
      timer(v.v1HostLeftMs);
      p = lit(d, p, G.v2);
      timer(v.v2HostLeftMs);
      p = lit(d, p, G.last);
    }
    p = v.lastReporter === null ? lit(d, p, G.null) : ipOf(d, p, v.lastReporter | 0);
    p = lit(d, p, G.reporters);
    for (let i = 0; i < v.reporterCount; i++) {
      room();
      if (i > 0) d.setUint8(p++, COMMA);
      p = ipOf(d, p, v.reporters[i]! | 0);
    }
    if (v.sourceCount === 0) {
      p = lit(d, p, G.noSources);
      return;
    }
    p = lit(d, p, G.sources);
    for (let i = 0; i < v.sourceCount; i++) {
      room();
      if (i > 0) d.setUint8(p++, COMMA);
      p = lit(d, p, G.source);
      p = ipOf(d, p, v.sourceAddr[i]! | 0);
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
