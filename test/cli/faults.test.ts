/**
 * Faults around the CLI (issue 15), through the built launcher as a user runs it: standard output that
 * cannot be written, stop signals on long offline runs, inputs the emulator cannot hold.
 */
import { spawn, spawnSync } from "node:child_process";
import { execFileSync } from "node:child_process";
import { openSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { OfflineReplay, parseScenario } from "../../src/host/index.js";
import { BIN, ensureBuilt } from "../capture/helpers.js";
import { captureIo, tempDir } from "./helpers.js";
import { pcapOf } from "../fuzz/hostile.js";

const { dir, cleanup } = tempDir();
const FIX = "fixtures/kernel-igmpv3-host.pcap";
let big: string;
beforeAll(() => {
  ensureBuilt();
  big = join(dir, "big.pcap");
  writeFileSync(big, pcapOf(400_000));
}, 180_000);
afterAll(cleanup);

/** Run the launcher with stdout on `fd` (a file descriptor); stderr and status. */
function runOn(fd: number, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ["ignore", fd, "pipe"], encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe("standard output that cannot be written", () => {
  it.each([["decode"], ["decode", "--json"], ["lint"], ["monitor", "-r"]])("%s > /dev/full: one line, no stack trace, status 1", (...cmd) => {
    const fd = openSync("/dev/full", "w");
    try {
      const r = runOn(fd, [...cmd, FIX]);
      expect(r.status).toBe(1);
      const line = "cannot write to standard output: ENOSPC (no space left on device); the output is incomplete";
      if (cmd.includes("--json")) expect(r.stderr.trim().split("\n").map((l) => JSON.parse(l))).toContainEqual({ error: line, code: "write-failed", errno: "ENOSPC" });
      else expect(r.stderr).toContain(`igmpkit ${cmd[0]}: ${line}`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr.match(/cannot write/g)).toHaveLength(1);
      // decode's own summary is on stderr, marked partial
      if (cmd[0] === "decode") {
        expect(r.stderr).toMatch(cmd[1] === "--json" ? /"frames":26,.*"partial":true,"stoppedBy":"standard output failed \(ENOSPC\)"/ : /26 frames.*partial: standard output failed \(ENOSPC\)/);
      }
    } finally {
      closeSync(fd);
    }
  });

  it("a descriptor open for reading only (EBADF)", () => {
    const fd = openSync(FIX, "r");
    try {
      const r = runOn(fd, ["decode", FIX]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("cannot write to standard output: EBADF");
      expect(r.stderr).toContain("partial: standard output failed (EBADF)");
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      closeSync(fd);
    }
  });

  it("EIO part way through a large decode: reading stops, the summary says so", async () => {
    let written = 0;
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > 1_000_000) cb(Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" }));
        else cb();
      },
    });
    stdout.on("error", () => undefined); // the launcher's listener, in the real CLI
    const { io, out } = captureIo();
    io.stdout = stdout;
    const code = await runCli(["decode", big], io);
    expect(code).toBe(1);
    expect(out.stderr).toContain("partial: standard output failed (EIO)");
    const frames = Number(/: (\d+) frames/.exec(out.stderr)![1]);
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(400_000); // it stopped, instead of decoding the rest into nothing
  });
});

/** Start the launcher; resolves with status and output once it exits. */
function start(args: string[]) {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ status: number | null; ms: number }>((resolve) => {
    let t0 = 0;
    p.on("exit", (status) => resolve({ status, ms: performance.now() - t0 }));
    (p as unknown as { mark: () => void }).mark = () => (t0 = performance.now());
  });
  return {
    p,
    exited,
    out: () => ({ stdout, stderr }),
    signal: (sig: NodeJS.Signals) => {
      (p as unknown as { mark: () => void }).mark();
      p.kill(sig);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until a thread of process `pid` sleeps in the kernel's FIFO open (no writer yet). */
async function blockedOnFifo(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      const tasks = execFileSync("sh", ["-c", `cat /proc/${pid}/task/*/wchan 2>/dev/null; echo`], { encoding: "utf8" });
      if (/fifo|partner|pipe/.test(tasks)) return;
    } catch {
      // not there yet
    }
    await sleep(20);
  }
  throw new Error("the decode never opened the FIFO");
}

describe("stop signals on offline commands", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)("decode of a FIFO with no writer stops within a second on %s, marked partial", async (sig) => {
    const fifo = join(dir, `fifo-${sig}`);
    execFileSync("mkfifo", [fifo]);
    const run = start(["decode", fifo]);
    await blockedOnFifo(run.p.pid!);
    run.signal(sig);
    const { status, ms } = await run.exited;
    expect(ms).toBeLessThan(1000);
    expect(status).toBe(1);
    expect(run.out().stderr).toContain(`0 frames, 0 IGMP, 0 bad checksums, 0 malformed, 0 non-IGMP skipped, 0 file errors, partial: stopped by ${sig}`);
  });

  it("decode -v of a large file: what was decoded is printed, the rest is not read", async () => {
    const run = start(["decode", "-v", big]);
    while (run.out().stdout.length < 100_000) await sleep(20);
    run.signal("SIGINT");
    const { status, ms } = await run.exited;
    expect(ms).toBeLessThan(1000);
    expect(status).toBe(1);
    const { stdout, stderr } = run.out();
    const frames = Number(/: (\d+) frames/.exec(stderr)![1]);
    expect(frames).toBeLessThan(400_000);
    expect(stderr).toContain("partial: stopped by SIGINT");
    // every frame counted was printed, whole (4 lines each in -v)
    expect(stdout.trimEnd().split("\n")).toHaveLength(frames * 4);
  });

  it("host --replay of a large capture stops within a second, writes whole records, says partial", async () => {
    const w = join(dir, "replayed.pcap");
    const run = start(["host", "--replay", big, "--hosts", "50", "--join", "239.1.1.1", "-w", w]);
    await sleep(1500);
    run.signal("SIGTERM");
    const { status, ms } = await run.exited;
    expect(ms).toBeLessThan(1000);
    expect(status).toBe(1);
    const { stderr } = run.out();
    expect(stderr).toMatch(/50 hosts, \d+ input frames, .*; partial: stopped by SIGTERM/);
    const inputFrames = Number(/(\d+) input frames/.exec(stderr)![1]);
    expect(inputFrames).toBeLessThan(400_000);
    // the file is whole: every record readable
    const d = spawnSync(process.execPath, [BIN, "decode", "--json", w], { encoding: "utf8", maxBuffer: 1 << 30 });
    expect(d.status).toBe(0);
    expect(JSON.parse(d.stderr.trim().split("\n").pop()!).summary.frames).toBeGreaterThanOrEqual(inputFrames);
  });
});

describe("the emulator refuses what it cannot hold, naming the limit", () => {
  it("--hosts 1000000 --join 239.1.1.1", async () => {
    const { io, out } = captureIo();
    const t0 = performance.now();
    expect(await runCli(["host", "--hosts", "1000000", "--join", "239.1.1.1", "-w", join(dir, "x.pcap")], io)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(out.stderr).toContain("--hosts 1000000: at most 100000, the emulator's limit");
  });

  it("a 3 kB scenario of a million hosts and 50 joins; 100,000 hosts with 11 joins each and no leave", async () => {
    const joins = Array.from({ length: 50 }, (_, i) => ({ at: 0, host: "*", op: "join", group: `239.1.1.${i + 1}`, socket: `s${i}` }));
    const a = join(dir, "million.json");
    writeFileSync(a, JSON.stringify({ hosts: [{ firstIp: "10.0.0.1", count: 1_000_000 }], timeline: joins }));
    const r1 = captureIo();
    const t0 = performance.now();
    expect(await runCli(["host", "--scenario", a], r1.io)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r1.out.stderr).toContain("more than 100000 hosts in all (the emulator's limit");

    const b = join(dir, "memberships.json");
    writeFileSync(b, JSON.stringify({ hosts: [{ firstIp: "10.0.0.1", count: 100_000 }], timeline: joins.slice(0, 11) }));
    const r2 = captureIo();
    expect(await runCli(["host", "--scenario", b], r2.io)).toBe(2);
    expect(r2.out.stderr).toContain("1100000 joins and no leave: more than 1000000 memberships (the emulator's limit");
  });

  it("replay is linear in sockets per host: join/leave events on fresh sockets, 8k then 32k", () => {
    const run = (pairs: number): number => {
      const timeline = [];
      for (let i = 0; i < pairs; i++) {
        timeline.push({ at: i / 1000, host: 0, op: "join", group: "239.1.1.1", socket: `s${i}` });
        timeline.push({ at: i / 1000 + 0.0005, host: 0, op: "leave", group: "239.1.1.1", socket: `s${i}` });
      }
      const r = new OfflineReplay(parseScenario({ hosts: [{ ip: "198.18.0.10" }], version: 2, timeline }), { tailMs: 0 });
      const t0 = performance.now();
      const frames = r.finish();
      const ms = performance.now() - t0;
      expect(frames.filter((f) => f.origin === "host")).toHaveLength(2 * pairs); // a report and a leave each
      return ms;
    };
    run(1000); // warm up
    const small = run(4000);
    const large = run(16_000);
    // four times the events: about four times the time (before: 16 times, every merge scanned every
    // socket ever opened; 32k events took 5.1 s and 128k 191 s)
    expect(large / small).toBeLessThan(8);
  });
});
