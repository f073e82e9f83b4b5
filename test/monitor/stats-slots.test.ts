/**
 * The statistics find a v3 record's group by the slot the monitor's table gave it (MonitorState's
 * recordSlots), a hint checked against the group's address. Here the hint goes stale every way it can:
 * the table grows in the middle of a report (earlier records' slots move), groups expire and come back in
 * other slots (their old ones left as tombstones, then reused by other groups after the next growth), and
 * records the monitor never looks up (a group that is not multicast, SSM exclude records) leave older
 * values behind. Every group's counts must still be exactly those the frames were built with.
 */
import { expect, it } from "vitest";
import { statsOf } from "../../src/monitor/stats";
import { v3Report, type RecordInit } from "../../src/wire";
import { frames, type At } from "./helpers";

const A = "198.18.0.2";
const B = "198.18.0.3";
const g1 = (i: number) => `239.3.0.${i}`;
const g2 = (i: number) => `239.3.1.${i}`;
/** Looked up by the statistics, never by the monitor. */
const NOT_MULTICAST = "10.9.0.1";
const ssm = (i: number) => `232.9.0.${i}`;

function scenario(): At[] {
  const list: At[] = [];
  const reports = (t: number, src: string, records: RecordInit[]) => {
    for (let i = 0; i < records.length; i += 10) list.push({ t: t + i / 1000, src, message: v3Report(records.slice(i, i + 10)) });
  };
  const ex = (group: string): RecordInit => ({ type: 2, group, sources: [] });
  const range = (n: number, f: (i: number) => RecordInit) => Array.from({ length: n }, (_, i) => f(i));
  // A joins 100 groups, 10 to a report, each report also naming a group that is not multicast and an SSM
  // group in EXCLUDE mode: the table grows from 64 rows to 256 in the middle of reports
  reports(
    0,
    A,
    range(100, (i) => ex(g1(i))).flatMap((r, i) => (i % 10 === 9 ? [r, ex(NOT_MULTICAST), ex(ssm((i - 9) / 10))] : [r])),
  );
  // A leaves the first 50: they expire after the last-member queries, their rows become tombstones
  reports(5, A, range(50, (i) => ({ type: 3, group: g1(i), sources: [] })));
  // B joins all 100 again (the 50 in new rows) and 100 more: the table grows again, every row moves
  reports(20, B, [...range(100, (i) => ex(g1(i))), ...range(100, (i) => ex(g2(i)))]);
  // A refreshes everything, with sources now and then
  reports(30, A, [...range(100, (i) => (i % 3 === 0 ? { type: 1, group: g1(i), sources: ["198.51.100.7"] } : ex(g1(i)))), ...range(100, (i) => ex(g2(i))), ex(NOT_MULTICAST)]);
  return list;
}

it("counts every v3 record in its own group while the monitor's slots move, empty and fill again", () => {
  const list = scenario();
  const decoded = frames(list);

  // what each group was told, straight from the frames
  const want = new Map<string, { records: Record<string, number>; hosts: Set<string> }>();
  for (const f of list) {
    if (f.message.kind !== "v3-report") continue;
    for (const r of f.message.records) {
      const w = want.get(r.group) ?? { records: {}, hosts: new Set<string>() };
      const name = r.kind;
      w.records[name] = (w.records[name] ?? 0) + 1;
      w.hosts.add(f.src);
      want.set(r.group, w);
    }
  }

  const st = statsOf(decoded);
  expect(st.groups.length).toBe(want.size);
  for (const g of st.groups) {
    const w = want.get(g.group)!;
    expect(w, g.group).toBeDefined();
    expect(g.records, g.group).toEqual(w.records);
    expect(g.reports.v3, g.group).toBe(Object.values(w.records).reduce((a, b) => a + b, 0));
    expect(g.membersSeen, g.group).toBe(w.hosts.size);
  }
  // the first 50 expired once (and came back); the monitor skipped the group that is not multicast
  for (let i = 0; i < 100; i++) expect(st.groups.find((g) => g.group === g1(i))!.expiries, g1(i)).toBe(i < 50 ? 1 : 0);
  expect(st.groups.find((g) => g.group === NOT_MULTICAST)!.joins).toBe(0);

});
