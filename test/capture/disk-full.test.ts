/**
 * A disk that fills while a capture file is written (issue 15): an 8 KiB tmpfs mounted for the test and
 * unmounted after it, also on failure. The writer cuts the file back to its last whole record, so tshark
 * reads it without "cut short in the middle of a packet"; `capture -w` ends with the summary and one
 * line, status 1. Also `-B` at its documented maximum, and libpcap's bad operands as bad-filter.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { isCaptureWriteError, openCaptureWriter } from "../../src/capture/file";
import { classifyOpenError } from "../../src/capture/live";
import { REPORT } from "../fuzz/hostile";
import { Lab, describeLive, waitFor } from "../lab";
import { ensureBuilt, runIn, sleep, startCapture } from "./helpers";

/** Run `fn` with an 8 KiB tmpfs mounted on a fresh directory; always unmounted and removed after. */
async function withFullDisk(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ik-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k", "ikfull", dir]);
  try {
    await fn(dir);
  } finally {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tshark's frame count and its stderr (where it says a file was cut short). */
function tshark(file: string): { frames: number; stderr: string } {
  const r = execFileSync("bash", ["-c", `tshark -r '${file}' -T fields -e frame.number 2>'${file}.err' | wc -l; cat '${file}.err'`], { encoding: "utf8" });
  const [n, ...rest] = r.split("\n");
  return { frames: Number(n), stderr: rest.join("\n") };
}

describeLive("capture files on a full disk", ["cap", "mount", "umount", "tshark", "tcpdump", "python3", "sysctl", "setpriv"], () => {
  beforeAll(() => ensureBuilt(), 180_000);

  for (const format of ["pcap", "pcapng"] as const) {
    it(`the writer: ENOSPC as a CaptureWriteError, the ${format} file cut back to its last whole record`, async () => {
      await withFullDisk(async (dir) => {
        const file = join(dir, `x.${format}`);
        const w = openCaptureWriter(file, { linkType: 1, bufferSize: 1000 });
        let err: unknown;
        try {
          for (let i = 0; i < 10_000; i++) w.write({ timestampNs: 1_763_700_000_000_000_000n + BigInt(i) * 1000n, wireLength: REPORT.length, data: REPORT });
          w.flush();
        } catch (e) {
          err = e;
        }
        expect(isCaptureWriteError(err)).toBe(true);
        if (!isCaptureWriteError(err)) return;
        expect(err.code).toBe("ENOSPC");
        expect(err.message).toContain(`the file ends with its last whole record, ${w.framesOnDisk} frames`);
        // later writes fail the same way; close does not throw again
        expect(() => w.write({ timestampNs: 0n, wireLength: 1, data: REPORT })).toThrow(err);
        w.close();
        expect(w.framesOnDisk).toBeGreaterThan(50);
        if (format === "pcap") expect(statSync(file).size).toBe(24 + w.framesOnDisk * (16 + REPORT.length));
        const t = tshark(file);
        expect(t.frames).toBe(w.framesOnDisk);
        expect(t.stderr).not.toMatch(/cut short/);
      });
    });
  }

  it("capture -w on a disk that fills: the summary, one line, status 1, a file tshark reads cleanly", async () => {
    await withFullDisk(async (dir) => {
      await Lab.with(async (lab) => {
        const h = await lab.netns("h");
        const r = await lab.netns("r");
        await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
        const file = join(dir, "lan.pcap");
        const ik = await startCapture(lab, r, ["-i", "far0", "-w", file]);
        const host = await lab.kernelHost(h, "eth0", { version: 2, unsolicitedReportIntervalMs: 50 });
        // a kernel host joining about 100 groups a second until the capture gives up
        for (let i = 0; ik.running && i < 3000; i++) {
          await host.join(`239.4.${i >> 8}.${i & 255}`);
          await sleep(10);
        }
        await waitFor("capture to end on its own", () => !ik.running, { timeoutMs: 15_000 });
        await host.close();
        expect(ik.exitCode).toBe(1);
        expect(ik.stderr).toMatch(/^\d+ frames captured$/m);
        expect(ik.stderr).toMatch(/^far0: \d+ frames, /m);
        const line = ik.stderr.trim().split("\n").pop()!;
        expect(line).toMatch(new RegExp(`^igmpkit capture: cannot write ${file.replace(/[.]/g, "\\.")}: ENOSPC \\(no space left on device\\); the file ends with its last whole record, (\\d+) frames$`));
        expect(ik.stderr).not.toMatch(/^\s+at /m);
        const onDisk = Number(/(\d+) frames$/.exec(line)![1]);
        const t = tshark(file);
        expect(t.frames).toBe(onDisk);
        expect(t.stderr).not.toMatch(/cut short/);
      });
    });
  });

  it("-B 4194304 (the documented maximum) captures; host 999.1.1.1 is bad-filter", async () => {
    const probe = execFileSync("bash", ["-c", "tcpdump -d 'host 999.1.1.1' 2>&1 || true"], { encoding: "utf8" });
    // libpcap's own words for the bad operand, classified
    const msg = probe.split("\n").find((l) => l.startsWith("tcpdump: "))!.replace(/^tcpdump: /, "");
    expect(classifyOpenError("eth0", msg).code).toBe("bad-filter");
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const r = await lab.netns("r");
      await lab.veth(h, r, { nameA: "eth0", nameB: "far0", addrA: "198.18.0.2/24", addrB: "198.18.0.1/24" });
      const bad = await runIn(lab, r, process.execPath, [join(__dirname, "..", "..", "bin", "igmpkit.js"), "capture", "-i", "far0", "--json", "host", "999.1.1.1"]);
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stderr.trim().split("\n").pop()!)).toMatchObject({ code: "bad-filter" });
      const ik = await startCapture(lab, r, ["-i", "far0", "-B", "4194304", "-c", "1", "--json"]);
      const host = await lab.kernelHost(h, "eth0", { version: 2, unsolicitedReportIntervalMs: 50 });
      await host.join("239.5.5.5");
      await waitFor("one frame", () => !ik.running, { timeoutMs: 15_000 });
      await host.close();
      expect(ik.exitCode).toBe(0);
      expect(JSON.parse(ik.stderr.trim().split("\n").pop()!)).toMatchObject({ captured: 1 });
    });
  });
});
