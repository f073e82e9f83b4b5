/**
 * Live: FRR pimd is the IGMPv3 querier of a LAN (a hub: a bridge without snooping) with one Linux kernel host
 * and five emulated hosts (the emulator live in its own namespace). They join ASM and SSM groups with INCLUDE
 * and EXCLUDE source lists, then some leave (sole members and one of two), one changes its sources and one
 * comes back.
 * `igmpkit monitor -i`, watching the router's interface, ends with exactly the groups, filter modes and
 * source lists (and compatibility versions) of `show ip igmp groups json` / `show ip igmp sources json`.
 */
import { beforeAll, expect, it } from "vitest";
import { frameTimeMs } from "../../src/monitor/state.js";
import { describeLive, Lab, waitFor, type Frr } from "../lab/index.js";
import { withEmulation } from "../host/live-helpers.js";
import { ensureBuilt, monitorView, startMonitor } from "./live-helpers.js";

interface GroupsJson {
  [iface: string]: { groups?: { group: string; mode?: string; version: number }[] } | number;
}
interface SourcesJson {
  [iface: string]: Record<string, { group?: string; sources?: { source: string }[] } | string>;
}

/** pimd's groups on `iface` as "group mode vN [sources]" (its "*" of an any-source EXCLUDE {} left out). */
async function pimdTable(frr: Frr, iface: string): Promise<string[]> {
  const g = await frr.vtysh<GroupsJson>("show ip igmp groups json");
  const s = await frr.vtysh<SourcesJson>("show ip igmp sources json");
  const gi = g[iface];
  const groups = typeof gi === "object" ? (gi.groups ?? []) : [];
  const src = s[iface] ?? {};
  return groups
    .filter((x) => !x.group.startsWith("224.0.0."))
    .map((x) => {
      const e = src[x.group];
      const list = typeof e === "object" ? (e.sources ?? []).map((y) => y.source).filter((a) => a !== "*") : [];
      return `${x.group} ${(x.mode ?? "-").toLowerCase()} v${x.version} [${list.sort().join(",")}]`;
    })
    .sort();
}

/** pimd's table equals `want` (given without the version: every host here is IGMPv3). */
const same = (got: readonly string[], want: readonly string[]) =>
  JSON.stringify(got.map((x) => x.replace(" v3 ", " ")).sort()) === JSON.stringify([...want].sort());

describeLive("monitor against FRR pimd with kernel and emulated hosts (live)", ["cap", "python3", "sysctl", "/usr/lib/frr/pimd", "/usr/lib/frr/zebra", "vtysh"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("ends with pimd's groups, modes and sources while kernel and emulated hosts join, leave and change sources", async () => {
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const lan = await lab.netns("lan");
      const hub = await lab.bridge(lan, { name: "hub", snooping: false });
      const up = await lab.veth(r, lan, { nameA: "r0", nameB: "up0" });
      await hub.addPort("up0");
      const k = await lab.netns("k");
      await lab.veth(k, lan, { nameA: "eth0", nameB: "ak", addrA: "198.18.1.2/24" });
      await hub.addPort("ak");
      const e = await lab.netns("e");
      await lab.veth(e, lan, { nameA: "eth0", nameB: "ae" });
      await hub.addPort("ae");
      // Watching before pimd starts, so that its startup queries (QRV, QQIC, Max Resp Code) are seen.
      const live = await startMonitor(lab, r, up.a);
      const frr = await lab.frr(r, {
        interfaces: [{ name: up.a, address: "198.18.1.1/24", igmpVersion: 3, queryIntervalSec: 2, queryMaxResponseTimeDs: 10, lastMemberQueryIntervalDs: 2, lastMemberQueryCount: 2 }],
      });
      const kernel = await lab.kernelHost(k, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
      // Emulated hosts 198.18.1.10 .. .14 (0 .. 4).
      await withEmulation(e.name, "eth0", { hosts: 5, firstIp: "198.18.1.10", seed: 23, hostOptions: { unsolicitedReportIntervalMs: 300 } }, async (em) => {
        const d = em.driver;
        await kernel.join("239.7.7.1");
        await kernel.joinSource("232.7.7.7", "198.19.7.7");
        d.op(0, { op: "join", group: "239.7.7.1" });
        d.op(1, { op: "join", group: "239.7.7.2" });
        d.op(1, { op: "blockSource", group: "239.7.7.2", source: "198.18.1.77" });
        d.op(2, { op: "joinSource", group: "232.7.7.8", source: "198.18.1.9" });
        d.op(3, { op: "setSourceFilter", group: "239.7.7.3", mode: "include", sources: ["198.18.1.5", "198.18.1.6"] });
        d.op(4, { op: "joinSource", group: "239.7.7.3", source: "198.18.1.5" });
        d.op(4, { op: "join", group: "239.7.7.4" });
        const joined = [
          "239.7.7.1 exclude []",
          "239.7.7.2 exclude [198.18.1.77]",
          "239.7.7.3 include [198.18.1.5,198.18.1.6]",
          "239.7.7.4 exclude []",
          "232.7.7.7 include [198.19.7.7]",
          "232.7.7.8 include [198.18.1.9]",
        ];
        await waitFor("pimd to learn every membership", async () => same(await pimdTable(frr, up.a), joined) || undefined, { timeoutMs: 15_000 });

        // Departures: the kernel leaves 239.7.7.1 (host 0 stays, answering pimd's group-specific query);
        // host 4 leaves 239.7.7.4 and host 2 closes its socket (sole members: the groups go); host 3 drops
        // .6 and adds .7 (ALLOW + BLOCK: pimd's group-and-source-specific query for .6 goes unanswered).
        await kernel.leave("239.7.7.1");
        d.op(4, { op: "leave", group: "239.7.7.4" });
        d.op(2, { op: "closeSocket" });
        d.op(3, { op: "setSourceFilter", group: "239.7.7.3", mode: "include", sources: ["198.18.1.5", "198.18.1.7"] });
        const settled = ["239.7.7.1 exclude []", "239.7.7.2 exclude [198.18.1.77]", "239.7.7.3 include [198.18.1.5,198.18.1.7]", "232.7.7.7 include [198.19.7.7]"];
        await waitFor("pimd to settle on what is left", async () => same(await pimdTable(frr, up.a), settled) || undefined, { timeoutMs: 15_000 });
        await live.waitEvent("239.7.7.4 to go", (x) => x.type === "expiry" && x.group === "239.7.7.4");
        await live.waitEvent("232.7.7.8 to go", (x) => x.type === "expiry" && x.group === "232.7.7.8");
        await live.waitEvent(".6 to leave 239.7.7.3", (x) => x.type === "source-removed" && x.group === "239.7.7.3" && x.source === "198.18.1.6");
        // And one comes back: host 2 joins the group it left, from another source.
        d.op(2, { op: "joinSource", group: "232.7.7.8", source: "198.18.1.8" });
        const final = [...settled, "232.7.7.8 include [198.18.1.8]"];
        await waitFor("pimd to learn host 2's return", async () => same(await pimdTable(frr, up.a), final) || undefined, { timeoutMs: 15_000 });
        await live.waitEvent("host 2's return", (x) => x.type === "source-added" && x.group === "232.7.7.8" && x.source === "198.18.1.8");

        const events = live.events();
        const kernelLeave = events.find((x) => x.type === "leave" && x.group === "239.7.7.1");
        expect(kernelLeave).toMatchObject({ reporter: "198.18.1.2", version: 3 });
        const tLeave = frameTimeMs(kernelLeave!.time);
        expect(events.some((x) => x.type === "last-member-query" && x.group === "239.7.7.1" && x.observed && frameTimeMs(x.time) >= tLeave)).toBe(true);
        expect(events.some((x) => x.type === "expiry" && x.group === "239.7.7.1")).toBe(false);

        const pimd = await pimdTable(frr, up.a);
        const snapshot = await live.stop();
        if (process.env.IGMPKIT_SHOW_FRR) {
          console.log(JSON.stringify({ groups: await frr.vtysh("show ip igmp groups json"), sources: await frr.vtysh("show ip igmp sources json"), snapshot }, null, 1));
        }
        const compat = new Map(snapshot.groups.map((g) => [g.group, g.compatMode]));
        const ours = monitorView(snapshot).map((g) => `${g.group} ${g.mode} v${compat.get(g.group)} [${g.sources.join(",")}]`);
        expect([...ours].sort()).toEqual(pimd);
        expect(pimd.map((x) => x.replace(" v3 ", " "))).toEqual([...final].sort());
        // EXCLUDE {.77}: the blocked source is listed and not forwarded; an INCLUDE list forwards all its sources.
        // (pimd's own "forwarded" is PIM's: false for 239/8 without an RP, so it is not compared.)
        const view = new Map(monitorView(snapshot).map((g) => [g.group, g]));
        expect(view.get("239.7.7.2")!.forwarding).toEqual([]);
        expect(view.get("239.7.7.3")!.forwarding).toEqual(["198.18.1.5", "198.18.1.7"]);
        expect(snapshot.querier?.address).toBe("198.18.1.1");
        await em.stop("leave");
      });
      await kernel.close();
    });
  });
});
