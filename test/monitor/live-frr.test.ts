/**
 * Live: FRR pimd is the IGMPv3 querier, a Linux kernel host joins and leaves; `igmpkit monitor -i` running
 * in the router's namespace on its interface, and the library's `monitor` fed tcpdump's capture of the same
 * LAN, both end with the same groups and sources as `show ip igmp groups/sources json`.
 */
import { beforeAll, expect, it } from "vitest";
import { lint, monitor } from "../../src/monitor/index.js";
import { readCapture } from "../../src/capture/read.js";
import { frameTimeMs } from "../../src/monitor/state.js";
import { describeLive, Lab, waitFor, type KernelHost } from "../lab/index.js";
import { ensureBuilt, monitorView, startMonitor } from "./live-helpers.js";

/** Every object (at any depth) of a vtysh JSON answer that has a string `group`. */
function objectsWithGroup(j: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(j)) for (const x of j) objectsWithGroup(x, out);
  else if (j !== null && typeof j === "object") {
    const o = j as Record<string, unknown>;
    if (typeof o.group === "string") out.push(o);
    for (const v of Object.values(o)) objectsWithGroup(v, out);
  }
  return out;
}

describeLive("monitor against FRR pimd (live)", ["cap", "tcpdump", "python3", "sysctl", "/usr/lib/frr/pimd", "/usr/lib/frr/zebra", "vtysh"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("ends with the groups and sources pimd has, live (monitor -i) and from the capture", async () => {
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const h = await lab.netns("h");
      const link = await lab.veth(r, h, { nameA: "r0", nameB: "eth0", addrB: "198.18.1.2/24" });
      const live = await startMonitor(lab, r, link.a);
      const frr = await lab.frr(r, {
        interfaces: [{ name: link.a, address: "198.18.1.1/24", igmpVersion: 3, queryIntervalSec: 2, queryMaxResponseTimeDs: 10 }],
      });
      const cap = await lab.tcpdump(h, "eth0", { filter: "igmp" });
      const host = await lab.kernelHost(h, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
      await host.join("239.9.9.1");
      await host.join("239.9.9.2");
      await host.joinSource("232.9.9.9", "198.19.9.9");
      await waitFor(
        "pimd to learn the groups",
        async () => {
          const t = JSON.stringify(await frr.vtysh("show ip igmp groups json"));
          return t.includes("239.9.9.1") && t.includes("239.9.9.2") && t.includes("232.9.9.9") ? true : undefined;
        },
        { timeoutMs: 20_000 },
      );
      await host.leave("239.9.9.2");
      await waitFor(
        "pimd to drop 239.9.9.2",
        async () => (JSON.stringify(await frr.vtysh("show ip igmp groups json")).includes("239.9.9.2") ? undefined : true),
        { timeoutMs: 20_000 },
      );
      await live.waitEvent("the live monitor to drop 239.9.9.2", (e) => e.type === "expiry" && e.group === "239.9.9.2");
      const groupsJson = await frr.vtysh("show ip igmp groups json");
      const sourcesJson = await frr.vtysh("show ip igmp sources json");
      const file = await cap.stop();
      const liveSnapshot = await live.stop();

      const frames = await readCapture(file);
      // pimd and the kernel host break no rule in this capture, but one: pimd 8.4 answers a TO_IN with a
      // group-specific query at once and then Last Member Query Count retransmissions, one query more than
      // RFC 9776 §6.6.3.1 (send one, schedule LMQC - 1). When the host's TO_IN reached pimd once (not
      // repeated: each repeat starts pimd's count again and hides the extra one), last-member-queries says so.
      // The timing rules get 300 ms of grace here instead of 100: pimd's queries are stamped when its event
      // loop gets the CPU, and with the whole suite running on two cores its last-member query came 204 ms
      // early once ("sent at +0, +0.796 s, not 1 s apart", CI of session 6; never on a quiet machine).
      const findings = lint(frames, { lateGraceMs: 300 });
      if (process.env.IGMPKIT_SHOW_FINDINGS) console.log(JSON.stringify(findings, null, 1));
      const pimdExtraQuery = (f: { rule: string; message: string }) =>
        f.rule === "last-member-queries" && /^after TO_IN\(\{\}\) from 198\.18\.1\.2 \(239\.9\.9\.2\), .*: 3 sent for 1 trigger, at most 2 expected$/.test(f.message);
      expect(findings.filter((f) => f.severity !== "info" && !pimdExtraQuery(f))).toEqual([]);
      // The replay's clock stops at the last frame: run its timers on to when pimd was asked (the live
      // monitor's final time), as the router's did.
      const { state } = monitor(frames);
      state.advance(frameTimeMs(liveSnapshot.time));
      const snapshot = state.snapshot();
      const frrGroups = [...new Set(objectsWithGroup(groupsJson).map((g) => g.group as string))].filter((g) => !g.startsWith("224.0.0.")).sort();
      const ours = snapshot.groups.map((g) => g.group).filter((g) => !g.startsWith("224.0.0.")).sort();
      expect(ours).toEqual(frrGroups);
      expect(ours).toEqual(["232.9.9.9", "239.9.9.1"]);
      // Sources: pimd lists "*" for an any-source (EXCLUDE {}) group, and the forwarded sources otherwise.
      const frrSources = new Map<string, string[]>();
      for (const g of objectsWithGroup(sourcesJson)) {
        const list = Array.isArray(g.sources) ? (g.sources as { source: string }[]).map((s) => s.source) : [];
        if (list.length) frrSources.set(g.group as string, list.sort());
      }
      const ssm = snapshot.groups.find((g) => g.group === "232.9.9.9")!;
      expect(ssm.filterMode).toBe("include");
      expect(ssm.sources.map((s) => s.source)).toEqual(frrSources.get("232.9.9.9"));
      const asm = snapshot.groups.find((g) => g.group === "239.9.9.1")!;
      expect(asm.filterMode).toBe("exclude");
      expect(frrSources.get("239.9.9.1") ?? ["*"]).toEqual(["*"]);
      expect(snapshot.querier?.address).toBe("198.18.1.1");
      const q = frames.map((f) => f.igmp).find((m) => m?.kind === "query" && m.version === 3 && m.group === "0.0.0.0");
      expect(q).toBeDefined();
      // The monitor runs on what the querier advertises (its QQIC).
      if (q?.kind === "query" && q.version === 3) expect(snapshot.timers.queryInterval).toBe(q.qqiDefault ? 125 : q.qqi);
      // The live monitor, in the router's namespace, saw the leave, pimd's last-member queries and the expiry.
      const events = live.events();
      const leave = events.find((e) => e.type === "leave" && e.group === "239.9.9.2");
      expect(leave).toMatchObject({ reporter: "198.18.1.2", version: 3 });
      const lmq = events.find((e) => e.type === "last-member-query" && e.group === "239.9.9.2" && e.observed && frameTimeMs(e.time) >= frameTimeMs(leave!.time));
      expect(lmq).toBeDefined();
      const gone = events.find((e) => e.type === "expiry" && e.group === "239.9.9.2");
      expect(frameTimeMs(gone!.time)).toBeGreaterThan(frameTimeMs(lmq!.time));
      // and ends where pimd is, and where the capture replay ends
      expect(monitorView(liveSnapshot).map((g) => g.group)).toEqual(frrGroups);
      expect(monitorView(liveSnapshot)).toEqual(monitorView(snapshot));
      expect(liveSnapshot.querier?.address).toBe("198.18.1.1");
      if (process.env.IGMPKIT_SHOW_FRR) console.log(JSON.stringify({ groupsJson, sourcesJson, snapshot }, null, 1));
      await host.close();
    });
  });

  it("IGMPv2 through a hub: a leave with pimd's last-member queries, a group another member keeps: the same groups and versions as pimd, live", async () => {
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const lan = await lab.netns("lan");
      const hub = await lab.bridge(lan, { name: "hub", snooping: false });
      const link = await lab.veth(r, lan, { nameA: "r0", nameB: "up0" });
      await hub.addPort("up0");
      // Watching before pimd starts, so that its startup queries are seen.
      const live = await startMonitor(lab, r, link.a);
      // A v2 query carries no interval: the monitor runs on its defaults, so its membership expiry is not
      // compared here (the bridge test does that).
      const frr = await lab.frr(r, {
        interfaces: [{ name: link.a, address: "198.18.1.1/24", igmpVersion: 2, queryIntervalSec: 2, queryMaxResponseTimeDs: 10, lastMemberQueryIntervalDs: 5, lastMemberQueryCount: 2 }],
      });
      const hosts: KernelHost[] = [];
      for (const i of [1, 2]) {
        const h = await lab.netns(`h${i}`);
        await lab.veth(h, lan, { nameA: "eth0", nameB: `a${i}`, addrA: `198.18.1.${i + 1}/24` });
        await hub.addPort(`a${i}`);
        hosts.push(await lab.kernelHost(h, "eth0", { version: 2, unsolicitedReportIntervalMs: 200 }));
      }
      const [h1, h2] = hosts as [KernelHost, KernelHost];
      const pimdGroups = async () =>
        [...new Set(objectsWithGroup(await frr.vtysh("show ip igmp groups json")).map((g) => g.group as string))].filter((g) => !g.startsWith("224.0.0.")).sort();
      await h1.join("239.8.8.1");
      await h1.join("239.8.8.2");
      await waitFor("pimd to learn the groups", async () => JSON.stringify(await pimdGroups()) === JSON.stringify(["239.8.8.1", "239.8.8.2"]), { timeoutMs: 20_000 });
      await h2.join("239.8.8.1");
      await h1.leave("239.8.8.2");
      await h1.leave("239.8.8.1");
      const leave = await live.waitEvent("h1's leave of 239.8.8.2", (e) => e.type === "leave" && e.group === "239.8.8.2");
      expect(leave).toMatchObject({ reporter: "198.18.1.2", version: 2 });
      const lmq = await live.waitEvent("pimd's last-member query for 239.8.8.2", (e) => e.type === "last-member-query" && e.group === "239.8.8.2" && e.observed);
      const gone = await live.waitEvent("239.8.8.2 to go", (e) => e.type === "expiry" && e.group === "239.8.8.2");
      expect(frameTimeMs(gone.time) - frameTimeMs(lmq.time)).toBeLessThanOrEqual(1000 + 50); // LMQT = 0.5 s × 2 from the first query
      await waitFor("pimd to drop 239.8.8.2", async () => JSON.stringify(await pimdGroups()) === JSON.stringify(["239.8.8.1"]), { timeoutMs: 20_000 });
      const groupsJson = await frr.vtysh("show ip igmp groups json");
      const snapshot = await live.stop();

      expect(monitorView(snapshot).map((g) => g.group)).toEqual(await pimdGroups());
      const g = snapshot.groups.find((x) => x.group === "239.8.8.1")!;
      const theirs = objectsWithGroup(groupsJson).find((x) => x.group === "239.8.8.1")!;
      expect(g).toMatchObject({ filterMode: "exclude", compatMode: theirs.version });
      expect(snapshot.querier).toMatchObject({ address: "198.18.1.1", version: 2 });
      expect(snapshot.timers).toMatchObject({ queryResponseInterval: 1, lastMemberQueryInterval: 0.5 });
      for (const h of hosts) await h.close();
    });
  });
});
