/**
 * `igmpkit querier -i` as a process on a hub (a bridge without snooping) with emulated hosts on another
 * port: `igmpkit monitor -i` on a third port ends with the querier's own state (groups, modes, sources,
 * compatibility, the querier), and `igmpkit lint` of a capture of the LAN has no finding. The kernel of the
 * monitor's namespace, given an address, finds the querier's MAC by ARP.
 */
import { spawnSync, execFileSync } from "node:child_process";
import { macForIp } from "../../src/host/index.js";
import { beforeAll, expect, it } from "vitest";
import { readCapture } from "../../src/capture/read.js";
import type { MonitorSnapshot } from "../../src/monitor/state.js";
import { describeLive, Lab, LabError, waitFor } from "../lab/index.js";
import { withEmulation } from "../host/live-helpers.js";
import { BIN, monitorView, ROOT, startMonitor } from "../monitor/live-helpers.js";
import { sleep } from "./live-helpers.js";

function ensureQuerierBuilt(): void {
  const probe = spawnSync(process.execPath, [BIN, "querier", "--help"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.includes("--last-member-interval")) return;
  execFileSync("npx", ["tsup"], { cwd: ROOT, stdio: "ignore", timeout: 120_000 });
}

describeLive("igmpkit querier -i with emulated hosts, monitor -i and lint (live)", ["cap", "bridge", "tcpdump"], () => {
  beforeAll(() => ensureQuerierBuilt(), 180_000);

  it("monitor -i ends with the querier's own state; igmpkit lint of the capture finds nothing; ARP finds the querier", async () => {
    await Lab.with(async (lab) => {
      const sw = await lab.netns("sw");
      const hub = await lab.bridge(sw, { snooping: false });
      const q = await lab.netns("q");
      await hub.addPort((await lab.veth(q, sw, { nameA: "eth0", nameB: "pq" })).b);
      const h = await lab.netns("h");
      await hub.addPort((await lab.veth(h, sw, { nameA: "eth0", nameB: "ph" })).b);
      const m = await lab.netns("m");
      // an address, so that its kernel asks ARP for the querier's (it joins no group: no IGMP of its own)
      await hub.addPort((await lab.veth(m, sw, { nameA: "eth0", nameB: "pm", addrA: "198.18.0.60/24" })).b);
      const cap = await lab.tcpdump(m, "eth0", { filter: "igmp" });
      let hostsLagMs = 0;
      let final = {} as { type: string; role: string; state: MonitorSnapshot; sent: { general: number; group: number; groupSource: number }; sendLagMaxMs: number; arpReplies: number };
      const mon = await startMonitor(lab, m, "eth0");
      const qp = lab.spawn(q, process.execPath, [BIN, "querier", "-i", "eth0", "--address", "198.18.0.5", "--query-interval", "2", "--query-response-interval", "1", "--last-member-interval", "1", "--json"]);
      await waitFor("igmpkit querier to listen", () => {
        if (!qp.running) throw new LabError(`igmpkit querier exited: ${qp.stderr}`);
        return /"listening"/.test(qp.stderr) || undefined;
      }, { timeoutMs: 20_000, intervalMs: 50 });
      // A datagram to the querier's address: the kernel resolves it by ARP, and the querier answers.
      await lab.exec(m, "python3", ["-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('198.18.0.5', 9))"]);
      await waitFor("the querier's MAC in the neighbour table", async () => {
        const line = (await lab.exec(m, "ip", ["neigh", "show", "198.18.0.5", "dev", "eth0"])).stdout;
        return line.includes(`lladdr ${macForIp("198.18.0.5")}`) || undefined;
      }, { timeoutMs: 5000, intervalMs: 100 });
      await withEmulation(h.name, "eth0", { hosts: [{ ip: "198.18.0.10" }, { ip: "198.18.0.11" }, { ip: "198.18.0.12" }, { ip: "198.18.0.13" }], seed: 5, hostOptions: { unsolicitedReportIntervalMs: 300 } }, async (em) => {
        const d = em.driver;
        d.op(0, { op: "join", group: "239.9.9.1" });
        d.op(1, { op: "join", group: "239.9.9.1" });
        d.op(1, { op: "setSourceFilter", group: "239.9.9.2", mode: "exclude", sources: ["198.18.5.1", "198.18.5.2"], socket: "x" });
        d.op(2, { op: "setSourceFilter", group: "239.9.9.2", mode: "exclude", sources: ["198.18.5.2"], socket: "x" });
        d.op(2, { op: "joinSource", group: "232.9.9.3", source: "198.18.5.3", socket: "s" });
        d.op(0, { op: "joinSource", group: "232.9.9.3", source: "198.18.5.4", socket: "s" });
        d.op(3, { op: "join", group: "239.9.9.4" });
        d.op(2, { op: "join", group: "239.9.9.5" });
        await sleep(5000);
        // leaves: a sole member (239.9.9.5), one of two (239.9.9.1), a source (232.9.9.3 from .4)
        d.op(2, { op: "leave", group: "239.9.9.5" });
        d.op(0, { op: "leave", group: "239.9.9.1" });
        d.op(0, { op: "closeSocket", socket: "s" });
        await sleep(4000);
        await qp.stop("SIGINT", 10_000);
        hostsLagMs = em.driver.counters.sendLagMaxMs;
        const monSnap = await mon.stop();
        await em.stop("no-leave");
        expect(qp.exitCode).toBe(0);
        const lines = qp.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
        final = lines.at(-1) as typeof final;
        expect(final).toMatchObject({ type: "snapshot", role: "querier", stopped: true, address: "198.18.0.5", stoppedBy: "signal", drops: { kernel: 0 } });
        expect(final.arpReplies).toBeGreaterThanOrEqual(1);
        expect(lines.some((l) => l.type === "query-sent" && l.kind === "group" && l.group === "239.9.9.5")).toBe(true);
        expect(lines.some((l) => l.type === "expiry" && l.group === "239.9.9.5")).toBe(true);
        expect(monitorView(monSnap)).toEqual(monitorView(final.state));
        expect(monitorView(final.state).map((g) => g.group)).toEqual(["232.9.9.3", "239.9.9.1", "239.9.9.2", "239.9.9.4"]);
        expect(monSnap.querier).toMatchObject({ address: "198.18.0.5", version: 3 });
        expect(final.state.groups.filter((g) => !g.group.startsWith("224.0.0.")).map((g) => g.compatMode)).toEqual([3, 3, 3, 3]);
        expect(monSnap.groups.filter((g) => !g.group.startsWith("224.0.0.")).map((g) => [g.group, g.compatMode])).toEqual(final.state.groups.filter((g) => !g.group.startsWith("224.0.0.")).map((g) => [g.group, g.compatMode]));
        expect(final.sent.group).toBeGreaterThanOrEqual(4);
      });
      const file = await cap.stop();
      const captured = await readCapture(file);
      expect(captured.length).toBeGreaterThan(20);
      // `igmpkit lint` of the capture, as a user runs it, has no finding. Two are excused, and only when the
      // sender's own measured lateness accounts for them (real-time peers on a loaded 2-CPU machine):
      // lint judges the last-member queries' spacing within 200 ms (a fifth of the 1 s interval), and the
      // querier's timer has fired later than that (seen: 370 ms, all pending queries at once; it measures
      // its lateness as sendLagMaxMs); an emulated host's answer has come after the Max Resp Time (seen:
      // 476 ms late) when the emulator's timer fired that late (its driver's sendLagMaxMs).
      const l = spawnSync(process.execPath, [BIN, "lint", "--json", file], { encoding: "utf8" });
      const findings = (JSON.parse(l.stdout) as { findings: { rule: string; message: string; frames: number[] }[] }).findings;
      const lateness = (f: { frames: number[] }): number => {
        const q = captured[f.frames[0]! - 1]!;
        const r = captured[f.frames.at(-1)! - 1]!;
        return (Number(r.time) - Number(q.time)) * 1000 - (q.igmp as { maxRespTime: number }).maxRespTime * 1000;
      };
      const excused = (f: { rule: string; frames: number[] }): boolean =>
        (f.rule === "last-member-queries" && final.sendLagMaxMs > 200) || (f.rule === "late-report" && lateness(f) <= hostsLagMs);
      const why = `${JSON.stringify(findings.map((f) => f.message))}; querier late ${final.sendLagMaxMs} ms, hosts late ${hostsLagMs} ms`;
      expect(findings.filter((f) => !excused(f)), why).toEqual([]);
      if (findings.length === 0) expect(l.status).toBe(0);
      else console.warn(`lint findings excused by measured lateness on this machine: ${why}`);
    });
  });
});
