import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import {
  Lab,
  LabError,
  assertLabAddress,
  assertLabGroup,
  describeLive,
  liveGate,
  CAP,
  hasCap,
  liveRequired,
  parseProcIgmp,
  waitFor,
  type MdbEntry,
} from "./index";

function netnsList(): string {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
}

function tsharkLines(file: string, fields: string[]): string[] {
  const args = ["-r", file, "-Y", "igmp", "-T", "fields", "-E", "separator=/s"];
  for (const f of fields) args.push("-e", f);
  return execFileSync("tshark", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    .split("\n")
    .filter(Boolean);
}

describe("lab helpers (no privileges needed)", () => {
  it("liveGate names what is missing", () => {
    const gate = liveGate(["igmpkit-no-such-command"]);
    expect(gate.ok).toBe(false);
    expect(gate.reason).toContain("igmpkit-no-such-command");
  });

  it("liveGate takes \"cap\" for libpcap's binding: met exactly when the package loads, named with its fix when not", () => {
    const gate = liveGate([CAP]);
    let loads = true;
    try {
      createRequire(import.meta.url)("cap");
    } catch {
      loads = false;
    }
    expect(hasCap()).toBe(loads);
    if (loads) expect(gate.reason).not.toContain("cap");
    else expect(gate.reason).toContain("cap (libpcap's binding: apt-get install libpcap-dev, then npm ci)");
  });

  it("refuses addresses and groups outside the lab ranges", () => {
    expect(() => assertLabAddress("198.19.255.1/24")).not.toThrow();
    expect(() => assertLabAddress("198.18.0.1")).not.toThrow();
    expect(() => assertLabAddress("10.0.0.1/8")).toThrow(LabError);
    expect(() => assertLabAddress("198.20.0.1")).toThrow(LabError);
    expect(() => assertLabGroup("239.1.2.3")).not.toThrow();
    expect(() => assertLabGroup("232.1.1.1")).not.toThrow();
    expect(() => assertLabGroup("224.0.0.1")).toThrow(LabError);
    expect(() => assertLabGroup("233.1.1.1")).toThrow(LabError);
  });

  it("parses /proc/net/igmp and /proc/net/mcfilter", () => {
    const igmp = [
      "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter",
      "1\tlo        :     1      V3",
      "\t\t\t\t010000E0     1 0:00000000\t\t0",
      "7\tv1a       :     3      V2",
      "\t\t\t\t030201EF     1 0:00000000\t\t1",
      "\t\t\t\t010000E0     1 0:00000000\t\t0",
      "",
    ].join("\n");
    const mcf = [
      "Idx Device        MCA        SRC    INC    EXC",
      "  7    v1a 0xe8010101 0xc6120009      1      0",
      "",
    ].join("\n");
    const p = parseProcIgmp(igmp, mcf);
    expect(p.groups).toContainEqual({ index: 7, device: "v1a", querier: "V2", group: "239.1.2.3", users: 1, reporter: true });
    expect(p.groups.filter((g) => g.group === "224.0.0.1")).toHaveLength(2);
    expect(p.filters).toEqual([
      { index: 7, device: "v1a", group: "232.1.1.1", source: "198.18.0.9", include: 1, exclude: 0 },
    ]);
  });
});

describeLive("Lab (live)", ["bridge", "tcpdump", "tshark", "python3", "sysctl"], () => {
  const made: string[] = [];
  afterAll(() => {
    const list = netnsList();
    for (const n of made) expect(list).not.toContain(n);
  });

  it("builds a bridge querier and a kernel host, sees the joins, captures them, and cleans up", async () => {
    const lab = await Lab.create();
    try {
      const sw = await lab.netns("sw");
      const h = await lab.netns("h");
      made.push(sw.name, h.name);
      expect(netnsList()).toContain(sw.name);

      const link = await lab.veth(h, sw, { addrA: "198.18.0.2/24", nameA: "eth0", nameB: "p1" });
      const br = await lab.bridge(sw, {
        snooping: true,
        querier: true,
        igmpVersion: 3,
        queryIntervalMs: 2000,
        queryResponseIntervalMs: 500,
        startupQueryIntervalMs: 500,
        address: "198.18.0.1/24",
      });
      await br.addPort(link.b);

      const cap = await lab.tcpdump(h, "eth0", { filter: "igmp" });
      const host = await lab.kernelHost(h, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
      await host.join("239.1.2.3");
      await host.block("239.1.2.3", "198.18.0.77");
      await host.joinSource("232.1.1.1", "198.18.0.9");

      const asm = await waitFor("mdb entry for 239.1.2.3", async () => {
        const mdb = await br.mdb();
        // the (*,G) row; (S,G) rows carry `src`
        return mdb.find((e: MdbEntry) => e.grp === "239.1.2.3" && e.port === "p1" && !e.src);
      });
      expect(asm.filter_mode).toBe("exclude");
      expect(asm.source_list?.map((s) => s.address)).toContain("198.18.0.77");
      const ssm = await waitFor("mdb entry for 232.1.1.1", async () => {
        const mdb = await br.mdb();
        return mdb.find((e) => e.grp === "232.1.1.1" && e.port === "p1" && !e.src);
      });
      expect(ssm.filter_mode).toBe("include");
      expect(ssm.source_list?.map((s) => s.address)).toContain("198.18.0.9");

      const proc = await lab.readProcIgmp(h);
      expect(proc.groups).toContainEqual(expect.objectContaining({ device: "eth0", group: "239.1.2.3", querier: "V3" }));
      expect(proc.filters).toContainEqual(
        expect.objectContaining({ device: "eth0", group: "232.1.1.1", source: "198.18.0.9", include: 1 }),
      );
      expect(proc.filters).toContainEqual(
        expect.objectContaining({ device: "eth0", group: "239.1.2.3", source: "198.18.0.77", exclude: 1 }),
      );

      // Startup queries come every 0.5 s, then every 2 s: let the host answer a few.
      await new Promise((r) => setTimeout(r, 2500));
      await host.leave("239.1.2.3");
      await host.close();
      const file = await cap.stop();
      expect(statSync(file).size).toBeGreaterThan(24);
      const types = tsharkLines(file, ["igmp.type"]).map(Number);
      expect(types).toContain(0x11); // membership query from the bridge
      expect(types).toContain(0x22); // v3 reports from the kernel
      // lab refuses foreign groups before anything reaches the kernel
      await expect(host.join("224.1.1.1")).rejects.toThrow(LabError);
    } finally {
      await lab.destroy();
      await lab.destroy(); // idempotent
    }
    const list = netnsList();
    for (const n of lab.namespaces) expect(list).not.toContain(n);
    expect(existsSync(lab.dir)).toBe(false);
    // teardown is also wired to process exit and to SIGINT/SIGTERM
    expect(process.listenerCount("SIGTERM")).toBeGreaterThan(0);
    expect(process.listenerCount("SIGINT")).toBeGreaterThan(0);
  });

  it("forces IGMPv2 on a kernel host and reports through an FRR pimd querier", async () => {
    const gate = liveGate(["/usr/lib/frr/pimd", "/usr/lib/frr/zebra", "vtysh"]);
    if (!gate.ok) {
      if (liveRequired()) throw new Error(`IGMPKIT_REQUIRE_LIVE=1 but FRR is missing: ${gate.reason}`);
      console.warn(`[igmpkit live] FRR part skipped: ${gate.reason}`);
      return;
    }
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const h = await lab.netns("h");
      made.push(r.name, h.name);
      const link = await lab.veth(r, h, { nameA: "r0", nameB: "eth0", addrB: "198.18.1.2/24" });
      const frr = await lab.frr(r, {
        interfaces: [{ name: link.a, address: "198.18.1.1/24", igmpVersion: 2, queryIntervalSec: 2, queryMaxResponseTimeDs: 10 }],
      });
      const host = await lab.kernelHost(h, "eth0", { version: 2, unsolicitedReportIntervalMs: 200 });
      await host.join("239.9.9.9");
      const groups = await waitFor(
        "pimd to learn 239.9.9.9",
        async () => {
          const j = await frr.vtysh<Record<string, unknown>>("show ip igmp groups json");
          return JSON.stringify(j).includes("239.9.9.9") ? j : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(JSON.stringify(groups)).toContain('"version":2');
      const proc = await lab.readProcIgmp(h);
      expect(proc.groups).toContainEqual(expect.objectContaining({ device: "eth0", group: "239.9.9.9", querier: "V2" }));
      expect(frr.pids().length).toBe(2);
      const pids = frr.pids();
      await lab.destroy();
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
      expect(existsSync(`/var/run/frr/${frr.pathspace}`)).toBe(false);
    });
  });

  it("removes everything when the test body throws", async () => {
    let names: readonly string[] = [];
    let dir = "";
    await expect(
      Lab.with(async (lab) => {
        await lab.netns("a");
        const b = await lab.netns("b");
        await lab.veth("" + lab.namespaces[0], b, { addrA: "198.18.2.1/24", addrB: "198.18.2.2/24" });
        lab.spawn(b, "sleep", ["600"]);
        names = lab.namespaces;
        dir = lab.dir;
        made.push(...names);
        expect(netnsList()).toContain(names[0]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(names).toHaveLength(2);
    const list = netnsList();
    for (const n of names) expect(list).not.toContain(n);
    expect(existsSync(dir)).toBe(false);
  });

  it("exec rejects with the command's stderr", async () => {
    await Lab.with(async (lab) => {
      const ns = await lab.netns();
      made.push(ns.name);
      await expect(lab.exec(ns, "ip", ["link", "show", "nosuchdev0"])).rejects.toThrow(/nosuchdev0|does not exist/);
      const { stdout } = await lab.exec(ns, "cat", ["/proc/net/igmp"]);
      expect(stdout).toContain("lo");
    });
  });
});
