/**
 * The kernel as a multicast router driven by FRR pimd, read through igmpkit's parsers: a source LAN and a
 * receiver LAN, a sender, a host joining and leaving on the receiver LAN; `igmpkit kernel` checked field for
 * field against `ip -s mroute show` and the /proc files read alongside; RPF failures rising; the unresolved
 * queue of this kernel measured.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { readKernelState } from "../../src/io/kernel.js";
import { kernelFindings, type KernelMfcEntry, type KernelState } from "../../src/kernel/index.js";
import { Lab, describeLive, waitFor, type Frr, type KernelHost, type Netns } from "../lab/index.js";
import { parseIpMroute } from "./oracles.js";
import { startMonitor } from "../monitor/live-helpers.js";
import { BIN, ensureBuiltWithKernel } from "./helpers.js";

const execFileP = promisify(execFile);

export const SENDER_PY = join(__dirname, "..", "lab", "mcast_sender.py");

/** A router namespace running FRR pimd between a source LAN and a receiver LAN, with a sender and a receiver. */
export interface RouterLab {
  r: Netns;
  s: Netns;
  v: Netns;
  receiver: KernelHost;
  frr: Frr;
  /** Start the sender on the source LAN (UDP to `groups`, TTL 8). */
  send(groups: string[], extra?: string[]): Promise<void>;
  state(): Promise<KernelState>;
  /** Change pimd's configuration of one interface while it runs (vtysh: configure terminal, interface IF, lines). */
  configure(iface: string, lines: string[]): Promise<void>;
  /** (198.18.80.2, group) in the router's cache. */
  entry(st: KernelState, group: string): KernelMfcEntry | undefined;
}

export const SRC = "198.18.80.2";
/** Groups the RP serves; 239.81.x.y stays outside and so unresolved. */
export const RP_RANGE = "239.80.0.0/16";

/** Build the lab of a {@link RouterLab}; `extraConfig` goes into pimd's configuration. */
export async function routerLab(lab: Lab, opts: { rvPim?: boolean } = {}): Promise<RouterLab> {
  const r = await lab.netns("r");
  const s = await lab.netns("s");
  const v = await lab.netns("v");
  await lab.veth(s, r, { nameA: "eth0", nameB: "rs", addrA: `${SRC}/24`, addrB: "198.18.80.1/24" });
  await lab.veth(v, r, { nameA: "eth0", nameB: "rv", addrA: "198.18.81.2/24", addrB: "198.18.81.1/24" });
  await lab.exec(s, "ip", ["route", "add", "default", "via", "198.18.80.1"]);
  await lab.exec(v, "ip", ["route", "add", "default", "via", "198.18.81.1"]);
  await lab.sysctl(r, "net.ipv4.ip_forward", 1);
  const frr = await lab.frr(r, {
    interfaces: [
      { name: "rs" },
      { name: "rv", igmpVersion: 3, queryIntervalSec: 2, queryMaxResponseTimeDs: 10, lastMemberQueryIntervalDs: 5, lastMemberQueryCount: 2, ...(opts.rvPim === false ? { pim: false } : {}) },
    ],
    extraConfig: `ip pim rp 198.18.80.1 ${RP_RANGE}\n!`,
  });
  const receiver = await lab.kernelHost(v, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
  return {
    r,
    s,
    v,
    receiver,
    frr,
    async send(groups, extra = []) {
      const p = lab.spawn(s, "python3", ["-u", SENDER_PY, groups.join(","), "--rate", "20", ...extra]);
      await waitFor("the sender", () => {
        if (!p.running && p.exitCode !== 0) throw new Error(`sender exited: ${p.stderr}`);
        return p.stdout.includes("ready");
      });
    },
    state: () => readKernelState({ netns: r.name }),
    async configure(iface, lines) {
      await lab.exec(r, "vtysh", ["--vty_socket", frr.dir, ...["configure terminal", `interface ${iface}`, ...lines].flatMap((c) => ["-c", c])]);
    },
    entry: (st, group) => st.router?.mfc.find((e) => e.origin === SRC && e.group === group),
  };
}

/** The kernel's little-endian %08X of an address, computed here independently of the parser. */
const hexLE = (a: string) => a.split(".").reverse().map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0")).join("");

/** `ip -s mroute show`: each entry with its counters. */
function ipMrouteStats(text: string): Map<string, { iif: string; oifs: string[]; state: string; packets: number | null; bytes: number | null; wrong: number | null }> {
  const out = new Map<string, { iif: string; oifs: string[]; state: string; packets: number | null; bytes: number | null; wrong: number | null }>();
  const lines = text.split("\n");
  lines.forEach((l, i) => {
    const [e] = parseIpMroute(l);
    if (!e) return;
    // Oifs with their TTL threshold as "dev:ttl" (ip prints "(ttl N)" only above 1).
    const oifs = (/Oifs:\s+(.*?)\s+State:/.exec(l)?.[1] ?? "").split(/\s+(?!\()/).filter(Boolean).map((o) => `${o.replace(/\(ttl \d+\)/, "")}:${/\(ttl (\d+)\)/.exec(o)?.[1] ?? 1}`);
    const st = /^\s+(\d+) packets, (\d+) bytes(?:, (\d+) arrived on wrong iif)?/.exec(lines[i + 1] ?? "");
    out.set(`${e.origin} ${e.group}`, { iif: e.iif, oifs, state: e.state, packets: st ? Number(st[1]) : null, bytes: st ? Number(st[2]) : null, wrong: st?.[3] !== undefined ? Number(st[3]) : st ? 0 : null });
  });
  return out;
}

describeLive("the kernel's multicast routing table through igmpkit's parsers, FRR pimd as the daemon (live)", ["python3", "sysctl", "/usr/lib/frr/pimd", "/usr/lib/frr/zebra", "vtysh"], () => {
  it("a join on the receiver LAN adds its VIF to the (S,G) entry, the leave takes it away; igmpkit kernel agrees with ip mroute and /proc; the unresolved queue holds more than 10", async () => {
    ensureBuiltWithKernel();
    await Lab.with(async (lab) => {
      const L = await routerLab(lab);
      const G = "239.80.6.6";
      await L.send([G]);
      await L.receiver.join(G);
      const first = await waitFor("(S,G) forwarded to rv", async () => {
        const st = await L.state();
        return L.entry(st, G)?.oifs.some((o) => o.device === "rv") ? st : undefined;
      }, { timeoutMs: 20_000, intervalMs: 250 });
      const sg = L.entry(first, G)!;
      expect(sg.iifDevice).toBe("rs");
      expect(first.router!.active).toBe(true);
      expect(first.router!.vifs.map((v) => v.device).sort()).toEqual(["pimreg", "rs", "rv"]);
      const later = await waitFor("packets rising", async () => {
        const st = await L.state();
        return (L.entry(st, G)?.packets ?? 0) > sg.packets ? st : undefined;
      });
      expect(L.entry(later, G)!.bytes).toBeGreaterThan(sg.bytes);

      // Field for field: the /proc files read before and after, `igmpkit kernel --netns R --json` (the built
      // CLI, as a user runs it) and `ip -s mroute show` in between; counters moved while they were read, so
      // each lies between the raw values before and after.
      const cat = async (f: string) => (await lab.exec(L.r, "cat", [f])).stdout;
      const [mfcBefore, vifBefore] = [await cat("/proc/net/ip_mr_cache"), await cat("/proc/net/ip_mr_vif")];
      const st = JSON.parse((await execFileP(process.execPath, [BIN, "kernel", "--netns", L.r.name, "--json"])).stdout) as KernelState;
      const ip = ipMrouteStats((await lab.exec(L.r, "ip", ["-s", "mroute", "show"])).stdout);
      const [mfcAfter, vifAfter] = [await cat("/proc/net/ip_mr_cache"), await cat("/proc/net/ip_mr_vif")];
      const between = (value: number, before: string | undefined, after: string | undefined) => {
        expect(value).toBeGreaterThanOrEqual(Number(before));
        expect(value).toBeLessThanOrEqual(Number(after));
      };
      const all = [...st.router!.mfc, ...st.router!.unresolved];
      expect(ip.get(`${SRC} ${G}`)!.packets).toBeGreaterThan(0);
      expect(new Set(all.map((e) => `${e.origin} ${e.group}`))).toEqual(new Set(ip.keys()));
      for (const e of all) {
        const theirs = ip.get(`${e.origin} ${e.group}`)!;
        expect({ iif: e.unresolved ? "unresolved" : e.iifDevice, oifs: e.oifs.map((o) => `${o.device}:${o.ttl}`).sort(), state: e.unresolved ? "unresolved" : "resolved" }).toEqual({
          iif: theirs.iif,
          oifs: [...theirs.oifs].sort(),
          state: theirs.state,
        });
        // The raw rows, found by the kernel's own hex of group and origin.
        const row = (text: string) => text.split("\n").find((l) => l.startsWith(`${hexLE(e.group)} ${hexLE(e.origin)} `))!.trim().split(/\s+/);
        const [b, a] = [row(mfcBefore), row(mfcAfter)];
        expect(Number(b[2])).toBe(e.iif);
        between(e.packets, b[3], a[3]);
        between(e.bytes, b[4], a[4]);
        between(e.wrongIf, b[5], a[5]);
        expect(a.slice(6).sort()).toEqual(e.oifs.map((o) => `${o.vif}:${o.ttl}`).sort());
        // ip -s mroute prints counters for resolved entries only.
        if (!e.unresolved) {
          between(theirs.packets!, b[3], a[3]);
          between(theirs.bytes!, b[4], a[4]);
          between(theirs.wrong!, b[5], a[5]);
        }
      }
      // The VIF table row for row: index, device, the four counters, flags, and the Local column, which
      // holds the ifindex for a VIF bound by ifindex (checked against `ip link`).
      const ifindex = new Map(
        (JSON.parse((await lab.exec(L.r, "ip", ["-j", "link", "show"])).stdout) as { ifindex: number; ifname: string }[]).map((l) => [l.ifname, l.ifindex]),
      );
      const vifRows = (text: string) => text.split("\n").slice(1).filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/));
      const [vb, va] = [vifRows(vifBefore), vifRows(vifAfter)];
      expect(st.router!.vifs.map((v) => [String(v.vif), v.device])).toEqual(va.map((r) => [r[0], r[1]]));
      st.router!.vifs.forEach((v, i) => {
        const [b, a] = [vb[i]!, va[i]!];
        for (const [col, value] of [[2, v.bytesIn], [3, v.packetsIn], [4, v.bytesOut], [5, v.packetsOut]] as const) between(value, b[col], a[col]);
        expect(v.flags).toBe(parseInt(a[6]!, 16));
        if (v.device === "pimreg") expect(v.flagNames).toEqual(["register"]);
        else expect({ flagNames: v.flagNames, localIfindex: v.localIfindex }).toEqual({ flagNames: ["useIfindex"], localIfindex: ifindex.get(v.device) });
        expect(v.remote).toBe("0.0.0.0");
      });
      expect(st.router!.vifs.find((v) => v.device === "rv")!.packetsOut).toBeGreaterThan(0);
      expect(st.router!.active).toBe(true);
      expect((await lab.exec(L.r, "sysctl", ["-n", "net.ipv4.conf.all.mc_forwarding"])).stdout.trim()).toBe("1");

      // RPF failures: the source's address arriving from the receiver LAN.
      const before = await L.state();
      await lab.exec(L.v, "python3", [SENDER_PY, G, "--spoof-source", SRC, "--count", "5", "--rate", "50"]);
      const after = await waitFor("wrong-if rising", async () => {
        const x = await L.state();
        return (L.entry(x, G)?.wrongIf ?? 0) >= (L.entry(before, G)?.wrongIf ?? 0) + 5 ? x : undefined;
      });
      expect(kernelFindings(after, before).filter((f) => f.rule === "rpf-failures")).toMatchObject([{ origin: SRC, group: G, value: 5 }]);

      // Leave: after the last member query time (2 × 0.5 s) pimd takes rv out of the entry, not before; the
      // entry stays (the sender goes on), with no outgoing VIF toward the receiver LAN.
      const LMQT_MS = 2 * 500;
      const leftAt = performance.now();
      await L.receiver.leave(G);
      const pruned = await waitFor("rv gone from the (S,G) oifs", async () => {
        const e = L.entry(await L.state(), G);
        return e !== undefined && !e.oifs.some((o) => o.device === "rv") ? e : undefined;
      }, { timeoutMs: 10_000, intervalMs: 200 });
      expect(performance.now() - leftAt).toBeGreaterThanOrEqual(LMQT_MS);
      expect(pruned.iifDevice).toBe("rs");
      await L.receiver.close();

      // This kernel's unresolved queue: more than the old limit of 10 at once, each entry named.
      const groups = Array.from({ length: 14 }, (_, i) => `239.81.0.${i + 1}`);
      await L.send(groups, ["--count", "3"]);
      const unres = await waitFor("unresolved entries", async () => {
        const x = await L.state();
        return (x.router?.unresolved.length ?? 0) >= groups.length ? x : undefined;
      }, { timeoutMs: 10_000, intervalMs: 200 });
      expect(unres.router!.unresolved.map((e) => e.group).sort()).toEqual([...groups].sort());
      expect(unres.limits.maxUnresolved).toBeNull(); // 6.x: no count limit
      expect(kernelFindings(unres).map((f) => f.rule)).toContain("unresolved-near-limit");
      const ipUnres = parseIpMroute((await lab.exec(L.r, "ip", ["mroute", "show"])).stdout).filter((e) => e.state === "unresolved");
      expect(ipUnres.length).toBe(unres.router!.unresolved.length);
    });
  }, 90_000);

  it("monitor -i rv --kernel: both halves agree while pimd forwards, and disagree once rv's VIF is taken out of pimd", async () => {
    ensureBuiltWithKernel();
    await Lab.with(async (lab) => {
      const L = await routerLab(lab);
      const G = "239.80.7.7";
      await L.send([G]);
      const m1 = await startMonitor(lab, L.r, "rv", ["--kernel"]);
      const m2 = await startMonitor(lab, L.r, "rv", ["--kernel"]);
      await L.receiver.join(G);
      await m1.waitEvent("the join on the wire", (e) => e.type === "join" && (e as { group?: string }).group === G);
      await waitFor("(S,G) forwarded to rv and rising", async () => {
        const a = L.entry(await L.state(), G);
        await new Promise((r) => setTimeout(r, 300));
        const b = L.entry(await L.state(), G);
        return a !== undefined && b !== undefined && b.oifs.some((o) => o.device === "rv") && b.packets > a.packets;
      }, { timeoutMs: 20_000, intervalMs: 250 });
      await new Promise((r) => setTimeout(r, 4000)); // past the grace time, with the monitor sampling
      await m1.stop();
      const lines1 = m1.lines();
      expect(lines1.filter((l) => l.type === "kernel-disagreement")).toEqual([]);
      const view1 = lines1.at(-2) as { type: string; vif: number; disagreements: unknown[]; rows: { group: string; wire: { mode: string; reporters: string[] } | null; kernel: { origin: string; towardLan: boolean; packets: number; flag: unknown }[] }[] };
      expect(view1).toMatchObject({ type: "kernel-side-by-side", disagreements: [] });
      const row1 = view1.rows.find((r) => r.group === G)!;
      expect(row1.wire).toMatchObject({ mode: "exclude", reporters: ["198.18.81.2"] });
      expect(row1.kernel.find((e) => e.origin === SRC)).toMatchObject({ towardLan: true, flag: null });
      expect(row1.kernel.find((e) => e.origin === SRC)!.packets).toBeGreaterThan(0);

      // Break forwarding on purpose: rv out of pimd (no PIM, no IGMP), so its VIF goes. The second monitor
      // has watched since before the join: one started now learns the member only at pimd's next general
      // query, which was more than 15 s away in a run here.
      await L.configure("rv", ["no ip igmp", "no ip pim"]);
      await waitFor("rv's VIF gone", async () => !(await L.state()).router!.vifs.some((v) => v.device === "rv"), { timeoutMs: 10_000, intervalMs: 250 });
      const flagged = await m2.waitEvent("the disagreement", (e) => (e.type as string) === "kernel-disagreement", 20_000);
      expect(flagged).toMatchObject({ flag: "members-no-forwarding", group: G, origin: SRC });
      await m2.stop();
      const view2 = m2.lines().at(-2) as { type: string; vif: number | null; disagreements: unknown[] };
      expect(view2).toMatchObject({ type: "kernel-side-by-side", vif: null });
      expect(view2.disagreements).toContainEqual({ flag: "members-no-forwarding", group: G, origin: SRC });
      await L.receiver.close();
    });
  }, 120_000);

  it("monitor -i rv --kernel: forwarding toward rv after its last member left (a static route in pimd) is flagged forwarding-no-members", async () => {
    ensureBuiltWithKernel();
    await Lab.with(async (lab) => {
      const L = await routerLab(lab);
      const G = "239.80.8.8";
      await L.send([G]);
      const m = await startMonitor(lab, L.r, "rv", ["--kernel"]);
      await L.receiver.join(G);
      await m.waitEvent("the join on the wire", (e) => e.type === "join" && e.group === G);
      await waitFor("(S,G) forwarded to rv", async () => L.entry(await L.state(), G)?.oifs.some((o) => o.device === "rv"), { timeoutMs: 20_000, intervalMs: 250 });
      await L.receiver.leave(G);
      // The membership ends on the wire (TO_IN {}, pimd's group-specific queries unanswered) and pimd prunes rv.
      const gone = await m.waitEvent("the membership gone on the wire", (e) => e.type === "expiry" && e.group === G, 10_000);
      await waitFor("rv pruned", async () => L.entry(await L.state(), G)?.oifs.length === 0, { timeoutMs: 10_000, intervalMs: 250 });
      expect(m.lines().filter((l) => l.type === "kernel-disagreement")).toEqual([]);
      // Broken on purpose the other way: a static route in pimd sends (S,G) from rs out of rv, no member left.
      // (Made after the leave: pimd 8.4 drops a static route's oif when a dynamic membership of the same
      // (S,G) ends.)
      await L.configure("rs", [`ip mroute rv ${G} ${SRC}`]);
      await waitFor("the static (S,G) toward rv", async () => L.entry(await L.state(), G)?.oifs.some((o) => o.device === "rv"), { timeoutMs: 10_000, intervalMs: 250 });
      const flagged = await m.waitEvent("the disagreement", (e) => (e.type as string) === "kernel-disagreement", 20_000);
      expect(flagged).toMatchObject({ flag: "forwarding-no-members", group: G, origin: SRC });
      expect(Number(flagged.time) - Number(gone.time)).toBeGreaterThanOrEqual(3); // the grace time
      await m.stop();
      const view = m.lines().at(-2) as { type: string; disagreements: unknown[]; rows: { group: string; wire: unknown; kernel: { origin: string; towardLan: boolean; packets: number; flag: unknown }[] }[] };
      expect(view).toMatchObject({ type: "kernel-side-by-side", disagreements: [{ flag: "forwarding-no-members", group: G, origin: SRC }] });
      const row = view.rows.find((r) => r.group === G)!;
      expect(row.wire).toBeNull();
      expect(row.kernel.find((e) => e.origin === SRC)).toMatchObject({ towardLan: true, flag: "forwarding-no-members" });
      await L.receiver.close();
    });
  }, 90_000);
});
