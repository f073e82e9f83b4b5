/**
 * `igmpkit conform --role switch` against the Linux bridge with snooping on (and its own querier), three
 * ports: two where igmpkit plays hosts and one for the multicast source. Join and leave delay are measured.
 */
import { expect, it } from "vitest";
import { runConform } from "../../src/cli/conform.js";
import type { ConformResult } from "../../src/conform/index.js";
import { captureIo } from "../cli/helpers.js";
import { Lab, describeLive } from "../lab/index.js";

async function conformBridge(version: 2 | 3, portOpts: { flood: boolean; fastLeave: boolean }) {
  return Lab.with(async (lab) => {
    const r = await lab.netns("r");
    const sw = await lab.netns("sw");
    const a = await lab.veth(r, sw);
    const b = await lab.veth(r, sw);
    const s = await lab.veth(r, sw);
    await lab.bridge(sw, { name: "br0", querier: true, igmpVersion: version, address: "198.18.34.10/24", queryIntervalMs: 4000, queryResponseIntervalMs: 1000, lastMemberIntervalMs: 500, lastMemberCount: 2, startupQueryIntervalMs: 500 });
    await lab.exec(sw, "ip", ["link", "set", "br0", "type", "bridge", "mcast_query_use_ifaddr", "1"]);
    for (const v of [a, b, s]) await lab.exec(sw, "ip", ["link", "set", v.b, "master", "br0"]);
    for (const v of [a, b]) {
      await lab.exec(sw, "bridge", ["link", "set", "dev", v.b, "mcast_flood", portOpts.flood ? "on" : "off"]);
      if (portOpts.fastLeave) await lab.exec(sw, "bridge", ["link", "set", "dev", v.b, "fastleave", "on"]);
    }
    // The bridge forwards by its table only while it knows a querier (else it floods everything, or with
    // mcast_flood off sends nothing): restart it with its ports, so its startup queries go out on them.
    await lab.exec(sw, "ip", ["link", "set", "br0", "down"]);
    await lab.exec(sw, "ip", ["link", "set", "br0", "up"]);
    await new Promise((res) => setTimeout(res, 1500));
    const { io, out } = captureIo();
    const status = await runConform({ role: "switch", netns: r.name, port: [a.a, b.a], sourcePort: s.a, address: "198.18.34.1", dut: "198.18.34.10", igmpVersion: String(version), lastMemberInterval: "0.5", lastMemberCount: "2", json: true }, io);
    if (out.stderr) console.log(out.stderr);
    return { status, res: JSON.parse(out.stdout) as ConformResult };
  });
}

const v = (res: ConformResult, id: string) => res.results.find((r) => r.id === id)!.verdict;

describeLive("conform --role switch against the Linux bridge", ["bridge"], () => {
  it("IGMPv3, default ports (mcast_flood on): forwards by membership, prunes after LMQT; floods reports to other hosts (a SHOULD)", async () => {
    const { res, status } = await conformBridge(3, { flood: true, fastLeave: false });
    expect(Object.fromEntries(res.results.map((r) => [r.id, r.verdict.status]))).toEqual({
      "switch.forward-to-members": "pass",
      "switch.leave-prunes": "pass",
      "switch.reports-not-forwarded": "fail",
      "switch.link-local-flooded": "pass",
    });
    const join = v(res, "switch.forward-to-members").measurements!;
    expect(join.joinDelayMaxMs).toBeLessThan(100);
    const leave = v(res, "switch.leave-prunes").measurements!.leaveDelayMs!;
    expect(leave).toBeGreaterThan(800); // the last member query time, 2 x 500 ms
    expect(leave).toBeLessThan(1500);
    expect(status).toBe(0); // the failure is a SHOULD
  }, 120_000);

  it("IGMPv3, mcast_flood off and fast leave: pruned at once; 224.0.0.x no longer flooded either (a MUST)", async () => {
    const { res, status } = await conformBridge(3, { flood: false, fastLeave: true });
    expect(Object.fromEntries(res.results.map((r) => [r.id, r.verdict.status]))).toEqual({
      "switch.forward-to-members": "pass",
      "switch.leave-prunes": "pass",
      "switch.reports-not-forwarded": "pass",
      "switch.link-local-flooded": "fail",
    });
    expect(v(res, "switch.leave-prunes").measurements!.leaveDelayMs).toBeLessThan(200);
    expect(status).toBe(1);
  }, 120_000);

  it("IGMPv2, mcast_flood off: forwards by membership, prunes after LMQT", async () => {
    const { res } = await conformBridge(2, { flood: false, fastLeave: false });
    expect(v(res, "switch.forward-to-members").status).toBe("pass");
    expect(v(res, "switch.leave-prunes").status).toBe("pass");
    expect(v(res, "switch.leave-prunes").measurements!.leaveDelayMs).toBeGreaterThan(800);
  }, 120_000);
});
