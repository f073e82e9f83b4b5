#!/usr/bin/env node
// Flood IGMP frames into a veth from another namespace at stepped rates (tcpreplay --pps) and capture them
// side by side with `igmpkit capture -w` and `tcpdump -w`, in one run. Prints, per rate, what each saved
// and where igmpkit's frames went (veth rx -> agent -> file; loss between rx and agent is the kernel ring
// running full, counted by the kernel: "dropped by kernel" of each, libpcap's ps_drop), how busy the whole machine was, the agent's longest gap between two reads of the ring,
// the highest loss-free rate of each, and igmpkit's CPU (main process + capture agent) at 10k frames/s.
//
// Needs root, tcpdump, tcpreplay, a built CLI (npm run build).
// Usage: node bench/capture/flood.mjs [seconds per step] [trials per step]
// IGMPKIT_BENCH_ROOT=DIR measures the igmpkit built in DIR (another checkout: before/after comparisons).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ROOT = process.env.IGMPKIT_BENCH_ROOT ?? HERE;
const { openCaptureWriter, readCaptureFile, encodeIgmpFrame, v2Report } = await import(join(HERE, "dist", "index.js"));
const SECONDS = Number(process.argv[2] ?? 3);
const TRIALS = Number(process.argv[3] ?? 1);
const RATES = [1000, 5000, 10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000, 100000, 200000];
const id = `ikb${process.pid % 100000}`;
const H = `${id}-h`, R = `${id}-r`;
const dir = mkdtempSync(join(tmpdir(), `${id}-`));
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

function cleanup() {
  for (const ns of [H, R]) {
    try {
      for (const pid of sh("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    } catch {}
    try { sh("ip", ["netns", "del", ns]); } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on("SIGINT", () => { cleanup(); process.exit(130); });

async function count(path) {
  let n = 0;
  try { for await (const _ of readCaptureFile(path, { fatal: "keep" })) n++; } catch {}
  return n;
}
function start(cmd, args) {
  const p = spawn("ip", ["netns", "exec", R, cmd, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  p.err = "";
  p.stderr.on("data", (d) => (p.err += d));
  p.done = new Promise((r) => p.on("close", r));
  return p;
}
async function listening(p) {
  for (let i = 0; i < 200 && !/listening on|"listening"/.test(p.err); i++) await sleep(50);
}
/** CPU ticks (user + system) of `pid` and its children (the capture agent). */
function cpuTicks(pid) {
  const pids = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      pids.push(...readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {}
  let t = 0;
  for (const p of pids) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
      t += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return t;
}
/** [busy, total] jiffies of the whole machine. */
function machineTicks() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}
const rxPackets = () => Number(sh("ip", ["netns", "exec", R, "cat", "/sys/class/net/far0/statistics/rx_packets"]));

try {
  sh("ip", ["netns", "add", H]);
  sh("ip", ["netns", "add", R]);
  sh("ip", ["link", "add", "eth0", "netns", H, "type", "veth", "peer", "name", "far0", "netns", R]);
  for (const [ns, i] of [[H, "eth0"], [R, "far0"]]) sh("ip", ["-n", ns, "link", "set", i, "up"]);
  const replay = join(dir, "flood.pcap");
  const w = openCaptureWriter(replay, { linkType: 1 });
  const N = 1000;
  for (let i = 0; i < N; i++) {
    const d = encodeIgmpFrame({ message: v2Report(`239.10.${i >> 8}.${i & 255}`), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
    w.write({ timestampNs: BigInt(i) * 1000n, wireLength: d.length, data: d, linkType: 1 });
  }
  w.close();

  console.log(`igmpkit from ${ROOT}; ${SECONDS} s per step, ${TRIALS} trial(s); load average at start: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  const rows = [];
  for (const rate of RATES) {
    for (let trial = 0; trial < TRIALS; trial++) {
      const loops = Math.max(1, Math.round((rate * SECONDS) / N));
      const ik = start(process.execPath, [join(ROOT, "bin", "igmpkit.js"), "capture", "-i", "far0", "-q", "--json", "-w", join(dir, `ik${rate}.pcap`)]);
      const td = start("tcpdump", ["-i", "far0", "-n", "-w", join(dir, `td${rate}.pcap`), "igmp"]);
      await listening(ik);
      await listening(td);
      await sleep(300);
      const t0 = Date.now();
      const c0 = cpuTicks(ik.pid);
      const m0 = machineTicks();
      const rx0 = rxPackets();
      const out = sh("ip", ["netns", "exec", H, "tcpreplay", "-i", "eth0", "--pps", String(rate), "--loop", String(loops), replay]);
      const c1 = cpuTicks(ik.pid);
      const m1 = machineTicks();
      const rx = rxPackets() - rx0;
      const secs = (Date.now() - t0) / 1000;
      const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const actual = Number(/Rated: .*?, ([\d.]+) pps/.exec(out)?.[1] ?? rate);
      await sleep(1000);
      ik.kill("SIGINT");
      td.kill("SIGINT");
      await Promise.all([ik.done, td.done]);
      const ikN = await count(join(dir, `ik${rate}.pcap`));
      const tdN = await count(join(dir, `td${rate}.pcap`));
      // the agent's own count, from the JSON summary (builds before the agent counters have none)
      let agent = null;
      let gap = null;
      let ikDrop = null;
      try {
        const end = JSON.parse(ik.err.trim().split("\n").pop());
        agent = end.agent?.packets ?? null;
        gap = end.agent?.maxGapMs ?? null;
        ikDrop = end.drops?.kernel ?? null;
      } catch {}
      // libpcap's ps_drop as each prints it: "N packets dropped by kernel"
      const tdDrop = Number(/(\d+) packets? dropped by kernel/.exec(td.err)?.[1] ?? NaN);
      const busy = ((m1[0] - m0[0]) / (m1[1] - m0[1])) * 100;
      rows.push({ rate, actual: Math.round(actual), sent, rx, agent, gap, igmpkit: ikN, tcpdump: tdN, ikDrop, tdDrop, ikCpu: ((c1 - c0) / CLK_TCK / secs) * 100, busy });
      rmSync(join(dir, `ik${rate}.pcap`), { force: true });
      rmSync(join(dir, `td${rate}.pcap`), { force: true });
    }
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(
    `${pad("target pps", 10)} ${pad("actual pps", 10)} ${pad("sent", 8)} ${pad("veth rx", 8)} ${pad("ik agent", 8)} ${pad("igmpkit", 8)} ${pad("tcpdump", 8)} ${pad("ik drops", 8)} ${pad("td drops", 8)} ${pad("igmpkit CPU", 12)} ${pad("machine busy", 12)} ${pad("agent max gap", 13)}`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.rate, 10)} ${pad(r.actual, 10)} ${pad(r.sent, 8)} ${pad(r.rx, 8)} ${pad(r.agent ?? "-", 8)} ${pad(r.igmpkit, 8)} ${pad(r.tcpdump, 8)} ${pad(r.ikDrop ?? "-", 8)} ${pad(Number.isNaN(r.tdDrop) ? "-" : r.tdDrop, 8)} ${pad(r.ikCpu.toFixed(0) + "%", 12)} ${pad(r.busy.toFixed(0) + "%", 12)} ${pad(r.gap === null ? "-" : `${Math.round(r.gap)} ms`, 13)}`,
    );
  }
  // Loss-free rate: the highest step such that it and every step below it lost nothing (in every trial).
  const lossFree = (k) => {
    let best = 0;
    for (const rate of RATES) {
      const rs = rows.filter((r) => r.rate === rate);
      if (!rs.every((r) => r.sent > 0 && r[k] >= r.sent)) break;
      best = Math.min(...rs.map((r) => r.actual));
    }
    return best;
  };
  console.log(`loss-free up to: igmpkit ${lossFree("igmpkit")} pps, tcpdump ${lossFree("tcpdump")} pps (of the rates tried; every lower step loss-free too)`);
  const best = (k) => Math.max(0, ...rows.filter((r) => r.sent > 0 && r[k] >= r.sent).map((r) => r.actual));
  const lossy = (k) => rows.filter((r) => r[k] < r.sent).map((r) => `${r.rate} (-${r.sent - r[k]})`);
  for (const k of ["igmpkit", "tcpdump"]) {
    console.log(`${k}: highest step without loss ${best(k)} pps; runs with loss ${lossy(k).length}/${rows.length}${lossy(k).length ? `: ${lossy(k).join(", ")}` : ""}`);
  }
  const at10k = rows.filter((r) => r.rate === 10000);
  if (at10k.length) console.log(`igmpkit CPU at 10k frames/s (main + agent, % of one core): ${(at10k.reduce((a, r) => a + r.ikCpu, 0) / at10k.length).toFixed(0)}%`);
} finally {
  cleanup();
}
