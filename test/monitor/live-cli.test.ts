/**
 * Live: `igmpkit monitor -i` errors through the real libpcap, as `igmpkit capture` reports them, and
 * SIGTERM ending a watch with a snapshot (the other live tests stop it with SIGINT).
 */
import { beforeAll, expect, it } from "vitest";
import { watchLive } from "../../src/capture/watch.js";
import { frameTimeMs } from "../../src/monitor/state.js";
import { describeLive, Lab, waitFor, type Lab as LabT, type Netns } from "../lab/index.js";
import { BIN, ensureBuilt, startMonitor } from "./live-helpers.js";

async function runIn(lab: LabT, ns: Netns, cmd: string, args: string[]) {
  const proc = lab.spawn(ns, cmd, args);
  await proc.exited;
  return { code: proc.exitCode, stdout: proc.stdout, stderr: proc.stderr };
}

describeLive("monitor -i errors and signals (live)", ["cap", "setpriv", "python3", "sysctl"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("no such interface (with the list), not permitted, bad filter: the capture error as JSON, exit 1; SIGTERM: snapshot, exit 0", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const r = await lab.netns("r");
      await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });

      // stdout is not a terminal here, so the output is JSON Lines and the errors are JSON too.
      const error = (r: { stderr: string }) => JSON.parse(r.stderr.trim().split("\n").pop()!) as { code: string; error: string; interface: string };
      const missing = await runIn(lab, r, process.execPath, [BIN, "monitor", "-i", "nosuch0"]);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe("");
      expect(error(missing)).toMatchObject({ code: "no-such-interface", interface: "nosuch0" });
      expect(error(missing).error).toMatch(/^no such interface: nosuch0; interfaces here: .*far0/);

      const noperm = await runIn(lab, r, "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", process.execPath, BIN, "monitor", "-i", "far0"]);
      expect(noperm.code).toBe(1);
      expect(error(noperm)).toMatchObject({ code: "not-permitted", interface: "far0" });
      expect(error(noperm).error).toMatch(/not permitted to capture on far0: .*root.*CAP_NET_RAW/);

      const bad = await runIn(lab, r, process.execPath, [BIN, "monitor", "-i", "far0", "igmp", "and", "and"]);
      expect(bad.code).toBe(1);
      expect(error(bad)).toMatchObject({ code: "bad-filter" });
      expect(error(bad).error).toMatch(/syntax error/);

      // A watch ended by SIGTERM: the join it saw, then the snapshot, status 0.
      const mon = await startMonitor(lab, r, "far0");
      const host = await lab.kernelHost(h, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
      await host.join("239.4.4.4");
      await mon.waitEvent("the join", (e) => e.type === "join" && e.group === "239.4.4.4");
      const snap = await mon.stop("SIGTERM");
      expect(snap.groups.map((g) => [g.group, g.filterMode])).toEqual([["239.4.4.4", "exclude"]]);
      // libpcap's own counters close the run (the patched cap passes them), nothing dropped on a quiet link
      const end = JSON.parse(mon.proc.stderr.trim().split("\n").pop()!) as { frames: number; received: number };
      expect(end).toMatchObject({ interface: "far0", frames: expect.any(Number) as number, drops: { kernel: 0, interface: expect.any(Number) as number } });
      expect(end.received).toBeGreaterThanOrEqual(end.frames);
      expect(snap).toMatchObject({ complete: true, drops: { kernel: 0 } });
      await host.close();
    });
  });

  it("library: watchLive(iface, { netns }) keeps the view in real time; with no querier on the LAN it acts out the last-member queries itself", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const r = await lab.netns("r");
      await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
      const seen: string[] = [];
      const live = await watchLive("far0", { netns: r.name, onEvents: (e) => seen.push(...e.map((x) => x.type)) });
      const host = await lab.kernelHost(h, "eth0", { version: 3, unsolicitedReportIntervalMs: 200 });
      await host.join("239.4.4.5");
      await host.joinSource("232.4.4.4", "198.18.0.9");
      await waitFor("both groups", () => live.state.snapshot().groups.length === 2);
      expect(live.state.snapshot().groups.map((g) => [g.group, g.filterMode, g.sources.map((x) => x.source)])).toEqual([
        ["232.4.4.4", "include", ["198.18.0.9"]],
        ["239.4.4.5", "exclude", []],
      ]);
      await host.leave("239.4.4.5");
      // No querier: the monitor lowers the group timer to LMQT (1 s × 2 by default) as a querier would.
      await waitFor("239.4.4.5 to go", () => live.events.some((e) => e.type === "expiry" && e.group === "239.4.4.5"), { timeoutMs: 10_000 });
      const lmq = live.events.find((e) => e.type === "last-member-query" && e.group === "239.4.4.5");
      expect(lmq).toMatchObject({ observed: false });
      const gone = live.events.find((e) => e.type === "expiry" && e.group === "239.4.4.5")!;
      expect(frameTimeMs(gone.time) - frameTimeMs(lmq!.time)).toBeCloseTo(2000, 3);
      const result = await live.stop();
      expect(result.snapshot.groups.map((g) => g.group)).toEqual(["232.4.4.4"]);
      expect(result.snapshot.querier).toBeNull();
      expect(seen).toEqual(live.events.map((e) => e.type));
      await host.close();
    });
  });
});
