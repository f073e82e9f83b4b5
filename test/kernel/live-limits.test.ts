/**
 * Limits that show elsewhere only as an errno, reached on the real kernel: the VIF table against MAXVIFS
 * (a holder of the mroute socket, test/lab/mroute_holder.py, adds VIFs until the kernel refuses one; igmpkit
 * kernel then reports the table full, with routing active), and one socket's groups against
 * igmp_max_memberships, with the IGMP sysctls read back as `sysctl` shows them.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { readKernelState } from "../../src/io/kernel.js";
import { kernelFindings, MAXVIFS } from "../../src/kernel/index.js";
import { Lab, describeLive, waitFor } from "../lab/index.js";

const HOLDER_PY = join(__dirname, "..", "lab", "mroute_holder.py");

describeLive("the VIF table at MAXVIFS (live)", ["python3"], () => {
  it("32 VIFs are taken, the 33rd is refused (ENFILE), igmpkit kernel says the table is full", async () => {
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const names: string[] = [];
      for (let i = 0; i < 17; i++) {
        await lab.exec(r, "ip", ["link", "add", `va${i}`, "type", "veth", "peer", "name", `vb${i}`]);
        for (const n of [`va${i}`, `vb${i}`]) {
          await lab.exec(r, "ip", ["link", "set", n, "up"]);
          names.push(n);
        }
      }
      const before = await readKernelState({ netns: r.name });
      expect(before.router).toMatchObject({ active: false, vifs: [] });
      const holder = lab.spawn(r, "python3", ["-u", HOLDER_PY, names.slice(0, MAXVIFS + 1).join(",")]);
      await waitFor("the holder", () => {
        if (!holder.running) throw new Error(`holder exited: ${holder.stderr}`);
        return holder.stdout.includes("ready");
      });
      const results = holder.stdout.split("\n").filter((l) => l.startsWith("vif "));
      expect(results.filter((l) => l.endsWith(" ok"))).toHaveLength(MAXVIFS);
      expect(results.at(-1)).toBe(`vif ${MAXVIFS} ${names[MAXVIFS]} err ENFILE`);
      const st = await readKernelState({ netns: r.name });
      expect(st.router!.active).toBe(true);
      expect(st.router!.vifs.map((v) => v.device)).toEqual(names.slice(0, MAXVIFS));
      expect(st.router!.vifs.every((v) => v.flagNames.includes("useIfindex"))).toBe(true);
      expect(kernelFindings(st).map((f) => `${f.severity} ${f.rule} ${f.value}/${f.limit}`)).toEqual([`error vif-table-full ${MAXVIFS}/${MAXVIFS}`]);
      holder.child.stdin?.end();
      await holder.exited;
      await waitFor("routing inactive again", async () => (await readKernelState({ netns: r.name })).router?.active === false);
    });
  }, 60_000);
});

/** One socket joining `count` groups (239.74.0.1...) on the interface of `local`; holds them until stdin closes. */
const ONE_SOCKET_PY = `
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1, int(sys.argv[2]) + 1):
    g = "239.74.0.%d" % i
    try:
        s.setsockopt(socket.IPPROTO_IP, 35, socket.inet_aton(g) + socket.inet_aton(sys.argv[1]))
        print("join", g, "ok")
    except OSError as e:
        print("join", g, "err", errno.errorcode[e.errno])
print("ready", flush=True)
sys.stdin.read()
`;

describeLive("igmp_max_memberships and the IGMP sysctls (live)", ["python3", "sysctl"], () => {
  it("a socket's 21st group is refused (ENOBUFS); igmpkit kernel reads the sysctls as sysctl shows them and says a socket may be at its limit", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      // Values other than the defaults, so that reading them back shows they were read.
      await lab.sysctl(h, "net.ipv4.igmp_qrv", 3);
      await lab.sysctl(h, "net.ipv4.igmp_max_msf", 7);
      await lab.sysctl(h, "net.ipv4.igmp_link_local_mcast_reports", 0);
      await lab.exec(h, "ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth1"]);
      await lab.exec(h, "ip", ["addr", "add", "198.18.74.2/24", "dev", "eth0"]);
      for (const i of ["eth0", "eth1"]) await lab.exec(h, "ip", ["link", "set", i, "up"]);
      await lab.sysctl(h, "net.ipv4.conf.eth0.force_igmp_version", 2);
      await lab.sysctl(h, "net.ipv4.conf.eth0.igmpv3_unsolicited_report_interval", 300);
      await lab.sysctl(h, "net.ipv4.conf.eth0.igmpv2_unsolicited_report_interval", 700);
      const sysctl = async (key: string) => Number((await lab.exec(h, "sysctl", ["-n", key])).stdout.trim());
      const max = await sysctl("net.ipv4.igmp_max_memberships");
      expect(max).toBe(20); // the kernel's default, per namespace

      const holder = lab.spawn(h, "python3", ["-u", "-c", ONE_SOCKET_PY, "198.18.74.2", String(max + 1)]);
      await waitFor("the socket's joins", () => {
        if (!holder.running) throw new Error(`holder exited: ${holder.stderr}`);
        return holder.stdout.includes("ready");
      });
      const joins = holder.stdout.split("\n").filter((l) => l.startsWith("join "));
      expect(joins.filter((l) => l.endsWith(" ok"))).toHaveLength(max);
      expect(joins.at(-1)).toBe(`join 239.74.0.${max + 1} err ENOBUFS`);

      const st = await readKernelState({ netns: h.name });
      expect(st.problems).toEqual([]);
      expect(st.sysctl).toEqual({
        igmpMaxMemberships: max,
        igmpMaxMsf: await sysctl("net.ipv4.igmp_max_msf"),
        igmpQrv: await sysctl("net.ipv4.igmp_qrv"),
        igmpLinkLocalMcastReports: (await sysctl("net.ipv4.igmp_link_local_mcast_reports")) !== 0,
        forceIgmpVersionAll: await sysctl("net.ipv4.conf.all.force_igmp_version"),
      });
      expect([st.sysctl.igmpMaxMsf, st.sysctl.igmpQrv, st.sysctl.igmpLinkLocalMcastReports]).toEqual([7, 3, false]);
      const eth0 = st.interfaces.find((i) => i.name === "eth0")!;
      expect(eth0).toMatchObject({
        version: "V2",
        forceIgmpVersion: await sysctl("net.ipv4.conf.eth0.force_igmp_version"),
        querierPresent: "unknown", // forced to v2: a v2 querier would not show
        igmpv3UnsolicitedReportIntervalMs: await sysctl("net.ipv4.conf.eth0.igmpv3_unsolicited_report_interval"),
        igmpv2UnsolicitedReportIntervalMs: await sysctl("net.ipv4.conf.eth0.igmpv2_unsolicited_report_interval"),
        mcForwarding: false,
      });
      expect([eth0.forceIgmpVersion, eth0.igmpv3UnsolicitedReportIntervalMs, eth0.igmpv2UnsolicitedReportIntervalMs]).toEqual([2, 300, 700]);
      expect(st.interfaces.find((i) => i.name === "eth1")).toMatchObject({ version: "V3", forceIgmpVersion: 0, querierPresent: "none" });
      const groups = eth0.groups.filter((g) => g.group !== "224.0.0.1");
      expect(groups.map((g) => g.users)).toEqual(Array(max).fill(1));
      // Each group's link-layer address is in the interface's list, /proc/net/dev_mcast.
      expect(groups.every((g) => g.linkAddressPresent === true && eth0.linkAddresses.some((a) => a.address === g.linkAddress))).toBe(true);
      const found = kernelFindings(st).filter((f) => f.rule === "membership-limit-possible");
      expect(found).toMatchObject([{ severity: "info", value: max, limit: max }]);

      holder.child.stdin?.end();
      await holder.exited;
      const after = await readKernelState({ netns: h.name });
      expect(after.interfaces.find((i) => i.name === "eth0")!.groups.filter((g) => g.group !== "224.0.0.1")).toEqual([]);
      expect(kernelFindings(after).filter((f) => f.rule === "membership-limit-possible")).toEqual([]);
    });
  }, 60_000);
});
