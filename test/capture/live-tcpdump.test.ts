/**
 * Live capture against tcpdump on the same veth at the same time: libpcap's timestamps (the same frames
 * stamped within 100 µs of tcpdump's), and the kernel's drop counter when the ring overflows (frames
 * captured + dropped = frames sent, for igmpkit as for tcpdump).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { openCaptureWriter } from "../../src/capture/file";
import { openLiveCapture } from "../../src/capture/live";
import type { Frame } from "../../src/pcap/frame";
import { encodeIgmpFrame, v2Report } from "../../src/wire";
import { Lab, describeLive, waitFor, type Netns } from "../lab";
import { countFrames, ensureBuilt, jsonLines, readFrames, sleep, startCapture } from "./helpers";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function report(i: number): Uint8Array {
  return encodeIgmpFrame({ message: v2Report(`239.7.${i >> 8}.${i & 255}`), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
}

async function pair(lab: Lab): Promise<{ h: Netns; r: Netns }> {
  const h = await lab.netns("h");
  const r = await lab.netns("r");
  await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
  return { h, r };
}

/** The children of `pid` (the capture agent of an igmpkit process). */
function childrenOf(pid: number): number[] {
  return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
}

describeLive("live capture against tcpdump (live)", ["cap", "tcpdump", "tcpreplay", "pgrep"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it("stamps the same frames within 100 µs of tcpdump: libpcap's time, not delivery time", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const td = await lab.tcpdump(r, "far0", { filter: "igmp" });
      // A 20 ms pause between the agent's reads: delivery times would be late by up to that much.
      const rx = await openLiveCapture("far0", { netns: r.name, pauseMs: 20 });
      expect(rx.timestamps).toBe("libpcap-ns");
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      const got: Frame[] = [];
      const done = (async () => {
        for await (const f of rx) got.push(f);
      })();
      const N = 200;
      for (let i = 0; i < N; i++) {
        await tx.send(report(i));
        if (i % 20 === 19) await sleep(15);
      }
      await waitFor("every frame in both captures", async () => got.length >= N && (await countFrames(td.file)) >= N, { timeoutMs: 20_000 });
      await rx.stop();
      await done;
      await tx.stop();
      await td.stop();
      const theirs = new Map((await readFrames(td.file)).map((f) => [hex(f.data), f.timestampNs]));
      expect(theirs.size).toBe(N);
      let worst = 0n;
      for (const f of got) {
        const t = theirs.get(hex(f.data));
        expect(t, "tcpdump saw the frame").toBeDefined();
        const d = f.timestampNs > t! ? f.timestampNs - t! : t! - f.timestampNs;
        if (d > worst) worst = d;
      }
      // tcpdump writes microseconds; the kernel stamps the skb once for both sockets
      expect(worst).toBeLessThan(100_000n);
      console.log(`[timestamps] ${N} frames, largest difference from tcpdump ${worst} ns`);
    });
  });

  it("igmpkit capture -s 42 -p -w beside tcpdump -s 42 -p -w: the same frames cut at 42 bytes with their wire lengths, stamped within 100 µs of tcpdump's, the interface left non-promiscuous; -s 0 is 262144 as in tcpdump", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const promiscuity = async () => Number(/promiscuity (\d+)/.exec((await lab.exec(r, "ip", ["-d", "link", "show", "far0"])).stdout)?.[1]);
      // tcpdump's -s 0: the default, 262144; without -p the interface goes promiscuous
      const whole = await startCapture(lab, r, ["-i", "far0", "-s", "0", "--json"]);
      expect(jsonLines(whole.stderr)[0]).toMatchObject({ snaplen: 262144, promiscuous: true });
      expect(await promiscuity()).toBe(1);
      await whole.stop("SIGINT", 10_000);
      expect(await promiscuity()).toBe(0);

      const file = join(lab.dir, "ik-s42.pcap");
      const ik = await startCapture(lab, r, ["-i", "far0", "-s", "42", "-p", "-w", file, "--json"]);
      const tdFile = join(lab.dir, "td-s42.pcap");
      const td = lab.spawn(r, "tcpdump", ["-i", "far0", "-s", "42", "-p", "-w", tdFile, "-U", "-n", "-Z", "root", "igmp"]);
      await waitFor("tcpdump to listen", () => /listening on/.test(td.stderr), { timeoutMs: 10_000 });
      expect(jsonLines(ik.stderr)[0]).toMatchObject({ listening: "far0", snaplen: 42, promiscuous: false });
      expect(await promiscuity()).toBe(0);
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      // 42 bytes: Ethernet, IPv4 with Router Alert, IGMP type, Max Resp Time and checksum (one per group)
      const N = 100;
      for (let i = 0; i < N; i++) {
        await tx.send(report(i));
        if (i % 20 === 19) await sleep(15);
      }
      await waitFor("every frame in both files", async () => (await countFrames(file)) >= N && (await countFrames(tdFile)) >= N, { timeoutMs: 20_000 });
      await tx.stop();
      await ik.stop("SIGINT", 10_000);
      await td.stop("SIGINT", 10_000);
      expect(ik.exitCode).toBe(0);
      // the file says its snaplen (pcap header, bytes 16-19), as tcpdump's does
      expect(readFileSync(file).readUInt32LE(16)).toBe(42);
      expect(readFileSync(tdFile).readUInt32LE(16)).toBe(42);
      const ours = await readFrames(file);
      const theirs = new Map((await readFrames(tdFile)).map((f) => [hex(f.data), f]));
      expect(ours).toHaveLength(N);
      expect(theirs.size).toBe(N);
      let worst = 0n;
      for (const [i, f] of ours.entries()) {
        expect(hex(f.data)).toBe(hex(report(i).subarray(0, 42)));
        expect(f.wireLength).toBe(report(i).length);
        const t = theirs.get(hex(f.data));
        expect(t, "tcpdump saw the frame").toBeDefined();
        expect(f.wireLength).toBe(t!.wireLength);
        const d = f.timestampNs > t!.timestampNs ? f.timestampNs - t!.timestampNs : t!.timestampNs - f.timestampNs;
        if (d > worst) worst = d;
      }
      expect(worst).toBeLessThan(100_000n);
      console.log(`[capture -s 42 -p -w] ${N} frames, largest difference from tcpdump's file ${worst} ns`);
    });
  });

  it("a flood beyond the ring while the agent is stopped: N packets dropped by kernel, captured + dropped = sent (tcpdump the same)", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const N = 3000;
      const replay = join(lab.dir, "flood.pcap");
      const w = openCaptureWriter(replay, { linkType: 1 });
      for (let i = 0; i < N; i++) {
        const d = report(i);
        w.write({ timestampNs: BigInt(i) * 100_000n, wireLength: d.length, data: d, linkType: 1 });
      }
      w.close();
      // The smallest ring: 64 KiB of 1600-byte slots, 40 packets; tcpdump's 64 KiB TPACKET_V3 ring.
      const file = join(lab.dir, "ik.pcap");
      const ik = await startCapture(lab, r, ["-i", "far0", "-B", "64", "-w", file, "--json"]);
      // and as a user reads it: the text summary of a second capture with its own ring
      const textFile = join(lab.dir, "ik-text.pcap");
      const ikText = await startCapture(lab, r, ["-i", "far0", "-B", "64", "-w", textFile]);
      const tdFile = join(lab.dir, "td.pcap");
      const td = lab.spawn(r, "tcpdump", ["-i", "far0", "-B", "64", "-w", tdFile, "-U", "-n", "-Z", "root", "igmp"]);
      await waitFor("tcpdump to listen", () => /listening on/.test(td.stderr), { timeoutMs: 10_000 });
      const listening = jsonLines(ik.stderr)[0]!;
      expect(listening).toMatchObject({ ring: { packets: 40 } });
      // Nobody reads the rings while the frames arrive: stop igmpkit's agent and tcpdump.
      const agents = [...childrenOf(ik.pid!), ...childrenOf(ikText.pid!)];
      expect(agents).toHaveLength(2);
      for (const pid of [...agents, td.pid!]) process.kill(pid, "SIGSTOP");
      try {
        await lab.exec(h, "tcpreplay", ["-q", "-i", "eth0", "--pps", "20000", replay]);
      } finally {
        for (const pid of [...agents, td.pid!]) process.kill(pid, "SIGCONT");
      }
      await sleep(500);
      await ik.stop("SIGINT", 10_000);
      await ikText.stop("SIGINT", 10_000);
      await td.stop("SIGINT", 10_000);
      expect(ik.exitCode).toBe(0);
      expect(ikText.exitCode).toBe(0);
      const textCaptured = (await readFrames(textFile)).length;
      expect(ikText.stderr).toContain(`${textCaptured} frames captured`);
      expect(ikText.stderr).toContain(`${N} packets received by filter, ${N - textCaptured} packets dropped by kernel, 0 packets dropped by interface`);
      expect(N - textCaptured).toBeGreaterThan(0);

      const end = jsonLines(ik.stderr).pop()!;
      const captured = (await readFrames(file)).length;
      expect(end.captured).toBe(captured);
      const drops = end.drops as { kernel: number; interface: number };
      expect(drops.kernel).toBeGreaterThan(0);
      expect(captured + drops.kernel).toBe(N);
      expect(end.received).toBe(N);
      expect(captured).toBeLessThanOrEqual(40);

      // tcpdump: "C packets captured", "R packets received by filter", "D packets dropped by kernel"
      const count = (what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(td.stderr)?.[1]);
      const tdCaptured = (await readFrames(tdFile)).length;
      expect(count("captured")).toBe(tdCaptured);
      expect(count("dropped by kernel"), td.stderr).toBeGreaterThan(0);
      expect(tdCaptured + count("dropped by kernel")).toBe(N);
      console.log(`[drops] sent ${N}: igmpkit captured ${captured}, dropped by kernel ${drops.kernel} (text: ${textCaptured}, ${N - textCaptured}); tcpdump captured ${tdCaptured}, dropped ${count("dropped by kernel")}`);
    });
  });
});
