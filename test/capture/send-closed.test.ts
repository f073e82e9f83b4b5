// Sends racing the capture agent's death (libpcap aborting on a vanished interface, the namespace deleted)
// must reject with a CaptureError; child.send gets a callback so a channel that closes meanwhile cannot
// surface as an unhandled ERR_IPC_CHANNEL_CLOSED (seen once in the host scale bench; not reproduced here).
import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { openLiveCapture } from "../../src/capture/live";
import { Lab, describeLive } from "../lab";

describeLive("live capture: send after the agent is gone", ["cap", "tcpdump"], () => {
  it("rejects every send with a CaptureError, the process lives on", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const r = await lab.netns("r");
      await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
      const tx = await openLiveCapture("eth0", { netns: h.name, filter: "ether proto 0x9999" });
      const frame = new Uint8Array(60).fill(0xab);
      await tx.send(frame);
      // the agent dies (as when libpcap aborts on a vanished interface) with sends in flight, and more
      // sends follow while its channel is closing
      const agents = execFileSync("pgrep", ["-P", String(process.pid)], { encoding: "utf8" }).trim().split("\n").map(Number);
      const results: unknown[] = [];
      const track = (): void => {
        for (let k = 0; k < 20; k++) results.push(tx.send(frame).then(() => "sent", (e: unknown) => e));
      };
      track();
      for (const pid of agents) process.kill(pid, "SIGKILL");
      for (let i = 0; i < 50; i++) {
        track();
        await new Promise((res) => setImmediate(res));
      }
      const settled = await Promise.all(results);
      expect(settled.some((x) => x !== "sent")).toBe(true);
      results.length = 0;
      results.push(...settled);
      for (const r0 of results) if (r0 !== "sent") expect(r0).toMatchObject({ name: "CaptureError", code: "send-failed" });
      await new Promise((res) => setTimeout(res, 300));
      await expect(tx.send(frame)).rejects.toMatchObject({ name: "CaptureError", code: "send-failed" });
      await tx.stop().catch(() => undefined);
    });
  });
});
