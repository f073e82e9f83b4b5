/**
 * The statistics' typed tables (groups and hosts as small integers, first members in the group's row,
 * the others in per-host sets, expiry epochs, delays counted as whole milliseconds) held equal to a plain
 * model of the same rules, written with Maps and sorted arrays, on random LANs: v1/v2/v3 reports with and
 * without sources, leaves, general and group-specific queries, gaps long enough for groups to expire,
 * VLANs, many hosts per group and many groups per host. Both read the same frames and the same monitor
 * events; they must agree on every group's members seen, every host's groups and answers, and the
 * response delays.
 */
import { expect, it, vi } from "vitest";
import { mulberry32 } from "../../src/host/rng";
import { MembershipMessage, MessageKind, MessageStatus, isLinkLocalN, addr32, frameTimeMs } from "../../src/monitor/message";
import { MonitorState, type MonitorEvent } from "../../src/monitor/state";
import { StatsCollector, statsOf, summarizeDelays, type DelaySummary } from "../../src/monitor/stats";
import { LAN_CHECKS, Linter } from "../../src/monitor/lint";
import { decodeFrame, internetChecksum, leave, v1Report, v2Report, v3Query, v3Report, type DecodedFrame, type RecordInit } from "../../src/wire";
import { frameBytes, frames, ms, timestampNs, type At } from "./helpers";

/** Floats in [0, 1) from a seed (the host emulator's mulberry32). */
const rng = (seed: number): (() => number) => mulberry32(seed).next;

/** A random LAN's frames: `hosts` hosts, `groups` groups (one of them link-local, some SSM). */
function lan(seed: number, n: number, hosts: number, groups: number, vlans: number[][] = [[]]): DecodedFrame[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const group = (i: number) => (i === 0 ? "224.0.0.251" : i % 7 === 3 ? `232.1.${i >> 8}.${i & 255}` : `239.2.${i >> 8}.${i & 255}`);
  const host = (i: number) => `198.18.${i >> 8}.${(i & 255) + 2}`;
  const src = () => `198.18.200.${1 + Math.floor(r() * 3)}`;
  const list: At[] = [];
  let t = 0;
  for (let k = 0; k < n; k++) {
    // mostly a few ms apart, sometimes seconds, now and then long enough for groups to expire (GMI 260 s)
    const x = r();
    t += x < 0.9 ? r() * 0.05 : x < 0.99 ? r() * 20 : 200 + r() * 200;
    const vlan = pick(vlans);
    const at = (message: At["message"], from: string): At => (vlan.length > 0 ? { t, src: from, message, vlan } : { t, src: from, message });
    const y = r();
    const g = group(Math.floor(r() * groups));
    const h = host(Math.floor(r() * hosts));
    if (y < 0.06) list.push(at(v3Query({ maxRespTime: pick([1, 2, 10]) }), src()));
    else if (y < 0.1) list.push(at(v3Query({ group: g, maxRespTime: pick([0.5, 1]) }), src()));
    else if (y < 0.11) list.push(at(v3Query({ group: g, maxRespTime: 1, sources: ["198.51.100.1"] }), src()));
    else if (y < 0.16) list.push(at(v2Report(g), h));
    else if (y < 0.18) list.push(at(v1Report(g), h));
    else if (y < 0.22) list.push(at(leave(g), h));
    else {
      const records: RecordInit[] = [];
      const m = 1 + Math.floor(r() * 5);
      for (let i = 0; i < m; i++) {
        const type = r() < 0.6 ? 2 : 1 + Math.floor(r() * 6);
        const sources = r() < 0.3 ? ["198.51.100.1", "198.51.100.2"].slice(0, 1 + Math.floor(r() * 2)) : [];
        records.push({ type, group: group(Math.floor(r() * groups)), sources });
      }
      list.push(at(v3Report(records), h));
    }
  }
  return frames(list);
}

interface Member {
  current: boolean;
  answeredGsq: number;
}

/** The rules of stats.ts for members and answers, with Maps: members seen per group, groups and answers per host. */
function model(list: readonly DecodedFrame[]) {
  const lans = new Map<string, { state: MonitorState; general: { at: number; max: number; idx: number } | null; idx: number; groups: Map<number, { members: Map<number, Member>; gsq: { at: number; max: number; idx: number } | null }>; hosts: Map<number, { groups: number; answered: number; delays: number[]; late: number }> }>();
  const general: number[] = [];
  const specific: number[] = [];
  let lateGeneral = 0;
  let lateSpecific = 0;
  const m = new MembershipMessage();
  let latest = -Infinity;
  for (const f of list) {
    m.fromDecoded(f);
    if (m.timeMs < latest) m.timeMs = latest;
    latest = m.timeMs;
    if (m.status === MessageStatus.ignored) continue;
    let l = lans.get(m.vlan);
    if (l === undefined) lans.set(m.vlan, (l = { state: new MonitorState(), general: null, idx: 0, groups: new Map(), hosts: new Map() }));
    const events: MonitorEvent[] = [...l.state.take(m)];
    const t = m.timeMs;
    const G = (n: number) => l!.groups.get(n) ?? l!.groups.set(n, { members: new Map(), gsq: null }).get(n)!;
    const H = (n: number) => l!.hosts.get(n) ?? l!.hosts.set(n, { groups: 0, answered: -1, delays: [], late: 0 }).get(n)!;
    const delay = (h: ReturnType<typeof H>, ms: number, max: number, isGeneral: boolean) => {
      h.delays.push(ms);
      if (ms > max) h.late++;
      (isGeneral ? general : specific).push(ms);
      if (ms > max) {
        if (isGeneral) lateGeneral++;
        else lateSpecific++;
      }
    };
    const reported = (hn: number, gn: number, current: boolean, v12: boolean): Member => {
      const h = H(hn);
      const g = G(gn);
      let member = g.members.get(hn);
      const was = member !== undefined && member.current;
      if (!isLinkLocalN(gn)) {
        const q = l!.general;
        if (q !== null && h.answered !== q.idx && (v12 ? was : current)) {
          h.answered = q.idx;
          delay(h, t - q.at, q.max, true);
        }
        const gq = g.gsq;
        if (gq !== null && member !== undefined && member.answeredGsq !== gq.idx && was && (v12 || current)) {
          member.answeredGsq = gq.idx;
          delay(h, t - gq.at, gq.max, false);
        }
      }
      if (member === undefined) {
        g.members.set(hn, (member = { current: false, answeredGsq: -1 }));
        h.groups++;
      }
      return member;
    };
    if (m.status === MessageStatus.ok) {
      if (m.kind === MessageKind.query) {
        if (m.group === 0) l.general = { at: t, max: m.maxRespMs, idx: l.idx++ };
        else {
          const g = G(m.group);
          if (m.querySources.length === 0) g.gsq = { at: t, max: m.maxRespMs, idx: l.idx++ };
        }
      } else if (m.kind === MessageKind.v1Report || m.kind === MessageKind.v2Report) {
        reported(m.src, m.group, true, true).current = true;
      } else if (m.kind === MessageKind.leave) {
        H(m.src);
        G(m.group);
      } else if (m.kind === MessageKind.v3Report) {
        H(m.src);
        let current = false;
        for (let i = 0; i < m.recordCount; i++) if (m.recordType[i] === 1 || m.recordType[i] === 2) current = true;
        for (let i = 0; i < m.recordCount; i++) G(m.recordGroup[i]!);
        for (let i = 0; i < m.recordCount; i++) {
          const type = m.recordType[i]!;
          const member = reported(m.src, m.recordGroup[i]!, current, false);
          if ((type === 1 || type === 3) && m.recordEnd[i] === m.recordStart[i]) member.current = false;
          else if (type !== 6) member.current = true;
        }
      }
    }
    for (const e of events) {
      if (e.type === "leave" && e.reporter !== null) {
        const member = G(addr32(e.group)).members.get(addr32(e.reporter));
        if (member) member.current = false;
      } else if (e.type === "expiry") for (const member of G(addr32(e.group)).members.values()) member.current = false;
      void frameTimeMs;
    }
  }
  return { lans, general: summarizeNaive(general, lateGeneral), specific: summarizeNaive(specific, lateSpecific) };
}

/** Nearest-rank percentiles of a sorted copy, as the statistics print them. */
function summarizeNaive(ms: number[], late: number): DelaySummary {
  if (ms.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null, late };
  const a = [...ms].sort((x, y) => x - y);
  const at = (q: number) => (Math.round(a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))]!) + 0) / 1000;
  return { count: a.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(a.at(-1)!) / 1000, late };
}

const vkey = (v?: number[]) => (v ? v.join(".") : "");

for (const [name, seed, n, hosts, groups, vlans] of [
  ["a few hosts, many groups each", 1, 3000, 6, 300, [[]]],
  ["many hosts per group", 2, 4000, 200, 8, [[]]],
  ["two VLANs, expiries and leaves", 3, 3000, 40, 40, [[], [10]]],
  ["one host, one group", 4, 500, 1, 2, [[]]],
] as const) {
  it(`agrees with a plain model of members and answers: ${name}`, () => {
    const list = lan(seed, n, hosts, groups, vlans as unknown as number[][]);
    const st = statsOf(list);
    const want = model(list);
    let members = 0;
    for (const g of st.groups) {
      const w = want.lans.get(vkey(g.vlan))!.groups.get(addr32(g.group))!;
      expect(g.membersSeen, g.group).toBe(w.members.size);
      members += g.membersSeen;
    }
    expect(st.groups.length).toBe([...want.lans.values()].reduce((k, l) => k + l.groups.size, 0));
    for (const h of st.hosts) {
      const w = want.lans.get(vkey(h.vlan))!.hosts.get(addr32(h.host))!;
      expect({ host: h.host, groups: h.groups, responses: h.responses }).toEqual({ host: h.host, groups: w.groups, responses: summarizeNaive(w.delays, w.late) });
    }
    expect(st.responseDelays).toEqual({ general: want.general, groupSpecific: want.specific });
    // the scenario exercises what it is meant to
    if (hosts > 1) expect(members).toBeGreaterThan(st.groups.length);
    expect(st.responseDelays.general.count).toBeGreaterThan(0);
    if (n > 1000) expect(st.responseDelays.groupSpecific.count).toBeGreaterThan(0);
    if (name.includes("expiries")) expect(st.groups.some((g) => g.expiries > 0) && st.groups.some((g) => g.leaves > 0)).toBe(true);
  });
}

for (const [name, seed, n, hosts, groups, vlans] of [
  ["two VLANs, expiries and leaves", 3, 3000, 40, 40, [[], [10]]],
  ["many hosts per group", 2, 4000, 200, 8, [[]]],
] as const) {
  it(`the same from the statistics' own state (events handed over as made) as from the linter's (events returned): ${name}`, () => {
    const list = lan(seed, n, hosts, groups, vlans as unknown as number[][]);
    const own = new StatsCollector({}, true);
    const beside = new StatsCollector({}, true);
    const linter = new Linter({}, [...LAN_CHECKS, beside.lanCheck()]);
    for (const f of list) {
      own.push(f);
      linter.push(f);
    }
    linter.finish();
    beside.frames = linter.frames;
    const a = own.finish();
    expect(beside.finish()).toEqual(a);
    expect(beside.timelines()).toEqual(own.timelines());
    expect(beside.delayPoints).toEqual(own.delayPoints);
    // every kind of event the statistics count happened
    const sum = (k: "joins" | "leaves" | "expiries" | "modeChanges" | "lastMemberQueries") => a.groups.reduce((x, g) => x + g[k], 0);
    for (const k of ["joins", "leaves", "expiries", "modeChanges", "lastMemberQueries"] as const) expect(sum(k), k).toBeGreaterThan(0);
    expect(a.queriers.some((q) => q.elected)).toBe(true);
  });
}

/**
 * A LAN whose hosts mostly send their own reports again and again (what a LAN's hosts do at every general
 * query: `perHost` reports each, sent in turn), while the rest of the LAN changes: group-specific queries,
 * leaves, v2 reports, hosts changing a report, gaps long enough for groups to expire, new hosts. Changes
 * come `calm` times rarer than at 1.
 */
function repeatingLan(seed: number, n: number, hosts: number, groups: number, perHost = 1, calm = 1): DecodedFrame[] {
  return frames(repeatingLanAt(seed, n, hosts, groups, perHost, calm));
}

/** {@link repeatingLan}'s messages, before they are frames. */
function repeatingLanAt(seed: number, n: number, hosts: number, groups: number, perHost = 1, calm = 1): At[] {
  const r = rng(seed);
  const group = (i: number) => (i === 0 ? "224.0.0.251" : `239.3.${i >> 8}.${i & 255}`);
  const host = (i: number) => `198.18.${i >> 7}.${(i & 127) + 2}`;
  // (a host that answers with several reports says each group's current state once: EXCLUDE({}), or INCLUDE of sources)
  const record = (): RecordInit =>
    perHost === 1
      ? { type: r() < 0.85 ? 2 : 1 + Math.floor(r() * 6), group: group(Math.floor(r() * groups)), sources: r() < 0.05 ? ["198.51.100.1"] : [] }
      : r() < 0.95
        ? { type: 2, group: group(Math.floor(r() * groups)), sources: [] }
        : { type: 1, group: group(Math.floor(r() * groups)), sources: ["198.51.100.1"] };
  const reportOf = (): RecordInit[] => Array.from({ length: 1 + Math.floor(r() * 5) }, record);
  const sets = Array.from({ length: hosts }, () => Array.from({ length: perHost }, reportOf));
  const turn = new Array<number>(hosts).fill(0);
  const list: At[] = [];
  let t = 0;
  for (let k = 0; k < n; k++) {
    const x = r();
    t += x < 1 - 0.005 / calm ? r() * 0.05 : 200 + r() * 200;
    const h = Math.floor(r() * hosts);
    // the host's report whose turn it is
    const mine = sets[h]!;
    const report = () => mine[turn[h]! % perHost]!;
    const y0 = r();
    const y = y0 < 0.02 ? y0 : 0.02 + (y0 - 0.02) * calm;
    // (changes rare enough that most hosts repeat themselves several times between two of them)
    if (y < 0.02) list.push({ t, src: "198.18.200.1", message: v3Query({ maxRespTime: 10 }) });
    else if (y < 0.022) list.push({ t, src: "198.18.200.1", message: v3Query({ group: group(Math.floor(r() * groups)), maxRespTime: 1 }) });
    else if (y < 0.024) {
      // a host leaves a group of its report, a group-specific query follows, and it sends its report again
      const g = report()[0]!.group;
      list.push({ t, src: host(h), message: leave(g) }, { t: t + 0.001, src: "198.18.200.1", message: v3Query({ group: g, maxRespTime: 1 }) }, { t: t + 0.2, src: host(h), message: v3Report(report()) });
      t += 0.2;
    }
    else if (y < 0.026) list.push({ t, src: host(h), message: v2Report(group(Math.floor(r() * groups))) });
    else if (y < 0.028) list.push({ t, src: host(h), message: v3Report([{ type: r() < 0.5 ? 3 : 1, group: report()[0]!.group, sources: [] }]) });
    else if (y < 0.03) mine[turn[h]! % perHost] = reportOf();
    else {
      list.push({ t, src: host(h), message: v3Report(report()) });
      turn[h]!++;
    }
  }
  return list;
}

/** The statistics of `list` with the memo, held equal to those with every report counted alone (timelines kept). */
function countedBothWays(list: Iterable<Parameters<StatsCollector["push"]>[0]>): ReturnType<StatsCollector["finish"]> {
  const memo = new StatsCollector();
  const each = new StatsCollector({}, true);
  for (const f of list) {
    memo.push(f);
    each.push(f);
  }
  const a = memo.finish();
  expect(a).toEqual(each.finish());
  return a;
}

for (const [name, seed, n, hosts, groups, perHost, calm] of [
  ["many hosts per group", 5, 8000, 20, 8, 1, 1],
  ["a group or two per host", 6, 8000, 30, 120, 1, 1],
  // (each host's reports are memos of their own: 300 of them, more than the memos' first index holds; a
  // calmer LAN, or a host's report would seldom come again before something changed)
  ["several reports per host, sent in turn", 7, 30000, 60, 400, 5, 10],
] as const) {
  it(`hosts sending the same reports again are counted as when each report is counted alone: ${name}`, () => {
    const list = repeatingLan(seed, n, hosts, groups, perHost, calm);
    // (with timelines kept, every report is counted record by record: no memo)
    const a = countedBothWays(list);
    // the LAN did change while hosts repeated themselves
    const sum = (k: "leaves" | "expiries" | "groupQueries" | "joins") => a.groups.reduce((x, g) => x + g[k], 0);
    for (const k of ["leaves", "expiries", "groupQueries", "joins"] as const) expect(sum(k), k).toBeGreaterThan(0);
    expect(a.responseDelays.general.count).toBeGreaterThan(0);
    expect(a.responseDelays.groupSpecific.count).toBeGreaterThan(0);
  });
}

/**
 * Feed `list` to a collector and to a monitor of its own, and hold the collector's state equal to the
 * monitor's every `every` frames (the collector takes a repeated report through its memo's rows,
 * `MonitorState.refreshRepeat`, instead of the state's `take`). Returns how many reports the state
 * refreshed that way, and how many it refused (then taken in full).
 */
function stateKeptBesideMemos(list: DecodedFrame[], every: number): { refreshed: number; refused: number } {
  const st = new StatsCollector();
  const plain = new MonitorState();
  let refresh: { mock: { results: { value: unknown }[] } } | undefined;
  let k = 0;
  for (const f of list) {
    st.push(f);
    plain.receive(f);
    const state = st.lanStates()[0]!.state;
    refresh ??= vi.spyOn(state, "refreshRepeat");
    if (++k % every === 0) {
      const t = frameTimeMs(f.time);
      expect(state.snapshot(t), `after frame ${k}`).toEqual(plain.snapshot(t));
    }
  }
  const t = frameTimeMs(list[list.length - 1]!.time);
  expect(st.lanStates()[0]!.state.snapshot(t)).toEqual(plain.snapshot(t));
  const results = refresh!.mock.results.map((r) => r.value === true);
  return { refreshed: results.filter((x) => x).length, refused: results.filter((x) => !x).length };
}

for (const [name, seed, n, hosts, groups, perHost, calm, least] of [
  ["many hosts per group", 15, 6000, 20, 8, 1, 1, 100],
  ["a group or two per host", 16, 6000, 30, 120, 1, 1, 500],
  ["several reports per host, sent in turn", 17, 20000, 60, 400, 5, 10, 5000],
] as const) {
  it(`the statistics' state, refreshing hosts' repeated reports through their memos, stays the monitor's: ${name}`, () => {
    const list = repeatingLan(seed, n, hosts, groups, perHost, calm);
    const { refreshed, refused } = stateKeptBesideMemos(list, 53);
    // (the shortcut was taken, and refused: both checked)
    expect(refreshed).toBeGreaterThan(least);
    expect(refused).toBeGreaterThan(0);
    countedBothWays(list);
  });
}

for (const [name, seed, hosts, groups, perHost, calm, vlans, least] of [
  ["a group or two per host", 21, 30, 120, 1, 1, [[]], 1000],
  ["several reports per host, hosts on VLANs", 22, 60, 400, 5, 10, [[], [10], [10, 20], [10, 30]], 3000],
] as const) {
  it(`a host's report again byte for byte is counted unread, as when read: ${name}`, () => {
    // the frames' bytes: IPv4 identifications that vary (checksums to match) and, in one frame of ten,
    // something else changed that a repeat unread would miss: TTL, IP or IGMP checksum, MAC, last byte,
    // IPv4 total length; each host on a VLAN of its own (the queries on the first)
    const r = rng(seed + 1000);
    const list = repeatingLanAt(seed, 20000, hosts, groups, perHost, calm);
    const vlanOf = (a: At) => vlans[Number(a.src.split(".")[3]) % vlans.length]!;
    const changed = new Set<number>();
    const bytes = list.map((a, i) => {
      const x = r();
      const at: At = { ...a, ip: { id: x < 0.6 ? Math.floor(r() * 65536) : 0 } };
      const vlan = vlanOf(a);
      if (vlan.length > 0) at.vlan = [...vlan];
      if (x >= 0.9) {
        changed.add(i);
        const k = Math.floor(r() * 6);
        if (k === 0) at.ip = { ...at.ip, ttl: 2 + Math.floor(r() * 250) };
        else
          at.patch = (b, o) => {
            if (k === 1) b[o.ip + 11]! ^= 1;
            else if (k === 2) b[o.igmp + 2]! ^= 1;
            else if (k === 3) b[11]! ^= 1 + Math.floor(r() * 255);
            else if (k === 4) b[b.length - 1]! ^= 1 + Math.floor(r() * 255); // (Ethernet padding, or the message's last byte)
            else {
              // the IPv4 total length (the checksum made to match): the view reads the message otherwise
              const total = ((b[o.ip + 2]! << 8) | b[o.ip + 3]!) + 4;
              b.set([total >> 8, total & 255], o.ip + 2);
              b.set([0, 0], o.ip + 10);
              const c = internetChecksum(b, o.ip, o.igmp);
              b.set([c >> 8, c & 255], o.ip + 10);
            }
          };
      }
      return frameBytes(at);
    });
    // the same frames unread where they can be (pushBytes) and read (push), the statistics' states held
    // equal now and then on the way
    const unread = new StatsCollector();
    const read = new StatsCollector();
    const fromView = vi.spyOn(MembershipMessage.prototype, "fromView");
    const readFrames = new Set<number>();
    const states = (st: StatsCollector, t: number) => st.lanStates().map(({ vlan, state }) => ({ vlan, state: state.snapshot(t) }));
    bytes.forEach((b, i) => {
      const ns = timestampNs(list[i]!.t);
      unread.pushBytes(b, 0, b.length, b.length, 1, i + 1, Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
      for (const c of fromView.mock.calls) readFrames.add(c[1]);
      fromView.mockClear();
      read.push(decodeFrame({ data: b, linkType: 1, timestampNs: ns }, i + 1));
      fromView.mockClear();
      if (i % 97 === 0) expect(states(unread, ms(list[i]!.t)), `after frame ${i + 1}`).toEqual(states(read, ms(list[i]!.t)));
    });
    fromView.mockRestore();
    expect(unread.finish()).toEqual(read.finish());
    // a changed frame is read unless an earlier frame had its bytes (but the IP identification and checksum)
    const seen = new Set<string>();
    bytes.forEach((b, i) => {
      const ip = 14 + 4 * vlanOf(list[i]!).length;
      const key = Array.from(b, (x, j) => (j === ip + 4 || j === ip + 5 || j === ip + 10 || j === ip + 11 ? 0 : x)).join(",");
      if (changed.has(i) && !seen.has(key)) expect(readFrames.has(i + 1), `frame ${i + 1}`).toBe(true);
      seen.add(key);
    });
    // (most repeats went unread: on VLANs, also those of a LAN other than the frame before's, whose LAN
    // is found by its tags)
    expect(bytes.length - readFrames.size).toBeGreaterThan(least);
  });
}

it("a repeated report with a record the monitor ignores or that is not a refresh is taken in full, and counted the same", () => {
  // SSM EXCLUDE records (ignored by routers), a record of a unicast address, BLOCK({}) after a refresh of
  // the same group, and groups whose quick path ends when a v2 host reports one of them (older-version
  // hosts present)
  const h = "198.18.0.2";
  const other = "198.18.0.3";
  const reports: RecordInit[][] = [
    [{ type: 2, group: "239.5.0.1", sources: [] }, { type: 2, group: "232.5.0.1", sources: [] }],
    [{ type: 2, group: "239.5.0.2", sources: [] }, { type: 2, group: "198.51.100.9", sources: [] }],
    [{ type: 2, group: "239.5.0.3", sources: [] }, { type: 6, group: "239.5.0.3", sources: [] }],
    [{ type: 2, group: "239.5.0.5", sources: [] }, { type: 4, group: "239.5.0.6", sources: [] }],
  ];
  const list: At[] = [];
  for (let k = 0; k < 12; k++) {
    for (const [i, R] of reports.entries()) list.push({ t: k + i * 0.01, src: h, message: v3Report(R) }, { t: k + i * 0.01 + 0.005, src: other, message: v3Report(R) });
    if (k === 6) list.push({ t: k + 0.5, src: other, message: v2Report("239.5.0.6") });
  }
  const frameList = frames(list);
  const { refreshed, refused } = stateKeptBesideMemos(frameList, 1);
  // the last report, from both hosts, from their third time until the v2 report (k = 2..6); refused: the
  // first two reports' repeats always, the last's after the v2 report (the third, with BLOCK, is not a
  // memo of refreshes alone: never asked)
  expect(refreshed).toBe(2 * 5);
  expect(refused).toBe(2 * (2 * 10 + 5));
  countedBothWays(frameList);
});

it("an expiry due before a repeated report is counted after that report and before the next, as when each report is counted alone", () => {
  // (b's repeats are taken through its memo, but not the one with the expiry of a's group due on the way
  // to it: that one is taken in full, the expiry applied after it is counted and before a's next report,
  // which makes a a member again)
  const a = "198.18.0.2";
  const b = "198.18.0.3";
  const ex = (group: string) => v3Report([{ type: 2, group, sources: [] }]);
  const list = frames([
    { t: 0, src: a, message: ex("239.6.0.1") },
    { t: 1, src: a, message: ex("239.6.0.1") },
    { t: 2, src: a, message: ex("239.6.0.1") },
    // (a's group expires at 262 s, 260 s after its last report)
    ...[100, 100.5, 200, 200.5, 261, 261.5, 262.3, 262.5].map((t) => ({ t, src: b, message: ex("239.6.0.2") })),
    { t: 262.7, src: a, message: ex("239.6.0.1") },
    // (a member again: its answer to a group-specific query counts)
    { t: 262.8, src: "198.18.200.1", message: v3Query({ group: "239.6.0.1", maxRespTime: 1 }) },
    { t: 263.1, src: a, message: ex("239.6.0.1") },
  ]);
  const st = countedBothWays(list);
  expect(st.groups.find((g) => g.group === "239.6.0.1")).toMatchObject({ expiries: 1, joins: 2 });
  expect(st.responseDelays.groupSpecific).toMatchObject({ count: 1, p50: 0.3 });
  // (a's third report and b's second to sixth; b's at 262.3 s is not, with the expiry due on the way to it,
  // nor its next, counted in full after the expiry changed the LAN)
  expect(stateKeptBesideMemos(list, 1).refreshed).toBe(5);
});

it("a repeated report is taken through its memo again after the monitor's table grew and its groups' slots moved", () => {
  const h = "198.18.0.2";
  const R: RecordInit[] = ["239.7.0.1", "239.7.0.2", "239.7.0.3", "239.7.0.4"].map((group) => ({ type: 2, group, sources: [] }));
  const list: At[] = [0, 1, 2].map((t) => ({ t, src: h, message: v3Report(R) }));
  // 400 groups joined by others: the table grows (rows move)
  for (let i = 0; i < 400; i++) list.push({ t: 3 + i / 1000, src: `198.18.1.${2 + (i % 200)}`, message: v3Report([{ type: 2, group: `239.8.${i >> 8}.${i & 255}`, sources: [] }]) });
  for (let t = 4; t < 14; t++) list.push({ t, src: h, message: v3Report(R) });
  const frameList = frames(list);
  const { refreshed, refused } = stateKeptBesideMemos(frameList, 1);
  // (the table grows as groups join, and a join is a change: the first repeat after it is counted in
  // full and kept again, with the slots its groups have now; the next are taken through them)
  expect(refused).toBe(0);
  expect(refreshed).toBe(1 + 9);
  countedBothWays(frameList);
});

it("a host's report again after its membership changed (a leave, an expiry) is counted in full, as when each report is counted alone", () => {
  const R: RecordInit[] = [
    { type: 2, group: "239.4.0.1", sources: [] },
    { type: 2, group: "239.4.0.2", sources: [] },
  ];
  const h = "198.18.0.2";
  const q = "198.18.200.1";
  const list = frames([
    ...[0, 1, 2].map((t) => ({ t, src: h, message: v3Report(R) })),
    { t: 3, src: h, message: leave("239.4.0.1") },
    { t: 3.1, src: h, message: v3Report(R) },
    { t: 4, src: q, message: v3Query({ group: "239.4.0.1", maxRespTime: 1 }) },
    { t: 4.5, src: h, message: v3Report(R) },
    ...[10, 11, 12].map((t) => ({ t, src: h, message: v3Report(R) })),
    // the groups expire (260 s after the last report) and the host reports them again (the report is
    // counted before the expiries that fell due on the way to it, so the one after it makes it a member)
    { t: 400, src: h, message: v3Report(R) },
    { t: 402, src: h, message: v3Report(R) },
    { t: 403, src: q, message: v3Query({ group: "239.4.0.2", maxRespTime: 1 }) },
    { t: 403.5, src: h, message: v3Report(R) },
  ]);
  const a = countedBothWays(list);
  expect(a.responseDelays.groupSpecific.count).toBe(2);
  expect(a.groups.map((g) => [g.group, g.records, g.leaves, g.expiries])).toEqual([
    ["239.4.0.1", { MODE_IS_EXCLUDE: 11 }, 1, 1],
    ["239.4.0.2", { MODE_IS_EXCLUDE: 11 }, 0, 1],
  ]);
});

it("a report with sources is never a memo: the same records without sources (IS_IN({}) is a leave) are counted in full", () => {
  // (a memo is matched by groups and types alone; kept for IS_IN({S}), it would take the later IS_IN({}) for
  // a repeat and miss the leave and the answer to the group-specific query that follows)
  const g = "239.4.0.7";
  const a = "198.18.0.2";
  const b = "198.18.0.3";
  const q = "198.18.200.1";
  const withSource: RecordInit[] = [{ type: 1, group: g, sources: ["198.51.100.1"] }];
  const list = frames([
    { t: 0, src: b, message: v3Report([{ type: 2, group: g, sources: [] }]) },
    ...[1, 2, 3].map((t) => ({ t, src: a, message: v3Report(withSource) })),
    { t: 4, src: a, message: v3Report([{ type: 1, group: g, sources: [] }]) },
    { t: 5, src: q, message: v3Query({ group: g, maxRespTime: 1 }) },
    { t: 5.2, src: a, message: v3Report(withSource) },
    { t: 5.4, src: b, message: v3Report([{ type: 2, group: g, sources: [] }]) },
  ]);
  const st = countedBothWays(list);
  expect(st.groups.map((x) => [x.group, x.records, x.membersSeen])).toEqual([[g, { MODE_IS_INCLUDE: 5, MODE_IS_EXCLUDE: 2 }, 2]]);
});

it("a member that said IS_IN({}) and refreshes again is a member again, though the monitor kept it among the group's reporters", () => {
  // (IS_IN({}) ends a host's membership here but not in the monitor's reporters, whose quick path then takes
  // the host's next EXCLUDE({}) for a refresh: a shortcut trusting that would miss its answer below)
  const ex: RecordInit[] = [{ type: 2, group: "239.4.0.1", sources: [] }];
  const a = "198.18.0.2";
  const b = "198.18.0.3";
  const q = "198.18.200.1";
  const list = frames([
    { t: 0, src: a, message: v3Report(ex) },
    { t: 0.1, src: b, message: v3Report(ex) },
    { t: 1, src: a, message: v3Report(ex) },
    { t: 1.1, src: b, message: v3Report(ex) },
    { t: 2, src: b, message: v3Report([{ type: 1, group: "239.4.0.1", sources: [] }]) },
    { t: 3, src: b, message: v3Report(ex) },
    { t: 4, src: q, message: v3Query({ group: "239.4.0.1", maxRespTime: 1 }) },
    { t: 4.3, src: b, message: v3Report(ex) },
  ]);
  const st = countedBothWays(list);
  expect(st.responseDelays.groupSpecific).toMatchObject({ count: 1, p50: 0.3 });
  expect(st.groups.map((g) => [g.group, g.membersSeen, g.records])).toEqual([["239.4.0.1", 2, { MODE_IS_INCLUDE: 1, MODE_IS_EXCLUDE: 6 }]]);
});

it("a report whose quiet records come before one that changes something is counted as when each report is counted alone", () => {
  // (the quiet records at the head of a report are counted in a loop of their own, up to the first that is
  // not: a new group, a leave, the same group again after it, a group-specific query to answer)
  const ex = (group: string): RecordInit => ({ type: 2, group, sources: [] });
  const a = "198.18.0.2";
  const q = "198.18.200.1";
  const list = frames([
    { t: 0, src: a, message: v3Report([ex("239.4.0.1")]) },
    { t: 1, src: a, message: v3Report([ex("239.4.0.1")]) },
    // quiet, then a group the host joins
    { t: 2, src: a, message: v3Report([ex("239.4.0.1"), ex("239.4.0.2")]) },
    // quiet, then a leave of the same group, then the group again: a member again
    { t: 3, src: a, message: v3Report([ex("239.4.0.2"), { type: 1, group: "239.4.0.1", sources: [] }, ex("239.4.0.1")]) },
    // quiet, then an answer to the group-specific query
    { t: 4, src: q, message: v3Query({ group: "239.4.0.2", maxRespTime: 1 }) },
    { t: 4.25, src: a, message: v3Report([ex("239.4.0.1"), ex("239.4.0.2")]) },
    { t: 5, src: a, message: v3Report([ex("239.4.0.1"), ex("239.4.0.2")]) },
  ]);
  const st = countedBothWays(list);
  expect(st.responseDelays.groupSpecific).toMatchObject({ count: 1, p50: 0.25 });
  expect(st.groups.map((g) => [g.group, g.membersSeen, g.joins, g.records])).toEqual([
    ["239.4.0.1", 1, 1, { MODE_IS_INCLUDE: 1, MODE_IS_EXCLUDE: 6 }],
    ["239.4.0.2", 1, 1, { MODE_IS_EXCLUDE: 4 }],
  ]);
  expect(st.hosts[0]).toMatchObject({ groups: 2, records: { MODE_IS_INCLUDE: 1, MODE_IS_EXCLUDE: 10 } });
});

it("summarizeDelays: exact nearest-rank percentiles of rounded milliseconds, whatever their range", () => {
  const r = rng(9);
  for (const scale of [1, 1000, 1e7, 3e9]) {
    for (let k = 0; k < 20; k++) {
      const n = 1 + Math.floor(r() * 3000);
      // fractions, negatives, values beyond 32 bits and the dense range's edges
      const a = Array.from({ length: n }, () => (r() - 0.1) * scale * (r() < 0.1 ? 0 : 1) + (r() < 0.05 ? (1 << 20) - 0.5 : 0));
      const late = Math.floor(r() * 5);
      expect(summarizeDelays(a, late)).toEqual(summarizeNaive(a, late));
    }
  }
  expect(summarizeDelays([], 0)).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null, late: 0 });
});
