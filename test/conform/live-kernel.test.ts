/**
 * `igmpkit conform --role host` against the Linux kernel as DUT, forced to IGMPv1, v2 and v3: igmpkit is
 * the querier on one end of a veth pair, the kernel host on the other, its sockets driven through the hook
 * (scripts/igmp-host.py in the host's namespace). The verdicts are published in the README.
 */
import { it } from "vitest";
import type { ConformResult } from "../../src/conform/index.js";
import { IGMP_HOST_PY, Lab, describeLive } from "../lab/index.js";
import { conformHost, expectEveryApplicablePass } from "./live-helpers.js";

async function conformKernel(version: 1 | 2 | 3): Promise<{ res: ConformResult; status: number; stderr: string }> {
  return Lab.with(async (lab) => {
    const q = await lab.netns("q");
    const h = await lab.netns("h");
    const v = await lab.veth(q, h, { addrA: "198.18.31.1/24", addrB: "198.18.31.2/24" });
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.force_igmp_version`, version);
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.igmpv2_unsolicited_report_interval`, 1000);
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.igmpv3_unsolicited_report_interval`, 1000);
    const hook = `ip netns exec ${h.name} python3 -u ${IGMP_HOST_PY} 198.18.31.2`;
    return conformHost(lab, { iface: v.a, netns: q.name, address: "198.18.31.1", dut: "198.18.31.2", hook, version, unsolicited: "1" });
  });
}

describeLive("conform --role host against the Linux kernel", ["cap", "tshark", "python3"], () => {
  it.each([
    [3, 18],
    [2, 10],
    [1, 6],
  ] as const)("the kernel forced to IGMPv%i passes every case that applies (%i)", async (version, applicable) => {
    const { res, status, stderr } = await conformKernel(version);
    expectEveryApplicablePass(res, status, applicable, stderr);
  }, 240_000);
});
