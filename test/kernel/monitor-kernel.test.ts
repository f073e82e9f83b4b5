/** `monitor -i IFACE --kernel` in-process: a fake capture of the receiver LAN, the router fixture's cache as the kernel. */
import { describe, expect, it } from "vitest";
import { runMonitor } from "../../src/cli/monitor.js";
import { v3Report } from "../../src/wire/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { captureIo } from "../cli/helpers.js";
import { FakeCapture, VirtualClock } from "../monitor/fake-live.js";
import { fixtureState, sgEntry } from "./helpers.js";

const notTowardRv = (packets: number) => fixtureState("router", sgEntry({ packets, towardRv: false }));

/** `monitor -i rv --kernel` on a fake capture where a host reports 239.60.6.6, the kernel's count rising each sample. */
async function startWithMember(io: CliIo) {
  const cap = new FakeCapture("rv");
  const clock = new VirtualClock(0);
  const ac = new AbortController();
  let packets = 10;
  const run = runMonitor({ interface: "rv", kernel: true }, io, ac.signal, {
    openLive: async () => cap,
    clock,
    kernel: { read: async () => notTowardRv((packets += 10)), intervalMs: 10, graceMs: 0 },
  });
  cap.push({ t: 0, src: "198.18.51.2", message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.60.6.6" }]) });
  await clock.runTo(1);
  return { clock, ac, run };
}

describe("igmpkit monitor -i --kernel (fake capture, fixture kernel)", () => {
  it("JSON: the disagreement as an event, then the side-by-side view, then the snapshot", async () => {
    const { io, out } = captureIo();
    const { clock, ac, run } = await startWithMember(io);
    const lines = () => out.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 100 && !lines().some((l) => l.type === "kernel-disagreement"); i++) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    expect(await run).toBe(0);
    const all = lines();
    expect(all.find((l) => l.type === "kernel-disagreement")).toMatchObject({ flag: "members-no-forwarding", group: "239.60.6.6", origin: "198.18.50.2", frame: null });
    expect(all.at(-1)!.type).toBe("snapshot");
    const view = all.at(-2)!;
    expect(view).toMatchObject({ type: "kernel-side-by-side", interface: "rv", vif: 1, routingActive: true, complete: true });
    expect(view.disagreements).toContainEqual({ flag: "members-no-forwarding", group: "239.60.6.6", origin: "198.18.50.2" });
  });
  it("on a terminal: the side-by-side table under the monitor's, and again at the end", async () => {
    const { io, out } = captureIo({ stdoutIsTTY: true, stderrIsTTY: true });
    const { clock, ac, run } = await startWithMember(io);
    for (let i = 0; i < 100 && !out.stdout.includes("members-no-forwarding"); i++) {
      await new Promise((r) => setTimeout(r, 20));
      await clock.runTo(1 + (i + 1) * 0.3); // the screen redraws on the monitor's clock
    }
    ac.abort();
    expect(await run).toBe(0);
    const [screen, final] = out.stdout.split("\u001b[?25h\u001b[?1049l");
    expect(screen).toContain("kernel: rv is VIF 1; multicast routing active");
    // The (*,G) entry goes toward rv (the fixture's pimd put it there); the (S,G) does not.
    expect(final).toMatch(/^239\.60\.6\.6\s+exclude \{\}\s+0\.0\.0\.0 1 pkts \(\+0\)\s+198\.18\.50\.2 \d+ pkts \(\+10\)\s+members-no-forwarding$/m);
  });
  it("--kernel needs -i", async () => {
    const { io } = captureIo();
    await expect(runMonitor({ read: "x.pcap", kernel: true }, io)).rejects.toThrow(/--kernel goes with -i only/);
  });
});
