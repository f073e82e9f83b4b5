/**
 * `igmpkit conform --role host` against the Linux kernel as DUT, forced to IGMPv1, v2 and v3: igmpkit is
 * the querier on one end of a veth pair, the kernel host on the other, its sockets driven through the hook
 * (scripts/igmp-host.py in the host's namespace). The verdicts are published in the README.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runConform } from "../../src/cli/conform.js";
import type { ConformResult } from "../../src/conform/index.js";
import { captureIo } from "../cli/helpers.js";
import { IGMP_HOST_PY, Lab, describeLive } from "../lab/index.js";

async function conformKernel(version: 1 | 2 | 3, extra: string[] = []): Promise<{ res: ConformResult; status: number; evidence: string }> {
  return Lab.with(async (lab) => {
    const q = await lab.netns("q");
    const h = await lab.netns("h");
    const v = await lab.veth(q, h, { addrA: "198.18.31.1/24", addrB: "198.18.31.2/24" });
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.force_igmp_version`, version);
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.igmpv2_unsolicited_report_interval`, 1000);
    await lab.sysctl(h, `net.ipv4.conf.${v.b}.igmpv3_unsolicited_report_interval`, 1000);
    const evidence = join(lab.dir, `v${version}.pcapng`);
    const { io, out } = captureIo();
    const status = await runConform(
      {
        role: "host",
        interface: v.a,
        netns: q.name,
        address: "198.18.31.1",
        dut: "198.18.31.2",
        hook: `ip netns exec ${h.name} python3 -u ${IGMP_HOST_PY} 198.18.31.2`,
        igmpVersion: String(version),
        unsolicitedInterval: "1",
        maxRespTime: "1",
        json: true,
        evidence,
        ...(extra.length ? { cases: extra } : {}),
      },
      io,
    );
    if (out.stderr) console.log(out.stderr);
    const res = JSON.parse(out.stdout) as ConformResult;
    // The evidence names every case's frames; tshark reads it.
    const comments = execFileSync("tshark", ["-r", evidence, "-T", "fields", "-e", "frame.comment"], { encoding: "utf8" });
    expect(comments).toContain("host.general-query");
    return { res, status, evidence };
  });
}

function verdicts(res: ConformResult): Record<string, string> {
  return Object.fromEntries(res.results.map((r) => [r.id, r.verdict.status]));
}

describeLive("conform --role host against the Linux kernel", ["tshark", "python3"], () => {
  it.each([
    [3, 18],
    [2, 10],
    [1, 6],
  ] as const)("the kernel forced to IGMPv%i passes every case that applies (%i)", async (version, applicable) => {
    const { res, status } = await conformKernel(version);
    const notPassed = res.results.filter((r) => r.verdict.status !== "pass" && r.verdict.status !== "not-applicable");
    expect(notPassed.map((r) => `${r.id}: ${r.verdict.reason ?? `expected ${r.verdict.expected}, observed ${r.verdict.observed}`}`)).toEqual([]);
    expect(res.counts.pass).toBe(applicable);
    for (const r of res.results.filter((x) => x.verdict.status === "not-applicable")) expect(r.verdict.reason).toMatch(/^applies to IGMPv/);
    expect(status).toBe(0);
    // Answers carry their measured delay, within the 1 s Max Resp Time asked for.
    const gq = res.results.find((r) => r.id === "host.general-query")!;
    expect(gq.verdict.measurements!.delayMs).toBeLessThanOrEqual(version === 1 ? 10_200 : 1200);
  }, 240_000);
});
