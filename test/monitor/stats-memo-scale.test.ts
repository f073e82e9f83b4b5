/**
 * The statistics' memos past their limit (131,072 kept at once): when the memos start again, every memo's
 * repeats are added first, so the counts stay exact.
 */
import { expect, it } from "vitest";
import { StatsCollector } from "../../src/monitor/stats";
import { encodeIgmpFrame, numberToIPv4, v3Report } from "../../src/wire";

it("more of the hosts' reports than the memos hold are counted exactly, repeats waiting in memos when they start again", () => {
  // 512 hosts, each with reports of one group of its own: 128 each sent three times (joined, kept as a
  // memo, repeated), then 140 each sent twice (joined, kept): 137,216 memos, more than the 131,072 kept
  // at once, so the memos start again while the first ones hold a repeat each
  const HOSTS = 512;
  const group = (i: number) => numberToIPv4(((239 << 24) + (1 << 16) + i) >>> 0);
  const reports = (from: number, per: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let h = 0; h < HOSTS; h++) {
      for (let k = 0; k < per; k++) out.push(encodeIgmpFrame({ message: v3Report([{ type: "MODE_IS_EXCLUDE", group: group(from + h * per + k) }]), src: `198.18.${h >> 8}.${h & 255}`, macSrc: "02:00:00:00:00:02" }));
    }
    return out;
  };
  const a = reports(0, 128);
  const b = reports(a.length, 140);
  const st = new StatsCollector();
  let frame = 0;
  // 1 ms apart (340 s in all): no group goes 260 s without a report, none expires
  const send = (list: Uint8Array[]) => {
    for (const bytes of list) {
      const ms = frame;
      st.pushBytes(bytes, 0, bytes.length, bytes.length, 1, ++frame, 1_700_000_000 + Math.floor(ms / 1000), (ms % 1000) * 1e6);
    }
  };
  for (const list of [a, a, a, b, b]) send(list);
  const s = st.finish();
  expect(s.groups).toHaveLength(a.length + b.length);
  const byGroup = new Map(s.groups.map((g) => [g.group, g]));
  for (let i = 0; i < a.length + b.length; i++) {
    const g = byGroup.get(group(i))!;
    const times = i < a.length ? 3 : 2;
    expect(g.reports.v3).toBe(times);
    expect(g.records).toEqual({ MODE_IS_EXCLUDE: times });
  }
  // a first-phase group's last seen: its third time (counted from its memo)
  const at = (ms: number) => `${1_700_000_000 + Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, "0")}`;
  expect(byGroup.get(group(5))!.lastSeen).toBe(at(2 * a.length + 5));
  expect(s.hosts).toHaveLength(HOSTS);
  for (const h of s.hosts) expect(h.records).toEqual({ MODE_IS_EXCLUDE: 3 * 128 + 2 * 140 });
}, 120_000);
