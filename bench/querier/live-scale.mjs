#!/usr/bin/env node
// Live scale bench of the querier: `igmpkit querier -i` (its own process, in namespace q) and N emulated
// IGMPv3 hosts (this process, live in namespace h, paced at PPS frames/s) joined by a veth pair; every host
// joins M groups of its own (N x M memberships). After the join storm, R general queries are answered;
// the querier's final snapshot must hold exactly the hosts' groups, and every report the hosts sent must
// have been heard. Reported: the querier's CPU (its process and capture agent, from /proc) and peak RSS
// (VmHWM), the join storm's length, the reports per general query.
// Needs root and a built package. Usage: node bench/querier/live-scale.mjs [N=1000] [M=100] [R=2] [PPS=20000]
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { host, openLiveCapture, decodeFrame } = await import(join(ROOT, "dist", "index.js"));
const N = Number(process.argv[2] ?? 1000);
const M = Number(process.argv[3] ?? 100);
const R = Number(process.argv[4] ?? 2);
const PPS = Number(process.argv[5] ?? 20000);
const QI = 20;
const QRI = 10;
const id = `ikq${process.pid % 100000}`;
const NS = { h: `${id}-h`, q: `${id}-q` };
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const nsx = (ns, cmd, args) => sh("ip", ["netns", "exec", ns, cmd, ...args]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const ipOf = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const ipNum = (s) => s.split(".").reduce((a, p) => a * 256 + Number(p), 0) >>> 0;
const groupOf = (i, j) => ipOf(ipNum("239.1.0.0") + i * M + j);
const nsPids = (ns) => { try { return sh("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean).map(Number); } catch { return []; } };
const cpuOf = (pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; } catch { return 0; } };
const hwmOf = (pid) => { try { return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)[1]) / 1024; } catch { return 0; } };

let q;
let emu;
function cleanup() {
  try { q?.kill("SIGKILL"); } catch {}
  for (const ns of Object.values(NS)) {
    for (const pid of nsPids(ns)) try { process.kill(pid, "SIGKILL"); } catch {}
    try { sh("ip", ["netns", "del", ns]); } catch {}
  }
}
process.on("SIGINT", () => { cleanup(); process.exit(130); });
const result = { hosts: N, groupsPerHost: M, memberships: N * M, generalQueries: R, ppsLimit: PPS };
try {
  for (const ns of Object.values(NS)) { sh("ip", ["netns", "add", ns]); nsx(ns, "ip", ["link", "set", "lo", "up"]); }
  sh("ip", ["link", "add", "eth0", "netns", NS.h, "type", "veth", "peer", "name", "eth0", "netns", NS.q]);
  for (const ns of Object.values(NS)) nsx(ns, "ip", ["link", "set", "eth0", "up"]);

  // the querier, its own process; startup count 1 so that the general queries come QI apart
  q = spawn("ip", ["netns", "exec", NS.q, process.execPath, join(ROOT, "bin", "igmpkit.js"), "querier", "-i", "eth0", "--address", "198.18.0.1",
    "--query-interval", String(QI), "--query-response-interval", String(QRI), "--startup-count", "1", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  let qerr = "";
  q.stdout.setEncoding("utf8");
  q.stdout.on("data", (d) => { tail = (tail + d).slice(-64 * 1024 * 1024); });
  q.stderr.on("data", (d) => (qerr += d));
  const qdone = new Promise((r) => q.on("close", r));
  for (let i = 0; i < 400 && !/"listening"/.test(qerr); i++) await sleep(50);
  if (!/"listening"/.test(qerr)) throw new Error(`querier did not start: ${qerr}`);

  // the hosts, live in namespace h
  const emulator = new host.Emulator({ hosts: N, firstIp: "198.18.4.0", seed: 1, ppsLimit: PPS, hostOptions: { responseMarginMs: 50 } });
  const cap = await openLiveCapture("eth0", { netns: NS.h, filter: host.liveFilter(emulator.configs.map((c) => c.ip)) });
  const general = [];
  const driver = new host.RealtimeDriver(emulator, { now: () => performance.now(), setTimer: (ms, fn) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h), send: (b) => cap.send(b) });
  driver.start();
  const reading = (async () => {
    for await (const f of cap) {
      driver.receive(f);
      const d = decodeFrame(f);
      if (d.igmp?.kind === "query" && d.igmp.group === "0.0.0.0") general.push({ t: performance.now(), reportsBefore: emulator.stats().total.reportsSent.v3 });
    }
  })();
  emu = { driver, cap, reading };
  const qPids = () => nsPids(NS.q);
  const cpu0 = qPids().reduce((a, p) => a + cpuOf(p), 0);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) driver.op(i, { op: "join", group: groupOf(i, j), socket: `s${j >> 4}` });
  log(`${N * M} joins queued`);
  // wait for the join storm to go out, then R general queries answered
  // the storm is over when nothing more has been sent for a second
  for (let before = -1; driver.counters.framesSent !== before && performance.now() - t0 < 300_000; ) {
    before = driver.counters.framesSent;
    await sleep(1000);
  }
  result.joinStormSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const g0 = general.length;
  while (general.length < g0 + R && performance.now() - t0 < 600_000) await sleep(500);
  await sleep(QRI * 1000 + 2000);
  const reportsSent = emulator.stats().total.reportsSent.v3;
  result.reportsPerQuery = general.slice(g0).map((g, k) => (general[g0 + k + 1]?.reportsBefore ?? reportsSent) - g.reportsBefore);
  const cpu = qPids().reduce((a, p) => a + cpuOf(p), 0) - cpu0;
  const hwm = Math.max(...qPids().map(hwmOf));
  result.querierCpuSeconds = Math.round(cpu * 100) / 100;
  result.querierPeakRssMB = Math.round(hwm);
  result.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
  result.hostsSendLagMaxMs = Math.round(driver.counters.sendLagMaxMs);
  q.kill("SIGINT");
  await qdone;
  const last = JSON.parse(tail.trim().split("\n").at(-1));
  const want = new Set();
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) want.add(groupOf(i, j));
  const got = last.state.groups.filter((g) => g.group.startsWith("239."));
  result.querierGroups = got.length;
  result.stateEqualsHosts = got.length === want.size && got.every((g) => want.has(g.group) && g.filterMode === "exclude");
  result.framesHeardByQuerier = last.framesHeard;
  result.framesSentByHosts = driver.counters.framesSent;
  result.everyReportHeard = last.framesHeard >= reportsSent;
  await driver.stop("no-leave");
  await cap.stop();
  await reading;
  emu = undefined;
} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  if (emu) { try { await emu.driver.stop("no-leave"); await emu.cap.stop(); } catch {} }
  cleanup();
}
console.log(JSON.stringify(result));
