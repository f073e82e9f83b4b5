/**
 * The /proc parsers on text captured from the real kernel (fixtures/kernel, made by
 * scripts/fixtures/make-kernel-fixtures.sh), cross-checked against `ip maddr show` and `ip mroute show`
 * captured at the same moment; damaged text keeps what was read and names the line.
 */
import { describe, expect, it } from "vitest";
import {
  hostHexToIPv4,
  mergedFilter,
  parseProcNetDevMcast,
  parseProcNetIgmp,
  parseProcNetIpMrCache,
  parseProcNetIpMrVif,
  parseProcNetMcfilter,
  unresolvedLimitOf,
} from "../../src/kernel/index.js";
import { fixtureState, fixtureText } from "./helpers.js";
import { parseIpMaddr, parseIpMroute } from "./oracles.js";

const fx = fixtureText;

describe("/proc/net/igmp", () => {
  const { rows, problems } = parseProcNetIgmp(fx("host-igmp.txt"));
  it("reads every interface and group of the real file", () => {
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.device, r.version, r.count, r.groups.length])).toEqual([
      ["lo", "V3", 1, 1],
      ["eth0", "V3", 4, 4],
      ["eth1", "V2", 2, 2],
      ["eth2", "V2", 2, 2],
    ]);
    const eth0 = rows[1]!.groups;
    // 03033CEF on a little-endian machine: the bytes EF 3C 03 03 = 239.60.3.3.
    expect(eth0.map((g) => [g.group, g.users])).toEqual([
      ["239.60.3.3", 1],
      ["232.60.2.2", 2],
      ["239.60.1.1", 2],
      ["224.0.0.1", 1],
    ]);
    // eth1 is forced to v2: it was the last reporter of 239.60.1.1 (so it sends the Leave).
    expect(rows[2]!.groups[0]).toMatchObject({ group: "239.60.1.1", users: 1, reporter: true, timerRunning: false });
  });
  it("reads a running timer in clock ticks", () => {
    const g = rows[3]!.groups[0]!;
    expect(g.timerRunning).toBe(true);
    expect(g.timerTicks).toBeGreaterThan(0);
  });
  it("agrees with ip maddr show: groups and users per interface", () => {
    const maddr = parseIpMaddr(fx("host-ip-maddr.txt"));
    for (const r of rows) expect(new Map(r.groups.map((g) => [g.group, g.users]))).toEqual(maddr.get(r.device)!.groups);
  });
  it("keeps the rows before and after a damaged line and names it", () => {
    const text = fx("host-igmp.txt").replace("02023CE8     2 0:00000000\t\t0", "02023CE8     two 0:0");
    const p = parseProcNetIgmp(text);
    expect(p.rows.flatMap((r) => r.groups).length).toBe(8);
    expect(p.problems.map((x) => [x.line, x.message])).toEqual([
      [6, "not an interface line nor a group row"],
      [0, "eth0: Count says 4 groups, 3 rows follow (the table changed while it was read)"],
    ]);
  });
  it("reads the address words in the machine's byte order", () => {
    expect(hostHexToIPv4("010000E0", "LE")).toBe("224.0.0.1");
    expect(hostHexToIPv4("E0000001", "BE")).toBe("224.0.0.1");
  });
  it("says when a file is empty or its header differs", () => {
    expect(parseProcNetIgmp("").problems[0]?.message).toMatch(/empty file/);
    expect(parseProcNetIgmp("Idx Dev Something\n").problems[0]?.message).toMatch(/unexpected header/);
  });
});

describe("/proc/net/mcfilter and the merged filter", () => {
  it("reads the real rows in network order", () => {
    const { rows, problems } = parseProcNetMcfilter(fx("host-mcfilter.txt"));
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { index: 2, device: "eth0", group: "239.60.3.3", source: "198.18.60.77", include: 0, exclude: 1 },
      { index: 2, device: "eth0", group: "232.60.2.2", source: "198.18.60.9", include: 1, exclude: 0 },
      { index: 2, device: "eth0", group: "232.60.2.2", source: "198.18.60.10", include: 2, exclude: 0 },
    ]);
  });
  it("derives each group's mode and sources as the sockets set them", () => {
    const eth0 = fixtureState("host").interfaces.find((i) => i.name === "eth0")!;
    const g = (a: string) => eth0.groups.find((x) => x.group === a)!;
    // One socket IP_ADD_MEMBERSHIP + IP_BLOCK_SOURCE 77.
    expect([g("239.60.3.3").mode, g("239.60.3.3").sources]).toEqual(["exclude", ["198.18.60.77"]]);
    // Socket 1 INCLUDE {9, 10}, socket 2 INCLUDE {10}.
    expect([g("232.60.2.2").mode, g("232.60.2.2").sources]).toEqual(["include", ["198.18.60.9", "198.18.60.10"]]);
    // Two any-source sockets: EXCLUDE {}, no mcfilter rows at all.
    expect([g("239.60.1.1").mode, g("239.60.1.1").sources, g("239.60.1.1").users]).toEqual(["exclude", [], 2]);
  });
  it("says unknown where the counts allow both modes, and is exact where they do not (hand-computed)", () => {
    const s = (source: string, include: number, exclude: number) => ({ source, include, exclude });
    // 2 users, A and B included once each: INCLUDE {A},{B} or INCLUDE {A,B} + EXCLUDE {}.
    expect(mergedFilter(2, [s("198.18.0.1", 1, 0), s("198.18.0.2", 1, 0)])).toEqual({ mode: "unknown", sources: null });
    // 3 users but only 2 source references: at least one socket has no source, so it is EXCLUDE {}.
    expect(mergedFilter(3, [s("198.18.0.1", 1, 0), s("198.18.0.2", 1, 0)])).toEqual({ mode: "exclude", sources: [] });
    // 2 users, both block A: EXCLUDE {A}.
    expect(mergedFilter(2, [s("198.18.0.1", 0, 2)])).toEqual({ mode: "exclude", sources: ["198.18.0.1"] });
    // 2 users, one blocks A, the other blocks nothing: EXCLUDE {} (A is not blocked by every socket).
    expect(mergedFilter(2, [s("198.18.0.1", 0, 1)])).toEqual({ mode: "exclude", sources: [] });
    // An INCLUDE {A} socket and an EXCLUDE {A} socket: EXCLUDE {} (A included by one).
    expect(mergedFilter(2, [s("198.18.0.1", 1, 1)])).toEqual({ mode: "exclude", sources: [] });
    // A source kept only for pending reports (0, 0) is no member of the filter.
    expect(mergedFilter(1, [s("198.18.0.1", 1, 0), s("198.18.0.2", 0, 0)])).toEqual({ mode: "include", sources: ["198.18.0.1"] });
  });
  it("keeps good rows around a bad one", () => {
    const text = fx("host-mcfilter.txt").replace("0xc6123c09", "0xZZ");
    const p = parseProcNetMcfilter(text);
    expect(p.rows).toHaveLength(2);
    expect(p.problems[0]).toMatchObject({ file: "/proc/net/mcfilter", line: 3 });
  });
});

describe("/proc/net/dev_mcast", () => {
  it("reads the link-layer addresses, the same ip maddr lists", () => {
    const { rows, problems } = parseProcNetDevMcast(fx("host-dev_mcast.txt"));
    expect(problems).toEqual([]);
    const maddr = parseIpMaddr(fx("host-ip-maddr.txt"));
    for (const dev of ["eth0", "eth1", "eth2"]) expect(rows.filter((r) => r.device === dev).map((r) => r.address)).toEqual(maddr.get(dev)!.links);
    // Every group the interface holds has its 01:00:5e address there.
    for (const i of fixtureState("host").interfaces.filter((x) => x.name !== "lo")) for (const g of i.groups) expect(g.linkAddressPresent).toBe(true);
  });
});

describe("sysctls and the interface's version", () => {
  it("tells a forced version from an older querier present", () => {
    const st = fixtureState("host");
    const by = (n: string) => st.interfaces.find((i) => i.name === n)!;
    expect([by("eth0").version, by("eth0").forceIgmpVersion, by("eth0").querierPresent]).toEqual(["V3", 0, "none"]);
    expect([by("eth1").version, by("eth1").forceIgmpVersion, by("eth1").querierPresent]).toEqual(["V2", 2, "unknown"]);
    // eth2 is not forced; the v2 bridge querier on its LAN puts it in v2 mode.
    expect([by("eth2").version, by("eth2").forceIgmpVersion, by("eth2").querierPresent]).toEqual(["V2", 0, "v2"]);
    expect(by("eth0").igmpv3UnsolicitedReportIntervalMs).toBe(200);
    expect(st.sysctl).toEqual({ igmpMaxMemberships: 20, igmpMaxMsf: 10, igmpQrv: 2, igmpLinkLocalMcastReports: true, forceIgmpVersionAll: 0 });
    expect(st.router).toBeNull();
    expect(st.problems).toEqual([]);
  });
});

describe("/proc/net/ip_mr_vif and ip_mr_cache", () => {
  it("reads the VIFs pimd made: pimreg, then the LANs bound by ifindex", () => {
    const { rows, problems } = parseProcNetIpMrVif(fx("router-ip_mr_vif.txt"));
    expect(problems).toEqual([]);
    expect(rows.map((v) => [v.vif, v.device, v.flagNames, v.localIfindex])).toEqual([
      [0, "pimreg", ["register"], null],
      [1, "rv", ["useIfindex"], 3],
      [2, "rs", ["useIfindex"], 2],
    ]);
    expect(rows[2]!.packetsIn).toBeGreaterThan(0);
    expect(rows[1]!.packetsOut).toBeGreaterThan(0);
  });
  it("reads resolved and unresolved entries with oifs and TTL thresholds", () => {
    const { rows, problems } = parseProcNetIpMrCache(fx("router-ip_mr_cache.txt"));
    expect(problems).toEqual([]);
    const sg = rows.find((r) => r.origin === "198.18.50.2" && r.group === "239.60.6.6")!;
    expect(sg).toMatchObject({ iif: 2, unresolved: false, oifs: [{ vif: 1, ttl: 1 }] });
    expect(sg.packets).toBeGreaterThan(0);
    expect(sg.bytes).toBe(sg.packets * 60); // 20 IP + 8 UDP + 32 payload
    expect(sg.wrongIf).toBeGreaterThan(0); // the spoofed packets from the receiver LAN
    expect(rows.filter((r) => r.unresolved).map((r) => r.group).sort()).toEqual(["239.61.0.1", "239.61.0.2", "239.61.0.3"]);
    expect(rows.find((r) => r.origin === "0.0.0.0")?.oifs.map((o) => o.vif)).toEqual([0, 1, 2]);
  });
  it("agrees entry for entry with ip mroute show", () => {
    const st = fixtureState("router");
    const ours = [...st.router!.mfc, ...st.router!.unresolved].map((e) => ({
      origin: e.origin,
      group: e.group,
      iif: e.unresolved ? "unresolved" : e.iifDevice,
      oifs: e.oifs.map((o) => o.device),
      state: e.unresolved ? "unresolved" : "resolved",
    }));
    const theirs = parseIpMroute(fx("router-ip-mroute.txt"));
    const key = (x: { origin: string; group: string }) => `${x.origin} ${x.group}`;
    const sort = <T extends { origin: string; group: string }>(xs: T[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
    // ip mroute lists the oifs in its own order (by VIF, from the highest in a (*,G)); compare as sets.
    expect(sort(ours).map((x) => ({ ...x, oifs: [...x.oifs].sort() }))).toEqual(sort(theirs).map((x) => ({ ...x, oifs: [...x.oifs].sort() })));
    expect(st.router!.active).toBe(true);
  });
  it("keeps good rows around a bad one", () => {
    const text = fx("router-ip_mr_cache.txt").replace(/^06063CEF 023212C6.*$/m, "06063CEF 023212C6 x");
    const p = parseProcNetIpMrCache(text);
    expect(p.rows).toHaveLength(4);
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.line).toBe(3);
  });
  it("knows which kernels cap the unresolved queue at 10", () => {
    expect(unresolvedLimitOf("4.19.0-27-amd64")).toBe(10);
    expect(unresolvedLimitOf("5.4.0")).toBeNull();
    expect(unresolvedLimitOf("6.18.44-fc-v669")).toBeNull();
    expect(unresolvedLimitOf(null)).toBeNull();
  });
});
