/**
 * The statistics' group index at LAN scale: thousands of consecutive groups (the index grows several
 * times and consecutive addresses are the hash's worst case), groups with one reporting host and with
 * two, leaves by TO_IN {}: each group's counts are those the frames were built with.
 */
import { expect, it } from "vitest";
import { statsOf } from "../../src/monitor/stats";
import { decodeFrame, encodeIgmpFrame, v3Report, type DecodedFrame } from "../../src/wire";

const G = 3000;
const group = (i: number) => `239.1.${i >> 8}.${i & 255}`;
const A = "198.18.0.2";
const B = "198.18.0.3";

it("counts every group of 3,000 right: records, hosts seen, last seen, groups per host", () => {
  const frames: DecodedFrame[] = [];
  const put = (t: number, src: string, records: Parameters<typeof v3Report>[0]) => {
    const data = encodeIgmpFrame({ message: v3Report(records), src, macSrc: "02:00:00:00:00:02" });
    frames.push(decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: BigInt(1_800_000_000 + t) * 1_000_000_000n }, frames.length + 1));
  };
  // A joins every group, 20 records a report; B every 10th; A leaves every 7th (TO_IN {}) a second later
  for (let i = 0; i < G; i += 20) put(0, A, Array.from({ length: 20 }, (_, k) => ({ type: "MODE_IS_EXCLUDE" as const, group: group(i + k) })));
  for (let i = 0; i < G; i += 10) put(1, B, [{ type: "CHANGE_TO_EXCLUDE_MODE", group: group(i) }]);
  for (let i = 0; i < G; i += 7) put(2, A, [{ type: "CHANGE_TO_INCLUDE_MODE", group: group(i) }]);

  const s = statsOf(frames);
  expect(s.groups).toHaveLength(G);
  const byGroup = new Map(s.groups.map((g) => [g.group, g]));
  for (let i = 0; i < G; i++) {
    const g = byGroup.get(group(i))!;
    expect(g, group(i)).toBeDefined();
    const records: Record<string, number> = { MODE_IS_EXCLUDE: 1 };
    if (i % 10 === 0) records.CHANGE_TO_EXCLUDE_MODE = 1;
    if (i % 7 === 0) records.CHANGE_TO_INCLUDE_MODE = 1;
    expect(g.records, group(i)).toEqual(records);
    expect(g.reports.v3, group(i)).toBe(Object.keys(records).length);
    expect(g.membersSeen, group(i)).toBe(i % 10 === 0 ? 2 : 1);
    expect(g.lastSeen, group(i)).toBe(`${1_800_000_000 + (i % 7 === 0 ? 2 : i % 10 === 0 ? 1 : 0)}.000000000`);
  }
  expect(Object.fromEntries(s.hosts.map((h) => [h.host, h.groups]))).toEqual({ [A]: G, [B]: G / 10 });
});
