#!/usr/bin/env node
// Flood IGMP frames into a veth from another namespace at stepped rates (tcpreplay --pps) and capture them
// side by side with `igmpkit capture -w` and `tcpdump -w`, in one run. Prints, per rate, what each saved,
// the highest loss-free rate of each, and igmpkit's CPU (main process + capture agent) at 10k frames/s.
// Needs root, tcpdump, tcpreplay, a built CLI (npm run build). Usage: node bench/capture/flood.mjs [seconds]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { openCaptureWriter, readCaptureFile, encodeIgmpFrame, v2Report } = await import(join(ROOT, "dist", "index.js"));
const SECONDS = Number(process.argv[2] ?? 3);
const RATES = [1000, 5000, 10000, 20000, 50000, 100000, 200000];
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
  for (let i = 0; i < 200 && !/listening on/.test(p.err); i++) await sleep(50);
}
function cpuTicks(pid) {
  const pids = [pid];
  try { pids.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number)); } catch {}
  let t = 0;
  for (const p of pids) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ");
      t += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return t;
}

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

  const rows = [];
  for (const rate of RATES) {
    const loops = Math.max(1, Math.round((rate * SECONDS) / N));
    const ik = start(process.execPath, [join(ROOT, "bin", "igmpkit.js"), "capture", "-i", "far0", "-q", "-w", join(dir, `ik${rate}.pcap`)]);
    const td = start("tcpdump", ["-i", "far0", "-n", "-w", join(dir, `td${rate}.pcap`), "igmp"]);
    await listening(ik);
    await listening(td);
    await sleep(300);
    const t0 = Date.now();
    const c0 = cpuTicks(ik.pid);
    const out = sh("ip", ["netns", "exec", H, "tcpreplay", "-i", "eth0", "--pps", String(rate), "--loop", String(loops), replay]);
    const c1 = cpuTicks(ik.pid);
    const secs = (Date.now() - t0) / 1000;
    const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const actual = Number(/Rated: .*?, ([\d.]+) pps/.exec(out)?.[1] ?? rate);
    await sleep(1000);
    ik.kill("SIGINT");
    td.kill("SIGINT");
    await Promise.all([ik.done, td.done]);
    const ikN = await count(join(dir, `ik${rate}.pcap`));
    const tdN = await count(join(dir, `td${rate}.pcap`));
    rows.push({ rate, actual: Math.round(actual), sent, igmpkit: ikN, tcpdump: tdN, ikCpu: ((c1 - c0) / CLK_TCK / secs) * 100 });
    rmSync(join(dir, `ik${rate}.pcap`), { force: true });
    rmSync(join(dir, `td${rate}.pcap`), { force: true });
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${pad("target pps", 10)} ${pad("actual pps", 10)} ${pad("sent", 8)} ${pad("igmpkit", 8)} ${pad("tcpdump", 8)} ${pad("igmpkit CPU", 12)}`);
  for (const r of rows) console.log(`${pad(r.rate, 10)} ${pad(r.actual, 10)} ${pad(r.sent, 8)} ${pad(r.igmpkit, 8)} ${pad(r.tcpdump, 8)} ${pad(r.ikCpu.toFixed(0) + "%", 12)}`);
  const best = (k) => Math.max(0, ...rows.filter((r) => r[k] >= r.sent && r.sent > 0).map((r) => r.actual));
  console.log(`highest loss-free rate: igmpkit ${best("igmpkit")} pps, tcpdump ${best("tcpdump")} pps (of the rates tried)`);
  const at10k = rows.find((r) => r.rate === 10000);
  if (at10k) console.log(`igmpkit CPU at 10k frames/s (main + agent, % of one core): ${at10k.ikCpu.toFixed(0)}%`);
} finally {
  cleanup();
}
