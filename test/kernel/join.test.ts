/**
 * The wire-and-kernel join: the router fixture's real cache (counters moved where a case needs it) beside
 * monitor snapshots of the receiver LAN; flags rise only while packets flow and after the grace time.
 */
import { describe, expect, it } from "vitest";
import { formatSideBySide } from "../../src/cli/monitor-kernel.js";
import { WireKernelJoin, type KernelState } from "../../src/kernel/index.js";
import type { GroupSnapshot, MonitorSnapshot } from "../../src/monitor/state.js";
import { fixtureState, sgEntry } from "./helpers.js";

const G = "239.60.6.6";
const S = "198.18.50.2";

/** The router fixture with the (S,G) entry's packet count set, and optionally without rv (VIF 1) among its oifs. */
const kernelAt = (packets: number, towardRv = true): KernelState => fixtureState("router", sgEntry({ packets, towardRv }));

function group(g: Partial<GroupSnapshot> & { group: string }): GroupSnapshot {
  return { filterMode: "exclude", groupTimer: 5, compatMode: 3, v1HostTimer: null, v2HostTimer: null, lastReporter: "198.18.51.2", reporters: ["198.18.51.2"], sources: [], ...g };
}

function wire(groups: GroupSnapshot[]): MonitorSnapshot {
  return {
    time: "0.000000000",
    complete: true,
    querier: null,
    timers: { robustness: 2, queryInterval: 2, queryResponseInterval: 1, lastMemberQueryInterval: 0.5, lastMemberQueryCount: 2, groupMembershipInterval: 5, otherQuerierPresentInterval: 4.5, lastMemberQueryTime: 1, olderHostPresentInterval: 5 },
    groups,
  };
}

describe("wire and kernel side by side", () => {
  it("agree: members on the LAN, the (S,G) forwarded toward it with its count rising", () => {
    const j = new WireKernelJoin("rv", { graceMs: 2000 });
    const member = wire([group({ group: G })]);
    j.update(0, member, kernelAt(10));
    const { view, events } = j.update(5000, member, kernelAt(50));
    expect(events).toEqual([]);
    expect(view.vif).toBe(1);
    expect(view.disagreements).toEqual([]);
    const row = view.rows.find((r) => r.group === G)!;
    expect(row.wire).toMatchObject({ mode: "exclude", reporters: ["198.18.51.2"] });
    expect(row.kernel.find((e) => e.origin === S)).toMatchObject({ towardLan: true, packets: 50, packetsDelta: 40, wanted: true, flag: null });
    expect(formatSideBySide(view).join("\n")).toMatch(/239\.60\.6\.6\s+exclude \{\}\s+.*198\.18\.50\.2 50 pkts \(\+40\).*agree/);
  });
  it("members but no outgoing VIF toward the LAN: flagged after the grace time, cleared when forwarding comes back", () => {
    const j = new WireKernelJoin("rv", { graceMs: 2000 });
    const member = wire([group({ group: G })]);
    expect(j.update(0, member, kernelAt(10, false)).events).toEqual([]);
    expect(j.update(1000, member, kernelAt(30, false)).events).toEqual([]); // within the grace time
    const late = j.update(2500, member, kernelAt(50, false));
    expect(late.events).toEqual([{ type: "kernel-disagreement", flag: "members-no-forwarding", group: G, origin: S, timeMs: 2500 }]);
    expect(late.view.disagreements).toEqual([{ flag: "members-no-forwarding", group: G, origin: S }]);
    // No packets since: nothing arrives, nothing to flag.
    expect(j.update(3500, member, kernelAt(50, false)).events).toEqual([{ type: "kernel-agreement", flag: "members-no-forwarding", group: G, origin: S, timeMs: 3500 }]);
    expect(j.update(4500, member, kernelAt(70, true)).events).toEqual([]);
  });
  it("a source the members filter out is not missed", () => {
    const j = new WireKernelJoin("rv", { graceMs: 0 });
    const includeOther = wire([group({ group: G, filterMode: "include", groupTimer: null, sources: [{ source: "198.18.50.9", timer: 4, forwarding: true }] })]);
    j.update(0, includeOther, kernelAt(10, false));
    expect(j.update(1000, includeOther, kernelAt(20, false)).view.disagreements).toEqual([]);
    const blocked = wire([group({ group: G, sources: [{ source: S, timer: 0, forwarding: false }] })]);
    expect(j.update(2000, blocked, kernelAt(30, false)).view.disagreements).toEqual([]);
  });
  it("forwarding toward a LAN whose last member is gone: flagged after the grace time", () => {
    const j = new WireKernelJoin("rv", { graceMs: 2000 });
    j.update(0, wire([group({ group: G })]), kernelAt(10));
    j.update(1000, wire([group({ group: G })]), kernelAt(30));
    // The membership expired on the wire (leave + last member queries).
    expect(j.update(2000, wire([]), kernelAt(50)).events).toEqual([]);
    expect(j.update(3000, wire([]), kernelAt(70)).events).toEqual([]);
    const r = j.update(4000, wire([]), kernelAt(90));
    expect(r.events).toEqual([{ type: "kernel-disagreement", flag: "forwarding-no-members", group: G, origin: S, timeMs: 4000 }]);
    expect(r.view.rows.find((x) => x.group === G)!.wire).toBeNull();
  });
  it("a group never seen on the wire is flagged only after a whole membership interval of watching", () => {
    const j = new WireKernelJoin("rv", { graceMs: 0 });
    j.update(0, wire([]), kernelAt(10));
    expect(j.update(4000, wire([]), kernelAt(20)).view.disagreements).toEqual([]);
    expect(j.update(5000, wire([]), kernelAt(30)).view.disagreements).toEqual([{ flag: "forwarding-no-members", group: G, origin: S }]);
  });
  it("members wanting a group whose packets wait unresolved, and an interface that is no VIF", () => {
    const j = new WireKernelJoin("rv", { graceMs: 0 });
    const st = j.update(0, wire([group({ group: "239.61.0.1" })]), kernelAt(10));
    expect(st.view.disagreements).toEqual([{ flag: "members-no-forwarding", group: "239.61.0.1", origin: S }]);
    const other = new WireKernelJoin("eth9", { graceMs: 0 });
    other.update(0, wire([group({ group: G })]), kernelAt(10));
    const v = other.update(1000, wire([group({ group: G })]), kernelAt(20)).view;
    expect(v.vif).toBeNull();
    expect(v.disagreements).toContainEqual({ flag: "members-no-forwarding", group: G, origin: S });
    expect(formatSideBySide(v)[0]).toBe("kernel: eth9 is not a VIF; multicast routing active");
  });
});
