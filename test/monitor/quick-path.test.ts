// MonitorState's quick path (a reporter's IS_EX({}) / TO_EX({}) refresh of an EXCLUDE({}) group,
// src/monitor/group-table.ts) must change exactly what the full path changes. Property test: random streams
// over a few groups, hosts and sources, every record type, v1/v2 reports and leaves, general and specific
// queries (QQI changes that lower the membership interval), through one state as built and one whose quick
// path never applies; events and snapshots must be equal, and the quick path must have run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROW } from "../../src/monitor/group-table.js";
import { MembershipMessage, MessageKind } from "../../src/monitor/message.js";
import { MonitorState, type MonitorEvent } from "../../src/monitor/state.js";
import { leave, v1Report, v2Report, v3Query, v3Report, type IgmpMessageInit } from "../../src/wire/index.js";
import { frames, ms, type At } from "./helpers.js";

const GROUPS = ["239.1.1.1", "239.1.1.2", "239.1.1.3"];
const HOSTS = ["198.18.0.2", "198.18.0.3", "198.18.0.4"];
const SOURCES = ["10.0.0.1", "10.0.0.2"];
const Q = "198.18.0.1";
const RECORDS = ["MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"] as const;

const group = fc.constantFrom(...GROUPS);
const host = fc.constantFrom(...HOSTS);
const sources = fc.subarray(SOURCES);
// Half the time the host of a group's usual member, so that changes meet the quick states they must end.
const hostGroup = fc.oneof(
  fc.nat(GROUPS.length - 1).map((i) => ({ host: HOSTS[i]!, group: GROUPS[i]! })),
  fc.record({ host, group }),
);
// Refreshes dominate, as on a LAN, so that quick states build up between the changes that end them.
const refresh = hostGroup.map(({ host: h, group: g }) => ({ src: h, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: g }]) }));
const message: fc.Arbitrary<{ src: string; message: IgmpMessageInit }> = fc.oneof(
  { weight: 24, arbitrary: refresh },
  { weight: 3, arbitrary: fc.record({ hg: hostGroup, type: fc.constantFrom(...RECORDS), sources, more: fc.array(fc.record({ type: fc.constantFrom(...RECORDS), group, sources }), { maxLength: 2 }) }).map((r) => ({ src: r.hg.host, message: v3Report([{ type: r.type, group: r.hg.group, sources: r.sources }, ...r.more]) })) },
  { weight: 1, arbitrary: hostGroup.map((r) => ({ src: r.host, message: v2Report(r.group) })) },
  { weight: 1, arbitrary: hostGroup.map((r) => ({ src: r.host, message: v1Report(r.group) })) },
  { weight: 1, arbitrary: hostGroup.map((r) => ({ src: r.host, message: leave(r.group) })) },
  { weight: 1, arbitrary: fc.constantFrom(125, 20, 60).map((qqi) => ({ src: Q, message: v3Query({ maxRespTime: 10, qrv: 2, qqi }) })) },
  { weight: 1, arbitrary: fc.record({ group, sources }).map((r) => ({ src: Q, message: v3Query({ group: r.group, sources: r.sources, maxRespTime: 1 }) })) },
);
const stream = fc.array(fc.record({ dt: fc.constantFrom(0, 0.1, 0.1, 1, 1, 5, 30, 120, 255, 300), m: message }), { minLength: 1, maxLength: 80 });

/**
 * A state whose groups are never marked for the quick path (`quickAfter` is what marks them) and always have
 * their object (`joinQuick` makes a joining group's row alone, marked quick).
 */
function withoutQuickPath(st: MonitorState): MonitorState {
  const o = st as unknown as { quickAfter(): void; joinQuick(): boolean };
  o.quickAfter = () => {};
  o.joinQuick = () => false;
  return st;
}

/** Count the groups `st` makes as a row alone (`joinQuick`). */
function countJoinQuick(st: MonitorState): { calls: number } {
  const o = st as unknown as { joinQuick(...a: unknown[]): boolean };
  const join = o.joinQuick.bind(st);
  const n = { calls: 0 };
  o.joinQuick = (...a) => (n.calls++, join(...a));
  return n;
}

/**
 * `st.refreshRepeat` for report `m` through `slots` (the slots its groups had when it was last taken), as the
 * statistics call it: only for a report of refreshes alone, IS_EX({}) or TO_EX({}) (false otherwise, not asked).
 */
function refreshRepeat(st: MonitorState, m: MembershipMessage, slots: Int32Array): boolean {
  const at = new Int32Array(2 * m.recordCount);
  for (let i = 0; i < m.recordCount; i++) {
    if ((m.recordType[i] !== 2 && m.recordType[i] !== 4) || m.recordStart[i] !== m.recordEnd[i]) return false;
    at[2 * i] = m.recordGroup[i]!;
    at[2 * i + 1] = slots[i]!;
  }
  return st.refreshRepeat(m.src, m.recordCount, at, 0, 2);
}

/** `a` read into `m`, and `st`'s clock moved to it (what the statistics do before `refreshRepeat`); returns `m`. */
function arrive(st: MonitorState, m: MembershipMessage, a: At): MembershipMessage {
  m.fromDecoded(frames([a])[0]!);
  st.advance(m.timeMs);
  return m;
}

describe("MonitorState's quick refresh path", () => {
  it("changes exactly what the full path changes (events, snapshots, deadlines)", () => {
    let quickHits = 0;
    let joinHits = 0;
    fc.assert(
      fc.property(stream, (list) => {
        let t = 0;
        const at: At[] = list.map(({ dt, m }) => ((t += dt), { t, ...m }));
        const fast = new MonitorState();
        const full = withoutQuickPath(new MonitorState());
        // The quick path returns before the full path's last step (quickAfter): count the steps it saved.
        const steps = (st: MonitorState) => {
          const o = st as unknown as { quickAfter(...a: unknown[]): void };
          const step = o.quickAfter.bind(st);
          const n = { calls: 0 };
          o.quickAfter = (...a) => (n.calls++, step(...a));
          return n;
        };
        const fastSteps = steps(fast);
        const fullSteps = steps(full);
        const joins = countJoinQuick(fast);
        for (const f of frames(at)) {
          expect(fast.receive(f)).toEqual(full.receive(f));
          expect(fast.snapshot()).toEqual(full.snapshot());
          expect(fast.nextDeadlineMs()).toEqual(full.nextDeadlineMs());
        }
        const end = ms(t + 600);
        expect(fast.advance(end)).toEqual(full.advance(end));
        expect(fast.snapshot()).toEqual(full.snapshot());
        // (a group made as a row alone skips quickAfter too)
        quickHits += fullSteps.calls - fastSteps.calls - joins.calls;
        joinHits += joins.calls;
      }),
      { numRuns: 300, seed: 9 },
    );
    expect(quickHits).toBeGreaterThan(150);
    expect(joinHits).toBeGreaterThan(150);
  });

  it("refreshRepeat, given the slots a report's groups had when it was last taken, does what take does, or refuses and changes nothing", () => {
    // (the statistics' shortcut for a host's repeated report: one state takes every message, the other
    // refreshes each v3 report it has taken before through the slots it had then, or at random through
    // wrong ones, and takes it when refused)
    let refreshed = 0;
    let refused = 0;
    fc.assert(
      fc.property(stream, fc.integer(), (list, seed) => {
        let t = 0;
        const at: At[] = list.map(({ dt, m }) => ((t += dt), { t, ...m }));
        const a = new MonitorState();
        const b = new MonitorState();
        const m = new MembershipMessage();
        const seen = new Map<string, Int32Array>();
        let r = seed;
        for (const f of frames(at)) {
          const want = [...a.receive(f)];
          m.fromDecoded(f);
          const got: MonitorEvent[] = [...b.advance(m.timeMs)];
          const key = m.kind === MessageKind.v3Report ? `${m.src} ${JSON.stringify(f.igmp)}` : "";
          let slots = seen.get(key);
          if (slots !== undefined && (r = (Math.imul(r, 1103515245) + 12345) | 0) % 5 === 0) slots = slots.map((x) => x + 1);
          if (slots !== undefined && refreshRepeat(b, m, slots)) refreshed++;
          else {
            if (slots !== undefined) refused++;
            got.push(...b.take(m));
            if (key !== "") seen.set(key, b.recordSlots.slice(0, m.recordCount));
          }
          expect(got).toEqual(want);
          expect(b.snapshot()).toEqual(a.snapshot());
          expect(b.nextDeadlineMs()).toEqual(a.nextDeadlineMs());
        }
      }),
      { numRuns: 300, seed: 11 },
    );
    // (75 and 360 with this seed: most streams have long gaps, after which groups have expired)
    expect(refreshed).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(200);
  });

  it("refreshRepeat refuses a report with an SSM EXCLUDE record (routers ignore those), and one from a host not among the group's reporters", () => {
    const ex = (group: string) => v3Report([{ type: "MODE_IS_EXCLUDE", group }]);
    const [H1, H2, H3] = HOSTS as [string, string, string];
    const st = new MonitorState();
    const m = new MembershipMessage();
    const take = (a: At) => arrive(st, m, a);
    // (a group's first record finds no row: its slot is -1 until the next report is taken)
    st.take(take({ t: 0, src: H1, message: ex("239.1.1.1") }));
    expect(refreshRepeat(st, take({ t: 0.5, src: H1, message: ex("239.1.1.1") }), st.recordSlots.slice(0, 1))).toBe(false);
    st.take(m);
    // an SSM group's EXCLUDE record never makes a group: a row found in its slot is another group's
    const slots = st.recordSlots.slice(0, 1);
    expect(refreshRepeat(st, take({ t: 1, src: H1, message: ex("239.1.1.1") }), slots)).toBe(true);
    expect(refreshRepeat(st, take({ t: 2, src: H1, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "232.1.1.1" }]) }), slots)).toBe(false);
    // two reporters (the set is asked): a third host with their slots is refused, and joins when taken
    st.take(take({ t: 3, src: H2, message: ex("239.1.1.1") }));
    expect(refreshRepeat(st, take({ t: 4, src: H3, message: ex("239.1.1.1") }), slots)).toBe(false);
    st.take(m);
    expect(st.snapshot().groups[0]!.reporters).toEqual([H1, H2, H3]);
    expect(refreshRepeat(st, take({ t: 5, src: H3, message: ex("239.1.1.1") }), slots)).toBe(true);
    expect(st.snapshot().groups[0]).toMatchObject({ lastReporter: H3, reporters: [H1, H2, H3], groupTimer: 260 });
  });

  it("refreshRepeat refuses what the quick path does not take: a group timer that would go down, a group with excluded sources, another group's slot", () => {
    const [H1] = HOSTS as [string];
    const st = new MonitorState();
    const m = new MembershipMessage();
    const at = (a: At) => arrive(st, m, a);
    const report = (t: number, records: { group: string; sources?: string[] }[]) => at({ t, src: H1, message: v3Report(records.map((r) => ({ type: "MODE_IS_EXCLUDE" as const, group: r.group, sources: r.sources ?? [] }))) });
    const G1 = { group: "239.1.1.1" };
    const G2 = { group: "239.1.1.2" };
    st.take(report(0, [G1, G2]));
    st.take(report(1, [G1, G2]));
    const slots = st.recordSlots.slice(0, 2);
    expect(refreshRepeat(st, report(2, [G1, G2]), slots)).toBe(true);
    // each group's own slot only
    expect(refreshRepeat(st, report(3, [G1]), slots.slice(1))).toBe(false);
    // the querier lowers the membership interval (2 x 20 s + 10 s): a refresh now would lower the group
    // timer, which the full path does (and queues the group's expiry sooner)
    st.take(at({ t: 3, src: Q, message: v3Query({ maxRespTime: 10, qrv: 2, qqi: 20 }) }));
    expect(refreshRepeat(st, report(4, [G1, G2]), slots)).toBe(false);
    st.take(m);
    expect(st.snapshot().groups.map((g) => g.groupTimer)).toEqual([50, 50]);
    expect(refreshRepeat(st, report(5, [G1, G2]), slots)).toBe(true);
    // sources excluded from a group: no longer quick
    st.take(report(6, [{ group: G1.group, sources: ["10.0.0.1"] }, G2]));
    expect(st.snapshot().groups[0]!.sources.map((x) => x.source)).toEqual(["10.0.0.1"]);
    expect(refreshRepeat(st, report(7, [G1, G2]), slots)).toBe(false);
    st.take(m);
    // (the groups' timers from the report at 7 s, 50 s: both expire by 57 s)
    const expired = st.advance(ms(57.001)).filter((e) => e.type === "expiry").map((e) => e.group);
    expect(expired).toEqual(["239.1.1.1", "239.1.1.2"]);
  });

  it("marks a lone member's group with that member, and a group of several as such", () => {
    const G = GROUPS[0]!;
    const [H1, H2] = HOSTS as [string, string];
    const st = new MonitorState();
    const table = (st as unknown as { table: { rows: Float64Array; find(key: number): number } }).table;
    const refresh = (t: number, h: string) => frames([{ t, src: h, message: v3Report([{ type: "MODE_IS_EXCLUDE", group: G }]) }])[0]!;
    st.receive(refresh(0, H1));
    const r = table.find(0xef010101 | 0);
    expect(table.rows[r + ROW.quick]).toBe(0xc6120002 | 0); // the lone member, H1
    st.receive(refresh(10, H1));
    expect(st.snapshot().groups[0]).toMatchObject({ groupTimer: 260, lastReporter: H1, reporters: [H1] });
    st.receive(refresh(20, H2));
    expect(table.rows[table.find(0xef010101 | 0) + ROW.quick]).toBe(-(2 ** 33)); // two members: the set is asked
    expect(st.snapshot(ms(30)).groups[0]).toMatchObject({ groupTimer: 250, lastReporter: H2, reporters: [H1, H2] });
  });
});
