/**
 * Live: `igmpkit monitor -i` watches a LAN whose querier is the Linux bridge (IGMPv3, then IGMPv2) while
 * Linux kernel hosts join any-source and source-specific groups, block sources, leave, and one host drops
 * off the LAN silently. The monitor must end with the groups, filter modes and source lists of the bridge's
 * own `bridge -j -d mdb show`, and its timers must expire the silent host's group at the membership
 * interval as the bridge does.
 *
 * Topology: the querier bridge `br0` (namespace sw, 198.18.0.1) has one port, p1, to a LAN: a plain
 * bridge without snooping (a hub, namespace lan) with three kernel hosts h1..h3 (198.18.0.2-4). The bridge
 * keeps its multicast database per port, so its p1 entries are exactly a router's view of that LAN; the
 * monitor runs in sw on p1, where it sees what a router port sees (the hosts' reports, and the bridge's
 * general and specific queries). Cutting h3's hub port (nomaster) makes h3 go silent without a leave.
 *
 * Bridge timers are short: query interval 2 s, response 1 s, membership interval 5 s (= 2 × 2 + 1, the
 * Group Membership Interval the monitor derives), last member interval 0.5 s × 2.
 */
import { beforeAll, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/monitor/state.js";
import { lint, type Finding } from "../../src/monitor/index.js";
import { readCapture } from "../../src/capture/read.js";
import { frameTimeMs } from "../../src/monitor/state.js";
import { describeLive, Lab, waitFor, type Bridge, type Capture, type KernelHost, type Netns } from "../lab/index.js";
import { ensureBuilt, mdbView, monitorView, reportsFrom, startMonitor, type MonitorProcess } from "./live-helpers.js";

interface Lan {
  lab: Lab;
  sw: Netns;
  lan: Netns;
  br: Bridge;
  hosts: KernelHost[];
  monitor: MonitorProcess;
  /** tcpdump on p1, for lint. */
  capture: Capture;
  /** A second monitor that only sees h3's frames: its h3 group can only go by its own timer. */
  silent: MonitorProcess;
}

async function buildLan(lab: Lab, version: 2 | 3): Promise<Lan> {
  const sw = await lab.netns("sw");
  const lan = await lab.netns("lan");
  const br = await lab.bridge(sw, {
    name: "br0",
    querier: true,
    igmpVersion: version,
    queryIntervalMs: 2000,
    queryResponseIntervalMs: 1000,
    startupQueryIntervalMs: 500,
    lastMemberIntervalMs: 500,
    lastMemberCount: 2,
    membershipIntervalMs: 5000,
    address: "198.18.0.1/24",
  });
  const hub = await lab.bridge(lan, { name: "hub", snooping: false });
  await lab.veth(sw, lan, { nameA: "p1", nameB: "up0" });
  await br.addPort("p1");
  await hub.addPort("up0");
  const capture = await lab.tcpdump(sw, "p1", { filter: "igmp" });
  // v2 queries carry no QRV/QQIC: the monitor is told the interval the bridge uses.
  const monitor = await startMonitor(lab, sw, "p1", ["--query-interval", "2"]);
  const silent = await startMonitor(lab, sw, "p1", ["--query-interval", "2", "--query-response-interval", "1", "igmp and src host 198.18.0.4"]);
  const hosts: KernelHost[] = [];
  for (const i of [1, 2, 3]) {
    const h = await lab.netns(`h${i}`);
    await lab.veth(h, lan, { nameA: "eth0", nameB: `a${i}`, addrA: `198.18.0.${i + 1}/24` });
    await hub.addPort(`a${i}`);
    hosts.push(await lab.kernelHost(h, "eth0", { version, unsolicitedReportIntervalMs: 200 }));
  }
  return { lab, sw, lan, br, hosts, monitor, silent, capture };
}

const groupsOf = async (br: Bridge) => mdbView(await br.mdb(), "p1").map((g) => g.group);

/** Wait until the bridge has exactly `want` groups on p1. */
async function mdbGroups(br: Bridge, want: string[], what: string): Promise<void> {
  await waitFor(what, async () => JSON.stringify(await groupsOf(br)) === JSON.stringify([...want].sort()), { timeoutMs: 20_000, intervalMs: 100 });
}

/** The bridge's group-and-source-specific queries start one LMQI after the report (RFC 9776 §6.6.3.2: at once). */
const lateGroupSource = (f: Finding) => f.rule === "last-member-queries" && /group-and-source-specific queries .*: the first not at once$/.test(f.message);

/**
 * Stop the monitor and compare with the mdb read just before and just after; the LAN is stable by then.
 * `blocks`: the run blocked listened sources, so the bridge's late group-and-source queries are flagged.
 */
async function compareWithMdb(l: Lan, blocks: boolean) {
  const before = mdbView(await l.br.mdb(), "p1");
  const snapshot = await l.monitor.stop();
  const after = mdbView(await l.br.mdb(), "p1");
  expect(after).toEqual(before);
  expect(monitorView(snapshot)).toEqual(before);
  // The same LAN, linted: real kernel hosts and a real querier break no rule, except that the Linux
  // bridge sends its group-specific queries to 224.0.0.1 (a warning, documented on the rule) and, with no
  // mcast_query_use_ifaddr, sends its queries from 0.0.0.0 (query-from-unspecified, info). Its
  // last-member queries are judged here too (last-member-queries): the group-specific ones pass, the
  // group-and-source-specific ones start an interval late (and the last then races the source's expiry).
  const findings = lint(await readCapture(await l.capture.stop()));
  if (process.env.IGMPKIT_SHOW_FINDINGS) console.log(JSON.stringify(findings, null, 1));
  expect(findings.filter((f) => f.rule !== "query-destination" && f.rule !== "query-from-unspecified" && !lateGroupSource(f))).toEqual([]);
  expect(findings.some(lateGroupSource)).toBe(blocks);
  expect(findings.filter((f) => f.rule === "query-from-unspecified").map((f) => f.severity)).toContain("info");
  return snapshot;
}

const isExpiry = (g: string) => (e: MonitorEvent) => e.type === "expiry" && e.group === g;

describeLive("monitor -i against the Linux bridge querier (live)", ["cap", "bridge", "python3", "sysctl"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("IGMPv3: ASM, blocked source, SSM include, leave with last-member queries, source leave, silent-host expiry: same groups, modes and sources as the mdb", async () => {
    await Lab.with(async (lab) => {
      const l = await buildLan(lab, 3);
      const [h1, h2, h3] = l.hosts as [KernelHost, KernelHost, KernelHost];
      await h1.join("239.1.1.1");
      await h2.join("239.1.1.1");
      await h1.join("239.1.1.3");
      await h1.block("239.1.1.3", "198.18.0.77");
      await h1.joinSource("232.1.1.1", "198.18.0.9");
      await h2.joinSource("232.1.1.1", "198.18.0.10");
      await h2.joinSource("232.1.1.2", "198.18.0.9");
      await h1.join("239.1.1.4");
      await h3.join("239.1.1.5");
      await mdbGroups(l.br, ["232.1.1.1", "232.1.1.2", "239.1.1.1", "239.1.1.3", "239.1.1.4", "239.1.1.5"], "the bridge to learn every group");
      await l.silent.waitEvent("the silent monitor sees h3 join", (e) => e.type === "join" && e.group === "239.1.1.5");
      // h3 drops off the LAN without a word; h1 leaves a group it alone has and one h2 keeps; h2 drops a source.
      await waitFor("h3's unsolicited reports, both of them", async () => (await reportsFrom(l.capture.file, "198.18.0.4")) >= 2);
      await l.lab.exec(l.lan, "ip", ["link", "set", "a3", "nomaster"]);
      await h1.leave("239.1.1.4");
      await h1.leave("239.1.1.1");
      await h2.leaveSource("232.1.1.2", "198.18.0.9");

      // Leave: the bridge's group-specific queries are seen, nobody answers, the group goes after LMQT.
      const lmq = await l.monitor.waitEvent("the bridge's last-member query for 239.1.1.4", (e) => e.type === "last-member-query" && e.group === "239.1.1.4" && e.observed);
      const gone = await l.monitor.waitEvent("239.1.1.4 to go", isExpiry("239.1.1.4"));
      expect(frameTimeMs(gone.time) - frameTimeMs(lmq.time)).toBeLessThanOrEqual(1000 + 50); // LMQT = 0.5 s × 2, from the first query
      await l.monitor.waitEvent("232.1.1.2 to go after its source", isExpiry("232.1.1.2"));
      // Silent host: the group timer runs out at the membership interval after h3's last report.
      const expired = await l.monitor.waitEvent("239.1.1.5 to expire", isExpiry("239.1.1.5"));
      expect(expired).toMatchObject({ frame: null, reason: "group-timer" });
      await mdbGroups(l.br, ["232.1.1.1", "239.1.1.1", "239.1.1.3"], "the bridge to drop 239.1.1.4, 232.1.1.2 and 239.1.1.5");
      // The filtered monitor saw nothing after h3's last report: only its clock can expire the group.
      const silentExpiry = await l.silent.waitEvent("the silent monitor to expire 239.1.1.5", isExpiry("239.1.1.5"));
      const joinedH3 = l.silent.events().find((e) => e.type === "join")!;
      expect(silentExpiry.frame).toBeNull();
      expect(frameTimeMs(silentExpiry.time) - frameTimeMs(joinedH3.time)).toBeGreaterThanOrEqual(5000);
      expect(monitorView(await l.silent.stop("SIGTERM"))).toEqual([]);

      const snapshot = await compareWithMdb(l, true);
      expect(monitorView(snapshot)).toEqual([
        { group: "232.1.1.1", mode: "include", sources: ["198.18.0.10", "198.18.0.9"], forwarding: ["198.18.0.10", "198.18.0.9"] },
        { group: "239.1.1.1", mode: "exclude", sources: [], forwarding: [] },
        { group: "239.1.1.3", mode: "exclude", sources: ["198.18.0.77"], forwarding: [] },
      ]);
      expect(snapshot.timers).toMatchObject({ robustness: 2, queryInterval: 2, queryResponseInterval: 1, groupMembershipInterval: 5, lastMemberQueryTime: 1 });
      expect(snapshot.groups.find((g) => g.group === "239.1.1.1")).toMatchObject({ compatMode: 3, reporters: ["198.18.0.3"] });
      for (const h of l.hosts) await h.close();
    });
  });

  it("IGMPv2: joins, a leave with last-member queries, a member that stays, silent-host expiry: same groups as the mdb, v2 compatibility", async () => {
    await Lab.with(async (lab) => {
      const l = await buildLan(lab, 2);
      const [h1, h2, h3] = l.hosts as [KernelHost, KernelHost, KernelHost];
      await h1.join("239.2.2.1");
      await h2.join("239.2.2.1");
      await h1.join("239.2.2.2");
      await h3.join("239.2.2.5");
      await mdbGroups(l.br, ["239.2.2.1", "239.2.2.2", "239.2.2.5"], "the bridge to learn every group");
      await l.silent.waitEvent("the silent monitor sees h3 join", (e) => e.type === "join" && e.group === "239.2.2.5");

      await waitFor("h3's unsolicited reports, both of them", async () => (await reportsFrom(l.capture.file, "198.18.0.4")) >= 2);
      await l.lab.exec(l.lan, "ip", ["link", "set", "a3", "nomaster"]);
      await h1.leave("239.2.2.2");
      await h1.leave("239.2.2.1");

      const leave = await l.monitor.waitEvent("h1's leave of 239.2.2.2", (e) => e.type === "leave" && e.group === "239.2.2.2");
      expect(leave).toMatchObject({ reporter: "198.18.0.2", version: 2 });
      await l.monitor.waitEvent("the bridge's last-member query for 239.2.2.2", (e) => e.type === "last-member-query" && e.group === "239.2.2.2" && e.observed);
      await l.monitor.waitEvent("239.2.2.2 to go", isExpiry("239.2.2.2"));
      const expired = await l.monitor.waitEvent("239.2.2.5 to expire", isExpiry("239.2.2.5"));
      expect(expired).toMatchObject({ frame: null, reason: "group-timer" });
      await mdbGroups(l.br, ["239.2.2.1"], "the bridge to drop 239.2.2.2 and 239.2.2.5");
      await l.silent.waitEvent("the silent monitor to expire 239.2.2.5", isExpiry("239.2.2.5"));
      await l.silent.stop();

      const snapshot = await compareWithMdb(l, false);
      expect(monitorView(snapshot).map((g) => g.group)).toEqual(["239.2.2.1"]);
      expect(snapshot.groups.find((g) => g.group === "239.2.2.1")).toMatchObject({ compatMode: 2, v2HostTimer: expect.any(Number) as number });
      expect(snapshot.querier).toMatchObject({ version: 2 });
      for (const h of l.hosts) await h.close();
    });
  });
});
