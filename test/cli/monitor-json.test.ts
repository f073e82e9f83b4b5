// `monitor --json`'s direct writers (src/cli/monitor-json.ts) against JSON.stringify: every event and every
// snapshot group of random streams (every record type, sources, v1/v2 reports, leaves, queries, timers
// running out) and of the real captures in fixtures/.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCapture } from "../../src/capture/read.js";
import { EventLines, writeGroupsJson } from "../../src/cli/monitor-json.js";
import { MonitorState, type MonitorEvent } from "../../src/monitor/state.js";
import { leave, v1Report, v2Report, v3Query, v3Report, type IgmpMessageInit } from "../../src/wire/index.js";
import { frames, ms, type At } from "../monitor/helpers.js";

const GROUPS = ["239.1.1.1", "239.1.1.2", "224.0.0.22", "232.1.1.1"];
const HOSTS = ["198.18.0.2", "198.18.0.3", "198.18.0.4"];
const SOURCES = ["10.0.0.1", "10.0.0.2", "192.0.2.200"];
const RECORDS = ["MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"] as const;

const group = fc.constantFrom(...GROUPS);
const host = fc.constantFrom(...HOSTS);
const sources = fc.subarray(SOURCES);
const message: fc.Arbitrary<{ src: string; message: IgmpMessageInit }> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ src: host, records: fc.array(fc.record({ type: fc.constantFrom(...RECORDS), group, sources }), { minLength: 1, maxLength: 3 }) }).map((r) => ({ src: r.src, message: v3Report(r.records) })) },
  { weight: 1, arbitrary: fc.record({ src: host, group }).map((r) => ({ src: r.src, message: v2Report(r.group) })) },
  { weight: 1, arbitrary: fc.record({ src: host, group }).map((r) => ({ src: r.src, message: v1Report(r.group) })) },
  { weight: 1, arbitrary: fc.record({ src: host, group }).map((r) => ({ src: r.src, message: leave(r.group) })) },
  { weight: 1, arbitrary: fc.constantFrom("198.18.0.1", "198.18.0.9").map((src) => ({ src, message: v3Query({ maxRespTime: 10, qrv: 2, qqi: 125 }) })) },
  { weight: 1, arbitrary: fc.record({ group, sources }).map((r) => ({ src: "198.18.0.1", message: v3Query({ group: r.group, sources: r.sources, maxRespTime: 1 }) })) },
);
const stream = fc.array(fc.record({ dt: fc.constantFrom(0, 0.5, 1, 5, 30, 300), m: message }), { minLength: 1, maxLength: 60 });

/** What writeGroupsJson writes, as text. */
function groupsBytes(state: MonitorState, nowMs = state.time()): string {
  const chunks: Uint8Array[] = [];
  writeGroupsJson(state, nowMs, (c) => chunks.push(c));
  return Buffer.concat(chunks).toString("latin1");
}

/** What EventLines writes for `events`, as text. */
function eventBytes(events: readonly MonitorEvent[]): string {
  const chunks: Uint8Array[] = [];
  const lines = new EventLines((c) => chunks.push(c));
  for (const e of events) lines.add(e);
  lines.flush();
  return Buffer.concat(chunks).toString("utf8");
}

function expectSameAsStringify(state: MonitorState, events: readonly MonitorEvent[]): void {
  expect(eventBytes(events)).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
  const groups = [...state.snapshotGroups()];
  expect(groupsBytes(state)).toBe(groups.map((g) => JSON.stringify(g)).join(","));
}

describe("monitor --json's direct writers", () => {
  it("write every event and snapshot group exactly as JSON.stringify does (random streams)", () => {
    const types = new Set<string>();
    let sourced = 0;
    fc.assert(
      fc.property(stream, (list) => {
        let t = 0;
        const at: At[] = list.map(({ dt, m }) => ((t += dt), { t, ...m }));
        const state = new MonitorState();
        for (const f of frames(at)) {
          const events = state.receive(f);
          for (const e of events) types.add(e.type);
          expectSameAsStringify(state, events);
          for (const g of state.snapshotGroups()) if (g.sources.length > 1) sourced++;
        }
        expectSameAsStringify(state, state.advance(ms(t + 600)));
      }),
      { numRuns: 200, seed: 9 },
    );
    // the stream reached every kind the writer writes itself, and groups with several sources
    for (const t of ["join", "leave", "expiry", "mode-change", "compat-change", "source-added", "source-removed", "source-blocked", "last-member-query", "querier-elected"]) expect(types).toContain(t);
    expect(sourced).toBeGreaterThan(0);
  });

  it("write the events and final view of every fixture capture as JSON.stringify does", async () => {
    const dirs = ["fixtures", "fixtures/rules"];
    let n = 0;
    for (const dir of dirs) {
      for (const name of readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f))) {
        const state = new MonitorState();
        for (const f of await readCapture(join(dir, name))) {
          const events = state.receive(f);
          n += events.length;
          expectSameAsStringify(state, events);
        }
      }
    }
    expect(n).toBeGreaterThan(50);
  });

  it("take events from the state as it makes them (its sink: joins and mode changes as numbers) with the bytes of the events it returns, random streams and fixtures", async () => {
    /** A state with EventLines as its sink beside one that returns its events: the same bytes, and the first returns none. */
    const compare = (feed: (take: (step: (s: MonitorState) => MonitorEvent[]) => MonitorEvent[]) => void): number => {
      const chunks: Uint8Array[] = [];
      const lines = new EventLines((c) => chunks.push(c));
      const sunk = new MonitorState();
      sunk.sinkTo(lines);
      const plain = new MonitorState();
      let expected = "";
      let n = 0;
      feed((step) => {
        expect(step(sunk)).toEqual([]);
        const events = step(plain);
        n += events.length;
        for (const e of events) expected += `${JSON.stringify(e)}\n`;
        return events;
      });
      lines.flush();
      expect(Buffer.concat(chunks).toString("utf8")).toBe(expected);
      return n;
    };
    const types = new Set<string>();
    fc.assert(
      fc.property(stream, (list) => {
        let t = 0;
        const at: At[] = list.map(({ dt, m }) => ((t += dt), { t, ...m }));
        compare((take) => {
          for (const f of frames(at)) for (const e of take((s) => s.receive(f))) types.add(e.type);
          // timers running out: mode changes and expiries with no frame
          take((s) => s.advance(ms(t + 600)));
        });
      }),
      { numRuns: 100, seed: 11 },
    );
    for (const t of ["join", "mode-change", "leave", "expiry", "source-added", "querier-elected"]) expect(types).toContain(t);
    let n = 0;
    for (const dir of ["fixtures", "fixtures/rules"]) {
      for (const name of readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f))) {
        const list = await readCapture(join(dir, name));
        n += compare((take) => {
          for (const f of list) take((s) => s.receive(f));
        });
      }
    }
    expect(n).toBeGreaterThan(50);
  });

  it("splits a large view over chunks without losing a byte (groups of 300 reporters and 2,000 sources)", () => {
    const state = new MonitorState();
    const at: At[] = [];
    for (let h = 0; h < 300; h++) at.push({ t: 1, src: `198.18.${h >> 7}.${(h & 127) + 1}`, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "239.1.1.1" }]) });
    for (let k = 0; k < 20; k++) at.push({ t: 2 + k, src: "198.18.9.9", message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: "232.1.1.1", sources: Array.from({ length: 100 }, (_, i) => `10.0.${k}.${i + 1}`) }]) });
    for (let g = 0; g < 2000; g++) at.push({ t: 30, src: "198.18.0.2", message: v3Report([{ type: "MODE_IS_EXCLUDE", group: `239.2.${g >> 8}.${g & 255}` }]) });
    for (const f of frames(at)) state.receive(f);
    const chunks: Uint8Array[] = [];
    writeGroupsJson(state, state.time() + 12_345.6, (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(3);
    const text = Buffer.concat(chunks).toString("latin1");
    expect(text).toBe([...state.snapshotGroups(state.time() + 12_345.6)].map((g) => JSON.stringify(g)).join(","));
    expect(JSON.parse(`[${text}]`)).toHaveLength(2002);
  });

  it("writes events with strings JSON escapes, or not ASCII, or long, as JSON.stringify does; lines split over chunks", () => {
    const base = { time: "1.000000000", frame: 7 } as const;
    const odd: MonitorEvent[] = [
      { ...base, type: "join", group: 'say "hi"\\', reporter: "é", version: 3 },
      { ...base, type: "source-removed", group: "239.1.1.1", source: "x".repeat(100), reason: "timer" },
      { ...base, frame: null, type: "expiry", group: "239.1.1.1\n", reason: "group-timer" },
      { ...base, type: "last-member-query", group: "239.1.1.1", sources: ["10.0.0.1"], observed: true },
    ];
    expect(eventBytes(odd)).toBe(odd.map((e) => `${JSON.stringify(e)}\n`).join(""));
    const many = Array.from({ length: 5000 }, (_, i): MonitorEvent => ({ time: `${i}.000000000`, frame: i, type: "join", group: `239.1.${i >> 8}.${i & 255}`, reporter: null, version: 2 }));
    many.splice(2500, 0, { ...base, type: "last-member-query", group: "239.1.1.1", sources: Array.from({ length: 9000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), observed: false });
    const chunks: Uint8Array[] = [];
    const lines = new EventLines((c) => chunks.push(c));
    for (const e of many) lines.add(e);
    lines.flush();
    expect(chunks.length).toBeGreaterThan(4);
    expect(Buffer.concat(chunks).toString("latin1")).toBe(many.map((e) => `${JSON.stringify(e)}\n`).join(""));
  });

  it("writes fields repeated from the event before (time, group, reporter), around odd ones, as JSON.stringify does", () => {
    // equal strings made anew (not the same object), lengths at the 8-byte word edges, up to the longest written directly
    const again = (s: string) => [...s].join("");
    const t64 = `${"1".repeat(54)}.000000000`;
    const list: MonitorEvent[] = [];
    const times = ["1.000000000", again("1.000000000"), "12345678", again("12345678"), "123456789", t64, again(t64), "é.5", "1.000000000"];
    const groups = ["239.1.1.1", again("239.1.1.1"), "239.1.1.10", "239.1.1", "239.11.11.111", 'a"b', "239.1.1.1", "x".repeat(64), "x".repeat(65)];
    const reporters = ["198.18.0.2", again("198.18.0.2"), null, "198.18.0.22", "ü", "198.18.0.22", "198.18.100.200", again("198.18.100.200"), "1234567"];
    times.forEach((time, i) => {
      const group = groups[i]!;
      const reporter = reporters[i]!;
      list.push({ time, frame: i, type: "join", group, reporter, version: 3 });
      list.push({ time, frame: i, type: "mode-change", group, from: "include", to: "exclude" });
      list.push({ time: again(time), frame: null, type: "leave", group: again(group), reporter, version: 2 });
      list.push({ time, frame: i, type: "mode-change", group, from: i % 2 ? "exclude" : ("weird\n" as "include"), to: "include" });
      list.push({ time, frame: i, type: "expiry", group, reason: "group-timer" });
    });
    expect(eventBytes(list)).toBe(list.map((e) => `${JSON.stringify(e)}\n`).join(""));
    // one line at a time (a new writer each: nothing carried over) agrees too
    expect(list.map((e) => eventBytes([e])).join("")).toBe(list.map((e) => `${JSON.stringify(e)}\n`).join(""));
  });
});
