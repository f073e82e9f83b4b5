/**
 * The emulator against FRR pimd as IGMPv3 and IGMPv2 router: `show ip igmp groups json` and
 * `show ip igmp sources json` hold exactly the scenario's memberships, also after the router has sent
 * group-specific and group-and-source-specific queries that other emulated members had to answer.
 */
import { expect, it } from "vitest";
import { Lab, describeLive, waitFor, type Frr } from "../lab/index.js";
import { withEmulation, type LiveEmulation } from "./live-helpers.js";

interface GroupsJson {
  [iface: string]: { groups?: { group: string; mode?: string; version: number; sourcesCount: number }[] } | number;
}
interface SourcesJson {
  [iface: string]: Record<string, { group?: string; sources?: { source: string }[] } | string>;
}

/** The router's table on `vr` as "group MODE vN [sources]" (EXCLUDE lists the excluded sources, not "*"). */
async function table(frr: Frr): Promise<string[]> {
  const g = await frr.vtysh<GroupsJson>("show ip igmp groups json");
  const s = await frr.vtysh<SourcesJson>("show ip igmp sources json");
  const vr = g.vr;
  const groups = typeof vr === "object" ? (vr.groups ?? []) : [];
  const src = s.vr ?? {};
  return groups
    .map((x) => {
      const e = src[x.group];
      const list = typeof e === "object" ? (e.sources ?? []).map((y) => y.source).filter((a) => a !== "*") : [];
      return `${x.group} ${x.mode ?? "-"} v${x.version} [${list.sort().join(",")}]`;
    })
    .sort();
}

const matches = (frr: Frr, want: string[]) => async () => {
  const got = await table(frr);
  return JSON.stringify(got) === JSON.stringify([...want].sort()) ? got : undefined;
};

const LMQT_MS = 400; // last-member-query-interval 2 ds x count 2
const SLACK_MS = 2500;

async function frrLab(lab: Lab, version: 2 | 3) {
  const h = await lab.netns("h");
  const rt = await lab.netns("rt");
  await lab.veth(h, rt, { nameA: "eth0", nameB: "vr" });
  const frr = await lab.frr(rt, {
    interfaces: [{ name: "vr", address: "198.18.1.1/24", igmpVersion: version, queryIntervalSec: 2, queryMaxResponseTimeDs: 10, lastMemberQueryIntervalDs: 2, lastMemberQueryCount: 2 }],
  });
  return { h, frr };
}

/** Queries the router sent for `group` after elapsed time `t`, as "group [sources]". */
function specificQueries(em: LiveEmulation, group: string, t: number): string[] {
  return em.heard
    .filter((x) => x.t >= t && x.d.igmp?.kind === "query" && x.d.igmp.group === group)
    .map((x) => {
      const q = x.d.igmp as { group: string; sources?: string[] };
      return `${q.group} [${(q.sources ?? []).join(",")}]`;
    });
}

describeLive("emulator vs FRR pimd (live)", ["cap", "vtysh", "/usr/lib/frr/pimd", "/usr/lib/frr/zebra"], () => {
  it("IGMPv3: groups and sources match the scenario, through group and group-and-source specific queries", async () => {
    await Lab.with(async (lab) => {
      const { h, frr } = await frrLab(lab, 3);
      await withEmulation(h.name, "eth0", { hosts: 4, firstIp: "198.18.1.10", seed: 7, hostOptions: { unsolicitedReportIntervalMs: 300 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.1.1.1" });
        d.op(3, { op: "join", group: "239.1.1.1" });
        d.op(1, { op: "join", group: "239.1.1.2" });
        d.op(1, { op: "blockSource", group: "239.1.1.2", source: "198.18.1.77" });
        d.op(2, { op: "joinSource", group: "232.1.1.1", source: "198.18.1.9" });
        d.op(2, { op: "setSourceFilter", group: "239.1.1.3", mode: "include", sources: ["198.18.1.5", "198.18.1.6"] });
        d.op(3, { op: "joinSource", group: "239.1.1.3", source: "198.18.1.5" });
        const want = ["239.1.1.1 EXCLUDE v3 []", "239.1.1.2 EXCLUDE v3 [198.18.1.77]", "232.1.1.1 INCLUDE v3 [198.18.1.9]", "239.1.1.3 INCLUDE v3 [198.18.1.5,198.18.1.6]"];
        await waitFor("pimd to learn the scenario", matches(frr, want), { timeoutMs: 15_000 });
        await waitFor("a general query answered", () => em.emulator.stats().total.queriesHeard.v3General >= 1 || undefined, { timeoutMs: 15_000 });
        expect(await table(frr)).toEqual([...want].sort());

        // Group-specific query: host 0 leaves 239.1.1.1 (TO_IN {}); pimd asks who else is there; host 3 answers IS_EX.
        const t1 = d.elapsedMs();
        d.op(0, { op: "leave", group: "239.1.1.1" });
        await waitFor("pimd's group-specific query", () => specificQueries(em, "239.1.1.1", t1).includes("239.1.1.1 []") || undefined, { timeoutMs: 5000 });
        // Group-and-source-specific query: host 2 drops source .5 (BLOCK {.5}); host 3 still wants it.
        const t2 = d.elapsedMs();
        d.op(2, { op: "setSourceFilter", group: "239.1.1.3", mode: "include", sources: ["198.18.1.6"] });
        await waitFor("pimd's group-and-source-specific query", () => specificQueries(em, "239.1.1.3", t2).includes("239.1.1.3 [198.18.1.5]") || undefined, { timeoutMs: 5000 });
        await new Promise((r) => setTimeout(r, LMQT_MS + SLACK_MS));
        const g3 = em.emulator.stats().hosts[3]!.stats.groups;
        expect(g3.get("239.1.1.1")!.queriesHeard.group).toBeGreaterThanOrEqual(1);
        expect(g3.get("239.1.1.3")!.queriesHeard.groupSource).toBeGreaterThanOrEqual(1);
        // Host 3's answers kept both: the table is unchanged.
        expect(await table(frr)).toEqual([...want].sort());
        const answers = em.sent.filter((x) => x.t >= t1 && x.d.ipSrc === "198.18.1.13" && x.d.igmp?.kind === "v3-report");
        const recs = answers.flatMap((x) => (x.d.igmp as { records: { kind: string; group: string; sources: string[] }[] }).records.map((r) => `${r.kind} ${r.group} [${r.sources.join(",")}]`));
        expect(recs).toContain("MODE_IS_EXCLUDE 239.1.1.1 []");
        expect(recs).toContain("MODE_IS_INCLUDE 239.1.1.3 [198.18.1.5]");

        // Everyone leaves: pimd's table empties within the last member query time.
        const t0 = performance.now();
        for (const i of [1, 2, 3]) d.op(i, { op: "closeSocket" });
        d.op(0, { op: "closeSocket" });
        await waitFor("pimd's table to empty", matches(frr, []), { timeoutMs: 10_000, intervalMs: 100 });
        expect(performance.now() - t0).toBeLessThan(LMQT_MS + SLACK_MS);
        await em.stop("leave");
      });
    });
  });

  it("IGMPv2: groups match; the last reporter's Leave brings a group-specific query the other member answers", async () => {
    await Lab.with(async (lab) => {
      const { h, frr } = await frrLab(lab, 2);
      await withEmulation(h.name, "eth0", { hosts: 3, firstIp: "198.18.1.20", version: 2, seed: 9, hostOptions: { oldUnsolicitedReportIntervalMs: 500 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.5.5.1" });
        d.op(1, { op: "join", group: "239.5.5.1" });
        d.op(2, { op: "join", group: "239.5.5.2" });
        const want = ["239.5.5.1 - v2 []", "239.5.5.2 - v2 []"]; // pimd shows no filter mode for v2 groups
        await waitFor("pimd to learn both groups", matches(frr, want), { timeoutMs: 15_000 });
        await waitFor("a general query answered", () => em.emulator.stats().total.queriesHeard.v2General >= 1 || undefined, { timeoutMs: 15_000 });
        // When no host has a report pending, the one that reported last holds the flag and will send the Leave
        // (checked and acted on in one synchronous step, so no query can come in between).
        await waitFor("no report pending", () => em.emulator.nextDeadline() === null || undefined, { timeoutMs: 10_000, intervalMs: 20 });
        const reports = em.sent.filter((x) => x.d.igmp?.kind === "v2-report" && x.d.igmp.group === "239.5.5.1");
        const last = reports[reports.length - 1]!.d.ipSrc!;
        const leaver = last === "198.18.1.20" ? 0 : 1;
        const stayer = 1 - leaver;
        const t1 = d.elapsedMs();
        d.op(leaver, { op: "leave", group: "239.5.5.1" });
        await waitFor("pimd's group-specific query", () => specificQueries(em, "239.5.5.1", t1).length > 0 || undefined, { timeoutMs: 5000 });
        await new Promise((r) => setTimeout(r, LMQT_MS + SLACK_MS));
        expect(em.sent.filter((x) => x.t >= t1 && x.d.igmp?.kind === "leave").map((x) => x.d.ipSrc)).toEqual([leaver === 0 ? "198.18.1.20" : "198.18.1.21"]);
        expect(em.emulator.stats().hosts[stayer]!.stats.groups.get("239.5.5.1")!.queriesHeard.group).toBeGreaterThanOrEqual(1);
        expect(await table(frr)).toEqual([...want].sort());
        // The remaining members leave: gone within the last member query time.
        const t0 = performance.now();
        d.op(stayer, { op: "leave", group: "239.5.5.1" });
        d.op(2, { op: "leave", group: "239.5.5.2" });
        await waitFor("pimd's table to empty", matches(frr, []), { timeoutMs: 10_000, intervalMs: 100 });
        expect(performance.now() - t0).toBeLessThan(LMQT_MS + SLACK_MS);
      });
    });
  });
});
