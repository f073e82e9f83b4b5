/**
 * The library's wire-and-kernel view (watchKernelBeside, as the README shows it next to watchLive): a real
 * MonitorState fed a report of the receiver LAN, the router fixture's cache as the kernel, sampled on a
 * short interval; flags as events, the final view from stop(), a failed read reported and sampled past.
 */
import { describe, expect, it } from "vitest";
import { KernelReadError, watchKernelBeside } from "../../src/index.js";
import type { SideBySideEvent } from "../../src/kernel/index.js";
import { MonitorState } from "../../src/monitor/state.js";
import { decodeFrame, encodeIgmpFrame, v3Report } from "../../src/wire/index.js";
import { fixtureState, sgEntry } from "../kernel/helpers.js";

const G = "239.60.6.6";
const S = "198.18.50.2";

/** The monitor's state after a host on the LAN reported G (EXCLUDE {}) at time 0. */
function memberState(): MonitorState {
  const state = new MonitorState();
  const data = encodeIgmpFrame({ message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: G }]), src: "198.18.51.2", dst: "224.0.0.22", macSrc: "02:00:c6:12:33:02" });
  state.receive(decodeFrame({ data, linkType: 1, timestampNs: 0n }), 0);
  return state;
}

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

describe("watchKernelBeside (library)", () => {
  it("joins the monitor's membership with the kernel's samples: agreement, then the disagreement as an event and in the final view", async () => {
    const state = memberState();
    let reads = 0;
    let t = 0;
    const events: SideBySideEvent[] = [];
    const beside = watchKernelBeside("rv", () => state.snapshot(t), {
      intervalMs: 10,
      graceMs: 0,
      now: () => (t += 100),
      // rv among the (S,G)'s outgoing VIFs for the first three samples, then not; packets rising throughout.
      read: async () => fixtureState("router", sgEntry({ packets: 10 * ++reads, towardRv: reads <= 3 })),
      onEvents: (e) => events.push(...e),
    });
    await until("two samples", () => reads >= 2);
    const agreeing = beside.view()!;
    expect(agreeing).toMatchObject({ interface: "rv", vif: 1, routingActive: true, disagreements: [] });
    expect(agreeing.rows.find((r) => r.group === G)).toMatchObject({ wire: { mode: "exclude", reporters: ["198.18.51.2"] } });
    expect(agreeing.rows.find((r) => r.group === G)!.kernel.find((e) => e.origin === S)).toMatchObject({ towardLan: true, wanted: true, flag: null });
    await until("the disagreement", () => events.length > 0);
    const final = (await beside.stop())!;
    expect(events[0]).toMatchObject({ type: "kernel-disagreement", flag: "members-no-forwarding", group: G, origin: S });
    expect(final.disagreements).toContainEqual({ flag: "members-no-forwarding", group: G, origin: S });
    expect(beside.kernel()!.router!.mfc.find((e) => e.origin === S)!.packets).toBe(10 * reads);
    // Stopped: no more samples.
    const after = reads;
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBe(after);
  });

  it("a sample that cannot be read goes to onError, and the sampling goes on", async () => {
    const state = memberState();
    let reads = 0;
    const errors: unknown[] = [];
    const beside = watchKernelBeside("rv", () => state.snapshot(0), {
      intervalMs: 10,
      read: async () => {
        if (++reads === 1) throw new KernelReadError("failed", "could not read the kernel's tables: gone");
        return fixtureState("router");
      },
      onError: (e) => errors.push(e),
    });
    expect(beside.view()).toBeNull();
    await until("a sample after the failed one", () => beside.view() !== null);
    await beside.stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "KernelReadError", code: "failed" });
  });
});
