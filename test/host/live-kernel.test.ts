/**
 * The Linux kernel as the reference host: the same join / block / source-specific join / leave script is
 * run by a kernel host (IGMPv3) and by one emulated host with the linux profile, each captured with
 * tcpdump on its own link; the decoded records (type, group, sources), report by report, must agree.
 */
import { expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { decodeFrame } from "../../src/wire/index.js";
import type { HostOp } from "../../src/host/index.js";
import { Lab, describeLive } from "../lab/index.js";
import { withEmulation } from "./live-helpers.js";

const G = "239.6.6.1";
const SSM = "232.6.6.1";
const S77 = "198.18.2.77";
const S9 = "198.18.2.9";
const S10 = "198.18.2.10";

/** One step: the kernel helper's command and the same socket call on the emulated host. */
const SCRIPT: { kernel: string; op: HostOp }[] = [
  { kernel: `join ${G}`, op: { op: "join", group: G, socket: "asm" } },
  { kernel: `block ${G} ${S77}`, op: { op: "blockSource", group: G, source: S77, socket: "asm" } },
  { kernel: `joinsrc ${SSM} ${S9}`, op: { op: "joinSource", group: SSM, source: S9, socket: "ssm" } },
  { kernel: `joinsrc ${SSM} ${S10}`, op: { op: "joinSource", group: SSM, source: S10, socket: "ssm" } },
  { kernel: `leavesrc ${SSM} ${S9}`, op: { op: "leaveSource", group: SSM, source: S9, socket: "ssm" } },
  { kernel: `unblock ${G} ${S77}`, op: { op: "unblockSource", group: G, source: S77, socket: "asm" } },
  { kernel: `leave ${G}`, op: { op: "leave", group: G, socket: "asm" } },
  { kernel: `leavesrc ${SSM} ${S10}`, op: { op: "leaveSource", group: SSM, source: S10, socket: "ssm" } },
];

/** Unsolicited Report Interval of both hosts; steps are far enough apart that every retransmission is out. */
const URI_MS = 200;
const STEP_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The v3 reports of a capture as lists of "TYPE group [sources]", lab groups only. */
async function reports(file: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const f of readCaptureFile(file)) {
    const m = decodeFrame(f).igmp;
    if (m?.kind !== "v3-report") continue;
    const recs = m.records.filter((r) => r.group.startsWith("239.") || r.group.startsWith("232.")).map((r) => `${r.kind} ${r.group} [${[...r.sources].sort().join(",")}]`);
    if (recs.length > 0) out.push(recs);
  }
  return out;
}

describeLive("emulated host (linux profile) vs the Linux kernel on the wire (live)", ["cap", "tcpdump", "python3", "sysctl"], () => {
  it("the same script gives the same reports: record types, groups and sources", async () => {
    await Lab.with(async (lab) => {
      const k = await lab.netns("k");
      const ke = await lab.netns("kp");
      await lab.veth(k, ke, { nameA: "eth0", nameB: "peer", addrA: "198.18.2.2/24" });
      const e = await lab.netns("e");
      const ee = await lab.netns("ep");
      await lab.veth(e, ee, { nameA: "eth0", nameB: "peer" });

      const kcap = await lab.tcpdump(k, "eth0", { filter: "igmp" });
      const ecap = await lab.tcpdump(e, "eth0", { filter: "igmp" });
      const kernel = await lab.kernelHost(k, "eth0", { version: 3, unsolicitedReportIntervalMs: URI_MS, robustness: 2 });
      await withEmulation(e.name, "eth0", { hosts: [{ ip: "198.18.2.3" }], profile: "linux", seed: 1, hostOptions: { unsolicitedReportIntervalMs: URI_MS, robustness: 2 } }, async (em) => {
        for (const step of SCRIPT) {
          await kernel.command(step.kernel);
          em.driver.op(0, step.op);
          await sleep(STEP_MS);
        }
        await em.stop("leave");
      });
      await kernel.close();
      await sleep(500);
      const fromKernel = await reports(await kcap.stop());
      const fromEmulator = await reports(await ecap.stop());
      // Every change is sent Robustness (2) times; the script has 8 changes.
      expect(fromKernel).toHaveLength(16);
      expect(fromEmulator).toEqual(fromKernel);
    });
  });
});
