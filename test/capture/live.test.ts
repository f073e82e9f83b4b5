/**
 * The capture library against real interfaces, absorbing cap's sharp edges (one regression test each):
 * the packet Buffer held under GC pressure, a fresh Cap per open, `any` as Linux cooked v1, libpcap's
 * counters, injection with send(), stop ending the iteration.
 */
import { expect, it } from "vitest";
import { openLiveCapture, type LiveCapture } from "../../src/capture/live";
import type { Frame } from "../../src/pcap/frame";
import { decodeFrame, encodeIgmpFrame, v2Report } from "../../src/wire";
import { Lab, describeLive, waitFor, type Netns } from "../lab";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function report(group: string): Uint8Array {
  return encodeIgmpFrame({ message: v2Report(group), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
}

/** Collect frames from `cap` in the background. */
function collect(cap: LiveCapture): { frames: Frame[]; done: Promise<unknown> } {
  const frames: Frame[] = [];
  const done = (async () => {
    for await (const f of cap) frames.push(f);
  })();
  return { frames, done };
}

async function pair(lab: Lab): Promise<{ h: Netns; r: Netns }> {
  const h = await lab.netns("h");
  const r = await lab.netns("r");
  await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
  return { h, r };
}

describeLive("live capture library (live)", ["cap", "tcpdump"], () => {
  it("holds the packet Buffer for the capture's life: 400 distinct frames under forced GC arrive byte-exact", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      // The agent runs gc() every millisecond: were the Buffer given to cap.open collectable, the next
      // bursts would be copied into freed memory and the bytes below would differ or the agent crash.
      const rx = await openLiveCapture("far0", { netns: r.name, gcStressMs: 1 });
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      const got = collect(rx);
      const sent: string[] = [];
      for (let i = 0; i < 400; i++) {
        const f = report(`239.8.${i >> 8}.${i & 255}`);
        sent.push(hex(f));
        await tx.send(f);
      }
      await waitFor("every injected frame", () => got.frames.length >= 400, { timeoutMs: 20_000 });
      await rx.stop();
      await got.done;
      await tx.stop();
      expect(got.frames.map((f) => hex(f.data))).toEqual(sent);
      expect(got.frames.every((f) => f.linkType === 1 && f.interfaceName === "far0" && f.wireLength === f.data.length)).toBe(true);
      // libpcap's timestamps (the patched cap): nanoseconds, in order, near now
      expect(rx.timestamps).toBe("libpcap-ns");
      const ts = got.frames.map((f) => f.timestampNs);
      for (let i = 1; i < ts.length; i++) expect(ts[i]! >= ts[i - 1]!).toBe(true);
      const now = BigInt(Date.now()) * 1_000_000n;
      expect(now - ts[0]! < 60_000_000_000n && ts[0]! - now < 1_000_000_000n).toBe(true);
    });
  });

  it("opens a fresh Cap each time: open, capture, stop, three times on one interface", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      for (let round = 0; round < 3; round++) {
        const rx = await openLiveCapture("far0", { netns: r.name });
        const got = collect(rx);
        const f = report(`239.9.0.${round}`);
        await tx.send(f);
        await waitFor(`round ${round}`, () => got.frames.length >= 1, { timeoutMs: 10_000 });
        await rx.stop();
        await got.done; // iteration ends cleanly, no abort
        expect(hex(got.frames[0]!.data)).toBe(hex(f));
        await expect(rx.send(f)).rejects.toMatchObject({ name: "CaptureError", code: "send-failed" });
      }
      await tx.stop();
    });
  });

  it("`any` gives Linux cooked v1 (113), decoded; snaplen from the largest MTU; libpcap's counters", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const rx = await openLiveCapture("any", { netns: r.name });
      expect(rx.linkType).toBe(113);
      expect(rx.snaplen).toBe(1522); // veths of MTU 1500; the loopback's 65536 is left out
      expect(rx.filter).toBe("igmp"); // cooked v1 has no VLAN support in BPF; the kernel has untagged already
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      const got = collect(rx);
      await tx.send(report("239.9.1.1"));
      await waitFor("the frame on any", () => got.frames.length >= 1, { timeoutMs: 10_000 });
      await rx.stop();
      await got.done;
      await tx.stop();
      const f = got.frames[0]!;
      expect(f.linkType).toBe(113);
      const d = decodeFrame(f);
      expect(d.link).toBe("linux-sll");
      expect(d.igmp).toMatchObject({ kind: "v2-report", group: "239.9.1.1" });
      expect(rx.stats).toMatchObject({ frames: 1, dropped: 0 });
      expect(rx.stats.received).toBeGreaterThanOrEqual(1);
      expect(rx.stats.ifDropped).toBeGreaterThanOrEqual(0);
    });
  });

  it("promiscuous by default, not with promiscuous: false (the kernel's promiscuity count); snaplen cuts frames, wireLength keeps their length", async () => {
    await Lab.with(async (lab) => {
      const { h, r } = await pair(lab);
      const promiscuity = async () => Number(/promiscuity (\d+)/.exec((await lab.exec(r, "ip", ["-d", "link", "show", "far0"])).stdout)?.[1]);
      expect(await promiscuity()).toBe(0);
      const p = await openLiveCapture("far0", { netns: r.name });
      expect(p.promiscuous).toBe(true);
      expect(await promiscuity()).toBe(1);
      await p.stop();
      const np = await openLiveCapture("far0", { netns: r.name, promiscuous: false, snaplen: 40 });
      expect(np.promiscuous).toBe(false);
      expect(np.snaplen).toBe(40);
      expect(await promiscuity()).toBe(0);
      const got = collect(np);
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      const f = report("239.9.2.1");
      await tx.send(f);
      await waitFor("the frame", () => got.frames.length >= 1, { timeoutMs: 10_000 });
      await np.stop();
      await got.done;
      await tx.stop();
      expect(got.frames[0]!.data.length).toBe(40);
      expect(got.frames[0]!.wireLength).toBe(f.length);
      expect(hex(got.frames[0]!.data)).toBe(hex(f.subarray(0, 40)));
    });
  });

  it("reports typed errors from the library: no such interface (with the list), bad filter", async () => {
    await Lab.with(async (lab) => {
      const { r } = await pair(lab);
      await expect(openLiveCapture("nosuch0", { netns: r.name })).rejects.toMatchObject({ name: "CaptureError", code: "no-such-interface" });
      await expect(openLiveCapture("far0", { netns: r.name, filter: "igmp and and" })).rejects.toMatchObject({
        name: "CaptureError",
        code: "bad-filter",
        message: expect.stringMatching(/syntax error/),
      });
    });
  });
});
