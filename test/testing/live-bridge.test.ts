/**
 * Live: the Linux kernel as host behind the Linux bridge querier joins 239.128.0.1 (whose MAC is that of
 * 224.0.0.1) and 239.1.2.3. The capture of the host's link: lint finds mac-alias for the real kernel's
 * reports of 239.128.0.1 and nothing else of note; igmpkit/testing's view of it holds what the bridge's mdb
 * holds, and the kernel answered the bridge's general queries within their Max Resp Time.
 */
import { expect, it } from "vitest";
import { describeLive, Lab, waitFor } from "../lab/index.js";
import { igmpkitMatchers, lintCapture, membershipAt, queryResponses, type IgmpkitMatchers } from "../../src/testing/index.js";

declare module "vitest" {
  interface Assertion<T> extends IgmpkitMatchers<T> {}
}
expect.extend(igmpkitMatchers);

describeLive("igmpkit/testing and mac-alias on a real LAN (kernel host, Linux bridge querier)", ["cap", "bridge", "tcpdump", "python3", "sysctl"], () => {
  it("mac-alias for the kernel's 239.128.0.1 reports; the view and the answers agree with the bridge", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const sw = await lab.netns("sw");
      const link = await lab.veth(h, sw, { addrA: "198.18.40.2/24", nameA: "eth0", nameB: "p1" });
      const br = await lab.bridge(sw, { querier: true, igmpVersion: 3, queryIntervalMs: 1000, queryResponseIntervalMs: 500, startupQueryIntervalMs: 250, address: "198.18.40.1/24" });
      await br.addPort(link.b);
      const cap = await lab.tcpdump(h, "eth0", { filter: "igmp" });
      const host = await lab.kernelHost(h, "eth0", { version: 3 });
      await host.join("239.128.0.1");
      await host.join("239.1.2.3");
      await waitFor("the mdb to hold both groups", async () => {
        const groups = (await br.mdb()).map((e) => e.grp);
        return groups.includes("239.128.0.1") && groups.includes("239.1.2.3") ? true : undefined;
      });
      // a few general queries (1 s apart), each answered
      await new Promise((r) => setTimeout(r, 3000));
      // (IPv4 rows only: the namespaces also run MLD)
      const mdb = [...new Set((await br.mdb()).filter((e) => e.port === "p1" && e.grp.includes(".")).map((e) => e.grp))].sort();
      const file = await cap.stop();
      await host.close();

      const findings = await lintCapture(file);
      if (process.env.IGMPKIT_SHOW_FINDINGS) console.log(JSON.stringify(findings, null, 1));
      const alias = findings.filter((f) => f.rule === "mac-alias");
      expect(alias.map((f) => [f.message, f.source])).toEqual([
        ["239.128.0.1 has the Ethernet address 01:00:5e:00:00:01 of 224.0.0.1: snooping switches flood it to every port", "198.18.40.2"],
      ]);
      // (the bridge's queries come from 0.0.0.0 without mcast_query_use_ifaddr: info only)
      expect(findings.filter((f) => f.rule !== "mac-alias" && f.severity !== "info")).toEqual([]);

      const view = await membershipAt(file, undefined, { excludeLinkLocal: true });
      expect(view.groups.map((g) => g.group)).toEqual(mdb);
      expect(view).toHaveMember("239.128.0.1", "198.18.40.2");
      expect(view).toHaveMember("239.1.2.3", "198.18.40.2");
      const answers = (await queryResponses(file, { excludeLinkLocal: true })).filter((r) => r.query.group === null && r.complete);
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.flatMap((r) => r.responses.map((x) => x.host))).toContain("198.18.40.2");
      expect(answers).toAnswerWithin(100); // capture stamps jitter
    });
  });
});
