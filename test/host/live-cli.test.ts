/**
 * `igmpkit host -i` live against a Linux bridge querier: runs until stopped, answers queries, leaves every
 * group on stop (or not, with --no-leave), prints statistics per host and group as JSON.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runHost } from "../../src/cli/host.js";
import { Lab, describeLive, waitFor, type Bridge } from "../lab/index.js";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) }, stdoutIsTTY: false, stderrIsTTY: false, env: {} },
    out,
    err,
  };
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "igmpkit.js");

/** Build the CLI unless the built one already has the live host options (npm test builds first). */
function ensureBuilt(): void {
  const probe = spawnSync(process.execPath, [BIN, "host", "--help"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.includes("--no-leave")) return;
  execFileSync("npx", ["tsup"], { cwd: ROOT, stdio: "ignore", timeout: 120_000 });
}

const v4groups = async (br: Bridge) => [...new Set((await br.mdb()).filter((e) => e.port === "p1" && !e.grp.includes(":")).map((e) => e.grp))].sort();

describeLive("igmpkit host -i (live CLI)", ["cap", "bridge", "python3"], () => {
  it("joins, answers the querier, leaves on stop; --json gives statistics per host and group; --no-leave leaves the entries", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const sw = await lab.netns("sw");
      const link = await lab.veth(h, sw, { nameA: "eth0", nameB: "p1" });
      const br = await lab.bridge(sw, {
        querier: true,
        igmpVersion: 3,
        queryIntervalMs: 1000,
        queryResponseIntervalMs: 500,
        startupQueryIntervalMs: 500,
        lastMemberIntervalMs: 200,
        lastMemberCount: 2,
        address: "198.18.0.1/24",
      });
      await br.addPort(link.b);

      const ac = new AbortController();
      const t = io();
      const run = runHost(
        { interface: "eth0", netns: h.name, hosts: 3, firstIp: "198.18.0.40", join: ["239.4.4.1", "232.4.4.1@198.18.0.9"], json: true, signal: ac.signal, seed: 2 },
        t.io,
      );
      await waitFor("the bridge to learn 3 hosts' groups", async () => (JSON.stringify(await v4groups(br)) === JSON.stringify(["232.4.4.1", "239.4.4.1"]) ? true : undefined), { timeoutMs: 20_000 });
      // ARP: the bridge's own stack resolves an emulated address to the MAC derived from it.
      // (a UDP datagram makes the kernel ARP for the address; nobody needs to answer it)
      await lab.exec(sw, "python3", ["-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('198.18.0.41', 9))"]);
      await waitFor("ARP for 198.18.0.41", async () => ((await lab.exec(sw, "ip", ["neigh", "show", "198.18.0.41"])).stdout.includes("02:00:c6:12:00:29") ? true : undefined), { timeoutMs: 5000 });
      // Let a couple of general queries be answered.
      await new Promise((r) => setTimeout(r, 2500));
      ac.abort();
      expect(await run).toBe(0);
      expect(t.err.join("")).toBe("");
      const s = JSON.parse(t.out.join(""));
      expect(s.stoppedBy).toBe("abort");
      expect(s.left).toBe(true);
      expect(s.hosts.map((x: { ip: string }) => x.ip)).toEqual(["198.18.0.40", "198.18.0.41", "198.18.0.42"]);
      for (const x of s.hosts) {
        expect(x.queriesHeard.v3General).toBeGreaterThanOrEqual(2);
        expect(x.responseDelay.answers).toBeGreaterThanOrEqual(2);
        expect(x.responseDelay.maxRatio).toBeLessThanOrEqual(1);
        expect(x.recordsSent.MODE_IS_EXCLUDE).toBe(x.groups["239.4.4.1"].recordsSent.MODE_IS_EXCLUDE);
        expect(x.groups["239.4.4.1"].recordsSent.CHANGE_TO_EXCLUDE_MODE).toBe(2);
        expect(x.groups["232.4.4.1"].recordsSent.ALLOW_NEW_SOURCES).toBe(2);
        // leaving: TO_IN {} for the ASM group and BLOCK for the SSM source, each repeated (robustness 2)
        expect(x.groups["239.4.4.1"].recordsSent.CHANGE_TO_INCLUDE_MODE).toBe(2);
        expect(x.groups["232.4.4.1"].recordsSent.BLOCK_OLD_SOURCES).toBe(2);
      }
      expect(s.groups["239.4.4.1"].recordsSent.CHANGE_TO_EXCLUDE_MODE).toBe(6);
      expect(s.sendErrors).toBe(0);
      expect(s.arpReplies).toBeGreaterThanOrEqual(1);
      await waitFor("the leaves to clear the bridge", async () => ((await v4groups(br)).length === 0 ? true : undefined), { timeoutMs: 5000 });

      // --no-leave with --duration: the process ends, the memberships stay.
      const n = io();
      expect(await runHost({ interface: "eth0", netns: h.name, hosts: 1, firstIp: "198.18.0.50", join: ["239.4.4.2"], duration: 1.5, leave: false, json: true }, n.io)).toBe(0);
      expect(JSON.parse(n.out.join("")).left).toBe(false);
      expect(JSON.parse(n.out.join("")).stoppedBy).toBe("duration");
      expect(await v4groups(br)).toEqual(["239.4.4.2"]);

      // Text mode: the summary and the tables per host and group on stderr.
      const x = io();
      expect(await runHost({ interface: "eth0", netns: h.name, hosts: 2, firstIp: "198.18.0.60", join: ["239.4.4.4"], duration: 1 }, x.io)).toBe(0);
      const text = x.err.join("");
      expect(text).toMatch(/^2 hosts on eth0, \d+\.\d s, stopped by duration, every group left; \d+ frames heard, \d+ sent \(0 send errors, lag max [\d.]+ ms\); \d+ packets received by filter, 0 packets dropped by kernel, \d+ packets dropped by interface\n/);
      expect(text).toMatch(/^198\.18\.0\.61 /m);
      // per group: IS_IN IS_EX TO_IN TO_EX ALLOW BLOCK: each host's join and leave, each sent twice
      expect(text).toMatch(/^239\.4\.4\.4 +0\/0 +0\/0\/0 +0 +\d+ 4 4 0 0 /m);
      expect(x.out).toEqual([]);

      // Errors: an interface that is not there.
      const e = io();
      expect(await runHost({ interface: "nonesuch0", netns: h.name, join: ["239.4.4.3"], duration: 1 }, e.io)).toBe(1);
      expect(e.err.join("")).toMatch(/nonesuch0/);
    });
  });

  it("the built CLI: SIGTERM leaves every group and exits 0; SIGINT with --no-leave exits without leaving", async () => {
    ensureBuilt();
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const sw = await lab.netns("sw");
      const link = await lab.veth(h, sw, { nameA: "eth0", nameB: "p1" });
      const br = await lab.bridge(sw, { querier: true, igmpVersion: 3, queryIntervalMs: 1000, queryResponseIntervalMs: 500, startupQueryIntervalMs: 500, lastMemberIntervalMs: 200, lastMemberCount: 2, address: "198.18.0.1/24" });
      await br.addPort(link.b);
      const term = lab.spawn(h, process.execPath, [BIN, "host", "-i", "eth0", "--hosts", "2", "--first-ip", "198.18.0.70", "--join", "239.7.7.1", "--json"]);
      await waitFor("the bridge to learn the group", async () => ((await v4groups(br)).includes("239.7.7.1") ? true : undefined), { timeoutMs: 20_000 });
      await term.stop("SIGTERM", 15_000);
      expect(term.stderr).toBe("");
      expect(term.exitCode).toBe(0);
      const s = JSON.parse(term.stdout);
      expect([s.stoppedBy, s.left]).toEqual(["SIGTERM", true]);
      expect(s.total.recordsSent.CHANGE_TO_INCLUDE_MODE).toBe(4);
      await waitFor("the leave to clear the bridge", async () => ((await v4groups(br)).length === 0 ? true : undefined), { timeoutMs: 5000 });

      const int = lab.spawn(h, process.execPath, [BIN, "host", "-i", "eth0", "--hosts", "1", "--first-ip", "198.18.0.80", "--join", "239.7.7.2", "--no-leave", "--json"]);
      await waitFor("the bridge to learn the group", async () => ((await v4groups(br)).includes("239.7.7.2") ? true : undefined), { timeoutMs: 20_000 });
      await int.stop("SIGINT", 15_000);
      expect(int.exitCode).toBe(0);
      const n = JSON.parse(int.stdout);
      expect([n.stoppedBy, n.left]).toEqual(["SIGINT", false]);
      expect(n.total.recordsSent.CHANGE_TO_INCLUDE_MODE).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await v4groups(br)).toEqual(["239.7.7.2"]);
    });
  });
});
