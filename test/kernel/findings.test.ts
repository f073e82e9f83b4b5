/** Findings and --watch events over the real fixtures, with one value changed where a case needs it. */
import { describe, expect, it } from "vitest";
import { kernelDiff, kernelFindings, type KernelFinding } from "../../src/kernel/index.js";
import { fixtureState, fixtureText, sgEntry } from "./helpers.js";

const rules = (fs: KernelFinding[]) => fs.map((f) => `${f.severity} ${f.rule}`);
const setSysctl = (key: string, value: number) => (name: string, text: string) => (name === "sysctl" ? text.replace(new RegExp(`^(${key.replace(/\./g, "\\.")} = ).*$`, "m"), `$1${value}`) : text);

const sgCounters = (packets: number, wrong: number) => sgEntry({ packets, wrong });

/** The real 32-VIF table (fixtures/kernel/limits-ip_mr_vif.txt) cut to its first `n` VIFs. */
const vifTable = (n: number) => fixtureText("limits-ip_mr_vif.txt").split("\n").slice(0, n + 1).join("\n") + "\n";

describe("kernel findings", () => {
  it("a clean host has none; the router shows the RPF failures its cache counted", () => {
    expect(kernelFindings(fixtureState("host"))).toEqual([]);
    const f = kernelFindings(fixtureState("router"));
    expect(rules(f)).toEqual(["info rpf-failures-seen"]);
    expect(f[0]).toMatchObject({ origin: "198.18.50.2", group: "239.60.6.6" });
  });
  it("wrong-interface counts rising between samples are RPF failures", () => {
    const before = fixtureState("router", sgCounters(30, 3));
    const after = fixtureState("router", sgCounters(50, 8));
    const f = kernelFindings(after, before);
    expect(rules(f)).toEqual(["warning rpf-failures"]);
    expect(f[0]!.value).toBe(5);
    // Not rising: nothing (the total alone is no news between samples).
    expect(kernelFindings(after, after)).toEqual([]);
  });
  it("a socket provably at igmp_max_msf: 3 source references over 2 sockets means one holds 2", () => {
    expect(rules(kernelFindings(fixtureState("host", setSysctl("net.ipv4.igmp_max_msf", 2))))).toEqual(["warning source-limit-reached"]);
    expect(kernelFindings(fixtureState("host", setSysctl("net.ipv4.igmp_max_msf", 3)))).toEqual([]);
  });
  it("memberships in all at igmp_max_memberships (224.0.0.1's kernel user not counted)", () => {
    // eth0: 1 + 2 + 2, eth1: 1, eth2: 1 = 7 socket memberships.
    const at7 = kernelFindings(fixtureState("host", setSysctl("net.ipv4.igmp_max_memberships", 7)));
    expect(rules(at7)).toEqual(["info membership-limit-possible"]);
    expect(at7[0]!.value).toBe(7);
    expect(kernelFindings(fixtureState("host", setSysctl("net.ipv4.igmp_max_memberships", 8)))).toEqual([]);
  });
  it("the VIF table near and at MAXVIFS (the kernel's own 32-VIF table)", () => {
    const with28 = fixtureState("router", (n, t) => (n === "ip_mr_vif" ? vifTable(28) : n === "ip_mr_cache" ? t.split("\n")[0]! : t));
    expect(rules(kernelFindings(with28))).toEqual(["warning vifs-near-limit"]);
    const with32 = fixtureState("router", (n, t) => (n === "ip_mr_vif" ? vifTable(32) : n === "ip_mr_cache" ? t.split("\n")[0]! : t));
    expect(rules(kernelFindings(with32))).toEqual(["error vif-table-full"]);
  });
  it("unresolved entries against the limit of the kernel's release", () => {
    const many = (n: string, t: string) =>
      n === "ip_mr_cache" ? `${t.split("\n")[0]}\n${Array.from({ length: 10 }, (_, i) => `0${i}003DEF 023212C6 -1         0        0        0`).join("\n")}\n` : t;
    const st = fixtureState("router", many);
    expect(st.router!.unresolved).toHaveLength(10);
    expect(rules(kernelFindings(st))).toEqual(["warning unresolved-near-limit"]);
    expect(rules(kernelFindings({ ...st, limits: { ...st.limits, maxUnresolved: 10 } }))).toEqual(["error unresolved-full"]);
  });
  it("an unreadable file is a finding, never a clean output", () => {
    const st = fixtureState("host", (n, t) => (n === "mcfilter" ? t.replace("0xc6123c09", "0xZZ") : t));
    expect(rules(kernelFindings(st))).toEqual(["warning unreadable"]);
  });
});

describe("kernel --watch events", () => {
  it("a socket leaving, a group gone", () => {
    const before = fixtureState("host");
    const after = fixtureState("host", (n, t) =>
      n === "igmp" ? t.replace("02023CE8     2", "02023CE8     1").replace(/^\t+03033CEF.*\n/m, "").replace("eth0      :     4", "eth0      :     3") : n === "mcfilter" ? t.replace(/^.*0xef3c0303.*\n/m, "").replace(/(0xc6123c0a\s+)2/, "$11") : t,
    );
    const { events } = kernelDiff(before, after);
    expect(events).toEqual([
      { type: "users-changed", interface: "eth0", group: "232.60.2.2", from: 2, to: 1 },
      { type: "filter-changed", interface: "eth0", group: "232.60.2.2", mode: "include", sources: ["198.18.60.9", "198.18.60.10"], filter: [
        { source: "198.18.60.9", include: 1, exclude: 0 },
        { source: "198.18.60.10", include: 1, exclude: 0 },
      ] },
      { type: "group-left", interface: "eth0", group: "239.60.3.3" },
    ]);
  });
  it("forwarding starts once, RPF failures rise, an unresolved entry resolves", () => {
    const a = fixtureState("router", sgCounters(10, 8));
    const b = fixtureState("router", sgCounters(20, 8));
    const c = fixtureState("router", (n, t) => sgCounters(30, 11)(n, n === "ip_mr_cache" ? t.replace("01003DEF 023212C6 -1         0        0        0", "01003DEF 023212C6 2          4      240        0  1:1") : t));
    const first = kernelDiff(a, b);
    expect(first.events).toEqual([{ type: "forwarding-started", origin: "198.18.50.2", group: "239.60.6.6", packets: 20 }]);
    const second = kernelDiff(b, c, first.forwarding);
    expect(second.events).toEqual([
      { type: "wrong-if-rising", origin: "198.18.50.2", group: "239.60.6.6", delta: 3, wrongIf: 11 },
      { type: "mfc-resolved", origin: "198.18.50.2", group: "239.61.0.1", iif: "rs", oifs: ["rv"] },
      { type: "forwarding-started", origin: "198.18.50.2", group: "239.61.0.1", packets: 4 },
    ]);
    expect(kernelDiff(c, c, second.forwarding).events).toEqual([
      { type: "forwarding-stopped", origin: "198.18.50.2", group: "239.60.6.6", packets: 30 },
      { type: "forwarding-stopped", origin: "198.18.50.2", group: "239.61.0.1", packets: 4 },
    ]);
  });
});
