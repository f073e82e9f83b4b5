/**
 * `igmpkit conform --role switch` against the Linux bridge with snooping on (and its own querier), three
 * ports: two where igmpkit plays hosts and one for the multicast source. Join and leave delay, IGMPv3
 * source filtering and group capacity (against a small `mcast_hash_max`) are measured.
 */
import { expect, it } from "vitest";
import { runConform } from "../../src/cli/conform.js";
import type { ConformResult } from "../../src/conform/index.js";
import { captureIo } from "../cli/helpers.js";
import { Lab, describeLive } from "../lab/index.js";

interface BridgeSetup {
  flood: boolean;
  fastLeave: boolean;
  /** `mcast_hash_max` (the kernel's default when left out). */
  hashMax?: number;
  /** The bridge's `mcast_igmp_version` when it differs from the run's. */
  bridgeVersion?: 2 | 3;
  cases?: string[];
  /** `--sources`: the multicast source's two addresses. */
  sources?: string;
}

async function conformBridge(version: 2 | 3, o: BridgeSetup) {
  return Lab.with(async (lab) => {
    const r = await lab.netns("r");
    const sw = await lab.netns("sw");
    const a = await lab.veth(r, sw);
    const b = await lab.veth(r, sw);
    const s = await lab.veth(r, sw);
    await lab.bridge(sw, { name: "br0", querier: true, igmpVersion: o.bridgeVersion ?? version, address: "198.18.34.10/24", queryIntervalMs: 4000, queryResponseIntervalMs: 1000, lastMemberIntervalMs: 500, lastMemberCount: 2, startupQueryIntervalMs: 500, ...(o.hashMax !== undefined ? { hashMax: o.hashMax } : {}) });
    await lab.exec(sw, "ip", ["link", "set", "br0", "type", "bridge", "mcast_query_use_ifaddr", "1"]);
    for (const v of [a, b, s]) await lab.exec(sw, "ip", ["link", "set", v.b, "master", "br0"]);
    for (const v of [a, b]) {
      await lab.exec(sw, "bridge", ["link", "set", "dev", v.b, "mcast_flood", o.flood ? "on" : "off"]);
      if (o.fastLeave) await lab.exec(sw, "bridge", ["link", "set", "dev", v.b, "fastleave", "on"]);
    }
    // The bridge forwards by its table only while it knows a querier (else it floods everything, or with
    // mcast_flood off sends nothing): restart it with its ports, so its startup queries go out on them.
    await lab.exec(sw, "ip", ["link", "set", "br0", "down"]);
    await lab.exec(sw, "ip", ["link", "set", "br0", "up"]);
    await new Promise((res) => setTimeout(res, 1500));
    const { io, out } = captureIo();
    const status = await runConform({ role: "switch", netns: r.name, port: [a.a, b.a], sourcePort: s.a, address: "198.18.34.1", dut: "198.18.34.10", igmpVersion: String(version), lastMemberInterval: "0.5", lastMemberCount: "2", maxGroups: "128", json: true, ...(o.cases ? { cases: o.cases } : {}), ...(o.sources ? { sources: o.sources } : {}) }, io);
    if (out.stderr) console.log(out.stderr);
    // What the bridge says of itself after the run: its table limit and whether it still snoops.
    const link = JSON.parse((await lab.exec(sw, "ip", ["-d", "-j", "link", "show", "br0"])).stdout) as { linkinfo: { info_data: { mcast_snooping: number; mcast_hash_max: number } } }[];
    return { status, res: JSON.parse(out.stdout) as ConformResult, bridge: link[0]!.linkinfo.info_data };
  });
}

const v = (res: ConformResult, id: string) => res.results.find((r) => r.id === id)!.verdict;
const statuses = (res: ConformResult) => Object.fromEntries(res.results.map((r) => [r.id, r.verdict.status]));

/**
 * With `mcast_hash_max` 48 the bridge's table fills between the steps of 32 and 64 groups; it then turns
 * snooping off for good (and floods, or with mcast_flood off forwards nothing), which the case sees. 48,
 * not a step like 64: the table also holds a few IPv6 groups (MLD snooping of the ports' hosts), so at
 * exactly 64 it would already be full.
 */
function expectCapacityAtHashMax(res: ConformResult, bridge: { mcast_snooping: number; mcast_hash_max: number }) {
  const m = v(res, "switch.group-capacity").measurements!;
  expect(bridge.mcast_hash_max).toBe(48);
  expect(m.groupCapacity).toBeLessThanOrEqual(bridge.mcast_hash_max);
  expect(m.firstFailedGroups).toBeGreaterThan(bridge.mcast_hash_max);
  expect(m.groupCapacity).toBe(32);
  expect(bridge.mcast_snooping).toBe(0);
}

describeLive("conform --role switch against the Linux bridge", ["cap", "bridge"], () => {
  it("IGMPv3, default ports (mcast_flood on), mcast_hash_max 48: forwards by membership and source, prunes after LMQT; floods reports to other hosts (a SHOULD); capacity 32 groups", async () => {
    const { res, status, bridge } = await conformBridge(3, { flood: true, fastLeave: false, hashMax: 48 });
    expect(statuses(res)).toEqual({
      "switch.forward-to-members": "pass",
      "switch.leave-prunes": "pass",
      "switch.reports-not-forwarded": "fail",
      "switch.source-filtering": "pass",
      "switch.link-local-flooded": "pass",
      "switch.group-capacity": "fail",
    });
    const join = v(res, "switch.forward-to-members").measurements!;
    expect(join.joinDelayMaxMs).toBeLessThan(100);
    const leave = v(res, "switch.leave-prunes").measurements!.leaveDelayMs!;
    expect(leave).toBeGreaterThan(800); // the last member query time, 2 x 500 ms
    expect(leave).toBeLessThan(1500);
    const sf = v(res, "switch.source-filtering").measurements!;
    expect(sf.includeS1).toBeGreaterThan(20); // a 10 ms stream for 600 ms
    expect(sf.excludeS1).toBeGreaterThan(20);
    expect([sf.includeS2, sf.excludeS2]).toEqual([0, 0]);
    // Flooded once snooping is off: the groups reach the member port, and the other one too.
    expect(v(res, "switch.group-capacity").measurements!.leakedGroups).toBe(64);
    expectCapacityAtHashMax(res, bridge);
    expect(status).toBe(0); // the failures are a SHOULD and a MAY
  }, 120_000);

  it("IGMPv3, mcast_flood off and fast leave, mcast_hash_max 48: pruned at once; 224.0.0.x no longer flooded either (a MUST); capacity 32 groups", async () => {
    const { res, status, bridge } = await conformBridge(3, { flood: false, fastLeave: true, hashMax: 48 });
    expect(statuses(res)).toEqual({
      "switch.forward-to-members": "pass",
      "switch.leave-prunes": "pass",
      "switch.reports-not-forwarded": "pass",
      "switch.source-filtering": "pass",
      "switch.link-local-flooded": "fail",
      "switch.group-capacity": "fail",
    });
    const leave = v(res, "switch.leave-prunes").measurements!.leaveDelayMs!;
    expect(leave).toBeLessThan(200);
    expect(leave).toBeGreaterThanOrEqual(0); // the two ports' capture clocks once made it -0.5 ms
    // With mcast_flood off and snooping off, nothing is forwarded at all.
    expect(v(res, "switch.group-capacity").measurements!.missingGroups).toBe(64);
    expectCapacityAtHashMax(res, bridge);
    expect(status).toBe(1);
  }, 120_000);

  it("IGMPv2, mcast_flood off, default mcast_hash_max: forwards by membership, prunes after LMQT, 128 groups forwarded", async () => {
    const { res, bridge } = await conformBridge(2, { flood: false, fastLeave: false });
    expect(v(res, "switch.forward-to-members").status).toBe("pass");
    expect(v(res, "switch.leave-prunes").status).toBe("pass");
    expect(v(res, "switch.leave-prunes").measurements!.leaveDelayMs).toBeGreaterThan(800);
    expect(v(res, "switch.source-filtering").status).toBe("not-applicable");
    expect(v(res, "switch.group-capacity")).toMatchObject({ status: "pass", measurements: { groupCapacity: 128 } });
    expect(bridge.mcast_hash_max).toBeGreaterThan(128);
    expect(bridge.mcast_snooping).toBe(1);
  }, 120_000);

  it("a bridge snooping IGMPv2 under an IGMPv3 run, mcast_flood off, fast leave: no source filtering (the SHOULD fails, S2 reaching both members)", async () => {
    // The source sends from two addresses of the LAN's own subnet this time (--sources).
    const { res, status } = await conformBridge(3, { flood: false, fastLeave: true, bridgeVersion: 2, sources: "198.18.34.201,198.18.34.202" });
    expect(statuses(res)).toEqual({
      "switch.forward-to-members": "pass",
      "switch.leave-prunes": "pass",
      "switch.reports-not-forwarded": "pass",
      "switch.source-filtering": "fail",
      "switch.link-local-flooded": "fail",
      "switch.group-capacity": "pass",
    });
    const sf = v(res, "switch.source-filtering");
    expect(sf.observed).toMatch(/INCLUDE \{198\.18\.34\.201\}: 198\.18\.34\.202 forwarded .*EXCLUDE \{198\.18\.34\.202\}: 198\.18\.34\.202 forwarded/);
    expect(sf.measurements!.includeS1).toBeGreaterThan(20);
    expect(sf.measurements!.includeS2).toBeGreaterThan(20);
    expect(status).toBe(1); // link-local-flooded, a MUST, as in every mcast_flood off run
  }, 120_000);
});
