/**
 * Live: two Linux bridge queriers on one LAN (each querying from its own address). The higher one hears
 * the lower one's queries and stops; the monitor elects the lower one, and lint finds no querier problem
 * in the capture. Then the lower one stops querying: the monitor's other-querier-present timer runs out
 * and it elects the higher one when it takes over, as the bridges themselves do.
 */
import { beforeAll, expect, it } from "vitest";
import { frameTimeMs, lint } from "../../src/monitor/index.js";
import { readCapture } from "../../src/capture/read.js";
import { describeLive, Lab } from "../lab/index.js";
import { ensureBuilt, startMonitor } from "./live-helpers.js";

describeLive("monitor -i and lint with two bridge queriers (live)", ["cap", "bridge", "tcpdump"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("the lower address wins; when it stops, the other querier takes over after the other-querier-present interval", async () => {
    await Lab.with(async (lab) => {
      const a = await lab.netns("qa");
      const b = await lab.netns("qb");
      // Made by hand: the lab's bridge() has no mcast_query_use_ifaddr (queries from the bridge's address,
      // not 0.0.0.0), and it must be set at creation. Querier interval 2.25 s = 2 × 1 s + 0.5 s / 2.
      for (const [ns, addr] of [[a, "198.18.0.1/24"], [b, "198.18.0.5/24"]] as const) {
        await lab.exec(ns, "ip", ["link", "add", "br0", "type", "bridge", "mcast_snooping", "1", "mcast_querier", "1", "mcast_igmp_version", "3", "mcast_query_use_ifaddr", "1",
          "mcast_query_interval", "100", "mcast_query_response_interval", "50", "mcast_startup_query_interval", "25", "mcast_startup_query_count", "2", "mcast_querier_interval", "225"]);
        await lab.exec(ns, "ip", ["addr", "add", addr, "dev", "br0"]);
        await lab.exec(ns, "ip", ["link", "set", "br0", "up"]);
      }
      await lab.veth(a, b, { nameA: "pa", nameB: "pb" });
      for (const [ns, port] of [[a, "pa"], [b, "pb"]] as const) {
        await lab.exec(ns, "ip", ["link", "set", port, "master", "br0"]);
        await lab.exec(ns, "ip", ["link", "set", port, "up"]);
      }
      const cap = await lab.tcpdump(b, "pb", { filter: "igmp" });
      const mon = await startMonitor(lab, b, "pb");
      const elected = await mon.waitEvent("a querier", (e) => e.type === "querier-elected" || e.type === "querier-changed");
      await mon.waitEvent("198.18.0.1 to be querier", (e) => (e.type === "querier-elected" || e.type === "querier-changed") && e.querier === "198.18.0.1");
      expect(elected).toBeDefined();
      // The lower querier goes quiet: B's other-querier-present timer expires and it queries again.
      await lab.exec(a, "ip", ["link", "set", "br0", "type", "bridge", "mcast_querier", "0"]);
      const expired = await mon.waitEvent("the monitor to let 198.18.0.1 go", (e) => e.type === "querier-expired" && e.querier === "198.18.0.1", 30_000);
      // (B may have been elected for a moment at the start, before A's first query: look after the expiry.)
      const takeover = await mon.waitEvent("198.18.0.5 to be elected", (e) => e.type === "querier-elected" && e.querier === "198.18.0.5" && frameTimeMs(e.time) >= frameTimeMs(expired.time), 30_000);
      const snap = await mon.stop();
      expect(snap.querier).toMatchObject({ address: "198.18.0.5", version: 3 });
      const frames = await readCapture(await cap.stop());
      // The monitor let A go exactly one Other Querier Present Interval (2 × 1 s + 0.5 s / 2) after A's
      // last query, on its own clock (no frame); B, with the same interval, resumed then (within a query interval).
      const lastA = Math.max(...frames.filter((f) => f.ipSrc === "198.18.0.1" && f.igmp?.kind === "query").map((f) => frameTimeMs(f.time)));
      expect(expired.frame).toBeNull();
      expect(Math.abs(frameTimeMs(expired.time) - lastA - 2250)).toBeLessThan(200); // capture and delivery stamps differ by milliseconds
      expect(frameTimeMs(takeover.time) - frameTimeMs(expired.time)).toBeLessThan(2000);
      const findings = lint(frames);
      if (process.env.IGMPKIT_SHOW_FINDINGS) console.log(JSON.stringify(findings, null, 1));
      expect(findings.filter((f) => f.severity !== "info")).toEqual([]);
    });
  });
});
