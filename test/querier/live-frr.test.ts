/**
 * Querier election against FRR pimd on one hub, both ways. pimd lower: igmpkit stops its general queries
 * once it hears pimd's, and resumes one Other Querier Present Interval after pimd's last query when pimd
 * is stopped. igmpkit lower: pimd reports itself non-querier in `show ip igmp interface json`.
 */
import { expect, it } from "vitest";
import { Lab, describeLive, waitFor, type Frr, type Netns } from "../lab/index.js";
import { sleep, withQuerier } from "./live-helpers.js";

async function hub(lab: Lab, routerAddress: string) {
  const sw = await lab.netns("sw");
  const br = await lab.bridge(sw, { snooping: false });
  const r = await lab.netns("r");
  const rl = await lab.veth(r, sw, { nameA: "vr", nameB: "pr" });
  await br.addPort(rl.b);
  const q = await lab.netns("q");
  const ql = await lab.veth(q, sw, { nameA: "eth0", nameB: "pq" });
  await br.addPort(ql.b);
  return { r, q, routerAddress };
}

async function startPimd(lab: Lab, r: Netns, address: string): Promise<Frr> {
  return lab.frr(r, { interfaces: [{ name: "vr", address: `${address}/24`, igmpVersion: 3, queryIntervalSec: 2, queryMaxResponseTimeDs: 10 }] });
}

type IgmpIface = Record<string, { querier?: boolean; querierIp?: string }>;

describeLive("querier election against FRR pimd (live)", ["cap", "bridge", "/usr/lib/frr/pimd", "/usr/lib/frr/zebra", "vtysh"], () => {
  it("pimd lower: igmpkit falls silent, and takes over after the Other Querier Present Interval once pimd stops", async () => {
    await Lab.with(async (lab) => {
      const { r, q } = await hub(lab, "198.18.1.1");
      await withQuerier(q.name, "eth0", { address: "198.18.1.5", queryInterval: 2, queryResponseInterval: 1, startupQueryCount: 1 }, async (iq) => {
        const frr = await startPimd(lab, r, "198.18.1.1");
        const lost = await waitFor("igmpkit to lose the election", () => iq.events.find((e) => e.type === "election-lost"), { timeoutMs: 15_000, intervalMs: 50 });
        expect(lost).toMatchObject({ querier: "198.18.1.1" });
        const tLost = performance.now();
        await sleep(4500);
        const general = (from: number) => iq.sent.filter((s) => s.t > from && s.d.igmp?.kind === "query" && s.d.igmp.group === "0.0.0.0");
        expect(general(tLost)).toEqual([]);
        const pimdQueries = iq.heard.filter((h) => h.d.ipSrc === "198.18.1.1" && h.d.igmp?.kind === "query" && h.t > tLost);
        expect(pimdQueries.length).toBeGreaterThanOrEqual(2);
        // What pimd advertises sets the Other Querier Present Interval: RV x QQI + QRI / 2.
        const t = iq.querier.timers();
        const oqpiMs = t.otherQuerierPresentInterval * 1000;
        expect(oqpiMs).toBeLessThan(20_000);
        await frr.stop();
        await waitFor("igmpkit to query again", () => general(tLost)[0], { timeoutMs: oqpiMs + 5000, intervalMs: 50 });
        const lastPimd = Math.max(...iq.heard.filter((h) => h.d.ipSrc === "198.18.1.1" && h.d.igmp?.kind === "query").map((h) => h.t));
        const resumed = general(tLost)[0]!.t;
        expect(Math.abs(resumed - lastPimd - oqpiMs)).toBeLessThan(500);
        expect(iq.events.find((e) => e.type === "election-won" && e.reason === "other-querier-expired")).toMatchObject({ previous: "198.18.1.1" });
      });
    });
  });

  it("igmpkit lower: pimd reports itself non-querier, with igmpkit's address as the querier", async () => {
    await Lab.with(async (lab) => {
      const { r, q } = await hub(lab, "198.18.1.9");
      await withQuerier(q.name, "eth0", { address: "198.18.1.2", queryInterval: 2, queryResponseInterval: 1 }, async (iq) => {
        const frr = await startPimd(lab, r, "198.18.1.9");
        const j = await waitFor(
          "pimd to step down",
          async () => {
            const x = (await frr.vtysh<IgmpIface>("show ip igmp interface json")).vr;
            // pimd 8.4 prints "querier": true only while it is the querier, and leaves the key out otherwise.
            return x !== undefined && x.querier !== true && x.querierIp === "198.18.1.2" ? x : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 200 },
        ).catch(async (e: Error) => {
          throw new Error(`${e.message}: ${await frr.vtyshText("show ip igmp interface json")} ${await frr.vtyshText("show ip igmp statistics")}`);
        });
        expect(j.querierIp).toBe("198.18.1.2");
        await sleep(3000);
        // igmpkit stayed the querier and kept its interval.
        expect(iq.querier.isQuerier()).toBe(true);
        expect(iq.events.some((e) => e.type === "election-lost")).toBe(false);
        const after = (await frr.vtysh<IgmpIface>("show ip igmp interface json")).vr!;
        expect(after.querier).not.toBe(true);
        expect(after.querierIp).toBe("198.18.1.2");
      });
    });
  });
});
