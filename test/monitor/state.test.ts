import { describe, expect, it } from "vitest";
import { MonitorState, frameTimeMs, monitorFrames, type MonitorEvent } from "../../src/monitor/state.js";
import { leave, v1Report, v2Query, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { frameBytes, frames, ms, tx, type At } from "./helpers.js";
import { MessageReader } from "../../src/monitor/message.js";

const H1 = "198.18.0.2";
const H2 = "198.18.0.3";
const Q = "198.18.0.1";
const G = "239.1.1.1";
const S1 = "10.0.0.1";
const S2 = "10.0.0.2";

function run(list: At[], until?: number) {
  const st = new MonitorState();
  const events: MonitorEvent[] = [];
  for (const f of frames(list)) events.push(...st.receive(f));
  if (until !== undefined) events.push(...st.advance(ms(until)));
  return { st, events, types: events.map((e) => e.type) };
}

describe("frameTimeMs", () => {
  it("reads the exact decimal time", () => {
    expect(frameTimeMs("1.500000000")).toBe(1500);
    expect(frameTimeMs("0.000001000")).toBe(0.001);
    expect(frameTimeMs("-2.5")).toBe(-2500);
  });
});

describe("MonitorState: IGMPv3 groups and sources (RFC 9776 §6.4)", () => {
  it("a TO_EX({}) joins in EXCLUDE mode with the group timer at GMI (260 s by default)", () => {
    const { st, events } = run([{ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) }]);
    expect(events.map((e) => e.type)).toEqual(["join", "mode-change"]);
    expect(events[0]).toMatchObject({ group: G, reporter: H1, version: 3, frame: 1, time: tx(0) });
    const snap = st.snapshot();
    expect(snap.groups).toHaveLength(1);
    expect(snap.groups[0]).toMatchObject({ group: G, filterMode: "exclude", groupTimer: 260, compatMode: 3, lastReporter: H1, reporters: [H1] });
    expect(st.nextDeadlineMs()).toBe(ms(260));
  });

  it("the group expires at GMI without refresh, in microseconds on the virtual clock", () => {
    const { st, events } = run([{ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) }]);
    expect(st.advance(ms(259.999))).toEqual([]);
    const ev = st.advance(ms(1000));
    expect(ev).toEqual([{ type: "expiry", group: G, reason: "group-timer", time: tx(260), frame: null }]);
    expect(st.snapshot().groups).toEqual([]);
    expect(events).toHaveLength(2);
  });

  it("include-mode sources each have a timer; an expired source is removed, the last one removes the group", () => {
    const { st, types } = run([
      { t: 0, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S1] }]) },
      { t: 100, src: H1, message: v3Report([{ type: "MODE_IS_INCLUDE", group: G, sources: [S2] }]) },
    ]);
    expect(types).toEqual(["join", "source-added", "source-added"]);
    expect(st.snapshot().groups[0]!.sources).toEqual([
      { source: S1, timer: 160, forwarding: true },
      { source: S2, timer: 260, forwarding: true },
    ]);
    expect(st.advance(ms(261)).map((e) => [e.type, frameTimeMs(e.time)])).toEqual([["source-removed", ms(260)]]);
    expect(st.advance(ms(400)).map((e) => e.type)).toEqual(["source-removed", "expiry"]);
    expect(st.snapshot().groups).toEqual([]);
  });

  it("EXCLUDE(X,Y): TO_EX keeps Y at timer 0; ALLOW moves a source to X; group-timer expiry keeps X in INCLUDE", () => {
    const { st } = run([
      { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G, sources: [S1] }]) },
      { t: 10, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S2] }]) },
    ]);
    expect(st.snapshot().groups[0]!.sources).toEqual([
      { source: S1, timer: 0, forwarding: false },
      { source: S2, timer: 260, forwarding: true },
    ]);
    const ev = st.advance(ms(265));
    expect(ev.map((e) => e.type)).toEqual(["source-removed", "mode-change"]);
    expect(ev[0]).toMatchObject({ source: S1, reason: "mode-change", time: tx(260) });
    expect(st.snapshot().groups[0]).toMatchObject({ filterMode: "include", groupTimer: null, sources: [{ source: S2, forwarding: true }] });
  });

  it("sourceEvents: false builds every event but the source ones, and the state is the same", () => {
    // (what the statistics' own state is made with: they read no source events)
    const list: At[] = [
      { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G, sources: [S1] }]) },
      { t: 10, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S2] }]) },
      { t: 20, src: H2, message: v3Report([{ type: "MODE_IS_INCLUDE", group: "239.1.1.2", sources: [S1] }]) },
      { t: 30, src: H2, message: v3Report([{ type: "BLOCK_OLD_SOURCES", group: "239.1.1.2", sources: [S1] }]) },
    ];
    const all = new MonitorState();
    const some = new MonitorState({ sourceEvents: false });
    const a: MonitorEvent[] = [];
    const b: MonitorEvent[] = [];
    for (const f of frames(list)) {
      a.push(...all.receive(f));
      b.push(...some.receive(f));
    }
    a.push(...all.advance(ms(600)));
    b.push(...some.advance(ms(600)));
    const isSource = (e: MonitorEvent) => e.type.startsWith("source-");
    expect(a.filter(isSource).map((e) => e.type)).toEqual(expect.arrayContaining(["source-added", "source-removed"]));
    expect(b.filter(isSource)).toEqual([]);
    expect(b).toEqual(a.filter((e) => !isSource(e)));
    expect(b.map((e) => e.type)).toEqual(expect.arrayContaining(["join", "mode-change", "expiry"]));
    expect(some.snapshot()).toEqual(all.snapshot());
  });

  it("TO_IN({}) from the only member with no querier present: the monitor acts as querier and the group goes at LMQT", () => {
    const { st, types } = run([
      { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 5, src: H1, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) },
    ]);
    expect(types).toEqual(["join", "mode-change", "leave", "last-member-query"]);
    expect(st.snapshot().groups[0]!.groupTimer).toBe(2); // LMQI 1 s × LMQC 2
    expect(st.advance(ms(7)).map((e) => e.type)).toEqual(["expiry"]);
  });

  it("with a querier present, the leave alone does not lower the timer; the querier's group-specific query does", () => {
    const base: At[] = [
      { t: 0, src: Q, message: v3Query({ qrv: 2, qqi: 125, maxRespTime: 10 }) },
      { t: 1, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 5, src: H1, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) },
    ];
    const a = run(base);
    expect(a.st.snapshot().groups[0]!.groupTimer).toBe(256);
    const b = run([...base, { t: 5.01, src: Q, message: v3Query({ group: G, maxRespTime: 1 }) }]);
    expect(b.types.at(-1)).toBe("last-member-query");
    expect(b.st.snapshot().groups[0]!.groupTimer).toBeCloseTo(2, 5);
    // A member answers the last-member query: the group timer is back at GMI.
    const c = run([
      ...base,
      { t: 5.01, src: Q, message: v3Query({ group: G, maxRespTime: 1 }) },
      { t: 5.5, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) },
    ]);
    expect(c.st.snapshot().groups[0]).toMatchObject({ groupTimer: 260, reporters: [H2], lastReporter: H2 });
  });

  it("a query with the S flag set does not lower timers", () => {
    const { st } = run([
      { t: 0, src: Q, message: v3Query() },
      { t: 1, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
      { t: 2, src: Q, message: v3Query({ group: G, maxRespTime: 1, sFlag: true }) },
    ]);
    expect(st.snapshot().groups[0]!.groupTimer).toBe(259);
  });

  it("group-and-source-specific queries lower the named source timers to LMQT", () => {
    const { st } = run([
      { t: 0, src: Q, message: v3Query() },
      { t: 1, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S1, S2] }]) },
      { t: 2, src: H1, message: v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S1] }]) },
      { t: 2.1, src: Q, message: v3Query({ group: G, sources: [S1], maxRespTime: 1 }) },
    ]);
    const srcs = st.snapshot().groups[0]!.sources;
    expect(srcs[0]!.timer).toBeCloseTo(2, 5);
    expect(srcs[1]!.timer).toBeCloseTo(258.9, 5);
    expect(st.advance(ms(5)).map((e) => e.type)).toEqual(["source-removed"]);
  });

  it("SSM exclude-mode records are ignored (RFC 4604 §2.2.3)", () => {
    const { st } = run([{ t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "232.1.1.1" }]) }]);
    expect(st.snapshot().groups).toEqual([]);
  });
});

describe("MonitorState: timers learned from the querier (RFC 9776 §4.1.6, §4.1.7)", () => {
  it("adopts QRV, QQI and the general query's Max Resp Time", () => {
    const { st } = run([
      { t: 0, src: Q, message: v3Query({ qrv: 3, qqi: 20, maxRespTime: 5 }) },
      { t: 1, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) },
    ]);
    const s = st.snapshot();
    expect(s.timers).toMatchObject({ robustness: 3, queryInterval: 20, queryResponseInterval: 5, groupMembershipInterval: 65, otherQuerierPresentInterval: 62.5, lastMemberQueryCount: 3 });
    expect(s.groups[0]!.groupTimer).toBe(65);
    expect(s.querier).toEqual({ address: Q, version: 3, timer: 61.5 });
  });
});

describe("MonitorState: querier election (RFC 9776 §6.6.2, RFC 2236 §3)", () => {
  it("lowest address wins, a higher one is ignored, and the querier expires after the other-querier-present interval", () => {
    const { st, events } = run([
      { t: 0, src: "198.18.0.5", message: v3Query() },
      { t: 1, src: "198.18.0.9", message: v3Query() },
      { t: 2, src: Q, message: v3Query() },
    ]);
    expect(events.map((e) => e.type)).toEqual(["querier-elected", "querier-changed"]);
    expect(events[1]).toMatchObject({ querier: Q, previous: "198.18.0.5", frame: 3 });
    expect(st.querierAddress()).toBe(Q);
    expect(st.advance(ms(2 + 254.999))).toEqual([]);
    expect(st.advance(ms(300))).toEqual([{ type: "querier-expired", querier: Q, time: tx(257), frame: null }]);
    expect(st.snapshot().querier).toBeNull();
  });

  it("a query from the querier refreshes its timer", () => {
    const { st } = run([
      { t: 0, src: Q, message: v2Query() },
      { t: 200, src: Q, message: v2Query() },
    ]);
    expect(st.advance(ms(300))).toEqual([]);
    expect(st.snapshot().querier).toMatchObject({ address: Q, version: 2 });
  });
});

describe("MonitorState: older-version hosts (RFC 9776 §7.3.2, RFC 2236 §7)", () => {
  it("a v2 report is IS_EX({}) and puts the group in v2 compatibility until the host present timer ends", () => {
    const { st, types } = run([{ t: 0, src: H1, message: v2Report(G) }]);
    expect(types).toEqual(["join", "compat-change", "mode-change"]);
    expect(st.snapshot().groups[0]).toMatchObject({ compatMode: 2, filterMode: "exclude", v2HostTimer: 260, lastReporter: H1 });
  });

  it("in v2 compatibility BLOCK is ignored and TO_EX loses its sources", () => {
    const { st } = run([
      { t: 0, src: H1, message: v2Report(G) },
      { t: 1, src: H2, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G, sources: [S1] }]) },
      { t: 2, src: H2, message: v3Report([{ type: "BLOCK_OLD_SOURCES", group: G, sources: [S2] }]) },
    ]);
    expect(st.snapshot().groups[0]!.sources).toEqual([]);
  });

  it("v2 leave + the querier's group-specific queries: the group expires LMQT after the first query", () => {
    const { st, events } = run([
      { t: 0, src: Q, message: v2Query({ maxRespTime: 10 }) },
      { t: 1, src: H1, message: v2Report(G) },
      { t: 30, src: H1, message: leave(G) },
      { t: 30.001, src: Q, message: v2Query({ group: G, maxRespTime: 1 }) },
      { t: 31.001, src: Q, message: v2Query({ group: G, maxRespTime: 1 }) },
    ]);
    expect(events.map((e) => e.type)).toContain("leave");
    expect(st.snapshot().groups[0]!.reporters).toEqual([]);
    const ev = st.advance(ms(40));
    expect(ev.map((e) => e.type)).toEqual(["expiry"]);
    expect(frameTimeMs(ev[0]!.time)).toBeCloseTo(ms(32.001), 3);
  });

  it("the host present timer ends: back to v3 compatibility", () => {
    const { st } = run([{ t: 0, src: H1, message: v2Report(G) }, { t: 100, src: H2, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) }]);
    const ev = st.advance(ms(261));
    expect(ev.map((e) => e.type)).toEqual(["compat-change"]);
    expect(ev[0]).toMatchObject({ from: 2, to: 3, time: tx(260) });
    expect(st.snapshot().groups[0]!.compatMode).toBe(3);
  });

  it("in v1 compatibility a leave is ignored", () => {
    const { st, types } = run([
      { t: 0, src: H1, message: v1Report(G) },
      { t: 1, src: H1, message: leave(G) },
    ]);
    expect(types).not.toContain("leave");
    expect(st.snapshot().groups[0]).toMatchObject({ compatMode: 1, groupTimer: 259 });
  });
});

describe("monitorFrames", () => {
  it("drops frames whose IGMP checksum does not verify", () => {
    const r = monitorFrames(frames([{ t: 0, src: H1, message: { ...v2Report(G), checksum: 0 }, igmp: { checksum: "keep" } }]));
    expect(r.events).toEqual([]);
    expect(r.state.droppedFrames).toBe(1);
  });
});

describe("malformed messages are not applied as if they were good (issue 15 item 12)", () => {
  const cases: [string, At][] = [
    ["a v3 report claiming 65,535 records", { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), patch: (b, o) => b.set([0xff, 0xff], o.igmp + 6) }],
    ["an IP total length beyond the frame", { t: 0, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), patch: (b, o) => b.set([0x05, 0xdc], o.ip + 2) }],
    ["a record whose source count overruns the message", { t: 0, src: H1, message: v3Report([{ type: "ALLOW_NEW_SOURCES", group: G, sources: [S1] }]), patch: (b, o) => b.set([0x00, 0x40], o.igmp + 8 + 2) }],
  ];
  for (const [name, a] of cases) {
    it(`${name}: counted in malformedFrames, nothing joined (decoded path and bytes path)`, () => {
      const r = monitorFrames(frames([a]));
      expect(r.events).toEqual([]);
      expect(r.state.malformedFrames).toBe(1);
      const st = new MonitorState();
      const reader = new MessageReader();
      const bytes = frameBytes(a);
      expect(st.take(reader.read(bytes, 0, bytes.length, bytes.length, 1, 1, 1_700_000_000, 0))).toEqual([]);
      expect(st.malformedFrames).toBe(1);
      expect(st.groupCount()).toBe(0);
    });
  }
});

describe("timers print to the millisecond", () => {
  it("a group timer after a report at an odd microsecond reads 245.001 s, not 245.00010009765626", () => {
    const { st } = run([{ t: 0.000123, src: H1, message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]) }]);
    const left = st.snapshot(ms(15)).groups[0]!.groupTimer!;
    expect(left).toBe(245);
    const odd = st.snapshot(ms(14.9989)).groups[0]!.groupTimer!;
    expect(String(odd)).toMatch(/^\d+(\.\d{1,3})?$/);
  });
});

describe("MessageReader takes Router Alert from the frame view, as the decoder reads it", () => {
  const options: [string, string][] = [
    ["Router Alert", "94040000"],
    ["no options", ""],
    ["NOPs before Router Alert", "0101940400000000"],
    ["a record route, a NOP, then Router Alert", "070704000000000194040000"],
    ["Router Alert after the end of the list", "0000000094040000"],
    ["a record route only", "0707040000000000"],
  ];
  for (const [name, optionsRaw] of options) {
    it(`${name}: same routerAlert on the bytes path and the decoded path`, () => {
      const a: At = { t: 0, src: H1, message: v2Report(G), ip: { optionsRaw } };
      const decoded = frames([a])[0]!;
      const bytes = frameBytes(a);
      const m = new MessageReader().read(bytes, 0, bytes.length, bytes.length, 1, 1, 1_700_000_000, 0);
      expect(m.status).toBe(0);
      expect(m.routerAlert).toBe(decoded.routerAlert);
    });
  }
  it("the cases differ: present in some, absent in others", () => {
    const ra = (optionsRaw: string) => frames([{ t: 0, src: H1, message: v2Report(G), ip: { optionsRaw } }])[0]!.routerAlert;
    expect([ra("94040000"), ra(""), ra("0000000094040000")]).toEqual([true, false, false]);
  });
});

describe("a group's reporters, one host or many", () => {
  const H3 = "198.18.0.4";
  const join = (t: number, src: string): At => ({ t, src, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) });
  const leave3 = (t: number, src: string): At => ({ t, src, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: G }]) });
  const reporters = (list: At[]) => run(list).st.snapshot().groups[0]?.reporters;
  it("one host, the same host again, then it leaves", () => {
    expect(reporters([join(0, H2), join(1, H2)])).toEqual([H2]);
    expect(run([join(0, H2), leave3(1, H2)]).st.groupReporters(G)?.reporters ?? []).toEqual([]);
  });
  it("a second and third host are added in address order; leaves take out exactly the leaver", () => {
    expect(reporters([join(0, H3), join(1, H1), join(2, H2), join(3, H1)])).toEqual([H1, H2, H3]);
    expect(reporters([join(0, H3), join(1, H1), leave3(2, H3)])).toEqual([H1]);
    expect(reporters([join(0, H3), join(1, H1), leave3(2, H3), join(3, H2)])).toEqual([H1, H2]);
    expect(reporters([join(0, H1), leave3(1, H2)])).toEqual([H1]);
  });
  it("v2 reports and leaves count the same way", () => {
    expect(reporters([{ t: 0, src: H2, message: v2Report(G) }, { t: 1, src: H1, message: v2Report(G) }])).toEqual([H1, H2]);
    expect(reporters([{ t: 0, src: H2, message: v2Report(G) }, { t: 1, src: H1, message: v2Report(G) }, { t: 2, src: H2, message: leave(G) }])).toEqual([H1]);
  });
});

describe("many groups: timers survive the group table growing under them", () => {
  it("300 groups join, a third leave, the table grows past removed rows; every group expires once, on time", () => {
    const n = 300;
    const grp = (i: number) => `239.2.${i >> 8}.${i & 255}`;
    const list: At[] = [];
    for (let i = 0; i < n; i++) list.push({ t: i * 0.1, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: grp(i) }]) });
    // no querier: the monitor acts out Q(G) for the leaves, so their groups go 2 s later (LMQT)
    for (let i = 0; i < n; i += 3) list.push({ t: 40 + i * 0.01, src: H1, message: v3Report([{ type: "CHANGE_TO_INCLUDE_MODE", group: grp(i) }]) });
    // new groups after the removals: rows are placed again, tombstones dropped
    for (let i = n; i < n + 200; i++) list.push({ t: 50 + (i - n) * 0.1, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: grp(i) }]) });
    const st = new MonitorState();
    const expiries: MonitorEvent[] = [];
    for (const f of frames(list)) for (const e of st.receive(f)) if (e.type === "expiry") expiries.push(e);
    expect(st.groupCount()).toBe(n + 200 - n / 3);
    expect(st.nextDeadlineMs()).toBeCloseTo(ms(0.1 + 260), 3);
    for (const e of st.advance(ms(1000))) if (e.type === "expiry") expiries.push(e);
    expect(st.groupCount()).toBe(0);
    const left = expiries.filter((e) => frameTimeMs(e.time) < ms(100));
    expect(left.map((e) => (e as { group: string }).group)).toEqual(Array.from({ length: n / 3 }, (_, k) => grp(3 * k)));
    const rest = expiries.slice(left.length);
    const expected = [...Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => [i, i * 0.1] as const), ...Array.from({ length: 200 }, (_, k) => [n + k, 50 + k * 0.1] as const)].sort((a, b) => a[1] - b[1]);
    expect(rest.map((e) => (e as { group: string }).group)).toEqual(expected.map(([i]) => grp(i)));
    rest.forEach((e, k) => expect(frameTimeMs(e.time)).toBeCloseTo(ms(expected[k]![1] + 260), 2));
  });
});

describe("MonitorState with events: false (lint's)", () => {
  it("keeps the same state as with events, and builds none", async () => {
    const { readdirSync } = await import("node:fs");
    const { readCapture } = await import("../../src/capture/read.js");
    let compared = 0;
    for (const dir of ["fixtures", "fixtures/rules"]) {
      for (const name of readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f))) {
        const withEvents = new MonitorState();
        const without = new MonitorState({ events: false });
        let seen = 0;
        for (const f of await readCapture(`${dir}/${name}`)) {
          seen += withEvents.receive(f).length;
          expect(without.receive(f)).toEqual([]);
          expect(without.snapshot()).toEqual(withEvents.snapshot());
          compared++;
        }
        const end = withEvents.time() + 600_000;
        seen += withEvents.advance(end).length;
        expect(without.advance(end)).toEqual([]);
        expect(without.snapshot()).toEqual(withEvents.snapshot());
        expect(seen).toBeGreaterThan(0);
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
